//! Questions about a resolved model: which alerts apply at a position (a target, a
//! group, a namespace), with what configuration, set by whom. Answers come from the same
//! cells and the same [`Renderer`] as the rendered files, so they cannot disagree.

use crate::diag::line_col;
use crate::model::Scope;
use crate::render::{file_name, CellError, PromRule, Renderer};
use std::collections::BTreeMap;

use crate::resolve::{Alert, Cell, Effective, Model, Origin, Position, Setting};

/// Where a rule or template value was written.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Place {
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AppliedRule {
    pub index: usize,
    pub scope: String,
    pub priority: i64,
    /// A many-alert rule's selection as written (`"*"`, `[A, B]`, `Host*`, criteria).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selects: Option<String>,
    #[serde(flatten)]
    pub place: Place,
}

impl AppliedRule {
    pub fn of(model: &Model, i: usize) -> AppliedRule {
        let r = &model.rules[i];
        AppliedRule {
            index: i,
            scope: r.scope.value.to_string(),
            priority: r.priority.value,
            selects: r.is_many().then(|| r.template.value.clone()),
            place: model.place(&r.file, r.span),
        }
    }
}

/// One alert as it applies at a position.
#[derive(Debug, Clone)]
pub struct Applied {
    pub alert: String,
    pub template: String,
    /// The cell whose rendered rule selects this position's series.
    pub cell: Scope,
    /// The rendered file holding that rule.
    pub file: String,
    pub rule: PromRule,
    pub effective: Effective,
    pub rules: Vec<AppliedRule>,
    pub provenance: crate::render::Provenance,
}

/// An alert that has rules covering the position but is switched off there.
#[derive(Debug, Clone)]
pub struct Disabled {
    pub alert: String,
    pub by: Place,
}

#[derive(Debug, Default)]
pub struct Report {
    pub applied: Vec<Applied>,
    pub disabled: Vec<Disabled>,
    /// Alerts that cannot render here (already reported by `validate`).
    pub broken: Vec<(String, CellError)>,
}

impl Model {
    /// 1-based line of a span in a source file.
    pub fn place(&self, file: &str, span: crate::diag::Span) -> Place {
        let line = self
            .sources
            .get(file)
            .map_or(0, |s| line_col(&s.text, span.start).0);
        Place {
            file: file.to_string(),
            line,
        }
    }

    pub fn origin_place(&self, o: &Origin) -> Place {
        self.place(o.file(), o.span())
    }

    /// The position of an inventory target (or of the target an instance such as
    /// `db-1:9187` belongs to); `Err` carries a did-you-mean suggestion.
    pub fn target_position(&self, target: &str) -> Result<Position, Option<String>> {
        let owner = self.inventory.owner(target).map(|(t, _)| t);
        self.inventory
            .position(owner.unwrap_or(target))
            .ok_or_else(|| {
                crate::diag::did_you_mean(target, self.inventory.targets.keys().map(String::as_str))
                    .map(str::to_string)
            })
    }
}

/// The cell of `cells` that holds a series at `pos` (most specific scope first).
pub fn cell_for<'c>(cells: &'c [Cell], pos: &Position) -> Option<&'c Cell> {
    let mut scopes = pos.scopes();
    scopes.reverse();
    scopes
        .iter()
        .find_map(|s| cells.iter().find(|c| &c.scope == s))
}

/// Every alert at `pos`, as the rendered rules evaluate it.
pub fn at(model: &Model, pos: &Position) -> Report {
    let mut report = Report::default();
    let mut renderer = Renderer::new(model);
    for alert in model.alerts.values() {
        let cells = model.cells(alert);
        if unwatched_at(alert, &cells, pos) {
            continue;
        }
        let Some(cell) = cell_for(&cells, pos) else {
            continue;
        };
        let Some(eff) = &cell.effective else { continue };
        if !runs_at(model, pos, model.job_of(&eff.config).as_deref()) {
            continue;
        }
        match renderer.rule(cell) {
            Ok(Some(rule)) => report.applied.push(applied(model, alert, cell, rule, eff)),
            Ok(None) => {
                let by = eff
                    .trace
                    .get("enabled")
                    .and_then(|s| s.last())
                    .map(|s| model.origin_place(&s.origin));
                if let Some(by) = by {
                    report.disabled.push(Disabled {
                        alert: alert.name.clone(),
                        by,
                    });
                }
            }
            Err(e) => report.broken.push((alert.name.clone(), e)),
        }
    }
    report
}

/// The target at `pos` has rules for `alert` but does not run the job it watches there,
/// so it has no cell of its own: the alert does not apply to it.
fn unwatched_at(alert: &Alert, cells: &[Cell], pos: &Position) -> bool {
    pos.target.as_ref().is_some_and(|t| {
        let scope = Scope::Target(t.clone());
        alert.by_scope.contains_key(&scope) && !cells.iter().any(|c| c.scope == scope)
    })
}

