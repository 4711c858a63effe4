//! Running the tests: one promtool test group per expectation, evaluated by the real
//! promtool in two passes, and every verdict mapped back to the test file.
//!
//! Pass 1 expects nothing, so promtool reports every alert that fires (`got:`) for each
//! expectation (and, where a test checks routing, for every alert the test names at
//! that time). alertctl matches those alerts against the expectations, which may name
//! only some labels, and computes Alertmanager routing and inhibition. Pass 2 gives
//! promtool the exact alerts that matched (and the unmet expectations as written):
//! promtool must then pass exactly the expectations alertctl passed, or the run says it
//! cannot trust its reading of promtool's report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use super::promtool::{self as pt, Alert, AlertTest, ExpAlert, Group, Series, TestFileYaml};
use super::{go_duration, human_duration, Expect, ExpectedAlert, Place, Test, TestFile};
use crate::alertmanager::inhibit::{self, InhibitRule};
use crate::alertmanager::route::{self, Route};
use crate::diag::{did_you_mean, Code, Diagnostic, Diagnostics, SourceText, Span};
use crate::model::resolve::Model;
use crate::render::Rendered;
use crate::source::settings::ScopeMatch;

/// How long one promtool run may take.
pub const PROMTOOL_TIMEOUT: Duration = Duration::from_secs(600);

/// Alertmanager's routing tree and inhibition rules, from the rendered config.
pub struct Routing {
    pub route: Route,
    pub inhibit: Vec<InhibitRule>,
}

impl Routing {
    /// Reads the rendered `alertmanager.yml` (secrets masked: routing never reads them).
    pub fn from_config(text: &str) -> Result<Routing, String> {
        let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        Ok(Routing {
            route: route::parse_route(&doc["route"])?,
            inhibit: match doc.get("inhibit_rules") {
                Some(v) => inhibit::parse_rules(v)?,
                None => vec![],
            },
        })
    }
}

/// The result of one test.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub file: String,
    pub name: String,
    pub line: usize,
    /// Each located in the test file.
    pub failures: Vec<Diagnostic>,
}

impl TestResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub results: Vec<TestResult>,
    /// promtool runs made (0 when no test was selected).
    pub promtool_runs: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Promtool(#[from] pt::RunError),
    #[error("promtool test rules failed without reporting on a test:\n{0}")]
    Unexplained(String),
}

/// One expected alert with its group expanded to one per target.
struct Spec<'a> {
    from: &'a ExpectedAlert,
    target: Option<String>,
}

struct Case<'a> {
    test: usize,
    file: &'a TestFile,
    expect: &'a Expect,
    group: String,
}

