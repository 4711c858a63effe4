use std::path::PathBuf;

use alertctl::output::Current;
use alertctl::render::Rendered;
use alertctl::{diff, output};
use miette::IntoDiagnostic;

use super::stop_on_errors;
use crate::cli::{Global, RenderFormat};
use crate::exit::Exit;
use crate::report;

pub fn run(
    g: &Global,
    out: Option<PathBuf>,
    exit_code: bool,
    stat: bool,
    live: bool,
    format: RenderFormat,
) -> miette::Result<Exit> {
    if !live && format == RenderFormat::Plain {
        if let Some((dir, _, _)) = super::unchanged_output(g, out.as_deref()) {
            eprintln!("no changes in {}", dir.display());
            return Ok(Exit::Ok);
        }
    }
    let (project, rendered, diags) = super::load_render_store(g)?;
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    if live {
        return live_drift(&project, &rendered, exit_code);
    }
    let (dir, files) = match super::render::files_for(&project, &rendered, format, out) {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    let current = output::read(&dir).into_diagnostic()?;
    if let Some(exit) = refuse_foreign(&files, &current) {
        return Ok(exit);
    }
    // `[file_sd]` goes with the plain rule files, as in `render`.
    let file_sd = match format {
        RenderFormat::Plain => match super::file_sd_plan(&project, &rendered)? {
            Ok(p) => p.filter(|(_, p)| !p.is_empty()),
            Err(exit) => return Ok(exit),
        },
        RenderFormat::PrometheusRule => None,
    };
    let plan = diff::plan(&files, &current.generated);
    if plan.is_empty() && file_sd.is_none() {
        eprintln!("no changes in {}", dir.display());
        return Ok(Exit::Ok);
    }
    let color = report::stdout_color(g.color);
    if !stat {
        for c in &plan.changes {
            print!("{}", diff::unified(c, color));
        }
        if let Some((_, p)) = &file_sd {
            super::print_file_sd_diff(p, color);
        }
    }
    if !plan.is_empty() {
        eprintln!("{}", plan.summary);
    }
    if let Some((_, p)) = &file_sd {
        eprintln!("file_sd: {}", alertctl::file_sd::summary(p));
    }
    Ok(if exit_code {
        Exit::Differences
    } else {
        Exit::Ok
    })
}

/// A rendered file name that is taken by a file alertctl did not generate: never
/// overwrite someone's hand-written rules.
pub fn refuse_foreign(
    files: &std::collections::BTreeMap<String, String>,
    current: &Current,
) -> Option<Exit> {
    let clash: Vec<&String> = current
        .foreign
        .iter()
        .filter(|f| files.contains_key(*f))
        .collect();
    if clash.is_empty() {
        return None;
    }
    for f in clash {
        eprintln!("error: {}", current.refusal(f));
    }
    eprintln!("hint: move the hand-written file, or point output.dir at a directory of its own");
    Some(Exit::Invalid)
}

/// Drift between the rendered rules and what each configured server runs, compared the
/// way `apply` verifies (parsed queries, not strings).
fn live_drift(
    project: &alertctl::project::Project,
    rendered: &Rendered,
    exit_code: bool,
) -> miette::Result<Exit> {
    let servers = match alertctl::ops::servers(project) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failure);
        }
    };
    if servers.is_empty() {
        eprintln!("error: no [[prometheus]] server in alertctl.toml to compare with");
        return Ok(Exit::Invalid);
    }
    let mut drifted = false;
    for s in &servers {
        match s.rules() {
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Exit::Failure);
            }
            Ok(live) => {
                let d = alertctl::deploy::server::drift(s.kind, &rendered.files, &live);
                if d.is_empty() {
                    eprintln!("{}: runs exactly the rendered rules", s.name);
                } else {
                    drifted = true;
                    println!("{}: {} difference(s)", s.name, d.len());
                    for line in d {
                        println!("  {line}");
                    }
                }
            }
        }
    }
    Ok(if drifted && exit_code {
        Exit::Differences
    } else {
        Exit::Ok
    })
}
