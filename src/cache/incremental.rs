//! What a warm run after an edit can keep: each alert's dependency key, the hash of
//! every source its cache index rows (`effective`'s cells, `trace`'s details) are computed
//! from. An alert whose key is unchanged keeps its stored rows; only the others are
//! computed and written again.
//!
//! An alert depends on the settings, every inventory, `_lib` and Alertmanager file (a
//! change there changes every key), its template's file, its rules, and those rules'
//! positions in the model (the rows carry each rule's index, which a rule added or
//! removed in an earlier file shifts). A rule is known by the lines of its file it was
//! read from, where they start and their first line's number (`put_rule`), not by the
//! whole file: a threshold changed in a file of thirty alerts' rules recomputes one
//! alert, unless the edit moved the bytes or lines of the rules after it. The query index's
//! inventory rows (targets, groups, namespaces) depend on the global part alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use crate::model::resolve::Model;
use crate::source::parse::FileKind;

/// The dependency keys of one load (hex BLAKE3).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// Settings and every inventory, `_lib` and Alertmanager file: part of every alert's
    /// key, and alone the key of the inventory's index rows.
    pub global: String,
    /// Alert name -> key.
    pub alerts: BTreeMap<String, String>,
    /// Rules file -> key of its rules' index rows: the global part, the file, and the
    /// files of the templates its rules name (an alert's name can be its template's).
    pub files: BTreeMap<String, String>,
}

/// The keys of `model`. `hashes`: every source file's content hash by path relative to
/// the rules directory.
pub fn keys(model: &Model, hashes: &HashMap<String, String>) -> Keys {
    let mut global = blake3::Hasher::new();
    global.update(env!("CARGO_PKG_VERSION").as_bytes());
    let settings = model
        .sources
        .get(crate::source::settings::FILE_NAME)
        .map_or("", |s| s.text());
    global.update(b"\0settings\0");
    global.update(settings.as_bytes());
    let mut shared: Vec<(&String, &String)> = hashes
        .iter()
        .filter(|(p, _)| !matches!(FileKind::of(p), Some(FileKind::Templates | FileKind::Rules)))
        .collect();
    shared.sort();
    let mut buf = Vec::new();
    for (path, hash) in shared {
        put(&mut buf, path, hash);
    }
    global.update(&buf);
    let missing = String::new();
    let hash_of = |path: &str| hashes.get(path).unwrap_or(&missing);
    // Suspended rules are in no alert's `by_scope`, but `trace --all` lists them.
    let mut suspended: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in model.rules.iter().enumerate() {
        if r.is_suspended() {
            suspended.entry(model.rule_name(r)).or_default().push(i);
        }
    }
    let lines = rule_lines(model);
    // Each alert's key on its own: on every core. Its bytes are gathered, then hashed at
    // once: BLAKE3 is many times faster on one long input than on many short ones, and
    // the key is the same (the hash of the same bytes).
    let alerts = model
        .alerts
        .par_iter()
        .map_init(Vec::new, |buf, (_, alert)| {
            buf.clear();
            buf.extend_from_slice(b"\0alert\0");
            buf.extend_from_slice(alert.name.as_bytes());
            if let Some(t) = model.templates.get(&alert.template) {
                buf.extend_from_slice(b"\0template\0");
                put(buf, &t.file, hash_of(&t.file));
            }
            let rules = |buf: &mut Vec<u8>, idxs: &[usize]| {
                for &i in idxs {
                    buf.extend_from_slice(&(i as u64).to_le_bytes());
                    put_rule(buf, &model.rules[i], &lines[i]);
                }
            };
            buf.extend_from_slice(b"\0rules");
            for (scope, idxs) in &alert.by_scope {
                // The scope as displayed (`kind/name`, or `global`), without formatting.
                buf.push(0);
                buf.extend_from_slice(scope.kind().as_bytes());
                if let Some(name) = scope.name() {
                    buf.push(b'/');
                    buf.extend_from_slice(name.as_bytes());
                }
                rules(buf, idxs);
            }
            buf.extend_from_slice(b"\0suspended");
            rules(buf, suspended.get(&alert.name).map_or(&[], Vec::as_slice));
            let mut h = global.clone();
            h.update(buf);
            (alert.name.clone(), h.finalize().to_hex().to_string())
        })
        .collect();
    // A file's rules are one run of `model.rules` (files are gathered in turn): each
    // run's templates are collected, and each file's key hashed, on every core.
    let runs: Vec<(&str, BTreeSet<&str>)> = model
        .rules
        .par_chunk_by(|a, b| std::sync::Arc::ptr_eq(&a.file, &b.file) || a.file == b.file)
        .map(|run| {
            let templates = run.iter().map(|r| r.template.value.as_str()).collect();
            (&*run[0].file, templates)
        })
        .collect();
    let mut by_file: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (file, templates) in runs {
        by_file.entry(file).or_default().extend(templates);
    }
    let files = by_file
        .into_par_iter()
        .map_init(Vec::new, |buf, (file, templates)| {
            buf.clear();
            buf.extend_from_slice(b"\0rules file");
            put(buf, file, hash_of(file));
            for t in templates {
                let tfile = model.templates.get(t).map_or("", |t| &*t.file);
                put(buf, t, tfile);
                buf.extend_from_slice(hash_of(tfile).as_bytes());
            }
            let mut h = global.clone();
            h.update(buf);
            (file.to_string(), h.finalize().to_hex().to_string())
        })
        .collect();
    Keys {
        global: global.finalize().to_hex().to_string(),
        alerts,
        files,
    }
}

