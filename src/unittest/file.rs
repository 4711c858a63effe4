//! Reading `tests/*.yaml`: every problem is a located diagnostic, and the whole input
//! is bounded (file size and alias expansion as for every source file, plus samples per
//! series and evaluation time) so a hostile test file cannot make alertctl or promtool
//! run out of memory or time.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::{Expect, ExpectedAlert, Input, Place, Test, TestFile, DIR};
use crate::diag::{did_you_mean, Code, Diagnostic, Diagnostics, SourceText, Span};
use crate::model::resolve::Model;
use crate::model::{parse_duration, Spanned};
use crate::source::load::ReadError;
use crate::source::parse::{duration, fields, opt_string, require, string, string_map, Cx};
use crate::source::yaml::{self, Kind, Node};

/// Samples one input series may expand to (`1x100000000` would make promtool allocate
/// them all).
pub const MAX_SAMPLES: u64 = 100_000;
/// The latest evaluation time: promtool evaluates every rule once a minute up to it.
pub const MAX_AT: Duration = Duration::from_secs(100_000 * 60);

const FILE_FIELDS: &[&str] = &["tests"];
const TEST_FIELDS: &[&str] = &["name", "interval", "input", "expect"];
const INPUT_FIELDS: &[&str] = &["metric", "target", "group", "labels", "values"];
const EXPECT_FIELDS: &[&str] = &["at", "alert", "firing"];
const ALERT_FIELDS: &[&str] = &[
    "target",
    "group",
    "labels",
    "severity",
    "annotations",
    "receivers",
];

fn file_error(path: &str, msg: String, hint: &str) -> Diagnostic {
    let src = SourceText::new(path, "");
    Diagnostic::error(Code::TestInput, msg)
        .at(&src, Span::new(0, 0), "this file")
        .hint(hint.to_string())
}

/// Reads every `tests/*.yaml` (and `.yml`) of the rules directory, sorted by name,
/// under the rules every source file is read by (`load::read_root_file`): a symlink only
/// when it resolves inside the rules directory, regular files only (opened
/// non-blocking), bounded size, UTF-8. `yaml::parse` bounds alias expansion and depth.
pub fn load(root: &Path, model: &Model, diags: &mut Diagnostics) -> Vec<TestFile> {
    let Ok(entries) = std::fs::read_dir(root.join(DIR)) else {
        return vec![];
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| (n.ends_with(".yaml") || n.ends_with(".yml")) && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let rel = format!("{DIR}/{name}");
        let text = match crate::source::load::read_root_file(root, &rel) {
            Ok(t) => t,
            Err(ReadError::Problem(p)) => {
                diags.push(p.diagnostic());
                continue;
            }
            Err(ReadError::Io(e)) => {
                diags.push(file_error(
                    &rel,
                    e.to_string(),
                    "check the file's permissions",
                ));
                continue;
            }
        };
        let source = SourceText::new(rel.as_str(), text);
        out.push(parse(&source, model, diags));
    }
    out
}

/// Parses one test file; problems go to `diags` and drop the part they are in.
pub fn parse(source: &SourceText, model: &Model, diags: &mut Diagnostics) -> TestFile {
    let mut out = TestFile {
        source: source.clone(),
        tests: vec![],
    };
    let Some(docs) = yaml::parse(source, diags) else {
        return out;
    };
    let mut cx = Cx { src: source, diags };
    let mut names: BTreeMap<String, Span> = BTreeMap::new();
    for doc in &docs {
        let Some(f) = fields(&mut cx, doc, "test file", FILE_FIELDS) else {
            continue;
        };
        let Some(list) = require(&mut cx, &f, doc, "tests", "test file") else {
            continue;
        };
        let Kind::Seq(items) = &list.kind else {
            cx.wrong_type(list, "tests", "a list of tests");
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Some(t) = test(&mut cx, item, i, model) else {
                continue;
            };
            if let Some(first) = names.get(&t.name.value) {
                let d = Diagnostic::error(
                    Code::TestInput,
                    format!("two tests are named `{}`", t.name.value),
                )
                .at(source, t.name.span, "named again here")
                .also(source, *first, "first named here")
                .hint("test names identify tests in reports and JUnit files; make them unique");
                cx.diags.push(d);
                continue;
            }
            names.insert(t.name.value.clone(), t.name.span);
            out.tests.push(t);
        }
    }
    out
}

