//! The shipped `.pre-commit-hooks.yaml`, run by the real `pre-commit` (from PyPI, installed
//! into .tools/venv by scripts/test.sh) in a throwaway git repository: a commit with an
//! invalid rule is blocked with the located error, a commit whose rendered files are stale
//! is blocked with the diff, and good commits pass. The `-system` hooks run the alertctl
//! built for this test (the `language: rust` ids build a release binary with cargo, too
//! slow for the suite; pre-commit's own manifest check covers their declaration).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::output_text as text;

fn pre_commit() -> PathBuf {
    let p = std::env::var_os("ALERTCTL_PRE_COMMIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/venv/bin/pre-commit")
        });
    assert!(
        p.is_file(),
        "pre-commit not found at {}: run scripts/test.sh (it installs it into .tools/venv)",
        p.display()
    );
    p
}

/// A command in `dir` with alertctl on PATH, pre-commit's cache in `home`, and a fixed
/// git identity.
fn cmd(program: &Path, dir: &Path, home: &Path) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_alertctl")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("NO_COLOR");
    c
}

fn git(dir: &Path, home: &Path, args: &[&str]) -> Output {
    cmd(Path::new("git"), dir, home)
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", text(&o));
    o
}

fn head(dir: &Path, home: &Path) -> String {
    String::from_utf8_lossy(&ok(git(dir, home, &["rev-parse", "HEAD"])).stdout)
        .trim()
        .to_string()
}

#[test]
fn hooks_block_bad_commits_and_pass_good_ones() {
    let pc = pre_commit();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("pre-commit-home");

    // The hook repository: this checkout's .pre-commit-hooks.yaml, committed.
    let hooks = tmp.path().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    ok(cmd(&pc, &hooks, &home)
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .output()
        .unwrap());
    ok(git(&hooks, &home, &["init", "-q"]));
    ok(git(&hooks, &home, &["add", "."]));
    ok(git(&hooks, &home, &["commit", "-qm", "hooks"]));
    let rev = head(&hooks, &home);

    // The user's repository: rules in ops/alerts, rendered files committed.
    let repo = tmp.path().join("repo");
    let rules = repo.join("ops/alerts");
    ok(
        cmd(Path::new(env!("CARGO_BIN_EXE_alertctl")), tmp.path(), &home)
            .arg("init")
            .arg(&rules)
            .output()
            .unwrap(),
    );
    ok(git(&repo, &home, &["init", "-q"]));
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: alertctl-validate-system\n        args: [-C, ops/alerts, --promtool, 'off']\n      - id: alertctl-rendered-current-system\n        args: [-C, ops/alerts]\n",
            hooks.display()
        ),
    )
    .unwrap();
    ok(cmd(&pc, &repo, &home).arg("install").output().unwrap());
    let alertctl = |args: &[&str]| {
        ok(cmd(Path::new(env!("CARGO_BIN_EXE_alertctl")), &repo, &home)
            .args(["-C", "ops/alerts"])
            .args(args)
            .output()
            .unwrap())
    };
    alertctl(&["render"]);
    ok(git(&repo, &home, &["add", "."]));
    let first = git(&repo, &home, &["commit", "-qm", "alerts"]);
    assert!(
        first.status.success(),
        "a good commit passes:\n{}",
        text(&first)
    );
    assert!(
        text(&first).contains("alertctl validate"),
        "{}",
        text(&first)
    );
    let good = head(&repo, &home);

    // An invalid rule: blocked, with the located error.
    let web = rules.join("rules/teams/web.yaml");
    let orig = std::fs::read_to_string(&web).unwrap();
    std::fs::write(&web, orig.replace("threshold:", "treshold:")).unwrap();
    ok(git(&repo, &home, &["add", "."]));
    let o = git(&repo, &home, &["commit", "-qm", "typo"]);
    assert!(!o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("alertctl validate") && out.contains("Failed"),
        "{out}"
    );
    assert!(
        out.contains("rules/teams/web.yaml:4:13"),
        "the located error:\n{out}"
    );
    assert!(out.contains("did you mean `threshold`?"), "{out}");
    assert_eq!(head(&repo, &home), good, "nothing was committed");

    // Valid but the rendered files are stale: blocked, with the diff.
    std::fs::write(&web, orig.replace("threshold: 90", "threshold: 95")).unwrap();
    ok(git(&repo, &home, &["add", "."]));
    let o = git(&repo, &home, &["commit", "-qm", "stale"]);
    assert!(!o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("alertctl rendered files are current"), "{out}");
    assert!(
        out.contains("+++ b/group_web.yml") && out.contains("> 95"),
        "{out}"
    );
    assert_eq!(head(&repo, &home), good);

    // Rendered and staged: passes. An unstaged mistake left in the working tree does not
    // matter: pre-commit checks the staged snapshot.
    alertctl(&["render"]);
    ok(git(&repo, &home, &["add", "."]));
    let tmpl = rules.join("templates/node/high-cpu.yaml");
    let t = std::fs::read_to_string(&tmpl).unwrap();
    std::fs::write(&tmpl, format!("{t}bogus_field: 1\n")).unwrap();
    let o = git(&repo, &home, &["commit", "-qm", "raise web threshold"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_ne!(head(&repo, &home), good);
    assert!(
        std::fs::read_to_string(&tmpl)
            .unwrap()
            .ends_with("bogus_field: 1\n"),
        "the unstaged change is back in the working tree"
    );
    // Staging it is blocked.
    ok(git(&repo, &home, &["add", "."]));
    let o = git(&repo, &home, &["commit", "-qm", "bogus"]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("templates/node/high-cpu.yaml:"),
        "{}",
        text(&o)
    );

    // A commit that touches no rules file does not run the hooks.
    ok(git(&repo, &home, &["reset", "-q", "--hard"]));
    std::fs::write(repo.join("README"), "hello\n").unwrap();
    ok(git(&repo, &home, &["add", "README"]));
    let o = ok(git(&repo, &home, &["commit", "-m", "readme"]));
    assert!(
        text(&o).contains("(no files to check)Skipped"),
        "{}",
        text(&o)
    );
}
