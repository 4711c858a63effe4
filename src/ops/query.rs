//! Questions answered from the SQLite cache without reading the rules directory: the
//! warm fast path of `effective` and the `list` filters, shared by the CLI and `serve`.

use std::collections::{BTreeMap, BTreeSet};

use crate::cache::{Cache, CellRow, TemplateRow};
use crate::project::Quick;
use crate::resolve::Position;

/// An `effective` answer from the cache index.
pub struct FastEffective {
    pub pos: Position,
    /// How the subject reads (`web-1:9100 (namespace prod, group web)`).
    pub subject: String,
    /// The stored answers (pretty JSON objects), per alert the most specific cell.
    pub applied: Vec<CellRow>,
    pub disabled: Vec<CellRow>,
    /// The target's jobs and their instances (empty when the inventory has no jobs).
    pub jobs: BTreeMap<String, String>,
}

/// With nothing changed since a full run, the `effective` answer for a target (or, with
/// `None`, for series outside the inventory) is a few indexed rows of the cache: no file
/// read or parsed. `None`: take the full path.
pub fn effective_fast(q: &Quick, target: Option<&str>) -> Option<FastEffective> {
    effective_fast_at(q, target, None, None)
}

/// [`effective_fast`] at a target, a group, a namespace, or (all `None`) globally.
pub fn effective_fast_at(
    q: &Quick,
    target: Option<&str>,
    group: Option<&str>,
    namespace: Option<&str>,
) -> Option<FastEffective> {
    let at = fast_position(&q.cache, target, group, namespace)?;
    let rows = q.cache.cells_at(&q.fingerprint, &at.scopes())?;
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
        let subject = crate::query::target_subject(t, &pos);
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

/// Per alert, the most specific stored cell holding the position decides; an alert of a
/// job not run there does not apply. Returns the (applied, disabled) answers.
pub fn decide(rows: Vec<CellRow>, runs: &Option<BTreeSet<String>>) -> (Vec<CellRow>, Vec<CellRow>) {
    let mut best: BTreeMap<String, CellRow> = BTreeMap::new();
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

impl FastEffective {
    /// The `effective --format json` document, byte for byte, assembled from the stored
    /// pretty-printed answers (keys sorted, as [`crate::machine::json_text`] prints)
    /// without parsing thousands of them.
    pub fn json_text(&self) -> String {
        let list = |rs: &[CellRow]| {
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
        let parse = |rs: &[CellRow]| {
            rs.iter()
                .map(|r| serde_json::from_str(&r.json))
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
