//! Alertmanager end to end, with real processes on 127.0.0.1: rules rendered and applied
//! to a Prometheus that scrapes a small metrics page; alerts fire; the Alertmanager config
//! alertctl generated and applied delivers each to the webhook its routing says, and to
//! no other; an inhibited alert is not delivered. Also: a config Alertmanager rejects is
//! rolled back, no secret value appears in any output, and `routes-test` agrees with
//! `amtool config routes test` on every target and severity of the bundled example.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use support::{alertmanager, eventually, prometheus_scraping, Recorder};

const TOKEN: &str = "sup3r-s3cret-hook-token";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(dir)
        .args(["--color", "never"])
        .args(args)
        .env("HOOK_TOKEN", TOKEN)
        .output()
        .expect("alertctl runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write(dir: &Path, rel: &str, content: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

const METRICS: &str = "\
test_value{job=\"t\",namespace=\"prod\",group=\"web\",instance=\"web-1:9100\"} 10
test_value{job=\"t\",namespace=\"prod\",group=\"db\",instance=\"db-1:9100\"} 10
test_down{job=\"t\",namespace=\"prod\",group=\"db\",instance=\"db-1:9100\"} 1
test_down{job=\"t\",namespace=\"prod\",group=\"web\",instance=\"web-1:9100\"} 0
";

fn am_config(sink: &str, default_url: &str) -> String {
    format!(
        "route:\n  receiver: default\n  group_by: [alertname, instance]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
receivers:\n  - name: default\n    webhook_configs: [{{url: '{default_url}', send_resolved: false}}]\n  - name: web\n    webhook_configs:\n      - url: http://{sink}/web\n        send_resolved: false\n        http_config:\n          authorization:\n            credentials: ${{env:HOOK_TOKEN}}\n  - name: db\n    webhook_configs: [{{url: 'http://{sink}/db', send_resolved: false}}]\n\
routing:\n  - scope: group/web\n    receiver: web\n  - scope: group/db\n    receiver: db\n\
inhibit:\n  target_down: HostDown\n"
    )
}

/// A rules directory wired to one Prometheus and one Alertmanager.
fn estate(root: &Path, prom: &str, am: &str, sink: &str) -> PathBuf {
    let dir = root.join("rules");
    write(&dir, "alertctl.toml", &format!("[output]\ndir = \"out\"\n[apply]\nverify_timeout = \"15s\"\n[[prometheus]]\nurl = \"{prom}\"\n[alertmanager]\noutput = \"am/alertmanager.yml\"\n[[alertmanager.servers]]\nurl = \"{am}\"\n"));
    write(
        &dir,
        "inventory.yaml",
        "namespaces:\n  prod:\n    web: [web-1:9100]\n    db: [db-1:9100]\n",
    );
    write(&dir, "templates/high-value.yaml", "template: HighValue\nseverity: warning\nparams:\n  threshold: {type: number, default: 5}\nexpr: test_value{job=\"t\"} > ${threshold}\nannotations:\n  summary: \"{{ $labels.instance }} is at {{ $value }}\"\n");
    write(
        &dir,
        "templates/host-down.yaml",
        "template: HostDown\nseverity: critical\nexpr: test_down{job=\"t\"} == 1\n",
    );
    write(&dir, "rules/all.yaml", "- template: HighValue\n  scope: global\n- template: HighValue\n  scope: group/web\n  severity: critical\n- template: HostDown\n  scope: global\n");
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_config(sink, &format!("http://{sink}/default")),
    );
    dir
}

#[test]
fn alerts_reach_the_routed_receiver_and_no_other() {
    let tmp = tempfile::tempdir().unwrap();
    let metrics = Recorder::start(METRICS);
    let sink = Recorder::start("");
    // Alertmanager starts on the config alertctl renders.
    let am_port = support::free_port();
    let prom_port_dir = tmp.path().join("rules/out");
    std::fs::create_dir_all(&prom_port_dir).unwrap();
    let dir = estate(
        tmp.path(),
        "http://placeholder",
        &format!("http://127.0.0.1:{am_port}"),
        &sink.addr,
    );
    let o = run(&dir, &["alertmanager", "render"]);
    assert!(o.status.success(), "{}", text(&o));
    let am = alertmanager(&dir.join("am/alertmanager.yml"));
    let prom = prometheus_scraping(
        &prom_port_dir,
        &metrics.addr,
        &format!("127.0.0.1:{}", am.port),
    );
    let cfg = dir.join("alertctl.toml");
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("http://placeholder", &prom.url())
            .replace(
                &format!("127.0.0.1:{am_port}"),
                &format!("127.0.0.1:{}", am.port),
            ),
    )
    .unwrap();

    let o = run(&dir, &["apply"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(&dir, &["alertmanager", "apply"]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", text(&o), am.log_text());
    assert!(
        text(&o).contains("no changes") || text(&o).contains("applied"),
        "{}",
        text(&o)
    );

    // The web alert (critical, routed by group) reaches /web with the deployed secret.
    assert!(
        eventually(Duration::from_secs(40), || !sink
            .posts_to("/web")
            .is_empty()
            && !sink.posts_to("/db").is_empty()),
        "no delivery: {:?}\nprom: {}\nam: {}",
        sink.requests.lock().unwrap(),
        prom.log_text(),
        am.log_text()
    );
    // Give a straggler time to show up before asserting what did not arrive.
    std::thread::sleep(Duration::from_secs(3));
    let web = sink.posts_to("/web");
    assert!(
        web.iter()
            .all(|r| r.body.contains("\"alertname\":\"HighValue\"")
                && r.body.contains("web-1:9100")
                && r.body.contains("\"severity\":\"critical\"")),
        "{web:?}"
    );
    assert!(
        web[0]
            .headers
            .to_ascii_lowercase()
            .contains(&format!("authorization: bearer {TOKEN}").to_ascii_lowercase()),
        "the secret reached Alertmanager from the environment"
    );
    let db = sink.posts_to("/db");
    assert!(
        db.iter()
            .all(|r| r.body.contains("\"alertname\":\"HostDown\"")),
        "HighValue on db-1 is inhibited by HostDown: {db:?}"
    );
    assert!(
        sink.posts_to("/default").is_empty(),
        "nothing falls through to the default receiver"
    );

    // No secret in any output, while the written file has it.
    for args in [
        vec!["alertmanager", "render", "--stdout"],
        vec!["alertmanager", "diff"],
        vec!["alertmanager", "apply"],
        vec!["history", "--format", "json"],
        vec!["validate"],
    ] {
        let o = run(&dir, &args);
        assert!(
            !text(&o).contains(TOKEN),
            "{args:?} printed the secret:\n{}",
            text(&o)
        );
    }
    assert!(std::fs::read_to_string(dir.join("am/alertmanager.yml"))
        .unwrap()
        .contains(TOKEN));
    let hist = std::fs::read(dir.join(".alertctl/history.sqlite")).unwrap();
    assert!(
        !String::from_utf8_lossy(&hist).contains(TOKEN),
        "the history keeps a masked copy"
    );

    // A config Alertmanager rejects (amtool off, so only Alertmanager can tell) is rolled
    // back: the old config keeps running.
    let running_before = support::http_get(&format!("{}/api/v2/status", am.url()))
        .unwrap()
        .1;
    let before = std::fs::read(dir.join("am/alertmanager.yml")).unwrap();
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_config(&sink.addr, "not a url"),
    );
    let o = run(&dir, &["alertmanager", "apply", "--amtool", "off"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("Alertmanager rejected the new config"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read(dir.join("am/alertmanager.yml")).unwrap(),
        before,
        "restored byte for byte"
    );
    let running_after = support::http_get(&format!("{}/api/v2/status", am.url()))
        .unwrap()
        .1;
    let orig = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s).unwrap()["config"]["original"].clone()
    };
    assert_eq!(
        orig(&running_after),
        orig(&running_before),
        "the old config is still running"
    );
    // With amtool (the default policy), the same mistake is caught before any write.
    let o = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(&dir)
        .args(["alertmanager", "apply", "--amtool", "required"])
        .env("HOOK_TOKEN", TOKEN)
        .env("ALERTCTL_AMTOOL", support::tool("amtool"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("amtool check-config rejects"),
        "{}",
        text(&o)
    );
}

/// `routes-test` against `amtool config routes test` on the rendered example, for every
/// inventory target and severity, plus label sets outside the inventory.
#[test]
fn routes_test_agrees_with_amtool_on_the_example() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("alertmanager.yml");
    let envs = [
        ("PAGERDUTY_SRE_KEY", "0123456789abcdef0123456789abcdef"),
        ("SLACK_WEB_URL", "https://hooks.slack.com/services/T0/B0/x"),
    ];
    let mut c = Command::new(env!("CARGO_BIN_EXE_alertctl"));
    c.arg("-C")
        .arg(&example)
        .args(["--no-cache", "alertmanager", "render", "--out"])
        .arg(&file)
        .envs(envs);
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let amtool = support::tool("amtool");
    let check = Command::new(&amtool)
        .arg("check-config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "amtool accepts the rendered example:\n{}",
        text(&check)
    );

    let targets: serde_json::Value = serde_json::from_slice(
        &Command::new(env!("CARGO_BIN_EXE_alertctl"))
            .arg("-C")
            .arg(&example)
            .args(["--no-cache", "list", "targets", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut cases: Vec<Vec<(String, String)>> = Vec::new();
    for t in targets["targets"].as_array().unwrap() {
        for sev in ["critical", "warning", "info", ""] {
            let mut labels = vec![
                (
                    "instance".to_string(),
                    t["name"].as_str().unwrap().to_string(),
                ),
                ("group".into(), t["group"].as_str().unwrap().into()),
                ("namespace".into(), t["namespace"].as_str().unwrap().into()),
            ];
            if !sev.is_empty() {
                labels.push(("severity".into(), sev.into()));
            }
            cases.push(labels);
        }
    }
    cases.push(vec![("severity".into(), "critical".into())]);
    cases.push(vec![
        ("namespace".into(), "staging".into()),
        ("group".into(), "new-group".into()),
        ("severity".into(), "critical".into()),
    ]);
    cases.push(vec![("alertname".into(), "X".into())]);
    let mut compared = 0;
    for labels in cases {
        let kv: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let ours = Command::new(env!("CARGO_BIN_EXE_alertctl"))
            .arg("-C")
            .arg(&example)
            .args(["--no-cache", "alertmanager", "routes-test"])
            .args(&kv)
            .envs(envs)
            .output()
            .unwrap();
        assert!(ours.status.success(), "{}", text(&ours));
        let theirs = Command::new(&amtool)
            .args(["config", "routes", "test"])
            .arg(format!("--config.file={}", file.display()))
            .args(&kv)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout).trim(),
            String::from_utf8_lossy(&theirs.stdout).trim(),
            "labels {kv:?}"
        );
        compared += 1;
    }
    assert!(compared >= 48 + 3);
}

/// `alertctl::alertmanager::inhibit` against a real Alertmanager: the same alerts are
/// posted to it, and the set it reports as inhibited (`status.inhibitedBy`) must be the
/// set `inhibited_by` computes, for rules in all three matcher syntaxes, an alert that
/// matches both sides of a rule, and `equal` labels absent on both alerts.
#[test]
fn inhibition_matches_a_real_alertmanager() {
    use std::collections::{BTreeMap, BTreeSet};
    let tmp = tempfile::tempdir().unwrap();
    let inhibit = r#"
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, instance]
  - source_match: {alertname: TargetDown}
    target_match_re: {alertname: '.+'}
    equal: [instance]
  - source_match_re: {team: 'a|b'}
    target_matchers: ['team="b"']
    equal: [zone]
"#;
    let cfg = tmp.path().join("am.yml");
    std::fs::write(
        &cfg,
        format!("route: {{receiver: r}}\nreceivers: [{{name: r}}]\n{inhibit}"),
    )
    .unwrap();
    let am = alertmanager(&cfg);
    let sets: Vec<BTreeMap<String, String>> = [
        vec![
            ("alertname", "Cpu"),
            ("instance", "a"),
            ("severity", "critical"),
        ],
        vec![
            ("alertname", "Cpu"),
            ("instance", "a"),
            ("severity", "warning"),
        ],
        vec![
            ("alertname", "Cpu"),
            ("instance", "b"),
            ("severity", "warning"),
        ],
        vec![
            ("alertname", "Mem"),
            ("instance", "a"),
            ("severity", "warning"),
        ],
        vec![("alertname", "TargetDown"), ("instance", "c")],
        vec![
            ("alertname", "Disk"),
            ("instance", "c"),
            ("severity", "warning"),
        ],
        vec![("alertname", "TargetDown"), ("instance", "d"), ("x", "1")],
        vec![("alertname", "Q"), ("team", "a")],
        vec![("alertname", "R"), ("team", "b")],
        vec![("alertname", "S"), ("team", "b"), ("zone", "z1")],
        vec![("alertname", "T"), ("team", "c")],
    ]
    .iter()
    .map(|v| {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    })
    .collect();
    let body: Vec<serde_json::Value> = sets
        .iter()
        .map(|l| serde_json::json!({"labels": l, "annotations": {}}))
        .collect();
    let http = reqwest::blocking::Client::new();
    let resp = http
        .post(format!("{}/api/v2/alerts", am.url()))
        .json(&body)
        .send()
        .unwrap();
    assert!(resp.status().is_success(), "{:?}", resp.text());

    let rules = alertctl::alertmanager::inhibit::parse_rules(
        &serde_yaml::from_str::<serde_yaml::Value>(inhibit).unwrap()["inhibit_rules"],
    )
    .unwrap();
    let ours: BTreeSet<BTreeMap<String, String>> =
        alertctl::alertmanager::inhibit::inhibited_by(&rules, &sets)
            .iter()
            .zip(&sets)
            .filter(|(by, _)| by.is_some())
            .map(|(_, l)| l.clone())
            .collect();
    assert_eq!(
        ours.len(),
        3,
        "the cases must exercise inhibition: {ours:?}"
    );
    let theirs = || -> BTreeSet<BTreeMap<String, String>> {
        let v: serde_json::Value = http
            .get(format!("{}/api/v2/alerts", am.url()))
            .send()
            .unwrap()
            .json()
            .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter(|a| !a["status"]["inhibitedBy"].as_array().unwrap().is_empty())
            .map(|a| serde_json::from_value(a["labels"].clone()).unwrap())
            .collect()
    };
    // Alertmanager feeds its inhibitor asynchronously: wait for its answer to settle.
    let settled = eventually(Duration::from_secs(10), || theirs() == ours);
    assert!(
        settled,
        "Alertmanager inhibits {:#?}\nalertctl inhibits {ours:#?}",
        theirs()
    );
}
