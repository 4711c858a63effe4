//! The scrape-target side of a deployment. With `[file_sd]`, the inventory's file_sd
//! files are part of what `apply` deploys: written with the rule files (in their own
//! directory, under the same lock and pending marker), put back with them when the
//! deployment fails, recorded with them in the history (keyed `file_sd/NAME`, see
//! [`crate::render::file_sd::KEY_PREFIX`]), and verified after the rules: every Prometheus must
//! show the inventory's labels on the files' targets (`/api/v1/targets`). Prometheus
//! reads file_sd changes by itself, so nothing is reloaded for them; what can go wrong
//! is a scrape config that does not read the files, or relabelling that drops labels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::server::{ActiveTarget, Server, ServerError};
use crate::render::file_sd::parse_generated;

/// Where a deployment's file_sd files go and how they are checked.
#[derive(Debug, Clone)]
pub struct Targets {
    pub dir: PathBuf,
    /// Wait until every Prometheus shows the files' labels on its targets.
    pub verify: bool,
    /// The series label that names a target (`labels.target`).
    pub target_label: String,
}

/// One scrape target the files promise, with the labels its series must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub instance: String,
    pub labels: BTreeMap<String, String>,
}

/// Every target of the generated files, with its labels (alertctl's marker and other
/// `__` labels left out: Prometheus drops them).
pub fn expected(files: &BTreeMap<String, String>, target_label: &str) -> Vec<Expected> {
    let mut out = Vec::new();
    for content in files.values() {
        for g in parse_generated(content).unwrap_or_default() {
            let labels: BTreeMap<String, String> = g
                .labels
                .iter()
                .filter(|(k, _)| !k.starts_with("__"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for t in &g.targets {
                let instance = labels
                    .get(target_label)
                    .cloned()
                    .unwrap_or_else(|| t.clone());
                out.push(Expected {
                    instance,
                    labels: labels.clone(),
                });
            }
        }
    }
    out
}

/// What the active targets lack, one line per target (empty: all there).
pub fn missing(expected: &[Expected], active: &[ActiveTarget], target_label: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in expected {
        let job = e.labels.get("job").map_or("", String::as_str);
        let same_target = |t: &&ActiveTarget| {
            t.labels.get(target_label) == Some(&e.instance)
                && t.labels.get("job").map_or("", String::as_str) == job
        };
        let Some(t) = active.iter().find(same_target) else {
            out.push(format!(
                "{} (job {job}) is not an active target",
                e.instance
            ));
            continue;
        };
        let wrong: Vec<String> = e
            .labels
            .iter()
            .filter(|(k, v)| t.labels.get(*k) != Some(*v))
            .map(|(k, v)| {
                format!(
                    "{k}=\"{}\" (expected \"{v}\")",
                    t.labels.get(k).map_or("", String::as_str)
                )
            })
            .collect();
        if !wrong.is_empty() {
            out.push(format!(
                "{} (job {job}) has {}",
                e.instance,
                wrong.join(", ")
            ));
        }
    }
    out
}

/// Polls `server` until its active targets carry every expected label set, or the
/// deadline passes.
pub fn verify_targets(
    server: &Server,
    expected: &[Expected],
    target_label: &str,
    dir: &Path,
    deadline: Duration,
) -> Result<(), ServerError> {
    let start = Instant::now();
    loop {
        let problems = missing(expected, &server.targets()?, target_label);
        if problems.is_empty() {
            return Ok(());
        }
        if start.elapsed() > deadline {
            let listed = crate::diag::bounded_list(&problems, 5, "; ");
            return Err(ServerError::Rejected {
                server: server.name.clone(),
                message: format!(
                    "{} of {} targets of the file_sd files do not show the inventory's labels after {deadline:?}: {listed}. Does its scrape config read {}/*.json (file_sd_configs) and keep these labels?",
                    problems.len(),
                    expected.len(),
                    dir.display()
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(labels: &[(&str, &str)]) -> ActiveTarget {
        ActiveTarget {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            scrape_pool: "node".into(),
            health: "up".into(),
        }
    }

    #[test]
    fn expected_labels_and_what_is_missing() {
        let file = r#"[
  {
    "targets": ["web-1:9100", "web-2:9100"],
    "labels": {"__alertctl_source": "inventory.yaml", "group": "web", "job": "node", "namespace": "prod"}
  }
]
"#;
        let files: BTreeMap<String, String> = [("node.json".to_string(), file.to_string())].into();
        let want = expected(&files, "instance");
        assert_eq!(want.len(), 2);
        assert!(!want[0].labels.contains_key("__alertctl_source"));
        let good = |i: &str| {
            target(&[
                ("instance", i),
                ("job", "node"),
                ("group", "web"),
                ("namespace", "prod"),
            ])
        };
        assert!(missing(&want, &[good("web-1:9100"), good("web-2:9100")], "instance").is_empty());
        let bare = target(&[("instance", "web-2:9100"), ("job", "node")]);
        assert_eq!(
            missing(&want, &[good("web-1:9100"), bare], "instance"),
            ["web-2:9100 (job node) has group=\"\" (expected \"web\"), namespace=\"\" (expected \"prod\")"]
        );
        assert_eq!(
            missing(&want, &[good("web-1:9100")], "instance"),
            ["web-2:9100 (job node) is not an active target"]
        );
        assert!(expected(
            &[("x.json".to_string(), "[]".to_string())].into(),
            "instance"
        )
        .is_empty());
    }
}
