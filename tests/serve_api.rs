//! `alertctl serve`'s read API against the CLI, and what the server refuses: every API
//! answer is compared with the CLI's `--format json` for the same question (bytes and
//! values); writes without the token, `../` and absolute paths in every route
//! parameter, requests for another host or from another origin, and saves over a file
//! changed on disk are refused; secrets never reach a response.

mod support;

use std::path::Path;

use serde_json::{json, Value};
use support::serve::{cli, example_copy, Answer, Serve};

/// The CLI's stdout for `args`, which must succeed.
fn cli_json(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = cli(dir, args);
    assert_eq!(code, 0, "alertctl {args:?}: {err}");
    out
}

fn same(serve: &Serve, dir: &Path, route: &str, args: &[&str]) {
    let a = serve.get(route);
    assert_eq!(a.status, 200, "{route}: {}", a.body);
    assert!(
        a.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{route}: {:?}",
        a.headers
    );
    let expected = cli_json(dir, args);
    let (got, want): (Value, Value) = (
        serde_json::from_str(&a.body).unwrap(),
        serde_json::from_str(&expected).unwrap(),
    );
    assert_eq!(got, want, "{route} vs alertctl {args:?}");
    assert_eq!(a.body, expected, "{route} vs alertctl {args:?}: same bytes");
    assert_eq!(got["schema"], json!(1));
}

