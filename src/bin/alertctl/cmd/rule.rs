use std::path::{Path, PathBuf};

use alertctl::edit;
use alertctl::model::{is_metric_name, Rule, Scope};
use alertctl::project::Project;
use miette::IntoDiagnostic;

use super::load_and_render;
use crate::cli::{Global, RuleAction, RuleSelector};
use crate::exit::Exit;
use crate::report;

pub fn run(g: &Global, action: RuleAction) -> miette::Result<Exit> {
    let (project, _rendered, diags) = load_and_render(g)?;
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
            diags.error_count(),
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
    errors_before: usize,
) -> miette::Result<Exit> {
    let model = &project.model;
    let Some(t) = model.templates.get(template) else {
        let hint =
            alertctl::diag::did_you_mean(template, model.templates.keys().map(String::as_str))
                .map(|s| format!("did you mean `{s}`?"));
        return fail(&format!("unknown template `{template}`"), hint);
    };
    let parsed = match Scope::parse(scope) {
        Ok(s) => s,
        Err(e) => {
            return fail(
                &e,
                Some("a scope is `global`, `namespace/NAME`, `group/NAME` or `target/NAME`".into()),
            )
        }
    };
    if !model.inventory.contains(&parsed) {
        return fail(&format!("{scope} is not in the inventory"), None);
    }
    if let Some(a) = alert {
        if !is_metric_name(a) {
            return fail(
                &format!("`{a}` is not a valid alert name"),
                Some("use letters, digits, underscores and colons".into()),
            );
        }
    }
    let rules_dir = project.root.join("rules");
    let path = match file {
        Some(f) => {
            let abs = if f.is_absolute() {
                f
            } else {
                std::env::current_dir().into_diagnostic()?.join(f)
            };
            let abs = std::path::absolute(&abs).into_diagnostic()?;
            // Components, not strings: `rules/../../etc` must not pass.
            let normal = alertctl::load::normalize(&abs);
            if !normal.starts_with(alertctl::load::normalize(&rules_dir))
                || !matches!(
                    normal.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml")
                )
            {
                return fail(
                    &format!(
                        "{} is not a .yaml file under {}",
                        f_display(&normal),
                        rules_dir.display()
                    ),
                    None,
                );
            }
            normal
        }
        None => {
            let stem = parsed
                .name()
                .map_or_else(|| "global".to_string(), alertctl::render::safe_stem);
            match &parsed {
                Scope::Global => rules_dir.join("global.yaml"),
                other => rules_dir.join(other.kind()).join(format!("{stem}.yaml")),
            }
        }
    };
    // Resolve links: the rule goes where the file really is, never outside the directory.
    let path = match alertctl::load::confined_write_path(&project.root, &path) {
        Ok(p) => p,
        Err(e) => return fail(&format!("refusing to write: {e}"), None),
    };
    let old = if path.exists() {
        match alertctl::load::read_text(&path, &rel(project, &path)) {
            Ok(t) => Some(t),
            Err(alertctl::load::ReadError::Io(e)) => return Err(e).into_diagnostic(),
            Err(alertctl::load::ReadError::Problem(p)) => {
                return fail(&p.diagnostic().message, None)
            }
        }
    } else {
        None
    };
    let snippet = edit::new_rule(t, scope, alert, priority);
    let content = match &old {
        None => snippet,
        Some(o) if o.trim().is_empty() => snippet,
        Some(o) => {
            if !o.lines().any(|l| l.starts_with("- ")) {
                return fail(
                    &format!("{} is not a list of rules; cannot append", path.display()),
                    Some("pass --file with another file".into()),
                );
            }
            format!(
                "{o}{}\n{snippet}",
                if o.ends_with('\n') { "" } else { "\n" }
            )
        }
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| alertctl::load::LoadError::new("creating directory", parent, e))?;
    }
    write(&path, &content)?;
    // The new rule must leave the directory as valid as it was (a conflict would not).
    let (after_project, mut after_all) = alertctl::project::load(&project.root, !g.no_cache)?;
    let _ = alertctl::render::render(&after_project.model, &mut after_all);
    if after_all.error_count() > errors_before {
        report::print(
            &after_all,
            crate::cli::Format::Human,
            report::stderr_color(g.color),
            &project.root,
        );
        match old {
            Some(o) => write(&path, &o)?,
            None => std::fs::remove_file(&path)
                .map_err(|e| alertctl::load::LoadError::new("removing", &path, e))?,
        }
        eprintln!(
            "error: the new rule made the rules directory invalid; {} left as it was",
            rel(project, &path)
        );
        return Ok(Exit::Invalid);
    }
    eprintln!(
        "{} rule for {template} at {scope} in {}",
        if old.is_some() { "appended" } else { "wrote" },
        rel(project, &path)
    );
    Ok(Exit::Ok)
}

