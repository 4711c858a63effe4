mod alertmanager;
mod apply;
mod completions;
mod diff;
mod effective;
mod impact;
mod init;
mod list;
mod render;
mod rule;
mod test;
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
            live,
        } => diff::run(&g, out, exit_code, stat, live),
        Command::Apply {
            dry_run,
            out,
            promtool,
            format,
        } => apply::run(&g, dry_run, out, promtool, format),
        Command::History { limit, format } => apply::history(&g, limit, format),
        Command::Rollback {
            rev,
            dry_run,
            out,
            format,
        } => apply::rollback(&g, rev, dry_run, out, format),
        Command::Completions { shell } => completions::run(shell),
        Command::Alertmanager { action } => alertmanager::run(&g, action),
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
        Command::Impact {
            since,
            step,
            prometheus,
            out,
            format,
            report,
        } => impact::run(&g, &since, &step, prometheus, out, format, report),
        Command::Test {
            filter,
            junit,
            format,
        } => test::run(&g, filter, junit, format),
    }
}

/// Loads the project without rendering every rule: for questions about a few targets,
/// which render only the cells they need.
pub fn load_only(g: &Global) -> miette::Result<(Project, Diagnostics)> {
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let root = project::find_root(&start)?;
    let (project, diags) = project::load(&root, !g.no_cache)?;
    if g.verbose {
        let s = project.stats;
        eprintln!(
            "loaded {} files from {}: {} parsed, {} reused from cache",
            s.files,
            root.display(),
            s.parsed,
            s.cached
        );
    }
    Ok((project, diags))
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

/// Like `load_and_render`, and a full run leaves its results for the fast path of the
/// next one (render, diff and apply; validate, which runs promtool anyway, does not).
pub fn load_render_store(g: &Global) -> miette::Result<(Project, Rendered, Diagnostics)> {
    let (mut project, rendered, diags) = load_and_render(g)?;
    if !diags.has_errors() && !project.cache.has_rendered(&project.fingerprint) {
        let fp = project.fingerprint.clone();
        let rows = alertctl::query::cell_rows(&project.model, &rendered);
        if let Err(e) = project.cache.store_rendered(&fp, &rendered.files, rows) {
            if g.verbose {
                eprintln!("cache: results not stored: {e}");
            }
        }
    }
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

/// Runs promtool on the rendered files as the policy says (the flag overrides
/// `validate.promtool`); findings become diagnostics. Returns a one-word status.
pub fn promtool_check(
    project: &Project,
    rendered: &Rendered,
    arg: Option<crate::cli::PromtoolArg>,
    diags: &mut Diagnostics,
) -> String {
    let model = &project.model;
    use crate::cli::PromtoolArg;
    use alertctl::diag::{Code, Diagnostic};
    use alertctl::promtool;
    use alertctl::settings::PromtoolPolicy;
    let policy = match arg {
        Some(PromtoolArg::Auto) => PromtoolPolicy::Auto,
        Some(PromtoolArg::Required) => PromtoolPolicy::Required,
        Some(PromtoolArg::Off) => PromtoolPolicy::Off,
        None => model.settings.validate.promtool,
    };
    if policy == PromtoolPolicy::Off {
        return "off".into();
    }
    let located = match promtool::locate(
        model.settings.validate.promtool_path.as_deref(),
        &project.root,
    ) {
        Ok(p) => p,
        Err(bad) => {
            diags.push(
                Diagnostic::error(Code::Promtool, format!("promtool not found at {}", bad.display()))
                    .hint("fix validate.promtool_path (relative to the rules directory) or ALERTCTL_PROMTOOL"),
            );
            return "missing".into();
        }
    };
    let Some(path) = located else {
        if policy == PromtoolPolicy::Required {
            diags.push(
                Diagnostic::error(Code::Promtool, "promtool is required (validate.promtool = \"required\") but was not found")
                    .hint("install Prometheus' promtool, set validate.promtool_path, or set ALERTCTL_PROMTOOL"),
            );
            return "missing".into();
        }
        return "not found, skipped".into();
    };
    match promtool::check(&path, &rendered.files) {
        Ok((ok, findings)) => {
            promtool::diagnose(model, rendered, &findings, diags);
            if !ok && findings.is_empty() {
                diags.push(
                    Diagnostic::error(
                        Code::Promtool,
                        "promtool check rules failed without a finding alertctl could read",
                    )
                    .hint(format!(
                        "run {} check rules on the rendered files",
                        path.display()
                    )),
                );
            }
            if ok {
                "ok".into()
            } else {
                "failed".into()
            }
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                Code::Promtool,
                format!("could not run {}: {e}", path.display()),
            ));
            "error".into()
        }
    }
}

/// The warm fast path's view of the directory, unless `--no-cache` or anything changed.
pub fn quick(g: &Global) -> Option<alertctl::project::Quick> {
    if g.no_cache {
        return None;
    }
    let start = g.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    alertctl::project::quick(&project::find_root(&start).ok()?)
}

/// With nothing changed since a full run and the output directory holding exactly its
/// files, there is nothing to render, write or show: `Some(dir, files)` then.
pub fn unchanged_output(
    g: &Global,
    out: Option<&std::path::Path>,
) -> Option<(PathBuf, usize, alertctl::project::Quick)> {
    let q = quick(g)?;
    let hashes = q.cache.rendered_hashes(&q.fingerprint)?;
    let dir = out.map_or_else(
        || q.root.join(&q.settings.output.dir),
        std::path::Path::to_path_buf,
    );
    let cur = alertctl::output::read(&dir).ok()?;
    let same = cur.generated.len() == hashes.len()
        && cur.generated.iter().all(|(n, c)| {
            hashes
                .get(n)
                .is_some_and(|h| *h == blake3::hash(c.as_bytes()).to_hex().as_str())
        })
        && !cur.foreign.iter().any(|f| hashes.contains_key(f))
        && !dir.join(alertctl::deploy::txn::JOURNAL).exists();
    if !same {
        return None;
    }
    if g.verbose {
        eprintln!("loaded {n} files from {}: 0 parsed, {n} reused from cache (nothing changed since the last full run)", q.root.display(), n = q.cache.stats().len());
    }
    Some((dir, hashes.len(), q))
}