fn names(v: &Value, list: &str, key: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_route_answers_what_the_cli_answers() {
    let (tmp, dir) = example_copy();
    // One recorded deployment for the history route.
    let out = tmp.path().join("deployed");
    let (code, _, err) = cli(&dir, &["apply", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let serve = Serve::start(&dir, &["--read-only"], &[]);
    assert!(serve.token.is_none(), "read-only prints no token");

    same(
        &serve,
        &dir,
        "/api/v1/alert-templates",
        &["list", "templates", "--format", "json"],
    );
    same(
        &serve,
        &dir,
        "/api/v1/alert-templates?severity=critical",
        &[
            "list",
            "templates",
            "--severity",
            "critical",
            "--format",
            "json",
        ],
    );
    let templates: Value =
        serde_json::from_str(&cli_json(&dir, &["list", "templates", "--format", "json"])).unwrap();
    for t in names(&templates, "templates", "name") {
        same(
            &serve,
            &dir,
            &format!("/api/v1/alert-templates/{t}"),
            &["list", "templates", "--name", &t, "--format", "json"],
        );
    }
    same(
        &serve,
        &dir,
        "/api/v1/alert-rules",
        &["list", "rules", "--format", "json"],
    );
    for (q, args) in [
        ("group=web", vec!["--group", "web"]),
        ("namespace=staging", vec!["--namespace", "staging"]),
        ("template=HighCPU", vec!["--template", "HighCPU"]),
        ("scope=group%2Fweb", vec!["--scope", "group/web"]),
        (
            "scope=global&template=DiskSpaceLow",
            vec!["--scope", "global", "--template", "DiskSpaceLow"],
        ),
        ("suspended=true", vec!["--suspended"]),
    ] {
        let mut a = vec!["list", "rules"];
        a.extend(args);
        a.extend(["--format", "json"]);
        same(&serve, &dir, &format!("/api/v1/alert-rules?{q}"), &a);
    }
    same(
        &serve,
        &dir,
        "/api/v1/targets",
        &["list", "targets", "--format", "json"],
    );
    same(
        &serve,
        &dir,
        "/api/v1/targets?namespace=prod",
        &["list", "targets", "--namespace", "prod", "--format", "json"],
    );
    same(
        &serve,
        &dir,
        "/api/v1/targets?group=db",
        &["list", "targets", "--group", "db", "--format", "json"],
    );
    let targets: Value =
        serde_json::from_str(&cli_json(&dir, &["list", "targets", "--format", "json"])).unwrap();
    let targets = names(&targets, "targets", "name");
    assert!(targets.len() >= 10);
    for t in &targets {
        same(
            &serve,
            &dir,
            &format!("/api/v1/targets/{t}/alert-rules/effective"),
            &["effective", t, "--format", "json"],
        );
        same(
            &serve,
            &dir,
            &format!("/api/v1/targets/{t}/alert-rules/trace"),
            &["trace", t, "--format", "json"],
        );
    }
    same(
        &serve,
        &dir,
        "/api/v1/targets/web-3:9100/alert-rules/trace?alert=HighCPU&all=true",
        &[
            "trace",
            "web-3:9100",
            "HighCPU",
            "--all",
            "--format",
            "json",
        ],
    );
    for g in ["web", "db", "cache", "batch", "stg-apps"] {
        same(
            &serve,
            &dir,
            &format!("/api/v1/groups/{g}/alert-rules/effective"),
            &["effective", "--group", g, "--format", "json"],
        );
    }
    for n in ["prod", "staging"] {
        same(
            &serve,
            &dir,
            &format!("/api/v1/namespaces/{n}/alert-rules/effective"),
            &["effective", "--namespace", n, "--format", "json"],
        );
    }
    same(
        &serve,
        &dir,
        "/api/v1/global/alert-rules/effective",
        &["effective", "--global", "--format", "json"],
    );
    same(
        &serve,
        &dir,
        "/api/v1/deployments",
        &["history", "--format", "json"],
    );
    let h = serve.get("/api/v1/deployments").json();
    assert_eq!(h["deployments"].as_array().unwrap().len(), 1, "{h}");

    // Unknown names: 404 with the CLI's message and did-you-mean; the CLI exits 2.
    let a = serve.get("/api/v1/targets/web-9:9100/alert-rules/effective");
    assert_eq!(a.status, 404);
    let (code, _, err) = cli(&dir, &["effective", "web-9:9100"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(a.json()["error"].as_str().unwrap()),
        "{err} / {}",
        a.body
    );
    assert!(a.json()["hint"].as_str().unwrap().contains("did you mean"));
    assert_eq!(serve.get("/api/v1/alert-templates/HighCPUX").status, 404);
    let a = serve.get("/api/v1/targets/web-1:9100/alert-rules/trace?alert=NoSuchAlert");
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(
        serve
            .get("/api/v1/groups/nope/alert-rules/effective")
            .status,
        404
    );

    // The files stay the source of truth: a change on disk is answered once its file
    // event has arrived (docs/commands.md, serve). The event comes from the watcher's
    // thread, so the first request may still race it: poll, do not expect it at once.
    support::set_web_threshold(&dir, "93");
    let mut last = String::new();
    let seen = support::eventually(std::time::Duration::from_secs(5), || {
        last = serve
            .get("/api/v1/targets/web-1:9100/alert-rules/effective")
            .body;
        last.contains("> 93")
    });
    assert!(seen, "the edit was not answered within 5 s: {last}");
    same(
        &serve,
        &dir,
        "/api/v1/targets/web-1:9100/alert-rules/effective",
        &["effective", "web-1:9100", "--format", "json"],
    );
}

/// The token of `serve`.
fn token(s: &Serve) -> String {
    s.token.clone().unwrap()
}

fn post_raw(s: &Serve, path: &str, body: &Value, headers: &[(&str, &str)]) -> Answer {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    s.request("POST", path, &h, &body.to_string())
}

#[test]
fn writes_need_the_token_and_paths_stay_inside() {
    let (tmp, dir) = example_copy();
    let serve = Serve::start(&dir, &[], &[]);
    let t = token(&serve);
    let web = dir.join("rules/teams/web.yaml");
    let original = std::fs::read_to_string(&web).unwrap();
    let hash = blake3::hash(original.as_bytes()).to_hex().to_string();
    let changed = original.replace("threshold: 90", "threshold: 91");
    let save = json!({"edits": [{"path": "rules/teams/web.yaml", "base": hash, "text": changed}]});

    // No token, a wrong token, a token in a cookie only (what a cross-site form sends):
    // refused, nothing written.
    for headers in [
        vec![],
        vec![("X-Alertctl-Token", "0123456789abcdef0123456789abcdef")],
        vec![("Cookie", format!("alertctl_token={t}").leak() as &str)],
    ] {
        let a = post_raw(&serve, "/ui/api/save", &save, &headers);
        assert_eq!(a.status, 401, "{headers:?}: {}", a.body);
    }
    for route in [
        "/ui/api/purge",
        "/ui/api/deploy/apply",
        "/ui/api/rule/suspend",
        "/ui/api/preview",
    ] {
        assert_eq!(
            post_raw(&serve, route, &json!({}), &[]).status,
            401,
            "{route}"
        );
    }
    // Another site's page: refused even with the token.
    let a = post_raw(
        &serve,
        "/ui/api/save",
        &save,
        &[("X-Alertctl-Token", &t), ("Origin", "http://evil.example")],
    );
    assert_eq!(a.status, 403, "{}", a.body);
    // A name that resolves to 127.0.0.1 (DNS rebinding) cannot read either.
    let a = serve.request(
        "GET",
        "/api/v1/alert-rules",
        &[("Host", "evil.example:80")],
        "",
    );
    assert_eq!(a.status, 403, "{}", a.body);
    assert_eq!(std::fs::read_to_string(&web).unwrap(), original);

    // `../` and absolute paths in every route parameter.
    let outside = tmp.path().join("evil.yaml");
    let outside = outside.to_str().unwrap();
    let hostile = [
        "..%2F..%2Fetc%2Fpasswd".to_string(),
        "..".to_string(),
        "%2Fetc%2Fpasswd".to_string(),
        outside.replace('/', "%2F"),
        "a%2F..%2F..%2Fb".to_string(),
        "..%5C..%5Cwindows".to_string(),
    ];
    for h in &hostile {
        let gets = [
            format!("/api/v1/alert-templates/{h}"),
            format!("/api/v1/targets/{h}/alert-rules/effective"),
            format!("/api/v1/targets/{h}/alert-rules/trace"),
            format!("/api/v1/targets/web-1:9100/alert-rules/trace?alert={h}"),
            format!("/api/v1/groups/{h}/alert-rules/effective"),
            format!("/api/v1/namespaces/{h}/alert-rules/effective"),
            format!("/api/v1/alert-templates?severity={h}"),
            format!("/api/v1/alert-rules?group={h}"),
            format!("/api/v1/alert-rules?namespace={h}"),
            format!("/api/v1/alert-rules?scope={h}"),
            format!("/api/v1/alert-rules?template={h}"),
            format!("/api/v1/targets?namespace={h}"),
            format!("/api/v1/targets?group={h}"),
            format!("/templates/{h}"),
            format!("/templates?severity={h}"),
            format!("/templates?tag={h}"),
            format!("/rules?scope={h}"),
            format!("/rules?group={h}"),
            format!("/rules/edit?file={h}&line=1"),
            format!("/rules/new?template={h}"),
            format!("/rules/new?scope={h}"),
            format!("/files/edit?path={h}"),
            format!("/effective?target={h}"),
            format!("/effective?group={h}"),
            format!("/effective?namespace={h}"),
            format!("/targets?namespace={h}"),
        ];
        for g in &gets {
            let a = serve.get(g);
            assert_eq!(a.status, 400, "{g}: {}", a.body);
            assert!(!a.body.contains("root:x:0"), "{g}");
        }
        let a = serve.get(&format!("/assets/{h}"));
        assert!(a.status == 400 || a.status == 404, "{h}: {}", a.status);
    }
    // Paths sent without encoding never reach a file either.
    for raw in [
        "/assets/../../../../etc/passwd",
        "/../../etc/passwd",
        "/files/edit?path=../../../../etc/passwd",
    ] {
        let a = serve.get(raw);
        assert_ne!(a.status, 200, "{raw}");
        assert!(!a.body.contains("root:x:0"), "{raw}");
    }
    // Bodies of the editor's writes: `..`, absolute, files that are not templates, rules
    // or inventory (settings, Alertmanager config with its secret references).
    let plain_paths = [
        "../evil.yaml".to_string(),
        "rules/../../evil.yaml".to_string(),
        "/etc/passwd".to_string(),
        outside.to_string(),
        "rules/./x.yaml".to_string(),
        "rules//x.yaml".to_string(),
        "rules/x\n.yaml".to_string(),
        "alertctl.toml".to_string(),
        "alertmanager/alertmanager.yaml".to_string(),
        ".alertctl/cache.sqlite".to_string(),
        "rules/x.txt".to_string(),
    ];
    let auth = [("X-Alertctl-Token", t.as_str())];
    for p in &plain_paths {
        for (route, body) in [
            (
                "/ui/api/preview",
                json!({"path": p, "text": "- template: HighCPU\n  scope: global\n"}),
            ),
            (
                "/ui/api/save",
                json!({"edits": [{"path": p, "base": null, "text": "x: 1\n"}], "insist": true}),
            ),
            (
                "/ui/api/rule/preview",
                json!({"path": p, "line": 1, "base": "x", "changes": []}),
            ),
            (
                "/ui/api/rule/suspend",
                json!({"path": p, "line": 1, "base": "x", "suspended": true}),
            ),
            (
                "/ui/api/rule/new",
                json!({"template": "HighCPU", "scope": "global", "file": p}),
            ),
        ] {
            let a = post_raw(&serve, route, &body, &auth);
            assert_eq!(a.status, 400, "{route} {p:?}: {}", a.body);
        }
    }
    assert!(!Path::new(outside).exists());
    assert!(!tmp.path().join("evil.yaml").exists() && !dir.join("../evil.yaml").exists());
    // A link out of the rules directory is never written through.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("rules/linked")).unwrap();
    let a = post_raw(
        &serve,
        "/ui/api/save",
        &json!({"edits": [{"path": "rules/linked/x.yaml", "base": null, "text": "[]\n"}], "insist": true}),
        &auth,
    );
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.json()["error"]
        .as_str()
        .unwrap()
        .contains("outside the rules directory"));
    assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
    std::fs::remove_file(dir.join("rules/linked")).unwrap();

    // A file changed on disk since the edit started is not overwritten.
    let external = format!("{original}# edited meanwhile\n");
    std::fs::write(&web, &external).unwrap();
    let a = post_raw(&serve, "/ui/api/save", &save, &auth);
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(a.json()["error"]
        .as_str()
        .unwrap()
        .contains("changed on disk since it was opened"));
    assert_eq!(std::fs::read_to_string(&web).unwrap(), external);
    let a = post_raw(
        &serve,
        "/ui/api/rule/preview",
        &json!({"path": "rules/teams/web.yaml", "line": 3, "base": hash, "changes": []}),
        &auth,
    );
    assert_eq!(a.status, 409, "{}", a.body);
    // A new file that appeared meanwhile is not replaced either.
    std::fs::write(dir.join("rules/new.yaml"), "[]\n").unwrap();
    let a = post_raw(
        &serve,
        "/ui/api/save",
        &json!({"edits": [{"path": "rules/new.yaml", "base": null, "text": "- template: HighCPU\n  scope: global\n  alert: Other\n"}]}),
        &auth,
    );
    assert_eq!(a.status, 409, "{}", a.body);
    assert_eq!(
        std::fs::read_to_string(dir.join("rules/new.yaml")).unwrap(),
        "[]\n"
    );
    std::fs::remove_file(dir.join("rules/new.yaml")).unwrap();
    std::fs::write(&web, &original).unwrap();

    // An invalid result is refused unless insisted on; comments and the rest stay.
    let bad = original.replace("threshold: 90", "threshold: ninety");
    let body = |text: &str, insist: bool| json!({"edits": [{"path": "rules/teams/web.yaml", "base": hash, "text": text}], "insist": insist});
    let a = post_raw(&serve, "/ui/api/save", &body(&bad, false), &auth);
    assert_eq!(a.status, 422, "{}", a.body);
    let d = &a.json()["diagnostics"][0];
    assert_eq!(d["code"], json!("bad-param-value"), "{d}");
    assert_eq!(d["location"]["file"], json!("rules/teams/web.yaml"));
    assert_eq!(d["location"]["line"], json!(5));
    assert_eq!(std::fs::read_to_string(&web).unwrap(), original);
    let a = post_raw(&serve, "/ui/api/save", &body(&bad, true), &auth);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(std::fs::read_to_string(&web).unwrap(), bad);
    let bad_hash = blake3::hash(bad.as_bytes()).to_hex().to_string();
    let a = post_raw(
        &serve,
        "/ui/api/save",
        &json!({"edits": [{"path": "rules/teams/web.yaml", "base": bad_hash, "text": changed}]}),
        &auth,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(std::fs::read_to_string(&web).unwrap(), changed);
    let eff = serve.get("/api/v1/targets/web-1:9100/alert-rules/effective");
    assert!(eff.body.contains("> 91"), "{}", eff.body);

    // The rule form's edit, previewed: only the value's bytes change.
    let h = blake3::hash(changed.as_bytes()).to_hex().to_string();
    let a = post_raw(
        &serve,
        "/ui/api/rule/preview",
        &json!({"path": "rules/teams/web.yaml", "line": 3, "base": h,
                "changes": [{"field": "param", "name": "threshold", "value": "92"}, {"field": "priority", "value": "4"}]}),
        &auth,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let p = a.json();
    assert_eq!(p["valid"], json!(true));
    let text = p["edit"]["text"].as_str().unwrap();
    assert_eq!(
        text,
        changed.replace(
            "  params: { threshold: 91 }\n  labels: { team: web }\n",
            "  params: { threshold: 92 }\n  labels: { team: web }\n  priority: 4\n"
        )
    );
    assert!(p["output_changes"][0]["diff"]
        .as_str()
        .unwrap()
        .contains("> 92"));
    assert!(
        p["rendered"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["alert"] == json!("HighCPU")),
        "{}",
        p["rendered"]
    );
    assert_eq!(
        std::fs::read_to_string(&web).unwrap(),
        changed,
        "a preview writes nothing"
    );

    // Soft delete, restore, purge: as `rule disable|enable|purge` do.
    let suspend = |suspended: bool| {
        let text = std::fs::read_to_string(&web).unwrap();
        let h = blake3::hash(text.as_bytes()).to_hex().to_string();
        post_raw(
            &serve,
            "/ui/api/rule/suspend",
            &json!({"path": "rules/teams/web.yaml", "line": 8, "base": h, "suspended": suspended}),
            &auth,
        )
    };
    let a = suspend(true);
    assert_eq!(a.status, 200, "{}", a.body);
    let (_, list, _) = cli(&dir, &["list", "rules", "--suspended", "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&list).unwrap()["rules"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{list}"
    );
    let a = suspend(false);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        std::fs::read_to_string(&web).unwrap(),
        changed,
        "restore puts the file back as it was"
    );
    assert_eq!(suspend(true).status, 200);
    let a = post_raw(&serve, "/ui/api/purge", &json!({}), &auth);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["purged"].as_array().unwrap().len(), 1);
    assert!(!std::fs::read_to_string(&web)
        .unwrap()
        .contains("template: HighCPU\n  scope: target/web-3:9100"));
    let (code, _, err) = cli(&dir, &["validate", "--promtool", "off"]);
    assert_eq!(code, 0, "{err}");

    // Apply is off unless serve was started with --allow-apply.
    let a = post_raw(&serve, "/ui/api/deploy/apply", &json!({}), &auth);
    assert_eq!(a.status, 403, "{}", a.body);

    // --read-only refuses every write, token or not.
    let ro = Serve::start(&dir, &["--read-only"], &[]);
    let a = post_raw(&ro, "/ui/api/save", &save, &auth);
    assert_eq!(a.status, 403, "{}", a.body);
    assert!(a.body.contains("--read-only"));
}

#[test]
fn secrets_never_reach_the_browser() {
    const TOKEN: &str = "tok-3f9a8b7c6d5e4f3a2b1c";
    const SLACK: &str = "https://hooks.example/services/T0SECRET/B0SECRET/x9y8z7";
    let (_tmp, dir) = example_copy();
    std::fs::write(dir.join("prom-token"), format!("{TOKEN}\n")).unwrap();
    let toml = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
    std::fs::write(
        dir.join("alertctl.toml"),
        format!("{toml}\n[[prometheus]]\nname = \"main\"\nurl = \"http://127.0.0.1:9/\"\nbearer_token_file = \"prom-token\"\n"),
    )
    .unwrap();
    // A stranger's pull request pastes the token into a template's annotation.
    let cpu = dir.join("templates/node/high-cpu.yaml");
    let text = std::fs::read_to_string(&cpu).unwrap();
    std::fs::write(
        &cpu,
        text.replace(
            "busy on {{ $labels.instance }}\"",
            &format!("busy on {{{{ $labels.instance }}}} {TOKEN}\""),
        ),
    )
    .unwrap();
    let serve = Serve::start(
        &dir,
        &[],
        &[
            ("SLACK_WEB_URL", SLACK),
            ("PAGERDUTY_SRE_KEY", "pd-0123456789abcdef"),
        ],
    );
    let mut masked = 0;
    for route in [
        "/",
        "/targets",
        "/templates",
        "/templates/HighCPU",
        "/rules",
        "/rules/edit?file=rules/teams/web.yaml&line=3",
        "/files/edit?path=templates/node/high-cpu.yaml",
        "/effective?target=web-1:9100",
        "/deploy",
        "/ui/api/deploy/plan",
        "/api/v1/alert-templates",
        "/api/v1/targets/web-1:9100/alert-rules/effective",
        "/api/v1/targets/web-1:9100/alert-rules/trace",
        "/api/v1/global/alert-rules/effective",
        "/api/v1/deployments",
        "/files/edit?path=alertmanager/alertmanager.yaml",
        "/files/edit?path=alertctl.toml",
        "/files/edit?path=prom-token",
    ] {
        let a = serve.get(route);
        for secret in [TOKEN, SLACK, "T0SECRET", "pd-0123456789abcdef"] {
            assert!(!a.body.contains(secret), "{route} shows {secret}");
        }
        if a.body.contains("<secret>") || a.body.contains("&lt;secret&gt;") {
            masked += 1;
        }
    }
    assert!(
        masked >= 3,
        "the pasted token is masked where it would show ({masked} pages)"
    );
    let a = serve.post(
        "/ui/api/preview",
        &json!({"path": "templates/node/high-cpu.yaml", "text": std::fs::read_to_string(&cpu).unwrap()}),
    );
    assert_eq!(a.status, 200);
    assert!(!a.body.contains(TOKEN));
}

#[test]
fn another_address_needs_a_token() {
    let (_tmp, dir) = example_copy();
    let (code, _, err) = cli(&dir, &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a token"), "{err}");
    let (code, _, err) = cli(
        &dir,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--token-file",
            "/nonexistent/token",
        ],
    );
    assert_eq!(code, 4, "{err}");
    let tok = "00112233445566778899aabbccddeeff";
    let serve = Serve::start(
        &dir,
        &["--listen", "0.0.0.0:0"],
        &[("ALERTCTL_SERVE_TOKEN", tok)],
    );
    assert!(serve.token.is_none(), "a given token is not printed");
    let a = serve.get("/");
    assert_eq!(a.status, 401);
    assert!(a.body.contains("Token needed"));
    assert_eq!(serve.get("/api/v1/alert-rules").status, 401);
    assert_eq!(
        serve.get("/assets/app.js").status,
        200,
        "the page that takes the token loads"
    );
    let auth = format!("Bearer {tok}");
    assert_eq!(
        serve
            .request(
                "GET",
                "/api/v1/alert-rules",
                &[("Authorization", &auth)],
                ""
            )
            .status,
        200
    );
    let cookie = format!("alertctl_token={tok}");
    assert_eq!(
        serve
            .request("GET", "/rules", &[("Cookie", &cookie)], "")
            .status,
        200
    );
    assert_eq!(
        serve
            .request("GET", "/rules", &[("Cookie", "alertctl_token=00")], "")
            .status,
        401
    );
}

/// The deploy page's apply (`--allow-apply`) against a real Prometheus: the same
/// operation as `alertctl apply`, so the same plan, verification and history.
#[test]
fn apply_from_the_deploy_page_deploys_and_records() {
    let (tmp, dir) = example_copy();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = support::prometheus(&out);
    let toml = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
    std::fs::write(
        dir.join("alertctl.toml"),
        format!(
            "{}\n[[prometheus]]\nurl = \"{}\"\ntimeout = \"5s\"\n",
            toml.replace(
                "dir = \"rendered\"",
                &format!("dir = \"{}\"", out.display())
            ),
            prom.url()
        ),
    )
    .unwrap();
    let serve = Serve::start(&dir, &["--allow-apply"], &[]);
    let plan = serve.get("/ui/api/deploy/plan").json();
    assert_eq!(plan["result"], json!("dry-run"), "{plan}");
    assert!(plan["changes"].as_array().unwrap().len() >= 5, "{plan}");
    assert!(
        std::fs::read_dir(&out).unwrap().next().is_none(),
        "a plan writes nothing"
    );
    let a = serve.post("/ui/api/deploy/apply", &json!({}));
    assert_eq!(a.status, 200, "{}", a.body);
    let r = a.json();
    assert_eq!(r["result"], json!("applied"), "{r}");
    assert_eq!(r["rev"], json!(1));
    let queries = prom.rule_queries();
    assert!(
        queries
            .iter()
            .any(|(name, q)| name == "HighCPU" && q.contains("> 90")),
        "{queries:?}"
    );
    same(
        &serve,
        &dir,
        "/api/v1/deployments",
        &["history", "--format", "json"],
    );
    // Nothing changed since: the next apply has nothing to do.
    let r = serve.post("/ui/api/deploy/apply", &json!({})).json();
    assert_eq!(r["result"], json!("no-change"), "{r}");
}

/// Names and text from the rules directory are a stranger's: every page shows them as
/// text (HTML escaped; control and bidi characters escaped as the CLI shows them), the
/// editor's text area cannot be closed from inside, and the API keeps the exact values.
#[test]
fn hostile_names_are_shown_as_text() {
    let (_tmp, dir) = example_copy();
    let cpu = dir.join("templates/node/high-cpu.yaml");
    let text = std::fs::read_to_string(&cpu).unwrap();
    std::fs::write(
        &cpu,
        text.replace(
            "description: CPU busy (all cores averaged) above a percentage",
            "description: \"</textarea><script>alert(2)</script> \\u202Eevil\"",
        ),
    )
    .unwrap();
    support::write_file(
        &dir,
        "rules/hostile.yaml",
        "- template: HighCPU\n  alert: \"X<img src=x onerror=alert(1)>\"\n  scope: group/db\n  labels: { note: \"a\\u202Eb\" }\n",
    );
    let (code, _, err) = cli(&dir, &["validate", "--promtool", "off"]);
    assert_eq!(code, 0, "{err}");
    let serve = Serve::start(&dir, &["--read-only"], &[]);
    for route in [
        "/rules",
        "/templates",
        "/templates/HighCPU",
        "/effective?target=db-1:9100",
        "/rules/edit?file=rules/hostile.yaml&line=1",
        "/files/edit?path=templates/node/high-cpu.yaml",
        "/files/edit?path=rules/hostile.yaml",
    ] {
        let a = serve.get(route);
        assert_eq!(a.status, 200, "{route}: {}", a.body);
        for raw in [
            "<img src=x",
            "<script>alert(2)",
            "</textarea><script>",
            "\u{202e}",
        ] {
            assert!(!a.body.contains(raw), "{route} has {raw:?} unescaped");
        }
    }
    assert!(serve
        .get("/rules")
        .body
        .contains("X&lt;img src=x onerror=alert(1)&gt;"));
    assert!(serve.get("/templates").body.contains(r"\u{202e}evil"));
    assert!(serve
        .get("/effective?target=db-1:9100")
        .body
        .contains(r"a\u{202e}b"));
    // The API keeps the values exactly (JSON escapes them).
    let eff = serve
        .get("/api/v1/targets/db-1:9100/alert-rules/effective")
        .json();
    let alert = eff["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["alert"] == json!("X<img src=x onerror=alert(1)>"))
        .expect("the hostile alert");
    assert_eq!(alert["labels"]["note"], json!("a\u{202e}b"));
}

/// The editor's "Run tests": the rules directory's unit tests, run by the real promtool
/// against the preview's rendering with the unsaved edit, the same operation as
/// `alertctl test`; nothing is written.
#[test]
fn preview_runs_the_unit_tests_on_the_unsaved_edit() {
    let (_tmp, dir) = example_copy();
    let serve = Serve::start(&dir, &[], &[]);
    let web = dir.join("rules/teams/web.yaml");
    let text = std::fs::read_to_string(&web).unwrap();
    let run = |text: &str| {
        let a = serve.post(
            "/ui/api/preview",
            &json!({"path": "rules/teams/web.yaml", "text": text, "checks": {"tests": true}}),
        );
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()["tests"].clone()
    };
    let cli: Value = serde_json::from_str(&cli_json(&dir, &["test", "--format", "json"])).unwrap();
    let passed = cli["passed"].as_u64().unwrap();
    assert!(passed >= 2, "{cli}");
    let ok = run(&text);
    assert_eq!(ok["available"], json!(true), "{ok}");
    assert_eq!(
        ok["result"]["summary"],
        json!(format!("{passed} passed, 0 failed")),
        "{ok}"
    );

    // web's threshold 90 -> 91: the test expecting "above 90%" now fails, located in
    // the test file.
    let changed = text.replace("params: { threshold: 90 }", "params: { threshold: 91 }");
    assert_ne!(changed, text);
    let bad = run(&changed);
    let failed: Vec<&Value> = bad["result"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["passed"] == json!(false))
        .collect();
    assert!(!failed.is_empty(), "{bad}");
    assert!(
        failed.iter().all(|r| r["failures"][0]
            .as_str()
            .unwrap()
            .starts_with("tests/cpu.yaml:")),
        "{bad}"
    );
    assert_eq!(
        std::fs::read_to_string(&web).unwrap(),
        text,
        "nothing written"
    );
}

/// The effective page answers from the cache index when nothing changed (issue 16): the
/// same page as a server that has no cache and takes the full path (its `.alertctl` is
/// a file, so the cache cannot be opened), for a target, a group, a namespace and
/// globally.
#[test]
fn the_effective_page_from_the_index_is_the_full_paths() {
    let (_tmp, dir) = example_copy();
    let (_tmp2, bare) = example_copy();
    std::fs::remove_dir_all(bare.join(".alertctl")).unwrap();
    std::fs::write(bare.join(".alertctl"), "not a directory\n").unwrap();
    // Sources older than git's racy window, then a full run: the index answers.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in walkdir::WalkDir::new(&dir).into_iter().flatten() {
        if e.file_type().is_file() && !e.path().starts_with(dir.join(".alertctl")) {
            let f = std::fs::File::options().write(true).open(e.path()).unwrap();
            f.set_modified(old).unwrap();
        }
    }
    cli_json(&dir, &["render"]);
    // The first question stores the answers the render left to it.
    cli_json(&dir, &["effective", "--global"]);
    let (code, _, err) = cli(&dir, &["-v", "effective", "web-1:9100"]);
    assert!(
        code == 0 && err.contains("answered from the cache index"),
        "{err}"
    );
    let fast = Serve::start(&dir, &["--read-only"], &[]);
    let full = Serve::start(&bare, &["--read-only"], &[]);
    for q in [
        "target=web-1:9100",
        "target=db-1:9100",
        "group=web",
        "namespace=prod",
        "global=1",
    ] {
        let route = format!("/effective?{q}");
        let (a, b) = (fast.get(&route), full.get(&route));
        assert_eq!(a.status, 200, "{route}: {}", a.body);
        assert!(a.body.contains("edit?file="), "{route}: links to rules");
        // The rules directory's path (in the header) is the one difference.
        let lines = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.contains("class=\"where\""))
                .map(str::to_string)
                .collect()
        };
        let (la, lb) = (lines(&a.body), lines(&b.body));
        let first = la.iter().zip(&lb).position(|(x, y)| x != y);
        assert!(
            first.is_none() && la.len() == lb.len(),
            "{route}: differs at line {first:?}: {:?} vs {:?}",
            first.map(|i| &la[i]),
            first.map(|i| &lb[i])
        );
    }
}

/// Templates filtered by the job they watch, in the API (as `list templates --job`) and
/// on the page (its Job filter), on an estate that declares jobs.
#[test]
fn templates_filter_by_job() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("estate");
    support::serve::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good/jobs"),
        &dir,
    );
    let serve = Serve::start(&dir, &["--read-only"], &[]);
    let route = "/api/v1/alert-templates?job=postgres";
    same(
        &serve,
        &dir,
        route,
        &["list", "templates", "--job", "postgres", "--format", "json"],
    );
    assert_eq!(
        names(&serve.get(route).json(), "templates", "name"),
        ["PostgresqlDown", "PostgresqlTooManyConnections"]
    );
    let page = serve.get("/templates?job=node&severity=critical");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(">NodeExporterDown</a>"), "{}", page.body);
    for other in ["HostHighCpuLoad", "PostgresqlDown", "BlackboxProbeFailed"] {
        assert!(!page.body.contains(&format!(">{other}</a>")), "{other}");
    }
    assert!(
        page.body.contains("<option selected>node</option>"),
        "{}",
        page.body
    );
    assert_eq!(serve.get("/api/v1/alert-templates?job=../x").status, 400);
}

