//! Issue 17: the questions people ask most (`trace`, `effective` at every kind of
//! position, every `list` filter) are answered from the cache index a full run leaves.
//! Over random estates and random questions, the fast answer must be the full path's
//! (`--no-cache`) byte for byte, in every output format, with the same exit code; and the
//! fast path must really have answered (`-v` says so), or the comparison proves nothing.

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;

const FORMATS: [&str; 3] = ["human", "json", "yaml"];
const TEMPLATES: [&str; 4] = ["NodeHigh", "PgLag", "AnyDown", "busy_rate"];
const FAST: &str = "answered from the cache index";

/// A rule: (template pick or many-alert kind, scope (kind, pick), threshold, enabled,
/// suspended, severity, renamed alert).
type GenRule = (u8, (u8, usize), u16, Option<bool>, bool, Option<u8>, bool);

#[derive(Debug, Clone)]
struct Estate {
    /// namespaces -> groups -> (target count, group jobs bit set)
    namespaces: Vec<Vec<(usize, u8)>>,
    /// Per target (cycling), its own jobs bit set.
    target_jobs: Vec<u8>,
    jobs: bool,
    ungrouped: usize,
    rules: Vec<GenRule>,
}

fn estate() -> impl Strategy<Value = Estate> {
    (
        prop::collection::vec(prop::collection::vec((0usize..4, 0u8..4), 1..4), 1..3),
        prop::collection::vec(0u8..4, 1..5),
        any::<bool>(),
        0usize..3,
        prop::collection::vec(
            (
                0u8..7,
                (0u8..4, 0usize..64),
                1u16..200,
                prop::option::of(any::<bool>()),
                prop::bool::weighted(0.1),
                prop::option::of(0u8..2),
                prop::bool::weighted(0.2),
            ),
            0..16,
        ),
    )
        .prop_map(|(namespaces, target_jobs, jobs, ungrouped, rules)| Estate {
            namespaces,
            target_jobs,
            jobs,
            ungrouped,
            rules,
        })
}

/// Names with dots, parentheses and a non-ASCII letter, to exercise quoting and escaping.
fn ns_name(n: usize) -> String {
    format!("ns{n}.prod")
}
fn group_name(n: usize, g: usize) -> String {
    format!("g{n}-{g}(ü)")
}
fn target_name(n: usize, g: usize, t: usize) -> String {
    format!("host-{n}-{g}-{t}.example.com:9100")
}
fn ungrouped_name(i: usize) -> String {
    format!("lonely-{i}:9100")
}

fn jobs_yaml(mask: u8) -> String {
    let mut jobs = vec![];
    if mask & 1 != 0 {
        jobs.push("node");
    }
    if mask & 2 != 0 {
        jobs.push("{pg: 9187}");
    }
    format!("[{}]", jobs.join(", "))
}

impl Estate {
    fn groups(&self) -> Vec<String> {
        let mut v = vec![];
        for (n, gs) in self.namespaces.iter().enumerate() {
            for g in 0..gs.len() {
                v.push(group_name(n, g));
            }
        }
        v
    }

    fn targets(&self) -> Vec<String> {
        let mut v = vec![];
        for (n, gs) in self.namespaces.iter().enumerate() {
            for (g, (tc, _)) in gs.iter().enumerate() {
                v.extend((0..*tc).map(|t| target_name(n, g, t)));
            }
        }
        v.extend((0..self.ungrouped).map(ungrouped_name));
        v
    }

    fn scope(&self, (kind, pick): (u8, usize)) -> String {
        let pick_of = |v: Vec<String>| v.get(pick % v.len().max(1)).cloned();
        let namespaces = (0..self.namespaces.len()).map(ns_name).collect();
        match kind {
            1 => pick_of(namespaces).map(|n| format!("namespace/{n}")),
            2 => pick_of(self.groups()).map(|g| format!("group/{g}")),
            3 => pick_of(self.targets()).map(|t| format!("target/{t}")),
            _ => None,
        }
        .unwrap_or_else(|| "global".into())
    }

