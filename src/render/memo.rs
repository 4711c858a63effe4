//! Alert renders kept between runs. After a one-file edit most alerts' dependency keys
//! ([`crate::cache::incremental`]) are unchanged, and so is everything rendering them
//! yields: their cells, rules and provenances are read back instead of resolved and
//! rendered again (the largest part of a one-file edit + `diff` on a large directory).
//!
//! An alert's lints are kept with it (by file path, span and label: the texts are
//! the model's, unchanged since the key is); an alert with a cell error is not kept
//! (errors store nothing anyway). The cache keeps an encoding beside the key it was
//! rendered under, authenticated and bound to the build that rendered it
//! (`Cache::alert_memos`; the cache's format names the build, `build.rs`); a decoded
//! render must fit the model where a later step would index into it.
//!
//! A rendered file is known by its own key ([`file_key`]): a hash of the rules it
//! holds. A command that compares the render with an output directory (`diff`) builds
//! only the files whose key changed or whose copy in the directory is not the one the
//! stored run built; the others are known by their content hash.
//!
//! `diff` goes further ([`Partial`]): a file's key is a hash of each of its alerts'
//! rules there ([`section_key`]), and each kept render has a summary beside it (the
//! files its rules go to with its section key in each, and its lints). From the
//! summaries and the alerts rendered now, every file's key is known without its rules:
//! a file whose key is the stored one is not built, and the renders of alerts found
//! only in such files are not read at all, only their lints. After a one-file edit on
//! a large directory that is all but a few dozen of thousands.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{AlertRender, DisabledCell, PromRule, Provenance};
use crate::cache::FileMemo;
use crate::diag::stored::StoredDiag;
use crate::diag::{Diagnostics, Span};
use crate::model::params::{Typed, Value};
use crate::model::resolve::{Alert, Model, Origin};
use crate::model::{ParamType, Scope};

/// What [`super::render_reusing`] takes from the last run and gives to the next one.
#[derive(Default)]
pub struct Memos<'k> {
    /// Alert name -> encoded render, for alerts whose key is unchanged (authenticated by
    /// the cache that read them).
    pub stored: HashMap<String, Vec<u8>>,
    /// Encode each alert rendered now, for the cache to keep.
    pub encode: bool,
    /// Give each file built its [`file_key`] and rule count, for the cache to keep
    /// (`Rendered::file_keys`) and to match against `files`. Needs `keys`.
    pub key_files: bool,
    /// Each alert's dependency key, and [`layout_key`] of the model.
    pub keys: Option<(&'k BTreeMap<String, String>, String)>,
    /// File name -> how the stored run built the files that need not be built: the
    /// caller knows its output directory holds exactly that content. A file whose key is
    /// the same now is only named in `Rendered::kept`, with its hash.
    pub files: HashMap<String, FileMemo>,
    /// Read back only what the files to build need (`diff`); `stored` is then empty.
    pub partial: Option<Partial<'k>>,
}

/// [`Memos::partial`]: the summaries of the alerts whose key is unchanged, and how to
/// read the renders of some of them.
pub struct Partial<'k> {
    /// Alert name -> summary ([`encode`]), for alerts whose key is unchanged and whose
    /// stored index rows are current (authenticated by the cache that read them).
    pub summaries: HashMap<String, Vec<u8>>,
    /// The stored renders of these alerts (name -> key), as [`Memos::stored`] holds them.
    #[allow(clippy::type_complexity)]
    pub fetch: Box<dyn Fn(&BTreeMap<&str, &str>) -> HashMap<String, Vec<u8>> + 'k>,
    /// Declines ([`super::render_reusing`] gives `None`) when more than [`bound`] of the
    /// alerts have no usable summary or of the files must be built: a caller that
    /// bounds its memory renders in batches then (`validate`).
    pub bounded: bool,
}

/// How many of `n` alerts (or files) a bounded partial render renders (or builds):
/// 256, or an eighth of them if more.
pub fn bound(n: usize) -> usize {
    256.max(n / 8)
}