/// Runs the tests of `files` whose name contains `filter`. `Err` only when promtool
/// cannot be run or fails without saying why; test input problems are diagnostics
/// (`diags`), and a run with any stops before promtool.
pub fn run(
    model: &Model,
    rendered: &Rendered,
    routing: Option<&Routing>,
    files: &[TestFile],
    filter: Option<&str>,
    promtool: &Path,
    diags: &mut Diagnostics,
) -> Result<Report, RunError> {
    let tests: Vec<(&TestFile, &Test)> = files
        .iter()
        .flat_map(|f| f.tests.iter().map(move |t| (f, t)))
        .filter(|(_, t)| filter.is_none_or(|s| t.name.value.contains(s)))
        .collect();
    let mut report = Report::default();
    if tests.is_empty() {
        return Ok(report);
    }
    check_alerts_and_routing(model, routing, &tests, diags);
    let inputs: Vec<Vec<Series>> = tests
        .iter()
        .map(|(f, t)| series(model, &f.source, t, diags))
        .collect();
    if diags.has_errors() {
        return Ok(report);
    }

    // One group per expectation, plus (for routing) one per alert the test names at
    // each time it checks receivers.
    let nonce = nonce();
    let mut cases: Vec<Case> = Vec::new();
    let mut harvest: Vec<(usize, String, Duration, String)> = Vec::new();
    for (ti, (f, t)) in tests.iter().enumerate() {
        for (ei, e) in t.expect.iter().enumerate() {
            cases.push(Case {
                test: ti,
                file: f,
                expect: e,
                group: format!("alertctl-{nonce}-{ti}-{ei}"),
            });
        }
        let times: BTreeSet<Duration> = t
            .expect
            .iter()
            .filter(|e| e.firing.iter().any(|a| a.receivers.is_some()))
            .map(|e| e.at.value)
            .collect();
        let names: BTreeSet<&str> = t.expect.iter().map(|e| e.alert.value.as_str()).collect();
        for at in &times {
            for name in &names {
                if !t
                    .expect
                    .iter()
                    .any(|e| e.at.value == *at && e.alert.value == *name)
                {
                    let g = format!("alertctl-{nonce}-{ti}-h{}", harvest.len());
                    harvest.push((ti, name.to_string(), *at, g));
                }
            }
        }
    }
    let group = |ti: usize, name: &str, alert: &str, at: Duration, exp: Vec<ExpAlert>| Group {
        name: name.to_string(),
        interval: go_duration(tests[ti].1.interval),
        input_series: inputs[ti].clone(),
        alert_rule_test: vec![AlertTest {
            eval_time: go_duration(at),
            alertname: alert.to_string(),
            exp_alerts: exp,
        }],
    };
    let rule_files = rule_files(rendered, &tests);
    let file_names: Vec<String> = rule_files.keys().map(|n| format!("rules/{n}")).collect();

    // Pass 1: what fires.
    let mut groups: Vec<Group> = cases
        .iter()
        .map(|c| {
            group(
                c.test,
                &c.group,
                &c.expect.alert.value,
                c.expect.at.value,
                vec![],
            )
        })
        .collect();
    for (ti, name, at, g) in &harvest {
        groups.push(group(*ti, g, name, *at, vec![]));
    }
    let first = pt::run(
        promtool,
        &rule_files,
        &TestFileYaml {
            rule_files: file_names.clone(),
            evaluation_interval: "1m".into(),
            tests: groups,
        },
        PROMTOOL_TIMEOUT,
    )?;
    report.promtool_runs += 1;
    if !first.success && first.failed.is_empty() {
        return Err(RunError::Unexplained(first.other));
    }
    let got = |name: &str| -> Result<Vec<Alert>, String> {
        match first.failed.get(name) {
            None => Ok(vec![]),
            Some((Some(alerts), _)) => Ok(alerts.clone()),
            Some((None, raw)) => Err(raw.clone()),
        }
    };

    // Verdicts, and pass 2's exact expectations.
    let target_label = model.settings.labels.target.clone();
    let mut failures: Vec<Vec<Diagnostic>> = vec![vec![]; tests.len()];
    let mut confirm: Vec<Group> = Vec::new();
    let mut expect_pass: BTreeMap<String, usize> = BTreeMap::new();
    for c in &cases {
        let src = &c.file.source;
        let test = tests[c.test].1;
        let alerts = match got(&c.group) {
            Ok(a) => a,
            Err(raw) => {
                failures[c.test].push(fail(
                    test,
                    src,
                    c.expect.span,
                    "promtool's report for this expectation could not be read".into(),
                    raw,
                ));
                continue;
            }
        };
        let specs = expand(model, &c.expect.firing);
        let pairs = matching(&specs, &alerts, &target_label);
        let mut exp = Vec::new();
        let mut ok = true;
        let mut explained: BTreeSet<usize> = BTreeSet::new();
        for (si, s) in specs.iter().enumerate() {
            match pairs[si] {
                Some(gi) => {
                    let g = &alerts[gi];
                    let mut labels = g.labels.clone();
                    labels.remove("alertname");
                    exp.push(ExpAlert {
                        exp_labels: labels,
                        exp_annotations: g.annotations.clone(),
                    });
                }
                None => {
                    ok = false;
                    let unmatched: Vec<usize> = (0..alerts.len())
                        .filter(|i| !pairs.contains(&Some(*i)))
                        .collect();
                    let near = unmatched
                        .iter()
                        .copied()
                        .filter(|&i| !explained.contains(&i))
                        .filter(|&i| {
                            s.target.as_deref().is_none_or(|t| {
                                alerts[i].labels.get(&target_label).map(String::as_str) == Some(t)
                            })
                        })
                        .min_by_key(|&i| mismatches(s, &alerts[i]).len());
                    if let Some(i) = near {
                        explained.insert(i);
                    }
                    let what = describe_spec(s, &c.expect.alert.value);
                    let on = s
                        .target
                        .as_ref()
                        .map_or_else(String::new, |t| format!(" on {t}"));
                    let msg = match near {
                        Some(i) => format!(
                            "{}{on} at {}: {}",
                            c.expect.alert.value,
                            human_duration(c.expect.at.value),
                            mismatches(s, &alerts[i]).join("; ")
                        ),
                        None => format!(
                            "{}{on} at {}: expected to fire, but it is not firing",
                            c.expect.alert.value,
                            human_duration(c.expect.at.value)
                        ),
                    };
                    let hint = format!(
                        "expected: {what}\ngot:      {}",
                        got_list(&alerts, &target_label)
                    );
                    let span = match &s.from.place {
                        Place::Target(t) => t.span,
                        _ => s.from.span,
                    };
                    failures[c.test].push(fail(test, src, span, msg, hint));
                    exp.push(ExpAlert {
                        exp_labels: spec_labels(s, &target_label),
                        exp_annotations: s
                            .from
                            .annotations
                            .iter()
                            .map(|(k, v)| (k.clone(), v.value.clone()))
                            .collect(),
                    });
                }
            }
        }
        for (gi, g) in alerts.iter().enumerate() {
            if pairs.contains(&Some(gi)) || explained.contains(&gi) {
                continue;
            }
            ok = false;
            let msg = format!(
                "{} at {}: {} is firing, and this expectation does not list it",
                c.expect.alert.value,
                human_duration(c.expect.at.value),
                describe_alert(g, &target_label)
            );
            let hint = format!(
                "add it under `firing:` if it is right, or fix the rule\nexpected: {}",
                if specs.is_empty() {
                    "nothing firing".to_string()
                } else {
                    specs
                        .iter()
                        .map(|s| describe_spec(s, &c.expect.alert.value))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            );
            failures[c.test].push(fail(test, src, c.expect.firing_span, msg, hint));
        }
        if let Some(r) = routing {
            for (si, s) in specs.iter().enumerate() {
                let (Some(want), Some(gi)) = (&s.from.receivers, pairs[si]) else {
                    continue;
                };
                // Every alert the test names that fires at this time, for inhibition.
                let mut firing: Vec<Alert> = Vec::new();
                for other in cases
                    .iter()
                    .filter(|o| o.test == c.test && o.expect.at.value == c.expect.at.value)
                    .map(|o| o.group.as_str())
                    .chain(
                        harvest
                            .iter()
                            .filter(|h| h.0 == c.test && h.2 == c.expect.at.value)
                            .map(|h| h.3.as_str()),
                    )
                {
                    for a in got(other).unwrap_or_default() {
                        if !firing.contains(&a) {
                            firing.push(a);
                        }
                    }
                }
                let me = firing.iter().position(|a| *a == alerts[gi]).unwrap_or(0);
                let labels: Vec<BTreeMap<String, String>> =
                    firing.iter().map(|a| a.labels.clone()).collect();
                let by = inhibit::inhibited_by(&r.inhibit, &labels)[me];
                let reached: Vec<String> = match by {
                    Some(_) => vec![],
                    None => route::receivers(&r.route, &alerts[gi].labels),
                };
                let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
                if set(&reached) != set(&want.value) {
                    ok = false;
                    let who = describe_alert(&alerts[gi], &target_label);
                    let msg = match by {
                        Some(i) => format!("{} at {}: {who} is inhibited by {}, so it reaches no receiver; expected {}", c.expect.alert.value, human_duration(c.expect.at.value), describe_alert(&firing[i], &target_label), list(&want.value)),
                        None => format!("{} at {}: {who} goes to {}, expected {}", c.expect.alert.value, human_duration(c.expect.at.value), list(&reached), list(&want.value)),
                    };
                    failures[c.test].push(fail(test, src, want.span, msg, "routing is Alertmanager's (first matching route, `continue`, inhibitions between the alerts this test names at the same time); see `alertctl alertmanager routes-test`".into()));
                }
            }
        }
        let g = group(
            c.test,
            &c.group,
            &c.expect.alert.value,
            c.expect.at.value,
            exp,
        );
        expect_pass.insert(c.group.clone(), usize::from(ok));
        confirm.push(g);
    }

    // Pass 2: promtool confirms each verdict on the exact alerts.
    let second = pt::run(
        promtool,
        &rule_files,
        &TestFileYaml {
            rule_files: file_names,
            evaluation_interval: "1m".into(),
            tests: confirm,
        },
        PROMTOOL_TIMEOUT,
    )?;
    report.promtool_runs += 1;
    if !second.success && second.failed.is_empty() {
        return Err(RunError::Unexplained(second.other));
    }
    for c in &cases {
        let passed_here = expect_pass.get(&c.group) == Some(&1);
        if passed_here && second.failed.contains_key(&c.group) {
            let raw = second.failed[&c.group].1.clone();
            failures[c.test].push(fail(
                tests[c.test].1,
                &c.file.source,
                c.expect.span,
                format!(
                    "{} at {}: promtool does not confirm what alertctl read from its first report",
                    c.expect.alert.value,
                    human_duration(c.expect.at.value)
                ),
                format!("this is a bug in alertctl; promtool said:\n{raw}"),
            ));
        }
    }

    for (ti, (f, t)) in tests.iter().enumerate() {
        report.results.push(TestResult {
            file: f.source.path.to_string(),
            name: t.name.value.clone(),
            line: f.source.line_col(t.span.start()).0,
            failures: std::mem::take(&mut failures[ti]),
        });
    }
    Ok(report)
}

fn fail(test: &Test, src: &SourceText, span: Span, msg: String, hint: String) -> Diagnostic {
    Diagnostic::error(
        Code::TestFailed,
        format!("test `{}`: {msg}", test.name.value),
    )
    .at(src, span, "expected here")
    .hint(hint)
}

/// A random-enough tag per run for group names: a rules directory cannot predict it.
fn nonce() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let h = blake3::hash(format!("{t}:{}", std::process::id()).as_bytes()).to_hex();
    h[..10].to_string()
}

