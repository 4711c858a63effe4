//! `apply`: put a rendered rule set in the output directory and make every configured
//! server run it, or leave everything as it was.
//!
//! lock -> finish an interrupted commit -> see what is there -> plan -> (dry run stops
//! here) -> preflight (every server ready; nothing written otherwise) -> write-ahead
//! id -> crash-safe commit -> reload and verify each server -> on any failure: restore
//! the previous files (or, when the directory held files no server was verified to run,
//! the baseline's) byte for byte, reload, verify, and say what each unverified server
//! runs. With `[file_sd]`, the scrape-target files are part of the deployment (see
//! [`file_sd`]): a file set holds both kinds, the file_sd files keyed `file_sd/NAME`.

pub mod history;
pub mod secrets;

pub mod file_sd;
pub mod server;
pub mod txn;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::render::diff::{self, ChangeKind, Plan};
use crate::render::output;
use crate::source::settings::ServerKind;
use server::{Server, ServerError};

pub const LOCK_FILE: &str = ".alertctl.lock";

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("another apply holds {path} (waited {waited:?})")]
    Locked { path: String, waited: Duration },
    /// A rendered file's name is taken by a hand-written file, a symbolic link or
    /// another entry alertctl did not generate (the message says which).
    #[error("{0}")]
    Foreign(String),
    #[error("{0}")]
    Unreachable(ServerError),
    #[error("cannot prepare the output directory (nothing was written): {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the files failed midway ({0}); every file on disk is complete, and the next apply finishes the change and reloads")]
    Commit(std::io::Error),
    /// The new files failed and putting the previous ones back failed midway.
    #[error("deploy failed: {error}\nrestoring the previous files failed midway ({source}); every file on disk is complete, and the next apply or rollback finishes restoring them and reloads")]
    Restore {
        error: String,
        source: std::io::Error,
    },
}

impl DeployError {
    /// A short, stable name for the kind of failure (see [`crate::ops::OpError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            DeployError::Locked { .. } => "locked",
            DeployError::Foreign(_) => "foreign-file",
            DeployError::Unreachable(_) => "server-unreachable",
            DeployError::Io(_) => "io",
            DeployError::Commit(_) => "write-failed",
            DeployError::Restore { .. } => "restore-failed",
        }
    }
}

/// What a server was seen to run after a failed deployment it could not be verified on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runs {
    /// The files restored by the rollback.
    Previous,
    /// The new files, the ones that failed.
    New,
    /// Neither: e.g. a reload still in progress, or other files.
    Other,
    /// It could not be asked.
    Unknown,
}

impl Runs {
    pub fn describe(self) -> &'static str {
        match self {
            Runs::Previous => "runs the previous rules",
            Runs::New => "still runs the new rules",
            Runs::Other => "runs neither the previous nor the new rules",
            Runs::Unknown => "could not be asked what it runs",
        }
    }
}

/// What happened on one server.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServerReport {
    pub server: String,
    pub reloaded: bool,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The reload request timed out and the server was then seen to run the files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Only for a server that could not be verified after a rollback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<Runs>,
    /// With `[file_sd]` verification, on a Prometheus: whether its scrape targets
    /// showed the file_sd files' labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets_verified: Option<bool>,
}

/// How a deployment that got a plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Nothing to write; nothing reloaded.
    NoChange,
    DryRun,
    /// Written, and every server verified to run it.
    Applied,
    /// The new files failed; the previous ones are back and verified on every server.
    RolledBack,
    /// The new files failed; the previous ones are back, but a server is unverified.
    RollbackUnverified,
}

impl Outcome {
    /// The word `--format json` and the history use.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NoChange => "no-change",
            Outcome::DryRun => "dry-run",
            Outcome::Applied => "applied",
            Outcome::RolledBack => "rolled-back",
            Outcome::RollbackUnverified => "rollback-unverified",
        }
    }
}