/// What the cache keeps of a file built now, beside its content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKeys {
    /// Its [`file_key`].
    pub key: String,
    /// How many rules it holds.
    pub rules: usize,
}

/// What every rendered file is built from besides its rules (and the build, which the
/// whole cache is bound to): the rule groups' settings, which may be written in any
/// rules file, and which a file's scope takes by its place in the inventory (then part of the settings and inventory's key,
/// `global`, [`crate::cache::incremental::Keys`], is too). A file holds nothing else
/// of the settings or the inventory that its rules do not show.
pub fn layout_key(model: &Model, global: &str) -> String {
    let mut buf: Vec<u8> = Vec::new();
    let mut put = |bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(bytes);
    };
    put(if model.rule_groups.is_empty() {
        ""
    } else {
        global
    }
    .as_bytes());
    put(&(model.rule_groups.len() as u64).to_le_bytes());
    for g in &model.rule_groups {
        put(g.name.value.as_bytes());
        put(g.scope.value.to_string().as_bytes());
        put(format!("{:?}", g.interval.as_ref().map(|i| &i.value)).as_bytes());
        put(format!("{:?}", g.limit.as_ref().map(|l| l.value)).as_bytes());
    }
    blake3::hash(&buf).to_hex().to_string()
}

/// What a rendered file is built from, as one key: [`layout_key`], its name, and the
/// [`section_key`] of each alert with rules in it, in alert order (the order the render
/// gathers them in). So the same key means the same bytes, and a file's key is known
/// without its rules when every alert's sections are: `diff` need not build a file
/// whose key is the stored one ([`Partial`]).
pub fn file_key<'a>(
    layout: &str,
    name: &str,
    sections: impl IntoIterator<Item = (&'a str, &'a SectionKey)>,
) -> String {
    let mut h = blake3::Hasher::new();
    let mut put = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    put(layout.as_bytes());
    put(name.as_bytes());
    for (alert, section) in sections {
        put(alert.as_bytes());
        put(section);
    }
    h.finalize().to_hex().to_string()
}

/// One alert's rules in one rendered file, as one key: the file's scope, then each rule
/// as rendered (with its alert and template, the template's file and place, the cell
/// and rule group it is sorted by, and the files of its rule chain, which the header
/// names). Every field is length-prefixed and every list counted or ended, so the same
/// key means the same bytes. Hashing the rules costs a fraction of building the file.
pub fn section_key<'r>(
    model: &Model,
    scope: &Scope,
    rules: impl IntoIterator<Item = (&'r PromRule, &'r Provenance)>,
) -> SectionKey {
    // Gathered, then hashed at once: BLAKE3 is many times faster on one long input
    // than on the dozen short ones of each rule.
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let put = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(bytes);
    };
    put(&mut buf, scope.to_string().as_bytes());
    // An absent field, told apart from an empty one (no UTF-8 text is 0xff).
    fn opt(s: &Option<String>) -> &[u8] {
        s.as_deref().map_or(b"\xff", str::as_bytes)
    }
    for (r, p) in rules {
        buf.push(1);
        put(&mut buf, opt(&r.alert));
        put(&mut buf, opt(&r.record));
        put(&mut buf, r.expr.as_bytes());
        put(&mut buf, opt(&r.for_));
        put(&mut buf, opt(&r.keep_firing_for));
        for map in [&r.labels, &r.annotations] {
            put(&mut buf, &(map.len() as u64).to_le_bytes());
            for (k, v) in map.iter() {
                put(&mut buf, k.as_bytes());
                put(&mut buf, v.as_bytes());
            }
        }
        put(&mut buf, p.alert.as_bytes());
        put(&mut buf, p.template.as_bytes());
        let t = &model.templates[&p.template];
        put(&mut buf, t.file.as_bytes());
        put(&mut buf, &(t.span.start() as u64).to_le_bytes());
        put(&mut buf, p.cell.kind().as_bytes());
        put(&mut buf, p.cell.name().unwrap_or_default().as_bytes());
        put(&mut buf, opt(&p.rule_group));
        put(&mut buf, &(p.chain.len() as u64).to_le_bytes());
        for &i in &p.chain {
            put(&mut buf, model.rules[i].file.as_bytes());
        }
    }
    buf.push(0);
    *blake3::hash(&buf).as_bytes()
}

