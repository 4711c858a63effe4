//! Edits of the rules directory's own files — the `rule` commands and `serve`'s editors:
//! new file texts computed with comments kept (`crate::source::edit`), previewed against the rest
//! of the directory, and saved atomically, never over a file that changed on disk since
//! the text was computed from it.

use crate::source::load::content_hash;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::diag::Diagnostics;
use crate::model::resolve::Model;
use crate::model::{Rule, Scope};
use crate::render::diff::Plan;
use crate::render::Rendered;
use crate::source::edit::{self, EditError};
use crate::source::load::LoadError;
use crate::source::parse::FileKind;
use crate::source::project::{self, Overlay, Project, ProjectError};

/// A file's new text (`None`: remove it), and the content it was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Relative to the rules directory, `/`-separated.
    pub path: String,
    /// [`hash`] of the text the edit was computed from; `None` for a new file.
    pub base: Option<String>,
    pub text: Option<String>,
}

/// The file an editor may read and write: `rel` is a plain relative path (no `..`, `.`,
/// empty or absolute part, no backslash or control character) of a template, rule or
/// inventory YAML file, and where it leads (links resolved) is inside the rules
/// directory. `alertctl.toml`, `alertmanager/` (which may reference secrets) and
/// anything else are never reachable.
pub fn editable_path(root: &Path, rel: &str) -> Result<PathBuf, String> {
    let bad = |why: &str| {
        Err(format!(
            "`{}` {why}",
            crate::source::text::escape_unsafe(rel)
        ))
    };
    if rel.is_empty() || rel.len() > 1024 {
        return bad("is not a file path of the rules directory");
    }
    if rel.starts_with('/')
        || rel.contains('\\')
        || rel.chars().any(crate::source::text::is_unsafe_char)
    {
        return bad("is not a relative path of the rules directory");
    }
    if !Path::new(rel)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        || rel
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return bad("is not a plain relative path (no `.`, `..` or empty parts)");
    }
    match FileKind::of(rel) {
        Some(FileKind::Templates | FileKind::Rules | FileKind::Inventory) => {}
        _ => return bad("is not a template, rule or inventory file (.yaml under templates/, rules/ or inventory)"),
    }
    crate::source::load::confined_write_path(root, &root.join(rel))
}

/// The text of an editable file (see [`editable_path`]), read as the loader reads
/// sources (bounded, never blocking on a FIFO); `None` when it does not exist.
pub fn read_editable(root: &Path, rel: &str) -> Result<Option<String>, String> {
    let path = editable_path(root, rel)?;
    current(&path, rel).map_err(|e| e.to_string())
}

/// Why a save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{0}")]
    Path(String),
    /// The file on disk is not the one the edit was computed from.
    #[error("{path} changed on disk since it was opened ({what}); nothing was written: reload it and make the change again")]
    Conflict { path: String, what: &'static str },
    /// The edit would add errors to the rules directory.
    #[error("the change would make the rules directory invalid ({summary}); nothing was written")]
    Invalid {
        summary: String,
        diagnostics: Diagnostics,
    },
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Io(#[from] LoadError),
}

/// What a save checks besides conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Write what was asked (the person insists, or the edit cannot add errors).
    Nothing,
    /// Refuse an edit that leaves the directory with more errors than it has.
    NoNewErrors,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Saved {
    pub written: Vec<String>,
    pub removed: Vec<String>,
}

/// The file's text on disk now, if it exists.
fn current(path: &Path, rel: &str) -> Result<Option<String>, SaveError> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(None);
    }
    match crate::source::load::read_text(path, rel) {
        Ok(t) => Ok(Some(t)),
        Err(crate::source::load::ReadError::Io(e)) => Err(e.into()),
        Err(crate::source::load::ReadError::Problem(p)) => {
            Err(SaveError::Path(p.diagnostic().message))
        }
    }
}

fn conflict(rel: &str, base: Option<&str>, now: Option<&str>) -> Result<(), SaveError> {
    let what = match (base, now) {
        (None, None) => return Ok(()),
        (Some(b), Some(n)) if b == content_hash(n) => return Ok(()),
        (None, Some(_)) => "it was created meanwhile",
        (Some(_), None) => "it was removed meanwhile",
        (Some(_), Some(_)) => "its content is not the one the edit started from",
    };
    Err(SaveError::Conflict {
        path: rel.to_string(),
        what,
    })
}