    fn write(&self, dir: &Path) {
        let w = |rel: &str, body: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        };
        w(
            "alertctl.toml",
            "[output]\ndir = \"rendered\"\n[validate]\npromtool = \"off\"\n",
        );
        let mut inv = String::from("namespaces:\n");
        let mut ti = 0;
        for (n, gs) in self.namespaces.iter().enumerate() {
            writeln!(inv, "  \"{}\":", ns_name(n)).unwrap();
            for (g, (tc, gmask)) in gs.iter().enumerate() {
                writeln!(inv, "    \"{}\":", group_name(n, g)).unwrap();
                if self.jobs && *gmask != 0 {
                    writeln!(inv, "      jobs: {}", jobs_yaml(*gmask)).unwrap();
                }
                inv.push_str("      targets:\n");
                for t in 0..*tc {
                    let own = self.target_jobs[ti % self.target_jobs.len()];
                    ti += 1;
                    if self.jobs && own != 0 {
                        writeln!(
                            inv,
                            "        - {{name: \"{}\", jobs: {}}}",
                            target_name(n, g, t),
                            jobs_yaml(own)
                        )
                        .unwrap();
                    } else {
                        writeln!(inv, "        - \"{}\"", target_name(n, g, t)).unwrap();
                    }
                }
            }
        }
        if self.ungrouped > 0 {
            inv.push_str("targets:\n");
            for i in 0..self.ungrouped {
                if self.jobs {
                    writeln!(inv, "  - {{name: \"{}\", jobs: [node]}}", ungrouped_name(i)).unwrap();
                } else {
                    writeln!(inv, "  - \"{}\"", ungrouped_name(i)).unwrap();
                }
            }
        }
        w("inventory.yaml", &inv);
        w(
            "templates/node-high.yaml",
            "template: NodeHigh\nseverity: warning\nparams:\n  threshold: { type: number, default: 80 }\n\
             expr: rate(node_cpu_seconds_total{job=\"node\"}[5m]) > ${threshold}\nfor: 5m\n\
             annotations:\n  summary: \"busy {{ $labels.instance }}\"\n",
        );
        w(
            "templates/pg-lag.yaml",
            "template: PgLag\nseverity: critical\njob: pg\ntags: [db]\n\
             params:\n  threshold: { type: number, default: 30 }\n\
             expr: pg_replication_lag_seconds > ${threshold}\nlabels:\n  team: dba\n",
        );
        w(
            "templates/any-down.yaml",
            "template: AnyDown\nseverity: critical\njob: \"*\"\n\
             params:\n  threshold: { type: number, default: 0 }\nexpr: up == ${threshold}\nfor: 1m\n",
        );
        w(
            "templates/busy-rate.yaml",
            "template: busy_rate\nrecord: instance:busy:rate5m\n\
             params:\n  threshold: { type: number, default: 1 }\n\
             expr: rate(node_cpu_seconds_total{job=\"node\"}[5m]) * ${threshold}\n",
        );
        let mut rules = String::from("# generated\n");
        for (i, r) in self.rules.iter().enumerate() {
            let (pick, scope, threshold, enabled, suspended, severity, renamed) = *r;
            let template = match pick {
                4 => "\"*\"".to_string(),
                5 => "[NodeHigh, AnyDown]".to_string(),
                6 => "\"*Down\"".to_string(),
                p => TEMPLATES[p as usize].to_string(),
            };
            writeln!(rules, "\n- template: {template}").unwrap();
            if renamed && pick < 3 {
                writeln!(rules, "  alert: {}Renamed", TEMPLATES[pick as usize]).unwrap();
            }
            writeln!(rules, "  scope: \"{}\"", self.scope(scope)).unwrap();
            // Distinct priorities: two rules never conflict at one priority and scope.
            writeln!(rules, "  priority: {i}").unwrap();
            writeln!(rules, "  params: {{ threshold: {threshold} }}").unwrap();
            if let Some(e) = enabled {
                writeln!(rules, "  enabled: {e}").unwrap();
            }
            if suspended {
                rules.push_str("  suspended: true\n");
            }
            if let (Some(s), true) = (severity, pick != 3) {
                let s = ["info", "page"][s as usize];
                writeln!(rules, "  labels: {{ level: {s} }}").unwrap();
            }
        }
        w("rules/generated.yaml", &rules);
    }
}

