use serde_json::json;

use alertctl::diag::Diagnostics;
use alertctl::render::promtool::{Status, Verdict};
use alertctl::render::Counts;
use alertctl::source::project::Project;

use crate::cli::{Format, Global, PromtoolArg};
use crate::exit::Exit;
use crate::report;

/// How many output files `validate` renders at a time: each batch resolves the cells
/// of its alerts again, so fewer batches cost less CPU and more memory (see
/// [`alertctl::render::render_batched`]).
const BATCHES: usize = 3;

pub fn run(
    g: &Global,
    format: Format,
    promtool_arg: Option<PromtoolArg>,
    deny_warnings: bool,
) -> miette::Result<Exit> {
    let (mut project, mut diags) = super::load_to_validate(g)?;
    project.release_texts();
    let policy = super::promtool_policy(&project, promtool_arg);
    let (rendered, promtool) =
        alertctl::render::promtool::render_and_check(&project, policy, BATCHES, &mut diags);
    alertctl::timings::mark("render and promtool");
    // Before `accept`: a `source-changed` warning can be accepted like any other.
    diags.recall_texts();
    // After promtool's findings, unlike `check`: the same, as long as `accept` drops
    // only warnings and promtool reports only errors.
    diags.accept(&project.model.settings.accepted());
    let exit = finish(
        g,
        &project,
        rendered,
        diags,
        &Outcome {
            format,
            promtool,
            deny_warnings,
            live: None,
        },
    );
    Ok(exit)
}

/// How a check ends: the format, promtool's status, and what `check --live` adds.
pub struct Outcome {
    pub format: Format,
    pub promtool: Verdict,
    pub deny_warnings: bool,
    /// `check --live`: the servers' summaries (JSON) and a line for the human summary.
    pub live: Option<(serde_json::Value, String)>,
}

/// Prints the report of `validate` (and `check`) and picks the exit code.
pub fn finish(
    g: &Global,
    project: &Project,
    rendered: Counts,
    mut diags: Diagnostics,
    o: &Outcome,
) -> Exit {
    if o.deny_warnings {
        diags.deny_warnings();
    }
    let model = &project.model;
    let alerts = model.alerts.len();
    match o.format {
        Format::Json => {
            let mut doc = json!({
                "valid": !diags.has_errors(),
                "errors": diags.error_count(),
                "warnings": diags.warning_count(),
                "diagnostics": report::json_value(&diags),
                "stats": { "files": project.stats.files, "templates": model.templates.len(), "rules": model.rules.len(), "alerts": alerts, "rendered_files": rendered.files, "rendered_rules": rendered.rules },
                "promtool": o.promtool.status.as_str(),
            });
            if let Some(c) = o.promtool.coverage {
                doc["promtool_files"] = json!(c);
            }
            if let Some((live, _)) = &o.live {
                doc["live"] = live.clone();
            }
            print!("{}", report::json_document(doc));
        }
        _ => {
            report::print(
                &diags,
                o.format,
                report::stderr_color(g.color),
                &project.root,
            );
            if diags.has_errors() {
                eprintln!(
                    "error: {} in {}",
                    report::counts(&diags),
                    project.root.display()
                );
            } else {
                eprintln!(
                    "ok: {}, {}, {}, {} -> {} in {} (promtool: {})",
                    report::plural(project.stats.files, "file"),
                    report::plural(model.templates.len(), "template"),
                    report::plural(model.rules.len(), "rule"),
                    report::plural(alerts, "alert"),
                    report::plural(rendered.rules, "rule"),
                    report::plural(rendered.files, "file"),
                    o.promtool.status.as_str()
                );
            }
            if let (true, Some(built)) = (g.verbose, rendered.built) {
                eprintln!(
                    "render: {built} of {} files built (the others are as the last stored run built them)",
                    rendered.files
                );
            }
            if let (true, Some(c)) = (g.verbose, o.promtool.coverage) {
                eprintln!("{}", report::promtool_files(c));
            }
            if let Some((_, line)) = &o.live {
                eprintln!("{line}");
            }
        }
    }
    // A required tool that is missing is an environment problem, not invalid input.
    if o.promtool.status == Status::Missing {
        Exit::Failure
    } else if diags.has_errors() {
        Exit::Invalid
    } else {
        Exit::Ok
    }
}
