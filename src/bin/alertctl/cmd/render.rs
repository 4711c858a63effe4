use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use alertctl::render::Rendered;
use alertctl::source::project::{Project, Quick};
use alertctl::{render::diff, render::output};
use miette::IntoDiagnostic;

use super::{out_dir, OutputState};
use crate::cli::{Global, RenderFormat};
use crate::exit::Exit;

pub fn run(
    g: &Global,
    out: Option<PathBuf>,
    stdout: bool,
    format: RenderFormat,
    shard: Option<String>,
) -> miette::Result<Exit> {
    let mut seen = None;
    if !stdout && format == RenderFormat::Plain && shard.is_none() {
        match super::output_state(g, out.as_deref()) {
            OutputState::Changed(s) => {
                let delta = super::delta(g, s.as_ref(), out.as_deref(), "render");
                if let Some(written) = delta.and_then(|d| write_delta(g, d)) {
                    return written;
                }
                seen = s
            }
            OutputState::Differs(q, read) => {
                match read.and_then(|(dir, cur)| write_kept(g, &q, &dir, &cur)) {
                    Some(written) => return written,
                    None => seen = Some(q.into_seen()),
                }
            }
            OutputState::Unchanged(dir, files, q) => {
                eprintln!("rendered {} rules in {files} files to {}: 0 added, 0 modified, 0 removed, {files} unchanged", q.cache.rendered_rule_count(), dir.display());
                if let Some(fs) = &q.settings.file_sd {
                    let n = q
                        .cache
                        .rendered_hashes(&q.fingerprint)
                        .map_or(0, |h| alertctl::render::file_sd::split(&h).1.len());
                    file_sd_line(
                        n,
                        &q.root.join(&fs.dir),
                        "0 added, 0 modified, 0 removed",
                        n,
                    );
                }
                return Ok(Exit::Ok);
            }
        }
    }
    let ((mut project, rendered, shards), diags) =
        match super::load_for_output_unstored(g, shard.as_deref(), out.as_deref(), format, seen)? {
            Ok(x) => x,
            Err(exit) => return Ok(exit),
        };
    // Stored at once, except while the files are written.
    let plain = shards.is_none() && !stdout;
    if !plain {
        super::store(g, &mut project, &rendered, &diags);
    }
    if let Some(shards) = shards {
        for (name, dir, files) in shards {
            if stdout {
                for (file, content) in &files {
                    println!("# ---- {name}/{file}\n{content}");
                }
                continue;
            }
            let current = match writable(&project, &dir, &files)? {
                Ok(c) => c,
                Err(exit) => return Ok(exit),
            };
            let plan = diff::plan_files(&files, &current.generated);
            output::write(&dir, &plan).into_diagnostic()?;
            let rules = rendered
                .cells
                .iter()
                .filter(|c| files.contains_key(&c.file))
                .count();
            eprint!("shard {name}: ");
            rendered_line(rules, files.len(), "files", &dir, &plan.summary);
        }
        return Ok(Exit::Ok);
    }
    let store = |project: &mut Project| super::store(g, project, &rendered, &diags);
    let (dir, files) = match files_for(&project, &rendered, format, out) {
        Ok(x) => x,
        Err(exit) => {
            if plain {
                store(&mut project);
            }
            return Ok(exit);
        }
    };
    if stdout {
        for (name, content) in files.iter() {
            match format {
                RenderFormat::Plain => println!("# ---- {name}\n{content}"),
                // A YAML stream, for `kubectl apply -f -`.
                RenderFormat::PrometheusRule => print!("---\n{content}"),
            }
        }
        if format == RenderFormat::Plain {
            for (name, content) in &rendered.file_sd {
                println!(
                    "# ---- {}{name}\n{content}",
                    alertctl::render::file_sd::KEY_PREFIX
                );
            }
        }
        return Ok(Exit::Ok);
    }
    let ready = ready(&project, &rendered, &dir, &files, format);
    if !matches!(ready, Ok(Ok(_))) {
        store(&mut project);
    }
    let (current, file_sd) = match ready? {
        Ok(r) => r,
        Err(exit) => return Ok(exit),
    };
    let plan = diff::plan_files(&files, &current.generated);
    // The writes wait on the disk, the store mostly on the CPU: side by side.
    let written = std::thread::scope(|s| {
        let writing = s.spawn(|| output::write(&dir, &plan));
        store(&mut project);
        writing.join()
    });
    written
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        .into_diagnostic()?;
    let s = &plan.summary;
    let what = match format {
        RenderFormat::Plain => "files",
        RenderFormat::PrometheusRule => "PrometheusRule objects",
    };
    rendered_line(rendered.rule_count, files.len(), what, &dir, s);
    if let Some((dir, plan)) = file_sd {
        output::write(&dir, &plan).into_diagnostic()?;
        let s = &plan.summary;
        file_sd_line(
            rendered.file_sd.len(),
            &dir,
            &alertctl::render::file_sd::summary(&plan),
            rendered.file_sd.len() - s.files_added - s.files_modified,
        );
    }
    Ok(Exit::Ok)
}

