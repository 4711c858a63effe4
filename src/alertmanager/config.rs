//! The Alertmanager part of the rules directory (`alertmanager/*.yaml`) and the
//! `alertmanager.yml` it renders to.
//!
//! Receivers, the base config and extra inhibition rules pass through untouched. Routing
//! is written per scope (`global`, `namespace/N`, `group/G`, `target/T`, optionally per
//! severity) and follows the same inheritance as alert rules: for an alert, the most
//! specific scope with a matching entry wins, and at one scope a severity-specific entry
//! beats a generic one. It renders to a flat route tree ordered most specific first, so
//! Alertmanager's first-match walk picks exactly that entry.
//!
//! Secrets never live in the repository: a known secret field must be a `${env:NAME}`
//! reference or use Alertmanager's `*_file` variant; rendered text shown to people has
//! every secret masked.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::{Mapping, Value};

use crate::diag::{did_you_mean, Code, Diagnostic, Diagnostics, SourceText, Span};
use crate::model::resolve::Model;
use crate::model::Scope;
use crate::source::settings::ScopeMatch;
use crate::source::text::escape_unsafe;
use crate::source::yaml::{self, Kind, Node};

/// Alertmanager fields of type `<secret>` (and URLs that embed a token).
pub const SECRET_KEYS: &[&str] = &[
    "api_key",
    "api_secret",
    "auth_password",
    "auth_secret",
    "bot_token",
    "client_secret",
    "credentials",
    "password",
    "routing_key",
    "service_key",
    "slack_api_url",
    "smtp_auth_password",
    "smtp_auth_secret",
    "token",
    "user_key",
    "victorops_api_key",
    "opsgenie_api_key",
    "wechat_api_secret",
    "webhook_url",
    "bearer_token",
];

pub const MASK: &str = crate::deploy::secrets::MASK;

/// One routing entry of the rules directory.
#[derive(Debug, Clone)]
pub struct RouteEntry {
    pub file: String,
    pub span: Span,
    pub scope: Scope,
    pub scope_span: Span,
    pub severity: Option<String>,
    pub receiver: String,
    pub receiver_span: Span,
    pub continue_: bool,
    /// Other route options passed through (group_by, repeat_interval, ...).
    pub options: Mapping,
}

#[derive(Debug, Default)]
pub struct AmConfig {
    pub files: Vec<String>,
    pub base: Mapping,
    pub route: Mapping,
    pub default_receiver: Option<(String, String, Span)>,
    /// name -> (file, span of the name, the receiver)
    pub receivers: BTreeMap<String, (String, Span, Value)>,
    pub routing: Vec<RouteEntry>,
    pub critical_over_warning: bool,
    pub target_down: Option<String>,
    pub inhibit_rules: Vec<Value>,
    /// `${env:NAME}` references, with where they are.
    pub env_refs: Vec<(String, String, Span)>,
}

impl AmConfig {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Plain YAML value from a spanned node (scalars typed as YAML 1.2 core would).
pub fn value_of(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar { text, quoted: true } => Value::String(text.clone()),
        Kind::Scalar {
            text,
            quoted: false,
        } => {
            if yaml::is_null(text) {
                Value::Null
            } else if text == "true" || text == "false" {
                Value::Bool(text == "true")
            } else if let Ok(i) = text.parse::<i64>() {
                Value::Number(i.into())
            } else if let Ok(f) = text.parse::<f64>() {
                Value::Number(f.into())
            } else {
                Value::String(text.clone())
            }
        }
        Kind::Seq(items) => Value::Sequence(items.iter().map(value_of).collect()),
        Kind::Map(entries) => Value::Mapping(
            entries
                .iter()
                .map(|(k, v)| (value_of(k), value_of(v)))
                .collect(),
        ),
    }
}

const TOP_FIELDS: &[&str] = &[
    "base",
    "route",
    "receivers",
    "routing",
    "inhibit",
    "inhibit_rules",
];