/// Writes the edits: every file checked first (path, conflict, and what `check` asks),
/// then each written atomically (temp file and rename) or removed. Nothing is written
/// when any check fails.
pub fn save(root: &Path, edits: &[FileEdit], check: Check) -> Result<Saved, SaveError> {
    let mut paths = Vec::with_capacity(edits.len());
    for e in edits {
        let path = editable_path(root, &e.path).map_err(SaveError::Path)?;
        let now = current(&path, &e.path)?;
        conflict(&e.path, e.base.as_deref(), now.as_deref())?;
        paths.push(path);
    }
    if check == Check::NoNewErrors {
        let overlay: Overlay = edits
            .iter()
            .map(|e| (e.path.clone(), e.text.clone()))
            .collect();
        let (_, before) = load_checked(root, &Overlay::new())?;
        let (_, after) = load_checked(root, &overlay)?;
        if after.error_count() > before.error_count() {
            return Err(SaveError::Invalid {
                summary: crate::diag::counts(&after),
                diagnostics: after,
            });
        }
    }
    let mut saved = Saved::default();
    for (e, path) in edits.iter().zip(&paths) {
        // Checked again right before the write: the window for a change meanwhile is
        // the time of one rename.
        conflict(
            &e.path,
            e.base.as_deref(),
            current(path, &e.path)?.as_deref(),
        )?;
        match &e.text {
            Some(text) => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|err| LoadError::new("creating directory", parent, err))?;
                }
                crate::render::output::write_atomic(path, text.as_bytes())
                    .map_err(|err| LoadError::new("writing", path, err))?;
                saved.written.push(e.path.clone());
            }
            None => {
                if path.exists() {
                    std::fs::remove_file(path)
                        .map_err(|err| LoadError::new("removing", path, err))?;
                }
                saved.removed.push(e.path.clone());
            }
        }
    }
    Ok(saved)
}

/// Loads (with `overlay`) and renders, as validation sees the directory.
fn load_checked(root: &Path, overlay: &Overlay) -> Result<(Project, Diagnostics), ProjectError> {
    let (project, mut diags) = project::load_with(root, true, overlay)?;
    let _ = crate::render::render(&project.model, &mut diags);
    Ok((project, diags))
}

/// The rules directory as it would be with unsaved edits: what validation says, what
/// renders, and how the output directory would change.
pub struct Preview {
    pub project: Project,
    pub diagnostics: Diagnostics,
    pub rendered: Rendered,
    /// Rendered files against the output directory's generated ones.
    pub plan: Plan,
    /// The output directory's generated files: name -> content.
    pub current: BTreeMap<String, String>,
}

pub fn preview(root: &Path, overlay: &Overlay) -> Result<Preview, ProjectError> {
    let (project, mut diagnostics) = project::load_with(root, true, overlay)?;
    let rendered = crate::render::render(&project.model, &mut diagnostics);
    let dir = project.output_dir();
    let current = crate::render::output::read(&dir)
        .map_err(|e| LoadError::new("reading the output directory", &dir, e))?;
    let plan = crate::render::diff::plan(&rendered.files, &current.generated);
    Ok(Preview {
        project,
        diagnostics,
        rendered,
        plan,
        current: current.generated,
    })
}

/// The rule covering 1-based `line` of rules file `file`.
pub fn rule_at<'m>(model: &'m Model, file: &str, line: usize) -> Option<&'m Rule> {
    let text = &model.sources.get(file)?.text();
    let in_file: Vec<&Rule> = model.rules.iter().filter(|r| *r.file == *file).collect();
    edit::rule_at_line(text, &in_file, line)
}

/// An edit of `file` from the text the model loaded.
fn edit_of(model: &Model, file: &str, text: Option<String>) -> FileEdit {
    FileEdit {
        path: file.to_string(),
        base: model.sources.get(file).map(|s| content_hash(s.text())),
        text,
    }
}

/// Suspends (the soft delete, `rule disable`) or resumes (`rule enable`) rules: one edit
/// per file.
pub fn suspend(
    model: &Model,
    rules: &[&Rule],
    suspended: bool,
) -> Result<Vec<FileEdit>, EditError> {
    let mut by_file: BTreeMap<&str, Vec<&Rule>> = BTreeMap::new();
    for r in rules {
        by_file.entry(&*r.file).or_default().push(r);
    }
    let mut out = Vec::new();
    for (file, mut rules) in by_file {
        let mut text = model
            .sources
            .get(file)
            .ok_or_else(|| EditError(format!("{file} is not a loaded rules file")))?
            .text()
            .to_string();
        // From the end, so earlier spans stay valid.
        rules.sort_by_key(|r| std::cmp::Reverse(r.span.start()));
        for r in rules {
            text = edit::set_suspended(&text, r, suspended)?;
        }
        out.push(edit_of(model, file, Some(text)));
    }
    Ok(out)
}

