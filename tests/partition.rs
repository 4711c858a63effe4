//! The partition property of SPEC §3, over random estates: for every alert and every
//! series position, exactly one rendered rule selects the series (none when the alert
//! is disabled or absent there), and that rule carries the configuration `effective`
//! reports. The check reads the *rendered* files back and evaluates the scope matchers
//! of every selector in each query, so it tests render and resolve together.
//!
//! With jobs, a series is one instance of one job of a target: an alert watching that
//! job there (or no particular job) gives it what `effective` reports for the target;
//! for any other job it is like a host of the target's group that is not in the
//! inventory.

use std::collections::BTreeMap;

use alertctl::diag::{Diagnostics, SourceText, Span};
use alertctl::model::promql;
use alertctl::model::resolve::{Model, Position};
use alertctl::model::*;
use alertctl::render::{self, RuleFile};
use alertctl::source::settings::{ScopeMatch, Settings};
use proptest::prelude::*;

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(v, Span::default())
}

/// (alert index, (scope kind, pick), priority, threshold, enabled, severity pick)
type GenRule = (usize, (u8, usize), i64, u16, Option<bool>, Option<u8>);

/// A many-alert rule: (selection kind, (scope kind, pick), priority, label value,
/// enabled). Selection kinds: `"*"`, a list, a glob, `select: {severity}`.
type GenMany = (u8, (u8, usize), i64, u8, Option<bool>);

#[derive(Debug, Clone)]
struct Estate {
    /// Rules for many alerts: set label `m`, maybe `enabled`.
    many: Vec<GenMany>,
    /// namespaces -> groups -> target count
    namespaces: Vec<Vec<usize>>,
    /// targets in no group
    ungrouped: usize,
    /// (alert index, scope pick, priority, threshold, enabled, severity pick)
    rules: Vec<GenRule>,
    /// Jobs: per group (by index, cycling) and per target (extra jobs) a bit set of
    /// node / pg:9187 / blackbox:9115. `None`: an estate without jobs.
    jobs: Option<(Vec<u8>, Vec<u8>)>,
}

const ALERTS: usize = 4;

fn estate() -> impl Strategy<Value = Estate> {
    let namespaces = prop::collection::vec(prop::collection::vec(0usize..4, 1..4), 1..4);
    let rules = prop::collection::vec(
        (
            0usize..ALERTS,
            (0u8..4, 0usize..64),
            0i64..3,
            1u16..200,
            prop::option::of(any::<bool>()),
            prop::option::of(0u8..2),
        ),
        0..14,
    );
    let many = prop::collection::vec(
        (
            0u8..4,
            (0u8..4, 0usize..64),
            0i64..3,
            0u8..5,
            prop::option::of(any::<bool>()),
        ),
        0..5,
    );
    (namespaces, rules, 0usize..3, many).prop_map(|(namespaces, rules, ungrouped, many)| Estate {
        namespaces,
        rules,
        ungrouped,
        jobs: None,
        many,
    })
}

fn estate_with_jobs() -> impl Strategy<Value = Estate> {
    let masks = (
        prop::collection::vec(0u8..8, 1..6),
        prop::collection::vec(0u8..8, 1..9),
    );
    (estate(), masks).prop_map(|(e, jobs)| Estate {
        jobs: Some(jobs),
        ..e
    })
}

/// The jobs of a bit set, with their ports.
fn jobs_of(mask: u8) -> Vec<InvJob> {
    [("node", None), ("pg", Some(9187)), ("blackbox", Some(9115))]
        .into_iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, (name, port))| InvJob {
            name: sp(name.to_string()),
            port: port.map(sp),
        })
        .collect()
}

/// Names with dots and regex characters, to exercise escaping.
fn ns_name(n: usize) -> String {
    format!("ns{n}.prod")
}
fn group_name(n: usize, g: usize) -> String {
    format!("g{n}-{g}(x)")
}
fn target_name(n: usize, g: usize, t: usize) -> String {
    format!("host-{n}-{g}-{t}.example.com:9100")
}

