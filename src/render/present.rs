//! How `effective` and `trace` answers read on a terminal. One place for both the full
//! path (answers built from the model) and the fast path, which prints the cells a
//! question asks about from what the cache index stores of them (their JSON answers and
//! trace records) with these same functions: the two cannot disagree by construction,
//! and tests/fast_answers.rs checks that they do not.

use serde_json::Value;

use crate::source::text::escape_unsafe;

/// Rows as aligned columns, the last one unpadded. Cells may quote names with any
/// characters: control and bidi characters are shown escaped, so a name cannot move the
/// cursor or reorder a line.
pub fn table<S: AsRef<str>, const N: usize>(out: &mut String, indent: &str, rows: &[[S; N]]) {
    // Printed for every alert of a warm `trace` (thousands on a large estate): one line
    // buffer, no per-cell allocation unless a cell needs escaping.
    let rows: Vec<[(std::borrow::Cow<str>, usize); N]> = rows
        .iter()
        .map(|r| {
            std::array::from_fn(|i| {
                let c = escape_unsafe(r[i].as_ref());
                let n = c.chars().count();
                (c, n)
            })
        })
        .collect();
    let mut widths = [0usize; N];
    for r in &rows {
        for (i, (_, n)) in r.iter().enumerate() {
            widths[i] = widths[i].max(*n);
        }
    }
    let mut line = String::new();
    out.reserve(rows.len() * (indent.len() + widths.iter().sum::<usize>() + 2 * N));
    for r in &rows {
        line.clear();
        line.push_str(indent);
        for (i, (c, n)) in r.iter().enumerate() {
            line.push_str(c);
            if i + 1 < N {
                line.extend(std::iter::repeat_n(' ', widths[i] - n + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// A value as JSON text shows it, strings unquoted.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value for the terminal: names and values may hold any characters, but control and
/// bidi characters are shown escaped.
fn s(v: &Value) -> String {
    match v {
        Value::String(s) => escape_unsafe(s).into_owned(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------- effective

/// `db-1 (namespace prod, group db; jobs: node db-1:9100, postgres db-1:9187)`.
pub fn with_jobs(subject: &str, jobs: &Value) -> String {
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

/// The first line of `effective`'s human answer (`SUBJECT: N alerts, M disabled`).
pub fn effective_header(subject: &str, alerts: usize, disabled: usize) -> String {
    let mut out = format!(
        "{subject}: {alerts} alert{}",
        if alerts == 1 { "" } else { "s" }
    );
    if disabled > 0 {
        out.push_str(&format!(", {disabled} disabled"));
    }
    out.push('\n');
    out
}

/// One applied alert (its `effective --format json` object) as the terminal shows it.
pub fn effective_alert(a: &Value) -> String {
    let mut out = String::from("\n");
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
    out
}

/// The disabled alerts' lines (each a `disabled` object of `effective --format json`).
pub fn effective_disabled<'a>(disabled: impl ExactSizeIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    if disabled.len() == 0 {
        return out;
    }
    out.push('\n');
    for d in disabled {
        out.push_str(&format!(
            "disabled here: {} (by {}:{})\n",
            s(&d["alert"]),
            s(&d["file"]),
            s(&d["line"])
        ));
    }
    out
}

/// `effective`'s human answer from its JSON document.
pub fn effective_human(subject: &str, doc: &Value) -> String {
    let subject = with_jobs(subject, &doc["jobs"]);
    // Borrowed, not copied: on a large estate the answer is thousands of alerts.
    let alerts = doc["alerts"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let disabled = doc["disabled"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = effective_header(&subject, alerts.len(), disabled.len());
    for a in alerts {
        out.push_str(&effective_alert(a));
    }
    out.push_str(&effective_disabled(disabled.iter()));
    out
}

fn field(out: &mut String, name: &str, values: &[String]) {
    let values: Vec<&String> = values.iter().filter(|v| !v.is_empty()).collect();
    for (i, v) in values.iter().enumerate() {
        let label = if i == 0 { name } else { "" };
        out.push_str(&format!("  {label:<12} {v}\n"));
    }
}

// ---------------------------------------------------------------- trace

/// The fold order of an alert's applied rules, after its template (`FILE:LINE`), from
/// its `effective --format json` object: the part of `trace`'s human answer that is the
/// same wherever the cell applies.
pub fn trace_rules(a: &Value, template_place: &str) -> String {
    let mut out = String::new();
    let rules = a["rules"].as_array().map(Vec::as_slice).unwrap_or_default();
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
        template_place.to_string(),
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
    out
}

/// `trace`'s fields table (field, value, set by, overrode), ending the alert's answer.
pub fn trace_fields(rows: &[[String; 4]]) -> String {
    let mut out = String::from("  fields:\n");
    let all: Vec<[&str; 4]> = std::iter::once(["FIELD", "VALUE", "SET BY", "OVERRODE"])
        .chain(rows.iter().map(|r| r.each_ref().map(String::as_str)))
        .collect();
    table(&mut out, "    ", &all);
    out.push('\n');
    out
}

/// `trace --all`'s rules that do not apply here, as (rule object, reason).
pub fn trace_not_applied(na: &[(Value, String)]) -> String {
    let mut out = String::new();
    if na.is_empty() {
        return out;
    }
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
