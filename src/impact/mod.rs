//! What a pending change would have done over a past window: for every alert the plan
//! adds, removes or modifies (the same plan as `diff`), the old and the new rules are
//! evaluated over history with range queries, Prometheus' alerting state machine is
//! replayed on the results (`for`, `keep_firing_for`), and the firing series, episodes
//! and firing time are compared.
//!
//! The core is pure: data comes through [`Source`] (a live Prometheus in `live`, a
//! table in the unit tests). Only the rules that differ are evaluated; an alert's rules
//! in unchanged cells fire the same before and after and are left out.

pub mod html;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;

use crate::render::diff::{ChangeKind, Plan};
use crate::render::{PromRule, RuleFile};

/// Steps one range query may ask for (Prometheus refuses more than 11,000 points per
/// series); longer windows are split into several requests.
pub const MAX_STEPS_PER_REQUEST: i64 = 1000;

/// Series × evaluations one rule's replay may hold in memory (a byte each): a query
/// that returns more is refused with advice instead of exhausting memory.
pub const MAX_CELLS: usize = 100_000_000;

/// One alerting rule as it matters for when it fires.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RuleDef {
    pub file: String,
    pub expr: String,
    #[serde(skip)]
    pub for_: Duration,
    #[serde(skip)]
    pub keep_firing_for: Duration,
}

/// An alert whose rules differ between what is deployed and what is rendered.
#[derive(Debug, Clone, Serialize)]
pub struct AlertChange {
    pub alert: String,
    pub change: ChangeKind,
    /// The rules only the deployed files have, and only the rendered files have.
    pub old: Vec<RuleDef>,
    pub new: Vec<RuleDef>,
}

fn rules(content: Option<&str>) -> Vec<PromRule> {
    content
        .and_then(|c| serde_yaml::from_str::<RuleFile>(c).ok())
        .map(|f| f.groups.into_iter().flat_map(|g| g.rules).collect())
        .unwrap_or_default()
}

fn dur(s: Option<&str>) -> Duration {
    s.and_then(crate::model::parse_duration).unwrap_or_default()
}

