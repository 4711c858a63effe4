//! What a warm run after an edit can keep: each alert's dependency key, the hash of
//! every source its cache index rows (`effective`'s cells, `trace`'s details) are computed
//! from. An alert whose key is unchanged keeps its stored rows; only the others are
//! computed and written again.
//!
//! An alert depends on the settings, every inventory, `_lib` and Alertmanager file (a
//! change there changes every key), its template's file, its rules, and those rules'
//! positions in the model (the rows carry each rule's index, which a rule added or
//! removed in an earlier file shifts). A rule is known by its own text, where it starts
//! and its first line's number, not by the whole file (unless the file may use a YAML
//! alias or has a directive: [`Part`]): a threshold changed in a file of thirty alerts'
//! rules recomputes one alert, unless the edit moved the bytes or lines of the rules
//! after it. The query index's inventory rows (targets, groups, namespaces) depend on
//! the global part alone.

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
    let parts = rule_parts(model);
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
                buf.extend_from_slice(&(idxs.len() as u64).to_le_bytes());
                for &i in idxs {
                    buf.extend_from_slice(&(i as u64).to_le_bytes());
                    put_rule(buf, &model.rules[i], &parts[i], hashes);
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

/// What of its file a rule's part of its alert's key holds.
enum Part<'t> {
    /// The rule's own text: from the start of the line it starts on to where the next
    /// rule of the file starts (or the end of the file), the byte offset of that line and
    /// its 1-based number. In a file without aliases, every key and value of the rule is
    /// written there (each rule is a list item of its own, and starts where it is
    /// written), and with the place they fix every span, line and column its rows and
    /// lints show.
    Lines {
        offset: usize,
        line: usize,
        text: &'t str,
    },
    /// The whole file's content hash, for every rule of a file that may use a YAML
    /// alias (it holds a `*`): an alias brings in text from elsewhere in the file, and a
    /// rule that is an alias starts where its anchor is written, which cuts the rule
    /// before it short. Also for a file with a YAML directive ([`whole`]), a file whose
    /// rules are not in text order or start past its end, or one that has no text.
    File,
}

/// Each rule's [`Part`], by index. A file's rules are one run of `model.rules` (files
/// are gathered in turn), each file's lines counted in one pass, on every core.
fn rule_parts(model: &Model) -> Vec<Part<'_>> {
    model
        .rules
        .par_chunk_by(|a, b| std::sync::Arc::ptr_eq(&a.file, &b.file) || a.file == b.file)
        .flat_map_iter(|run| {
            let text = model.sources.get(&*run[0].file).map(|s| &**s.text());
            let in_order = run
                .windows(2)
                .all(|w| w[0].span.start() < w[1].span.start());
            let text = text
                .filter(|t| in_order && !whole(t) && run.iter().all(|r| r.span.start() <= t.len()));
            let Some(text) = text else {
                return run.iter().map(|_| Part::File).collect::<Vec<_>>();
            };
            let bytes = text.as_bytes();
            // (offset, its 1-based line): lines counted so far.
            let mut counted = (0, 1);
            let ends = run
                .iter()
                .skip(1)
                .map(|r| r.span.start())
                .chain([bytes.len()]);
            run.iter()
                .zip(ends)
                .map(|(r, end)| {
                    let start = r.span.start();
                    let first = bytes[..start]
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |i| i + 1);
                    let breaks = bytes[counted.0..first].iter().filter(|&&b| b == b'\n');
                    counted = (first, counted.1 + breaks.count());
                    Part::Lines {
                        offset: first,
                        line: counted.1,
                        // A line's start and a span's start are on character boundaries.
                        text: &text[first..end],
                    }
                })
                .collect()
        })
        .collect()
}

/// Whether every rule of a file with this text is keyed by the whole file ([`Part`]): it
/// may use a YAML alias (it holds a `*`), or it may have a directive, whose text the
/// YAML parser counts in bytes where it counts the rest in characters, so that a
/// same-length edit there moves every later span. The parser starts a directive with
/// a `%` at the start of a line, after `\n` or a lone `\r`, and after byte order marks.
fn whole(text: &str) -> bool {
    text.contains('*')
        || (text.contains('%')
            && text
                .split(['\n', '\r'])
                .any(|line| line.trim_start_matches('\u{feff}').starts_with('%')))
}

