//! `check --live`: what only a running Prometheus can tell. Whether the series of the
//! inventory's targets carry the namespace/group labels the scope matchers rely on
//! (missing or wrong ones are errors that say which alerts go wrong), whether every
//! inventory target is scraped and every scraped instance is known, and whether the
//! selectors of the rendered rules match any series (pint's `promql/series`).
//!
//! Requests are bounded: targets are read one job at a time from `up`, and selectors
//! are checked in batches of `count()` queries, each labelled so one answer covers many.
//! The findings are ordinary diagnostics, so they print like `validate`'s.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use promql_parser::label::MatchOp;
use promql_parser::parser::{Expr, VectorSelector};

use super::Prometheus;
use crate::deploy::server::Server;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::params::promql_string;
use crate::model::promql::{self, Op, ScopeMatcher};
use crate::model::resolve::{Cell, Model};
use crate::model::{ignores, Scope};
use crate::render::{Rendered, RenderedCell};
use crate::source::settings::ScopeMatch;

/// The labels of one series (without `__name__`).
pub type Labels = BTreeMap<String, String>;

/// Selectors per `count()` batch, and the longest batched query.
const BATCH: usize = 25;
const BATCH_BYTES: usize = 12_000;
/// More selectors (or jobs) than this is a large estate: report progress per request.
const PROGRESS_AFTER: usize = 200;
const PROGRESS_AFTER_JOBS: usize = 10;

/// What was checked on one server.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub server: String,
    /// `up` series read (one per scrape target).
    pub targets: usize,
    /// Distinct rendered selectors checked, and how many matched nothing.
    pub selectors: usize,
    pub empty_selectors: usize,
}

/// Runs every live check against `server`, adding its findings to `diags`.
pub fn check(
    model: &Model,
    rendered: &Rendered,
    server: &Server,
    progress: &dyn Fn(&str),
    diags: &mut Diagnostics,
) -> Result<Summary, String> {
    let mut prom = Prometheus::new(server);
    let up = scraped(&mut prom, progress)?;
    scrape_findings(model, rendered, &server.name, &up, diags);
    let (selectors, empty_selectors) =
        selector_findings(model, rendered, &mut prom, progress, diags)?;
    Ok(Summary {
        server: server.name.clone(),
        targets: up.len(),
        selectors,
        empty_selectors,
    })
}

/// Every `up` series, read one job at a time.
fn scraped(prom: &mut Prometheus, progress: &dyn Fn(&str)) -> Result<Vec<Labels>, String> {
    let jobs = prom.query("count by (job) (up)")?;
    let mut out = Vec::new();
    for (i, j) in jobs.iter().enumerate() {
        let job = j.get("job").map_or("", String::as_str);
        if jobs.len() > PROGRESS_AFTER_JOBS {
            progress(&format!(
                "{}: reading the targets of job {job} ({}/{})",
                prom.server.name,
                i + 1,
                jobs.len()
            ));
        }
        for mut s in prom.query(&format!("up{{job={}}}", promql_string(job)))? {
            s.remove("__name__");
            out.push(s);
        }
    }
    Ok(out)
}

