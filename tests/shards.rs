//! Sharding (issue 15 item 5): `[[shard]]` tables split the estate over several
//! Prometheus servers. Three real Prometheus processes on 127.0.0.1: shard `prod` is an
//! HA pair, shard `edge` a single server. A rejected reload in one shard rolls back only
//! that shard; `history`, `diff --live` and `rollback` work per shard.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{alertctl, init_rules_dir, prometheus, write_file, Server};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

const INVENTORY: &str = "namespaces:
  prod:
    web:
      jobs: [node]
      targets: [web-1:9100, web-2:9100]
    db:
      jobs: [node]
      targets: [db-1:9100]
  edge:
    cdn:
      jobs: [node]
      targets: [cdn-1:9100]
";

/// The scaffold (global HighCPU and TargetDown, group/web HighCPU at 90) plus a
/// namespace/edge HighCPU at 70, in an inventory with namespaces prod and edge.
fn sharded_dir(tmp: &Path, servers: &[(&str, &Server)]) -> PathBuf {
    let dir = tmp.join("rules");
    init_rules_dir(&dir);
    write_file(&dir, "inventory.yaml", INVENTORY);
    write_file(
        &dir,
        "rules/teams/edge.yaml",
        "- template: HighCPU\n  scope: namespace/edge\n  params: { threshold: 70 }\n",
    );
    let mut toml = String::from("\n[apply]\nverify_timeout = \"15s\"\n");
    for (name, s) in servers {
        toml.push_str(&format!(
            "\n[[prometheus]]\nname = \"{name}\"\nurl = \"{}\"\ntimeout = \"3s\"\n",
            s.url()
        ));
    }
    toml.push_str(
        "\n[[shard]]\nname = \"prod\"\nnamespaces = [\"prod\"]\nservers = [\"prod-a\", \"prod-b\"]\n\
         \n[[shard]]\nname = \"edge\"\nnamespaces = [\"edge\"]\nservers = [\"edge-1\"]\n",
    );
    support::append_settings(&dir, &toml);
    dir
}

fn names(dir: &Path) -> Vec<String> {
    support::yml_files(dir).into_keys().collect()
}

/// The queries of alert `name` a server runs.
fn queries(s: &Server, name: &str) -> Vec<String> {
    s.rule_queries()
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, q)| q)
        .collect()
}

