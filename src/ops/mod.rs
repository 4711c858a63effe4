//! One operation per user intent — apply, rollback, Alertmanager render/diff/apply —
//! called the same way by the CLI, a daemon and a web UI.
//!
//! Each operation loads what it needs, runs the pipeline and the deployment engine
//! (`deploy`), records the outcome in the history, and returns a typed report or a
//! typed error. Progress goes to an [`Events`] sink as it happens: the CLI prints it
//! as lines, a daemon can log it as JSON, a web UI can stream it. Nothing here prints.

pub mod alertmanager;
pub mod check;
pub mod edit;
pub mod impact;
pub mod query;
pub mod rules;
pub mod test;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::deploy::history::{self, History};
use crate::deploy::secrets::Secrets;
use crate::deploy::server::{Server, ServerError};
pub use crate::deploy::Outcome;
use crate::deploy::{self, DeployError, Found, ServerReport, Step};
use crate::diag::Diagnostics;
use crate::render::diff::{FileChange, Plan};
use crate::source::project::{LoadStats, Project, ProjectError};
use crate::source::settings::ServerSettings;

/// Something an operation reports while it runs, in the order it happens. Events carry
/// names, paths, counts, states and the rules directory's diagnostics, never a server's
/// answer or amtool's output (those go into the report or the error, which are
/// masked), so they cannot leak a secret.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event<'a> {
    /// The rules directory was loaded (`cache_note`: why the cache was not used or
    /// not updated).
    Loaded {
        root: &'a Path,
        stats: LoadStats,
        cache_note: Option<&'a str>,
    },
    /// The rendered results could not be stored for the next run's fast path.
    CacheNotStored { error: &'a str },
    /// Problems found while loading or checking: shown before the outcome.
    Diagnostics {
        #[serde(serialize_with = "diagnostics_json")]
        diagnostics: &'a Diagnostics,
    },
    /// The rendered rules passed alertctl's checks; `promtool` says what promtool did,
    /// `promtool_files` how many files it checked and how many it had passed before.
    Validated {
        rules: usize,
        promtool: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        promtool_files: Option<crate::render::promtool::Coverage>,
    },
    /// The rendered Alertmanager config; `amtool` says what amtool did.
    AlertmanagerValidated { amtool: &'a str },
    /// No server is configured: files are written, nothing is reloaded.
    NoServers,
    /// `rollback` re-applies this recorded deployment.
    RollbackTarget {
        rev: i64,
        time: &'a str,
        commit: Option<&'a str>,
    },
    /// A deployment step starts.
    Deploy { step: &'a Step },
    /// A server runs other rules than the files on disk (`differences` say how): the
    /// run reloads it and verifies it runs them (daemon syncs only, see [`rules::sync`]).
    LiveDrift {
        server: &'a str,
        differences: &'a [String],
    },
    /// A sharded deployment starts on one shard: its output directory and servers.
    Shard {
        name: &'a str,
        dir: &'a Path,
        servers: &'a [String],
    },
    /// The output directory's generated files are not those of `baseline`, the last
    /// deployment every server was verified to run (`left_by`: the interrupted run that
    /// wrote them, when known). `changes` say how the directory differs from it.
    OutputDiffers {
        baseline: i64,
        left_by: Option<i64>,
        changes: &'a [FileChange],
        action: DiffersAction,
    },
}

/// What the operation does about an output directory that differs from the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiffersAction {
    /// This run replaces the files (should it fail after an interrupted run, it
    /// restores the baseline rather than them).
    Replace,
    /// A dry run: the run would replace them.
    WouldReplace,
    /// This run stops before writing (invalid input): the files stay, and servers load
    /// them at their next reload or restart.
    Keep,
    /// The run deploys exactly these files: it only reloads and verifies.
    Verify,
}

fn diagnostics_json<S: serde::Serializer>(d: &&Diagnostics, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(d.len()))?;
    for d in d.sorted() {
        let at = d.position().map(|(f, l, c)| format!("{f}:{l}:{c}"));
        seq.serialize_element(&serde_json::json!({
            "code": d.code.as_str(),
            "severity": d.severity,
            "message": d.message,
            "location": at,
        }))?;
    }
    seq.end()
}

