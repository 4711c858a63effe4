//! The library operations as a daemon or a web UI calls them: no CLI, events collected
//! as JSON lines, typed errors. The servers are real (Prometheus on 127.0.0.1).

mod support;

use std::path::{Path, PathBuf};

use alertctl::ops::rules::{apply, rollback, ApplyRequest, RollbackRequest};
use alertctl::ops::{Event, OpError, Outcome};
use alertctl::settings::PromtoolPolicy;

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
