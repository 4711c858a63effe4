//! Alert renders kept between runs. After a one-file edit most alerts' dependency keys
//! ([`crate::cache::incremental`]) are unchanged, and so is everything rendering them
//! yields: their cells, rules and provenances are read back instead of resolved and
//! rendered again (the largest part of a one-file edit + `diff` on a large directory).
//!
//! An alert's lints are kept with it (by file path, span and label: the texts are
//! the model's, unchanged since the key is); an alert with a cell error is not kept
//! (errors store nothing anyway). The cache keeps an encoding beside the key it was
//! rendered under, authenticated and bound to the build that rendered it
//! (`Cache::alert_memos`, `build.rs`); a decoded render must fit the model where a
//! later step would index into it.
//!
//! A rendered file is known by its own key ([`file_key`]): a hash of the rules it
//! holds. A command that compares the render with an output directory (`diff`) builds
//! only the files whose key changed or whose copy in the directory is not the one the
//! stored run built; the others are known by their content hash.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::{AlertRender, DisabledCell, PromRule, Provenance};
use crate::diag::{Code, Diagnostic, Diagnostics, Location, Severity, Span};
use crate::model::params::{Typed, Value};
use crate::model::resolve::{Alert, Model, Origin};
use crate::model::{ParamType, Scope};

/// What [`super::render_reusing`] takes from the last run and gives to the next one.
#[derive(Debug, Default)]
pub struct Memos {
    /// Alert name -> encoded render, for alerts whose key is unchanged (authenticated by
    /// the cache that read them).
    pub stored: HashMap<String, Vec<u8>>,
    /// Encode each alert rendered now, for the cache to keep.
    pub encode: bool,
    /// Give each file built its [`file_key`], for the cache to keep
    /// (`Rendered::file_keys`) and to match against `files`.
    pub key_files: bool,
    /// File name -> (key, content hash) of stored files that need not be built: the
    /// caller knows its output directory holds exactly that content. A file whose key is
    /// the same now is only named in `Rendered::kept`, with its hash.
    pub files: HashMap<String, (String, String)>,
}

/// What a rendered file is built from, as one key: the build, the file's name and
/// scope, its rules as rendered (in order; each with its alert and template, the
/// template's file and place, the cell and rule group it is sorted by, and the files
/// of its rule chain, which the header names), and the settings of the named rule
/// groups it holds. Every field is length-prefixed and every list counted, so the same
/// key means the same bytes. Hashing the rules costs a fraction of building the file.
pub fn file_key(
    model: &Model,
    scope: &Scope,
    name: &str,
    rules: &[(PromRule, Provenance)],
) -> String {
    // Gathered, then hashed at once: BLAKE3 is many times faster on one long input
    // than on the dozen short ones of each rule.
    let mut buf: Vec<u8> = Vec::with_capacity(rules.len() * 512);
    let mut put = |bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(bytes);
    };
    put(env!("ALERTCTL_BUILD_ID").as_bytes());
    put(name.as_bytes());
    put(scope.to_string().as_bytes());
    put(&(rules.len() as u64).to_le_bytes());
    let mut groups: BTreeSet<&str> = BTreeSet::new();
    // An absent field, told apart from an empty one (no UTF-8 text is 0xff).
    fn opt(s: &Option<String>) -> &[u8] {
        s.as_deref().map_or(b"\xff", str::as_bytes)
    }
    for (r, p) in rules {
        put(opt(&r.alert));
        put(opt(&r.record));
        put(r.expr.as_bytes());
        put(opt(&r.for_));
        put(opt(&r.keep_firing_for));
        for map in [&r.labels, &r.annotations] {
            put(&(map.len() as u64).to_le_bytes());
            for (k, v) in map.iter() {
                put(k.as_bytes());
                put(v.as_bytes());
            }
        }
        put(p.alert.as_bytes());
        put(p.template.as_bytes());
        let t = &model.templates[&p.template];
        put(t.file.as_bytes());
        put(&(t.span.start() as u64).to_le_bytes());
        put(p.cell.kind().as_bytes());
        put(p.cell.name().unwrap_or_default().as_bytes());
        put(opt(&p.rule_group));
        put(&(p.chain.len() as u64).to_le_bytes());
        for &i in &p.chain {
            put(model.rules[i].file.as_bytes());
        }
        if let Some(g) = &p.rule_group {
            groups.insert(g);
        }
    }
    for g in groups {
        put(g.as_bytes());
        put(format!("{:?}", model.rule_group_settings(g, scope)).as_bytes());
    }
    blake3::hash(&buf).to_hex().to_string()
}

#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    rules: Vec<StoredRule<'a>>,
    disabled: Vec<StoredDisabled<'a>>,
    unwatched: Vec<Cow<'a, Scope>>,
    lints: Vec<StoredDiag<'a>>,
}

