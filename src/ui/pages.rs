//! The HTML pages: server-rendered from the same library answers as the API (minijinja,
//! auto-escaped), with one embedded script for live previews and saves. Every page works
//! with the keyboard: plain links and form controls, a skip link, visible focus.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use minijinja::Environment;
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::ApiError;
use super::security::{filter, param};
use super::{blocking, App, Snapshot};
use crate::cache::query::{self, Subject};
use crate::model::resolve::{Model, Origin};

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
];

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("assets/base.html")),
    ("index.html", include_str!("assets/index.html")),
    ("targets.html", include_str!("assets/targets.html")),
    ("templates.html", include_str!("assets/templates.html")),
    ("template.html", include_str!("assets/template.html")),
    ("rules.html", include_str!("assets/rules.html")),
    ("rule.html", include_str!("assets/rule.html")),
    ("new_rule.html", include_str!("assets/new_rule.html")),
    ("file.html", include_str!("assets/file.html")),
    ("effective.html", include_str!("assets/effective.html")),
    ("deploy.html", include_str!("assets/deploy.html")),
    ("token.html", include_str!("assets/token.html")),
    ("error.html", include_str!("assets/error.html")),
    ("preview.html", include_str!("assets/preview.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // Every value is shown with control and bidi characters escaped (line breaks
        // and tabs kept), as the CLI shows them: a name cannot reorder or hide text.
        env.set_formatter(|out, state, value| match value.as_str() {
            Some(s) if !value.is_safe() => {
                minijinja::escape_formatter(out, state, &minijinja::Value::from(shown(s).as_ref()))
            }
            _ => minijinja::escape_formatter(out, state, value),
        });
        // A file's text for the editor: HTML-escaped, every other byte as it is.
        env.add_filter("verbatim", |s: String| {
            minijinja::Value::from_safe_string(html_escape(&s))
        });
        env.add_filter("urlencode", |s: String| urlencode(&s));
        // Booleans for `data-` attributes, as scripts read them.
        env.add_filter("flag", |b: bool| if b { "true" } else { "false" });
        // `.html` templates escape every value: names in a rules directory are a
        // stranger's text.
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .expect("embedded template parses");
        }
        env
    })
}

/// `s` with unsafe characters escaped, except line breaks and tabs.
fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    if !s
        .chars()
        .any(|c| crate::source::text::is_unsafe_char(c) && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(s);
    }
    s.split('\n')
        .map(|line| {
            line.split('\t')
                .map(crate::source::text::escape_unsafe)
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .into()
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Most rows a table shows; a filter narrows the rest.
const MAX_ROWS: usize = 500;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/targets", get(targets))
        .route("/templates", get(templates))
        .route("/templates/{name}", get(template))
        .route("/rules", get(rules))
        .route("/rules/edit", get(rule))
        .route("/rules/new", get(new_rule))
        .route("/files/edit", get(file))
        .route("/effective", get(effective))
        .route("/deploy", get(deploy))
        .route("/assets/{name}", get(asset))
        .fallback(not_found)
        .with_state(app)
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, ty, body)) => (
            [
                (header::CONTENT_TYPE, *ty),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => not_found().await,
    }
}

async fn not_found() -> Response {
    page_error(StatusCode::NOT_FOUND, "No such page.", None)
}

/// The page a browser gets off loopback without the token: its script reads the token
/// from the URL's `#token=` (never sent to a server), keeps it, and reloads.
pub fn token_needed() -> Response {
    let body = env()
        .get_template("token.html")
        .and_then(|t| t.render(json!({"title": "Token needed"})))
        .unwrap_or_default();
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

fn page_error(status: StatusCode, message: &str, hint: Option<&str>) -> Response {
    let body = env()
        .get_template("error.html")
        .and_then(|t| {
            t.render(json!({"title": "Error", "message": message, "hint": hint, "status": status.as_u16()}))
        })
        .unwrap_or_else(|e| format!("error: {message} ({e})"));
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A page's answer: the page, or an error page.
struct Html(Result<String, ApiError>);

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(body) => {
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
            }
            Err(e) => page_error(e.status, &e.message, e.hint.as_deref()),
        }
    }
}

impl From<Result<Result<String, ApiError>, ApiError>> for Html {
    fn from(r: Result<Result<String, ApiError>, ApiError>) -> Html {
        Html(r.and_then(|x| x))
    }
}