/// Receives an operation's events.
pub trait Events {
    fn event(&mut self, event: &Event<'_>);
}

impl<F: FnMut(&Event<'_>)> Events for F {
    fn event(&mut self, event: &Event<'_>) {
        self(event)
    }
}

/// Why an operation stopped without a deployment outcome. Each error says whether
/// it is invalid input ([`OpError::is_invalid_input`]) or an operational failure.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// No rules directory, or one that cannot be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The history database cannot be opened or read.
    #[error(transparent)]
    History(#[from] rusqlite::Error),
    /// The rules directory has errors (reported as [`Event::Diagnostics`]).
    #[error("{summary}; nothing written")]
    Invalid { summary: String },
    /// alertctl.toml is invalid, so there is nothing to roll back with.
    #[error("alertctl.toml is invalid; nothing rolled back")]
    InvalidSettings,
    #[error("promtool is required and missing; nothing written")]
    PromtoolMissing,
    #[error("no earlier successful deployment to roll back to")]
    NoRollbackTarget,
    #[error("no deployment {0} in the history")]
    UnknownRevision(i64),
    #[error("deployment {0} is an Alertmanager config (kept masked); rollback re-applies rule deployments only")]
    AlertmanagerRevision(i64),
    /// A server's settings cannot be used (a missing token or CA file).
    #[error("{0}")]
    ServerConfig(ServerError),
    /// The deployment engine stopped (see [`DeployError`] for what is on disk).
    #[error("{}", deploy_message(.0))]
    Deploy(DeployError),
    #[error(transparent)]
    Alertmanager(#[from] alertmanager::AmError),
    /// `--shard` names no shard, or a request does not fit sharded settings.
    #[error("{0}")]
    Shard(String),
    /// A sharded deployment where some shard stopped with an error: the report says
    /// what happened in every shard ([`DeployReport::shards`]).
    #[error("{}", .0.message)]
    Shards(Box<DeployReport>),
    /// Any of the above whose message held a secret: the message, masked.
    #[error("{message}")]
    Redacted {
        message: String,
        invalid_input: bool,
        /// The error's [`OpError::code`].
        code: &'static str,
    },
}

fn deploy_message(e: &DeployError) -> String {
    match e {
        DeployError::Unreachable(_) => format!("{e}; nothing was written"),
        _ => e.to_string(),
    }
}

impl OpError {
    /// Bad input (exit 2 in the CLI) rather than an operational failure (exit 4).
    pub fn is_invalid_input(&self) -> bool {
        match self {
            OpError::Invalid { .. }
            | OpError::InvalidSettings
            | OpError::NoRollbackTarget
            | OpError::UnknownRevision(_)
            | OpError::AlertmanagerRevision(_)
            | OpError::Shard(_)
            | OpError::Deploy(DeployError::Foreign(_)) => true,
            OpError::Shards(r) => r
                .shards
                .iter()
                .filter_map(|s| s.error.as_ref())
                .all(|e| e.invalid_input),
            OpError::Alertmanager(e) => e.is_invalid_input(),
            OpError::Redacted { invalid_input, .. } => *invalid_input,
            _ => false,
        }
    }

    /// A short, stable name for the kind of error (`invalid-rules`,
    /// `server-unreachable`, ...): what a daemon counts failures by, where the message
    /// would make every failure a label value of its own.
    pub fn code(&self) -> &'static str {
        match self {
            OpError::Project(_) => "rules-dir",
            OpError::History(_) => "history",
            OpError::Invalid { .. } => "invalid-rules",
            OpError::InvalidSettings => "invalid-settings",
            OpError::PromtoolMissing => "promtool-missing",
            OpError::NoRollbackTarget => "no-rollback-target",
            OpError::UnknownRevision(_) => "unknown-revision",
            OpError::AlertmanagerRevision(_) => "alertmanager-revision",
            OpError::ServerConfig(_) => "server-config",
            OpError::Deploy(e) => e.code(),
            OpError::Alertmanager(e) => e.code(),
            OpError::Shard(_) => "shard",
            OpError::Shards(_) => "shard-failed",
            OpError::Redacted { code, .. } => code,
        }
    }

    /// The error as it may leave an operation: unchanged, or its masked message.
    fn masked(self, secrets: &Secrets) -> OpError {
        let text = self.to_string();
        let masked = secrets.mask(&text);
        if masked == text {
            return self;
        }
        OpError::Redacted {
            message: masked,
            invalid_input: self.is_invalid_input(),
            code: self.code(),
        }
    }
}

/// The outcome of `apply`, `rollback` or `alertmanager apply`.
#[derive(Debug, Clone)]
pub struct DeployReport {
    pub outcome: Outcome,
    /// The history revision recorded for this run.
    pub rev: Option<i64>,
    /// The directory (or, for Alertmanager, the file) written.
    pub target: PathBuf,
    /// What changes in `target` (for rules: the rule files).
    pub plan: Option<Plan>,
    /// With `[file_sd]`: the scrape-target files, deployed with the rules.
    pub file_sd: Option<TargetsReport>,
    /// An earlier run did not finish (shown by a dry run: the next run reloads and
    /// verifies even if no file changes).
    pub pending: bool,
    /// What happened on each server with the new files.
    pub servers: Vec<ServerReport>,
    /// After a failure: what happened on each server with the previous files.
    pub rollback: Vec<ServerReport>,
    /// The one-line result (two lines after a rollback), as people read it.
    pub message: String,
    /// Drift this run put right, one line each: an output directory whose files were
    /// not those of the last verified deployment while the rules directory renders them
    /// unchanged (hand edits), servers that ran other rules than the files.
    pub repaired: Vec<String>,
    /// With `[[shard]]` tables: each shard's deployment, in the order of alertctl.toml.
    /// Then `outcome` is the most serious of theirs, `target` is `output.dir`, and
    /// `plan`, `servers` and `rollback` are in the shards' reports.
    pub shards: Vec<ShardReport>,
}

/// One shard's part of a sharded `apply` or `rollback`.
#[derive(Debug, Clone)]
pub struct ShardReport {
    pub shard: String,
    /// The names of its servers.
    pub servers: Vec<String>,
    /// Its deployment, when it got one.
    pub report: Option<DeployReport>,
    /// Why it stopped without one.
    pub error: Option<ShardError>,
}

/// An [`OpError`] of one shard, as a sharded report keeps it.
#[derive(Debug, Clone)]
pub struct ShardError {
    pub message: String,
    /// [`OpError::code`].
    pub code: &'static str,
    pub invalid_input: bool,
}

impl From<&OpError> for ShardError {
    fn from(e: &OpError) -> Self {
        ShardError {
            message: e.to_string(),
            code: e.code(),
            invalid_input: e.is_invalid_input(),
        }
    }
}

impl Outcome {
    /// How much an outcome needs attention: a sharded run reports the most serious one.
    pub fn severity(self) -> u8 {
        match self {
            Outcome::NoChange => 0,
            Outcome::DryRun => 1,
            Outcome::Applied => 2,
            Outcome::RolledBack => 3,
            Outcome::RollbackUnverified => 4,
        }
    }
}

/// The file_sd side of a rule deployment.
#[derive(Debug, Clone)]
pub struct TargetsReport {
    /// The file_sd directory.
    pub dir: PathBuf,
    /// What changes there (file names as in the directory).
    pub plan: Plan,
    /// The Prometheus servers seen to show the files' labels on their targets.
    pub verified: Vec<String>,
}

impl DeployReport {
    fn masked(mut self, secrets: &Secrets) -> DeployReport {
        if secrets.is_empty() {
            return self;
        }
        self.message = secrets.mask(&self.message);
        for r in self.servers.iter_mut().chain(self.rollback.iter_mut()) {
            for text in [&mut r.error, &mut r.note].into_iter().flatten() {
                *text = secrets.mask(text);
            }
        }
        let targets = self.file_sd.iter_mut().map(|t| &mut t.plan);
        for c in self
            .plan
            .iter_mut()
            .chain(targets)
            .flat_map(|p| p.changes.iter_mut())
        {
            for text in [&mut c.old, &mut c.new].into_iter().flatten() {
                *text = secrets.mask(text);
            }
        }
        self
    }
}

/// The one place where what an operation returns is masked: the report or the error.
/// (The history is masked where it is written, by [`Journal`].)
fn seal(result: Result<DeployReport, OpError>, secrets: &Secrets) -> Result<DeployReport, OpError> {
    result
        .map(|r| r.masked(secrets))
        .map_err(|e| e.masked(secrets))
}

/// The servers that load the rendered rule files.
pub fn servers(project: &Project) -> Result<Vec<Server>, ServerError> {
    let s = &project.model.settings;
    s.servers
        .iter()
        .map(|srv| Server::new(&relative_to(&project.root, srv), s.apply.retries))
        .collect()
}

/// The servers named `names` (a shard's), in that order.
pub fn servers_named(project: &Project, names: &[String]) -> Result<Vec<Server>, ServerError> {
    let s = &project.model.settings;
    names
        .iter()
        .filter_map(|n| s.servers.iter().find(|srv| srv.name.as_ref() == Some(n)))
        .map(|srv| Server::new(&relative_to(&project.root, srv), s.apply.retries))
        .collect()
}

/// File paths in server settings are relative to the rules directory, like every other
/// path in alertctl.toml.
pub fn relative_to(root: &Path, s: &ServerSettings) -> ServerSettings {
    let mut s = s.clone();
    let fix = |p: &mut Option<String>| {
        if let Some(v) = p {
            *v = root.join(&*v).display().to_string();
        }
    };
    fix(&mut s.ca_file);
    fix(&mut s.bearer_token_file);
    if let Some(b) = &mut s.basic_auth {
        fix(&mut b.password_file);
    }
    s
}

/// The engine's options from `[apply]`.
fn deploy_options(
    project: &Project,
    dry_run: bool,
    new_file_mode: Option<u32>,
    check_live: bool,
) -> deploy::Options {
    let a = &project.model.settings.apply;
    let duration = |s: &str, default: u64| {
        crate::model::parse_duration(s).unwrap_or(Duration::from_secs(default))
    };
    deploy::Options {
        dry_run,
        lock_timeout: duration(&a.lock_timeout, 60),
        verify_timeout: duration(&a.verify_timeout, 30),
        new_files: deploy::txn::NewFiles {
            mode: new_file_mode,
        },
        targets: None,
        check_live,
    }
}

/// The secret values servers' requests carry.
fn credentials(servers: &[Server]) -> Secrets {
    Secrets::new(servers.iter().flat_map(Server::credentials))
}

/// How an output path is keyed in the history: absolute, so `--out` given relative to
/// one directory matches the same directory given from another.
pub fn history_key(target: &Path) -> String {
    std::path::absolute(target)
        .unwrap_or_else(|_| target.to_path_buf())
        .display()
        .to_string()
}

/// The history side of one deployment: the write-ahead row, the rows of killed runs,
/// the row an unfinished run left. Its messages are masked before they are written;
/// the files are kept as given: a masked copy for Alertmanager, and rule files (which
/// hold no secrets) exactly as deployed, since `rollback` re-applies them.
struct Journal<'a> {
    root: &'a Path,
    history: Option<History>,
    kind: String,
    key: String,
    /// What the history keeps of the files (masked for Alertmanager).
    files: BTreeMap<String, String>,
    secrets: &'a Secrets,
    dry_run: bool,
    /// Whether disk files can be compared with recorded ones (not for masked copies).
    comparable: bool,
    /// This run's write-ahead row.
    rev: Option<i64>,
    /// The row of the unfinished run whose files this run only reloads and verifies.
    completing: Option<i64>,
}

