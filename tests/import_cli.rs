//! `alertctl import` as users run it: idempotence, never overwriting, validation before
//! writing, nothing half-written, and hostile input (control characters in names and
//! paths, huge files, symlinks, names that collide with existing templates).

use std::path::Path;
use std::process::{Command, Output};

fn alertctl(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .current_dir(cwd)
        .args(["--color", "never"])
        .args(args)
        .output()
        .expect("alertctl runs")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

const RULES: &str = "groups:\n- name: node\n  interval: 1m\n  rules:\n  - alert: HostDown(>1m)\n    expr: up == 0\n    for: 1m\n    labels: {severity: critical}\n";

fn files_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn import_twice_changes_nothing_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("node.yml"), RULES).unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "out", "node.yml"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("3 files written, 0 unchanged"),
        "{}",
        err(&o)
    );
    assert_eq!(
        files_under(&tmp.path().join("out")),
        [
            "alertctl.toml",
            "rules/imported/node.yaml",
            "templates/imported/node.yaml"
        ]
    );
    let before =
        std::fs::read_to_string(tmp.path().join("out/templates/imported/node.yaml")).unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "out", "node.yml"]);
    assert!(
        err(&o).contains("0 files written, 2 unchanged"),
        "{}",
        err(&o)
    );
    // Another import of a changed file refuses to overwrite, then --force replaces.
    std::fs::write(
        tmp.path().join("node.yml"),
        RULES.replace("up == 0", "up == 1"),
    )
    .unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "out", "node.yml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("import-conflict")
            && err(&o).contains("templates/imported/node.yaml exists with other content"),
        "{}",
        err(&o)
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("out/templates/imported/node.yaml")).unwrap(),
        before
    );
    let o = alertctl(
        tmp.path(),
        &["import", "--into", "out", "--force", "node.yml"],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        std::fs::read_to_string(tmp.path().join("out/templates/imported/node.yaml"))
            .unwrap()
            .contains("up == 1")
    );
    // The imported directory validates and renders the group with its interval.
    let o = alertctl(&tmp.path().join("out"), &["render", "--stdout"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("- name: node\n  interval: 1m\n") && out.contains("alert: HostDown(>1m)"),
        "{out}"
    );
}

#[test]
fn a_name_that_is_already_a_template_stops_the_import_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rd");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("alertctl.toml"), "").unwrap();
    std::fs::write(
        dir.join("templates/mine.yaml"),
        "template: HostDown(>1m)\nexpr: up == 0\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("node.yml"), RULES).unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "rd", "node.yml"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("duplicate-template"), "{}", err(&o));
    assert_eq!(files_under(&dir), ["alertctl.toml", "templates/mine.yaml"]);
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("node.yml"), RULES).unwrap();
    std::fs::create_dir_all(tmp.path().join("rd")).unwrap();
    std::fs::write(tmp.path().join("rd/alertctl.toml"), "").unwrap();
    // `rules` is a file: the rules file cannot be written, so the staged template
    // file must not be renamed into place either.
    std::fs::write(tmp.path().join("rd/rules"), "not a directory").unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "rd", "node.yml"]);
    assert_ne!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        files_under(&tmp.path().join("rd")),
        ["alertctl.toml", "rules"],
        "{}",
        err(&o)
    );
}

#[test]
fn hostile_names_paths_and_sizes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    // A file name with a line break and shell/YAML syntax, an alert name with a line
    // break, quotes and a bidi override, an annotation with `${`, `{%` and Go templates.
    let evil = "evil\n# x: {a}.yml";
    std::fs::write(
        src.join(evil),
        "groups:\n- name: \"g\"\n  rules:\n  - alert: \"A\\nB \\\"q\\\" \\u202e\"\n    expr: up == 0\n    annotations: {summary: \"${x} {% y %} {{ $labels.instance }}\"}\n",
    )
    .unwrap();
    // A symlink to a file outside the directory is not followed.
    std::fs::write(tmp.path().join("outside.yml"), RULES).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("outside.yml"), src.join("link.yml")).unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "rd", "src"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("awkward-name"), "{}", err(&o));
    assert!(err(&o).contains("imported 1 alerts"), "{}", err(&o));
    let files = files_under(&tmp.path().join("rd"));
    for f in &files {
        assert!(
            !f.contains('\n') && !f.contains('{') && !f.contains('#') && f.is_ascii(),
            "{f:?}"
        );
    }
    let t = files.iter().find(|f| f.starts_with("templates/")).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("rd").join(t)).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("# Imported by alertctl from ") && first.contains("evil\\n# x"),
        "{first}"
    );
    // Rendered back: the same name and annotation, as quoted YAML.
    let o = alertctl(&tmp.path().join("rd"), &["render", "--stdout"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let file: serde_yaml::Value = serde_yaml::from_str(out.split_once('\n').unwrap().1).unwrap();
    let rule = &file["groups"][0]["rules"][0];
    assert_eq!(rule["alert"], "A\nB \"q\" \u{202e}");
    assert_eq!(
        rule["annotations"]["summary"],
        "${x} {% y %} {{ $labels.instance }}"
    );
    // A file above the size limit is refused before it is read.
    let big = tmp.path().join("big.yml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(alertctl::source::import::MAX_INPUT + 1).unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "rd2", "big.yml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("larger than the 16 MiB"), "{}", err(&o));
    assert!(!tmp.path().join("rd2").exists());
    // Not a rule file: located.
    std::fs::write(tmp.path().join("x.yml"), "scrape_configs: []\n").unwrap();
    let o = alertctl(tmp.path(), &["import", "--into", "rd3", "x.yml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("unknown field `scrape_configs`") && err(&o).contains("[x.yml:1:1]"),
        "{}",
        err(&o)
    );
}
