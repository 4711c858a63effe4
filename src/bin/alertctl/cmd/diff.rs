use std::collections::BTreeMap;
use std::path::PathBuf;

use alertctl::render::output::Current;
use alertctl::source::project::Quick;
use alertctl::{render::diff, render::output};
use miette::IntoDiagnostic;

use super::OutputState;
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
    shard: Option<String>,
) -> miette::Result<Exit> {
    let mut seen = None;
    if !live && format == RenderFormat::Plain && shard.is_none() {
        match super::output_state(g, out.as_deref()) {
            OutputState::Unchanged(dir, _, _) => {
                eprintln!("no changes in {}", dir.display());
                return Ok(Exit::Ok);
            }
            OutputState::Differs(q, read) => {
                match read.and_then(|(dir, cur)| pending(g, &q, &dir, &cur, exit_code, stat)) {
                    Some(shown) => return shown,
                    None => seen = Some(q.into_seen()),
                }
            }
            OutputState::Changed(s) => {
                if let Some(d) = super::delta(g, s.as_ref(), out.as_deref(), "diff") {
                    super::show_warnings(g, &d.warnings);
                    return kept_shown(g, &d.dir, &d.files, &d.kept, exit_code, stat);
                }
                seen = s
            }
        }
    }
    // `--live` compares every rendered file with the servers: all of them are built.
    let loaded = if live {
        super::load_for_output(g, shard.as_deref(), out.as_deref(), format)?
    } else {
        super::load_for_diff(g, shard.as_deref(), out.as_deref(), format, seen)?
    };
    let (mut project, rendered, shards) = match loaded {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    if let Some(shards) = shards {
        let settings = &project.model.settings;
        let mut differs = false;
        for (name, dir, files) in &shards {
            let exit = if live {
                let names = &settings
                    .shards
                    .iter()
                    .find(|s| s.name == *name)
                    .expect("a selected shard")
                    .servers;
                live_drift(
                    alertctl::ops::servers_named(&project, names),
                    files,
                    exit_code,
                    &format!("shard {name}: "),
                )?
            } else {
                eprintln!("shard {name}:");
                dir_diff(g, dir, files, exit_code, stat)?
            };
            match exit {
                Exit::Ok => {}
                Exit::Differences => differs = true,
                other => return Ok(other),
            }
        }
        return Ok(if differs { Exit::Differences } else { Exit::Ok });
    }
    if live {
        if project.model.settings.servers.is_empty() {
            eprintln!("error: no [[prometheus]] server in alertctl.toml to compare with");
            return Ok(Exit::Invalid);
        }
        return live_drift(
            alertctl::ops::servers(&project),
            &rendered.files,
            exit_code,
            "",
        );
    }
    let (dir, files) = match super::render::files_for(&project, &rendered, format, out) {
        Ok(x) => x,
        Err(exit) => return Ok(exit),
    };
    // Files the render did not build are the directory's own, as the stored run built
    // them: neither side of the comparison needs them.
    let current = output::read_except(&dir, &rendered.kept).into_diagnostic()?;
    alertctl::timings::mark("read the output directory");
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
    if format == RenderFormat::Plain {
        if let Err(e) = project.keep_pending(&files, &current) {
            if g.verbose {
                eprintln!("cache: the diff's files not kept: {e}");
            }
        }
    }
    Ok(show(g, &dir, &files, &current, file_sd, exit_code, stat))
}

/// With the sources as the stored run read them and the files the output directory
/// does not hold kept by the `diff` that showed them ([`Quick::pending`]): the same
/// diff, shown without a load. `None` (before anything is printed): take the full path.
fn pending(
    g: &Global,
    q: &Quick,
    dir: &std::path::Path,
    hashes: &Current,
    exit_code: bool,
    stat: bool,
) -> Option<miette::Result<Exit>> {
    let pending = q.pending(dir, hashes)?;
    let warnings = q.warnings()?;
    if g.verbose {
        eprintln!(
            "diff: the sources are as the last full run read them; {} of its files that {} does not hold shown as the diff that built them kept them",
            pending.files.len(),
            dir.display()
        );
    }
    super::show_warnings(g, &warnings);
    Some(kept_shown(
        g,
        dir,
        &pending.files,
        &pending.kept,
        exit_code,
        stat,
    ))
}

/// Shows how `files` differ from what the output directory `dir` holds, the files
/// `kept` (name -> hash) known to be there as built.
fn kept_shown(
    g: &Global,
    dir: &std::path::Path,
    files: &BTreeMap<String, String>,
    kept: &BTreeMap<String, String>,
    exit_code: bool,
    stat: bool,
) -> miette::Result<Exit> {
    let current = output::read_except(dir, kept).into_diagnostic()?;
    Ok(refuse_foreign(files, &current)
        .unwrap_or_else(|| show(g, dir, files, &current, None, exit_code, stat)))
}

/// Shows how `files` differ from `current` (what the output directory `dir` holds of
/// them), and `file_sd`'s plan.
fn show(
    g: &Global,
    dir: &std::path::Path,
    files: &BTreeMap<String, String>,
    current: &Current,
    file_sd: Option<(std::path::PathBuf, diff::Plan)>,
    exit_code: bool,
    stat: bool,
) -> Exit {
    let plan = diff::plan(files, &current.generated);
    alertctl::timings::mark("plan the diff");
    if plan.is_empty() && file_sd.is_none() {
        eprintln!("no changes in {}", dir.display());
        return Exit::Ok;
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
        eprintln!("file_sd: {}", alertctl::render::file_sd::summary(p));
    }
    if exit_code {
        Exit::Differences
    } else {
        Exit::Ok
    }
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

/// The diff of `files` against what `dir` holds (a shard's output directory).
fn dir_diff(
    g: &Global,
    dir: &std::path::Path,
    files: &std::collections::BTreeMap<String, String>,
    exit_code: bool,
    stat: bool,
) -> miette::Result<Exit> {
    let current = output::read(dir).into_diagnostic()?;
    if let Some(exit) = refuse_foreign(files, &current) {
        return Ok(exit);
    }
    let plan = diff::plan(files, &current.generated);
    if plan.is_empty() {
        eprintln!("no changes in {}", dir.display());
        return Ok(Exit::Ok);
    }
    if !stat {
        let color = report::stdout_color(g.color);
        for c in &plan.changes {
            print!("{}", diff::unified(c, color));
        }
    }
    eprintln!("{}", plan.summary);
    Ok(if exit_code {
        Exit::Differences
    } else {
        Exit::Ok
    })
}

/// Drift between `files` and what each server runs, compared the way `apply` verifies
/// (parsed queries, not strings). Lines start with `prefix` (a shard's name).
fn live_drift(
    servers: Result<Vec<alertctl::deploy::server::Server>, alertctl::deploy::server::ServerError>,
    files: &std::collections::BTreeMap<String, String>,
    exit_code: bool,
    prefix: &str,
) -> miette::Result<Exit> {
    let servers = match servers {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {prefix}{e}");
            return Ok(Exit::Failure);
        }
    };
    let mut drifted = false;
    for s in &servers {
        match s.rules() {
            Err(e) => {
                eprintln!("error: {prefix}{e}");
                return Ok(Exit::Failure);
            }
            Ok(live) => {
                let d = alertctl::deploy::server::drift(s.kind, files, &live);
                if d.is_empty() {
                    eprintln!("{prefix}{}: runs exactly the rendered rules", s.name);
                } else {
                    drifted = true;
                    println!("{prefix}{}: {} difference(s)", s.name, d.len());
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
