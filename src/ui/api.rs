//! The read API (`/api/v1/...`, the CLI's `--format json` documents) and the editor's
//! own endpoints (`/ui/api/...`: previews, saves, rule lifecycle, deploy).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::security::{self, filter, param};
use super::{blocking, extras, App};
use crate::cache::query::{self, Subject};
use crate::diag::Diagnostics;
use crate::machine;
use crate::ops::edit::{self as ops_edit, Check, FileEdit, SaveError};
use crate::source::edit::{FieldChange, RuleField};
use crate::source::project::{Overlay, ProjectError};

/// An error answer: `{"schema": 1, "error": ..., "hint": ..., "diagnostics": [...]}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub hint: Option<String>,
    pub diagnostics: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            hint: None,
            diagnostics: None,
        }
    }
    pub fn internal(message: String) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> ApiError {
        self.hint = Some(hint.into());
        self
    }
    fn invalid(diags: &Diagnostics) -> ApiError {
        ApiError {
            diagnostics: Some(diags.json()),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the rules directory has {} (see `alertctl validate`)",
                    crate::diag::counts(diags)
                ),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut doc = json!({"error": self.message});
        if let Some(h) = self.hint {
            doc["hint"] = json!(h);
        }
        if let Some(d) = self.diagnostics {
            doc["diagnostics"] = d;
        }
        json_response(self.status, machine::json_text(doc))
    }
}

impl From<ProjectError> for ApiError {
    fn from(e: ProjectError) -> ApiError {
        ApiError::internal(e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError::internal(format!("cache: {e}"))
    }
}

impl From<query::Unknown> for ApiError {
    fn from(u: query::Unknown) -> ApiError {
        let e = ApiError::new(StatusCode::NOT_FOUND, u.to_string());
        match &u.suggestion {
            Some(s) => e.with_hint(format!("did you mean `{s}`?")),
            None => e,
        }
    }
}

impl From<SaveError> for ApiError {
    fn from(e: SaveError) -> ApiError {
        match e {
            SaveError::Path(p) => ApiError::new(StatusCode::BAD_REQUEST, p),
            SaveError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, e.to_string())
                .with_hint(
                    "the file on disk is kept as it is; reload the page to edit what it holds now",
                ),
            SaveError::Invalid {
                ref diagnostics, ..
            } => ApiError {
                diagnostics: Some(diagnostics.json()),
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
                    .with_hint("fix the errors, or save anyway (`insist`) to keep working on it")
            },
            SaveError::Project(p) => p.into(),
            SaveError::Io(io) => ApiError::internal(io.to_string()),
        }
    }
}

pub fn json_response(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        text,
    )
        .into_response()
}

fn ok_json(doc: Value) -> Response {
    json_response(StatusCode::OK, machine::json_text(doc))
}

type ApiResult = Result<Response, ApiError>;

/// An answer from the loaded rules directory (its model and cache index).
fn from_project(
    app: &App,
    f: impl FnOnce(&crate::source::project::Project) -> Result<Value, ApiError>,
) -> ApiResult {
    let snap = app.snapshot()?;
    f(&snap.as_ref().expect("loaded").project).map(ok_json)
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/v1/alert-templates", get(templates))
        .route("/api/v1/alert-templates/{name}", get(template))
        .route("/api/v1/alert-rules", get(rules))
        .route("/api/v1/targets", get(targets))
        .route(
            "/api/v1/targets/{id}/alert-rules/effective",
            get(effective_target),
        )
        .route("/api/v1/targets/{id}/alert-rules/trace", get(trace_target))
        .route(
            "/api/v1/groups/{name}/alert-rules/effective",
            get(effective_group),
        )
        .route(
            "/api/v1/namespaces/{name}/alert-rules/effective",
            get(effective_namespace),
        )
        .route(
            "/api/v1/global/alert-rules/effective",
            get(effective_global),
        )
        .route("/api/v1/deployments", get(deployments))
        .route("/ui/api/preview", post(preview_file))
        .route("/ui/api/rule/preview", post(preview_rule))
        .route("/ui/api/rule/new", post(new_rule))
        .route("/ui/api/rule/suspend", post(suspend))
        .route("/ui/api/purge", post(purge))
        .route("/ui/api/save", post(save))
        .route("/ui/api/deploy/plan", get(plan))
        .route("/ui/api/deploy/apply", post(apply))
        .layer(DefaultBodyLimit::max(security::MAX_BODY))
        .with_state(app)
}

