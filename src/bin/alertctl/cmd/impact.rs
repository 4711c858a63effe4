use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use alertctl::deploy::server::Server;
use alertctl::impact::{self, html, Window};
use alertctl::settings::{ServerKind, ServerSettings};
use alertctl::{diff, output};
use miette::IntoDiagnostic;
use serde_json::json;

use super::{out_dir, stop_on_errors};
use crate::cli::{Global, Report};
use crate::exit::Exit;

/// Evaluations a window may have (`--since` / `--step`).
const MAX_STEPS: u64 = 200_000;

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
    if since.as_secs() / step.as_secs() > MAX_STEPS {
        eprintln!(
            "error: --since / --step gives more than {MAX_STEPS} evaluations; make the step longer"
        );
        return Ok(Exit::Invalid);
    }
    let (project, rendered, diags) = super::load_and_render(g)?;
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    let settings = &project.model.settings;
    if prometheus
        .as_deref()
        .is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://")))
    {
        eprintln!("error: --prometheus must be an http(s) URL, e.g. http://127.0.0.1:9090");
        return Ok(Exit::Invalid);
    }
    let Some(server_settings) = pick_server(&settings.servers, prometheus.as_deref()) else {
        eprintln!("error: no Prometheus to ask: pass --prometheus URL, or add a [[prometheus]] server (kind \"prometheus\") to alertctl.toml");
        return Ok(Exit::Invalid);
    };
    let server = match Server::new(
        &alertctl::ops::relative_to(&project.root, &server_settings),
        settings.apply.retries,
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failure);
        }
    };
    let current = output::read(&out_dir(&project, out)).into_diagnostic()?;
    let plan = diff::plan(&rendered.files, &current.generated);
    let (changes, records) = impact::changes(&plan, &current.generated, &rendered.files);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let w = Window::ending(now, since, step);
    let total: usize = changes
        .iter()
        .map(|c| impact::request_count(&c.old, w) + impact::request_count(&c.new, w))
        .sum();
    let tty = std::io::stderr().is_terminal();
    let mut done = 0;
    let mut progress = || {
        done += 1;
        if tty {
            let _ = write!(std::io::stderr(), "\rimpact: {done}/{total} range queries");
        }
    };
    let mut src = alertctl::live::Prometheus::new(&server);
    let result = impact::analyse(
        &changes,
        w,
        &settings.labels.target,
        &mut src,
        &mut progress,
    );
    if tty && total > 0 {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
    let impacts = match result {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failure);
        }
    };
    let requests = src.requests;
    if let Some(path) = &report {
        let page = html::render(
            &w,
            &server.name,
            &settings.labels.target,
            &impacts,
            &records,
        );
        if let Err(e) = std::fs::write(path, page) {
            eprintln!("error: writing {}: {e}", path.display());
            return Ok(Exit::Failure);
        }
    }
    match format {
        Report::Json => {
            let doc = json!({
                "server": server.name,
                "window": { "start": w.start, "end": w.end, "step": w.step, "since": since.as_secs() },
                "requests": requests,
                "alerts": impacts,
                "recording_rules_changed": records,
            });
            print!("{}", crate::report::json_document(doc));
        }
        Report::Human => {
            oline!(
                "impact over {} ({} to {} UTC, step {}) on {}: {}",
                html::span(w.end - w.start),
                html::utc(w.start),
                html::utc(w.end),
                html::span(w.step),
                server.name,
                crate::report::plural(impacts.len(), "changed alert")
            );
            for a in &impacts {
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

/// `--prometheus URL` (with the settings of the configured server of that URL, if any),
/// else the first configured server of kind prometheus (vmalert has no query API).
fn pick_server(servers: &[ServerSettings], url: Option<&str>) -> Option<ServerSettings> {
    match url {
        Some(u) => Some(
            servers
                .iter()
                .find(|s| s.url.trim_end_matches('/') == u.trim_end_matches('/'))
                .cloned()
                .unwrap_or(ServerSettings {
                    name: None,
                    url: u.to_string(),
                    kind: ServerKind::Prometheus,
                    timeout: Some("30s".into()),
                    bearer_token_file: None,
                    bearer_token_env: None,
                    basic_auth: None,
                    ca_file: None,
                    insecure_skip_verify: false,
                }),
        ),
        None => servers
            .iter()
            .find(|s| s.kind == ServerKind::Prometheus)
            .cloned(),
    }
}
