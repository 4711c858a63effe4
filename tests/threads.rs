//! Files are read, hashed and parsed, and alerts and output files rendered, on every
//! core (rayon); what alertctl prints and writes must not depend on how many threads did
//! it. The same estate, with valid files and errors spread over many files (load-time
//! errors, and render-time ones: template logic, missing parameters, PromQL, a
//! cross-scope aggregation warning), is run with `RAYON_NUM_THREADS=1` and with 4
//! threads: the reports (human and JSON, diagnostics in the same order) and the rendered
//! files are compared byte for byte.

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
/// template, a bad parameter value), one does not parse as YAML. Each file also defines a
/// `GenSum` alert; with errors, one of each other `support::RENDER_TEMPLATES`, failing at render
/// time, each template with the same error in every alert (reported once: for the first
/// alert by name).
fn estate(with_errors: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate"),
        tmp.path(),
    );
    let targets = ["web-1:9100", "db-2:9100", "cache-1:9100", "batch-3:9100"];
    let groups = ["web", "db", "cache", "batch"];
    for (name, text) in support::RENDER_TEMPLATES {
        write_file(tmp.path(), &format!("templates/gen/{name}.yaml"), text);
    }
    // `AaaHeavy`, first in alert order, has a long query rendered for many cells: with
    // several threads, alerts after it finish first.
    let terms: Vec<String> = (0..400)
        .map(|n| format!("up{{n=\"{n}\"}} > ${{threshold}}"))
        .collect();
    write_file(
        tmp.path(),
        "templates/gen/heavy.yaml",
        &format!(
            "template: AaaHeavy\nparams:\n  threshold: {{ type: number, default: 1 }}\nexpr: {}\n",
            terms.join(" or ")
        ),
    );
    let mut heavy = String::from("- template: AaaHeavy\n  scope: global\n");
    for (n, t) in [
        "web-1", "web-2", "web-3", "db-1", "db-2", "cache-1", "cache-2",
    ]
    .iter()
    .enumerate()
    {
        heavy.push_str(&format!(
            "- template: AaaHeavy\n  scope: target/{t}:9100\n  params: {{ threshold: {} }}\n",
            n + 2
        ));
    }
    write_file(tmp.path(), "rules/gen/heavy.yaml", &heavy);
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
        // Names interleave with the other generated alerts, so each template's alerts
        // are spread over the alert order.
        text.push_str(&format!(
            "- template: GenSum\n  alert: HighLoadGen{i:02}Sum\n  scope: group/{}\n",
            groups[i % groups.len()]
        ));
        if with_errors {
            text.push_str(&format!(
                "- template: GenBadQuery\n  alert: HighLoadGen{i:02}Query\n  scope: target/{}\n  params: {{ threshold: 150 }}\n\
                 - template: GenLogic\n  alert: HighLoadGen{i:02}Logic\n  scope: group/{}\n  params: {{ threshold: 150 }}\n\
                 - template: GenNoDefault\n  alert: HighLoadGen{i:02}NoDefault\n  scope: group/{}\n",
                targets[(i + 1) % targets.len()],
                groups[(i + 2) % groups.len()],
                groups[i % groups.len()],
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

    // Render-time diagnostics: one per alert where the key names the alert, once per
    // template where alerts share it, and then for the first alert by name
    // (`HighLoadGen00*`); a merge in completion order would pick another.
    let count = |code: &str| diags.iter().filter(|d| d.0 == code).count();
    // All files but the one that does not parse.
    assert_eq!(count("missing-param"), FILES - 1, "{diags:?}");
    assert_eq!(count("cross-scope-aggregation"), FILES - 1, "{diags:?}");
    assert_eq!(count("promql-syntax"), 1, "{diags:?}");
    let logic: Vec<_> = diags.iter().filter(|d| d.0 == "bad-template").collect();
    assert_eq!(logic.len(), 1, "{diags:?}");
    assert!(
        logic[0].3.contains("`GenLogic` fails at group/cache:"),
        "{logic:?}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&four.stdout).unwrap();
    let hints: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "promql-syntax")
        .filter_map(|d| d["hint"].as_str())
        .collect();
    assert!(
        hints == ["rendered for target/db-2:9100 as: up >>> > 150"],
        "{hints:?}"
    );

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
