//! The inventory as Prometheus scrape targets: one file_sd JSON file per job, in which
//! every target carries the namespace, group and job labels the inventory gives it.
//! With these files in `file_sd_configs`, series carry exactly the labels the scope
//! matchers use, so the partition holds by construction rather than by hope.
//!
//! JSON has no comments, so a generated file is marked by a label on each target group,
//! `__alertctl_source` (the inventory file). Prometheus drops `__`-labels after
//! relabelling, so the marker never reaches a series; files without it are never
//! changed or removed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::resolve::Model;
use crate::render::diff::Plan;
use crate::render::output::Current;

/// The label that marks a target group as written by alertctl; its value is the
/// inventory file the group comes from.
pub const MARKER_LABEL: &str = "__alertctl_source";

/// One entry of a file_sd file, in Prometheus' own format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetGroup {
    pub targets: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// The file holding a job's targets.
pub fn file_name(job: &str) -> String {
    format!("{}.json", crate::render::safe_stem(job))
}

/// The file_sd files of the estate (name -> content); empty without `[file_sd]`.
/// Deterministic: target groups sorted by namespace and group, targets sorted.
pub fn render(model: &Model, diags: &mut Diagnostics) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if model.settings.file_sd.is_none() {
        return out;
    }
    let inv = &model.inventory;
    let labels = &model.settings.labels;
    warn_without_jobs(model, diags);
    // job -> (namespace, group, source file) -> instances
    type Key = (Option<String>, Option<String>, String);
    let mut by_job: BTreeMap<&str, BTreeMap<Key, Vec<&str>>> = BTreeMap::new();
    for (target, jobs) in &inv.jobs {
        let group = inv
            .targets
            .get(target)
            .cloned()
            .flatten()
            .map(|g| g.to_string());
        let namespace = group.as_ref().map(|g| inv.groups[g].namespace.clone());
        let file = inv
            .listed_at(target)
            .map(|(f, _)| f.to_string())
            .unwrap_or_default();
        for (job, instance) in jobs {
            by_job
                .entry(job)
                .or_default()
                .entry((namespace.clone(), group.clone(), file.clone()))
                .or_default()
                .push(instance);
        }
    }
    for (job, groups) in by_job {
        let mut entries = Vec::new();
        for ((namespace, group, file), mut instances) in groups {
            instances.sort_unstable();
            let mut base = BTreeMap::new();
            base.insert(MARKER_LABEL.to_string(), file);
            base.insert("job".to_string(), job.to_string());
            if let Some(n) = namespace {
                base.insert(labels.namespace.clone(), n);
            }
            if let Some(g) = group {
                base.insert(labels.group.clone(), g);
            }
            if labels.target == "instance" {
                entries.push(TargetGroup {
                    targets: instances.iter().map(|i| i.to_string()).collect(),
                    labels: base,
                });
            } else {
                // Prometheus sets `instance` from the address; another target label
                // must be given per target.
                for i in instances {
                    let mut l = base.clone();
                    l.insert(labels.target.clone(), i.to_string());
                    entries.push(TargetGroup {
                        targets: vec![i.to_string()],
                        labels: l,
                    });
                }
            }
        }
        let mut text = serde_json::to_string_pretty(&entries).expect("target groups serialize");
        text.push('\n');
        out.insert(file_name(job), text);
    }
    out
}

/// With file_sd on, a target that runs no declared job is in no file: Prometheus would
/// not scrape it through alertctl's files. One warning per group (or ungrouped target).
fn warn_without_jobs(model: &Model, diags: &mut Diagnostics) {
    let inv = &model.inventory;
    for (g, info) in &inv.groups {
        let bare: Vec<&str> = info
            .targets
            .iter()
            .filter(|t| !inv.jobs.contains_key(*t))
            .map(String::as_str)
            .collect();
        if bare.is_empty() {
            continue;
        }
        let (file, span) = &info.listed_at;
        diags.push(
            Diagnostic::warning(
                Code::TargetWithoutJob,
                format!(
                    "group `{g}` declares no jobs, so {} in no file_sd file: Prometheus does not scrape {} through alertctl's files",
                    list(&bare),
                    if bare.len() == 1 { "it" } else { "them" }
                ),
            )
            .at(model.source(file), *span, "no `jobs:` here")
            .hint("give the group `jobs: [node]` (or `jobs: {node: 9100}`), or the targets their own jobs"),
        );
    }
    for (t, g) in &inv.targets {
        if g.is_some() || inv.jobs.contains_key(t) {
            continue;
        }
        if let Some((file, span)) = inv.listed_at(t) {
            diags.push(
                Diagnostic::warning(
                    Code::TargetWithoutJob,
                    format!("target `{t}` runs no declared job, so it is in no file_sd file"),
                )
                .at(model.source(file), span, "no jobs")
                .hint("write it as `{name: ..., jobs: [node]}`"),
            );
        }
    }
}

