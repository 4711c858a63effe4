use std::path::{Path, PathBuf};

use alertctl::model::Rule;
use alertctl::ops::{self, edit::Check, edit::SaveError};
use alertctl::source::project::Project;
use miette::IntoDiagnostic;

use super::load_and_render;
use crate::cli::{Global, RuleAction, RuleSelector};
use crate::exit::Exit;
use crate::report;

pub fn run(g: &Global, action: RuleAction) -> miette::Result<Exit> {
    let (project, _rendered, _diags) = load_and_render(g)?;
    match action {
        RuleAction::New {
            template,
            scope,
            alert,
            priority,
            file,
        } => new(
            g,
            &project,
            &template,
            &scope,
            alert.as_deref(),
            priority,
            file,
        ),
        RuleAction::Disable { select } => toggle(&project, &select, true),
        RuleAction::Enable { select } => toggle(&project, &select, false),
        RuleAction::Purge { dry_run } => purge(&project, dry_run),
    }
}

fn fail(msg: &str, hint: Option<String>) -> miette::Result<Exit> {
    eprintln!("error: {msg}");
    if let Some(h) = hint {
        eprintln!("hint: {h}");
    }
    Ok(Exit::Invalid)
}

#[allow(clippy::too_many_arguments)]
fn new(
    g: &Global,
    project: &Project,
    template: &str,
    scope: &str,
    alert: Option<&str>,
    priority: i64,
    file: Option<PathBuf>,
) -> miette::Result<Exit> {
    let rules_dir = project.root.join("rules");
    let file = match file {
        Some(f) => {
            let abs = if f.is_absolute() {
                f
            } else {
                std::env::current_dir().into_diagnostic()?.join(f)
            };
            let abs = std::path::absolute(&abs).into_diagnostic()?;
            // Components, not strings: `rules/../../etc` must not pass.
            let normal = alertctl::source::load::normalize(&abs);
            if !normal.starts_with(alertctl::source::load::normalize(&rules_dir))
                || !matches!(
                    normal.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                )
            {
                return fail(
                    &format!(
                        "{} is not a .yaml file under {}",
                        normal.display(),
                        rules_dir.display()
                    ),
                    None,
                );
            }
            let root = alertctl::source::load::normalize(
                &std::path::absolute(&project.root).into_diagnostic()?,
            );
            Some(alertctl::source::load::relative(&root, &normal))
        }
        None => None,
    };
    let req = ops::edit::NewRule {
        template,
        scope,
        alert,
        priority,
        file,
    };
    let edit = match ops::edit::new_rule(&project.model, &req) {
        Ok(e) => e,
        Err(r) => return fail(&r.message, r.hint),
    };
    // The new rule must leave the directory as valid as it was (a conflict would not).
    match ops::edit::save(
        &project.root,
        std::slice::from_ref(&edit),
        Check::NoNewErrors,
    ) {
        Ok(_) => {
            eprintln!(
                "{} rule for {template} at {scope} in {}",
                if edit.base.is_some() {
                    "appended"
                } else {
                    "wrote"
                },
                edit.path
            );
            Ok(Exit::Ok)
        }
        Err(SaveError::Invalid { diagnostics, .. }) => {
            report::print(
                &diagnostics,
                crate::cli::Format::Human,
                report::stderr_color(g.color),
                &project.root,
            );
            eprintln!(
                "error: the new rule made the rules directory invalid; {} left as it was",
                edit.path
            );
            Ok(Exit::Invalid)
        }
        Err(e) => saved(Err(e)),
    }
}

/// The exit of a save that is not about validity: refused paths and conflicts are bad
/// input; I/O errors fail.
fn saved(r: Result<ops::edit::Saved, SaveError>) -> miette::Result<Exit> {
    match r {
        Ok(_) => Ok(Exit::Ok),
        Err(SaveError::Path(p)) => fail(&format!("refusing to write: {p}"), None),
        Err(e @ (SaveError::Conflict { .. } | SaveError::Invalid { .. })) => {
            fail(&e.to_string(), None)
        }
        Err(SaveError::Project(e)) => Err(e.into()),
        Err(SaveError::Io(e)) => Err(e.into()),
    }
}

