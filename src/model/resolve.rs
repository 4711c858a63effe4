//! Pure resolution: the merged model, cross-file checks, the effective fold of SPEC §3
//! with a trace of who set each field, and the partition of the series space into cells
//! that `render` turns into one Prometheus rule each.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::{did_you_mean, Code, Diagnostic, Diagnostics, SourceText, Span};
use crate::model::params::{self, Context, Tmpl, Typed, SCOPE_PARAM};
use crate::model::promql::{Op, ScopeMatcher};
use crate::model::vecmap::VecMap;
use crate::model::*;
use crate::source::settings::{ScopeMatch, Settings};

#[derive(Debug, Default, Clone)]
pub struct Inventory {
    /// namespace -> its groups
    pub namespaces: BTreeMap<String, Vec<String>>,
    pub groups: BTreeMap<String, GroupInfo>,
    /// target -> its group (`None`: listed under the inventory's top-level `targets:`).
    /// The group's name is shared by its targets: one allocation per group, not per
    /// target (100k targets on the L estate).
    pub targets: BTreeMap<String, Option<Arc<str>>>,
    /// target -> job -> instance, for the targets that run declared jobs (their own and
    /// their group's). Empty in an estate that says nothing about jobs.
    pub jobs: BTreeMap<String, BTreeMap<String, String>>,
    /// Job instance (the target label's value) -> its target. A target that declares
    /// no job is the one instance its name says and is not repeated here (an estate
    /// of 100k targets without jobs keeps no second map of them).
    pub instances: BTreeMap<String, String>,
    /// Where each ungrouped target is listed (file, span); grouped ones are in their
    /// group's `target_spans`.
    pub ungrouped_at: BTreeMap<String, (Arc<str>, Span)>,
}

#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub namespace: String,
    pub targets: Vec<String>,
    /// The jobs declared for the whole group (`jobs:` of its long form).
    pub jobs: Vec<String>,
    /// Where the group is listed (file, span).
    pub listed_at: (Arc<str>, Span),
    /// Where each of `targets` is listed, in the group's file.
    pub target_spans: Vec<Span>,
}

impl Inventory {
    /// Jobs are opt-in: until some group or target declares one, alertctl neither derives
    /// nor shows them, and every target is the single instance its name says.
    pub fn uses_jobs(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// Every instance of a target, sorted: its jobs' instances, or its name.
    pub fn all_instances<'a>(&'a self, target: &'a str) -> Vec<&'a str> {
        match self.jobs.get(target) {
            Some(jobs) if !jobs.is_empty() => {
                let set: BTreeSet<&str> = jobs.values().map(String::as_str).collect();
                set.into_iter().collect()
            }
            _ => vec![target],
        }
    }

    /// The instances of `target` that an alert watching `job` selects: the job's
    /// instance, none when the target does not run the job, all of them for an alert
    /// that watches no particular job or a target that declares no job.
    pub fn instances_for<'a>(&'a self, target: &'a str, job: Option<&str>) -> Vec<&'a str> {
        match (self.jobs.get(target), job) {
            (Some(jobs), Some(j)) => jobs.get(j).map(String::as_str).into_iter().collect(),
            _ => self.all_instances(target),
        }
    }

    /// Does the target run `job`? A target that declares no job runs every job (as
    /// in an estate without jobs), and every target runs "no particular job".
    pub fn runs(&self, target: &str, job: Option<&str>) -> bool {
        match (self.jobs.get(target), job) {
            (Some(jobs), Some(j)) => jobs.contains_key(j),
            _ => true,
        }
    }

    /// Does some target of the group run `job` (or the group declare it)? A group none
    /// of whose targets declares a job runs every job.
    pub fn group_runs(&self, group: &str, job: Option<&str>) -> bool {
        let Some(info) = self.groups.get(group) else {
            return true;
        };
        let Some(j) = job else { return true };
        let declared =
            !info.jobs.is_empty() || info.targets.iter().any(|t| self.jobs.contains_key(t));
        !declared
            || info.jobs.iter().any(|x| x == j)
            || info
                .targets
                .iter()
                .any(|t| self.runs(t, Some(j)) && self.jobs.contains_key(t))
    }

    /// The target an instance belongs to, and the jobs it is the instance of.
    pub fn owner<'a>(&'a self, instance: &'a str) -> Option<(&'a str, Vec<&'a str>)> {
        if let Some(t) = self.instances.get(instance) {
            let jobs = self.jobs[t]
                .iter()
                .filter(|(_, i)| *i == instance)
                .map(|(j, _)| j.as_str())
                .collect();
            return Some((t, jobs));
        }
        let (t, _) = self.targets.get_key_value(instance)?;
        (!self.jobs.contains_key(instance)).then_some((t.as_str(), vec![]))
    }

    /// Where a target is listed: (file, span).
    pub fn listed_at(&self, target: &str) -> Option<(&str, Span)> {
        match self.targets.get(target)? {
            None => self.ungrouped_at.get(target).map(|(f, s)| (&**f, *s)),
            Some(g) => {
                let info = &self.groups[&**g];
                let i = info.targets.iter().position(|t| t == target)?;
                Some((&*info.listed_at.0, info.target_spans[i]))
            }
        }
    }

    /// [`Inventory::listed_at`] of every target at once (it scans the target's group).
    fn listings(&self) -> HashMap<String, (Arc<str>, Span)> {
        let grouped = self.groups.values().flat_map(|g| {
            g.targets
                .iter()
                .zip(&g.target_spans)
                .map(|(t, s)| (t.clone(), (g.listed_at.0.clone(), *s)))
        });
        let ungrouped = self
            .ungrouped_at
            .iter()
            .map(|(t, (f, s))| (t.clone(), (f.clone(), *s)));
        grouped.chain(ungrouped).collect()
    }

    pub fn position(&self, target: &str) -> Option<Position> {
        let group = self.targets.get(target)?.as_ref();
        Some(Position {
            namespace: group.map(|g| self.groups[&**g].namespace.clone()),
            group: group.map(|g| g.to_string()),
            target: Some(target.to_string()),
        })
    }

    pub fn contains(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Global => true,
            Scope::Namespace(n) => self.namespaces.contains_key(n),
            Scope::Group(g) => self.groups.contains_key(g),
            Scope::Target(t) => self.targets.contains_key(t),
        }
    }

    fn names(&self, scope: &Scope) -> Vec<&str> {
        match scope {
            Scope::Global => vec![],
            Scope::Namespace(_) => self.namespaces.keys().map(String::as_str).collect(),
            Scope::Group(_) => self.groups.keys().map(String::as_str).collect(),
            Scope::Target(_) => self.targets.keys().map(String::as_str).collect(),
        }
    }
}

/// Where a series (or target) sits: the scopes that can contain it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Position {
    pub namespace: Option<String>,
    pub group: Option<String>,
    pub target: Option<String>,
}

impl Position {
    /// The scopes containing this position, least specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut v = vec![Scope::Global];
        v.extend(self.namespace.clone().map(Scope::Namespace));
        v.extend(self.group.clone().map(Scope::Group));
        v.extend(self.target.clone().map(Scope::Target));
        v
    }
}

/// One alert (or recorded series) name and the rules that define it.
#[derive(Debug, Clone)]
pub struct Alert {
    pub name: String,
    pub template: String,
    /// Rule indices by scope, each list sorted by priority. A `VecMap`: one per alert
    /// with every rule of the estate in some list, where a `BTreeMap`'s part-filled
    /// nodes and grown lists held twice the bytes (52k rules on the L estate).
    pub by_scope: VecMap<Scope, Vec<usize>>,
}

/// An [`Alert`] while the rules are gathered: a `BTreeMap` takes scopes in any order
/// at no more than log cost, where inserting into a sorted `VecMap` would shift.
/// A rule's template, typed parameters, own diagnostics and alert name, as checked.
type CheckedRule<'m> = (&'m Template, VecMap<String, Typed>, Diagnostics, &'m String);

struct Gathering {
    name: String,
    template: String,
    by_scope: BTreeMap<Scope, Vec<usize>>,
}

impl Gathering {
    fn freeze(self) -> Alert {
        let mut by_scope = VecMap::from(self.by_scope);
        for idxs in by_scope.values_mut() {
            idxs.shrink_to_fit();
        }
        Alert {
            name: self.name,
            template: self.template,
            by_scope,
        }
    }
}

/// Template fields pre-split into literal text and `${}` references.
#[derive(Debug, Clone)]
struct Compiled {
    /// `None` when the query uses template logic (rendered by `logic`).
    expr: Option<Tmpl>,
    expr_src: String,
    /// Parameters (and `scope`) the query reads.
    expr_refs: BTreeSet<String>,
    defaults: BTreeMap<String, Typed>,
    job: JobRef,
}

/// Which job (exporter) a template watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobRef {
    /// No particular job: it applies to every job of a target.
    Any,
    /// `job: NAME`, or the query's `job="NAME"` matcher.
    Fixed(String),
    /// The query's `job=${param}`: the parameter's value where the alert applies.
    Param(String),
}

/// Prefix of the stand-ins substituted for parameters when reading a template's `job`
/// matcher; no real label value starts with it.
const PARAM_SENTINEL: &str = "__alertctl_param_";

pub struct Model {
    pub settings: Settings,
    pub templates: BTreeMap<String, Template>,
    pub rules: Vec<Rule>,
    pub inventory: Inventory,
    pub alerts: BTreeMap<String, Alert>,
    /// Checked parameter values of each rule (parallel to `rules`).
    rule_params: Vec<VecMap<String, Typed>>,
    /// Checked parameter values of a many-alert rule per selected template: the same
    /// value can have a different type in each.
    many_params: HashMap<(usize, String), VecMap<String, Typed>>,
    /// Suspended rules by the alert they would define, in rule order: `trace --all` lists
    /// them for every alert, and scanning every rule per alert grew as alerts x rules.
    suspended: HashMap<String, Vec<usize>>,
    /// `rule_group:` settings entries from every rules file.
    pub rule_groups: Vec<RuleGroupDef>,
    compiled: HashMap<String, Compiled>,
    /// Template logic (`{% %}`) of queries, labels and annotations, and `_lib` snippets.
    pub logic: crate::model::logic::Engine,
    pub sources: HashMap<String, SourceText>,
    /// A template or inventory file did not parse: names it defines are unknown, and
    /// reporting every use of them would bury the real error.
    broken_templates: bool,
    broken_inventory: bool,
    /// Line indexes of the source files asked about, each built on first use. A slot per
    /// file, made at the first question, so that the store's threads (one question per
    /// rule of every cell) never wait on a lock.
    pub(crate) lines:
        std::sync::OnceLock<HashMap<String, std::sync::OnceLock<crate::diag::LineIndex>>>,
}