/// A [`section_key`]: BLAKE3, kept as bytes (there is one per alert and file).
pub type SectionKey = [u8; 32];

/// An output file's name, and the [`section_key`] of one alert's rules there.
pub type Section = (String, SectionKey);

/// Each output file `a`'s rules go to, with the [`section_key`] of its rules there, by
/// file name.
pub(super) fn sections(model: &Model, a: &AlertRender) -> Vec<Section> {
    let mut by_file: BTreeMap<&Scope, Vec<(&PromRule, &Provenance)>> = BTreeMap::new();
    for (scope, r, p) in &a.rules {
        by_file.entry(scope).or_default().push((r, p));
    }
    let mut out: Vec<Section> = by_file
        .into_iter()
        .map(|(scope, rules)| (super::file_name(scope), section_key(model, scope, rules)))
        .collect();
    out.sort();
    out
}

/// What `diff` reads of a kept render without the render: the output files its rules
/// go to with the [`section_key`] of its rules there ([`sections`]), and its lints (as
/// in [`Stored`]).
#[derive(Serialize, Deserialize)]
struct Summary<'a> {
    files: Vec<(Cow<'a, str>, SectionKey)>,
    lints: Vec<StoredDiag<'a>>,
}

#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    rules: Vec<StoredRule<'a>>,
    disabled: Vec<StoredDisabled<'a>>,
    unwatched: Vec<Cow<'a, Scope>>,
    lints: Vec<StoredDiag<'a>>,
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

/// The encodings of `a`'s render and of its summary ([`Summary`]; `sections` are
/// [`sections`] of `a`), or `None` if it has a cell error (not kept).
pub(super) fn encode(a: &AlertRender, sections: &[Section]) -> Option<(Vec<u8>, Vec<u8>)> {
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
        lints: a.lints.iter().map(StoredDiag::of).collect(),
    };
    let summary = Summary {
        files: sections
            .iter()
            .map(|(f, k)| (Cow::Borrowed(f.as_str()), *k))
            .collect(),
        lints: a.lints.iter().map(StoredDiag::of).collect(),
    };
    Some((
        postcard::to_stdvec(&stored).ok()?,
        postcard::to_stdvec(&summary).ok()?,
    ))
}

/// A kept render's summary: its [`sections`] and its lints; `None` (render it again)
/// if the bytes do not decode or a lint names a code or a file the model does not
/// have.
pub(super) fn decode_summary(model: &Model, bytes: &[u8]) -> Option<(Vec<Section>, Diagnostics)> {
    let (files, lints) = summary_as_stored(bytes)?;
    Some((files, lints_in(model, lints)?))
}

/// A kept render's summary as stored: its [`sections`] and its lints, not read back
/// against any text (a delta `diff`, [`crate::source::delta`], compares them as
/// stored). `None` if the bytes do not decode.
pub fn summary_as_stored(bytes: &[u8]) -> Option<(Vec<Section>, Vec<StoredDiag<'_>>)> {
    let summary: Summary = postcard::from_bytes(bytes).ok()?;
    let files = summary
        .files
        .into_iter()
        .map(|(f, k)| (f.into_owned(), k))
        .collect();
    Some((files, summary.lints))
}

/// Stored lints against the model's texts; `None` if one names a code or a file the
/// model does not have.
fn lints_in(model: &Model, stored: Vec<StoredDiag>) -> Option<Diagnostics> {
    let mut lints = Diagnostics::default();
    for d in stored {
        lints.push(d.back(&mut |p: &str| model.sources.get(p).cloned())?);
    }
    Some(lints)
}

