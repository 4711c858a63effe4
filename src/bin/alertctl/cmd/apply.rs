use std::path::PathBuf;

use alertctl::deploy::history::History;
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
    shard: Option<String>,
) -> miette::Result<Exit> {
    let req = ops::rules::ApplyRequest {
        dir: start(g),
        use_cache: !g.no_cache,
        out,
        promtool: promtool.map(super::policy),
        dry_run,
    };
    let result = ops::rules::apply_shard(
        &req,
        shard.as_deref(),
        &mut Printer::new(g, format == Report::Human),
    );
    show(g, format, result)
}

pub fn rollback(
    g: &Global,
    rev: Option<i64>,
    dry_run: bool,
    out: Option<PathBuf>,
    format: Report,
    shard: Option<String>,
) -> miette::Result<Exit> {
    let req = ops::rules::RollbackRequest {
        dir: start(g),
        use_cache: !g.no_cache,
        rev,
        out,
        dry_run,
    };
    let result = ops::rules::rollback_shard(
        &req,
        shard.as_deref(),
        &mut Printer::new(g, format == Report::Human),
    );
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

/// The exit code of a sharded run: the most serious of its shards', in the order 5
/// (a shard may run unverified rules), 3 (a shard rolled back), 4 (a shard failed
/// before writing), 2 (a shard's input was refused), 0.
pub fn shards_exit(shards: &[ops::ShardReport]) -> Exit {
    let rank = |e: Exit| match e {
        Exit::RollbackUnverified => 4,
        Exit::RolledBack => 3,
        Exit::Failure => 2,
        Exit::Invalid => 1,
        _ => 0,
    };
    shards
        .iter()
        .map(shard_exit)
        .max_by_key(|e| rank(*e))
        .unwrap_or(Exit::Ok)
}

fn shard_exit(s: &ops::ShardReport) -> Exit {
    match (&s.report, &s.error) {
        (Some(r), _) => exit_of(r.outcome),
        (None, Some(e)) if e.invalid_input => Exit::Invalid,
        (None, _) => Exit::Failure,
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
        Err(OpError::Shards(r)) => return Ok(show_shards(g, format, &r)),
        Err(e) => {
            let (result, message, exit) = error_exit(e)?;
            return Ok(finish(format, result, None, &message, exit));
        }
    };
    if !r.shards.is_empty() {
        return Ok(show_shards(g, format, &r));
    }
    if r.outcome == Outcome::DryRun {
        if r.pending {
            say(format, "note: an earlier apply did not finish; the next apply reloads and verifies every server even if no file changes");
        }
        if format == Report::Human {
            let color = report::stdout_color(g.color);
            for c in r.plan.iter().flat_map(|p| &p.changes) {
                out!("{}", alertctl::render::diff::unified(c, color));
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

/// A sharded run: per shard its plan (dry run), then a line each (stderr) or one JSON
/// document with a `shards` array.
fn show_shards(g: &Global, format: Report, r: &DeployReport) -> Exit {
    let exit = shards_exit(&r.shards);
    match format {
        Report::Json => {
            let shards: Vec<serde_json::Value> = r
                .shards
                .iter()
                .map(|s| {
                    let e = shard_exit(s);
                    match (&s.report, &s.error) {
                        (Some(d), _) => {
                            let mut doc = report_json(d, d.outcome.as_str(), &d.message, e);
                            doc["shard"] = json!(s.shard);
                            doc
                        }
                        (None, err) => json!({
                            "shard": s.shard,
                            "result": if e == Exit::Invalid { "invalid" } else { "failed" },
                            "code": err.as_ref().map(|e| e.code),
                            "message": err.as_ref().map(|e| &e.message),
                            "exit_code": e as i32,
                        }),
                    }
                })
                .collect();
            let result = match exit {
                Exit::Ok => r.outcome.as_str(),
                Exit::Invalid => "invalid",
                Exit::Failure => "failed",
                _ => r.outcome.as_str(),
            };
            out!(
                "{}",
                report::json_document(json!({
                    "result": result,
                    "shards": shards,
                    "message": r.message,
                    "exit_code": exit as i32,
                }))
            );
        }
        Report::Human => {
            let color = report::stdout_color(g.color);
            for s in &r.shards {
                let Some(d) = &s.report else { continue };
                if d.outcome == Outcome::DryRun {
                    for c in d.plan.iter().flat_map(|p| &p.changes) {
                        out!("{}", alertctl::render::diff::unified(c, color));
                    }
                }
            }
            for s in &r.shards {
                let prefix = if shard_exit(s) == Exit::Ok {
                    ""
                } else {
                    "error: "
                };
                let message = match (&s.report, &s.error) {
                    (Some(d), _) => d.message.clone(),
                    (None, e) => e.as_ref().map_or(String::new(), |e| e.message.clone()),
                };
                eline!("{prefix}shard {}: {message}", s.shard);
            }
        }
    }
    exit
}

/// One deployment's JSON fields (a plain run's document, a shard's entry).
fn report_json(r: &DeployReport, result: &str, message: &str, exit: Exit) -> serde_json::Value {
    let plan = r.plan.as_ref();
    let mut doc = json!({
        "result": result,
        "rev": r.rev,
        "summary": plan.map(|p| &p.summary),
        "changes": plan.map(changes_json),
        "servers": &r.servers,
        "message": message,
        "exit_code": exit as i32,
    });
    if matches!(r.outcome, Outcome::RolledBack | Outcome::RollbackUnverified) {
        doc["rollback"] = json!(r.rollback);
    }
    if let Some(t) = &r.file_sd {
        doc["file_sd"] = file_sd_json(t);
    }
    doc
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
            let doc = match r {
                Some(r) => report_json(r, result, message, exit),
                None => json!({
                    "result": result,
                    "rev": null,
                    "summary": null,
                    "changes": null,
                    "servers": [],
                    "message": message,
                    "exit_code": exit as i32,
                }),
            };
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

pub fn history(
    g: &Global,
    limit: usize,
    format: Report,
    shard: Option<String>,
) -> miette::Result<Exit> {
    let root = alertctl::source::project::find_root(&start(g))?;
    // Shards are told apart by their output directories, as the history keys them.
    let shards = super::shard_dirs(&root);
    let h = History::open(&root).into_diagnostic()?;
    let rows = match &shard {
        None => h.list(limit).into_diagnostic()?,
        Some(n) => match shards.iter().find(|(name, _)| name == n) {
            Some((_, key)) => h.list_for(key, limit).into_diagnostic()?,
            None => {
                let names: Vec<&str> = shards.iter().map(|s| s.0.as_str()).collect();
                eline!(
                    "error: no shard `{}` in alertctl.toml{}",
                    n.escape_debug(),
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(" (shards: {})", names.join(", "))
                    }
                );
                return Ok(Exit::Invalid);
            }
        },
    };
    let shard_of = |d: &alertctl::deploy::history::Deployment| {
        shards
            .iter()
            .find(|(_, key)| *key == d.output_dir)
            .map(|s| s.0.clone())
    };
    match format {
        Report::Json if shards.is_empty() => {
            out!("{}", report::json_document(json!({ "deployments": rows })))
        }
        Report::Json => {
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(|d| {
                    let mut v = json!(d);
                    v["shard"] = json!(shard_of(d));
                    v
                })
                .collect();
            out!("{}", report::json_document(json!({ "deployments": rows })))
        }
        Report::Human => {
            let mut table = vec![
                ["REV", "TIME", "KIND", "RESULT", "COMMIT", "WHO", "SUMMARY"].map(str::to_string),
            ];
            for d in &rows {
                let summary = match shard_of(d) {
                    Some(s) => format!("[{s}] {}", d.summary),
                    None => d.summary.clone(),
                };
                table.push([
                    d.rev.to_string(),
                    d.time.clone(),
                    d.kind.clone(),
                    d.result.clone(),
                    d.git_commit
                        .as_deref()
                        .map_or("-".into(), |c| c.chars().take(12).collect()),
                    d.who.clone(),
                    summary,
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
fn changes_json(plan: &alertctl::render::diff::Plan) -> Vec<serde_json::Value> {
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
