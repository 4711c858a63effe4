use alertctl::diag::{Code, Diagnostic};
use alertctl::promtool;
use alertctl::settings::PromtoolPolicy;
use serde_json::json;

use super::load_and_render;
use crate::cli::{Format, Global, PromtoolArg};
use crate::exit::Exit;
use crate::report;

pub fn run(g: &Global, format: Format, promtool_arg: Option<PromtoolArg>) -> miette::Result<Exit> {
    let (project, rendered, mut diags) = load_and_render(g)?;
    let model = &project.model;
    let policy = match promtool_arg {
        Some(PromtoolArg::Auto) => PromtoolPolicy::Auto,
        Some(PromtoolArg::Required) => PromtoolPolicy::Required,
        Some(PromtoolArg::Off) => PromtoolPolicy::Off,
        None => model.settings.validate.promtool,
    };
    let mut promtool_status = "off".to_string();
    if policy != PromtoolPolicy::Off {
        match promtool::locate(model.settings.validate.promtool_path.as_deref()) {
            None if policy == PromtoolPolicy::Required => {
                diags.push(Diagnostic::error(Code::Promtool, "promtool is required (validate.promtool = \"required\") but was not found").hint("install Prometheus' promtool, set validate.promtool_path, or set ALERTCTL_PROMTOOL"));
                promtool_status = "missing".into();
            }
            None => promtool_status = "not found, skipped".into(),
            Some(path) => {
                match promtool::check(&path, &rendered.files) {
                    Ok((ok, findings)) => {
                        promtool::diagnose(model, &rendered, &findings, &mut diags);
                        if !ok && findings.is_empty() {
                            diags.push(Diagnostic::error(Code::Promtool, "promtool check rules failed without a finding alertctl could read").hint(format!("run {} check rules on the rendered files", path.display())));
                        }
                        promtool_status = if ok { "ok".into() } else { "failed".into() };
                    }
                    Err(e) => {
                        diags.push(Diagnostic::error(
                            Code::Promtool,
                            format!("could not run {}: {e}", path.display()),
                        ));
                        promtool_status = "error".into();
                    }
                }
            }
        }
    }
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
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
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
    Ok(if diags.has_errors() {
        Exit::Invalid
    } else {
        Exit::Ok
    })
}
