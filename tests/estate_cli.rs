//! Jobs, file_sd output and the scoped-query lints, as users run them: on the made-up
//! estate `tests/fixtures/good/jobs` (node, postgres and blackbox exporters; db hosts
//! run node on :9100 and postgres on :9187) and on `tests/fixtures/warnings/
//! scoped-queries`. Output is pinned by snapshots; hostile inventories and settings
//! must give located errors.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// A copy of a fixture in a temp dir (runs leave `.alertctl/`, `rendered/`, `file_sd/`).
fn scratch(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("estate");
    support::copy_dir(&fixture(rel), &dst);
    (tmp, dst)
}

use support::alertctl as run;

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn ok(o: Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    out(&o)
}

fn alerts_of(doc: &Value) -> Vec<String> {
    doc["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["alert"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn effective_on_a_host_with_two_jobs() {
    let (_tmp, dir) = scratch("good/jobs");
    let human = ok(run(&dir, &["--no-cache", "effective", "db-1:9100"]));
    insta::assert_snapshot!("effective_db1_human", human);
    let json = ok(run(
        &dir,
        &["--no-cache", "effective", "db-1:9100", "--format", "json"],
    ));
    insta::assert_snapshot!("effective_db1_json", json);
    let doc: Value = serde_json::from_str(&json).unwrap();
    // Exactly the alerts of node and postgres: no blackbox alert on a database host.
    assert_eq!(
        alerts_of(&doc),
        [
            "HostHighCpuLoad",
            "NodeExporterDown",
            "PostgresqlDown",
            "PostgresqlTooManyConnections"
        ]
    );
    assert_eq!(doc["jobs"]["postgres"], "db-1:9187");
    // The postgres alert's target rule selects the postgres instance, the node alerts
    // the node instance's series.
    let pg = &doc["alerts"][2];
    assert_eq!(pg["job"], "postgres");
    assert_eq!(pg["expr"], "pg_up{instance=\"db-1:9187\"} == 0");

    // Asking for the postgres instance answers for its host.
    let by_instance = ok(run(
        &dir,
        &["--no-cache", "effective", "db-1:9187", "--format", "json"],
    ));
    assert_eq!(by_instance, json);
    assert_eq!(
        ok(run(&dir, &["--no-cache", "effective", "db-1:9187"])),
        human
    );

    // The warm fast path (answers from the cache index) gives the same bytes.
    ok(run(&dir, &["render"]));
    let fast = run(&dir, &["-v", "effective", "db-1:9100", "--format", "json"]);
    assert!(
        err(&fast).contains("answered from the cache index"),
        "{}",
        err(&fast)
    );
    assert_eq!(ok(fast), json);
    assert_eq!(ok(run(&dir, &["effective", "db-1:9100"])), human);

    let probe: Value = serde_json::from_str(&ok(run(
        &dir,
        &["effective", "probe-1", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(alerts_of(&probe), ["BlackboxProbeFailed"]);
    // A target's own jobs add to its group's.
    let tools2: Value = serde_json::from_str(&ok(run(
        &dir,
        &[
            "--no-cache",
            "effective",
            "tools-2:9100",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(alerts_of(&tools2).len(), 4, "{tools2}");
    let tools1: Value = serde_json::from_str(&ok(run(
        &dir,
        &[
            "--no-cache",
            "effective",
            "tools-1:9100",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(alerts_of(&tools1), ["HostHighCpuLoad", "NodeExporterDown"]);
}

/// `select: {job: node}` puts its label on every alert that watches job node (declared
/// or read from the query), on every instance of that job, and on no other alert.
#[test]
fn many_alert_rules_select_by_job() {
    let (_tmp, dir) = scratch("good/jobs");
    support::write_file(
        &dir,
        "rules/hosts.yaml",
        "- select: { job: node }\n  scope: group/db\n  labels: { team: hosts }\n",
    );
    let doc: Value = serde_json::from_str(&ok(run(
        &dir,
        &["--no-cache", "effective", "db-1:9100", "--format", "json"],
    )))
    .unwrap();
    let team: Vec<(String, String)> = doc["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["alert"].as_str().unwrap().to_string(),
                a["labels"]["team"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let pair = |a: &str, t: &str| (a.to_string(), t.to_string());
    assert_eq!(
        team,
        [
            pair("HostHighCpuLoad", "hosts"),
            pair("NodeExporterDown", "hosts"),
            pair("PostgresqlDown", "-"),
            pair("PostgresqlTooManyConnections", "-"),
        ]
    );
    let trace = ok(run(
        &dir,
        &["--no-cache", "trace", "db-1:9100", "NodeExporterDown"],
    ));
    assert!(trace.contains("job=node"), "{trace}");
    // Only group db: web's node alerts keep no team.
    let web: Value = serde_json::from_str(&ok(run(
        &dir,
        &["--no-cache", "effective", "web-1:9100", "--format", "json"],
    )))
    .unwrap();
    assert!(
        web["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["labels"]["team"].is_null()),
        "{web}"
    );
}

#[test]
fn trace_and_list_agree_on_jobs() {
    let (_tmp, dir) = scratch("good/jobs");
    let o = run(
        &dir,
        &["--no-cache", "trace", "web-1:9100", "PostgresqlDown"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        err(&o).contains("PostgresqlDown does not apply to web-1:9100: it watches job `postgres`, which web-1:9100 does not run (it runs node)"),
        "{}",
        err(&o)
    );
    insta::assert_snapshot!(
        "list_targets_jobs",
        ok(run(&dir, &["--no-cache", "list", "targets"]))
    );
    insta::assert_snapshot!(
        "list_templates_jobs",
        ok(run(&dir, &["--no-cache", "list", "templates"]))
    );
    let pg = ok(run(
        &dir,
        &["--no-cache", "list", "templates", "--job", "postgres"],
    ));
    assert!(
        pg.contains("PostgresqlDown") && !pg.contains("HostHighCpuLoad"),
        "{pg}"
    );
}

#[test]
fn file_sd_files_render_diff_and_stay_put() {
    let (_tmp, dir) = scratch("good/jobs");
    let stdout = ok(run(&dir, &["--no-cache", "render", "--stdout"]));
    let node = stdout
        .split("# ---- ")
        .find(|s| s.starts_with("file_sd/node.json"))
        .expect("file_sd/node.json printed");
    insta::assert_snapshot!("file_sd_node_json", node);

    let o = run(&dir, &["render"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(
        err(&o).contains("rendered 3 file_sd files to"),
        "{}",
        err(&o)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.join("file_sd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["blackbox.json", "node.json", "postgres.json"]);
    let written = std::fs::read_to_string(dir.join("file_sd/node.json")).unwrap();
    assert_eq!(format!("file_sd/node.json\n{written}\n"), node);
    let groups: Value = serde_json::from_str(&written).unwrap();
    let db = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["labels"]["group"] == "db")
        .unwrap();
    assert_eq!(db["targets"], serde_json::json!(["db-1:9100", "db-2:9100"]));
    assert_eq!(db["labels"]["namespace"], "prod");
    assert_eq!(db["labels"]["job"], "node");

    // Written only when changed.
    let mtime = |f: &str| std::fs::metadata(dir.join(f)).unwrap().modified().unwrap();
    let before = mtime("file_sd/postgres.json");
    let again = run(&dir, &["--no-cache", "render"]);
    assert!(
        err(&again).contains("0 added, 0 modified, 0 removed"),
        "{}",
        err(&again)
    );
    assert_eq!(mtime("file_sd/postgres.json"), before);
    let d = run(&dir, &["diff", "--exit-code"]);
    assert_eq!(d.status.code(), Some(0), "{}", err(&d));

    // Moving a target to another group changes its labels: diff shows it.
    let inv = dir.join("inventory.yaml");
    let text = std::fs::read_to_string(&inv)
        .unwrap()
        .replace(
            "[web-1:9100, web-2:9100, web-3:9100]",
            "[web-1:9100, web-2:9100]",
        )
        .replace("- tools-1:9100", "- tools-1:9100\n        - web-3:9100");
    std::fs::write(&inv, text).unwrap();
    let d = run(&dir, &["diff", "--exit-code"]);
    assert_eq!(d.status.code(), Some(1));
    assert!(out(&d).contains("--- a/file_sd/node.json"), "{}", out(&d));
    assert!(
        err(&d).contains("file_sd: 0 added, 1 modified, 0 removed"),
        "{}",
        err(&d)
    );

    // A hand-written file with the name of one alertctl writes is never overwritten.
    std::fs::write(dir.join("file_sd/blackbox.json"), "[]\n").unwrap();
    let r = run(&dir, &["render"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(err(&r).contains("blackbox.json exists in"), "{}", err(&r));
    assert_eq!(
        std::fs::read_to_string(dir.join("file_sd/blackbox.json")).unwrap(),
        "[]\n"
    );
}

#[test]
fn init_scaffolds_file_sd() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("alerts");
    support::init(&dir);
    let toml = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
    assert!(
        toml.contains("[file_sd]\n") && toml.contains("file_sd_configs"),
        "{toml}"
    );
    let v = run(&dir, &["validate", "--promtool", "off"]);
    assert_eq!(v.status.code(), Some(0), "{}", err(&v));
    assert!(
        !err(&v).contains('⚠'),
        "the scaffold has no warnings: {}",
        err(&v)
    );
    ok(run(&dir, &["render"]));
    let groups: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("file_sd/node.json")).unwrap())
            .unwrap();
    assert_eq!(
        groups[1],
        serde_json::json!({
            "targets": ["web-1:9100", "web-2:9100"],
            "labels": {"__alertctl_source": "inventory.yaml", "group": "web", "job": "node", "namespace": "prod"}
        })
    );
}

/// (code, file, line) of every diagnostic of `validate --format json`.
fn codes(dir: &Path, extra: &[&str]) -> (i32, Vec<(String, String, u64)>) {
    let mut args = vec![
        "--no-cache",
        "validate",
        "--promtool",
        "off",
        "--format",
        "json",
    ];
    args.extend(extra);
    let (code, found) = support::json_diagnostics(&run(dir, &args));
    let v = found.into_iter().map(|(c, f, l, _)| (c, f, l)).collect();
    (code, v)
}

fn diag(code: &str, file: &str, line: u64) -> (String, String, u64) {
    (code.into(), file.into(), line)
}

#[test]
fn scoped_query_warnings_are_located_at_the_rule() {
    let (_tmp, dir) = scratch("warnings/scoped-queries");
    let o = run(&dir, &["--no-cache", "validate", "--promtool", "off"]);
    assert_eq!(o.status.code(), Some(0), "warnings do not fail validate");
    insta::assert_snapshot!("scoped_queries_human", err(&o));
    let (code, found) = codes(&dir, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        found,
        [
            diag("scoped-absent", "rules/web.yaml", 3),
            diag("scoped-drops-group", "rules/web.yaml", 7),
            diag("scoped-constant", "rules/web.yaml", 11),
            diag("scoped-constant", "rules/web.yaml", 15),
            diag("cross-scope-aggregation", "templates/queries.yaml", 19),
        ]
    );
    // CI: warnings become errors.
    let (code, found) = codes(&dir, &["--deny-warnings"]);
    assert_eq!((code, found.len()), (2, 5));
    let human = run(
        &dir,
        &[
            "--no-cache",
            "check",
            "--promtool",
            "off",
            "--deny-warnings",
        ],
    );
    assert_eq!(human.status.code(), Some(2));
    assert!(
        err(&human).contains("error: 5 errors in"),
        "{}",
        err(&human)
    );
    let gh = run(
        &dir,
        &[
            "--no-cache",
            "validate",
            "--promtool",
            "off",
            "--format",
            "github",
        ],
    );
    assert!(
        out(&gh).contains("::warning file=rules/web.yaml,line=3,col=10,"),
        "{}",
        out(&gh)
    );

    // A person decides: `ignore:` on the rule, on the template, or for the directory.
    let web = dir.join("rules/web.yaml");
    let text = std::fs::read_to_string(&web).unwrap();
    std::fs::write(
        &web,
        text.replacen(
            "  labels: { team: web }",
            "  labels: { team: web }\n  ignore: [scoped-absent]",
            1,
        ),
    )
    .unwrap();
    let tpl = dir.join("templates/queries.yaml");
    let t = std::fs::read_to_string(&tpl).unwrap();
    std::fs::write(
        &tpl,
        t.replace(
            "  expr: vector(1)",
            "  expr: vector(1)\n  ignore: [scoped-constant]",
        ),
    )
    .unwrap();
    let (_, found) = codes(&dir, &[]);
    assert_eq!(
        found,
        [
            diag("scoped-drops-group", "rules/web.yaml", 8),
            diag("scoped-constant", "rules/web.yaml", 16),
            diag("cross-scope-aggregation", "templates/queries.yaml", 20),
        ]
    );
    std::fs::write(
        dir.join("alertctl.toml"),
        "[validate]\nignore = [\"scoped-drops-group\", \"scoped-constant\", \"cross-scope-aggregation\"]\n",
    )
    .unwrap();
    let (code, found) = codes(&dir, &["--deny-warnings"]);
    assert_eq!((code, found), (0, vec![]));
}

#[test]
fn jobs_warnings_and_errors() {
    let (_tmp, dir) = scratch("good/jobs");
    // A rule for a target that does not run the alert's job selects nothing.
    std::fs::write(
        dir.join("rules/odd.yaml"),
        "- template: PostgresqlDown\n  scope: target/web-1:9100\n",
    )
    .unwrap();
    // A template with two job matchers: which one does it watch?
    std::fs::write(
        dir.join("templates/node/ambiguous.yaml"),
        "template: Mixed\nexpr: up{job=\"node\"} == 0 and on (instance) up{job=\"postgres\"} == 1\n",
    )
    .unwrap();
    let (code, found) = codes(&dir, &[]);
    assert_eq!(code, 2);
    assert_eq!(
        found,
        [
            diag("job-not-run", "rules/odd.yaml", 2),
            diag("ambiguous-job", "templates/node/ambiguous.yaml", 2),
        ]
    );
    let o = run(&dir, &["--no-cache", "validate", "--promtool", "off"]);
    assert!(
        err(&o).contains("template `Mixed` selects several jobs (\"node\", \"postgres\")"),
        "{}",
        err(&o)
    );
    // Declaring the job settles it; `*` means every job.
    std::fs::write(
        dir.join("templates/node/ambiguous.yaml"),
        "template: Mixed\njob: \"*\"\nexpr: up{job=\"node\"} == 0 and on (instance) up{job=\"postgres\"} == 1\n",
    )
    .unwrap();
    let (_, found) = codes(&dir, &[]);
    assert_eq!(found, [diag("job-not-run", "rules/odd.yaml", 2)]);
}

/// Every new input surface refuses control characters, path traversal and bad ports
/// with a located error, and never writes outside the rules directory.
#[test]
fn hostile_inventories_and_settings_are_located_errors() {
    let cases: &[(&str, &str, &str, u64)] = &[
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: [\"no\\nde\"]\n      targets: [a]\n", "bad-name", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: [../../etc]\n      targets: [a]\n", "bad-name", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: [.hidden]\n      targets: [a]\n", "bad-name", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: {node: 0}\n      targets: [a]\n", "wrong-type", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: {node: 70000}\n      targets: [a]\n", "wrong-type", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: {node: \"9100\"}\n      targets: [a]\n", "wrong-type", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: {node: 91x}\n      targets: [a]\n", "wrong-type", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: [node, node]\n      targets: [a]\n", "duplicate-inventory", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      targets: [{name: a, jbos: [node]}]\n", "unknown-field", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      targets: [{jobs: [node]}]\n", "missing-field", 4),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: {node: 9100}\n      targets: [a, \"a:9100\"]\n", "duplicate-inventory", 5),
        ("inventory.yaml", "namespaces:\n  p:\n    g:\n      jobs: {node: 9100, pg: 9100}\n      targets: [a, b]\n", "none", 0),
        ("templates/t.yaml", "template: T\njob: \"a/b\"\nexpr: up == 0\n", "bad-name", 2),
        ("templates/t.yaml", "template: T\nignore: [promql-syntax]\nexpr: up == 0\n", "bad-name", 2),
        ("templates/t.yaml", "template: T\nignore: [scoped-absnet]\nexpr: up == 0\n", "bad-name", 2),
        ("alertctl.toml", "[file_sd]\ndir = \"../../etc/prometheus\"\n", "settings", 2),
        ("alertctl.toml", "[file_sd]\ndir = \"file\\nsd\"\n", "settings", 2),
        ("alertctl.toml", "[validate]\nignore = [\"promql-syntax\"]\n", "settings", 2),
    ];
    for (file, content, want, line) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("alertctl.toml"), "[file_sd]\ndir = \"sd\"\n").unwrap();
        std::fs::write(
            dir.join("inventory.yaml"),
            "namespaces:\n  p:\n    g: [a]\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join(file), content).unwrap();
        let (code, found) = codes(dir, &[]);
        let errors: Vec<_> = found
            .iter()
            .filter(|d| d.0 != "target-without-job")
            .collect();
        if *want == "none" {
            // Two jobs on one port of a host is a legit (odd) setup, not an error.
            assert_eq!((code, errors.len()), (0, 0), "{content}: {found:?}");
            continue;
        }
        assert_eq!(code, 2, "{file}: {content:?}: {found:?}");
        assert!(
            errors
                .iter()
                .any(|d| d.0 == *want && d.1 == *file && d.2 == *line),
            "{file}: {content:?}: want {want} at line {line}, got {found:?}"
        );
        let r = run(dir, &["--no-cache", "render"]);
        assert_eq!(r.status.code(), Some(2), "{content:?}");
        assert!(!dir.join("sd").exists() && !dir.join("rendered").exists());
    }
    // YAML aliases for jobs work like the value they point at.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("alertctl.toml"), "[file_sd]\ndir = \"sd\"\n").unwrap();
    std::fs::write(
        dir.join("inventory.yaml"),
        "namespaces:\n  p:\n    a:\n      jobs: &j {node: 9100, pg: 9187}\n      targets: [h1]\n    b:\n      jobs: *j\n      targets: [h2]\n",
    )
    .unwrap();
    ok(run(dir, &["--no-cache", "render"]));
    let pg = std::fs::read_to_string(dir.join("sd/pg.json")).unwrap();
    assert!(
        pg.contains("\"h1:9187\"") && pg.contains("\"h2:9187\""),
        "{pg}"
    );
}