fn build_inventory(
    sources: &HashMap<String, SourceText>,
    namespaces: Vec<InvNamespace>,
    ungrouped: Vec<(Arc<str>, Spanned<String>)>,
    ungrouped_jobs: BTreeMap<String, Vec<InvJob>>,
    diags: &mut Diagnostics,
) -> Inventory {
    let mut inventory = Inventory::default();
    // Sized once: 100k targets on L, rehashed at every doubling otherwise.
    let listed_targets = ungrouped.len()
        + namespaces
            .iter()
            .flat_map(|n| &n.groups)
            .map(|g| g.targets.len())
            .sum::<usize>();
    let mut group_at: HashMap<String, (Arc<str>, Span)> = HashMap::new();
    // The target names listed more than once, found on every core: only those are
    // looked up in `target_at` (none in a sound inventory), where putting every name in
    // it was a fifth of this function on L (100k targets).
    let repeated: HashSet<String> = {
        let mut names: Vec<&str> = ungrouped
            .iter()
            .map(|(_, t)| t.value.as_str())
            .chain(
                namespaces
                    .iter()
                    .flat_map(|n| &n.groups)
                    .flat_map(|g| &g.targets)
                    .map(|t| t.value.as_str()),
            )
            .collect();
        names.par_sort_unstable();
        names
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0].to_string())
            .collect()
    };
    let mut target_at: HashMap<String, (Arc<str>, Span)> = HashMap::new();
    // Where `t` was listed first, if it was; otherwise this listing is recorded.
    let mut listed_before = |t: &Spanned<String>, file: &Arc<str>| {
        if !repeated.contains(&t.value) {
            return None;
        }
        if let Some(first) = target_at.get(&t.value) {
            return Some(first.clone());
        }
        target_at.insert(t.value.clone(), (file.clone(), t.span));
        None
    };
    // Each listed target with the jobs it runs: its group's, then its own (whose
    // ports win).
    let mut listed: Vec<(Arc<str>, Spanned<String>, Vec<InvJob>)> = Vec::new();
    // Collected, then built at once: a `BTreeMap` built from a sorted list has full
    // nodes, one grown by inserts about half-full ones (100k targets on L).
    let mut targets_of: Vec<(String, Option<Arc<str>>)> = Vec::with_capacity(listed_targets);
    // A target or group named a second time (`what`): where again, where first.
    let twice = |what: String, again: (&str, Span), first: (&str, Span), hint: &str| {
        Diagnostic::error(Code::DuplicateInventory, format!("{what} is listed twice"))
            .at(&sources[again.0], again.1, "listed again here")
            .also(&sources[first.0], first.1, "first listed here")
            .hint(hint)
    };
    for (file, t) in ungrouped {
        if let Some((first, span)) = listed_before(&t, &file) {
            diags.push(twice(
                format!("target `{}`", t.value),
                (&file, t.span),
                (&first, span),
                "a target is listed once, in one group or under `targets:`",
            ));
            continue;
        }
        targets_of.push((t.value.clone(), None));
        inventory
            .ungrouped_at
            .insert(t.value.clone(), (file.clone(), t.span));
        let jobs = ungrouped_jobs.get(&t.value).cloned().unwrap_or_default();
        if !jobs.is_empty() {
            listed.push((file, t, jobs));
        }
    }
    for ns in namespaces {
        let groups = inventory
            .namespaces
            .entry(ns.name.value.clone())
            .or_default();
        for g in ns.groups {
            if let Some((file, span)) = group_at.get(&g.name.value) {
                diags.push(twice(
                    format!("group `{}`", g.name.value),
                    (&ns.file, g.name.span),
                    (file, *span),
                    "group names are unique across all namespaces",
                ));
                continue;
            }
            group_at.insert(g.name.value.clone(), (ns.file.clone(), g.name.span));
            let group: Arc<str> = Arc::from(g.name.value.as_str());
            let mut targets = Vec::with_capacity(g.targets.len());
            let mut target_spans = Vec::with_capacity(g.targets.len());
            for t in g.targets {
                if let Some((first, span)) = listed_before(&t, &ns.file) {
                    diags.push(twice(
                        format!("target `{}`", t.value),
                        (&ns.file, t.span),
                        (&first, span),
                        "a target belongs to exactly one group",
                    ));
                    continue;
                }
                targets_of.push((t.value.clone(), Some(group.clone())));
                let mut jobs = g.jobs.clone();
                for own in g.target_jobs.get(&t.value).into_iter().flatten() {
                    jobs.retain(|j| j.name.value != own.name.value);
                    jobs.push(own.clone());
                }
                targets.push(t.value.clone());
                target_spans.push(t.span);
                if !jobs.is_empty() {
                    listed.push((ns.file.clone(), t, jobs));
                }
            }
            groups.push(g.name.value.clone());
            inventory.groups.insert(
                g.name.value,
                GroupInfo {
                    namespace: ns.name.value.clone(),
                    targets,
                    jobs: g.jobs.iter().map(|j| j.name.value.clone()).collect(),
                    listed_at: (ns.file.clone(), g.name.span),
                    target_spans,
                },
            );
        }
    }
    // Sorted on every core first: the map's own sort then finds it sorted.
    targets_of.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    inventory.targets = targets_of.into_iter().collect();
    // Targets with jobs: their instances. A series' instance must name exactly one
    // target, or its position (and so its alerts) would be ambiguous; a target
    // without jobs is the instance its name says.
    let with_jobs: BTreeSet<String> = listed.iter().map(|(_, t, _)| t.value.clone()).collect();
    // Where each target is listed, made at the first conflict: a few lookups would do
    // with `Inventory::listed_at`, but it scans the target's group, and an inventory
    // of 100k conflicting instances would take minutes.
    let mut located: Option<HashMap<String, (Arc<str>, Span)>> = None;
    for (file, t, jobs) in listed {
        let instances: BTreeMap<String, String> = jobs
            .iter()
            .map(|j| {
                (
                    j.name.value.clone(),
                    job_instance(&t.value, j.port.as_ref().map(|p| p.value)),
                )
            })
            .collect();
        let own: BTreeSet<&String> = instances.values().collect();
        for i in own {
            let other = match inventory.instances.get(i) {
                Some(o) if *o != t.value => Some(o.clone()),
                Some(_) => None,
                // A target without jobs named like this instance.
                None => {
                    (*i != t.value && inventory.targets.contains_key(i) && !with_jobs.contains(i))
                        .then(|| i.clone())
                }
            };
            if let Some(other) = other {
                let (ofile, ospan) = located
                    .get_or_insert_with(|| inventory.listings())
                    .get(&other)
                    .cloned()
                    .expect("an instance's owner is a listed target");
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateInventory,
                        format!("instance `{i}` of target `{}` is also an instance of target `{other}`", t.value),
                    )
                    .at(&sources[&*file], t.span, "this target")
                    .also(&sources[&*ofile], ospan, "the other target")
                    .hint("every instance (host:port) belongs to one target: fix the name or the job's port"),
                );
                continue;
            }
            inventory.instances.insert(i.clone(), t.value.clone());
        }
        inventory.jobs.insert(t.value.clone(), instances);
    }
    inventory
}

fn compile_templates(
    templates: &BTreeMap<String, Template>,
    sources: &HashMap<String, SourceText>,
    engine: &mut crate::model::logic::Engine,
    diags: &mut Diagnostics,
) -> HashMap<String, Compiled> {
    let mut compiled = HashMap::new();
    for t in templates.values() {
        let src = &sources[&*t.file];
        let mut ok = true;
        let mut defaults = BTreeMap::new();
        for p in &t.params {
            if let Some(d) = &p.default {
                match params::check_param(p, &d.value) {
                    Ok(v) => {
                        defaults.insert(p.name.value.clone(), v);
                    }
                    Err(e) => diags.push(
                        Diagnostic::error(
                            Code::BadParamValue,
                            format!("default of `{}`: {}", p.name.value, e.message),
                        )
                        .at(src, d.span, format!("expected {}", p.ty.as_str()))
                        .hint(e.hint),
                    ),
                }
            }
        }
        let manual = t.scope_injection == ScopeInjection::Manual;
        let mut fields: Vec<(&str, &Spanned<String>, Context)> =
            vec![("expr", &t.expr, Context::Promql)];
        fields.extend(t.labels.iter().map(|(k, v)| (k.as_str(), v, Context::Text)));
        fields.extend(
            t.annotations
                .iter()
                .map(|(k, v)| (k.as_str(), v, Context::Text)),
        );
        let mut expr = None;
        let mut expr_refs = BTreeSet::new();
        for (field, text, ctx) in fields {
            match parse_text(engine, ctx, &text.value) {
                Err((offset, len, message)) => {
                    ok = false;
                    diags.push(
                        Diagnostic::error(Code::BadTemplate, message)
                            .at(src, sub_span(src, text, offset, len), "here")
                            .hint("values are written ${name} or ${ expression }, statements {% ... %}; write $${ for a literal ${"),
                    );
                }
                Ok((tmpl, refs)) => {
                    let mut placed_scope = false;
                    for (name, off, len) in refs.iter().map(|(n, o, l)| (n.as_str(), *o, *l)) {
                        let at = sub_span(src, text, off, len);
                        if name == SCOPE_PARAM && ctx == Context::Promql {
                            placed_scope = true;
                            if !manual {
                                ok = false;
                                diags.push(Diagnostic::error(Code::BadTemplate, "`${scope}` is only allowed in templates with `scope: manual`").at(src, at, "here").hint("add `scope: manual` to place scope matchers yourself, or remove ${scope} to have them added to every selector"));
                            }
                            continue;
                        }
                        let Some(def) = t.param(name) else {
                            ok = false;
                            let hint =
                                did_you_mean(name, t.params.iter().map(|p| p.name.value.as_str()))
                                    .map_or_else(
                                        || {
                                            format!(
                                                "declare it under `params:` of template `{}`",
                                                t.name.value
                                            )
                                        },
                                        |s| format!("did you mean `${{{s}}}`?"),
                                    );
                            diags.push(
                                Diagnostic::error(
                                    Code::UnknownParam,
                                    format!("`{field}` uses undeclared parameter `{name}`"),
                                )
                                .at(src, at, "not declared")
                                .hint(hint),
                            );
                            continue;
                        };
                        if ctx == Context::Promql && def.ty == ParamType::String {
                            ok = false;
                            diags.push(Diagnostic::error(Code::BadTemplate, format!("parameter `{name}` of type string cannot be used in a query")).at(src, at, "string parameter in PromQL").hint("use label_value (a quoted, escaped PromQL string), regex, number, duration or label_name"));
                        }
                        let quoted = off > 0
                            && matches!(
                                text.value.as_bytes().get(off - 1),
                                Some(b'"' | b'\'' | b'`')
                            )
                            && matches!(
                                text.value.as_bytes().get(off + len),
                                Some(b'"' | b'\'' | b'`')
                            );
                        if ctx == Context::Promql
                            && quoted
                            && matches!(def.ty, ParamType::LabelValue | ParamType::Regex)
                        {
                            ok = false;
                            diags.push(Diagnostic::error(Code::BadTemplate, format!("parameter `{name}` is quoted twice")).at(src, at, "already inside quotes").hint(format!("{} parameters are substituted as quoted, escaped strings: write job=${{{name}}}, not job=\"${{{name}}}\"", def.ty.as_str())));
                        }
                    }
                    if field == "expr" && ctx == Context::Promql {
                        if manual && !placed_scope {
                            ok = false;
                            diags.push(Diagnostic::error(Code::BadTemplate, "template has `scope: manual` but its expr never places `${scope}`").at(src, t.expr.span, "no ${scope} here").hint("put ${scope} inside the selectors to scope, e.g. up{job=\"node\", ${scope}}"));
                        }
                        expr_refs = refs.iter().map(|r| r.0.clone()).collect();
                        expr = Some(tmpl);
                    }
                }
            }
        }
        if let (true, Some(expr)) = (ok, expr) {
            compiled.insert(
                t.name.value.clone(),
                Compiled {
                    expr,
                    expr_src: t.expr.value.clone(),
                    expr_refs,
                    defaults,
                    job: JobRef::Any,
                },
            );
        }
    }
    compiled
}

