//! Pure comparison of rendered files with what the output directory holds: a plan of
//! file changes, alert-level counts, and a unified diff. Files alertctl did not
//! generate never enter the comparison.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use rayon::prelude::*;

use crate::render::{PromRule, RuleFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileChange {
    pub file: String,
    pub kind: ChangeKind,
    #[serde(skip)]
    pub old: Option<String>,
    #[serde(skip)]
    pub new: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files_added: usize,
    pub files_modified: usize,
    pub files_removed: usize,
    pub alerts_added: usize,
    pub alerts_changed: usize,
    pub alerts_removed: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    pub summary: Summary,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// `desired` and `current` map file names to contents; `current` holds generated files only.
pub fn plan(desired: &BTreeMap<String, String>, current: &BTreeMap<String, String>) -> Plan {
    let mut p = plan_files(desired, current);
    // Every changed file is parsed (a cold render into an empty directory: all of them),
    // each on its own: on every core.
    let counts: Vec<(usize, usize, usize)> = p
        .changes
        .par_iter()
        .map(|c| alert_changes(c.old.as_deref(), c.new.as_deref()))
        .collect();
    for (a, c, r) in counts {
        p.summary.alerts_added += a;
        p.summary.alerts_changed += c;
        p.summary.alerts_removed += r;
    }
    p
}

/// [`plan`] without the alert counts (`summary.alerts_*` stay 0): for callers that
/// report files only (`render`). Counting parses every changed file, which after a cold
/// render into an empty directory is every file (~9 % of its CPU on L).
pub fn plan_files(desired: &BTreeMap<String, String>, current: &BTreeMap<String, String>) -> Plan {
    let mut p = Plan::default();
    let mut names: Vec<&String> = desired.keys().chain(current.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (old, new) = (current.get(name), desired.get(name));
        let kind = match (old, new) {
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            (Some(o), Some(n)) if o != n => ChangeKind::Modified,
            _ => continue,
        };
        match kind {
            ChangeKind::Added => p.summary.files_added += 1,
            ChangeKind::Modified => p.summary.files_modified += 1,
            ChangeKind::Removed => p.summary.files_removed += 1,
        }
        p.changes.push(FileChange {
            file: name.clone(),
            kind,
            old: old.cloned(),
            new: new.cloned(),
        });
    }
    p
}

/// Rules keyed by (name, occurrence): the n-th rule of a name in a file is compared with
/// the n-th on the other side. Rules compare as parsed: equal exactly when their YAML
/// would print the same, without printing it.
fn rules_of(content: Option<&str>) -> BTreeMap<(String, usize), PromRule> {
    let mut out = BTreeMap::new();
    #[derive(serde::Deserialize)]
    struct Manifest {
        spec: RuleFile,
    }
    // A rule file, or a PrometheusRule object holding one.
    let parsed = content.and_then(|c| {
        serde_yaml::from_str::<RuleFile>(c)
            .or_else(|_| serde_yaml::from_str::<Manifest>(c).map(|m| m.spec))
            .ok()
    });
    let Some(file) = parsed else {
        return out;
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for g in file.groups {
        for r in g.rules {
            let n = seen.entry(r.name().to_string()).or_default();
            *n += 1;
            out.insert((r.name().to_string(), *n), r);
        }
    }
    out
}

fn alert_changes(old: Option<&str>, new: Option<&str>) -> (usize, usize, usize) {
    // The two sides parse apart: after a global rule's edit, one file of thousands of
    // rules changed, and parsing it twice was most of the plan's time.
    let (o, n) = rayon::join(|| rules_of(old), || rules_of(new));
    let added = n.keys().filter(|k| !o.contains_key(*k)).count();
    let removed = o.keys().filter(|k| !n.contains_key(*k)).count();
    let changed = n
        .iter()
        .filter(|(k, v)| o.get(*k).is_some_and(|ov| ov != *v))
        .count();
    (added, changed, removed)
}

/// A unified diff of one change, `a/` and `b/` prefixed like git's, optionally coloured.
pub fn unified(change: &FileChange, color: bool) -> String {
    let old = change.old.as_deref().unwrap_or_default();
    let new = change.new.as_deref().unwrap_or_default();
    let diff = TextDiff::from_lines(old, new);
    let (red, green, cyan, bold, reset) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "", "", "")
    };
    let a = if change.kind == ChangeKind::Added {
        "/dev/null".to_string()
    } else {
        format!("a/{}", change.file)
    };
    let b = if change.kind == ChangeKind::Removed {
        "/dev/null".to_string()
    } else {
        format!("b/{}", change.file)
    };
    let mut out = format!("{bold}--- {a}\n+++ {b}{reset}\n");
    for group in diff.grouped_ops(3) {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let (os, oe) = (first.old_range().start, last.old_range().end);
        let (ns, ne) = (first.new_range().start, last.new_range().end);
        let _ = writeln!(
            out,
            "{cyan}@@ -{} +{} @@{reset}",
            range(os, oe),
            range(ns, ne)
        );
        for op in group {
            for ch in diff.iter_changes(&op) {
                let (sign, col) = match ch.tag() {
                    ChangeTag::Delete => ('-', red),
                    ChangeTag::Insert => ('+', green),
                    ChangeTag::Equal => (' ', ""),
                };
                let line = ch.value();
                let _ = write!(
                    out,
                    "{col}{sign}{}{}",
                    line.strip_suffix('\n').unwrap_or(line),
                    if col.is_empty() { "" } else { reset }
                );
                out.push('\n');
                if !line.ends_with('\n') {
                    out.push_str("\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

fn range(start: usize, end: usize) -> String {
    let len = end - start;
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "files: {} added, {} modified, {} removed; alerts: {} added, {} changed, {} removed",
            self.files_added,
            self.files_modified,
            self.files_removed,
            self.alerts_added,
            self.alerts_changed,
            self.alerts_removed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rules: &[(&str, &str)]) -> String {
        let mut s = format!("{}\ngroups:\n- name: g\n  rules:\n", crate::render::MARKER);
        for (a, e) in rules {
            s += &format!("  - alert: {a}\n    expr: {e}\n");
        }
        s
    }

    #[test]
    fn counts_files_and_alerts() {
        let mut cur = BTreeMap::new();
        cur.insert(
            "a.yml".to_string(),
            file(&[("A", "up == 0"), ("B", "x > 1")]),
        );
        cur.insert("gone.yml".to_string(), file(&[("C", "y")]));
        let mut want = BTreeMap::new();
        want.insert(
            "a.yml".to_string(),
            file(&[("A", "up == 0"), ("B", "x > 2"), ("D", "z")]),
        );
        want.insert("new.yml".to_string(), file(&[("E", "w")]));
        let p = plan(&want, &cur);
        assert_eq!(
            p.summary,
            Summary {
                files_added: 1,
                files_modified: 1,
                files_removed: 1,
                alerts_added: 2,
                alerts_changed: 1,
                alerts_removed: 1
            }
        );
        let text = unified(&p.changes[0], false);
        assert!(
            text.contains("-    expr: x > 1\n+    expr: x > 2\n"),
            "{text}"
        );
        // The same file changes without alert counts.
        let f = plan_files(&want, &cur);
        assert_eq!(f.changes, p.changes);
        assert_eq!(
            f.summary,
            Summary {
                alerts_added: 0,
                alerts_changed: 0,
                alerts_removed: 0,
                ..p.summary
            }
        );
    }

    /// A rule counts as changed by what it says, not how it is laid out: a file
    /// re-indented or re-quoted by hand changes no alert; a label does.
    #[test]
    fn rules_compare_by_content_not_layout() {
        let old = format!(
            "{}\ngroups:\n- name: g\n  rules:\n  - alert: A\n    expr: 'up == 0'\n    labels: {{severity: page}}\n  - alert: B\n    expr: x\n",
            crate::render::MARKER
        );
        let mut cur = BTreeMap::new();
        cur.insert("a.yml".to_string(), old);
        let mut want = BTreeMap::new();
        want.insert(
            "a.yml".to_string(),
            format!(
                "{}\ngroups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    labels:\n      severity: page\n  - alert: B\n    expr: x\n    labels:\n      team: db\n",
                crate::render::MARKER
            ),
        );
        let s = plan(&want, &cur).summary;
        assert_eq!((s.files_modified, s.alerts_changed), (1, 1), "{s:?}");
        assert_eq!((s.alerts_added, s.alerts_removed), (0, 0), "{s:?}");
    }

    #[test]
    fn no_change_no_plan() {
        let mut m = BTreeMap::new();
        m.insert("a.yml".to_string(), file(&[("A", "up")]));
        assert!(plan(&m, &m.clone()).is_empty());
    }

    /// Files in the output directory are read with serde_yaml, whose deserializer
    /// stops after 100 alias jumps per event: a "billion laughs" file carrying the
    /// generated marker (a hand-made one, in an output directory under review) costs
    /// milliseconds. The bomb hides in keys serde ignores, which it still walks.
    #[test]
    fn an_alias_bomb_in_the_output_directory_is_bounded() {
        let mut bomb = format!("{}\ndefs:\n  r0: &r0 [", crate::render::MARKER);
        bomb.push_str(&["lol"; 9].join(","));
        bomb.push_str("]\n");
        for i in 1..9 {
            let refs = vec![format!("*r{}", i - 1); 9].join(",");
            bomb.push_str(&format!("  r{i}: &r{i} [{refs}]\n"));
        }
        bomb.push_str("groups:\n- name: g\n  junk: *r8\n  rules:\n  - {alert: A, expr: up}\n");
        // Without the aliases, the same shape is a valid rule file.
        let plain = bomb.replace("junk: *r8", "junk: 1").replace("*r", "r");
        assert_eq!(rules_of(Some(&plain)).len(), 1);
        let t = std::time::Instant::now();
        let _ = rules_of(Some(&bomb));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            t.elapsed()
        );
    }
}