/// Deletes every suspended rule (`rule purge`), and files left with no rule. Returns the
/// edits and the rules they delete.
pub fn purge(model: &Model) -> Result<(Vec<FileEdit>, Vec<&Rule>), EditError> {
    let mut by_file: BTreeMap<&str, Vec<&Rule>> = BTreeMap::new();
    for r in &model.rules {
        by_file.entry(&*r.file).or_default().push(r);
    }
    let mut edits = Vec::new();
    let mut purged = Vec::new();
    for (file, all) in by_file {
        let off: Vec<&Rule> = all.iter().copied().filter(|r| r.is_suspended()).collect();
        if off.is_empty() {
            continue;
        }
        let text = &model.sources[file].text();
        let new =
            edit::remove_rules(text, &all, &off).map_err(|e| EditError(format!("{file}: {e}")))?;
        edits.push(edit_of(model, file, new));
        purged.extend(off);
    }
    Ok((edits, purged))
}

/// What `rule new` (and serve's new-rule form) asks for.
#[derive(Debug, Clone)]
pub struct NewRule<'a> {
    pub template: &'a str,
    pub scope: &'a str,
    /// A new alert name, to make a second alert from the template.
    pub alert: Option<&'a str>,
    pub priority: i64,
    /// The rules file to append to, relative to the rules directory (default
    /// `rules/<kind>/<name>.yaml`, `rules/global.yaml`).
    pub file: Option<String>,
}

/// Why a new rule cannot be written; `hint` says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    pub hint: Option<String>,
}

fn refused(message: impl Into<String>, hint: Option<String>) -> Refused {
    Refused {
        message: message.into(),
        hint,
    }
}

/// A new rule copying every default of its template, appended to its rules file.
pub fn new_rule(model: &Model, req: &NewRule<'_>) -> Result<FileEdit, Refused> {
    let Some(t) = model.templates.get(req.template) else {
        let hint =
            crate::diag::did_you_mean(req.template, model.templates.keys().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"));
        return Err(refused(
            format!("unknown template `{}`", req.template),
            hint,
        ));
    };
    let parsed = Scope::parse(req.scope).map_err(|e| {
        refused(
            e,
            Some("a scope is `global`, `namespace/NAME`, `group/NAME` or `target/NAME`".into()),
        )
    })?;
    if !model.inventory.contains(&parsed) {
        return Err(refused(
            format!("{} is not in the inventory", req.scope),
            None,
        ));
    }
    // As in the files: an alert name is any non-empty string, a record name a metric name.
    if let Some(a) = req.alert {
        if t.is_recording() && !crate::model::is_metric_name(a) {
            return Err(refused(
                format!("`{a}` is not a valid record name"),
                Some("use letters, digits, underscores and colons".into()),
            ));
        }
        if a.is_empty() {
            return Err(refused("an alert name cannot be empty", None));
        }
    }
    let rel = match &req.file {
        Some(f) => {
            let under_rules = f.starts_with("rules/") && FileKind::of(f) == Some(FileKind::Rules);
            if !under_rules {
                return Err(refused(
                    format!("{f} is not a .yaml file under rules/"),
                    None,
                ));
            }
            f.clone()
        }
        None => match &parsed {
            Scope::Global => "rules/global.yaml".to_string(),
            other => format!(
                "rules/{}/{}.yaml",
                other.kind(),
                crate::render::safe_stem(other.name().unwrap_or_default())
            ),
        },
    };
    let old = model.sources.get(&rel).map(|s| s.text().to_string());
    let snippet = edit::new_rule(t, req.scope, req.alert, req.priority);
    let text = match &old {
        None => snippet,
        Some(o) if o.trim().is_empty() => snippet,
        Some(o) => {
            if !o.lines().any(|l| l.starts_with("- ")) {
                return Err(refused(
                    format!("{rel} is not a list of rules; cannot append"),
                    Some("pass --file with another file".into()),
                ));
            }
            format!(
                "{o}{}\n{snippet}",
                if o.ends_with('\n') { "" } else { "\n" }
            )
        }
    };
    Ok(FileEdit {
        base: old.as_deref().map(content_hash),
        path: rel,
        text: Some(text),
    })
}
