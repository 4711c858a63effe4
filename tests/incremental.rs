//! Issue 11 item 1: after an edit, a warm run recomputes the cache index rows (cells of
//! `effective`, details of `trace`) of only the alerts whose sources changed and keeps
//! the others. Over random multi-file estates and random edits (threshold, new rule,
//! deleted rule, template query, rule moved to another scope, target moved to another
//! group, settings, an error and its fix), every answer of the warm run must be the
//! `--no-cache` run's byte for byte (stdout, stderr, exit code), and the warm runs must
//! really have reused rows (`-v` says how many alerts were recomputed), or the
//! comparison proves nothing.

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;

const TEMPLATES: [&str; 4] = ["CpuHigh", "DiskFull", "PgLag", "Busy"];
const RULE_FILES: [&str; 3] = [
    "rules/base.yaml",
    "rules/teams/a.yaml",
    "rules/teams/b.yaml",
];

#[derive(Debug, Clone)]
struct Rule {
    file: usize,
    template: usize,
    renamed: bool,
    /// (kind: global/namespace/group/target, pick)
    scope: (u8, usize),
    threshold: u16,
    enabled: Option<bool>,
    suspended: bool,
    priority: u32,
    /// How the rule is written, which must not change what it means: see
    /// [`Rule::write`].
    style: u8,
}

#[derive(Debug, Clone)]
struct Estate {
    /// Namespaces -> groups -> target count.
    namespaces: Vec<Vec<usize>>,
    /// A target moved out of its group into another: (from group, to group) by flat index.
    moved: Vec<(usize, usize)>,
    /// Per template, a number in its query (a template query edit changes it).
    exprs: [u16; 4],
    rules: Vec<Rule>,
    /// `[labels] namespace = "kube_namespace"` instead of the default.
    other_label: bool,
    /// A rule of an unknown template (an error).
    broken: bool,
    next_priority: u32,
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        0usize..3,
        0usize..4,
        prop::bool::weighted(0.2),
        (0u8..4, 0usize..64),
        1u16..500,
        prop::option::of(any::<bool>()),
        prop::bool::weighted(0.15),
        0u8..STYLES,
    )
        .prop_map(
            |(file, template, renamed, scope, threshold, enabled, suspended, style)| Rule {
                file,
                template,
                renamed,
                scope,
                threshold,
                enabled,
                suspended,
                priority: 0,
                style,
            },
        )
}

fn estate() -> impl Strategy<Value = Estate> {
    (
        prop::collection::vec(prop::collection::vec(0usize..4, 1..3), 1..3),
        prop::collection::vec(rule(), 1..12),
    )
        .prop_map(|(namespaces, rules)| Estate::fixed(namespaces, rules))
}

/// One edit of the estate's sources.
#[derive(Debug, Clone, Copy)]
enum Edit {
    Threshold(usize, u16),
    NewRule(usize, usize, (u8, usize)),
    DeleteRule(usize),
    TemplateQuery(usize, u16),
    MoveRule(usize, (u8, usize)),
    MoveTarget(usize, usize),
    /// Writes a rule another way ([`Rule::write`]).
    Restyle(usize, u8),
    Settings,
    /// Breaks the estate (when it is not broken) or fixes it (when it is).
    BreakOrFix,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (0usize..64, 1u16..999).prop_map(|(r, v)| Edit::Threshold(r, v)),
        2 => (0usize..3, 0usize..4, (0u8..4, 0usize..64)).prop_map(|(f, t, s)| Edit::NewRule(f, t, s)),
        2 => (0usize..64).prop_map(Edit::DeleteRule),
        2 => (0usize..4, 1u16..999).prop_map(|(t, v)| Edit::TemplateQuery(t, v)),
        2 => (0usize..64, (0u8..4, 0usize..64)).prop_map(|(r, s)| Edit::MoveRule(r, s)),
        1 => (0usize..64, 0usize..64).prop_map(|(a, b)| Edit::MoveTarget(a, b)),
        2 => (0usize..64, 0u8..STYLES).prop_map(|(r, s)| Edit::Restyle(r, s)),
        1 => Just(Edit::Settings),
        1 => Just(Edit::BreakOrFix),
    ]
}

fn ns_name(n: usize) -> String {
    format!("ns{n}")
}
fn group_name(n: usize, g: usize) -> String {
    format!("g{n}-{g}")
}

impl Estate {
    fn groups(&self) -> Vec<String> {
        let mut v = vec![];
        for (n, gs) in self.namespaces.iter().enumerate() {
            v.extend((0..gs.len()).map(|g| group_name(n, g)));
        }
        v
    }

    /// Each group with its targets, moved targets included.
    fn members(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = vec![];
        for (n, gs) in self.namespaces.iter().enumerate() {
            for (g, tc) in gs.iter().enumerate() {
                let ts = (0..*tc).map(|t| format!("host-{n}-{g}-{t}:9100")).collect();
                out.push((group_name(n, g), ts));
            }
        }
        for &(from, to) in &self.moved {
            let len = out.len();
            let Some(t) = out[from % len].1.pop() else {
                continue;
            };
            out[to % len].1.push(t);
        }
        out
    }

    fn targets(&self) -> Vec<String> {
        self.members().into_iter().flat_map(|(_, ts)| ts).collect()
    }

