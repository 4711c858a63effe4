//! The library operations as a daemon or a web UI calls them: no CLI, events collected
//! as JSON lines, typed errors. The servers are real (Prometheus on 127.0.0.1).

mod support;

use std::path::{Path, PathBuf};

use alertctl::ops::rules::{apply, rollback, ApplyRequest, RollbackRequest};
use alertctl::ops::{Event, OpError, Outcome};
use alertctl::source::settings::PromtoolPolicy;

fn scaffold(tmp: &Path, servers: &str) -> PathBuf {
    let dir = tmp.join("rules");
    support::scaffold_out(&dir, servers);
    dir
}

fn request(dir: &Path) -> ApplyRequest {
    ApplyRequest {
        dir: dir.to_path_buf(),
        use_cache: true,
        out: None,
        promtool: Some(PromtoolPolicy::Off),
        dry_run: false,
    }
}

#[test]
fn events_stream_as_json_and_errors_are_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = support::prometheus(&out);
    let dir = scaffold(
        tmp.path(),
        &format!("[[prometheus]]\nname = \"p\"\nurl = \"{}\"\n", prom.url()),
    );

    let mut lines: Vec<serde_json::Value> = Vec::new();
    let report = apply(&request(&dir), &mut |e: &Event<'_>| {
        lines.push(serde_json::to_value(e).unwrap())
    })
    .unwrap();
    assert_eq!(report.outcome, Outcome::Applied);
    assert_eq!(report.rev, Some(1));
    let kinds: Vec<String> = lines
        .iter()
        .map(|l| match l["event"].as_str().unwrap() {
            "deploy" => format!("deploy:{}", l["step"]["step"].as_str().unwrap()),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "loaded",
            "validated",
            "deploy:checking-ready",
            "deploy:writing",
            "deploy:reloading",
            "deploy:verifying"
        ]
    );
    assert_eq!(lines[1]["rules"], 3);
    assert_eq!(lines[2]["step"]["server"], "p");
    assert_eq!(
        prom.rule_queries().len(),
        3,
        "the server runs what was applied"
    );

    // Invalid input: a typed error, the diagnostics as an event, nothing written.
    std::fs::write(
        dir.join("rules/bad.yaml"),
        "- template: Nope\n  scope: global\n",
    )
    .unwrap();
    let mut seen = Vec::new();
    let err = apply(&request(&dir), &mut |e: &Event<'_>| {
        seen.push(serde_json::to_value(e).unwrap())
    })
    .unwrap_err();
    assert!(matches!(err, OpError::Invalid { .. }), "{err:?}");
    assert!(err.is_invalid_input());
    let diags = seen
        .iter()
        .find(|l| l["event"] == "diagnostics")
        .expect("diagnostics event");
    assert_eq!(diags["diagnostics"][0]["code"], "unknown-template");
    assert_eq!(diags["diagnostics"][0]["location"], "rules/bad.yaml:1:13");
    std::fs::remove_file(dir.join("rules/bad.yaml")).unwrap();

    // A rollback with nothing to go back to, then the server gone.
    let err = rollback(
        &RollbackRequest {
            dir: dir.clone(),
            use_cache: true,
            rev: None,
            out: None,
            dry_run: false,
        },
        &mut |_: &Event<'_>| {},
    )
    .unwrap_err();
    assert!(matches!(err, OpError::NoRollbackTarget), "{err:?}");
    drop(prom);
    std::fs::write(
        dir.join("rules/global.yaml"),
        "- template: TargetDown\n  scope: global\n",
    )
    .unwrap();
    let err = apply(&request(&dir), &mut |_: &Event<'_>| {}).unwrap_err();
    assert!(
        matches!(
            err,
            OpError::Deploy(alertctl::deploy::DeployError::Unreachable(_))
        ),
        "{err:?}"
    );
    assert!(!err.is_invalid_input());
    assert!(err.to_string().ends_with("; nothing was written"), "{err}");
}

/// With `[file_sd]`, the scrape-target files are part of the operation: a daemon gets
/// the same steps as events and the same typed report as the CLI prints, and `rollback`
/// deploys the file_sd files recorded with the deployment it restores.
#[test]
fn file_sd_files_are_deployed_verified_and_rolled_back_by_the_operations() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let sd = tmp.path().join("rules/sd");
    let prom = support::prometheus_with(
        &out,
        &format!(
            "scrape_configs:\n  - job_name: node\n    file_sd_configs: [{{files: ['{}/*.json']}}]\n",
            sd.display()
        ),
        None,
        support::free_port(),
    );
    let dir = scaffold(
        tmp.path(),
        &format!(
            "[file_sd]\ndir = \"sd\"\n[[prometheus]]\nname = \"p\"\nurl = \"{}\"\n",
            prom.url()
        ),
    );
    let mut steps: Vec<String> = Vec::new();
    let mut record = |e: &Event<'_>| {
        if let Event::Deploy { step } = e {
            steps.push(step.name().to_string());
        }
    };
    let report = apply(&request(&dir), &mut record).unwrap();
    assert_eq!(report.outcome, Outcome::Applied, "{}", report.message);
    assert_eq!(
        steps,
        [
            "checking-ready",
            "writing",
            "writing-targets",
            "reloading",
            "verifying",
            "checking-targets"
        ]
    );
    let t = report.file_sd.as_ref().expect("a file_sd report");
    assert_eq!(t.dir, sd);
    assert_eq!(t.plan.changes.len(), 1);
    assert_eq!(t.plan.changes[0].file, "node.json");
    assert_eq!(t.verified, ["p"]);
    assert_eq!(report.servers[0].targets_verified, Some(true));
    assert!(
        report
            .plan
            .as_ref()
            .unwrap()
            .changes
            .iter()
            .all(|c| c.file.ends_with(".yml")),
        "the rule plan holds rule files only"
    );
    let first = std::fs::read_to_string(sd.join("node.json")).unwrap();

    // web-2 moves to db: only a file_sd file changes; then `rollback` puts it back.
    let inv = std::fs::read_to_string(dir.join("inventory.yaml")).unwrap();
    std::fs::write(
        dir.join("inventory.yaml"),
        inv.replace("[web-1:9100, web-2:9100]", "[web-1:9100]")
            .replace("[db-1:9100]", "[db-1:9100, web-2:9100]"),
    )
    .unwrap();
    let report = apply(&request(&dir), &mut |_: &Event<'_>| {}).unwrap();
    assert_eq!(report.outcome, Outcome::Applied, "{}", report.message);
    assert!(report.plan.as_ref().unwrap().is_empty());
    assert_eq!(report.file_sd.as_ref().unwrap().plan.changes.len(), 1);
    assert_ne!(
        std::fs::read_to_string(sd.join("node.json")).unwrap(),
        first
    );
    let report = rollback(
        &RollbackRequest {
            dir: dir.clone(),
            use_cache: true,
            rev: None,
            out: None,
            dry_run: false,
        },
        &mut |_: &Event<'_>| {},
    )
    .unwrap();
    assert_eq!(report.outcome, Outcome::Applied, "{}", report.message);
    assert_eq!(report.file_sd.as_ref().unwrap().verified, ["p"]);
    assert_eq!(
        std::fs::read_to_string(sd.join("node.json")).unwrap(),
        first
    );
}