#[derive(Deserialize)]
struct TemplatesQ {
    severity: Option<String>,
    job: Option<String>,
}

/// `alertctl list templates [--severity S] [--job J] --format json`
async fn templates(State(app): State<Arc<App>>, Query(q): Query<TemplatesQ>) -> ApiResult {
    let severity = filter("severity", &q.severity)?;
    let job = filter("job", &q.job)?;
    blocking(move || {
        from_project(&app, |p| {
            let rows =
                crate::ops::query::templates(&p.cache, severity.as_deref(), job.as_deref(), None)?;
            Ok(json!({ "templates": rows }))
        })
    })
    .await?
}

/// `alertctl list templates --name NAME --format json`; 404 when there is none.
async fn template(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult {
    param("name", &name)?;
    blocking(move || {
        from_project(&app, |p| {
            let rows = crate::ops::query::templates(&p.cache, None, None, Some(&name))?;
            if rows.is_empty() {
                let hint =
                    crate::diag::did_you_mean(&name, p.model.templates.keys().map(String::as_str));
                let e = ApiError::new(StatusCode::NOT_FOUND, format!("no template `{name}`"));
                return Err(match hint {
                    Some(h) => e.with_hint(format!("did you mean `{h}`?")),
                    None => e,
                });
            }
            Ok(json!({ "templates": rows }))
        })
    })
    .await?
}

#[derive(Deserialize)]
struct RulesQ {
    group: Option<String>,
    namespace: Option<String>,
    scope: Option<String>,
    template: Option<String>,
    suspended: Option<bool>,
}

/// `alertctl list rules [--group G] [--namespace N] [--scope S] [--template T]
/// [--suspended] --format json`
async fn rules(State(app): State<Arc<App>>, Query(q): Query<RulesQ>) -> ApiResult {
    let group = filter("group", &q.group)?;
    let namespace = filter("namespace", &q.namespace)?;
    let scope = filter("scope", &q.scope)?;
    let template = filter("template", &q.template)?;
    let suspended = q.suspended.unwrap_or(false);
    blocking(move || {
        from_project(&app, |p| {
            let rows = p.cache.rules(&crate::cache::RuleFilter {
                group: group.as_deref(),
                namespace: namespace.as_deref(),
                scope: scope.as_deref(),
                template: template.as_deref(),
                suspended_only: suspended,
            })?;
            Ok(json!({ "rules": rows }))
        })
    })
    .await?
}

#[derive(Deserialize)]
struct TargetsQ {
    namespace: Option<String>,
    group: Option<String>,
}

/// `alertctl list targets [--namespace N] [--group G] --format json`
async fn targets(State(app): State<Arc<App>>, Query(q): Query<TargetsQ>) -> ApiResult {
    let namespace = filter("namespace", &q.namespace)?;
    let group = filter("group", &q.group)?;
    blocking(move || {
        from_project(&app, |p| {
            let rows = p.cache.targets(namespace.as_deref(), group.as_deref())?;
            Ok(json!({ "targets": rows }))
        })
    })
    .await?
}

/// `alertctl effective ...  --format json` for a subject: from the cache index when
/// nothing changed since the last full run (as the CLI's fast path), else from the
/// loaded model.
fn effective(app: &App, subject: Subject) -> ApiResult {
    // The CLI's fast path answers targets and series outside the inventory.
    let fast = match &subject {
        Subject::Target(t) => Some(Some(t.as_str())),
        Subject::Global => Some(None),
        _ => None,
    };
    if let Some(target) = fast {
        let answer = app.quick(|q| crate::ops::query::effective_fast(q, target));
        if let Some(answer) = answer {
            return Ok(json_response(StatusCode::OK, answer.json_text()));
        }
    }
    let snap = app.snapshot()?;
    let s = snap.as_ref().expect("loaded");
    if s.diags.has_errors() {
        return Err(ApiError::invalid(&s.diags));
    }
    let (pos, _) = query::position(&s.project.model, &subject)?;
    Ok(ok_json(query::effective_json(&s.project.model, &pos)))
}

async fn effective_target(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    param("id", &id)?;
    blocking(move || effective(&app, Subject::Target(id))).await?
}

async fn effective_group(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult {
    param("name", &name)?;
    blocking(move || effective(&app, Subject::Group(name))).await?
}

async fn effective_namespace(State(app): State<Arc<App>>, Path(name): Path<String>) -> ApiResult {
    param("name", &name)?;
    blocking(move || effective(&app, Subject::Namespace(name))).await?
}

async fn effective_global(State(app): State<Arc<App>>) -> ApiResult {
    blocking(move || effective(&app, Subject::Global)).await?
}

#[derive(Deserialize)]
struct TraceQ {
    alert: Option<String>,
    all: Option<bool>,
}

/// `alertctl trace TARGET [ALERT] [--all] --format json`
async fn trace_target(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<TraceQ>,
) -> ApiResult {
    param("id", &id)?;
    let alert = filter("alert", &q.alert)?;
    let all = q.all.unwrap_or(false);
    blocking(move || {
        let fast =
            app.quick(|q| crate::ops::query::trace_fast(q, &id, alert.as_deref(), all, false));
        if let Some(answer) = fast {
            return Ok(json_response(StatusCode::OK, answer.json_text()));
        }
        let snap = app.snapshot()?;
        let s = snap.as_ref().expect("loaded");
        if s.diags.has_errors() {
            return Err(ApiError::invalid(&s.diags));
        }
        let model = &s.project.model;
        let (pos, subject) = query::position(model, &Subject::Target(id.clone()))?;
        if let Some(a) = &alert {
            query::known_alert(model, a)?;
        }
        let report = query::at(model, &pos);
        let applied: Vec<&query::Applied> = report
            .applied
            .iter()
            .filter(|a| alert.as_deref().is_none_or(|n| a.alert == n))
            .collect();
        let answer = crate::ops::query::trace_full(model, &id, &pos, &subject, &applied, all);
        Ok(json_response(StatusCode::OK, answer.json_text()))
    })
    .await?
}

#[derive(Deserialize)]
struct HistoryQ {
    limit: Option<usize>,
}

/// `alertctl history [--limit N] --format json`
async fn deployments(State(app): State<Arc<App>>, Query(q): Query<HistoryQ>) -> ApiResult {
    let limit = q.limit.unwrap_or(20);
    blocking(move || {
        let h = crate::deploy::history::History::open(app.root())?;
        Ok(ok_json(json!({ "deployments": h.list(limit)? })))
    })
    .await?
}

// ---------------------------------------------------------------- the editor

/// The rendered cells an edit feeds: with a rule in focus (the rule form), the cells
/// whose fold includes that rule; otherwise those of the templates defined in the edited
/// files and those whose fold includes a rule of them.
fn fed<'r>(
    model: &crate::model::resolve::Model,
    rendered: &'r crate::render::Rendered,
    files: &BTreeSet<String>,
    focus: Option<(&str, usize)>,
) -> Vec<&'r crate::render::RenderedCell> {
    let index = |r: &crate::model::Rule| {
        model
            .rules
            .iter()
            .position(|x| x.file == r.file && x.span.start() == r.span.start())
    };
    let rules: BTreeSet<usize> = match focus.and_then(|(f, l)| ops_edit::rule_at(model, f, l)) {
        Some(r) => index(r).into_iter().collect(),
        None => model
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| files.contains(&*r.file))
            .map(|(i, _)| i)
            .collect(),
    };
    let templates: BTreeSet<&str> = match focus {
        Some(_) => BTreeSet::new(),
        None => model
            .templates
            .values()
            .filter(|t| files.contains(&*t.file))
            .map(|t| t.name.value.as_str())
            .collect(),
    };
    rendered
        .cells
        .iter()
        .filter(|c| {
            templates.contains(c.provenance.template.as_str())
                || c.provenance.chain.iter().any(|i| rules.contains(i))
        })
        .collect()
}

