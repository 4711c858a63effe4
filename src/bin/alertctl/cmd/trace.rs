use alertctl::query::{self, not_applied};
use alertctl::resolve::{Model, Origin, Setting};

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
    match format {
        DataFormat::Json | DataFormat::Yaml => {
            let doc = query::trace_json(model, target, &pos, &applied, all);
            if format == DataFormat::Json {
                print!("{}", crate::report::json_document(doc));
            } else {
                print!("{}", crate::report::yaml_document(doc));
            }
        }
        DataFormat::Human => {
            let mut out = String::new();
            for a in &applied {
                out.push_str(&format!("{} on {subject}\n", a.alert));
                out.push_str(
                    "  applied, in fold order (priority, then global < namespace < group < target",
                );
                out.push_str(if a.rules.iter().any(|r| r.selects.is_some()) {
                    "; at one priority and scope, many-alert rules first):\n"
                } else {
                    "):\n"
                });
                let t = &model.templates[&a.template];
                let tp = model.place(&t.file, t.name.span);
                let mut rows = vec![[
                    "template".to_string(),
                    a.template.clone(),
                    String::new(),
                    format!("{}:{}", tp.file, tp.line),
                ]];
                for r in &a.rules {
                    rows.push([
                        format!("{}.", rows.len()),
                        scope_cell(r),
                        format!("priority {}", r.priority),
                        format!("{}:{}", r.place.file, r.place.line),
                    ]);
                }
                table(&mut out, "    ", &rows);
                if all {
                    let na = not_applied(model, &model.alerts[&a.alert], &pos);
                    if !na.is_empty() {
                        out.push_str("  not applied:\n");
                        let rows: Vec<[String; 4]> = na
                            .into_iter()
                            .map(|(r, why)| {
                                [
                                    scope_cell(&r),
                                    format!("priority {}", r.priority),
                                    format!("{}:{}", r.place.file, r.place.line),
                                    why,
                                ]
                            })
                            .collect();
                        table(&mut out, "    ", &rows);
                    }
                }
                out.push_str("  fields:\n");
                let mut rows = vec![[
                    "FIELD".to_string(),
                    "VALUE".to_string(),
                    "SET BY".to_string(),
                    "OVERRODE".to_string(),
                ]];
                for (field, settings) in &a.effective.trace {
                    let Some((last, before)) = settings.split_last() else {
                        continue;
                    };
                    let overrode: Vec<String> = before
                        .iter()
                        .rev()
                        .filter(|s| s.value != last.value || s.origin != last.origin)
                        .map(|s| format!("{} ({})", short(&s.value), who(model, s)))
                        .collect();
                    rows.push([
                        field.clone(),
                        short(&last.value),
                        who(model, last),
                        overrode.join(", "),
                    ]);
                }
                table(&mut out, "    ", &rows);
                out.push('\n');
            }
            print!("{out}");
        }
    }
    Ok(Exit::Ok)
}

/// A rule's scope, and for a many-alert rule what it selects.
fn scope_cell(r: &alertctl::query::AppliedRule) -> String {
    match &r.selects {
        Some(sel) => format!("{} (many: {sel})", r.scope),
        None => r.scope.clone(),
    }
}

fn who(model: &Model, s: &Setting) -> String {
    let p = model.origin_place(&s.origin);
    match &s.origin {
        Origin::Template { .. } => format!("template {}:{}", p.file, p.line),
        Origin::Rule { index, .. } => {
            let r = &model.rules[*index];
            let many = if r.is_many() { " (many)" } else { "" };
            format!("{}{many} {}:{}", r.scope.value, p.file, p.line)
        }
    }
}

fn short(v: &str) -> String {
    let one_line = v.replace('\n', "⏎");
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(59).collect::<String>())
    } else {
        one_line
    }
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
