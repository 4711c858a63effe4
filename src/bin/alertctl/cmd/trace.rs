use alertctl::cache::query;
use alertctl::ops::query::TraceAnswer;

use super::effective::position;
use super::stop_on_errors;
use crate::cli::{DataFormat, Global};
use crate::exit::Exit;

pub fn run(
    g: &Global,
    target: &str,
    alert: Option<&str>,
    all: bool,
    format: DataFormat,
) -> miette::Result<Exit> {
    if let Some(done) = fast(g, target, alert, all, format) {
        return Ok(done);
    }
    let (mut project, diags) = super::load_only(g)?;
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    let model = &project.model;
    let (pos, subject) = match position(model, Some(target), None, None, false) {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    if let Some(a) = alert {
        if let Err(u) = query::known_alert(model, a) {
            eprintln!("error: {u}");
            if let Some(s) = &u.suggestion {
                eprintln!("hint: did you mean `{s}`?");
            }
            return Ok(Exit::Invalid);
        }
    }
    let report = query::at(model, &pos);
    let applied: Vec<_> = report
        .applied
        .iter()
        .filter(|a| alert.is_none_or(|n| a.alert == n))
        .collect();
    if let (Some(a), true) = (alert, applied.is_empty()) {
        let unwatched = pos.target.as_ref().and_then(|t| {
            let job = model
                .effective(&model.alerts[a], &pos)
                .and_then(|e| model.job_of(&e.config))?;
            let jobs = model.inventory.jobs.get(t)?;
            (!jobs.contains_key(&job)).then(|| {
                format!(
                    "it watches job `{job}`, which {t} does not run (it runs {})",
                    jobs.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })
        });
        let why = report
            .disabled
            .iter()
            .find(|d| d.alert == a)
            .map(|d| format!("disabled by {}:{}", d.by.file, d.by.line))
            .or(unwatched)
            .unwrap_or_else(|| "no rule of it covers this target".to_string());
        eprintln!("{a} does not apply to {target}: {why}");
    }
    let answer = alertctl::ops::query::trace_full(model, target, &pos, &subject, &applied, all);
    print(format, &answer);
    super::store_deferred_answers(g, &mut project, &diags);
    Ok(Exit::Ok)
}

/// The warm fast path ([`alertctl::ops::query::trace_fast`]). `None`: take the full path.
fn fast(
    g: &Global,
    target: &str,
    alert: Option<&str>,
    all: bool,
    format: DataFormat,
) -> Option<Exit> {
    let q = super::quick_answers(g)?;
    let human = format == DataFormat::Human;
    let answer = alertctl::ops::query::trace_fast(&q, target, alert, all, human)?;
    super::show_warnings(g, &q.load_warnings()?);
    if g.verbose {
        eline!("nothing changed since the last full run: answered from the cache index");
    }
    print(format, &answer);
    Some(Exit::Ok)
}

fn print(format: DataFormat, answer: &TraceAnswer) {
    match format {
        DataFormat::Json => out!("{}", answer.json_text()),
        DataFormat::Yaml => out!("{}", answer.yaml_text().unwrap_or_default()),
        DataFormat::Human => out!("{}", answer.human_text()),
    }
}

pub use alertctl::render::present::table;
