use std::collections::BTreeMap;

use alertctl::query::{self, alert_json, disabled_json};
use alertctl::resolve::{Model, Position};
use serde_json::{json, Value};

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
    let report = query::at(model, &pos);
    let alerts: Vec<Value> = report
        .applied
        .iter()
        .map(|a| alert_json(model, &a.provenance, &a.file, &a.rule))
        .collect();
    let disabled: Vec<Value> = report.disabled.iter().map(disabled_json).collect();
    let jobs = pos
        .target
        .as_ref()
        .and_then(|t| model.inventory.jobs.get(t))
        .cloned()
        .unwrap_or_default();
    emit(format, &pos, &subject, &jobs, alerts, disabled);
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
    let at = fast_position(&q.cache, target, group, namespace)?;
    let rows = q.cache.cells_at(&q.fingerprint, &at.scopes())?;
    let (applied, disabled) = decide(rows, &at.runs);
    let (pos, subject, jobs) = (at.pos, at.subject, at.jobs);
    if g.verbose {
        eline!("nothing changed since the last full run: answered from the cache index");
    }
    if format == DataFormat::Json {
        // The stored answers are already pretty-printed: assemble the document exactly as
        // `report::json_document` would print it (keys sorted), without parsing 1000s of them.
        out!("{}\n", assemble(&pos, &jobs, &applied, &disabled));
        return Some(Exit::Ok);
    }
    let parse = |rs: &[alertctl::cache::CellRow]| {
        rs.iter()
            .map(|r| serde_json::from_str(&r.json))
            .collect::<Result<Vec<Value>, _>>()
    };
    emit(
        format,
        &pos,
        &subject,
        &jobs,
        parse(&applied).ok()?,
        parse(&disabled).ok()?,
    );
    Some(Exit::Ok)
}

/// A position as the cache index knows it: what `position` finds in the model.
pub struct FastPosition {
    pub pos: Position,
    pub subject: String,
    /// The target's jobs (job -> instance).
    pub jobs: BTreeMap<String, String>,
    /// The jobs run there (`None`: every job).
    pub runs: Option<std::collections::BTreeSet<String>>,
}

impl FastPosition {
    pub fn scopes(&self) -> Vec<String> {
        self.pos.scopes().iter().map(ToString::to_string).collect()
    }
}

/// `position` from the cache index; `None` (take the full path) for a name the index
/// does not know, such as an instance or a typo, which the full path explains.
pub fn fast_position(
    cache: &alertctl::cache::Cache,
    target: Option<&str>,
    group: Option<&str>,
    namespace: Option<&str>,
) -> Option<FastPosition> {
    if let Some(t) = target {
        let (grp, ns) = cache.target(t)?;
        let where_ = match (&ns, &grp) {
            (Some(n), Some(gr)) => format!("namespace {n}, group {gr}"),
            _ => "in no group: global and its own rules apply".to_string(),
        };
        let jobs = cache.target_jobs(t);
        let runs = (!jobs.is_empty()).then(|| jobs.keys().cloned().collect());
        return Some(FastPosition {
            pos: Position {
                namespace: ns,
                group: grp,
                target: Some(t.to_string()),
            },
            subject: format!("{t} ({where_})"),
            jobs,
            runs,
        });
    }
    let (pos, subject, runs) = if let Some(gr) = group {
        let (ns, runs) = cache.group(gr)?;
        let subject = format!("group {gr} (namespace {ns})");
        let pos = Position {
            namespace: Some(ns),
            group: Some(gr.to_string()),
            target: None,
        };
        (pos, subject, runs)
    } else if let Some(n) = namespace {
        if !cache.has_namespace(n) {
            return None;
        }
        let pos = Position {
            namespace: Some(n.to_string()),
            ..Default::default()
        };
        (pos, format!("namespace {n}"), None)
    } else {
        let subject = "series outside the inventory (global)".to_string();
        (Position::default(), subject, None)
    };
    Some(FastPosition {
        pos,
        subject,
        jobs: BTreeMap::new(),
        runs,
    })
}

/// Per alert, the most specific stored cell holding the position decides; an alert of a
/// job not run there does not apply. Returns the (applied, disabled) answers.
pub fn decide(
    rows: Vec<alertctl::cache::CellRow>,
    runs: &Option<std::collections::BTreeSet<String>>,
) -> (Vec<alertctl::cache::CellRow>, Vec<alertctl::cache::CellRow>) {
    let mut best: BTreeMap<String, alertctl::cache::CellRow> = BTreeMap::new();
    for r in rows {
        if best
            .get(&r.alert)
            .is_none_or(|b| r.specificity > b.specificity)
        {
            best.insert(r.alert.clone(), r);
        }
    }
    best.into_values()
        .filter(|r| r.kind != "unwatched")
        .filter(|r| {
            runs.as_ref()
                .is_none_or(|js| r.job.as_ref().is_none_or(|j| js.contains(j)))
        })
        .partition(|r| r.kind == "applied")
}

