use alertctl::query::{self, Subject};
use alertctl::resolve::{Model, Position};
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
    let (project, diags) = super::load_only(g)?;
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
    let answer = alertctl::ops::query::effective_fast_at(&q, target, group, namespace)?;
    if g.verbose {
        eline!("nothing changed since the last full run: answered from the cache index");
    }
    if format == DataFormat::Json {
        out!("{}", answer.json_text());
        return Some(Exit::Ok);
    }
    emit(format, &answer.subject, answer.json()?);
    Some(Exit::Ok)
}

fn emit(format: DataFormat, subject: &str, doc: Value) {
    let subject = &with_jobs(subject, &doc["jobs"]);
    match format {
        DataFormat::Json => out!("{}", crate::report::json_document(doc)),
        DataFormat::Yaml => out!("{}", crate::report::yaml_document(doc)),
        DataFormat::Human => out!("{}", human(subject, &doc)),
    }
}

/// `db-1 (namespace prod, group db; jobs: node db-1:9100, postgres db-1:9187)`.
fn with_jobs(subject: &str, jobs: &Value) -> String {
    let Some(jobs) = jobs.as_object().filter(|j| !j.is_empty()) else {
        return subject.to_string();
    };
    let list = jobs
        .iter()
        .map(|(j, i)| format!("{j} {}", i.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ");
    match subject.strip_suffix(')') {
        Some(s) => format!("{s}; jobs: {list})"),
        None => format!("{subject} (jobs: {list})"),
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

/// A value for the terminal: names and values may hold any characters, but control and
/// bidi characters are shown escaped.
fn s(v: &Value) -> String {
    match v {
        Value::String(s) => alertctl::text::escape_unsafe(s).into_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn human(subject: &str, doc: &Value) -> String {
    // Borrowed, not copied: on a large estate the answer is thousands of alerts.
    let alerts = doc["alerts"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let disabled = doc["disabled"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = format!(
        "{subject}: {} alert{}",
        alerts.len(),
        if alerts.len() == 1 { "" } else { "s" }
    );
    if !disabled.is_empty() {
        out.push_str(&format!(", {} disabled", disabled.len()));
    }
    out.push('\n');
    for a in alerts {
        out.push('\n');
        let kind = if a["kind"] == "recording" {
            "record".to_string()
        } else {
            a["severity"].as_str().unwrap_or("no severity").to_string()
        };
        let for_ = a["for"]
            .as_str()
            .map(|f| format!("  for {f}"))
            .unwrap_or_default();
        let job = match &a["job"] {
            Value::String(j) => format!("job {j}, "),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{}  {kind}{for_}  ({job}cell {}, {})\n",
            s(&a["alert"]),
            s(&a["cell"]),
            s(&a["file"])
        ));
        field(&mut out, "query", &[s(&a["expr"])]);
        let kv = |m: &Value, sep: &str| {
            m.as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| format!("{k}{sep}{}", s(v)))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        field(&mut out, "params", &[kv(&a["params"], "=").join("  ")]);
        field(&mut out, "labels", &[kv(&a["labels"], "=").join("  ")]);
        field(&mut out, "annotations", &kv(&a["annotations"], ": "));
        let chain: Vec<String> = a["rules"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .rev()
                    .map(|r| format!("{} {}:{}", s(&r["scope"]), s(&r["file"]), s(&r["line"])))
                    .collect()
            })
            .unwrap_or_default();
        field(&mut out, "set by", &[chain.join(" <- ")]);
    }
    if !disabled.is_empty() {
        out.push('\n');
        for d in disabled {
            out.push_str(&format!(
                "disabled here: {} (by {}:{})\n",
                s(&d["alert"]),
                s(&d["file"]),
                s(&d["line"])
            ));
        }
    }
    out
}

fn field(out: &mut String, name: &str, values: &[String]) {
    let values: Vec<&String> = values.iter().filter(|v| !v.is_empty()).collect();
    for (i, v) in values.iter().enumerate() {
        let label = if i == 0 { name } else { "" };
        out.push_str(&format!("  {label:<12} {v}\n"));
    }
}