/// The template logic engine with the `_lib` snippets; a snippet that does not compile
/// is reported where it is written.
fn logic_engine(
    sources: &HashMap<String, SourceText>,
    diags: &mut Diagnostics,
) -> crate::model::logic::Engine {
    let lib: BTreeMap<String, String> = sources
        .iter()
        .filter_map(|(p, s)| {
            p.strip_prefix(crate::model::logic::LIB_DIR)
                .map(|n| (n.to_string(), s.text().to_string()))
        })
        .collect();
    let logic = crate::model::logic::Engine::new(lib);
    for (name, e) in logic.check_lib() {
        let src = &sources[&format!("{}{name}", crate::model::logic::LIB_DIR)];
        let end = (e.offset + e.len).min(src.text().len());
        diags.push(Diagnostic::error(Code::BadTemplate, e.message).at(
            src,
            Span::new(e.offset, end),
            "here",
        ));
    }
    logic
}

/// Who set a field: the template's default or a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Template {
        name: String,
        file: Arc<str>,
        span: Span,
    },
    Rule {
        index: usize,
        file: Arc<str>,
        span: Span,
    },
}

impl Origin {
    pub fn file(&self) -> &str {
        match self {
            Origin::Template { file, .. } | Origin::Rule { file, .. } => file,
        }
    }
    pub fn span(&self) -> Span {
        match self {
            Origin::Template { span, .. } | Origin::Rule { span, .. } => *span,
        }
    }
}

/// One assignment of a field during the fold.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub origin: Origin,
    pub value: String,
}

/// The configuration an alert has at one position. Equal configs render equal rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub alert: String,
    pub template: String,
    pub recording: bool,
    pub enabled: bool,
    pub params: BTreeMap<String, Typed>,
    pub for_: Option<String>,
    pub keep_firing_for: Option<String>,
    pub severity: Option<String>,
    /// Unrendered: may still hold `${param}` references.
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Effective {
    pub config: Config,
    /// Indices of the rules that applied, in fold order.
    pub chain: Vec<usize>,
}

/// Field path (`params.threshold`, `for`, `labels.team`, ...) -> every assignment in fold
/// order; the last one won.
pub type Trace = BTreeMap<String, Vec<Setting>>;

/// A region of the series space that gets exactly one configuration for one alert.
#[derive(Debug, Clone)]
pub struct Cell {
    pub scope: Scope,
    pub position: Position,
    pub matchers: Vec<ScopeMatcher>,
    /// Which rendered file the cell's rule goes to: global, a namespace or a group.
    pub file_scope: Scope,
    pub effective: Option<Effective>,
    /// Whether `effective` was looked up: `false` only for a cell that
    /// [`Model::cells_resolved`] left out, whose `None` says nothing about the alert.
    pub resolved: bool,
}

