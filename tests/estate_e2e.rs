//! The inventory drives the scrape labels, end to end, against one real Prometheus that
//! scrapes real metrics pages served from this test on 127.0.0.1 (each page is a scrape
//! target like any exporter).
//!
//! 1. Prometheus scrapes the estate through a hand-written `static_configs` without
//!    group labels: `apply` writes the rules and the file_sd files, sees that Prometheus
//!    does not show the inventory's labels, and rolls both back (exit 3); `check --live`
//!    exits 2 naming the series and what goes wrong (double alerts, wrong thresholds).
//! 2. Prometheus scrapes through the file_sd files alertctl writes: series carry the
//!    inventory's labels, `apply` verifies it, `check --live` passes, and every alert
//!    fires once per series with the effective threshold (a target override, group
//!    overrides, a disabled group).
//! 3. A target moves to another group in the inventory: after `apply` its series carry
//!    the new group and it alerts with that group's threshold.
//! 4. The file_sd files are part of the deployment: a deployment Prometheus rejects puts
//!    the previous file_sd files back with the rules, and `rollback` deploys the recorded
//!    ones again (the target returns to its old group).

mod support;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use support::write_file as write;
use support::{eventually, http_get, http_post, prometheus_with, Recorder, Server};

/// alertctl without the cache: every run sees the files as they are now.
fn alertctl(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--no-cache"];
    all.extend(args);
    support::alertctl(dir, &all)
}

use support::output_text as text;

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The label sets of an instant query's result.
fn query(prom: &Server, q: &str) -> Vec<Value> {
    let (status, body) = http_get(&format!("{}/api/v1/query?query={}", prom.url(), encode(q)))
        .expect("query answers");
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["metric"].clone())
        .collect()
}

/// Firing alerts as sorted (alert, instance, threshold label).
fn firing(prom: &Server) -> Vec<(String, String, String)> {
    let (_, body) = http_get(&format!("{}/api/v1/alerts", prom.url())).expect("alerts API");
    let v: Value = serde_json::from_str(&body).unwrap();
    let mut out: Vec<(String, String, String)> = v["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["state"] == "firing")
        .map(|a| {
            let l = &a["labels"];
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (s("alertname"), s("instance"), s("threshold"))
        })
        .collect();
    out.sort();
    out
}

/// A metrics page: one scrape target.
fn page(body: &str) -> Recorder {
    Recorder::start(body)
}

fn reload(prom: &Server, scrape: &str, rules: &Path) {
    std::fs::write(
        prom.config_path(),
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nrule_files: ['{}/*.yml']\n{scrape}",
            rules.display()
        ),
    )
    .unwrap();
    let (status, body) = http_post(&format!("{}/-/reload", prom.url())).unwrap();
    assert_eq!(status, 200, "reload: {body}");
}

