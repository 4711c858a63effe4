use std::path::PathBuf;

use alertctl::{diff, output};
use miette::IntoDiagnostic;

use super::{out_dir, stop_on_errors};
use crate::cli::Global;
use crate::exit::Exit;

pub fn run(g: &Global, out: Option<PathBuf>, stdout: bool) -> miette::Result<Exit> {
    if !stdout {
        if let Some((dir, files, q)) = super::unchanged_output(g, out.as_deref()) {
            eprintln!("rendered {} rules in {files} files to {}: 0 added, 0 modified, 0 removed, {files} unchanged", q.cache.rendered_rule_count(), dir.display());
            if let Some(fs) = &q.settings.file_sd {
                let n = q.cache.rendered_hashes(&q.fingerprint).map_or(0, |h| {
                    h.keys()
                        .filter(|k| k.starts_with(super::FILE_SD_PREFIX))
                        .count()
                });
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
    let (project, rendered, diags) = super::load_render_store(g)?;
    if let Some(exit) = stop_on_errors(g, &diags) {
        return Ok(exit);
    }
    if stdout {
        for (name, content) in &rendered.files {
            println!("# ---- {name}\n{content}");
        }
        for (name, content) in &rendered.file_sd {
            println!("# ---- file_sd/{name}\n{content}");
        }
        return Ok(Exit::Ok);
    }
    let dir = out_dir(&project, out);
    let current = output::read(&dir).into_diagnostic()?;
    if let Some(exit) = super::diff::refuse_foreign(&rendered, &current) {
        return Ok(exit);
    }
    let file_sd = match super::file_sd_plan(&project, &rendered)? {
        Ok(p) => p,
        Err(exit) => return Ok(exit),
    };
    let plan = diff::plan(&rendered.files, &current.generated);
    output::write(&dir, &plan).into_diagnostic()?;
    let s = &plan.summary;
    eprintln!(
        "rendered {} rules in {} files to {}: {} added, {} modified, {} removed, {} unchanged",
        rendered.rule_count,
        rendered.files.len(),
        dir.display(),
        s.files_added,
        s.files_modified,
        s.files_removed,
        rendered.files.len() - s.files_added - s.files_modified
    );
    if let Some((dir, plan)) = file_sd {
        output::write(&dir, &plan).into_diagnostic()?;
        let s = &plan.summary;
        file_sd_line(
            rendered.file_sd.len(),
            &dir,
            &super::file_sd_summary(&plan),
            rendered.file_sd.len() - s.files_added - s.files_modified,
        );
    }
    Ok(Exit::Ok)
}

fn file_sd_line(files: usize, dir: &std::path::Path, summary: &str, unchanged: usize) {
    eprintln!(
        "rendered {} to {}: {summary}, {unchanged} unchanged",
        crate::report::plural(files, "file_sd file"),
        dir.display()
    );
}
