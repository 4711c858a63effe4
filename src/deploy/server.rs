//! A Prometheus or vmalert server: readiness, reload, the rules it runs, and the
//! comparison of those rules with rendered files (used by `apply` to verify and by
//! `diff --live` to show drift).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::render::RuleFile;
use crate::source::settings::{ServerKind, ServerSettings};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{server}: cannot reach {url}: {reason}")]
    Unreachable {
        server: String,
        url: String,
        reason: String,
    },
    /// The request was sent, and no answer came in time: the server may still act on it.
    #[error("{server}: {what} did not answer within {}", humantime(*after))]
    Timeout {
        server: String,
        what: String,
        after: Duration,
    },
    #[error("{server}: {what} answered HTTP {status}: {body}")]
    Status {
        server: String,
        what: String,
        status: u16,
        body: String,
    },
    #[error("{server}: {message}")]
    Rejected { server: String, message: String },
    #[error("{server}: {source}")]
    Config {
        server: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{server}: unexpected answer from {what}: {message}")]
    Protocol {
        server: String,
        what: String,
        message: String,
    },
}

fn humantime(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

impl ServerError {
    /// Worth retrying: the server may answer next time.
    fn transient(&self) -> bool {
        match self {
            ServerError::Unreachable { .. } | ServerError::Timeout { .. } => true,
            ServerError::Status { status, .. } => matches!(status, 502..=504 | 429),
            _ => false,
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, ServerError::Timeout { .. })
    }

    fn server(&self) -> &str {
        match self {
            ServerError::Unreachable { server, .. }
            | ServerError::Timeout { server, .. }
            | ServerError::Status { server, .. }
            | ServerError::Rejected { server, .. }
            | ServerError::Config { server, .. }
            | ServerError::Protocol { server, .. } => server,
        }
    }

    /// The message without the leading server name.
    pub fn detail(&self) -> String {
        let full = self.to_string();
        full.strip_prefix(&format!("{}: ", self.server()))
            .map_or(full.clone(), str::to_string)
    }
}

pub struct Server {
    pub name: String,
    pub kind: ServerKind,
    base: String,
    http: reqwest::blocking::Client,
    auth: Auth,
    retries: u32,
    timeout: Duration,
}

enum Auth {
    None,
    Bearer(String),
    Basic(String, String),
}

fn read_secret(file: Option<&str>, env: Option<&str>) -> std::io::Result<Option<String>> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(crate::source::load::io_context(
            "reading",
            std::path::Path::new(f),
        ))?;
        return Ok(Some(text.trim_end().to_string()));
    }
    if let Some(e) = env {
        return std::env::var(e).map(Some).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("environment variable {e} is not set"),
            )
        });
    }
    Ok(None)
}

