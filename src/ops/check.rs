//! `alertctl check --live`: ask the running Prometheus servers what the files cannot
//! tell (which targets are scraped with which labels, which selectors match nothing).
//! Findings are diagnostics, scored like `validate`'s.

use crate::deploy::server::Server;
use crate::diag::Diagnostics;
use crate::live::Summary;
use crate::render::Rendered;
use crate::source::project::Project;
use crate::source::settings::{ServerKind, ServerSettings};

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("--prometheus `{0}` is not an http(s) URL")]
    NotUrl(String),
    #[error("no Prometheus to check: add a [[prometheus]] server to alertctl.toml or pass --prometheus URL")]
    NoServer,
    /// A server could not be set up or did not answer.
    #[error("{0}")]
    Server(String),
}

impl LiveError {
    /// Whether the request itself is wrong (as opposed to a server failing).
    pub fn is_invalid(&self) -> bool {
        !matches!(self, LiveError::Server(_))
    }
}

/// Checks `rendered` against each server of `urls` (default: every configured server
/// of kind prometheus), adding the findings to `diags`; one summary per server.
/// `progress` hears what is being asked.
pub fn live(
    project: &Project,
    rendered: &Rendered,
    urls: &[String],
    progress: &dyn Fn(&str),
    diags: &mut Diagnostics,
) -> Result<Vec<Summary>, LiveError> {
    let servers = if urls.is_empty() {
        super::servers(project).map_err(|e| LiveError::Server(e.to_string()))?
    } else {
        let mut v = Vec::new();
        for url in urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(LiveError::NotUrl(url.clone()));
            }
            let s = ServerSettings::prometheus_at(url, None);
            v.push(
                Server::new(&s, project.model.settings.apply.retries)
                    .map_err(|e| LiveError::Server(e.to_string()))?,
            );
        }
        v
    };
    let prometheus: Vec<&Server> = servers
        .iter()
        .filter(|s| s.kind == ServerKind::Prometheus)
        .collect();
    if prometheus.is_empty() {
        return Err(LiveError::NoServer);
    }
    let mut summaries = Vec::new();
    if diags.has_errors() {
        // Rules that do not render cannot be checked against series.
        return Ok(summaries);
    }
    for s in prometheus {
        let summary = crate::live::check(&project.model, rendered, s, progress, diags)
            .map_err(LiveError::Server)?;
        summaries.push(summary);
    }
    diags.accept(&project.model.settings.accepted());
    Ok(summaries)
}