/// What a run found in the output directory before planning (under the lock, after
/// finishing an interrupted commit).
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// An earlier run wrote (or was about to write) files and did not verify every
    /// server, so this run reloads and verifies even if no file changes.
    pub unfinished: bool,
    /// The id that run's pending marker keeps (see [`Sink::begin`]).
    pub unfinished_id: Option<i64>,
    /// The generated files on disk.
    pub generated: BTreeMap<String, String>,
}

/// The deployment the servers were last verified to run from this directory: what a
/// rollback restores when the directory holds files no server was verified to run.
#[derive(Debug, Clone, Copy)]
pub struct Baseline<'a> {
    pub id: i64,
    /// Its file set, as deploying it again writes it (see
    /// [`crate::render::file_sd::redeployed`]).
    pub files: &'a BTreeMap<String, String>,
}

/// What the rollback of a failed deployment put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    /// The files that were on disk before this run.
    Previous,
    /// The baseline's files (the directory held files no server was verified to run).
    Baseline(i64),
}

/// The end of a deployment that got as far as a plan.
#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    pub plan: Plan,
    pub found: Found,
    /// The id [`Sink::begin`] gave this run's write (or the unfinished run's, when this
    /// one only reloads what that one wrote).
    pub id: Option<i64>,
    /// What happened on each server with the new files.
    pub attempt: Vec<ServerReport>,
    /// After a failure: each server with the restored files.
    pub rollback: Vec<ServerReport>,
    /// The failure that caused the rollback.
    pub error: Option<String>,
    pub restored: Option<Restored>,
    /// With [`Options::check_live`]: the servers found running other rules than the
    /// files, which this run reloaded.
    pub drifted: Vec<String>,
}

pub struct Options {
    pub dry_run: bool,
    pub lock_timeout: Duration,
    pub verify_timeout: Duration,
    /// How files that do not exist yet are created.
    pub new_files: txn::NewFiles,
    /// `[file_sd]`: the deployment's scrape-target files.
    pub targets: Option<file_sd::Targets>,
    /// With nothing to write, ask every server whether it runs the files, and reload
    /// and verify those that run something else (drift: a server restarted with other
    /// rules, files reloaded by hand). A daemon's periodic resync does this.
    pub check_live: bool,
}

/// Where a deployment reports what it does, and how it gets a write-ahead id; the
/// library never prints.
pub trait Sink {
    fn step(&mut self, step: &Step);
    /// Under the lock, before the plan: what the directory holds.
    fn found(&mut self, _found: &Found) {}
    /// Under the lock, right before the first byte is written: an id for this write
    /// (e.g. a history row), kept in the pending marker until every server is
    /// verified, so a later run knows which deployment was interrupted.
    fn begin(&mut self, _plan: &Plan) -> Option<i64> {
        None
    }
    /// With [`Options::check_live`]: a server runs other rules than the files on disk
    /// (`differences` say how); this run reloads and verifies it.
    fn drift(&mut self, _server: &str, _differences: &[String]) {}
}

/// Reports a step, then stops dead if a test asked to (`ALERTCTL_CRASH_AT=<step name>`,
/// like a kill -9 there: no cleanup runs).
fn emit(sink: &mut dyn Sink, step: &Step) {
    sink.step(step);
    if std::env::var("ALERTCTL_CRASH_AT").as_deref() == Ok(step.name()) {
        std::process::abort();
    }
}

