use alertctl::cache::query::{self, Subject};
use alertctl::model::resolve::{Model, Position};
use serde_json::Value;

use super::stop_on_errors;
use crate::cli::{DataFormat, Global};
use crate::exit::Exit;

pub fn run(
    g: &Global,
    target: Option<String>,
    group: Option<String>,
    namespace: Option<String>,
    global: bool,
    format: DataFormat,
) -> miette::Result<Exit> {
    if let Some(done) = fast(
        g,
        target.as_deref(),
        group.as_deref(),
        namespace.as_deref(),
        format,
    ) {
        return Ok(done);
    }
    let (mut project, diags) = super::load_only(g)?;
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    let model = &project.model;
    let (pos, subject) = match position(
        model,
        target.as_deref(),
        group.as_deref(),
        namespace.as_deref(),
        global,
    ) {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    emit(format, &subject, query::effective_json(model, &pos));
    super::store_deferred_answers(g, &mut project, &diags);
    Ok(Exit::Ok)
}

/// The warm fast path: with nothing changed since a full run, the answer is a few
/// indexed rows of the cache, no file read or parsed. `None`: take the full path.
fn fast(
    g: &Global,
    target: Option<&str>,
    group: Option<&str>,
    namespace: Option<&str>,
    format: DataFormat,
) -> Option<Exit> {
    let q = super::quick_answers(g)?;
    let human = format == DataFormat::Human;
    let answer = alertctl::ops::query::effective_fast_at(&q, target, group, namespace, human)?;
    let text = match format {
        DataFormat::Json => answer.json_text(),
        DataFormat::Yaml => crate::report::yaml_document(answer.json()?),
        DataFormat::Human => answer.human_text()?,
    };
    super::show_warnings(g, &q.load_warnings()?);
    if g.verbose {
        eline!("nothing changed since the last full run: answered from the cache index");
    }
    out!("{text}");
    Some(Exit::Ok)
}

fn emit(format: DataFormat, subject: &str, doc: Value) {
    match format {
        DataFormat::Json => out!("{}", crate::report::json_document(doc)),
        DataFormat::Yaml => out!("{}", crate::report::yaml_document(doc)),
        DataFormat::Human => out!(
            "{}",
            alertctl::render::present::effective_human(subject, &doc)
        ),
    }
}

/// Resolves the command-line subject to a position, or prints why it cannot.
pub fn position(
    model: &Model,
    target: Option<&str>,
    group: Option<&str>,
    namespace: Option<&str>,
    _global: bool,
) -> Result<(Position, String), Exit> {
    let subject = match (target, group, namespace) {
        (Some(t), _, _) => Subject::Target(t.to_string()),
        (_, Some(gr), _) => Subject::Group(gr.to_string()),
        (_, _, Some(n)) => Subject::Namespace(n.to_string()),
        _ => Subject::Global,
    };
    query::position(model, &subject).map_err(|u| {
        eprintln!("error: {u}");
        if let Some(s) = &u.suggestion {
            eprintln!("hint: did you mean `{s}`?");
        }
        if u.kind == "target" {
            eprintln!("note: series of hosts not in the inventory get the rules of their group or namespace labels, else the global ones: try --group, --namespace or --global");
        }
        Exit::Invalid
    })
}
