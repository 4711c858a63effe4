//! The warm fast path (nothing changed since a full run: answers come from the cache
//! index without reading or parsing a source file) must print exactly what the full path
//! prints, and must never be taken once anything changed.

mod support;

use std::path::{Path, PathBuf};

use support::alertctl as run;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// A copy of the example whose files were last modified an hour ago: the fast path does
/// not trust files modified within the last second (they may change again unnoticed).
fn aged_copy() -> (tempfile::TempDir, PathBuf) {
    aged_copy_of("examples/node-estate")
}

/// [`aged_copy`] of the directory `rel` (to the crate's root).
fn aged_copy_of(rel: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("estate");
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join(rel), &dst);
    (tmp, dst)
}

fn copy(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let name = e.file_name();
        if name == ".alertctl" || name == "rendered" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &dst.join(&name));
        } else {
            std::fs::copy(e.path(), dst.join(&name)).unwrap();
            age(&dst.join(&name));
        }
    }
}

use support::age;

/// Replaces `from` with `to` in the file `p`, then ages it: an edit only its content
/// (and ctime) tell.
fn edit_aged(p: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(p).unwrap();
    assert!(text.contains(from), "{} holds {from}", p.display());
    std::fs::write(p, text.replace(from, to)).unwrap();
    age(p);
}

