//! Questions about a resolved model: which alerts apply at a position (a target, a
//! group, a namespace), with what configuration, set by whom. Answers come from the same
//! cells and the same [`Renderer`] as the rendered files, so they cannot disagree.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::diag::LineIndex;
use crate::model::Scope;
use crate::render::{file_name, CellError, PromRule, Renderer};

use crate::model::resolve::{Alert, Cell, Effective, Model, Origin, Position, Trace};

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
    /// Who set each field of the cell's configuration.
    pub trace: Trace,
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
        let line = self.sources.get(file).map_or(0, |s| {
            let slots = self.lines.get_or_init(|| {
                self.sources
                    .keys()
                    .map(|k| (k.clone(), Default::default()))
                    .collect()
            });
            let (text, at) = (s.text(), span.start().min(s.text().len()));
            // A source added after the first question (the settings file) has no slot:
            // scanned instead.
            slots.get(file).map_or_else(
                || crate::diag::line_col(text, at).0,
                |slot| slot.get_or_init(|| LineIndex::new(text)).line(at),
            )
        });
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
                let by = model.enabled_by(eff).map(|o| model.origin_place(&o));
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
    let provenance = crate::render::Provenance::of(model, alert, cell, eff);
    Applied {
        alert: alert.name.clone(),
        template: alert.template.clone(),
        cell: cell.scope.clone(),
        file: file_name(&cell.file_scope),
        rule,
        trace: model
            .traced(alert, &cell.position)
            .map(|(_, t)| t)
            .unwrap_or_default(),
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
    for &i in model.suspended_rules(&alert.name) {
        let ar = AppliedRule::of(model, i);
        out.push((None, ar, "suspended (`rule enable` resumes it)".to_string()));
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

/// A value on one table line: newlines shown as ⏎, cut at 60 characters.
pub fn short(v: &str) -> String {
    let one_line = v.replace('\n', "⏎");
    if one_line.chars().count() > 60 {
        format!("{}…", one_line.chars().take(59).collect::<String>())
    } else {
        one_line
    }
}

/// One alert's trace in one cell as a full run stores it for the fast path: only what
/// needs the model and is not in the cell's `effective` answer. Everything `trace`
/// prints of it is derived by [`TraceRecord::fields_text`] and [`TraceRecord::table`],
/// for the full path too, so the two cannot drift; pretty JSON and padded tables are
/// presentation, printed only for the cells a question asks about.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceRecord {
    /// Where the template is, `FILE:LINE`.
    #[serde(rename = "t")]
    pub template: String,
    /// Who set fields, each once: a cell's settings share a few files.
    #[serde(rename = "w")]
    pub setters: Vec<Setter>,
    /// Per field (in the trace's order), its settings in fold order.
    #[serde(rename = "f")]
    pub fields: Vec<(String, Vec<StoredSetting>)>,
}

/// (scope, many-alert rule, file) of a rule, or (`None`, false, file) of the template.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Setter(pub Option<String>, pub bool, pub String);

/// (value, line, index into [`TraceRecord::setters`], whether the fields table shows
/// it as overridden: it differs from the winning setting in value or origin, which only
/// the model can tell).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StoredSetting(pub String, pub usize, pub usize, pub bool);

impl TraceRecord {
    pub fn of(model: &Model, template: &str, trace: &Trace) -> TraceRecord {
        let mut setters: Vec<Setter> = Vec::new();
        let mut fields = Vec::with_capacity(trace.len());
        for (field, settings) in trace {
            let last = settings.last();
            let mut chain = Vec::with_capacity(settings.len());
            for s in settings {
                let p = model.origin_place(&s.origin);
                let setter = match &s.origin {
                    Origin::Template { .. } => Setter(None, false, p.file),
                    Origin::Rule { index, .. } => {
                        let r = &model.rules[*index];
                        Setter(Some(r.scope.value.to_string()), r.is_many(), p.file)
                    }
                };
                let who = match setters.iter().position(|w| *w == setter) {
                    Some(i) => i,
                    None => {
                        setters.push(setter);
                        setters.len() - 1
                    }
                };
                let shown = last.is_some_and(|l| s.value != l.value || s.origin != l.origin);
                chain.push(StoredSetting(s.value.clone(), p.line, who, shown));
            }
            fields.push((field.clone(), chain));
        }
        let t = &model.templates[template];
        let tp = model.place(&t.file, t.name.span);
        TraceRecord {
            template: format!("{}:{}", tp.file, tp.line),
            setters,
            fields,
        }
    }

    /// A stored record (compact JSON); `None` if it is not one [`TraceRecord::of`]
    /// could have made, so that a damaged row sends the question to the full path.
    pub fn parse(text: &str) -> Option<TraceRecord> {
        let r: TraceRecord = serde_json::from_str(text).ok()?;
        let whole = r
            .fields
            .iter()
            .all(|(_, chain)| chain.iter().all(|s| s.2 < r.setters.len()));
        whole.then_some(r)
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Who set a field: `template FILE:LINE` or `SCOPE[ (many)] FILE:LINE`.
    fn who(&self, s: &StoredSetting) -> String {
        match &self.setters[s.2] {
            Setter(None, _, file) => format!("template {file}:{}", s.1),
            Setter(Some(scope), many, file) => {
                let many = if *many { " (many)" } else { "" };
                format!("{scope}{many} {file}:{}", s.1)
            }
        }
    }

    /// `fields` as `trace --format json` prints it (pretty): per field, the winning value
    /// and its chain of settings. Written straight from the record, keys in the order a
    /// JSON value sorts them, rather than built as a value first: a warm `trace` of a
    /// target prints thousands.
    pub fn fields_text(&self) -> String {
        /// Keys in sorted order, as `serde_json::Value` prints them.
        #[derive(serde::Serialize)]
        struct Field<'a> {
            chain: Vec<Set<'a>>,
            value: Option<&'a str>,
        }
        #[derive(serde::Serialize)]
        struct Set<'a> {
            file: &'a str,
            line: usize,
            scope: &'a Option<String>,
            set_by: &'static str,
            value: &'a str,
        }
        fn field<'a>(r: &'a TraceRecord, settings: &'a [StoredSetting]) -> Field<'a> {
            Field {
                chain: settings
                    .iter()
                    .map(|s| {
                        let Setter(scope, _, file) = &r.setters[s.2];
                        Set {
                            file,
                            line: s.1,
                            scope,
                            set_by: if scope.is_some() { "rule" } else { "template" },
                            value: &s.0,
                        }
                    })
                    .collect(),
                value: settings.last().map(|s| s.0.as_str()),
            }
        }
        let fields: BTreeMap<&str, Field> = self
            .fields
            .iter()
            .map(|(name, settings)| (name.as_str(), field(self, settings)))
            .collect();
        serde_json::to_string_pretty(&fields).unwrap_or_default()
    }

    /// The human fields table: field, value, set by, overrode (most recent first).
    pub fn table(&self) -> Vec<[String; 4]> {
        let mut table = Vec::with_capacity(self.fields.len());
        for (field, settings) in &self.fields {
            let Some((last, before)) = settings.split_last() else {
                continue;
            };
            let overrode: Vec<String> = before
                .iter()
                .rev()
                .filter(|s| s.3)
                .map(|s| format!("{} ({})", short(&s.0), self.who(s)))
                .collect();
            table.push([
                field.clone(),
                short(&last.0),
                self.who(last),
                overrode.join(", "),
            ]);
        }
        table
    }
}