/// A lint: its code by name, its places by file path.
#[derive(Serialize, Deserialize)]
struct StoredDiag<'a> {
    code: Cow<'a, str>,
    severity: Severity,
    message: Cow<'a, str>,
    primary: Option<StoredLocation<'a>>,
    related: Vec<StoredLocation<'a>>,
    hint: Option<Cow<'a, str>>,
    notes: Vec<StoredDiag<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredLocation<'a> {
    path: Cow<'a, str>,
    span: Span,
    label: Cow<'a, str>,
}

fn location_out(l: &Location) -> StoredLocation<'_> {
    StoredLocation {
        path: Cow::Borrowed(&*l.source.path),
        span: l.span,
        label: Cow::Borrowed(&l.label),
    }
}

fn diag_out(d: &Diagnostic) -> StoredDiag<'_> {
    StoredDiag {
        code: Cow::Borrowed(d.code.as_str()),
        severity: d.severity,
        message: Cow::Borrowed(&d.message),
        primary: d.primary.as_ref().map(location_out),
        related: d.related.iter().map(location_out).collect(),
        hint: opt(&d.hint),
        notes: d.notes.iter().map(diag_out).collect(),
    }
}

/// `None` if a code or a file is not the model's.
fn diag_in(model: &Model, d: StoredDiag) -> Option<Diagnostic> {
    let loc = |l: StoredLocation| -> Option<Location> {
        Some(Location {
            source: model.sources.get(&*l.path)?.clone(),
            span: l.span,
            label: l.label.into_owned(),
        })
    };
    Some(Diagnostic {
        code: Code::parse(&d.code)?,
        severity: d.severity,
        message: d.message.into_owned(),
        primary: match d.primary {
            Some(l) => Some(loc(l)?),
            None => None,
        },
        related: d.related.into_iter().map(loc).collect::<Option<_>>()?,
        hint: own(d.hint),
        notes: d
            .notes
            .into_iter()
            .map(|n| diag_in(model, n))
            .collect::<Option<_>>()?,
    })
}

type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// A rendered rule, its file's scope and its provenance (whose alert, template and
/// rule group are the alert's).
#[derive(Serialize, Deserialize)]
struct StoredRule<'a> {
    file_scope: Cow<'a, Scope>,
    alert: Option<Cow<'a, str>>,
    record: Option<Cow<'a, str>>,
    expr: Cow<'a, str>,
    for_: Option<Cow<'a, str>>,
    keep_firing_for: Option<Cow<'a, str>>,
    labels: Pairs<'a>,
    annotations: Pairs<'a>,
    cell: Cow<'a, Scope>,
    chain: Cow<'a, [usize]>,
    recording: bool,
    severity: Option<Cow<'a, str>>,
    params: Vec<(Cow<'a, str>, StoredTyped)>,
    job: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize)]
struct StoredTyped {
    ty: ParamType,
    value: StoredValue,
}

#[derive(Serialize, Deserialize)]
enum StoredValue {
    Number(f64),
    Text(String),
    List(Vec<StoredTyped>),
}

#[derive(Serialize, Deserialize)]
struct StoredDisabled<'a> {
    cell: Cow<'a, Scope>,
    /// `Some(name)`: set by the template `name`; `None`: by the rule `index`.
    template: Option<Cow<'a, str>>,
    index: usize,
    file: Cow<'a, str>,
    span: Span,
    job: Option<Cow<'a, str>>,
}

fn pairs(m: &crate::model::vecmap::VecMap<String, String>) -> Pairs<'_> {
    m.iter()
        .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
        .collect()
}

fn typed_out(t: &Typed) -> StoredTyped {
    StoredTyped {
        ty: t.ty,
        value: match &t.value {
            Value::Number(n) => StoredValue::Number(*n),
            Value::Text(s) => StoredValue::Text(s.clone()),
            Value::List(items) => StoredValue::List(items.iter().map(typed_out).collect()),
        },
    }
}

fn typed_in(t: StoredTyped) -> Typed {
    Typed {
        ty: t.ty,
        value: match t.value {
            StoredValue::Number(n) => Value::Number(n),
            StoredValue::Text(s) => Value::Text(s),
            StoredValue::List(items) => Value::List(items.into_iter().map(typed_in).collect()),
        },
    }
}

fn opt(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(Cow::Borrowed)
}

fn own(s: Option<Cow<'_, str>>) -> Option<String> {
    s.map(Cow::into_owned)
}

