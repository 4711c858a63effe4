mod completions;
mod diff;
mod effective;
mod init;
mod list;
mod render;
mod rule;
mod trace;
mod validate;

use std::path::PathBuf;

use alertctl::diag::Diagnostics;
use alertctl::project::{self, Project};
use alertctl::render::Rendered;

use crate::cli::{Cli, Command, Format, Global};
use crate::exit::Exit;
use crate::report;

pub fn run(cli: Cli) -> miette::Result<Exit> {
    let g = cli.global;
    match cli.command {
        Command::Init { path, force } => init::run(&path, force),
        Command::Validate { format, promtool } => validate::run(&g, format, promtool),
        Command::Render { out, stdout } => render::run(&g, out, stdout),
        Command::Diff {
            out,
            exit_code,
            stat,
        } => diff::run(&g, out, exit_code, stat),
        Command::Completions { shell } => completions::run(shell),
        Command::Effective {
            target,
            group,
            namespace,
            global,
            format,
        } => effective::run(&g, target, group, namespace, global, format),
        Command::Trace {
            target,
            alert,
            all,
            format,
        } => trace::run(&g, &target, alert.as_deref(), all, format),
        Command::List { what } => list::run(&g, what),
        Command::Rule { action } => rule::run(&g, action),
    }
}

/// Loads and renders the project. Diagnostics are returned, not printed: each command
/// decides how to report them.
pub fn load_and_render(g: &Global) -> miette::Result<(Project, Rendered, Diagnostics)> {
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = project::find_root(&start)?;
    let (project, mut diags) = project::load(&root, !g.no_cache)?;
    if g.verbose {
        let s = project.stats;
        eprintln!(
            "loaded {} files from {}: {} parsed, {} reused from cache",
            s.files,
            root.display(),
            s.parsed,
            s.cached
        );
        if let Some(note) = &project.cache_note {
            eprintln!("{note}");
        }
    }
    let rendered = alertctl::render::render(&project.model, &mut diags);
    Ok((project, rendered, diags))
}

/// Prints diagnostics for a command that can only go on without errors; `Some(exit)`
/// when it must stop.
pub fn stop_on_errors(g: &Global, diags: &Diagnostics) -> Option<Exit> {
    report::print(
        diags,
        Format::Human,
        report::stderr_color(g.color),
        std::path::Path::new("."),
    );
    if diags.has_errors() {
        eprintln!(
            "error: {}; nothing written (run `alertctl validate` for the full report)",
            report::counts(diags)
        );
        return Some(Exit::Invalid);
    }
    None
}

pub fn out_dir(project: &Project, out: Option<PathBuf>) -> PathBuf {
    out.unwrap_or_else(|| project.output_dir())
}