/// Most rendered rules a preview shows.
const MAX_SHOWN: usize = 60;

/// The preview of unsaved edits: validation (located), each edited file's diff against
/// disk, the rendered rules of the alerts touched, the output directory's diff, and the
/// checks of issue 14 when asked.
fn preview_json(
    app: &App,
    edits: &[FileEdit],
    checks: &Checks,
    focus: Option<(&str, usize)>,
) -> Result<Value, ApiError> {
    let overlay: Overlay = edits
        .iter()
        .map(|e| (e.path.clone(), e.text.clone()))
        .collect();
    let p = ops_edit::preview(app.root(), &overlay)?;
    let files: BTreeSet<String> = edits.iter().map(|e| e.path.clone()).collect();
    let cells = fed(&p.project.model, &p.rendered, &files, focus);
    let alerts: BTreeSet<&str> = cells.iter().map(|c| c.provenance.alert.as_str()).collect();
    let rendered: Vec<Value> = cells
        .iter()
        .take(MAX_SHOWN)
        .map(|c| {
            json!({
                "alert": c.provenance.alert,
                "cell": c.provenance.cell.to_string(),
                "file": c.file,
                "yaml": serde_yaml::to_string(&c.rule).unwrap_or_default(),
            })
        })
        .collect();
    let shown_of = cells.len();
    let source_diffs: Vec<Value> = edits
        .iter()
        .map(|e| {
            let old = ops_edit::read_editable(app.root(), &e.path).ok().flatten();
            let kind = match (&old, &e.text) {
                (None, _) => crate::render::diff::ChangeKind::Added,
                (Some(_), None) => crate::render::diff::ChangeKind::Removed,
                _ => crate::render::diff::ChangeKind::Modified,
            };
            let change = crate::render::diff::FileChange {
                file: e.path.clone(),
                kind,
                old,
                new: e.text.clone(),
            };
            json!({"file": e.path, "diff": crate::render::diff::unified(&change, false)})
        })
        .collect();
    let output: Vec<Value> = p
        .plan
        .changes
        .iter()
        .map(|c| json!({"file": c.file, "kind": c.kind, "diff": crate::render::diff::unified(c, false)}))
        .collect();
    let mut doc = json!({
        "valid": !p.diagnostics.has_errors(),
        "counts": crate::diag::counts(&p.diagnostics),
        "diagnostics": p.diagnostics.json(),
        "source_diffs": source_diffs,
        "alerts": alerts,
        "rendered": rendered,
        "rendered_total": shown_of,
        "output_dir": p.project.model.settings.output.dir,
        "output_changes": output,
        "output_summary": p.plan.summary,
    });
    if checks.tests {
        doc["tests"] = extras::unit_tests(&p.project, &p.rendered).json();
    }
    if checks.impact {
        doc["impact"] = extras::impact(&p).json();
    }
    Ok(doc)
}

