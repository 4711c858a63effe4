//! `apply`, `history`, `rollback` and `diff --live` against real Prometheus and vmalert
//! processes on 127.0.0.1 (started per test: Prometheus is ready in ~0.1 s, and the rules
//! API needs no scrape).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::{prometheus, prometheus_loads, set_web_threshold, vmalert};

fn run(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alertctl"));
    c.arg("-C").arg(dir).args(["--color", "never"]).args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("alertctl runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A scaffolded rules directory whose output dir is `out/`, deployed to `servers`.
fn rules_dir(tmp: &Path, servers: &[(&str, &str)]) -> PathBuf {
    let dir = tmp.join("rules");
    support::init_rules_dir(&dir);
    let mut toml = std::fs::read_to_string(dir.join("alertctl.toml"))
        .unwrap()
        .replace("dir = \"rendered\"", "dir = \"out\"")
        // These servers scrape nothing: apply's scrape-target check is for tests/estate_e2e.rs.
        .replace("dir = \"file_sd\"", "dir = \"file_sd\"\nverify = false");
    toml.push_str("\n[apply]\nverify_timeout = \"10s\"\nlock_timeout = \"60s\"\n");
    for (url, kind) in servers {
        toml.push_str(&format!(
            "\n[[prometheus]]\nurl = \"{url}\"\nkind = \"{kind}\"\ntimeout = \"2s\"\n"
        ));
    }
    std::fs::write(dir.join("alertctl.toml"), toml).unwrap();
    dir
}

/// A rule of its own for the db group, so the deployed set has a `group_db.yml`.
fn add_db_rule(dir: &Path) {
    std::fs::write(
        dir.join("rules/teams/db.yaml"),
        "- template: HighCPU\n  scope: group/db\n  params: { threshold: 70 }\n",
    )
    .unwrap();
}

/// A change that adds a rule file (`namespace_prod.yml`, whose annotation calls an
/// unknown template function, so the server rejects the whole set), removes one
/// (`group_db.yml`) and modifies others (`group_web.yml`'s threshold, and `global.yml`,
/// whose catch-all excludes other scopes).
fn stage_rejected_change(dir: &Path, web_threshold: &str) {
    std::fs::remove_file(dir.join("rules/teams/db.yaml")).unwrap();
    std::fs::write(
        dir.join("rules/targets.yaml"),
        "- template: TargetDown\n  scope: namespace/prod\n  annotations: { summary: \"{{ humanizeX $value }} is down\" }\n",
    )
    .unwrap();
    set_web_threshold(dir, web_threshold);
}

/// The rejected change's plan, as `apply --format json` reports it.
fn assert_adds_removes_modifies(doc: &serde_json::Value) {
    let kind = |f: &str| {
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["file"] == f)
            .map(|c| c["kind"].as_str().unwrap().to_string())
    };
    assert_eq!(
        kind("namespace_prod.yml").as_deref(),
        Some("added"),
        "{doc}"
    );
    assert_eq!(kind("group_db.yml").as_deref(), Some("removed"), "{doc}");
    assert_eq!(kind("group_web.yml").as_deref(), Some("modified"), "{doc}");
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".yml"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().to_string(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The output directory holds exactly `before`: the same names, byte for byte.
fn assert_same_files(out: &Path, before: &[(String, Vec<u8>)], why: &str) {
    let now = files(out);
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&now), names(before), "file names: {why}");
    for ((name, a), (_, b)) in now.iter().zip(before) {
        assert!(
            a == b,
            "{name} differs: {why}\nnow:\n{}\nbefore:\n{}",
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b)
        );
    }
}

