//! promtool's verdicts remembered in the cache: the real promtool, run on the scaffolded
//! rules directory. A second validate checks nothing again, an edit re-checks exactly the
//! rendered files it changed, another promtool version (or check arguments) starts over,
//! a rejected file is never remembered as good, and a cache that is not this user's own
//! (planted in the rules directory, e.g. by a pull request) is not trusted.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::output_text as text;

/// `alertctl -v ARGS` with its per-user key in `state` and `promtool` as the promtool.
fn run(dir: &Path, state: &Path, promtool: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alertctl"))
        .arg("-C")
        .arg(dir)
        .args(["--color", "never", "-v"])
        .args(args)
        .env("ALERTCTL_STATE_DIR", state)
        .env("ALERTCTL_PROMTOOL", promtool)
        .output()
        .expect("alertctl runs")
}

/// `validate --promtool required --format json`, after the global options `extra`.
fn validate(dir: &Path, state: &Path, promtool: &Path, extra: &[&str]) -> Output {
    let mut args = extra.to_vec();
    args.extend(["validate", "--promtool", "required", "--format", "json"]);
    run(dir, state, promtool, &args)
}

/// A scaffolded rules directory, its key's state directory and the real promtool, after
/// a first validate that checked both rendered files.
fn validated_once() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, state) = (rules_dir(tmp.path()), tmp.path().join("state"));
    let promtool = support::tool("promtool");
    let o = validate(&dir, &state, &promtool, &[]);
    assert_eq!(counts(&o), (true, 2, 0), "{}", text(&o));
    (tmp, dir, state, promtool)
}

/// (valid, files promtool checked, files known good) from validate's JSON.
fn counts(o: &Output) -> (bool, u64, u64) {
    let doc: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)));
    let files = &doc["promtool_files"];
    (
        doc["valid"].as_bool().unwrap(),
        files["checked"]
            .as_u64()
            .unwrap_or_else(|| panic!("no promtool_files: {}", text(o))),
        files["known_good"].as_u64().unwrap(),
    )
}

