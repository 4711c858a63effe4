//! What `apply`, `rollback`, `history` and `alertmanager apply` print, pinned as
//! transcripts (stdout and stderr apart, and the exit code) against one real Prometheus
//! and one real Alertmanager on 127.0.0.1. These pin the CLI while the orchestration
//! lives in the library (`alertctl::ops`): any change to a line shows up here.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{alertmanager, prometheus, set_web_threshold};

/// Runs alertctl and appends `$ alertctl ARGS`, its stdout, stderr and exit code.
struct Transcript {
    dir: PathBuf,
    log: String,
    envs: Vec<(String, String)>,
}

impl Transcript {
    fn new(dir: &Path) -> Transcript {
        Transcript {
            dir: dir.to_path_buf(),
            log: String::new(),
            envs: vec![],
        }
    }

    fn run(&mut self, args: &[&str]) -> i32 {
        let mut c = Command::new(env!("CARGO_BIN_EXE_alertctl"));
        c.arg("-C")
            .arg(&self.dir)
            .args(["--color", "never"])
            .args(args)
            .env_remove("ALERTCTL_PROMTOOL")
            .env_remove("ALERTCTL_AMTOOL")
            .env("PATH", "/usr/bin:/bin")
            .env("USER", "ann")
            .env_remove("CI");
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        let o = c.output().expect("alertctl runs");
        let code = o.status.code().unwrap_or(-1);
        self.log.push_str(&format!(
            "$ alertctl {}\n--- stdout\n{}--- stderr\n{}--- exit {code}\n\n",
            args.join(" "),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
        code
    }
}

fn write(dir: &Path, rel: &str, content: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// Temp paths, ports, times, durations and the git-less host become placeholders.
fn stable(log: &str, tmp: &Path) -> String {
    let s = log.replace(&tmp.display().to_string(), "[TMP]");
    let res = [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (r#""who": "[^"]*""#, r#""who": "[WHO]""#),
        (r"ann@\S+", "ann@[HOST]"),
        (r"/tmp/\.tmp\w+", "[PROMTMP]"),
    ];
    res.iter().fold(s, |acc, (re, to)| {
        regex::Regex::new(re)
            .unwrap()
            .replace_all(&acc, *to)
            .to_string()
    })
}

/// A scaffolded rules directory writing to `out/`, deployed to `servers` (TOML tables).
fn rules_dir(tmp: &Path, servers: &str) -> PathBuf {
    let dir = tmp.join("rules");
    support::init_rules_dir(&dir);
    let toml = std::fs::read_to_string(dir.join("alertctl.toml"))
        .unwrap()
        .replace("dir = \"rendered\"", "dir = \"out\"")
        .replace("promtool = \"auto\"", "promtool = \"off\"");
    std::fs::write(
        dir.join("alertctl.toml"),
        format!("{toml}\n[apply]\nverify_timeout = \"10s\"\nlock_timeout = \"1s\"\nretries = 0\n{servers}"),
    )
    .unwrap();
    dir
}

#[test]
fn apply_rollback_history_transcript() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("rules/out");
    std::fs::create_dir_all(&out).unwrap();
    let prom = prometheus(&out);
    let dir = rules_dir(
        tmp.path(),
        &format!(
            "[[prometheus]]\nname = \"prom-a\"\nurl = \"{}\"\ntimeout = \"2s\"\n",
            prom.url()
        ),
    );
    let mut t = Transcript::new(&dir);
    assert_eq!(t.run(&["apply"]), 0);
    assert_eq!(t.run(&["apply"]), 0);
    set_web_threshold(&dir, "95");
    assert_eq!(t.run(&["apply", "--dry-run"]), 0);
    assert_eq!(t.run(&["apply", "--format", "json"]), 0);
    assert_eq!(t.run(&["-v", "--no-cache", "apply"]), 0);

    // Rejected by Prometheus (an unknown template function in an annotation).
    set_web_threshold(&dir, "93");
    let f = dir.join("templates/node/target-down.yaml");
    let good = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        good.replace(
            "{{ $labels.instance }} is down",
            "{{ humanizeX $value }} is down",
        ),
    )
    .unwrap();
    assert_eq!(t.run(&["apply"]), 3);
    assert_eq!(t.run(&["apply", "--format", "json"]), 3);
    std::fs::write(&f, &good).unwrap();

    // Invalid input.
    write(
        &dir,
        "rules/bad.yaml",
        "- template: NoSuchTemplate\n  scope: global\n",
    );
    assert_eq!(t.run(&["apply"]), 2);
    assert_eq!(t.run(&["apply", "--format", "json"]), 2);
    std::fs::remove_file(dir.join("rules/bad.yaml")).unwrap();

    // A hand-written file under a rendered name.
    std::fs::write(out.join("group_web.yml"), "groups: []\n").unwrap();
    assert_eq!(t.run(&["apply"]), 2);
    assert_eq!(t.run(&["apply", "--format", "json"]), 2);
    std::fs::remove_file(out.join("group_web.yml")).unwrap();
    assert_eq!(t.run(&["apply"]), 0);

    assert_eq!(t.run(&["history", "--format", "json"]), 0);
    assert_eq!(t.run(&["rollback", "--dry-run"]), 0);
    assert_eq!(t.run(&["rollback"]), 0);
    assert_eq!(t.run(&["rollback", "1", "--format", "json"]), 0);
    assert_eq!(t.run(&["rollback", "42"]), 2);
    assert_eq!(t.run(&["rollback", "42", "--format", "json"]), 2);

    // The lock is held by someone else.
    let lockf = support::hold_lock(&out);
    set_web_threshold(&dir, "97");
    assert_eq!(t.run(&["apply"]), 4);
    assert_eq!(t.run(&["apply", "--format", "json"]), 4);
    lockf.unlock().unwrap();

    // The server is gone: the preflight fails, nothing is written.
    drop(prom);
    assert_eq!(t.run(&["apply"]), 4);
    assert_eq!(t.run(&["apply", "--format", "json"]), 4);
    assert_eq!(t.run(&["rollback", "2", "--format", "json"]), 4);

    insta::assert_snapshot!("apply_rollback_history", stable(&t.log, tmp.path()));
}

#[test]
fn settings_and_server_config_errors_transcript() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = rules_dir(
        tmp.path(),
        "[[prometheus]]\nname = \"p\"\nurl = \"http://127.0.0.1:1\"\nbearer_token_file = \"missing-token\"\n",
    );
    let mut t = Transcript::new(&dir);
    assert_eq!(t.run(&["apply"]), 4);
    assert_eq!(t.run(&["apply", "--format", "json"]), 4);
    assert_eq!(t.run(&["rollback"]), 2);
    // No server at all: written, not reloaded, recorded.
    let toml = std::fs::read_to_string(dir.join("alertctl.toml")).unwrap();
    let cut = toml.find("[[prometheus]]").unwrap();
    std::fs::write(dir.join("alertctl.toml"), &toml[..cut]).unwrap();
    assert_eq!(t.run(&["apply"]), 0);
    assert_eq!(t.run(&["rollback", "1", "--dry-run"]), 0);
    // A broken alertctl.toml stops a rollback.
    std::fs::write(
        dir.join("alertctl.toml"),
        format!("{}\nbogus = 1\n", &toml[..cut]),
    )
    .unwrap();
    assert_eq!(t.run(&["rollback", "1"]), 2);
    assert_eq!(t.run(&["rollback", "1", "--format", "json"]), 2);
    // promtool required but missing.
    std::fs::write(
        dir.join("alertctl.toml"),
        toml[..cut].replace("promtool = \"off\"", "promtool = \"required\""),
    )
    .unwrap();
    assert_eq!(t.run(&["apply"]), 4);
    assert_eq!(t.run(&["apply", "--format", "json"]), 4);
    insta::assert_snapshot!("settings_and_server_errors", stable(&t.log, tmp.path()));
}

const TOKEN: &str = "tr4nscript-t0ken";

fn am_config(url: &str) -> String {
    format!(
        "route:\n  receiver: default\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
receivers:\n  - name: default\n    webhook_configs: [{{url: '{url}', send_resolved: false}}]\n  - name: web\n    webhook_configs:\n      - url: http://127.0.0.1:9/web\n        http_config:\n          authorization:\n            credentials: ${{env:HOOK_TOKEN}}\n\
routing:\n  - scope: group/web\n    receiver: web\n"
    )
}

#[test]
fn alertmanager_apply_transcript() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = rules_dir(tmp.path(), "");
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_config("http://127.0.0.1:9/default"),
    );
    let toml = dir.join("alertctl.toml");
    let base = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{base}\n[alertmanager]\noutput = \"am/alertmanager.yml\"\namtool = \"off\"\n"),
    )
    .unwrap();
    let mut t = Transcript::new(&dir);
    t.envs.push(("HOOK_TOKEN".into(), TOKEN.into()));
    assert_eq!(t.run(&["alertmanager", "render"]), 0);
    let am = alertmanager(&dir.join("am/alertmanager.yml"));
    std::fs::write(
        &toml,
        format!("{base}\n[alertmanager]\noutput = \"am/alertmanager.yml\"\namtool = \"off\"\n[[alertmanager.servers]]\nname = \"am-1\"\nurl = \"{}\"\n", am.url()),
    )
    .unwrap();
    assert_eq!(t.run(&["alertmanager", "apply"]), 0);
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_config("http://127.0.0.1:9/other"),
    );
    assert_eq!(t.run(&["alertmanager", "apply", "--dry-run"]), 0);
    assert_eq!(t.run(&["alertmanager", "apply", "--format", "json"]), 0);
    assert_eq!(t.run(&["alertmanager", "diff"]), 0);
    // Rejected by Alertmanager.
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_config("not a url"),
    );
    assert_eq!(t.run(&["alertmanager", "apply"]), 3);
    assert_eq!(t.run(&["alertmanager", "apply", "--format", "json"]), 3);
    // Rejected by amtool before anything is written.
    t.envs.push((
        "ALERTCTL_AMTOOL".into(),
        support::tool("amtool").display().to_string(),
    ));
    assert_eq!(t.run(&["alertmanager", "apply", "--amtool", "required"]), 2);
    assert_eq!(
        t.run(&[
            "alertmanager",
            "apply",
            "--amtool",
            "required",
            "--format",
            "json"
        ]),
        2
    );
    t.envs.pop();
    // An unset secret.
    t.envs.clear();
    assert_eq!(t.run(&["alertmanager", "apply"]), 2);
    t.envs.push(("HOOK_TOKEN".into(), TOKEN.into()));
    assert_eq!(t.run(&["history"]), 0);
    // Alertmanager gone.
    drop(am);
    write(
        &dir,
        "alertmanager/alertmanager.yaml",
        &am_config("http://127.0.0.1:9/third"),
    );
    assert_eq!(t.run(&["alertmanager", "apply", "--format", "json"]), 4);
    assert!(!t.log.contains(TOKEN), "{}", t.log);
    insta::assert_snapshot!("alertmanager_apply", stable(&t.log, tmp.path()));
}