/// Label, scrape and inventory findings from the `up` series (pure).
pub fn scrape_findings(
    model: &Model,
    rendered: &Rendered,
    server: &str,
    up: &[Labels],
    diags: &mut Diagnostics,
) {
    let inv = &model.inventory;
    let labels = &model.settings.labels;
    let by_labels = model.settings.scope.match_ == ScopeMatch::Labels;
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut unknown: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut sel = Selection::new(model, rendered);
    for series in up {
        let Some(instance) = series.get(&labels.target) else {
            continue;
        };
        let job = series.get("job").map_or("", String::as_str);
        seen.insert((instance, job));
        let Some((target, jobs)) = inv.owner(instance) else {
            unknown.entry(job).or_default().push(instance);
            continue;
        };
        let pos = inv.position(target).unwrap_or_default();
        let mut problems = Vec::new();
        if by_labels {
            for (label, want, kind) in [
                (&labels.namespace, &pos.namespace, "namespace"),
                (&labels.group, &pos.group, "group"),
            ] {
                match (series.get(label).filter(|v| !v.is_empty()), want) {
                    (None, Some(w)) => {
                        problems.push(format!("no `{label}` label (the inventory says `{w}`)"))
                    }
                    (Some(h), Some(w)) if h != w => {
                        problems.push(format!("`{label}=\"{h}\"` (the inventory says `{w}`)"))
                    }
                    (Some(h), None) => problems.push(format!(
                        "`{label}=\"{h}\"` (the inventory puts it in no {kind})"
                    )),
                    _ => {}
                }
            }
        }
        if !jobs.is_empty() && !jobs.contains(&job) {
            problems.push(format!(
                "job `{job}` (the inventory says `{}`)",
                jobs.join("`, `")
            ));
        }
        if problems.is_empty() {
            continue;
        }
        let mut want = series.clone();
        for (label, v) in [
            (&labels.namespace, &pos.namespace),
            (&labels.group, &pos.group),
        ] {
            match v {
                Some(v) => want.insert(label.clone(), v.clone()),
                None => want.remove(label),
            };
        }
        if let Some(j) = jobs.first().filter(|_| !jobs.contains(&job)) {
            want.insert("job".into(), j.to_string());
        }
        let what = sel.consequences(series, &want).unwrap_or_else(|| {
            if want.get("job") == series.get("job") {
                "no alert goes wrong today, but rules added for its group or namespace would not reach it".to_string()
            } else {
                format!(
                    "no alert goes wrong today, but queries that select job=\"{}\" do not see it",
                    want.get("job").map_or("", String::as_str)
                )
            }
        });
        let mut d = Diagnostic::error(
            Code::SeriesLabels,
            format!(
                "on {server}, {} of target `{target}` has {}: {what}",
                series_name(series),
                problems.join(", ")
            ),
        )
        .hint("scrape it through the file_sd files alertctl writes from the inventory ([file_sd] in alertctl.toml), or relabel it to carry the inventory's labels");
        if let Some((file, span)) = inv.listed_at(target) {
            d = d.at(model.source(file), span, "the inventory says this");
        }
        diags.push(d);
    }
    for target in inv.targets.keys() {
        let Some((file, span)) = inv.listed_at(target) else {
            continue;
        };
        let wanted: Vec<(Option<&str>, &str)> = match inv.jobs.get(target) {
            Some(jobs) => jobs
                .iter()
                .map(|(j, i)| (Some(j.as_str()), i.as_str()))
                .collect(),
            None => vec![(None, target.as_str())],
        };
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|(j, i)| {
                !seen
                    .iter()
                    .any(|(si, sj)| si == i && j.is_none_or(|j| j == *sj))
            })
            .map(|(j, i)| match j {
                Some(j) => format!("`{i}` (job {j})"),
                None => format!("`{i}`"),
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        diags.push(
            Diagnostic::warning(
                Code::UnscrapedTarget,
                format!(
                    "target `{target}` is in the inventory, but {server} has no `up` series of {}: its alerts cannot fire",
                    missing.join(", ")
                ),
            )
            .at(model.source(file), span, "not scraped")
            .hint("add it to the scrape config (the file_sd files list every inventory target), or remove it from the inventory"),
        );
    }
    for (job, instances) in unknown {
        let quoted: Vec<String> = instances.iter().map(|i| format!("`{i}`")).collect();
        let list = crate::diag::bounded_list(&quoted, 10, ", ");
        diags.push(
            Diagnostic::warning(
                Code::UnknownTarget,
                format!(
                    "{server} scrapes {} of job `{job}` that the inventory does not know: {list}; they get the global rules (or those of the group and namespace labels they carry)",
                    if instances.len() == 1 { "an instance".to_string() } else { format!("{} instances", instances.len()) }
                ),
            )
            .hint("add them to inventory.yaml so scoped rules and `effective` cover them"),
        );
    }
}

/// `up{instance="web-2:9100",job="node"}`: a series by its identifying labels.
fn series_name(s: &Labels) -> String {
    let body = s
        .iter()
        .map(|(k, v)| format!("{k}={}", promql_string(v)))
        .collect::<Vec<_>>()
        .join(",");
    format!("`up{{{body}}}`")
}

/// Which rendered rules select a series, from the scope-relevant matchers of their
/// selectors (namespace, group, target and job labels); parsed once, when needed.
struct Selection<'a> {
    model: &'a Model,
    rendered: &'a Rendered,
    parsed: Option<Vec<Vec<Vec<promql_parser::label::Matcher>>>>,
}