fn assemble(
    pos: &Position,
    jobs: &BTreeMap<String, String>,
    applied: &[alertctl::cache::CellRow],
    disabled: &[alertctl::cache::CellRow],
) -> String {
    let list = |rs: &[alertctl::cache::CellRow]| {
        if rs.is_empty() {
            return "[]".to_string();
        }
        let items: Vec<String> = rs
            .iter()
            .map(|r| {
                r.json
                    .lines()
                    .map(|l| format!("    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        format!("[\n{}\n  ]", items.join(",\n"))
    };
    let v = |o: &Option<String>| serde_json::to_string(o).unwrap_or_default();
    let jobs = if jobs.is_empty() {
        String::new()
    } else {
        let body = jobs
            .iter()
            .map(|(j, i)| format!("    {}: {}", v(&Some(j.clone())), v(&Some(i.clone()))))
            .collect::<Vec<_>>()
            .join(",\n");
        format!("\n  \"jobs\": {{\n{body}\n  }},")
    };
    format!(
        "{{\n  \"alerts\": {},\n  \"disabled\": {},\n  \"group\": {},{jobs}\n  \"namespace\": {},\n  \"schema\": {},\n  \"target\": {}\n}}",
        list(applied),
        list(disabled),
        v(&pos.group),
        v(&pos.namespace),
        crate::report::SCHEMA,
        v(&pos.target)
    )
}

/// `db-1 (namespace prod, group db; jobs: node db-1:9100, postgres db-1:9187)`.
fn with_jobs(subject: String, jobs: &BTreeMap<String, String>) -> String {
    if jobs.is_empty() {
        return subject;
    }
    let list = jobs
        .iter()
        .map(|(j, i)| format!("{j} {i}"))
        .collect::<Vec<_>>()
        .join(", ");
    match subject.strip_suffix(')') {
        Some(s) => format!("{s}; jobs: {list})"),
        None => format!("{subject} (jobs: {list})"),
    }
}

fn emit(
    format: DataFormat,
    pos: &Position,
    subject: &str,
    jobs: &BTreeMap<String, String>,
    alerts: Vec<Value>,
    disabled: Vec<Value>,
) {
    let mut doc = json!({"target": pos.target, "namespace": pos.namespace, "group": pos.group, "alerts": alerts, "disabled": disabled});
    if !jobs.is_empty() {
        doc["jobs"] = json!(jobs);
    }
    let subject = &with_jobs(subject.to_string(), jobs);
    match format {
        DataFormat::Json => out!("{}", crate::report::json_document(doc)),
        DataFormat::Yaml => out!("{}", crate::report::yaml_document(doc)),
        DataFormat::Human => out!("{}", human(subject, &doc)),
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
    let inv = &model.inventory;
    let unknown = |kind: &str, name: &str, candidates: Vec<&str>| {
        eprintln!("error: {kind} `{name}` is not in the inventory");
        if let Some(s) = alertctl::diag::did_you_mean(name, candidates) {
            eprintln!("hint: did you mean `{s}`?");
        }
        if kind == "target" {
            eprintln!("note: series of hosts not in the inventory get the rules of their group or namespace labels, else the global ones: try --group, --namespace or --global");
        }
        Exit::Invalid
    };
    if let Some(t) = target {
        return match model.target_position(t) {
            Ok(pos) => {
                let where_ = match (&pos.namespace, &pos.group) {
                    (Some(n), Some(gr)) => format!("namespace {n}, group {gr}"),
                    _ => "in no group: global and its own rules apply".to_string(),
                };
                // An instance (db-1:9187) answers for its target (db-1:9100).
                let name = pos.target.clone().unwrap_or_else(|| t.to_string());
                Ok((pos, format!("{name} ({where_})")))
            }
            Err(_) => Err(unknown(
                "target",
                t,
                inv.targets.keys().map(String::as_str).collect(),
            )),
        };
    }
    if let Some(gr) = group {
        let Some(info) = inv.groups.get(gr) else {
            return Err(unknown(
                "group",
                gr,
                inv.groups.keys().map(String::as_str).collect(),
            ));
        };
        return Ok((
            Position {
                namespace: Some(info.namespace.clone()),
                group: Some(gr.to_string()),
                target: None,
            },
            format!("group {gr} (namespace {})", info.namespace),
        ));
    }
    if let Some(n) = namespace {
        if !inv.namespaces.contains_key(n) {
            return Err(unknown(
                "namespace",
                n,
                inv.namespaces.keys().map(String::as_str).collect(),
            ));
        }
        return Ok((
            Position {
                namespace: Some(n.to_string()),
                ..Default::default()
            },
            format!("namespace {n}"),
        ));
    }
    Ok((
        Position::default(),
        "series outside the inventory (global)".to_string(),
    ))
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