#[derive(Deserialize, Default)]
struct Checks {
    #[serde(default)]
    tests: bool,
    #[serde(default)]
    impact: bool,
}

#[derive(Deserialize)]
struct FileBody {
    path: String,
    text: String,
    #[serde(default)]
    checks: Option<Checks>,
}

/// The text editor: the preview of a file with `text` as its content.
async fn preview_file(State(app): State<Arc<App>>, Json(b): Json<FileBody>) -> ApiResult {
    ops_edit::editable_path(app.root(), &b.path)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    blocking(move || {
        let edit = FileEdit {
            path: b.path,
            base: None,
            text: Some(b.text),
        };
        Ok(ok_json(preview_json(
            &app,
            &[edit],
            &b.checks.unwrap_or_default(),
            None,
        )?))
    })
    .await?
}

#[derive(Deserialize)]
struct ChangeBody {
    /// `scope`, `priority`, `enabled`, `for`, `severity` or `param`.
    field: String,
    /// The parameter's name, for `param`.
    #[serde(default)]
    name: Option<String>,
    /// `null`: remove the field from the rule.
    value: Option<String>,
}

#[derive(Deserialize)]
struct RuleBody {
    path: String,
    line: usize,
    /// The hash of the file when the form was opened.
    base: String,
    changes: Vec<ChangeBody>,
    #[serde(default)]
    checks: Option<Checks>,
}

/// The file a page was made from must be the one on disk, or its line numbers and
/// values mean something else now.
fn unchanged(app: &App, path: &str, base: &str) -> Result<String, ApiError> {
    let text = ops_edit::read_editable(app.root(), path)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no file {path}")))?;
    if crate::source::load::content_hash(&text) != base {
        return Err(SaveError::Conflict {
            path: path.to_string(),
            what: "its content is not the one the page was opened with",
        }
        .into());
    }
    Ok(text)
}

