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
use crate::output::Current;
use crate::resolve::Model;

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
        let group = inv.targets.get(target).cloned().flatten();
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
    crate::output::read_files(dir, &[".json"], |c| parse_generated(c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(settings: &str) -> (BTreeMap<String, String>, Diagnostics) {
        let (m, d) = crate::resolve::model_of(
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
    fn another_target_label_is_set_per_target() {
        let (out, _) = files("[file_sd]\ndir = \"sd\"\n[labels]\ntarget = \"host\"\n");
        let groups = parse_generated(&out["node.json"]).unwrap();
        assert_eq!(groups.len(), 3);
        assert!(groups
            .iter()
            .all(|g| g.targets.len() == 1 && g.labels["host"] == g.targets[0]));
    }
}