/// The pieces of one alert's `trace` and `effective` answers that `want` asks for,
/// printed from its trace record and its `effective --format json` object (`doc`): the
/// one place both the full path and the fast path print them. A piece whose source is
/// missing is left empty.
pub fn trace_pieces_of(
    record: Option<&TraceRecord>,
    doc: Option<&serde_json::Value>,
    want: crate::cache::Want,
) -> crate::cache::TracePieces {
    let mut pieces = crate::cache::TracePieces::default();
    if let (true, Some(r)) = (want.fields, record) {
        pieces.fields = r.fields_text();
    }
    if let (true, Some(r)) = (want.trace, record) {
        if let Some(doc) = doc {
            pieces.rules = crate::render::present::trace_rules(doc, &r.template);
        }
        pieces.table = crate::render::present::trace_fields(&r.table());
    }
    if let (true, Some(doc)) = (want.effective, doc) {
        pieces.effective = crate::render::present::effective_alert(doc);
    }
    pieces
}

/// What `trace`'s human pieces are printed from, of an applied cell's stored
/// `effective --format json` object: only `template` and `rules`
/// ([`crate::render::present::trace_rules`] reads no more), the rest skipped without
/// building it: a warm `trace` of a target reads thousands.
pub fn stored_doc(json: &str) -> Option<serde_json::Value> {
    #[derive(serde::Deserialize)]
    struct Rules {
        template: serde_json::Value,
        rules: serde_json::Value,
    }
    let r: Rules = serde_json::from_str(json).ok()?;
    Some(serde_json::json!({"template": r.template, "rules": r.rules}))
}