/// Unknown alert names (with a did-you-mean) and receivers, and routing expectations
/// without an Alertmanager config, reported before anything runs.
fn check_alerts_and_routing(
    model: &Model,
    routing: Option<&Routing>,
    tests: &[(&TestFile, &Test)],
    diags: &mut Diagnostics,
) {
    let receivers: BTreeSet<String> = routing.map(|r| all_receivers(&r.route)).unwrap_or_default();
    for (f, t) in tests {
        for e in &t.expect {
            if !model.alerts.contains_key(&e.alert.value) {
                let hint = did_you_mean(&e.alert.value, model.alerts.keys().map(String::as_str))
                    .map_or_else(
                        || "name an alert of a rule in rules/".to_string(),
                        |s| format!("did you mean `{s}`?"),
                    );
                diags.push(
                    Diagnostic::error(
                        Code::TestInput,
                        format!("no rule defines alert `{}`", e.alert.value),
                    )
                    .at(&f.source, e.alert.span, "unknown alert")
                    .hint(hint),
                );
            }
            for a in &e.firing {
                let Some(want) = &a.receivers else { continue };
                if routing.is_none() {
                    diags.push(Diagnostic::error(Code::TestInput, "this test checks receivers, but the rules directory has no alertmanager/ config").at(&f.source, want.span, "receivers").hint("add alertmanager/*.yaml (docs/format.md#alertmanager), or remove `receivers:`"));
                    continue;
                }
                for r in &want.value {
                    if !receivers.contains(r) {
                        let hint = did_you_mean(r, receivers.iter().map(String::as_str))
                            .map_or_else(
                                || {
                                    format!(
                                        "receivers in the routing tree: {}",
                                        list(&receivers.iter().cloned().collect::<Vec<_>>())
                                    )
                                },
                                |s| format!("did you mean `{s}`?"),
                            );
                        diags.push(
                            Diagnostic::error(
                                Code::TestInput,
                                format!("no route sends to receiver `{r}`"),
                            )
                            .at(&f.source, want.span, "unknown receiver")
                            .hint(hint),
                        );
                    }
                }
            }
        }
    }
}

