//! Questions answered from the SQLite cache without reading the rules directory: the
//! warm fast path of `effective` and the `list` filters, shared by the CLI and `serve`.

use std::collections::BTreeMap;

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
}

/// With nothing changed since a full run, the `effective` answer for a target (or, with
/// `None`, for series outside the inventory) is a few indexed rows of the cache: no file
/// read or parsed. `None`: take the full path.
pub fn effective_fast(q: &Quick, target: Option<&str>) -> Option<FastEffective> {
    let (pos, subject) = match target {
        Some(t) => {
            let (grp, ns) = q.cache.target(t)?;
            let pos = Position {
                namespace: ns,
                group: grp,
                target: Some(t.to_string()),
            };
            let shown = crate::query::target_subject(t, &pos);
            (pos, shown)
        }
        None => (
            Position::default(),
            "series outside the inventory (global)".to_string(),
        ),
    };
    let scopes: Vec<String> = pos.scopes().iter().map(ToString::to_string).collect();
    let rows = q.cache.cells_at(&q.fingerprint, &scopes)?;
    // Per alert, the most specific cell holding the position decides.
    let mut best: BTreeMap<String, CellRow> = BTreeMap::new();
    for r in rows {
        if best
            .get(&r.alert)
            .is_none_or(|b| r.specificity > b.specificity)
        {
            best.insert(r.alert.clone(), r);
        }
    }
    let (applied, disabled): (Vec<_>, Vec<_>) =
        best.into_values().partition(|r| r.kind == "applied");
    Some(FastEffective {
        pos,
        subject,
        applied,
        disabled,
    })
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
        format!(
            "{{\n  \"alerts\": {},\n  \"disabled\": {},\n  \"group\": {},\n  \"namespace\": {},\n  \"schema\": {},\n  \"target\": {}\n}}\n",
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
        Some(serde_json::json!({
            "target": self.pos.target,
            "namespace": self.pos.namespace,
            "group": self.pos.group,
            "alerts": parse(&self.applied).ok()?,
            "disabled": parse(&self.disabled).ok()?,
        }))
    }
}

/// `list templates`: optionally of one default severity, optionally one name.
pub fn templates(
    cache: &Cache,
    severity: Option<&str>,
    name: Option<&str>,
) -> rusqlite::Result<Vec<TemplateRow>> {
    let mut rows = cache.templates(severity)?;
    if let Some(n) = name {
        rows.retain(|r| r.name == n);
    }
    Ok(rows)
}
