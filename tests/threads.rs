//! Files are read, hashed and parsed on every core (rayon); what alertctl prints and
//! writes must not depend on how many threads did it. The same estate, with valid files
//! and files with errors spread over many files, is run with `RAYON_NUM_THREADS=1` and
//! with 4 threads: the reports (human and JSON, diagnostics in the same order) and the
//! rendered files are compared byte for byte.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{copy_dir, write_file, yml_files};

/// `alertctl --no-cache -C DIR ARGS...` with `threads` worker threads: `--no-cache`, so
/// every run parses every file.
fn run(dir: &Path, threads: usize, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .env("RAYON_NUM_THREADS", threads.to_string())
        .arg("-C")
        .arg(dir)
        .args(["--color", "never", "--no-cache"])
        .args(args)
        .output()
        .expect("alertctl runs")
}

const FILES: usize = 48;

/// The example estate plus `FILES` rules files; every seventh holds errors (an unknown
/// template, a bad parameter value), one does not parse as YAML.
fn estate(with_errors: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate"),
        tmp.path(),
    );
    let targets = ["web-1:9100", "db-2:9100", "cache-1:9100", "batch-3:9100"];
    for i in 0..FILES {
        let mut text = format!(
            "- template: HighLoad\n  alert: HighLoadGen{i:02}\n  scope: target/{}\n  params: {{ threshold: {} }}\n",
            targets[i % targets.len()],
            i + 1
        );
        if with_errors && i % 7 == 3 {
            text.push_str(&format!(
                "- template: NoSuchTemplate{i:02}\n  scope: global\n- template: HighCPU\n  scope: group/web\n  params: {{ threshold: not-a-number-{i} }}\n"
            ));
        }
        if with_errors && i == 40 {
            text.push_str("- template: [unclosed\n");
        }
        write_file(tmp.path(), &format!("rules/gen/{i:02}.yaml"), &text);
    }
    tmp
}

fn same_output(a: &Output, b: &Output, what: &str) {
    assert_eq!(
        a.status.code(),
        b.status.code(),
        "{what}: exit codes differ"
    );
    assert!(
        a.stdout == b.stdout,
        "{what}: stdout differs\n--- 1 thread\n{}\n--- 4 threads\n{}",
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout)
    );
    assert!(
        a.stderr == b.stderr,
        "{what}: stderr differs\n--- 1 thread\n{}\n--- 4 threads\n{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
}

#[test]
fn diagnostics_from_many_files_come_out_the_same_with_1_and_4_threads() {
    let tmp = estate(true);
    let json_args = ["validate", "--promtool", "off", "--format", "json"];
    let one = run(tmp.path(), 1, &json_args);
    let four = run(tmp.path(), 4, &json_args);
    same_output(&one, &four, "validate --format json");

    // The comparison means something only if many files reported errors.
    let (code, diags) = support::json_diagnostics(&one);
    assert_ne!(code, 0, "the estate has errors");
    let files: std::collections::BTreeSet<&str> = diags
        .iter()
        .map(|d| d.1.as_str())
        .filter(|f| f.starts_with("rules/gen/"))
        .collect();
    assert!(files.len() >= 7, "errors from {files:?} only: {diags:?}");

    let human = ["validate", "--promtool", "off"];
    same_output(
        &run(tmp.path(), 1, &human),
        &run(tmp.path(), 4, &human),
        "validate",
    );
}

#[test]
fn rendered_files_are_the_same_with_1_and_4_threads() {
    let tmp = estate(false);
    let (out1, out4) = (tmp.path().join("out1"), tmp.path().join("out4"));
    let one = run(tmp.path(), 1, &["render", "--out", out1.to_str().unwrap()]);
    let four = run(tmp.path(), 4, &["render", "--out", out4.to_str().unwrap()]);
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    // The output directories are named in what render prints: compare the files.
    assert_eq!(one.status.code(), four.status.code());
    let (files1, files4) = (yml_files(&out1), yml_files(&out4));
    assert!(files1.len() >= 4, "rendered {:?}", files1.keys());
    assert!(
        files1
            .values()
            .any(|b| String::from_utf8_lossy(b).contains("HighLoadGen47")),
        "the generated rules are rendered"
    );
    assert_eq!(files1, files4, "rendered bytes differ");

    let json = ["effective", "web-1:9100", "--format", "json"];
    same_output(
        &run(tmp.path(), 1, &json),
        &run(tmp.path(), 4, &json),
        "effective --format json",
    );
}