fn queries_with(s: &support::Server, needle: &str) -> Vec<String> {
    s.rule_queries()
        .into_iter()
        .filter(|(_, q)| q.contains(needle))
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn apply_happy_path_change_and_noop() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = prometheus(&out);
    let dir = rules_dir(tmp.path(), &[(&prom.url(), "prometheus")]);

    let o = run(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("applied deployment 1"), "{}", text(&o));
    let groups: Vec<String> = prom.rules()["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(groups, vec!["alertctl/global", "alertctl/group/web"]);
    assert_eq!(
        queries_with(&prom, "> 90"),
        vec!["HighCPU"],
        "web's threshold is live"
    );

    // A group threshold change is applied and visible.
    set_web_threshold(&dir, "95");
    let o = run(&dir, &["apply", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["result"], "applied");
    assert_eq!(doc["summary"]["alerts_changed"], 1);
    assert_eq!(queries_with(&prom, "> 95"), vec!["HighCPU"]);
    assert!(queries_with(&prom, "> 90").is_empty());

    // A no-op apply writes nothing and does not reload: Prometheus logs every
    // configuration load, and the count stays put.
    let loads = prometheus_loads(&prom);
    let before = files(&out);
    let o = run(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("no changes"), "{}", text(&o));
    assert_eq!(prometheus_loads(&prom), loads, "no reload on a no-op apply");
    assert_eq!(files(&out), before);

    // diff --live agrees with the server, then sees drift made behind alertctl's back.
    let o = run(&dir, &["diff", "--live", "--exit-code"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let gw = out.join("group_web.yml");
    std::fs::write(
        &gw,
        std::fs::read_to_string(&gw)
            .unwrap()
            .replace("> 95", "> 50"),
    )
    .unwrap();
    assert_eq!(
        support::http_post(&format!("{}/-/reload", prom.url())).map(|r| r.0),
        Some(200)
    );
    let o = run(&dir, &["diff", "--live", "--exit-code"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("HighCPU"), "{}", text(&o));
}

#[test]
fn rejected_reload_rolls_back_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = prometheus(&out);
    let dir = rules_dir(tmp.path(), &[(&prom.url(), "prometheus")]);
    add_db_rule(&dir);
    assert_eq!(run(&dir, &["apply"], &[]).status.code(), Some(0));
    let before_files = files(&out);
    let names: Vec<&str> = before_files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["global.yml", "group_db.yml", "group_web.yml"]);
    let before_rules = prom.rule_queries();
    assert_eq!(queries_with(&prom, "group=\"db\""), vec!["HighCPU"]);

    // promtool would catch it; with the policy off, only Prometheus can.
    stage_rejected_change(&dir, "93");
    let o = run(
        &dir,
        &["apply", "--promtool", "off", "--format", "json"],
        &[],
    );
    // The files first: a rollback that leaves a file behind must fail here, not only
    // through the exit code of the verification that follows it.
    assert_same_files(
        &out,
        &before_files,
        "the added file is gone, the removed one back, the modified ones as they were",
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_adds_removes_modifies(&doc);
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("Prometheus rejected the reload"),
        "{doc}"
    );
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("restored byte for byte"),
        "{doc}"
    );
    assert_eq!(
        prom.rule_queries(),
        before_rules,
        "the old rules are still loaded"
    );
    // Reloading again (as a restart would) loads exactly the previous rules too.
    assert_eq!(
        support::http_post(&format!("{}/-/reload", prom.url())).map(|r| r.0),
        Some(200)
    );
    assert_eq!(prom.rule_queries(), before_rules);

    // With promtool on (the default policy finds .tools/bin via ALERTCTL_PROMTOOL or
    // PATH), the same mistake never reaches Prometheus.
    let promtool = support::tool("promtool");
    let o = run(
        &dir,
        &["apply", "--promtool", "required"],
        &[("ALERTCTL_PROMTOOL", promtool.to_str().unwrap())],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("humanizeX"), "{}", text(&o));

    let h = run(&dir, &["history", "--format", "json"], &[]);
    let rows: serde_json::Value = serde_json::from_slice(&h.stdout).unwrap();
    assert_eq!(rows["deployments"][0]["result"], "rolled-back");
    assert_eq!(
        rows["deployments"][0]["summary"],
        "files: 1 added, 2 modified, 1 removed; alerts: 1 added, 3 changed, 1 removed"
    );
    assert_eq!(rows["deployments"][1]["result"], "applied");
}

#[test]
fn server_down_or_silent_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // Nothing listens on this port.
    let closed = format!("http://127.0.0.1:{}", support::free_port());
    let dir = rules_dir(tmp.path(), &[(&closed, "prometheus")]);
    let start = Instant::now();
    let o = run(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        text(&o).contains("cannot reach") && text(&o).contains("nothing was written"),
        "{}",
        text(&o)
    );
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "retries are bounded"
    );
    assert!(files(&dir.join("out")).is_empty());

    // A server that accepts connections and never answers: the request times out.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let tmp2 = tempfile::tempdir().unwrap();
    let dir = rules_dir(tmp2.path(), &[(&url, "prometheus")]);
    let start = Instant::now();
    let o = run(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        start.elapsed() < Duration::from_secs(40),
        "timeouts and retries are bounded"
    );
    assert!(files(&dir.join("out")).is_empty());
    drop(silent);
}

