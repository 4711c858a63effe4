use std::path::PathBuf;

use alertctl::history::History;
use alertctl::ops::{self, DeployReport, OpError, Outcome, TargetsReport};
use miette::IntoDiagnostic;
use serde_json::json;

use super::events::Printer;
use crate::cli::{Global, PromtoolArg, Report};
use crate::exit::Exit;
use crate::report;

fn start(g: &Global) -> PathBuf {
    g.dir.clone().unwrap_or_else(|| PathBuf::from("."))
}

pub fn run(
    g: &Global,
    dry_run: bool,
    out: Option<PathBuf>,
    promtool: Option<PromtoolArg>,
    format: Report,
) -> miette::Result<Exit> {
    let req = ops::rules::ApplyRequest {
        dir: start(g),
        use_cache: !g.no_cache,
        out,
        promtool: promtool.map(super::policy),
        dry_run,
    };
    let result = ops::rules::apply(&req, &mut Printer::new(g, format == Report::Human));
    show(g, format, result)
}

pub fn rollback(
    g: &Global,
    rev: Option<i64>,
    dry_run: bool,
    out: Option<PathBuf>,
    format: Report,
) -> miette::Result<Exit> {
    let req = ops::rules::RollbackRequest {
        dir: start(g),
        use_cache: !g.no_cache,
        rev,
        out,
        dry_run,
    };
    let result = ops::rules::rollback(&req, &mut Printer::new(g, format == Report::Human));
    show(g, format, result)
}

/// The exit code of a deployment outcome.
pub fn exit_of(outcome: Outcome) -> Exit {
    match outcome {
        Outcome::NoChange | Outcome::DryRun | Outcome::Applied => Exit::Ok,
        Outcome::RolledBack => Exit::RolledBack,
        Outcome::RollbackUnverified => Exit::RollbackUnverified,
    }
}

/// Where an operation error goes: the rules directory or history unusable is a plain
/// error (exit 4); anything else is a result like any other.
pub fn error_exit(e: OpError) -> miette::Result<(&'static str, String, Exit)> {
    match e {
        OpError::Project(e) => Err(e.into()),
        OpError::History(e) => Err(e).into_diagnostic(),
        e if e.is_invalid_input() => Ok(("invalid", e.to_string(), Exit::Invalid)),
        e => Ok(("failed", e.to_string(), Exit::Failure)),
    }
}

fn show(g: &Global, format: Report, result: Result<DeployReport, OpError>) -> miette::Result<Exit> {
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            let (result, message, exit) = error_exit(e)?;
            return Ok(finish(format, result, None, &message, exit));
        }
    };
    if r.outcome == Outcome::DryRun {
        if r.pending {
            say(format, "note: an earlier apply did not finish; the next apply reloads and verifies every server even if no file changes");
        }
        if format == Report::Human {
            let color = report::stdout_color(g.color);
            for c in r.plan.iter().flat_map(|p| &p.changes) {
                out!("{}", alertctl::diff::unified(c, color));
            }
            if let Some(t) = &r.file_sd {
                super::print_file_sd_diff(&t.plan, color);
            }
        }
    }
    Ok(finish(
        format,
        r.outcome.as_str(),
        Some(&r),
        &r.message,
        exit_of(r.outcome),
    ))
}

/// The result of `apply` or `rollback`: its JSON document, or its message on stderr
/// (after a failure, with `error: `).
fn finish(
    format: Report,
    result: &str,
    r: Option<&DeployReport>,
    message: &str,
    exit: Exit,
) -> Exit {
    match format {
        Report::Json => {
            let plan = r.and_then(|r| r.plan.as_ref());
            let mut doc = json!({
                "result": result,
                "rev": r.and_then(|r| r.rev),
                "summary": plan.map(|p| &p.summary),
                "changes": plan.map(changes_json),
                "servers": r.map_or(&[][..], |r| &r.servers),
                "message": message,
                "exit_code": exit as i32,
            });
            if let Some(r) = r {
                if matches!(r.outcome, Outcome::RolledBack | Outcome::RollbackUnverified) {
                    doc["rollback"] = json!(r.rollback);
                }
                if let Some(t) = &r.file_sd {
                    doc["file_sd"] = file_sd_json(t);
                }
            }
            out!("{}", report::json_document(doc));
        }
        Report::Human => {
            let prefix = if matches!(exit, Exit::Ok) {
                ""
            } else {
                "error: "
            };
            eline!("{prefix}{message}");
        }
    }
    exit
}

pub fn history(g: &Global, limit: usize, format: Report) -> miette::Result<Exit> {
    let root = alertctl::project::find_root(&start(g))?;
    let h = History::open(&root).into_diagnostic()?;
    let rows = h.list(limit).into_diagnostic()?;
    match format {
        Report::Json => out!("{}", report::json_document(json!({ "deployments": rows }))),
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

/// A plan's changes in `--format json`: file and kind.
fn changes_json(plan: &alertctl::diff::Plan) -> Vec<serde_json::Value> {
    plan.changes
        .iter()
        .map(|c| json!({"file": c.file, "kind": c.kind}))
        .collect()
}

/// The file_sd side of a deployment in `--format json`.
fn file_sd_json(t: &TargetsReport) -> serde_json::Value {
    json!({
        "dir": t.dir.display().to_string(),
        // file_sd files hold no alerts: only the file counts.
        "summary": {
            "files_added": t.plan.summary.files_added,
            "files_modified": t.plan.summary.files_modified,
            "files_removed": t.plan.summary.files_removed,
        },
        "changes": changes_json(&t.plan),
        "verified": t.verified,
    })
}