/// The rule form: the rule at `path:line` with the form's changes, previewed.
async fn preview_rule(State(app): State<Arc<App>>, Json(b): Json<RuleBody>) -> ApiResult {
    blocking(move || {
        unchanged(&app, &b.path, &b.base)?;
        let snap = app.snapshot()?;
        let model = &snap.as_ref().expect("loaded").project.model;
        let rule = ops_edit::rule_at(model, &b.path, b.line).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no rule at {}:{}", b.path, b.line),
            )
        })?;
        let template = model.templates.get(&rule.template.value);
        let mut changes = Vec::new();
        for c in &b.changes {
            let field = match (c.field.as_str(), &c.name) {
                ("scope", _) => RuleField::Scope,
                ("priority", _) => RuleField::Priority,
                ("enabled", _) => RuleField::Enabled,
                ("for", _) => RuleField::For,
                ("severity", _) => RuleField::Severity,
                ("param", Some(n)) => {
                    let def = template.and_then(|t| t.param(n)).ok_or_else(|| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            format!("the template has no parameter `{n}`"),
                        )
                    })?;
                    RuleField::Param(n.clone(), def.ty)
                }
                (f, _) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        format!("the rule form has no field `{f}`"),
                    ))
                }
            };
            changes.push(FieldChange {
                field,
                value: c.value.clone(),
            });
        }
        let source = model.source(&b.path).clone();
        let text = crate::source::edit::edit_rule(&source, rule.span.start(), &changes)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        drop(snap);
        let edit = FileEdit {
            path: b.path.clone(),
            base: Some(b.base.clone()),
            text: Some(text.clone()),
        };
        let mut doc = preview_json(
            &app,
            std::slice::from_ref(&edit),
            &b.checks.unwrap_or_default(),
            Some((&b.path, b.line)),
        )?;
        doc["edit"] = json!({"path": edit.path, "base": edit.base, "text": text});
        Ok(ok_json(doc))
    })
    .await?
}

#[derive(Deserialize)]
struct NewBody {
    template: String,
    scope: String,
    #[serde(default)]
    alert: Option<String>,
    #[serde(default)]
    priority: i64,
    #[serde(default)]
    file: Option<String>,
}

/// `rule new`, previewed: the file it would write.
async fn new_rule(State(app): State<Arc<App>>, Json(b): Json<NewBody>) -> ApiResult {
    if let Some(f) = &b.file {
        ops_edit::editable_path(app.root(), f)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    }
    blocking(move || {
        let snap = app.snapshot()?;
        let model = &snap.as_ref().expect("loaded").project.model;
        let req = ops_edit::NewRule {
            template: &b.template,
            scope: &b.scope,
            alert: b.alert.as_deref().filter(|a| !a.is_empty()),
            priority: b.priority,
            file: b.file.clone().filter(|f| !f.is_empty()),
        };
        let edit = ops_edit::new_rule(model, &req).map_err(|r| {
            let e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, r.message);
            match r.hint {
                Some(h) => e.with_hint(h),
                None => e,
            }
        })?;
        drop(snap);
        let mut doc = preview_json(&app, std::slice::from_ref(&edit), &Checks::default(), None)?;
        doc["edit"] = json!({"path": edit.path, "base": edit.base, "text": edit.text});
        Ok(ok_json(doc))
    })
    .await?
}

#[derive(Deserialize)]
struct EditBody {
    path: String,
    /// `null` for a new file.
    base: Option<String>,
    /// `null` removes the file.
    text: Option<String>,
}

#[derive(Deserialize)]
struct SaveBody {
    edits: Vec<EditBody>,
    /// Write even if the directory would get errors.
    #[serde(default)]
    insist: bool,
}

/// Saves edits: never over a file changed on disk meanwhile (409), never a directory
/// with new errors unless `insist` (422).
async fn save(State(app): State<Arc<App>>, Json(b): Json<SaveBody>) -> ApiResult {
    for e in &b.edits {
        ops_edit::editable_path(app.root(), &e.path)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e))?;
    }
    blocking(move || {
        let edits: Vec<FileEdit> = b
            .edits
            .into_iter()
            .map(|e| FileEdit {
                path: e.path,
                base: e.base,
                text: e.text,
            })
            .collect();
        let _one = app.save_lock.lock().unwrap_or_else(|p| p.into_inner());
        let check = if b.insist {
            Check::Nothing
        } else {
            Check::NoNewErrors
        };
        let saved = ops_edit::save(app.root(), &edits, check);
        app.invalidate();
        let saved = saved?;
        Ok(ok_json(
            json!({"written": saved.written, "removed": saved.removed}),
        ))
    })
    .await?
}

#[derive(Deserialize)]
struct SuspendBody {
    path: String,
    line: usize,
    base: String,
    suspended: bool,
}

/// `rule disable FILE:LINE` (soft delete) and `rule enable FILE:LINE` (restore).
async fn suspend(State(app): State<Arc<App>>, Json(b): Json<SuspendBody>) -> ApiResult {
    blocking(move || {
        let _one = app.save_lock.lock().unwrap_or_else(|p| p.into_inner());
        unchanged(&app, &b.path, &b.base)?;
        let snap = app.snapshot()?;
        let model = &snap.as_ref().expect("loaded").project.model;
        let rule = ops_edit::rule_at(model, &b.path, b.line).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("no rule at {}:{}", b.path, b.line),
            )
        })?;
        let edits = ops_edit::suspend(model, &[rule], b.suspended)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        drop(snap);
        let saved = ops_edit::save(app.root(), &edits, Check::Nothing);
        app.invalidate();
        let saved = saved?;
        Ok(ok_json(
            json!({"written": saved.written, "removed": saved.removed}),
        ))
    })
    .await?
}

