//! PromQL through promql-parser: parse, add scope matchers to every selector, print.
//!
//! The injection walks the AST, so matchers land inside functions, subqueries,
//! aggregations and on both sides of binary operators. Existing matchers on the same
//! label are kept, not replaced: `group="db"` plus an injected `group="web"` selects
//! nothing, which is the intersection a scope means (promtool's `label-matchers set`
//! would silently widen it instead).

use std::sync::Once;
use std::time::UNIX_EPOCH;

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{self, value::ValueType, AtModifier, Expr, Function, VectorSelector};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Eq,
    NotEq,
    Re,
    NotRe,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::NotEq => "!=",
            Op::Re => "=~",
            Op::NotRe => "!~",
        }
    }
}

/// One scope matcher, e.g. `group="web"` or `instance!~"a\.b|c"` (value is the raw
/// regex or string, before PromQL string escaping).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeMatcher {
    pub label: String,
    pub op: Op,
    pub value: String,
}

impl ScopeMatcher {
    /// Does a series with this label value (empty when absent) match? Anchored, as in
    /// Prometheus.
    pub fn matches(&self, value: &str) -> bool {
        match self.op {
            Op::Eq => self.value == value,
            Op::NotEq => self.value != value,
            Op::Re | Op::NotRe => {
                let re = regex::Regex::new(&format!("^(?:{})$", self.value))
                    .expect("scope regexes are built escaped");
                re.is_match(value) == (self.op == Op::Re)
            }
        }
    }
}

impl std::fmt::Display for ScopeMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.label,
            self.op.as_str(),
            crate::model::params::promql_string(&self.value)
        )
    }
}

/// Functions Prometheus 2.x has and promql-parser (which follows 3.x) lacks.
fn register_prometheus2_functions() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = parser::register_extra_functions(vec![Function::new(
            "holt_winters",
            vec![ValueType::Matrix, ValueType::Scalar, ValueType::Scalar],
            0,
            ValueType::Vector,
            false,
        )]);
    });
}

pub fn parse(expr: &str) -> Result<Expr, String> {
    register_prometheus2_functions();
    let e = parser::parse(expr)?;
    check_supported(&e)?;
    Ok(e)
}

/// Rejects what the printer would change in meaning (see PROMQL-NOTES pitfall 1).
fn check_supported(e: &Expr) -> Result<(), String> {
    let mut err = Ok(());
    visit(e, &mut |vs_at: Option<&AtModifier>| {
        if let Some(AtModifier::At(t)) = vs_at {
            if *t < UNIX_EPOCH {
                err = Err(
                    "`@` timestamps before 1970 are not supported (they would be printed as `@ 0`)"
                        .to_string(),
                );
            }
        }
    });
    err
}