/// The alerts `plan` changes (sorted by name) and the recorded series it changes.
/// `current` and `desired` are every deployed and rendered file, to tell an added or
/// removed alert from one that only changed in some cells.
pub fn changes(
    plan: &Plan,
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> (Vec<AlertChange>, Vec<String>) {
    type Side = BTreeMap<String, Vec<(String, PromRule)>>;
    let mut old: Side = BTreeMap::new();
    let mut new: Side = BTreeMap::new();
    for c in &plan.changes {
        for (side, content) in [(&mut old, c.old.as_deref()), (&mut new, c.new.as_deref())] {
            for r in rules(content) {
                side.entry(r.name().to_string())
                    .or_default()
                    .push((c.file.clone(), r));
            }
        }
    }
    let names_in = |files: &BTreeMap<String, String>| -> BTreeSet<String> {
        files
            .values()
            .flat_map(|c| rules(Some(c)))
            .filter(|r| r.alert.is_some())
            .map(|r| r.name().to_string())
            .collect()
    };
    let (was, will) = (names_in(current), names_in(desired));
    let mut alerts = Vec::new();
    let mut records = BTreeSet::new();
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for name in names {
        let empty = Vec::new();
        let (o, n) = (
            old.get(name).unwrap_or(&empty),
            new.get(name).unwrap_or(&empty),
        );
        // Rules equal on both sides (a file renamed, a header changed) are no change.
        let only =
            |a: &[(String, PromRule)], b: &[(String, PromRule)]| -> Vec<(String, PromRule)> {
                let mut rest: Vec<&PromRule> = b.iter().map(|x| &x.1).collect();
                a.iter()
                    .filter(|(_, r)| match rest.iter().position(|x| *x == r) {
                        Some(i) => {
                            rest.remove(i);
                            false
                        }
                        None => true,
                    })
                    .cloned()
                    .collect()
            };
        let (o, n) = (only(o, n), only(n, o));
        if o.is_empty() && n.is_empty() {
            continue;
        }
        if o.iter().chain(&n).any(|(_, r)| r.record.is_some()) {
            records.insert(name.clone());
            continue;
        }
        let def = |(file, r): &(String, PromRule)| RuleDef {
            file: file.clone(),
            expr: r.expr.clone(),
            for_: dur(r.for_.as_deref()),
            keep_firing_for: dur(r.keep_firing_for.as_deref()),
        };
        alerts.push(AlertChange {
            alert: name.clone(),
            change: if !was.contains(name) {
                ChangeKind::Added
            } else if !will.contains(name) {
                ChangeKind::Removed
            } else {
                ChangeKind::Modified
            },
            old: o.iter().map(def).collect(),
            new: n.iter().map(def).collect(),
        });
    }
    (alerts, records.into_iter().collect())
}

/// The evaluation window in Unix seconds, aligned to the step so every request and
/// every rerun asks for the same instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

impl Window {
    /// The `since` before `now`, on multiples of `step`.
    pub fn ending(now: i64, since: Duration, step: Duration) -> Window {
        let step = (step.as_secs() as i64).max(1);
        let end = now.div_euclid(step) * step;
        let start = end - (since.as_secs() as i64).div_euclid(step) * step;
        Window { start, end, step }
    }
    pub fn steps(&self) -> usize {
        ((self.end - self.start) / self.step + 1) as usize
    }
}

/// One series of a range query: its labels and its (time, value) samples.
pub type RangeSeries = (BTreeMap<String, String>, Vec<(i64, f64)>);

/// Where the history comes from.
pub trait Source {
    /// `/api/v1/query_range` for `[start, end]` at `step` (at most
    /// [`MAX_STEPS_PER_REQUEST`] steps).
    fn query_range(
        &mut self,
        expr: &str,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Vec<RangeSeries>, String>;
    /// Whether the server has (within its retention) any series of metric `name`.
    fn has_metric(&mut self, name: &str) -> Result<bool, String>;
}

/// One firing interval: the first and the last evaluation at which it was firing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Episode {
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeriesResult {
    pub labels: BTreeMap<String, String>,
    pub episodes: Vec<Episode>,
    pub firing_seconds: i64,
}

/// What one side (old or new rules) would have done over the window.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Side {
    /// Series that fired at least once in the window.
    pub series_fired: usize,
    pub episodes: usize,
    pub firing_seconds: i64,
    /// Firing series at each step of the window.
    #[serde(skip)]
    pub timeline: Vec<u32>,
    /// Every series that fired, sorted by labels.
    pub series: Vec<SeriesResult>,
}

/// Replays Prometheus' alerting rule state machine (rules/alerting.go) on a series'
/// presence at each evaluation from `first` by `step`: pending from the first
/// evaluation with a result, firing once `for` has passed since then, kept firing for
/// `keep_firing_for` after the result goes away. Returns the firing episodes.
pub fn replay(present: &[bool], first: i64, step: i64, for_: i64, keep: i64) -> Vec<Episode> {
    let mut out = Vec::new();
    let mut active_at: Option<i64> = None;
    let mut firing_since: Option<i64> = None;
    let mut keep_since: Option<i64> = None;
    let mut last_firing = 0;
    for (i, &p) in present.iter().enumerate() {
        let t = first + i as i64 * step;
        if p {
            keep_since = None;
            let a = *active_at.get_or_insert(t);
            if firing_since.is_none() && t - a >= for_ {
                firing_since = Some(t);
            }
        } else if let Some(since) = firing_since {
            let ks = *keep_since.get_or_insert(t);
            if keep > 0 && t - ks < keep {
                // still firing
            } else {
                out.push(Episode {
                    start: since,
                    end: last_firing,
                });
                firing_since = None;
                active_at = None;
                keep_since = None;
            }
        } else {
            active_at = None;
        }
        if firing_since.is_some() {
            last_firing = t;
        }
    }
    if let Some(since) = firing_since {
        out.push(Episode {
            start: since,
            end: last_firing,
        });
    }
    out
}

/// Evaluates `rules` over `w` through `src`. `progress` is told each finished request.
pub fn evaluate(
    rules: &[RuleDef],
    w: Window,
    src: &mut dyn Source,
    progress: &mut dyn FnMut(),
) -> Result<Side, String> {
    let mut by_series: BTreeMap<BTreeMap<String, String>, Vec<Episode>> = BTreeMap::new();
    let mut seen: BTreeSet<(String, Duration, Duration)> = BTreeSet::new();
    for r in rules {
        if !seen.insert((r.expr.clone(), r.for_, r.keep_firing_for)) {
            continue;
        }
        let first = first_eval(r, w);
        let n = ((w.end - first) / w.step + 1) as usize;
        let mut present: BTreeMap<BTreeMap<String, String>, Vec<bool>> = BTreeMap::new();
        for (s, e) in chunks(first, w.end, w.step) {
            for (mut labels, samples) in src.query_range(&r.expr, s, e, w.step)? {
                labels.remove("__name__");
                if !present.contains_key(&labels) && (present.len() + 1) * n > MAX_CELLS {
                    return Err(format!(
                        "`{}` returns more than {} series over {n} evaluations; shorten --since or lengthen --step",
                        r.expr,
                        present.len()
                    ));
                }
                let row = present.entry(labels).or_insert_with(|| vec![false; n]);
                for (t, _) in samples {
                    let i = (t - first) / w.step;
                    if (0..n as i64).contains(&i) && (t - first) % w.step == 0 {
                        row[i as usize] = true;
                    }
                }
            }
            progress();
        }
        for (labels, row) in present {
            let eps = replay(
                &row,
                first,
                w.step,
                r.for_.as_secs() as i64,
                r.keep_firing_for.as_secs() as i64,
            );
            by_series.entry(labels).or_default().extend(eps);
        }
    }
    let mut side = Side {
        timeline: vec![0; w.steps()],
        ..Side::default()
    };
    for (labels, eps) in by_series {
        let clipped: Vec<Episode> = eps
            .into_iter()
            .filter(|e| e.end >= w.start && e.start <= w.end)
            .map(|e| Episode {
                start: e.start.max(w.start),
                end: e.end.min(w.end),
            })
            .collect();
        if clipped.is_empty() {
            continue;
        }
        let mut secs = 0;
        for e in &clipped {
            secs += e.end - e.start + w.step;
            for t in (e.start..=e.end).step_by(w.step as usize) {
                side.timeline[((t - w.start) / w.step) as usize] += 1;
            }
        }
        side.series_fired += 1;
        side.episodes += clipped.len();
        side.firing_seconds += secs;
        side.series.push(SeriesResult {
            labels,
            episodes: clipped,
            firing_seconds: secs,
        });
    }
    Ok(side)
}

/// `[start, end]` at `step` as request ranges of at most [`MAX_STEPS_PER_REQUEST`] steps.
pub fn chunks(start: i64, end: i64, step: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut s = start;
    while s <= end {
        let e = (s + (MAX_STEPS_PER_REQUEST - 1) * step).min(end);
        out.push((s, e));
        s = e + step;
    }
    out
}

/// Requests `evaluate` makes for these rules over `w` (for a progress total).
pub fn request_count(rules: &[RuleDef], w: Window) -> usize {
    let mut seen = BTreeSet::new();
    rules
        .iter()
        .filter(|r| seen.insert((r.expr.clone(), r.for_, r.keep_firing_for)))
        .map(|r| chunks(first_eval(r, w), w.end, w.step).len())
        .sum()
}

/// The first evaluation to query for `r`: early enough (`for` plus `keep_firing_for`)
/// to know its state at the window's start.
fn first_eval(r: &RuleDef, w: Window) -> i64 {
    let lead = (r.for_ + r.keep_firing_for).as_secs() as i64;
    w.start - (lead + w.step - 1).div_euclid(w.step) * w.step
}

/// How one target's firing changes.
#[derive(Debug, Clone, Serialize)]
pub struct TargetChange {
    pub target: String,
    pub old_firing_seconds: i64,
    pub new_firing_seconds: i64,
}

/// The report for one changed alert.
#[derive(Debug, Clone, Serialize)]
pub struct AlertImpact {
    pub alert: String,
    pub change: ChangeKind,
    pub files: Vec<String>,
    pub old: Side,
    pub new: Side,
    pub targets_changed: Vec<TargetChange>,
    /// Metrics the new rules read that the server has never had: they cannot fire.
    pub missing_metrics: Vec<String>,
}

impl AlertImpact {
    /// The most series firing at once, old or new: the shared scale of both timelines.
    pub fn peak(&self) -> u32 {
        self.old
            .timeline
            .iter()
            .chain(&self.new.timeline)
            .copied()
            .max()
            .unwrap_or(0)
    }
}

/// Targets (by `target_label`, else the whole label set) whose firing time differs.
pub fn targets_changed(old: &Side, new: &Side, target_label: &str) -> Vec<TargetChange> {
    let key = |l: &BTreeMap<String, String>| {
        l.get(target_label).cloned().unwrap_or_else(|| {
            let parts: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            format!("{{{}}}", parts.join(", "))
        })
    };
    let mut per: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for s in &old.series {
        per.entry(key(&s.labels)).or_default().0 += s.firing_seconds;
    }
    for s in &new.series {
        per.entry(key(&s.labels)).or_default().1 += s.firing_seconds;
    }
    let mut v: Vec<TargetChange> = per
        .into_iter()
        .filter(|(_, (o, n))| o != n)
        .map(|(target, (o, n))| TargetChange {
            target,
            old_firing_seconds: o,
            new_firing_seconds: n,
        })
        .collect();
    v.sort_by_key(|t| std::cmp::Reverse((t.new_firing_seconds - t.old_firing_seconds).abs()));
    v
}

/// Metric names a query reads (selectors with a literal name).
pub fn metric_names(expr: &str) -> BTreeSet<String> {
    let Ok(e) = crate::model::promql::parse(expr) else {
        return BTreeSet::new();
    };
    crate::model::promql::selectors(&e)
        .into_iter()
        .filter_map(|vs| {
            vs.name.clone().or_else(|| {
                vs.matchers
                    .matchers
                    .iter()
                    .find(|m| {
                        m.name == "__name__" && matches!(m.op, promql_parser::label::MatchOp::Equal)
                    })
                    .map(|m| m.value.clone())
            })
        })
        .collect()
}

/// Evaluates every change, old and new, and checks the new rules' metrics exist.
pub fn analyse(
    changes: &[AlertChange],
    w: Window,
    target_label: &str,
    src: &mut dyn Source,
    progress: &mut dyn FnMut(),
) -> Result<Vec<AlertImpact>, String> {
    let mut known: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = Vec::new();
    for c in changes {
        let old = evaluate(&c.old, w, src, progress)?;
        let new = evaluate(&c.new, w, src, progress)?;
        let mut missing = Vec::new();
        for name in c.new.iter().flat_map(|r| metric_names(&r.expr)) {
            let has = match known.get(&name) {
                Some(h) => *h,
                None => {
                    let h = src.has_metric(&name)?;
                    known.insert(name.clone(), h);
                    h
                }
            };
            if !has && !missing.contains(&name) {
                missing.push(name);
            }
        }
        let mut files: Vec<String> = c.old.iter().chain(&c.new).map(|r| r.file.clone()).collect();
        files.sort();
        files.dedup();
        out.push(AlertImpact {
            alert: c.alert.clone(),
            change: c.change,
            files,
            targets_changed: targets_changed(&old, &new, target_label),
            old,
            new,
            missing_metrics: missing,
        });
    }
    Ok(out)
}

/// A one-line timeline: `width` columns, each the most series firing in its stretch of
/// the window, scaled to `max` (shared by the old and new line so they compare).
pub fn sparkline(timeline: &[u32], width: usize, max: u32) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if timeline.is_empty() || width == 0 {
        return String::new();
    }
    (0..width)
        .map(|c| {
            let a = c * timeline.len() / width;
            let b = ((c + 1) * timeline.len() / width)
                .max(a + 1)
                .min(timeline.len());
            let v = timeline[a..b].iter().copied().max().unwrap_or(0);
            if v == 0 || max == 0 {
                '·'
            } else {
                BARS[((v as usize * 8).div_ceil(max as usize)).clamp(1, 8) - 1]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn replay_honours_for_and_keep_firing_for() {
        // for = 2 steps: fires on the 3rd consecutive present evaluation.
        assert_eq!(
            replay(&bits("0111110011"), 0, 60, 120, 0),
            vec![Episode {
                start: 180,
                end: 300
            }]
        );
        // A one-step gap resets pending.
        assert_eq!(
            replay(&bits("1101110"), 0, 60, 120, 0),
            vec![Episode {
                start: 300,
                end: 300
            }]
        );
        // for 0: firing at once.
        assert_eq!(
            replay(&bits("0110"), 0, 60, 0, 0),
            vec![Episode {
                start: 60,
                end: 120
            }]
        );
        // keep_firing_for 2m bridges a 2-step gap, not a 3-step one.
        // (Keep-firing evaluations are firing too: the first episode ends at 7m.)
        assert_eq!(
            replay(&bits("1100110001"), 0, 60, 0, 120),
            vec![
                Episode { start: 0, end: 420 },
                Episode {
                    start: 540,
                    end: 540
                }
            ]
        );
        // Still firing at the end.
        assert_eq!(
            replay(&bits("0011"), 100, 10, 0, 0),
            vec![Episode {
                start: 120,
                end: 130
            }]
        );
    }

    struct Table(Vec<RangeSeries>, usize);
    impl Source for Table {
        fn query_range(
            &mut self,
            _: &str,
            s: i64,
            e: i64,
            _: i64,
        ) -> Result<Vec<RangeSeries>, String> {
            self.1 += 1;
            Ok(self
                .0
                .iter()
                .map(|(l, v)| {
                    (
                        l.clone(),
                        v.iter()
                            .copied()
                            .filter(|(t, _)| *t >= s && *t <= e)
                            .collect(),
                    )
                })
                .collect())
        }
        fn has_metric(&mut self, name: &str) -> Result<bool, String> {
            Ok(name == "up")
        }
    }

    #[test]
    fn evaluate_splits_requests_and_counts_within_the_window() {
        let w = Window {
            start: 0,
            end: 3000 * 60,
            step: 60,
        };
        let labels: BTreeMap<String, String> = [("instance".to_string(), "a".to_string())].into();
        // Present from minute 10 to 29 (20 evaluations) and 2990 to the end.
        let samples: Vec<(i64, f64)> = (10..30).chain(2990..=3000).map(|m| (m * 60, 1.0)).collect();
        let mut t = Table(vec![(labels, samples)], 0);
        let rule = RuleDef {
            file: "f".into(),
            expr: "up == 0".into(),
            for_: Duration::from_secs(300),
            keep_firing_for: Duration::ZERO,
        };
        let side = evaluate(std::slice::from_ref(&rule), w, &mut t, &mut || {}).unwrap();
        assert_eq!(
            t.1, 4,
            "3006 steps from -5m need 4 requests of at most 1000"
        );
        assert_eq!(request_count(&[rule], w), 4);
        assert_eq!(side.episodes, 2);
        // 20 present - 5 pending = 15 firing minutes; 11 present - 5 = 6 at the end.
        assert_eq!(side.firing_seconds, (15 + 6) * 60);
        assert_eq!(side.timeline.iter().filter(|v| **v > 0).count(), 21);
        assert_eq!(chunks(0, 0, 60), vec![(0, 0)]);
        assert_eq!(
            metric_names(
                "sum(rate(x_total{a=\"b\"}[5m])) / on() group_left {__name__=\"y\"} > 1 and up"
            ),
            ["up", "x_total", "y"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
    }

    fn file(header: &str, rules: &[(&str, &str, &str)]) -> String {
        let mut s = format!(
            "{}\n# sources: {header}\ngroups:\n- name: g\n  rules:\n",
            crate::render::MARKER
        );
        for (kind, name, expr) in rules {
            s += &format!("  - {kind}: {name}\n    expr: {expr}\n    for: 5m\n");
        }
        s
    }

    #[test]
    fn changes_keep_only_differing_rules() {
        let cur: BTreeMap<String, String> = [
            (
                "a.yml".to_string(),
                file(
                    "x",
                    &[
                        ("alert", "A", "a > 1"),
                        ("alert", "B", "b > 1"),
                        ("record", "r:x", "sum(x)"),
                    ],
                ),
            ),
            (
                "gone.yml".to_string(),
                file("x", &[("alert", "C", "c > 1")]),
            ),
        ]
        .into();
        let want: BTreeMap<String, String> = [
            // B's threshold changes; A only moves within a file whose header changed.
            (
                "a.yml".to_string(),
                file(
                    "y",
                    &[
                        ("alert", "B", "b > 2"),
                        ("alert", "A", "a > 1"),
                        ("record", "r:x", "sum(y)"),
                    ],
                ),
            ),
            ("new.yml".to_string(), file("y", &[("alert", "D", "d > 1")])),
        ]
        .into();
        let plan = crate::render::diff::plan(&want, &cur);
        let (alerts, records) = changes(&plan, &cur, &want);
        let got: Vec<(&str, ChangeKind, Vec<&str>, Vec<&str>)> = alerts
            .iter()
            .map(|a| {
                (
                    a.alert.as_str(),
                    a.change,
                    a.old.iter().map(|r| r.expr.as_str()).collect(),
                    a.new.iter().map(|r| r.expr.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("B", ChangeKind::Modified, vec!["b > 1"], vec!["b > 2"]),
                ("C", ChangeKind::Removed, vec!["c > 1"], vec![]),
                ("D", ChangeKind::Added, vec![], vec!["d > 1"]),
            ]
        );
        assert_eq!(alerts[0].old[0].for_, Duration::from_secs(300));
        assert_eq!(records, vec!["r:x".to_string()]);
    }

    #[test]
    fn sparklines_share_a_scale() {
        assert_eq!(sparkline(&[0, 0, 1, 4], 4, 4), "··▂█");
        assert_eq!(sparkline(&[0; 10], 5, 0), "·····");
        assert_eq!(sparkline(&[1, 0, 0, 0, 0, 0, 0, 0], 2, 1), "█·");
    }
}
