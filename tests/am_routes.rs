//! `alertctl::alertmanager::route` against the real `amtool` (Alertmanager 0.25): for
//! hand-written configs, for randomly generated route trees, for a list of matcher
//! strings and for a list of Go regexes, every `receivers()` result must equal
//! `amtool config routes test` and every `tree()` must equal `amtool config routes
//! show`, byte for byte; a config amtool refuses must be refused by `parse_route` /
//! `validate_root` too.
//!
//! amtool is never mocked. It is found at `$ALERTCTL_TOOLS_BIN/amtool`, else
//! `.tools/bin/amtool` in this repository (running `scripts/install-tools.sh` when it
//! is missing); without it the test fails. The random configs use a fixed seed;
//! `ALERTCTL_AM_ROUTES_SEED=N` runs another.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use alertctl::alertmanager::route::{parse_route, receivers, tree, validate_root, Route};
use serde_yaml::{Mapping, Value};

type Labels = BTreeMap<String, String>;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn amtool() -> PathBuf {
    if let Some(dir) = std::env::var_os("ALERTCTL_TOOLS_BIN").filter(|d| !d.is_empty()) {
        let p = PathBuf::from(dir).join("amtool");
        assert!(
            p.is_file(),
            "ALERTCTL_TOOLS_BIN is set but {} does not exist; run scripts/install-tools.sh",
            p.display()
        );
        return p;
    }
    let local = manifest_dir().join(".tools/bin/amtool");
    if !local.is_file() {
        let out = Command::new("bash")
            .arg(manifest_dir().join("scripts/install-tools.sh"))
            .arg("-q")
            .output()
            .expect("run scripts/install-tools.sh");
        assert!(
            local.is_file(),
            "amtool not found at {} and scripts/install-tools.sh did not install it \
             (exit {}):\n{}{}",
            local.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    local
}

/// One `amtool` invocation and what `route.rs` says it prints (`None`: amtool must fail).
struct Job {
    what: String,
    config: PathBuf,
    args: Vec<String>,
    expected: Option<String>,
}

/// Runs the jobs on a few threads; returns a description of every mismatch.
fn run_jobs(amtool: &Path, jobs: &[Job]) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8)
        * 2;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let out = Command::new(amtool)
                    .arg("config")
                    .arg("routes")
                    .args(&job.args)
                    .arg(format!("--config.file={}", job.config.display()))
                    .output()
                    .expect("run amtool");
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                let ok = match &job.expected {
                    Some(exp) if job.args[0] == "show" => out.status.success() && stdout == *exp,
                    Some(exp) => out.status.success() && normalize(&stdout) == normalize(exp),
                    None => !out.status.success(),
                };
                if !ok {
                    failures.lock().unwrap().push(format!(
                        "{}\n  amtool config routes {}\n  config: {}\n  amtool (exit {}): {:?}\n  stderr: {}\n  route.rs: {:?}\n  config text:\n{}",
                        job.what,
                        job.args.join(" "),
                        job.config.display(),
                        out.status,
                        stdout,
                        String::from_utf8_lossy(&out.stderr).trim(),
                        job.expected,
                        std::fs::read_to_string(&job.config).unwrap_or_default()
                    ));
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

/// `routes test`: surrounding white space is ignored (`routes show` compares exactly).
fn normalize(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\n')
}

fn check(amtool: &Path, what: &str, jobs: &[Job]) -> usize {
    let failures = run_jobs(amtool, jobs);
    assert!(
        failures.is_empty(),
        "{what}: {} of {} amtool comparisons differ; first ones:\n\n{}",
        failures.len(),
        jobs.len(),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    jobs.len()
}

/// Every receiver name used in a route tree (YAML).
fn receiver_names(route: &Value, out: &mut BTreeSet<String>) {
    if let Some(r) = route.get("receiver").and_then(Value::as_str) {
        if !r.is_empty() {
            out.insert(r.to_string());
        }
    }
    if let Some(Value::Sequence(children)) = route.get("routes") {
        for c in children {
            receiver_names(c, out);
        }
    }
}

/// A full alertmanager.yml around `route`, with a webhook receiver for every name used.
fn full_config(route: &Value, extra_top: &str) -> String {
    let mut names = BTreeSet::new();
    receiver_names(route, &mut names);
    let receivers: Vec<Value> = names
        .iter()
        .map(|n| {
            serde_yaml::from_str(&format!(
                "{{name: {}, webhook_configs: [{{url: 'http://127.0.0.1:1/x'}}]}}",
                serde_json::to_string(n).unwrap()
            ))
            .unwrap()
        })
        .collect();
    let mut top = Mapping::new();
    top.insert("route".into(), route.clone());
    top.insert("receivers".into(), Value::Sequence(receivers));
    let mut text = serde_yaml::to_string(&top).unwrap();
    text.push_str(extra_top);
    text
}

/// `k="v"` as amtool reads a label argument (ParseMatcher with OpenMetrics escapes).
fn label_arg(k: &str, v: &str) -> String {
    let mut s = format!("{k}=\"");
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Writes `yaml` as config `name` in `dir`, and queues: `routes show` against `tree()`
/// and `routes test` for each label set against `receivers()`. Returns the route.
fn queue_config(
    dir: &Path,
    name: &str,
    yaml: &str,
    label_sets: &[Labels],
    jobs: &mut Vec<Job>,
) -> Route {
    let path = dir.join(format!("{name}.yml"));
    std::fs::write(&path, yaml).unwrap();
    let doc: Value = serde_yaml::from_str(yaml).unwrap();
    let route = parse_route(&doc["route"]).unwrap_or_else(|e| panic!("{name}: {e}\n{yaml}"));
    validate_root(&route).unwrap_or_else(|e| panic!("{name}: {e}\n{yaml}"));
    jobs.push(Job {
        what: format!("{name}: routes show"),
        config: path.clone(),
        args: vec!["show".into()],
        expected: Some(tree(&route)),
    });
    for labels in label_sets {
        let mut args = vec!["test".to_string()];
        args.extend(labels.iter().map(|(k, v)| label_arg(k, v)));
        jobs.push(Job {
            what: format!("{name}: routes test {labels:?}"),
            config: path.clone(),
            args,
            expected: Some(receivers(&route, labels).join(",")),
        });
    }
    route
}

/// Every combination of the given values; `None` leaves the label out.
fn product(space: &[(&str, &[Option<&str>])]) -> Vec<Labels> {
    let mut sets = vec![Labels::new()];
    for (name, values) in space {
        let mut next = Vec::new();
        for set in &sets {
            for v in *values {
                let mut s = set.clone();
                if let Some(v) = v {
                    s.insert(name.to_string(), v.to_string());
                }
                next.push(s);
            }
        }
        sets = next;
    }
    sets
}

const NAMESPACES: &[Option<&str>] = &[None, Some("prod"), Some("dev")];
const GROUPS: &[Option<&str>] = &[None, Some("web"), Some("webserver"), Some("db")];
const SEVERITIES: &[Option<&str>] = &[None, Some("critical"), Some("info")];
const TEAMS: &[Option<&str>] = &[None, Some("a"), Some("b")];

fn standard_label_sets() -> Vec<Labels> {
    let mut sets = product(&[
        ("namespace", NAMESPACES),
        ("group", GROUPS),
        ("severity", SEVERITIES),
        ("team", TEAMS),
    ]);
    // A label given with the empty value is the same as an absent one.
    sets.push(
        product(&[
            ("namespace", &[Some("")]),
            ("severity", &[Some("")]),
            ("team", &[Some("")]),
        ])
        .remove(0),
    );
    sets.push(
        product(&[
            ("group", &[Some("web")]),
            ("severity", &[Some("warning")]),
            ("x", &[Some("1")]),
        ])
        .remove(0),
    );
    sets
}

const HAND_WRITTEN: &[(&str, &str)] = &[
    (
        "realistic",
        r#"
receiver: default
group_by: [alertname, namespace]
group_wait: 30s
routes:
  - matchers: ['severity="critical"']
    receiver: pager
    continue: true
  - matchers: ['namespace="prod"']
    receiver: prod-team
    group_by: ['...']
    routes:
      - matchers: ['group=~"web"']
        receiver: web-oncall
      - matchers: ['group=~"web.*"', 'severity!="info"']
        receiver: web-all
      - match: {team: a}
        continue: true
      - match_re: {team: "a|b"}
        receiver: team-ab
  - matchers: ['{namespace=~"dev|staging", severity=~"crit.*"}']
    receiver: dev-crit
  - matchers: [team!="a", 'group!~"db|api"']
    receiver: not-a
    routes:
      - matchers: ['severity=""']
        receiver: no-severity
"#,
    ),
    (
        "anchoring",
        r#"
receiver: root
routes:
  - matchers: ['group=~"web"']
    receiver: exactly-web
    continue: true
  - matchers: ['group=~".*server"']
    receiver: any-server
    continue: true
  - matchers: ['group=~"web|db"', 'namespace=~"pro"']
    receiver: pro-is-not-prod
    continue: true
  - matchers: ['namespace=~"dev)|(prod"']
    receiver: escaped-anchor
    continue: true
  - match_re: {namespace: "dev)|(prod"}
    receiver: match-re-double-anchored
    continue: true
  - matchers: ['severity=~"(?i)CRIT.*"']
    receiver: case-insensitive
    continue: true
  - matchers: ['group=~"^web$"']
    receiver: explicit-anchors
"#,
    ),
    (
        "negative-and-absent",
        r#"
receiver: root
routes:
  - matchers: ['team!="a"']
    receiver: not-team-a
    continue: true
  - matchers: ['team!~".+"']
    receiver: no-team
    continue: true
  - matchers: ['x=""']
    receiver: x-empty
    continue: true
  - matchers: ['x=~""', 'severity!~"critical|info"']
    receiver: x-re-empty
    continue: true
  - matchers: ['x!=""']
    receiver: has-x
    continue: true
  - matchers: [namespace!~dev, 'group!~"web.*"']
    receiver: neither
"#,
    ),
    (
        "inherited-receivers",
        r#"
receiver: root
routes:
  - matchers: [namespace=prod]
    routes:
      - matchers: [group=web]
        routes:
          - matchers: [severity=critical]
            receiver: ""
          - matchers: [team=a]
            receiver: team-a
            routes:
              - matchers: [severity=info]
      - matchers: [group=~"web|db"]
        receiver: prod-web-db
        routes:
          - matchers: [team=b]
            continue: true
          - matchers: [severity=critical]
  - matchers: [namespace=dev]
    receiver: dev
    routes:
      - {}
"#,
    ),
    (
        "continue-chains",
        r#"
receiver: root
routes:
  - matchers: ['namespace=~".+"']
    receiver: any-ns
    continue: true
    routes:
      - matchers: [severity=critical]
        receiver: crit
        continue: true
      - matchers: ['severity=~"critical|info"']
        receiver: crit-or-info
        continue: true
      - matchers: [team=a]
        receiver: any-ns
      - matchers: [team=b]
        receiver: team-b
  - matchers: ['group=~"web.*"']
    receiver: web
    continue: true
  - matchers: ['group=~"web.*"']
    receiver: web
    continue: true
  - matchers: [team=a]
    receiver: team-a
  - matchers: [team=b]
    receiver: never-after-team-a
"#,
    ),
    (
        "match-forms-and-sorting",
        r#"
receiver: root
routes:
  - match: {team: a, severity: critical}
    match_re: {group: "web.*", namespace: "prod|dev"}
    matchers: ['{namespace!="dev", group!="webserver"}']
    receiver: all-forms
  - matchers: ['team=b,severity=~crit.*', 'group = "db" ', 'namespace=~"prod,dev|prod"']
    receiver: comma-list
  - matchers: ['{group="web"}', 'group=~"w.*"', 'group!~"x"', 'group!="a"', 'group=~"a"']
    receiver: same-name-many
  - matchers: ['{}']
    match: {}
    receiver: empty-braces
"#,
    ),
    (
        "options-ignored-by-routing",
        r#"
receiver: root
group_by: ['...']
group_wait: 1m
group_interval: 5m
repeat_interval: 3h
routes:
  - matchers: [severity=critical]
    group_by: [alertname]
    mute_time_intervals: [weekend]
    receiver: crit
  - matchers: [severity=info]
    active_time_intervals: [weekend]
    group_by: []
    receiver: info
"#,
    ),
];

const TIME_INTERVALS: &str = "time_intervals:\n  - name: weekend\n    time_intervals:\n      - weekdays: ['saturday', 'sunday']\n";

#[test]
fn hand_written_configs_route_like_amtool() {
    let amtool = amtool();
    let dir = tempfile::tempdir().unwrap();
    let sets = standard_label_sets();
    let mut jobs = Vec::new();
    for (name, route_yaml) in HAND_WRITTEN {
        let route: Value = serde_yaml::from_str(route_yaml).unwrap();
        let yaml = full_config(&route, TIME_INTERVALS);
        queue_config(dir.path(), name, &yaml, &sets, &mut jobs);
    }
    // Sanity checks of the semantics amtool confirms below.
    let anchoring =
        parse_route(&serde_yaml::from_str::<Value>(HAND_WRITTEN[1].1).unwrap()).unwrap();
    let l = |kv: &[(&str, &str)]| {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Labels>()
    };
    assert_eq!(
        receivers(&anchoring, &l(&[("group", "webserver")])),
        ["any-server"]
    );
    assert_eq!(
        receivers(&anchoring, &l(&[("group", "web")])),
        ["exactly-web", "explicit-anchors"]
    );
    assert_eq!(
        receivers(&anchoring, &l(&[("namespace", "devops")])),
        ["escaped-anchor"]
    );
    let n = check(&amtool, "hand-written configs", &jobs);
    eprintln!(
        "hand-written configs: {} configs, {n} amtool comparisons",
        HAND_WRITTEN.len()
    );
}

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const LABELS: &[(&str, &[&str])] = &[
    ("namespace", &["prod", "dev", "staging"]),
    ("group", &["web", "webserver", "db", "api"]),
    ("severity", &["critical", "warning", "info"]),
    ("team", &["a", "b", "ops"]),
];

const REGEXES: &[&str] = &[
    "web",
    "web.*",
    ".*server",
    "crit.*|warn",
    ".*",
    ".+",
    "",
    "db|api",
    "(?i)WEB",
    "w[a-z]+",
    "prod|dev",
    "a|b",
    "[ab]",
    "dev)|(prod",
    "^web$",
    "crit",
    "(a|ops)?",
    "[^a]",
];

/// A random matcher over the four labels: (name, op, value).
fn random_matcher(rng: &mut Rng) -> (String, &'static str, String) {
    let (name, values) = *rng.pick(LABELS);
    let op = *rng.pick(&["=", "=", "!=", "=~", "=~", "!~"]);
    let value = if op.contains('~') {
        rng.pick(REGEXES).to_string()
    } else if rng.chance(10) {
        String::new()
    } else {
        rng.pick(values).to_string()
    };
    (name.to_string(), op, value)
}

/// `name op value` in one of the spellings Alertmanager accepts.
fn spell(rng: &mut Rng, (name, op, value): &(String, &str, String)) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".*|".contains(c));
    let (sp, q) = if rng.chance(20) {
        (" ", "\"")
    } else {
        ("", if plain && rng.chance(40) { "" } else { "\"" })
    };
    format!("{name}{sp}{op}{sp}{q}{value}{q}")
}

fn random_route(rng: &mut Rng, depth: usize) -> Value {
    let mut m = Mapping::new();
    let n = rng.below(3) + usize::from(rng.chance(50));
    let ms: Vec<_> = (0..n).map(|_| random_matcher(rng)).collect();
    let (mut strings, mut eq, mut re) = (Vec::new(), Mapping::new(), Mapping::new());
    let mut i = 0;
    while i < ms.len() {
        let (name, op, value) = &ms[i];
        if *op == "=" && rng.chance(25) && !eq.contains_key(name.as_str()) {
            eq.insert(name.as_str().into(), value.as_str().into());
        } else if *op == "=~" && rng.chance(25) && !re.contains_key(name.as_str()) {
            re.insert(name.as_str().into(), value.as_str().into());
        } else if i + 1 < ms.len() && rng.chance(30) {
            // Two matchers in one string, maybe in braces, maybe with a trailing comma.
            let (a, b) = (spell(rng, &ms[i]), spell(rng, &ms[i + 1]));
            let joined = format!(
                "{a},{}{b}{}",
                if rng.chance(50) { " " } else { "" },
                if rng.chance(20) { "," } else { "" }
            );
            strings.push(if rng.chance(50) {
                format!("{{{joined}}}")
            } else {
                joined
            });
            i += 1;
        } else {
            strings.push(spell(rng, &ms[i]));
        }
        i += 1;
    }
    if !strings.is_empty() {
        m.insert(
            "matchers".into(),
            strings
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    if !eq.is_empty() {
        m.insert("match".into(), eq.into());
    }
    if !re.is_empty() {
        m.insert("match_re".into(), re.into());
    }
    if rng.chance(55) {
        m.insert("receiver".into(), format!("r{}", rng.below(6)).into());
    }
    if rng.chance(35) {
        m.insert("continue".into(), true.into());
    }
    if rng.chance(15) {
        m.insert("group_by".into(), vec![Value::from("alertname")].into());
    }
    if depth < 3 && rng.chance(45) {
        let k = 1 + rng.below(4);
        m.insert(
            "routes".into(),
            (0..k)
                .map(|_| random_route(rng, depth + 1))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    m.into()
}

fn random_root(rng: &mut Rng) -> Value {
    let mut m = Mapping::new();
    m.insert("receiver".into(), "root".into());
    m.insert("group_by".into(), vec![Value::from("alertname")].into());
    let k = 1 + rng.below(5);
    m.insert(
        "routes".into(),
        (0..k)
            .map(|_| random_route(rng, 1))
            .collect::<Vec<_>>()
            .into(),
    );
    m.into()
}

/// The root's receiver `tag`, a subtree as amtool sees it when it is bundled under
/// a root with others: no matchers and `continue: true`, so every bundled tree is
/// walked for every alert and the receivers of all of them are printed in order.
fn as_bundled(mut root: Value, tag: String) -> Value {
    root["receiver"] = tag.into();
    root.as_mapping_mut()
        .unwrap()
        .insert("continue".into(), true.into());
    root
}

#[test]
fn random_configs_route_like_amtool() {
    // Standalone trees, and bundles of trees under one root (one amtool call checks a
    // label set against every tree of the bundle).
    const STANDALONE: usize = 8;
    const BUNDLES: usize = 8;
    const PER_BUNDLE: usize = 6;
    const LABEL_SETS: usize = 60;
    let amtool = amtool();
    let seed = std::env::var("ALERTCTL_AM_ROUTES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_a1e7_u64);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let dir = tempfile::tempdir().unwrap();
    let all_sets = product(&[
        (
            "namespace",
            &[None, Some("prod"), Some("dev"), Some("staging")],
        ),
        (
            "group",
            &[
                None,
                Some("web"),
                Some("webserver"),
                Some("db"),
                Some("api"),
            ],
        ),
        (
            "severity",
            &[None, Some("critical"), Some("warning"), Some("info")],
        ),
        ("team", &[None, Some("a"), Some("b"), Some("ops")]),
    ]);
    let mut jobs = Vec::new();
    let (mut trees, mut evaluations, mut fan_out) = (0, 0, 0);
    for c in 0..STANDALONE + BUNDLES {
        let mut sets = vec![Labels::new()];
        sets.extend((1..LABEL_SETS).map(|_| rng.pick(&all_sets).clone()));
        let (name, root, parts) = if c < STANDALONE {
            (format!("random-{c}"), random_root(&mut rng), vec![])
        } else {
            let parts: Vec<Value> = (0..PER_BUNDLE)
                .map(|t| as_bundled(random_root(&mut rng), format!("t{t}")))
                .collect();
            let mut root = serde_yaml::from_str::<Value>("{receiver: bundle}").unwrap();
            root.as_mapping_mut()
                .unwrap()
                .insert("routes".into(), parts.clone().into());
            (format!("random-bundle-{}", c - STANDALONE), root, parts)
        };
        let route = queue_config(dir.path(), &name, &full_config(&root, ""), &sets, &mut jobs);
        let n = parts.len().max(1);
        trees += n;
        evaluations += n * sets.len();
        for labels in &sets {
            if parts.is_empty() {
                fan_out += usize::from(receivers(&route, labels).len() > 1);
            } else {
                for part in &route.routes {
                    let single = Route {
                        continue_: false,
                        routes: vec![],
                        ..Route::default()
                    };
                    let alone = Route {
                        routes: vec![Route {
                            continue_: false,
                            ..part.clone()
                        }],
                        ..single
                    };
                    fan_out += usize::from(receivers(&alone, labels).len() > 1);
                }
            }
        }
    }
    // The generator must exercise `continue` fan-out, not only single receivers.
    assert!(
        fan_out * 20 > evaluations,
        "only {fan_out} of {evaluations} routed to several receivers"
    );
    let n = check(&amtool, &format!("random configs (seed {seed})"), &jobs);
    eprintln!(
        "random configs (seed {seed}): {trees} route trees, {evaluations} label-set evaluations \
         ({fan_out} with several receivers), {n} amtool comparisons"
    );
}

/// A config whose only child route has `matchers: [m]`.
fn matcher_config(m: &str) -> String {
    let route: Value = serde_yaml::from_str(&format!(
        "{{receiver: root, routes: [{{receiver: hit, matchers: [{}]}}]}}",
        serde_json::to_string(m).unwrap()
    ))
    .unwrap();
    full_config(&route, "")
}

const MATCHER_STRINGS: &[&str] = &[
    r#"a="b""#,
    "a=b",
    "a=",
    r#"a="""#,
    "a=b,",
    "a=b,,c=d",
    "{a=b}",
    "{}",
    "",
    "  ",
    "a=b c",
    r#"a="b"c"#,
    r#"a=b"c"#,
    r#"a="b"#,
    r#"  a  =~  "x,y"  ,  b!=c , "#,
    "a:b=1",
    "1a=1",
    r"a=\\x\\n\\\\",
    r"a=x\",
    r#"a="x\\""#,
    r#"a=~"(""#,
    "a==b",
    "a=~=b",
    "{{a=b}}",
    "a=b}",
    "{a=b",
    r#"a="b,c",d=e"#,
    r#"a=\\"b"#,
    r#"a="b\\"c""#,
    r#"a="b\"c""#,
    r#"a="x\qy""#,
    r#"a="line\nbreak""#,
    "a!~b|c",
    "a!=",
    "a=~",
    "a~=b",
    "a=!b",
    "_a=b",
    "a-b=c",
    "a=é",
    r#"a="  spaced  ""#,
    "a = b = c",
    r#"{quote="She said: \"Hi, ladies!\""}"#,
    r#"a="b",b=~"c|d",c!="e",d!~"f""#,
    "a=b,c",
    "a=b, {c=d}",
    r#"a=~"\\d+""#,
    r#"a=~"[[:alpha:]]""#,
];

#[test]
fn matcher_strings_parse_like_amtool() {
    let amtool = amtool();
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut accepted = 0;
    for (i, m) in MATCHER_STRINGS.iter().enumerate() {
        let yaml = matcher_config(m);
        let path = dir.path().join(format!("matcher-{i}.yml"));
        std::fs::write(&path, &yaml).unwrap();
        let doc: Value = serde_yaml::from_str(&yaml).unwrap();
        let route = parse_route(&doc["route"]);
        accepted += usize::from(route.is_ok());
        jobs.push(Job {
            what: format!(
                "matcher {m:?} ({})",
                route.as_ref().err().map_or("accepted", String::as_str)
            ),
            config: path,
            args: vec!["show".into()],
            expected: route.as_ref().ok().map(tree),
        });
    }
    assert!(
        accepted > 10 && accepted < MATCHER_STRINGS.len() - 10,
        "{accepted} accepted"
    );
    let n = check(&amtool, "matcher strings", &jobs);
    eprintln!("matcher strings: {n} amtool comparisons, {accepted} accepted");
}

/// Go regexes (as written in a `matchers:` value, before escaping) whose meaning the
/// `regex` crate reads differently unless translated, plus plain ones.
const GO_REGEXES: &[&str] = &[
    "web",
    "web.*",
    "a)|(b",
    r"\d+",
    r"\w+",
    r"\s",
    r"\W",
    r"\D",
    r"[\d\s]+",
    r"a\b",
    r"é\b",
    r"\bweb",
    r"x\By",
    r"\<a\>",
    r"a\.b",
    "a{,3}",
    "a{01}",
    "a{2}",
    "a{1,2}?",
    "{",
    "}",
    "]",
    "[[]",
    "[a&&b]+",
    "[a-c--b]",
    "[a~~b]",
    "[]a]",
    "[^]a]",
    "[[:alpha:]]+",
    "[[:^alpha:]]",
    "[[:word:]]+",
    r"\pL+",
    r"\p{Greek}",
    r"\PN",
    r"\p{^L}",
    r"\012",
    r"\x41\x{42}",
    r"\Qa.b*\E+",
    "(?i)web",
    "(?ii)k",
    "(?)a",
    "(?i:a)b",
    "(?i-i:a)",
    "(?s).",
    ".",
    "(?P<x>a)(?P<x>b)",
    "(?U)a+",
    "(?m)^a$",
    "[a-]",
    "[+--]",
    "(?i)[[:upper:]]",
    "(?i)ſ",
    r"\x{212A}",
    // Refused by Go (and so by route.rs), though the regex crate would accept some.
    "a**",
    "a{1001}",
    "(?x)a",
    "(?<n>a)",
    r"\1",
    r"\q",
    "[a--]",
    r"\Z",
    "(",
    "[z-a]",
];

const REGEX_VALUES: &[&str] = &[
    "",
    "a",
    "b",
    "ab",
    "web",
    "webserver",
    "WEB",
    "123",
    "٣",
    "é",
    "a b",
    "\u{c}",
    "\u{b}",
    "\n",
    "<a>",
    "a.b",
    "axb",
    "{",
    "}",
    "]",
    "[",
    "&",
    "~",
    "-",
    ",",
    "a{,3}",
    "a{01}",
    "aa",
    "a{2}",
    "Ab",
    "AB",
    "k",
    "K",
    "\u{212a}",
    "s",
    "S",
    "\u{17f}",
    "x y",
    "xy",
    "α",
    "5",
    "a.b**",
    "aa.b*",
    "web_1",
    "é1",
    "1é",
];

#[test]
fn go_regexes_match_like_amtool() {
    // One config holds every valid pattern twice, as `matchers: ['x=~"P"']` (receiver
    // `mI`) and as `match_re: {x: P}` (receiver `rI`), all with `continue: true`: one
    // amtool call per value checks every pattern. Refused patterns get a config each.
    let amtool = amtool();
    let dir = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut children = Vec::new();
    for (i, re) in GO_REGEXES.iter().enumerate() {
        let escaped = re.replace('\\', r"\\").replace('"', "\\\"");
        let yaml = matcher_config(&format!("x=~\"{escaped}\""));
        let doc: Value = serde_yaml::from_str(&yaml).unwrap();
        match parse_route(&doc["route"]) {
            Ok(route) => {
                assert_eq!(route.routes[0].matchers[0].value, *re);
                let mut m = doc["route"]["routes"][0].clone();
                m["receiver"] = format!("m{i}").into();
                m.as_mapping_mut()
                    .unwrap()
                    .insert("continue".into(), true.into());
                children.push(m);
                let r = format!(
                    "{{receiver: r{i}, continue: true, match_re: {{x: {}}}}}",
                    serde_json::to_string(re).unwrap()
                );
                children.push(serde_yaml::from_str(&r).unwrap());
            }
            Err(e) => {
                let path = dir.path().join(format!("regex-{i}.yml"));
                std::fs::write(&path, &yaml).unwrap();
                jobs.push(Job {
                    what: format!("regex {re:?} refused: {e}"),
                    config: path,
                    args: vec!["show".into()],
                    expected: None,
                });
            }
        }
    }
    let refused = jobs.len();
    assert_eq!(refused, 10, "the last 10 patterns are the ones Go refuses");
    let mut root = serde_yaml::from_str::<Value>("{receiver: none}").unwrap();
    root.as_mapping_mut()
        .unwrap()
        .insert("routes".into(), children.into());
    let sets: Vec<Labels> = REGEX_VALUES
        .iter()
        .map(|v| [("x".to_string(), v.to_string())].into())
        .collect();
    queue_config(
        dir.path(),
        "regexes",
        &full_config(&root, ""),
        &sets,
        &mut jobs,
    );
    let n = check(&amtool, "Go regexes", &jobs);
    eprintln!(
        "Go regexes: {} patterns ({refused} refused) x {} values, {n} amtool comparisons",
        GO_REGEXES.len(),
        REGEX_VALUES.len()
    );
}

#[test]
fn invalid_configs_are_refused_like_amtool() {
    let amtool = amtool();
    let dir = tempfile::tempdir().unwrap();
    let bad_routes = [
        "{receiver: root, routes: [{receiver: x, match: {1a: b}}]}",
        "{receiver: root, routes: [{receiver: x, match_re: {1a: b}}]}",
        "{receiver: root, routes: [{receiver: x, match_re: {a: ~}}]}",
        "{receiver: root, routes: [{receiver: x, match_re: {a: '('}}]}",
        "{receiver: root, routes: [{receiver: x, group_by: [a, '...']}]}",
        "{receiver: root, routes: [{receiver: x, group_by: [a, a]}]}",
        "{receiver: root, routes: [{receiver: x, group_by: ['a-b']}]}",
        "{receiver: root, matchers: [a=b]}",
        "{receiver: root, match: {a: b}}",
        "{receiver: root, continue: true}",
        "{routes: [{receiver: x}]}",
        "{receiver: root, routes: [{receiver: x, routes: [{matchers: ['a=~\"[\"']}]}]}",
    ];
    let mut jobs = Vec::new();
    for (i, r) in bad_routes.iter().enumerate() {
        let route: Value = serde_yaml::from_str(r).unwrap();
        let ours = parse_route(&route).and_then(|rt| validate_root(&rt));
        assert!(ours.is_err(), "route.rs accepts {r}");
        let path = dir.path().join(format!("bad-{i}.yml"));
        std::fs::write(&path, full_config(&route, "")).unwrap();
        jobs.push(Job {
            what: format!("{r} ({})", ours.unwrap_err()),
            config: path,
            args: vec!["show".into()],
            expected: None,
        });
    }
    check(&amtool, "invalid configs", &jobs);
}