fn err(cx: &mut Cx, span: Span, msg: impl Into<String>, label: &str, hint: impl Into<String>) {
    cx.err(Code::TestInput, span, msg, label, Some(hint.into()));
}

fn test(cx: &mut Cx, node: &Node, index: usize, model: &Model) -> Option<Test> {
    let f = fields(cx, node, "test", TEST_FIELDS)?;
    let name = match f.get("name") {
        Some(n) => {
            let s = string(cx, n, "name")?;
            if s.value.chars().any(char::is_control) || s.value.trim().is_empty() {
                err(cx, s.span, "a test name must be non-empty text without control characters (newlines, tabs, ...)", "bad name", "write the name on one line");
                return None;
            }
            s
        }
        None => Spanned::new(format!("test {}", index + 1), node.span),
    };
    let interval = match duration(cx, &f, "interval") {
        Some(d) => {
            let v = parse_duration(&d.value).unwrap_or_default();
            if v.is_zero() {
                err(
                    cx,
                    d.span,
                    "`interval` must be more than 0s",
                    "zero interval",
                    "e.g. interval: 1m",
                );
                return None;
            }
            v
        }
        None if f.contains_key("interval") => return None,
        None => Duration::from_secs(60),
    };
    let input = list(cx, &f, node, "input", "a list of series", |cx, n| {
        input_series(cx, n, model)
    });
    let expect = list(
        cx,
        &f,
        node,
        "expect",
        "a list of {at, alert, firing} entries",
        |cx, n| expectation(cx, n, model),
    );
    let (input, expect) = (input?, expect?);
    Some(Test {
        name,
        span: node.span,
        interval,
        input,
        expect,
    })
}