#[test]
fn crash_during_write_leaves_a_loadable_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = prometheus(&out);
    let dir = rules_dir(tmp.path(), &[(&prom.url(), "prometheus")]);
    assert_eq!(run(&dir, &["apply"], &[]).status.code(), Some(0));
    let promtool = support::tool("promtool");
    // The change touches both files, so the commit has several steps to interrupt.
    let mut value = 80;
    for crash_at in 1..=6 {
        value += 1;
        set_web_threshold(&dir, &value.to_string());
        let global = format!("- template: HighCPU\n  scope: global\n  params: {{ threshold: {} }}\n\n- template: TargetDown\n  scope: global\n", 60 + crash_at);
        std::fs::write(dir.join("rules/global.yaml"), global).unwrap();
        let o = run(
            &dir,
            &["apply"],
            &[("ALERTCTL_CRASH_AT", &crash_at.to_string())],
        );
        assert!(
            !o.status.success(),
            "crash point {crash_at} must abort the process"
        );
        let ymls: Vec<String> = files(&out)
            .into_iter()
            .map(|f| out.join(f.0).display().to_string())
            .collect();
        let check = Command::new(&promtool)
            .args(["check", "rules"])
            .args(&ymls)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "crash point {crash_at}: promtool rejects the directory\n{}",
            text(&check)
        );
        // The next apply finishes the job and the server runs the new rules.
        let o = run(&dir, &["apply"], &[]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "after crash point {crash_at}: {}",
            text(&o)
        );
        assert_eq!(
            queries_with(&prom, &format!("> {value}")),
            vec!["HighCPU"],
            "after crash point {crash_at}"
        );
        assert!(!out.join(".alertctl-journal.json").exists());
    }
}

