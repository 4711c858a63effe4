//! `check [--live]`: validate, then ask the running Prometheus servers what files
//! cannot tell. Findings are diagnostics, printed and scored like `validate`'s.

use alertctl::deploy::server::Server;
use alertctl::settings::{ServerKind, ServerSettings};
use serde_json::json;

use super::load_and_render;
use super::validate::{finish, Outcome};
use crate::cli::{Format, Global, PromtoolArg};
use crate::exit::Exit;
use crate::report;

pub fn run(
    g: &Global,
    live: bool,
    urls: &[String],
    format: Format,
    promtool_arg: Option<PromtoolArg>,
    deny_warnings: bool,
) -> miette::Result<Exit> {
    let (project, rendered, mut diags) = load_and_render(g)?;
    let promtool = super::promtool_check(&project, &rendered, promtool_arg, &mut diags);
    let mut outcome = Outcome {
        format,
        promtool,
        deny_warnings,
        live: None,
    };
    if !live {
        return Ok(finish(g, &project, &rendered, diags, &outcome));
    }
    let servers = if urls.is_empty() {
        match alertctl::ops::servers(&project) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::Failure);
            }
        }
    } else {
        let mut v = Vec::new();
        for url in urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                eprintln!("error: --prometheus `{url}` is not an http(s) URL");
                return Ok(Exit::Invalid);
            }
            let s = ServerSettings::prometheus_at(url, None);
            match Server::new(&s, project.model.settings.apply.retries) {
                Ok(s) => v.push(s),
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(Exit::Failure);
                }
            }
        }
        v
    };
    let prometheus: Vec<&Server> = servers
        .iter()
        .filter(|s| s.kind == ServerKind::Prometheus)
        .collect();
    if prometheus.is_empty() {
        eprintln!("error: no Prometheus to check: add a [[prometheus]] server to alertctl.toml or pass --prometheus URL");
        return Ok(Exit::Invalid);
    }
    if diags.has_errors() {
        // Rules that do not render cannot be checked against series.
        return Ok(finish(g, &project, &rendered, diags, &outcome));
    }
    let human = format == Format::Human;
    let progress = |m: &str| {
        if human {
            eline!("  {m}");
        }
    };
    let mut summaries = Vec::new();
    for s in prometheus {
        match alertctl::live::check(&project.model, &rendered, s, &progress, &mut diags) {
            Ok(summary) => summaries.push(summary),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::Failure);
            }
        }
    }
    diags.accept(&project.model.settings.accepted());
    let line = summaries
        .iter()
        .map(|s| {
            format!(
                "live: {}: {} scraped, {} selectors checked, {} match nothing",
                s.server,
                report::plural(s.targets, "target"),
                s.selectors,
                s.empty_selectors
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    outcome.live = Some((json!(summaries), line));
    Ok(finish(g, &project, &rendered, diags, &outcome))
}