impl<'a> Journal<'a> {
    fn new(
        root: &'a Path,
        kind: &str,
        target: &Path,
        files: BTreeMap<String, String>,
        secrets: &'a Secrets,
        dry_run: bool,
    ) -> Journal<'a> {
        Journal {
            root,
            history: History::open(root).ok(),
            kind: kind.to_string(),
            key: history_key(target),
            files,
            secrets,
            dry_run,
            comparable: true,
            rev: None,
            completing: None,
        }
    }

    /// Under the lock: rows still `in-progress` belong to killed runs; say what they
    /// left. Remember the row whose files an unfinished run left on disk.
    fn reconcile(&mut self, found: &Found) {
        let Some(h) = &self.history else { return };
        if self.dry_run {
            return;
        }
        for row in h.in_progress(&self.key).unwrap_or_default() {
            let msg = if !self.comparable {
                "killed before every server was verified to run its config".to_string()
            } else if row.files == found.generated {
                "killed after writing its files and before every server was verified to run them; the files stayed in the output directory".to_string()
            } else {
                "killed before its files were written; the output directory kept the files it had"
                    .to_string()
            };
            let _ = h.mark(row.rev, history::INTERRUPTED, &msg);
        }
        if found.unfinished {
            let unfinished = |d: &history::Deployment| {
                d.result == history::INTERRUPTED || d.result == history::WRITE_FAILED
            };
            self.completing = found
                .unfinished_id
                .and_then(|id| h.get(id).ok().flatten())
                .filter(|d| unfinished(d) && (d.files == found.generated || !self.comparable))
                .or_else(|| {
                    h.with_files(&self.key, &found.generated)
                        .ok()
                        .flatten()
                        .filter(unfinished)
                })
                .map(|d| d.rev);
        }
    }

    /// The row whose run wrote the files on disk and did not see them verified, when
    /// the history says so.
    fn left_by(&self, found: &Found) -> Option<i64> {
        if self.completing.is_some() || !self.comparable {
            return self.completing;
        }
        let h = self.history.as_ref()?;
        let row = match found.unfinished_id {
            Some(id) => h.get(id).ok().flatten(),
            None => h.with_files(&self.key, &found.generated).ok().flatten(),
        }?;
        (row.files == found.generated && row.result != "applied").then_some(row.rev)
    }

    fn begin(&mut self, plan: &Plan) -> Option<i64> {
        let h = self.history.as_ref()?;
        self.rev = h
            .begin(
                &self.kind,
                history::git_commit(self.root).as_deref(),
                &self.key,
                &crate::render::file_sd::describe(plan),
                &self.files,
            )
            .ok();
        self.rev
    }

    /// Records how the run ended; returns the row that tells it.
    fn finish(&self, result: &str, plan: &Plan, message: Option<&str>) -> Option<i64> {
        let h = self.history.as_ref()?;
        let message = message.map(|m| self.secrets.mask(m));
        if let Some(rev) = self.rev {
            h.finish(rev, result, message.as_deref()).ok()?;
            return Some(rev);
        }
        if let Some(rev) = self.completing {
            let m = format!(
                "completed by a later run: the run that wrote these files stopped before every server was verified{}",
                message.map_or(String::new(), |m| format!("; {m}"))
            );
            h.finish(rev, result, Some(&m)).ok()?;
            return Some(rev);
        }
        let m = format!(
            "reloaded and verified files an interrupted run left, of which the history has no record{}",
            message.map_or(String::new(), |m| format!("; {m}"))
        );
        h.record(
            &self.kind,
            result,
            history::git_commit(self.root).as_deref(),
            &self.key,
            &crate::render::file_sd::describe(plan),
            Some(&m),
            &self.files,
        )
        .ok()
    }

    /// A run that stopped after its write-ahead row: say how.
    fn failed(&self, e: &DeployError) {
        let (Some(h), Some(rev)) = (&self.history, self.rev) else {
            return;
        };
        let result = match e {
            DeployError::Restore { .. } => history::RESTORE_FAILED,
            _ => history::WRITE_FAILED,
        };
        let _ = h.finish(rev, result, Some(&self.secrets.mask(&e.to_string())));
    }
}

