//! `alertctl validate` end to end, on a corpus of rules directories.
//!
//! Every directory under `tests/fixtures/broken/` is a copy of the `alertctl init`
//! scaffold with one defect (or, for `many-problems`, many). Each is copied to a temporary
//! directory, validated with the real binary, and must exit 2; the human report and the
//! JSON document are snapshotted (`tests/snapshots/`). Review a changed snapshot by
//! reading it: every diagnostic must point at the right `file:line:col` and say how to
//! fix the problem.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test --test validate_cli` (or
//! `cargo insta review` where cargo-insta is installed).
//!
//! Everything runs with `--promtool off`, so snapshots do not depend on promtool, except
//! the `promtool-only` case, which needs promtool 2.x: `$ALERTCTL_PROMTOOL`, else
//! `.tools/bin/promtool` (installed by `scripts/install-tools.sh`), else `promtool` on
//! PATH. Without it that test fails; it never skips.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_alertctl");

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> PathBuf {
    manifest_dir().join("tests/fixtures").join(rel)
}

/// Copies a fixture into a fresh temporary directory, so no run leaves `.alertctl/` or
/// `rendered/` behind in the source tree.
fn copy_fixture(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let src = fixture(rel);
    assert!(src.is_dir(), "missing fixture {}", src.display());
    let tmp = tempfile::tempdir().expect("tempdir");
    let dst = tmp.path().join("rules-dir");
    copy_tree(&src, &dst);
    (tmp, dst)
}

fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.expect("walk fixture");
        let rel = entry.path().strip_prefix(src).expect("inside fixture");
        let to = dst.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