/// Writes a rules file atomically; errors name the file.
fn write(path: &Path, content: &str) -> miette::Result<()> {
    alertctl::output::write_atomic(path, content.as_bytes())
        .map_err(|e| alertctl::load::LoadError::new("writing", path, e))?;
    Ok(())
}

/// The real path of a loaded rules file, for writing it back (through its link, if any).
fn source_path(project: &Project, file: &str) -> miette::Result<PathBuf> {
    alertctl::load::confined_write_path(&project.root, &project.root.join(file))
        .map_err(|e| miette::miette!("refusing to write: {e}"))
}

fn f_display(p: &Path) -> String {
    p.display().to_string()
}

fn rel(project: &Project, p: &Path) -> String {
    let real_root = alertctl::load::canonical_root(&project.root).unwrap_or_default();
    let base = if p.starts_with(&project.root) {
        project.root.as_path()
    } else {
        real_root.as_path()
    };
    alertctl::load::relative(base, p)
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
            alertctl::load::relative(&project.root, &abs)
        } else {
            file.to_string()
        };
        let text = model
            .sources
            .get(&rel)
            .ok_or_else(|| format!("{rel} is not a rules file of {}", project.root.display()))?;
        let in_file: Vec<&Rule> = model.rules.iter().filter(|r| r.file == rel).collect();
        let r = edit::rule_at_line(&text.text, &in_file, line)
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
                by_file.entry(r.file.clone()).or_default().push(r);
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
    for (file, rules) in selected {
        let mut text = project.model.sources[&file].text.to_string();
        // Edit from the end so earlier spans stay valid.
        let mut rules = rules;
        rules.sort_by_key(|r| std::cmp::Reverse(r.span.start));
        for r in &rules {
            text = match edit::set_suspended(&text, r, suspend) {
                Ok(t) => t,
                Err(e) => return fail(&e.to_string(), None),
            };
            let line = alertctl::diag::line_col(&project.model.sources[&file].text, r.span.start).0;
            eprintln!(
                "{} {} at {} ({file}:{line})",
                if suspend {
                    "disabled (suspended)"
                } else {
                    "enabled"
                },
                project.model.rule_name(r),
                r.scope.value
            );
        }
        write(&source_path(project, &file)?, &text)?;
    }
    Ok(Exit::Ok)
}

fn purge(project: &Project, dry_run: bool) -> miette::Result<Exit> {
    let model = &project.model;
    let mut by_file: std::collections::BTreeMap<&str, Vec<&Rule>> = Default::default();
    for r in &model.rules {
        by_file.entry(r.file.as_str()).or_default().push(r);
    }
    let mut removed = 0;
    for (file, all) in by_file {
        let off: Vec<&Rule> = all.iter().copied().filter(|r| r.is_suspended()).collect();
        if off.is_empty() {
            continue;
        }
        let text = &model.sources[file].text;
        for r in &off {
            eprintln!(
                "{}purge {} at {} ({file}:{})",
                if dry_run { "would " } else { "" },
                model.rule_name(r),
                r.scope.value,
                alertctl::diag::line_col(text, r.span.start).0
            );
        }
        removed += off.len();
        if dry_run {
            continue;
        }
        match edit::remove_rules(text, &all, &off) {
            Ok(Some(new)) => write(&source_path(project, file)?, &new)?,
            Ok(None) => {
                let path = source_path(project, file)?;
                std::fs::remove_file(&path)
                    .map_err(|e| alertctl::load::LoadError::new("removing", &path, e))?
            }
            Err(e) => return fail(&format!("{file}: {e}"), None),
        }
    }
    if removed == 0 {
        eprintln!("no disabled rules");
    }
    Ok(Exit::Ok)
}
