use std::collections::BTreeMap;
use std::path::PathBuf;

use alertctl::ops::alertmanager::{self as am_ops, AmDiff, AmError, AmProject};
use alertctl::ops::{OpError, Outcome};
use miette::IntoDiagnostic;
use serde_json::json;

use super::events::Printer;
use crate::cli::{AmAction, Global, Report};
use crate::exit::Exit;
use crate::report;

pub fn run(g: &Global, action: AmAction) -> miette::Result<Exit> {
    let human = !matches!(
        action,
        AmAction::Apply {
            format: Report::Json,
            ..
        }
    );
    let mut events = Printer::new(g, human);
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let am = match am_ops::load(&start, !g.no_cache, &mut events) {
        Ok(am) => am,
        Err(OpError::Alertmanager(e)) => return Ok(plain_error(&e)),
        Err(e) => return super::apply::error_exit(e).map(|(_, _, exit)| exit),
    };
    match action {
        AmAction::Render { stdout, out } => render(&am, stdout, out.unwrap_or(am.output.clone())),
        AmAction::Diff { exit_code } => diff(g, &am, exit_code),
        AmAction::Apply {
            dry_run,
            amtool,
            format,
        } => apply(g, &am, dry_run, amtool, format, &mut events),
        AmAction::RoutesTest {
            labels,
            target,
            severity,
            tree,
        } => routes_test(&am, &labels, target.as_deref(), severity.as_deref(), tree),
    }
}

/// An error before the config is rendered: stderr only, whatever the format.
fn plain_error(e: &AmError) -> Exit {
    eline!("error: {e}");
    if let Some(h) = e.hint() {
        eline!("hint: {h}");
    }
    if e.is_invalid_input() {
        Exit::Invalid
    } else {
        Exit::Failure
    }
}

fn render(am: &AmProject, stdout: bool, out: PathBuf) -> miette::Result<Exit> {
    if stdout {
        out!("{}", am.masked());
        return Ok(Exit::Ok);
    }
    let rendered = match am.render() {
        Ok(r) => r,
        Err(e) => return Ok(plain_error(&e)),
    };
    match am_ops::write(&rendered, &out) {
        Ok(()) => {}
        Err(e @ AmError::Write { .. }) => return Err(e).into_diagnostic(),
        Err(e) => return Ok(plain_error(&e)),
    }
    eline!("wrote {}", out.display());
    Ok(Exit::Ok)
}

fn diff(g: &Global, am: &AmProject, exit_code: bool) -> miette::Result<Exit> {
    let rendered = match am.render() {
        Ok(r) => r,
        Err(e) => return Ok(plain_error(&e)),
    };
    let plan = match am_ops::diff(am, &rendered) {
        AmDiff::Same => {
            eline!("no changes in {}", am.output.display());
            return Ok(Exit::Ok);
        }
        AmDiff::OnlySecrets => {
            eline!(
                "only secret values differ in {} (masked)",
                am.output.display()
            );
            None
        }
        AmDiff::Changed(plan) => Some(plan),
    };
    let color = report::stdout_color(g.color);
    for c in plan.iter().flat_map(|p| &p.changes) {
        out!("{}", alertctl::render::diff::unified(c, color));
    }
    Ok(if exit_code {
        Exit::Differences
    } else {
        Exit::Ok
    })
}

fn apply(
    g: &Global,
    am: &AmProject,
    dry_run: bool,
    amtool: Option<crate::cli::PromtoolArg>,
    format: Report,
    events: &mut Printer,
) -> miette::Result<Exit> {
    let rendered = match am.render() {
        Ok(r) => r,
        Err(e) => return Ok(plain_error(&e)),
    };
    let r = match am_ops::apply(am, &rendered, amtool.map(super::policy), dry_run, events) {
        Ok(r) => r,
        Err(e) => {
            let (result, message, exit) = super::apply::error_exit(e)?;
            return Ok(done(format, result, &message, exit));
        }
    };
    if r.outcome == Outcome::DryRun && format == Report::Human {
        for c in r.plan.iter().flat_map(|p| &p.changes) {
            out!(
                "{}",
                alertctl::render::diff::unified(c, report::stdout_color(g.color))
            );
        }
    }
    Ok(done(
        format,
        r.outcome.as_str(),
        &r.message,
        super::apply::exit_of(r.outcome),
    ))
}

fn done(format: Report, result: &str, message: &str, exit: Exit) -> Exit {
    match format {
        Report::Json => out!(
            "{}",
            report::json_document(
                json!({"result": result, "message": message, "exit_code": exit as i32})
            )
        ),
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

fn routes_test(
    am: &AmProject,
    labels: &[String],
    target: Option<&str>,
    severity: Option<&str>,
    tree: bool,
) -> miette::Result<Exit> {
    let project = &am.project;
    let text = am.masked();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).into_diagnostic()?;
    let route = match alertctl::alertmanager::route::parse_route(&doc["route"]) {
        Ok(r) => r,
        Err(e) => {
            eline!("error: the rendered route does not parse: {e}");
            return Ok(Exit::Invalid);
        }
    };
    if tree {
        out!("{}", alertctl::alertmanager::route::tree(&route));
        return Ok(Exit::Ok);
    }
    let mut set: BTreeMap<String, String> = BTreeMap::new();
    if let Some(t) = target {
        let Some(pos) = project.model.inventory.position(t) else {
            eline!("error: target `{t}` is not in the inventory");
            if let Some(s) = alertctl::diag::did_you_mean(
                t,
                project.model.inventory.targets.keys().map(String::as_str),
            ) {
                eline!("hint: did you mean `{s}`?");
            }
            return Ok(Exit::Invalid);
        };
        let l = &project.model.settings.labels;
        set.insert(l.target.clone(), t.to_string());
        if let Some(n) = pos.namespace {
            set.insert(l.namespace.clone(), n);
        }
        if let Some(gr) = pos.group {
            set.insert(l.group.clone(), gr);
        }
    }
    if let Some(s) = severity {
        set.insert("severity".into(), s.to_string());
    }
    for kv in labels {
        let Some((k, v)) = kv.split_once('=') else {
            eline!("error: `{kv}` is not name=value");
            return Ok(Exit::Invalid);
        };
        set.insert(k.to_string(), v.trim_matches('"').to_string());
    }
    oline!(
        "{}",
        alertctl::alertmanager::route::receivers(&route, &set).join(",")
    );
    Ok(Exit::Ok)
}