#[test]
fn fast_answers_equal_full_answers() {
    let (_tmp, dir) = aged_copy();
    let o = run(&dir, &["-v", "render"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("parsed"),
        "the first run is a full one"
    );

    // No-op render and diff: answered without parsing.
    let o = run(&dir, &["-v", "diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains("nothing changed since the last full run"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(text(&o.stdout), "");
    let o = run(&dir, &["-v", "render"]);
    assert!(
        text(&o.stderr).contains("nothing changed since the last full run")
            && text(&o.stderr).contains("0 added, 0 modified, 0 removed, 7 unchanged"),
        "{}",
        text(&o.stderr)
    );

    let targets: serde_json::Value =
        serde_json::from_slice(&run(&dir, &["list", "targets", "--format", "json"]).stdout)
            .unwrap();
    let targets: Vec<String> = targets["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(targets.len(), 12);
    for t in &targets {
        for format in ["json", "human", "yaml"] {
            let fast = run(&dir, &["-v", "effective", t, "--format", format]);
            assert!(
                text(&fast.stderr).contains("answered from the cache index"),
                "{t} {format}: {}",
                text(&fast.stderr)
            );
            let full = run(&dir, &["--no-cache", "effective", t, "--format", format]);
            assert_eq!(
                text(&fast.stdout),
                text(&full.stdout),
                "{t} --format {format}"
            );
        }
    }
    let fast = run(&dir, &["effective", "--global", "--format", "json"]);
    let full = run(
        &dir,
        &["--no-cache", "effective", "--global", "--format", "json"],
    );
    assert_eq!(text(&fast.stdout), text(&full.stdout));
}

#[test]
fn any_change_takes_the_full_path() {
    let (_tmp, dir) = aged_copy();
    assert!(run(&dir, &["render"]).status.success());
    // Edit a rule (size changes), then age it so only the content tells.
    let web = dir.join("rules/teams/web.yaml");
    std::fs::write(
        &web,
        std::fs::read_to_string(&web)
            .unwrap()
            .replace("threshold: 97", "threshold: 96"),
    )
    .unwrap();
    age(&web);
    let o = run(&dir, &["-v", "diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // The delta `diff` (a rules file edited) stores nothing: the question after it
    // takes the full path, current.
    assert!(
        text(&o.stderr).contains("rules/teams/web.yaml changed since the last full run"),
        "{}",
        text(&o.stderr)
    );
    let eff = run(&dir, &["-v", "effective", "web-3:9100", "--format", "json"]);
    assert!(
        text(&eff.stderr).contains("answering from a full load"),
        "{}",
        text(&eff.stderr)
    );
    assert!(text(&eff.stdout).contains("> 96"));
    // That full run stored fresh answers: the next question is fast again, and current.
    let eff = run(&dir, &["-v", "effective", "web-3:9100", "--format", "json"]);
    assert!(
        text(&eff.stderr).contains("answered from the cache index"),
        "{}",
        text(&eff.stderr)
    );
    assert!(text(&eff.stdout).contains("> 96"));

    // A changed output directory is not "unchanged" either.
    assert!(run(&dir, &["render"]).status.success());
    let g = dir.join("rendered/global.yml");
    std::fs::write(
        &g,
        std::fs::read_to_string(&g)
            .unwrap()
            .replace("for: 10m", "for: 11m"),
    )
    .unwrap();
    let o = run(&dir, &["diff", "--exit-code"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "hand edits in the output are shown: {}",
        text(&o.stderr)
    );

    // A file just written is not trusted by its stat alone.
    std::fs::write(
        &web,
        std::fs::read_to_string(&web)
            .unwrap()
            .replace("threshold: 96", "threshold: 95"),
    )
    .unwrap();
    let o = run(&dir, &["-v", "effective", "web-3:9100", "--format", "json"]);
    assert!(text(&o.stdout).contains("> 95"), "{}", text(&o.stderr));
}

/// The `meta` keys of the directory's cache, and whether it has any query index table.
fn cache_state(dir: &Path) -> (Vec<String>, bool) {
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let mut st = db.prepare("SELECT key FROM meta ORDER BY key").unwrap();
    let keys = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    let tables: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'idx\\_%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (keys, tables > 0)
}

/// Runs `sql` on the cache behind alertctl's back; the rows it changed.
fn edit_cache(dir: &Path, sql: &str) -> usize {
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    db.execute(sql, []).unwrap()
}

/// A rule in a new file, seen by `list rules` only if the index was rebuilt for it.
fn add_rule(dir: &Path) {
    let extra = dir.join("rules/extra.yaml");
    std::fs::write(
        &extra,
        "- template: HighCPU\n  scope: group/db\n  alert: ExtraCPU\n  params: { threshold: 61 }\n",
    )
    .unwrap();
    age(&extra);
}

fn listed_rules(dir: &Path) -> String {
    let o = run(dir, &["-v", "list", "rules", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

/// `validate` and `check` (what a pre-commit hook runs) never read the query index, so
/// they do not build it: on a fresh directory the cache holds no index at all.
#[test]
fn validate_builds_no_index() {
    let (_tmp, dir) = aged_copy();
    for args in [
        &["validate", "--promtool", "off"][..],
        &["check", "--promtool", "off"],
    ] {
        let o = run(&dir, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        // Its cache is closed at the end (before `cache_state` opens it), though the
        // model is left to the exit.
        let wal = dir.join(".alertctl/cache.sqlite-wal");
        assert!(!wal.exists(), "{args:?}: the WAL was not checkpointed");
        let (meta, tables) = cache_state(&dir);
        assert!(
            !meta.iter().any(|k| k.starts_with("index")),
            "{args:?}: {meta:?}"
        );
        assert!(!tables, "{args:?}: index tables were created");
    }
    // `list` builds it when it needs it.
    assert!(listed_rules(&dir).contains("rules/teams/db.yaml"));
    assert!(cache_state(&dir).0.contains(&"index".to_string()));
}

/// An index built before an edit is never what `list` answers after `validate` (which
/// records the edited files' stats but leaves the index as it was).
#[test]
fn list_after_validate_shows_the_edit() {
    // With an index and stored answers from a full run.
    let (_tmp, dir) = aged_copy();
    assert!(run(&dir, &["render"]).status.success());
    assert!(!listed_rules(&dir).contains("ExtraCPU"));
    add_rule(&dir);
    assert!(run(&dir, &["validate", "--promtool", "off"])
        .status
        .success());
    let listed = listed_rules(&dir);
    assert!(listed.contains("ExtraCPU"), "{listed}");
    assert!(listed.contains("rules/extra.yaml"), "{listed}");
    // And once the edit is rendered, the fast path answers with it.
    assert!(run(&dir, &["render"]).status.success());
    let o = run(&dir, &["-v", "list", "rules", "--format", "json"]);
    assert!(
        text(&o.stderr).contains("answered from the cache index"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(text(&o.stdout), listed);

    // With no run at all before `validate`.
    let (_tmp, dir) = aged_copy();
    assert!(run(&dir, &["validate", "--promtool", "off"])
        .status
        .success());
    add_rule(&dir);
    assert!(run(&dir, &["validate", "--promtool", "off"])
        .status
        .success());
    assert!(listed_rules(&dir).contains("ExtraCPU"));
    // Removed again: the rows of the file go too.
    std::fs::remove_file(dir.join("rules/extra.yaml")).unwrap();
    assert!(run(&dir, &["validate", "--promtool", "off"])
        .status
        .success());
    assert!(!listed_rules(&dir).contains("ExtraCPU"));
}

/// The phases `ALERTCTL_TIMINGS=1` names on stderr, in order, with the total last.
fn timed_phases(dir: &Path, args: &[&str]) -> (std::process::Output, Vec<String>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(dir)
        .args(["--color", "never"])
        .args(args)
        .env("ALERTCTL_TIMINGS", "1")
        .env_remove("ALERTCTL_STORE_ANSWERS")
        .output()
        .expect("alertctl runs");
    let mut phases = Vec::new();
    let mut sum = 0.0;
    for line in text(&out.stderr).lines() {
        let Some(rest) = line.strip_prefix("timing: ") else {
            continue;
        };
        let (ms, phase) = rest
            .trim_start()
            .split_once(" ms  ")
            .expect("`N ms  phase`");
        let ms: f64 = ms.parse().expect("a number of milliseconds");
        if phase == "total" {
            // The phases cover the run: their times add up to the total (to rounding).
            assert!(
                (ms - sum).abs() < 0.1 * phases.len() as f64,
                "{ms} vs {sum}"
            );
        } else {
            sum += ms;
        }
        phases.push(phase.to_string());
    }
    (out, phases)
}

/// `ALERTCTL_TIMINGS=1` says where a run's wall time went, phase by phase, after the
/// command's own output, which is unchanged; without it nothing of the kind is printed.
#[test]
fn timings_name_each_phase_in_order() {
    let (_tmp, dir) = aged_copy();
    let plain = run(&dir, &["diff"]);
    assert!(!text(&plain.stderr).contains("timing:"));
    // Without the files that diff kept, the same diff is the full path again.
    assert_eq!(
        edit_cache(&dir, "DELETE FROM pending"),
        7,
        "every file is new"
    );
    let (timed, phases) = timed_phases(&dir, &["diff"]);
    assert!(timed.stdout == plain.stdout, "stdout differs with timings");
    assert_eq!(timed.status.code(), plain.status.code());
    assert_eq!(
        phases,
        [
            // Tried first, and left: the output directory is empty.
            "fast path: stats and cache",
            "fast path: output hashes",
            "load: settings, walk",
            "load: read and hash files",
            "load: stored models",
            "load: parse, cache update",
            "load: model build",
            "load: dependency keys",
            // What `diff` compares with: the files it holds as stored are not built.
            "output hashes",
            "render",
            // The run above stored answers: the store brings their index up to date.
            "query index",
            "store results",
            "show diagnostics",
            "read the output directory",
            "plan the diff",
            "exit",
            "total",
        ]
    );
    // With them, it loads nothing.
    let (kept, phases) = timed_phases(&dir, &["diff"]);
    assert!(kept.stdout == plain.stdout, "the kept files' diff differs");
    assert_eq!(
        phases,
        [
            "fast path: stats and cache",
            "fast path: output hashes",
            "plan the diff",
            "exit",
            "total"
        ]
    );
    // A no-op answered by the fast path loads nothing.
    assert!(run(&dir, &["render"]).status.success());
    let (noop, phases) = timed_phases(&dir, &["diff", "--exit-code"]);
    assert_eq!(noop.status.code(), Some(0), "{}", text(&noop.stderr));
    assert_eq!(
        phases,
        [
            "fast path: stats and cache",
            "fast path: output hashes",
            "exit",
            "total"
        ]
    );
}

/// A copy of the fixture whose queries get scoped-query warnings, aged.
fn with_warnings() -> (tempfile::TempDir, PathBuf) {
    aged_copy_of("tests/fixtures/warnings/scoped-queries")
}

/// `args` run with `-v` (warm, when the cache answers) and with `--no-cache`: the same
/// stdout, exit code and stderr but for `-v`'s lines. The warm run's stderr.
fn same_as_full(dir: &Path, args: &[&str], what: &str) -> String {
    let mut verbose = vec!["-v"];
    verbose.extend(args);
    let warm = run(dir, &verbose);
    let mut full_args = vec!["--no-cache"];
    full_args.extend(args);
    let full = run(dir, &full_args);
    let warm_err = text(&warm.stderr);
    let quiet: String = warm_err
        .lines()
        .filter(|l| {
            ![
                "loaded ",
                "render: ",
                "output: ",
                "cache index: ",
                "cache index missing or stale ",
                "nothing changed ",
                "diff: ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(quiet, text(&full.stderr), "{what}: {args:?}");
    assert_eq!(text(&warm.stdout), text(&full.stdout), "{what}: {args:?}");
    assert_eq!(warm.status.code(), full.status.code(), "{what}: {args:?}");
    warm_err
}

/// Accepts warning `code` for the whole directory (`validate.ignore`), then stores a
/// full run.
fn accept_and_render(dir: &Path, code: &str) {
    let toml = dir.join("alertctl.toml");
    let settings = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{settings}\n[validate]\nignore = [\"{code}\"]\n"),
    )
    .unwrap();
    age(&toml);
    assert!(run(dir, &["render"]).status.success());
}

/// A second run shows the first one's warnings: the fast path of `diff` and `render`
/// prints what the full path prints, byte for byte, `validate.ignore` included. A stored
/// warnings row that does not authenticate sends the run to the full path, which shows
/// them all the same.
#[test]
fn the_fast_path_shows_the_full_runs_warnings() {
    let (_tmp, dir) = with_warnings();
    let same_as_full = |args: &[&str], what: &str| same_as_full(&dir, args, what);
    assert!(run(&dir, &["render"]).status.success());
    for args in [&["diff"][..], &["render"]] {
        let err = same_as_full(args, "fast path");
        assert!(
            err.contains("nothing changed since the last full run"),
            "{err}"
        );
        assert!(err.contains("alertctl::scoped-drops-group"), "{err}");
    }

    // Accepted warnings are not shown, by either path.
    accept_and_render(&dir, "scoped-drops-group");
    let err = same_as_full(&["diff"], "validate.ignore");
    assert!(
        err.contains("nothing changed since the last full run"),
        "{err}"
    );
    assert!(!err.contains("scoped-drops-group"), "{err}");

    // A warnings row edited in the cache is not shown: the full path answers.
    let changed = edit_cache(
        &dir,
        "UPDATE warnings SET diags = substr(diags, 1, length(diags) - 1)",
    );
    assert_eq!(changed, 1);
    let err = same_as_full(&["diff"], "tampered warnings");
    assert!(
        !err.contains("nothing changed since the last full run"),
        "{err}"
    );
    // That full run wrote the row again: the next one is fast again.
    let err = same_as_full(&["diff"], "warnings written again");
    assert!(
        err.contains("nothing changed since the last full run"),
        "{err}"
    );
}

/// `effective` and `trace` render nothing: their full path shows the load's warnings
/// (not the render's lints), and so does their fast path, from the stored run. A load
/// warnings row that does not authenticate sends them to the full path.
#[test]
fn the_fast_path_of_questions_shows_the_loads_warnings() {
    let (_tmp, dir) = with_warnings();
    let global = dir.join("rules/global.yaml");
    let text_before = std::fs::read_to_string(&global).unwrap();
    std::fs::write(
        &global,
        format!(
            "{text_before}\n- template: \"Nothing*\"\n  scope: global\n\
             - template: \"Nope*\"\n  scope: global\n  ignore: [empty-selection]\n\
             - template: HighCPU\n  alert: \"Ugly, name\"\n  scope: group/web\n"
        ),
    )
    .unwrap();
    age(&global);
    assert!(run(&dir, &["render"]).status.success());
    let questions: [&[&str]; 6] = [
        &["effective", "--global"],
        &["effective", "--namespace", "prod", "--format", "json"],
        &["effective", "--group", "web", "--format", "yaml"],
        &["effective", "web-1:9100"],
        &["trace", "web-1:9100"],
        &["trace", "db-1:9100", "--format", "yaml"],
    ];
    for args in questions {
        let err = same_as_full(&dir, args, "fast path");
        assert!(
            err.contains("nothing changed since the last full run"),
            "{args:?}: {err}"
        );
        assert!(err.contains("alertctl::empty-selection"), "{args:?}: {err}");
        assert!(err.contains("alertctl::awkward-name"), "{args:?}: {err}");
        // Accepted by the rule itself.
        assert!(!err.contains("Nope*"), "{args:?}: {err}");
        // The render's lint is `diff`'s to show, not theirs.
        assert!(!err.contains("scoped-drops-group"), "{args:?}: {err}");
    }
    for args in [
        &["trace", "web-1:9100", "HighCPU"][..],
        &["trace", "web-1:9100", "--all", "--format", "json"],
    ] {
        same_as_full(&dir, args, "fast or full path");
    }
    let err = same_as_full(&dir, &["diff"], "diff shows both");
    assert!(
        err.contains("nothing changed since the last full run"),
        "{err}"
    );
    assert!(err.contains("alertctl::empty-selection"), "{err}");
    assert!(err.contains("alertctl::scoped-drops-group"), "{err}");

    // A load warning accepted for the whole directory is not shown, by either path.
    accept_and_render(&dir, "empty-selection");
    let err = same_as_full(&dir, &["effective", "--global"], "validate.ignore");
    assert!(
        err.contains("nothing changed since the last full run"),
        "{err}"
    );
    assert!(!err.contains("empty-selection"), "{err}");
    assert!(err.contains("alertctl::awkward-name"), "{err}");

    assert_eq!(
        edit_cache(&dir, "UPDATE warnings SET load_diags = X'00'"),
        1
    );
    let err = same_as_full(&dir, &["trace", "web-1:9100"], "tampered load warnings");
    assert!(
        !err.contains("nothing changed since the last full run"),
        "{err}"
    );
    assert!(err.contains("alertctl::awkward-name"), "{err}");
}

/// What the settings' paths point at is not in any hashed file: with `output.dir`
/// turned into a link to the rules directory after a full run, the questions stop
/// with the full path's error instead of answering from the cache.
#[test]
fn a_bad_output_dir_after_a_full_run_takes_the_full_path() {
    let (_tmp, dir) = aged_copy();
    assert!(run(&dir, &["render"]).status.success());
    let out = dir.join("rendered");
    std::fs::remove_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(".", &out).unwrap();
    for args in [
        &["effective", "--global"][..],
        &["trace", "web-1:9100"],
        &["list", "templates"],
        &["diff"],
    ] {
        let err = same_as_full(&dir, args, "output.dir is the rules directory");
        assert!(
            !err.contains("nothing changed since the last full run"),
            "{args:?}: {err}"
        );
    }
    let full = run(&dir, &["effective", "--global"]);
    assert_eq!(full.status.code(), Some(2), "{}", text(&full.stderr));
    assert!(
        text(&full.stderr).contains("output.dir"),
        "{}",
        text(&full.stderr)
    );
}

/// A rules file that is a link (inside the rules directory, as the load allows) and
/// holds warnings: the fast path reads it as the load does.
#[test]
fn a_linked_file_with_warnings_keeps_the_fast_path() {
    let (_tmp, dir) = with_warnings();
    std::fs::create_dir(dir.join("shared")).unwrap();
    std::fs::rename(dir.join("rules/web.yaml"), dir.join("shared/web.yaml")).unwrap();
    std::os::unix::fs::symlink("../shared/web.yaml", dir.join("rules/web.yaml")).unwrap();
    assert!(run(&dir, &["render"]).status.success());
    let warm = run(&dir, &["-v", "diff"]);
    let full = run(&dir, &["--no-cache", "diff"]);
    let err = text(&warm.stderr);
    assert!(
        err.contains("nothing changed since the last full run"),
        "{err}"
    );
    assert!(err.contains("rules/web.yaml"), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| !l.starts_with("loaded "))
            .collect::<Vec<_>>(),
        text(&full.stderr).lines().collect::<Vec<_>>()
    );
}

/// As users run it: a new cache's `render` leaves the answers of `effective` and `trace`
/// (and their index) to the first question, which answers from a full load, the same
/// bytes, then stores every answer. The next questions are answered from the cache, and
/// after an edit a full run keeps the answers up to date incrementally.
#[test]
fn a_first_render_leaves_the_answers_to_the_first_question() {
    let (_tmp, dir) = aged_copy();
    let run = |args: &[&str]| support::alertctl_deferring(&dir, args);
    let full = |args: &[&str]| {
        let o = run(&[&["--no-cache"], args].concat());
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let r = run(&["-v", "render"]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert!(
        text(&r.stderr).contains("answers of effective and trace left to the first question"),
        "{}",
        text(&r.stderr)
    );
    let (meta, indexed) = cache_state(&dir);
    assert!(!indexed, "no query index: {meta:?}");
    // The no-op render's count does not come from the (absent) answers.
    let again = run(&["render"]);
    assert!(text(&again.stderr).contains(" 0 added, 0 modified, 0 removed"));
    assert!(
        !text(&again.stderr).contains("rendered 0 rules"),
        "{}",
        text(&again.stderr)
    );
    // Edits while the answers are left: the keys stay current, the answers still left.
    edit_extra(&dir, 61);
    let d = run(&["-v", "diff"]);
    assert!(
        text(&d.stderr).contains("left to the first question"),
        "{}",
        text(&d.stderr)
    );
    edit_extra(&dir, 62);
    assert!(run(&["render"]).status.success());

    let q: &[&str] = &["effective", "--global", "--format", "json"];
    let first = run(&[&["-v"], q].concat());
    let said = text(&first.stderr);
    assert!(said.contains("answering from a full load"), "{said}");
    assert!(said.contains("stored for the next question"), "{said}");
    assert_eq!(text(&first.stdout), full(q));
    for q in [q, &["trace", "web-1:9100"], &["effective", "--group", "db"]] {
        let o = run(&[&["-v"], q].concat());
        assert!(
            text(&o.stderr).contains("answered from the cache index"),
            "{q:?}: {}",
            text(&o.stderr)
        );
        assert_eq!(text(&o.stdout), full(q), "{q:?}");
    }

    // An edit once they are stored: kept up to date by a full load's `diff` (the delta
    // path stores nothing), one alert recomputed.
    edit_extra(&dir, 63);
    let d = support::alertctl_deferring_without_delta(&dir, &["-v", "diff"]);
    let said = text(&d.stderr);
    assert!(
        said.contains("cache index: 1 of 9 alerts recomputed"),
        "{said}"
    );
    let o = run(&["-v", "effective", "--group", "db"]);
    assert!(text(&o.stderr).contains("answered from the cache index"));
    assert!(
        text(&o.stdout).contains("threshold=63"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(text(&o.stdout), full(&["effective", "--group", "db"]));
    // `list` after a new cache's render stores them too, and is answered from them.
    let _ = std::fs::remove_dir_all(dir.join(".alertctl"));
    assert!(run(&["render"]).status.success());
    let l = run(&["-v", "list", "rules"]);
    let said = text(&l.stderr);
    assert!(said.contains("stored for the next question"), "{said}");
    let l2 = run(&["-v", "list", "rules"]);
    assert!(text(&l2.stderr).contains("answered from the cache index"));
    assert_eq!(text(&l2.stdout), text(&l.stdout));
    assert_eq!(text(&l2.stdout), full(&["list", "rules"]));
}

/// A `diff` after an edit builds only the files the edit touches, so where the answers
/// were left it cannot store them (the alerts it did not render would have no rows),
/// even when told to store them: they stay left, and the first question still answers
/// from a full load, the same bytes as `--no-cache`, for every alert.
#[test]
fn a_partial_render_leaves_the_answers_it_cannot_store_whole() {
    let (_tmp, dir) = aged_copy();
    assert!(support::alertctl_deferring(&dir, &["render"])
        .status
        .success());
    edit_extra(&dir, 64);
    // `support::alertctl` sets ALERTCTL_STORE_ANSWERS=always.
    let d = support::alertctl(&dir, &["-v", "diff"]);
    let said = text(&d.stderr);
    assert!(d.status.success(), "{said}");
    assert!(said.contains("files not built"), "a partial render: {said}");
    assert!(said.contains("left to the first question"), "{said}");
    let q: &[&str] = &["effective", "--group", "db"];
    let first = support::alertctl_deferring(&dir, &[&["-v"], q].concat());
    let said = text(&first.stderr);
    assert!(said.contains("answering from a full load"), "{said}");
    let full = support::alertctl_deferring(&dir, &[&["--no-cache"], q].concat());
    assert!(
        text(&first.stdout).contains("threshold=64"),
        "{}",
        text(&first.stdout)
    );
    assert_eq!(text(&first.stdout), text(&full.stdout));
}

/// A cache another build of alertctl wrote (an upgrade, or a rebuild of the same
/// version) is never served from: the next run starts a new one, and its answers are
/// this build's once a full run and a question have stored them. (Another build is
/// played by naming another build in the cache's format, with its answers reworded.)
#[test]
fn a_cache_another_build_wrote_is_started_anew() {
    let (_tmp, dir) = aged_copy();
    let run = |args: &[&str]| support::alertctl(&dir, args);
    assert!(run(&["render"]).status.success());
    let q: &[&str] = &["effective", "--group", "db", "--format", "json"];
    let full = text(&run(&[&["--no-cache"], q].concat()).stdout);
    assert!(full.contains("threshold"), "{full}");
    let warm = run(&[&["-v"], q].concat());
    assert!(text(&warm.stderr).contains("answered from the cache index"));
    assert_eq!(text(&warm.stdout), full);
    // The format names this build (build.rs sets ALERTCTL_BUILD_ID for the tests too).
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let format: String = db
        .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .unwrap();
    drop(db);
    let ours = format!(":build {}", env!("ALERTCTL_BUILD_ID"));
    assert!(format.ends_with(&ours), "{format}");
    let renamed = edit_cache(
        &dir,
        &format!(
            "UPDATE meta SET value = '{}:build another' WHERE key = 'format'",
            format.strip_suffix(&ours).unwrap()
        ),
    );
    assert_eq!(renamed, 1);
    assert!(
        edit_cache(
            &dir,
            "UPDATE cells SET json = replace(json, 'threshold', 'limit')"
        ) > 0
    );
    let first = run(&[&["-v"], q].concat());
    let said = text(&first.stderr);
    assert!(said.contains("cache rebuilt: format"), "{said}");
    assert_eq!(text(&first.stdout), full);
    assert!(run(&["render"]).status.success());
    let stored = run(&[&["-v"], q].concat());
    assert_eq!(text(&stored.stdout), full);
    let next = run(&[&["-v"], q].concat());
    assert!(
        text(&next.stderr).contains("answered from the cache index"),
        "{}",
        text(&next.stderr)
    );
    assert_eq!(text(&next.stdout), full);
}

/// `rules/extra.yaml` (added by [`add_rule`]) with another threshold, aged.
fn edit_extra(dir: &Path, threshold: u32) {
    add_rule(dir);
    let extra = dir.join("rules/extra.yaml");
    let text = std::fs::read_to_string(&extra).unwrap();
    let edited = text.replace("threshold: 61", &format!("threshold: {threshold}"));
    std::fs::write(&extra, edited).unwrap();
    age(&extra);
}

/// After an edit, the load that follows a declined fast path takes what it saw: its
/// walk, and the recorded hash of each file whose stat is unchanged. The edited file
/// alone is hashed and parsed again, and the load's fingerprint (every file's path and
/// hash) is the one a load without the cache computes.
#[test]
fn the_load_after_an_edit_hashes_again_only_what_changed() {
    use alertctl::source::project;
    let (_tmp, dir) = aged_copy();
    assert!(run(&dir, &["render"]).status.success());
    let web = dir.join("rules/teams/web.yaml");
    edit_aged(&web, "threshold: 97", "threshold: 96");
    let Err(Some(seen)) = project::look(&dir) else {
        panic!("the fast path sees the edit and hands over its walk");
    };
    let (warm, _) = project::load_to_diff(&dir, true, None, Some(seen)).unwrap();
    let (full, _) = project::load(&dir, false).unwrap();
    assert_eq!(warm.fingerprint, full.fingerprint);
    assert_eq!((warm.stats.parsed, warm.stats.files), (1, full.stats.files));
    assert_eq!(
        (warm.stats.hashed, full.stats.hashed),
        (1, full.stats.files)
    );
    assert!(
        project::look(&dir).is_ok(),
        "the load recorded the new stats"
    );

    // A file written after the fast path looked, before the load reads it: its stat
    // is no longer the one the walk found, so it is hashed, not taken as recorded.
    edit_aged(&web, "threshold: 96", "threshold: 95");
    let Err(Some(seen)) = project::look(&dir) else {
        panic!("the fast path sees the edit");
    };
    let db = dir.join("rules/teams/db.yaml");
    let db_text = std::fs::read_to_string(&db).unwrap();
    std::fs::write(&db, format!("{db_text}\n# written meanwhile\n")).unwrap();
    age(&db);
    let (warm, _) = project::load_to_diff(&dir, true, None, Some(seen)).unwrap();
    let (full, _) = project::load(&dir, false).unwrap();
    assert_eq!(warm.fingerprint, full.fingerprint);
    assert_eq!(warm.stats.hashed, 2);
}

/// A file whose stat changed but whose content did not (touched, written again with the
/// same text, or edited just before the last run recorded it) is compared by content:
/// the fast path still answers, as the full path would.
#[test]
fn a_file_written_again_unchanged_keeps_the_fast_path() {
    let (_tmp, dir) = aged_copy();
    assert!(run(&dir, &["render"]).status.success());
    let web = dir.join("rules/teams/web.yaml");
    // Written again just now: a new stat, and one too recent to vouch for the file.
    std::fs::write(&web, std::fs::read_to_string(&web).unwrap()).unwrap();
    let o = run(&dir, &["-v", "effective", "web-3:9100", "--format", "json"]);
    assert!(
        text(&o.stderr).contains("answered from the cache index"),
        "{}",
        text(&o.stderr)
    );
    let full = run(
        &dir,
        &["--no-cache", "effective", "web-3:9100", "--format", "json"],
    );
    assert_eq!(text(&o.stdout), text(&full.stdout));
    assert_noop_diff(&dir);
}

/// `diff` finds nothing to do, from the cache alone.
fn assert_noop_diff(dir: &Path) {
    let o = run(dir, &["-v", "diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("nothing changed since the last full run"),
        "{err}"
    );
}

/// A `diff` run again before anything changes shows the files the first one built and
/// did not write from the cache, without a load: what the full path shows, warnings
/// included. Kept files that do not authenticate, or an output directory edited since,
/// send it to the full path.
#[test]
fn a_diff_run_again_shows_the_files_it_kept() {
    const KEPT: &str = "shown as the diff that built them kept them";
    let (_tmp, dir) = with_warnings();
    assert!(run(&dir, &["render"]).status.success());
    edit_aged(
        &dir.join("rules/web.yaml"),
        "threshold: 90",
        "threshold: 91",
    );
    // The full load's `diff` keeps its files (the delta path, which a rules file's edit
    // takes, keeps none: run again, it is as quick).
    let first = support::alertctl_without_delta(&dir, &["-v", "diff"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        !text(&first.stderr).contains(KEPT),
        "{}",
        text(&first.stderr)
    );
    for args in [&["diff"][..], &["diff", "--stat", "--exit-code"]] {
        let again = same_as_full(&dir, args, "a diff run again");
        assert!(again.contains("1 of its files"), "{again}");
        assert!(again.contains(KEPT), "{again}");
    }
    let shown = run(&dir, &["diff"]);
    assert!(
        text(&shown.stdout).contains("> 91"),
        "{}",
        text(&shown.stdout)
    );
    assert!(
        text(&shown.stderr).contains("scoped"),
        "the warnings are shown again"
    );

    // A kept file that does not authenticate, or is not the stored run's, is not shown.
    let mac = format!("UPDATE pending SET mac = '{}'", "0".repeat(64));
    assert_eq!(edit_cache(&dir, &mac), 1);
    let forged = same_as_full(&dir, &["diff"], "a kept file's MAC forged");
    assert!(!forged.contains(KEPT), "{forged}");
    let content = "UPDATE pending SET content = content || '#'";
    assert_eq!(edit_cache(&dir, content), 1);
    let forged = same_as_full(&dir, &["diff"], "a kept file's content forged");
    assert!(!forged.contains(KEPT), "{forged}");
    // That full run kept the file again; a hand edit in the output directory since is
    // shown by the full path.
    let global = dir.join("rendered/global.yml");
    let content = std::fs::read_to_string(&global).unwrap();
    std::fs::write(&global, content.replacen("> 80", "> 81", 1)).unwrap();
    let edited = same_as_full(&dir, &["diff"], "an output file edited by hand");
    assert!(!edited.contains(KEPT), "{edited}");
    assert!(run(&dir, &["render"]).status.success());
    let o = run(&dir, &["diff", "--exit-code"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// A `render` after a `diff`, before anything changes, writes the files the diff kept,
/// without a load: the same output, exit code and files as the full path on a twin of
/// the directory. Then nothing is left to do.
#[test]
fn a_render_after_a_diff_writes_the_files_it_kept() {
    let twins: Vec<(tempfile::TempDir, PathBuf)> = (0..2).map(|_| with_warnings()).collect();
    for (_, dir) in &twins {
        assert!(run(dir, &["render"]).status.success());
        edit_aged(
            &dir.join("rules/web.yaml"),
            "threshold: 90",
            "threshold: 91",
        );
        // The full load's `diff`, which keeps its files (the delta path keeps none).
        assert!(support::alertctl_without_delta(dir, &["diff"])
            .status
            .success());
        // A file an earlier render made, which this one no longer makes: removed.
        let stale = std::fs::read_to_string(dir.join("rendered/global.yml")).unwrap();
        std::fs::write(dir.join("rendered/group_gone.yml"), stale).unwrap();
    }
    let (kept, full) = (&twins[0].1, &twins[1].1);
    let written = run(kept, &["-v", "render"]);
    let err = text(&written.stderr);
    assert!(
        err.contains("written as the diff that built them kept them"),
        "{err}"
    );
    let reference = run(full, &["--no-cache", "render"]);
    assert_eq!(written.status.code(), reference.status.code());
    assert_eq!(text(&written.stdout), text(&reference.stdout));
    let quiet: String = err
        .lines()
        .filter(|l| !l.starts_with("render: the sources") && !l.starts_with("loaded "))
        .map(|l| format!("{l}\n"))
        .collect();
    let full_err =
        text(&reference.stderr).replace(&full.display().to_string(), &kept.display().to_string());
    assert_eq!(quiet, full_err);
    assert!(full_err.contains("1 modified, 1 removed"), "{full_err}");
    let files = |d: &Path| -> Vec<(String, String)> {
        let mut v: Vec<_> = std::fs::read_dir(d.join("rendered"))
            .unwrap()
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(files(kept), files(full));
    assert_eq!(files(kept).len(), 2, "{:?}", files(kept));
    assert_noop_diff(kept);
}
