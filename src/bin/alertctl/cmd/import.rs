use std::path::{Path, PathBuf};

use alertctl::diag::{Code, Diagnostic, Diagnostics, SourceText};
use alertctl::source::import::{self, FileAction};
use alertctl::{model::resolve, source::load, source::parse, source::project, source::settings};

use super::stop_on_errors;
use crate::cli::Global;
use crate::exit::Exit;

const NEW_SETTINGS: &str =
    "# Created by `alertctl import`; every key is optional (docs/format.md).\n";

pub fn run(
    g: &Global,
    paths: &[PathBuf],
    into: Option<PathBuf>,
    params: bool,
    force: bool,
    dry_run: bool,
) -> miette::Result<Exit> {
    let root = match into {
        Some(dir) => dir,
        None => project::find_root(g.dir.as_deref().unwrap_or(Path::new(".")))?,
    };
    let inputs = match import::collect(paths, Some(&root)) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Invalid);
        }
    };
    if inputs.is_empty() {
        eprintln!(
            "error: no *.yml or *.yaml file found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(Exit::Invalid);
    }
    let mut diags = Diagnostics::default();
    let mut out = import::convert(&inputs, import::Options { params }, &mut diags);
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    if !root.join(settings::FILE_NAME).exists() {
        out.files
            .insert(settings::FILE_NAME.into(), NEW_SETTINGS.into());
    }
    let actions = match import::actions(&root, &out.files, force) {
        Ok(a) => a,
        Err(conflicts) => {
            for c in &conflicts {
                eprintln!(
                    "error[alertctl::{}]: {} exists with other content",
                    Code::ImportConflict.as_str(),
                    root.join(c).display()
                );
            }
            eprintln!(
                "hint: nothing written; move those files away, or pass --force to replace them"
            );
            return Ok(Exit::Invalid);
        }
    };
    // The rules directory as it would be: it must validate before anything is written.
    let mut check = Diagnostics::default();
    let model = match with_imported(&root, &out.files, &mut check) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failure);
        }
    };
    alertctl::render::render(&model, &mut check);
    if let Some(exit) = stop_on_errors(g, &check) {
        return Ok(exit);
    }
    for (rel, action) in &actions {
        let verb = match (action, dry_run) {
            (FileAction::Unchanged, _) => "unchanged",
            (FileAction::Create, false) => "created",
            (FileAction::Create, true) => "would create",
            (FileAction::Replace, false) => "replaced",
            (FileAction::Replace, true) => "would replace",
        };
        eprintln!("{verb:>13} {}", root.join(rel).display());
    }
    if !dry_run {
        if let Err(e) = import::write(&root, &out.files, &actions) {
            eprintln!("error: {e}; nothing written");
            return Ok(Exit::Failure);
        }
    }
    let changed = actions
        .values()
        .filter(|a| **a != FileAction::Unchanged)
        .count();
    eprintln!(
        "imported {} alerts and {} recording rules from {} files{}: {} files {}, {} unchanged",
        out.alerts,
        out.records,
        inputs.len(),
        if params {
            format!(" ({} thresholds as parameters)", out.params)
        } else {
            String::new()
        },
        changed,
        if dry_run { "to write" } else { "written" },
        actions.len() - changed
    );
    Ok(Exit::Ok)
}

/// Loads the rules directory with the imported files in place of (or next to) its own.
fn with_imported(
    root: &Path,
    files: &std::collections::BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Result<resolve::Model, load::LoadError> {
    let mut sources: std::collections::BTreeMap<String, (parse::FileKind, SourceText)> =
        Default::default();
    if root.join(settings::FILE_NAME).exists() {
        match load::sources(root) {
            Ok(files) => {
                for sf in files {
                    sources.insert(sf.rel_path.clone(), (sf.kind, sf.source));
                }
            }
            Err(load::ReadError::Problem(p)) => diags.push(p.diagnostic()),
            Err(load::ReadError::Io(e)) => return Err(e),
        }
    }
    for (rel, text) in files {
        if let Some(kind) = parse::FileKind::of(rel) {
            let src = SourceText::new(rel.as_str(), text.as_str());
            sources.insert(rel.clone(), (kind, src));
        }
    }
    let settings_text = files
        .get(settings::FILE_NAME)
        .cloned()
        .or_else(|| std::fs::read_to_string(root.join(settings::FILE_NAME)).ok())
        .unwrap_or_default();
    let settings_src = SourceText::new(settings::FILE_NAME, settings_text);
    let settings = settings::parse(&settings_src).unwrap_or_else(|d| {
        diags.push(*d);
        settings::Settings::default()
    });
    let models = sources
        .into_values()
        .filter(|(k, _)| *k != parse::FileKind::Alertmanager)
        .map(|(kind, src)| {
            let m = parse::file(kind, &src, diags);
            (src, m)
        })
        .collect();
    let m = resolve::Model::build(settings, models, diags);
    if m.alerts.is_empty() && !diags.has_errors() {
        diags.push(Diagnostic::error(
            Code::ImportInput,
            "the import produced no alert",
        ));
    }
    Ok(m)
}