/// Every piece of one alert's `trace` answer, from the model (the full path).
pub fn trace_pieces(
    model: &Model,
    template: &str,
    trace: &Trace,
    doc: &serde_json::Value,
) -> crate::cache::TracePieces {
    let all = crate::cache::Want {
        json: true,
        fields: true,
        trace: true,
        effective: true,
    };
    trace_pieces_of(
        Some(&TraceRecord::of(model, template, trace)),
        Some(doc),
        all,
    )
}

/// Rendered cells are turned into index rows this many at a time, on every core, the
/// chunks in order, a few at most built ahead of the writer (`cache::put_rows`): the
/// rows of a cold run on L are tens of MB, never held at once.
const ROW_CHUNK: usize = 1024;

/// The trace records of the rendered cells of `alerts` (a full run stores them for
/// `trace`'s and `effective`'s fast path), in the render's order. A cell's
/// configuration is the fold at its scope's position, as [`Model::cells`] computes it,
/// without partitioning the series space again.
pub fn trace_rows<'a>(
    model: &'a Model,
    rendered: &'a crate::render::Rendered,
    alerts: &'a BTreeSet<&str>,
) -> impl Iterator<Item = crate::cache::TraceRow> + 'a {
    rows_of_cells(rendered, alerts, move |c| {
        let p = &c.provenance;
        let alert = model.alerts.get(&p.alert)?;
        let (_, trace) = model.traced(alert, &scope_position(model, &p.cell))?;
        Some(crate::cache::TraceRow {
            alert: p.alert.clone(),
            scope: p.cell.to_string(),
            trace: TraceRecord::of(model, &alert.template, &trace).to_text(),
        })
    })
}