/// With `[[shard]]` tables the deploy page's plan is per shard, the same files and
/// changes as `alertctl apply --dry-run --format json` lists per shard, and nothing is
/// written. (A plan contacts no server: the configured URLs lead nowhere.)
#[test]
fn the_deploy_plan_is_per_shard() {
    let (_tmp, dir) = example_copy();
    let dead = |_| format!("http://127.0.0.1:{}", support::free_port());
    let toml = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
    std::fs::write(
        dir.join("alertctl.toml"),
        format!(
            "{toml}\n[[prometheus]]\nname = \"p\"\nurl = \"{}\"\n\n[[prometheus]]\nname = \"s\"\nurl = \"{}\"\n\n\
             [[shard]]\nname = \"prod\"\nnamespaces = [\"prod\"]\nservers = [\"p\"]\n\n\
             [[shard]]\nname = \"staging\"\nnamespaces = [\"staging\"]\nservers = [\"s\"]\n",
            dead(0),
            dead(1)
        ),
    )
    .unwrap();
    let serve = Serve::start(&dir, &[], &[]);
    let plan = serve.get("/ui/api/deploy/plan").json();
    assert_eq!(plan["result"], json!("dry-run"), "{plan}");
    let (code, out, err) = cli(&dir, &["apply", "--dry-run", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let cli: Value = serde_json::from_str(&out).unwrap();
    let files = |shards: &Value| -> Vec<(String, Vec<String>)> {
        shards
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["shard"].as_str().unwrap().to_string(),
                    names(s, "changes", "file"),
                )
            })
            .collect()
    };
    let ui = files(&plan["shards"]);
    assert_eq!(
        ui.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["prod", "staging"]
    );
    assert!(ui.iter().all(|(_, f)| !f.is_empty()), "{plan}");
    assert_eq!(ui, files(&cli["shards"]), "serve {plan}\ncli {cli}");
    assert_eq!(plan["shards"][0]["shard_servers"], json!(["p"]));
    assert!(!dir.join("rendered/prod").exists(), "a plan writes nothing");
}
