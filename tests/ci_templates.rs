//! The shipped CI templates, run here as far as possible without GitHub or GitLab: the
//! `run:` scripts of action.yml (a composite action) with GitHub's step files
//! (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH) in temp files and the inputs passed
//! through each step's `env:` as the runner does; the GitLab template's jobs with their
//! `extends:` resolved and its variables set. alertctl is "downloaded" from a file:// URL
//! (curl), so the install step runs for real too; building it with cargo does not (too
//! slow for the suite).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::output_text as text;

use serde_yaml::Value;

fn load(rel: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A git workspace with a scaffolded rules directory in ops/alerts.
fn workspace(tmp: &Path) -> PathBuf {
    let ws = tmp.join("workspace");
    let o = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("init")
        .arg(ws.join("ops/alerts"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = Command::new("git")
        .arg("init")
        .arg("-q")
        .arg(&ws)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    ws
}

fn sha256(path: &Path) -> String {
    let o = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The runner's side of one action run: its files, and what each step left.
struct Run {
    summary: String,
    outputs: BTreeMap<String, String>,
    /// (step id, exit code, stdout+stderr) of each step that ran.
    steps: Vec<(String, i32, String)>,
}

impl Run {
    fn step(&self, id: &str) -> &(String, i32, String) {
        self.steps
            .iter()
            .find(|s| s.0 == id)
            .unwrap_or_else(|| panic!("step {id} did not run: {:?}", self.steps))
    }
}

/// Evaluates the `${{ ... }}` expressions this action uses.
fn expr(value: &str, inputs: &BTreeMap<String, String>, ctx: &BTreeMap<&str, String>) -> String {
    let mut out = value.to_string();
    while let Some(start) = out.find("${{") {
        let end = start + out[start..].find("}}").expect("closed expression") + 2;
        let e = out[start + 3..end - 2].trim();
        let v = if let Some(name) = e.strip_prefix("inputs.") {
            inputs[name].clone()
        } else {
            ctx.get(e)
                .cloned()
                .unwrap_or_else(|| panic!("unsupported expression {e}"))
        };
        out.replace_range(start..end, &v);
    }
    out
}

/// Runs action.yml's steps as the GitHub runner does: bash with `-eo pipefail`, inputs
/// (defaults overridden by `with`) via `env:`, each step's GITHUB_OUTPUT file read after
/// it, GITHUB_PATH applied to later steps, and the job stopping at the first failure.
fn run_action(ws: &Path, with: &[(&str, &str)]) -> Run {
    run_action_env(ws, with, &[])
}

/// `run_action` with extra environment variables for every step (the runner's own).
fn run_action_env(ws: &Path, with: &[(&str, &str)], envs: &[(&str, &str)]) -> Run {
    let action = load("action.yml");
    let mut inputs: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in action["inputs"].as_mapping().unwrap() {
        inputs.insert(
            k.as_str().unwrap().into(),
            v["default"].as_str().unwrap_or_default().into(),
        );
    }
    for (k, v) in with {
        assert!(inputs.contains_key(*k), "action.yml has no input {k}");
        inputs.insert((*k).into(), (*v).into());
    }
    let runner = tempfile::tempdir().unwrap();
    let summary = runner.path().join("summary.md");
    let gpath = runner.path().join("path");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&gpath, "").unwrap();
    let mut ctx = BTreeMap::new();
    ctx.insert("github.action_path", env!("CARGO_MANIFEST_DIR").to_string());
    ctx.insert("runner.temp", runner.path().display().to_string());
    let mut run = Run {
        summary: String::new(),
        outputs: BTreeMap::new(),
        steps: vec![],
    };
    // alertctl must come from the install step, not from the test's PATH.
    let base_path = std::env::var("PATH").unwrap_or_default();
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        assert_eq!(step["shell"].as_str(), Some("bash"));
        if let Some(cond) = step["if"].as_str() {
            let (lhs, rhs) = cond
                .split_once(" == ")
                .expect("`inputs.X == 'v'` conditions");
            let name = lhs.trim().strip_prefix("inputs.").unwrap();
            if inputs[name] != rhs.trim().trim_matches('\'') {
                continue;
            }
        }
        let script = step["run"].as_str().unwrap();
        assert!(
            !script.contains("${{"),
            "inputs reach scripts through env only"
        );
        let id = step["id"].as_str().unwrap().to_string();
        let output_file = runner.path().join(format!("output-{id}"));
        std::fs::write(&output_file, "").unwrap();
        let extra: String = std::fs::read_to_string(&gpath)
            .unwrap()
            .lines()
            .map(|l| format!("{l}:"))
            .collect();
        let mut c = Command::new("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(ws)
            .env("PATH", format!("{extra}{base_path}"))
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &gpath)
            .env("GITHUB_WORKSPACE", ws)
            .env("RUNNER_TEMP", runner.path())
            .envs(envs.iter().copied());
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                c.env(
                    k.as_str().unwrap(),
                    expr(v.as_str().unwrap(), &inputs, &ctx),
                );
            }
        }
        let o = c.output().unwrap();
        for line in std::fs::read_to_string(&output_file).unwrap().lines() {
            let (k, v) = line.split_once('=').expect("name=value outputs");
            run.outputs.insert(format!("{id}.{k}"), v.to_string());
        }
        let code = o.status.code().unwrap_or(-1);
        run.steps.push((id, code, text(&o)));
        if code != 0 {
            break;
        }
    }
    run.summary = std::fs::read_to_string(&summary).unwrap();
    run
}

