//! The rule unit tests (`alertctl test`) and the impact figures (`alertctl impact`) in
//! the editor's preview, asked for with its "Run tests" and "Impact" buttons.

use crate::ops::edit::Preview;
use crate::render::Rendered;
use crate::source::project::Project;
use crate::source::settings::ServerKind;

/// What the page shows for a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Extra {
    /// The check is not available; the note says why (shown as is).
    Missing(String),
    /// The check ran; its answer.
    Ran(serde_json::Value),
    /// The check could not run; the message says why.
    Failed(String),
}

impl Extra {
    pub fn json(&self) -> serde_json::Value {
        match self {
            Extra::Missing(note) => serde_json::json!({"available": false, "note": note}),
            Extra::Ran(v) => serde_json::json!({"available": true, "result": v}),
            Extra::Failed(e) => serde_json::json!({"available": true, "error": e}),
        }
    }
}

/// The rules directory's unit tests against the preview's rendering (unsaved edits
/// included), run by the same operation as `alertctl test`.
///
/// Answers `{"summary": "3 passed, 1 failed", "results": [{"name", "file", "line",
/// "passed", "failures": ["file:line: message", ...]}]}`.
pub fn unit_tests(project: &Project, rendered: &Rendered) -> Extra {
    let mut diags = crate::diag::Diagnostics::default();
    let report = match crate::ops::test::run(project, rendered, None, &mut diags) {
        Ok(r) => r,
        Err(e) => return Extra::Failed(e.to_string()),
    };
    if diags.has_errors() {
        let first = diags
            .iter()
            .find(|d| d.severity == crate::diag::Severity::Error)
            .map(located)
            .unwrap_or_default();
        return Extra::Failed(format!("the tests cannot run: {first}"));
    }
    if report.results.is_empty() {
        return Extra::Missing("no tests in tests/*.yaml (docs/format.md#tests)".into());
    }
    let failed = report.results.iter().filter(|r| !r.passed()).count();
    let results: Vec<serde_json::Value> = report
        .results
        .iter()
        .map(|r| {
            let failures: Vec<String> = r
                .failures
                .iter()
                .map(located)
                .collect();
            serde_json::json!({"name": r.name, "file": r.file, "line": r.line, "passed": r.passed(), "failures": failures})
        })
        .collect();
    Extra::Ran(serde_json::json!({
        "summary": format!("{} passed, {failed} failed", report.results.len() - failed),
        "results": results,
    }))
}

/// `file:line:col: message`, as the terminal shows a diagnostic in one line.
fn located(d: &crate::diag::Diagnostic) -> String {
    match d.position() {
        Some((f, l, c)) => format!("{f}:{l}:{c}: {}", d.message),
        None => d.message.clone(),
    }
}

/// For each alert the preview's plan changes, how often it would have fired old vs new
/// over the last 24 hours (at 1m steps, `alertctl impact`'s defaults), against the first
/// configured Prometheus: the same operation and JSON as `alertctl impact --format json`.
pub fn impact(p: &Preview) -> Extra {
    if !p
        .project
        .model
        .settings
        .servers
        .iter()
        .any(|s| s.kind == ServerKind::Prometheus)
    {
        return Extra::Missing(
            "impact figures need a Prometheus server: none of kind prometheus is configured in alertctl.toml".into(),
        );
    }
    let req = crate::ops::impact::Request::default();
    match crate::ops::impact::run(
        &p.project,
        &p.plan,
        &p.current,
        &p.rendered.files,
        &req,
        &mut |_, _| {},
    ) {
        Ok(r) => Extra::Ran(r.json()),
        Err(e) => Extra::Failed(e.to_string()),
    }
}