/// `rule purge`: deletes every suspended rule.
async fn purge(State(app): State<Arc<App>>) -> ApiResult {
    blocking(move || {
        let _one = app.save_lock.lock().unwrap_or_else(|p| p.into_inner());
        let snap = app.snapshot()?;
        let model = &snap.as_ref().expect("loaded").project.model;
        let (edits, purged) = ops_edit::purge(model)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
        let purged: Vec<Value> = purged
            .iter()
            .map(|r| json!({"alert": model.rule_name(r), "scope": r.scope.value.to_string(), "file": r.file}))
            .collect();
        drop(snap);
        let saved = ops_edit::save(app.root(), &edits, Check::Nothing);
        app.invalidate();
        let saved = saved?;
        Ok(ok_json(json!({"purged": purged, "written": saved.written, "removed": saved.removed})))
    })
    .await?
}

// ---------------------------------------------------------------- deploy

/// `apply` through the library operation, as `apply [--dry-run] --format json` reports
/// it, plus each change's diff and the run's diagnostics.
fn deploy(app: &App, dry_run: bool) -> ApiResult {
    let req = crate::ops::rules::ApplyRequest {
        dir: app.root().to_path_buf(),
        use_cache: true,
        out: None,
        promtool: None,
        dry_run,
    };
    let mut diagnostics = Value::Array(vec![]);
    let mut steps = Vec::new();
    let mut sink = |e: &crate::ops::Event<'_>| match e {
        crate::ops::Event::Diagnostics { diagnostics: d } => diagnostics = d.json(),
        other => steps.push(serde_json::to_value(other).unwrap_or_default()),
    };
    let result = crate::ops::rules::apply(&req, &mut sink);
    app.invalidate();
    let mut doc = match &result {
        Ok(r) => deployment_json(r),
        Err(crate::ops::OpError::Shards(r)) => {
            let mut doc = deployment_json(r);
            doc["result"] = json!("failed");
            doc
        }
        Err(e) => json!({
            "result": if e.is_invalid_input() { "invalid" } else { "failed" },
            "message": e.to_string(),
        }),
    };
    doc["events"] = Value::Array(steps);
    doc["diagnostics"] = diagnostics;
    Ok(ok_json(doc))
}

/// A deployment's plan and outcome for the deploy page; with `[[shard]]` tables, each
/// shard's under `shards` (its plan, servers and outcome, or why it stopped).
fn deployment_json(r: &crate::ops::DeployReport) -> Value {
    let plan = r.plan.as_ref();
    let shards: Vec<Value> = r
        .shards
        .iter()
        .map(|s| match (&s.report, &s.error) {
            (Some(d), _) => {
                let mut doc = deployment_json(d);
                doc["shard"] = json!(s.shard);
                doc["shard_servers"] = json!(s.servers);
                doc
            }
            (None, e) => json!({
                "shard": s.shard,
                "shard_servers": s.servers,
                "result": if e.as_ref().is_some_and(|e| e.invalid_input) { "invalid" } else { "failed" },
                "message": e.as_ref().map(|e| &e.message),
            }),
        })
        .collect();
    json!({
        "result": r.outcome.as_str(),
        "rev": r.rev,
        "summary": plan.map(|p| &p.summary),
        "changes": plan.map(|p| p.changes.iter().map(|c| json!({"file": c.file, "kind": c.kind, "diff": crate::render::diff::unified(c, false)})).collect::<Vec<_>>()),
        "servers": r.servers,
        "rollback": r.rollback,
        "message": r.message,
        "pending": r.pending,
        "shards": shards,
    })
}

async fn plan(State(app): State<Arc<App>>) -> ApiResult {
    blocking(move || deploy(&app, true)).await?
}

async fn apply(State(app): State<Arc<App>>) -> ApiResult {
    if !app.cfg.allow_apply {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "apply is not enabled: start serve with --allow-apply to deploy from the browser",
        ));
    }
    blocking(move || {
        let _one = app.save_lock.lock().unwrap_or_else(|p| p.into_inner());
        deploy(&app, false)
    })
    .await?
}