fn list(targets: &[&str]) -> String {
    let quoted: Vec<String> = targets.iter().map(|t| format!("`{t}`")).collect();
    let s = crate::diag::bounded_list(&quoted, 5, ", ");
    if targets.len() == 1 {
        format!("target {s} is")
    } else {
        format!("targets {s} are")
    }
}

/// How a file_sd file is keyed in a deployment's file set (the plan, the history,
/// `diff`): `file_sd/<job>.json`. Rule file names never hold a `/`, so the two kinds
/// cannot collide.
pub const KEY_PREFIX: &str = "file_sd/";

/// A deployment's file set: the rule files, and the file_sd files under [`KEY_PREFIX`].
pub fn join(
    rules: &BTreeMap<String, String>,
    file_sd: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = rules.clone();
    out.extend(
        file_sd
            .iter()
            .map(|(k, v)| (format!("{KEY_PREFIX}{k}"), v.clone())),
    );
    out
}

/// A file set's rule files and its file_sd files (named as in their directory).
pub fn split(
    files: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut rules = BTreeMap::new();
    let mut file_sd = BTreeMap::new();
    for (k, v) in files {
        match k.strip_prefix(KEY_PREFIX) {
            Some(name) => file_sd.insert(name.to_string(), v.clone()),
            None => rules.insert(k.clone(), v.clone()),
        };
    }
    (rules, file_sd)
}

/// A file set's plan, split into its rule files' plan and its file_sd files' plan
/// (named as in their directory), each with its own summary.
pub fn split_plan(plan: &Plan) -> (Plan, Plan) {
    let mut new = BTreeMap::new();
    let mut old = BTreeMap::new();
    for c in &plan.changes {
        if let Some(n) = &c.new {
            new.insert(c.file.clone(), n.clone());
        }
        if let Some(o) = &c.old {
            old.insert(c.file.clone(), o.clone());
        }
    }
    let (new_rules, new_sd) = split(&new);
    let (old_rules, old_sd) = split(&old);
    (
        crate::render::diff::plan(&new_rules, &old_rules),
        crate::render::diff::plan(&new_sd, &old_sd),
    )
}

/// How many file_sd files a plan adds, modifies and removes.
pub fn summary(plan: &Plan) -> String {
    let s = &plan.summary;
    format!(
        "{} added, {} modified, {} removed",
        s.files_added, s.files_modified, s.files_removed
    )
}

/// A file set's plan as people read it: the rule files' summary, then the file_sd
/// files' when any change.
pub fn describe(plan: &Plan) -> String {
    let (rules, sd) = split_plan(plan);
    if sd.is_empty() {
        rules.summary.to_string()
    } else {
        format!("{}; file_sd: {}", rules.summary, summary(&sd))
    }
}

/// A recorded file set as it is deployed again (`rollback`, or restoring a baseline):
/// one recorded without file_sd files (before `[file_sd]`, or with no job) leaves the
/// file_sd files on disk (`current`) as they are; without `[file_sd]` (`current` is
/// `None`), the recorded ones have no place and are left out.
pub fn redeployed(
    recorded: &BTreeMap<String, String>,
    current: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let (rules, recorded_sd) = split(recorded);
    match current {
        None => rules,
        Some(cur) if recorded_sd.is_empty() => join(&rules, cur),
        Some(_) => recorded.clone(),
    }
}

/// The target groups of a file alertctl wrote; `None` for any other content.
pub fn parse_generated(content: &str) -> Option<Vec<TargetGroup>> {
    let groups: Vec<TargetGroup> = serde_json::from_str(content).ok()?;
    groups
        .iter()
        .any(|g| g.labels.contains_key(MARKER_LABEL))
        .then_some(groups)
}