/// The deployment engine's view of an operation: steps become events, findings and
/// the write-ahead id go through the journal.
struct OpSink<'a, 'b> {
    events: &'a mut dyn Events,
    journal: &'a mut Journal<'b>,
    /// The last deployment every server was verified to run, to compare the directory
    /// with (rule deployments only).
    baseline: Option<(i64, &'a BTreeMap<String, String>)>,
    action: DiffersAction,
    /// What this run deploys.
    desired: &'a BTreeMap<String, String>,
}

impl deploy::Sink for OpSink<'_, '_> {
    fn step(&mut self, step: &Step) {
        self.events.event(&Event::Deploy { step });
    }

    fn found(&mut self, found: &Found) {
        self.journal.reconcile(found);
        if let Some((rev, files)) = self.baseline {
            if *files != found.generated {
                let changes = crate::render::diff::plan_files(&found.generated, files).changes;
                self.events.event(&Event::OutputDiffers {
                    baseline: rev,
                    left_by: self.journal.left_by(found),
                    changes: &changes,
                    action: if found.generated == *self.desired {
                        DiffersAction::Verify
                    } else {
                        self.action
                    },
                });
            }
        }
    }

    fn begin(&mut self, plan: &Plan) -> Option<i64> {
        self.journal.begin(plan)
    }