/// Does the position run `job` (a target its jobs, a group its targets' jobs)?
pub fn runs_at(model: &Model, pos: &Position, job: Option<&str>) -> bool {
    let inv = &model.inventory;
    match (&pos.target, &pos.group) {
        (Some(t), _) => inv.runs(t, job),
        (None, Some(g)) => inv.group_runs(g, job),
        _ => true,
    }
}

fn applied(model: &Model, alert: &Alert, cell: &Cell, rule: PromRule, eff: &Effective) -> Applied {
    let rules = eff
        .chain
        .iter()
        .map(|&i| AppliedRule::of(model, i))
        .collect();
    let provenance = crate::render::Provenance {
        alert: alert.name.clone(),
        template: alert.template.clone(),
        cell: cell.scope.clone(),
        chain: eff.chain.clone(),
        recording: eff.config.recording,
        severity: eff.config.severity.clone(),
        params: eff.config.params.clone(),
        job: model.job_of(&eff.config),
        rule_group: model.templates[&alert.template]
            .rule_group
            .as_ref()
            .map(|g| g.value.clone()),
    };
    Applied {
        alert: alert.name.clone(),
        template: alert.template.clone(),
        cell: cell.scope.clone(),
        file: file_name(&cell.file_scope),
        rule,
        effective: eff.clone(),
        rules,
        provenance,
    }
}

/// Rules of `alert` that do not apply at `pos`, with the reason, for `trace --all`.
pub fn not_applied(model: &Model, alert: &Alert, pos: &Position) -> Vec<(AppliedRule, String)> {
    let scopes = pos.scopes();
    not_applied_candidates(model, alert)
        .into_iter()
        .filter(|(scope, _, _)| scope.as_ref().is_none_or(|s| !scopes.contains(s)))
        .map(|(_, r, why)| (r, why))
        .collect()
}

/// Every rule of `alert` that may not apply somewhere, in `trace --all`'s order, with the
/// scope that would make it apply (`None`: it applies nowhere) and the reason. The cache
/// index stores these so that `trace --all` can answer without the model.
pub fn not_applied_candidates(
    model: &Model,
    alert: &Alert,
) -> Vec<(Option<Scope>, AppliedRule, String)> {
    let mut out = Vec::new();
    for (i, r) in model.rules.iter().enumerate() {
        if r.is_suspended() && model.rule_name(r) == alert.name {
            let ar = AppliedRule::of(model, i);
            out.push((None, ar, "suspended (`rule enable` resumes it)".to_string()));
        }
    }
    for (scope, idxs) in &alert.by_scope {
        for &i in idxs {
            out.push((
                Some(scope.clone()),
                AppliedRule::of(model, i),
                "other scope".to_string(),
            ));
        }
    }
    out
}

/// Who set a field: `template FILE:LINE` or `SCOPE[ (many)] FILE:LINE`.
pub fn who(model: &Model, s: &Setting) -> String {
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

/// A value on one table line: newlines shown as ⏎, cut at 60 characters.
pub fn short(v: &str) -> String {
    let one_line = v.replace('\n', "⏎");
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(59).collect::<String>())
    } else {
        one_line
    }
}

/// `trace --format json`'s `fields`: every field's value and the chain that set it.
pub fn fields_json(model: &Model, trace: &BTreeMap<String, Vec<Setting>>) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (field, settings) in trace {
        let chain: Vec<serde_json::Value> = settings
            .iter()
            .map(|s| {
                let p = model.origin_place(&s.origin);
                let (kind, scope) = match &s.origin {
                    Origin::Template { .. } => ("template", None),
                    Origin::Rule { index, .. } => ("rule", Some(model.rules[*index].scope.value.to_string())),
                };
                serde_json::json!({"value": s.value, "set_by": kind, "scope": scope, "file": p.file, "line": p.line})
            })
            .collect();
        m.insert(
            field.clone(),
            serde_json::json!({"value": settings.last().map(|s| &s.value), "chain": chain}),
        );
    }
    serde_json::Value::Object(m)
}

/// What `trace` shows of one alert in one cell beyond its `effective` answer: `fields`
/// (as in JSON), `table` (the human fields table: field, value, set by, overrode) and
/// `template` (where the template is, `FILE:LINE`). Built both by `trace` itself and when
/// a full run stores every cell's details for the fast path, so both print the same bytes.
pub fn trace_details(model: &Model, template: &str, eff: &Effective) -> serde_json::Value {
    let mut table = Vec::new();
    for (field, settings) in &eff.trace {
        let Some((last, before)) = settings.split_last() else {
            continue;
        };
        let overrode: Vec<String> = before
            .iter()
            .rev()
            .filter(|s| s.value != last.value || s.origin != last.origin)
            .map(|s| format!("{} ({})", short(&s.value), who(model, s)))
            .collect();
        table.push([
            field.clone(),
            short(&last.value),
            who(model, last),
            overrode.join(", "),
        ]);
    }
    let t = &model.templates[template];
    let tp = model.place(&t.file, t.name.span);
    serde_json::json!({
        "fields": fields_json(model, &eff.trace),
        "table": table,
        "template": format!("{}:{}", tp.file, tp.line),
    })
}