/// Where a rule was read from: the whole lines its [`Rule::extent`] touches.
struct Lines<'t> {
    /// Byte offset of the first line, and its 1-based number.
    offset: usize,
    line: usize,
    text: &'t str,
}

/// [`Lines`] of each rule, by index (`None`: no text for its file). A file's rules are
/// counted in one pass over it when they come in file order (as parsed), on every core.
fn rule_lines(model: &Model) -> Vec<Option<Lines<'_>>> {
    model
        .rules
        .par_chunk_by(|a, b| std::sync::Arc::ptr_eq(&a.file, &b.file) || a.file == b.file)
        .flat_map_iter(|run| {
            let text = model.sources.get(&*run[0].file).map(|s| &**s.text());
            // (offset, its 1-based line): lines counted so far.
            let mut counted = (0, 1);
            run.iter().map(move |r| {
                let text = text?;
                let bytes = text.as_bytes();
                let extent = r.extent();
                let hi = extent.end().min(bytes.len());
                let lo = extent.start().min(hi);
                let first = bytes[..lo]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let last = bytes[hi..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| hi + i);
                if first < counted.0 {
                    counted = (0, 1);
                }
                let breaks = bytes[counted.0..first].iter().filter(|&&b| b == b'\n');
                counted = (first, counted.1 + breaks.count());
                Some(Lines {
                    offset: first,
                    line: counted.1,
                    // Both ends are next to a line break or at an end of the text: on
                    // character boundaries.
                    text: &text[first..last],
                })
            })
        })
        .collect()
}

/// A rule's part of its alert's key: its file, and the lines it was read from with
/// their offset and first line number. Every key and value of a rule is written in
/// those lines (a rule is a list item of its own), and they fix every span, line and
/// column its rows and lints show, unless it uses an alias (`*name`, also in a `<<`
/// merge), which brings in text from elsewhere: then its fields as parsed are added
/// (values and spans; the anchor's lines are in its extent). Length-prefixed.
fn put_rule(buf: &mut Vec<u8>, rule: &crate::model::Rule, lines: &Option<Lines>) {
    let prefixed = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(bytes);
    };
    prefixed(buf, rule.file.as_bytes());
    let aliased = match lines {
        Some(l) => {
            buf.extend_from_slice(&(l.offset as u64).to_le_bytes());
            buf.extend_from_slice(&(l.line as u64).to_le_bytes());
            prefixed(buf, l.text.as_bytes());
            l.text.contains('*')
        }
        None => {
            buf.extend_from_slice(&u64::MAX.to_le_bytes());
            true
        }
    };
    if aliased {
        let encoded = postcard::to_stdvec(rule).expect("a rule encodes");
        prefixed(buf, &encoded);
    }
}

fn put(buf: &mut Vec<u8>, path: &str, hash: &str) {
    buf.push(0);
    buf.extend_from_slice(path.as_bytes());
    buf.push(0);
    buf.extend_from_slice(hash.as_bytes());
}

