//! `alertctl test`: the rules directory's unit tests run by the real promtool against a
//! rendering (the CLI's, or `serve`'s preview with unsaved edits).

use std::path::PathBuf;

use crate::diag::Diagnostics;
use crate::render::Rendered;
use crate::source::project::Project;
use crate::unittest::{self, run::Report, run::Routing};

#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("the rendered Alertmanager config does not route: {0}")]
    Routing(String),
    #[error("`alertctl test` runs promtool, which was not found")]
    NoPromtool,
    #[error("promtool not found at {}", .0.display())]
    PromtoolMissingAt(PathBuf),
    #[error(transparent)]
    Run(#[from] unittest::run::RunError),
}

impl TestError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            TestError::NoPromtool => Some("install Prometheus' promtool (Debian: the prometheus package), set validate.promtool_path, or set ALERTCTL_PROMTOOL"),
            TestError::PromtoolMissingAt(_) => Some("fix validate.promtool_path (relative to the rules directory) or ALERTCTL_PROMTOOL"),
            _ => None,
        }
    }
}

/// Runs the tests under `tests/` whose name contains `filter` against `rendered`.
/// Problems in the test files (or a directory with errors) are diagnostics in `diags`
/// and stop before promtool: the report is then empty and `diags.has_errors()`.
pub fn run(
    project: &Project,
    rendered: &Rendered,
    filter: Option<&str>,
    diags: &mut Diagnostics,
) -> Result<Report, TestError> {
    if diags.has_errors() {
        return Ok(Report::default());
    }
    let model = &project.model;
    let files = unittest::file::load(&project.root, model, diags);
    if diags.has_errors() {
        return Ok(Report::default());
    }
    let routing = if project.alertmanager.is_empty() {
        None
    } else {
        let masked = crate::alertmanager::config::render(&project.alertmanager, model, &|_| {
            Some(crate::alertmanager::config::MASK.to_string())
        })
        .unwrap_or_default();
        Some(Routing::from_config(&masked).map_err(|e| TestError::Routing(e.to_string()))?)
    };
    let promtool = match crate::render::promtool::locate(
        model.settings.validate.promtool_path.as_deref(),
        &project.root,
    ) {
        Ok(Some(p)) => p,
        Ok(None) => return Err(TestError::NoPromtool),
        Err(bad) => return Err(TestError::PromtoolMissingAt(bad)),
    };
    Ok(unittest::run::run(
        model,
        rendered,
        routing.as_ref(),
        &files,
        filter,
        &promtool,
        diags,
    )?)
}