impl Server {
    pub fn new(s: &ServerSettings, retries: u32) -> Result<Server, ServerError> {
        let name = s.display_name();
        let cfg_err = |source: std::io::Error| ServerError::Config {
            server: name.clone(),
            source,
        };
        let mut b = reqwest::blocking::Client::builder()
            .timeout(s.timeout())
            .connect_timeout(s.timeout().min(Duration::from_secs(5)));
        if let Some(ca) = &s.ca_file {
            let pem = std::fs::read(ca)
                .map_err(crate::source::load::io_context(
                    "reading",
                    std::path::Path::new(ca),
                ))
                .map_err(cfg_err)?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                cfg_err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{ca}: {e}"),
                ))
            })?;
            b = b.add_root_certificate(cert);
        }
        if s.insecure_skip_verify {
            b = b.danger_accept_invalid_certs(true);
        }
        let auth = if let Some(t) = read_secret(
            s.bearer_token_file.as_deref(),
            s.bearer_token_env.as_deref(),
        )
        .map_err(cfg_err)?
        {
            Auth::Bearer(t)
        } else if let Some(ba) = &s.basic_auth {
            let pw = read_secret(ba.password_file.as_deref(), ba.password_env.as_deref())
                .map_err(cfg_err)?
                .unwrap_or_default();
            Auth::Basic(ba.username.clone(), pw)
        } else {
            Auth::None
        };
        let http = b
            .build()
            .map_err(|e| cfg_err(std::io::Error::other(e.to_string())))?;
        Ok(Server {
            name,
            kind: s.kind,
            base: s.url.trim_end_matches('/').to_string(),
            http,
            auth,
            retries,
            timeout: s.timeout(),
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Result<String, ServerError> {
        self.send(method, path, None)
    }

    /// A GET of an API path with its query string (already encoded).
    pub fn get(&self, path_and_query: &str) -> Result<String, ServerError> {
        self.request(reqwest::Method::GET, path_and_query)
    }

    /// A form POST to an API path (e.g. `/api/v1/query_range`), through the server's
    /// client: its auth, TLS settings and retries. Returns the body of a 2xx answer.
    pub fn post_form(&self, path: &str, form: &[(&str, String)]) -> Result<String, ServerError> {
        self.send(reqwest::Method::POST, path, Some(form))
    }

    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        form: Option<&[(&str, String)]>,
    ) -> Result<String, ServerError> {
        let url = format!("{}{path}", self.base);
        let mut delay = Duration::from_millis(200);
        let mut attempt = 0;
        loop {
            let mut req = self.http.request(method.clone(), &url);
            if let Some(f) = form {
                req = req.form(f);
            }
            req = match &self.auth {
                Auth::None => req,
                Auth::Bearer(t) => req.bearer_auth(t),
                Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
            };
            let result = match req.send() {
                Err(e) if e.is_timeout() => Err(ServerError::Timeout {
                    server: self.name.clone(),
                    what: format!("{method} {path}"),
                    after: self.timeout,
                }),
                Err(e) => Err(ServerError::Unreachable {
                    server: self.name.clone(),
                    url: url.clone(),
                    reason: error_chain(&e),
                }),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp.text().unwrap_or_default();
                    if (200..300).contains(&status) {
                        Ok(body)
                    } else {
                        Err(ServerError::Status {
                            server: self.name.clone(),
                            what: format!("{method} {path}"),
                            status,
                            body: body.trim().chars().take(500).collect(),
                        })
                    }
                }
            };
            // A reload that timed out may still happen: sending another would only queue
            // a second one behind it.
            let again = |e: &ServerError| {
                e.transient() && !(e.is_timeout() && method == reqwest::Method::POST)
            };
            match result {
                Err(e) if again(&e) && attempt < self.retries => {
                    attempt += 1;
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                other => return other,
            }
        }
    }

    /// The secret values this server's requests carry (token, password), so that
    /// whatever an operation shows can be masked.
    pub fn credentials(&self) -> Vec<String> {
        match &self.auth {
            Auth::None => vec![],
            Auth::Bearer(t) => vec![t.clone()],
            Auth::Basic(_, p) => vec![p.clone()],
        }
    }

    pub fn ready(&self) -> Result<(), ServerError> {
        self.request(reqwest::Method::GET, "/-/ready").map(|_| ())
    }

    /// What would make a reload fail for reasons unrelated to the files, checked before
    /// anything is written: Prometheus refuses `/-/reload` without `--web.enable-lifecycle`.
    pub fn preflight(&self) -> Result<(), ServerError> {
        if self.kind != ServerKind::Prometheus {
            return Ok(());
        }
        let body = self.request(reqwest::Method::GET, "/api/v1/status/flags")?;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if v["data"]["web.enable-lifecycle"].as_str() == Some("false") {
            return Err(ServerError::Rejected { server: self.name.clone(), message: "Prometheus runs without --web.enable-lifecycle, so it cannot be reloaded over HTTP; nothing was written".into() });
        }
        Ok(())
    }

    /// Triggers a reload and waits for its verdict. Prometheus answers synchronously
    /// (500 and the old rules on failure); vmalert always answers 200 and reports the
    /// outcome only in its metrics, so we poll those.
    pub fn reload(&self, deadline: Duration) -> Result<(), ServerError> {
        match self.kind {
            ServerKind::Alertmanager => {
                self.request(reqwest::Method::POST, "/-/reload").map_err(|e| match e {
                    ServerError::Status { status: 500, body, .. } => ServerError::Rejected {
                        server: self.name.clone(),
                        message: format!("Alertmanager rejected the new config and kept the previous one: {body}"),
                    },
                    other => other,
                })?;
                if !self.last_reload_ok()? {
                    return Err(ServerError::Rejected {
                        server: self.name.clone(),
                        message: "alertmanager_config_last_reload_successful is 0 after the reload"
                            .into(),
                    });
                }
                Ok(())
            }
            ServerKind::Prometheus => {
                self.request(reqwest::Method::POST, "/-/reload").map_err(|e| match e {
                    ServerError::Status { status: 500, body, .. } => ServerError::Rejected {
                        server: self.name.clone(),
                        message: format!("Prometheus rejected the reload and kept its previous rules ({body}); its log has the cause"),
                    },
                    other => other,
                })?;
                if !self.last_reload_ok()? {
                    return Err(ServerError::Rejected {
                        server: self.name.clone(),
                        message: "prometheus_config_last_reload_successful is 0 after the reload"
                            .into(),
                    });
                }
                Ok(())
            }
            ServerKind::Vmalert => {
                let before = self
                    .metric("vmalert_config_last_reload_total")?
                    .unwrap_or(0.0);
                self.request(reqwest::Method::POST, "/-/reload")?;
                let start = Instant::now();
                loop {
                    let now = self
                        .metric("vmalert_config_last_reload_total")?
                        .unwrap_or(0.0);
                    if now > before {
                        break;
                    }
                    if start.elapsed() > deadline {
                        return Err(ServerError::Timeout {
                            server: self.name.clone(),
                            what: "the reload (vmalert_config_last_reload_total)".into(),
                            after: deadline,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                if !self.last_reload_ok()? {
                    return Err(ServerError::Rejected { server: self.name.clone(), message: "vmalert kept its previous rules: the new files did not load (its log has the cause)".into() });
                }
                Ok(())
            }
        }
    }

    fn last_reload_ok(&self) -> Result<bool, ServerError> {
        let name = match self.kind {
            ServerKind::Prometheus => "prometheus_config_last_reload_successful",
            ServerKind::Vmalert => "vmalert_config_last_reload_successful",
            ServerKind::Alertmanager => "alertmanager_config_last_reload_successful",
        };
        Ok(self.metric(name)? == Some(1.0))
    }

    /// One unlabelled sample from `/metrics`.
    fn metric(&self, name: &str) -> Result<Option<f64>, ServerError> {
        let body = self.request(reqwest::Method::GET, "/metrics")?;
        Ok(body.lines().find_map(|l| {
            let rest = l.strip_prefix(name)?;
            let v = rest.strip_prefix(' ')?;
            v.trim().parse().ok()
        }))
    }

    /// The rule groups the server runs.
    pub fn rules(&self) -> Result<Vec<LiveGroup>, ServerError> {
        let body = self.request(reqwest::Method::GET, "/api/v1/rules")?;
        let resp: RulesResponse =
            serde_json::from_str(&body).map_err(|e| ServerError::Protocol {
                server: self.name.clone(),
                what: "/api/v1/rules".into(),
                message: e.to_string(),
            })?;
        Ok(resp.data.groups)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        src = c.source();
    }
    s
}

#[derive(Debug, Deserialize)]
struct RulesResponse {
    data: RulesData,
}

#[derive(Debug, Deserialize)]
struct RulesData {
    #[serde(default)]
    groups: Vec<LiveGroup>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LiveGroup {
    pub name: String,
    #[serde(default)]
    pub file: String,
    #[serde(default)]
    pub rules: Vec<LiveRule>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LiveRule {
    pub name: String,
    pub query: String,
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Our default groups are named `alertctl/...`; named rule groups (`rule_group:`) are
/// ours when they come from a file we render. Anything else on the server is not ours.
fn ours(g: &LiveGroup, expected: &BTreeMap<String, String>) -> bool {
    g.name.starts_with("alertctl/") || expected.contains_key(basename(&g.file))
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn normalize(q: &str) -> String {
    crate::model::promql::parse(q).map_or_else(|_| q.trim().to_string(), |e| e.to_string())
}

fn seconds(d: Option<&str>) -> f64 {
    d.and_then(crate::model::parse_duration)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// How the server's rules differ from the expected files (name -> rendered content).
/// Empty when they match. Queries are compared after parsing, since servers re-print them.
pub fn drift(
    kind: ServerKind,
    expected: &BTreeMap<String, String>,
    live: &[LiveGroup],
) -> Vec<String> {
    let mut out = Vec::new();
    let mut live_by: BTreeMap<(String, String), &LiveGroup> = live
        .iter()
        .filter(|g| ours(g, expected))
        .map(|g| ((basename(&g.file).to_string(), g.name.clone()), g))
        .collect();
    for (file, content) in expected {
        let Ok(rf) = serde_yaml::from_str::<RuleFile>(content) else {
            out.push(format!("{file}: not a rule file"));
            continue;
        };
        for g in rf.groups {
            let Some(lg) = live_by.remove(&(file.clone(), g.name.clone())) else {
                out.push(format!("{file}: group {} is not loaded", g.name));
                continue;
            };
            let key = |name: &str, q: &str| (name.to_string(), normalize(q));
            let mut want: BTreeMap<(String, String), Vec<&crate::render::PromRule>> =
                BTreeMap::new();
            for r in &g.rules {
                want.entry(key(r.name(), &r.expr)).or_default().push(r);
            }
            let mut have: BTreeMap<(String, String), Vec<&LiveRule>> = BTreeMap::new();
            for r in &lg.rules {
                have.entry(key(&r.name, &r.query)).or_default().push(r);
            }
            for (k, ws) in &want {
                let hs = have.remove(k).unwrap_or_default();
                if hs.len() != ws.len() {
                    out.push(format!(
                        "{file}: {} `{}`: expected {} rule(s) with query `{}`, server has {}",
                        g.name,
                        k.0,
                        ws.len(),
                        k.1,
                        hs.len()
                    ));
                    continue;
                }
                for (w, h) in ws.iter().zip(hs) {
                    if (seconds(w.for_.as_deref()) - h.duration).abs() > 1e-6 {
                        out.push(format!(
                            "{file}: {} `{}`: for {}s on the server, expected {}",
                            g.name,
                            k.0,
                            h.duration,
                            w.for_.as_deref().unwrap_or("0s")
                        ));
                    }
                    let labels_ok = match kind {
                        ServerKind::Prometheus => w.labels == h.labels,
                        // vmalert adds its -external.label values.
                        ServerKind::Vmalert | ServerKind::Alertmanager => {
                            w.labels.iter().all(|(k, v)| h.labels.get(k) == Some(v))
                        }
                    };
                    if !labels_ok {
                        out.push(format!(
                            "{file}: {} `{}`: labels {:?} on the server, expected {:?}",
                            g.name, k.0, h.labels, w.labels
                        ));
                    }
                    if let Some(ann) = &h.annotations {
                        if !ann.is_empty() && ann != &w.annotations {
                            out.push(format!("{file}: {} `{}`: annotations differ", g.name, k.0));
                        }
                    }
                }
            }
            for (k, hs) in have {
                out.push(format!(
                    "{file}: {} `{}`: {} unexpected rule(s) with query `{}`",
                    g.name,
                    k.0,
                    hs.len(),
                    k.1
                ));
            }
        }
    }
    for ((file, name), _) in live_by {
        out.push(format!("{file}: group {name} is loaded but not expected"));
    }
    out
}

impl Server {
    /// The config an Alertmanager runs (`/api/v2/status`, `config.original`).
    pub fn alertmanager_config(&self) -> Result<String, ServerError> {
        let body = self.request(reqwest::Method::GET, "/api/v2/status")?;
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| ServerError::Protocol {
                server: self.name.clone(),
                what: "/api/v2/status".into(),
                message: e.to_string(),
            })?;
        v["config"]["original"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ServerError::Protocol {
                server: self.name.clone(),
                what: "/api/v2/status".into(),
                message: "no config.original".into(),
            })
    }
}

/// What routing depends on: receiver names and the route tree (receiver, matchers,
/// continue), from either our file or Alertmanager's re-serialised config.
fn am_shape(yaml_text: &str) -> Option<serde_json::Value> {
    let v: serde_yaml::Value = serde_yaml::from_str(yaml_text).ok()?;
    fn route(r: &serde_yaml::Value) -> serde_json::Value {
        let ms: Vec<String> = r
            .get("matchers")
            .and_then(|m| m.as_sequence())
            .map(|s| {
                s.iter()
                    .filter_map(|x| x.as_str())
                    .map(|x| x.chars().filter(|c| !c.is_whitespace()).collect())
                    .collect()
            })
            .unwrap_or_default();
        serde_json::json!({
            "receiver": r.get("receiver").and_then(|x| x.as_str()),
            "matchers": ms,
            "continue": r.get("continue").and_then(|x| x.as_bool()).unwrap_or(false),
            "routes": r.get("routes").and_then(|x| x.as_sequence()).map(|s| s.iter().map(route).collect::<Vec<_>>()).unwrap_or_default(),
        })
    }
    let mut receivers: Vec<&str> = v
        .get("receivers")?
        .as_sequence()?
        .iter()
        .filter_map(|r| r.get("name")?.as_str())
        .collect();
    receivers.sort();
    Some(
        serde_json::json!({"receivers": receivers, "route": route(v.get("route")?), "inhibit_rules": v.get("inhibit_rules").and_then(|x| x.as_sequence()).map_or(0, |s| s.len())}),
    )
}

pub(crate) fn am_drift(expected: &BTreeMap<String, String>, running: &str) -> Vec<String> {
    let Some(want) = expected.values().next().and_then(|t| am_shape(t)) else {
        return vec!["the expected config does not parse".into()];
    };
    match am_shape(running) {
        Some(have) if have == want => vec![],
        Some(have) => vec![format!(
            "the running config differs: running {have}, expected {want}"
        )],
        None => vec!["the running config does not parse".into()],
    }
}

/// How what the server runs now differs from `expected` (empty when it runs it).
pub fn live_drift(
    server: &Server,
    expected: &BTreeMap<String, String>,
) -> Result<Vec<String>, ServerError> {
    Ok(if server.kind == ServerKind::Alertmanager {
        am_drift(expected, &server.alertmanager_config()?)
    } else {
        drift(server.kind, expected, &server.rules()?)
    })
}

/// Polls the server until it runs `expected` or the deadline passes.
pub fn verify(
    server: &Server,
    expected: &BTreeMap<String, String>,
    deadline: Duration,
) -> Result<(), ServerError> {
    let start = Instant::now();
    loop {
        let d = live_drift(server, expected)?;
        if d.is_empty() {
            return Ok(());
        }
        if start.elapsed() > deadline {
            return Err(ServerError::Rejected {
                server: server.name.clone(),
                message: format!("the loaded rules differ from the files: {}", d.join("; ")),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One active scrape target as `/api/v1/targets` reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct ActiveTarget {
    /// The target's labels after relabelling: what its series carry.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default, rename = "scrapePool")]
    pub scrape_pool: String,
    #[serde(default)]
    pub health: String,
}

impl Server {
    /// The active scrape targets (Prometheus only).
    pub fn targets(&self) -> Result<Vec<ActiveTarget>, ServerError> {
        let body = self.request(reqwest::Method::GET, "/api/v1/targets?state=active")?;
        let v: serde_json::Value =
            serde_json::from_str(&body).map_err(|e| self.protocol("/api/v1/targets", e))?;
        serde_json::from_value(v["data"]["activeTargets"].clone())
            .map_err(|e| self.protocol("/api/v1/targets", e))
    }

    fn protocol(&self, what: &str, e: impl std::fmt::Display) -> ServerError {
        ServerError::Protocol {
            server: self.name.clone(),
            what: what.into(),
            message: e.to_string(),
        }
    }
}