fn all_receivers(r: &Route) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = r.receiver.iter().cloned().collect();
    for c in &r.routes {
        out.extend(all_receivers(c));
    }
    out
}

/// The rendered files a test run needs: those defining an alert the tests name, and
/// every file with a recording rule (an alert may read a recorded series).
fn rule_files(rendered: &Rendered, tests: &[(&TestFile, &Test)]) -> BTreeMap<String, String> {
    let names: BTreeSet<&str> = tests
        .iter()
        .flat_map(|(_, t)| t.expect.iter().map(|e| e.alert.value.as_str()))
        .collect();
    let wanted: BTreeSet<&str> = rendered
        .cells
        .iter()
        .filter(|c| c.provenance.recording || names.contains(c.provenance.alert.as_str()))
        .map(|c| c.file.as_str())
        .collect();
    rendered
        .files
        .iter()
        .filter(|(n, _)| wanted.contains(n.as_str()))
        .map(|(n, c)| (n.clone(), c.clone()))
        .collect()
}

/// The test's input series with the inventory's labels filled in. A label given twice
/// with different values is an error.
fn series(model: &Model, src: &SourceText, t: &Test, diags: &mut Diagnostics) -> Vec<Series> {
    let l = &model.settings.labels;
    let mut out = Vec::new();
    for input in &t.input {
        let targets: Vec<Option<String>> = match &input.place {
            Place::Target(t) => vec![Some(t.value.clone())],
            Place::Group(g) => model.inventory.groups[&g.value]
                .targets
                .iter()
                .cloned()
                .map(Some)
                .collect(),
            Place::Labels => vec![None],
        };
        for target in targets {
            let mut labels = input.selector.clone();
            let mut set = |k: &str,
                           v: &str,
                           by: &str,
                           labels: &mut BTreeMap<String, String>|
             -> bool {
                match labels.get(k) {
                    Some(old) if old != v => {
                        diags.push(Diagnostic::error(Code::TestInput, format!("label `{k}` is `{old}` in this series and `{v}` from {by}")).at(src, input.span, "conflicting labels").hint("give each label once: the inventory fills in namespace, group and target labels"));
                        false
                    }
                    _ => {
                        labels.insert(k.to_string(), v.to_string());
                        true
                    }
                }
            };
            let mut ok = true;
            for (k, v) in &input.labels {
                ok &= set(k, &v.value, "`labels:`", &mut labels);
            }
            if let Some(t) = &target {
                ok &= set(&l.target, t, "the inventory", &mut labels);
                if model.settings.scope.match_ == ScopeMatch::Labels {
                    let pos = model.inventory.position(t).unwrap_or_default();
                    if let Some(g) = &pos.group {
                        ok &= set(&l.group, g, "the inventory", &mut labels);
                    }
                    if let Some(n) = &pos.namespace {
                        ok &= set(&l.namespace, n, "the inventory", &mut labels);
                    }
                }
            }
            if !ok {
                break;
            }
            let name = labels.remove("__name__").unwrap_or_default();
            let body: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}={}", crate::model::params::promql_string(v)))
                .collect();
            out.push(Series {
                series: format!("{name}{{{}}}", body.join(",")),
                values: input.values.value.clone(),
            });
        }
    }
    out
}

