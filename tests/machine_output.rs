//! Machine-readable output is a contract: every `--format json` (and `yaml`) document
//! carries `"schema": 1`, and its fields are pinned in tests/data/schema-1.fields. Within
//! schema 1 fields may only be added: a field that disappears fails here and needs a new
//! schema version; a new field fails until it is added to the list. One real Prometheus
//! makes `apply` report servers and, for a file it rejects, a rollback; it scrapes the
//! `[file_sd]` files, so `apply` verifies their targets and `check --live` has series.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};
use support::write_file as write;

use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("alertctl runs")
}

/// The document on stdout, which must carry `"schema": 1`.
fn doc(dir: &Path, args: &[&str]) -> Value {
    let o = run(dir, args);
    let out = String::from_utf8_lossy(&o.stdout);
    let v: Value = if args.contains(&"yaml") {
        serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"))
    } else {
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"))
    };
    assert_eq!(v["schema"], 1, "{args:?} has no \"schema\": 1:\n{out}");
    v
}

/// Every field path of `v`: `a.b`, `a[].c` (arrays merged over their items).
fn paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                // Maps keyed by user data (labels, params, ...) are one field each.
                let p = format!("{prefix}.{k}");
                out.insert(p.clone());
                if !is_user_keyed(k) {
                    paths(v, &p, out);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                paths(i, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// Objects whose keys are names from the rules directory, not schema fields.
fn is_user_keyed(key: &str) -> bool {
    ["params", "labels", "annotations", "fields", "jobs"].contains(&key)
}

fn fields(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    paths(v, "", &mut out);
    out.into_iter()
        .map(|p| p.trim_start_matches('.').to_string())
        .collect()
}

#[test]
fn every_json_document_has_schema_1_and_its_fields_are_pinned() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    support::init(&dir);
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let scrape = format!(
        "scrape_configs:\n  - job_name: sd\n    file_sd_configs: [{{files: ['{}/sd/*.json']}}]\n",
        dir.display()
    );
    let prom = support::prometheus_with(&out, &scrape, None, support::free_port());
    write(
        &dir,
        "alertctl.toml",
        &format!(
            "[output]\ndir = \"../out\"\n[file_sd]\ndir = \"sd\"\n[apply]\nverify_timeout = \"10s\"\n[[prometheus]]\nurl = \"{}\"\n",
            prom.url()
        ),
    );
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        "route:\n  receiver: default\nreceivers:\n  - name: default\n    webhook_configs: [{url: 'http://127.0.0.1:1/'}]\n",
    );
    // A target rule, a disabled alert and a suspended rule, so that every optional part
    // of `effective`, `trace` and `list` appears.
    write(
        &dir,
        "rules/more.yaml",
        "- template: HighCPU\n  scope: target/web-2:9100\n  params: { threshold: 99 }\n- template: TargetDown\n  scope: target/db-1:9100\n  enabled: false\n- template: HighCPU\n  scope: target/db-1:9100\n  suspended: true\n",
    );
    let bad = tmp.path().join("bad");
    support::init(&bad);
    write(
        &bad,
        "rules/teams/web.yaml",
        "- template: HighCPU\n  scope: group/web\n  params: { treshold: 90 }\n- template: HighCPU\n  scope: group/web\n",
    );

    let mut docs: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut add = |name: &'static str, v: Value| {
        docs.entry(name).or_default().extend(fields(&v));
    };
    let off = ["--promtool", "off"];
    add(
        "validate",
        doc(
            &dir,
            &[&["validate", "--format", "json"][..], &off].concat(),
        ),
    );
    add(
        "validate",
        doc(
            &bad,
            &[&["validate", "--format", "json"][..], &off].concat(),
        ),
    );
    add(
        "apply",
        doc(
            &dir,
            &[&["apply", "--dry-run", "--format", "json"][..], &off].concat(),
        ),
    );
    let applied = doc(&dir, &[&["apply", "--format", "json"][..], &off].concat());
    assert_eq!(applied["result"], "applied", "{applied}");
    assert_eq!(applied["servers"][0]["targets_verified"], true, "{applied}");
    add("apply", applied);
    add(
        "apply",
        doc(&bad, &[&["apply", "--format", "json"][..], &off].concat()),
    );
    add(
        "check",
        doc(&dir, &[&["check", "--format", "json"][..], &off].concat()),
    );
    add(
        "check",
        doc(
            &dir,
            &[&["check", "--live", "--format", "json"][..], &off].concat(),
        ),
    );
    write(
        &dir,
        "rules/more.yaml",
        "- template: HighCPU\n  scope: target/web-2:9100\n  params: { threshold: 98 }\n",
    );
    add(
        "apply",
        doc(&dir, &[&["apply", "--format", "json"][..], &off].concat()),
    );
    // An annotation only Prometheus rejects: the deploy is rolled back.
    let down = dir.join("templates/node/target-down.yaml");
    let good = std::fs::read_to_string(&down).unwrap();
    std::fs::write(
        &down,
        good.replace("{{ $labels.instance }}", "{{ humanizeX $value }}"),
    )
    .unwrap();
    let failed = doc(&dir, &[&["apply", "--format", "json"][..], &off].concat());
    assert_eq!(failed["result"], "rolled-back", "{failed}");
    add("apply", failed);
    std::fs::write(&down, good).unwrap();
    add(
        "rollback",
        doc(&dir, &["rollback", "1", "--dry-run", "--format", "json"]),
    );
    add(
        "rollback",
        doc(&dir, &["rollback", "1", "--format", "json"]),
    );
    add("history", doc(&dir, &["history", "--format", "json"]));
    write(
        &dir,
        "rules/more.yaml",
        "- template: HighCPU\n  scope: target/web-2:9100\n  params: { threshold: 99 }\n- template: TargetDown\n  scope: target/db-1:9100\n  enabled: false\n- template: HighCPU\n  scope: target/db-1:9100\n  suspended: true\n",
    );
    for t in ["web-2:9100", "db-1:9100"] {
        let slow = doc(&dir, &["--no-cache", "effective", t, "--format", "json"]);
        add("effective", slow.clone());
        add(
            "effective",
            doc(&dir, &["effective", t, "--format", "yaml"]),
        );
        // After a full run, the cache's fast path answers: the same document.
        assert!(run(&dir, &["render"]).status.success());
        assert_eq!(doc(&dir, &["effective", t, "--format", "json"]), slow);
        add(
            "trace",
            doc(&dir, &["trace", t, "--all", "--format", "json"]),
        );
        add("trace", doc(&dir, &["trace", t, "--format", "yaml"]));
    }
    add(
        "effective",
        doc(&dir, &["effective", "--group", "web", "--format", "json"]),
    );
    add(
        "list templates",
        doc(&dir, &["list", "templates", "--format", "json"]),
    );
    add(
        "list rules",
        doc(&dir, &["list", "rules", "--format", "json"]),
    );
    add(
        "list rules",
        doc(&dir, &["list", "rules", "--format", "yaml"]),
    );
    add(
        "list targets",
        doc(&dir, &["list", "targets", "--format", "json"]),
    );
    add(
        "alertmanager apply",
        doc(
            &dir,
            &["alertmanager", "apply", "--dry-run", "--format", "json"],
        ),
    );
    add(
        "alertmanager apply",
        doc(&dir, &["alertmanager", "apply", "--format", "json"]),
    );

    let actual: String = docs
        .iter()
        .flat_map(|(cmd, fs)| fs.iter().map(move |f| format!("{cmd}: {f}\n")))
        .collect();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema-1.fields");
    if std::env::var_os("ALERTCTL_BLESS").is_some() {
        let head =
            "# The fields of schema 1, per command (tests/machine_output.rs). Only additions.\n";
        std::fs::write(&file, format!("{head}{actual}")).unwrap();
    }
    let pinned = std::fs::read_to_string(&file).unwrap_or_default();
    let pinned: BTreeSet<&str> = pinned.lines().filter(|l| !l.starts_with('#')).collect();
    let actual: BTreeSet<&str> = actual.lines().collect();
    let removed: Vec<_> = pinned.difference(&actual).collect();
    let added: Vec<_> = actual.difference(&pinned).collect();
    assert!(
        removed.is_empty(),
        "fields of schema 1 are gone (that needs a new schema version, see docs/commands.md): {removed:#?}"
    );
    assert!(
        added.is_empty(),
        "new fields (allowed within schema 1): pin them in tests/data/schema-1.fields \
         (ALERTCTL_BLESS=1 cargo test --test machine_output): {added:#?}"
    );
}
