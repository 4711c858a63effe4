//! One operation per user intent — apply, rollback, Alertmanager render/diff/apply —
//! called the same way by the CLI, a daemon and a web UI.
//!
//! Each operation loads what it needs, runs the pipeline and the deployment engine
//! (`deploy`), records the outcome in the history, and returns a typed report or a
//! typed error. Progress goes to an [`Events`] sink as it happens: the CLI prints it
//! as lines, a daemon can log it as JSON, a web UI can stream it. Nothing here prints.

pub mod alertmanager;
pub mod rules;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::deploy::server::{Server, ServerError};
use crate::deploy::{self, DeployError, ServerReport, Step};
use crate::diag::Diagnostics;
use crate::diff::Plan;
use crate::project::{LoadStats, Project, ProjectError};
use crate::settings::ServerSettings;

/// Something an operation reports while it runs, in the order it happens.
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
    /// The rendered rules passed alertctl's checks; `promtool` says what promtool did.
    Validated { rules: usize, promtool: &'a str },
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
            | OpError::Deploy(DeployError::Foreign(_)) => true,
            OpError::Alertmanager(e) => e.is_invalid_input(),
            _ => false,
        }
    }
}

/// How a deployment that got a plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// The outcome of `apply`, `rollback` or `alertmanager apply`.
#[derive(Debug, Clone)]
pub struct DeployReport {
    pub outcome: Outcome,
    /// The history revision recorded for this run.
    pub rev: Option<i64>,
    /// The directory (or, for Alertmanager, the file) written.
    pub target: PathBuf,
    pub plan: Option<Plan>,
    /// Dry run only: an earlier run did not finish, so the next one reloads anyway.
    pub pending: bool,
    /// What happened on each server with the new files.
    pub servers: Vec<ServerReport>,
    /// After a failure: what happened on each server with the previous files.
    pub rollback: Vec<ServerReport>,
    /// The one-line result (two lines after a rollback), as people read it.
    pub message: String,
}

/// The servers that load the rendered rule files.
pub fn servers(project: &Project) -> Result<Vec<Server>, ServerError> {
    let s = &project.model.settings;
    s.servers
        .iter()
        .map(|srv| Server::new(&relative_to(&project.root, srv), s.apply.retries))
        .collect()
}

/// File paths in server settings are relative to the rules directory, like every other
/// path in alertctl.toml.
fn relative_to(root: &Path, s: &ServerSettings) -> ServerSettings {
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
fn deploy_options(project: &Project, dry_run: bool) -> deploy::Options {
    let a = &project.model.settings.apply;
    let duration = |s: &str, default: u64| {
        crate::model::parse_duration(s).unwrap_or(Duration::from_secs(default))
    };
    deploy::Options {
        dry_run,
        lock_timeout: duration(&a.lock_timeout, 60),
        verify_timeout: duration(&a.verify_timeout, 30),
    }
}

/// The history row of a finished deployment.
struct Record<'a> {
    kind: &'a str,
    target: &'a Path,
    files: &'a std::collections::BTreeMap<String, String>,
}

impl Record<'_> {
    /// Records the outcome; `None` when the history cannot be written (the deployment
    /// itself stands).
    fn save(&self, root: &Path, outcome: Outcome, plan: &Plan, error: Option<&str>) -> Option<i64> {
        let h = crate::history::History::open(root).ok()?;
        h.record(
            self.kind,
            outcome.as_str(),
            crate::history::git_commit(root).as_deref(),
            &self.target.display().to_string(),
            &plan.summary.to_string(),
            error,
            self.files,
        )
        .ok()
    }
}