/// The alerts whose stored rows must be (re)written (`changed`: new key, or no stored
/// key) and those whose rows must only go (`removed`: no longer an alert).
pub fn changes<'k>(
    keys: &'k BTreeMap<String, String>,
    stored: &HashMap<String, String>,
) -> (BTreeSet<&'k str>, Vec<String>) {
    let changed = keys
        .iter()
        .filter(|(a, k)| stored.get(*a) != Some(*k))
        .map(|(a, _)| a.as_str())
        .collect();
    let mut removed: Vec<String> = stored
        .keys()
        .filter(|a| !keys.contains_key(*a))
        .cloned()
        .collect();
    removed.sort();
    (changed, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys' definition, fed to the hasher piece by piece.
    fn put(h: &mut blake3::Hasher, path: &str, hash: &str) {
        h.update(b"\0");
        h.update(path.as_bytes());
        h.update(b"\0");
        h.update(hash.as_bytes());
    }

    /// The keys (the rules files', taken a run of rules at a time on every core, and the
    /// alerts', each hashed from one gathered buffer) are those of one pass over every
    /// rule feeding the hasher piece by piece: the stored keys stay valid across both.
    #[test]
    fn keys_are_those_of_one_pass_fed_piece_by_piece() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate");
        let (project, _) = crate::source::project::load(&root, false).unwrap();
        let model = &project.model;
        let hashes: HashMap<String, String> = model
            .sources
            .iter()
            .map(|(p, s)| (p.clone(), crate::source::load::content_hash(s.text())))
            .collect();
        let keys = keys(model, &hashes);

        let mut global = blake3::Hasher::new();
        global.update(env!("CARGO_PKG_VERSION").as_bytes());
        global.update(b"\0settings\0");
        global.update(
            model
                .source(crate::source::settings::FILE_NAME)
                .text()
                .as_bytes(),
        );
        let mut shared: Vec<_> = hashes
            .iter()
            .filter(|(p, _)| {
                !matches!(FileKind::of(p), Some(FileKind::Templates | FileKind::Rules))
            })
            .collect();
        shared.sort();
        for (path, hash) in shared {
            put(&mut global, path, hash);
        }
        let mut by_file: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in &model.rules {
            by_file
                .entry(&*r.file)
                .or_default()
                .insert(&r.template.value);
        }
        let expected: BTreeMap<String, String> = by_file
            .into_iter()
            .map(|(file, templates)| {
                let mut h = global.clone();
                h.update(b"\0rules file");
                put(&mut h, file, &hashes[file]);
                for t in templates {
                    let tfile = model.templates.get(t).map_or("", |t| &*t.file);
                    put(&mut h, t, tfile);
                    h.update(hashes.get(tfile).map_or("", String::as_str).as_bytes());
                }
                (file.to_string(), h.finalize().to_hex().to_string())
            })
            .collect();
        assert!(expected.len() > 3, "{expected:?}");
        assert_eq!(keys.files, expected);

        // Each alert's key, as one pass feeds it piece by piece.
        let alerts: BTreeMap<String, String> = model
            .alerts
            .values()
            .map(|alert| {
                let mut h = global.clone();
                h.update(b"\0alert\0");
                h.update(alert.name.as_bytes());
                if let Some(t) = model.templates.get(&alert.template) {
                    h.update(b"\0template\0");
                    put(&mut h, &t.file, &hashes[&*t.file]);
                }
                let suspended: Vec<usize> = (0..model.rules.len())
                    .filter(|&i| {
                        let r = &model.rules[i];
                        r.is_suspended() && model.rule_name(r) == alert.name
                    })
                    .collect();
                // A rule's index and part, each line found by scanning its file.
                let rule = |h: &mut blake3::Hasher, i: usize| {
                    let r = &model.rules[i];
                    let prefixed = |h: &mut blake3::Hasher, bytes: &[u8]| {
                        h.update(&(bytes.len() as u64).to_le_bytes());
                        h.update(bytes);
                    };
                    h.update(&(i as u64).to_le_bytes());
                    prefixed(h, r.file.as_bytes());
                    let text = model.source(&r.file).text();
                    let extent = r.extent();
                    let first = text[..extent.start()].rfind('\n').map_or(0, |i| i + 1);
                    let last = text[extent.end()..]
                        .find('\n')
                        .map_or(text.len(), |i| extent.end() + i);
                    let line = text[..first].matches('\n').count() + 1;
                    h.update(&(first as u64).to_le_bytes());
                    h.update(&(line as u64).to_le_bytes());
                    prefixed(h, text[first..last].as_bytes());
                    if text[first..last].contains('*') {
                        prefixed(h, &postcard::to_stdvec(r).unwrap());
                    }
                };
                h.update(b"\0rules");
                for (scope, idxs) in &alert.by_scope {
                    h.update(b"\0");
                    h.update(scope.to_string().as_bytes());
                    for &i in idxs {
                        rule(&mut h, i);
                    }
                }
                h.update(b"\0suspended");
                for &i in &suspended {
                    rule(&mut h, i);
                }
                (alert.name.clone(), h.finalize().to_hex().to_string())
            })
            .collect();
        assert!(alerts.len() > 3, "{alerts:?}");
        assert_eq!(keys.alerts, alerts);
        assert_eq!(keys.global, global.finalize().to_hex().to_string());
    }
}
