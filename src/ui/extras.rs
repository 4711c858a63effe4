//! INTEGRATION POINT (issue 14): the rule unit tests (`alertctl test`) and the impact
//! figures (`alertctl impact`) in the editor's preview.
//!
//! The editor asks for them with the preview's "Run tests" and "Impact" buttons and shows
//! whatever these two functions answer. Until the library offers `test` and `impact`
//! (branch `testcmd`), they answer [`Extra::Missing`] with a note the page shows as it
//! is. Wiring them is this file only: call the library's test runner on `rendered` (the
//! preview's own rendering, unsaved edits included) and its impact analysis on `plan`,
//! and return [`Extra::Ran`] with the JSON shapes documented on each function.

use crate::diff::Plan;
use crate::project::Project;
use crate::render::Rendered;

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

/// The rules directory's unit tests against the preview's rendering.
///
/// Answer with `Extra::Ran({"summary": "3 passed, 1 failed", "results": [{"name",
/// "file", "line", "passed", "failures": ["expected ... got ...", ...]}]})`.
pub fn unit_tests(_project: &Project, _rendered: &Rendered) -> Extra {
    Extra::Missing(
        "`alertctl test` is not part of this build yet (issue 14); its results will show here"
            .into(),
    )
}

/// For each alert the preview's plan changes, how often it would have fired old vs new
/// over the configured window, against the configured Prometheus.
///
/// Answer with `Extra::Ran({"window": "24h", "alerts": [{"alert", "change", "old":
/// {"series_fired", "episodes", "firing_seconds"}, "new": {...}, "targets_changed": n}]})`.
pub fn impact(project: &Project, _plan: &Plan) -> Extra {
    if project.model.settings.servers.is_empty() {
        return Extra::Missing(
            "impact figures need a Prometheus server: none is configured in alertctl.toml".into(),
        );
    }
    Extra::Missing(
        "`alertctl impact` is not part of this build yet (issue 14); its figures will show here"
            .into(),
    )
}
