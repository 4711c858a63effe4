use alertctl::query::{self, not_applied};
use alertctl::resolve::Position;
use serde_json::{json, Value};

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
    let (project, diags) = super::load_only(g)?;
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
    let entries = applied.iter().map(|a| {
        let not_applied = all.then(|| {
            not_applied(model, &model.alerts[&a.alert], &pos)
                .into_iter()
                .map(|(r, why)| (json!(r), why))
                .collect()
        });
        Entry::new(
            alertctl::query::alert_json(model, &a.provenance, &a.file, &a.rule),
            query::trace_details(model, &a.template, &a.effective),
            not_applied,
        )
    });
    print(format, target, &pos, &subject, entries);
    Ok(Exit::Ok)
}

/// The warm fast path: with nothing changed since a full run, every applied alert's
/// answer and trace details are indexed rows of the cache. `None`: take the full path
/// (also for an alert that does not apply there, whose reason the full path explains).
fn fast(
    g: &Global,
    target: &str,
    alert: Option<&str>,
    all: bool,
    format: DataFormat,
) -> Option<Exit> {
    let q = super::quick_answers(g)?;
    let at = alertctl::ops::query::fast_position(&q.cache, Some(target), None, None)?;
    let scopes = at.scopes();
    let rows = q.cache.cells_at(&q.fingerprint, &scopes)?;
    let (applied, _) = alertctl::ops::query::decide(rows, &at.runs);
    let applied: Vec<_> = applied
        .into_iter()
        .filter(|r| alert.is_none_or(|a| r.alert == a))
        .collect();
    if alert.is_some() && applied.is_empty() {
        return None;
    }
    // Every stored piece is fetched before anything is printed (a missing one sends the
    // question to the full path); each entry is parsed only when printed, so that memory
    // holds one alert's trace at a time, not thousands.
    let mut stored = Vec::with_capacity(applied.len());
    for r in applied {
        let details = q.cache.trace(&r.alert, &r.scope)?;
        let not_applied = match all {
            true => Some(q.cache.not_applied(&r.alert, &scopes)?),
            false => None,
        };
        stored.push((r.json, details, not_applied));
    }
    if g.verbose {
        eline!("nothing changed since the last full run: answered from the cache index");
    }
    let entries = stored.into_iter().map(|(doc, details, not_applied)| {
        Entry::new(
            serde_json::from_str(&doc).unwrap_or_default(),
            serde_json::from_str(&details).unwrap_or_default(),
            not_applied,
        )
    });
    print(format, target, &at.pos, &at.subject, entries);
    Some(Exit::Ok)
}

/// One applied alert as `trace` shows it: its `effective` answer with `fields` (and
/// `not_applied` with `--all`), plus what only the human form shows.
struct Entry {
    doc: Value,
    /// [`query::trace_details`]: the fields table and where the template is.
    details: Value,
    not_applied: Option<Vec<(Value, String)>>,
}

impl Entry {
    fn new(mut doc: Value, details: Value, not_applied: Option<Vec<(Value, String)>>) -> Entry {
        doc["fields"] = details["fields"].clone();
        if let Some(na) = &not_applied {
            doc["not_applied"] = json!(na
                .iter()
                .map(|(r, why)| json!({"rule": r, "reason": why}))
                .collect::<Vec<_>>());
        }
        Entry {
            doc,
            details,
            not_applied,
        }
    }
}

