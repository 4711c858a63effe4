//! `apply` and `rollback`: put a rule set in the output directory, make every server
//! run it, record it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{
    credentials, deploy_options, history_key, runs_note, seal, servers, servers_named,
    timeout_notes, DeployReport, DiffersAction, Event, Events, Journal, OpError, OpSink, Outcome,
    ShardError, ShardReport, TargetsReport,
};
use crate::deploy::history::{Deployment, History};
use crate::deploy::secrets::Secrets;
use crate::deploy::{self, Restored};
use crate::diag::{Code, Diagnostics};
use crate::render::promtool::{self, Status};
use crate::source::project::{self, Project};
use crate::source::settings::{PromtoolPolicy, Shard};

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

/// Validates, renders and deploys the rules directory (with `[[shard]]` tables: every
/// shard, one after the other, each with its own verify and rollback).
pub fn apply(req: &ApplyRequest, events: &mut dyn Events) -> Result<DeployReport, OpError> {
    apply_checked(req, false, None, events)
}

/// `apply` of one shard (`Some`), or of every shard like [`apply`] (`None`).
pub fn apply_shard(
    req: &ApplyRequest,
    shard: Option<&str>,
    events: &mut dyn Events,
) -> Result<DeployReport, OpError> {
    apply_checked(req, false, shard, events)
}

/// `apply` as a daemon runs it to keep servers in step: the same deployment and, when
/// there is nothing to write, each server is asked whether it runs the files, and any
/// that runs other rules (restarted with other files, reloaded by hand) is reloaded and
/// verified ([`Event::LiveDrift`]). A server that cannot be asked fails the sync like
/// an unreachable one fails `apply`.
pub fn sync(req: &ApplyRequest, events: &mut dyn Events) -> Result<DeployReport, OpError> {
    apply_checked(req, true, None, events)
}

fn apply_checked(
    req: &ApplyRequest,
    check_live: bool,
    only: Option<&str>,
    events: &mut dyn Events,
) -> Result<DeployReport, OpError> {
    let root = project::find_root(&req.dir)?;
    let (mut project, mut diags) = project::load_to_render(&root, req.use_cache, None)?;
    // The store below brings the index up to date when it keeps the answers (not on a
    // new cache: [`crate::cache::Answers::Deferred`]); done here so `Loaded` carries any
    // note it leaves.
    if !project.cache.defers_answers() {
        project.ensure_index();
    }
    events.event(&Event::Loaded {
        root: &project.root,
        stats: project.stats,
        cache_note: project.cache_note.as_deref(),
    });
    let rendered = project.render_for_store(&mut diags);
    // `validate.ignore`: warnings accepted for the whole directory.
    diags.accept(&project.model.settings.accepted());
    if let Err(e) = project::store_rendered(
        &mut project,
        &rendered,
        &diags,
        crate::cache::Answers::Deferred,
    ) {
        events.event(&Event::CacheNotStored {
            error: &e.to_string(),
        });
    }
    if !diags.has_errors() {
        let policy = req
            .promtool
            .unwrap_or(project.model.settings.validate.promtool);
        let verdict = promtool::check_with_policy(&project, &rendered, policy, &mut diags);
        if verdict.status == Status::Missing {
            events.event(&Event::Diagnostics {
                diagnostics: &diags,
            });
            return Err(OpError::PromtoolMissing);
        }
        events.event(&Event::Validated {
            rules: rendered.rule_count,
            promtool: verdict.status.as_str(),
            promtool_files: verdict.coverage,
        });
    }
    let shards = selected(&project, only, req.out.as_ref())?;
    let dir = req.out.clone().unwrap_or_else(|| project.output_dir());
    if diags.has_errors() {
        events.event(&Event::Diagnostics {
            diagnostics: &diags,
        });
        for (_, dir, _) in shards.iter().flatten() {
            note_differs(&project, dir, DiffersAction::Keep, events);
        }
        if shards.is_none() {
            note_differs(&project, &dir, DiffersAction::Keep, events);
        }
        return Err(OpError::Invalid {
            summary: crate::diag::counts(&diags),
        });
    }
    let mode = Mode {
        dry_run: req.dry_run,
        check_live,
    };
    if let Some(shards) = shards {
        return each_shard(&project, shards, events, |shard, dir, events| {
            let files = crate::model::shard::files_of(&project.model, shard, &rendered.files);
            deploy_files(&project, dir, &files, "apply", mode, Some(shard), events)
        });
    }
    // With `[file_sd]`, the scrape-target files are deployed with the rules.
    let desired = match &project.model.settings.file_sd {
        Some(_) => crate::render::file_sd::join(&rendered.files, &rendered.file_sd),
        None => rendered.files.clone(),
    };
    deploy_files(&project, &dir, &desired, "apply", mode, None, events)
}