/// A rule's part of its alert's key (see [`Part`]), after its file's name.
/// Length-prefixed.
fn put_rule(
    buf: &mut Vec<u8>,
    rule: &crate::model::Rule,
    part: &Part,
    hashes: &HashMap<String, String>,
) {
    let prefixed = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        buf.extend_from_slice(bytes);
    };
    prefixed(buf, rule.file.as_bytes());
    match part {
        Part::Lines { offset, line, text } => {
            buf.push(0);
            buf.extend_from_slice(&(*offset as u64).to_le_bytes());
            buf.extend_from_slice(&(*line as u64).to_le_bytes());
            prefixed(buf, text.as_bytes());
        }
        Part::File => {
            buf.push(1);
            let hash = hashes.get(&*rule.file).map_or("", String::as_str);
            prefixed(buf, hash.as_bytes());
        }
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
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate");
        assert_keys_as_defined(&example);
        // The same with aliases, a rule that is an alias of another, a directive and a
        // kept blank line ending a rule.
        let tmp = tempfile::tempdir().unwrap();
        crate::test_support::copy_dir(&example, tmp.path());
        let global = tmp.path().join("rules/global.yaml");
        let text = std::fs::read_to_string(&global).unwrap();
        let edited = text
            .replacen("labels: { team: sre }", "labels: &l { team: sre }", 1)
            .replacen("labels: { team: sre }", "labels: *l", 1);
        assert!(edited.contains("&l {") && edited.contains("labels: *l"));
        std::fs::write(&global, edited).unwrap();
        // A rule that is an alias of a mapping anchored inside the rule before it.
        std::fs::write(
            tmp.path().join("rules/aliased.yaml"),
            "- <<: &r {template: MemoryLow, scope: global, priority: 5}\n  template: HighCPU\n  priority: 6\n- *r\n",
        )
        .unwrap();
        // A directive, whose text the parser counts in bytes.
        std::fs::write(
            tmp.path().join("rules/directive.yaml"),
            "%YAML 1.2\n---\n- template: HighLoad\n  scope: global\n  priority: 11\n",
        )
        .unwrap();
        // Blank lines a `|+` block keeps, outside every span.
        std::fs::write(
            tmp.path().join("rules/kept.yaml"),
            "- template: HighLoad\n  scope: global\n  priority: 9\n  annotations:\n    note: |+\n      kept\n\n\n- template: TargetDown\n  scope: global\n  priority: 9\n",
        )
        .unwrap();
        let (files, lines) = assert_keys_as_defined(tmp.path());
        assert!(
            files >= 3 && lines > 10,
            "{files} whole files, {lines} own texts"
        );
    }

    /// Asserts the keys of the rules directory at `root` are those of the definition;
    /// returns how many rules are keyed by their whole file and how many by their text.
    fn assert_keys_as_defined(root: &std::path::Path) -> (usize, usize) {
        let (project, _) = crate::source::project::load(root, false).unwrap();
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
                // A rule's index and part: its text up to the next rule of its file,
                // found by scanning the file; its file's hash where the file holds a
                // `*` or a directive, or its rules are out of order.
                let rule = |h: &mut blake3::Hasher, i: usize| {
                    let r = &model.rules[i];
                    let prefixed = |h: &mut blake3::Hasher, bytes: &[u8]| {
                        h.update(&(bytes.len() as u64).to_le_bytes());
                        h.update(bytes);
                    };
                    h.update(&(i as u64).to_le_bytes());
                    prefixed(h, r.file.as_bytes());
                    let text = model.source(&r.file).text();
                    let starts: Vec<usize> = model
                        .rules
                        .iter()
                        .filter(|o| o.file == r.file)
                        .map(|o| o.span.start())
                        .collect();
                    let end = starts
                        .iter()
                        .copied()
                        .find(|&s| s > r.span.start())
                        .unwrap_or(text.len());
                    let first = text[..r.span.start()].rfind('\n').map_or(0, |i| i + 1);
                    let own = &text[first..end];
                    let directive = text
                        .split(['\n', '\r'])
                        .any(|l| l.trim_start_matches('\u{feff}').starts_with('%'));
                    if text.contains('*') || directive || !starts.is_sorted_by(|a, b| a < b) {
                        h.update(&[1]);
                        prefixed(h, hashes[&*r.file].as_bytes());
                    } else {
                        h.update(&[0]);
                        h.update(&(first as u64).to_le_bytes());
                        let line = text[..first].matches('\n').count() + 1;
                        h.update(&(line as u64).to_le_bytes());
                        prefixed(h, own.as_bytes());
                    }
                };
                h.update(b"\0rules");
                for (scope, idxs) in &alert.by_scope {
                    h.update(b"\0");
                    h.update(scope.to_string().as_bytes());
                    h.update(&(idxs.len() as u64).to_le_bytes());
                    for &i in idxs {
                        rule(&mut h, i);
                    }
                }
                h.update(b"\0suspended");
                h.update(&(suspended.len() as u64).to_le_bytes());
                for &i in &suspended {
                    rule(&mut h, i);
                }
                (alert.name.clone(), h.finalize().to_hex().to_string())
            })
            .collect();
        assert!(alerts.len() > 3, "{alerts:?}");
        assert_eq!(keys.alerts, alerts);
        assert_eq!(keys.global, global.finalize().to_hex().to_string());
        let parts = rule_parts(model);
        // What makes a rule's own text enough: every field of it is read from there.
        for (r, part) in model.rules.iter().zip(&parts) {
            if let Part::Lines { offset, text, .. } = part {
                for s in spans(r) {
                    assert!(
                        *offset <= s.start() && s.end() <= offset + text.len(),
                        "{}: {s:?} outside {offset}+{}",
                        r.file,
                        text.len()
                    );
                }
            }
        }
        let files = parts.iter().filter(|p| matches!(p, Part::File)).count();
        (files, parts.len() - files)
    }

    /// Every span a rule's fields keep.
    fn spans(rule: &crate::model::Rule) -> Vec<crate::diag::Span> {
        // Every field named, so that a field added later is not left out unnoticed.
        let crate::model::Rule {
            file: _,
            span,
            template,
            name,
            named_by_record: _,
            scope,
            priority,
            enabled,
            suspended,
            params,
            param_keys,
            for_,
            keep_firing_for,
            severity,
            labels,
            annotations,
            select,
            ignore,
        } = rule;
        let mut all = vec![*span, template.span, scope.span, priority.span];
        all.extend(name.as_ref().map(|s| s.span));
        all.extend(enabled.as_ref().map(|s| s.span));
        all.extend(suspended.as_ref().map(|s| s.span));
        all.extend(params.values().map(|s| s.span));
        all.extend(param_keys.values().copied());
        all.extend(for_.as_ref().map(|s| s.span));
        all.extend(keep_firing_for.as_deref().map(|s| s.span));
        all.extend(severity.as_ref().map(|s| s.span));
        all.extend(labels.values().chain(annotations.values()).map(|s| s.span));
        all.extend(ignore.iter().map(|s| s.span));
        if let Some(select) = select.as_deref() {
            all.extend(select.names.iter().map(|n| n.span));
            all.push(select.span);
        }
        all
    }
}