impl Model {
    pub fn build(
        settings: Settings,
        files: Vec<(SourceText, FileModel)>,
        diags: &mut Diagnostics,
    ) -> Model {
        let mut m = Model {
            settings,
            templates: BTreeMap::new(),
            rules: Vec::new(),
            inventory: Inventory::default(),
            alerts: BTreeMap::new(),
            rule_params: Vec::new(),
            many_params: HashMap::new(),
            suspended: HashMap::new(),
            rule_groups: Vec::new(),
            compiled: HashMap::new(),
            logic: Default::default(),
            sources: HashMap::new(),
            broken_templates: false,
            broken_inventory: false,
            lines: Default::default(),
        };
        let mut namespaces = Vec::new();
        let mut ungrouped = Vec::new();
        let mut ungrouped_jobs = BTreeMap::new();
        m.rules
            .reserve_exact(files.iter().map(|(_, fm)| fm.rules.len()).sum());
        for (src, fm) in files {
            let src_path = src.path.to_string();
            let file = src.path.clone();
            if fm.broken {
                m.broken_templates |= src_path.starts_with("templates/");
                m.broken_inventory |= src_path.starts_with("inventory");
            }
            m.sources.insert(src_path.clone(), src);
            for t in fm.templates {
                if let Some(first) = m.templates.get(&t.name.value) {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateTemplate,
                            format!("template `{}` is defined twice", t.name.value),
                        )
                        .at(m.source(&t.file), t.name.span, "defined again here")
                        .also(m.source(&first.file), first.name.span, "first defined here")
                        .hint("template names are global; rename one of them"),
                    );
                    continue;
                }
                m.templates.insert(t.name.value.clone(), t);
            }
            m.rules.extend(fm.rules);
            m.rule_groups.extend(fm.rule_groups);
            namespaces.extend(fm.namespaces);
            ungrouped.extend(fm.ungrouped.into_iter().map(|t| (file.clone(), t)));
            ungrouped_jobs.extend(fm.ungrouped_jobs);
        }
        // The inventory (100k targets on L) and the templates are independent: built on
        // both cores, their diagnostics taken in the same order as one after the other.
        let (inventory, (logic, compiled, template_diags)) = rayon::join(
            || {
                let mut own = Diagnostics::default();
                let inv =
                    build_inventory(&m.sources, namespaces, ungrouped, ungrouped_jobs, &mut own);
                (inv, own)
            },
            || {
                let mut own = Diagnostics::default();
                let mut logic = logic_engine(&m.sources, &mut own);
                let compiled = compile_templates(&m.templates, &m.sources, &mut logic, &mut own);
                (logic, compiled, own)
            },
        );
        let (inventory, inventory_diags) = inventory;
        m.inventory = inventory;
        m.logic = logic;
        m.compiled = compiled;
        diags.extend(inventory_diags);
        diags.extend(template_diags);
        m.derive_jobs(diags);
        m.check_rules(diags);
        m.check_rule_groups(diags);
        m
    }

    /// The source of `file`: any file the model names (a rule's, a template's, a
    /// target's) is one of its sources. (Checks that write another field of the model
    /// meanwhile index `sources` directly: a disjoint borrow.)
    pub fn source(&self, file: &str) -> &SourceText {
        &self.sources[file]
    }

    /// The job each compiled template watches: declared, or read from the query's `job`
    /// matchers (only in an estate that declares jobs; elsewhere it cannot matter).
    fn derive_jobs(&mut self, diags: &mut Diagnostics) {
        let uses = self.inventory.uses_jobs();
        for (name, c) in self.compiled.iter_mut() {
            let t = &self.templates[name];
            c.job = match &t.job {
                Some(j) if j.value == "*" => JobRef::Any,
                Some(j) => JobRef::Fixed(j.value.clone()),
                None if uses => match query_job(t, c, &self.logic) {
                    Ok(j) => j,
                    Err(found) => {
                        diags.push(
                            Diagnostic::error(
                                Code::AmbiguousJob,
                                format!(
                                    "template `{}` selects several jobs ({}): which one does it watch?",
                                    t.name.value,
                                    found.join(", ")
                                ),
                            )
                            .at(&self.sources[&*t.file], t.expr.span, "several `job` matchers")
                            .hint("declare it: `job: NAME` on the template, or `job: \"*\"` if it applies to every job of a target"),
                        );
                        JobRef::Any
                    }
                },
                None => JobRef::Any,
            };
        }
    }

    fn check_rules(&mut self, diags: &mut Diagnostics) {
        // `template: "Is it up?"` names that template when it exists; a glob otherwise.
        for r in &mut self.rules {
            if let Some(sel) = &r.select {
                if sel.names.len() == 1
                    && **sel
                        == (Select {
                            names: sel.names.clone(),
                            span: sel.span,
                            ..Select::default()
                        })
                    && self.templates.contains_key(&sel.names[0].value)
                {
                    r.select = None;
                }
            }
        }
        // Rule labels and annotations may use template logic too: compile it up front.
        for r in &self.rules {
            for v in r.labels.values().chain(r.annotations.values()) {
                if crate::model::logic::needs_logic(&v.value) {
                    if let Err(e) = self.logic.compile(Context::Text, &v.value) {
                        let src = self.source(&r.file);
                        diags.push(Diagnostic::error(Code::BadTemplate, e.message).at(
                            src,
                            sub_span(src, v, e.offset, e.len),
                            "here",
                        ));
                    }
                }
            }
        }
        // Each rule's own checks (scope, kind of name, parameters, texts) and its alert's
        // name only read the model: on every core, their diagnostics taken in rule order
        // below.
        let checked: Vec<_> = self
            .rules
            .par_iter()
            .map(|r| {
                if r.is_suspended() || r.is_many() {
                    return None;
                }
                let t = self.templates.get(&r.template.value)?;
                let mut own = Diagnostics::default();
                let typed = self.check_rule(r, t, &mut own);
                Some((t, typed, own, alert_name(r, t)))
            })
            .collect();
        // Each alert's rules, found by sorting (name, index) pairs on every core (52k
        // rules, 2k alerts on L), then gathered alert by alert on every core, each in
        // rule order: what one pass in rule order over a map of alerts would gather.
        let mut named: Vec<(&str, usize)> = checked
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (c.3.as_str(), i)))
            .collect();
        named.par_sort_unstable();
        let gathered: Vec<(Gathering, Vec<(usize, Diagnostic)>)> = named
            .par_chunk_by(|a, b| a.0 == b.0)
            .map(|run| self.gather(run, &checked))
            .collect();
        drop(named);
        let mut mismatches: Vec<(usize, Diagnostic)> = Vec::new();
        let mut alerts: BTreeMap<String, Gathering> = BTreeMap::new();
        for (alert, found) in gathered {
            mismatches.extend(found);
            alerts.insert(alert.name.clone(), alert);
        }
        mismatches.sort_by_key(|(i, _)| *i);
        let mut mismatches = mismatches.into_iter().peekable();
        let mut rule_params = Vec::with_capacity(self.rules.len());
        let mut suspended: HashMap<String, Vec<usize>> = HashMap::new();
        for ((i, r), checked) in self.rules.iter().enumerate().zip(checked) {
            let typed = VecMap::new();
            // A suspended rule is kept for the record only: nothing about it can break
            // the directory (its template may be long gone). Many-alert rules are
            // attached once every alert is known.
            if r.is_suspended() {
                suspended.entry(self.rule_name(r)).or_default().push(i);
            }
            if r.is_suspended() || r.is_many() {
                rule_params.push(typed);
                continue;
            }
            let Some((_, typed, own, _)) = checked else {
                if !self.broken_templates {
                    diags.push(self.unknown_template(self.source(&r.file), &r.template));
                }
                rule_params.push(typed);
                continue;
            };
            rule_params.push(typed);
            diags.extend(own);
            if let Some((_, d)) = mismatches.next_if(|(j, _)| *j == i) {
                diags.push(d);
            }
        }
        self.rule_params = rule_params;
        self.suspended = suspended;
        self.attach_many_rules(&mut alerts, diags);
        for alert in alerts.values_mut() {
            for idxs in alert.by_scope.values_mut() {
                idxs.sort_by_key(|&i| (self.rules[i].priority.value, !self.rules[i].is_many(), i));
                for w in idxs.windows(2) {
                    let (a, b) = (&self.rules[w[0]], &self.rules[w[1]]);
                    if a.priority.value == b.priority.value
                        && a.is_many() == b.is_many()
                        && (a.file != b.file || a.span != b.span)
                    {
                        diags.push(
                            Diagnostic::error(Code::RuleConflict, format!("two rules set `{}` at {} with the same priority {}", alert.name, b.scope.value, b.priority.value))
                                .at(self.source(&b.file), b.span, "this rule")
                                .also(self.source(&a.file), a.span, "conflicts with this rule")
                                .hint(format!("merge them, or give one a higher `priority:` (the other is at {}:{})", a.file, self.place(&a.file, a.span).line)),
                        );
                    }
                }
            }
        }
        self.alerts = alerts
            .into_iter()
            .map(|(name, a)| (name, a.freeze()))
            .collect();
    }

    /// One alert's rules (`run`: its (name, rule index) pairs, in rule order) gathered
    /// by scope; a rule whose template is not the alert's first rule's is left out,
    /// with its error by rule index.
    fn gather(
        &self,
        run: &[(&str, usize)],
        checked: &[Option<CheckedRule>],
    ) -> (Gathering, Vec<(usize, Diagnostic)>) {
        let first_template = |i: usize| checked[i].as_ref().expect("a named rule").0;
        let mut alert = Gathering {
            name: run[0].0.to_string(),
            template: first_template(run[0].1).name.value.clone(),
            by_scope: BTreeMap::new(),
        };
        let mut mismatches = Vec::new();
        for &(name, i) in run {
            let (r, t) = (&self.rules[i], first_template(i));
            if alert.template != t.name.value {
                let first = alert
                    .by_scope
                    .values()
                    .flatten()
                    .next()
                    .map(|&j| &self.rules[j]);
                let mut d = Diagnostic::error(
                    Code::AlertTemplateMismatch,
                    format!(
                        "`{name}` is defined from two templates, `{}` and `{}`",
                        alert.template, t.name.value
                    ),
                )
                .at(
                    self.source(&r.file),
                    r.name.as_ref().map_or(r.template.span, |n| n.span),
                    "second template",
                )
                .hint(format!(
                    "give this rule its own name with `{}:`",
                    if t.is_recording() { "record" } else { "alert" }
                ));
                if let Some(f) = first {
                    d = d.also(self.source(&f.file), f.template.span, "first template");
                }
                mismatches.push((i, d));
                continue;
            }
            match alert.by_scope.get_mut(&r.scope.value) {
                Some(idxs) => idxs.push(i),
                None => {
                    alert.by_scope.insert(r.scope.value.clone(), vec![i]);
                }
            }
        }
        (alert, mismatches)
    }

    /// A rule's checks against its template `t` and the inventory: its typed
    /// parameters, with what is wrong pushed to `diags`.
    fn check_rule(&self, r: &Rule, t: &Template, diags: &mut Diagnostics) -> VecMap<String, Typed> {
        let src = self.source(&r.file);
        // Sized once (grown by doubling: 9 MB of unused room on L at a cold run's peak).
        let mut typed = VecMap::with_capacity(r.params.len());
        self.check_scope(&r.file, &r.scope, diags);
        if let Some(n) = &r.name {
            let key = if t.is_recording() { "record" } else { "alert" };
            if r.named_by_record != t.is_recording() {
                diags.push(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "template `{}` is {}; name this rule with `{key}:`",
                            t.name.value,
                            if t.is_recording() {
                                "a recording rule"
                            } else {
                                "an alert"
                            }
                        ),
                    )
                    .at(src, n.span, "wrong kind of name")
                    .also(
                        self.source(&t.file),
                        t.name.span,
                        "template defined here",
                    ),
                );
            }
        }
        for (name, raw) in &r.params {
            let Some(def) = t.param(name) else {
                let hint = did_you_mean(name, t.params.iter().map(|p| p.name.value.as_str()))
                    .map_or_else(
                        || match t.params.len() {
                            0 => format!("template `{}` takes no parameters", t.name.value),
                            _ => format!(
                                "template `{}` has parameters: {}",
                                t.name.value,
                                t.params
                                    .iter()
                                    .map(|p| p.name.value.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        },
                        |s| format!("did you mean `{s}`?"),
                    );
                diags.push(
                    Diagnostic::error(
                        Code::UnknownParam,
                        format!("template `{}` has no parameter `{name}`", t.name.value),
                    )
                    .at(
                        src,
                        r.param_keys.get(name).copied().unwrap_or(raw.span),
                        "unknown parameter",
                    )
                    .hint(hint),
                );
                continue;
            };
            match params::check_param(def, &raw.value) {
                Ok(v) => {
                    typed.insert(name.clone(), v);
                }
                Err(e) => diags.push(
                    Diagnostic::error(
                        Code::BadParamValue,
                        format!("parameter `{name}`: {}", e.message),
                    )
                    .at(src, raw.span, format!("expected {}", def.ty.as_str()))
                    .also(self.source(&t.file), def.name.span, "declared here")
                    .hint(e.hint),
                ),
            }
        }
        self.check_rule_texts(r, t, diags);
        typed
    }

    fn unknown_template(&self, src: &SourceText, name: &Spanned<String>) -> Diagnostic {
        let hint = did_you_mean(&name.value, self.templates.keys().map(String::as_str))
            .map_or_else(
                || "define it in a file under templates/".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
        Diagnostic::error(
            Code::UnknownTemplate,
            format!("unknown template `{}`", name.value),
        )
        .at(src, name.span, "no such template")
        .hint(hint)
    }

    fn check_scope(&self, file: &str, scope: &Spanned<Scope>, diags: &mut Diagnostics) {
        if self.broken_inventory || self.inventory.contains(&scope.value) {
            return;
        }
        let name = scope.value.name().unwrap_or_default();
        let hint = did_you_mean(name, self.inventory.names(&scope.value)).map_or_else(
            || format!("add the {} to the inventory", scope.value.kind()),
            |s| format!("did you mean `{}/{s}`?", scope.value.kind()),
        );
        diags.push(
            Diagnostic::error(
                Code::UnknownScope,
                format!("{} `{name}` is not in the inventory", scope.value.kind()),
            )
            .at(self.source(file), scope.span, "unknown scope")
            .hint(hint),
        );
    }

    /// Does a many-alert rule's selection take template `t`? By `job`, it takes the
    /// templates that watch that job ([`Model::template_job`]: declared, or read from the
    /// query in an estate whose inventory declares jobs).
    pub fn selects(&self, sel: &Select, t: &Template) -> bool {
        let name_ok = sel.names.is_empty()
            || sel
                .names
                .iter()
                .any(|n| glob_match(&n.value, &t.name.value));
        name_ok
            && sel
                .severity
                .as_ref()
                .is_none_or(|s| t.severity.as_ref().is_some_and(|ts| &ts.value == s))
            && sel.tags.iter().all(|tag| t.tags.contains(tag))
            && sel
                .labels
                .iter()
                .all(|(k, v)| t.labels.get(k).is_some_and(|tv| &tv.value == v))
            && sel
                .rule_group
                .as_ref()
                .is_none_or(|g| t.rule_group.as_ref().is_some_and(|tg| &tg.value == g))
            && sel
                .job
                .as_ref()
                .is_none_or(|j| self.template_job(&t.name.value).as_ref() == Some(j))
    }

    /// Adds each many-alert rule to every alert of the templates it selects, checking its
    /// parameters against each of them.
    fn attach_many_rules(
        &mut self,
        alerts: &mut BTreeMap<String, Gathering>,
        diags: &mut Diagnostics,
    ) {
        for (i, r) in self.rules.iter().enumerate() {
            let Some(sel) = r.select.as_ref().filter(|_| !r.is_suspended()) else {
                continue;
            };
            let src = &self.sources[&*r.file];
            self.check_scope(&r.file, &r.scope, diags);
            for n in &sel.names {
                if !n.value.contains(['*', '?'])
                    && !self.templates.contains_key(&n.value)
                    && !self.broken_templates
                {
                    diags.push(self.unknown_template(src, n));
                }
            }
            let chosen: Vec<&Template> = self
                .templates
                .values()
                .filter(|t| self.selects(sel, t))
                .collect();
            if chosen.is_empty() {
                if !self.broken_templates && !ignores(&r.ignore, Code::EmptySelection) {
                    diags.push(Diagnostic::warning(Code::EmptySelection, format!("this rule selects no template (`{}`)", r.template.value)).at(src, r.template.span, "selects nothing").hint("check the names and `select:` criteria; `alertctl list templates` shows what templates declare"));
                }
                continue;
            }
            for (name, raw) in &r.params {
                let having: Vec<&&Template> =
                    chosen.iter().filter(|t| t.param(name).is_some()).collect();
                if having.is_empty() {
                    diags.push(
                        Diagnostic::error(Code::UnknownParam, format!("none of the {} templates this rule selects has a parameter `{name}`", chosen.len()))
                            .at(src, r.param_keys.get(name).copied().unwrap_or(raw.span), "unknown parameter")
                            .hint("a many-alert rule's parameters apply to the selected templates that declare them; at least one must"),
                    );
                    continue;
                }
                for t in having {
                    let def = t.param(name).expect("filtered on it");
                    match params::check_param(def, &raw.value) {
                        Ok(v) => {
                            self.many_params
                                .entry((i, t.name.value.clone()))
                                .or_default()
                                .insert(name.clone(), v);
                        }
                        Err(e) => diags.push(
                            Diagnostic::error(
                                Code::BadParamValue,
                                format!(
                                    "parameter `{name}` of template `{}`: {}",
                                    t.name.value, e.message
                                ),
                            )
                            .at(src, raw.span, format!("expected {}", def.ty.as_str()))
                            .also(self.source(&t.file), def.name.span, "declared here")
                            .hint(e.hint),
                        ),
                    }
                }
            }
            for (field, v) in r.labels.iter().chain(r.annotations.iter()) {
                let Ok(refs) = self.text_refs(&v.value) else {
                    diags.push(
                        Diagnostic::error(
                            Code::BadTemplate,
                            format!("`{field}` is not a valid template"),
                        )
                        .at(src, v.span, "here"),
                    );
                    continue;
                };
                for (name, off, len) in refs.iter().map(|(n, o, l)| (n.as_str(), *o, *l)) {
                    if let Some(t) = chosen.iter().find(|t| t.param(name).is_none()) {
                        diags.push(
                            Diagnostic::error(Code::UnknownParam, format!("`{field}` uses `${{{name}}}`, but template `{}` (one this rule selects) has no such parameter", t.name.value))
                                .at(src, sub_span(src, v, off, len), "not a parameter of every selected template")
                                .hint("narrow the selection, or use text without parameters in many-alert rules"),
                        );
                    }
                }
            }
            let names: BTreeSet<&str> = chosen.iter().map(|t| t.name.value.as_str()).collect();
            for alert in alerts.values_mut() {
                if names.contains(alert.template.as_str()) {
                    alert
                        .by_scope
                        .entry(r.scope.value.clone())
                        .or_default()
                        .push(i);
                }
            }
        }
    }

    /// `rule_group:` entries: one per name and scope, naming a group some template uses.
    fn check_rule_groups(&self, diags: &mut Diagnostics) {
        let used: BTreeSet<&str> = self
            .templates
            .values()
            .filter_map(|t| t.rule_group.as_ref())
            .map(|g| g.value.as_str())
            .collect();
        let mut seen: HashMap<(&str, &Scope), &RuleGroupDef> = HashMap::new();
        for g in &self.rule_groups {
            let src = self.source(&g.file);
            self.check_scope(&g.file, &g.scope, diags);
            if !used.contains(g.name.value.as_str()) && !self.broken_templates {
                diags.push(
                    Diagnostic::warning(
                        Code::EmptySelection,
                        format!("no template renders into rule group `{}`", g.name.value),
                    )
                    .at(src, g.name.span, "unused rule group")
                    .hint("templates join a group with `rule_group: NAME`"),
                );
            }
            if let Some(first) = seen.insert((g.name.value.as_str(), &g.scope.value), g) {
                diags.push(
                    Diagnostic::error(
                        Code::RuleGroupConflict,
                        format!(
                            "rule group `{}` has two settings entries at {}",
                            g.name.value, g.scope.value
                        ),
                    )
                    .at(src, g.span, "second entry")
                    .also(self.source(&first.file), first.span, "first entry")
                    .hint("merge them into one entry"),
                );
            }
        }
    }

    /// `interval`/`limit` of rule group `name` in the file of `file_scope`: per field, the
    /// most specific entry among the scopes containing that file.
    pub fn rule_group_settings(
        &self,
        name: &str,
        file_scope: &Scope,
    ) -> (Option<String>, Option<u64>) {
        let pos = match file_scope {
            Scope::Global => Position::default(),
            Scope::Namespace(n) => Position {
                namespace: Some(n.clone()),
                ..Default::default()
            },
            Scope::Group(g) => Position {
                namespace: self.inventory.groups.get(g).map(|i| i.namespace.clone()),
                group: Some(g.clone()),
                target: None,
            },
            Scope::Target(_) => return (None, None),
        };
        let scopes = pos.scopes();
        let mut defs: Vec<&RuleGroupDef> = self
            .rule_groups
            .iter()
            .filter(|g| g.name.value == name && scopes.contains(&g.scope.value))
            .collect();
        defs.sort_by_key(|g| g.scope.value.specificity());
        let mut out = (None, None);
        for g in defs {
            if let Some(i) = &g.interval {
                out.0 = Some(i.value.clone());
            }
            if let Some(l) = &g.limit {
                out.1 = Some(l.value);
            }
        }
        out
    }

    /// A rule's own labels and annotations: `${}` references must name the template's
    /// parameters; recording rules take neither `for`, severity nor annotations.
    fn check_rule_texts(&self, r: &Rule, t: &Template, diags: &mut Diagnostics) {
        let src = self.source(&r.file);
        if t.is_recording() {
            let fields = [
                ("for", r.for_.as_ref().map(|s| s.span)),
                ("severity", r.severity.as_ref().map(|s| s.span)),
                ("annotations", r.annotations.values().next().map(|s| s.span)),
            ];
            for (field, span) in fields {
                if let Some(span) = span {
                    diags.push(
                        Diagnostic::error(
                            Code::WrongType,
                            format!(
                                "`{field}` on a rule of recording template `{}`",
                                t.name.value
                            ),
                        )
                        .at(src, span, "not allowed here")
                        .hint("only alerting rules have for, severity and annotations"),
                    );
                }
            }
        }
        for (field, v) in r.labels.iter().chain(r.annotations.iter()) {
            match self.text_refs(&v.value) {
                Err((offset, len, message)) => diags.push(
                    Diagnostic::error(Code::BadTemplate, message)
                        .at(src, sub_span(src, v, offset, len), "here")
                        .hint("values are written ${name} or ${ expression }; write $${ for a literal ${"),
                ),
                Ok(refs) => {
                    for (name, off, len) in refs.iter().map(|(n, o, l)| (n.as_str(), *o, *l)) {
                        if t.param(name).is_none() {
                            diags.push(
                                Diagnostic::error(Code::UnknownParam, format!("`{field}` uses `${{{name}}}`, but template `{}` has no such parameter", t.name.value))
                                    .at(src, sub_span(src, v, off, len), "not a parameter of the template")
                                    .hint(did_you_mean(name, t.params.iter().map(|p| p.name.value.as_str())).map_or_else(|| "declare it in the template's params".to_string(), |s| format!("did you mean `${{{s}}}`?"))),
                            );
                        }
                    }
                }
            }
        }
    }

    /// The suspended rules that would define `alert`, in rule order.
    pub fn suspended_rules(&self, alert: &str) -> &[usize] {
        self.suspended.get(alert).map_or(&[], Vec::as_slice)
    }

    pub fn rule_name(&self, r: &Rule) -> String {
        match self.templates.get(&r.template.value) {
            Some(t) => alert_name(r, t).clone(),
            None => r
                .name
                .as_ref()
                .map_or(&r.template.value, |n| &n.value)
                .clone(),
        }
    }

    /// The fold of SPEC §3 for `alert` at `pos`: template defaults, then every applicable
    /// rule by (priority, specificity). `None` when no rule applies.
    pub fn effective(&self, alert: &Alert, pos: &Position) -> Option<Effective> {
        self.fold(alert, pos, None)
    }

    /// [`Model::effective`] and who set each field: only `trace`, `effective`'s answers
    /// and the cache index ask, so the render's fold builds no trace.
    pub fn traced(&self, alert: &Alert, pos: &Position) -> Option<(Effective, Trace)> {
        let mut trace = Trace::new();
        let e = self.fold(alert, pos, Some(&mut trace))?;
        Some((e, trace))
    }

    /// Where the winning `enabled` of `e` was set (only rules set it).
    pub fn enabled_by(&self, e: &Effective) -> Option<Origin> {
        e.chain.iter().rev().find_map(|&i| {
            let r = &self.rules[i];
            r.enabled.as_ref().map(|en| Origin::Rule {
                index: i,
                file: r.file.clone(),
                span: en.span,
            })
        })
    }

    fn fold(
        &self,
        alert: &Alert,
        pos: &Position,
        mut trace: Option<&mut Trace>,
    ) -> Option<Effective> {
        let mut chain: Vec<usize> = Vec::new();
        for scope in pos.scopes() {
            if let Some(idxs) = alert.by_scope.get(&scope) {
                chain.extend(idxs);
            }
        }
        // Many-alert rules change an alert where it exists; only its own rules make it
        // exist.
        if !chain.iter().any(|&i| !self.rules[i].is_many()) {
            return None;
        }
        chain.sort_by_key(|&i| {
            (
                self.rules[i].priority.value,
                self.rules[i].scope.value.specificity(),
                !self.rules[i].is_many(),
                i,
            )
        });
        let t = &self.templates[&alert.template];
        let compiled = self.compiled.get(&alert.template);
        let tpl_origin = |span: Span| Origin::Template {
            name: t.name.value.clone(),
            file: t.file.clone(),
            span,
        };
        // Arguments are built only when a trace is asked for.
        macro_rules! set {
            ($field:expr, $origin:expr, $value:expr $(,)?) => {
                if let Some(trace) = trace.as_deref_mut() {
                    trace.entry($field).or_default().push(Setting {
                        origin: $origin,
                        value: $value,
                    });
                }
            };
        }
        let mut c = Config {
            alert: alert.name.clone(),
            template: alert.template.clone(),
            recording: t.is_recording(),
            enabled: true,
            params: compiled.map(|c| c.defaults.clone()).unwrap_or_default(),
            for_: t.for_.as_ref().map(|s| s.value.clone()),
            keep_firing_for: t.keep_firing_for.as_ref().map(|s| s.value.clone()),
            severity: t.severity.as_ref().map(|s| s.value.clone()),
            labels: t
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
            annotations: t
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
        };
        for p in &t.params {
            if let (Some(d), Some(v)) = (&p.default, c.params.get(&p.name.value)) {
                set!(
                    format!("params.{}", p.name.value),
                    tpl_origin(d.span),
                    v.to_string(),
                );
            }
        }
        for (field, v) in [
            ("for", &t.for_),
            ("keep_firing_for", &t.keep_firing_for),
            ("severity", &t.severity),
        ] {
            if let Some(v) = v {
                set!(field.into(), tpl_origin(v.span), v.value.clone());
            }
        }
        for (kind, map) in [("labels", &t.labels), ("annotations", &t.annotations)] {
            for (k, v) in map {
                set!(format!("{kind}.{k}"), tpl_origin(v.span), v.value.clone());
            }
        }
        for &i in &chain {
            let r = &self.rules[i];
            let origin = |span: Span| Origin::Rule {
                index: i,
                file: r.file.clone(),
                span,
            };
            if let Some(e) = &r.enabled {
                c.enabled = e.value;
                set!("enabled".into(), origin(e.span), e.value.to_string());
            }
            let typed = if r.is_many() {
                self.many_params.get(&(i, alert.template.clone()))
            } else {
                self.rule_params.get(i)
            };
            for (k, v) in typed.into_iter().flatten() {
                c.params.insert(k.clone(), v.clone());
                set!(
                    format!("params.{k}"),
                    origin(r.params[k].span),
                    v.to_string(),
                );
            }
            for (field, v, slot) in [
                ("for", r.for_.as_ref(), &mut c.for_),
                (
                    "keep_firing_for",
                    r.keep_firing_for.as_deref(),
                    &mut c.keep_firing_for,
                ),
                ("severity", r.severity.as_ref(), &mut c.severity),
            ] {
                // A many-alert rule's alert-only fields skip the recording rules it selects.
                if let Some(v) = v.filter(|_| !(r.is_many() && c.recording)) {
                    *slot = Some(v.value.clone());
                    set!(field.into(), origin(v.span), v.value.clone());
                }
            }
            for (kind, src, dst) in [
                ("labels", &r.labels, &mut c.labels),
                ("annotations", &r.annotations, &mut c.annotations),
            ] {
                if kind == "annotations" && r.is_many() && c.recording {
                    continue;
                }
                for (k, v) in src {
                    dst.insert(k.clone(), v.value.clone());
                    set!(format!("{kind}.{k}"), origin(v.span), v.value.clone());
                }
            }
        }
        Some(Effective { config: c, chain })
    }

    /// Parameters that the template needs and nobody set at this position.
    pub fn missing_params(&self, e: &Effective, texts: &mut Texts) -> Vec<String> {
        let Some(c) = self.compiled.get(&e.config.template) else {
            return vec![];
        };
        let params = &e.config.params;
        let mut missing: BTreeSet<String> = c
            .expr_refs
            .iter()
            .filter(|n| *n != SCOPE_PARAM && !params.contains_key(*n))
            .cloned()
            .collect();
        let t = &self.templates[&e.config.template];
        for v in e
            .config
            .labels
            .values()
            .chain(e.config.annotations.values())
        {
            if let Ok(refs) = &texts.get(self, v).refs {
                missing.extend(
                    refs.iter()
                        .map(|r| &r.0)
                        .filter(|n| !params.contains_key(*n) && t.param(n).is_some())
                        .cloned(),
                );
            }
        }
        missing.into_iter().collect()
    }

    /// The query with parameters substituted; `None` if the template failed to compile.
    pub fn substituted_expr(&self, c: &Config, scope: Option<&str>) -> Option<String> {
        self.expr_text(c, scope)?.ok()
    }

    /// Like `substituted_expr`, with the error of template logic that fails for these
    /// values (located in the template's text).
    pub fn expr_text(
        &self,
        c: &Config,
        scope: Option<&str>,
    ) -> Option<Result<String, crate::model::logic::LogicError>> {
        let compiled = self.compiled.get(&c.template)?;
        Some(match &compiled.expr {
            Some(t) => Ok(t.render(Context::Promql, &c.params, scope)),
            None => self
                .logic
                .render(Context::Promql, &compiled.expr_src, &c.params, scope),
        })
    }

    /// A label or annotation value rendered with the configuration's parameters.
    pub fn render_text(
        &self,
        v: &str,
        params: &BTreeMap<String, Typed>,
        texts: &mut Texts,
    ) -> Result<String, crate::model::logic::LogicError> {
        match &texts.get(self, v).tmpl {
            Some(t) => Ok(t.render(Context::Text, params, None)),
            None => self.logic.render(Context::Text, v, params, None),
        }
    }

    /// The parameters a label or annotation value reads: (name, offset, len).
    fn text_refs(&self, v: &str) -> Result<Vec<TextRef>, TextError> {
        Text::read(self, v).refs
    }

    /// The job a template watches: declared, or read from its query (in an estate that
    /// declares jobs). For a `job=${param}` query, the parameter's default. `None`: no
    /// particular job (or the template did not compile).
    pub fn template_job(&self, template: &str) -> Option<String> {
        match &self.compiled.get(template)?.job {
            JobRef::Any => None,
            JobRef::Fixed(j) => Some(j.clone()),
            JobRef::Param(p) => self.compiled[template]
                .defaults
                .get(p)
                .map(ToString::to_string),
        }
    }

    /// How a template names its job (declared, literal or by parameter).
    pub fn template_job_ref(&self, template: &str) -> JobRef {
        self.compiled
            .get(template)
            .map_or(JobRef::Any, |c| c.job.clone())
    }

    /// The job an alert watches with configuration `c` (a `job=${param}` query watches
    /// the parameter's value there). `None`: no particular job.
    pub fn job_of(&self, c: &Config) -> Option<String> {
        match &self.compiled.get(&c.template)?.job {
            JobRef::Any => None,
            JobRef::Fixed(j) => Some(j.clone()),
            JobRef::Param(p) => c.params.get(p).map(ToString::to_string),
        }
    }

    /// The partition of SPEC §3 for one alert: one cell per scope that has its own rules
    /// plus the global rest. Every series matches exactly one cell's matchers.
    pub fn cells(&self, alert: &Alert) -> Vec<Cell> {
        self.cells_resolved(alert, |_| true)
    }

    /// [`Model::cells`], with the effective config resolved only in the cells whose
    /// file scope `resolve` names (and in every target cell, whose job it picks); the
    /// others have none. A batched render needs all of an alert's cells (their
    /// matchers exclude each other) but folds only its batch's.
    pub fn cells_resolved(&self, alert: &Alert, resolve: impl Fn(&Scope) -> bool) -> Vec<Cell> {
        let labels = &self.settings.labels;
        let inv = &self.inventory;
        let mut ns_cells = Vec::new();
        let mut group_cells = Vec::new();
        let mut target_cells = Vec::new();
        for scope in alert.by_scope.keys() {
            match scope {
                Scope::Global => {}
                Scope::Namespace(n) if inv.namespaces.contains_key(n) => ns_cells.push(n.as_str()),
                Scope::Group(g) if inv.groups.contains_key(g) => group_cells.push(g.as_str()),
                Scope::Target(t) if inv.targets.contains_key(t) => target_cells.push(t.as_str()),
                _ => {}
            }
        }
        let alt = |names: &[&str]| {
            names
                .iter()
                .map(|n| params::quote_meta(n))
                .collect::<Vec<_>>()
                .join("|")
        };
        let not_in = |label: &str, names: &[&str]| -> Option<ScopeMatcher> {
            match names {
                [] => None,
                [one] => Some(ScopeMatcher {
                    label: label.into(),
                    op: Op::NotEq,
                    value: one.to_string(),
                }),
                many => Some(ScopeMatcher {
                    label: label.into(),
                    op: Op::NotRe,
                    value: alt(many),
                }),
            }
        };
        let is_in = |label: &str, names: &[&str]| -> ScopeMatcher {
            match names {
                [one] => ScopeMatcher {
                    label: label.into(),
                    op: Op::Eq,
                    value: one.to_string(),
                },
                many => ScopeMatcher {
                    label: label.into(),
                    op: Op::Re,
                    value: alt(many),
                },
            }
        };
        let mut cells = Vec::new();
        let mut push = |scope: Scope,
                        position: Position,
                        matchers: Vec<ScopeMatcher>,
                        file_scope: Scope,
                        known: Option<Option<Effective>>| {
            let (effective, resolved) = match known {
                Some(e) => (e, true),
                None if resolve(&file_scope) => (self.effective(alert, &position), true),
                None => (None, false),
            };
            cells.push(Cell {
                scope,
                position,
                matchers,
                file_scope,
                effective,
                resolved,
            });
        };
        // A target cell selects the instance of the job the alert watches there; a
        // target that does not run that job has no cell (its series fall to its group).
        let mut claims: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for &t in &target_cells {
            let pos = inv.position(t).unwrap_or_default();
            let effective = self.effective(alert, &pos);
            let job = effective.as_ref().and_then(|e| self.job_of(&e.config));
            let instances = inv.instances_for(t, job.as_deref());
            if instances.is_empty() {
                continue;
            }
            let file = pos.group.clone().map_or(Scope::Global, Scope::Group);
            push(
                Scope::Target(t.into()),
                pos,
                vec![is_in(&labels.target, &instances)],
                file,
                Some(effective),
            );
            claims.insert(t, instances);
        }
        target_cells.retain(|t| claims.contains_key(t));
        // The instances the target cells of `targets` claim, sorted.
        let claimed_by = |targets: &[&str]| -> Vec<&str> {
            let set: BTreeSet<&str> = targets
                .iter()
                .flat_map(|t| claims[t].iter().copied())
                .collect();
            set.into_iter().collect()
        };
        match self.settings.scope.match_ {
            ScopeMatch::Labels => {
                // Each cell excludes the more specific cells *inside it* per the
                // inventory; a series whose labels contradict the inventory (a target
                // reporting another group) is outside this guarantee. The cells inside
                // each one are found in one pass, in cell order: a search of every cell
                // per enclosing cell would cost their product for an alert overridden
                // in thousands of groups and targets.
                let ns_of = |g: &str| inv.groups[g].namespace.as_str();
                let group_set: BTreeSet<&str> = group_cells.iter().copied().collect();
                let ns_set: BTreeSet<&str> = ns_cells.iter().copied().collect();
                let mut targets_in_group: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                let mut targets_in_ns: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                let mut global_targets: Vec<&str> = Vec::new();
                for &t in &target_cells {
                    match inv.targets.get(t).and_then(|g| g.as_deref()) {
                        None => global_targets.push(t),
                        Some(g) if group_set.contains(g) => {
                            targets_in_group.entry(g).or_default().push(t)
                        }
                        Some(g) if ns_set.contains(ns_of(g)) => {
                            targets_in_ns.entry(ns_of(g)).or_default().push(t)
                        }
                        Some(_) => global_targets.push(t),
                    }
                }
                let mut groups_in_ns: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                let mut global_groups: Vec<&str> = Vec::new();
                for &g in &group_cells {
                    let n = ns_of(g);
                    if ns_set.contains(n) {
                        groups_in_ns.entry(n).or_default().push(g);
                    } else {
                        global_groups.push(g);
                    }
                }
                fn inside<'m, 'v>(
                    cells: &'m BTreeMap<&str, Vec<&'v str>>,
                    key: &str,
                ) -> &'m [&'v str] {
                    cells.get(key).map_or(&[], Vec::as_slice)
                }
                for &g in &group_cells {
                    let pos = Position {
                        namespace: Some(inv.groups[g].namespace.clone()),
                        group: Some(g.into()),
                        target: None,
                    };
                    let ms = [
                        Some(is_in(&labels.group, &[g])),
                        not_in(&labels.target, &claimed_by(inside(&targets_in_group, g))),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    push(
                        Scope::Group(g.into()),
                        pos,
                        ms,
                        Scope::Group(g.into()),
                        None,
                    );
                }
                for &n in &ns_cells {
                    let pos = Position {
                        namespace: Some(n.into()),
                        ..Default::default()
                    };
                    let ms = [
                        Some(is_in(&labels.namespace, &[n])),
                        not_in(&labels.group, inside(&groups_in_ns, n)),
                        not_in(&labels.target, &claimed_by(inside(&targets_in_ns, n))),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    push(
                        Scope::Namespace(n.into()),
                        pos,
                        ms,
                        Scope::Namespace(n.into()),
                        None,
                    );
                }
                let ms = [
                    not_in(&labels.namespace, &ns_cells),
                    not_in(&labels.group, &global_groups),
                    not_in(&labels.target, &claimed_by(&global_targets)),
                ]
                .into_iter()
                .flatten()
                .collect();
                push(Scope::Global, Position::default(), ms, Scope::Global, None);
            }
            ScopeMatch::Inventory => {
                // Series carry only the target label: each scope is the list of its
                // targets that no more specific cell claims.
                let mut claimed: BTreeSet<&str> = claimed_by(&target_cells).into_iter().collect();
                for &g in &group_cells {
                    let pos = Position {
                        namespace: Some(inv.groups[g].namespace.clone()),
                        group: Some(g.into()),
                        target: None,
                    };
                    let mine: Vec<&str> = inv.groups[g]
                        .targets
                        .iter()
                        .flat_map(|t| inv.all_instances(t))
                        .filter(|t| !claimed.contains(t))
                        .collect();
                    claimed.extend(&mine);
                    if !mine.is_empty() {
                        push(
                            Scope::Group(g.into()),
                            pos,
                            vec![is_in(&labels.target, &mine)],
                            Scope::Group(g.into()),
                            None,
                        );
                    }
                }
                for &n in &ns_cells {
                    let pos = Position {
                        namespace: Some(n.into()),
                        ..Default::default()
                    };
                    let mine: Vec<&str> = inv.namespaces[n]
                        .iter()
                        .flat_map(|g| inv.groups[g].targets.iter())
                        .flat_map(|t| inv.all_instances(t))
                        .filter(|t| !claimed.contains(t))
                        .collect();
                    claimed.extend(&mine);
                    if !mine.is_empty() {
                        push(
                            Scope::Namespace(n.into()),
                            pos,
                            vec![is_in(&labels.target, &mine)],
                            Scope::Namespace(n.into()),
                            None,
                        );
                    }
                }
                let all: Vec<&str> = claimed.into_iter().collect();
                push(
                    Scope::Global,
                    Position::default(),
                    not_in(&labels.target, &all).into_iter().collect(),
                    Scope::Global,
                    None,
                );
            }
        }
        cells
    }
}

/// The job a template's query names: the one value of its positive `job` matchers (a
/// literal or a `${param}`). `Err` lists the values when there are several, or a regex.
/// A query with template logic is read as it renders with stand-in values.
fn query_job(
    t: &Template,
    c: &Compiled,
    logic: &crate::model::logic::Engine,
) -> Result<JobRef, Vec<String>> {
    let values: BTreeMap<String, Typed> = t
        .params
        .iter()
        .map(|p| {
            let value = match p.ty {
                ParamType::Number => params::Value::Number(0.0),
                ParamType::Duration => params::Value::Text("1m".into()),
                _ => params::Value::Text(format!("{PARAM_SENTINEL}{}", p.name.value)),
            };
            (p.name.value.clone(), Typed { ty: p.ty, value })
        })
        .collect();
    let text = match &c.expr {
        Some(expr) => expr.render(Context::Promql, &values, Some("")),
        None => match logic.render(Context::Promql, &c.expr_src, &values, Some("")) {
            Ok(text) => text,
            Err(_) => return Ok(JobRef::Any),
        },
    };
    let Ok(e) = crate::model::promql::parse(&text) else {
        return Ok(JobRef::Any);
    };
    let mut found: BTreeSet<String> = BTreeSet::new();
    for vs in crate::model::promql::selectors(&e) {
        for m in &vs.matchers.matchers {
            if m.name != "job" {
                continue;
            }
            match &m.op {
                promql_parser::label::MatchOp::Equal => {
                    found.insert(m.value.clone());
                }
                promql_parser::label::MatchOp::Re(_) => {
                    found.insert(format!("=~\"{}\"", m.value));
                }
                _ => {}
            }
        }
    }
    let mut it = found.iter();
    match (it.next(), it.next()) {
        (None, _) => Ok(JobRef::Any),
        (Some(v), None) if v.starts_with("=~") => Err(vec![format!("job{v}")]),
        (Some(v), None) => Ok(match v.strip_prefix(PARAM_SENTINEL) {
            Some(p) => JobRef::Param(p.to_string()),
            None => JobRef::Fixed(v.clone()),
        }),
        _ => Err(found
            .iter()
            .map(|v| match v.strip_prefix(PARAM_SENTINEL) {
                Some(p) => format!("${{{p}}}"),
                None if v.starts_with("=~") => format!("job{v}"),
                None => format!("\"{v}\""),
            })
            .collect()),
    }
}

/// Label and annotation values, each read once per distinct text: the cells of an alert
/// hold the same few values, and reading one per cell was a tenth of the render.
#[derive(Debug, Default)]
pub struct Texts(HashMap<String, Text>);

impl Texts {
    fn get(&mut self, model: &Model, v: &str) -> &Text {
        if !self.0.contains_key(v) {
            self.0.insert(v.to_string(), Text::read(model, v));
        }
        &self.0[v]
    }
}

/// A label or annotation value as read: its `${param}` form (`None` when it needs the
/// template engine), and the parameters it reads.
#[derive(Debug)]
struct Text {
    tmpl: Option<Tmpl>,
    refs: Result<Vec<TextRef>, TextError>,
}

impl Text {
    fn read(model: &Model, v: &str) -> Text {
        let tmpl = crate::model::logic::plain(v);
        let refs = match &tmpl {
            Some(t) => Ok(t.refs().map(|(n, o, l)| (n.to_string(), o, l)).collect()),
            None => match model.logic.params(Context::Text, v) {
                Some(names) => Ok(names
                    .into_iter()
                    .map(|n| {
                        let (o, l) = first_use(v, &n);
                        (n, o, l)
                    })
                    .collect()),
                None => Err((0, v.len().min(2), "template not compiled".into())),
            },
        };
        Text { tmpl, refs }
    }
}

/// A parameter a text reads: name, byte offset, length.
type TextRef = (String, usize, usize);
/// A malformed text: byte offset, length, message.
type TextError = (usize, usize, String);

/// A template text as references: plain `${name}` texts through `Tmpl`, logic through
/// the engine (whose references carry the offset of the name's first use).
fn parse_text(
    engine: &mut crate::model::logic::Engine,
    ctx: Context,
    v: &str,
) -> Result<(Option<Tmpl>, Vec<TextRef>), TextError> {
    if crate::model::logic::needs_logic(v) {
        let names = engine
            .compile(ctx, v)
            .map_err(|e| (e.offset, e.len, e.message))?;
        let refs = names
            .into_iter()
            .filter(|n| !crate::model::logic::BUILTINS.contains(&n.as_str()))
            .map(|n| {
                let (o, l) = first_use(v, &n);
                (n, o, l)
            })
            .collect();
        return Ok((None, refs));
    }
    let t = Tmpl::parse(v).map_err(|e| (e.offset, e.len, e.message))?;
    let refs = t.refs().map(|(n, o, l)| (n.to_string(), o, l)).collect();
    Ok((Some(t), refs))
}

/// Offset and length of the first whole-word use of `name` in `text`.
fn first_use(text: &str, name: &str) -> (usize, usize) {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut from = 0;
    while let Some(i) = text[from..].find(name) {
        let at = from + i;
        if !word(text[..at].chars().last()) && !word(text[at + name.len()..].chars().next()) {
            return (at, name.len());
        }
        from = at + name.len();
    }
    (0, text.len().min(2))
}

/// `*` matches any run of characters and `?` one character; everything else is literal.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == n[ni])) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The span of `text[offset..offset+len]` inside the file, when the scalar is written
/// plainly enough to map; otherwise the whole scalar.
pub fn sub_span(src: &SourceText, text: &Spanned<String>, offset: usize, len: usize) -> Span {
    let raw = src
        .text()
        .get(text.span.start()..text.span.end())
        .unwrap_or_default();
    let needle = text.value.get(offset..offset + len).unwrap_or_default();
    let nth = text.value[..offset.min(text.value.len())]
        .matches(needle)
        .count();
    if !needle.is_empty() {
        if let Some((i, _)) = raw.match_indices(needle).nth(nth) {
            return Span::new(text.span.start() + i, text.span.start() + i + len);
        }
    }
    text.span
}

/// The alert rule `r` of template `t` belongs to: its own name, else the template's
/// recording name or name.
fn alert_name<'a>(r: &'a Rule, t: &'a Template) -> &'a String {
    &r.name
        .as_ref()
        .unwrap_or_else(|| t.record.as_ref().unwrap_or(&t.name))
        .value
}

/// A model from in-memory files, for unit tests of the stages after resolution.
#[cfg(test)]
pub(crate) fn model_of(settings: &str, files: &[(&str, &str)]) -> (Model, Diagnostics) {
    let src = |path: &str, text: &str| SourceText::new(path, text);
    let mut diags = Diagnostics::default();
    let settings =
        crate::source::settings::parse(&src(crate::source::settings::FILE_NAME, settings))
            .expect("test settings parse");
    let parsed = files
        .iter()
        .map(|(p, t)| {
            let s = src(p, t);
            let kind = crate::source::parse::FileKind::of(p).expect("a rules-directory path");
            let m = crate::source::parse::file(kind, &s, &mut diags);
            (s, m)
        })
        .collect();
    let model = Model::build(settings, parsed, &mut diags);
    (model, diags)
}

#[cfg(test)]
mod job_tests {
    use super::*;

    const INVENTORY: &str = "namespaces:\n  prod:\n    db:\n      jobs: [node, {postgres: 9187}]\n      targets: [db-1:9100, {name: db-2, jobs: {node: 9100}}]\n    probes:\n      targets: [p-1]\ntargets: [{name: lone:9100, jobs: [node]}]\n";

    fn model(templates: &str) -> (Model, Diagnostics) {
        model_of(
            "",
            &[
                ("inventory.yaml", INVENTORY),
                ("templates/t.yaml", templates),
            ],
        )
    }

    /// A parameter read only by a label or an annotation (`${p}` or template logic) is
    /// missing where nobody sets it; the values are read once and asked again per cell.
    #[test]
    fn params_read_by_texts_are_missing_where_unset() {
        let t = "- template: T
  params:
    owner: { type: label_value }
    team: { type: label_value }
    unused: { type: label_value }
  expr: up == 0
  labels: { owner: '${owner}' }
  annotations: { summary: '{% if team %}team ${ team }{% endif %}' }
";
        let rules = "- {template: T, scope: global}
- {template: T, scope: group/db, params: {owner: a, team: b}}
";
        let (m, d) = model_of(
            "",
            &[
                ("inventory.yaml", INVENTORY),
                ("templates/t.yaml", t),
                ("rules/r.yaml", rules),
            ],
        );
        assert!(!d.has_errors(), "{d:?}");
        let alert = &m.alerts["T"];
        let at = |g: Option<&str>| {
            let pos = Position {
                namespace: g.map(|g| m.inventory.groups[g].namespace.clone()),
                group: g.map(String::from),
                target: None,
            };
            m.effective(alert, &pos).unwrap()
        };
        let mut texts = Texts::default();
        for _ in 0..2 {
            assert_eq!(m.missing_params(&at(None), &mut texts), ["owner", "team"]);
            assert!(m.missing_params(&at(Some("db")), &mut texts).is_empty());
        }
        assert_eq!(texts.0.len(), 2, "each distinct text read once");
    }

    #[test]
    fn instances_and_owners() {
        let (m, d) = model("[]");
        assert!(d.is_empty(), "{d:?}");
        let inv = &m.inventory;
        assert!(inv.uses_jobs());
        assert_eq!(inv.all_instances("db-1:9100"), ["db-1:9100", "db-1:9187"]);
        // A target's own port for a job wins over the group's (none for node here).
        assert_eq!(inv.all_instances("db-2"), ["db-2:9100", "db-2:9187"]);
        assert_eq!(
            inv.instances_for("db-1:9100", Some("postgres")),
            ["db-1:9187"]
        );
        assert!(inv.instances_for("db-1:9100", Some("blackbox")).is_empty());
        // A target that declares no job runs every job, as without jobs.
        assert_eq!(inv.instances_for("p-1", Some("postgres")), ["p-1"]);
        assert!(inv.runs("p-1", Some("x")) && !inv.runs("lone:9100", Some("postgres")));
        assert_eq!(inv.owner("db-2:9187"), Some(("db-2", vec!["postgres"])));
        assert_eq!(inv.owner("lone:9100"), Some(("lone:9100", vec!["node"])));
        assert_eq!(inv.owner("db-2"), None);
        assert!(inv.group_runs("db", Some("postgres")) && !inv.group_runs("db", Some("x")));
        assert!(inv.group_runs("probes", Some("x")));
    }

    /// Every name listed twice, and every instance two targets claim, is reported where
    /// it is listed again, pointing at the first listing (in another file too), in the
    /// order the inventory lists them.
    #[test]
    fn names_and_instances_claimed_twice_point_at_the_first() {
        let a = "namespaces:\n  prod:\n    db:\n      jobs: [node, {postgres: 9187}]\n      targets: [db-1:9100, web-1:9100]\n    web:\n      targets: [web-1:9100, {name: db-1, jobs: {pg: 9187}}]\ntargets: [lone:9100, lone:9100, v:7]\n";
        let b = "namespaces:\n  ops:\n    web:\n      targets: [w-9]\n    tools:\n      targets: [{name: db-1:9187, jobs: [x]}, db-1]\n    plain:\n      targets: [h:1]\n    own:\n      targets: [{name: h, jobs: {n: 1}}, {name: v, jobs: {n: 7}}]\n";
        let (_, d) = model_of("", &[("inventory/a.yaml", a), ("inventory/b.yaml", b)]);
        let at = |l: &crate::diag::Location| {
            let (line, col) = l.line_col();
            format!("{}:{line}:{col}", l.source.path)
        };
        let seen: Vec<String> = d
            .iter()
            .map(|d| {
                // The first listing: beside it in its file, or as a note in another.
                let first = d
                    .related
                    .first()
                    .or_else(|| d.notes.first().and_then(|n| n.primary.as_ref()))
                    .map(at)
                    .unwrap_or_default();
                let again = d.primary.as_ref().map(at).unwrap_or_default();
                format!("{} @ {again} <- {first}", d.message)
            })
            .collect();
        assert_eq!(
            seen,
            [
                "target `lone:9100` is listed twice @ inventory/a.yaml:8:22 <- inventory/a.yaml:8:11",
                "target `web-1:9100` is listed twice @ inventory/a.yaml:7:17 <- inventory/a.yaml:5:28",
                "group `web` is listed twice @ inventory/b.yaml:3:5 <- inventory/a.yaml:6:5",
                "target `db-1` is listed twice @ inventory/b.yaml:6:47 <- inventory/a.yaml:7:36",
                "instance `db-1:9187` of target `db-1` is also an instance of target `db-1:9100` @ inventory/a.yaml:7:36 <- inventory/a.yaml:5:17",
                "instance `db-1:9187` of target `db-1:9187` is also an instance of target `db-1:9100` @ inventory/b.yaml:6:24 <- inventory/a.yaml:5:17",
                // A target without jobs is the one instance its name says.
                "instance `h:1` of target `h` is also an instance of target `h:1` @ inventory/b.yaml:10:24 <- inventory/b.yaml:8:17",
                "instance `v:7` of target `v` is also an instance of target `v:7` @ inventory/b.yaml:10:49 <- inventory/a.yaml:8:33",
            ],
            "{d:?}"
        );
    }

    /// Targets of one group share its name, and every rule of a file shares the file's
    /// path: one allocation each, not one per target or rule.
    #[test]
    fn names_and_paths_are_shared() {
        let rules = "- {template: T, scope: global}\n- {template: T, scope: group/db}\n";
        let (m, d) = model_of(
            "",
            &[
                ("inventory.yaml", INVENTORY),
                ("templates/t.yaml", "- {template: T, expr: 'up == 0'}\n"),
                ("rules/r.yaml", rules),
            ],
        );
        assert!(d.is_empty(), "{d:?}");
        let group = |t: &str| m.inventory.targets[t].clone().expect("grouped");
        assert!(Arc::ptr_eq(&group("db-1:9100"), &group("db-2")));
        assert_eq!(&*group("db-2"), "db");
        let src = &m.sources["rules/r.yaml"].path;
        assert_eq!(m.rules.len(), 2);
        assert!(m.rules.iter().all(|r| Arc::ptr_eq(&r.file, src)));
        assert!(Arc::ptr_eq(
            &m.templates["T"].file,
            &m.sources["templates/t.yaml"].path
        ));
        // A model read back from the cache is re-pointed at the file's path.
        let mut fm: crate::model::FileModel = serde_json::from_str(
            &serde_json::to_string(&FileModel {
                rules: m.rules.clone(),
                ..Default::default()
            })
            .unwrap(),
        )
        .unwrap();
        assert!(!Arc::ptr_eq(&fm.rules[0].file, src));
        fm.share_path(src);
        assert!(fm.rules.iter().all(|r| Arc::ptr_eq(&r.file, src)));
        fm.share_path(&Arc::from("rules/other.yaml"));
        assert!(
            Arc::ptr_eq(&fm.rules[0].file, src),
            "another file's path is left alone"
        );
    }

    #[test]
    fn template_jobs() {
        let (m, d) = model(
            "- {template: Literal, expr: 'up{job=\"node\"} == 0 and on (instance) x'}\n\
             - {template: ByParam, params: {job: {type: label_value, default: pg}}, expr: 'up{job=${job}} == 0'}\n\
             - {template: Declared, job: postgres, expr: 'pg_up == 0'}\n\
             - {template: Every, job: '*', expr: 'up{job=\"a\"} + up{job=\"b\"}'}\n\
             - {template: NoJob, expr: 'up{job!=\"x\"} == 0'}\n\
             - {template: Two, expr: 'up{job=\"a\"} + up{job=\"b\"}'}\n\
             - {template: Regex, expr: 'up{job=~\"a|b\"} == 0'}\n",
        );
        assert_eq!(m.template_job("Literal").as_deref(), Some("node"));
        assert_eq!(m.template_job_ref("ByParam"), JobRef::Param("job".into()));
        assert_eq!(m.template_job("ByParam").as_deref(), Some("pg"));
        assert_eq!(m.template_job("Declared").as_deref(), Some("postgres"));
        assert_eq!(m.template_job("Every"), None);
        assert_eq!(m.template_job("NoJob"), None);
        let ambiguous: Vec<&str> = d
            .iter()
            .filter(|x| x.code == Code::AmbiguousJob)
            .map(|x| x.message.as_str())
            .collect();
        assert_eq!(ambiguous.len(), 2, "{ambiguous:?}");
        assert!(
            ambiguous
                .iter()
                .any(|a| a.starts_with("template `Two`") && a.contains("(\"a\", \"b\")")),
            "{ambiguous:?}"
        );
        assert!(
            ambiguous
                .iter()
                .any(|a| a.starts_with("template `Regex`") && a.contains("job=~\"a|b\"")),
            "{ambiguous:?}"
        );
        // Without jobs in the inventory nothing is derived, so nothing is ambiguous.
        let (m, d) = model_of(
            "",
            &[(
                "templates/t.yaml",
                "template: Two\nexpr: 'up{job=\"a\"} + up{job=\"b\"}'\n",
            )],
        );
        assert!(d.is_empty() && m.template_job("Two").is_none());
    }

    /// `select: {job: J}` takes the templates that watch `J` ([`Model::template_job`]):
    /// declared, or read from the query once the inventory declares jobs; never a `*`.
    #[test]
    fn many_alert_rules_select_by_job() {
        const TEMPLATES: &str = "- {template: Declared, job: node, expr: 'node_load1 > 1'}\n\
             - {template: Derived, expr: 'up{job=\"node\"} == 0'}\n\
             - {template: ByParam, params: {job: {type: label_value, default: node}}, expr: 'up{job=${job}} == 0'}\n\
             - {template: Every, job: '*', expr: 'up == 0'}\n\
             - {template: Postgres, job: postgres, expr: 'pg_up == 0'}\n";
        // Many-alert rules create no alert: each template gets a global rule first.
        const RULES: &str = "- {template: Declared, scope: global}\n\
             - {template: Derived, scope: global}\n\
             - {template: ByParam, scope: global}\n\
             - {template: Every, scope: global}\n\
             - {template: Postgres, scope: global}\n\
             - {select: {job: node}, scope: global, labels: {team: hosts}}\n\
             - {select: {job: nosuch}, scope: global, labels: {team: x}}\n\
             - {select: {job: nosuch}, scope: global, labels: {team: y}, ignore: [empty-selection]}\n";
        let selected = |inventory: &str| {
            let (m, d) = model_of(
                "",
                &[
                    ("inventory.yaml", inventory),
                    ("templates/t.yaml", TEMPLATES),
                    ("rules/r.yaml", RULES),
                ],
            );
            assert!(!d.has_errors(), "{d:?}");
            let empty: Vec<String> = d
                .iter()
                .filter(|x| x.code == Code::EmptySelection)
                .map(|x| x.message.clone())
                .collect();
            assert_eq!(
                empty,
                ["this rule selects no template (`* job=nosuch`)"],
                "the second rule warns, the third ignores it"
            );
            let rule = m
                .rules
                .iter()
                .position(|r| r.select.as_ref().is_some_and(|s| s.job.is_some()))
                .unwrap();
            let mut names: Vec<String> = m
                .alerts
                .values()
                .filter(|a| {
                    a.by_scope
                        .get(&Scope::Global)
                        .is_some_and(|r| r.contains(&rule))
                })
                .map(|a| a.name.clone())
                .collect();
            names.sort();
            names
        };
        assert_eq!(
            selected(INVENTORY),
            ["ByParam", "Declared", "Derived"],
            "an estate with jobs"
        );
        // Jobs are opt-in: without them only a declared job counts.
        assert_eq!(
            selected("namespaces:\n  prod:\n    web: [web-1:9100]\n"),
            ["Declared"],
            "an estate without jobs"
        );
    }
}

#[cfg(test)]
mod cell_tests {
    use super::*;

    /// Namespace `a` holds g1 (t1, t2) and g2 (t3); `b` holds g3 (t4) and g4 (t5);
    /// `lone` has no group.
    const INVENTORY: &str = "namespaces:
  a:
    g1: { targets: [t1, t2] }
    g2: { targets: [t3] }
  b:
    g3: { targets: [t4] }
    g4: { targets: [t5] }
targets: [lone]
";

    /// Each cell's scope, file scope and matchers, for an alert with `rules`.
    fn cell_lines(rules: &str) -> Vec<String> {
        let (m, d) = model_of(
            "",
            &[
                ("inventory.yaml", INVENTORY),
                ("templates/t.yaml", "- {template: T, expr: 'up == 0'}\n"),
                ("rules/r.yaml", rules),
            ],
        );
        assert!(!d.has_errors(), "{d:?}");
        m.cells(&m.alerts["T"])
            .iter()
            .map(|c| {
                let ms: Vec<String> = c.matchers.iter().map(|m| m.to_string()).collect();
                format!("{} in {}: {}", c.scope, c.file_scope, ms.join(", "))
            })
            .collect()
    }

    /// Each cell excludes exactly the cells inside it: a target cell is cut out of its
    /// group's cell when the group has one, else out of its namespace's, else out of
    /// the global one; a group cell likewise out of its namespace's or the global one.
    #[test]
    fn label_cells_exclude_the_cells_inside_them() {
        let rules = "- {template: T, scope: global}
- {template: T, scope: namespace/a}
- {template: T, scope: group/g1}
- {template: T, scope: group/g3}
- {template: T, scope: target/t1}
- {template: T, scope: target/t2}
- {template: T, scope: target/t3}
- {template: T, scope: target/t5}
- {template: T, scope: target/lone}
";
        assert_eq!(
            cell_lines(rules),
            [
                "target/lone in global: instance=\"lone\"",
                "target/t1 in group/g1: instance=\"t1\"",
                "target/t2 in group/g1: instance=\"t2\"",
                "target/t3 in group/g2: instance=\"t3\"",
                "target/t5 in group/g4: instance=\"t5\"",
                "group/g1 in group/g1: group=\"g1\", instance!~\"t1|t2\"",
                "group/g3 in group/g3: group=\"g3\"",
                "namespace/a in namespace/a: namespace=\"a\", group!=\"g1\", instance!=\"t3\"",
                "global in global: namespace!=\"a\", group!=\"g3\", instance!~\"lone|t5\"",
            ]
        );
        // Two group cells under one namespace cell, and two under the global one.
        let rules = format!(
            "{rules}- {{template: T, scope: group/g2}}\n- {{template: T, scope: group/g4}}\n"
        );
        let lines = cell_lines(&rules);
        assert_eq!(
            lines[5..],
            [
                "group/g1 in group/g1: group=\"g1\", instance!~\"t1|t2\"",
                "group/g2 in group/g2: group=\"g2\", instance!=\"t3\"",
                "group/g3 in group/g3: group=\"g3\"",
                "group/g4 in group/g4: group=\"g4\", instance!=\"t5\"",
                "namespace/a in namespace/a: namespace=\"a\", group!~\"g1|g2\"",
                "global in global: namespace!=\"a\", group!~\"g3|g4\", instance!=\"lone\"",
            ]
        );
    }
}

#[cfg(test)]
mod by_scope_tests {
    use super::*;

    /// Rules gathered in any file order come out with their scopes in `Scope` order,
    /// each scope's rules by priority (a many-alert rule among them), and no list
    /// holding spare capacity: the model keeps them for the whole run.
    #[test]
    fn rules_by_scope_are_sorted_and_exact() {
        let inventory = "namespaces:\n  a:\n    g1: { targets: [t1, t2] }\n";
        let templates = "- template: T\n  expr: up == 0\n";
        let rules = "- {template: T, scope: target/t1}\n\
             - {template: T, scope: group/g1, priority: 5}\n\
             - {template: T, scope: global}\n\
             - {template: T, scope: group/g1, priority: 1}\n\
             - {template: T, scope: namespace/a}\n\
             - {template: '*', scope: group/g1, labels: {team: x}}\n\
             - {template: T, scope: group/g1, priority: 3}\n";
        let (m, d) = model_of(
            "",
            &[
                ("inventory.yaml", inventory),
                ("templates/t.yaml", templates),
                ("rules/r.yaml", rules),
            ],
        );
        assert!(!d.has_errors(), "{d:?}");
        let alert = &m.alerts["T"];
        let scopes: Vec<String> = alert.by_scope.keys().map(ToString::to_string).collect();
        assert_eq!(scopes, ["global", "namespace/a", "group/g1", "target/t1"]);
        let g1 = &alert.by_scope[&Scope::Group("g1".into())];
        let priorities: Vec<i64> = g1.iter().map(|&i| m.rules[i].priority.value).collect();
        assert_eq!(priorities, [0, 1, 3, 5], "{g1:?}");
        assert!(
            m.rules[g1[0]].is_many(),
            "the many-alert rule first at its priority"
        );
        for idxs in alert.by_scope.values() {
            assert_eq!(idxs.capacity(), idxs.len());
        }
    }
}
