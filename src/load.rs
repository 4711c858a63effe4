//! Reads the rules directory: the only place that walks and reads source files. Returns
//! every template/rule/inventory file with its text and content hash, sorted by path so
//! everything downstream is deterministic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::diag::SourceText;
use crate::parse::FileKind;

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the rules directory, with `/` separators.
    pub rel_path: String,
    pub kind: FileKind,
    pub source: SourceText,
    pub hash: String,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct LoadError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// A source file found by the walk, not read yet.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub rel_path: String,
    pub kind: FileKind,
    /// Size and modification time: unchanged, the cached content hash still holds.
    pub size: u64,
    pub mtime_ns: i64,
}

/// Every source file of the rules directory, sorted by path, without reading any.
pub fn entries(root: &Path) -> Result<Vec<Entry>, LoadError> {
    let mut out = Vec::new();
    for top in [
        "templates",
        "rules",
        "inventory",
        "inventory.yaml",
        "inventory.yml",
        "alertmanager",
    ] {
        let start = root.join(top);
        if !start.exists() {
            continue;
        }
        for entry in WalkDir::new(&start).follow_links(true).sort_by_file_name() {
            let entry = entry.map_err(|e| LoadError {
                path: e.path().map_or_else(|| start.clone(), Path::to_path_buf),
                source: e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("directory loop")),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = relative(root, entry.path());
            let Some(kind) = FileKind::of(&rel) else {
                continue;
            };
            let meta = entry.metadata().map_err(|e| LoadError {
                path: entry.path().to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i64);
            out.push(Entry {
                path: entry.path().to_path_buf(),
                rel_path: rel,
                kind,
                size: meta.len(),
                mtime_ns,
            });
        }
    }
    out.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Ok(out)
}

pub fn read(e: &Entry) -> Result<SourceFile, LoadError> {
    let bytes = std::fs::read(&e.path).map_err(|source| LoadError {
        path: e.path.clone(),
        source,
    })?;
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let text = String::from_utf8(bytes).map_err(|err| LoadError {
        path: e.path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, format!("not UTF-8: {err}")),
    })?;
    Ok(SourceFile {
        source: SourceText {
            path: Arc::from(e.rel_path.as_str()),
            text: Arc::from(text),
        },
        rel_path: e.rel_path.clone(),
        kind: e.kind,
        hash,
    })
}

pub fn sources(root: &Path) -> Result<Vec<SourceFile>, LoadError> {
    entries(root)?.iter().map(read).collect()
}

pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