/// `alert`'s render from its encoding; `None` (render it again) if the bytes do not
/// decode, or name a rule index, a diagnostic code or a lint's source file the model
/// does not have (the alert's template must exist too): later steps index the model
/// by them. Only the rules of the file scopes `keep` takes are decoded: a partial
/// render builds a few files, and after a global rule's edit reads every alert back
/// for one of them.
pub(super) fn decode(
    model: &Model,
    alert: &Alert,
    bytes: &[u8],
    keep: &dyn Fn(&Scope) -> bool,
) -> Option<AlertRender> {
    let stored: Stored = postcard::from_bytes(bytes).ok()?;
    let template = model.templates.get(alert.template.as_str())?;
    let rule_group = template.rule_group.as_ref().map(|g| &g.value);
    let n = model.rules.len();
    let mut rules = Vec::with_capacity(stored.rules.len());
    for r in stored.rules {
        if r.chain.iter().any(|&i| i >= n) {
            return None;
        }
        if !keep(&r.file_scope) {
            continue;
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
    Some(AlertRender {
        lints: lints_in(model, stored.lints)?,
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
                let of = sections(model, &a);
                let Some((bytes, summary)) = encode(&a, &of) else {
                    assert!(!a.keyed.is_empty());
                    continue;
                };
                let back = decode(model, alert, &bytes, &|_| true).expect("decodes");
                // Decoded for the global file only: its rules, in order.
                let global = |s: &Scope| *s == Scope::Global;
                let only = decode(model, alert, &bytes, &global).expect("decodes");
                let want: Vec<_> = a.rules.iter().filter(|(s, ..)| global(s)).collect();
                assert_eq!(
                    format!("{:?}", only.rules.iter().collect::<Vec<_>>()),
                    format!("{want:?}")
                );
                let (summary_sections, summary_lints) =
                    decode_summary(model, &summary).expect("the summary decodes");
                assert_eq!(summary_sections, of);
                assert_eq!(sections(model, &back), of);
                assert_eq!(format!("{summary_lints:?}"), format!("{:?}", a.lints));
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
                assert!(a.rules.is_empty() || decode(model, &other, &bytes, &|_| true).is_none());
                assert!(decode(model, alert, &bytes[..bytes.len() / 2], &|_| true).is_none());
            }
        }
        assert!(kept > 0 && lints > 0, "{kept} kept, {lints} lints");
    }

    /// A file's key known from its alerts' summaries alone (what `diff` matches the
    /// stored files with) is the key the render gives the file it builds, for every
    /// file of the example.
    #[test]
    fn file_keys_from_summaries_are_those_of_the_files_built() {
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate");
        let (project, _) = crate::source::project::load(&example, false).unwrap();
        let model = &project.model;
        let keys: BTreeMap<String, String> = model
            .alerts
            .keys()
            .map(|a| (a.clone(), format!("key of {a}")))
            .collect();
        let layout = layout_key(model, "global");
        let memos = Memos {
            encode: true,
            key_files: true,
            keys: Some((&keys, layout.clone())),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        let out = super::super::render_reusing(model, &mut diags, &Default::default(), memos);
        assert!(!diags.has_errors());
        let mut from_summaries: BTreeMap<String, Vec<(String, SectionKey)>> = BTreeMap::new();
        for (alert, _, summary) in &out.memos {
            let (of, _) = decode_summary(model, summary).unwrap();
            for (file, section) in of {
                from_summaries
                    .entry(file)
                    .or_default()
                    .push((alert.clone(), section));
            }
        }
        let built: BTreeMap<String, String> = out
            .file_keys
            .iter()
            .map(|(name, k)| (name.clone(), k.key.clone()))
            .collect();
        assert_eq!(built.len(), out.files.len());
        let known: BTreeMap<String, String> = from_summaries
            .iter()
            .map(|(file, of)| {
                let key = file_key(&layout, file, of.iter().map(|(a, k)| (a.as_str(), k)));
                (file.clone(), key)
            })
            .collect();
        assert_eq!(known, built);
        // The layout is part of every key.
        let other = file_key("another layout", "global.yml", []);
        assert_ne!(other, file_key(&layout, "global.yml", []));
    }
}
