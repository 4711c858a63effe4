//! Reads the rules directory: the only place that walks and reads source files. Returns
//! every template/rule/inventory file with its text and content hash, sorted by path so
//! everything downstream is deterministic.
//!
//! A rules directory arrives in pull requests, so what is read is bounded and confined:
//! - Symbolic links are followed only when they resolve inside the rules directory; a
//!   link out of it (`rules/env.yaml -> /proc/self/environ`), a broken link and a link
//!   loop are problems, and the target is never opened.
//! - Only regular files are read. FIFOs, sockets and devices with a YAML name are
//!   problems; a file is opened non-blocking and checked again after opening, so a FIFO
//!   can never hang a run.
//! - A file larger than [`MAX_FILE_BYTES`] is a problem, read no further than that.
//! - Paths that are not UTF-8 or hold control characters are problems: such a path would
//!   end up in a rendered file's comments and in terminals.
//!
//! Problems are returned with the files, for the caller to report with every other
//! diagnostic; only real I/O errors (a directory that cannot be listed) stop a run.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::diag::{Code, Diagnostic, SourceText, Span};
use crate::source::parse::FileKind;
use crate::source::text::{describe_char, escape_unsafe, is_unsafe_char};

/// The largest source file alertctl reads. A 100,000-target inventory in one file is
/// about 4 MB.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// The parts of the rules directory that are read, relative to its root.
pub const SOURCE_TOPS: &[&str] = &[
    "templates",
    "rules",
    "inventory",
    "inventory.yaml",
    "inventory.yml",
    "alertmanager",
];

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the rules directory, with `/` separators.
    pub rel_path: String,
    pub kind: FileKind,
    pub source: SourceText,
    pub hash: String,
    /// Whether `hash` was computed from the text read, rather than taken from the
    /// cache's record of the file's stat ([`read_known`]).
    pub hashed: bool,
}

/// An I/O error, with the operation and the path it happened on.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{op} {}: {error}", path.display())]
#[diagnostic(code(alertctl::io))]
pub struct LoadError {
    pub op: &'static str,
    pub path: PathBuf,
    /// Part of the message, not a separate cause: reports would print it twice.
    pub error: std::io::Error,
}

impl LoadError {
    pub fn new(op: &'static str, path: &Path, error: std::io::Error) -> Self {
        LoadError {
            op,
            path: path.to_path_buf(),
            error,
        }
    }
}

/// For code that returns `io::Result`: the same error kind, with a message that names
/// the operation and the path ("reading rendered/x.yml: Is a directory (os error 21)").
pub fn io_context<'p>(
    op: &'static str,
    path: &'p Path,
) -> impl FnOnce(std::io::Error) -> std::io::Error + 'p {
    move |e| std::io::Error::new(e.kind(), LoadError::new(op, path, e))
}

/// What git compares to tell whether a file may have changed without reading it:
/// size, modification and status-change times in nanoseconds, inode and device. An edit
/// that keeps size and mtime (`touch -r`, archives unpacked with a fixed mtime) still
/// changes the ctime, which nobody can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

impl Stamp {
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            size: meta.len(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
            ctime_ns: meta.ctime() * 1_000_000_000 + meta.ctime_nsec(),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }

    #[cfg(not(unix))]
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i64);
        Stamp {
            size: meta.len(),
            mtime_ns,
            ..Stamp::default()
        }
    }
}

impl Stamp {
    /// Whether a file of this stat, whose hash was recorded at `seen` (ns since the
    /// epoch), was modified within a second of that: it may have changed again inside
    /// the same mtime tick, so its stat alone never vouches for it (git's racy rule,
    /// which like git looks at the mtime only; the ctime is compared, not aged).
    pub fn racy(&self, seen: i64) -> bool {
        self.mtime_ns > seen - 1_000_000_000
    }
}

/// A source file found by the walk, not read yet.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub rel_path: String,
    pub kind: FileKind,
    /// Unchanged, the cached content hash still holds.
    pub stamp: Stamp,
}

/// Why a path of the rules directory is not read.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The link resolves outside the rules directory (to `target`).
    LinkOutside {
        target: String,
    },
    BrokenLink {
        error: String,
    },
    LinkLoop,
    /// Not a regular file: `what` is "a FIFO", "a socket", ...
    Special {
        what: &'static str,
    },
    /// The path is not UTF-8, or holds an unsafe character.
    BadPath {
        reason: String,
    },
    TooLarge {
        size: u64,
    },
    /// Not UTF-8: the text read lossily, the byte offset and value of the first bad byte.
    NotUtf8 {
        text: Arc<str>,
        offset: usize,
        byte: u8,
    },
}