fn expand<'a>(model: &Model, firing: &'a [ExpectedAlert]) -> Vec<Spec<'a>> {
    let mut out = Vec::new();
    for a in firing {
        match &a.place {
            Place::Target(t) => out.push(Spec {
                from: a,
                target: Some(t.value.clone()),
            }),
            Place::Group(g) => {
                for t in &model.inventory.groups[&g.value].targets {
                    out.push(Spec {
                        from: a,
                        target: Some(t.clone()),
                    });
                }
            }
            Place::Labels => out.push(Spec {
                from: a,
                target: None,
            }),
        }
    }
    out
}

/// What a spec requires, as `label=value` (and `annotation` entries) pairs that differ in `g`.
fn mismatches(s: &Spec, g: &Alert) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, name: &str, want: &str, have: Option<&String>| {
        if have.map(String::as_str) != Some(want) {
            out.push(match have {
                Some(h) => format!("{what} {name} is {h:?}, expected {want:?}"),
                None => format!("it has no {what} {name}, expected {want:?}"),
            });
        }
    };
    if let Some(sev) = &s.from.severity {
        check("label", "severity", &sev.value, g.labels.get("severity"));
    }
    for (k, v) in &s.from.labels {
        check("label", k, &v.value, g.labels.get(k));
    }
    for (k, v) in &s.from.annotations {
        check("annotation", k, &v.value, g.annotations.get(k));
    }
    out
}

