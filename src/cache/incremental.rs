//! What a warm run after an edit can keep: each alert's dependency key, the hash of
//! every source its cache index rows (`effective`'s cells, `trace`'s details) are computed
//! from. An alert whose key is unchanged keeps its stored rows; only the others are
//! computed and written again.
//!
//! The key is deliberately coarse (whole files, not single rules): an alert depends on
//! the settings, every inventory, `_lib` and Alertmanager file (a change there changes
//! every key), its template's file, every file holding one of its rules, and those rules'
//! positions in the model (the rows carry each rule's index, which a rule added or removed
//! in an earlier file shifts). The query index's inventory rows (targets, groups,
//! namespaces) depend on the global part alone.

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
            let mut files = BTreeSet::new();
            let mut rules = |buf: &mut Vec<u8>, idxs: &[usize]| {
                for &i in idxs {
                    buf.extend_from_slice(&(i as u64).to_le_bytes());
                    files.insert(&*model.rules[i].file);
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
            buf.extend_from_slice(b"\0files");
            for f in files {
                put(buf, f, hash_of(f));
            }
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
                let mut files = BTreeSet::new();
                h.update(b"\0rules");
                for (scope, idxs) in &alert.by_scope {
                    h.update(b"\0");
                    h.update(scope.to_string().as_bytes());
                    for &i in idxs {
                        h.update(&(i as u64).to_le_bytes());
                        files.insert(&*model.rules[i].file);
                    }
                }
                h.update(b"\0suspended");
                for &i in &suspended {
                    h.update(&(i as u64).to_le_bytes());
                    files.insert(&*model.rules[i].file);
                }
                h.update(b"\0files");
                for f in files {
                    put(&mut h, f, &hashes[f]);
                }
                (alert.name.clone(), h.finalize().to_hex().to_string())
            })
            .collect();
        assert!(alerts.len() > 3, "{alerts:?}");
        assert_eq!(keys.alerts, alerts);
        assert_eq!(keys.global, global.finalize().to_hex().to_string());
    }
}