/// The required list `key` of a mapping, each item read by `item`; `None` (reported)
/// when it is missing, not a list, or any item is bad.
fn list<T>(
    cx: &mut Cx,
    f: &BTreeMap<&str, &Node>,
    node: &Node,
    key: &str,
    expected: &str,
    mut item: impl FnMut(&mut Cx, &Node) -> Option<T>,
) -> Option<Vec<T>> {
    let n = require(cx, f, node, key, "test")?;
    let Kind::Seq(items) = &n.kind else {
        cx.wrong_type(n, key, expected);
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for i in items {
        match item(cx, i) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `target:` or `group:` (not both), checked against the inventory.
fn place(cx: &mut Cx, f: &BTreeMap<&str, &Node>, model: &Model) -> Option<Place> {
    let target = opt_string(cx, f, "target");
    let group = opt_string(cx, f, "group");
    match (target, group) {
        (Some(_), Some(g)) => {
            err(
                cx,
                g.span,
                "give `target` or `group`, not both",
                "second place",
                "a target already says which group it is in",
            );
            None
        }
        (Some(t), None) => known(
            cx,
            &t,
            "target",
            model.inventory.targets.contains_key(&t.value),
            model.inventory.targets.keys(),
        )
        .then_some(Place::Target(t)),
        (None, Some(g)) => known(
            cx,
            &g,
            "group",
            model.inventory.groups.contains_key(&g.value),
            model.inventory.groups.keys(),
        )
        .then_some(Place::Group(g)),
        (None, None) if f.contains_key("target") || f.contains_key("group") => None,
        (None, None) => Some(Place::Labels),
    }
}

/// `exists`, and when not, reports `name` as an unknown inventory `kind` with the
/// closest of `names`.
fn known<'a>(
    cx: &mut Cx,
    name: &Spanned<String>,
    kind: &str,
    exists: bool,
    names: impl Iterator<Item = &'a String>,
) -> bool {
    if exists {
        return true;
    }
    let hint = did_you_mean(&name.value, names.map(String::as_str)).map_or_else(
        || "for series outside the inventory, give their labels under `labels:`".to_string(),
        |s| format!("did you mean `{s}`?"),
    );
    cx.err(
        Code::UnknownScope,
        name.span,
        format!("{kind} `{}` is not in the inventory", name.value),
        &format!("unknown {kind}"),
        Some(hint),
    );
    false
}

fn input_series(cx: &mut Cx, node: &Node, model: &Model) -> Option<Input> {
    let f = fields(cx, node, "input series", INPUT_FIELDS)?;
    let metric_node = require(cx, &f, node, "metric", "input series");
    let values_node = require(cx, &f, node, "values", "input series");
    let place = place(cx, &f, model);
    let labels = string_map(cx, &f, "labels");
    let metric = metric_node.and_then(|n| string(cx, n, "metric"));
    let selector = metric.as_ref().and_then(|m| series_selector(cx, m));
    let values = values_node.and_then(|n| match n.as_scalar() {
        Some((t, _)) => Some(Spanned::new(t.to_string(), n.span)),
        None => {
            cx.wrong_type(n, "values", "promtool's sample notation, e.g. '0+10x30'");
            None
        }
    });
    let values = values.filter(|v| check_values(cx, v));
    let (metric, selector, place, values) = (metric?, selector?, place?, values?);
    if matches!(place, Place::Labels) && labels.is_empty() && selector.len() <= 1 {
        err(
            cx,
            node.span,
            "this series has no labels and no place in the estate",
            "where is it?",
            "add `target: T`, `group: G`, or `labels: {...}` for a host outside the inventory",
        );
        return None;
    }
    Some(Input {
        span: node.span,
        metric,
        selector,
        place,
        labels,
        values,
    })
}

/// `name{label="value", ...}`: a metric name and equality matchers only.
fn series_selector(cx: &mut Cx, m: &Spanned<String>) -> Option<BTreeMap<String, String>> {
    use promql_parser::label::MatchOp;
    use promql_parser::parser::Expr;
    let bad = |cx: &mut Cx, why: String| {
        err(
            cx,
            m.span,
            why,
            "not a series",
            "write a metric name with optional labels: node_load1{cpu=\"0\"}",
        );
        None
    };
    let vs = match crate::model::promql::parse(&m.value) {
        Ok(Expr::VectorSelector(vs)) if vs.offset.is_none() && vs.at.is_none() => vs,
        Ok(_) => {
            return bad(
                cx,
                format!(
                    "`{}` is not a series: give one metric with its labels",
                    m.value
                ),
            )
        }
        Err(e) => return bad(cx, format!("`{}` does not parse as a series: {e}", m.value)),
    };
    let mut out = BTreeMap::new();
    if let Some(n) = &vs.name {
        out.insert("__name__".to_string(), n.clone());
    }
    for matcher in &vs.matchers.matchers {
        if !matches!(matcher.op, MatchOp::Equal) {
            return bad(
                cx,
                format!(
                    "`{}`: an input series has exact labels (`=`), not `{}` matchers",
                    m.value, matcher.op
                ),
            );
        }
        if out
            .insert(matcher.name.clone(), matcher.value.clone())
            .is_some()
        {
            return bad(
                cx,
                format!("`{}` sets label `{}` twice", m.value, matcher.name),
            );
        }
    }
    if !vs.matchers.or_matchers.is_empty() || !out.contains_key("__name__") {
        return bad(cx, format!("`{}` has no metric name", m.value));
    }
    Some(out)
}

/// promtool's expanding notation: space-separated `V`, `VxN`, `V+DxN`, `V-DxN`, `_`,
/// `_xN`, `stale`. Counts the samples against [`MAX_SAMPLES`].
fn check_values(cx: &mut Cx, v: &Spanned<String>) -> bool {
    let mut total: u64 = 0;
    for token in v.value.split_ascii_whitespace() {
        match sample_count(token) {
            Some(n) => total = total.saturating_add(n),
            None => {
                err(cx, v.span, format!("`{token}` is not promtool sample notation"), "bad values", "write values like '1 2 3', '0+10x30' (31 values counting up by 10), '5x10', '_x3' (3 missing) or 'stale'");
                return false;
            }
        }
    }
    if total == 0 {
        err(
            cx,
            v.span,
            "`values` is empty",
            "no samples",
            "give at least one value, e.g. '1x10'",
        );
        return false;
    }
    if total > MAX_SAMPLES {
        err(cx, v.span, format!("these values expand to {total} samples, more than the {MAX_SAMPLES} a series may have"), "too many samples", "shorten the series or make `interval` longer");
        return false;
    }
    true
}

fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if matches!(s, "Inf" | "inf" | "NaN" | "nan") {
        return true;
    }
    !s.is_empty()
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && s.parse::<f64>().is_ok()
}

fn sample_count(token: &str) -> Option<u64> {
    if token == "_" || token == "stale" {
        return Some(1);
    }
    let Some((head, n)) = token.rsplit_once('x') else {
        return is_number(token).then_some(1);
    };
    let n: u64 = n.parse().ok()?;
    if head == "_" {
        return Some(n);
    }
    // `V`, `V+D`, `V-D`: split at the sign that follows the first number.
    let split = head
        .char_indices()
        .skip(1)
        .find(|&(i, c)| (c == '+' || c == '-') && !head[..i].ends_with(['e', 'E']))
        .map(|(i, _)| i);
    let ok = match split {
        Some(i) => is_number(&head[..i]) && is_number(&head[i + 1..]),
        None => is_number(head),
    };
    ok.then(|| n.saturating_add(1))
}

fn expectation(cx: &mut Cx, node: &Node, model: &Model) -> Option<Expect> {
    let f = fields(cx, node, "expectation", EXPECT_FIELDS)?;
    let at_node = require(cx, &f, node, "at", "expectation");
    let alert = require(cx, &f, node, "alert", "expectation").and_then(|n| string(cx, n, "alert"));
    let firing_node = require(cx, &f, node, "firing", "expectation");
    let at = at_node.and(duration(cx, &f, "at")).and_then(|d| {
        let v = parse_duration(&d.value).unwrap_or_default();
        if v > MAX_AT {
            err(
                cx,
                d.span,
                format!(
                    "`at: {}` is later than the {} a test may run",
                    d.value,
                    super::human_duration(MAX_AT)
                ),
                "too late",
                "tests evaluate every rule once a minute up to `at`; keep it within days",
            );
            return None;
        }
        Some(Spanned::new(v, d.span))
    });
    let firing_node = firing_node?;
    let mut firing = Vec::new();
    let mut ok = true;
    match &firing_node.kind {
        Kind::Seq(items) => {
            for item in items {
                match expected_alert(cx, item, model) {
                    Some(a) => firing.push(a),
                    None => ok = false,
                }
            }
        }
        _ if firing_node.is_null() => {}
        _ => {
            cx.wrong_type(
                firing_node,
                "firing",
                "a list of expected alerts (`[]` for none)",
            );
            ok = false;
        }
    }
    let key_span = match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_scalar().map(|s| s.0) == Some("firing"))
            .map_or(firing_node.span, |(k, _)| k.span),
        _ => firing_node.span,
    };
    if !ok {
        return None;
    }
    Some(Expect {
        span: node.span,
        at: at?,
        alert: alert?,
        firing_span: key_span,
        firing,
    })
}

