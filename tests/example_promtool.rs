//! The `examples/node-estate` rules directory, end to end with the real promtool:
//! render it with the built binary, `promtool check rules` every file, and run the
//! promtool unit tests in `examples/node-estate/tests/promtool/`, which prove that each
//! scope's thresholds fire exactly where the inheritance says.
//!
//! promtool is never mocked. It is found through `$ALERTCTL_PROMTOOL`, then
//! `.tools/bin/promtool` in this repository, then `PATH`; without it the test fails and
//! says how to install it (scripts/install-tools.sh).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXAMPLE: &str = "examples/node-estate";
const PROMTOOL_TESTS: &str = "tests/promtool";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_dir() -> PathBuf {
    manifest_dir().join(EXAMPLE)
}

fn promtool() -> PathBuf {
    if let Some(p) = std::env::var_os("ALERTCTL_PROMTOOL").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "ALERTCTL_PROMTOOL={} is not a file; unset it or run scripts/install-tools.sh",
            p.display()
        );
        return p;
    }
    let local = manifest_dir().join(".tools/bin/promtool");
    if local.is_file() {
        return local;
    }
    if let Some(found) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("promtool"))
            .find(|p| p.is_file())
    }) {
        return found;
    }
    panic!(
        "promtool not found (looked at $ALERTCTL_PROMTOOL, {}, and PATH). \
         This test needs the real promtool: run scripts/install-tools.sh",
        local.display()
    );
}

fn show(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the built alertctl with promtool pinned, colour off.
fn alertctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .args(args)
        .env("ALERTCTL_PROMTOOL", promtool())
        .env("NO_COLOR", "1")
        .output()
        .expect("run alertctl")
}

/// `alertctl -C <dir> --no-cache render --out <out>`, which must succeed. `--no-cache`
/// keeps the test from writing a cache into the source tree.
fn render(dir: &Path, out: &Path, cache: bool) {
    let (d, o) = (dir.to_str().unwrap(), out.to_str().unwrap());
    let mut args = vec!["-C", d];
    if !cache {
        args.push("--no-cache");
    }
    args.extend(["render", "--out", o]);
    let res = alertctl(&args);
    assert!(
        res.status.success(),
        "alertctl render failed\n{}",
        show(&res)
    );
}

/// Every `*.yml` in `dir`: name -> bytes.
fn read_rendered(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(dir).expect("read rendered dir") {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        if name.ends_with(".yml") {
            files.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    files
}

fn assert_same(what: &str, a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different file sets"
    );
    for (name, bytes) in a {
        assert!(
            bytes == &b[name],
            "{what}: {name} differs\n--- first\n{}\n--- second\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&b[name])
        );
    }
}

/// Copies the rules directory (without cache and rendered output) to `to`.
fn copy_sources(from: &Path, to: &Path) {
    for e in walk(from) {
        let rel = e.strip_prefix(from).unwrap();
        let first = rel.components().next().unwrap().as_os_str();
        if first == ".alertctl" || first == "rendered" {
            continue;
        }
        let dst = to.join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&e, &dst).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn node_estate_validates_with_promtool() {
    let dir = example_dir();
    let res = alertctl(&["-C", dir.to_str().unwrap(), "--no-cache", "validate"]);
    assert!(res.status.success(), "validate failed\n{}", show(&res));
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(
        stderr.contains("promtool: ok"),
        "validate did not run promtool\n{}",
        show(&res)
    );
}

#[test]
fn node_estate_renders_deterministically() {
    let dir = example_dir();
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    render(&dir, &a, false);
    render(&dir, &b, false);
    let first = read_rendered(&a);
    assert!(!first.is_empty(), "nothing rendered");
    assert_same("two renders", &first, &read_rendered(&b));

    // Rendering again into the same directory changes nothing.
    render(&dir, &a, false);
    assert_same("render over itself", &first, &read_rendered(&a));

    // The cache (cold, then warm) must not change a byte either.
    let src = tmp.path().join("src");
    copy_sources(&dir, &src);
    let (c1, c2) = (tmp.path().join("c1"), tmp.path().join("c2"));
    render(&src, &c1, true);
    render(&src, &c2, true);
    assert_same("cold cache", &first, &read_rendered(&c1));
    assert_same("warm cache", &first, &read_rendered(&c2));
}

#[test]
fn node_estate_passes_promtool_check_and_unit_tests() {
    let promtool = promtool();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    render(&example_dir(), out, false);
    let files = read_rendered(out);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();

    // One file per scope with rules; target cells land in their group's file.
    assert_eq!(
        names,
        [
            "global.yml",
            "group_batch.yml",
            "group_cache.yml",
            "group_db.yml",
            "group_web.yml",
            "namespace_prod.yml",
            "namespace_staging.yml",
        ],
        "unexpected set of rendered files"
    );

    // Prometheus' own templates pass through untouched; ${params} do not survive.
    let all: String = files
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    for needle in ["{{ $labels.instance }}", "{{ $value | humanize }}"] {
        assert!(all.contains(needle), "rendered files lack `{needle}`");
    }
    assert!(
        !all.contains("${"),
        "an unsubstituted ${{param}} survived:\n{all}"
    );

    // promtool check rules, every file.
    let check = Command::new(&promtool)
        .arg("check")
        .arg("rules")
        // promtool's duplicate-rule lint flags a target cell next to its group cell
        // (same alert name and labels, disjoint selectors): a false positive for
        // partitioned rules, documented in docs/format.md.
        .arg("--lint=none")
        .args(&names)
        .current_dir(out)
        .output()
        .expect("run promtool check rules");
    assert!(
        check.status.success(),
        "promtool check rules failed\n{}",
        show(&check)
    );

    // promtool test rules with the example's unit tests, next to the rendered files
    // (rule_files paths are relative to the test file).
    let tests_dir = example_dir().join(PROMTOOL_TESTS);
    let mut test_files = Vec::new();
    for p in walk(&tests_dir) {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        // Every rendered file must be under test: an alert that moves into a new file
        // must not silently drop out of the unit tests.
        let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let mut listed: Vec<&str> = doc["rule_files"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name} has no rule_files list"))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        listed.sort_unstable();
        assert_eq!(
            listed, names,
            "{name}: rule_files must list every rendered file"
        );
        std::fs::write(out.join(&name), text).unwrap();
        test_files.push(name);
    }
    assert!(
        !test_files.is_empty(),
        "no promtool tests in {}",
        tests_dir.display()
    );

    let test = Command::new(&promtool)
        .arg("test")
        .arg("rules")
        .args(&test_files)
        .current_dir(out)
        .output()
        .expect("run promtool test rules");
    assert!(
        test.status.success(),
        "promtool test rules failed\n{}",
        show(&test)
    );
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        stdout.contains("SUCCESS") && !stdout.contains("FAILED"),
        "promtool test rules did not report success\n{}",
        show(&test)
    );
}
