//! `alertctl impact` and the editor's "Impact" button: how often the pending change's
//! alerts would have fired, old vs new, over a past window of a real Prometheus.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::deploy::server::Server;
use crate::impact::{self, AlertImpact, Window};
use crate::render::diff::Plan;
use crate::source::project::Project;
use crate::source::settings::{ServerKind, ServerSettings};

/// Evaluations a window may have (`since` / `step`).
pub const MAX_STEPS: u64 = 200_000;

/// What to evaluate: the window and, optionally, which Prometheus to ask.
#[derive(Debug, Clone)]
pub struct Request {
    pub since: Duration,
    pub step: Duration,
    /// A server URL; default: the first configured server of kind prometheus.
    pub prometheus: Option<String>,
}

impl Default for Request {
    /// The CLI's defaults: the last 24 hours at the usual evaluation interval.
    fn default() -> Self {
        Request {
            since: Duration::from_secs(24 * 3600),
            step: Duration::from_secs(60),
            prometheus: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImpactError {
    #[error("{0}")]
    Window(String),
    #[error("--prometheus must be an http(s) URL, e.g. http://127.0.0.1:9090")]
    NotUrl,
    #[error("no Prometheus to ask: pass --prometheus URL, or add a [[prometheus]] server (kind \"prometheus\") to alertctl.toml")]
    NoServer,
    /// The server could not be set up or answered with an error.
    #[error("{0}")]
    Server(String),
}

impl ImpactError {
    /// Whether the request itself is wrong (as opposed to the server failing).
    pub fn is_invalid(&self) -> bool {
        !matches!(self, ImpactError::Server(_))
    }
}

/// The answer: per changed alert, its old and new side over the window.
pub struct Report {
    pub server: String,
    pub window: Window,
    pub since: Duration,
    /// Range and metric queries sent.
    pub requests: usize,
    pub alerts: Vec<AlertImpact>,
    /// Changed recording rules (not evaluated).
    pub records: Vec<String>,
}

impl Report {
    /// The JSON answer (`alertctl impact --format json` without the schema key).
    pub fn json(&self) -> Value {
        let w = &self.window;
        json!({
            "server": self.server,
            "window": { "start": w.start, "end": w.end, "step": w.step, "since": self.since.as_secs() },
            "requests": self.requests,
            "alerts": self.alerts,
            "recording_rules_changed": self.records,
        })
    }
}

/// Checks the window, picks the server and evaluates every alert `plan` changes
/// (`current`: the output directory's generated files, `rendered`: the new ones).
/// `progress` is called after each range query.
pub fn run(
    project: &Project,
    plan: &Plan,
    current: &BTreeMap<String, String>,
    rendered: &BTreeMap<String, String>,
    req: &Request,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report, ImpactError> {
    if req.since.as_secs() / req.step.as_secs().max(1) > MAX_STEPS {
        return Err(ImpactError::Window(format!(
            "--since / --step gives more than {MAX_STEPS} evaluations; make the step longer"
        )));
    }
    let url = req.prometheus.as_deref();
    if url.is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://"))) {
        return Err(ImpactError::NotUrl);
    }
    let settings = &project.model.settings;
    let chosen = pick_server(&settings.servers, url).ok_or(ImpactError::NoServer)?;
    let server = Server::new(
        &super::relative_to(&project.root, &chosen),
        settings.apply.retries,
    )
    .map_err(|e| ImpactError::Server(e.to_string()))?;
    let (changes, records) = impact::changes(plan, current, rendered);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let window = Window::ending(now, req.since, req.step);
    let total: usize = changes
        .iter()
        .map(|c| impact::request_count(&c.old, window) + impact::request_count(&c.new, window))
        .sum();
    let mut done = 0;
    let mut tick = || {
        done += 1;
        progress(done, total);
    };
    let mut src = crate::live::Prometheus::new(&server);
    let alerts = impact::analyse(
        &changes,
        window,
        &settings.labels.target,
        &mut src,
        &mut tick,
    )
    .map_err(ImpactError::Server)?;
    Ok(Report {
        server: server.name.clone(),
        window,
        since: req.since,
        requests: src.requests,
        alerts,
        records,
    })
}

/// `url` (with the settings of the configured server of that URL, if any), else the
/// first configured server of kind prometheus (vmalert has no query API).
fn pick_server(servers: &[ServerSettings], url: Option<&str>) -> Option<ServerSettings> {
    match url {
        Some(u) => Some(
            servers
                .iter()
                .find(|s| s.url.trim_end_matches('/') == u.trim_end_matches('/'))
                .cloned()
                .unwrap_or_else(|| ServerSettings::prometheus_at(u, Some("30s"))),
        ),
        None => servers
            .iter()
            .find(|s| s.kind == ServerKind::Prometheus)
            .cloned(),
    }
}
