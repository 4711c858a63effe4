//! Questions answered from the SQLite cache without reading the rules directory: the
//! warm fast path of `effective` and the `list` filters, shared by the CLI and `serve`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::cache::{Answer, Cache, TemplateRow, TracePieces, Want};
use crate::model::resolve::{Model, Position};
use crate::source::project::Quick;

/// An `effective` answer from the cache index.
pub struct FastEffective {
    pub pos: Position,
    /// How the subject reads (`web-1:9100 (namespace prod, group web)`).
    pub subject: String,
    /// Per alert the most specific cell: its stored answer (a pretty JSON object, for
    /// the machine formats) or its human lines.
    pub applied: Vec<Answer>,
    pub disabled: Vec<Answer>,
    /// The target's jobs and their instances (empty when the inventory has no jobs).
    pub jobs: BTreeMap<String, String>,
}

/// With nothing changed since a full run, the `effective --format json` answer for a
/// target (or, with `None`, for series outside the inventory) is a few indexed rows of
/// the cache: no file read or parsed. `None`: take the full path.
pub fn effective_fast(q: &Quick, target: Option<&str>) -> Option<FastEffective> {
    effective_fast_at(q, target, None, None, false)
}

/// [`effective_fast`] at a target, a group, a namespace, or (all `None`) globally; with
/// `human`, what the terminal shows instead of the JSON objects.
pub fn effective_fast_at(
    q: &Quick,
    target: Option<&str>,
    group: Option<&str>,
    namespace: Option<&str>,
    human: bool,
) -> Option<FastEffective> {
    let at = fast_position(&q.cache, target, group, namespace)?;
    let want = Want {
        json: !human,
        effective: human,
        ..Want::default()
    };
    let rows = q
        .cache
        .answers_at(&q.fingerprint, &at.scopes(), want, None)?;
    let (applied, disabled) = decide(rows, &at.runs);
    Some(FastEffective {
        pos: at.pos,
        subject: at.subject,
        applied,
        disabled,
        jobs: at.jobs,
    })
}

/// A position as the cache index knows it: what `query::position` finds in the model.
pub struct FastPosition {
    pub pos: Position,
    pub subject: String,
    /// The target's jobs (job -> instance).
    pub jobs: BTreeMap<String, String>,
    /// The jobs run there (`None`: every job).
    pub runs: Option<BTreeSet<String>>,
}

impl FastPosition {
    pub fn scopes(&self) -> Vec<String> {
        self.pos.scopes().iter().map(ToString::to_string).collect()
    }
}