/// A problem with one path, reported as a diagnostic at that path.
#[derive(Debug, Clone)]
pub struct PathProblem {
    /// Relative to the rules directory, unsafe characters escaped.
    pub rel_path: String,
    pub problem: Problem,
}

impl PathProblem {
    fn new(rel_path: &str, problem: Problem) -> Self {
        PathProblem {
            rel_path: escape_unsafe(rel_path).into_owned(),
            problem,
        }
    }

    /// The diagnostic, located at the file itself (line 1, or the first bad byte).
    pub fn diagnostic(&self) -> Diagnostic {
        let p = &self.rel_path;
        let empty = |path: &str| SourceText::new(path, "");
        let (code, message, label, hint) = match &self.problem {
            Problem::LinkOutside { target } => (
                Code::Symlink,
                format!(
                    "{p} is a symbolic link to {}, outside the rules directory",
                    escape_unsafe(target)
                ),
                "link not followed",
                "alertctl follows a symbolic link only when it resolves inside the rules directory; copy the file in, or point the link at a file inside".to_string(),
            ),
            Problem::BrokenLink { error } => (
                Code::Symlink,
                format!("{p} is a broken symbolic link ({error})"),
                "broken link",
                "point the link at an existing file inside the rules directory, or remove it"
                    .into(),
            ),
            Problem::LinkLoop => (
                Code::Symlink,
                format!("{p} is a symbolic link loop"),
                "link loop",
                "a link that leads back to itself or to a folder above it cannot be read; remove it".into(),
            ),
            Problem::Special { what } => (
                Code::SpecialFile,
                format!("{p} is {what}, not a regular file"),
                "not a regular file",
                "alertctl reads only regular files (and links to them); replace it with a file"
                    .into(),
            ),
            Problem::BadPath { reason } => (
                Code::BadPath,
                format!("the path {p} {reason}"),
                "bad path",
                "rename the file: paths end up in rendered files' comments and in terminals, so they must be UTF-8 without control characters".into(),
            ),
            Problem::TooLarge { size } => (
                Code::FileTooLarge,
                format!(
                    "{p} is {:.1} MiB, more than the {} MiB alertctl reads",
                    *size as f64 / (1 << 20) as f64,
                    MAX_FILE_BYTES >> 20
                ),
                "too large",
                "split it into several files".into(),
            ),
            Problem::NotUtf8 { text, offset, byte } => {
                let src = SourceText::new(p.as_str(), text.clone());
                return Diagnostic::error(Code::Encoding, format!("{p} is not UTF-8 text"))
                    .at(&src, Span::new(*offset, *offset + '\u{fffd}'.len_utf8()), format!("byte 0x{byte:02X}"))
                    .hint(if *byte >= 0xA0 {
                        "alertctl reads UTF-8 YAML; this byte looks like Latin-1 or Windows-1252: re-save the file as UTF-8"
                    } else {
                        "alertctl reads UTF-8 YAML; re-save the file as UTF-8"
                    });
            }
        };
        Diagnostic::error(code, message)
            .at(&empty(p), Span::new(0, 0), label)
            .hint(hint)
    }
}

/// Every source file of the rules directory, sorted by path, without reading any, and
/// the problems of the paths that are not read.
#[derive(Debug, Default)]
pub struct Walk {
    pub entries: Vec<Entry>,
    pub problems: Vec<PathProblem>,
}

/// What a file type is, for messages.
pub fn special_kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Where a symbolic link leads, if that is inside `canon_root`.
fn check_link(canon_root: &Path, path: &Path) -> Result<(), Problem> {
    match path.canonicalize() {
        Ok(target) if target.starts_with(canon_root) => Ok(()),
        // Name what the link says (`/proc/self/environ`), not where that led this time.
        Ok(target) => Err(Problem::LinkOutside {
            target: std::fs::read_link(path)
                .unwrap_or(target)
                .display()
                .to_string(),
        }),
        Err(e) if e.raw_os_error() == Some(40) => Err(Problem::LinkLoop),
        Err(e) => Err(Problem::BrokenLink {
            error: short_io(&e),
        }),
    }
}

