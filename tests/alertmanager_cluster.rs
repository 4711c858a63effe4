//! `alertmanager apply` to a real two-node Alertmanager cluster (gossip on 127.0.0.1):
//! both nodes are reloaded and verified to run the new config, and an alert routed by it
//! is delivered once, whether Prometheus-style it reaches both nodes (the cluster's
//! notification log deduplicates) or only one.

mod support;

use std::time::Duration;
use support::{output_text as text, write_file as write};

use support::{alertmanager_cluster, eventually, http_get, http_post_json, metric, Recorder};

use support::alertctl as run;

fn am_source(sink: &str, path: &str) -> String {
    format!(
        "route:\n  receiver: ops\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
receivers:\n  - name: ops\n    webhook_configs: [{{url: 'http://{sink}{path}', send_resolved: false}}]\n"
    )
}

/// The config a node runs (`config.original` of /api/v2/status).
fn running(s: &support::Server) -> String {
    let (_, body) = http_get(&format!("{}/api/v2/status", s.url())).unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["config"]["original"].as_str().unwrap().to_string()
}

fn fire(s: &support::Server, alertname: &str) {
    let body = format!(
        "[{{\"labels\": {{\"alertname\": \"{alertname}\", \"namespace\": \"prod\", \"severity\": \"critical\"}}}}]"
    );
    let (status, answer) =
        http_post_json(&format!("{}/api/v2/alerts", s.url()), &body).expect("alerts API");
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn apply_to_a_cluster_reloads_both_and_an_alert_is_delivered_once() {
    let tmp = tempfile::tempdir().unwrap();
    let sink = Recorder::start("");
    let dir = tmp.path().join("rules");
    write(
        &dir,
        "inventory.yaml",
        "namespaces:\n  prod:\n    web: [web-1:9100]\n",
    );
    write(&dir, "templates/t.yaml", "template: Up\nexpr: up == 0\n");
    write(&dir, "rules/r.yaml", "- template: Up\n  scope: global\n");
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_source(&sink.addr, "/old"),
    );
    write(
        &dir,
        "alertctl.toml",
        "[alertmanager]\noutput = \"am/alertmanager.yml\"\n",
    );
    let o = run(&dir, &["alertmanager", "render"]);
    assert!(o.status.success(), "{}", text(&o));

    // Both nodes load the file alertctl writes (one host's view of a shared config path).
    let nodes = alertmanager_cluster(&dir.join("am/alertmanager.yml"), 2);
    write(
        &dir,
        "alertctl.toml",
        &format!(
            "[apply]\nverify_timeout = \"15s\"\n[alertmanager]\noutput = \"am/alertmanager.yml\"\n\
             [[alertmanager.servers]]\nname = \"am-1\"\nurl = \"{}\"\n[[alertmanager.servers]]\nname = \"am-2\"\nurl = \"{}\"\n",
            nodes[0].url(),
            nodes[1].url()
        ),
    );
    assert!(running(&nodes[0]).contains("/old") && running(&nodes[1]).contains("/old"));

    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_source(&sink.addr, "/hook"),
    );
    let o = run(&dir, &["alertmanager", "apply"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    for step in [
        "reloading am-1",
        "verifying am-1",
        "reloading am-2",
        "verifying am-2",
    ] {
        assert!(out.contains(step), "{step}:\n{out}");
    }
    for (i, n) in nodes.iter().enumerate() {
        let cfg = running(n);
        assert!(
            cfg.contains("/hook") && !cfg.contains("/old"),
            "node {i} runs:\n{cfg}"
        );
    }

    // One alert sent to both nodes, as each Prometheus of an HA pair does, and one sent to
    // a single node.
    fire(&nodes[0], "Both");
    fire(&nodes[1], "Both");
    fire(&nodes[1], "One");
    let deliveries = |name: &str| {
        sink.posts_to("/hook")
            .iter()
            .filter(|r| r.body.contains(&format!("\"alertname\":\"{name}\"")))
            .count()
    };
    assert!(
        eventually(Duration::from_secs(30), || deliveries("Both") >= 1
            && deliveries("One") >= 1),
        "no delivery: {:?}\n{}\n{}",
        sink.requests.lock().unwrap(),
        nodes[0].log_text(),
        nodes[1].log_text()
    );
    // Both nodes have flushed "Both" past their wait (the node second in the cluster
    // waits one peer timeout) and asked the notification log whether it was sent: each
    // node queries it once per flushed group.
    assert!(
        eventually(Duration::from_secs(30), || {
            metric(&nodes[0], "alertmanager_nflog_queries_total") >= 1.0
                && metric(&nodes[1], "alertmanager_nflog_queries_total") >= 2.0
        }),
        "the nodes never consulted the notification log"
    );
    // A duplicate would be sent right after that query; give it a moment to show.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(deliveries("Both"), 1, "{:?}", sink.posts_to("/hook"));
    assert_eq!(deliveries("One"), 1, "{:?}", sink.posts_to("/hook"));
    assert!(
        sink.posts_to("/old").is_empty(),
        "the old receiver got nothing"
    );
    let sent: f64 = nodes
        .iter()
        .map(|n| {
            let (_, body) = http_get(&format!("{}/metrics", n.url())).unwrap();
            body.lines()
                .find_map(|l| {
                    l.strip_prefix("alertmanager_notifications_total{integration=\"webhook\"} ")
                        .and_then(|v| v.trim().parse::<f64>().ok())
                })
                .unwrap_or(0.0)
        })
        .sum();
    assert_eq!(sent, 2.0, "two webhook notifications in the whole cluster");
}
