use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use alertctl::impact::{self, html};
use alertctl::{ops, render::diff, render::output};
use miette::IntoDiagnostic;

use super::{out_dir, stop_on_errors};
use crate::cli::{Global, Report};
use crate::exit::Exit;

pub fn run(
    g: &Global,
    since: &str,
    step: &str,
    prometheus: Option<String>,
    out: Option<PathBuf>,
    format: Report,
    report: Option<PathBuf>,
) -> miette::Result<Exit> {
    let parse = |flag: &str, v: &str| match alertctl::model::parse_duration(v) {
        Some(d) if d.as_secs() >= 1 => Ok(d),
        _ => {
            eprintln!("error: --{flag} {v:?} is not a duration of at least 1s (e.g. 24h, 1m)");
            Err(Exit::Invalid)
        }
    };
    let (since, step) = match (parse("since", since), parse("step", step)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return Ok(Exit::Invalid),
    };
    let (project, rendered, diags) = super::load_and_render(g)?;
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    let current = output::read(&out_dir(&project, out)).into_diagnostic()?;
    let plan = diff::plan(&rendered.files, &current.generated);
    let tty = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize| {
        if tty {
            let _ = write!(std::io::stderr(), "\rimpact: {done}/{total} range queries");
        }
    };
    let req = ops::impact::Request {
        since,
        step,
        prometheus,
    };
    let result = ops::impact::run(
        &project,
        &plan,
        &current.generated,
        &rendered.files,
        &req,
        &mut progress,
    );
    if tty {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
    let r = match result {
        Ok(r) => r,
        Err(e) => return Ok(super::op_error(&e, e.is_invalid())),
    };
    let settings = &project.model.settings;
    let (w, impacts, records) = (&r.window, &r.alerts, &r.records);
    if let Some(path) = &report {
        let page = html::render(w, &r.server, &settings.labels.target, impacts, records);
        if let Err(e) = std::fs::write(path, page) {
            eprintln!("error: writing {}: {e}", path.display());
            return Ok(Exit::Failure);
        }
    }
    match format {
        Report::Json => print!("{}", crate::report::json_document(r.json())),
        Report::Human => {
            oline!(
                "impact over {} ({} to {} UTC, step {}) on {}: {}",
                html::span(w.end - w.start),
                html::utc(w.start),
                html::utc(w.end),
                html::span(w.step),
                r.server,
                crate::report::plural(impacts.len(), "changed alert")
            );
            for a in impacts {
                let max = a.peak();
                let change = format!("{:?}", a.change).to_lowercase();
                oline!("{}  {change}  {}", a.alert, a.files.join(", "));
                for (name, side) in [("old", &a.old), ("new", &a.new)] {
                    oline!(
                        "  {name}  {}  {}, {}, firing {}",
                        impact::sparkline(&side.timeline, 48, max),
                        format!("{} series", side.series_fired),
                        crate::report::plural(side.episodes, "episode"),
                        html::span(side.firing_seconds)
                    );
                }
                if !a.targets_changed.is_empty() {
                    let shown: Vec<String> = a
                        .targets_changed
                        .iter()
                        .take(8)
                        .map(|t| {
                            format!(
                                "{} {} -> {}",
                                t.target,
                                html::span(t.old_firing_seconds),
                                html::span(t.new_firing_seconds)
                            )
                        })
                        .collect();
                    let more = a.targets_changed.len().saturating_sub(8);
                    oline!(
                        "  targets: {}{}",
                        shown.join("; "),
                        if more > 0 {
                            format!("; and {more} more")
                        } else {
                            String::new()
                        }
                    );
                }
                for m in &a.missing_metrics {
                    oline!("  ! the server has never had metric `{m}`: the new rules cannot fire");
                }
            }
            if !records.is_empty() {
                oline!(
                    "recording rules changed (not evaluated): {}",
                    records.join(", ")
                );
            }
            if let Some(p) = &report {
                eprintln!("wrote {}", p.display());
            }
        }
    }
    Ok(Exit::Ok)
}