    fn scope(&self, (kind, pick): (u8, usize)) -> String {
        let pick_of = |v: Vec<String>| v.get(pick % v.len().max(1)).cloned();
        match kind {
            1 => pick_of((0..self.namespaces.len()).map(ns_name).collect())
                .map(|n| format!("namespace/{n}")),
            2 => pick_of(self.groups()).map(|g| format!("group/{g}")),
            3 => pick_of(self.targets()).map(|t| format!("target/{t}")),
            _ => None,
        }
        .unwrap_or_else(|| "global".into())
    }

    fn apply(&mut self, e: Edit) {
        let n = self.rules.len().max(1);
        match e {
            Edit::Threshold(r, v) => {
                if let Some(r) = self.rules.get_mut(r % n) {
                    r.threshold = v;
                }
            }
            Edit::NewRule(file, template, scope) => {
                self.rules.push(Rule {
                    file,
                    template,
                    renamed: false,
                    scope,
                    threshold: 7,
                    enabled: None,
                    suspended: false,
                    priority: self.next_priority,
                    style: 0,
                });
                self.next_priority += 1;
            }
            Edit::DeleteRule(r) => {
                if self.rules.len() > 1 {
                    self.rules.remove(r % n);
                }
            }
            Edit::TemplateQuery(t, v) => self.exprs[t] = v,
            Edit::MoveRule(r, scope) => {
                if let Some(r) = self.rules.get_mut(r % n) {
                    r.scope = scope;
                }
            }
            Edit::MoveTarget(a, b) => self.moved.push((a, b)),
            Edit::Restyle(r, style) => {
                if let Some(r) = self.rules.get_mut(r % n) {
                    r.style = style;
                }
            }
            Edit::Settings => self.other_label = !self.other_label,
            Edit::BreakOrFix => self.broken = !self.broken,
        }
    }

    /// Every source file's path and content.
    fn files(&self) -> Vec<(String, String)> {
        let mut files = vec![];
        let mut toml =
            String::from("[output]\ndir = \"rendered\"\n[validate]\npromtool = \"off\"\n");
        if self.other_label {
            toml.push_str("[labels]\nnamespace = \"kube_namespace\"\n");
        }
        files.push(("alertctl.toml".to_string(), toml));
        let mut inv = String::from("namespaces:\n");
        let members = self.members();
        let mut i = 0;
        for (n, gs) in self.namespaces.iter().enumerate() {
            writeln!(inv, "  {}:", ns_name(n)).unwrap();
            for _ in gs {
                let (g, ts) = &members[i];
                i += 1;
                writeln!(inv, "    {g}:\n      targets:").unwrap();
                for t in ts {
                    writeln!(inv, "        - \"{t}\"").unwrap();
                }
                if ts.is_empty() {
                    // An empty list, still a group.
                    inv.truncate(inv.len() - "      targets:\n".len());
                    inv.push_str("      targets: []\n");
                }
            }
        }
        files.push(("inventory.yaml".into(), inv));
        let x = &self.exprs;
        let templates = [
            format!("template: CpuHigh\nseverity: warning\nparams:\n  threshold: {{ type: number, default: 80 }}\nexpr: rate(node_cpu_seconds_total[5m]) * {} > ${{threshold}}\nfor: 5m\n", x[0]),
            format!("template: DiskFull\nseverity: critical\nparams:\n  threshold: {{ type: number, default: 90 }}\nexpr: node_filesystem_used_percent > ${{threshold}} - {}\nannotations:\n  summary: \"disk {{{{ $labels.instance }}}}\"\n", x[1]),
            format!("template: PgLag\nseverity: critical\nparams:\n  threshold: {{ type: number, default: 30 }}\nexpr: pg_replication_lag_seconds > ${{threshold}} + {}\nlabels:\n  team: dba\n", x[2]),
            format!("template: Busy\nrecord: instance:busy:rate5m\nparams:\n  threshold: {{ type: number, default: 1 }}\nexpr: rate(node_cpu_seconds_total[5m]) * ${{threshold}} * {}\n", x[3]),
        ];
        for (name, body) in TEMPLATES.iter().zip(templates) {
            files.push((format!("templates/{name}.yaml"), body));
        }
        for (fi, path) in RULE_FILES.iter().enumerate() {
            let mut body = String::from("# rules\n");
            let mut anchored = false;
            for r in self.rules.iter().filter(|r| r.file == fi) {
                r.write(&mut body, &self.scope(r.scope), &mut anchored);
            }
            if self.broken && fi == 1 {
                body.push_str("\n- template: NoSuchTemplate\n  scope: global\n");
            }
            files.push((path.to_string(), body));
        }
        files
    }

    /// Writes the files whose content changed, then ages every file (the fast path does
    /// not trust a file modified within the last second).
    fn write(&self, dir: &Path) {
        for (rel, body) in self.files() {
            let p = dir.join(&rel);
            if std::fs::read_to_string(&p).ok().as_deref() == Some(body.as_str()) {
                continue;
            }
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, body).unwrap();
        }
        for (rel, _) in self.files() {
            support::age(&dir.join(rel));
        }
    }
}