/// The `*.json` files of `dir`: the ones alertctl wrote, and the others.
pub fn read(dir: &Path) -> std::io::Result<Current> {
    crate::render::output::read_files(dir, &[".json"], |c| parse_generated(c).is_some())
}

/// [`read`] keeping each generated file's hash, as [`crate::render::output::read_hashes`].
pub fn read_hashes(dir: &Path) -> std::io::Result<Current> {
    crate::render::output::hash_files(dir, &[".json"], |c| parse_generated(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(settings: &str) -> (BTreeMap<String, String>, Diagnostics) {
        let (m, d) = crate::model::resolve::model_of(
            settings,
            &[(
                "inventory.yaml",
                "namespaces:\n  prod:\n    web:\n      jobs: [node]\n      targets: [web-2:9100, web-1:9100]\n    bare: [b-1]\ntargets: [{name: lone, jobs: {node: 9100}}]\n",
            )],
        );
        assert!(!d.has_errors(), "{d:?}");
        let mut d = Diagnostics::default();
        (render(&m, &mut d), d)
    }

    #[test]
    fn target_groups_per_job_sorted_and_marked() {
        assert!(files("").0.is_empty(), "no [file_sd], no files");
        let (out, d) = files("[file_sd]\ndir = \"sd\"\n");
        let groups = parse_generated(&out["node.json"]).expect("generated files are marked");
        assert_eq!(groups.len(), 2);
        // The ungrouped target first (no namespace/group labels), targets sorted.
        assert_eq!(groups[0].targets, ["lone:9100"]);
        assert_eq!(
            groups[0].labels.keys().collect::<Vec<_>>(),
            [MARKER_LABEL, "job"]
        );
        assert_eq!(groups[1].targets, ["web-1:9100", "web-2:9100"]);
        assert_eq!(groups[1].labels["group"], "web");
        // The group without jobs is in no file: one warning for it.
        let w: Vec<_> = d.iter().map(|x| (x.code, x.message.clone())).collect();
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].0, Code::TargetWithoutJob);
        assert!(parse_generated("[{\"targets\": [\"a\"], \"labels\": {}}]").is_none());
        assert!(parse_generated("not json").is_none());
    }

    #[test]
    fn file_sets_key_file_sd_files_apart() {
        let m = |kv: &[(&str, &str)]| -> BTreeMap<String, String> {
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let rules = m(&[("global.yml", "r")]);
        let sd = m(&[("node.json", "n")]);
        let set = join(&rules, &sd);
        assert_eq!(set, m(&[("file_sd/node.json", "n"), ("global.yml", "r")]));
        assert_eq!(split(&set), (rules.clone(), sd.clone()));
        let now = m(&[("node.json", "now")]);
        // Recorded with file_sd files: deployed as recorded.
        assert_eq!(redeployed(&set, Some(&now)), set);
        // Recorded without: the file_sd files on disk stay.
        assert_eq!(
            redeployed(&rules, Some(&now)),
            m(&[("file_sd/node.json", "now"), ("global.yml", "r")])
        );
        // No [file_sd] now: the recorded ones have no place.
        assert_eq!(redeployed(&set, None), rules);
        // A plan of both kinds splits, each with its own summary.
        let plan = crate::render::diff::plan(&set, &m(&[("old.yml", "o")]));
        let (r, s) = split_plan(&plan);
        assert_eq!(
            r.changes
                .iter()
                .map(|c| c.file.as_str())
                .collect::<Vec<_>>(),
            ["global.yml", "old.yml"]
        );
        assert_eq!(s.changes.len(), 1);
        assert_eq!(s.changes[0].file, "node.json");
        assert_eq!(summary(&s), "1 added, 0 modified, 0 removed");
        assert!(describe(&plan).ends_with("; file_sd: 1 added, 0 modified, 0 removed"));
        assert_eq!(describe(&r), r.summary.to_string());
    }

    #[test]
    fn another_target_label_is_set_per_target() {
        let (out, _) = files("[file_sd]\ndir = \"sd\"\n[labels]\ntarget = \"host\"\n");
        let groups = parse_generated(&out["node.json"]).unwrap();
        assert_eq!(groups.len(), 3);
        assert!(groups
            .iter()
            .all(|g| g.targets.len() == 1 && g.labels["host"] == g.targets[0]));
    }
}
