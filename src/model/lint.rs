//! Lints for queries whose meaning changes when alertctl scopes them: `absent()`,
//! aggregations that keep the target label but drop the scope labels, and
//! `vector()`/`scalar()` constants (the aggregations that merge scopes are
//! `cross-scope-aggregation`, in `render`). Each warning names the rule that scoped the
//! query, says what the scoped query now means and how to keep the old meaning.
//! A person can accept a warning with `ignore: [code]` on the template or on the rule.

use promql_parser::parser::Expr;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::promql::{self, MatcherCache};
use crate::model::resolve::{Alert, Cell, Model};
use crate::model::{ignores, Rule, Scope, ScopeInjection, Template};
use crate::source::settings::ScopeMatch;

/// The rules that give `alert` a scope other than global, in file order; the first of
/// them that does not accept `code` is where a finding about the scoping is reported.
/// `None` when the template accepts it, or every scoped rule does, or there is none.
pub fn scoping_rule<'m>(model: &'m Model, alert: &Alert, code: Code) -> Option<&'m Rule> {
    let t = model.templates.get(&alert.template)?;
    if ignores(&t.ignore, code) {
        return None;
    }
    let mut rules: Vec<&Rule> = alert
        .by_scope
        .iter()
        .filter(|(s, _)| **s != Scope::Global)
        .flat_map(|(_, idxs)| idxs.iter().map(|&i| &model.rules[i]))
        .collect();
    rules.sort_by(|a, b| (&a.file, a.span.start()).cmp(&(&b.file, b.span.start())));
    rules.into_iter().find(|r| !ignores(&r.ignore, code))
}

/// The query of an alert that alertctl scopes (a `scope: auto` template with cells
/// that carry matchers), before scoping; `None` when scoping cannot change it.
pub fn scoped_query(model: &Model, alert: &Alert, cells: &[Cell]) -> Option<Expr> {
    let t = model.templates.get(&alert.template)?;
    if t.scope_injection != ScopeInjection::Auto || cells.iter().all(|c| c.matchers.is_empty()) {
        return None;
    }
    let config = cells
        .iter()
        .find_map(|c| c.effective.as_ref())
        .map(|e| &e.config)?;
    promql::parse(&model.substituted_expr(config, None)?).ok()
}

/// The lints of one alert, given its partition cells and [`scoped_query`].
pub fn scoped_queries(
    model: &Model,
    alert: &Alert,
    cells: &[Cell],
    query: Option<&Expr>,
    diags: &mut Diagnostics,
) {
    let (Some(t), Some(expr)) = (model.templates.get(&alert.template), query) else {
        return;
    };
    let rules = cells.iter().filter(|c| c.effective.is_some()).count();
    let scoped = |r: &Rule, part: &Expr| -> String {
        let Some(cell) = cells.iter().find(|c| c.scope == r.scope.value) else {
            return part.to_string();
        };
        let mut cache = MatcherCache::default();
        let ms: Vec<_> = cell.matchers.iter().map(|m| cache.build(m)).collect();
        let mut e = part.clone();
        promql::inject(&mut e, &ms);
        e.to_string()
    };
    let report = |diags: &mut Diagnostics, code: Code, message: String, hint: String| {
        if let Some(r) = scoping_rule(model, alert, code) {
            diags.push(warning(model, t, r, code, message, hint));
        }
    };

    if let Some(call) = promql::calls(expr, &["absent", "absent_over_time"])
        .into_iter()
        .find(|c| !promql::selectors(c).is_empty())
    {
        if let Some(r) = scoping_rule(model, alert, Code::ScopedAbsent) {
            let scope = &r.scope.value;
            report(
                diags,
                Code::ScopedAbsent,
                format!(
                    "`{}` is scoped by this rule, so `{call}` becomes `{}`: it now fires for {scope} whenever {scope} has no such series (for example when the service runs only elsewhere), instead of only when the series is missing everywhere",
                    alert.name,
                    scoped(r, call)
                ),
                "to keep the old meaning, give this alert only a global rule, or use `scope: manual` and leave ${scope} out of the absent() selector; if the per-scope meaning is intended, add `ignore: [scoped-absent]` to the rule".into(),
            );
        }
    }

    let labels = &model.settings.labels;
    if model.settings.scope.match_ == ScopeMatch::Labels {
        let scope_labels = [labels.namespace.as_str(), labels.group.as_str()];
        if let Some((agg, dropped)) =
            promql::keeps_target_drops_scope(expr, &labels.target, &scope_labels)
        {
            let names = dropped
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(" or ");
            report(
                diags,
                Code::ScopedDropsGroup,
                format!(
                    "`{}` is scoped by this rule, but `{agg}` keeps `{}` and drops {names}: its alerts carry no {names} label, so Alertmanager routes that match on them (alertctl's routing included) never take these alerts",
                    alert.name, labels.target
                ),
                format!(
                    "keep the labels in the aggregation, e.g. `by ({}, {})` or `without (cpu, mode)`; if no route uses them, add `ignore: [scoped-drops-group]`",
                    labels.target,
                    dropped.join(", ")
                ),
            );
        }
    }

    let constants = promql::calls(expr, &["vector", "scalar"]);
    if let Some(call) = constants.first() {
        let name = match call {
            Expr::Call(c) => c.func.name,
            _ => "vector",
        };
        let (message, hint) = if name == "scalar" {
            (
                format!(
                    "`{}` is scoped by this rule, so `{call}` takes its value from the scope's series only (and is NaN when the scope has several): each of the alert's {rules} rules compares with its own scope's value, not the estate's",
                    alert.name
                ),
                "to compare with the estate-wide value, use `scope: manual` and leave ${scope} out of the scalar() argument; if the per-scope value is intended, add `ignore: [scoped-constant]`".to_string(),
            )
        } else {
            (
                format!(
                    "`{}` is scoped by this rule, but `{call}` has no selector to scope: each of the alert's {rules} rules produces it, so what it contributes counts once per rule (a constant alert fires {rules} times)",
                    alert.name
                ),
                "keep constant alerts in one rule: give the alert only a global rule, or use `scope: manual`; if intended, add `ignore: [scoped-constant]`".to_string(),
            )
        };
        report(diags, Code::ScopedConstant, message, hint);
    }
}