#[test]
fn shards_deploy_roll_back_and_keep_history_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let out_prod = tmp.path().join("rules/rendered/prod");
    let out_edge = tmp.path().join("rules/rendered/edge");
    std::fs::create_dir_all(&out_prod).unwrap();
    std::fs::create_dir_all(&out_edge).unwrap();
    let (prod_a, prod_b, edge) = (
        prometheus(&out_prod),
        prometheus(&out_prod),
        prometheus(&out_edge),
    );
    let dir = sharded_dir(
        tmp.path(),
        &[("prod-a", &prod_a), ("prod-b", &prod_b), ("edge-1", &edge)],
    );

    // Each shard's directory holds its scopes' files and global.yml.
    let o = alertctl(&dir, &["apply"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("shard prod: applied deployment"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("shard edge: applied deployment"),
        "{}",
        text(&o)
    );
    assert_eq!(names(&out_prod), ["global.yml", "group_web.yml"]);
    assert_eq!(names(&out_edge), ["global.yml", "namespace_edge.yml"]);
    assert!(
        !dir.join("rendered/global.yml").exists(),
        "with shards, output.dir itself gets no files"
    );
    // The same global cell everywhere, excluding every scope with rules of its own, in
    // whichever shard: a prod server scraping an edge host does not alert on it from
    // its catch-all.
    assert_eq!(
        std::fs::read(out_prod.join("global.yml")).unwrap(),
        std::fs::read(out_edge.join("global.yml")).unwrap()
    );
    for s in [&prod_a, &prod_b] {
        let q = queries(s, "HighCPU");
        assert_eq!(q.len(), 2, "{q:?}");
        assert!(q
            .iter()
            .any(|q| q.contains("group=\"web\"") && q.contains("> 90")));
        assert!(q.iter().any(|q| q.contains("namespace!=\"edge\"")));
        assert!(!q.iter().any(|q| q.contains("namespace=\"edge\"")), "{q:?}");
    }
    assert_eq!(
        prod_a.rule_queries(),
        prod_b.rule_queries(),
        "an HA pair runs one set"
    );
    let q = queries(&edge, "HighCPU");
    assert_eq!(q.len(), 2, "{q:?}");
    assert!(q
        .iter()
        .any(|q| q.contains("namespace=\"edge\"") && q.contains("> 70")));
    assert!(!q.iter().any(|q| q.contains("group=\"web\"")), "{q:?}");

    // Every server runs its shard's files.
    let o = alertctl(&dir, &["diff", "--live", "--exit-code"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("shard edge: edge-1: runs exactly"),
        "{}",
        text(&o)
    );

    // A change in both shards; edge's new file makes Prometheus reject the reload
    // (promtool off, so only the server can tell).
    let edge_before = support::yml_files(&out_edge);
    let edge_rules = edge.rule_queries();
    support::set_web_threshold(&dir, "95");
    write_file(
        &dir,
        "rules/teams/edge.yaml",
        "- template: HighCPU\n  scope: namespace/edge\n  params: { threshold: 70 }\n\
         - template: TargetDown\n  scope: namespace/edge\n  annotations: { summary: \"{{ humanizeX $value }} is down\" }\n",
    );
    let o = alertctl(&dir, &["apply", "--promtool", "off", "--format", "json"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let doc = json(&o);
    assert_eq!(doc["schema"], 1, "{doc}");
    assert_eq!(doc["result"], "rolled-back", "{doc}");
    assert_eq!(doc["shards"][0]["shard"], "prod");
    assert_eq!(doc["shards"][0]["result"], "applied", "{doc}");
    assert_eq!(doc["shards"][0]["exit_code"], 0);
    assert_eq!(doc["shards"][1]["shard"], "edge");
    assert_eq!(doc["shards"][1]["result"], "rolled-back", "{doc}");
    assert_eq!(doc["shards"][1]["exit_code"], 3);
    let message = doc["shards"][1]["message"].as_str().unwrap();
    assert!(
        message.contains("Prometheus rejected the reload"),
        "{message}"
    );
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("shard edge: deploy failed"),
        "{doc}"
    );
    // Only edge went back; prod runs the new threshold on both servers.
    assert_eq!(support::yml_files(&out_edge), edge_before);
    assert_eq!(edge.rule_queries(), edge_rules);
    for s in [&prod_a, &prod_b] {
        assert!(
            queries(s, "HighCPU").iter().any(|q| q.contains("> 95")),
            "{:?}",
            s.rule_queries()
        );
    }
    // Live drift per shard: edge runs the rules before the rejected change.
    let o = alertctl(&dir, &["diff", "--live", "--exit-code", "--shard", "prod"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = alertctl(&dir, &["diff", "--live", "--exit-code", "--shard", "edge"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("shard edge: edge-1:"), "{}", text(&o));
    assert!(!text(&o).contains("prod-a"), "{}", text(&o));

    // History per shard.
    let rows = |shard: &str| {
        let o = alertctl(&dir, &["history", "--shard", shard, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        json(&o)["deployments"].as_array().unwrap().clone()
    };
    let prod_rows = rows("prod");
    let edge_rows = rows("edge");
    let results = |rows: &[serde_json::Value]| -> Vec<String> {
        rows.iter()
            .map(|r| r["result"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(results(&prod_rows), ["applied", "applied"]);
    assert_eq!(results(&edge_rows), ["rolled-back", "applied"]);
    assert!(prod_rows.iter().all(|r| r["shard"] == "prod"));
    assert!(edge_rows.iter().all(|r| r["shard"] == "edge"));
    let o = alertctl(&dir, &["history"]);
    assert!(text(&o).contains("[edge] files:"), "{}", text(&o));
    let o = alertctl(&dir, &["history", "--shard", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("shards: prod, edge"), "{}", text(&o));

    // Undo prod's last deployment only: threshold 90 again, edge untouched.
    let o = alertctl(&dir, &["rollback", "--shard", "prod"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for s in [&prod_a, &prod_b] {
        assert!(queries(s, "HighCPU").iter().any(|q| q.contains("> 90")));
    }
    assert_eq!(edge.rule_queries(), edge_rules);
    // A revision names its shard.
    let first_edge = edge_rows[1]["rev"].as_i64().unwrap().to_string();
    let o = alertctl(&dir, &["rollback", &first_edge, "--shard", "prod"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("was not deployed to shard `prod`"),
        "{}",
        text(&o)
    );

    // Fixed input: a plain `apply` brings edge forward; prod moves to 95 again.
    write_file(
        &dir,
        "rules/teams/edge.yaml",
        "- template: HighCPU\n  scope: namespace/edge\n  params: { threshold: 75 }\n",
    );
    let o = alertctl(&dir, &["apply", "--shard", "edge"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("shard prod"), "{}", text(&o));
    assert!(queries(&edge, "HighCPU").iter().any(|q| q.contains("> 75")));
    assert!(queries(&prod_a, "HighCPU")
        .iter()
        .any(|q| q.contains("> 90")));
    let o = alertctl(&dir, &["apply", "--shard", "nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // The sync daemon deploys every shard (prod was rolled back to 90: it goes to 95
    // again) and reports each shard's deployed revision on /ready and /metrics.
    let port = support::free_port();
    let log = tmp.path().join("watch.log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(&dir)
        .args([
            "watch",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-format",
            "json",
        ])
        .env("ALERTCTL_PROMTOOL", support::tool("promtool"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let ready_url = format!("http://127.0.0.1:{port}/ready");
    let mut ready = serde_json::Value::Null;
    let synced = support::eventually(
        std::time::Duration::from_secs(60),
        || match support::http_get(&ready_url) {
            Some((200, body)) => {
                ready = serde_json::from_str(&body).unwrap();
                true
            }
            _ => false,
        },
    );
    let metrics = support::http_get(&format!("http://127.0.0.1:{port}/metrics"));
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(synced, "the watch never became ready: {ready}\n{log}");
    let latest = |shard: &str| rows(shard)[0]["rev"].as_i64().unwrap();
    assert_eq!(rows("prod")[0]["result"], "applied");
    assert_eq!(ready["deployed"], serde_json::Value::Null, "{ready}");
    for shard in ["prod", "edge"] {
        assert_eq!(
            ready["deployed_shards"][shard]["rev"].as_i64(),
            Some(latest(shard)),
            "{ready}"
        );
        let line = format!(
            "alertctl_watch_deployed_revision{{shard=\"{shard}\"}} {}",
            latest(shard)
        );
        let page = &metrics.as_ref().unwrap().1;
        assert!(page.lines().any(|l| l == line), "{line} in\n{page}");
    }
    for s in [&prod_a, &prod_b] {
        assert!(queries(s, "HighCPU").iter().any(|q| q.contains("> 95")));
    }
}

/// A rules directory with servers `a`, `b`, `c` (never contacted: only validated) and
/// `shards` as its `[[shard]]` tables.
fn settings_case(tmp: &Path, shards: &str) -> PathBuf {
    let dir = tmp.join("rules");
    if !dir.exists() {
        init_rules_dir(&dir);
        write_file(&dir, "inventory.yaml", INVENTORY);
        write_file(
            &dir,
            "rules/teams/edge.yaml",
            "- template: HighCPU\n  scope: namespace/edge\n  params: { threshold: 70 }\n",
        );
    }
    let base = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
    let base = base.split("\n# case\n").next().unwrap().to_string();
    let mut toml = format!("{base}\n# case\n");
    for n in ["a", "b", "c"] {
        toml.push_str(&format!(
            "[[prometheus]]\nname = \"{n}\"\nurl = \"http://127.0.0.1:1\"\n"
        ));
    }
    toml.push_str(shards);
    std::fs::write(dir.join("alertctl.toml"), toml).unwrap();
    dir
}

/// Every way `[[shard]]` tables can be wrong is refused with a located error in
/// alertctl.toml, and nothing is written.
#[test]
fn bad_shard_settings_are_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let ok = "[[shard]]\nname = \"prod\"\nnamespaces = [\"prod\"]\nservers = [\"a\", \"b\"]\n\
              [[shard]]\nname = \"edge\"\nnamespaces = [\"edge\"]\nservers = [\"c\"]\n";
    let dir = settings_case(tmp.path(), ok);
    let o = alertctl(&dir, &["validate", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let cases: &[(&str, &str)] = &[
        (
            "[[shard]]\nname = \"pr\\nod\"\nnamespaces = [\"prod\"]\nservers = [\"a\", \"b\", \"c\"]\n",
            "is not a plain name",
        ),
        (
            "[[shard]]\nname = \"..\"\nnamespaces = [\"prod\"]\nservers = [\"a\", \"b\", \"c\"]\n",
            "is not a plain name",
        ),
        (
            "[[shard]]\nname = \"x\"\noutput = \"../elsewhere\"\nnamespaces = [\"prod\", \"edge\"]\nservers = [\"a\", \"b\", \"c\"]\n",
            "is not a usable directory",
        ),
        (
            "[[shard]]\nname = \"x\"\noutput = \"out\\u0007\"\nnamespaces = [\"prod\", \"edge\"]\nservers = [\"a\", \"b\", \"c\"]\n",
            "is not a usable directory",
        ),
        (
            "[[shard]]\nname = \"x\"\noutput = \"templates\"\nnamespaces = [\"prod\", \"edge\"]\nservers = [\"a\", \"b\", \"c\"]\n",
            "shard `x` output = `templates`",
        ),
        (
            &ok.replace("servers = [\"c\"]", "servers = [\"b\", \"c\"]"),
            "server `b` is in shards `prod` and `edge`",
        ),
        (
            &ok.replace("servers = [\"c\"]", "servers = [\"cc\"]"),
            "no [[prometheus]] server is named `cc`",
        ),
        (
            &ok.replace("servers = [\"a\", \"b\"]", "servers = [\"a\"]"),
            "server `b` is in no shard",
        ),
        (
            &ok.replace("name = \"edge\"", "name = \"prod\""),
            "two shards are named `prod`",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "namespaces = [\"edgy\"]"),
            "no namespace `edgy` in the inventory",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "groups = [\"web\"]"),
            "group `web` is in shards `prod` and `edge`",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "groups = [\"db\"]")
                .replace("namespaces = [\"prod\"]", "groups = [\"cdn\"]"),
            "group/web has rules (group_web.yml) but no shard takes it",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "namespaces = []"),
            "shard `edge` takes nothing",
        ),
        (
            &format!("{ok}\n[file_sd]\ndir = \"file_sd\"\n"),
            "[file_sd] and [[shard]] together",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "selector = '{namespace=~\"ed(\"}'"),
            "shard `edge`: selector does not parse",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "selector = 'up{namespace=\"edge\"}'"),
            "not a selector of labels",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "selector = '{namespace=\"edge\" or group=\"web\"}'"),
            "without `or`",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "selector = '{region=\"eu\"}'"),
            "matches on `region`",
        ),
        (
            // Anchored, as in Prometheus: `dge` is no part of `edge`.
            &ok.replace("namespaces = [\"edge\"]", "selector = '{namespace=~\"dge\"}'"),
            "selects nothing in the inventory",
        ),
        (
            &ok.replace("namespaces = [\"edge\"]", "selector = '{group=~\"web|cdn\"}'"),
            "group `web` is in shards `prod` and `edge`",
        ),
    ];
    for (shards, want) in cases {
        let dir = settings_case(tmp.path(), shards);
        let (code, diags) =
            support::json_diagnostics(&alertctl(&dir, &["validate", "--format", "json"]));
        assert_eq!(code, 2, "{shards}: {diags:?}");
        let hit = diags
            .iter()
            .find(|d| d.3.contains(want))
            .unwrap_or_else(|| panic!("{shards}: want {want:?} in {diags:?}"));
        assert_eq!(
            (hit.0.as_str(), hit.1.as_str()),
            ("settings", "alertctl.toml"),
            "{hit:?}"
        );
        assert!(hit.2 > 0, "located: {hit:?}");
        let o = alertctl(&dir, &["render"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    }
    assert!(!dir.join("rendered").exists(), "nothing was ever rendered");
}

/// `render` and `diff` per shard, and what `--shard`/`--out` refuse.
#[test]
fn render_and_diff_per_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = settings_case(
        tmp.path(),
        "[[shard]]\nname = \"prod\"\nnamespaces = [\"prod\"]\nservers = [\"a\", \"b\"]\n\
         [[shard]]\nname = \"edge\"\nnamespaces = [\"edge\"]\nservers = [\"c\"]\noutput = \"out-edge\"\n",
    );
    let o = alertctl(&dir, &["diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = alertctl(&dir, &["render", "--shard", "edge"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("shard edge: rendered 3 rules in 2 files to"),
        "{}",
        text(&o)
    );
    assert_eq!(
        names(&dir.join("out-edge")),
        ["global.yml", "namespace_edge.yml"]
    );
    assert!(!dir.join("rendered/prod").exists());
    let o = alertctl(&dir, &["diff", "--exit-code", "--shard", "edge"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = alertctl(&dir, &["diff", "--exit-code", "--stat"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "prod is not rendered yet: {}",
        text(&o)
    );
    assert!(text(&o).contains("shard prod:"), "{}", text(&o));
    let o = alertctl(&dir, &["render"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        names(&dir.join("rendered/prod")),
        ["global.yml", "group_web.yml"]
    );
    let o = alertctl(&dir, &["diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = alertctl(&dir, &["render", "--stdout", "--shard", "prod"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("# ---- prod/group_web.yml"),
        "{}",
        text(&o)
    );
    // A selector: the edge shard takes every group of a namespace matching `e.*`, and
    // prod the groups not named cdn outside it.
    let dir = settings_case(
        tmp.path(),
        "[[shard]]\nname = \"prod\"\nselector = '{namespace!~\"e.*\", group!=\"cdn\"}'\nservers = [\"a\", \"b\"]\n\
         [[shard]]\nname = \"edge\"\nselector = '{namespace=~\"e.*\"}'\nservers = [\"c\"]\noutput = \"out-edge\"\n",
    );
    let o = alertctl(&dir, &["render"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        names(&dir.join("rendered/prod")),
        ["global.yml", "group_web.yml"]
    );
    assert_eq!(
        names(&dir.join("out-edge")),
        ["global.yml", "namespace_edge.yml"]
    );
    for args in [
        &["render", "--shard", "nope"][..],
        &["diff", "--shard", "nope"],
        &["render", "--out", "x"],
        &["apply", "--out", "x"],
    ] {
        let o = alertctl(&dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
}

/// A `render` refused after the render (a shard `--shard` does not name, a format that
/// does not fit shards) still keeps the run for the next one, as before `render` stored
/// while writing: the next run reads every alert back.
#[test]
fn a_refused_render_still_keeps_the_run() {
    const SHARDS: &str =
        "[[shard]]\nname = \"prod\"\nnamespaces = [\"prod\"]\nservers = [\"a\", \"b\"]\n\
         [[shard]]\nname = \"edge\"\nnamespaces = [\"edge\"]\nservers = [\"c\"]\n";
    for refused in [
        &["render", "--shard", "nope"][..],
        &["render", "--format", "prometheusrule"],
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = settings_case(tmp.path(), SHARDS);
        let o = alertctl(&dir, refused);
        assert_eq!(o.status.code(), Some(2), "{refused:?}: {}", text(&o));
        let o = alertctl(&dir, &["-v", "render", "--stdout", "--shard", "prod"]);
        assert!(o.status.success(), "{}", text(&o));
        let said = String::from_utf8_lossy(&o.stderr);
        let line = said
            .lines()
            .find(|l| l.starts_with("render: "))
            .unwrap_or_else(|| panic!("no render line: {said}"));
        let counts: Vec<usize> = line.split(' ').filter_map(|w| w.parse().ok()).collect();
        assert!(
            counts.len() == 2 && counts[0] == counts[1] && counts[0] > 0,
            "{refused:?} kept nothing: {line}"
        );
    }
}

/// Shards that end differently: one deploys, the other's server is down (nothing
/// written there). The exit code is the most serious (4), and each shard says how it
/// ended.
#[test]
fn a_shard_down_fails_alone_with_exit_4() {
    let tmp = tempfile::tempdir().unwrap();
    let out_prod = tmp.path().join("rules/rendered/prod");
    std::fs::create_dir_all(&out_prod).unwrap();
    let prod = prometheus(&out_prod);
    let dir = tmp.path().join("rules");
    init_rules_dir(&dir);
    write_file(&dir, "inventory.yaml", INVENTORY);
    let dead = format!("http://127.0.0.1:{}", support::free_port());
    support::append_settings(
        &dir,
        &format!(
            "\n[apply]\nverify_timeout = \"5s\"\nretries = 0\n\
             [[prometheus]]\nname = \"p\"\nurl = \"{}\"\n\
             [[prometheus]]\nname = \"gone\"\nurl = \"{dead}\"\ntimeout = \"1s\"\n\
             [[shard]]\nname = \"prod\"\nnamespaces = [\"prod\"]\nservers = [\"p\"]\n\
             [[shard]]\nname = \"edge\"\nnamespaces = [\"edge\"]\nservers = [\"gone\"]\n",
            prod.url()
        ),
    );
    let o = alertctl(&dir, &["apply", "--format", "json"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let doc = json(&o);
    assert_eq!(doc["result"], "failed", "{doc}");
    assert_eq!(doc["shards"][0]["result"], "applied", "{doc}");
    assert_eq!(doc["shards"][1]["result"], "failed", "{doc}");
    assert_eq!(doc["shards"][1]["exit_code"], 4, "{doc}");
    assert!(
        doc["shards"][1]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was written"),
        "{doc}"
    );
    assert_eq!(names(&out_prod), ["global.yml", "group_web.yml"]);
    assert!(!dir.join("rendered/edge/global.yml").exists());
    assert!(!prod.rule_queries().is_empty());
    let o = alertctl(&dir, &["apply"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("shard prod: no changes"), "{}", text(&o));
    assert!(text(&o).contains("error: shard edge: "), "{}", text(&o));

    // The library's view, as a daemon or a web UI gets it: one event per shard before
    // its steps, and the failing shard makes the whole an error that keeps every
    // shard's report.
    use alertctl::ops::{self, Event, OpError, Outcome};
    let req = ops::rules::ApplyRequest {
        dir: dir.clone(),
        use_cache: false,
        out: None,
        promtool: None,
        dry_run: false,
    };
    let mut shards_seen = Vec::new();
    let result = ops::rules::apply(&req, &mut |e: &Event<'_>| {
        if let Event::Shard { name, servers, .. } = e {
            shards_seen.push((name.to_string(), servers.to_vec()));
        }
    });
    assert_eq!(
        shards_seen,
        [
            ("prod".to_string(), vec!["p".to_string()]),
            ("edge".to_string(), vec!["gone".to_string()])
        ]
    );
    let Err(e @ OpError::Shards(_)) = result else {
        panic!("{result:?}")
    };
    assert_eq!(e.code(), "shard-failed");
    assert!(!e.is_invalid_input());
    let OpError::Shards(r) = e else {
        unreachable!()
    };
    assert_eq!(r.outcome, Outcome::NoChange);
    assert_eq!(
        r.shards[0].report.as_ref().unwrap().outcome,
        Outcome::NoChange
    );
    let err = r.shards[1].error.as_ref().unwrap();
    assert_eq!(err.code, "server-unreachable", "{err:?}");
    // One shard alone is an ordinary report.
    let r = ops::rules::apply_shard(&req, Some("prod"), &mut |_: &Event<'_>| {}).unwrap();
    assert_eq!(r.shards.len(), 1);
    assert_eq!(r.outcome, Outcome::NoChange);
    assert!(matches!(
        ops::rules::apply_shard(&req, Some("x"), &mut |_: &Event<'_>| {}),
        Err(OpError::Shard(_))
    ));
}