#[test]
fn concurrent_applies_never_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shared-out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = prometheus(&out);
    // Two clones of the rules, different thresholds, one output directory.
    let mk = |name: &str, th: &str| {
        let d = rules_dir(&tmp.path().join(name), &[(&prom.url(), "prometheus")]);
        let t = d.join("alertctl.toml");
        std::fs::write(
            &t,
            std::fs::read_to_string(&t)
                .unwrap()
                .replace("dir = \"out\"", &format!("dir = \"{}\"", out.display())),
        )
        .unwrap();
        set_web_threshold(&d, th);
        d
    };
    let a = mk("a", "91");
    let b = mk("b", "92");
    let render = |d: &Path| {
        let o = run(d, &["render", "--stdout"], &[]);
        // The rule files, without the scrape target files printed after them.
        let all = String::from_utf8_lossy(&o.stdout).to_string();
        all.split("# ---- file_sd/").next().unwrap().to_string()
    };
    let (ra, rb) = (render(&a), render(&b));
    let (ca, cb) = (a.clone(), b.clone());
    let ta = std::thread::spawn(move || run(&ca, &["apply"], &[]));
    let tb = std::thread::spawn(move || run(&cb, &["apply"], &[]));
    let (oa, ob) = (ta.join().unwrap(), tb.join().unwrap());
    assert_eq!(oa.status.code(), Some(0), "{}", text(&oa));
    assert_eq!(ob.status.code(), Some(0), "{}", text(&ob));
    let on_disk: String = files(&out)
        .into_iter()
        .map(|(n, c)| format!("# ---- {n}\n{}\n", String::from_utf8_lossy(&c)))
        .collect();
    assert!(
        on_disk == ra || on_disk == rb,
        "the result is one of the two rule sets:\n{on_disk}"
    );
    let live = queries_with(&prom, "> 9");
    assert_eq!(live, vec!["HighCPU"]);

    // While someone holds the lock, an apply with a short lock timeout fails clearly.
    let lockf = support::hold_lock(&out);
    let t = a.join("alertctl.toml");
    std::fs::write(
        &t,
        std::fs::read_to_string(&t)
            .unwrap()
            .replace("lock_timeout = \"60s\"", "lock_timeout = \"1s\""),
    )
    .unwrap();
    set_web_threshold(&a, "99");
    let o = run(&a, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("another apply holds"), "{}", text(&o));
    lockf.unlock().unwrap();
}

#[test]
fn history_and_rollback_restore_exact_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = prometheus(&out);
    let dir = rules_dir(tmp.path(), &[(&prom.url(), "prometheus")]);
    assert_eq!(run(&dir, &["apply"], &[]).status.code(), Some(0));
    let v1 = files(&out);
    set_web_threshold(&dir, "96");
    assert_eq!(run(&dir, &["apply"], &[]).status.code(), Some(0));
    assert_ne!(files(&out), v1);

    let h = run(&dir, &["history"], &[]);
    let table = String::from_utf8_lossy(&h.stdout).to_string();
    assert!(
        table.lines().count() == 3 && table.contains("applied"),
        "{table}"
    );

    let o = run(&dir, &["rollback"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        files(&out),
        v1,
        "rollback restores deployment 1's files exactly"
    );
    assert_eq!(
        queries_with(&prom, "> 90"),
        vec!["HighCPU"],
        "and Prometheus serves them"
    );
    let rows: serde_json::Value =
        serde_json::from_slice(&run(&dir, &["history", "--format", "json"], &[]).stdout).unwrap();
    assert_eq!(rows["deployments"][0]["kind"], "rollback to 1");
    assert_eq!(rows["deployments"][0]["result"], "applied");

    let o = run(&dir, &["rollback", "42"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no deployment 42"));
}

#[test]
fn vmalert_happy_path_and_rollback() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = prometheus(&tmp.path().join("prom-rules"));
    let dir = rules_dir(tmp.path(), &[]);
    // vmalert refuses to start without rules: render the first set, then start it.
    assert!(run(&dir, &["render"], &[]).status.success());
    let vm = vmalert(&out, &prom);
    let t = dir.join("alertctl.toml");
    std::fs::write(
        &t,
        format!(
            "{}\n[[prometheus]]\nname = \"vmalert\"\nurl = \"{}\"\nkind = \"vmalert\"\n",
            std::fs::read_to_string(&t).unwrap(),
            vm.url()
        ),
    )
    .unwrap();

    set_web_threshold(&dir, "94");
    add_db_rule(&dir);
    let o = run(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}\n{}", text(&o), vm.log_text());
    assert_eq!(queries_with(&vm, "> 94"), vec!["HighCPU"]);
    assert_eq!(queries_with(&vm, "group=\"db\""), vec!["HighCPU"]);

    let before = files(&out);
    let names: Vec<&str> = before.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["global.yml", "group_db.yml", "group_web.yml"]);
    let before_rules = vm.rule_queries();
    stage_rejected_change(&dir, "89");
    let o = run(
        &dir,
        &["apply", "--promtool", "off", "--format", "json"],
        &[],
    );
    assert_same_files(&out, &before, "restored after the rejected change");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_adds_removes_modifies(&doc);
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("vmalert kept its previous rules"),
        "{doc}"
    );
    assert_eq!(vm.rule_queries(), before_rules);
    // vmalert reloading the directory again still gets exactly the previous rules.
    assert_eq!(
        support::http_post(&format!("{}/-/reload", vm.url())).map(|r| r.0),
        Some(200)
    );
    assert!(support::eventually(Duration::from_secs(5), || vm
        .rule_queries()
        == before_rules));
}

