//! Many-alert rules, rule-group settings and template logic, on a small fixture
//! (tests/fixtures/many-alert), run as users run them. Output is pinned by snapshots:
//! one entry puts `team: db` on every alert of group db, a single-alert rule at the same
//! scope and priority folds after it, and `trace` shows that order.

mod support;

use support::{alertctl_no_cache as run, success_stdout as stdout};

use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/many-alert")
}

/// A copy of the fixture with `extra` appended to `file`.
fn with(file: &str, extra: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for e in walkdir::WalkDir::new(fixture()) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(fixture()).unwrap();
        let dst = tmp.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
    let p = tmp.path().join(file);
    let old = std::fs::read_to_string(&p).unwrap_or_default();
    std::fs::write(&p, format!("{old}{extra}")).unwrap();
    tmp
}

fn stderr_of(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = run(dir, args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn render_of_many_alert_rules_groups_and_logic() {
    insta::assert_snapshot!(
        "many_alert_render",
        stdout(&run(&fixture(), &["render", "--stdout"]))
    );
}

#[test]
fn trace_shows_many_alert_rules_folding_first() {
    let dir = fixture();
    insta::assert_snapshot!(
        "many_alert_trace_db1_highcpu",
        stdout(&run(&dir, &["trace", "db-1:9100", "HighCPU"]))
    );
    insta::assert_snapshot!(
        "many_alert_trace_db1_diskfull",
        stdout(&run(&dir, &["trace", "db-1:9100", "DiskFull", "--all"]))
    );
    let j: serde_json::Value = serde_json::from_str(&stdout(&run(
        &dir,
        &["trace", "db-1:9100", "HighCPU", "--format", "json"],
    )))
    .unwrap();
    let rules = j["alerts"][0]["rules"].as_array().unwrap();
    let order: Vec<_> = rules
        .iter()
        .map(|r| {
            (
                r["scope"].as_str().unwrap(),
                r.get("selects").and_then(|s| s.as_str()),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("global", None),
            ("group/db", Some("*")),
            ("group/db", None),
            ("group/db", Some("* severity=critical"))
        ]
        .into_iter()
        .take(3)
        .collect::<Vec<_>>()
    );
    assert_eq!(
        j["alerts"][0]["fields"]["labels.team"]["value"],
        "dba-oncall"
    );
}

#[test]
fn list_rules_shows_selections() {
    insta::assert_snapshot!(
        "many_alert_list_rules_db",
        stdout(&run(&fixture(), &["list", "rules", "--group", "db"]))
    );
}

#[test]
fn a_parameter_no_selected_template_has_is_an_error() {
    let d = with(
        "rules/web.yaml",
        "- template: \"Disk*\"\n  scope: group/web\n  priority: 3\n  params: { threshold: 1 }\n",
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("none of the 1 templates this rule selects has a parameter `threshold`"),
        "{err}"
    );
    assert!(err.contains("[rules/web.yaml:15:13]"), "{err}");
}

#[test]
fn two_many_alert_rules_at_one_scope_and_priority_conflict() {
    let d = with(
        "rules/db.yaml",
        "- select: { tags: [node] }\n  scope: group/db\n  labels: { x: y }\n",
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("rule-conflict"), "{err}");
}

#[test]
fn selections_that_match_nothing_warn_and_unknown_names_fail() {
    let d = with(
        "rules/web.yaml",
        "- template: \"Nope*\"\n  scope: group/web\n  labels: { x: y }\n",
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("empty-selection"), "{err}");
    let d = with(
        "rules/web.yaml",
        "- template: [HighCPU, HighCPUU]\n  scope: group/web\n  priority: 5\n",
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("unknown template `HighCPUU`") && err.contains("did you mean `HighCPU`?"),
        "{err}"
    );
}

#[test]
fn query_offset_is_refused_for_prometheus_2_42() {
    let d = with(
        "rules/global.yaml",
        "- rule_group: Postgres\n  scope: group/web\n  query_offset: 1m\n",
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("unsupported-field") && err.contains("Prometheus 2.53"),
        "{err}"
    );
}

#[test]
fn awkward_alert_names_warn_unless_ignored() {
    let t = "- template: \"Disk \\\"full\\\"\"\n  expr: up == 0\n";
    let d = with("templates/node.yaml", t);
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("awkward-name") && err.contains("[templates/node.yaml:20:13]"),
        "{err}"
    );
    let d = with(
        "templates/node.yaml",
        &format!("{t}  ignore: [awkward-name]\n"),
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("awkward-name"), "{err}");
    let d = with(
        "templates/node.yaml",
        &format!("{t}  ignore: [awkward-nam]\n"),
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("did you mean `awkward-name`?"), "{err}");
    // One `ignore:` for every warning code: an error code cannot be ignored.
    let d = with(
        "templates/node.yaml",
        &format!("{t}  ignore: [promql-syntax]\n"),
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("`promql-syntax` is an error, and errors cannot be ignored"),
        "{err}"
    );
    // --deny-warnings makes it fail CI; validate.ignore accepts it for the directory.
    let d = with("templates/node.yaml", t);
    let (code, err) = stderr_of(d.path(), &["validate", "--deny-warnings"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("awkward-name"), "{err}");
    // (The fixture's own warnings too: HighCPU's `avg by (instance)` is scoped.)
    std::fs::write(
        d.path().join("alertctl.toml"),
        "[validate]\nignore = [\"awkward-name\", \"scoped-drops-group\", \"cross-scope-aggregation\"]\n",
    )
    .unwrap();
    let (code, err) = stderr_of(d.path(), &["validate", "--deny-warnings"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("awkward-name"), "{err}");
}

/// Logic errors are located in the template file; a value injected through a list
/// item cannot leave its string.
#[test]
fn template_logic_errors_are_located_and_values_stay_escaped() {
    let d = with(
        "templates/node.yaml",
        "- template: Bad\n  expr: up > ${ 1 +* 2 }\n",
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("bad-template") && err.contains("[templates/node.yaml:21:"),
        "{err}"
    );
    let d = with("rules/web.yaml", "- template: ErrorRate\n  scope: target/web-1:9100\n  params: { paths: ['x\"}) or vector(1) #'], by: ['instance'] }\n");
    let out = stdout(&run(d.path(), &["render", "--stdout"]));
    let line = out
        .lines()
        .find(|l| l.contains("instance=\"web-1:9100\"") && l.contains("expr:"))
        .unwrap();
    assert!(
        line.contains(r#"path=~"x\"\\}\\) or vector\\(1\\) #""#),
        "{line}"
    );
    // A list of label values cannot stand where label names go.
    let d = with(
        "rules/web.yaml",
        "- template: ErrorRate\n  scope: target/web-1:9100\n  params: { by: ['a b'] }\n",
    );
    let (code, err) = stderr_of(d.path(), &["validate"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`a b` is not a label name"), "{err}");
}