/// The trace details of every rendered cell (a full run stores them for `trace`'s fast
/// path). A cell's configuration is the fold at its scope's position, as
/// [`Model::cells`] computes it, without partitioning the series space again.
pub fn trace_rows<'a>(
    model: &'a Model,
    rendered: &'a crate::render::Rendered,
) -> impl Iterator<Item = crate::cache::TraceRow> + 'a {
    rendered.cells.iter().filter_map(move |c| {
        let p = &c.provenance;
        let alert = model.alerts.get(&p.alert)?;
        let eff = model.effective(alert, &scope_position(model, &p.cell))?;
        Some(crate::cache::TraceRow {
            alert: p.alert.clone(),
            scope: p.cell.to_string(),
            json: trace_details(model, &alert.template, &eff).to_string(),
        })
    })
}

/// The position a scope stands for (a target's: its group and namespace too).
pub fn scope_position(model: &Model, scope: &Scope) -> Position {
    let inv = &model.inventory;
    match scope {
        Scope::Global => Position::default(),
        Scope::Namespace(n) => Position {
            namespace: Some(n.clone()),
            ..Default::default()
        },
        Scope::Group(g) => Position {
            namespace: inv.groups.get(g).map(|i| i.namespace.clone()),
            group: Some(g.clone()),
            target: None,
        },
        Scope::Target(t) => inv.position(t).unwrap_or_default(),
    }
}

/// A parameter value in JSON: whole numbers as integers.
pub fn param_json(v: &crate::params::Typed) -> serde_json::Value {
    match &v.value {
        crate::params::Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => {
            serde_json::json!(*n as i64)
        }
        crate::params::Value::Number(n) => serde_json::json!(n),
        crate::params::Value::Text(s) => serde_json::json!(s),
        crate::params::Value::List(items) => {
            serde_json::Value::Array(items.iter().map(param_json).collect())
        }
    }
}

/// One alert as `effective --format json` shows it. Built from a rendered cell, both by
/// `effective` itself and when a full run stores every cell's answer for the fast path,
/// so both print the same bytes.
pub fn alert_json(
    model: &Model,
    p: &crate::render::Provenance,
    file: &str,
    rule: &PromRule,
) -> serde_json::Value {
    let rules: Vec<AppliedRule> = p.chain.iter().map(|&i| AppliedRule::of(model, i)).collect();
    let mut j = serde_json::json!({
        "alert": p.alert,
        "kind": if p.recording { "recording" } else { "alerting" },
        "template": p.template,
        "cell": p.cell.to_string(),
        "file": file,
        "expr": rule.expr,
        "for": rule.for_,
        "keep_firing_for": rule.keep_firing_for,
        "severity": p.severity,
        "labels": rule.labels,
        "annotations": rule.annotations,
        "params": p.params.iter().map(|(k, v)| (k.clone(), param_json(v))).collect::<serde_json::Map<_, _>>(),
        "rules": rules,
    });
    if model.inventory.uses_jobs() {
        j["job"] = serde_json::json!(p.job);
    }
    j
}

pub fn disabled_json(d: &Disabled) -> serde_json::Value {
    serde_json::json!({"alert": d.alert, "file": d.by.file, "line": d.by.line})
}

/// The rows a full run stores for the fast path: every rendered and every disabled cell,
/// produced one at a time.
pub fn cell_rows<'a>(
    model: &'a Model,
    rendered: &'a crate::render::Rendered,
) -> impl Iterator<Item = crate::cache::CellRow> + 'a {
    let applied = rendered.cells.iter().map(move |c| crate::cache::CellRow {
        alert: c.provenance.alert.clone(),
        scope: c.provenance.cell.to_string(),
        specificity: i64::from(c.provenance.cell.specificity()),
        kind: "applied".into(),
        job: c.provenance.job.clone(),
        json: serde_json::to_string_pretty(&alert_json(model, &c.provenance, &c.file, &c.rule))
            .unwrap_or_default(),
    });
    let disabled = rendered
        .disabled
        .iter()
        .map(move |d| crate::cache::CellRow {
            alert: d.alert.clone(),
            scope: d.cell.to_string(),
            specificity: i64::from(d.cell.specificity()),
            kind: "disabled".into(),
            job: d.job.clone(),
            json: serde_json::to_string_pretty(&disabled_json(&Disabled {
                alert: d.alert.clone(),
                by: model.origin_place(&d.by),
            }))
            .unwrap_or_default(),
        });
    // Targets that do not run the alert's job: the most specific answer is "nothing".
    let unwatched = rendered
        .unwatched
        .iter()
        .map(|(alert, cell)| crate::cache::CellRow {
            alert: alert.clone(),
            scope: cell.to_string(),
            specificity: i64::from(cell.specificity()),
            kind: "unwatched".into(),
            job: None,
            json: String::new(),
        });
    applied.chain(disabled).chain(unwatched)
}
