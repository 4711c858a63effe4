use alertctl::params::{Typed, Value};
use alertctl::query::{self, Applied, Report};
use alertctl::resolve::{Model, Position};
use serde_json::json;

use super::{load_and_render, stop_on_errors};
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
    let (project, _rendered, diags) = load_and_render(g)?;
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
    match format {
        DataFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&to_json(model, &pos, &report)).unwrap_or_default()
        ),
        DataFormat::Yaml => print!(
            "{}",
            serde_yaml::to_string(&to_json(model, &pos, &report)).unwrap_or_default()
        ),
        DataFormat::Human => print!("{}", human(model, &subject, &report)),
    }
    Ok(Exit::Ok)
}

/// Resolves the command-line subject to a position, or prints why it cannot.
pub fn position(
    model: &Model,
    target: Option<&str>,
    group: Option<&str>,
    namespace: Option<&str>,
    global: bool,
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
                Ok((pos, format!("{t} ({where_})")))
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
    let _ = global;
    Ok((
        Position::default(),
        "series outside the inventory (global)".to_string(),
    ))
}

pub fn param_json(v: &Typed) -> serde_json::Value {
    match &v.value {
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => json!(*n as i64),
        Value::Number(n) => json!(n),
        Value::Text(s) => json!(s),
    }
}

pub fn applied_json(a: &Applied) -> serde_json::Value {
    let c = &a.effective.config;
    json!({
        "alert": a.alert,
        "kind": if c.recording { "recording" } else { "alerting" },
        "template": a.template,
        "cell": a.cell.to_string(),
        "file": a.file,
        "expr": a.rule.expr,
        "for": a.rule.for_,
        "keep_firing_for": a.rule.keep_firing_for,
        "severity": c.severity,
        "labels": a.rule.labels,
        "annotations": a.rule.annotations,
        "params": c.params.iter().map(|(k, v)| (k.clone(), param_json(v))).collect::<serde_json::Map<_, _>>(),
        "rules": a.rules,
    })
}

fn to_json(model: &Model, pos: &Position, r: &Report) -> serde_json::Value {
    let _ = model;
    json!({
        "target": pos.target,
        "namespace": pos.namespace,
        "group": pos.group,
        "alerts": r.applied.iter().map(applied_json).collect::<Vec<_>>(),
        "disabled": r.disabled.iter().map(|d| json!({"alert": d.alert, "file": d.by.file, "line": d.by.line})).collect::<Vec<_>>(),
    })
}

fn human(model: &Model, subject: &str, r: &Report) -> String {
    let _ = model;
    let mut out = format!(
        "{subject}: {} alert{}",
        r.applied.len(),
        if r.applied.len() == 1 { "" } else { "s" }
    );
    if !r.disabled.is_empty() {
        out.push_str(&format!(", {} disabled", r.disabled.len()));
    }
    out.push('\n');
    for a in &r.applied {
        let c = &a.effective.config;
        out.push('\n');
        let kind = if c.recording {
            "record".to_string()
        } else {
            c.severity.clone().unwrap_or_else(|| "no severity".into())
        };
        let for_ = a
            .rule
            .for_
            .as_deref()
            .map(|f| format!("  for {f}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}  {kind}{for_}  (cell {}, {})\n",
            a.alert, a.cell, a.file
        ));
        field(&mut out, "query", std::slice::from_ref(&a.rule.expr));
        field(
            &mut out,
            "params",
            &[c.params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("  ")],
        );
        field(
            &mut out,
            "labels",
            &[a.rule
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("  ")],
        );
        let ann: Vec<String> = a
            .rule
            .annotations
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        field(&mut out, "annotations", &ann);
        let chain: Vec<String> = a
            .rules
            .iter()
            .rev()
            .map(|r| format!("{} {}:{}", r.scope, r.place.file, r.place.line))
            .collect();
        field(&mut out, "set by", &[chain.join(" <- ")]);
    }
    if !r.disabled.is_empty() {
        out.push('\n');
        for d in &r.disabled {
            out.push_str(&format!(
                "disabled here: {} (by {}:{})\n",
                d.alert, d.by.file, d.by.line
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
