//! `alertctl impact` against a real Prometheus holding known history: 26 hours of
//! per-minute CPU samples for four targets, generated here with bursts above the
//! thresholds at known minutes, turned into TSDB blocks by the real `promtool tsdb
//! create-blocks-from openmetrics`, and served by a real Prometheus. A group threshold
//! changes; the reported episodes and firing time, old and new, must equal what this
//! test computes on its own from the generated samples.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod support;

const FOR_MIN: usize = 5;
const DATA_MIN: usize = 26 * 60;

/// Per target: bursts of (first minute, length in minutes, value) over a base of 50.
fn bursts() -> BTreeMap<&'static str, Vec<(usize, usize, f64)>> {
    BTreeMap::from([
        (
            "web-1:9100",
            vec![
                (300, 30, 95.0),
                (420, 4, 95.0),
                (700, 20, 85.0),
                (900, 6, 85.0),
                (1000, 5, 85.0),
            ],
        ),
        (
            "web-2:9100",
            vec![(250, 10, 85.0), (1100, 60, 92.0), (1400, 3, 99.0)],
        ),
        (
            "db-1:9100",
            vec![(350, 10, 95.0), (600, 5, 85.0), (1250, 6, 85.0)],
        ),
        ("db-2:9100", vec![]),
    ])
}

fn samples(b: &[(usize, usize, f64)]) -> Vec<f64> {
    let mut v = vec![50.0; DATA_MIN + 1];
    for &(start, len, value) in b {
        v[start..start + len].fill(value);
    }
    v
}

