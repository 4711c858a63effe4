use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use alertctl::deploy::{self, server::Server, DeployError, Options, Outcome};
use alertctl::history::{self, History};
use alertctl::model::parse_duration;
use alertctl::project::Project;
use miette::IntoDiagnostic;
use serde_json::json;

use super::{out_dir, promtool_check};
use crate::cli::{Global, PromtoolArg, Report};
use crate::exit::Exit;
use crate::report;

pub fn run(
    g: &Global,
    dry_run: bool,
    out: Option<PathBuf>,
    promtool: Option<PromtoolArg>,
    format: Report,
) -> miette::Result<Exit> {
    let (project, rendered, mut diags) = super::load_render_store(g)?;
    if !diags.has_errors() {
        let status = promtool_check(&project, &rendered, promtool, &mut diags);
        if status == "missing" {
            report::print(
                &diags,
                crate::cli::Format::Human,
                report::stderr_color(g.color),
                &project.root,
            );
            return Ok(say_done(
                format,
                "failed",
                "promtool is required and missing; nothing written",
                Exit::Failure,
            ));
        }
        if format == Report::Human {
            eline!(
                "validated: {} (promtool: {status})",
                report::plural(rendered.rule_count, "rule")
            );
        }
    }
    if diags.has_errors() {
        return Ok(refuse_invalid(
            g,
            &project,
            &diags,
            format,
            format!("{}; nothing written", report::counts(&diags)),
        ));
    }
    let dir = out_dir(&project, out);
    let file_sd = project
        .model
        .settings
        .file_sd
        .as_ref()
        .map(|_| &rendered.file_sd);
    deploy_files(
        g,
        &project,
        &dir,
        &rendered.files,
        file_sd,
        "apply",
        dry_run,
        format,
    )
}

pub fn rollback(
    g: &Global,
    rev: Option<i64>,
    dry_run: bool,
    out: Option<PathBuf>,
    format: Report,
) -> miette::Result<Exit> {
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = alertctl::project::find_root(&start)?;
    let (project, diags) = alertctl::project::load(&root, !g.no_cache)?;
    // The recorded files are re-applied as they are, but where and to which servers
    // comes from alertctl.toml: it must be valid.
    if diags.iter().any(|d| {
        d.code == alertctl::diag::Code::Settings || d.code == alertctl::diag::Code::TomlSyntax
    }) {
        return Ok(refuse_invalid(
            g,
            &project,
            &diags,
            format,
            "alertctl.toml is invalid; nothing rolled back".into(),
        ));
    }
    let hist = History::open(&project.root).into_diagnostic()?;
    let target = match rev {
        Some(r) => hist.get(r).into_diagnostic()?,
        None => hist.previous_success().into_diagnostic()?,
    };
    let Some(target) = target else {
        let msg = rev.map_or(
            "no earlier successful deployment to roll back to".to_string(),
            |r| format!("no deployment {r} in the history"),
        );
        return Ok(say_done(format, "invalid", msg, Exit::Invalid));
    };
    if target.kind.starts_with("alertmanager") {
        return Ok(say_done(format, "invalid", format!("deployment {} is an Alertmanager config (kept masked); rollback re-applies rule deployments only", target.rev), Exit::Invalid));
    }
    if format == Report::Human {
        eline!(
            "rolling back to deployment {} ({}, {})",
            target.rev,
            target.time,
            target.git_commit.as_deref().unwrap_or("no git commit")
        );
    }
    let dir = out.unwrap_or_else(|| project.output_dir());
    deploy_files(
        g,
        &project,
        &dir,
        &target.files,
        None,
        &format!("rollback to {}", target.rev),
        dry_run,
        format,
    )
}

fn duration(s: &str, default: u64) -> Duration {
    parse_duration(s).unwrap_or(Duration::from_secs(default))
}

pub fn servers(project: &Project) -> Result<Vec<Server>, deploy::server::ServerError> {
    let s = &project.model.settings;
    s.servers
        .iter()
        .map(|srv| Server::new(&relative_to(&project.root, srv), s.apply.retries))
        .collect()
}