/// The rules a selector names, grouped by file.
fn select<'p>(
    project: &'p Project,
    sel: &RuleSelector,
) -> Result<Vec<(String, Vec<&'p Rule>)>, String> {
    let model = &project.model;
    let mut by_file: std::collections::BTreeMap<String, Vec<&Rule>> = Default::default();
    if let Some(loc) = &sel.location {
        let (file, line) = loc
            .rsplit_once(':')
            .and_then(|(f, l)| Some((f, l.parse::<usize>().ok()?)))
            .ok_or_else(|| format!("`{loc}` is not FILE:LINE"))?;
        let abs = std::path::absolute(Path::new(file)).map_err(|e| e.to_string())?;
        let rel = if abs.starts_with(&project.root) {
            alertctl::source::load::relative(&project.root, &abs)
        } else {
            file.to_string()
        };
        if !model.sources.contains_key(&rel) {
            return Err(format!(
                "{rel} is not a rules file of {}",
                project.root.display()
            ));
        }
        let r = ops::edit::rule_at(model, &rel, line)
            .ok_or_else(|| format!("no rule at {rel}:{line}"))?;
        by_file.entry(rel).or_default().push(r);
    } else {
        if sel.template.is_none() && sel.scope.is_none() && sel.alert.is_none() {
            return Err("name the rules: FILE:LINE, or --template/--scope/--alert".into());
        }
        for r in &model.rules {
            let ok = sel.template.as_ref().is_none_or(|t| &r.template.value == t)
                && sel
                    .scope
                    .as_ref()
                    .is_none_or(|s| &r.scope.value.to_string() == s)
                && sel.alert.as_ref().is_none_or(|a| &model.rule_name(r) == a);
            if ok {
                by_file.entry(r.file.to_string()).or_default().push(r);
            }
        }
    }
    if by_file.is_empty() {
        return Err("no rule matches".into());
    }
    Ok(by_file.into_iter().collect())
}

fn toggle(project: &Project, sel: &RuleSelector, suspend: bool) -> miette::Result<Exit> {
    let selected = match select(project, sel) {
        Ok(s) => s,
        Err(e) => return fail(&e, None),
    };
    let model = &project.model;
    let mut all = Vec::new();
    for (file, mut rules) in selected {
        rules.sort_by_key(|r| std::cmp::Reverse(r.span.start()));
        for r in &rules {
            let line = alertctl::diag::line_col(model.sources[&file].text(), r.span.start()).0;
            eprintln!(
                "{} {} at {} ({file}:{line})",
                if suspend {
                    "disabled (suspended)"
                } else {
                    "enabled"
                },
                model.rule_name(r),
                r.scope.value
            );
        }
        all.extend(rules);
    }
    let edits = match ops::edit::suspend(model, &all, suspend) {
        Ok(e) => e,
        Err(e) => return fail(&e.to_string(), None),
    };
    saved(ops::edit::save(&project.root, &edits, Check::Nothing))
}

fn purge(project: &Project, dry_run: bool) -> miette::Result<Exit> {
    let model = &project.model;
    let (edits, purged) = match ops::edit::purge(model) {
        Ok(x) => x,
        Err(e) => return fail(&e.to_string(), None),
    };
    for r in &purged {
        eprintln!(
            "{}purge {} at {} ({}:{})",
            if dry_run { "would " } else { "" },
            model.rule_name(r),
            r.scope.value,
            r.file,
            alertctl::diag::line_col(model.sources[&*r.file].text(), r.span.start()).0
        );
    }
    if purged.is_empty() {
        eprintln!("no disabled rules");
    }
    if dry_run {
        return Ok(Exit::Ok);
    }
    saved(ops::edit::save(&project.root, &edits, Check::Nothing))
}