fn satisfies(s: &Spec, g: &Alert, target_label: &str) -> bool {
    s.target
        .as_deref()
        .is_none_or(|t| g.labels.get(target_label).map(String::as_str) == Some(t))
        && mismatches(s, g).is_empty()
}

/// A maximum matching of specs to alerts (Kuhn's augmenting paths): an order-independent
/// verdict even when one alert could satisfy several loosely written specs.
fn matching(specs: &[Spec], alerts: &[Alert], target_label: &str) -> Vec<Option<usize>> {
    let edges: Vec<Vec<usize>> = specs
        .iter()
        .map(|s| {
            (0..alerts.len())
                .filter(|&g| satisfies(s, &alerts[g], target_label))
                .collect()
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; alerts.len()];
    fn augment(
        s: usize,
        edges: &[Vec<usize>],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
    ) -> bool {
        for &g in &edges[s] {
            if seen[g] {
                continue;
            }
            seen[g] = true;
            if owner[g].is_none_or(|o| augment(o, edges, owner, seen)) {
                owner[g] = Some(s);
                return true;
            }
        }
        false
    }
    for s in 0..specs.len() {
        let mut seen = vec![false; alerts.len()];
        augment(s, &edges, &mut owner, &mut seen);
    }
    let mut out = vec![None; specs.len()];
    for (g, o) in owner.iter().enumerate() {
        if let Some(s) = o {
            out[*s] = Some(g);
        }
    }
    out
}

fn spec_labels(s: &Spec, target_label: &str) -> BTreeMap<String, String> {
    let mut l: BTreeMap<String, String> = s
        .from
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    if let Some(t) = &s.target {
        l.insert(target_label.to_string(), t.clone());
    }
    if let Some(sev) = &s.from.severity {
        l.insert("severity".into(), sev.value.clone());
    }
    l
}

fn describe_spec(s: &Spec, alert: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(sev) = &s.from.severity {
        parts.push(format!("severity={:?}", sev.value));
    }
    parts.extend(
        s.from
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={:?}", v.value)),
    );
    parts.extend(
        s.from
            .annotations
            .iter()
            .map(|(k, v)| format!("annotation {k}={:?}", v.value)),
    );
    let at = s
        .target
        .as_ref()
        .map_or_else(String::new, |t| format!(" on {t}"));
    if parts.is_empty() {
        format!("{alert}{at}")
    } else {
        format!("{alert}{at} {{{}}}", parts.join(", "))
    }
}

fn describe_alert(a: &Alert, target_label: &str) -> String {
    let name = a.labels.get("alertname").cloned().unwrap_or_default();
    let rest: Vec<String> = a
        .labels
        .iter()
        .filter(|(k, _)| *k != "alertname" && *k != target_label)
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    match a.labels.get(target_label) {
        Some(t) => format!("{name} on {t} {{{}}}", rest.join(", ")),
        None => format!("{name} {{{}}}", rest.join(", ")),
    }
}

fn got_list(alerts: &[Alert], target_label: &str) -> String {
    if alerts.is_empty() {
        return "nothing firing".into();
    }
    let mut v: Vec<String> = alerts
        .iter()
        .take(10)
        .map(|a| describe_alert(a, target_label))
        .collect();
    if alerts.len() > 10 {
        v.push(format!("... and {} more", alerts.len() - 10));
    }
    v.join("\n          ")
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "no receiver".into()
    } else {
        format!("[{}]", v.join(", "))
    }
}
