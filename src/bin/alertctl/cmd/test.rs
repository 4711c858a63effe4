use std::path::PathBuf;
use std::time::Instant;

use alertctl::diag::Diagnostics;
use alertctl::unittest;
use serde_json::json;

use super::load_and_render;
use crate::cli::{Format, Global};
use crate::exit::Exit;
use crate::report;

pub fn run(
    g: &Global,
    filter: Option<String>,
    junit: Option<PathBuf>,
    format: Format,
) -> miette::Result<Exit> {
    let (project, rendered, mut diags) = load_and_render(g)?;
    let color = report::stderr_color(g.color);
    let invalid = |diags: &Diagnostics| {
        report::print(diags, format, color, &project.root);
        if format == Format::Json {
            let doc = json!({"valid": false, "diagnostics": report::json_value(diags)});
            print!("{}", report::json_document(doc));
        }
        eprintln!(
            "error: {}; no test was run (`alertctl validate` reports the rules directory)",
            report::counts(diags)
        );
        Ok(Exit::Invalid)
    };
    if diags.has_errors() {
        return invalid(&diags);
    }
    let start = Instant::now();
    let report = match alertctl::ops::test::run(&project, &rendered, filter.as_deref(), &mut diags)
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(h) = e.hint() {
                eprintln!("hint: {h}");
            }
            return Ok(match e {
                alertctl::ops::test::TestError::Routing(_) => Exit::Invalid,
                _ => Exit::Failure,
            });
        }
    };
    if diags.has_errors() {
        return invalid(&diags);
    }
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = &junit {
        if let Err(e) = std::fs::write(path, unittest::junit::render(&report, seconds)) {
            eprintln!("error: writing {}: {e}", path.display());
            return Ok(Exit::Failure);
        }
    }
    let mut failures = diags.clone();
    for r in &report.results {
        for d in &r.failures {
            failures.push(d.clone());
        }
    }
    let total = report.results.len();
    let failed = report.results.iter().filter(|r| !r.passed()).count();
    match format {
        Format::Json => {
            let tests: Vec<serde_json::Value> = report
                .results
                .iter()
                .map(|r| {
                    let mut one = Diagnostics::default();
                    r.failures.iter().for_each(|d| one.push(d.clone()));
                    json!({"file": r.file, "line": r.line, "name": r.name, "passed": r.passed(), "failures": report::json_value(&one)})
                })
                .collect();
            let doc = json!({"valid": true, "passed": total - failed, "failed": failed, "tests": tests, "diagnostics": report::json_value(&diags)});
            print!("{}", report::json_document(doc));
        }
        Format::Human => {
            for r in &report.results {
                let verdict = if r.passed() { "ok  " } else { "FAIL" };
                oline!("{verdict} {}:{}  {}", r.file, r.line, r.name);
            }
            report::print(&failures, format, color, &project.root);
        }
        Format::Github | Format::Sarif => report::print(&failures, format, color, &project.root),
    }
    if total == 0 {
        eprintln!(
            "no tests{} in {}/tests/*.yaml (docs/format.md#tests)",
            filter.map_or_else(String::new, |f| format!(" matching `{f}`")),
            project.root.display()
        );
    } else if failed == 0 {
        eprintln!(
            "ok: {} passed ({} promtool runs, {seconds:.2}s)",
            report::plural(total, "test"),
            report.promtool_runs
        );
    } else {
        eprintln!(
            "error: {failed} of {} failed",
            report::plural(total, "test")
        );
    }
    Ok(if failed > 0 {
        Exit::Differences
    } else {
        Exit::Ok
    })
}
