//! The output directory: reading the files alertctl generated there and writing a new
//! set atomically (temp file + rename, so Prometheus never reads half a file). Files
//! without the generated-by marker are never read into a plan, changed or removed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::diff::{ChangeKind, Plan};
use crate::render::is_generated;

#[derive(Debug, Default)]
pub struct Current {
    /// Generated files: name -> content.
    pub generated: BTreeMap<String, String>,
    /// Other `.yml`/`.yaml` files (hand-written rules next to ours).
    pub foreign: Vec<String>,
}

pub fn read(dir: &Path) -> std::io::Result<Current> {
    read_files(dir, &[".yml", ".yaml"], is_generated)
}

/// The files of `dir` whose names end in one of `extensions`, split by `generated`
/// (does the content carry alertctl's marker?).
pub fn read_files(
    dir: &Path,
    extensions: &[&str],
    generated: impl Fn(&str) -> bool,
) -> std::io::Result<Current> {
    let mut cur = Current::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(cur),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if !extensions.iter().any(|x| name.ends_with(x)) || !entry.file_type()?.is_file() {
            continue;
        }
        let content = std::fs::read_to_string(entry.path()).unwrap_or_default();
        if generated(&content) {
            cur.generated.insert(name, content);
        } else {
            cur.foreign.push(name);
        }
    }
    cur.foreign.sort();
    Ok(cur)
}

/// Applies a plan: new and changed files are written to a temp file in the same
/// directory, fsynced, then renamed over the old one; removed files are deleted last.
pub fn write(dir: &Path, plan: &Plan) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for c in &plan.changes {
        if let (ChangeKind::Added | ChangeKind::Modified, Some(content)) = (c.kind, &c.new) {
            write_atomic(&dir.join(&c.file), content.as_bytes())?;
        }
    }
    for c in &plan.changes {
        if c.kind == ChangeKind::Removed {
            match std::fs::remove_file(dir.join(&c.file)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // A dot-name without .yml never matches Prometheus' `*.yml` glob.
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