fn visit(e: &Expr, f: &mut dyn FnMut(Option<&AtModifier>)) {
    match e {
        Expr::Aggregate(a) => {
            visit(&a.expr, f);
            if let Some(p) = &a.param {
                visit(p, f);
            }
        }
        Expr::Unary(u) => visit(&u.expr, f),
        Expr::Binary(b) => {
            visit(&b.lhs, f);
            visit(&b.rhs, f);
        }
        Expr::Paren(p) => visit(&p.expr, f),
        Expr::Subquery(s) => {
            f(s.at.as_ref());
            visit(&s.expr, f);
        }
        Expr::VectorSelector(vs) => f(vs.at.as_ref()),
        Expr::MatrixSelector(ms) => f(ms.vs.at.as_ref()),
        Expr::Call(c) => c.args.args.iter().for_each(|a| visit(a, f)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Builds scope matchers to inject into a query that is then printed (a rendered rule,
/// a lint message): nothing ever evaluates them. promql-parser prints a regex matcher's
/// value and never its compiled regex, and a cell's regex (the alternation of the
/// targets with their own rules) is mostly unique to that cell: compiling and keeping
/// one per cell held 67 MB of the 464 MB heap peak of a cold `validate` on the L
/// benchmark estate (heaptrack) and cost a compilation per cell. One compiled regex
/// stands in for every value; debug builds still check that the value compiles.
pub struct MatcherCache {
    printed_only: regex::Regex,
}

impl Default for MatcherCache {
    fn default() -> Self {
        MatcherCache {
            printed_only: regex::Regex::new("").expect("the empty regex compiles"),
        }
    }
}

impl MatcherCache {
    pub fn build(&mut self, m: &ScopeMatcher) -> Matcher {
        let op = match m.op {
            Op::Eq => MatchOp::Equal,
            Op::NotEq => MatchOp::NotEqual,
            Op::Re | Op::NotRe => {
                debug_assert!(
                    regex::Regex::new(&format!("^(?:{})$", m.value)).is_ok(),
                    "scope regexes are built escaped: {}",
                    m.value
                );
                let re = self.printed_only.clone();
                if m.op == Op::Re {
                    MatchOp::Re(re)
                } else {
                    MatchOp::NotRe(re)
                }
            }
        };
        Matcher::new(op, &m.label, &m.value)
    }
}

/// Appends `matchers` to every vector selector (also each `or` alternative of a
/// Prometheus-3 selector, whose printer ignores the plain list).
pub fn inject(e: &mut Expr, matchers: &[Matcher]) {
    if matchers.is_empty() {
        return;
    }
    fn add(vs: &mut VectorSelector, ms: &[Matcher]) {
        vs.matchers.matchers.extend(ms.iter().cloned());
        for alt in &mut vs.matchers.or_matchers {
            alt.extend(ms.iter().cloned());
        }
    }
    match e {
        Expr::Aggregate(a) => {
            inject(&mut a.expr, matchers);
            if let Some(p) = &mut a.param {
                inject(p, matchers);
            }
        }
        Expr::Unary(u) => inject(&mut u.expr, matchers),
        Expr::Binary(b) => {
            inject(&mut b.lhs, matchers);
            inject(&mut b.rhs, matchers);
        }
        Expr::Paren(p) => inject(&mut p.expr, matchers),
        Expr::Subquery(s) => inject(&mut s.expr, matchers),
        Expr::VectorSelector(vs) => add(vs, matchers),
        Expr::MatrixSelector(ms) => add(&mut ms.vs, matchers),
        Expr::Call(c) => c.args.args.iter_mut().for_each(|a| inject(a, matchers)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Every vector selector's matchers, for tests and for checking what a rendered query
/// selects.
pub fn selectors(e: &Expr) -> Vec<&VectorSelector> {
    let mut out = Vec::new();
    fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a VectorSelector>) {
        match e {
            Expr::Aggregate(a) => {
                walk(&a.expr, out);
                if let Some(p) = &a.param {
                    walk(p, out);
                }
            }
            Expr::Unary(u) => walk(&u.expr, out),
            Expr::Binary(b) => {
                walk(&b.lhs, out);
                walk(&b.rhs, out);
            }
            Expr::Paren(p) => walk(&p.expr, out),
            Expr::Subquery(s) => walk(&s.expr, out),
            Expr::VectorSelector(vs) => out.push(vs),
            Expr::MatrixSelector(ms) => out.push(&ms.vs),
            Expr::Call(c) => c.args.args.iter().for_each(|a| walk(a, out)),
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
        }
    }
    walk(e, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(label: &str, op: Op, value: &str) -> ScopeMatcher {
        ScopeMatcher {
            label: label.into(),
            op,
            value: value.into(),
        }
    }

    fn injected(expr: &str, ms: &[ScopeMatcher]) -> String {
        let mut cache = MatcherCache::default();
        let built: Vec<_> = ms.iter().map(|x| cache.build(x)).collect();
        let mut e = parse(expr).unwrap();
        inject(&mut e, &built);
        e.to_string()
    }

    #[test]
    fn injects_everywhere() {
        let out = injected(
            "sum by (job) (rate(a[5m])) / on(job) group_left max_over_time(b[1h:5m]) > scalar(c)",
            &[m("group", Op::Eq, "web")],
        );
        assert_eq!(out.matches("group=\"web\"").count(), 3, "{out}");
        parse(&out).unwrap();
    }

    #[test]
    fn keeps_existing_matchers() {
        let out = injected("up{group=\"db\"}", &[m("group", Op::Eq, "web")]);
        assert!(
            out.contains("group=\"db\"") && out.contains("group=\"web\""),
            "{out}"
        );
    }

    #[test]
    fn regex_values_are_escaped_for_promql_strings() {
        let v = crate::model::params::quote_meta("db-1.example.com:9100") + "|a\"b";
        let out = injected("up", &[m("instance", Op::NotRe, &v)]);
        let back = parse(&out).unwrap();
        let sel = selectors(&back);
        let mm = sel[0]
            .matchers
            .matchers
            .iter()
            .find(|x| x.name == "instance")
            .unwrap();
        assert_eq!(mm.value, v);
        assert!(!mm.is_match("db-1.example.com:9100"));
        assert!(mm.is_match("db-1xexample.com:9100"));
    }

    #[test]
    fn holt_winters_and_negative_at() {
        assert!(parse("holt_winters(x[5m], 0.5, 0.5)").is_ok());
        assert!(parse("up @ -100").is_err());
        assert!(parse("up @ 100").is_ok());
    }

    #[test]
    fn scope_matcher_semantics() {
        assert!(m("group", Op::NotRe, "web|db").matches(""));
        assert!(!m("group", Op::NotRe, "web|db").matches("web"));
        assert!(m("instance", Op::Re, r"a\.b").matches("a.b"));
        assert!(!m("instance", Op::Re, r"a\.b").matches("axb"));
    }
}

/// The first aggregation that merges series across scopes: one whose output keeps
/// neither `scope_label` nor `target_label` (a target lies in exactly one scope, so
/// keeping it is as good). Scoping its input makes each cell compute a partial result,
/// e.g. `sum by (namespace)` split per group.
pub fn cross_scope_aggregation(e: &Expr, scope_label: &str, target_label: &str) -> Option<String> {
    use promql_parser::parser::LabelModifier;
    let mut found = None;
    fn walk(e: &Expr, scope: &str, target: &str, found: &mut Option<String>) {
        if found.is_some() {
            return;
        }
        match e {
            Expr::Aggregate(a) => {
                let keeps = |l: &str| match &a.modifier {
                    None => false,
                    Some(LabelModifier::Include(ls)) => ls.labels.iter().any(|x| x == l),
                    Some(LabelModifier::Exclude(ls)) => !ls.labels.iter().any(|x| x == l),
                };
                if !keeps(scope) && !keeps(target) {
                    *found = Some(e.to_string());
                    return;
                }
                walk(&a.expr, scope, target, found);
            }
            Expr::Unary(u) => walk(&u.expr, scope, target, found),
            Expr::Binary(b) => {
                walk(&b.lhs, scope, target, found);
                walk(&b.rhs, scope, target, found);
            }
            Expr::Paren(p) => walk(&p.expr, scope, target, found),
            Expr::Subquery(s) => walk(&s.expr, scope, target, found),
            Expr::Call(c) => c
                .args
                .args
                .iter()
                .for_each(|a| walk(a, scope, target, found)),
            _ => {}
        }
    }
    walk(e, scope_label, target_label, &mut found);
    found
}

#[cfg(test)]
mod aggregation_tests {
    use super::*;

    #[test]
    fn finds_cross_scope_aggregations() {
        let check =
            |q: &str| cross_scope_aggregation(&parse(q).unwrap(), "group", "instance").is_some();
        assert!(check("sum by (namespace) (rate(x[5m])) > 1"));
        assert!(check("sum(rate(x[5m]))"));
        assert!(check("max without (group, instance) (x)"));
        assert!(!check("max without (group) (x)"));
        assert!(!check("avg by (instance) (rate(x[5m])) > 1"));
        assert!(!check("sum by (group, job) (x)"));
        assert!(!check("sum without (job) (x)"));
        assert!(!check("rate(x[5m]) > 1"));
    }
}

/// Calls `f` on `e` and every expression inside it, outermost first.
pub fn walk<'e>(e: &'e Expr, f: &mut dyn FnMut(&'e Expr)) {
    f(e);
    match e {
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                walk(p, f);
            }
            walk(&a.expr, f);
        }
        Expr::Unary(u) => walk(&u.expr, f),
        Expr::Binary(b) => {
            walk(&b.lhs, f);
            walk(&b.rhs, f);
        }
        Expr::Paren(p) => walk(&p.expr, f),
        Expr::Subquery(s) => walk(&s.expr, f),
        Expr::Call(c) => c.args.args.iter().for_each(|a| walk(a, f)),
        Expr::MatrixSelector(_)
        | Expr::VectorSelector(_)
        | Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::Extension(_) => {}
    }
}

/// Calls to one of `names` in `e`, with the text of each call.
pub fn calls<'e>(e: &'e Expr, names: &[&str]) -> Vec<&'e Expr> {
    let mut out = Vec::new();
    walk(e, &mut |x| {
        if let Expr::Call(c) = x {
            if names.contains(&c.func.name) {
                out.push(x);
            }
        }
    });
    out
}

/// The first aggregation whose output keeps `target_label` but drops some of
/// `scope_labels` (`avg by (instance)`, `sum without (group)`), with the dropped ones.
/// Aggregations that return their input series (`topk`, `bottomk`) keep every label.
pub fn keeps_target_drops_scope(
    e: &Expr,
    target_label: &str,
    scope_labels: &[&str],
) -> Option<(String, Vec<String>)> {
    use promql_parser::parser::LabelModifier;
    let mut found = None;
    walk(e, &mut |x| {
        let Expr::Aggregate(a) = x else { return };
        if found.is_some() || matches!(a.op.to_string().as_str(), "topk" | "bottomk") {
            return;
        }
        let keeps = |l: &str| match &a.modifier {
            None => false,
            Some(LabelModifier::Include(ls)) => ls.labels.iter().any(|x| x == l),
            Some(LabelModifier::Exclude(ls)) => !ls.labels.iter().any(|x| x == l),
        };
        let dropped: Vec<String> = scope_labels
            .iter()
            .filter(|l| !keeps(l))
            .map(|l| l.to_string())
            .collect();
        if keeps(target_label) && !dropped.is_empty() {
            found = Some((x.to_string(), dropped));
        }
    });
    found
}

#[cfg(test)]
mod lint_tests {
    use super::*;

    #[test]
    fn finds_calls_and_label_drops() {
        let e = parse("absent(up{job=\"nats\"}) or absent_over_time(x[5m]) or vector(1)").unwrap();
        let names: Vec<String> = calls(&e, &["absent", "absent_over_time"])
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            names,
            ["absent(up{job=\"nats\"})", "absent_over_time(x[5m])"]
        );
        assert_eq!(calls(&e, &["vector", "scalar"]).len(), 1);
        let drops = |q: &str| {
            keeps_target_drops_scope(&parse(q).unwrap(), "instance", &["namespace", "group"])
                .map(|(_, d)| d)
        };
        assert_eq!(
            drops("avg by (instance) (rate(x[5m])) > 1"),
            Some(vec!["namespace".to_string(), "group".to_string()])
        );
        assert_eq!(
            drops("sum by (instance, namespace) (x)"),
            Some(vec!["group".to_string()])
        );
        assert_eq!(
            drops("sum without (group) (x)"),
            Some(vec!["group".to_string()])
        );
        assert_eq!(drops("avg without (cpu, mode) (x)"), None);
        assert_eq!(drops("sum by (job) (x)"), None);
        assert_eq!(drops("topk by (instance) (3, x)"), None);
        assert_eq!(drops("x > 1"), None);
    }
}