/// An io::Error's message without the `(os error N)` suffix.
fn short_io(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn path_problem(rel: &Path) -> Option<Problem> {
    let Some(s) = rel.to_str() else {
        return Some(Problem::BadPath {
            reason: "is not UTF-8".into(),
        });
    };
    s.chars()
        .find(|c| is_unsafe_char(*c))
        .map(|c| Problem::BadPath {
            reason: format!("contains {}", describe_char(c)),
        })
}

/// The rules directory's real path: links are checked against it.
pub fn canonical_root(root: &Path) -> Result<PathBuf, LoadError> {
    root.canonicalize()
        .map_err(|e| LoadError::new("resolving", root, e))
}

/// Siblings in file-name order, as `WalkDir::sort_by_file_name`, which parses both paths
/// for every comparison: 8 % of a warm no-op `diff` on 100k files. Siblings share their
/// parent's path, so their whole paths compare as their names do.
pub fn by_name(a: &walkdir::DirEntry, b: &walkdir::DirEntry) -> std::cmp::Ordering {
    a.path().as_os_str().cmp(b.path().as_os_str())
}

pub fn entries(root: &Path) -> Result<Walk, LoadError> {
    let canon_root = canonical_root(root)?;
    let mut walk = Walk::default();
    // The files to read, in walk order: stat'ed after the walk, on every core (on L the
    // 4,099 stats were half of the warm fast path's walk).
    let mut found: Vec<(PathBuf, String, FileKind, bool)> = Vec::new();
    for top in SOURCE_TOPS {
        let start = root.join(top);
        if std::fs::symlink_metadata(&start).is_err() {
            continue;
        }
        let mut it = WalkDir::new(&start)
            .follow_links(true)
            .sort_by(by_name)
            .into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err.path().map_or_else(|| start.clone(), Path::to_path_buf);
                    let rel = relative(root, &path);
                    let problem = if err.loop_ancestor().is_some() {
                        Problem::LinkLoop
                    } else {
                        let is_link = std::fs::symlink_metadata(&path)
                            .is_ok_and(|m| m.file_type().is_symlink());
                        match check_link(&canon_root, &path) {
                            Err(p) if is_link => p,
                            _ => {
                                let source = err
                                    .into_io_error()
                                    .unwrap_or_else(|| std::io::Error::other("walk failed"));
                                return Err(LoadError::new("listing", &path, source));
                            }
                        }
                    };
                    // A broken link that would not be read anyway (README -> nowhere).
                    if FileKind::of(&rel).is_some() || problem == Problem::LinkLoop {
                        walk.problems.push(PathProblem::new(&rel, problem));
                    }
                    continue;
                }
            };
            let rel_path = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let rel = relative(root, entry.path());
            let ft = entry.file_type();
            let yaml_name = FileKind::of(&rel);
            let refused = path_problem(rel_path).or_else(|| {
                entry
                    .path_is_symlink()
                    .then(|| check_link(&canon_root, entry.path()).err())
                    .flatten()
            });
            if let Some(p) = refused {
                // Not descended into; reported when it would have been read.
                if ft.is_dir() {
                    it.skip_current_dir();
                }
                if ft.is_dir() || yaml_name.is_some() {
                    walk.problems.push(PathProblem::new(&rel, p));
                }
                continue;
            }
            if ft.is_dir() {
                continue;
            }
            let Some(kind) = yaml_name else {
                continue;
            };
            if !ft.is_file() {
                walk.problems.push(PathProblem::new(
                    &rel,
                    Problem::Special {
                        what: special_kind(ft),
                    },
                ));
                continue;
            }
            let link = entry.path_is_symlink();
            found.push((entry.into_path(), rel, kind, link));
        }
    }
    // As `DirEntry::metadata` did: a link the walk followed is stat'ed through, any other
    // entry is not. Of the stats that fail, the first in walk order is the error (an
    // error of the walk itself, found while listing, comes before any).
    use rayon::prelude::*;
    let stamped: Vec<Result<Stamp, LoadError>> = found
        .par_iter()
        .map(|(path, _, _, link)| {
            let meta = if *link {
                std::fs::metadata(path)
            } else {
                std::fs::symlink_metadata(path)
            };
            meta.map(|m| Stamp::of(&m))
                .map_err(|e| LoadError::new("reading metadata of", path, e))
        })
        .collect();
    for ((path, rel_path, kind, _), stamp) in found.into_iter().zip(stamped) {
        walk.entries.push(Entry {
            path,
            rel_path,
            kind,
            stamp: stamp?,
        });
    }
    walk.entries.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Ok(walk)
}