/// What the output directory holds, and the plan of the `[file_sd]` files, if any.
type Ready = (output::Current, Option<(PathBuf, diff::Plan)>);

/// What `dir` holds, when `files` may be written there ([`writable`]), and the plan for
/// the `[file_sd]` files that go with plain rule files (the Prometheus Operator's
/// servers find their targets through its own objects).
fn ready(
    project: &Project,
    rendered: &Rendered,
    dir: &std::path::Path,
    files: &BTreeMap<String, String>,
    format: RenderFormat,
) -> miette::Result<Result<Ready, Exit>> {
    let current = match writable(project, dir, files)? {
        Ok(c) => c,
        Err(exit) => return Ok(Err(exit)),
    };
    let file_sd = match format {
        RenderFormat::Plain => match super::file_sd_plan(project, rendered)? {
            Ok(p) => p,
            Err(exit) => return Ok(Err(exit)),
        },
        RenderFormat::PrometheusRule => None,
    };
    Ok(Ok((current, file_sd)))
}

/// With the sources as the stored run read them and the files the output directory
/// `dir` (whose files hash as `hashes` says) does not hold kept by the `diff` that showed
/// them ([`alertctl::source::project::Quick::pending`]): those files written, without a
/// load, as the full path writes them. `None` (before anything is printed or written):
/// take the full path.
fn write_kept(
    g: &Global,
    q: &Quick,
    dir: &std::path::Path,
    hashes: &output::Current,
) -> Option<miette::Result<Exit>> {
    let pending = q.pending(dir, hashes)?;
    let warnings = q.warnings()?;
    let real_root = alertctl::source::load::canonical_root(&q.root).ok()?;
    if overlap(dir, &real_root).is_some() {
        return None;
    }
    // The directory as the full path reads it; the files it holds as built are written
    // back as they are (and so left alone).
    let current = output::read(dir).ok()?;
    let mut files = pending.files;
    for (name, hash) in pending.kept {
        let content = current.generated.get(&name)?;
        if alertctl::source::load::content_hash(content) != hash {
            return None;
        }
        files.insert(name, content.clone());
    }
    // A hand-written file in the way: the full path refuses it, and says why.
    if current.foreign.iter().any(|f| files.contains_key(f)) {
        return None;
    }
    if g.verbose {
        eprintln!("render: the sources are as the last full run read them; the files it built that {} does not hold written as the diff that built them kept them", dir.display());
    }
    super::show_warnings(g, &warnings);
    let plan = diff::plan_files(&files, &current.generated);
    let written = output::write(dir, &plan).into_diagnostic().map(|()| {
        let rules = q.cache.rendered_rule_count();
        rendered_line(rules, files.len(), "files", dir, &plan.summary);
        Exit::Ok
    });
    Some(written)
}