fn expected_alert(cx: &mut Cx, node: &Node, model: &Model) -> Option<ExpectedAlert> {
    let f = fields(cx, node, "expected alert", ALERT_FIELDS)?;
    let place = place(cx, &f, model);
    let severity = opt_string(cx, &f, "severity");
    let labels = string_map(cx, &f, "labels");
    let annotations = string_map(cx, &f, "annotations");
    let receivers = match f.get("receivers") {
        None => None,
        Some(n) => match &n.kind {
            Kind::Seq(items) => {
                let mut names = Vec::new();
                for i in items {
                    names.push(string(cx, i, "receivers")?.value);
                }
                Some(Spanned::new(names, n.span))
            }
            _ => {
                cx.wrong_type(n, "receivers", "a list of receiver names (`[]`: inhibited)");
                return None;
            }
        },
    };
    for name in labels.keys() {
        if name == "alertname" || name == "severity" {
            err(
                cx,
                labels[name].span,
                format!("set `{name}` with its own field"),
                "here",
                format!(
                    "write `{}:` next to `labels:`",
                    if name == "severity" {
                        "severity"
                    } else {
                        "alert"
                    }
                ),
            );
            return None;
        }
    }
    let place = place?;
    if matches!(place, Place::Labels) && labels.is_empty() && !f.contains_key("labels") {
        err(
            cx,
            node.span,
            "this expected alert says neither where it fires nor which labels it has",
            "which alert?",
            "add `target: T`, `group: G` (one alert per target), or `labels: {...}`",
        );
        return None;
    }
    Some(ExpectedAlert {
        span: node.span,
        place,
        severity,
        labels,
        annotations,
        receivers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_notation() {
        for (t, n) in [
            ("1", 1),
            ("-2.5", 1),
            ("0+10x30", 31),
            ("1-2x4", 5),
            ("-2+4x3", 4),
            ("5x10", 11),
            ("_x3", 3),
            ("_", 1),
            ("stale", 1),
            ("1e3+1e-2x2", 3),
            ("Inf", 1),
        ] {
            assert_eq!(sample_count(t), Some(n), "{t}");
        }
        for t in ["x", "1x", "ax3", "1+x3", "stalex2", "1x-3", "0x1f", "{{1}}"] {
            assert_eq!(sample_count(t), None, "{t}");
        }
    }
}