fn build(e: &Estate, mode: ScopeMatch) -> Model {
    let file = "gen.yaml".to_string();
    let mut fm = FileModel::default();
    for a in 0..ALERTS {
        let mut labels = BTreeMap::new();
        labels.insert("th".to_string(), sp("${threshold}".to_string()));
        // Alert0 watches the query's job="node", Alert1 declares pg, Alert2 every job,
        // Alert3 the job its rules set (`job=${job}`).
        let (job, expr, mut params) = match a {
            1 => (Some("pg"), None, vec![]),
            2 => (Some("*"), None, vec![]),
            3 => (
                None,
                Some("up{job=${job}} > ${threshold}".to_string()),
                vec![ParamDef {
                    name: sp("job".into()),
                    ty: ParamType::LabelValue,
                    default: Some(sp(RawValue {
                        text: "node".into(),
                        quoted: false,
                        items: None,
                    })),
                    description: None,
                    item: None,
                }],
            ),
            _ => (None, None, vec![]),
        };
        params.push(ParamDef {
            name: sp("threshold".into()),
            ty: ParamType::Number,
            default: Some(sp(RawValue {
                text: "50".into(),
                quoted: false,
                items: None,
            })),
            description: None,
            item: None,
        });
        fm.templates.push(Template {
            file: file.as_str().into(),
            span: Span::default(),
            name: sp(format!("Alert{a}")),
            record: None,
            description: None,
            severity: Some(sp("warning".into())),
            params,
            expr: sp(expr.unwrap_or_else(|| format!("rate(metric_{a}{{job=\"node\"}}[5m]) > ${{threshold}} and on (instance) other_{a} == 1"))),
            for_: Some(sp("1m".into())),
            keep_firing_for: None,
            labels: labels.into(),
            annotations: Default::default(),
            scope_injection: ScopeInjection::Auto,
            job: job.filter(|_| e.jobs.is_some()).map(|j| sp(j.to_string())),
                        rule_group: None,
            tags: vec![],
            ignore: vec![],
        });
    }
    let (group_masks, target_masks) = e.jobs.clone().unwrap_or_default();
    let mut group_index = 0;
    let mut target_index = 0;
    for (n, groups) in e.namespaces.iter().enumerate() {
        fm.namespaces.push(InvNamespace {
            file: file.as_str().into(),
            name: sp(ns_name(n)),
            groups: groups
                .iter()
                .enumerate()
                .map(|(g, &tc)| {
                    let targets: Vec<Spanned<String>> =
                        (0..tc).map(|t| sp(target_name(n, g, t))).collect();
                    let mut target_jobs = BTreeMap::new();
                    let mut jobs = vec![];
                    if !group_masks.is_empty() {
                        jobs = jobs_of(group_masks[group_index % group_masks.len()]);
                        group_index += 1;
                        for t in &targets {
                            let extra = jobs_of(target_masks[target_index % target_masks.len()]);
                            target_index += 1;
                            if !extra.is_empty() {
                                target_jobs.insert(t.value.clone(), extra);
                            }
                        }
                    }
                    InvGroup {
                        name: sp(group_name(n, g)),
                        targets,
                        jobs,
                        target_jobs,
                    }
                })
                .collect(),
        });
    }
    let all_groups: Vec<(usize, usize)> = e
        .namespaces
        .iter()
        .enumerate()
        .flat_map(|(n, gs)| (0..gs.len()).map(move |g| (n, g)))
        .collect();
    let all_targets: Vec<(usize, usize, usize)> = e
        .namespaces
        .iter()
        .enumerate()
        .flat_map(|(n, gs)| {
            gs.iter()
                .enumerate()
                .flat_map(move |(g, &tc)| (0..tc).map(move |t| (n, g, t)))
        })
        .collect();
    fm.ungrouped = (0..e.ungrouped)
        .map(|t| sp(format!("lonely-{t}")))
        .collect();
    let mut all_targets: Vec<String> = all_targets
        .into_iter()
        .map(|(n, g, t)| target_name(n, g, t))
        .collect();
    all_targets.extend((0..e.ungrouped).map(|t| format!("lonely-{t}")));
    let mut seen = std::collections::HashSet::new();
    let scope_of = |kind: u8, pick: usize| match kind {
        0 => Scope::Global,
        1 => Scope::Namespace(ns_name(pick % e.namespaces.len())),
        2 => {
            let (n, g) = all_groups[pick % all_groups.len()];
            Scope::Group(group_name(n, g))
        }
        _ if all_targets.is_empty() => Scope::Global,
        _ => Scope::Target(all_targets[pick % all_targets.len()].clone()),
    };
    let mut seen_many = std::collections::HashSet::new();
    for &(kind, (sk, pick), priority, value, enabled) in &e.many {
        let scope = scope_of(sk, pick);
        // Two many-alert rules selecting one alert at one scope and priority conflict.
        if !seen_many.insert((scope.clone(), priority)) {
            continue;
        }
        let names: Vec<Spanned<String>> = match kind {
            0 => vec![sp("*".into())],
            1 => vec![sp("Alert0".into()), sp("Alert2".into())],
            2 => vec![sp("Alert1*".into())],
            _ => vec![],
        };
        let mut labels = BTreeMap::new();
        labels.insert("m".to_string(), sp(format!("v{value}")));
        fm.rules.push(Rule {
            file: file.as_str().into(),
            span: Span::default(),
            template: sp("many".into()),
            name: None,
            named_by_record: false,
            param_keys: Default::default(),
            scope: sp(scope),
            priority: sp(priority),
            enabled: enabled.map(sp),
            suspended: None,
            params: Default::default(),
            for_: None,
            keep_firing_for: None,
            severity: None,
            labels: labels.into(),
            annotations: Default::default(),
            select: Some(Box::new(Select {
                names,
                severity: (kind == 3).then(|| "warning".to_string()),
                ..Select::default()
            })),
            ignore: vec![],
        });
    }
    for &(alert, (kind, pick), priority, threshold, enabled, sev) in &e.rules {
        let scope = scope_of(kind, pick);
        // Same alert, scope and priority would be a reported conflict, not a partition case.
        if !seen.insert((alert, scope.clone(), priority)) {
            continue;
        }
        let mut params = BTreeMap::new();
        params.insert(
            "threshold".to_string(),
            sp(RawValue {
                text: threshold.to_string(),
                quoted: false,
                items: None,
            }),
        );
        if alert == 3 {
            let job = if threshold % 3 == 0 { "pg" } else { "node" };
            params.insert(
                "job".to_string(),
                sp(RawValue {
                    text: job.into(),
                    quoted: false,
                    items: None,
                }),
            );
        }
        fm.rules.push(Rule {
            file: file.as_str().into(),
            span: Span::default(),
            template: sp(format!("Alert{alert}")),
            name: None,
            named_by_record: false,
            param_keys: Default::default(),
            scope: sp(scope),
            priority: sp(priority),
            enabled: enabled.map(sp),
            suspended: None,
            params: params.into(),
            for_: None,
            keep_firing_for: None,
            severity: sev.map(|s| {
                sp(if s == 0 {
                    "critical".to_string()
                } else {
                    "info".to_string()
                })
            }),
            labels: Default::default(),
            annotations: Default::default(),
            select: None,
            ignore: vec![],
        });
    }
    if !target_masks.is_empty() {
        // An ungrouped target with jobs of its own.
        if let Some(t) = fm.ungrouped.first() {
            let jobs = jobs_of(target_masks[0] | 1);
            fm.ungrouped_jobs.insert(t.value.clone(), jobs);
        }
    }
    let mut settings = Settings::default();
    settings.scope.match_ = mode;
    let src = SourceText::new(file.as_str(), "");
    let mut diags = Diagnostics::default();
    let model = Model::build(settings, vec![(src, fm)], &mut diags);
    assert!(
        !diags.has_errors(),
        "generated estate must be valid: {:?}",
        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    model
}

/// A series' scope labels (absent labels are empty, as in Prometheus matching).
struct Series {
    namespace: String,
    group: String,
    instance: String,
    /// The job whose instance this is (`None`: a target without jobs, or a host not in
    /// the inventory).
    job: Option<String>,
    /// What `effective` is asked for this series.
    position: Position,
}

fn series(model: &Model, mode: ScopeMatch) -> Vec<Series> {
    let inv = &model.inventory;
    let mut out = Vec::new();
    for t in inv.targets.keys() {
        let pos = inv.position(t).unwrap();
        let (namespace, group) = match mode {
            ScopeMatch::Labels => (
                pos.namespace.clone().unwrap_or_default(),
                pos.group.clone().unwrap_or_default(),
            ),
            ScopeMatch::Inventory => (String::new(), String::new()),
        };
        let instances: Vec<(Option<String>, String)> = match inv.jobs.get(t) {
            Some(jobs) => jobs
                .iter()
                .map(|(j, i)| (Some(j.clone()), i.clone()))
                .collect(),
            None => vec![(None, t.clone())],
        };
        for (job, instance) in instances {
            out.push(Series {
                namespace: namespace.clone(),
                group: group.clone(),
                instance,
                job,
                position: pos.clone(),
            });
        }
    }
    // Hosts not in the inventory yet.
    out.push(Series {
        namespace: String::new(),
        group: String::new(),
        instance: "new-host:9100".into(),
        job: None,
        position: Position::default(),
    });
    if mode == ScopeMatch::Labels {
        out.push(Series {
            namespace: "unknown-ns".into(),
            group: "unknown-group".into(),
            instance: "new-host:9100".into(),
            job: None,
            position: Position::default(),
        });
        for (g, info) in &inv.groups {
            out.push(Series {
                namespace: info.namespace.clone(),
                group: g.clone(),
                instance: "new-host:9100".into(),
                job: None,
                position: Position {
                    namespace: Some(info.namespace.clone()),
                    group: Some(g.clone()),
                    target: None,
                },
            });
        }
        for n in inv.namespaces.keys() {
            out.push(Series {
                namespace: n.clone(),
                group: "new-group".into(),
                instance: "new-host:9100".into(),
                job: None,
                position: Position {
                    namespace: Some(n.clone()),
                    ..Default::default()
                },
            });
        }
    }
    out
}

fn selects(expr: &str, s: &Series) -> bool {
    let e = promql::parse(expr).expect("rendered queries parse");
    let verdicts: Vec<bool> = promql::selectors(&e)
        .iter()
        .map(|vs| {
            vs.matchers.matchers.iter().all(|m| match m.name.as_str() {
                "namespace" => m.is_match(&s.namespace),
                "group" => m.is_match(&s.group),
                "instance" => m.is_match(&s.instance),
                _ => true,
            })
        })
        .collect();
    assert!(
        verdicts.windows(2).all(|w| w[0] == w[1]),
        "all selectors of a rule must be scoped alike: {expr}"
    );
    verdicts[0]
}

fn check_partition(e: &Estate, mode: ScopeMatch) {
    let model = build(e, mode);
    let mut diags = Diagnostics::default();
    let rendered = render::render(&model, &mut diags);
    assert!(!diags.has_errors());
    let rules: Vec<render::PromRule> = rendered
        .files
        .values()
        .flat_map(|c| serde_yaml::from_str::<RuleFile>(c).unwrap().groups)
        .flat_map(|g| g.rules)
        .collect();
    for alert in model.alerts.values() {
        for s in series(&model, mode) {
            let hits: Vec<&render::PromRule> = rules
                .iter()
                .filter(|r| r.name() == alert.name && selects(&r.expr, &s))
                .collect();
            let want = expected(&model, alert, &s).filter(|eff| eff.config.enabled);
            match want {
                None => assert!(
                    hits.is_empty(),
                    "{} must not apply to {}/{}/{}, got {:?}",
                    alert.name,
                    s.namespace,
                    s.group,
                    s.instance,
                    hits
                ),
                Some(eff) => {
                    assert_eq!(
                        hits.len(),
                        1,
                        "{} must apply exactly once to {}/{}/{}: {:?}",
                        alert.name,
                        s.namespace,
                        s.group,
                        s.instance,
                        hits
                    );
                    let r = hits[0];
                    let c = &eff.config;
                    assert_eq!(
                        r.labels.get("th").map(String::as_str),
                        Some(c.params["threshold"].to_string().as_str()),
                        "threshold for {}",
                        s.instance
                    );
                    assert_eq!(r.labels.get("severity"), c.severity.as_ref());
                    assert_eq!(
                        r.labels.get("m"),
                        c.labels.get("m"),
                        "many-alert label for {}",
                        s.instance
                    );
                    assert_eq!(r.for_, c.for_);
                }
            }
        }
    }
}

/// What a series gets: its target's configuration when the alert watches the series'
/// job there (or no particular job), else what a host of its group not in the
/// inventory gets.
fn expected(
    model: &Model,
    alert: &alertctl::model::resolve::Alert,
    s: &Series,
) -> Option<alertctl::model::resolve::Effective> {
    let eff = model.effective(alert, &s.position)?;
    let Some(t) = &s.position.target else {
        return Some(eff);
    };
    let job = model.job_of(&eff.config);
    let watched = model.inventory.runs(t, job.as_deref())
        && (job.is_none() || s.job.is_none() || job == s.job);
    if watched {
        return Some(eff);
    }
    let host_of_group = Position {
        target: None,
        ..s.position.clone()
    };
    model.effective(alert, &host_of_group)
}

/// `effective` (query::at) answers with exactly the rule the rendered file holds for
/// the target's cell, and with every alert the partition says applies.
fn check_effective_agrees(e: &Estate, mode: ScopeMatch) {
    let model = build(e, mode);
    let rendered = render::render(&model, &mut Diagnostics::default());
    for t in model.inventory.targets.keys() {
        let pos = model.inventory.position(t).unwrap();
        let report = alertctl::cache::query::at(&model, &pos);
        for a in &report.applied {
            let file: RuleFile = serde_yaml::from_str(&rendered.files[&a.file]).unwrap();
            let hits: Vec<_> = file
                .groups
                .iter()
                .flat_map(|g| &g.rules)
                .filter(|r| **r == a.rule)
                .collect();
            assert_eq!(
                hits.len(),
                1,
                "{t}: {}'s rule must appear once in {}",
                a.alert,
                a.file
            );
            let s = Series {
                namespace: if mode == ScopeMatch::Labels {
                    pos.namespace.clone().unwrap_or_default()
                } else {
                    String::new()
                },
                group: if mode == ScopeMatch::Labels {
                    pos.group.clone().unwrap_or_default()
                } else {
                    String::new()
                },
                instance: model
                    .inventory
                    .instances_for(t, a.provenance.job.as_deref())
                    .first()
                    .map_or_else(|| t.clone(), |i| i.to_string()),
                job: a.provenance.job.clone(),
                position: pos.clone(),
            };
            assert!(
                selects(&a.rule.expr, &s),
                "{t}: the rule effective shows must select the target"
            );
        }
        let shown: Vec<&str> = report.applied.iter().map(|a| a.alert.as_str()).collect();
        let want: Vec<&str> = model
            .alerts
            .values()
            .filter(|al| {
                model.effective(al, &pos).is_some_and(|e| {
                    e.config.enabled && model.inventory.runs(t, model.job_of(&e.config).as_deref())
                })
            })
            .map(|al| al.name.as_str())
            .collect();
        assert_eq!(shown, want, "{t}: alerts shown by effective");
    }
}

/// Shards over a random estate: each namespace goes whole to one of three shards
/// (`whole`, by namespace index, cycling) or group by group (`groups`, by group index).
fn shards_of(
    model: &Model,
    whole: &[(bool, u8)],
    groups: &[u8],
) -> Vec<alertctl::source::settings::Shard> {
    let mut shards: Vec<alertctl::source::settings::Shard> = (0..3)
        .map(|i| alertctl::source::settings::Shard {
            name: format!("s{i}"),
            namespaces: vec![],
            groups: vec![],
            selector: None,
            servers: vec![],
            output: None,
        })
        .collect();
    let mut gi = 0;
    for (ni, (n, gs)) in model.inventory.namespaces.iter().enumerate() {
        let (is_whole, to) = whole[ni % whole.len()];
        if is_whole {
            shards[to as usize].namespaces.push(n.clone());
            continue;
        }
        for g in gs {
            shards[groups[gi % groups.len()] as usize]
                .groups
                .push(g.clone());
            gi += 1;
        }
    }
    shards
}

/// The partition per shard: on a shard's servers every series matches at most one rule
/// of an alert (no double alert, whoever scrapes it); a series of the shard's part, and
/// one of no part (a new host, an ungrouped target, an unknown namespace), matches
/// exactly the rule `effective` reports.
fn check_shards(e: &Estate, mode: ScopeMatch, whole: &[(bool, u8)], groups: &[u8]) {
    let model = build(e, mode);
    let rendered = render::render(&model, &mut Diagnostics::default());
    let shards = shards_of(&model, whole, groups);
    let everything = series(&model, mode);
    for shard in &shards {
        let part = alertctl::model::shard::Part::of(shard, &model);
        let files = alertctl::model::shard::files_of(&model, shard, &rendered.files);
        assert!(files.contains_key("global.yml") || !rendered.files.contains_key("global.yml"));
        let rules: Vec<render::PromRule> = files
            .values()
            .flat_map(|c| serde_yaml::from_str::<RuleFile>(c).unwrap().groups)
            .flat_map(|g| g.rules)
            .collect();
        let owned_anywhere = |p: &Position| match (&p.namespace, &p.group) {
            (_, Some(_)) => true,
            (Some(n), None) => model.inventory.namespaces.contains_key(n),
            (None, None) => false,
        };
        for alert in model.alerts.values() {
            for s in &everything {
                let hits = rules
                    .iter()
                    .filter(|r| r.name() == alert.name && selects(&r.expr, s))
                    .count();
                assert!(
                    hits <= 1,
                    "{}: {} matches {}/{}/{} {hits} times",
                    shard.name,
                    alert.name,
                    s.namespace,
                    s.group,
                    s.instance
                );
                let p = &s.position;
                let in_part = match (&p.namespace, &p.group) {
                    (_, Some(g)) => part.groups.contains(g),
                    (Some(n), None) => part.namespaces.contains(n),
                    (None, None) => false,
                };
                if in_part || !owned_anywhere(p) {
                    let want = expected(&model, alert, s).filter(|eff| eff.config.enabled);
                    assert_eq!(
                        hits,
                        usize::from(want.is_some()),
                        "{}: {} on {}/{}/{}",
                        shard.name,
                        alert.name,
                        s.namespace,
                        s.group,
                        s.instance
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn partition_per_shard(
        e in estate(),
        whole in prop::collection::vec((any::<bool>(), 0u8..3), 1..5),
        groups in prop::collection::vec(0u8..3, 1..8),
    ) {
        check_shards(&e, ScopeMatch::Labels, &whole, &groups);
        check_shards(&e, ScopeMatch::Inventory, &whole, &groups);
    }

    #[test]
    fn partition_by_labels(e in estate()) {
        check_partition(&e, ScopeMatch::Labels);
    }

    #[test]
    fn partition_by_inventory(e in estate()) {
        check_partition(&e, ScopeMatch::Inventory);
    }

    #[test]
    fn effective_agrees_with_render(e in estate()) {
        check_effective_agrees(&e, ScopeMatch::Labels);
        check_effective_agrees(&e, ScopeMatch::Inventory);
    }

    #[test]
    fn partition_with_jobs_by_labels(e in estate_with_jobs()) {
        check_partition(&e, ScopeMatch::Labels);
    }

    #[test]
    fn partition_with_jobs_by_inventory(e in estate_with_jobs()) {
        check_partition(&e, ScopeMatch::Inventory);
    }

    #[test]
    fn effective_agrees_with_render_with_jobs(e in estate_with_jobs()) {
        check_effective_agrees(&e, ScopeMatch::Labels);
        check_effective_agrees(&e, ScopeMatch::Inventory);
    }

    /// Determinism: the same estate renders to the same bytes.
    #[test]
    fn render_is_deterministic(e in estate()) {
        let a = render::render(&build(&e, ScopeMatch::Labels), &mut Diagnostics::default()).files;
        let b = render::render(&build(&e, ScopeMatch::Labels), &mut Diagnostics::default()).files;
        prop_assert_eq!(a, b);
    }
}

/// The fold itself, on a hand-made case: priority beats specificity, maps merge key by
/// key, and `enabled: false` at a group is undone by a more specific rule.
#[test]
fn fold_order_and_enabled() {
    let e = Estate {
        jobs: None,
        many: vec![],
        ungrouped: 0,
        namespaces: vec![vec![2, 1]],
        rules: vec![
            (0, (0, 0), 0, 80, None, None),        // global 80
            (0, (2, 0), 0, 90, Some(false), None), // group 0: 90, disabled
            (0, (3, 1), 0, 95, Some(true), None),  // target 1 (in group 0): re-enabled, 95
            (0, (0, 0), 5, 70, None, Some(0)), // global, priority 5: beats everything: 70, critical
        ],
    };
    let model = build(&e, ScopeMatch::Labels);
    let alert = &model.alerts["Alert0"];
    let at = |t: &str| {
        model
            .effective(alert, &model.inventory.position(t).unwrap())
            .unwrap()
    };
    let t0 = at(&target_name(0, 0, 0));
    assert!(!t0.config.enabled);
    let t1 = at(&target_name(0, 0, 1));
    assert!(t1.config.enabled);
    assert_eq!(t1.config.params["threshold"].to_string(), "70");
    assert_eq!(t1.config.severity.as_deref(), Some("critical"));
    let (traced, trace) = model
        .traced(
            alert,
            &model.inventory.position(&target_name(0, 0, 1)).unwrap(),
        )
        .unwrap();
    assert_eq!(traced.config, t1.config, "the traced fold folds the same");
    assert_eq!(traced.chain, t1.chain);
    assert_eq!(
        trace["params.threshold"].len(),
        5,
        "default, global, group, target, priority-5 global"
    );
    // Who switched it off at target 0 (the group rule), and on at target 1 (its own).
    let by = |e: &alertctl::model::resolve::Effective| match model.enabled_by(e) {
        Some(alertctl::model::resolve::Origin::Rule { index, .. }) => Some(index),
        _ => None,
    };
    assert_eq!(by(&t0), Some(1));
    assert_eq!(by(&t1), Some(2));
    let last = trace["enabled"].last().unwrap();
    assert_eq!(Some(&last.origin), model.enabled_by(&t1).as_ref());
    let other = at(&target_name(0, 1, 0));
    assert_eq!(other.config.params["threshold"].to_string(), "70");
}

/// Many-alert rules: at one priority and scope they fold before the single-alert rule,
/// they never make an alert exist, and they select by list, glob and severity.
#[test]
fn many_alert_rules_fold_first_and_create_nothing() {
    let e = Estate {
        jobs: None,
        ungrouped: 0,
        namespaces: vec![vec![1, 1]],
        rules: vec![
            (0, (0, 0), 0, 80, None, None), // Alert0 global
            (1, (2, 1), 0, 80, None, None), // Alert1 only in group 1
        ],
        many: vec![
            (0, (2, 0), 0, 1, None),        // "*" at group 0: m=v1
            (2, (2, 1), 0, 2, Some(false)), // "Alert1*" at group 1: m=v2, disabled
        ],
    };
    let model = build(&e, ScopeMatch::Labels);
    let pos = |g: usize| model.inventory.position(&target_name(0, g, 0)).unwrap();
    let a0 = model.effective(&model.alerts["Alert0"], &pos(0)).unwrap();
    assert_eq!(a0.config.labels["m"], "v1");
    // Alert1 has no rule covering group 0: the "*" rule does not create it there.
    assert!(model.effective(&model.alerts["Alert1"], &pos(0)).is_none());
    // In group 1 the glob's rule folds before Alert1's own rule at the same scope.
    let a1 = model.effective(&model.alerts["Alert1"], &pos(1)).unwrap();
    assert!(!a1.config.enabled);
    let chain: Vec<bool> = a1.chain.iter().map(|&i| model.rules[i].is_many()).collect();
    assert_eq!(chain, vec![true, false]);
}
