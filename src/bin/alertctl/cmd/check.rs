//! `check [--live]`: validate, then ask the running Prometheus servers what files
//! cannot tell. Findings are diagnostics, printed and scored like `validate`'s.

use alertctl::ops;
use serde_json::json;

use super::load_and_render;
use super::validate::{finish, Outcome};
use crate::cli::{Format, Global, PromtoolArg};
use crate::exit::Exit;
use crate::report;
use alertctl::render::Counts;

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
        return Ok(finish(g, &project, Counts::of(&rendered), diags, &outcome));
    }
    let human = format == Format::Human;
    let progress = |m: &str| {
        if human {
            eline!("  {m}");
        }
    };
    let summaries = match ops::check::live(&project, &rendered, urls, &progress, &mut diags) {
        Ok(s) => s,
        Err(e) => return Ok(super::op_error(&e, e.is_invalid())),
    };
    if summaries.is_empty() {
        return Ok(finish(g, &project, Counts::of(&rendered), diags, &outcome));
    }
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
    Ok(finish(g, &project, Counts::of(&rendered), diags, &outcome))
}