/// A shell script standing in for promtool: `--version` prints `version`, every other
/// call is `body`. Used only where a second promtool build or a lying one is the point
/// (no second release is installed here); the check itself stays the real promtool's
/// unless `body` says otherwise.
fn script(dir: &Path, name: &str, version: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!("#!/bin/sh\nif [ \"$1\" = --version ]; then {version}; exit 0; fi\n{body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn rules_dir(tmp: &Path) -> PathBuf {
    let dir = tmp.join("rules");
    support::init_rules_dir(&dir);
    dir
}

/// Adds a template used only in group/web whose annotation promtool rejects and
/// alertctl's own checks accept: group_web.yml fails, global.yml still passes.
fn break_web(dir: &Path, func: &str) {
    support::write_file(
        dir,
        "templates/node/web-bad.yaml",
        &format!("template: WebBad\nseverity: warning\nexpr: up == 0\nannotations:\n  summary: \"{{{{ $value | {func} }}}}\"\n"),
    );
    let web = dir.join("rules/teams/web.yaml");
    let mut s = std::fs::read_to_string(&web).unwrap();
    if !s.contains("WebBad") {
        s.push_str("\n- template: WebBad\n  scope: group/web\n");
        std::fs::write(&web, s).unwrap();
    }
}

#[test]
fn promtool_runs_only_on_rendered_files_it_has_not_passed() {
    let (tmp, dir, state, promtool) = validated_once();
    let o = validate(&dir, &state, &promtool, &[]);
    assert_eq!(counts(&o), (true, 0, 2), "{}", text(&o));
    let human = run(
        &dir,
        &state,
        &promtool,
        &["validate", "--promtool", "required"],
    );
    assert!(
        text(&human).contains("(promtool: ok)\npromtool: checked 0 of 2 rendered files (2 passed by this promtool before, not checked again)"),
        "{}",
        text(&human)
    );

    // One threshold in the web group's rule: only group_web.yml changes.
    support::set_web_threshold(&dir, "91");
    let o = validate(&dir, &state, &promtool, &[]);
    assert_eq!(counts(&o), (true, 1, 1), "{}", text(&o));
    // apply goes through the same verdicts.
    let apply = run(
        &dir,
        &state,
        &promtool,
        &["apply", "--dry-run", "--promtool", "required"],
    );
    assert!(apply.status.success(), "{}", text(&apply));
    assert!(
        text(&apply)
            .contains("validated: 3 rules (promtool: ok)\npromtool: checked 0 of 2 rendered files"),
        "{}",
        text(&apply)
    );
    // Back to the old content: promtool passed exactly those bytes already.
    support::set_web_threshold(&dir, "90");
    assert_eq!(
        counts(&validate(&dir, &state, &promtool, &[])),
        (true, 0, 2)
    );

    // --no-cache remembers nothing and trusts nothing.
    assert_eq!(
        counts(&validate(&dir, &state, &promtool, &["--no-cache"])),
        (true, 2, 0)
    );

    // Another promtool build (same checks, another version line) checks everything again;
    // the first one's verdicts are still there when it comes back.
    let real = promtool.display().to_string();
    let other = script(
        tmp.path(),
        "promtool-next",
        "echo 'promtool, version 2.99.0 (branch: test, revision: other)'",
        &format!("exec '{real}' \"$@\""),
    );
    assert_eq!(counts(&validate(&dir, &state, &other, &[])), (true, 2, 0));
    assert_eq!(counts(&validate(&dir, &state, &other, &[])), (true, 0, 2));
    assert_eq!(
        counts(&validate(&dir, &state, &promtool, &[])),
        (true, 0, 2)
    );
}

/// After a stored run (`render`), `validate` builds only the files whose key changed;
/// the others are known by the content hash the stored run built them with, which this
/// promtool must have passed. Its report is the full render's (`--no-cache`, whose
/// promtool checks every file again), and promtool's findings in a changed file come
/// through.
#[test]
fn validate_after_a_stored_run_builds_only_the_files_an_edit_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, state) = (rules_dir(tmp.path()), tmp.path().join("state"));
    let promtool = support::tool("promtool");
    let human = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["validate", "--promtool", "required"]);
        run(&dir, &state, &promtool, &args)
    };
    assert!(run(&dir, &state, &promtool, &["render"]).status.success());
    // No verdict for the stored files yet: everything is built and checked.
    let o = validate(&dir, &state, &promtool, &[]);
    assert_eq!(counts(&o), (true, 2, 0), "{}", text(&o));
    let o = human(&[]);
    assert!(
        text(&o).contains("render: 0 of 2 files built (the others are as the last stored run built them)\npromtool: checked 0 of 2"),
        "{}",
        text(&o)
    );
    // One file built and checked, the other kept.
    let one_of_two = |o: &Output| {
        assert!(
            text(o).contains("render: 1 of 2 files built")
                && text(o).contains("promtool: checked 1 of 2"),
            "{}",
            text(o)
        );
    };
    support::set_web_threshold(&dir, "91");
    let o = human(&[]);
    one_of_two(&o);
    // A file a stored run built but this promtool never passed is built and checked,
    // the others still kept.
    support::set_web_threshold(&dir, "92");
    assert!(run(&dir, &state, &promtool, &["render"]).status.success());
    let o = human(&[]);
    one_of_two(&o);
    let full = human(&["--no-cache"]);
    let report = |o: &Output| -> Vec<String> {
        text(o)
            .lines()
            .filter(|l| {
                !l.starts_with("loaded ")
                    && !l.starts_with("render: ")
                    && !l.starts_with("promtool: ")
            })
            .map(String::from)
            .collect()
    };
    assert_eq!(report(&o), report(&full));
    assert_eq!(o.status.code(), full.status.code());

    break_web(&dir, "nosuchfunc");
    let o = validate(&dir, &state, &promtool, &[]);
    assert_eq!(counts(&o), (false, 1, 1), "{}", text(&o));
    assert!(
        text(&o).contains("function \\\"nosuchfunc\\\" not defined"),
        "promtool's finding is reported\n{}",
        text(&o)
    );
    let full = validate(&dir, &state, &promtool, &["--no-cache"]);
    let diagnostics = |o: &Output| {
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (
            doc["diagnostics"].clone(),
            doc["stats"].clone(),
            doc["valid"].clone(),
        )
    };
    assert_eq!(diagnostics(&o), diagnostics(&full));
}

#[test]
fn a_rejected_file_is_checked_again_every_time() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, state) = (rules_dir(tmp.path()), tmp.path().join("state"));
    let promtool = support::tool("promtool");
    break_web(&dir, "nosuchfunc");
    for round in 0..2 {
        let o = validate(&dir, &state, &promtool, &[]);
        // global.yml passed in the failed run and is remembered; group_web.yml is not.
        let want = if round == 0 {
            (false, 2, 0)
        } else {
            (false, 1, 1)
        };
        assert_eq!(counts(&o), want, "round {round}\n{}", text(&o));
        assert!(
            text(&o).contains("function \\\"nosuchfunc\\\" not defined"),
            "round {round}: promtool's finding is reported\n{}",
            text(&o)
        );
    }
    break_web(&dir, "humanize");
    assert_eq!(
        counts(&validate(&dir, &state, &promtool, &[])),
        (true, 1, 1)
    );
    assert_eq!(
        counts(&validate(&dir, &state, &promtool, &[])),
        (true, 0, 2)
    );
}