/// TLS with a custom CA and basic auth, both enforced by Prometheus itself
/// (`--web.config.file`); the password comes from a file, never from alertctl.toml.
#[test]
fn tls_and_basic_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let pki = tmp.path().join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    // A CA, and a server certificate for 127.0.0.1 signed by it.
    std::fs::write(
        pki.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let steps: [Vec<&str>; 3] = [
        [
            &["req", "-x509"][..],
            &ec,
            &[
                "-days",
                "1",
                "-subj",
                "/CN=alertctl-test-ca",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
        [
            &["req"][..],
            &ec,
            &[
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "key.pem",
                "-out",
                "leaf.csr",
            ],
        ]
        .concat(),
        vec![
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-out",
            "cert.pem",
        ],
    ];
    for args in steps {
        let o = Command::new("openssl")
            .args(&args)
            .current_dir(&pki)
            .output()
            .expect("openssl is needed for the TLS test (apt-get install openssl)");
        assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    }
    // bcrypt of "s3cret-pw" (cost 4), computed once with Python's bcrypt.
    let web = pki.join("web.yml");
    std::fs::write(
        &web,
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\nbasic_auth_users:\n  alertctl: '$2b$04$wiGMBJuUOLy6qw83QzvugeODdoGpamgOBWJdc495436LykKbhrs9.'\n",
            pki.join("cert.pem").display(),
            pki.join("key.pem").display()
        ),
    )
    .unwrap();
    let prom = support::prometheus_with_web(&out, Some(&web));
    let url = format!("https://127.0.0.1:{}", prom.port);
    let dir = rules_dir(tmp.path(), &[]);
    std::fs::write(pki.join("password"), "s3cret-pw\n").unwrap();
    let t = dir.join("alertctl.toml");
    let server = |pw: &str| {
        format!(
            "\n[[prometheus]]\nurl = \"{url}\"\nca_file = \"{}\"\nbasic_auth = {{ username = \"alertctl\", password_file = \"{}\" }}\n",
            pki.join("ca.pem").display(),
            pki.join(pw).display()
        )
    };
    let base = std::fs::read_to_string(&t).unwrap();

    // Wrong password: Prometheus answers 401, nothing is written.
    std::fs::write(pki.join("wrong"), "nope\n").unwrap();
    std::fs::write(&t, format!("{base}{}", server("wrong"))).unwrap();
    let o = run(&dir, &["apply"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("401"), "{}", text(&o));
    assert!(
        !text(&o).contains("nope"),
        "a secret never appears in output"
    );
    assert!(files(&out).is_empty());

    // Right password and CA: applied and verified over HTTPS.
    std::fs::write(&t, format!("{base}{}", server("password"))).unwrap();
    let o = run(&dir, &["apply"], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        text(&o),
        prom.log_text()
    );
    assert!(
        !text(&o).contains("s3cret"),
        "a secret never appears in output"
    );

    // Without the CA, the self-signed certificate is refused.
    std::fs::write(&t, format!("{base}\n[[prometheus]]\nurl = \"{url}\"\n")).unwrap();
    let o = run(&dir, &["diff", "--live"], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        text(&o).to_lowercase().contains("certificate"),
        "{}",
        text(&o)
    );
}