/// `row` of each rendered cell of `alerts`, in the render's order, [`ROW_CHUNK`] cells
/// at a time on every core.
fn rows_of_cells<'a, R: Send + 'a>(
    rendered: &'a crate::render::Rendered,
    alerts: &'a BTreeSet<&str>,
    row: impl Fn(&'a crate::render::RenderedCell) -> Option<R> + Sync + Send + Copy + 'a,
) -> impl Iterator<Item = R> + 'a {
    rendered.cells.batches(ROW_CHUNK).flat_map(move |chunk| {
        chunk
            .into_par_iter()
            .filter(|c| alerts.contains(c.provenance.alert.as_str()))
            .filter_map(row)
            .collect::<Vec<_>>()
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
pub fn param_json(v: &crate::model::params::Typed) -> serde_json::Value {
    match &v.value {
        crate::model::params::Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => {
            serde_json::json!(*n as i64)
        }
        crate::model::params::Value::Number(n) => serde_json::json!(n),
        crate::model::params::Value::Text(s) => serde_json::json!(s),
        crate::model::params::Value::List(items) => {
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

/// The rows a full run stores for the fast path: every rendered, disabled and unwatched
/// cell of `alerts`, in order, the rendered ones built a chunk at a time on every core
/// (filtered here rather than from a copy of the render: a cold run's copy would be every
/// rendered rule again).
pub fn cell_rows<'a>(
    model: &'a Model,
    rendered: &'a crate::render::Rendered,
    alerts: &'a BTreeSet<&str>,
) -> impl Iterator<Item = crate::cache::CellRow> + 'a {
    let of = move |alert: &str| alerts.contains(alert);
    let applied = rows_of_cells(rendered, alerts, move |c| {
        let doc = alert_json(model, &c.provenance, &c.file, &c.rule);
        Some(crate::cache::CellRow {
            alert: c.provenance.alert.clone(),
            scope: c.provenance.cell.to_string(),
            specificity: i64::from(c.provenance.cell.specificity()),
            kind: "applied".into(),
            job: c.provenance.job.clone(),
            json: serde_json::to_string_pretty(&doc).unwrap_or_default(),
            human: crate::render::present::effective_alert(&doc),
        })
    });
    let disabled = rendered
        .disabled
        .iter()
        .filter(move |d| of(&d.alert))
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
            human: String::new(),
        });
    // Targets that do not run the alert's job: the most specific answer is "nothing".
    let unwatched = rendered
        .unwatched
        .iter()
        .filter(move |(alert, _)| of(alert))
        .map(|(alert, cell)| crate::cache::CellRow {
            alert: alert.clone(),
            scope: cell.to_string(),
            specificity: i64::from(cell.specificity()),
            kind: "unwatched".into(),
            job: None,
            json: String::new(),
            human: String::new(),
        });
    applied.chain(disabled).chain(unwatched)
}

/// What a question is about: an inventory target, what a host of a group or a namespace
/// gets, or a series from outside the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Target(String),
    Group(String),
    Namespace(String),
    Global,
}

/// A name the inventory (or the rules directory) does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// `target`, `group`, `namespace` or `alert`.
    pub kind: &'static str,
    pub name: String,
    /// A close name that exists.
    pub suggestion: Option<String>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            "alert" => write!(f, "no alert `{}` in this rules directory", self.name),
            kind => write!(f, "{kind} `{}` is not in the inventory", self.name),
        }
    }
}

impl std::error::Error for Unknown {}

impl Unknown {
    fn new<'a>(
        kind: &'static str,
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Unknown {
        Unknown {
            kind,
            name: name.to_string(),
            suggestion: crate::diag::did_you_mean(name, candidates).map(str::to_string),
        }
    }
}

/// How a target's place in the inventory reads (`namespace prod, group web`).
pub fn target_subject(target: &str, pos: &Position) -> String {
    let where_ = match (&pos.namespace, &pos.group) {
        (Some(n), Some(gr)) => format!("namespace {n}, group {gr}"),
        _ => "in no group: global and its own rules apply".to_string(),
    };
    format!("{target} ({where_})")
}

/// The position a subject stands for, and how it reads.
pub fn position(model: &Model, subject: &Subject) -> Result<(Position, String), Unknown> {
    let inv = &model.inventory;
    match subject {
        Subject::Target(t) => match model.target_position(t) {
            Ok(pos) => {
                // An instance (db-1:9187) answers for its target (db-1:9100).
                let shown = target_subject(pos.target.as_deref().unwrap_or(t), &pos);
                Ok((pos, shown))
            }
            Err(_) => Err(Unknown::new(
                "target",
                t,
                inv.targets.keys().map(String::as_str),
            )),
        },
        Subject::Group(gr) => {
            let Some(info) = inv.groups.get(gr) else {
                return Err(Unknown::new(
                    "group",
                    gr,
                    inv.groups.keys().map(String::as_str),
                ));
            };
            Ok((
                Position {
                    namespace: Some(info.namespace.clone()),
                    group: Some(gr.to_string()),
                    target: None,
                },
                format!("group {gr} (namespace {})", info.namespace),
            ))
        }
        Subject::Namespace(n) => {
            if !inv.namespaces.contains_key(n) {
                return Err(Unknown::new(
                    "namespace",
                    n,
                    inv.namespaces.keys().map(String::as_str),
                ));
            }
            Ok((
                Position {
                    namespace: Some(n.to_string()),
                    ..Default::default()
                },
                format!("namespace {n}"),
            ))
        }
        Subject::Global => Ok((
            Position::default(),
            "series outside the inventory (global)".to_string(),
        )),
    }
}