/// Renders `name` with the context every page has: the rules directory, the mode, and
/// the directory's problems.
fn render(
    app: &App,
    snap: &Snapshot,
    name: &str,
    nav: &str,
    title: &str,
    mut ctx: Value,
) -> Result<String, ApiError> {
    let d = &snap.diags;
    ctx["title"] = json!(title);
    ctx["nav"] = json!(nav);
    ctx["root"] = json!(app.root().display().to_string());
    ctx["read_only"] = json!(app.cfg.read_only);
    ctx["allow_apply"] = json!(app.cfg.allow_apply);
    ctx["errors"] = json!(d.error_count());
    ctx["counts"] = json!(crate::diag::counts(d));
    env()
        .get_template(name)
        .and_then(|t| t.render(&ctx))
        .map_err(|e| ApiError::internal(format!("page {name}: {e}")))
}

/// Runs a page off the async workers with the current snapshot.
async fn with_snapshot(
    app: Arc<App>,
    f: impl FnOnce(&App, &Snapshot) -> Result<String, ApiError> + Send + 'static,
) -> Html {
    blocking(move || {
        let guard = app.snapshot()?;
        let snap = guard.as_ref().expect("loaded");
        f(&app, snap)
    })
    .await
    .into()
}

fn link_rule(file: &str, line: impl std::fmt::Display) -> String {
    format!("/rules/edit?file={}&line={line}", urlencode(file))
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inventory as the scope pickers and filters offer it.
fn inventory(model: &Model, with_targets: bool) -> Value {
    let inv = &model.inventory;
    let mut namespaces: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in inv.namespaces.keys() {
        namespaces.entry(n.as_str()).or_default();
    }
    for (g, info) in &inv.groups {
        namespaces
            .entry(info.namespace.as_str())
            .or_default()
            .push(g.as_str());
    }
    let targets: Vec<&str> = if with_targets && inv.targets.len() <= 2000 {
        inv.targets.keys().map(String::as_str).collect()
    } else {
        vec![]
    };
    json!({
        "namespaces": namespaces.iter().map(|(n, gs)| json!({"name": n, "groups": gs})).collect::<Vec<_>>(),
        "groups": inv.groups.keys().collect::<Vec<_>>(),
        "targets": targets,
        "target_count": inv.targets.len(),
    })
}

async fn index(State(app): State<Arc<App>>) -> Html {
    with_snapshot(app, |app, snap| {
        let m = &snap.project.model;
        let diags: Vec<Value> = snap.diags.json().as_array().cloned().unwrap_or_default();
        render(
            app,
            snap,
            "index.html",
            "home",
            "Overview",
            json!({
                "templates": m.templates.len(),
                "rules": m.rules.len(),
                "alerts": m.alerts.len(),
                "targets": m.inventory.targets.len(),
                "groups": m.inventory.groups.len(),
                "namespaces": m.inventory.namespaces.len(),
                "diagnostics": diags.iter().take(MAX_ROWS).collect::<Vec<_>>(),
                "inventory": inventory(m, true),
            }),
        )
    })
    .await
}

#[derive(Deserialize)]
struct TargetsQ {
    namespace: Option<String>,
    group: Option<String>,
}

async fn targets(State(app): State<Arc<App>>, Query(q): Query<TargetsQ>) -> Html {
    let (namespace, group) = match (filter("namespace", &q.namespace), filter("group", &q.group)) {
        (Ok(n), Ok(g)) => (n, g),
        (Err(e), _) | (_, Err(e)) => return Html(Err(e)),
    };
    with_snapshot(app, move |app, snap| {
        let rows = snap
            .project
            .cache
            .targets(namespace.as_deref(), group.as_deref())?;
        let total = rows.len();
        render(
            app,
            snap,
            "targets.html",
            "targets",
            "Targets",
            json!({
                "rows": rows.iter().take(MAX_ROWS).collect::<Vec<_>>(),
                "total": total,
                "shown": total.min(MAX_ROWS),
                "namespace": namespace,
                "group": group,
                "inventory": inventory(&snap.project.model, false),
            }),
        )
    })
    .await
}

#[derive(Deserialize)]
struct TemplatesQ {
    severity: Option<String>,
    job: Option<String>,
    tag: Option<String>,
}

async fn templates(State(app): State<Arc<App>>, Query(q): Query<TemplatesQ>) -> Html {
    let filters = [("severity", &q.severity), ("job", &q.job), ("tag", &q.tag)]
        .map(|(name, v)| filter(name, v));
    let [severity, job, tag] = match filters {
        [Ok(s), Ok(j), Ok(t)] => [s, j, t],
        [Err(e), ..] | [_, Err(e), _] | [.., Err(e)] => return Html(Err(e)),
    };
    with_snapshot(app, move |app, snap| {
        let m = &snap.project.model;
        let rows = crate::ops::query::templates(
            &snap.project.cache,
            severity.as_deref(),
            job.as_deref(),
            None,
        )?;
        let rows: Vec<Value> = rows
            .iter()
            .filter_map(|r| {
                let t = m.templates.get(&r.name)?;
                tag.as_ref()
                    .is_none_or(|tag| t.tags.contains(tag))
                    .then(|| json!({"row": r, "tags": t.tags, "description": t.description}))
            })
            .collect();
        let severities: std::collections::BTreeSet<&str> = m
            .templates
            .values()
            .filter_map(|t| t.severity.as_ref().map(|s| s.value.as_str()))
            .collect();
        let tags: std::collections::BTreeSet<&str> =
            m.templates.values().flat_map(|t| t.tags.iter().map(String::as_str)).collect();
        let jobs: std::collections::BTreeSet<String> =
            crate::ops::query::templates(&snap.project.cache, None, None, None)?
                .into_iter()
                .filter_map(|r| r.job)
                .collect();
        render(
            app,
            snap,
            "templates.html",
            "templates",
            "Templates",
            json!({"rows": rows, "severity": severity, "job": job, "tag": tag, "severities": severities, "jobs": jobs, "tags": tags}),
        )
    })
    .await
}

async fn template(State(app): State<Arc<App>>, Path(name): Path<String>) -> Html {
    if let Err(e) = param("name", &name) {
        return Html(Err(e));
    }
    with_snapshot(app, move |app, snap| {
        let m = &snap.project.model;
        let Some(t) = m.templates.get(&name) else {
            return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no template `{name}`")));
        };
        let place = m.place(&t.file, t.name.span);
        let params: Vec<Value> = t
            .params
            .iter()
            .map(|p| {
                json!({
                    "name": p.name.value,
                    "type": p.ty.as_str(),
                    "default": p.default.as_ref().map(|d| display_raw(&d.value)),
                    "description": p.description,
                })
            })
            .collect();
        let rules: Vec<Value> = m
            .rules
            .iter()
            .filter(|r| r.template.value == name)
            .map(|r| {
                let p = m.place(&r.file, r.span);
                json!({"alert": m.rule_name(r), "scope": r.scope.value.to_string(), "priority": r.priority.value,
                       "suspended": r.is_suspended(), "file": p.file, "line": p.line, "href": link_rule(&p.file, p.line)})
            })
            .collect();
        render(
            app,
            snap,
            "template.html",
            "templates",
            &format!("Template {name}"),
            json!({
                "name": name,
                "kind": if t.is_recording() { "recording" } else { "alerting" },
                "description": t.description,
                "severity": t.severity.as_ref().map(|s| &s.value),
                "expr": t.expr.value,
                "for": t.for_.as_ref().map(|s| &s.value),
                "labels": t.labels.iter().map(|(k, v)| (k, &v.value)).collect::<BTreeMap<_, _>>(),
                "annotations": t.annotations.iter().map(|(k, v)| (k, &v.value)).collect::<BTreeMap<_, _>>(),
                "tags": t.tags,
                "params": params,
                "rules": rules,
                "file": place.file,
                "line": place.line,
                "edit_href": format!("/files/edit?path={}", urlencode(&place.file)),
                "inventory": inventory(m, true),
            }),
        )
    })
    .await
}

fn display_raw(v: &crate::model::RawValue) -> String {
    match &v.items {
        Some(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| i.text.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => v.text.clone(),
    }
}

#[derive(Deserialize)]
struct RulesQ {
    group: Option<String>,
    namespace: Option<String>,
    scope: Option<String>,
    template: Option<String>,
    suspended: Option<String>,
}

async fn rules(State(app): State<Arc<App>>, Query(q): Query<RulesQ>) -> Html {
    let parsed = (|| {
        Ok::<_, ApiError>((
            filter("group", &q.group)?,
            filter("namespace", &q.namespace)?,
            filter("scope", &q.scope)?,
            filter("template", &q.template)?,
        ))
    })();
    let (group, namespace, scope, template) = match parsed {
        Ok(x) => x,
        Err(e) => return Html(Err(e)),
    };
    let suspended = q.suspended.as_deref().is_some_and(|s| !s.is_empty());
    with_snapshot(app, move |app, snap| {
        let rows = snap.project.cache.rules(&crate::cache::RuleFilter {
            group: group.as_deref(),
            namespace: namespace.as_deref(),
            scope: scope.as_deref(),
            template: template.as_deref(),
            suspended_only: suspended,
        })?;
        let total = rows.len();
        let rows: Vec<Value> = rows
            .iter()
            .take(MAX_ROWS)
            .map(|r| json!({"row": r, "href": link_rule(&r.file, r.line)}))
            .collect();
        let m = &snap.project.model;
        render(
            app,
            snap,
            "rules.html",
            "rules",
            "Rules",
            json!({
                "rows": rows, "total": total, "shown": total.min(MAX_ROWS),
                "group": group, "namespace": namespace, "scope": scope, "template": template, "suspended": suspended,
                "templates_all": m.templates.keys().collect::<Vec<_>>(),
                "inventory": inventory(m, false),
                "suspended_count": m.rules.iter().filter(|r| r.is_suspended()).count(),
            }),
        )
    })
    .await
}

#[derive(Deserialize)]
struct RuleQ {
    file: String,
    line: usize,
}

async fn rule(State(app): State<Arc<App>>, Query(q): Query<RuleQ>) -> Html {
    if let Err(e) = param("file", &q.file) {
        return Html(Err(e));
    }
    with_snapshot(app, move |app, snap| {
        let m = &snap.project.model;
        crate::ops::edit::editable_path(app.root(), &q.file)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
        let r = crate::ops::edit::rule_at(m, &q.file, q.line).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no rule at {}:{}", q.file, q.line),
            )
        })?;
        let source = m.source(&r.file);
        let start = m.place(&r.file, r.span);
        let t = m.templates.get(&r.template.value);
        let params: Vec<Value> = t
            .map(|t| {
                t.params
                    .iter()
                    .map(|p| {
                        let own = r.params.get(&p.name.value);
                        json!({
                            "name": p.name.value,
                            "type": p.ty.as_str(),
                            "list": p.ty == crate::model::ParamType::List,
                            "value": own.map(|v| display_raw(&v.value)),
                            "default": p.default.as_ref().map(|d| display_raw(&d.value)),
                            "description": p.description,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let text = &source.text();
        let lines: Vec<&str> = text.lines().collect();
        let end_line = source.line_col(r.span.end().saturating_sub(1)).0;
        let excerpt: Vec<Value> = (start.line..=end_line.min(lines.len()))
            .map(|n| json!({"n": n, "text": lines.get(n - 1).copied().unwrap_or_default()}))
            .collect();
        render(
            app,
            snap,
            "rule.html",
            "rules",
            &format!("Rule {} at {}", m.rule_name(r), r.scope.value),
            json!({
                "alert": m.rule_name(r),
                "template": r.template.value,
                "template_known": t.is_some(),
                "many": r.is_many(),
                "file": r.file,
                "line": start.line,
                "base": crate::source::load::content_hash(text),
                "scope": r.scope.value.to_string(),
                "priority": r.priority.value,
                "enabled": r.enabled.as_ref().is_none_or(|e| e.value),
                "enabled_set": r.enabled.is_some(),
                "for": r.for_.as_ref().map(|v| &v.value),
                "for_default": t.and_then(|t| t.for_.as_ref()).map(|v| &v.value),
                "severity": r.severity.as_ref().map(|v| &v.value),
                "severity_default": t.and_then(|t| t.severity.as_ref()).map(|v| &v.value),
                "suspended": r.is_suspended(),
                "params": params,
                "excerpt": excerpt,
                "edit_href": format!("/files/edit?path={}", urlencode(&r.file)),
                "inventory": inventory(m, true),
            }),
        )
    })
    .await
}

#[derive(Deserialize)]
struct NewQ {
    template: Option<String>,
    scope: Option<String>,
}

async fn new_rule(State(app): State<Arc<App>>, Query(q): Query<NewQ>) -> Html {
    let (template, scope) = match (filter("template", &q.template), filter("scope", &q.scope)) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) | (_, Err(e)) => return Html(Err(e)),
    };
    with_snapshot(app, move |app, snap| {
        let m = &snap.project.model;
        render(
            app,
            snap,
            "new_rule.html",
            "rules",
            "New rule",
            json!({
                "template": template, "scope": scope,
                "templates_all": m.templates.keys().collect::<Vec<_>>(),
                "inventory": inventory(m, true),
            }),
        )
    })
    .await
}

#[derive(Deserialize)]
struct FileQ {
    path: String,
}

async fn file(State(app): State<Arc<App>>, Query(q): Query<FileQ>) -> Html {
    with_snapshot(app, move |app, snap| {
        let text = crate::ops::edit::read_editable(app.root(), &q.path)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no file {}", q.path)))?;
        render(
            app,
            snap,
            "file.html",
            "",
            &format!("Edit {}", q.path),
            json!({"path": q.path, "text": text, "base": crate::source::load::content_hash(&text)}),
        )
    })
    .await
}

#[derive(Deserialize)]
struct EffectiveQ {
    target: Option<String>,
    group: Option<String>,
    namespace: Option<String>,
    global: Option<String>,
}

/// Who set a field, as the page links it.
fn setter(model: &Model, s: &crate::model::resolve::Setting) -> Value {
    let p = model.origin_place(&s.origin);
    match &s.origin {
        Origin::Template { name, .. } => json!({
            "value": s.value, "who": format!("template {name}"), "file": p.file, "line": p.line,
            "href": format!("/templates/{}", urlencode(name)),
        }),
        Origin::Rule { index, .. } => {
            let r = &model.rules[*index];
            json!({
                "value": s.value, "who": format!("{}{}", r.scope.value, if r.is_many() { " (many)" } else { "" }),
                "file": p.file, "line": p.line, "href": link_rule(&p.file, p.line),
            })
        }
    }
}

async fn effective(State(app): State<Arc<App>>, Query(q): Query<EffectiveQ>) -> Html {
    let parsed = (|| {
        Ok::<_, ApiError>(
            match (
                filter("target", &q.target)?,
                filter("group", &q.group)?,
                filter("namespace", &q.namespace)?,
            ) {
                (Some(t), _, _) => Some(Subject::Target(t)),
                (_, Some(g), _) => Some(Subject::Group(g)),
                (_, _, Some(n)) => Some(Subject::Namespace(n)),
                _ if q.global.is_some() => Some(Subject::Global),
                _ => None,
            },
        )
    })();
    let subject = match parsed {
        Ok(s) => s,
        Err(e) => return Html(Err(e)),
    };
    with_snapshot(app, move |app, snap| {
        let m = &snap.project.model;
        let Some(subject) = subject else {
            return render(app, snap, "effective.html", "targets", "Effective alerts",
                json!({"pick": true, "inventory": inventory(m, true)}));
        };
        if snap.diags.has_errors() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the rules directory has {}: fix them to see effective alerts", crate::diag::counts(&snap.diags)),
            )
            .with_hint("the overview page lists them"));
        }
        let (pos, shown) = query::position(m, &subject)?;
        // From the cache index when nothing changed since the last full run (the
        // answers as stored, who set what from the model), else from the model alone.
        let fast = app
            .quick(|q| crate::ops::query::answers_at_position(q, &pos))
            .and_then(|(applied, disabled)| {
                let alerts = applied
                    .iter()
                    .map(|a| {
                        let j: Value = serde_json::from_str(&a.cell.json).ok()?;
                        let alert = m.alerts.get(&a.cell.alert)?;
                        let cell = crate::model::Scope::parse(&a.cell.scope).ok()?;
                        let (eff, trace) = m.traced(alert, &query::scope_position(m, &cell))?;
                        let rules: Vec<query::AppliedRule> =
                            eff.chain.iter().map(|&i| query::AppliedRule::of(m, i)).collect();
                        Some(page_alert(m, &pos, j, &alert.template, &trace, &rules))
                    })
                    .collect::<Option<Vec<Value>>>()?;
                let disabled = disabled
                    .iter()
                    .map(|d| {
                        let d: Value = serde_json::from_str(&d.cell.json).ok()?;
                        let (file, line) = (d["file"].as_str()?, &d["line"]);
                        Some(json!({"alert": d["alert"], "file": file, "line": line, "href": link_rule(file, line)}))
                    })
                    .collect::<Option<Vec<Value>>>()?;
                Some((alerts, disabled, Vec::new()))
            });
        let (alerts, disabled, broken) = fast.unwrap_or_else(|| {
            let report = query::at(m, &pos);
            let alerts: Vec<Value> = report
                .applied
                .iter()
                .map(|a| {
                    let j = query::alert_json(m, &a.provenance, &a.file, &a.rule);
                    page_alert(m, &pos, j, &a.template, &a.trace, &a.rules)
                })
                .collect();
            let disabled: Vec<Value> = report
                .disabled
                .iter()
                .map(|d| json!({"alert": d.alert, "file": d.by.file, "line": d.by.line, "href": link_rule(&d.by.file, d.by.line)}))
                .collect();
            let broken: Vec<Value> = report
                .broken
                .iter()
                .map(|(a, e)| json!({"alert": a, "error": format!("{e:?}")}))
                .collect();
            (alerts, disabled, broken)
        });
        let api = match &subject {
            Subject::Target(t) => format!("/api/v1/targets/{}/alert-rules/effective", urlencode(t)),
            Subject::Group(g) => format!("/api/v1/groups/{}/alert-rules/effective", urlencode(g)),
            Subject::Namespace(n) => format!("/api/v1/namespaces/{}/alert-rules/effective", urlencode(n)),
            Subject::Global => "/api/v1/global/alert-rules/effective".to_string(),
        };
        render(
            app,
            snap,
            "effective.html",
            "targets",
            &format!("Effective alerts: {shown}"),
            json!({
                "subject": shown,
                "pos": {"target": pos.target, "group": pos.group, "namespace": pos.namespace},
                "alerts": alerts, "disabled": disabled, "broken": broken, "api": api,
                "inventory": inventory(m, true),
            }),
        )
    })
    .await
}