/// The files a delta render built ([`alertctl::source::delta`]) written, with the
/// files the output directory holds as the stored run built them left alone, as the
/// full path writes them. `None` (before anything is printed or written): take the full
/// path.
fn write_delta(g: &Global, d: alertctl::source::delta::Delta) -> Option<miette::Result<Exit>> {
    let real_root = alertctl::source::load::canonical_root(&d.root).ok()?;
    if overlap(&d.dir, &real_root).is_some() {
        return None;
    }
    let current = output::read_except(&d.dir, &d.kept).ok()?;
    // A hand-written file in the way: the full path refuses it, and says why.
    if current.foreign.iter().any(|f| d.files.contains_key(f)) {
        return None;
    }
    super::show_warnings(g, &d.warnings);
    let plan = diff::plan_files(&d.files, &current.generated);
    let files = d.files.len() + d.kept.len();
    let written = output::write(&d.dir, &plan).into_diagnostic().map(|()| {
        rendered_line(d.rules, files, "files", &d.dir, &plan.summary);
        Exit::Ok
    });
    Some(written)
}

/// Why `dir` may not take rendered files (it overlaps the rules directory at
/// `real_root`), or `None`.
fn overlap(dir: &std::path::Path, real_root: &std::path::Path) -> Option<(PathBuf, String)> {
    let resolved = alertctl::source::load::resolve(std::path::Path::new("."), dir);
    let problem = alertctl::source::settings::overlap(&resolved, real_root)?;
    Some((resolved, problem.to_string()))
}

/// What `dir` holds, when `files` may be written there: a directory of its own, with no
/// hand-written file of the same name.
fn writable(
    project: &Project,
    dir: &std::path::Path,
    files: &BTreeMap<String, String>,
) -> miette::Result<Result<alertctl::render::output::Current, Exit>> {
    let real_root = alertctl::source::load::canonical_root(&project.root)?;
    if let Some((resolved, problem)) = overlap(dir, &real_root) {
        eprintln!(
            "error: the output directory {} {problem}; nothing written",
            resolved.display()
        );
        eprintln!("hint: render into a directory of its own (output.dir, --out)");
        return Ok(Err(Exit::Invalid));
    }
    let current = output::read(dir).into_diagnostic()?;
    if let Some(exit) = super::diff::refuse_foreign(files, &current) {
        return Ok(Err(exit));
    }
    Ok(Ok(current))
}

/// `rendered N rules in M files to DIR: ...` on stderr.
fn rendered_line(
    rules: usize,
    files: usize,
    what: &str,
    dir: &std::path::Path,
    s: &alertctl::render::diff::Summary,
) {
    eprintln!(
        "rendered {rules} rules in {files} {what} to {}: {} added, {} modified, {} removed, {} unchanged",
        dir.display(),
        s.files_added,
        s.files_modified,
        s.files_removed,
        files - s.files_added - s.files_modified
    );
}

fn file_sd_line(files: usize, dir: &std::path::Path, summary: &str, unchanged: usize) {
    eprintln!(
        "rendered {} to {}: {summary}, {unchanged} unchanged",
        crate::report::plural(files, "file_sd file"),
        dir.display()
    );
}

/// The files `format` makes of the rendered rules, and the directory they belong in
/// (`--out`, else `output.dir` or `kubernetes.dir`).
pub fn files_for<'r>(
    project: &Project,
    rendered: &'r Rendered,
    format: RenderFormat,
    out: Option<PathBuf>,
) -> Result<(PathBuf, Cow<'r, BTreeMap<String, String>>), Exit> {
    match format {
        RenderFormat::Plain => Ok((out_dir(project, out), Cow::Borrowed(&rendered.files))),
        RenderFormat::PrometheusRule => {
            let k8s = &project.model.settings.kubernetes;
            let dir = out.unwrap_or_else(|| project.root.join(&k8s.dir));
            // A plain render there would delete the manifests, and Prometheus would load
            // them as rule files.
            if std::path::absolute(&dir).ok() == std::path::absolute(project.output_dir()).ok() {
                eprintln!(
                    "error: {} is the rule output directory (output.dir); manifests need a directory of their own",
                    dir.display()
                );
                eprintln!("hint: set kubernetes.dir in alertctl.toml, or pass --out");
                return Err(Exit::Invalid);
            }
            Ok((
                dir,
                Cow::Owned(alertctl::render::kubernetes::prometheus_rules(
                    &rendered.files,
                    k8s,
                )),
            ))
        }
    }
}