/// Parses every `alertmanager/*.yaml` file.
pub fn parse(sources: &[SourceText], model: &Model, diags: &mut Diagnostics) -> AmConfig {
    let mut am = AmConfig::default();
    let mut broken = false;
    for src in sources {
        am.files.push(src.path.to_string());
        let Some(docs) = yaml::parse(src, diags) else {
            broken = true;
            continue;
        };
        for doc in &docs {
            parse_doc(src, doc, &mut am, diags);
        }
    }
    // A file that did not parse may hold the route or receivers: checking what is left
    // would bury its error under follow-ups.
    if !am.is_empty() && !broken {
        check(&am, model, sources, diags);
    }
    am
}

fn err(
    src: &SourceText,
    code: Code,
    span: Span,
    msg: impl Into<String>,
    hint: Option<String>,
) -> Diagnostic {
    let mut d = Diagnostic::error(code, msg).at(src, span, "here");
    d.hint = hint;
    d
}

fn parse_doc(src: &SourceText, doc: &Node, am: &mut AmConfig, diags: &mut Diagnostics) {
    let Kind::Map(entries) = &doc.kind else {
        diags.push(err(
            src,
            Code::WrongType,
            doc.span,
            "an Alertmanager file is a mapping with base, route, receivers, routing, inhibit",
            None,
        ));
        return;
    };
    for (k, v) in entries {
        let key = k.as_scalar().map(|s| s.0).unwrap_or_default();
        match key {
            "base" => match value_of(v) {
                Value::Mapping(m) => {
                    for forbidden in ["route", "receivers"] {
                        if m.contains_key(forbidden) {
                            diags.push(err(
                                src,
                                Code::UnknownField,
                                v.span,
                                format!("`base` must not contain `{forbidden}`"),
                                Some(format!("write `{forbidden}:` at the top level of the file")),
                            ));
                        }
                    }
                    scan_secrets(src, v, "base", am, diags);
                    am.base.extend(m);
                }
                _ => diags.push(err(
                    src,
                    Code::WrongType,
                    v.span,
                    "`base` must be a mapping (global, templates, time_intervals, ...)",
                    None,
                )),
            },
            "route" => match value_of(v) {
                Value::Mapping(m) => {
                    match m.get("receiver").and_then(Value::as_str) {
                        Some(r) => {
                            let span = find_key_value(v, "receiver").unwrap_or(v.span);
                            am.default_receiver = Some((r.to_string(), src.path.to_string(), span));
                        }
                        None => diags.push(err(
                            src,
                            Code::MissingField,
                            v.span,
                            "`route` has no `receiver` (the default receiver)",
                            Some("add `receiver: NAME`".into()),
                        )),
                    }
                    if m.contains_key("routes") {
                        diags.push(err(
                            src,
                            Code::UnknownField,
                            v.span,
                            "`route.routes` is generated from `routing:`",
                            Some("write routes as `routing:` entries with a scope".into()),
                        ));
                    }
                    am.route = m;
                }
                _ => diags.push(err(
                    src,
                    Code::WrongType,
                    v.span,
                    "`route` must be a mapping",
                    None,
                )),
            },
            "receivers" => {
                let Kind::Seq(items) = &v.kind else {
                    diags.push(err(
                        src,
                        Code::WrongType,
                        v.span,
                        "`receivers` must be a list",
                        None,
                    ));
                    continue;
                };
                for item in items {
                    let Some(name_node) = find_key(item, "name") else {
                        diags.push(err(
                            src,
                            Code::MissingField,
                            item.span,
                            "a receiver has no `name`",
                            None,
                        ));
                        continue;
                    };
                    let name = name_node
                        .as_scalar()
                        .map(|s| s.0.to_string())
                        .unwrap_or_default();
                    if let Some((f, sp, _)) = am.receivers.get(&name) {
                        // The line is only known for the file at hand.
                        let first = if *f == *src.path {
                            format!("{f}:{}", src.line_col(sp.start()).0)
                        } else {
                            f.clone()
                        };
                        diags.push(err(
                            src,
                            Code::DuplicateKey,
                            name_node.span,
                            format!("receiver `{name}` is defined twice"),
                            Some(format!("the first is in {first}")),
                        ));
                        continue;
                    }
                    scan_secrets(src, item, &format!("receiver {name}"), am, diags);
                    am.receivers
                        .insert(name, (src.path.to_string(), name_node.span, value_of(item)));
                }
            }
            "routing" => {
                let Kind::Seq(items) = &v.kind else {
                    diags.push(err(
                        src,
                        Code::WrongType,
                        v.span,
                        "`routing` must be a list of {scope, receiver} entries",
                        None,
                    ));
                    continue;
                };
                for item in items {
                    if let Some(e) = route_entry(src, item, diags) {
                        am.routing.push(e);
                    }
                }
            }
            "inhibit" => {
                let Kind::Map(fs) = &v.kind else {
                    diags.push(err(
                        src,
                        Code::WrongType,
                        v.span,
                        "`inhibit` must be a mapping",
                        None,
                    ));
                    continue;
                };
                for (ik, iv) in fs {
                    match ik.as_scalar().map(|s| s.0).unwrap_or_default() {
                        "critical_over_warning" => {
                            am.critical_over_warning =
                                matches!(iv.as_scalar(), Some(("true", false)))
                        }
                        "target_down" => am.target_down = iv.as_scalar().map(|s| s.0.to_string()),
                        other => {
                            let hint =
                                did_you_mean(other, ["critical_over_warning", "target_down"])
                                    .map(|s| format!("did you mean `{s}`?"));
                            diags.push(err(
                                src,
                                Code::UnknownField,
                                ik.span,
                                format!("unknown field `{other}` in inhibit"),
                                hint,
                            ));
                        }
                    }
                }
            }
            "inhibit_rules" => match value_of(v) {
                Value::Sequence(rs) => am.inhibit_rules.extend(rs),
                _ => diags.push(err(
                    src,
                    Code::WrongType,
                    v.span,
                    "`inhibit_rules` must be a list",
                    None,
                )),
            },
            other => {
                let hint = did_you_mean(other, TOP_FIELDS.iter().copied()).map_or_else(
                    || format!("known fields: {}", TOP_FIELDS.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                );
                diags.push(err(
                    src,
                    Code::UnknownField,
                    k.span,
                    format!("unknown field `{other}` in an Alertmanager file"),
                    Some(hint),
                ));
            }
        }
    }
}

fn find_key<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.as_scalar().map(|s| s.0) == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn find_key_value(node: &Node, key: &str) -> Option<Span> {
    find_key(node, key).map(|n| n.span)
}

fn route_entry(src: &SourceText, item: &Node, diags: &mut Diagnostics) -> Option<RouteEntry> {
    let Kind::Map(entries) = &item.kind else {
        diags.push(err(
            src,
            Code::WrongType,
            item.span,
            "a routing entry is a mapping with scope and receiver",
            None,
        ));
        return None;
    };
    let mut scope = None;
    let mut receiver = None;
    let mut severity = None;
    let mut continue_ = false;
    let mut options = Mapping::new();
    for (k, v) in entries {
        let key = k.as_scalar().map(|s| s.0).unwrap_or_default();
        let text = v.as_scalar().map(|s| s.0.to_string());
        match key {
            "scope" => match text.as_deref().map(Scope::parse) {
                Some(Ok(s)) => scope = Some((s, v.span)),
                Some(Err(e)) => diags.push(err(
                    src,
                    Code::BadScope,
                    v.span,
                    e,
                    Some(
                        "a scope is `global`, `namespace/NAME`, `group/NAME` or `target/NAME`"
                            .into(),
                    ),
                )),
                None => diags.push(err(
                    src,
                    Code::WrongType,
                    v.span,
                    "`scope` must be a string",
                    None,
                )),
            },
            "receiver" => receiver = text.map(|t| (t, v.span)),
            "severity" => severity = text,
            "continue" => continue_ = text.as_deref() == Some("true"),
            "matchers" | "match" | "match_re" | "routes" | "receivers" => {
                diags.push(err(
                    src,
                    Code::UnknownField,
                    k.span,
                    format!("`{key}` is generated from the scope"),
                    Some("use `scope:` and `severity:`".into()),
                ));
            }
            _ => {
                options.insert(value_of(k), value_of(v));
            }
        }
    }
    let Some((scope, scope_span)) = scope else {
        diags.push(err(
            src,
            Code::MissingField,
            item.span,
            "routing entry has no `scope`",
            Some("add `scope: global|namespace/N|group/G|target/T`".into()),
        ));
        return None;
    };
    let Some((receiver, receiver_span)) = receiver else {
        diags.push(err(
            src,
            Code::MissingField,
            item.span,
            "routing entry has no `receiver`",
            None,
        ));
        return None;
    };
    Some(RouteEntry {
        file: src.path.to_string(),
        span: item.span,
        scope,
        scope_span,
        severity,
        receiver,
        receiver_span,
        continue_,
        options,
    })
}

/// Secret fields must be env references or empty; `${env:NAME}` references are recorded.
fn scan_secrets(
    src: &SourceText,
    node: &Node,
    context: &str,
    am: &mut AmConfig,
    diags: &mut Diagnostics,
) {
    scan_secrets_in(src, node, context, "", am, diags);
}

/// A Slack `api_url` is the webhook secret; OpsGenie's is a plain base URL.
fn is_secret_key(key: &str, parent: &str) -> bool {
    SECRET_KEYS.contains(&key) || (key == "api_url" && parent == "slack_configs")
}

fn scan_secrets_in(
    src: &SourceText,
    node: &Node,
    context: &str,
    parent: &str,
    am: &mut AmConfig,
    diags: &mut Diagnostics,
) {
    match &node.kind {
        Kind::Map(entries) => {
            for (k, v) in entries {
                let key = k.as_scalar().map(|s| s.0).unwrap_or_default();
                if let Some((text, _)) = v.as_scalar() {
                    let refs = env_refs(text);
                    for r in &refs {
                        am.env_refs.push((r.clone(), src.path.to_string(), v.span));
                    }
                    if is_secret_key(key, parent)
                        && refs.is_empty()
                        && !text.is_empty()
                        && !yaml::is_null(text)
                    {
                        // The report must not leak what it reports: show the file with the
                        // value starred out (same length, so positions still hold).
                        let mut masked = src.text().to_string();
                        masked
                            .replace_range(v.span.start()..v.span.end(), &"*".repeat(v.span.len()));
                        let masked = SourceText::new(src.path.clone(), masked);
                        diags.push(
                            Diagnostic::error(Code::Secret, format!("secret `{key}` of {context} is written in the repository"))
                                .at(&masked, v.span, "literal secret")
                                .hint(format!("use `{key}: ${{env:NAME}}` (read when rendering) or Alertmanager's `{key}_file`")),
                        );
                    }
                }
                scan_secrets_in(src, v, context, key, am, diags);
            }
        }
        Kind::Seq(items) => items
            .iter()
            .for_each(|i| scan_secrets_in(src, i, context, parent, am, diags)),
        Kind::Scalar { .. } => {}
    }
}

/// The NAMEs of `${env:NAME}` references in a string.
pub fn env_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${env:") {
        let after = &rest[i + 6..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

fn check(am: &AmConfig, model: &Model, sources: &[SourceText], diags: &mut Diagnostics) {
    let src_of = |f: &str| {
        sources
            .iter()
            .find(|s| &*s.path == f)
            .cloned()
            .expect("routing entries come from sources")
    };
    let names: Vec<&str> = am.receivers.keys().map(String::as_str).collect();
    let unknown = |r: &str, file: &str, span: Span| {
        let hint = did_you_mean(r, names.iter().copied()).map_or_else(
            || format!("receivers: {}", names.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        Diagnostic::error(
            Code::UnknownReceiver,
            format!("receiver `{r}` is not defined"),
        )
        .at(&src_of(file), span, "unknown receiver")
        .hint(hint)
    };
    match &am.default_receiver {
        Some((r, f, span)) if !am.receivers.contains_key(r) => diags.push(unknown(r, f, *span)),
        None if sources.is_empty() => {}
        None if !am.files.is_empty() && am.route.is_empty() => {
            diags.push(
                Diagnostic::error(
                    Code::MissingField,
                    "the Alertmanager config has no `route:` with a default receiver",
                )
                .hint("add `route: { receiver: NAME }` to a file under alertmanager/"),
            );
        }
        _ => {}
    }
    let mut seen: BTreeMap<(Scope, Option<String>), &RouteEntry> = BTreeMap::new();
    for e in &am.routing {
        if !am.receivers.contains_key(&e.receiver) {
            diags.push(unknown(&e.receiver, &e.file, e.receiver_span));
        }
        if !model.inventory.contains(&e.scope) {
            diags.push(
                Diagnostic::error(
                    Code::UnknownScope,
                    format!("{} is not in the inventory", e.scope),
                )
                .at(&src_of(&e.file), e.scope_span, "unknown scope")
                .hint("routes are written for inventory scopes"),
            );
        }
        let key = (e.scope.clone(), e.severity.clone());
        if let Some(first) = seen.get(&key) {
            if !first.continue_ {
                diags.push(
                    Diagnostic::error(
                        Code::UnreachableRoute,
                        format!(
                            "this route for {}{} can never match",
                            e.scope,
                            e.severity
                                .as_ref()
                                .map(|s| format!(" severity={s}"))
                                .unwrap_or_default()
                        ),
                    )
                    .at(&src_of(&e.file), e.span, "never matches")
                    .also(
                        &src_of(&first.file),
                        first.span,
                        "every alert it would get matches this one first",
                    )
                    .hint("merge them, or set `continue: true` on the first to deliver to both"),
                );
            }
        }
        seen.entry(key).or_insert(e);
    }
    // Groups whose alerts fall through to the default receiver, when routing is per group.
    let routed_groups: BTreeSet<&str> = am
        .routing
        .iter()
        .filter_map(|e| {
            if let Scope::Group(g) = &e.scope {
                Some(g.as_str())
            } else {
                None
            }
        })
        .collect();
    let routed_ns: BTreeSet<&str> = am
        .routing
        .iter()
        .filter_map(|e| {
            if let Scope::Namespace(n) = &e.scope {
                Some(n.as_str())
            } else {
                None
            }
        })
        .collect();
    if !routed_groups.is_empty() {
        for (g, info) in &model.inventory.groups {
            if !routed_groups.contains(g.as_str()) && !routed_ns.contains(info.namespace.as_str()) {
                let mut d = Diagnostic::warning(
                    Code::UnroutedGroup,
                    format!("group `{g}` has no route: its alerts go to the default receiver"),
                );
                if let Some((r, f, span)) = &am.default_receiver {
                    d = d.at(&src_of(f), *span, format!("default receiver `{r}`"));
                }
                diags.push(d.hint(format!("add `- {{scope: group/{g}, receiver: ...}}` under routing:, or route its namespace")));
            }
        }
    }
}

fn matcher(label: &str, op: &str, value: &str) -> Value {
    Value::String(format!(
        "{label}{op}{}",
        crate::model::params::promql_string(value)
    ))
}

/// The matchers that select a scope's alerts.
fn scope_matchers(model: &Model, scope: &Scope) -> Vec<Value> {
    let l = &model.settings.labels;
    let inv = &model.inventory;
    let targets_re = |ts: Vec<&String>| {
        matcher(
            &l.target,
            "=~",
            &ts.iter()
                .map(|t| crate::model::params::quote_meta(t))
                .collect::<Vec<_>>()
                .join("|"),
        )
    };
    match (scope, model.settings.scope.match_) {
        (Scope::Global, _) => vec![],
        (Scope::Target(t), _) => vec![matcher(&l.target, "=", t)],
        (Scope::Group(g), ScopeMatch::Labels) => vec![matcher(&l.group, "=", g)],
        (Scope::Namespace(n), ScopeMatch::Labels) => vec![matcher(&l.namespace, "=", n)],
        (Scope::Group(g), ScopeMatch::Inventory) => vec![targets_re(
            inv.groups
                .get(g)
                .map(|i| i.targets.iter().collect())
                .unwrap_or_default(),
        )],
        (Scope::Namespace(n), ScopeMatch::Inventory) => {
            let ts = inv
                .namespaces
                .get(n)
                .map(|gs| {
                    gs.iter()
                        .flat_map(|g| inv.groups[g].targets.iter())
                        .collect()
                })
                .unwrap_or_default();
            vec![targets_re(ts)]
        }
    }
}

/// Why `alertmanager.yml` was not rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderError {
    /// `${env:NAME}` variables that are unset.
    MissingEnv(Vec<String>),
    /// The rendered text failed [`crate::render::check_generated`].
    Unsafe(String),
}

/// Renders `alertmanager.yml`. `env` resolves `${env:NAME}`; `None` when a referenced
/// variable is unset (the names are returned).
pub fn render(
    am: &AmConfig,
    model: &Model,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, RenderError> {
    let missing: BTreeSet<String> = am
        .env_refs
        .iter()
        .map(|r| r.0.clone())
        .filter(|n| env(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(RenderError::MissingEnv(missing.into_iter().collect()));
    }
    let mut root = Mapping::new();
    for (k, v) in &am.base {
        root.insert(k.clone(), substitute(v, env));
    }
    let mut route = am.route.clone();
    // Most specific first: targets, groups, namespaces, then global severity routes;
    // severity-specific before generic at each scope; file order otherwise.
    let mut entries: Vec<&RouteEntry> = am
        .routing
        .iter()
        .filter(|e| !(e.scope == Scope::Global && e.severity.is_none()))
        .collect();
    entries.sort_by_key(|e| {
        (
            std::cmp::Reverse(e.scope.specificity()),
            e.scope.clone(),
            e.severity.is_none(),
        )
    });
    let mut routes = Vec::new();
    for e in entries {
        let mut r = Mapping::new();
        r.insert("receiver".into(), e.receiver.clone().into());
        let mut ms = scope_matchers(model, &e.scope);
        if let Some(s) = &e.severity {
            ms.push(matcher("severity", "=", s));
        }
        r.insert("matchers".into(), Value::Sequence(ms));
        if e.continue_ {
            r.insert("continue".into(), true.into());
        }
        for (k, v) in &e.options {
            r.insert(k.clone(), v.clone());
        }
        routes.push(Value::Mapping(r));
    }
    // A generic global entry overrides the default receiver.
    if let Some(g) = am
        .routing
        .iter()
        .find(|e| e.scope == Scope::Global && e.severity.is_none())
    {
        route.insert("receiver".into(), g.receiver.clone().into());
        for (k, v) in &g.options {
            route.insert(k.clone(), v.clone());
        }
    }
    if !routes.is_empty() {
        route.insert("routes".into(), Value::Sequence(routes));
    }
    root.insert("route".into(), Value::Mapping(route));
    let receivers: Vec<Value> = am
        .receivers
        .values()
        .map(|(_, _, v)| substitute(v, env))
        .collect();
    root.insert("receivers".into(), Value::Sequence(receivers));
    let mut inhibit = Vec::new();
    let target = &model.settings.labels.target;
    if am.critical_over_warning {
        inhibit.push(serde_yaml::from_str::<Value>(&format!("{{source_matchers: ['severity=\"critical\"'], target_matchers: ['severity=\"warning\"'], equal: [alertname, {target}]}}")).expect("valid YAML"));
    }
    if let Some(down) = &am.target_down {
        let (s, t) = (
            matcher("alertname", "=", down),
            matcher("alertname", "!=", down),
        );
        let mut m = Mapping::new();
        m.insert("source_matchers".into(), Value::Sequence(vec![s]));
        m.insert("target_matchers".into(), Value::Sequence(vec![t]));
        m.insert("equal".into(), Value::Sequence(vec![target.clone().into()]));
        inhibit.push(Value::Mapping(m));
    }
    inhibit.extend(am.inhibit_rules.iter().cloned());
    if !inhibit.is_empty() {
        root.insert("inhibit_rules".into(), Value::Sequence(inhibit));
    }
    let body = serde_yaml::to_string(&Value::Mapping(root)).expect("config serializes");
    let files: Vec<_> = am.files.iter().map(|f| escape_unsafe(f)).collect();
    let text = format!("{} Do not edit: change alertmanager/ in the rules directory and run `alertctl alertmanager render`.\n# sources: {}\n{body}", crate::render::MARKER, files.join(", "));
    crate::render::check_generated(&text, 2).map_err(|why| {
        RenderError::Unsafe(crate::render::unsafe_output("alertmanager.yml", &why).message)
    })?;
    Ok(text)
}

fn substitute(v: &Value, env: &dyn Fn(&str) -> Option<String>) -> Value {
    match v {
        Value::String(s) if s.contains("${env:") => {
            let mut out = s.clone();
            for name in env_refs(s) {
                out = out.replace(&format!("${{env:{name}}}"), &env(&name).unwrap_or_default());
            }
            Value::String(out)
        }
        Value::Sequence(items) => {
            Value::Sequence(items.iter().map(|i| substitute(i, env)).collect())
        }
        Value::Mapping(m) => Value::Mapping(
            m.iter()
                .map(|(k, v)| (k.clone(), substitute(v, env)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The same text with every secret value replaced by `<secret>`: the values of secret
/// keys and every form of any of `secrets` (values that came from the environment).
pub fn mask(text: &str, secrets: &crate::deploy::secrets::Secrets) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start().trim_start_matches("- ");
        let prefix = &line[..line.len() - trimmed.len()];
        let masked = SECRET_KEYS
            .iter()
            .chain(std::iter::once(&"api_url"))
            .find_map(|k| {
                let rest = trimmed.strip_prefix(k)?.strip_prefix(':')?;
                (!rest.trim().is_empty()).then(|| format!("{prefix}{k}: {MASK}\n"))
            });
        out.push_str(&masked.unwrap_or_else(|| line.to_string()));
    }
    secrets.mask(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_references() {
        assert_eq!(
            env_refs("Bearer ${env:TOKEN} and ${env:B}"),
            vec!["TOKEN", "B"]
        );
        assert!(env_refs("plain").is_empty());
    }

    #[test]
    fn masking() {
        let t = "receivers:\n- name: x\n  slack_configs:\n  - api_url: https://hooks.example/T0/B0/abcdef\n    channel: '#a'\n  webhook_configs:\n  - url: http://x/?t=tok3n-value\n";
        let m = mask(t, &crate::deploy::secrets::Secrets::new(["tok3n-value"]));
        assert!(!m.contains("abcdef") && !m.contains("tok3n-value"), "{m}");
        assert!(
            m.contains("api_url: <secret>") && m.contains("channel: '#a'"),
            "{m}"
        );
    }
}