/// `effective --format json` (without the `schema` key): every alert at `pos`.
pub fn effective_json(model: &Model, pos: &Position) -> serde_json::Value {
    let report = at(model, pos);
    let alerts: Vec<serde_json::Value> = report
        .applied
        .iter()
        .map(|a| alert_json(model, &a.provenance, &a.file, &a.rule))
        .collect();
    let disabled: Vec<serde_json::Value> = report.disabled.iter().map(disabled_json).collect();
    let mut doc = serde_json::json!({"target": pos.target, "namespace": pos.namespace, "group": pos.group, "alerts": alerts, "disabled": disabled});
    if let Some(jobs) = pos
        .target
        .as_ref()
        .and_then(|t| model.inventory.jobs.get(t))
    {
        if !jobs.is_empty() {
            doc["jobs"] = serde_json::json!(jobs);
        }
    }
    doc
}

/// Checks that `alert` names an alert of the rules directory.
pub fn known_alert(model: &Model, alert: &str) -> Result<(), Unknown> {
    if model.alerts.contains_key(alert) {
        return Ok(());
    }
    Err(Unknown::new(
        "alert",
        alert,
        model.alerts.keys().map(String::as_str),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `labels.team` set by the template, a many-alert group rule and a target rule,
    /// the group rule's value repeated by the target rule (not shown as overridden).
    fn record() -> TraceRecord {
        let s = |v: &str, line, who, shown| StoredSetting(v.to_string(), line, who, shown);
        TraceRecord {
            template: "templates/t.yaml:2".to_string(),
            setters: vec![
                Setter(None, false, "templates/t.yaml".to_string()),
                Setter(
                    Some("group/web".to_string()),
                    true,
                    "rules/web.yaml".to_string(),
                ),
                Setter(
                    Some("target/web-1:9100".to_string()),
                    false,
                    "rules/web-1.yaml".to_string(),
                ),
            ],
            fields: vec![
                ("for".to_string(), vec![s("5m", 9, 0, false)]),
                (
                    "labels.team".to_string(),
                    vec![
                        s("ops", 11, 0, true),
                        s("web", 4, 1, false),
                        s("web", 7, 2, false),
                    ],
                ),
                ("severity".to_string(), vec![]),
            ],
        }
    }

    #[test]
    fn details_print_who_set_what_and_what_was_overridden() {
        let r = record();
        let text = r.fields_text();
        let fields: serde_json::Value = serde_json::from_str(&text).unwrap();
        // Printed as serde_json prints the value: keys sorted, pretty.
        assert_eq!(text, serde_json::to_string_pretty(&fields).unwrap());
        assert_eq!(
            r.table(),
            vec![
                ["for", "5m", "template templates/t.yaml:9", ""].map(String::from),
                [
                    "labels.team",
                    "web",
                    "target/web-1:9100 rules/web-1.yaml:7",
                    "ops (template templates/t.yaml:11)",
                ]
                .map(String::from),
            ]
        );
        assert_eq!(
            fields["labels.team"],
            serde_json::json!({"value": "web", "chain": [
                {"value": "ops", "set_by": "template", "scope": null, "file": "templates/t.yaml", "line": 11},
                {"value": "web", "set_by": "rule", "scope": "group/web", "file": "rules/web.yaml", "line": 4},
                {"value": "web", "set_by": "rule", "scope": "target/web-1:9100", "file": "rules/web-1.yaml", "line": 7},
            ]})
        );
        assert_eq!(
            fields["severity"],
            serde_json::json!({"value": null, "chain": []})
        );
    }

    #[test]
    fn many_alert_rules_say_so() {
        let mut r = record();
        r.fields[1].1.truncate(2);
        assert_eq!(r.table()[1][2], "group/web (many) rules/web.yaml:4");
    }

    #[test]
    fn stored_records_read_back_and_damaged_ones_do_not() {
        let r = record();
        assert_eq!(TraceRecord::parse(&r.to_text()), Some(r.clone()));
        let mut bad = r;
        bad.fields[0].1[0].2 = 3;
        assert_eq!(TraceRecord::parse(&bad.to_text()), None);
        assert_eq!(TraceRecord::parse("{}"), None);
    }
}