/// What the install step downloads: an executable `alertctl` that runs the one built for
/// this test (the debug binary is ~200 MB; packing and hashing it would dominate the test).
fn download(tmp: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp.join("release/alertctl-x86_64");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("alertctl");
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_alertctl")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn url(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[test]
fn github_action_validates_and_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    let bin = download(tmp.path());
    let sha = sha256(&bin);
    let promtool = support::tool("promtool");

    // Valid rules, nothing rendered yet: the plan adds both files.
    let r = run_action_env(
        &ws,
        &[
            ("directory", "ops/alerts"),
            ("download-url", &url(&bin)),
            ("download-sha256", &sha),
            ("promtool", "required"),
        ],
        &[("ALERTCTL_PROMTOOL", promtool.to_str().unwrap())],
    );
    assert_eq!(r.steps.len(), 3, "{:?}", r.steps);
    assert!(r.steps.iter().all(|s| s.1 == 0), "{:?}", r.steps);
    assert!(
        r.step("install").2.contains("alertctl 0."),
        "{:?}",
        r.step("install")
    );
    assert!(
        r.step("validate").2.contains("(promtool: ok)"),
        "{:?}",
        r.step("validate")
    );
    assert_eq!(r.outputs["validate.valid"], "true");
    assert_eq!(r.outputs["plan.changes"], "true");
    assert!(
        r.summary.starts_with("### alertctl plan\n"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("> dry run: would change"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("files: 2 added, 0 modified, 0 removed"),
        "{}",
        r.summary
    );
    assert!(
        r.summary
            .contains("````diff\n--- /dev/null\n+++ b/global.yml\n"),
        "{}",
        r.summary
    );
    assert!(
        r.summary.contains("+- name: alertctl/group/web"),
        "{}",
        r.summary
    );

    // Rendered and current: "No changes".
    let o = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .args(["-C", "ops/alerts", "render"])
        .current_dir(&ws)
        .output()
        .unwrap();
    assert!(o.status.success());
    let r = run_action(
        &ws,
        &[
            ("directory", "ops/alerts"),
            ("alertctl-path", env!("CARGO_BIN_EXE_alertctl")),
            ("promtool", "off"),
        ],
    );
    assert!(r.steps.iter().all(|s| s.1 == 0), "{:?}", r.steps);
    assert_eq!(r.outputs["plan.changes"], "false");
    assert!(r.summary.contains("No changes"), "{}", r.summary);

    // An invalid rule: annotations with repository-relative paths, a failed job, no plan.
    let web = ws.join("ops/alerts/rules/teams/web.yaml");
    let orig = std::fs::read_to_string(&web).unwrap();
    std::fs::write(&web, orig.replace("threshold:", "treshold:")).unwrap();
    let r = run_action(
        &ws,
        &[
            ("directory", "ops/alerts"),
            ("download-url", &url(&bin)),
            ("promtool", "off"),
        ],
    );
    let (_, code, out) = r.step("validate");
    assert_eq!(*code, 2, "{out}");
    assert!(
        out.contains("::error file=ops/alerts/rules/teams/web.yaml,line=4,col=13,endLine=4,endColumn=21,title=alertctl unknown-param::"),
        "{out}"
    );
    assert_eq!(r.outputs["validate.valid"], "false");
    assert!(
        r.steps.iter().all(|s| s.0 != "plan"),
        "the job stops at the failed step"
    );
    assert!(r.summary.contains("the rules are invalid"), "{}", r.summary);

    // A plan that fails (the directory the plan compares with holds a foreign file under a
    // rendered name) is shown as such.
    std::fs::write(&web, &orig).unwrap();
    let out = tmp.path().join("servers-dir");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("global.yml"), "groups: []\n").unwrap();
    let r = run_action(
        &ws,
        &[
            ("directory", "ops/alerts"),
            ("download-url", &url(&bin)),
            ("promtool", "off"),
            ("out", out.to_str().unwrap()),
        ],
    );
    assert_eq!(r.step("plan").1, 2, "{:?}", r.steps);
    assert!(
        r.summary
            .contains("`alertctl apply --dry-run` failed (exit 2)"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("global.yml"), "{}", r.summary);
}

#[test]
fn github_action_install_variants() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    // A .tar.gz holding the binary in a folder, as release archives do.
    download(tmp.path());
    let tgz = tmp.path().join("alertctl.tar.gz");
    let o = Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(tmp.path().join("release"))
        .arg(".")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let url = format!("file://{}", tgz.display());
    let r = run_action(
        &ws,
        &[
            ("directory", "ops/alerts"),
            ("download-url", &url),
            ("download-sha256", &sha256(&tgz)),
            ("promtool", "off"),
            ("plan", "false"),
        ],
    );
    assert_eq!(
        r.steps.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["install", "validate"]
    );
    assert!(r.steps.iter().all(|s| s.1 == 0), "{:?}", r.steps);

    // A download whose checksum differs stops the job before anything runs.
    let r = run_action(
        &ws,
        &[
            ("directory", "ops/alerts"),
            ("download-url", &url),
            ("download-sha256", &"0".repeat(64)),
        ],
    );
    assert_eq!(r.steps.len(), 1);
    let (_, code, out) = r.step("install");
    assert_ne!(*code, 0);
    assert!(out.contains("::error::the download from"), "{out}");

    // An input is data, never shell code: a directory named like a command substitution
    // is looked up as a directory (and not found: exit 4), and nothing runs.
    let pwned = tmp.path().join("pwned");
    let evil = format!(
        "ops/alerts$(touch {})`touch {}`",
        pwned.display(),
        pwned.display()
    );
    let r = run_action(
        &ws,
        &[
            ("directory", &evil),
            ("alertctl-path", env!("CARGO_BIN_EXE_alertctl")),
            ("out", "x; touch /nonexistent/y"),
        ],
    );
    assert_eq!(r.step("validate").1, 4, "{:?}", r.steps);
    assert!(!pwned.exists(), "an input was executed");

    // A path that is not a binary.
    let r = run_action(&ws, &[("alertctl-path", "/nonexistent/alertctl")]);
    assert_ne!(r.step("install").1, 0);
    assert!(r.step("install").2.contains("is not an executable file"));
}

/// The GitLab template's job `name` as the runner would run it: `extends` resolved,
/// template variables overridden by `vars`, before_script then script in one bash.
fn run_gitlab(ws: &Path, name: &str, vars: &[(&str, &str)]) -> Output {
    let t = load("ci/gitlab/alertctl.gitlab-ci.yml");
    let job = &t[name];
    let base = &t[job["extends"]
        .as_str()
        .expect("jobs extend .alertctl-install")];
    let lines = |v: &Value| -> Vec<String> {
        v.as_sequence()
            .map(|s| s.iter().map(|l| l.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut script = vec!["set -eo pipefail".to_string()];
    script.extend(lines(&base["before_script"]));
    script.extend(lines(&job["script"]));
    let mut c = Command::new("bash");
    c.arg("-c").arg(script.join("\n")).current_dir(ws);
    c.env("CI_PROJECT_DIR", ws).env("CI", "true");
    for (k, v) in t["variables"].as_mapping().unwrap() {
        c.env(k.as_str().unwrap(), v.as_str().unwrap());
    }
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn gitlab_template_validates_and_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = workspace(tmp.path());
    let bin = url(&download(tmp.path()));
    let dl = [
        ("ALERTCTL_DIR", "ops/alerts"),
        ("ALERTCTL_PROMTOOL", "off"),
        ("ALERTCTL_DOWNLOAD_URL", &bin[..]),
    ];
    let o = run_gitlab(&ws, ".alertctl-validate", &dl);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("alertctl-validate.json")).unwrap()).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["schema"], 1);
    let o = run_gitlab(&ws, ".alertctl-plan", &dl);
    assert!(o.status.success(), "{}", text(&o));
    let plan = std::fs::read_to_string(ws.join("alertctl-plan.diff")).unwrap();
    assert!(
        plan.starts_with("--- /dev/null\n+++ b/global.yml\n"),
        "{plan}"
    );
    assert!(text(&o).contains("dry run: would change"), "{}", text(&o));

    let web = ws.join("ops/alerts/rules/teams/web.yaml");
    let orig = std::fs::read_to_string(&web).unwrap();
    std::fs::write(&web, orig.replace("threshold:", "treshold:")).unwrap();
    let o = run_gitlab(&ws, ".alertctl-validate", &dl);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("rules/teams/web.yaml:4:13"),
        "{}",
        text(&o)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("alertctl-validate.json")).unwrap()).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["diagnostics"][0]["code"], "unknown-param");

    // Without a download URL, alertctl must be on the image's PATH.
    let o = run_gitlab(
        &ws,
        ".alertctl-validate",
        &[("ALERTCTL_DIR", "ops/alerts"), ("PATH", "/usr/bin:/bin")],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("alertctl: command not found"),
        "{}",
        text(&o)
    );
    let sha = [
        ("ALERTCTL_DOWNLOAD_URL", &bin[..]),
        ("ALERTCTL_DOWNLOAD_SHA256", "00"),
    ];
    let o = run_gitlab(&ws, ".alertctl-validate", &sha);
    assert!(!o.status.success());
    assert!(text(&o).contains("does not have SHA-256"), "{}", text(&o));
}
