//! `apply` and `rollback`: put a rule set in the output directory, make every server
//! run it, record it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{deploy_options, servers, DeployReport, Event, Events, OpError, Outcome, Record};
use crate::deploy;
use crate::diag::{Code, Diagnostics};
use crate::history::History;
use crate::project::{self, Project};
use crate::promtool::{self, Status};
use crate::settings::PromtoolPolicy;

/// What `apply` deploys and how.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// The rules directory, or a directory inside it.
    pub dir: PathBuf,
    /// Read and update the SQLite cache.
    pub use_cache: bool,
    /// The output directory instead of `output.dir`.
    pub out: Option<PathBuf>,
    /// Overrides `validate.promtool`.
    pub promtool: Option<PromtoolPolicy>,
    /// Plan only: no lock, no server contacted, nothing written.
    pub dry_run: bool,
}

/// What `rollback` re-applies.
#[derive(Debug, Clone)]
pub struct RollbackRequest {
    pub dir: PathBuf,
    pub use_cache: bool,
    /// The recorded deployment; by default the one before the latest successful one.
    pub rev: Option<i64>,
    pub out: Option<PathBuf>,
    pub dry_run: bool,
}

/// Validates, renders and deploys the rules directory.
pub fn apply(req: &ApplyRequest, events: &mut dyn Events) -> Result<DeployReport, OpError> {
    let root = project::find_root(&req.dir)?;
    let (mut project, mut diags) = project::load(&root, req.use_cache)?;
    events.event(&Event::Loaded {
        root: &project.root,
        stats: project.stats,
        cache_note: project.cache_note.as_deref(),
    });
    let rendered = crate::render::render(&project.model, &mut diags);
    if let Err(e) = project::store_rendered(&mut project, &rendered, &diags) {
        events.event(&Event::CacheNotStored {
            error: &e.to_string(),
        });
    }
    if !diags.has_errors() {
        let policy = req
            .promtool
            .unwrap_or(project.model.settings.validate.promtool);
        let status = promtool::check_with_policy(&project, &rendered, policy, &mut diags);
        if status == Status::Missing {
            events.event(&Event::Diagnostics {
                diagnostics: &diags,
            });
            return Err(OpError::PromtoolMissing);
        }
        events.event(&Event::Validated {
            rules: rendered.rule_count,
            promtool: status.as_str(),
        });
    }
    if diags.has_errors() {
        events.event(&Event::Diagnostics {
            diagnostics: &diags,
        });
        return Err(OpError::Invalid {
            summary: crate::diag::counts(&diags),
        });
    }
    let dir = req.out.clone().unwrap_or_else(|| project.output_dir());
    deploy_files(
        &project,
        &dir,
        &rendered.files,
        "apply",
        req.dry_run,
        events,
    )
}

/// Deploys the files of a recorded deployment again, byte for byte.
pub fn rollback(req: &RollbackRequest, events: &mut dyn Events) -> Result<DeployReport, OpError> {
    let root = project::find_root(&req.dir)?;
    let (project, diags) = project::load(&root, req.use_cache)?;
    // The recorded files are re-applied as they are, but where and to which servers
    // comes from alertctl.toml: it must be valid.
    if settings_invalid(&diags) {
        events.event(&Event::Diagnostics {
            diagnostics: &diags,
        });
        return Err(OpError::InvalidSettings);
    }
    let hist = History::open(&project.root)?;
    let target = match req.rev {
        Some(r) => hist.get(r)?.ok_or(OpError::UnknownRevision(r))?,
        None => hist.previous_success()?.ok_or(OpError::NoRollbackTarget)?,
    };
    if target.kind.starts_with("alertmanager") {
        return Err(OpError::AlertmanagerRevision(target.rev));
    }
    events.event(&Event::RollbackTarget {
        rev: target.rev,
        time: &target.time,
        commit: target.git_commit.as_deref(),
    });
    let dir = req.out.clone().unwrap_or_else(|| project.output_dir());
    deploy_files(
        &project,
        &dir,
        &target.files,
        &format!("rollback to {}", target.rev),
        req.dry_run,
        events,
    )
}

fn settings_invalid(diags: &Diagnostics) -> bool {
    diags
        .iter()
        .any(|d| d.code == Code::Settings || d.code == Code::TomlSyntax)
}

fn deploy_files(
    project: &Project,
    dir: &Path,
    desired: &BTreeMap<String, String>,
    kind: &str,
    dry_run: bool,
    events: &mut dyn Events,
) -> Result<DeployReport, OpError> {
    let servers = servers(project).map_err(OpError::ServerConfig)?;
    if servers.is_empty() {
        events.event(&Event::NoServers);
    }
    let opts = deploy_options(project, dry_run);
    let outcome = deploy::apply(dir, desired, &servers, &opts, &mut |step| {
        events.event(&Event::Deploy { step })
    })
    .map_err(OpError::Deploy)?;
    let record = Record {
        kind,
        target: dir,
        files: desired,
    };
    let mut report = DeployReport {
        outcome: Outcome::NoChange,
        rev: None,
        target: dir.to_path_buf(),
        plan: None,
        pending: false,
        servers: vec![],
        rollback: vec![],
        message: String::new(),
    };
    match outcome {
        deploy::Outcome::NoChange => {
            report.message = format!("no changes in {}; nothing reloaded", dir.display());
        }
        deploy::Outcome::DryRun { plan, pending } => {
            report.outcome = Outcome::DryRun;
            report.message = format!("dry run: would change {}: {}", dir.display(), plan.summary);
            report.pending = pending;
            report.plan = Some(plan);
        }
        deploy::Outcome::Applied { plan, servers } => {
            report.outcome = Outcome::Applied;
            report.rev = record.save(&project.root, Outcome::Applied, &plan, None);
            report.message = format!(
                "applied {} to {}: {}",
                report
                    .rev
                    .map_or(String::new(), |r| format!("deployment {r}")),
                dir.display(),
                plan.summary
            );
            report.plan = Some(plan);
            report.servers = servers;
        }
        deploy::Outcome::RolledBack {
            plan,
            error,
            attempt,
            servers,
            restored,
        } => {
            report.outcome = if restored {
                Outcome::RolledBack
            } else {
                Outcome::RollbackUnverified
            };
            report.rev = record.save(&project.root, report.outcome, &plan, Some(&error));
            report.message = if restored {
                format!("deploy failed: {error}\nthe previous files were restored byte for byte and every server verified to run them again")
            } else {
                format!(
                    "deploy failed: {error}\nthe previous files were restored, but not every server could be verified to run them: {}",
                    servers
                        .iter()
                        .filter_map(|s| s.error.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            report.plan = Some(plan);
            report.servers = attempt;
            report.rollback = servers;
        }
    }
    Ok(report)
}
