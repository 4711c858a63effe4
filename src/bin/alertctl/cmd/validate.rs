use serde_json::json;

use super::load_and_render;
use crate::cli::{Format, Global, PromtoolArg};
use crate::exit::Exit;
use crate::report;

pub fn run(g: &Global, format: Format, promtool_arg: Option<PromtoolArg>) -> miette::Result<Exit> {
    let (project, rendered, mut diags) = load_and_render(g)?;
    let model = &project.model;
    let promtool_status = super::promtool_check(&project, &rendered, promtool_arg, &mut diags);
    let alerts = model.alerts.len();
    match format {
        Format::Json => {
            let doc = json!({
                "valid": !diags.has_errors(),
                "errors": diags.error_count(),
                "warnings": diags.warning_count(),
                "diagnostics": report::json_value(&diags),
                "stats": { "files": project.stats.files, "templates": model.templates.len(), "rules": model.rules.len(), "alerts": alerts, "rendered_files": rendered.files.len(), "rendered_rules": rendered.rule_count },
                "promtool": promtool_status,
            });
            print!("{}", report::json_document(doc));
        }
        _ => {
            report::print(&diags, format, report::stderr_color(g.color), &project.root);
            if diags.has_errors() {
                eprintln!(
                    "error: {} in {}",
                    report::counts(&diags),
                    project.root.display()
                );
            } else {
                eprintln!(
                    "ok: {}, {}, {}, {} -> {} in {} (promtool: {promtool_status})",
                    report::plural(project.stats.files, "file"),
                    report::plural(model.templates.len(), "template"),
                    report::plural(model.rules.len(), "rule"),
                    report::plural(alerts, "alert"),
                    report::plural(rendered.rule_count, "rule"),
                    report::plural(rendered.files.len(), "file")
                );
            }
        }
    }
    // A required tool that is missing is an environment problem, not invalid input.
    Ok(if promtool_status == "missing" {
        Exit::Failure
    } else if diags.has_errors() {
        Exit::Invalid
    } else {
        Exit::Ok
    })
}