/// The hostile case: a cache made with another user's key, holding a pass for content
/// promtool rejects (made here with a promtool that passes everything and prints the real
/// one's version, as a crafted cache would claim), is committed into the rules directory.
/// The victim's validate must not trust it; its maker's own key would have.
#[test]
fn a_planted_cache_is_not_trusted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = rules_dir(tmp.path());
    let (attacker, victim) = (tmp.path().join("attacker"), tmp.path().join("victim"));
    let promtool = support::tool("promtool");
    break_web(&dir, "nosuchfunc");
    let liar = script(
        tmp.path(),
        "promtool-liar",
        &format!("exec '{}' --version", promtool.display()),
        "for f in \"$@\"; do case \"$f\" in *.yml) printf 'Checking %s\\n  SUCCESS: 1 rules found\\n\\n' \"$f\";; esac; done; exit 0",
    );
    let o = validate(&dir, &attacker, &liar, &[]);
    assert_eq!(counts(&o), (true, 2, 0), "the liar passes it\n{}", text(&o));

    // With the key that made it, the planted pass would be believed...
    let cache = dir.join(".alertctl/cache.sqlite");
    let planted = std::fs::read(&cache).unwrap();
    let o = validate(&dir, &attacker, &promtool, &[]);
    assert_eq!(counts(&o), (true, 0, 2), "{}", text(&o));

    // ...by anyone else it is thrown away, and the real promtool gets every file.
    std::fs::write(&cache, &planted).unwrap();
    let o = validate(&dir, &victim, &promtool, &[]);
    assert_eq!(counts(&o), (false, 2, 0), "{}", text(&o));
    assert!(
        text(&o).contains("cache rebuilt: not made by this user's alertctl"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("6 parsed, 0 reused"), "{}", text(&o));
}

/// A pass forged into the user's own cache (a row whose MAC is another row's) is not a
/// pass: the file is checked, and rejected.
#[test]
fn a_forged_verdict_row_is_not_trusted() {
    let (tmp, dir, state, promtool) = validated_once();

    break_web(&dir, "nosuchfunc");
    let out = tmp.path().join("out");
    let r = support::alertctl(
        &dir,
        &["--no-cache", "render", "--out", out.to_str().unwrap()],
    );
    assert!(r.status.success(), "{}", text(&r));
    let bad = std::fs::read(out.join("group_web.yml")).unwrap();
    let bad_hash = blake3::hash(&bad).to_hex().to_string();

    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let (identity, mac): (String, String) = db
        .query_row("SELECT promtool, mac FROM promtool_ok LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    db.execute(
        "INSERT INTO promtool_ok VALUES (?1, ?2, 0, ?3)",
        [&bad_hash, &identity, &mac],
    )
    .unwrap();
    drop(db);

    let o = validate(&dir, &state, &promtool, &[]);
    assert_eq!(counts(&o), (false, 1, 1), "{}", text(&o));
    assert!(text(&o).contains("nosuchfunc"), "{}", text(&o));
}

/// The parsed model of a good file, re-keyed in the user's own cache to the content hash
/// of a broken version of it (the MAC left as it was): the broken file is parsed, not
/// answered from the cache, and its error is reported.
#[test]
fn a_re_keyed_model_row_is_not_trusted() {
    let (_tmp, dir, state, promtool) = validated_once();

    let web = dir.join("rules/teams/web.yaml");
    let broken = std::fs::read_to_string(&web)
        .unwrap()
        .replace("scope: group/web", "scope: host/web");
    std::fs::write(&web, &broken).unwrap();
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let n = db
        .execute(
            "UPDATE files SET hash = ?1 WHERE path = 'rules/teams/web.yaml'",
            [blake3::hash(broken.as_bytes()).to_hex().as_str()],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(db);

    let o = validate(&dir, &state, &promtool, &[]);
    assert!(text(&o).contains("1 parsed, 4 reused"), "{}", text(&o));
    assert!(
        text(&o).contains("unknown scope kind `host`"),
        "{}",
        text(&o)
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// `-v` says why promtool checked every file when the verdicts could not be used: no
/// cache, or a verdict table that cannot be read (which is only a speed-up: the run
/// still checks and passes).
#[test]
fn verbose_says_why_earlier_verdicts_were_not_used() {
    let (_tmp, dir, state, promtool) = validated_once();
    let human = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["validate", "--promtool", "required"]);
        let o = run(&dir, &state, &promtool, &args);
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let warm = human(&[]);
    assert!(
        warm.contains(
            "checked 0 of 2 rendered files (2 passed by this promtool before, not checked again)\n"
        ),
        "{warm}"
    );
    let cold = human(&["--no-cache"]);
    assert!(
        cold.contains("checked 2 of 2 rendered files (0 passed by this promtool before, not checked again; no cache, so no earlier verdicts)"),
        "{cold}"
    );
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    db.execute_batch("ALTER TABLE promtool_ok RENAME COLUMN mac TO mac_renamed")
        .unwrap();
    drop(db);
    let unread = human(&[]);
    assert!(
        unread.contains("checked 2 of 2 rendered files (0 passed by this promtool before, not checked again; reading earlier verdicts from the cache failed)"),
        "{unread}"
    );
    // The reason is for people: the JSON document keeps its two counts.
    let doc: serde_json::Value =
        serde_json::from_slice(&validate(&dir, &state, &promtool, &[]).stdout).unwrap();
    let keys: Vec<&String> = doc["promtool_files"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["checked", "known_good"]);
}