impl<'a> Selection<'a> {
    fn new(model: &'a Model, rendered: &'a Rendered) -> Self {
        Selection {
            model,
            rendered,
            parsed: None,
        }
    }

    fn selectors(&mut self) -> &Vec<Vec<Vec<promql_parser::label::Matcher>>> {
        let l = &self.model.settings.labels;
        let relevant = [
            l.namespace.as_str(),
            l.group.as_str(),
            l.target.as_str(),
            "job",
        ];
        self.parsed.get_or_insert_with(|| {
            self.rendered
                .cells
                .iter()
                .map(|c| {
                    promql::parse(&c.rule.expr)
                        .map(|e| {
                            promql::selectors(&e)
                                .iter()
                                .map(|vs| {
                                    vs.matchers
                                        .matchers
                                        .iter()
                                        .filter(|m| relevant.contains(&m.name.as_str()))
                                        .cloned()
                                        .collect()
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
    }

    /// Indices of the rendered cells of each alert that select a series with `labels`,
    /// among the alerts that concern the target's `job` (the inventory's).
    fn hits(&mut self, labels: &Labels, job: &str) -> BTreeMap<&'a str, Vec<usize>> {
        let rendered = self.rendered;
        let sels = self.selectors();
        let mut out: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in rendered.cells.iter().enumerate() {
            if c.provenance.job.as_deref().is_some_and(|j| j != job) {
                continue;
            }
            let selects = sels[i].iter().all(|ms| {
                ms.iter()
                    .all(|m| m.is_match(labels.get(&m.name).map_or("", String::as_str)))
            });
            if selects {
                out.entry(c.provenance.alert.as_str()).or_default().push(i);
            }
        }
        out
    }

    /// What goes wrong for a series that carries `actual` instead of `want` (`None`:
    /// no rendered rule treats it differently).
    fn consequences(&mut self, actual: &Labels, want: &Labels) -> Option<String> {
        let cells = &self.rendered.cells;
        let job = want.get("job").map_or("", String::as_str);
        let (have, should) = (self.hits(actual, job), self.hits(want, job));
        let alerts: BTreeSet<&str> = have.keys().chain(should.keys()).copied().collect();
        let mut found = Vec::new();
        for a in alerts {
            let (h, s) = (
                have.get(a).cloned().unwrap_or_default(),
                should.get(a).cloned().unwrap_or_default(),
            );
            if h == s {
                continue;
            }
            let rule = |i: usize| format!("its {} rule", cells[i].provenance.cell);
            found.push(match (h.as_slice(), s.as_slice()) {
                ([], _) => format!("`{a}` never fires for it: no rule selects it"),
                ([one], []) => format!(
                    "`{a}` fires for it from {}, although the inventory switches it off there",
                    rule(*one)
                ),
                ([one], [want, ..]) => format!(
                    "`{a}` comes from {} instead of {}{}",
                    rule(*one),
                    rule(*want),
                    param_change(&cells[*one], &cells[*want])
                ),
                (many, _) => format!(
                    "`{a}` is selected by {}: double alerts",
                    many.iter()
                        .map(|&i| rule(i))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            });
        }
        match found.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [first, rest @ ..] => Some(format!(
                "{first}; {} more alert{} affected",
                rest.len(),
                if rest.len() == 1 { " is" } else { "s are" }
            )),
        }
    }
}

/// ` (threshold 80 instead of 90)`: the parameters two cells set differently.
fn param_change(have: &RenderedCell, want: &RenderedCell) -> String {
    let diffs: Vec<String> = want
        .provenance
        .params
        .iter()
        .filter_map(|(k, w)| {
            let h = have.provenance.params.get(k)?;
            (h != w).then(|| format!("{k} {h} instead of {w}"))
        })
        .take(2)
        .collect();
    if diffs.is_empty() {
        String::new()
    } else {
        format!(" ({})", diffs.join(", "))
    }
}

/// One distinct rendered selector: the cells using it and its form without scope
/// matchers.
struct Sel {
    unscoped: String,
    cells: Vec<usize>,
}

/// Checks that the rendered selectors match series; returns (checked, empty).
fn selector_findings(
    model: &Model,
    rendered: &Rendered,
    prom: &mut Prometheus,
    progress: &dyn Fn(&str),
    diags: &mut Diagnostics,
) -> Result<(usize, usize), String> {
    let mut cells_of: HashMap<&str, Vec<Cell>> = HashMap::new();
    let mut sels: BTreeMap<String, Sel> = BTreeMap::new();
    for (i, c) in rendered.cells.iter().enumerate() {
        let Ok(e) = promql::parse(&c.rule.expr) else {
            continue;
        };
        let alert = c.provenance.alert.as_str();
        let scope: Vec<ScopeMatcher> = cells_of
            .entry(alert)
            .or_insert_with(|| {
                model
                    .alerts
                    .get(alert)
                    .map(|a| model.cells(a))
                    .unwrap_or_default()
            })
            .iter()
            .find(|x| x.scope == c.provenance.cell)
            .map(|x| x.matchers.clone())
            .unwrap_or_default();
        for vs in checked_selectors(&e) {
            let s = sels.entry(vs.to_string()).or_insert_with(|| Sel {
                unscoped: without(vs, &scope),
                cells: Vec::new(),
            });
            s.cells.push(i);
        }
    }
    let texts: Vec<&String> = sels.keys().collect();
    let matched = nonempty(prom, &texts, progress)?;
    let empty: Vec<&String> = texts
        .iter()
        .enumerate()
        .filter(|(k, _)| !matched.contains(k))
        .map(|(_, t)| *t)
        .collect();
    let unscoped: Vec<&String> = empty
        .iter()
        .map(|t| &sels[*t].unscoped)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let unscoped_matched = nonempty(prom, &unscoped, progress)?;
    let has_series: BTreeSet<&str> = unscoped
        .iter()
        .enumerate()
        .filter(|(k, _)| unscoped_matched.contains(k))
        .map(|(_, t)| t.as_str())
        .collect();

    // No series at all: once per template and selector.
    let mut nothing: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    // Series exist, none in the scope: once per namespace or group scope.
    let mut out_of_scope: BTreeMap<&Scope, (BTreeSet<&str>, &str, &str)> = BTreeMap::new();
    for t in &empty {
        let s = &sels[*t];
        for &i in &s.cells {
            let p = &rendered.cells[i].provenance;
            if !has_series.contains(s.unscoped.as_str()) {
                nothing
                    .entry((p.template.as_str(), s.unscoped.as_str()))
                    .or_default()
                    .insert(p.alert.as_str());
            } else if matches!(p.cell, Scope::Namespace(_) | Scope::Group(_)) {
                let e = out_of_scope
                    .entry(&p.cell)
                    .or_insert_with(|| (BTreeSet::new(), t.as_str(), s.unscoped.as_str()));
                e.0.insert(p.alert.as_str());
            }
        }
    }
    for ((template, sel), alerts) in nothing {
        let Some(t) = model.templates.get(template) else {
            continue;
        };
        if ignores(&t.ignore, Code::NoSeries) {
            continue;
        }
        diags.push(
            Diagnostic::warning(
                Code::NoSeries,
                format!(
                    "`{sel}` matches no series on {}: {} cannot fire",
                    prom.server.name,
                    names(&alerts)
                ),
            )
            .at(model.source(&t.file), t.expr.span, "selects nothing")
            .hint("check the metric and label names against what the exporter exposes; if the series appear only sometimes, add `ignore: [no-series]` to the template"),
        );
    }
    for (scope, (alerts, sel, unscoped)) in out_of_scope {
        let rule = alerts
            .iter()
            .filter_map(|a| model.alerts.get(*a))
            .filter_map(|a| a.by_scope.get(scope))
            .flatten()
            .map(|&i| &model.rules[i])
            .find(|r| !ignores(&r.ignore, Code::NoSeries));
        let Some(r) = rule else { continue };
        diags.push(
            Diagnostic::warning(
                Code::NoSeries,
                format!(
                    "on {}, the {scope} rules of {} select no series: `{sel}` matches nothing although `{unscoped}` has series, so no series carries {scope}'s labels",
                    prom.server.name,
                    names(&alerts)
                ),
            )
            .at(model.source(&r.file), r.scope.span, "selects nothing")
            .hint("the targets of this scope do not carry its labels: see the series-labels findings, or scrape through alertctl's file_sd files"),
        );
    }
    Ok((texts.len(), empty.len()))
}

fn names(alerts: &BTreeSet<&str>) -> String {
    let v: Vec<String> = alerts.iter().map(|a| format!("`{a}`")).collect();
    match v.as_slice() {
        [one] => one.clone(),
        _ => v.join(", "),
    }
}

/// The selectors whose emptiness matters: not those inside `absent()`, which are
/// meant to match nothing at times.
fn checked_selectors(e: &Expr) -> Vec<&VectorSelector> {
    let inside: BTreeSet<*const VectorSelector> = promql::calls(e, &["absent", "absent_over_time"])
        .into_iter()
        .flat_map(promql::selectors)
        .map(|v| v as *const _)
        .collect();
    promql::selectors(e)
        .into_iter()
        .filter(|v| !inside.contains(&(*v as *const _)))
        .collect()
}

/// The selector without the scope matchers alertctl injected.
fn without(vs: &VectorSelector, scope: &[ScopeMatcher]) -> String {
    let mut v = vs.clone();
    v.matchers.matchers.retain(|m| {
        let op = match m.op {
            MatchOp::Equal => Op::Eq,
            MatchOp::NotEqual => Op::NotEq,
            MatchOp::Re(_) => Op::Re,
            MatchOp::NotRe(_) => Op::NotRe,
        };
        !scope
            .iter()
            .any(|s| s.label == m.name && s.op == op && s.value == m.value)
    });
    v.to_string()
}

/// The selectors of each batched query: at most `BATCH`, and at most `BATCH_BYTES` of
/// selector text unless a single selector is longer.
fn batches(selectors: &[&String]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < selectors.len() {
        let mut end = start;
        let mut len = 0;
        while end < selectors.len()
            && end - start < BATCH
            && (end == start || len + selectors[end].len() < BATCH_BYTES)
        {
            len += selectors[end].len() + 60;
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// Which of `selectors` (by index) match at least one series, in batched queries.
fn nonempty(
    prom: &mut Prometheus,
    selectors: &[&String],
    progress: &dyn Fn(&str),
) -> Result<BTreeSet<usize>, String> {
    const LABEL: &str = "alertctl_selector";
    let mut out = BTreeSet::new();
    for range in batches(selectors) {
        let end = range.end;
        let q = range
            .map(|k| {
                format!(
                    "label_replace(count({}), \"{LABEL}\", \"{k}\", \"\", \"\")",
                    selectors[k]
                )
            })
            .collect::<Vec<_>>()
            .join(" or ");
        for s in prom.query(&q)? {
            if let Some(k) = s.get(LABEL).and_then(|k| k.parse().ok()) {
                out.insert(k);
            }
        }
        if selectors.len() > PROGRESS_AFTER {
            progress(&format!(
                "{}: checked {end}/{} selectors",
                prom.server.name,
                selectors.len()
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estate(settings: &str) -> (Model, Rendered) {
        let (m, d) = crate::model::resolve::model_of(
            settings,
            &[
                (
                    "inventory.yaml",
                    "namespaces:\n  prod:\n    web:\n      jobs: [node]\n      targets: [web-1:9100, web-2:9100]\n    db:\n      jobs: [node, {postgres: 9187}]\n      targets: [db-1:9100]\n",
                ),
                (
                    "templates/t.yaml",
                    "- {template: CPU, params: {threshold: {type: number, default: 80}}, expr: 'cpu{job=\"node\"} > ${threshold}'}\n- {template: PgDown, job: postgres, expr: 'pg_up == 0'}\n",
                ),
                (
                    "rules/r.yaml",
                    "- {template: CPU, scope: global}\n- {template: PgDown, scope: global}\n- {template: CPU, scope: group/web, params: {threshold: 90}}\n- {template: CPU, scope: target/web-2:9100, params: {threshold: 96}}\n",
                ),
            ],
        );
        assert!(!d.has_errors(), "{d:?}");
        let mut d = Diagnostics::default();
        let r = crate::render::render(&m, &mut d);
        (m, r)
    }

    fn up(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn findings(m: &Model, r: &Rendered, series: &[Labels]) -> Vec<(Code, String, usize)> {
        let mut d = Diagnostics::default();
        scrape_findings(m, r, "prom", series, &mut d);
        d.sorted()
            .into_iter()
            .map(|x| (x.code, x.message.clone(), x.position().map_or(0, |p| p.1)))
            .collect()
    }

    #[test]
    fn labels_that_break_the_partition_are_errors_that_say_why() {
        let (m, r) = estate("");
        let good = |i: &str, g: &str, j: &str| {
            up(&[
                ("instance", i),
                ("job", j),
                ("group", g),
                ("namespace", "prod"),
            ])
        };
        let all_good = [
            good("web-1:9100", "web", "node"),
            good("web-2:9100", "web", "node"),
            good("db-1:9100", "db", "node"),
            good("db-1:9187", "db", "postgres"),
        ];
        assert!(findings(&m, &r, &all_good).is_empty());

        let mut series = all_good.to_vec();
        series[1] = up(&[("instance", "web-2:9100"), ("job", "node")]);
        series[0] = good("web-1:9100", "db", "node");
        series[3] = good("db-1:9187", "db", "pg");
        series.push(up(&[("instance", "new:9100"), ("job", "node")]));
        series.remove(2);
        let f = findings(&m, &r, &series);
        let msg = |needle: &str| {
            f.iter()
                .find(|x| x.1.contains(needle))
                .unwrap_or_else(|| panic!("no finding with {needle}: {f:#?}"))
                .clone()
        };
        let web2 = msg("target `web-2:9100`");
        assert_eq!((web2.0, web2.2), (Code::SeriesLabels, 5));
        assert_eq!(
            web2.1,
            "on prom, `up{instance=\"web-2:9100\",job=\"node\"}` of target `web-2:9100` has no `namespace` label (the inventory says `prod`), no `group` label (the inventory says `web`): `CPU` is selected by its global rule and its target/web-2:9100 rule: double alerts"
        );
        assert!(
            msg("target `web-1:9100`").1.contains("`group=\"db\"` (the inventory says `web`): `CPU` comes from its global rule instead of its group/web rule (threshold 80 instead of 90)"),
            "{f:#?}"
        );
        let pg = msg("target `db-1:9100` has job");
        // pg_up has no job matcher: the series is still selected, only the job is off.
        assert!(
            pg.1.contains("job `pg` (the inventory says `postgres`): no alert goes wrong today, but queries that select job=\"postgres\" do not see it"),
            "{f:#?}"
        );
        let unscraped = msg("is in the inventory");
        assert_eq!(unscraped.0, Code::UnscrapedTarget);
        assert!(
            unscraped
                .1
                .contains("`db-1:9100` (job node), `db-1:9187` (job postgres)"),
            "{f:#?}"
        );
        let unknown = msg("does not know");
        assert_eq!(unknown.0, Code::UnknownTarget);
        assert!(unknown.1.contains("`new:9100`"), "{f:#?}");

        // In inventory mode the group labels carry no meaning for the rules: only the
        // job mismatch is left.
        let (m, r) = estate("[scope]\nmatch = \"inventory\"\n");
        let f = findings(&m, &r, &series);
        let labels: Vec<_> = f.iter().filter(|x| x.0 == Code::SeriesLabels).collect();
        assert_eq!(labels.len(), 1, "{f:#?}");
        assert!(labels[0].1.contains("has job `pg`"), "{f:#?}");
    }

    #[test]
    fn requests_are_bounded() {
        let short = "up".to_string();
        let long = "x".repeat(BATCH_BYTES);
        let many: Vec<&String> = std::iter::repeat_n(&short, 60).collect();
        assert_eq!(batches(&many), [0..25, 25..50, 50..60]);
        // A selector longer than the byte bound goes alone; short ones share a query.
        let big: Vec<&String> = vec![&long, &short, &short, &long, &long];
        assert_eq!(batches(&big), [0..1, 1..3, 3..4, 4..5]);
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn unscoped_selectors_and_absent() {
        let e = promql::parse("absent(up{job=\"x\"}) or foo{a=\"1\",group=\"web\"} > 0").unwrap();
        let sels = checked_selectors(&e);
        assert_eq!(sels.len(), 1);
        let scope = [ScopeMatcher {
            label: "group".into(),
            op: Op::Eq,
            value: "web".into(),
        }];
        assert_eq!(without(sels[0], &scope), "foo{a=\"1\"}");
    }
}
