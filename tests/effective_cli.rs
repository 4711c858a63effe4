//! `effective`, `trace`, `list` and the rule lifecycle on the bundled example, run as
//! users run them. Output is pinned by snapshots; the JSON form is checked against the
//! rendered files.

mod support;

use support::{alertctl_no_cache as run, success_stdout as stdout};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate")
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&stdout(&run(dir, args))).expect("JSON output")
}

/// A copy of the example to edit.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("estate");
    copy_dir(&example(), &dst);
    (tmp, dst)
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == ".alertctl" || name == "rendered" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst.join(&name));
        } else {
            std::fs::copy(e.path(), dst.join(&name)).unwrap();
        }
    }
}

#[test]
fn effective_matches_rendered_rules_for_every_target() {
    let dir = example();
    let out = tempfile::tempdir().unwrap();
    stdout(&run(
        &dir,
        &["render", "--out", out.path().to_str().unwrap()],
    ));
    let mut rendered: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in std::fs::read_dir(out.path()).unwrap() {
        let e = e.unwrap();
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
        let rules = doc["groups"][0]["rules"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        rendered.insert(e.file_name().to_string_lossy().to_string(), rules);
    }
    let targets = json(&dir, &["list", "targets", "--format", "json"]);
    let targets = targets["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 12);
    for t in targets {
        let name = t["name"].as_str().unwrap();
        let eff = json(&dir, &["effective", name, "--format", "json"]);
        assert_eq!(eff["target"], *name);
        for a in eff["alerts"].as_array().unwrap() {
            let key = if a["kind"] == "recording" {
                "record"
            } else {
                "alert"
            };
            let file = &rendered[a["file"].as_str().unwrap()];
            let matching: Vec<&Value> = file
                .iter()
                .filter(|r| r[key] == a["alert"] && r["expr"] == a["expr"])
                .collect();
            assert_eq!(
                matching.len(),
                1,
                "{name}: {} not in {}",
                a["alert"],
                a["file"]
            );
            let r = matching[0];
            assert_eq!(
                r.get("labels")
                    .cloned()
                    .unwrap_or(Value::Object(Default::default())),
                a["labels"],
                "{name} {}",
                a["alert"]
            );
            assert_eq!(
                r.get("for").cloned().unwrap_or(Value::Null),
                a["for"],
                "{name} {}",
                a["alert"]
            );
        }
    }
}

#[test]
fn effective_snapshots() {
    let dir = example();
    insta::assert_snapshot!(
        "effective_web3_human",
        stdout(&run(&dir, &["effective", "web-3:9100"]))
    );
    insta::assert_snapshot!(
        "effective_web3_json",
        stdout(&run(&dir, &["effective", "web-3:9100", "--format", "json"]))
    );
    insta::assert_snapshot!(
        "effective_group_batch",
        stdout(&run(&dir, &["effective", "--group", "batch"]))
    );
    insta::assert_snapshot!(
        "effective_global",
        stdout(&run(&dir, &["effective", "--global"]))
    );
}

#[test]
fn effective_unknown_target_suggests() {
    let o = run(&example(), &["effective", "web-4:9100"]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("effective_unknown", String::from_utf8_lossy(&o.stderr));
}

/// The acceptance case: web-3 has a group override (threshold 90, team web) and a target
/// override (threshold 97); trace names the right file:line for each.
#[test]
fn trace_names_every_overridden_field() {
    let dir = example();
    let t = json(
        &dir,
        &["trace", "web-3:9100", "HighCPU", "--format", "json"],
    );
    let a = &t["alerts"][0];
    let th = &a["fields"]["params.threshold"];
    assert_eq!(th["value"], "97");
    let chain: Vec<(String, String, i64)> = th["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_str().unwrap().to_string(),
                c["file"].as_str().unwrap().to_string(),
                c["line"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        chain,
        vec![
            ("80".into(), "templates/node/high-cpu.yaml".into(), 5),
            ("90".into(), "rules/teams/web.yaml".into(), 5),
            ("97".into(), "rules/teams/web.yaml".into(), 10),
        ]
    );
    let team = &a["fields"]["labels.team"]["chain"];
    assert_eq!(team[1]["file"], "rules/teams/web.yaml");
    assert_eq!(team[1]["line"], 6);
    assert_eq!(team[1]["scope"], "group/web");
    insta::assert_snapshot!(
        "trace_web3_highcpu_all",
        stdout(&run(&dir, &["trace", "web-3:9100", "HighCPU", "--all"]))
    );
    insta::assert_snapshot!(
        "trace_cache2",
        stdout(&run(&dir, &["trace", "cache-2:9100"]))
    );
}

#[test]
fn trace_of_a_disabled_alert_says_why() {
    let o = run(&example(), &["trace", "cache-2:9100", "HighLoad"]);
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(
            "HighLoad does not apply to cache-2:9100: disabled by rules/teams/cache.yaml:"
        ),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn list_filters() {
    let dir = example();
    insta::assert_snapshot!("list_templates", stdout(&run(&dir, &["list", "templates"])));
    insta::assert_snapshot!(
        "list_rules_group_web",
        stdout(&run(&dir, &["list", "rules", "--group", "web"]))
    );
    let crit = json(
        &dir,
        &[
            "list",
            "templates",
            "--severity",
            "critical",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        crit["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["TargetDown"]
    );
    let staging = json(
        &dir,
        &[
            "list",
            "rules",
            "--namespace",
            "staging",
            "--format",
            "json",
        ],
    );
    assert!(
        staging["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["file"].as_str().unwrap().contains("staging")
                || r["file"].as_str().unwrap().contains("batch")),
        "{staging}"
    );
    let off = json(&dir, &["list", "rules", "--format", "json"]);
    assert_eq!(
        off["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["enabled"] == false)
            .count(),
        2,
        "HighCPU off for batch, HighLoad off for cache-2"
    );
    let suspended = json(&dir, &["list", "rules", "--suspended", "--format", "json"]);
    assert!(suspended["rules"].as_array().unwrap().is_empty());
    let by_tpl = json(
        &dir,
        &[
            "list",
            "rules",
            "--template",
            "DiskSpaceLow",
            "--scope",
            "global",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        by_tpl["rules"].as_array().unwrap().len(),
        3,
        "DiskSpaceLow, DiskSpaceCritical and the priority-100 policy, all at global"
    );
    let targets = json(
        &dir,
        &["list", "targets", "--group", "db", "--format", "json"],
    );
    assert_eq!(targets["targets"].as_array().unwrap().len(), 2);
}

#[test]
fn list_is_served_from_the_sqlite_index() {
    let (_tmp, dir) = scratch();
    let o = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(&dir)
        .args(["list", "targets"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let n: i64 = db
        .query_row("SELECT count(*) FROM idx_targets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 12);
    let plan: String = db
        .query_row(
            "EXPLAIN QUERY PLAN SELECT name FROM idx_targets WHERE grp = 'web'",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("USING INDEX idx_targets_grp"), "{plan}");
}

#[test]
fn rule_lifecycle_edits_files_in_place() {
    let (_tmp, dir) = scratch();
    let web = dir.join("rules/teams/web.yaml");
    let before = std::fs::read_to_string(&web).unwrap();

    stdout(&run(
        &dir,
        &["rule", "disable", &format!("{}:9", web.display())],
    ));
    let after = std::fs::read_to_string(&web).unwrap();
    assert_eq!(
        after,
        before.replace(
            "  params: { threshold: 97 }\n",
            "  params: { threshold: 97 }\n  suspended: true\n"
        ),
        "only one line added; comments kept"
    );
    let eff = json(&dir, &["effective", "web-3:9100", "--format", "json"]);
    let cpu = eff["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["alert"] == "HighCPU")
        .unwrap()
        .clone();
    assert_eq!(
        cpu["params"]["threshold"], 90,
        "with the target rule suspended, the group's value applies"
    );
    let listed = json(&dir, &["list", "rules", "--suspended", "--format", "json"]);
    assert_eq!(listed["rules"][0]["scope"], "target/web-3:9100");
    // `trace --all` lists the suspended rule under the alert it would define, and only
    // there (suspended rules are looked up by alert name, not scanned per alert).
    let traced = stdout(&run(&dir, &["trace", "web-3:9100", "HighCPU", "--all"]));
    assert!(
        traced.contains("suspended (`rule enable` resumes it)"),
        "{traced}"
    );
    let other = stdout(&run(&dir, &["trace", "web-3:9100", "HighLoad", "--all"]));
    assert!(!other.contains("suspended"), "{other}");

    stdout(&run(
        &dir,
        &[
            "rule",
            "enable",
            "--template",
            "HighCPU",
            "--scope",
            "target/web-3:9100",
        ],
    ));
    assert_eq!(
        std::fs::read_to_string(&web).unwrap(),
        before,
        "enable restores the file byte for byte"
    );

    // New rule: deep copy of the template defaults, then it renders.
    let o = run(
        &dir,
        &[
            "rule",
            "new",
            "--template",
            "MemoryLow",
            "--scope",
            "group/web",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    insta::assert_snapshot!(
        "rule_new_memorylow_web",
        std::fs::read_to_string(dir.join("rules/group/web.yaml")).unwrap()
    );
    stdout(&run(&dir, &["validate", "--promtool", "off"]));

    // Hostile scope names never leave rules/.
    let o = run(
        &dir,
        &[
            "rule",
            "new",
            "--template",
            "MemoryLow",
            "--scope",
            "group/web",
            "--file",
            "/tmp/../etc/evil.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!Path::new("/etc/evil.yaml").exists());

    // Purge removes disabled rules and nothing else.
    stdout(&run(
        &dir,
        &[
            "rule",
            "disable",
            "--template",
            "MemoryLow",
            "--scope",
            "group/web",
        ],
    ));
    let o = run(&dir, &["rule", "purge"]);
    assert!(o.status.success());
    assert!(
        !dir.join("rules/group/web.yaml").exists(),
        "a file left with no rule is removed"
    );
    let suspended = json(&dir, &["list", "rules", "--suspended", "--format", "json"]);
    assert_eq!(suspended["rules"].as_array().unwrap().len(), 0);
    stdout(&run(&dir, &["validate", "--promtool", "off"]));
}

#[test]
fn new_rule_that_conflicts_is_rolled_back() {
    let (_tmp, dir) = scratch();
    let o = run(
        &dir,
        &[
            "rule",
            "new",
            "--template",
            "HighCPU",
            "--scope",
            "group/web",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("left as it was"));
    assert!(!dir.join("rules/group/web.yaml").exists());
    let o = run(
        &dir,
        &[
            "rule",
            "new",
            "--template",
            "HighCPU",
            "--scope",
            "group/web",
            "--priority",
            "5",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `rule new --alert` takes any alert name Prometheus accepts (issue 12), written as a
/// quoted YAML string that loads back as the same name; empty is refused.
#[test]
fn new_rule_takes_any_alert_name() {
    let (_tmp, dir) = scratch();
    let name = "PostgresqlBloatIndexHigh(>80%): \"x\"";
    let o = run(
        &dir,
        &[
            "rule",
            "new",
            "--template",
            "HighCPU",
            "--scope",
            "group/web",
            "--alert",
            name,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.join("rules/group/web.yaml")).unwrap();
    assert!(
        text.contains("alert: \"PostgresqlBloatIndexHigh(>80%): \\\"x\\\"\""),
        "{text}"
    );
    let eff = json(&dir, &["effective", "--group", "web", "--format", "json"]);
    assert!(
        eff["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["alert"] == serde_json::json!(name)),
        "{eff}"
    );
    let o = run(
        &dir,
        &[
            "rule",
            "new",
            "--template",
            "HighCPU",
            "--scope",
            "group/db",
            "--alert",
            "",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot be empty"));
}

/// `apply --out` (and `rollback --out`) into the sources is refused before anything is
/// written, as `render --out` and `output.dir` are.
#[test]
fn apply_out_into_the_sources_is_refused() {
    let (_tmp, dir) = scratch();
    let before = std::fs::read_dir(dir.join("rules")).unwrap().count();
    let path = |p: &str| dir.join(p).to_str().unwrap().to_string();
    let (inside, root, templates) = (path("rules/out"), path("."), path("templates"));
    for args in [
        ["apply", "--out", inside.as_str()],
        ["apply", "--out", root.as_str()],
        ["rollback", "--out", templates.as_str()],
    ] {
        let o = run(&dir, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("the output directory") && err.contains("nothing written"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.join("rules")).unwrap().count(),
        before
    );
    assert!(!dir.join("rules/out").exists());
}