#[test]
fn inventory_drives_scrape_labels_and_thresholds() {
    // The estate: web (group override 80, web-3 overridden to 95), db (group override
    // 65; db-1 also runs postgres), batch (disabled), apps (global 50).
    let web1 = page("test_cpu_busy 85\n");
    let web2 = page("test_cpu_busy 70\n");
    let web3 = page("test_cpu_busy 90\n");
    let db1 = page("test_cpu_busy 68\n");
    let db1_pg = page("test_pg_up 0\n");
    let batch1 = page("test_cpu_busy 99\n");
    let apps1 = page("test_cpu_busy 55\n");
    let pg_port = db1_pg.addr.rsplit(':').next().unwrap().to_string();

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("estate");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let static_scrape = format!(
        "scrape_configs:\n  - job_name: node\n    static_configs: [{{targets: ['{}', '{}', '{}', '{}', '{}', '{}']}}]\n  - job_name: postgres\n    static_configs: [{{targets: ['{}']}}]\n",
        web1.addr, web2.addr, web3.addr, db1.addr, batch1.addr, apps1.addr, db1_pg.addr
    );
    let prom = prometheus_with(&out, &static_scrape, None, support::free_port());

    // Phase 1 verifies against targets that never get the labels: a short wait.
    let settings = |verify: &str| {
        format!(
            "[output]\ndir = \"out\"\n[file_sd]\ndir = \"sd\"\n[apply]\nverify_timeout = \"{verify}\"\n[[prometheus]]\nname = \"prom\"\nurl = \"{}\"\ntimeout = \"5s\"\n",
            prom.url()
        )
    };
    write(&dir, "alertctl.toml", &settings("5s"));
    let inventory = |web: &str, db: &str| {
        format!(
            "namespaces:\n  prod:\n    web:\n      jobs: [node]\n      targets: [{web}]\n    db:\n      jobs: [node]\n      targets: [{db}]\n  staging:\n    batch:\n      jobs: [node]\n      targets: ['{}']\n    apps:\n      jobs: [node]\n      targets: ['{}']\n",
            batch1.addr, apps1.addr
        )
    };
    let (w1, w2, w3, d1) = (
        format!("'{}'", web1.addr),
        format!("'{}'", web2.addr),
        format!("'{}'", web3.addr),
        // db-1 also runs postgres (every page shares 127.0.0.1, so this is the one
        // target that gets the postgres port).
        format!("{{name: '{}', jobs: {{postgres: {pg_port}}}}}", db1.addr),
    );
    write(
        &dir,
        "inventory.yaml",
        &inventory(&format!("{w1}, {w2}, {w3}"), &d1),
    );
    write(
        &dir,
        "templates/t.yaml",
        "- template: CpuBusy\n  severity: warning\n  params:\n    threshold: {type: number, default: 50}\n  expr: test_cpu_busy{job=\"node\"} > ${threshold}\n  labels: {threshold: \"${threshold}\"}\n- template: PgDown\n  severity: critical\n  job: postgres\n  expr: test_pg_up == 0\n",
    );
    write(
        &dir,
        "rules/rules.yaml",
        &format!(
            "- {{template: CpuBusy, scope: global}}\n- {{template: PgDown, scope: global}}\n- {{template: CpuBusy, scope: group/web, params: {{threshold: 80}}}}\n- {{template: CpuBusy, scope: group/db, params: {{threshold: 65}}}}\n- {{template: CpuBusy, scope: 'target/{}', params: {{threshold: 95}}}}\n- {{template: CpuBusy, scope: group/batch, enabled: false}}\n",
            web3.addr
        ),
    );

    // 1. Static targets without the inventory's labels: the deployment (rules and
    //    file_sd files) is rolled back, here to nothing, as before the first apply.
    let o = alertctl(&dir, &["apply", "--promtool", "off", "--format", "json"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["result"], "rolled-back", "{report}");
    let msg = report["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!(
            "{} (job node) has group=\"\" (expected \"web\")",
            web1.addr
        )) && msg.contains("restored"),
        "{msg}"
    );
    assert_eq!(report["servers"][0]["verified"], true, "{report}");
    assert_eq!(report["servers"][0]["targets_verified"], false, "{report}");
    assert_eq!(report["rollback"][0]["verified"], true, "{report}");
    assert_eq!(report["file_sd"]["summary"]["files_added"], 2, "{report}");
    assert!(
        !dir.join("sd/node.json").exists() && !dir.join("out/group_web.yml").exists(),
        "both kinds of files rolled back"
    );

    assert!(
        eventually(Duration::from_secs(30), || query(&prom, "up == 1").len()
            == 7),
        "Prometheus scrapes the 7 static targets"
    );
    let o = alertctl(
        &dir,
        &["check", "--live", "--promtool", "off", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["live"][0]["targets"], 7);
    let errors: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "series-labels")
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        errors.len(),
        7,
        "every series lacks its labels: {errors:#?}"
    );
    let about = |addr: &str| {
        errors
            .iter()
            .find(|m| m.contains(&format!("of target `{addr}`")))
            .unwrap_or_else(|| panic!("no finding for {addr}: {errors:#?}"))
            .clone()
    };
    let w3_msg = about(&web3.addr);
    assert!(
        w3_msg.contains(&format!("`up{{instance=\"{}\",job=\"node\"}}`", web3.addr))
            && w3_msg.contains("no `group` label (the inventory says `web`)")
            && w3_msg.contains(&format!(
                "`CpuBusy` is selected by its global rule and its target/{} rule: double alerts",
                web3.addr
            )),
        "{w3_msg}"
    );
    assert!(
        about(&web1.addr).contains(
            "`CpuBusy` comes from its global rule instead of its group/web rule (threshold 50 instead of 80)"
        ),
        "{errors:#?}"
    );
    assert!(
        about(&batch1.addr).contains(
            "`CpuBusy` fires for it from its global rule, although the inventory switches it off there"
        ),
        "{errors:#?}"
    );
    let human = alertctl(&dir, &["check", "--live", "--promtool", "off"]);
    assert_eq!(human.status.code(), Some(2));
    assert!(
        text(&human).contains("error: 7 errors") && text(&human).contains("inventory.yaml:5"),
        "{}",
        text(&human)
    );

    // 2. Scrape through the file_sd files alertctl wrote, one per job. The jobs keep
    //    their names, so the static targets leave their scrape pools and their series
    //    go stale at once.
    write(&dir, "alertctl.toml", &settings("30s"));
    let sd = dir.join("sd");
    reload(
        &prom,
        &format!(
            "scrape_configs:\n  - job_name: node\n    file_sd_configs: [{{files: ['{}/node.json']}}]\n  - job_name: postgres\n    file_sd_configs: [{{files: ['{}/postgres.json']}}]\n",
            sd.display(),
            sd.display()
        ),
        &out,
    );
    let o = alertctl(&dir, &["apply", "--promtool", "off"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("writing 2 file_sd file(s)")
            && text(&o).contains("checking prom scrapes the file_sd targets with their labels")
            && text(&o).contains("file_sd: 2 added, 0 modified, 0 removed in")
            && text(&o).contains("labels verified on prom"),
        "{}",
        text(&o)
    );
    assert!(
        eventually(Duration::from_secs(30), || {
            query(
                &prom,
                "up{group=\"web\",namespace=\"prod\",job=\"node\"} == 1",
            )
            .len()
                == 3
                && query(&prom, "up{group=\"\"}").is_empty()
        }),
        "series carry the inventory's labels; the static ones went stale: {:?}",
        query(&prom, "up")
    );
    let pg = query(&prom, "up{job=\"postgres\"}");
    assert_eq!(pg.len(), 1);
    assert_eq!(pg[0]["group"], "db");
    assert_eq!(pg[0]["instance"], db1_pg.addr.as_str());
    let o = alertctl(
        &dir,
        &["check", "--live", "--promtool", "off", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["errors"], 0, "{doc}");

    let fired = |want: &[(&str, &str, &str)]| {
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, i, t)| (a.to_string(), i.to_string(), t.to_string()))
            .collect();
        eventually(Duration::from_secs(30), || firing(&prom) == want)
    };
    let mut want = vec![
        ("CpuBusy", apps1.addr.as_str(), "50"),
        ("CpuBusy", db1.addr.as_str(), "65"),
        ("CpuBusy", web1.addr.as_str(), "80"),
        ("PgDown", db1_pg.addr.as_str(), ""),
    ];
    want.sort();
    assert!(
        fired(&want),
        "once per series, effective thresholds: {:?}",
        firing(&prom)
    );

    // 3. web-2 moves to db: its series get group="db" and db's threshold (65 < 70).
    write(
        &dir,
        "inventory.yaml",
        &inventory(&format!("{w1}, {w3}"), &format!("{d1}, {w2}")),
    );
    let o = alertctl(&dir, &["apply", "--promtool", "off"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1 modified"), "{}", text(&o));
    // The target shows its new labels at once (apply waited for that); its series do
    // from the next scrape on, and the old ones go stale.
    let moved = format!("up{{instance=\"{}\"}}", web2.addr);
    let in_group = |group: &str| {
        let ok = eventually(Duration::from_secs(10), || {
            let s = query(&prom, &moved);
            s.len() == 1 && s[0]["group"] == group
        });
        assert!(ok, "not in {group}: {:?}", query(&prom, &moved));
    };
    in_group("db");
    want.push(("CpuBusy", web2.addr.as_str(), "65"));
    want.sort();
    assert!(
        fired(&want),
        "web-2 alerts at db's threshold: {:?}",
        firing(&prom)
    );

    // 4. web-2 back to web, with an annotation only Prometheus rejects: the rules and
    //    the file_sd files are restored byte for byte, and web-2 stays in db.
    let node_json = std::fs::read_to_string(sd.join("node.json")).unwrap();
    let templates = std::fs::read_to_string(dir.join("templates/t.yaml")).unwrap();
    write(
        &dir,
        "templates/t.yaml",
        &templates.replace(
            "  labels: {threshold: \"${threshold}\"}\n",
            "  labels: {threshold: \"${threshold}\"}\n  annotations: {summary: '{{ humanizeX $value }}'}\n",
        ),
    );
    write(
        &dir,
        "inventory.yaml",
        &inventory(&format!("{w1}, {w2}, {w3}"), &d1),
    );
    let o = alertctl(&dir, &["apply", "--promtool", "off", "--format", "json"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["result"], "rolled-back", "{report}");
    assert_eq!(
        report["file_sd"]["summary"]["files_modified"], 1,
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(sd.join("node.json")).unwrap(),
        node_json,
        "the previous file_sd file is back"
    );
    write(&dir, "templates/t.yaml", &templates);

    //    `rollback` (the deployment before the last good one: phase 2's) writes the
    //    file_sd files recorded with it: web-2 is in web again, verified on prom.
    let o = alertctl(&dir, &["rollback", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        report["file_sd"]["summary"]["files_modified"], 1,
        "{report}"
    );
    assert_eq!(report["file_sd"]["verified"][0], "prom", "{report}");
    in_group("web");
    let history = alertctl(&dir, &["history", "--format", "json"]);
    let rows: Value = serde_json::from_slice(&history.stdout).unwrap();
    let results: Vec<&str> = rows["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results,
        [
            "applied",
            "rolled-back",
            "applied",
            "applied",
            "rolled-back"
        ],
        "{rows}"
    );
}