/// One applied alert as the effective page shows it: its `effective` answer `j`, who
/// set each field and what that overrode (linked), and its rules in fold order.
fn page_alert(
    m: &Model,
    pos: &crate::model::resolve::Position,
    j: Value,
    template: &str,
    trace: &crate::model::resolve::Trace,
    rules: &[query::AppliedRule],
) -> Value {
    let fields: Vec<Value> = trace
        .iter()
        .filter_map(|(field, settings)| {
            let (last, before) = settings.split_last()?;
            let overrode: Vec<Value> = before
                .iter()
                .rev()
                .filter(|s| s.value != last.value || s.origin != last.origin)
                .map(|s| setter(m, s))
                .collect();
            Some(json!({"field": field, "set": setter(m, last), "overrode": overrode}))
        })
        .collect();
    let chain: Vec<Value> = rules
        .iter()
        .map(|r| json!({"scope": r.scope, "priority": r.priority, "selects": r.selects,
                        "file": r.place.file, "line": r.place.line, "href": link_rule(&r.place.file, r.place.line)}))
        .collect();
    json!({"a": j, "fields": fields, "chain": chain,
           "new_href": format!("/rules/new?template={}&scope={}", urlencode(template), urlencode(&narrowest(pos)))})
}

/// The scope a new rule for this position would most naturally take.
fn narrowest(pos: &crate::model::resolve::Position) -> String {
    pos.scopes()
        .last()
        .map_or_else(|| "global".to_string(), ToString::to_string)
}

async fn deploy(State(app): State<Arc<App>>) -> Html {
    with_snapshot(app, |app, snap| {
        let history = crate::deploy::history::History::open(app.root())
            .and_then(|h| h.list(50))
            .unwrap_or_default();
        let servers: Vec<String> = snap
            .project
            .model
            .settings
            .servers
            .iter()
            .map(|s| s.name.clone().unwrap_or_else(|| strip_userinfo(&s.url)))
            .collect();
        render(
            app,
            snap,
            "deploy.html",
            "deploy",
            "Deploy",
            json!({
                "history": history,
                "servers": servers,
                "output_dir": snap.project.model.settings.output.dir,
            }),
        )
    })
    .await
}

/// A URL without `user:password@`.
fn strip_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let sep = if rest.contains('/') { "/" } else { "" };
            format!("{scheme}://{host}{sep}{path}")
        }
        None => url.to_string(),
    }
}