/// `query::position` from the cache index; `None` (take the full path) for a name the
/// index does not know, such as an instance or a typo, which the full path explains.
pub fn fast_position(
    cache: &Cache,
    target: Option<&str>,
    group: Option<&str>,
    namespace: Option<&str>,
) -> Option<FastPosition> {
    if let Some(t) = target {
        let (grp, ns) = cache.target(t)?;
        let pos = Position {
            namespace: ns,
            group: grp,
            target: Some(t.to_string()),
        };
        let subject = crate::cache::query::target_subject(t, &pos);
        let jobs = cache.target_jobs(t);
        let runs = (!jobs.is_empty()).then(|| jobs.keys().cloned().collect());
        return Some(FastPosition {
            pos,
            subject,
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

/// Of each alert's most specific stored cell at a position ([`Cache::answers_at`]), an
/// alert of a job not run there does not apply. Returns the (applied, disabled) answers.
pub fn decide(rows: Vec<Answer>, runs: &Option<BTreeSet<String>>) -> (Vec<Answer>, Vec<Answer>) {
    rows.into_iter()
        .filter(|r| r.cell.kind != "unwatched")
        .filter(|r| {
            runs.as_ref()
                .is_none_or(|js| r.cell.job.as_ref().is_none_or(|j| js.contains(j)))
        })
        .partition(|r| r.cell.kind == "applied")
}

impl FastEffective {
    /// The `effective --format json` document, byte for byte, assembled from the stored
    /// pretty-printed answers (keys sorted, as [`crate::machine::json_text`] prints)
    /// without parsing thousands of them.
    pub fn json_text(&self) -> String {
        // Written into one buffer: a string per line (~90k for a target of L) was a
        // quarter of a warm `effective`.
        let list = |rs: &[Answer]| {
            if rs.is_empty() {
                return "[]".to_string();
            }
            let room: usize = rs.iter().map(|r| r.cell.json.len() * 2).sum();
            let mut out = String::with_capacity(room + 8);
            out.push_str("[\n");
            for (i, r) in rs.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                for (j, line) in r.cell.json.lines().enumerate() {
                    if j > 0 {
                        out.push('\n');
                    }
                    out.push_str("    ");
                    out.push_str(line);
                }
            }
            out.push_str("\n  ]");
            out
        };
        let v = |o: &Option<String>| serde_json::to_string(o).unwrap_or_default();
        let jobs = if self.jobs.is_empty() {
            String::new()
        } else {
            let body = self
                .jobs
                .iter()
                .map(|(j, i)| format!("    {}: {}", v(&Some(j.clone())), v(&Some(i.clone()))))
                .collect::<Vec<_>>()
                .join(",\n");
            format!("\n  \"jobs\": {{\n{body}\n  }},")
        };
        format!(
            "{{\n  \"alerts\": {},\n  \"disabled\": {},\n  \"group\": {},{jobs}\n  \"namespace\": {},\n  \"schema\": {},\n  \"target\": {}\n}}\n",
            list(&self.applied),
            list(&self.disabled),
            v(&self.pos.group),
            v(&self.pos.namespace),
            crate::machine::SCHEMA,
            v(&self.pos.target)
        )
    }

    /// The document as a value (for other formats).
    pub fn json(&self) -> Option<serde_json::Value> {
        let parse = |rs: &[Answer]| {
            rs.iter()
                .map(|r| serde_json::from_str(&r.cell.json))
                .collect::<Result<Vec<serde_json::Value>, _>>()
        };
        let mut doc = serde_json::json!({
            "target": self.pos.target,
            "namespace": self.pos.namespace,
            "group": self.pos.group,
            "alerts": parse(&self.applied).ok()?,
            "disabled": parse(&self.disabled).ok()?,
        });
        if !self.jobs.is_empty() {
            doc["jobs"] = serde_json::json!(self.jobs);
        }
        Some(doc)
    }
}

/// Per alert the most specific stored cell at `pos` (a position the model resolved)
/// with its `effective` answer: the (applied, disabled) answers, for callers that hold
/// the model and want its answers without rendering every alert again. `None`: take
/// the full path.
pub fn answers_at_position(q: &Quick, pos: &Position) -> Option<(Vec<Answer>, Vec<Answer>)> {
    let at = fast_position(
        &q.cache,
        pos.target.as_deref(),
        pos.group.as_deref(),
        pos.namespace.as_deref(),
    )?;
    let want = Want {
        json: true,
        ..Want::default()
    };
    let rows = q
        .cache
        .answers_at(&q.fingerprint, &at.scopes(), want, None)?;
    Some(decide(rows, &at.runs))
}

impl FastEffective {
    /// `effective`'s human answer, each alert's lines printed from its stored answer.
    pub fn human_text(&self) -> Option<String> {
        let disabled = self
            .disabled
            .iter()
            .map(|r| serde_json::from_str(&r.cell.json))
            .collect::<Result<Vec<Value>, _>>()
            .ok()?;
        let subject = crate::render::present::with_jobs(&self.subject, &json!(self.jobs));
        let mut out =
            crate::render::present::effective_header(&subject, self.applied.len(), disabled.len());
        for a in &self.applied {
            out.push_str(&a.pieces.effective);
        }
        out.push_str(&crate::render::present::effective_disabled(disabled.iter()));
        Some(out)
    }
}

/// One applied alert of a `trace` answer: its `effective` answer, who set each field,
/// and with `--all` its rules that do not apply here; pieces printed by
/// [`crate::cache::query::trace_pieces_of`] (from the stored record, or from the model
/// on the full path).
pub struct TraceEntry {
    pub alert: String,
    /// Its `effective --format json` object, pretty (empty when only the human form is
    /// asked for).
    pub doc: String,
    pub pieces: TracePieces,
    /// With `--all`: (rule object, reason).
    pub not_applied: Option<Vec<(Value, String)>>,
}

/// `trace TARGET [ALERT]`: the applied alerts at a target, each traced.
pub struct TraceAnswer {
    /// The target as asked (an instance answers for its target).
    pub target: String,
    pub pos: Position,
    pub subject: String,
    pub entries: Vec<TraceEntry>,
}

/// The warm fast path of `trace`: with nothing changed since a full run, every applied
/// alert's answer and trace are indexed rows of the cache, fetched in one query. `None`:
/// take the full path (also for an alert that does not apply there, whose reason the
/// full path explains). `human`: only what the terminal form prints is read.
pub fn trace_fast(
    q: &Quick,
    target: &str,
    alert: Option<&str>,
    all: bool,
    human: bool,
) -> Option<TraceAnswer> {
    let at = fast_position(&q.cache, Some(target), None, None)?;
    let scopes = at.scopes();
    let want = Want {
        json: !human,
        fields: !human,
        trace: human,
        effective: false,
    };
    let rows = q.cache.answers_at(&q.fingerprint, &scopes, want, alert)?;
    let (applied, _) = decide(rows, &at.runs);
    if alert.is_some() && applied.is_empty() {
        return None;
    }
    let mut entries = Vec::with_capacity(applied.len());
    for r in applied {
        let not_applied = match all {
            true => Some(q.cache.not_applied(&r.cell.alert, &scopes)?),
            false => None,
        };
        entries.push(TraceEntry {
            alert: r.cell.alert,
            doc: r.cell.json,
            pieces: r.pieces,
            not_applied,
        });
    }
    Some(TraceAnswer {
        target: target.to_string(),
        pos: at.pos,
        subject: at.subject,
        entries,
    })
}

/// `trace` from the model: the alerts of `applied` (a [`crate::cache::query::at`] answer for
/// `pos`, filtered to one alert if asked), printed by the same functions as the fast path.
pub fn trace_full(
    model: &Model,
    target: &str,
    pos: &Position,
    subject: &str,
    applied: &[&crate::cache::query::Applied],
    all: bool,
) -> TraceAnswer {
    let entries = applied
        .iter()
        .map(|a| {
            let doc = crate::cache::query::alert_json(model, &a.provenance, &a.file, &a.rule);
            let pieces = crate::cache::query::trace_pieces(model, &a.template, &a.trace, &doc);
            let not_applied = all.then(|| {
                crate::cache::query::not_applied(model, &model.alerts[&a.alert], pos)
                    .into_iter()
                    .map(|(r, why)| (json!(r), why))
                    .collect()
            });
            TraceEntry {
                alert: a.alert.clone(),
                doc: serde_json::to_string_pretty(&doc).unwrap_or_default(),
                pieces,
                not_applied,
            }
        })
        .collect();
    TraceAnswer {
        target: target.to_string(),
        pos: pos.clone(),
        subject: subject.to_string(),
        entries,
    }
}

/// `text` with every line but the first indented by `by`: a pretty JSON value nested
/// one level deeper.
fn nest(text: &str, by: &str) -> String {
    text.lines().collect::<Vec<_>>().join(&format!("\n{by}"))
}

impl TraceEntry {
    /// `(rule, reason)` pairs as `trace --format json` shows them.
    fn not_applied_json(&self) -> Option<Value> {
        self.not_applied.as_ref().map(|na| {
            json!(na
                .iter()
                .map(|(r, why)| json!({"rule": r, "reason": why}))
                .collect::<Vec<_>>())
        })
    }

    /// The entry as `serde_json::to_string_pretty` prints the alert object with `fields`
    /// (and `not_applied`) added, spliced into the stored text instead of parsed: the
    /// keys are sorted, so `fields` comes right before `file` and `not_applied` right
    /// before `params`, two keys every alert object has.
    fn json_text(&self) -> String {
        let na = self
            .not_applied_json()
            .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default());
        let mut out = String::with_capacity(self.doc.len() + self.pieces.fields.len() + 64);
        for line in self.doc.lines() {
            if line.starts_with("  \"file\": ") {
                out.push_str("  \"fields\": ");
                out.push_str(&nest(&self.pieces.fields, "  "));
                out.push_str(",\n");
            }
            if let (Some(na), true) = (&na, line.starts_with("  \"params\": ")) {
                out.push_str("  \"not_applied\": ");
                out.push_str(&nest(na, "  "));
                out.push_str(",\n");
            }
            out.push_str(line);
            out.push('\n');
        }
        out.pop();
        out
    }

    /// The alert object with `fields` (and `not_applied`), for the other formats.
    fn value(&self) -> Option<Value> {
        let mut doc: Value = serde_json::from_str(&self.doc).ok()?;
        doc["fields"] = serde_json::from_str(&self.pieces.fields).ok()?;
        if let Some(na) = self.not_applied_json() {
            doc["not_applied"] = na;
        }
        Some(doc)
    }

    /// The alert's trace as the terminal shows it.
    fn human_text(&self, subject: &str) -> String {
        let mut out = format!("{} on {subject}\n", self.alert);
        out.push_str(&self.pieces.rules);
        if let Some(na) = &self.not_applied {
            out.push_str(&crate::render::present::trace_not_applied(na));
        }
        out.push_str(&self.pieces.table);
        out
    }
}

impl TraceAnswer {
    /// The document's keys after `alerts`, as [`crate::machine`] prints them.
    fn rest(&self) -> Value {
        json!({"target": self.target, "namespace": self.pos.namespace, "group": self.pos.group})
    }

    /// `trace --format json`, byte for byte what [`crate::machine::json_text`] prints
    /// for the whole document, without building it as a value.
    pub fn json_text(&self) -> String {
        let mut out = String::from("{\n  \"alerts\": [");
        for (i, e) in self.entries.iter().enumerate() {
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&nest(&e.json_text(), "    "));
        }
        out.push_str(if self.entries.is_empty() {
            "],"
        } else {
            "\n  ],"
        });
        let rest = crate::machine::json_text(self.rest());
        // `{\n  "group": ...` continues the document after `alerts`.
        out.push_str(rest.strip_prefix('{').unwrap_or_default());
        out
    }

    /// `trace --format yaml`, as [`crate::machine::yaml_text`] prints the document,
    /// one alert at a time.
    pub fn yaml_text(&self) -> Option<String> {
        let mut out = String::new();
        for (i, e) in self.entries.iter().enumerate() {
            if i == 0 {
                out.push_str("alerts:\n");
            }
            out.push_str(&serde_yaml::to_string(&[e.value()?]).ok()?);
        }
        if self.entries.is_empty() {
            out.push_str("alerts: []\n");
        }
        out.push_str(&crate::machine::yaml_text(self.rest()));
        Some(out)
    }

    /// `trace`'s human answer.
    pub fn human_text(&self) -> String {
        self.entries
            .iter()
            .map(|e| e.human_text(&self.subject))
            .collect()
    }
}

/// `list templates`: optionally of one default severity, one job, one name.
pub fn templates(
    cache: &Cache,
    severity: Option<&str>,
    job: Option<&str>,
    name: Option<&str>,
) -> rusqlite::Result<Vec<TemplateRow>> {
    let mut rows = cache.templates(severity)?;
    if let Some(j) = job {
        rows.retain(|r| r.job.as_deref() == Some(j));
    }
    if let Some(n) = name {
        rows.retain(|r| r.name == n);
    }
    Ok(rows)
}
