//! The CLI as users see it, on a scaffolded rules directory: render, diff, the cache,
//! exit codes, completions. Output is pinned by insta snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn alertctl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(dir)
        .args(["--color", "never"])
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("ALERTCTL_STORE_ANSWERS")
        .output()
        .expect("alertctl runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// A scaffolded rules directory in a temp dir, with paths in output made stable.
fn scaffold() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rules");
    let out = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("init")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    (tmp, dir)
}

fn stable(s: &str, dir: &Path) -> String {
    s.replace(&dir.display().to_string(), "[RULES]")
}

fn read_dir(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn render_is_deterministic_and_cached() {
    let (_tmp, dir) = scaffold();
    let first = alertctl(&dir, &["-v", "render"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    says(&first, "5 parsed, 0 reused");
    let files = read_dir(&dir.join("rendered"));
    insta::assert_snapshot!(
        "scaffold_global_yml",
        files.iter().find(|f| f.0 == "global.yml").unwrap().1
    );
    insta::assert_snapshot!(
        "scaffold_group_web_yml",
        files.iter().find(|f| f.0 == "group_web.yml").unwrap().1
    );

    // Second run: nothing re-parsed, nothing rewritten, same bytes.
    let mtime = std::fs::metadata(dir.join("rendered/global.yml"))
        .unwrap()
        .modified()
        .unwrap();
    let second = alertctl(&dir, &["-v", "render"]);
    says(&second, "0 parsed, 5 reused from cache");
    says(&second, "0 added, 0 modified, 0 removed, 2 unchanged");
    assert_eq!(read_dir(&dir.join("rendered")), files);
    assert_eq!(
        std::fs::metadata(dir.join("rendered/global.yml"))
            .unwrap()
            .modified()
            .unwrap(),
        mtime,
        "unchanged files are not rewritten"
    );

    // Touching one file re-parses exactly that file.
    let web = dir.join("rules/teams/web.yaml");
    let mut s = std::fs::read_to_string(&web).unwrap();
    s.push_str("# a comment\n");
    std::fs::write(&web, s).unwrap();
    let third = alertctl(&dir, &["-v", "render"]);
    says(&third, "1 parsed, 4 reused");
}

/// The example's group web threshold, 90, set to 95.
fn web_threshold_95(dir: &Path) {
    let web = dir.join("rules/teams/web.yaml");
    let text = std::fs::read_to_string(&web).unwrap();
    std::fs::write(&web, text.replace("threshold: 90", "threshold: 95")).unwrap();
}

/// Asserts that a run's stderr holds `needle`, showing all of it otherwise.
fn says(out: &std::process::Output, needle: &str) {
    assert!(text(&out.stderr).contains(needle), "{}", text(&out.stderr));
}

#[test]
fn corrupt_cache_is_rebuilt() {
    let (_tmp, dir) = scaffold();
    assert!(alertctl(&dir, &["render"]).status.success());
    std::fs::write(dir.join(".alertctl/cache.sqlite"), vec![0x42u8; 8192]).unwrap();
    let _ = std::fs::remove_file(dir.join(".alertctl/cache.sqlite-wal"));
    let out = alertctl(&dir, &["-v", "diff", "--exit-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    says(&out, "cache rebuilt");
    says(&out, "5 parsed");
    let again = alertctl(&dir, &["-v", "diff"]);
    says(&again, "0 parsed, 5 reused");
}

/// Overwrites the root page of `table` in the cache with garbage, as a bad sector or a
/// torn write would, leaving every other page intact.
fn damage_table(dir: &Path, table: &str) {
    let path = dir.join(".alertctl/cache.sqlite");
    let (root, page_size): (u64, u64) = {
        let db = rusqlite::Connection::open(&path).unwrap();
        let root = db
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        let size = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        (root, size)
    };
    assert!(!dir.join(".alertctl/cache.sqlite-wal").exists());
    use std::io::{Seek, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(std::io::SeekFrom::Start((root - 1) * page_size))
        .unwrap();
    f.write_all(&vec![0xffu8; page_size as usize]).unwrap();
}

/// Sets every source file's mtime an hour back, so the cache's stat check trusts them
/// (a file modified within a second of being recorded is never trusted).
fn age(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let path = e.path();
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != ".alertctl" {
                age(&path);
            }
        } else {
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
                .unwrap();
        }
    }
}

/// Damage where the load's open check does not look (the traces table, which only the
/// fast path reads): every command answers as without a cache, and the run that trips
/// over the damage while storing removes the cache, so the one after builds a new one.
#[test]
fn damaged_index_page_still_answers_and_heals() {
    let (_tmp, dir) = scaffold();
    age(&dir);
    assert!(alertctl(&dir, &["render"]).status.success());
    // A new cache's first question stores the answers (the render left them).
    let out = alertctl(&dir, &["-v", "effective", "--global"]);
    says(&out, "stored for the next question");
    let questions: [&[&str]; 7] = [
        &["effective", "--group", "web"],
        &["effective", "--global"],
        &["trace", "web-1:9100"],
        &["list", "rules"],
        &["list", "targets"],
        &["validate", "--promtool", "off"],
        &["diff", "--exit-code"],
    ];
    let answers = |no_cache: bool| -> Vec<(Option<i32>, String)> {
        questions
            .iter()
            .map(|q| {
                let args: Vec<&str> = no_cache
                    .then_some("--no-cache")
                    .into_iter()
                    .chain(q.iter().copied())
                    .collect();
                let out = alertctl(&dir, &args);
                (out.status.code(), text(&out.stdout))
            })
            .collect()
    };
    let expected = answers(true);
    // The fast path answered before the damage, so it would again.
    assert!(text(&alertctl(&dir, &["-v", "trace", "web-1:9100"]).stderr)
        .contains("answered from the cache index"));
    damage_table(&dir, "traces");
    assert_eq!(answers(false), expected);

    // An edit: the full run's store meets the damaged page.
    web_threshold_95(&dir);
    let expected = alertctl(&dir, &["--no-cache", "diff"]);
    let out = alertctl(&dir, &["-v", "diff"]);
    assert_eq!(text(&out.stdout), text(&expected.stdout));
    assert!(
        !dir.join(".alertctl/cache.sqlite").exists(),
        "{}",
        text(&out.stderr)
    );
    // A new cache: everything parsed once, then answered from it again.
    age(&dir);
    let out = alertctl(&dir, &["-v", "render"]);
    says(&out, "5 parsed");
    says(
        &out,
        "answers of effective and trace left to the first question",
    );
    let out = alertctl(&dir, &["-v", "trace", "web-1:9100"]);
    says(&out, "stored for the next question");
    let out = alertctl(&dir, &["-v", "trace", "web-1:9100"]);
    says(&out, "answered from the cache index");
}

/// Damage in the table the load reads whole (the parsed models) is found when it scans
/// them: the cache is rebuilt in that run, not left to fail again.
#[test]
fn damaged_models_page_rebuilds_the_cache() {
    let (_tmp, dir) = scaffold();
    assert!(alertctl(&dir, &["render"]).status.success());
    damage_table(&dir, "files");
    // `validate` always loads (the fast path of `diff` would not read the models).
    let out = alertctl(&dir, &["-v", "validate", "--promtool", "off"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    says(&out, "cache rebuilt");
    says(&out, "5 parsed");
}

#[test]
fn diff_shows_changes_and_exit_codes() {
    let (_tmp, dir) = scaffold();
    // Nothing rendered yet: everything is added.
    let out = alertctl(&dir, &["diff", "--exit-code", "--stat"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "files: 2 added, 0 modified, 0 removed; alerts: 3 added, 0 changed, 0 removed\nfile_sd: 1 added, 0 modified, 0 removed"
    );
    assert!(alertctl(&dir, &["render"]).status.success());

    // Right after a render: no diff at all, exit 0 even with --exit-code.
    let out = alertctl(&dir, &["diff", "--exit-code"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");

    // A hand-written file next to ours is never reported or touched.
    std::fs::write(dir.join("rendered/mine.yml"), "groups: []\n").unwrap();
    // Change the web threshold and drop the web rule's file entirely for db.
    web_threshold_95(&dir);
    let out = alertctl(&dir, &["diff", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("diff_threshold_change", text(&out.stdout));
    assert_eq!(
        text(&out.stderr).trim(),
        "files: 0 added, 1 modified, 0 removed; alerts: 0 added, 1 changed, 0 removed"
    );
    assert!(!text(&out.stdout).contains("mine.yml"));

    // Removing the only group rule removes its generated file on render.
    std::fs::remove_file(dir.join("rules/teams/web.yaml")).unwrap();
    let out = alertctl(&dir, &["render"]);
    assert!(out.status.success());
    let names: Vec<String> = read_dir(&dir.join("rendered"))
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(names, vec!["global.yml", "mine.yml"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("rendered/mine.yml")).unwrap(),
        "groups: []\n"
    );
}

#[test]
fn color_follows_flag_and_no_color() {
    let (_tmp, dir) = scaffold();
    let out = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(&dir)
        .args(["diff", "--color", "always"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("\x1b[32m+"), "always colours");
    let out = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(&dir)
        .arg("diff")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        !text(&out.stdout).contains('\x1b'),
        "NO_COLOR and a pipe: no colour"
    );
}

#[test]
fn render_refuses_to_overwrite_foreign_files() {
    let (_tmp, dir) = scaffold();
    std::fs::create_dir_all(dir.join("rendered")).unwrap();
    std::fs::write(dir.join("rendered/global.yml"), "groups: []\n").unwrap();
    let out = alertctl(&dir, &["render"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr)
        .contains("global.yml exists in the output directory and was not generated by alertctl"));
    assert_eq!(
        std::fs::read_to_string(dir.join("rendered/global.yml")).unwrap(),
        "groups: []\n"
    );
}

#[test]
fn render_stdout_and_out_dir() {
    let (tmp, dir) = scaffold();
    let out = alertctl(&dir, &["render", "--stdout"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("# ---- group_web.yml"));
    assert!(!dir.join("rendered").exists(), "--stdout writes nothing");
    let other = tmp.path().join("elsewhere");
    assert!(
        alertctl(&dir, &["render", "--out", other.to_str().unwrap()])
            .status
            .success()
    );
    assert!(other.join("global.yml").is_file());
}

#[test]
fn invalid_input_writes_nothing() {
    let (_tmp, dir) = scaffold();
    assert!(alertctl(&dir, &["render"]).status.success());
    let before = read_dir(&dir.join("rendered"));
    let web = dir.join("rules/teams/web.yaml");
    std::fs::write(
        &web,
        std::fs::read_to_string(&web)
            .unwrap()
            .replace("threshold: 90", "threshold: ninety"),
    )
    .unwrap();
    let out = alertctl(&dir, &["render"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("render_invalid", stable(&text(&out.stderr), &dir));
    assert_eq!(read_dir(&dir.join("rendered")), before);
}

#[test]
fn not_a_rules_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let out = alertctl(tmp.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(4));
    says(&out, "no alertctl.toml found");
    assert!(text(&out.stderr).contains("alertctl init"));
}

#[test]
fn init_refuses_to_clobber() {
    let (_tmp, dir) = scaffold();
    let out = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("init")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
        ".alertctl/\n"
    );
}

#[test]
fn committed_completions_are_current() {
    for (shell, file) in [
        ("bash", "alertctl.bash"),
        ("zsh", "alertctl.zsh"),
        ("fish", "alertctl.fish"),
        ("elvish", "alertctl.elvish"),
        ("powershell", "alertctl.ps1"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_alertctl"))
            .args(["completions", shell])
            .output()
            .unwrap();
        let committed = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("completions")
                .join(file),
        )
        .unwrap();
        assert_eq!(text(&out.stdout), committed, "completions/{file} is stale: regenerate with `alertctl completions {shell} > completions/{file}`");
    }
}

#[test]
fn help_is_pinned() {
    let out = Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("--help")
        .output()
        .unwrap();
    insta::assert_snapshot!("help", text(&out.stdout));
}

#[test]
fn non_utf8_file_is_a_located_problem_not_a_crash() {
    let (_tmp, dir) = scaffold();
    std::fs::write(
        dir.join("rules/latin1.yaml"),
        b"- template: HighCPU\n  scope: group/web # caf\xe9\n",
    )
    .unwrap();
    let out = alertctl(&dir, &["validate", "--promtool", "off"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    says(&out, "rules/latin1.yaml is not UTF-8 text");
}
