//! `alertctl test` end to end with the real promtool (never mocked; missing, the tests
//! fail with instructions): the example's tests pass, a threshold change fails a named
//! test at its file:line with expected-vs-got naming the alert and the target, the
//! JUnit and SARIF reports parse and validate, routing and inhibition expectations fail
//! when wrong, and hostile test files are refused, located, in bounded time and memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of `examples/node-estate` (without its caches) in a temp dir.
fn example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("node-estate");
    let src = manifest().join("examples/node-estate");
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(&src).unwrap();
        if rel.starts_with(".alertctl") || rel.starts_with("rendered") {
            continue;
        }
        let to = dir.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    (tmp, dir)
}

/// Runs alertctl with the real promtool, colour off, no cache, and a deadline.
fn alertctl(dir: &Path, args: &[&str]) -> Output {
    run_limited(
        Command::new(env!("CARGO_BIN_EXE_alertctl"))
            .arg("-C")
            .arg(dir)
            .args(["--color", "never", "--no-cache"])
            .args(args)
            .env("ALERTCTL_PROMTOOL", support::tool("promtool"))
            .env_remove("NO_COLOR"),
        Duration::from_secs(120),
    )
}

/// Runs `cmd` and kills it when it passes `deadline`: a hang fails the test instead of
/// stalling the suite.
fn run_limited(cmd: &mut Command, deadline: Duration) -> Output {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("alertctl runs");
    let pid = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let start = Instant::now();
    let watchdog = std::thread::spawn(move || {
        while start.elapsed() < deadline {
            if flag.load(std::sync::atomic::Ordering::SeqCst) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        true
    });
    let out = child.wait_with_output().unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(
        !watchdog.join().unwrap(),
        "alertctl did not finish within {deadline:?}"
    );
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

/// The JUnit report as (testcase name, failure texts), checked to be well-formed XML
/// with consistent counts.
fn junit(path: &Path) -> Vec<(String, Vec<String>)> {
    let xml = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit report is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let mut cases = Vec::new();
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let mine: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(suite.attribute("tests").unwrap(), mine.len().to_string());
        let failed = mine
            .iter()
            .filter(|c| c.children().any(|f| f.has_tag_name("failure")))
            .count();
        assert_eq!(suite.attribute("failures").unwrap(), failed.to_string());
        for c in mine {
            let failures = c
                .children()
                .filter(|f| f.has_tag_name("failure"))
                .map(|f| f.text().unwrap_or_default().to_string())
                .collect();
            cases.push((c.attribute("name").unwrap().to_string(), failures));
        }
    }
    assert_eq!(root.attribute("tests").unwrap(), cases.len().to_string());
    cases
}

#[test]
fn example_passes_and_a_threshold_change_fails_at_the_test_line() {
    let (tmp, dir) = example();
    let report = tmp.path().join("junit.xml");
    let out = alertctl(&dir, &["test", "--junit", report.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines.iter().all(|l| l.starts_with("ok   tests/")),
        "{lines:?}"
    );
    let cases = junit(&report);
    assert_eq!(cases.len(), 5);
    assert!(cases.iter().all(|(_, f)| f.is_empty()));

    // web's HighCPU threshold 90 -> 95: web-2 (93%) no longer fires.
    edit(
        &dir.join("rules/teams/web.yaml"),
        "scope: group/web\n  params: { threshold: 90 }",
        "scope: group/web\n  params: { threshold: 95 }",
    );
    let out = alertctl(&dir, &["test", "--junit", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout)
        .contains("FAIL tests/cpu.yaml:8  web pages at its own 90%, web-3 only at 97%"));
    insta::assert_snapshot!("web_threshold_95", text(&out.stderr));
    let cases = junit(&report);
    let failed: Vec<_> = cases.iter().filter(|(_, f)| !f.is_empty()).collect();
    assert_eq!(failed.len(), 1, "{cases:?}");
    assert_eq!(failed[0].0, "web pages at its own 90%, web-3 only at 97%");
    assert!(
        failed[0].1[0].starts_with("tests/cpu.yaml:26:21: "),
        "{:?}",
        failed[0].1
    );
    assert!(failed[0].1[0].contains("HighCPU on web-2:9100 at 30m"));

    // The same failure as JSON (schema 1) and as SARIF that validates.
    let out = alertctl(&dir, &["test", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(
        (doc["passed"].as_u64(), doc["failed"].as_u64()),
        (Some(4), Some(1))
    );
    let f = &doc["tests"][0]["failures"][0];
    assert_eq!(f["code"], "test-failed");
    assert_eq!(
        (
            f["location"]["file"].as_str(),
            f["location"]["line"].as_u64()
        ),
        (Some("tests/cpu.yaml"), Some(26))
    );
    assert!(
        f["hint"]
            .as_str()
            .unwrap()
            .contains("got:      nothing firing"),
        "{f}"
    );

    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let out = alertctl(&dir, &["test", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = support::schema_errors(&support::sarif_validator(), &log);
    assert!(errors.is_empty(), "{errors:?}");
    let loc = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "node-estate/tests/cpu.yaml");
    assert_eq!(loc["region"]["startLine"], 26);
}

#[test]
fn wrong_labels_unexpected_alerts_and_routing_fail_with_expected_and_got() {
    let (_tmp, dir) = example();
    let cpu = dir.join("tests/cpu.yaml");
    // db-1 is critical: expecting warning names the label and both values.
    edit(
        &cpu,
        "          - target: db-1:9100\n            severity: critical",
        "          - target: db-1:9100\n            severity: warning",
    );
    // MemoryLow on a down host is inhibited by TargetDown: expecting a receiver fails.
    edit(
        &dir.join("tests/paging.yaml"),
        "            receivers: []     # inhibited",
        "            receivers: [web-team]     # inhibited",
    );
    // Drop the expectation of batch-3: it fires unexpected.
    edit(&cpu, "          - target: batch-3:9100\n            annotations: { description: batch-3:9100 (batch) is above 90% CPU (rate over 5m). }\n            receivers: [batch-team]\n", "");
    let out = alertctl(&dir, &["test", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<(String, u64)> = doc["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["failures"].as_array().unwrap().clone())
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let has = |needle: &str| messages.iter().any(|(m, _)| m.contains(needle));
    assert!(
        has("HighCPU on db-1:9100 at 30m: label severity is \"critical\", expected \"warning\""),
        "{messages:#?}"
    );
    assert!(
        has("MemoryLow at 20m: MemoryLow on web-1:9100")
            && has("is inhibited by TargetDown on web-1:9100"),
        "{messages:#?}"
    );
    assert!(
        has("HighCPU at 30m: HighCPU on batch-3:9100"),
        "{messages:#?}"
    );
    assert!(
        has("and this expectation does not list it"),
        "{messages:#?}"
    );
    assert_eq!(messages.len(), 3, "{messages:#?}");
}

#[test]
fn init_scaffolds_a_passing_test() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    support::init(&dir);
    assert!(dir.join("tests/cpu.yaml").is_file());
    let out = alertctl(&dir, &["test"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("ok: 1 test passed"));
    // Without promtool the command cannot run: exit 4 with a hint, not a silent pass.
    let out = run_limited(
        Command::new(env!("CARGO_BIN_EXE_alertctl"))
            .arg("-C")
            .arg(&dir)
            .arg("test")
            .env("ALERTCTL_PROMTOOL", tmp.path().join("no-promtool")),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("promtool not found"));
}

/// A scaffold with one test file `tests/t.yaml` holding `body`.
fn scaffold_with(body: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    support::init(&dir);
    std::fs::remove_file(dir.join("tests/cpu.yaml")).unwrap();
    std::fs::write(dir.join("tests/t.yaml"), body).unwrap();
    (tmp, dir)
}

/// (exit code, diagnostics as (code, file, line, message)) of `test --format json`.
fn problems(dir: &Path) -> (i32, Vec<(String, String, u64, String)>) {
    support::json_diagnostics(&alertctl(dir, &["test", "--format", "json"]))
}

const CPU_SERIES: &str = "node_cpu_seconds_total{cpu=\"0\", mode=\"idle\"}";

#[test]
fn hostile_names_and_aliases_pass_through_intact() {
    // Anchors and aliases are ordinary YAML here; a label value with a newline, quotes
    // and a backslash reaches promtool and comes back equal.
    let body = format!(
        r#"tests:
  - name: "quotes \" and <markup> & unicode é in a name"
    input:
      - metric: &m '{CPU_SERIES}'
        values: &v 0+9x30
        labels: {{ instance: "evil\n\"host\" \\ x", namespace: prod }}
      - {{ metric: *m, values: *v, target: db-1:9100 }}
    expect:
      - at: 20m
        alert: HighCPU
        firing:
          - labels: {{ instance: "evil\n\"host\" \\ x" }}
          - target: db-1:9100
"#
    );
    let (tmp, dir) = scaffold_with(&body);
    let report = tmp.path().join("j.xml");
    let out = alertctl(&dir, &["test", "--junit", report.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{body}\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let cases = junit(&report);
    assert_eq!(cases[0].0, "quotes \" and <markup> & unicode é in a name");
}

#[test]
fn hostile_test_files_are_refused_located_and_bounded() {
    // An alias bomb: nine levels of nine aliases.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (p, c) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!(
            "{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    bomb.push_str("tests: *i\n");
    let (_t, dir) = scaffold_with(&bomb);
    let start = Instant::now();
    let (code, p) = problems(&dir);
    assert_eq!(code, 2);
    assert!(
        p.iter().any(|(c, f, l, m)| c == "yaml-limit"
            && f == "tests/t.yaml"
            && *l >= 2
            && m.contains("aliases")),
        "{p:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(30));

    let cases: &[(&str, &str, &str)] = &[
        // (test file, diagnostic code, message part)
        ("tests:\n  - name: \"two\\nlines\"\n    input: []\n    expect: []\n", "test-input", "without control characters"),
        (&format!("tests:\n  - input:\n      - {{ metric: '{CPU_SERIES}', target: web-1:9100, values: 0x1000000000 }}\n    expect: []\n"), "test-input", "more than the 100000"),
        (&format!("tests:\n  - input:\n      - {{ metric: '{CPU_SERIES}', target: web-1:9100, values: '1 2 three' }}\n    expect: []\n"), "test-input", "`three` is not promtool sample notation"),
        (&format!("tests:\n  - input:\n      - {{ metric: '{CPU_SERIES}', target: web-9:9100, values: 1x3 }}\n    expect: []\n"), "unknown-scope", "target `web-9:9100` is not in the inventory"),
        ("tests:\n  - input:\n      - { metric: 'rate(x[5m])', target: web-1:9100, values: 1x3 }\n    expect: []\n", "test-input", "is not a series"),
        (&format!("tests:\n  - input:\n      - {{ metric: '{CPU_SERIES}', target: web-1:9100, values: 1x3 }}\n    expect:\n      - {{ at: 100000h, alert: HighCPU, firing: [] }}\n"), "test-input", "is later than"),
        (&format!("tests:\n  - input:\n      - {{ metric: '{CPU_SERIES}', target: web-1:9100, values: 1x3 }}\n    expect:\n      - {{ at: 5m, alert: HighCPUU, firing: [] }}\n"), "test-input", "no rule defines alert `HighCPUU`"),
        (&format!("tests:\n  - input:\n      - {{ metric: '{CPU_SERIES}', target: web-1:9100, values: 1x3, lables: {{}} }}\n    expect: []\n"), "unknown-field", "unknown field `lables`"),
        (&format!("tests:\n  - input:\n      - {{ metric: '{CPU_SERIES}', target: web-1:9100, values: 1x3 }}\n    expect:\n      - {{ at: 5m, alert: HighCPU, firing: [{{ target: web-1:9100, receivers: [x] }}] }}\n"), "test-input", "no alertmanager/ config"),
        (&format!("tests:\n  - name: a\n    input: [{{ metric: '{CPU_SERIES}', target: web-1:9100, values: '1' }}]\n    expect: []\n  - name: a\n    input: []\n    expect: []\n"), "test-input", "two tests are named `a`"),
    ];
    for (body, code, part) in cases {
        let (_t, dir) = scaffold_with(body);
        let (exit, p) = problems(&dir);
        assert_eq!(exit, 2, "{body}\n{p:?}");
        assert!(
            p.iter().any(|(c, f, l, m)| c == code
                && f == "tests/t.yaml"
                && *l >= 1
                && m.contains(part)),
            "{body}\nexpected {code}: {part}\ngot {p:#?}"
        );
    }

    // Files that are not plain test files: refused unread (a FIFO would block a reader),
    // and what a symlink points at never reaches the output.
    let (tmp, dir) = scaffold_with("tests: []\n");
    let secret = tmp.path().join("secret.yaml");
    std::fs::write(&secret, "tests: [TOKEN-s3cr3t-value]\n").unwrap();
    std::os::unix::fs::symlink(&secret, dir.join("tests/link.yaml")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(dir.join("tests/fifo.yaml"))
        .status()
        .unwrap()
        .success());
    std::fs::write(dir.join("tests/huge.yaml"), vec![b'#'; 9 << 20]).unwrap();
    std::fs::write(dir.join("tests/latin1.yaml"), b"tests: [] # caf\xe9\n").unwrap();
    let out = alertctl(&dir, &["test", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("s3cr3t"), "{all}");
    for (file, part) in [
        ("tests/link.yaml", "outside the rules directory"),
        ("tests/fifo.yaml", "not a regular file"),
        ("tests/huge.yaml", "MiB alertctl reads"),
        ("tests/latin1.yaml", "is not UTF-8 text"),
    ] {
        assert!(
            all.contains(&format!("\"file\": \"{file}\"")) && all.contains(part),
            "{file}: {part}\n{all}"
        );
    }
}