/// The fast path does not trust a file modified within the last second.
fn age(dir: &Path) {
    for e in walk(dir) {
        let f = std::fs::File::options().write(true).open(&e).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// A random question: the arguments of `trace`, `effective` or `list`.
fn question(e: &Estate, kind: u8, pick: usize, flag: u8) -> Vec<String> {
    let targets = e.targets();
    let groups = e.groups();
    let mut alerts: Vec<String> = TEMPLATES.iter().map(|t| t.to_string()).collect();
    alerts.extend(TEMPLATES[..3].iter().map(|t| format!("{t}Renamed")));
    let of = |v: &[String]| v.get(pick % v.len().max(1)).cloned();
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let target = of(&targets).unwrap_or_else(|| "nowhere:9100".into());
    let group = of(&groups).unwrap();
    let ns = ns_name(pick % e.namespaces.len());
    let alert = alerts[pick % alerts.len()].clone();
    let all = flag % 2 == 1;
    let mut q = match kind {
        0 => s(&["trace", &target]),
        1 => s(&["trace", &target, &alert]),
        2 => s(&["effective", &target]),
        3 => s(&["effective", "--group", &group]),
        4 => s(&["effective", "--namespace", &ns]),
        5 => s(&["effective", "--global"]),
        6 => match flag % 6 {
            0 => s(&["list", "rules"]),
            1 => s(&["list", "rules", "--group", &group]),
            2 => s(&["list", "rules", "--namespace", &ns]),
            3 => s(&[
                "list",
                "rules",
                "--scope",
                &e.scope((1 + (pick % 3) as u8, pick)),
            ]),
            4 => s(&["list", "rules", "--template", TEMPLATES[pick % 4]]),
            _ => s(&["list", "rules", "--suspended"]),
        },
        7 => match flag % 3 {
            0 => s(&["list", "templates"]),
            1 => s(&["list", "templates", "--severity", "critical"]),
            _ => s(&["list", "templates", "--job", "node"]),
        },
        _ => match flag % 3 {
            0 => s(&["list", "targets"]),
            1 => s(&["list", "targets", "--namespace", &ns]),
            _ => s(&["list", "targets", "--group", &group]),
        },
    };
    if kind <= 1 && all {
        q.push("--all".into());
    }
    q
}

/// Asks `q` in every format, fast and full; returns how many answers were fast.
fn same_answers(dir: &Path, q: &[String]) -> usize {
    let mut fast_answers = 0;
    for format in FORMATS {
        let mut args: Vec<&str> = vec!["-v"];
        args.extend(q.iter().map(String::as_str));
        args.extend(["--format", format]);
        let fast = support::alertctl(dir, &args);
        args[0] = "--no-cache";
        let full = support::alertctl(dir, &args);
        let show = |o: &std::process::Output| {
            format!(
                "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
                o.status.code(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        };
        assert!(
            fast.stdout == full.stdout && fast.status.code() == full.status.code(),
            "{q:?} --format {format}: the cache's answer differs from the full path's\n=== fast: {}\n=== full: {}",
            show(&fast),
            show(&full)
        );
        if String::from_utf8_lossy(&fast.stderr).contains(FAST) {
            fast_answers += 1;
        }
        // Both paths print JSON from pre-printed pieces: it must still be what
        // serde_json prints for the document (keys sorted, pretty), not merely equal.
        if format == "json" && full.status.success() {
            let text = String::from_utf8(full.stdout).unwrap();
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            let printed = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
            assert!(
                printed == text,
                "{q:?}: not serde_json's own printing:\n{text}"
            );
        }
    }
    fast_answers
}

/// Whether a `trace TARGET ALERT` question finds the alert applied there (then the
/// cache must answer it).
fn applies(dir: &Path, q: &[String]) -> bool {
    let mut args: Vec<&str> = vec!["--no-cache"];
    args.extend(q.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let o = support::alertctl(dir, &args);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    o.status.success() && doc["alerts"].as_array().is_some_and(|a| !a.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    #[test]
    fn fast_answers_are_the_full_paths(
        e in estate(),
        questions in prop::collection::vec((0u8..9, 0usize..64, 0u8..6), 6),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        e.write(dir);
        age(dir);
        let r = support::alertctl(dir, &["render"]);
        prop_assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        // Every estate gets a trace of all alerts with --all (the heaviest question) and
        // a group question; the rest are random.
        let mut qs = vec![question(&e, 0, 0, 1), question(&e, 3, 0, 0)];
        qs.extend(questions.iter().map(|&(k, p, f)| question(&e, k, p, f)));
        for q in &qs {
            let fast = same_answers(dir, q);
            // Only a trace of one alert (which may not apply there) and a question about
            // a target the estate does not have take the full path on purpose: every
            // other answer must be the cache's, in every format.
            let one_alert = q[0] == "trace" && q.len() > 2 && q[2] != "--all";
            let on_purpose = (one_alert && !applies(dir, q))
                || q.iter().any(|a| a == "nowhere:9100");
            prop_assert!(on_purpose || fast == FORMATS.len(), "{q:?}: only {fast} fast answers");
        }
    }
}

/// Questions about names the index does not hold (typos, control characters, newlines,
/// an instance of a job rather than a target) take the full path, which explains them
/// with the same exit code as without a cache; they never answer "nothing applies".
#[test]
fn unknown_and_hostile_names_take_the_full_path() {
    let e = Estate {
        namespaces: vec![vec![(2, 3)]],
        target_jobs: vec![2],
        jobs: true,
        ungrouped: 1,
        rules: vec![(1, (2, 0), 10, None, false, None, false)],
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    e.write(dir);
    age(dir);
    assert!(support::alertctl(dir, &["render"]).status.success());
    let target = target_name(0, 0, 0);
    let instance = target.replace(":9100", ":9187");
    let hostile = [
        vec!["trace", "nosuch:9100"],
        vec!["trace", "host\n-0-0-0.example.com:9100"],
        vec!["trace", &target, "NoSuchAlert"],
        vec!["trace", &target, "PgLag\u{1b}[31m"],
        vec!["trace", &instance],
        vec!["effective", &instance],
        vec!["effective", "--group", "g0-0(ü)\u{202e}"],
        vec!["effective", "--namespace", "ns0.prod\n"],
        vec!["effective", "--group", "nosuch"],
        vec!["list", "rules", "--group", "g0-0\r(ü)"],
    ];
    for q in hostile {
        let q: Vec<String> = q.iter().map(|s| s.to_string()).collect();
        let fast = same_answers(dir, &q);
        let answered_by_index = q[0] == "list";
        assert_eq!(
            fast > 0,
            answered_by_index,
            "{q:?}: only `list` answers an unknown name from the index (an empty list)"
        );
    }
}