/// Prints the entries one at a time, each document exactly as `report::json_document` /
/// `yaml_document` would print the whole (keys sorted: `alerts` first, then `group`,
/// `namespace`, `schema`, `target`).
fn print(
    format: DataFormat,
    target: &str,
    pos: &Position,
    subject: &str,
    entries: impl Iterator<Item = Entry>,
) {
    use std::io::Write as _;
    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
    let rest = json!({"target": target, "namespace": pos.namespace, "group": pos.group});
    let mut empty = true;
    match format {
        DataFormat::Json => {
            for e in entries {
                let item = serde_json::to_string_pretty(&e.doc).unwrap_or_default();
                let sep = if empty { "{\n  \"alerts\": [\n" } else { ",\n" };
                let _ = write!(w, "{sep}{}", indent(&item, "    "));
                empty = false;
            }
            let _ = write!(
                w,
                "{}",
                if empty {
                    "{\n  \"alerts\": []"
                } else {
                    "\n  ]"
                }
            );
            let rest = crate::report::json_document(rest);
            // `{\n  "group": ...` continues the document after `alerts`.
            let _ = write!(w, ",{}", rest.strip_prefix('{').unwrap_or_default());
        }
        DataFormat::Yaml => {
            for e in entries {
                let sep = if empty { "alerts:\n" } else { "" };
                let item = serde_yaml::to_string(&[e.doc]).unwrap_or_default();
                let _ = write!(w, "{sep}{item}");
                empty = false;
            }
            if empty {
                let _ = writeln!(w, "alerts: []");
            }
            let _ = write!(w, "{}", crate::report::yaml_document(rest));
        }
        DataFormat::Human => {
            for e in entries {
                let _ = write!(w, "{}", human(subject, &e));
            }
        }
    }
    let _ = w.flush();
}

/// Every line of `text` indented.
fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One alert's trace as the terminal shows it.
fn human(subject: &str, e: &Entry) -> String {
    let mut out = String::new();
    let a = &e.doc;
    let rules = a["rules"].as_array().map(Vec::as_slice).unwrap_or_default();
    out.push_str(&format!("{} on {subject}\n", text(&a["alert"])));
    out.push_str("  applied, in fold order (priority, then global < namespace < group < target");
    out.push_str(if rules.iter().any(|r| r.get("selects").is_some()) {
        "; at one priority and scope, many-alert rules first):\n"
    } else {
        "):\n"
    });
    let mut rows = vec![[
        "template".to_string(),
        text(&a["template"]),
        String::new(),
        text(&e.details["template"]),
    ]];
    for r in rules {
        rows.push([
            format!("{}.", rows.len()),
            scope_cell(r),
            format!("priority {}", r["priority"]),
            place(r),
        ]);
    }
    table(&mut out, "    ", &rows);
    if let Some(na) = e.not_applied.as_ref().filter(|na| !na.is_empty()) {
        out.push_str("  not applied:\n");
        let rows: Vec<[String; 4]> = na
            .iter()
            .map(|(r, why)| {
                [
                    scope_cell(r),
                    format!("priority {}", r["priority"]),
                    place(r),
                    why.clone(),
                ]
            })
            .collect();
        table(&mut out, "    ", &rows);
    }
    out.push_str("  fields:\n");
    let mut rows = vec![[
        "FIELD".to_string(),
        "VALUE".to_string(),
        "SET BY".to_string(),
        "OVERRODE".to_string(),
    ]];
    for r in e.details["table"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        rows.push(std::array::from_fn(|i| text(&r[i])));
    }
    table(&mut out, "    ", &rows);
    out.push('\n');
    out
}

/// A rule's scope, and for a many-alert rule what it selects.
fn scope_cell(r: &Value) -> String {
    match r.get("selects") {
        Some(sel) => format!("{} (many: {})", text(&r["scope"]), text(sel)),
        None => text(&r["scope"]),
    }
}

/// `FILE:LINE` of a rule.
fn place(r: &Value) -> String {
    format!("{}:{}", text(&r["file"]), r["line"])
}

/// Left-aligned columns, the last one unpadded.
/// Rows as aligned columns. Cells may quote names with any characters: control and bidi
/// characters are shown escaped, so a name cannot move the cursor or reorder a line.
pub fn table<const N: usize>(out: &mut String, indent: &str, rows: &[[String; N]]) {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|r| {
            r.clone()
                .map(|c| alertctl::text::escape_unsafe(&c).into_owned())
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths = [0usize; N];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    for r in rows {
        let mut line = indent.to_string();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == N {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