    fn drift(&mut self, server: &str, differences: &[String]) {
        self.events.event(&Event::LiveDrift {
            server,
            differences,
        });
    }
}

/// The message the history keeps for a successful run: what it repaired, then notes.
fn history_note(repaired: &[String], notes: Option<&str>) -> Option<String> {
    let repaired = (!repaired.is_empty()).then(|| format!("repaired: {}", repaired.join("; ")));
    match (repaired, notes) {
        (Some(r), Some(n)) => Some(format!("{r}; {n}")),
        (r, n) => r.or(n.map(str::to_string)),
    }
}

/// What a run that reloaded drifted servers repaired, for the report and the history.
fn live_repairs(drifted: &[String]) -> Vec<String> {
    drifted
        .iter()
        .map(|s| format!("{s} ran other rules than the files; reloaded and verified"))
        .collect()
}

/// The lines after a failure: per server that could not be verified, what it runs.
fn runs_note(rollback: &[ServerReport]) -> String {
    let seen: Vec<String> = rollback
        .iter()
        .filter_map(|r| Some(format!("{} {}", r.server, r.runs?.describe())))
        .collect();
    if seen.is_empty() {
        String::new()
    } else {
        format!("\nnow: {}", seen.join("; "))
    }
}

/// Reload requests that timed out on servers that were then verified.
fn timeout_notes(servers: &[ServerReport]) -> Option<String> {
    let notes: Vec<String> = servers
        .iter()
        .filter_map(|r| Some(format!("{}: {}", r.server, r.note.as_ref()?)))
        .collect();
    (!notes.is_empty()).then(|| notes.join("; "))
}