/// A step of a deployment, reported as it starts (the library never prints itself):
/// the CLI prints each as a progress line, a daemon can log it, a web UI stream it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// An earlier run wrote files but did not verify every server.
    Unfinished,
    CheckingReady {
        server: String,
    },
    Writing {
        files: usize,
        dir: PathBuf,
    },
    /// The file_sd files that change (after the rule files).
    WritingTargets {
        files: usize,
        dir: PathBuf,
    },
    Reloading {
        server: String,
    },
    Verifying {
        server: String,
    },
    /// Waiting until a Prometheus shows the file_sd files' labels on its targets.
    CheckingTargets {
        server: String,
    },
    RollingBack,
    ReloadingPrevious {
        server: String,
    },
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Unfinished => f.write_str(
                "an earlier apply did not finish: servers will be reloaded and verified",
            ),
            Step::CheckingReady { server } => write!(f, "checking {server} is ready"),
            Step::Writing { files, dir } => {
                write!(f, "writing {files} file(s) to {}", dir.display())
            }
            Step::WritingTargets { files, dir } => {
                write!(f, "writing {files} file_sd file(s) to {}", dir.display())
            }
            Step::Reloading { server } => write!(f, "reloading {server}"),
            Step::Verifying { server } => write!(f, "verifying {server}"),
            Step::CheckingTargets { server } => write!(
                f,
                "checking {server} scrapes the file_sd targets with their labels"
            ),
            Step::RollingBack => f.write_str("rolling back to the previous files"),
            Step::ReloadingPrevious { server } => {
                write!(f, "reloading {server} with the previous rules")
            }
        }
    }
}

impl Step {
    /// The step's name, as in its JSON form.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Unfinished => "unfinished",
            Step::CheckingReady { .. } => "checking-ready",
            Step::Writing { .. } => "writing",
            Step::WritingTargets { .. } => "writing-targets",
            Step::Reloading { .. } => "reloading",
            Step::Verifying { .. } => "verifying",
            Step::CheckingTargets { .. } => "checking-targets",
            Step::RollingBack => "rolling-back",
            Step::ReloadingPrevious { .. } => "reloading-previous",
        }
    }
}

/// Holds the output directory's lock until dropped.
pub struct Lock {
    _file: std::fs::File,
}

pub fn lock(dir: &Path, timeout: Duration) -> Result<Lock, DeployError> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Lock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(DeployError::Locked {
                    path: path.display().to_string(),
                    waited: timeout,
                })
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
    }
}

/// A plan's changes, split into the rule files' and the file_sd files' (named as in
/// their directory).
fn changes(plan: &Plan) -> (Vec<txn::Change>, Vec<txn::Change>) {
    let mut rules = Vec::new();
    let mut file_sd = Vec::new();
    for c in &plan.changes {
        let content = if c.kind == ChangeKind::Removed {
            None
        } else {
            c.new.clone()
        };
        match c.file.strip_prefix(crate::render::file_sd::KEY_PREFIX) {
            Some(name) => file_sd.push((name.to_string(), content)),
            None => rules.push((c.file.clone(), content)),
        }
    }
    (rules, file_sd)
}

/// Writes a plan: the rule files (always through a commit, which also finishes an
/// interrupted one), then the file_sd files that change.
fn commit(dir: &Path, plan: &Plan, opts: &Options) -> std::io::Result<()> {
    let (rules, file_sd) = changes(plan);
    txn::commit_with(dir, &rules, opts.new_files)?;
    match &opts.targets {
        Some(t) if !file_sd.is_empty() => txn::commit_with(&t.dir, &file_sd, opts.new_files),
        _ => Ok(()),
    }
}

/// What a deployment's directories hold: the output directory and, with `[file_sd]`,
/// the file_sd directory.
pub struct OnDisk {
    pub rules: output::Current,
    pub file_sd: Option<output::Current>,
}

impl OnDisk {
    pub fn read(dir: &Path, targets: Option<&Path>) -> std::io::Result<OnDisk> {
        Ok(OnDisk {
            rules: output::read(dir)?,
            file_sd: targets.map(crate::render::file_sd::read).transpose()?,
        })
    }

    /// The generated files, as a file set.
    pub fn generated(&self) -> BTreeMap<String, String> {
        match &self.file_sd {
            Some(sd) => crate::render::file_sd::join(&self.rules.generated, &sd.generated),
            None => self.rules.generated.clone(),
        }
    }