fn warning(
    model: &Model,
    t: &Template,
    r: &Rule,
    code: Code,
    message: String,
    hint: String,
) -> Diagnostic {
    Diagnostic::warning(code, message)
        .at(
            model.source(&r.file),
            r.scope.span,
            format!("scoped to {} here", r.scope.value),
        )
        .also(model.source(&t.file), t.expr.span, "the template's query")
        .hint(hint)
}

/// Target rules of `alert` for targets that do not run the job it watches there: the
/// rule has no series to select. Returns those targets, warning about each rule.
pub fn job_not_run(
    model: &Model,
    alert: &Alert,
    cells: &[Cell],
    diags: &mut Diagnostics,
) -> Vec<String> {
    let mut unwatched = Vec::new();
    // Without jobs every target runs every job: no target cell is ever dropped.
    if !model.inventory.uses_jobs() {
        return unwatched;
    }
    let with_cell: std::collections::HashSet<&Scope> = cells.iter().map(|c| &c.scope).collect();
    for (scope, idxs) in &alert.by_scope {
        let Scope::Target(target) = scope else {
            continue;
        };
        if !model.inventory.targets.contains_key(target) || with_cell.contains(scope) {
            continue;
        }
        unwatched.push(target.clone());
        let Some(pos) = model.inventory.position(target) else {
            continue;
        };
        let job = model
            .effective(alert, &pos)
            .and_then(|e| model.job_of(&e.config))
            .unwrap_or_default();
        let runs: Vec<&str> = model
            .inventory
            .jobs
            .get(target)
            .map(|j| j.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let t = &model.templates[&alert.template];
        if ignores(&t.ignore, Code::JobNotRun) {
            continue;
        }
        if let Some(r) = idxs
            .iter()
            .map(|&i| &model.rules[i])
            .find(|r| !ignores(&r.ignore, Code::JobNotRun))
        {
            diags.push(
                Diagnostic::warning(
                    Code::JobNotRun,
                    format!(
                        "`{}` watches job `{job}`, which target `{target}` does not run (it runs {}): this rule selects nothing",
                        alert.name,
                        runs.join(", ")
                    ),
                )
                .at(model.source(&r.file), r.scope.span, "this target")
                .hint(format!(
                    "add `{job}` to the target's jobs in the inventory, or remove the rule"
                )),
            );
        }
    }
    unwatched
}