/// File paths in server settings are relative to the rules directory, like every other
/// path in alertctl.toml.
pub fn relative_to(
    root: &std::path::Path,
    s: &alertctl::settings::ServerSettings,
) -> alertctl::settings::ServerSettings {
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

#[allow(clippy::too_many_arguments)]
fn deploy_files(
    g: &Global,
    project: &Project,
    dir: &std::path::Path,
    desired: &BTreeMap<String, String>,
    file_sd: Option<&BTreeMap<String, String>>,
    kind: &str,
    dry_run: bool,
    format: Report,
) -> miette::Result<Exit> {
    let settings = &project.model.settings;
    let servers = match servers(project) {
        Ok(s) => s,
        Err(e) => return Ok(say_done(format, "failed", e.to_string(), Exit::Failure)),
    };
    if servers.is_empty() && format == Report::Human {
        eline!("note: no [[prometheus]] server in alertctl.toml: files are written, nothing is reloaded");
    }
    let opts = Options {
        dry_run,
        lock_timeout: duration(&settings.apply.lock_timeout, 60),
        verify_timeout: duration(&settings.apply.verify_timeout, 30),
    };
    let progress = |m: &str| {
        if format == Report::Human {
            eline!("  {m}");
        }
    };
    let outcome = match deploy::apply(dir, desired, &servers, &opts, &progress) {
        Ok(o) => o,
        Err(e @ DeployError::Foreign(_)) => {
            return Ok(say_done(format, "invalid", e.to_string(), Exit::Invalid))
        }
        Err(e @ DeployError::Unreachable(_)) => {
            return Ok(say_done(
                format,
                "failed",
                format!("{e}; nothing was written"),
                Exit::Failure,
            ));
        }
        Err(e) => return Ok(say_done(format, "failed", e.to_string(), Exit::Failure)),
    };
    // The scrape targets follow the rules once those are in place (never after a
    // rollback): write the file_sd files, then check Prometheus shows their labels.
    let targets = match (&outcome, file_sd) {
        (Outcome::Applied { .. } | Outcome::NoChange, Some(files)) => {
            Some(sync_file_sd(project, files, &servers, &opts, &progress))
        }
        _ => None,
    };
    let targets_json = targets.as_ref().map(|t| match t {
        Ok((_, j)) => j.clone(),
        Err(e) => json!({"error": e}),
    });
    let targets_note = |m: String| match &targets {
        Some(Ok((line, _))) => format!("{m}; {line}"),
        Some(Err(e)) => {
            format!("the rules are in place ({m}), but the scrape targets are not verified: {e}")
        }
        None => m,
    };
    let targets_exit = |ok: Exit| match &targets {
        Some(Err(_)) => Exit::Failure,
        _ => ok,
    };
    let commit = history::git_commit(&project.root);
    let record = |result: &str, summary: &str, message: Option<&str>| -> Option<i64> {
        let h = History::open(&project.root).ok()?;
        h.record(
            kind,
            result,
            commit.as_deref(),
            &dir.display().to_string(),
            summary,
            message,
            desired,
        )
        .ok()
    };
    Ok(match outcome {
        Outcome::NoChange => finish(
            format,
            if targets_exit(Exit::Ok) == Exit::Ok {
                "no-change"
            } else {
                "targets-unverified"
            },
            None,
            None,
            &[],
            Some(targets_note(format!(
                "no changes in {}; nothing reloaded",
                dir.display()
            ))),
            targets_json,
            targets_exit(Exit::Ok),
        ),
        Outcome::DryRun { plan, pending } => {
            if pending {
                say(format, "note: an earlier apply did not finish; the next apply reloads and verifies every server even if no file changes");
            }
            let fsd = match (file_sd, &settings.file_sd) {
                (Some(files), Some(fs)) => {
                    let fdir = project.root.join(&fs.dir);
                    let cur = alertctl::file_sd::read(&fdir).into_diagnostic()?;
                    Some(alertctl::diff::plan(files, &cur.generated))
                }
                _ => None,
            };
            if format == Report::Human {
                let color = report::stdout_color(g.color);
                for c in &plan.changes {
                    out!("{}", alertctl::diff::unified(c, color));
                }
                if let Some(p) = &fsd {
                    super::print_file_sd_diff(p, color);
                }
            }
            let mut msg = format!("dry run: would change {}: {}", dir.display(), plan.summary);
            if let Some(p) = &fsd {
                msg.push_str(&format!("; file_sd: {}", super::file_sd_summary(p)));
            }
            finish(
                format,
                "dry-run",
                None,
                Some(&plan),
                &[],
                Some(msg),
                fsd.map(|p| json!({"summary": p.summary, "changes": p.changes.iter().map(|c| json!({"file": c.file, "kind": c.kind})).collect::<Vec<_>>()})),
                Exit::Ok,
            )
        }
        Outcome::Applied { plan, servers } => {
            let rev = record("applied", &plan.summary.to_string(), None);
            let msg = format!(
                "applied {} to {}: {}",
                rev.map_or(String::new(), |r| format!("deployment {r}")),
                dir.display(),
                plan.summary
            );
            finish(
                format,
                if targets_exit(Exit::Ok) == Exit::Ok {
                    "applied"
                } else {
                    "targets-unverified"
                },
                rev,
                Some(&plan),
                &servers,
                Some(targets_note(msg)),
                targets_json,
                targets_exit(Exit::Ok),
            )
        }
        Outcome::RolledBack {
            plan,
            error,
            attempt,
            servers,
            restored,
        } => {
            let result = if restored {
                "rolled-back"
            } else {
                "rollback-unverified"
            };
            let rev = record(result, &plan.summary.to_string(), Some(&error));
            let msg = if restored {
                format!("deploy failed: {error}\nthe previous files were restored byte for byte and every server verified to run them again")
            } else {
                format!("deploy failed: {error}\nthe previous files were restored, but not every server could be verified to run them: {}", servers.iter().filter_map(|s| s.error.clone()).collect::<Vec<_>>().join("; "))
            };
            let exit = if restored {
                Exit::RolledBack
            } else {
                Exit::RollbackUnverified
            };
            finish_rollback(format, result, rev, &plan, &attempt, &servers, msg, exit)
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn finish(
    format: Report,
    result: &str,
    rev: Option<i64>,
    plan: Option<&alertctl::diff::Plan>,
    servers: &[deploy::ServerReport],
    message: Option<String>,
    file_sd: Option<serde_json::Value>,
    exit: Exit,
) -> Exit {
    match format {
        Report::Json => {
            let mut doc = json!({
                "result": result,
                "rev": rev,
                "summary": plan.map(|p| &p.summary),
                "changes": plan.map(|p| p.changes.iter().map(|c| json!({"file": c.file, "kind": c.kind})).collect::<Vec<_>>()),
                "servers": servers,
                "message": message,
                "exit_code": exit as i32,
            });
            if let Some(f) = file_sd {
                doc["file_sd"] = f;
            }
            oline!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Report::Human => {
            if let Some(m) = message {
                let prefix = if matches!(exit, Exit::Ok) {
                    ""
                } else {
                    "error: "
                };
                eline!("{prefix}{m}");
            }
        }
    }
    exit
}

pub fn history(g: &Global, limit: usize, format: Report) -> miette::Result<Exit> {
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = alertctl::project::find_root(&start)?;
    let h = History::open(&root).into_diagnostic()?;
    let rows = h.list(limit).into_diagnostic()?;
    match format {
        Report::Json => oline!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        ),
        Report::Human => {
            let mut table = vec![
                ["REV", "TIME", "KIND", "RESULT", "COMMIT", "WHO", "SUMMARY"].map(str::to_string),
            ];
            for d in &rows {
                table.push([
                    d.rev.to_string(),
                    d.time.clone(),
                    d.kind.clone(),
                    d.result.clone(),
                    d.git_commit
                        .as_deref()
                        .map_or("-".into(), |c| c.chars().take(12).collect()),
                    d.who.clone(),
                    d.summary.clone(),
                ]);
            }
            let mut out = String::new();
            super::trace::table(&mut out, "", &table);
            out!("{out}");
        }
    }
    Ok(Exit::Ok)
}

fn say(format: Report, m: &str) {
    if format == Report::Human {
        eline!("{m}");
    }
}

#[allow(clippy::too_many_arguments)]
fn finish_rollback(
    format: Report,
    result: &str,
    rev: Option<i64>,
    plan: &alertctl::diff::Plan,
    attempt: &[deploy::ServerReport],
    rollback: &[deploy::ServerReport],
    message: String,
    exit: Exit,
) -> Exit {
    match format {
        Report::Json => {
            let doc = json!({
                "result": result,
                "rev": rev,
                "summary": &plan.summary,
                "changes": plan.changes.iter().map(|c| json!({"file": c.file, "kind": c.kind})).collect::<Vec<_>>(),
                "servers": attempt,
                "rollback": rollback,
                "message": message,
                "exit_code": exit as i32,
            });
            oline!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Report::Human => eline!("error: {message}"),
    }
    exit
}

/// Prints the diagnostics that stop a deployment and reports it as invalid input.
fn refuse_invalid(
    g: &Global,
    project: &Project,
    diags: &alertctl::diag::Diagnostics,
    format: Report,
    message: String,
) -> Exit {
    report::print(
        diags,
        crate::cli::Format::Human,
        report::stderr_color(g.color),
        &project.root,
    );
    say_done(format, "invalid", message, Exit::Invalid)
}

/// An outcome with nothing but a message (no plan, no server reports).
fn say_done(format: Report, result: &str, message: impl Into<String>, exit: Exit) -> Exit {
    finish(
        format,
        result,
        None,
        None,
        &[],
        Some(message.into()),
        None,
        exit,
    )
}

/// Writes the file_sd files and verifies them on the Prometheus servers: a summary
/// line and its JSON, or what went wrong.
fn sync_file_sd(
    project: &Project,
    files: &BTreeMap<String, String>,
    servers: &[Server],
    opts: &Options,
    progress: &dyn deploy::Progress,
) -> Result<(String, serde_json::Value), String> {
    let settings = &project.model.settings;
    let Some(fs) = &settings.file_sd else {
        return Err("no [file_sd] in alertctl.toml".into());
    };
    let dir = project.root.join(&fs.dir);
    let o = deploy::file_sd::apply(
        &dir,
        files,
        servers,
        &settings.labels.target,
        fs.verify,
        opts.verify_timeout,
        progress,
    )
    .map_err(|e| e.to_string())?;
    let mut line = format!(
        "file_sd: {} in {}",
        super::file_sd_summary(&o.plan),
        dir.display()
    );
    if !o.verified.is_empty() {
        line.push_str(&format!(", labels verified on {}", o.verified.join(", ")));
    }
    let doc = json!({
        "dir": dir.display().to_string(),
        "summary": o.plan.summary,
        "changes": o.plan.changes.iter().map(|c| json!({"file": c.file, "kind": c.kind})).collect::<Vec<_>>(),
        "verified": o.verified,
    });
    Ok((line, doc))
}
