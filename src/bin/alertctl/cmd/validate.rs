use serde_json::json;

use alertctl::diag::Diagnostics;
use alertctl::render::promtool::{Status, Verdict};
use alertctl::render::Rendered;
use alertctl::source::project::Project;

use super::load_and_render;
use crate::cli::{Format, Global, PromtoolArg};
use crate::exit::Exit;
use crate::report;

pub fn run(
    g: &Global,
    format: Format,
    promtool_arg: Option<PromtoolArg>,
    deny_warnings: bool,
) -> miette::Result<Exit> {
    let (project, rendered, mut diags) = load_and_render(g)?;
    let promtool = super::promtool_check(&project, &rendered, promtool_arg, &mut diags);
    let exit = finish(
        g,
        &project,
        &rendered,
        diags,
        &Outcome {
            format,
            promtool,
            deny_warnings,
            live: None,
        },
    );
    super::leave_to_exit(project);
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
    rendered: &Rendered,
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
                "stats": { "files": project.stats.files, "templates": model.templates.len(), "rules": model.rules.len(), "alerts": alerts, "rendered_files": rendered.files.len(), "rendered_rules": rendered.rule_count },
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
                    report::plural(rendered.rule_count, "rule"),
                    report::plural(rendered.files.len(), "file"),
                    o.promtool.status.as_str()
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
