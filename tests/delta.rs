//! The delta `diff` ([`alertctl::source::delta`]): after an edit of a rules file, a
//! model of the alerts the edit touches shows what the full path shows, or declines
//! (saying why with `-v`) and the full path runs. Every case compares with
//! `--no-cache`: stdout, exit code, and stderr but for `-v`'s lines.

mod support;

use std::path::{Path, PathBuf};

const TAKEN: &str = "changed since the last full run";

/// A copy of the fixture with warnings (every alert has a lint), rendered once.
fn rendered_copy(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("estate");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
    support::copy_dir(&src, &dir);
    let r = support::alertctl(&dir, &["render"]);
    assert!(r.status.success(), "{}", support::output_text(&r));
    (tmp, dir)
}

fn warnings_fixture() -> (tempfile::TempDir, PathBuf) {
    rendered_copy("tests/fixtures/warnings/scoped-queries")
}

use support::hand_edit as edit;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `args` with `-v` and with `--no-cache`: the same stdout, exit code and stderr but
/// for the `-v` lines. The `-v` run's `diff:` line (what the delta path did).
fn same_as_full(dir: &Path, args: &[&str]) -> String {
    let warm = support::alertctl(dir, &[&["-v"], args].concat());
    let full = support::alertctl(dir, &[&["--no-cache"], args].concat());
    let err = text(&warm.stderr);
    let quiet: String = err
        .lines()
        .filter(|l| {
            !["diff: ", "loaded ", "render: ", "output: ", "cache index"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let shown = format!(
        "{args:?}\n=== -v: {}\n{err}\n=== --no-cache: {}\n{}",
        text(&warm.stdout),
        text(&full.stdout),
        text(&full.stderr)
    );
    assert_eq!(warm.stdout, full.stdout, "{shown}");
    assert_eq!(quiet, text(&full.stderr), "{shown}");
    assert_eq!(warm.status.code(), full.status.code(), "{shown}");
    err.lines()
        .find(|l| l.starts_with("diff: "))
        .unwrap_or_default()
        .to_string()
}

/// A threshold edit: the delta path, its warnings the full run's (every alert's lints),
/// with `--stat --exit-code` too; run again, the same; nothing stored, so the question
/// after it is answered by a full load, which stores the run. Against another output
/// directory, the full path.
#[test]
fn a_rules_files_edit_is_shown_as_the_full_path_shows_it() {
    let (_tmp, dir) = warnings_fixture();
    edit(&dir, "rules/web.yaml", "threshold: 90", "threshold: 91");
    for args in [&["diff"][..], &["diff", "--stat", "--exit-code"], &["diff"]] {
        let said = same_as_full(&dir, args);
        assert!(said.contains(TAKEN), "{args:?}: {said}");
        assert!(said.contains("rules/web.yaml"), "{said}");
    }
    let q = ["-v", "effective", "web-1:9100", "--format", "json"];
    let first = support::alertctl(&dir, &q);
    assert!(text(&first.stderr).contains("answering from a full load"));
    assert!(text(&first.stdout).contains("> 91"));
    let again = support::alertctl(&dir, &q);
    assert!(
        text(&again.stderr).contains("answered from the cache index"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(first.stdout, again.stdout);
    let other = dir.join("elsewhere");
    let out = other.to_str().unwrap();
    edit(&dir, "rules/web.yaml", "threshold: 91", "threshold: 92");
    let said = same_as_full(&dir, &["diff", "--out", out]);
    assert!(
        !said.contains(TAKEN),
        "an empty directory holds no stored file: {said}"
    );
    let shown = support::alertctl(&dir, &["diff"]);
    assert!(
        text(&shown.stdout).contains("> 92"),
        "{}",
        text(&shown.stdout)
    );
    assert!(
        text(&shown.stderr).contains("scoped"),
        "the warnings are shown"
    );
}

/// Edits the delta path takes beyond a threshold: a rule of an alert of the file at
/// another scope (its rules then go to a file of other alerts: a second, larger model),
/// a label, a rule disabled, a rule removed.
#[test]
fn other_edits_of_a_rules_file_are_shown_as_the_full_path_shows_them() {
    let cases = [
        (
            "# The web team",
            "- template: NatsDown\n  scope: group/db\n  labels: { team: db }\n# The web team",
        ),
        (
            "labels: { team: web }",
            "labels: { team: web, tier: front }",
        ),
        (
            "- template: HighCPU\n  scope: group/web",
            "- template: HighCPU\n  enabled: false\n  scope: group/web",
        ),
        (
            "- template: Watchdog\n  scope: group/web\n  labels: { team: web }\n",
            "",
        ),
    ];
    for (from, to) in cases {
        let (_tmp, dir) = warnings_fixture();
        edit(&dir, "rules/web.yaml", from, to);
        let said = same_as_full(&dir, &["diff"]);
        assert!(said.contains(TAKEN), "{to:?}: {said}");
    }
}

/// What the delta path cannot take, it declines, saying why with `-v`; the full path
/// then shows the same as `--no-cache`.
#[test]
fn what_the_delta_path_cannot_take_goes_to_the_full_path() {
    type Case<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);
    let cases: [Case; 5] = [
        (
            "a template's edit",
            "templates/queries.yaml",
            "default: 80",
            "default: 81",
            "a file other than a rules file changed",
        ),
        (
            "the inventory's edit",
            "inventory.yaml",
            "db: [db-1:9100]",
            "db: [db-1:9100, db-2:9100]",
            "a file other than a rules file changed",
        ),
        (
            "a rule for an alert the file had no rule of",
            "rules/web.yaml",
            "# The web team",
            "- template: HighCPU\n  alert: HighCPUOnDb\n  scope: group/db\n# The web team",
            "an edited rule names an alert the stored run did not have",
        ),
        (
            "an error",
            "rules/web.yaml",
            "template: HighCPU\n  scope: group/web",
            "template: NoSuchTemplate\n  scope: group/web",
            "an edited rule names a template the stored run did not have",
        ),
        (
            "a rules file with rule groups",
            "rules/web.yaml",
            "# The web team",
            "- rule_group: fast\n  scope: group/web\n  interval: 15s\n# The web team",
            "an edited file sets rule groups",
        ),
    ];
    for (what, rel, from, to, why) in cases {
        let (_tmp, dir) = warnings_fixture();
        edit(&dir, rel, from, to);
        let said = same_as_full(&dir, &["diff"]);
        assert!(said.contains(why), "{what}: {said}");
        assert!(!said.contains(TAKEN), "{what}: {said}");
    }
}

/// The stored run's skeleton and files are trusted only as stored: a forged skeleton,
/// or an output file edited by hand since the run, sends `diff` to the full path.
#[test]
fn a_forged_skeleton_or_a_hand_edit_goes_to_the_full_path() {
    let (_tmp, dir) = warnings_fixture();
    edit(&dir, "rules/web.yaml", "threshold: 90", "threshold: 91");
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let forged = db
        .execute("UPDATE skeleton SET bytes = bytes || X'00'", [])
        .unwrap();
    assert_eq!(forged, 1);
    let said = same_as_full(&dir, &["diff"]);
    assert!(said.contains("the stored run left no skeleton"), "{said}");

    let (_tmp, dir) = warnings_fixture();
    edit(&dir, "rules/web.yaml", "threshold: 90", "threshold: 91");
    let global = dir.join("rendered/global.yml");
    let content = std::fs::read_to_string(&global).unwrap();
    std::fs::write(&global, content.replacen("\n", "\n# by hand\n", 1)).unwrap();
    let said = same_as_full(&dir, &["diff"]);
    assert!(
        said.contains("does not hold the stored run's files"),
        "{said}"
    );

    // An unfinished commit in the output directory: the full path, which reports it.
    let (_tmp, dir) = warnings_fixture();
    edit(&dir, "rules/web.yaml", "threshold: 90", "threshold: 91");
    std::fs::write(dir.join("rendered/.alertctl-journal.json"), "{}").unwrap();
    let said = same_as_full(&dir, &["diff"]);
    assert!(said.contains("an unfinished commit"), "{said}");
}

/// On the example estate (no warnings), edits of a namespace's and a group's rules:
/// each the delta path, each shown as the full path shows it; then `render` writes it
/// and nothing is left to show.
#[test]
fn edits_of_the_example_estate() {
    let (_tmp, dir) = rendered_copy("examples/node-estate");
    let mut taken = 0;
    for rel in [
        "rules/teams/web.yaml",
        "rules/teams/db.yaml",
        "rules/namespaces/staging.yaml",
        "rules/teams/batch.yaml",
    ] {
        edit(&dir, rel, "threshold: ", "threshold: 1");
        let said = same_as_full(&dir, &["diff", "--exit-code"]);
        taken += usize::from(said.contains(TAKEN));
        assert!(support::alertctl(&dir, &["render"]).status.success());
        let after = support::alertctl(&dir, &["--no-cache", "diff", "--exit-code"]);
        assert_eq!(after.status.code(), Some(0), "{rel}");
    }
    assert!(taken > 0, "no edit of the example took the delta path");
}

/// `render` after a rules file's edit takes the delta path too: on twin directories,
/// the same output, exit code and files as `--no-cache render`, a stale generated file
/// removed by both; then a `diff` shows nothing, and a question stores the run.
#[test]
fn a_delta_render_writes_what_the_full_path_writes() {
    let twins = [warnings_fixture(), warnings_fixture()];
    for (_, dir) in &twins {
        edit(dir, "rules/web.yaml", "threshold: 90", "threshold: 91");
        edit(
            dir,
            "rules/web.yaml",
            "labels: { team: web }",
            "labels: { team: webs }",
        );
        let stale = std::fs::read_to_string(dir.join("rendered/global.yml")).unwrap();
        std::fs::write(dir.join("rendered/group_gone.yml"), stale).unwrap();
    }
    let (delta, full) = (&twins[0].1, &twins[1].1);
    let written = support::alertctl(delta, &["-v", "render"]);
    let err = text(&written.stderr);
    assert!(
        err.contains(&format!("render: rules/web.yaml {TAKEN}")),
        "{err}"
    );
    let reference = support::alertctl(full, &["--no-cache", "render"]);
    assert_eq!(written.status.code(), reference.status.code());
    assert_eq!(written.stdout, reference.stdout);
    let quiet: String = err
        .lines()
        .filter(|l| !l.starts_with("render: "))
        .map(|l| format!("{}\n", l.replace(delta.to_str().unwrap(), "DIR")))
        .collect();
    let full_err = text(&reference.stderr).replace(full.to_str().unwrap(), "DIR");
    assert_eq!(quiet, full_err);
    assert!(quiet.contains("1 removed"), "{quiet}");
    let (a, b) = (
        support::yml_files(&delta.join("rendered")),
        support::yml_files(&full.join("rendered")),
    );
    assert_eq!(a, b);
    let after = support::alertctl(delta, &["-v", "diff", "--exit-code"]);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after.stderr));
    assert!(
        text(&after.stderr).contains(TAKEN),
        "{}",
        text(&after.stderr)
    );
    let q = ["-v", "effective", "web-1:9100"];
    assert!(text(&support::alertctl(delta, &q).stderr).contains("answering from a full load"));
    assert!(text(&support::alertctl(delta, &q).stderr).contains("answered from the cache index"));
}

/// A namespace written in two inventory files (`inventory/prod/` and
/// `inventory/prod-b.yaml`, which the load reads in the other order than a sort by
/// path), scopes matched by the inventory: the delta path's model takes the files in
/// the load's order, and shows the namespace's cell as the full path does.
#[test]
fn a_namespace_split_over_inventory_files_keeps_its_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let files = [
        ("alertctl.toml", "[scope]\nmatch = \"inventory\"\n"),
        ("inventory/prod/a.yaml", "namespaces:\n  prod:\n    web: [web-1:9100]\n"),
        ("inventory/prod-b.yaml", "namespaces:\n  prod:\n    db: [db-1:9100]\n"),
        (
            "templates/cpu.yaml",
            "- template: HighCPU\n  severity: warning\n  params:\n    threshold: { type: number, default: 80 }\n  expr: 100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))) > ${threshold}\n",
        ),
        ("rules/global.yaml", "- template: HighCPU\n  scope: global\n"),
        (
            "rules/prod.yaml",
            "- template: HighCPU\n  scope: namespace/prod\n  params: { threshold: 90 }\n",
        ),
    ];
    for (rel, text) in files {
        support::write_file(dir, rel, text);
        support::age(&dir.join(rel));
    }
    let r = support::alertctl(dir, &["render"]);
    assert!(r.status.success(), "{}", support::output_text(&r));
    edit(dir, "rules/prod.yaml", "threshold: 90", "threshold: 91");
    let said = same_as_full(dir, &["diff"]);
    assert!(said.contains(TAKEN), "{said}");
}

/// Warnings accepted by `validate.ignore` are not shown, and not counted among an
/// alert's: the delta path shows the others as the full path does.
#[test]
fn accepted_warnings_stay_accepted() {
    let (_tmp, dir) = warnings_fixture();
    std::fs::write(
        dir.join("alertctl.toml"),
        "[validate]\nignore = [\"scoped-absent\"]\n",
    )
    .unwrap();
    assert!(support::alertctl(&dir, &["render"]).status.success());
    edit(&dir, "rules/web.yaml", "threshold: 90", "threshold: 91");
    let said = same_as_full(&dir, &["diff"]);
    assert!(said.contains(TAKEN), "{said}");
    let shown = text(&support::alertctl(&dir, &["diff"]).stderr);
    assert!(!shown.contains("scoped-absent"), "{shown}");
    assert!(
        shown.contains("alertctl::"),
        "other warnings are shown: {shown}"
    );
}