fn alertctl(dir: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("-C")
        .arg(dir)
        .args(["--color", "never", "--no-cache"])
        .args(args)
        .env_remove("ALERTCTL_PROMTOOL")
        .env("NO_COLOR", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run alertctl")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Replaces the temporary directory (as given and canonical) with `[DIR]`.
fn redact(s: &str, dir: &Path) -> String {
    let mut out = s.to_string();
    let mut forms = vec![dir.display().to_string()];
    if let Ok(c) = dir.canonicalize() {
        forms.push(c.display().to_string());
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    for f in forms {
        out = out.replace(&f, "[DIR]");
    }
    out
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// Runs `validate` in human and JSON format on a copy of `tests/fixtures/<rel>`, asserts
/// exit code 2 and exactly the `expected` diagnostic codes, checks both formats agree on
/// the locations, and snapshots both.
fn check_broken(rel: &str, extra: &[&str], envs: &[(&str, &Path)], expected: &[&str]) {
    let (_tmp, dir) = copy_fixture(rel);
    let name = rel.trim_start_matches("broken/");
    let mut args = vec!["validate"];
    args.extend_from_slice(extra);
    let description = format!("alertctl -C tests/fixtures/{rel} {}", args.join(" "));

    // Human format: diagnostics on stderr, nothing on stdout.
    let human = alertctl(&dir, &args, envs);
    let stderr = redact(&text(&human.stderr), &dir);
    assert_eq!(code(&human), 2, "{rel}: expected exit 2\n{stderr}");
    assert!(
        human.stdout.is_empty(),
        "{rel}: human format printed to stdout"
    );
    assert!(
        !stderr.contains("panicked"),
        "{rel}: alertctl panicked\n{stderr}"
    );
    assert!(
        stderr.ends_with("in [DIR]\n"),
        "{rel}: no summary line\n{stderr}"
    );

    // JSON format: one document on stdout.
    let mut json_args = args.clone();
    json_args.extend(["--format", "json"]);
    let json = alertctl(&dir, &json_args, envs);
    let stdout = redact(&text(&json.stdout), &dir);
    assert_eq!(code(&json), 2, "{rel}: expected exit 2 with --format json");
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{rel}: stdout is not JSON ({e}):\n{stdout}"));
    assert_eq!(doc["valid"], Value::Bool(false), "{rel}");
    let diags = doc["diagnostics"].as_array().expect("diagnostics array");
    let errors = diags.iter().filter(|d| d["severity"] == "error").count();
    assert!(errors > 0, "{rel}: no errors reported");
    assert_eq!(doc["errors"].as_u64(), Some(errors as u64), "{rel}");

    let codes: BTreeSet<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
    let want: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(codes, want, "{rel}: diagnostic codes differ\n{stderr}");

    // Every location is relative to the rules directory, names a real file, and the human
    // report shows the same primary position.
    for d in diags {
        let mut locs: Vec<&Value> = d["related"].as_array().into_iter().flatten().collect();
        if let Some(l) = d.get("location") {
            let pos = format!(
                "[{}:{}:{}]",
                l["file"].as_str().unwrap_or_default(),
                l["line"],
                l["column"]
            );
            assert!(
                stderr.contains(&pos),
                "{rel}: human output lacks {pos} of {}\n{stderr}",
                d["message"]
            );
            locs.push(l);
        }
        for l in locs {
            let file = l["file"].as_str().expect("file");
            assert!(
                !file.starts_with('/') && !file.contains("[DIR]"),
                "{rel}: location is not relative: {file}"
            );
            assert!(dir.join(file).is_file(), "{rel}: no such file {file}");
            assert!(l["line"].as_u64().unwrap_or(0) >= 1, "{rel}: line < 1");
            assert!(l["column"].as_u64().unwrap_or(0) >= 1, "{rel}: column < 1");
        }
    }

    insta::with_settings!({
        description => description,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{name}.human"), stderr);
        insta::assert_snapshot!(format!("{name}.json"), stdout);
    });
}

macro_rules! broken {
    ($($test:ident: $dir:literal => [$($code:literal),* $(,)?];)*) => {$(
        #[test]
        fn $test() {
            check_broken(concat!("broken/", $dir), &["--promtool", "off"], &[], &[$($code),*]);
        }
    )*};
}

broken! {
    yaml_syntax: "yaml-syntax" => ["yaml-syntax"];
    toml_syntax: "toml-syntax" => ["toml-syntax"];
    settings_unknown_key: "settings-unknown-key" => ["settings"];
    unknown_field: "unknown-field" => ["unknown-field"];
    wrong_type: "wrong-type" => ["wrong-type"];
    missing_field: "missing-field" => ["missing-field"];
    duplicate_key: "duplicate-key" => ["duplicate-key"];
    duplicate_template: "duplicate-template" => ["duplicate-template", "unknown-param"];
    unknown_template: "unknown-template" => ["unknown-template"];
    unknown_param: "unknown-param" => ["unknown-param"];
    missing_param: "missing-param" => ["missing-param"];
    bad_param_value: "bad-param-value" => ["bad-param-value"];
    bad_duration: "bad-duration" => ["bad-duration"];
    bad_label_name: "bad-label-name" => ["bad-label-name"];
    unknown_scope: "unknown-scope" => ["unknown-scope"];
    bad_scope: "bad-scope" => ["bad-scope"];
    duplicate_inventory: "duplicate-inventory" => ["duplicate-inventory"];
    rule_conflict: "rule-conflict" => ["rule-conflict"];
    alert_template_mismatch: "alert-template-mismatch" => ["alert-template-mismatch"];
    promql_syntax: "promql-syntax" => ["promql-syntax"];
    quoted_twice: "quoted-twice" => ["bad-template"];
    string_param_in_expr: "string-param-in-expr" => ["bad-template"];
    undeclared_param_annotation: "undeclared-param-annotation" => ["unknown-param"];
    many_problems: "many-problems" => [
        "settings",
        "duplicate-inventory",
        "unknown-field",
        "bad-duration",
        "missing-param",
        "yaml-syntax",
        "rule-conflict",
        "unknown-scope",
        "unknown-param",
        "wrong-type",
        "bad-param-value",
        "unknown-template",
        "bad-scope",
        "bad-label-name",
        "promql-syntax",
        "bad-template",
    ];
}

/// A diagnostic is reported once per problem: `many-problems` has 17 independent defects
/// and all of them appear in one run.
#[test]
fn many_problems_reports_every_defect() {
    let (_tmp, dir) = copy_fixture("broken/many-problems");
    let out = alertctl(
        &dir,
        &["validate", "--promtool", "off", "--format", "json"],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["errors"], 17, "{doc:#}");
    let at: BTreeSet<(String, u64)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let l = &d["location"];
            (
                l["file"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for (file, line) in [
        ("alertctl.toml", 5),
        ("inventory.yaml", 5),
        ("rules/global.yaml", 4),
        ("rules/global.yaml", 8),
        ("rules/global.yaml", 10),
        ("rules/teams/broken.yaml", 3),
        ("rules/teams/db.yaml", 1),
        ("rules/teams/web.yaml", 3),
        ("rules/teams/web.yaml", 4),
        ("rules/teams/web.yaml", 8),
        ("rules/teams/web.yaml", 12),
        ("rules/teams/web.yaml", 14),
        ("rules/teams/web.yaml", 18),
        ("rules/teams/web.yaml", 20),
        ("templates/node/memory.yaml", 3),
        ("templates/node/target-down.yaml", 6),
        ("templates/node/target-down.yaml", 10),
    ] {
        assert!(
            at.contains(&(file.to_string(), line)),
            "nothing reported at {file}:{line}; got {at:?}"
        );
    }
}

#[test]
fn scaffold_is_valid() {
    let (_tmp, dir) = copy_fixture("good/scaffold");
    let out = alertctl(&dir, &["validate", "--promtool", "off"], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 0, "{stderr}");
    assert!(stderr.starts_with("ok: "), "{stderr}");

    let out = alertctl(
        &dir,
        &["validate", "--promtool", "off", "--format", "json"],
        &[],
    );
    assert_eq!(code(&out), 0);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
}

/// The scaffold fixture is what `alertctl init` writes (minus .gitignore), so the corpus
/// stays in step with it.
#[test]
fn scaffold_fixture_matches_init() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("new");
    let out = Command::new(BIN)
        .arg("init")
        .arg(&dir)
        .output()
        .expect("run init");
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let fixture = fixture("good/scaffold");
    for entry in walkdir::WalkDir::new(&dir) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() || entry.file_name() == ".gitignore" {
            continue;
        }
        let rel = entry.path().strip_prefix(&dir).unwrap();
        let want = std::fs::read_to_string(entry.path()).unwrap();
        let have = std::fs::read_to_string(fixture.join(rel))
            .unwrap_or_else(|e| panic!("fixture lacks {}: {e}", rel.display()));
        assert_eq!(
            have,
            want,
            "tests/fixtures/good/scaffold/{} differs from `alertctl init`; regenerate the corpus",
            rel.display()
        );
    }
}

#[test]
fn github_format_annotates_files_and_lines() {
    let (_tmp, dir) = copy_fixture("broken/many-problems");
    let out = alertctl(
        &dir,
        &["validate", "--promtool", "off", "--format", "github"],
        &[],
    );
    assert_eq!(code(&out), 2);
    let stdout = redact(&text(&out.stdout), &dir);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 17, "{stdout}");
    let re = regex::Regex::new(
        r"^::error file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=alertctl [a-z-]+::\S",
    )
    .unwrap();
    for l in &lines {
        assert!(re.is_match(l), "not a GitHub annotation: {l}");
    }
    assert!(
        stdout.contains("::error file=rules/global.yaml,line=4,col=3,"),
        "{stdout}"
    );
    insta::with_settings!({
        description => "alertctl -C tests/fixtures/broken/many-problems validate --promtool off --format github",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("many-problems.github", stdout);
    });
}

/// `.tools/bin/promtool` or wherever the environment says; a missing promtool fails the
/// test that needs it.
fn promtool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ALERTCTL_PROMTOOL").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let local = manifest_dir().join(".tools/bin/promtool");
    if local.is_file() {
        return Some(local);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("promtool"))
        .find(|p| p.is_file())
}

fn require_promtool() -> PathBuf {
    promtool().unwrap_or_else(|| {
        panic!(
            "promtool not found (ALERTCTL_PROMTOOL, .tools/bin/promtool, PATH): run scripts/install-tools.sh"
        )
    })
}

/// `mad_over_time` parses with promql-parser but Prometheus 2.42 does not know it: only
/// promtool finds this, and its finding is mapped back to the template's query.
#[test]
fn promtool_only() {
    let promtool = require_promtool();
    let (_tmp, dir) = copy_fixture("broken/promtool-only");
    let off = alertctl(&dir, &["validate", "--promtool", "off"], &[]);
    assert_eq!(
        code(&off),
        0,
        "the built-in checks should accept mad_over_time: {}",
        text(&off.stderr)
    );
    check_broken(
        "broken/promtool-only",
        &["--promtool", "required"],
        &[("ALERTCTL_PROMTOOL", promtool.as_path())],
        &["promtool"],
    );
    let out = alertctl(
        &dir,
        &["validate", "--promtool", "required", "--format", "json"],
        &[("ALERTCTL_PROMTOOL", promtool.as_path())],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["promtool"], "failed");
    let d = &doc["diagnostics"][0];
    assert_eq!(d["location"]["file"], "templates/node/cpu-jitter.yaml");
    assert_eq!(d["location"]["line"], 6);
    assert!(
        d["message"].as_str().unwrap().contains("mad_over_time"),
        "{d:#}"
    );
}

/// Hostile names are valid input: a group called `../../etc`, names and values full of
/// quotes and regex metacharacters. Rendering must keep every file inside the output
/// directory and every value inside its PromQL string.
#[test]
fn hostile_names_render_safely() {
    let (tmp, dir) = copy_fixture("good/hostile-names");
    let out = alertctl(&dir, &["validate", "--promtool", "off"], &[]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));

    let stdout = alertctl(&dir, &["render", "--stdout"], &[]);
    assert_eq!(code(&stdout), 0, "{}", text(&stdout.stderr));
    insta::with_settings!({
        description => "alertctl -C tests/fixtures/good/hostile-names render --stdout",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("hostile-names.render", text(&stdout.stdout));
    });

    let out_dir = dir.join("out");
    let r = alertctl(&dir, &["render", "--out", out_dir.to_str().unwrap()], &[]);
    assert_eq!(code(&r), 0, "{}", text(&r.stderr));

    // Nothing was written anywhere but flat files directly in out/.
    let canon_out = out_dir.canonicalize().unwrap();
    let fixture_files: BTreeSet<PathBuf> = walkdir::WalkDir::new(fixture("good/hostile-names"))
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(fixture("good/hostile-names"))
                .unwrap()
                .to_path_buf()
        })
        .collect();
    let mut rendered = Vec::new();
    for entry in walkdir::WalkDir::new(tmp.path()) {
        let entry = entry.unwrap();
        if entry.file_type().is_dir() {
            let p = entry.path().canonicalize().unwrap();
            assert!(
                !p.starts_with(&canon_out) || p == canon_out,
                "render created a directory inside out/: {}",
                p.display()
            );
            continue;
        }
        let p = entry.path().canonicalize().unwrap();
        if p.parent() == Some(canon_out.as_path()) {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            assert!(
                name.ends_with(".yml") && !name.starts_with('.') && name.is_ascii(),
                "unsafe file name {name:?}"
            );
            rendered.push(p);
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(&dir)
            .unwrap_or_else(|_| panic!("file written outside the rules dir: {}", p.display()));
        assert!(
            fixture_files.contains(rel),
            "render wrote a file outside out/: {}",
            p.display()
        );
    }
    assert_eq!(rendered.len(), 5, "{rendered:?}");

    // Every hostile value stays inside its quoted PromQL string: parsing the rendered
    // queries gives back the exact values, and Go templates in values are neutralised.
    let hostile_job = r#"node"} or vector(1) or up{job=".*(x)|[y]\d+"#;
    let mut jobs = BTreeSet::new();
    let mut all = String::new();
    for p in &rendered {
        let content = std::fs::read_to_string(p).unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&content).unwrap();
        for rule in doc["groups"][0]["rules"].as_sequence().unwrap() {
            let expr = rule["expr"].as_str().unwrap();
            let e = alertctl::model::promql::parse(expr)
                .unwrap_or_else(|err| panic!("{}: {expr}: {err}", p.display()));
            for sel in alertctl::model::promql::selectors(&e) {
                jobs.extend(
                    sel.matchers
                        .matchers
                        .iter()
                        .filter(|m| m.name == "job")
                        .map(|m| m.value.clone()),
                );
            }
        }
        all.push_str(&content);
    }
    assert!(jobs.contains(hostile_job), "{jobs:?}");
    assert!(jobs.contains("x\"y"), "{jobs:?}");
    assert!(!all.contains(r#"{{ printf "pwned" }}"#), "{all}");

    // Prometheus itself accepts the files, when promtool is around.
    #[allow(clippy::print_stderr)]
    if let Some(promtool) = promtool() {
        let check = Command::new(&promtool)
            .args(["check", "rules"])
            .args(&rendered)
            .output()
            .expect("run promtool");
        assert!(
            check.status.success(),
            "promtool rejects the rendered hostile names:\n{}{}",
            text(&check.stdout),
            text(&check.stderr)
        );
    } else {
        eprintln!("promtool not found; skipped `promtool check rules` on the hostile render");
    }
}

/// `--format sarif` is one SARIF 2.1.0 log that the official schema accepts, with one
/// result per diagnostic at the same `file:line:col` as the JSON format, as URIs relative
/// to the repository root (the rules directory here is `ops/alert rules/` in a repo, so
/// the space must be percent-encoded), and with every rule a result refers to.
#[test]
fn sarif_format_is_valid_sarif_located_from_the_repo_root() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let dir = tmp.path().join("ops/alert rules");
    copy_tree(&fixture("broken/many-problems"), &dir);
    let out = alertctl(
        &dir,
        &["validate", "--promtool", "off", "--format", "sarif"],
        &[],
    );
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let validator = support::sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
    // A broken log must fail the same validator: the check can fail.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));

    let json = alertctl(
        &dir,
        &["validate", "--promtool", "off", "--format", "json"],
        &[],
    );
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    let want: BTreeSet<(String, String, u64, u64)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["location"].is_object())
        .map(|d| {
            let l = &d["location"];
            (
                d["code"].as_str().unwrap().to_string(),
                format!(
                    "ops/alert%20rules/{}",
                    l["file"].as_str().unwrap().replace(' ', "%20")
                ),
                l["line"].as_u64().unwrap(),
                l["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), doc["diagnostics"].as_array().unwrap().len());
    let got: BTreeSet<(String, String, u64, u64)> = results
        .iter()
        .filter_map(|r| {
            let p = &r["locations"][0]["physicalLocation"];
            Some((
                r["ruleId"].as_str()?.to_string(),
                p["artifactLocation"]["uri"].as_str()?.to_string(),
                p["region"]["startLine"].as_u64()?,
                p["region"]["startColumn"].as_u64()?,
            ))
        })
        .collect();
    assert_eq!(got, want);
    let rules: BTreeSet<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert!(rules.contains(id), "{id} has no rule");
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], id);
        assert_eq!(r["level"], "error");
    }
}