/// What the alert does with `threshold` and `for: 5m` on these samples, computed
/// directly: each run of minutes strictly above the threshold that lasts more than
/// FOR_MIN minutes is one episode, firing for its length minus FOR_MIN minutes.
fn expected(values: &[f64], threshold: f64) -> (usize, usize) {
    let (mut episodes, mut minutes, mut run) = (0, 0, 0);
    for v in values.iter().chain(std::iter::once(&0.0)) {
        if *v > threshold {
            run += 1;
        } else {
            if run > FOR_MIN {
                episodes += 1;
                minutes += run - FOR_MIN;
            }
            run = 0;
        }
    }
    (episodes, minutes)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn alertctl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(dir)
        .args(["--color", "never", "--no-cache"])
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn impact_of_a_group_threshold_change_matches_the_known_history() {
    let tmp = tempfile::tempdir().unwrap();
    // History: minute-aligned, ending at the current minute, 26 h long.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let end = now / 60 * 60;
    let start = end - DATA_MIN as i64 * 60;
    let mut om = String::from("# HELP cpu_busy_percent CPU busy.\n# TYPE cpu_busy_percent gauge\n");
    let ns = |t: &str| {
        if t.starts_with("web") {
            ("prod", "web")
        } else {
            ("prod", "db")
        }
    };
    for (target, b) in bursts() {
        let (n, g) = ns(target);
        for (i, v) in samples(&b).iter().enumerate() {
            om.push_str(&format!("cpu_busy_percent{{group=\"{g}\",instance=\"{target}\",namespace=\"{n}\"}} {v} {}\n", start + i as i64 * 60));
        }
    }
    om.push_str("# EOF\n");
    let data = tmp.path().join("data");
    write(&tmp.path().join("history.om"), &om);
    let out = Command::new(support::tool("promtool"))
        .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
        .arg(tmp.path().join("history.om"))
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "promtool tsdb: {}", text(&out.stderr));
    let prom = support::prometheus_on_data(&data);

    // The rules directory: CpuHigh at 80 globally, 90 for group web.
    let dir = tmp.path().join("rules");
    write(&dir.join("alertctl.toml"), "");
    write(
        &dir.join("inventory.yaml"),
        "namespaces:\n  prod:\n    web: [web-1:9100, web-2:9100]\n    db: [db-1:9100, db-2:9100]\n",
    );
    write(&dir.join("templates/cpu.yaml"), "template: CpuHigh\nseverity: warning\nparams:\n  threshold: { type: number, default: 80 }\nexpr: cpu_busy_percent > ${threshold}\nfor: 5m\n");
    write(
        &dir.join("templates/disk.yaml"),
        "template: DiskGone\nexpr: node_disk_never_seen_total > 0\n",
    );
    write(&dir.join("rules/cpu.yaml"), "- template: CpuHigh\n  scope: global\n- template: CpuHigh\n  scope: group/web\n  params: { threshold: 90 }\n");
    let out = alertctl(&dir, &["render"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The pending change: web's threshold 90 -> 84, and a new alert on a metric the
    // server never had.
    write(&dir.join("rules/cpu.yaml"), "- template: CpuHigh\n  scope: global\n- template: CpuHigh\n  scope: group/web\n  params: { threshold: 84 }\n- template: DiskGone\n  scope: global\n");
    let report = tmp.path().join("impact.html");
    let out = alertctl(
        &dir,
        &[
            "impact",
            "--prometheus",
            &prom.url(),
            "--since",
            "24h",
            "--step",
            "1m",
            "--format",
            "json",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    let alerts = doc["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2, "{doc:#}");
    let cpu = alerts.iter().find(|a| a["alert"] == "CpuHigh").unwrap();
    assert_eq!(cpu["change"], "modified");

    // Independent counts, web targets only (the db cell did not change).
    let (mut old, mut new) = ((0, 0, 0), (0, 0, 0));
    let mut per_target = BTreeMap::new();
    for (target, b) in bursts().into_iter().filter(|(t, _)| t.starts_with("web")) {
        let v = samples(&b);
        let (oe, om) = expected(&v, 90.0);
        let (ne, nm) = expected(&v, 84.0);
        old = (old.0 + usize::from(oe > 0), old.1 + oe, old.2 + om);
        new = (new.0 + usize::from(ne > 0), new.1 + ne, new.2 + nm);
        per_target.insert(target, (om * 60, nm * 60));
    }
    let side = |s: &Value| {
        (
            s["series_fired"].as_u64().unwrap() as usize,
            s["episodes"].as_u64().unwrap() as usize,
            s["firing_seconds"].as_u64().unwrap() as usize / 60,
        )
    };
    assert_eq!(side(&cpu["old"]), old, "old side: {:#}", cpu["old"]);
    assert_eq!(side(&cpu["new"]), new, "new side: {:#}", cpu["new"]);
    // The counts are what the bursts were built for (a check on the check).
    assert_eq!((old, new), ((2, 2, 25 + 55), (2, 5, 25 + 15 + 1 + 5 + 55)));
    let changed: BTreeMap<String, (usize, usize)> = cpu["targets_changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["target"].as_str().unwrap().to_string(),
                (
                    t["old_firing_seconds"].as_u64().unwrap() as usize,
                    t["new_firing_seconds"].as_u64().unwrap() as usize,
                ),
            )
        })
        .collect();
    let want: BTreeMap<String, (usize, usize)> = per_target
        .iter()
        .filter(|(_, (o, n))| o != n)
        .map(|(t, v)| (t.to_string(), *v))
        .collect();
    assert_eq!(changed, want);
    // Each episode of the new side starts FOR_MIN minutes into its burst.
    let web1 = cpu["new"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["labels"]["instance"] == "web-1:9100")
        .unwrap();
    let starts: Vec<i64> = web1["episodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["start"].as_i64().unwrap() - start) / 60)
        .collect();
    assert_eq!(starts, vec![305, 705, 905]);

    let disk = alerts.iter().find(|a| a["alert"] == "DiskGone").unwrap();
    assert_eq!(disk["change"], "added");
    assert_eq!(
        disk["missing_metrics"],
        serde_json::json!(["node_disk_never_seen_total"])
    );
    // 24 h of 1 m steps (+ the `for` lead) is more than one request's 1000 steps.
    assert!(
        doc["requests"].as_u64().unwrap() >= 5,
        "{}",
        doc["requests"]
    );

    // The report is one self-contained XHTML page: nothing fetched from anywhere.
    let page = std::fs::read_to_string(&report).unwrap();
    let xml = roxmltree::Document::parse_with_options(
        &page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report parses as XML");
    let svgs = xml.descendants().filter(|n| n.has_tag_name("svg")).count();
    assert_eq!(svgs, 2);
    let bars = xml
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("new"))
        .count();
    assert!(bars > 10, "{bars}");
    for n in xml.descendants() {
        for a in n.attributes() {
            assert!(
                !(a.name() == "src" || a.name() == "href"),
                "external reference {}={}",
                a.name(),
                a.value()
            );
        }
    }
    assert!(!page.contains("<script"));

    // The terminal view: a sparkline per side on one shared scale, and the targets.
    let out = alertctl(&dir, &["impact", "--prometheus", &prom.url()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let human = text(&out.stdout);
    eprintln!("{human}");
    assert!(
        human.contains("CpuHigh  modified  group_web.yml"),
        "{human}"
    );
    assert!(
        human.contains(&format!("2 series, 2 episodes, firing {}", fmt_min(old.2))),
        "{human}"
    );
    assert!(
        human.contains(&format!("2 series, 5 episodes, firing {}", fmt_min(new.2))),
        "{human}"
    );
    assert!(
        human.contains("! the server has never had metric `node_disk_never_seen_total`"),
        "{human}"
    );
    assert!(
        human.contains("targets: web-1:9100 25m -> 41m; web-2:9100 55m -> 1h"),
        "{human}"
    );

    // The editor's "Impact" button runs the same operation on the unsaved text:
    // with the server configured (and the change not yet on disk) it shows the figures
    // the CLI printed.
    write(
        &dir.join("alertctl.toml"),
        &format!(
            "[[prometheus]]\nname = \"hist\"\nurl = \"{}\"\n",
            prom.url()
        ),
    );
    let pending = std::fs::read_to_string(dir.join("rules/cpu.yaml")).unwrap();
    write(&dir.join("rules/cpu.yaml"), "- template: CpuHigh\n  scope: global\n- template: CpuHigh\n  scope: group/web\n  params: { threshold: 90 }\n");
    let serve = support::serve::Serve::start(&dir, &[], &[]);
    let a = serve.post(
        "/ui/api/preview",
        &serde_json::json!({"path": "rules/cpu.yaml", "text": pending, "checks": {"impact": true}}),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let shown = a.json()["impact"].clone();
    assert_eq!(shown["available"], true, "{shown}");
    let result = &shown["result"];
    assert_eq!(result["server"], "hist", "{result}");
    let ui_alerts = result["alerts"].as_array().unwrap();
    assert_eq!(ui_alerts.len(), 2, "{result}");
    let ui_cpu = ui_alerts.iter().find(|a| a["alert"] == "CpuHigh").unwrap();
    assert_eq!(side(&ui_cpu["old"]), old, "{ui_cpu}");
    assert_eq!(side(&ui_cpu["new"]), new, "{ui_cpu}");
    assert_eq!(ui_cpu["targets_changed"], cpu["targets_changed"]);
    // Nothing was written by the preview.
    assert!(std::fs::read_to_string(dir.join("rules/cpu.yaml"))
        .unwrap()
        .contains("threshold: 90"));
    // Without a configured Prometheus the button says why.
    write(&dir.join("alertctl.toml"), "");
    let a = serve.post(
        "/ui/api/preview",
        &serde_json::json!({"path": "rules/cpu.yaml", "text": pending, "checks": {"impact": true}}),
    );
    assert_eq!(a.json()["impact"]["available"], false, "{}", a.body);
    drop(serve);
    write(&dir.join("rules/cpu.yaml"), &pending);

    // A server that is down is an operational failure.
    let dead = format!("http://127.0.0.1:{}", support::free_port());
    let out = alertctl(&dir, &["impact", "--prometheus", &dead]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

fn fmt_min(m: usize) -> String {
    if m >= 60 {
        if m.is_multiple_of(60) {
            format!("{}h", m / 60)
        } else {
            format!("{}h{}m", m / 60, m % 60)
        }
    } else {
        format!("{m}m")
    }
}