    /// Why a file of `desired` cannot be written: its name is taken by an entry alertctl
    /// did not generate.
    fn refusal(&self, desired: &BTreeMap<String, String>) -> Option<String> {
        let (rules, file_sd) = crate::render::file_sd::split(desired);
        if let Some(f) = self.rules.foreign.iter().find(|f| rules.contains_key(*f)) {
            return Some(self.rules.refusal(f));
        }
        let sd = self.file_sd.as_ref()?;
        let f = sd.foreign.iter().find(|f| file_sd.contains_key(*f))?;
        Some(sd.refusal_in(f, "the file_sd directory"))
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Present from before a commit until every server verifiably runs the new files (or
/// the old ones again): a run that finds it reloads and verifies even when no file
/// changes, so a crash between writing and reloading cannot leave servers stale
/// unnoticed. It names the write-ahead id of the run that wrote it.
pub const PENDING: &str = ".alertctl-reload-pending";

fn write_marker(dir: &Path, id: Option<i64>) -> std::io::Result<()> {
    let text = match id {
        Some(id) => format!("reload pending\ndeployment {id}\n"),
        None => "reload pending\n".into(),
    };
    std::fs::write(dir.join(PENDING), text)
}

/// `None` without a marker; `Some(id)` with one (`id` from its `deployment N` line).
pub fn read_marker(dir: &Path) -> Option<Option<i64>> {
    let text = std::fs::read_to_string(dir.join(PENDING)).ok()?;
    Some(
        text.lines()
            .find_map(|l| l.strip_prefix("deployment ")?.trim().parse().ok()),
    )
}

/// Deploys `desired` (a file set: rule files, and with `opts.targets` the file_sd files)
/// into `dir` (and the file_sd directory) and makes every server run it.
pub fn apply(
    dir: &Path,
    desired: &BTreeMap<String, String>,
    servers: &[Server],
    opts: &Options,
    baseline: Option<Baseline<'_>>,
    sink: &mut dyn Sink,
) -> Result<Report, DeployError> {
    let report = |outcome, plan, found| Report {
        outcome,
        plan,
        found,
        id: None,
        attempt: vec![],
        rollback: vec![],
        error: None,
        restored: None,
        drifted: vec![],
    };
    let targets_dir = opts.targets.as_ref().map(|t| t.dir.as_path());
    if opts.dry_run {
        // Read-only: no lock, no recovery, nothing created.
        let current = OnDisk::read(dir, targets_dir)?;
        let marker = read_marker(dir);
        let journal = |d: &Path| d.join(txn::JOURNAL).exists();
        let found = Found {
            unfinished: journal(dir) || targets_dir.is_some_and(journal) || marker.is_some(),
            unfinished_id: marker.flatten(),
            generated: current.generated(),
        };
        if let Some(refusal) = current.refusal(desired) {
            return Err(DeployError::Foreign(refusal));
        }
        sink.found(&found);
        let plan = diff::plan(desired, &found.generated);
        return Ok(report(Outcome::DryRun, plan, found));
    }
    let _lock = lock(dir, opts.lock_timeout)?;
    let _targets_lock = match targets_dir {
        Some(t) if !same_dir(t, dir) => Some(lock(t, opts.lock_timeout)?),
        _ => None,
    };
    let mut recovered = txn::recover(dir)?;
    if let Some(t) = targets_dir {
        recovered |= txn::recover(t)?;
    }
    let marker = read_marker(dir);
    let current = OnDisk::read(dir, targets_dir)?;
    let found = Found {
        unfinished: recovered || marker.is_some(),
        unfinished_id: marker.flatten(),
        generated: current.generated(),
    };
    if let Some(refusal) = current.refusal(desired) {
        return Err(DeployError::Foreign(refusal));
    }
    sink.found(&found);
    if found.unfinished {
        emit(sink, &Step::Unfinished);
    }
    let plan = diff::plan(desired, &found.generated);
    let mut drifted = Vec::new();
    if plan.is_empty() && !found.unfinished {
        if opts.check_live {
            // Servers load the rule files; the file_sd files are checked through targets.
            let (want_rules, _) = crate::render::file_sd::split(desired);
            for s in servers {
                let d = server::live_drift(s, &want_rules).map_err(DeployError::Unreachable)?;
                if !d.is_empty() {
                    sink.drift(&s.name, &d);
                    drifted.push(s.name.clone());
                }
            }
        }
        if drifted.is_empty() {
            return Ok(report(Outcome::NoChange, plan, found));
        }
    }
    for s in servers {
        emit(
            sink,
            &Step::CheckingReady {
                server: s.name.clone(),
            },
        );
        s.ready()
            .and_then(|_| s.preflight())
            .map_err(DeployError::Unreachable)?;
    }
    // Only reloading what an unfinished run wrote: that run's id stays in the marker.
    let id = if plan.is_empty() && found.unfinished {
        found.unfinished_id
    } else {
        sink.begin(&plan)
    };
    let (rule_changes, target_changes) = changes(&plan);
    emit(
        sink,
        &Step::Writing {
            files: rule_changes.len(),
            dir: dir.to_path_buf(),
        },
    );
    write_marker(dir, id)?;
    if let (Some(t), false) = (&opts.targets, target_changes.is_empty()) {
        emit(
            sink,
            &Step::WritingTargets {
                files: target_changes.len(),
                dir: t.dir.clone(),
            },
        );
    }
    commit(dir, &plan, opts).map_err(DeployError::Commit)?;

    let (want_rules, want_targets) = crate::render::file_sd::split(desired);
    let (mut attempt, mut failure) = reload_all(servers, &want_rules, opts, sink);
    if failure.is_none() {
        failure = check_targets(servers, &want_targets, opts, sink, &mut attempt);
    }
    let Some(error) = failure else {
        let _ = std::fs::remove_file(dir.join(PENDING));
        let mut r = report(Outcome::Applied, plan, found);
        r.id = id;
        r.attempt = attempt;
        r.drifted = drifted;
        return Ok(r);
    };

    emit(sink, &Step::RollingBack);
    // Files no server was verified to run (an earlier run was interrupted) are no
    // state to return to: the baseline is, when there is one.
    let (previous, restored) = match baseline {
        Some(b) if found.unfinished && *b.files != found.generated => {
            (b.files.clone(), Restored::Baseline(b.id))
        }
        _ => (found.generated.clone(), Restored::Previous),
    };
    let undo = diff::plan(&previous, desired);
    commit(dir, &undo, opts).map_err(|source| DeployError::Restore {
        error: error.clone(),
        source,
    })?;
    let (previous_rules, previous_targets) = crate::render::file_sd::split(&previous);
    let mut rollback = Vec::new();
    let mut all_verified = true;
    for s in servers {
        emit(
            sink,
            &Step::ReloadingPrevious {
                server: s.name.clone(),
            },
        );
        let (mut r, err) = reload_one(s, &previous_rules, opts, sink);
        if err.is_some() {
            all_verified = false;
            r.runs = Some(runs(s, &previous_rules, &want_rules));
        } else if check_targets(
            std::slice::from_ref(s),
            &previous_targets,
            opts,
            sink,
            std::slice::from_mut(&mut r),
        )
        .is_some()
        {
            all_verified = false;
        }
        rollback.push(r);
    }
    if all_verified {
        let _ = std::fs::remove_file(dir.join(PENDING));
    }
    let mut r = report(
        if all_verified {
            Outcome::RolledBack
        } else {
            Outcome::RollbackUnverified
        },
        plan,
        found,
    );
    r.id = id;
    r.attempt = attempt;
    r.rollback = rollback;
    r.error = Some(error);
    r.restored = Some(restored);
    r.drifted = drifted;
    Ok(r)
}

/// With `[file_sd]` verification: waits until each Prometheus of `servers` (whose
/// reports are `reports`, in the same order) shows the labels of the file_sd files
/// `files` on their targets. Stops at the first that does not; returns its error.
fn check_targets(
    servers: &[Server],
    files: &BTreeMap<String, String>,
    opts: &Options,
    sink: &mut dyn Sink,
    reports: &mut [ServerReport],
) -> Option<String> {
    let t = opts.targets.as_ref().filter(|t| t.verify)?;
    let expected = file_sd::expected(files, &t.target_label);
    if expected.is_empty() {
        return None;
    }
    for (s, r) in servers.iter().zip(reports.iter_mut()) {
        if s.kind != ServerKind::Prometheus {
            continue;
        }
        emit(
            sink,
            &Step::CheckingTargets {
                server: s.name.clone(),
            },
        );
        match file_sd::verify_targets(s, &expected, &t.target_label, &t.dir, opts.verify_timeout) {
            Ok(()) => r.targets_verified = Some(true),
            Err(e) => {
                r.targets_verified = Some(false);
                r.error = Some(e.to_string());
                return Some(e.to_string());
            }
        }
    }
    None
}

/// What an unverified server runs now, asked once.
fn runs(s: &Server, previous: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Runs {
    let live = match s.kind {
        crate::source::settings::ServerKind::Alertmanager => {
            return match s.alertmanager_config() {
                Err(_) => Runs::Unknown,
                Ok(c) if server::am_drift(previous, &c).is_empty() => Runs::Previous,
                Ok(c) if server::am_drift(new, &c).is_empty() => Runs::New,
                Ok(_) => Runs::Other,
            }
        }
        _ => match s.rules() {
            Ok(l) => l,
            Err(_) => return Runs::Unknown,
        },
    };
    if server::drift(s.kind, previous, &live).is_empty() {
        Runs::Previous
    } else if server::drift(s.kind, new, &live).is_empty() {
        Runs::New
    } else {
        Runs::Other
    }
}

fn reload_one(
    s: &Server,
    expected: &BTreeMap<String, String>,
    opts: &Options,
    sink: &mut dyn Sink,
) -> (ServerReport, Option<String>) {
    let mut r = ServerReport {
        server: s.name.clone(),
        reloaded: false,
        verified: false,
        error: None,
        note: None,
        runs: None,
        targets_verified: None,
    };
    emit(
        sink,
        &Step::Reloading {
            server: s.name.clone(),
        },
    );
    let verify = |sink: &mut dyn Sink| {
        emit(
            sink,
            &Step::Verifying {
                server: s.name.clone(),
            },
        );
        server::verify(s, expected, opts.verify_timeout)
    };
    let res = match s.reload(opts.verify_timeout) {
        Ok(()) => {
            r.reloaded = true;
            verify(sink)
        }
        // A reload that timed out may still happen: whether the server runs the files
        // is what counts, so wait for that as after any reload.
        Err(e) if e.is_timeout() => match verify(sink) {
            Ok(()) => {
                r.reloaded = true;
                r.note = Some(format!(
                    "{}; the server was then seen to run the expected rules",
                    e.detail()
                ));
                Ok(())
            }
            Err(v) => Err(ServerError::Rejected {
                server: s.name.clone(),
                message: format!(
                    "{} (it may still be reloading), and {}",
                    e.detail(),
                    v.detail()
                ),
            }),
        },
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => {
            r.verified = true;
            (r, None)
        }
        Err(e) => {
            r.error = Some(e.to_string());
            (r, Some(e.to_string()))
        }
    }
}

/// Reloads servers in order, stopping at the first failure.
fn reload_all(
    servers: &[Server],
    expected: &BTreeMap<String, String>,
    opts: &Options,
    sink: &mut dyn Sink,
) -> (Vec<ServerReport>, Option<String>) {
    let mut reports = Vec::new();
    for s in servers {
        let (r, err) = reload_one(s, expected, opts, sink);
        reports.push(r);
        if err.is_some() {
            return (reports, err);
        }
    }
    (reports, None)
}