/// The encoding of `a`'s render, or `None` if it has a cell error (not kept).
pub(super) fn encode(a: &AlertRender) -> Option<Vec<u8>> {
    if !a.keyed.is_empty() {
        return None;
    }
    let rules = a
        .rules
        .iter()
        .map(|(scope, r, p)| StoredRule {
            file_scope: Cow::Borrowed(scope),
            alert: opt(&r.alert),
            record: opt(&r.record),
            expr: Cow::Borrowed(&r.expr),
            for_: opt(&r.for_),
            keep_firing_for: opt(&r.keep_firing_for),
            labels: pairs(&r.labels),
            annotations: pairs(&r.annotations),
            cell: Cow::Borrowed(&p.cell),
            chain: Cow::Borrowed(&p.chain),
            recording: p.recording,
            severity: opt(&p.severity),
            params: p
                .params
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), typed_out(v)))
                .collect(),
            job: opt(&p.job),
        })
        .collect();
    let disabled = a
        .disabled
        .iter()
        .map(|d| {
            let (template, index) = match &d.by {
                Origin::Template { name, .. } => (Some(Cow::Borrowed(name.as_str())), 0),
                Origin::Rule { index, .. } => (None, *index),
            };
            StoredDisabled {
                cell: Cow::Borrowed(&d.cell),
                template,
                index,
                file: Cow::Borrowed(d.by.file()),
                span: d.by.span(),
                job: opt(&d.job),
            }
        })
        .collect();
    let stored = Stored {
        rules,
        disabled,
        unwatched: a.unwatched.iter().map(|(_, s)| Cow::Borrowed(s)).collect(),
        lints: a.lints.iter().map(diag_out).collect(),
    };
    postcard::to_stdvec(&stored).ok()
}

/// `alert`'s render from its encoding; `None` (render it again) if the bytes do not
/// decode, or name a rule index, a diagnostic code or a lint's source file the model
/// does not have (the alert's template must exist too): later steps index the model
/// by them.
pub(super) fn decode(model: &Model, alert: &Alert, bytes: &[u8]) -> Option<AlertRender> {
    let stored: Stored = postcard::from_bytes(bytes).ok()?;
    let template = model.templates.get(alert.template.as_str())?;
    let rule_group = template.rule_group.as_ref().map(|g| &g.value);
    let n = model.rules.len();
    let mut rules = Vec::with_capacity(stored.rules.len());
    for r in stored.rules {
        if r.chain.iter().any(|&i| i >= n) {
            return None;
        }
        let rule = PromRule {
            alert: own(r.alert),
            record: own(r.record),
            expr: r.expr.into_owned(),
            for_: own(r.for_),
            keep_firing_for: own(r.keep_firing_for),
            labels: r
                .labels
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            annotations: r
                .annotations
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        };
        let provenance = Provenance {
            alert: alert.name.clone(),
            template: alert.template.clone(),
            cell: r.cell.into_owned(),
            chain: r.chain.into_owned(),
            recording: r.recording,
            severity: own(r.severity),
            params: r
                .params
                .into_iter()
                .map(|(k, v)| (k.into_owned(), typed_in(v)))
                .collect(),
            job: own(r.job),
            rule_group: rule_group.cloned(),
        };
        rules.push((r.file_scope.into_owned(), rule, provenance));
    }
    let mut disabled = Vec::with_capacity(stored.disabled.len());
    for d in stored.disabled {
        let file: std::sync::Arc<str> = d.file.as_ref().into();
        let by = match d.template {
            Some(name) => Origin::Template {
                name: name.into_owned(),
                file,
                span: d.span,
            },
            None if d.index < n => Origin::Rule {
                index: d.index,
                file,
                span: d.span,
            },
            None => return None,
        };
        disabled.push(DisabledCell {
            alert: alert.name.clone(),
            cell: d.cell.into_owned(),
            by,
            job: own(d.job),
        });
    }
    let mut lints = Diagnostics::default();
    for d in stored.lints {
        lints.push(diag_in(model, d)?);
    }
    Some(AlertRender {
        lints,
        keyed: Vec::new(),
        disabled,
        unwatched: stored
            .unwatched
            .into_iter()
            .map(|s| (alert.name.clone(), s.into_owned()))
            .collect(),
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every alert of the example and of a directory with lints reads back as it was
    /// rendered, lints included; not under another template, nor cut short.
    #[test]
    fn a_kept_render_reads_back_as_rendered() {
        let (mut kept, mut lints) = (0, 0);
        for dir in [
            "examples/node-estate",
            "tests/fixtures/warnings/scoped-queries",
        ] {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            let (project, _) = crate::source::project::load(&root, false).unwrap();
            let model = &project.model;
            for alert in model.alerts.values() {
                let mut r = super::super::Renderer::new(model);
                let a = super::super::render_alert(model, &mut r, alert);
                let Some(bytes) = encode(&a) else {
                    assert!(!a.keyed.is_empty());
                    continue;
                };
                let back = decode(model, alert, &bytes).expect("decodes");
                assert_eq!(format!("{:?}", back.rules), format!("{:?}", a.rules));
                assert_eq!(format!("{:?}", back.disabled), format!("{:?}", a.disabled));
                assert_eq!(back.unwatched, a.unwatched);
                assert_eq!(format!("{:?}", back.lints), format!("{:?}", a.lints));
                assert!(back.keyed.is_empty());
                kept += 1;
                lints += a.lints.len();
                let other = Alert {
                    template: "no such template".into(),
                    ..alert.clone()
                };
                assert!(a.rules.is_empty() || decode(model, &other, &bytes).is_none());
                assert!(decode(model, alert, &bytes[..bytes.len() / 2]).is_none());
            }
        }
        assert!(kept > 0 && lints > 0, "{kept} kept, {lints} lints");
    }
}