/// A shard to deploy: its settings, output directory and server names.
type Selected<'p> = (&'p Shard, PathBuf, Vec<String>);

/// The shards a run deploys: `None` without `[[shard]]` tables, else every shard or the
/// one `only` names.
fn selected<'p>(
    project: &'p Project,
    only: Option<&str>,
    out: Option<&PathBuf>,
) -> Result<Option<Vec<Selected<'p>>>, OpError> {
    if let Some(out) = out {
        // As for `render --out`: writing (and pruning) generated files there would touch the sources.
        let root = crate::source::load::canonical_root(&project.root)
            .map_err(crate::source::project::ProjectError::from)?;
        let resolved = crate::source::load::resolve(Path::new("."), out);
        if let Some(problem) = crate::source::settings::overlap(&resolved, &root) {
            return Err(OpError::Invalid {
                summary: format!("the output directory {} {problem}", resolved.display()),
            });
        }
    }
    let s = &project.model.settings;
    let picked = crate::model::shard::select(s, only, out.is_some()).map_err(OpError::Shard)?;
    Ok(picked.map(|picked| {
        picked
            .into_iter()
            .map(|sh| (sh, project.root.join(sh.dir(s)), sh.servers.clone()))
            .collect()
    }))
}

/// Runs `deploy` on each shard in turn (a failure in one does not stop the others) and
/// sums them up: the most serious outcome, a line per shard. Any shard that stopped
/// with an error makes the whole an [`OpError::Shards`].
fn each_shard(
    project: &Project,
    shards: Vec<Selected<'_>>,
    events: &mut dyn Events,
    mut deploy: impl FnMut(&Shard, &Path, &mut dyn Events) -> Result<DeployReport, OpError>,
) -> Result<DeployReport, OpError> {
    let mut reports = Vec::new();
    for (shard, dir, servers) in shards {
        events.event(&Event::Shard {
            name: &shard.name,
            dir: &dir,
            servers: &servers,
        });
        let r = deploy(shard, &dir, events);
        reports.push(ShardReport {
            shard: shard.name.clone(),
            servers,
            error: r.as_ref().err().map(ShardError::from),
            report: r.ok(),
        });
    }
    let outcome = reports
        .iter()
        .filter_map(|s| s.report.as_ref().map(|r| r.outcome))
        .max_by_key(|o| o.severity())
        .unwrap_or(Outcome::NoChange);
    let message = reports
        .iter()
        .map(|s| match (&s.report, &s.error) {
            (Some(r), _) => format!("shard {}: {}", s.shard, r.message),
            (None, Some(e)) => format!("shard {}: error: {}", s.shard, e.message),
            (None, None) => format!("shard {}: nothing done", s.shard),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let failed = reports.iter().any(|s| s.error.is_some());
    let report = DeployReport {
        outcome,
        rev: None,
        target: project.output_dir(),
        plan: None,
        file_sd: None,
        pending: reports
            .iter()
            .any(|s| s.report.as_ref().is_some_and(|r| r.pending)),
        servers: vec![],
        rollback: vec![],
        message,
        repaired: vec![],
        shards: reports,
    };
    if failed {
        return Err(OpError::Shards(Box::new(report)));
    }
    Ok(report)
}

/// Where `[file_sd]` puts the scrape-target files, and how they are checked.
fn targets(project: &Project) -> Option<deploy::file_sd::Targets> {
    let s = &project.model.settings;
    s.file_sd.as_ref().map(|f| deploy::file_sd::Targets {
        dir: project.root.join(&f.dir),
        verify: f.verify,
        target_label: s.labels.target.clone(),
    })
}

/// The generated files in `dir` (and the file_sd directory), as a file set.
fn on_disk(project: &Project, dir: &Path) -> std::io::Result<deploy::OnDisk> {
    let t = targets(project);
    deploy::OnDisk::read(dir, t.as_ref().map(|t| t.dir.as_path()))
}

/// The last deployment of the output directory `out` that every server was verified to
/// run: what a daemon reports as deployed.
pub fn deployed(root: &Path, out: &Path) -> Result<Option<Deployment>, OpError> {
    let h = History::open(root)?;
    Ok(h.good(&history_key(out), 1)?.into_iter().next())
}

/// The last deployment of `dir` every server was verified to run.
fn baseline(project: &Project, dir: &Path) -> Option<Deployment> {
    let h = History::open(&project.root).ok()?;
    let d = h.good(&history_key(dir), 1).ok()?.into_iter().next()?;
    Some(recorded(project, dir, d))
}

/// A recorded deployment with its files as deploying them again would write them: one
/// recorded without file_sd files keeps the file_sd files on disk (see
/// [`crate::render::file_sd::redeployed`]).
fn recorded(project: &Project, dir: &Path, mut d: Deployment) -> Deployment {
    let current = targets(project).map(|_| {
        on_disk(project, dir)
            .ok()
            .and_then(|o| o.file_sd)
            .map(|c| c.generated)
            .unwrap_or_default()
    });
    d.files = crate::render::file_sd::redeployed(&d.files, current.as_ref());
    d
}

/// Says so when `dir` holds generated files other than the baseline's (read-only: for
/// runs that stop before the deployment engine looks).
fn note_differs(project: &Project, dir: &Path, action: DiffersAction, events: &mut dyn Events) {
    let Some(base) = baseline(project, dir) else {
        return;
    };
    let Ok(current) = on_disk(project, dir).map(|d| d.generated()) else {
        return;
    };
    if current == base.files {
        return;
    }
    let changes = crate::render::diff::plan_files(&current, &base.files).changes;
    let left_by = History::open(&project.root).ok().and_then(|h| {
        h.with_files(&history_key(dir), &current)
            .ok()
            .flatten()
            .filter(|d| d.result != "applied")
            .map(|d| d.rev)
    });
    events.event(&Event::OutputDiffers {
        baseline: base.rev,
        left_by,
        changes: &changes,
        action,
    });
}

/// Deploys the files of a recorded deployment again, byte for byte.
pub fn rollback(req: &RollbackRequest, events: &mut dyn Events) -> Result<DeployReport, OpError> {
    rollback_shard(req, None, events)
}

/// `rollback` in one shard (`Some`), or in every shard (`None`; with a revision: the
/// shard it was deployed to). Without a revision, each shard goes back as [`rollback`]
/// says.
pub fn rollback_shard(
    req: &RollbackRequest,
    shard: Option<&str>,
    events: &mut dyn Events,
) -> Result<DeployReport, OpError> {
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
    let recorded_rev = |dir: &Path, r: i64| -> Result<Deployment, OpError> {
        let d = hist.get(r)?.ok_or(OpError::UnknownRevision(r))?;
        Ok(recorded(&project, dir, d))
    };
    let Some(mut shards) = selected(&project, shard, req.out.as_ref())? else {
        let dir = req.out.clone().unwrap_or_else(|| project.output_dir());
        let target = match req.rev {
            Some(r) => recorded_rev(&dir, r)?,
            None => default_target(&project, &hist, &dir)?,
        };
        return rollback_to(&project, &dir, &target, req.dry_run, None, events);
    };
    if let Some(r) = req.rev {
        let row = hist.get(r)?.ok_or(OpError::UnknownRevision(r))?;
        shards.retain(|(_, dir, _)| history_key(dir) == row.output_dir);
        if shards.is_empty() {
            return Err(OpError::Shard(format!(
                "deployment {r} was not deployed to {} (its output directory: {})",
                shard.map_or("any shard".to_string(), |s| format!("shard `{s}`")),
                row.output_dir
            )));
        }
    }
    each_shard(&project, shards, events, |sh, dir, events| {
        let target = match req.rev {
            Some(r) => recorded_rev(dir, r)?,
            None => default_target(&project, &hist, dir)?,
        };
        rollback_to(&project, dir, &target, req.dry_run, Some(sh), events)
    })
}

fn rollback_to(
    project: &Project,
    dir: &Path,
    target: &Deployment,
    dry_run: bool,
    shard: Option<&Shard>,
    events: &mut dyn Events,
) -> Result<DeployReport, OpError> {
    if target.kind.starts_with("alertmanager") {
        return Err(OpError::AlertmanagerRevision(target.rev));
    }
    events.event(&Event::RollbackTarget {
        rev: target.rev,
        time: &target.time,
        commit: target.git_commit.as_deref(),
    });
    deploy_files(
        project,
        dir,
        &target.files,
        &format!("rollback to {}", target.rev),
        Mode {
            dry_run,
            check_live: false,
        },
        shard,
        events,
    )
}

/// Without a revision: when the directory holds exactly the last good deployment's
/// files, the one before it (undo the last deployment); when it holds anything else
/// (an interrupted run's files, hand edits), the last good one itself: what the servers
/// were verified to run. (The deployment then says how the directory differs.)
fn default_target(project: &Project, hist: &History, dir: &Path) -> Result<Deployment, OpError> {
    let mut good = hist
        .good(&history_key(dir), 2)?
        .into_iter()
        .map(|d| recorded(project, dir, d));
    let latest = good.next().ok_or(OpError::NoRollbackTarget)?;
    let current = on_disk(project, dir)
        .map(|d| d.generated())
        .unwrap_or_default();
    if current != latest.files || deploy::read_marker(dir).is_some() {
        return Ok(latest);
    }
    good.next().ok_or(OpError::NoRollbackTarget)
}

fn settings_invalid(diags: &Diagnostics) -> bool {
    diags
        .iter()
        .any(|d| d.code == Code::Settings || d.code == Code::TomlSyntax)
}

/// How a deployment runs: as a plan only, and whether servers are asked what they run
/// when there is nothing to write.
#[derive(Clone, Copy)]
struct Mode {
    dry_run: bool,
    check_live: bool,
}

/// Deploys `desired` to `dir` and the servers loading it: every configured server, or
/// a shard's.
fn deploy_files(
    project: &Project,
    dir: &Path,
    desired: &BTreeMap<String, String>,
    kind: &str,
    mode: Mode,
    shard: Option<&Shard>,
    events: &mut dyn Events,
) -> Result<DeployReport, OpError> {
    let mut secrets = Secrets::default();
    let result = deploy_files_inner(
        project,
        dir,
        desired,
        kind,
        mode,
        shard,
        events,
        &mut secrets,
    );
    seal(result, &secrets)
}

#[allow(clippy::too_many_arguments)]
fn deploy_files_inner(
    project: &Project,
    dir: &Path,
    desired: &BTreeMap<String, String>,
    kind: &str,
    mode: Mode,
    shard: Option<&Shard>,
    events: &mut dyn Events,
    secrets: &mut Secrets,
) -> Result<DeployReport, OpError> {
    let dry_run = mode.dry_run;
    let servers = match shard {
        Some(s) => servers_named(project, &s.servers),
        None => servers(project),
    }
    .map_err(OpError::ServerConfig)?;
    *secrets = credentials(&servers);
    if servers.is_empty() {
        events.event(&Event::NoServers);
    }
    let mut opts = deploy_options(project, dry_run, None, mode.check_live);
    // file_sd with shards is refused by the settings check.
    opts.targets = targets(project).filter(|_| shard.is_none());
    let base = baseline(project, dir);
    let mut journal = Journal::new(&project.root, kind, dir, desired.clone(), secrets, dry_run);
    let mut sink = OpSink {
        events,
        journal: &mut journal,
        desired,
        baseline: base.as_ref().map(|b| (b.rev, &b.files)),
        action: if dry_run {
            DiffersAction::WouldReplace
        } else {
            DiffersAction::Replace
        },
    };
    let baseline = base.as_ref().map(|b| deploy::Baseline {
        id: b.rev,
        files: &b.files,
    });
    let r = match deploy::apply(dir, desired, &servers, &opts, baseline, &mut sink) {
        Ok(r) => r,
        Err(e) => {
            journal.failed(&e);
            return Err(OpError::Deploy(e));
        }
    };
    // The rule files and the file_sd files are reported apart.
    let (plan, targets_plan) = crate::render::file_sd::split_plan(&r.plan);
    let file_sd = opts.targets.as_ref().map(|t| TargetsReport {
        dir: t.dir.clone(),
        plan: targets_plan,
        verified: r
            .attempt
            .iter()
            .filter(|s| s.targets_verified == Some(true))
            .map(|s| s.server.clone())
            .collect(),
    });
    let targets_note = file_sd.as_ref().map_or(String::new(), |t| {
        let mut m = format!(
            "; file_sd: {} in {}",
            crate::render::file_sd::summary(&t.plan),
            t.dir.display()
        );
        if !t.verified.is_empty() {
            m.push_str(&format!(", labels verified on {}", t.verified.join(", ")));
        }
        m
    });
    let mut report = DeployReport {
        outcome: r.outcome,
        rev: None,
        target: dir.to_path_buf(),
        plan: None,
        file_sd: None,
        pending: r.found.unfinished,
        servers: vec![],
        rollback: vec![],
        message: String::new(),
        repaired: super::live_repairs(&r.drifted),
        shards: vec![],
    };
    // The rules directory renders what the servers were last verified to run, and the
    // directory held something else: this run puts back what hand edits changed.
    if let Some(b) = base
        .as_ref()
        .filter(|b| b.files == *desired && r.found.generated != b.files && !r.plan.is_empty())
    {
        let files: Vec<&str> = r.plan.changes.iter().map(|c| c.file.as_str()).collect();
        report.repaired.insert(
            0,
            format!(
                "the output directory differed from deployment {} ({}); its files were put back",
                b.rev,
                files.join(", ")
            ),
        );
    }
    let shown = dir.display();
    match r.outcome {
        Outcome::NoChange => {
            let also = file_sd
                .as_ref()
                .map_or(String::new(), |t| format!(" or {}", t.dir.display()));
            report.message = format!("no changes in {shown}{also}; nothing reloaded");
        }
        Outcome::DryRun => {
            report.message = format!(
                "dry run: would change {shown}: {}{targets_note}",
                plan.summary
            );
        }
        Outcome::Applied => {
            let notes = timeout_notes(&r.attempt);
            let recorded = super::history_note(&report.repaired, notes.as_deref());
            report.rev = journal.finish("applied", &r.plan, recorded.as_deref());
            // Without a history (it could not be opened) there is no number to name.
            let rev = report
                .rev
                .map_or(String::new(), |r| format!(" deployment {r}"));
            report.message = if r.plan.is_empty() && journal.completing.is_some() {
                format!("completed{rev} in {shown}: it was interrupted after writing its files; every server now verifiably runs them")
            } else if r.plan.is_empty() && !r.drifted.is_empty() {
                format!(
                    "reloaded {}{}: {} ran other rules than the files in {shown}; every server now verifiably runs them",
                    r.drifted.join(", "),
                    report.rev.map_or(String::new(), |r| format!(" (deployment {r})")),
                    if r.drifted.len() == 1 { "it" } else { "they" }
                )
            } else {
                format!("applied{rev} to {shown}: {}{targets_note}", plan.summary)
            };
            if let Some(n) = notes {
                report.message.push_str(&format!("\nnote: {n}"));
            }
            report.servers = r.attempt;
        }
        Outcome::RolledBack | Outcome::RollbackUnverified => {
            let error = r.error.unwrap_or_default();
            report.rev = journal.finish(r.outcome.as_str(), &r.plan, Some(&error));
            let what = match r.restored {
                Some(Restored::Baseline(b)) => format!("the files of deployment {b}, the last ones every server was verified to run, were restored byte for byte (the output directory held files of an interrupted run)"),
                _ => "the previous files were restored byte for byte".to_string(),
            };
            report.message = if r.outcome == Outcome::RolledBack {
                format!(
                    "deploy failed: {error}\n{what} and every server verified to run them again"
                )
            } else {
                format!(
                    "deploy failed: {error}\n{}, but not every server could be verified to run them: {}{}",
                    what.replace(" byte for byte", ""),
                    r.rollback
                        .iter()
                        .filter_map(|s| s.error.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                    runs_note(&r.rollback)
                )
            };
            report.servers = r.attempt;
            report.rollback = r.rollback;
        }
    }
    if r.outcome != Outcome::NoChange {
        report.plan = Some(plan);
        report.file_sd = file_sd;
    }
    Ok(report)
}