fn show(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Stderr without the lines only `-v` prints.
fn quiet_stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| {
            !l.starts_with("loaded ")
                && !l.starts_with("cache index: ")
                && !l.starts_with("render: ")
                && !l.starts_with("output: ")
                && !l.starts_with("diff: ")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `(N, M)` from the `-v` line `PREFIX N of M ...` on stderr.
fn counts(o: &std::process::Output, prefix: &str) -> Option<(usize, usize)> {
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err.lines().find_map(|l| l.strip_prefix(prefix))?;
    let mut words = line.split(' ');
    let n = words.next()?.parse().ok()?;
    let m = words.nth(1)?.parse().ok()?;
    Some((n, m))
}

/// `(recomputed, alerts)` from `-v`'s "cache index: N of M alerts recomputed".
fn reuse(o: &std::process::Output) -> Option<(usize, usize)> {
    counts(o, "cache index: ")
}

/// `(read back, alerts)` from `-v`'s "render: N of M alerts read back from the last run".
fn read_back(o: &std::process::Output) -> Option<(usize, usize)> {
    counts(o, "render: ")
}

/// From `-v`'s "render: ..., N of them by their summary alone" (0 when absent).
fn summarized(o: &std::process::Output) -> usize {
    let err = String::from_utf8_lossy(&o.stderr);
    err.lines()
        .filter(|l| l.starts_with("render: "))
        .find_map(|l| l.split(", ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or(0)
}

/// `(not built, files)` from `-v`'s "output: N of M files not built"; `None` when every
/// file was built.
fn not_built(o: &std::process::Output) -> Option<(usize, usize)> {
    counts(o, "output: ")
}

/// What a warm `diff -v` said it reused.
#[derive(Debug)]
struct Said {
    /// `(recomputed, alerts)` of the cache index; `None`: nothing stored.
    index: Option<(usize, usize)>,
    /// `(read back, alerts)` of the render.
    render: Option<(usize, usize)>,
    /// `(not built, files)` of the output.
    kept: Option<(usize, usize)>,
    /// How many of the alerts read back gave their summary alone.
    summarized: usize,
    /// The first `diff` took the delta path ([`alertctl::source::delta`]).
    delta: bool,
}

/// Runs `args` warm and with `--no-cache`; both must answer the same.
fn same(dir: &Path, args: &[&str], what: &str) {
    let warm = support::alertctl(dir, args);
    let mut full_args = vec!["--no-cache"];
    full_args.extend(args);
    let full = support::alertctl(dir, &full_args);
    assert!(
        warm.stdout == full.stdout
            && warm.stderr == full.stderr
            && warm.status.code() == full.status.code(),
        "{what}: {args:?} warm differs from --no-cache\n=== warm: {}\n=== full: {}",
        show(&warm),
        show(&full)
    );
}

/// After an edit: the warm `diff -v` (which stores the incremental index) and every
/// question, against `--no-cache`. Returns what `-v` said was recomputed and read back.
fn check(dir: &Path, e: &Estate, pick: usize, what: &str) -> Said {
    let full = support::alertctl(dir, &["--no-cache", "diff"]);
    // The delta path when it applies (it stores nothing), then the full load.
    let first = support::alertctl(dir, &["-v", "diff"]);
    let said_first = String::from_utf8_lossy(&first.stderr).to_string();
    let delta = said_first.contains("changed since the last full run");
    if std::env::var_os("ALERTCTL_TEST_SHOW_DELTA").is_some() {
        eprintln!(
            "{what}: {}",
            said_first
                .lines()
                .find(|l| l.starts_with("diff: "))
                .unwrap_or("-")
        );
    }
    assert!(
        first.stdout == full.stdout
            && quiet_stderr(&first) == quiet_stderr(&full)
            && first.status.code() == full.status.code(),
        "{what}: first diff differs from --no-cache\n=== first: {}\n=== full: {}",
        show(&first),
        show(&full)
    );
    // After the delta path, the full load's `diff`, which stores the run: what `-v`
    // says it reused is the full path's.
    let warm = if delta {
        support::alertctl_without_delta(dir, &["-v", "diff"])
    } else {
        first
    };
    assert!(
        warm.stdout == full.stdout
            && quiet_stderr(&warm) == quiet_stderr(&full)
            && warm.status.code() == full.status.code(),
        "{what}: warm diff differs from --no-cache\n=== warm: {}\n=== full: {}",
        show(&warm),
        show(&full)
    );
    // Run again before anything changes: the files it built and did not write, from
    // the cache (`Quick::pending`).
    same(dir, &["diff"], what);
    same(dir, &["render", "--stdout"], what);
    // This `render` writes the files the diff kept (`write_kept`): the directory then
    // holds what the full path would write.
    // (An estate with errors writes nothing, as `same` checks below.)
    if support::alertctl(dir, &["render"]).status.success() {
        let after = support::alertctl(dir, &["--no-cache", "diff", "--exit-code"]);
        assert_eq!(after.status.code(), Some(0), "{what}: {}", show(&after));
    }
    // With the files written, a warm `render` takes the fast path, whose line counts the
    // stored `applied` cells: rows stored for an alert that was not recomputed (kept
    // and written again) would show there, though answers per alert would not.
    same(dir, &["render"], what);
    let targets = e.targets();
    let groups = e.groups();
    let target = targets
        .get(pick % targets.len().max(1))
        .cloned()
        .unwrap_or_else(|| "nowhere:9100".into());
    let group = &groups[pick % groups.len()];
    same(dir, &["effective", &target, "--format", "json"], what);
    same(dir, &["effective", "--group", group], what);
    same(dir, &["trace", &target, "--all"], what);
    same(
        dir,
        &["effective", "--namespace", "ns0", "--format", "yaml"],
        what,
    );
    Said {
        index: reuse(&warm),
        render: read_back(&warm),
        kept: not_built(&warm),
        summarized: summarized(&warm),
        delta,
    }
}

impl Estate {
    /// The alert each rule instantiates.
    fn alert_of(r: &Rule) -> String {
        if r.renamed && r.template < 3 {
            format!("{}Two", TEMPLATES[r.template])
        } else {
            TEMPLATES[r.template].to_string()
        }
    }

    /// How many alerts have a rule `f` picks (an alert exists by a rule that is not
    /// suspended).
    fn alerts_where(&self, f: impl Fn(&Rule) -> bool) -> usize {
        self.alerts_where_at(|_, r| f(r))
    }

    /// [`Self::alerts_where`], picking rules by their place in `rules` too.
    fn alerts_where_at(&self, f: impl Fn(usize, &Rule) -> bool) -> usize {
        let exist: std::collections::BTreeSet<String> = self
            .rules
            .iter()
            .filter(|r| !r.suspended)
            .map(Self::alert_of)
            .collect();
        let picked: std::collections::BTreeSet<String> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(i, r)| f(*i, r))
            .map(|(_, r)| Self::alert_of(r))
            .collect();
        picked.intersection(&exist).count()
    }
}

/// Rule styles: plain block mapping; with a `|+` annotation that keeps blank lines; with
/// an anchored label mapping; with labels that are an alias of the file's anchor; one
/// flow mapping.
const STYLES: u8 = 5;

impl Rule {
    /// Writes the rule as a list item of `body`. A label alias needs an anchor earlier in
    /// the file (`anchored`): without one it is written as the anchor.
    fn write(&self, body: &mut String, scope: &str, anchored: &mut bool) {
        let mut fields = vec![format!("template: {}", TEMPLATES[self.template])];
        if self.renamed && self.template < 3 {
            fields.push(format!("alert: {}Two", TEMPLATES[self.template]));
        }
        fields.push(format!("scope: \"{scope}\""));
        fields.push(format!("priority: {}", self.priority));
        fields.push(format!("params: {{ threshold: {} }}", self.threshold));
        if let Some(e) = self.enabled {
            fields.push(format!("enabled: {e}"));
        }
        if self.suspended {
            fields.push("suspended: true".into());
        }
        match self.style {
            // Annotations belong to alerting templates (Busy records).
            1 if self.template < 3 => {
                fields.push("annotations:\n    runbook: |+\n      see the wiki\n".into())
            }
            3 if *anchored => fields.push("labels: *owner".into()),
            2 | 3 => {
                *anchored = true;
                fields.push("labels: &owner { owner: sre }".into());
            }
            4 => {
                writeln!(body, "\n- {{ {} }}", fields.join(", ")).unwrap();
                return;
            }
            _ => {}
        }
        writeln!(body, "\n- {}", fields.join("\n  ")).unwrap();
    }

    fn at(file: usize, template: usize, scope: (u8, usize), suspended: bool) -> Rule {
        Rule {
            file,
            template,
            renamed: false,
            scope,
            threshold: 10,
            enabled: None,
            suspended,
            priority: 0,
            style: 0,
        }
    }
}

impl Estate {
    /// Two namespaces, three groups, one rule of each template: CpuHigh global in
    /// rules/base.yaml, DiskFull on a group in rules/teams/a.yaml, PgLag on a target and
    /// Busy on a namespace in rules/teams/b.yaml.
    fn four_alerts() -> Estate {
        Estate::fixed(
            vec![vec![2, 1], vec![1]],
            vec![
                Rule::at(0, 0, (0, 0), false),
                Rule::at(1, 1, (2, 0), false),
                Rule::at(2, 2, (3, 1), false),
                Rule::at(2, 3, (1, 1), false),
            ],
        )
    }

    /// An estate for a deterministic test: rules in priority order.
    fn fixed(namespaces: Vec<Vec<usize>>, mut rules: Vec<Rule>) -> Estate {
        for (i, rule) in rules.iter_mut().enumerate() {
            rule.priority = i as u32;
        }
        Estate {
            namespaces,
            moved: vec![],
            exprs: [80, 90, 30, 1],
            next_priority: rules.len() as u32,
            rules,
            other_label: false,
            broken: false,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn incremental_runs_answer_as_full_runs(
        start in estate(),
        edits in prop::collection::vec(edit(), 4..9),
        picks in prop::collection::vec(0usize..64, 9),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let mut e = start;
        e.write(dir);
        let r = support::alertctl(dir, &["-v", "render"]);
        prop_assert!(r.status.success(), "{}", show(&r));
        let (n, m) = reuse(&r).expect("-v says what the index recomputed");
        prop_assert_eq!(n, m, "a first run computes every alert");
        let mut stored = e.files();
        // Every run ends with an error introduced and then fixed.
        let all: Vec<Edit> = edits.iter().copied().chain([Edit::BreakOrFix, Edit::BreakOrFix]).collect();
        for (i, edit) in all.iter().enumerate() {
            let before = e.clone();
            e.apply(*edit);
            e.write(dir);
            let what = format!("after edit {i} {edit:?}");
            // `validate` refreshes the query index without storing answers: the index
            // and the answers then describe different runs, and must both stay right.
            if picks[i % picks.len()] % 3 == 0 {
                same(dir, &["validate"], &what);
            }
            let said = check(dir, &e, picks[i % picks.len()], &what);
            let files = e.files();
            if e.broken || files == stored {
                // Errors store nothing; sources as stored need nothing stored.
                prop_assert_eq!(said.index, None, "{}", what);
                continue;
            }
            let (n, m) = said.index.ok_or_else(|| TestCaseError::fail(format!("{what}: no index stored")))?;
            prop_assert_eq!(m, e.alerts_where(|_| true), "{}", what);
            // An alert whose sources changed since the stored run is never read back.
            if before.files() == stored {
                let (back, alerts) = said.render.ok_or_else(|| TestCaseError::fail(format!("{what}: no render line")))?;
                prop_assert_eq!(alerts, m, "{}", what);
                prop_assert!(back <= m - n, "{}: {} read back, {} of {} changed", what, back, n, m);
            }
            // Right after a stored run, a query or threshold edit recomputes exactly the
            // alerts it can affect: those of the template; that of the rule, and when the
            // number's length changed, those of the rules written after it in its file.
            if before.files() == stored {
                let expect = match *edit {
                    Edit::TemplateQuery(t, _) => Some(e.alerts_where(|r| r.template == t)),
                    Edit::Threshold(r, _) => {
                        let at = r % e.rules.len();
                        let digits = |e: &Estate| e.rules[at].threshold.to_string().len();
                        let moved = digits(&before) != digits(&e);
                        let file = e.rules[at].file;
                        // A file with an alias is known by its whole text.
                        let whole = files.iter().any(|(p, body)| p == RULE_FILES[file] && body.contains('*'));
                        Some(e.alerts_where_at(|i, r| {
                            i == at || (r.file == file && (whole || (moved && i > at)))
                        }))
                    }
                    _ => None,
                };
                if let Some(expect) = expect {
                    prop_assert_eq!(n, expect, "{}", what);
                }
            }
            stored = files;
        }
    }
}

use support::hand_edit;

/// A one-threshold edit recomputes exactly the alert of its rule, and those of the
/// rules after it in its file when it moved their bytes or lines; a template edit
/// exactly that template's alerts (deterministic, so a key that depends on too much is
/// caught too, not only one that depends on too little). A rule that takes a value
/// through an alias depends on the anchor's rule too.
#[test]
fn an_edit_recomputes_only_what_it_can_affect() {
    let mut e = Estate::four_alerts();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    let first = support::alertctl(dir, &["-v", "render"]);
    assert_eq!(reuse(&first), Some((4, 4)), "{}", show(&first));
    // rules/teams/b.yaml holds PgLag's rule, then Busy's.
    e.apply(Edit::Threshold(2, 77));
    e.write(dir);
    // 10 -> 77: no byte of Busy's rule moved. CpuHigh, DiskFull and Busy are read back,
    // PgLag rendered again. Of the three output files, the two the edit leaves as they
    // were are not built again (the output directory holds them as the first run built
    // them); below, an edit that changes nothing in a file (the settings') leaves it
    // unbuilt too.
    let said = check(dir, &e, 0, "threshold");
    assert!(said.delta, "a rules file's edit: the delta diff");
    assert_eq!((said.index, said.render), (Some((1, 4)), Some((3, 4))));
    assert_eq!(said.kept, Some((2, 3)), "threshold: files not built");
    // The alerts with rules only in those two files are known by their summaries.
    assert_eq!(said.summarized, 2, "threshold: summaries alone");
    e.apply(Edit::TemplateQuery(0, 5));
    e.write(dir);
    let said = check(dir, &e, 1, "template");
    assert!(!said.delta, "a template's edit: the full load");
    assert_eq!((said.index, said.render), (Some((1, 4)), Some((3, 4))));
    assert_eq!(said.kept, Some((2, 3)), "template: files not built");
    // The file built holds CpuHigh's rules alone: the three others give summaries.
    assert_eq!(said.summarized, 3, "template: summaries alone");
    // 77 -> 123 moves Busy's rule a byte on: it is recomputed too.
    e.apply(Edit::Threshold(2, 123));
    e.write(dir);
    let said = check(dir, &e, 2, "longer threshold");
    assert!(said.delta, "a rules file's edit: the delta diff");
    assert_eq!((said.index, said.render), (Some((2, 4)), Some((2, 4))));
    // A comment above them made two lines of the same length: no byte moved, every
    // line after it did (`trace` and lints show lines).
    hand_edit(dir, RULE_FILES[2], "# rules\n", "#\n#ules\n");
    let said = check(dir, &e, 3, "line break");
    assert_eq!((said.index, said.render), (Some((2, 4)), Some((2, 4))));
    // Through aliases, Busy's labels are PgLag's, and a label's name is a value of
    // PgLag's (a key's place is not kept, so only the rule as parsed shows it): editing
    // an anchor changes both alerts.
    e.write(dir);
    let text = std::fs::read_to_string(dir.join(RULE_FILES[2])).unwrap();
    let with_aliases = text
        .replacen(
            "- template: PgLag\n",
            "- template: PgLag\n  labels: &l { team: aa, owner: &k dba }\n",
            1,
        )
        .replacen("- template: Busy\n", "- template: Busy\n  labels: *l\n", 1);
    std::fs::write(dir.join(RULE_FILES[2]), &with_aliases).unwrap();
    check(dir, &e, 4, "alias");
    hand_edit(dir, RULE_FILES[2], "team: aa", "team: bb");
    let said = check(dir, &e, 5, "anchor");
    assert_eq!((said.index, said.render), (Some((2, 4)), Some((2, 4))));
    let key_alias = text
        .replacen(
            "- template: PgLag\n",
            "- template: PgLag\n  labels: { owner: &k dba }\n",
            1,
        )
        .replacen(
            "- template: Busy\n",
            "- template: Busy\n  labels:\n    *k : x\n",
            1,
        );
    std::fs::write(dir.join(RULE_FILES[2]), &key_alias).unwrap();
    check(dir, &e, 6, "alias as a key");
    hand_edit(dir, RULE_FILES[2], "&k dba", "&k ops");
    let said = check(dir, &e, 7, "anchor of a key");
    assert_eq!((said.index, said.render), (Some((2, 4)), Some((2, 4))));
    e.write(dir);
    check(dir, &e, 8, "aliases gone");
    // Nothing changed: the fast path answers, nothing is stored.
    let again = support::alertctl(dir, &["-v", "diff"]);
    assert_eq!(reuse(&again), None, "{}", show(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("nothing changed since the last full run"),
        "{}",
        show(&again)
    );
    // The inventory can change any alert's cells: everything is recomputed.
    e.apply(Edit::MoveTarget(0, 2));
    e.write(dir);
    let said = check(dir, &e, 2, "inventory");
    assert_eq!((said.index, said.render), (Some((4, 4)), Some((0, 4))));
    assert_eq!(said.kept, Some((2, 4)), "inventory: files not built");
    e.apply(Edit::Settings);
    e.write(dir);
    let said = check(dir, &e, 3, "settings");
    assert_eq!((said.index, said.render), (Some((4, 4)), Some((0, 4))));
    assert_eq!(said.kept, Some((3, 4)), "settings: files not built");
}

/// A file the output directory no longer holds as the stored run built it (edited by
/// hand) is built again, also when its stored row was edited behind alertctl's back to
/// claim the hand-edited content (only the row's MAC gives that away): the warm `diff`
/// shows what `--no-cache` shows.
#[test]
fn output_files_not_as_stored_are_built_again() {
    let mut e = Estate::four_alerts();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    assert!(support::alertctl(dir, &["render"]).status.success());
    let out = dir.join("rendered");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    // The threshold edit changes one file; a hand edit another.
    e.apply(Edit::Threshold(2, 77));
    e.write(dir);
    let warm = support::alertctl_without_delta(dir, &["-v", "diff"]);
    assert_eq!(not_built(&warm), Some((2, 3)), "{}", show(&warm));
    support::alertctl(dir, &["render"]);
    e.apply(Edit::Threshold(2, 78));
    e.write(dir);
    let changed = support::alertctl(dir, &["--no-cache", "diff"]);
    let untouched = names
        .iter()
        .find(|n| !String::from_utf8_lossy(&changed.stdout).contains(&format!("+++ b/{n}")))
        .expect("a file the edit does not change")
        .clone();
    let path = out.join(&untouched);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\n", "\n# edited by hand\n", 2)).unwrap();
    let warm = support::alertctl(dir, &["-v", "diff"]);
    let full = support::alertctl(dir, &["--no-cache", "diff"]);
    assert_eq!(not_built(&warm), Some((1, 3)), "{}", show(&warm));
    assert!(
        String::from_utf8_lossy(&warm.stdout).contains(&format!("+++ b/{untouched}")),
        "{}",
        show(&warm)
    );
    assert_eq!(warm.stdout, full.stdout, "{}\n{}", show(&warm), show(&full));
    // The same hand edit, with the stored row's hash changed to say the stored run
    // built it so: the row no longer authenticates, and the file is built again.
    support::alertctl(dir, &["render"]);
    e.apply(Edit::Threshold(2, 79));
    e.write(dir);
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen("\n", "\n# edited by hand\n", 2);
    std::fs::write(&path, &edited).unwrap();
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let forged = db
        .execute(
            "UPDATE file_memo SET hash = ?1 WHERE name = ?2",
            [&alertctl::source::load::content_hash(&edited), &untouched],
        )
        .unwrap();
    assert_eq!(forged, 1);
    drop(db);
    let warm = support::alertctl(dir, &["-v", "diff"]);
    let full = support::alertctl(dir, &["--no-cache", "diff"]);
    assert_eq!(not_built(&warm), Some((1, 3)), "{}", show(&warm));
    assert_eq!(warm.stdout, full.stdout, "{}\n{}", show(&warm), show(&full));
}

/// A file's bytes depend on more than its alerts' renders: the settings of its named
/// rule groups (in a rules file no alert has a rule in, so no alert is rendered
/// again) and the order of its templates in their file (a named group keeps it). Each
/// such edit rebuilds the file, and the warm `diff` shows what `--no-cache` shows.
#[test]
fn rule_group_settings_and_template_order_rebuild_their_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let write = |rel: &str, body: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
    };
    let up = "- template: PgUp\n  rule_group: Postgres\n  expr: pg_up == 0\n";
    let lag =
        "- template: PgLag\n  rule_group: Postgres\n  expr: pg_replication_lag_seconds > 30\n";
    write(
        "alertctl.toml",
        "[output]\ndir = \"rendered\"\n[validate]\npromtool = \"off\"\n",
    );
    write(
        "inventory.yaml",
        "namespaces:\n  prod:\n    db: [db-1:9100]\n",
    );
    write("templates/pg.yaml", &format!("{up}{lag}"));
    write(
        "rules/global.yaml",
        "- template: PgUp\n  scope: global\n- template: PgLag\n  scope: global\n",
    );
    write(
        "rules/groups.yaml",
        "- rule_group: Postgres\n  interval: 30s\n",
    );
    assert!(support::alertctl(dir, &["render"]).status.success());
    let edits: [(&str, String, &str); 2] = [
        (
            "rules/groups.yaml",
            "- rule_group: Postgres\n  interval: 45s\n".into(),
            "+  interval: 45s",
        ),
        (
            "templates/pg.yaml",
            format!("{lag}{up}"),
            "+  - alert: PgLag",
        ),
    ];
    for (rel, body, shown) in edits {
        write(rel, &body);
        let warm = support::alertctl(dir, &["-v", "diff"]);
        let full = support::alertctl(dir, &["--no-cache", "diff"]);
        assert_eq!(
            warm.stdout,
            full.stdout,
            "{rel}\n{}\n{}",
            show(&warm),
            show(&full)
        );
        assert!(
            String::from_utf8_lossy(&warm.stdout).contains(shown),
            "{rel}: {}",
            show(&warm)
        );
        assert_eq!(not_built(&warm), None, "{rel}: {}", show(&warm));
        assert!(support::alertctl(dir, &["render"]).status.success());
    }
}

/// A suspended rule is in no alert's resolution, but `trace --all` lists it: editing it,
/// in a file where its alert has no other rule, changes that alert's rows.
#[test]
fn a_suspended_rule_belongs_to_its_alert() {
    let mut e = Estate::fixed(
        vec![vec![2]],
        vec![
            Rule::at(0, 0, (0, 0), false),
            Rule::at(1, 1, (0, 0), false),
            Rule::at(2, 2, (0, 0), false),
            Rule::at(1, 2, (3, 0), true),
        ],
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    assert!(support::alertctl(dir, &["render"]).status.success());
    // The suspended PgLag rule moves from target/host-0-0-0 to target/host-0-0-1 (in
    // rules/teams/a.yaml, after DiskFull's rule, whose bytes do not move): PgLag alone is
    // recomputed.
    e.apply(Edit::MoveRule(3, (3, 1)));
    e.write(dir);
    assert_eq!(
        check(dir, &e, 0, "suspended rule moved").index,
        Some((1, 3))
    );
    let trace = support::alertctl(dir, &["trace", "host-0-0-0:9100", "--all"]);
    assert!(
        String::from_utf8_lossy(&trace.stdout).contains("target/host-0-0-1:9100"),
        "{}",
        show(&trace)
    );
}

/// A target moved to another group, with no rules file changed: the rules scoped to it
/// are listed under their new group (their index rows depend on the inventory).
#[test]
fn a_moved_target_moves_its_rules_in_the_index() {
    let e = Estate::fixed(vec![vec![1, 1]], vec![Rule::at(0, 0, (3, 0), false)]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    assert!(support::alertctl(dir, &["render"]).status.success());
    let inv = "namespaces:\n  ns0:\n    g0-0:\n      targets: []\n    g0-1:\n      targets:\n        - \"host-0-1-0:9100\"\n        - \"host-0-0-0:9100\"\n";
    let path = dir.join("inventory.yaml");
    std::fs::write(&path, inv).unwrap();
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    drop(f);
    assert_eq!(check(dir, &e, 1, "target moved").index, Some((1, 1)));
    let listed = support::alertctl(dir, &["list", "rules", "--group", "g0-1"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("target/host-0-0-0:9100"),
        "{}",
        show(&listed)
    );
}

/// A rule's text runs to where the next one starts: the blank lines a `|+` block keeps
/// are part of it (YAML spans end before them). Every rule of a file with an alias is
/// known by the whole file: an alias written as a rule's last entry lies past its
/// spans, and a rule that is an alias starts where its anchor is.
#[test]
fn aliases_and_kept_blank_lines_end_their_rule() {
    // rules/teams/b.yaml: PgLag's rule, then CpuHigh's, both global.
    let e = Estate::fixed(
        vec![vec![1]],
        vec![Rule::at(2, 2, (0, 0), false), Rule::at(2, 0, (0, 0), false)],
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    let b = RULE_FILES[2];
    hand_edit(
        dir,
        b,
        "\n\n- template: CpuHigh",
        "\n  annotations:\n    summary: |+\n      almost full\n\n- template: CpuHigh",
    );
    check(dir, &e, 2, "kept blank line");
    hand_edit(dir, b, "almost full\n\n", "almost full\n\n\n");
    let said = check(dir, &e, 3, "one more kept blank line");
    assert_eq!(said.index, Some((2, 2)), "PgLag's text, CpuHigh's place");
    e.write(dir);
    hand_edit(
        dir,
        b,
        "- template: PgLag\n",
        "- template: PgLag\n  labels: &l { team: aa }\n",
    );
    let text = std::fs::read_to_string(dir.join(b)).unwrap();
    std::fs::write(dir.join(b), format!("{text}  labels: *l\n")).unwrap();
    check(dir, &e, 4, "alias last");
    hand_edit(dir, b, "  labels: *l\n", "  annotations: *l\n");
    let said = check(dir, &e, 5, "alias last, moved to annotations");
    assert_eq!(said.index, Some((2, 2)), "a file with an alias is one unit");
    // A rule that is an alias of a mapping anchored inside the rule before it starts
    // where the anchor is: the rule before it does not end there.
    std::fs::write(
        dir.join(b),
        "- <<: &r {template: DiskFull, scope: global, priority: 5}\n  template: PgLag\n  priority: 6\n  params: { threshold: 91 }\n- *r\n",
    )
    .unwrap();
    check(dir, &e, 6, "rule that is an alias");
    hand_edit(dir, b, "threshold: 91", "threshold: 77");
    let said = check(dir, &e, 7, "threshold before an alias's anchor");
    assert_eq!(said.index, Some((2, 2)));
}

/// Every rule of a file with a YAML directive is known by the whole file: the parser
/// counts a directive's text in bytes where it counts the rest in characters, so a
/// same-length edit there (non-ASCII for ASCII) moves the spans of every rule after it.
/// The parser also starts a directive after a lone `\r` or byte order marks.
#[test]
fn a_directive_keys_its_file_whole() {
    let e = Estate::fixed(vec![vec![1]], vec![Rule::at(2, 2, (0, 0), false)]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    let b = RULE_FILES[2];
    let rule = "---\n- template: PgLag           # pad\n  scope: global\n  priority: 3\n  params: {threshold: 9}\n  labels: {team: web}\n";
    let accented = "\u{e9}".repeat(10);
    for (i, before) in [
        "",
        "\u{feff}",
        "\u{feff}\u{feff}",
        "# c\r",
        "# x\n...\n\u{feff}",
    ]
    .into_iter()
    .enumerate()
    {
        let what = format!("directive after {before:?}");
        std::fs::write(dir.join(b), format!("{before}%FOO {accented}\n{rule}")).unwrap();
        check(dir, &e, 2 * i, &what);
        hand_edit(dir, b, &accented, &"e".repeat(20));
        let said = check(dir, &e, 2 * i + 1, &format!("{what}, its text"));
        assert_eq!(said.index, Some((1, 1)), "{what}");
    }
}

/// A kept render edited behind alertctl's back (the cache committed once, then changed
/// in a pull request) is not read back: one whose rule was renamed (still a valid
/// encoding that fits the model, so only its MAC gives it away), one with its last byte
/// changed. Both are rendered again, and every answer is the full run's.
#[test]
fn kept_renders_edited_behind_alertctl_are_not_read_back() {
    let mut e = Estate::four_alerts();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    assert!(support::alertctl(dir, &["render"]).status.success());
    let db = rusqlite::Connection::open(dir.join(".alertctl/cache.sqlite")).unwrap();
    let memo = |alert: &str| -> Vec<u8> {
        db.query_row(
            "SELECT memo FROM alert_memo WHERE alert = ?1",
            [alert],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (cpu, disk) = (memo("CpuHigh"), memo("DiskFull"));
    let at = cpu
        .windows(7)
        .position(|w| w == b"CpuHigh")
        .expect("the rule's name is in its render");
    let mut renamed = cpu.clone();
    renamed[at..at + 7].copy_from_slice(b"CpuHacK");
    let mut flipped = disk.clone();
    *flipped.last_mut().unwrap() ^= 1;
    db.execute(
        "UPDATE alert_memo SET memo = ?1 WHERE alert = 'CpuHigh'",
        [&renamed],
    )
    .unwrap();
    db.execute(
        "UPDATE alert_memo SET memo = ?1 WHERE alert = 'DiskFull'",
        [&flipped],
    )
    .unwrap();
    drop(db);
    // The edit is PgLag's: without the edits above, CpuHigh and DiskFull would be read
    // back with Busy (`an_edit_recomputes_only_what_it_can_affect`).
    e.apply(Edit::Threshold(2, 77));
    e.write(dir);
    // `diff` reads the renders of the alerts in the files it builds, and of the others
    // only their summaries (authenticated apart): one of the two has rules in a file
    // the edit changes and is rendered again; the other's edited render is not read.
    let said = check(dir, &e, 0, "kept renders edited");
    assert_eq!((said.index, said.render), (Some((1, 4)), Some((2, 4))));
    // (`render`, which reads every alert's, renders it again: `check` compared
    // `render --stdout` with `--no-cache`.)
    // Rendered again, they are kept again.
    e.apply(Edit::Threshold(2, 78));
    e.write(dir);
    let said = check(dir, &e, 0, "kept again");
    assert_eq!(said.render, Some((3, 4)));
}

/// An alert read back brings its lints with it: PgLag's query, changed to drop the
/// group its rule scopes it to, gets `scoped-drops-group`; after an edit elsewhere the
/// warm `diff` reports it exactly as the full run does. (Not in the random estates:
/// the fast path prints no warnings, so their fast-path comparisons assume none.)
#[test]
fn a_read_back_alert_keeps_its_lints() {
    let mut e = Estate::fixed(
        vec![vec![2, 1]],
        vec![Rule::at(0, 2, (2, 0), false), Rule::at(1, 0, (0, 0), false)],
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    let pglag = dir.join("templates/PgLag.yaml");
    let query = std::fs::read_to_string(&pglag).unwrap().replace(
        "expr: pg_replication_lag_seconds",
        "expr: sum by (instance) (pg_replication_lag_seconds)",
    );
    std::fs::write(&pglag, query).unwrap();
    let first = support::alertctl(dir, &["diff"]);
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("scoped-drops-group"),
        "{}",
        show(&first)
    );
    // rules/teams/a.yaml holds CpuHigh's rule only.
    for threshold in [55, 56] {
        e.rules[1].threshold = threshold;
        let files = e.files();
        let (path, text) = files
            .iter()
            .find(|(p, _)| p == "rules/teams/a.yaml")
            .unwrap();
        std::fs::write(dir.join(path), text).unwrap();
        let warm = support::alertctl(dir, &["-v", "diff"]);
        let full = support::alertctl(dir, &["--no-cache", "diff"]);
        assert_eq!(read_back(&warm), Some((1, 2)), "{}", show(&warm));
        assert!(
            warm.stdout == full.stdout && quiet_stderr(&warm) == quiet_stderr(&full),
            "=== warm: {}\n=== full: {}",
            show(&warm),
            show(&full)
        );
        assert!(
            quiet_stderr(&warm).contains("scoped-drops-group"),
            "{}",
            show(&warm)
        );
    }
}