/// Why a file could not be read: a problem of the rules directory, or an I/O error.
#[derive(Debug)]
pub enum ReadError {
    Problem(PathProblem),
    Io(LoadError),
}

impl From<LoadError> for ReadError {
    fn from(e: LoadError) -> Self {
        ReadError::Io(e)
    }
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as UTF-8: opened non-blocking (a
/// FIFO swapped in since the walk cannot hang the run) and checked after opening.
pub fn read_text(path: &Path, rel: &str) -> Result<String, ReadError> {
    read_text_with(path, rel, false, false).map(|(t, _)| t)
}

/// [`read_text`] of a file read before, again: a link in its place (last component) is
/// not followed. The walk checked where links lead; nothing checks a link made since.
pub fn read_again(path: &Path, rel: &str) -> Result<String, ReadError> {
    read_text_with(path, rel, true, false).map(|(t, _)| t)
}

/// What [`read_text`] reads, and with `restat` the file's stat once read (taken from
/// the open file after its last byte).
fn read_text_with(
    path: &Path,
    rel: &str,
    no_follow: bool,
    restat: bool,
) -> Result<(String, Option<Stamp>), ReadError> {
    let problem = |p| ReadError::Problem(PathProblem::new(rel, p));
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        // O_NOFOLLOW: a link as the last component fails to open.
        opts.custom_flags(0o4000 | if no_follow { 0o400000 } else { 0 });
    }
    #[cfg(not(target_os = "linux"))]
    if no_follow
        && std::fs::symlink_metadata(path)
            .map_err(|e| LoadError::new("reading", path, e))?
            .file_type()
            .is_symlink()
    {
        return Err(problem(Problem::Special {
            what: "a symbolic link",
        }));
    }
    let file = opts
        .open(path)
        .map_err(|e| LoadError::new("opening", path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| LoadError::new("reading metadata of", path, e))?;
    if !meta.is_file() {
        return Err(problem(Problem::Special {
            what: special_kind(meta.file_type()),
        }));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(problem(Problem::TooLarge { size: meta.len() }));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    let mut file = file.take(MAX_FILE_BYTES + 1);
    file.read_to_end(&mut bytes)
        .map_err(|e| LoadError::new("reading", path, e))?;
    let stamp = match restat {
        true => {
            Some(Stamp::of(&file.get_ref().metadata().map_err(|e| {
                LoadError::new("reading metadata of", path, e)
            })?))
        }
        false => None,
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(problem(Problem::TooLarge {
            size: bytes.len() as u64,
        }));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[offset];
        problem(Problem::NotUtf8 {
            text: Arc::from(String::from_utf8_lossy(e.as_bytes()).as_ref()),
            offset,
            byte,
        })
    })?;
    Ok((text, stamp))
}

/// The content hash of a text (BLAKE3, lowercase hex): what the cache keys source files,
/// rendered files and promtool's verdicts by, and what an edit's base is compared by.
/// One definition, as the fast path compares hashes taken by different commands.
pub fn content_hash(text: &str) -> String {
    content_digest(text).to_hex().to_string()
}

/// [`content_hash`] before it is written as hex.
pub fn content_digest(text: &str) -> blake3::Hash {
    blake3::hash(text.as_bytes())
}

pub fn read(e: &Entry) -> Result<SourceFile, ReadError> {
    read_known(e, None)
}

/// [`read`], with the content hash `known` that the cache recorded for the stat the walk
/// found (the trust the warm fast path gives a stat): used only if the file, once read,
/// still has that stat; a file written since the walk is hashed.
pub fn read_known(e: &Entry, known: Option<&str>) -> Result<SourceFile, ReadError> {
    let (text, stamp) = read_text_with(&e.path, &e.rel_path, false, known.is_some())?;
    let (hash, hashed) = match known {
        Some(h) if stamp == Some(e.stamp) => (h.to_string(), false),
        _ => (content_hash(&text), true),
    };
    Ok(SourceFile {
        source: SourceText::new(e.rel_path.as_str(), text),
        rel_path: e.rel_path.clone(),
        kind: e.kind,
        hash,
        hashed,
    })
}

/// Reads `rel` (a single file at the root, like `alertctl.toml`) under the same rules as
/// the source files: a link must stay inside the rules directory, and the file must be
/// a regular UTF-8 file of bounded size.
pub fn read_root_file(root: &Path, rel: &str) -> Result<String, ReadError> {
    let path = root.join(rel);
    let is_link = std::fs::symlink_metadata(&path)
        .map_err(|e| LoadError::new("reading", &path, e))?
        .file_type()
        .is_symlink();
    if is_link {
        check_link(&canonical_root(root)?, &path)
            .map_err(|p| ReadError::Problem(PathProblem::new(rel, p)))?;
    }
    read_text(&path, rel)
}

/// `path` without `.` and `..` components, by text (`rules/../../etc` is `../etc`).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Where `path` (relative to `base`) really is: absolute, normalized, and with every
/// symbolic link of its deepest existing part resolved; the part that does not exist
/// yet is appended as written.
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    let joined = base.join(path);
    let mut existing = normalize(&std::path::absolute(&joined).unwrap_or(joined));
    let mut missing = Vec::new();
    while std::fs::symlink_metadata(&existing).is_err() {
        let Some(name) = existing.file_name() else {
            break;
        };
        missing.push(name.to_os_string());
        existing.pop();
    }
    let real = existing.canonicalize().unwrap_or(existing);
    missing.into_iter().rev().fold(real, |p, n| p.join(n))
}

/// Where writing `path` (inside the rules directory `root`) really writes, links
/// resolved. `Err` names the problem when that is outside the rules directory
/// (`rules/link/x.yaml` with `rules/link -> /etc`), so an edit can never write outside
/// it, and when `path` exists but is not a regular file.
pub fn confined_write_path(root: &Path, path: &Path) -> Result<PathBuf, String> {
    let canon_root = canonical_root(root).map_err(|e| e.to_string())?;
    let real = resolve(root, path);
    if !real.starts_with(&canon_root) {
        return Err(format!(
            "{} leads to {}, outside the rules directory {}",
            path.display(),
            real.display(),
            canon_root.display()
        ));
    }
    if let Ok(meta) = std::fs::metadata(&real) {
        if !meta.is_file() {
            return Err(format!(
                "{} is {}, not a regular file",
                path.display(),
                special_kind(meta.file_type())
            ));
        }
    }
    Ok(real)
}

pub fn sources(root: &Path) -> Result<Vec<SourceFile>, ReadError> {
    entries(root)?.entries.iter().map(read).collect()
}

pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`by_name`] walks in `sort_by_file_name`'s order (which orders the problems
    /// [`entries`] reports): a directory's files after it, before its next sibling,
    /// whatever the bytes around the `/` (`a` < `a-b` < `a.b` < `a0`).
    #[test]
    fn the_walk_keeps_the_file_name_order() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::write(root.join("alertctl.toml"), "").unwrap();
        for f in [
            "templates/a/x.yaml",
            "templates/a/b/c.yaml",
            "templates/a.b.yaml",
            "templates/a-b.yaml",
            "templates/A.yaml",
            "templates/ab.yaml",
            "templates/a0/z.yaml",
            "templates/\u{e9}.yaml",
            "rules/global/1.yaml",
            "rules/global/10.yaml",
            "rules/global/9.yaml",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        // A name that is not UTF-8, and a linked directory walked through (as `entries`
        // follows links).
        use std::os::unix::ffi::OsStrExt;
        let odd = std::ffi::OsStr::from_bytes(b"a\xff.yaml");
        std::fs::write(root.join("templates").join(odd), "").unwrap();
        std::os::unix::fs::symlink(root.join("templates/a"), root.join("templates/a.link"))
            .unwrap();
        let walk = |sorted: WalkDir| -> Vec<std::path::PathBuf> {
            sorted
                .follow_links(true)
                .into_iter()
                .map(|e| e.unwrap().into_path())
                .collect()
        };
        let walked = walk(WalkDir::new(root).sort_by(by_name));
        assert_eq!(walked.len(), 24, "{walked:?}");
        assert_eq!(walked, walk(WalkDir::new(root).sort_by_file_name()));
    }
}
