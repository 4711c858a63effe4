//! The pipeline up to a resolved model: find the rules directory, read settings, load
//! files (through the cache), parse what changed, build and check the model.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cache::{Ahead, Answers, Cache};
use crate::diag::{Diagnostics, SourceText};
use crate::model::resolve::Model;
use crate::model::FileModel;
use crate::source::load;
use crate::source::parse;
use crate::source::settings::{self, Settings};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ProjectError {
    #[error("no {file} found in {start} or any parent directory", file = settings::FILE_NAME)]
    #[diagnostic(
        code(alertctl::no_rules_dir),
        help("run `alertctl init` to create a rules directory, or pass --dir")
    )]
    NotFound { start: String },
    #[error("{path} is {what}, not a file")]
    #[diagnostic(
        code(alertctl::no_rules_dir),
        help("alertctl.toml holds the settings of a rules directory: make it a file")
    )]
    NotAFile { path: String, what: &'static str },
    #[error(transparent)]
    #[diagnostic(code(alertctl::io))]
    Load(#[from] load::LoadError),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadStats {
    pub files: usize,
    pub parsed: usize,
    pub cached: usize,
    /// Files hashed (the others' hashes came with the fast path's stats, [`Seen`]).
    #[serde(skip)]
    pub hashed: usize,
}

pub struct Project {
    pub root: PathBuf,
    pub model: Model,
    pub stats: LoadStats,
    pub cache_note: Option<String>,
    /// Open for queries (`list`, after [`Project::ensure_index`]); in memory with
    /// `--no-cache`.
    pub cache: Cache,
    /// The `alertmanager/` part of the rules directory (empty when there is none).
    pub alertmanager: crate::alertmanager::config::AmConfig,
    /// Identifies the directory's content (settings and every source file) and the
    /// alertctl version; the fast path's stored results are keyed by it.
    pub fingerprint: String,
    /// What each alert's index rows and answers depend on: unchanged keys keep their
    /// stored rows ([`crate::cache::incremental`]).
    pub keys: crate::cache::incremental::Keys,
    /// Every source text is the file's on disk (no unsaved edits laid over them).
    pub from_disk: bool,
    /// Each source file's content hash, in the order the fingerprint takes them.
    pub(crate) source_hashes: Vec<(String, String)>,
    /// The load reported nothing at all (not even an accepted warning).
    pub(crate) load_clean: bool,
    /// The stored renders, being read since the load ([`load_to_render`]); the first
    /// render takes them.
    memos_ahead: std::sync::Mutex<Option<crate::cache::MemosAhead>>,
    /// What `memos_ahead` reads, if it was started.
    reading_ahead: Option<Ahead>,
    /// The output directory `diff` compares with, and its files' hashes, being read
    /// since the load ([`load_to_diff`]); [`Project::render_against`] takes them.
    output_ahead: std::sync::Mutex<Option<(PathBuf, OutputHashes)>>,
    /// The warnings the load showed ([`crate::diag::stored::encode`]), kept with a
    /// stored run: `effective` and `trace`, which show only these, show them again.
    load_warnings: Vec<u8>,
}

pub(crate) fn fingerprint<'a>(
    settings_text: &str,
    files: impl Iterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut fp = blake3::Hasher::new();
    fp.update(env!("CARGO_PKG_VERSION").as_bytes());
    fp.update(b"\0");
    fp.update(settings_text.as_bytes());
    for (path, hash) in files {
        fp.update(b"\0");
        fp.update(path.as_bytes());
        fp.update(b"\0");
        fp.update(hash.as_bytes());
    }
    fp.finalize().to_hex().to_string()
}

/// The warm fast path's entry: the directory's settings, its open cache, and its
/// fingerprint, known without reading a source file when every file's stat matches the
/// cache (reading only the few whose stat cannot vouch for them, [`look`]). `None` when
/// anything changed (or there is no cache): do a full load.
pub struct Quick {
    pub root: PathBuf,
    pub settings: Settings,
    settings_text: String,
    /// The walk that found every file as recorded (by stat, or by content), and the
    /// recorded stats: each file's content hash, as the last full run recorded it.
    walk: load::Walk,
    stats: Stats,
    pub cache: Cache,
    pub fingerprint: String,
}

/// What the fast path saw of a directory whose sources changed since the last full run:
/// the walk, and the stat rows that authenticated. The full load that follows in the
/// same process takes it ([`load_to_diff`], [`load_to_render`]) rather than walking
/// again, and reads the files whose stat is unchanged without hashing them again.
pub struct Seen {
    pub(crate) root: PathBuf,
    pub(crate) walk: load::Walk,
    pub(crate) stats: Stats,
}

/// The cache's stat rows: path -> (stat, content hash, when it was recorded).
pub(crate) type Stats = std::collections::HashMap<String, (load::Stamp, String, i64)>;

/// The recorded content hash of `e`, when its stat is as recorded and not racy
/// ([`load::Stamp::racy`]).
pub(crate) fn recorded_hash<'s>(stats: &'s Stats, e: &load::Entry) -> Option<&'s str> {
    let (stamp, hash, seen) = stats.get(&e.rel_path)?;
    (*stamp == e.stamp && !e.stamp.racy(*seen)).then_some(hash.as_str())
}

/// At most this many files whose stat cannot vouch for them are compared by content
/// on the fast path: a file just edited and its `diff` run, or a few touched. More (a
/// checkout, a restored cache) take the full path once, which records their stats, rather
/// than every later run reading and hashing them again.
const CONTENT_CHECKS: usize = 64;

pub fn quick(root: &Path) -> Option<Quick> {
    look(root).ok()
}

/// [`quick`], or what it saw when the sources changed ([`Seen`]; `None` when it
/// stopped before the walk: no cache, unreadable settings).
pub fn look(root: &Path) -> Result<Quick, Option<Seen>> {
    let text = load::read_root_file(root, settings::FILE_NAME).map_err(|_| None)?;
    let src = SourceText::new(settings::FILE_NAME, text.as_str());
    let settings = settings::parse(&src).map_err(|_| None)?;
    // The paths the settings name are checked against the filesystem, not the hashed
    // files: `output.dir` replaced by a link to the rules directory is an error the
    // full path reports, not a reason to answer from the cache.
    let real_root = load::canonical_root(root).map_err(|_| None)?;
    let resolve = |p: &str| load::resolve(root, Path::new(p));
    if !settings::check_paths(&settings, &src, &real_root, &resolve).is_empty() {
        return Err(None);
    }
    let cache = Cache::open_existing(root).ok_or(None)?;
    let stats = cache.stats();
    let walk = load::entries(root).map_err(|_| None)?;
    // A file whose stat cannot vouch for it (touched, written again, or modified just
    // before its hash was recorded) is compared by content, on every core: one that
    // still holds what was recorded keeps the fast path (git's "racily clean").
    let unsure: Vec<&load::Entry> = walk
        .entries
        .iter()
        .filter(|e| recorded_hash(&stats, e).is_none())
        .collect();
    let holds_recorded = |e: &&load::Entry| {
        stats.get(&e.rel_path).is_some_and(|(_, hash, _)| {
            load::read_text(&e.path, &e.rel_path).is_ok_and(|t| load::content_hash(&t) == *hash)
        })
    };
    let unchanged = walk.problems.is_empty()
        && walk.entries.len() == stats.len()
        && unsure.len() <= CONTENT_CHECKS
        && unsure.par_iter().all(holds_recorded);
    drop(unsure);
    if !unchanged {
        return Err(Some(Seen {
            root: root.to_path_buf(),
            walk,
            stats,
        }));
    }
    let hashes = walk
        .entries
        .iter()
        .filter_map(|e| Some((e.rel_path.as_str(), stats.get(&e.rel_path)?.1.as_str())));
    let fingerprint = fingerprint(&text, hashes);
    Ok(Quick {
        root: root.to_path_buf(),
        settings,
        settings_text: text,
        walk,
        stats,
        cache,
        fingerprint,
    })
}

/// What `diff` shows of a rules directory whose sources are unchanged since the stored
/// run, when the output directory does not hold all of its files ([`Quick::pending`]).
pub struct Pending {
    /// The stored run's files the directory does not hold as built: name -> content.
    pub files: BTreeMap<String, String>,
    /// The others: name -> content hash (the directory holds them as built).
    pub kept: BTreeMap<String, String>,
}

impl Quick {
    /// What a `diff` run earlier against this fingerprint showed and did not write,
    /// when the cache kept it ([`Cache::store_pending`]): the files the output directory
    /// `dir` (whose files hash as `current` says) does not hold as the stored run built
    /// them, which the full path would build and compare. `None` (take the full path)
    /// with shards or file_sd, an unfinished commit in `dir`, a hand-written file in the
    /// way, or a file not kept.
    pub fn pending(
        &self,
        dir: &Path,
        current: &crate::render::output::Current<String>,
    ) -> Option<Pending> {
        if !self.settings.shards.is_empty() || self.settings.file_sd.is_some() {
            return None;
        }
        if dir.join(crate::deploy::txn::JOURNAL).exists() {
            return None;
        }
        let stored = self.cache.rendered_hashes(&self.fingerprint)?;
        if current.foreign.iter().any(|f| stored.contains_key(f)) {
            return None;
        }
        let (kept, differ): (BTreeMap<&str, &str>, BTreeMap<&str, &str>) = stored
            .iter()
            .map(|(n, h)| (n.as_str(), h.as_str()))
            .partition(|(n, h)| current.generated.get(*n).is_some_and(|c| c == h));
        let files = self.cache.pending(&self.fingerprint, &differ)?;
        let kept = kept
            .into_iter()
            .map(|(n, h)| (n.to_string(), h.to_string()))
            .collect();
        Some(Pending { files, kept })
    }

    /// What it saw, for a full load all the same (the output directory is not as the
    /// last run left it): the files whose stat vouches for them are not hashed again.
    pub fn into_seen(self) -> Seen {
        Seen {
            root: self.root,
            walk: self.walk,
            stats: self.stats,
        }
    }

    /// The warnings of the full run whose results the fast path shows: a second run
    /// shows what the first one did (as cargo replays a crate's warnings). Each file
    /// they quote is read again and must hash as its stat row says; `None` (take the
    /// full path) when one does not, or nothing authenticates.
    pub fn warnings(&self) -> Option<Diagnostics> {
        self.replay(&self.cache.warnings(&self.fingerprint)?.shown)
    }

    /// [`Quick::warnings`] of the run's load alone: what a command that renders
    /// nothing (`effective`, `trace`) shows.
    pub fn load_warnings(&self) -> Option<Diagnostics> {
        self.replay(&self.cache.warnings(&self.fingerprint)?.load)
    }

    fn replay(&self, bytes: &[u8]) -> Option<Diagnostics> {
        let mut texts: std::collections::HashMap<String, SourceText> = Default::default();
        crate::diag::stored::decode(bytes, |path: &str| {
            if let Some(t) = texts.get(path) {
                return Some(t.clone());
            }
            let text = if path == settings::FILE_NAME {
                self.settings_text.clone()
            } else {
                let (_, hash, _) = self.stats.get(path)?;
                // Following a link, as the load does: the walk of `quick` has just
                // checked where each leads, and the hash checks what it reads.
                let text = load::read_text(&self.root.join(path), path).ok()?;
                (load::content_hash(&text) == *hash).then_some(text)?
            };
            let t = SourceText::new(path, text);
            texts.insert(path.to_string(), t.clone());
            Some(t)
        })
    }
}

/// The nearest directory at or above `start` holding `alertctl.toml`.
pub fn find_root(start: &Path) -> Result<PathBuf, ProjectError> {
    let abs = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    for d in abs.ancestors() {
        let path = d.join(settings::FILE_NAME);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => return Ok(d.to_path_buf()),
            // A directory (or FIFO) named alertctl.toml is a mistake, not a reason to use
            // the settings of some parent directory.
            Ok(m) => {
                return Err(ProjectError::NotAFile {
                    path: path.display().to_string(),
                    what: load::special_kind(m.file_type()),
                })
            }
            Err(_) => {}
        }
    }
    Err(ProjectError::NotFound {
        start: abs.display().to_string(),
    })
}

pub fn load(root: &Path, use_cache: bool) -> Result<(Project, Diagnostics), ProjectError> {
    load_inner(root, use_cache, &Overlay::new(), None, None, None)
}

/// [`load()`] for a caller that renders next with the stored renders (any render but
/// `validate`'s batched one): they are read on another thread while the model is built.
/// `seen`: what [`look`] saw of the directory just before, if it declined.
pub fn load_to_render(
    root: &Path,
    use_cache: bool,
    seen: Option<Seen>,
) -> Result<(Project, Diagnostics), ProjectError> {
    let ahead = Some(Ahead::Memos);
    load_inner(root, use_cache, &Overlay::new(), ahead, None, seen)
}

/// [`load_to_render`] for a caller that builds only the files a change needs:
/// `validate` against the stored run ([`Project::render_known`]), and `diff` through
/// [`load_to_diff`]. Only the stored renders' summaries are read ahead, and the renders
/// themselves of the alerts in the files it builds.
pub fn load_to_build_some(
    root: &Path,
    use_cache: bool,
) -> Result<(Project, Diagnostics), ProjectError> {
    load_some(root, use_cache, None, None)
}

/// [`load_to_build_some`] for `diff` against the output directory `out` (the
/// settings' `output.dir` if `None`, [`Project::render_against`]): the directory's
/// files are hashed while the model is built (15 ms on L, on a core that is otherwise
/// idle for part of the build). `seen` as in [`load_to_render`].
pub fn load_to_diff(
    root: &Path,
    use_cache: bool,
    out: Option<&Path>,
    seen: Option<Seen>,
) -> Result<(Project, Diagnostics), ProjectError> {
    load_some(root, use_cache, Some(out), seen)
}

/// The loads that read the stored renders' summaries ahead; `diff_against` as in
/// [`load_inner`].
fn load_some(
    root: &Path,
    use_cache: bool,
    diff_against: Option<Option<&Path>>,
    seen: Option<Seen>,
) -> Result<(Project, Diagnostics), ProjectError> {
    let summaries = Some(Ahead::Summaries);
    load_inner(
        root,
        use_cache,
        &Overlay::new(),
        summaries,
        diff_against,
        seen,
    )
}

/// The hashes of an output directory's files, read on a thread of their own.
type OutputHashes =
    std::thread::JoinHandle<std::io::Result<crate::render::output::Current<String>>>;

/// Unsaved edits, by path relative to the rules directory: the text a file would have
/// (a new file, or one that replaces the file on disk), or `None` for a file that would
/// be removed. Only paths of source files (`templates/`, `rules/`, inventory) are used.
pub type Overlay = std::collections::BTreeMap<String, Option<String>>;

/// [`load()`], with some files as they would be after unsaved edits: what an editor
/// previews. The cache on disk is read (unchanged files are not parsed again) but never
/// written, so its index and fast path keep describing the files on disk.
pub fn load_with(
    root: &Path,
    use_cache: bool,
    overlay: &Overlay,
) -> Result<(Project, Diagnostics), ProjectError> {
    load_inner(root, use_cache, overlay, None, None, None)
}

/// Every load. `read_memos_ahead`: what of the stored renders is read while the model
/// is built; `diff_against`: `Some(out)` also hashes the output directory `diff`
/// compares with (`out`, or the settings' `output.dir` if `None`); `seen`: what the fast
/// path saw of `root` ([`Seen`]), used only with the cache and no overlay.
fn load_inner(
    root: &Path,
    use_cache: bool,
    overlay: &Overlay,
    read_memos_ahead: Option<Ahead>,
    diff_against: Option<Option<&Path>>,
    seen: Option<Seen>,
) -> Result<(Project, Diagnostics), ProjectError> {
    let mut diags = Diagnostics::default();
    let text = match load::read_root_file(root, settings::FILE_NAME) {
        Ok(t) => t,
        Err(load::ReadError::Io(e)) => return Err(e.into()),
        Err(load::ReadError::Problem(p)) => {
            diags.push(p.diagnostic());
            String::new()
        }
    };
    let settings_src = SourceText::new(settings::FILE_NAME, text);
    let settings = settings::parse(&settings_src).unwrap_or_else(|d| {
        diags.push(*d);
        Settings::default()
    });
    let real_root = load::canonical_root(root)?;
    for d in settings::check_paths(&settings, &settings_src, &real_root, &|p| {
        load::resolve(root, Path::new(p))
    }) {
        diags.push(d);
    }

    // Only a render that keeps files compares them with the directory (a cache on
    // disk, no shards: `Project::keys_files`).
    let output_ahead = diff_against
        .filter(|_| use_cache && settings.shards.is_empty())
        .map(|out| {
            let dir = out.map_or_else(|| root.join(&settings.output.dir), Path::to_path_buf);
            let reading = dir.clone();
            let hashes = std::thread::spawn(move || crate::render::output::read_hashes(&reading));
            (dir, hashes)
        });
    // What the fast path saw of this directory, taken whole: its walk, and its
    // stat rows for the files it need not hash again.
    let seen = seen.filter(|s| use_cache && overlay.is_empty() && s.root == root);
    let (walked, recorded) = match seen {
        // Elsewhere a stat is a size and an mtime alone: not enough for a full load.
        Some(Seen { walk, stats, .. }) if cfg!(unix) => (walk, stats),
        Some(Seen { walk, .. }) => (walk, Stats::default()),
        None => (load::entries(root)?, Stats::default()),
    };
    crate::timings::mark("load: settings, walk");
    // A file that cannot be read safely (a link out of the directory, a FIFO, not UTF-8,
    // too large) is bad input like any other: reported with the rest, not the end of the
    // run, and marked broken so that names it defines are not reported as unknown.
    let mut refused: Vec<(SourceText, FileModel)> = Vec::new();
    let mut refuse = |p: load::PathProblem, diags: &mut Diagnostics| {
        diags.push(p.diagnostic());
        let broken = FileModel {
            broken: true,
            ..FileModel::default()
        };
        let empty = SourceText::new(p.rel_path.as_str(), "");
        refused.push((empty, broken));
    };
    for p in walked.problems {
        refuse(p, &mut diags);
    }
    let mut readable = Vec::with_capacity(walked.entries.len());
    let mut sources = Vec::with_capacity(walked.entries.len());
    // Reading and hashing the files are independent: on every core, results in walk order.
    let read: Vec<_> = walked
        .entries
        .par_iter()
        .filter(|e| !overlay.contains_key(&e.rel_path))
        .map(|e| (e, load::read_known(e, recorded_hash(&recorded, e))))
        .collect();
    for (e, r) in read {
        match r {
            Ok(s) => {
                readable.push(e);
                sources.push(s);
            }
            Err(load::ReadError::Problem(p)) => refuse(p, &mut diags),
            Err(load::ReadError::Io(err)) => return Err(err.into()),
        }
    }
    for (rel, text) in overlay {
        let (Some(text), Some(kind)) = (text, parse::FileKind::of(rel)) else {
            continue;
        };
        sources.push(load::SourceFile {
            rel_path: rel.clone(),
            kind,
            source: SourceText::new(rel.as_str(), text.as_str()),
            hash: load::content_hash(text),
            hashed: true,
        });
    }
    if !overlay.is_empty() {
        sources.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    }
    crate::timings::mark("load: read and hash files");
    let mut cache = if use_cache {
        Cache::open(root)
    } else {
        Cache::disabled()
    };
    let mut stats = LoadStats {
        files: sources.len(),
        hashed: sources.iter().filter(|s| s.hashed).count(),
        ..Default::default()
    };
    let mut files: Vec<(SourceText, FileModel)> = Vec::with_capacity(sources.len());
    let mut fresh: Vec<(usize, String)> = Vec::new();
    // The cache answers first (one SQLite connection); the files it does not know are
    // parsed on every core, and their models and diagnostics taken in source order, so
    // the output does not depend on the number of threads.
    let wanted: Vec<(&str, &str)> = sources
        .iter()
        .map(|sf| (sf.rel_path.as_str(), sf.hash.as_str()))
        .collect();
    let known = cache.scan_models(&wanted).unwrap_or_else(|e| {
        // Damage in the stored models: start a new cache (never with unsaved edits,
        // whose loads leave the disk alone), and parse every file.
        if overlay.is_empty() {
            cache.rebuild_if_damaged(root, &e);
        }
        wanted.iter().map(|_| None).collect()
    });
    crate::timings::mark("load: stored models");
    let parsed: Vec<Option<(FileModel, Diagnostics)>> = sources
        .par_iter()
        .zip(&known)
        .map(|(sf, known)| {
            known.is_none().then(|| {
                let mut file_diags = Diagnostics::default();
                let m = parse::file(sf.kind, &sf.source, &mut file_diags);
                (m, file_diags)
            })
        })
        .collect();
    for ((sf, known), parsed) in sources.iter().zip(known).zip(parsed) {
        if let Some(mut m) = known {
            stats.cached += 1;
            m.share_path(&sf.source.path);
            files.push((sf.source.clone(), m));
            continue;
        }
        let (m, file_diags) = parsed.expect("every file the cache does not know is parsed");
        stats.parsed += 1;
        // Files with problems are parsed again next time, so their diagnostics are too.
        if file_diags.is_empty() {
            fresh.push((files.len(), sf.hash.clone()));
        }
        diags.extend(file_diags);
        files.push((sf.source.clone(), m));
    }
    let entries: Vec<(&str, &str, &FileModel)> = fresh
        .iter()
        .map(|(i, h)| (&*files[*i].0.path, h.as_str(), &files[*i].1))
        .collect();
    let present: Vec<&str> = sources.iter().map(|s| s.rel_path.as_str()).collect();
    if !overlay.is_empty() {
        // Parsed models were read from the disk cache; what follows records this load's
        // files (and any index built for it), which describe no state on disk: keep
        // them in memory.
        cache = Cache::disabled();
    }
    let mut cache_note = cache.note.take();
    if let Err(e) = cache.update(&entries, &present) {
        cache.fall_back("not updated", &e);
    }
    let fingerprint = fingerprint(
        settings_src.text(),
        sources
            .iter()
            .map(|s| (s.rel_path.as_str(), s.hash.as_str())),
    );
    // Stats describe files on disk (`readable` and `sources` pair up without an overlay).
    if overlay.is_empty() {
        let stat_rows: Vec<(&str, load::Stamp, &str)> = readable
            .iter()
            .zip(&sources)
            .map(|(e, s)| (e.rel_path.as_str(), e.stamp, s.hash.as_str()))
            .collect();
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        if let Err(e) = cache.store_stats(&stat_rows, now_ns) {
            cache.fall_back("not updated", &e);
        }
    }
    let hashes: std::collections::HashMap<String, String> = sources
        .iter()
        .map(|s| (s.rel_path.clone(), s.hash.clone()))
        .collect();
    let am_sources: Vec<SourceText> = sources
        .iter()
        .filter(|s| s.kind == parse::FileKind::Alertmanager)
        .map(|s| s.source.clone())
        .collect();
    files.extend(refused);
    let memos_ahead = read_memos_ahead.and_then(|what| cache.read_memos_ahead(what));
    let reading_ahead = read_memos_ahead.filter(|_| memos_ahead.is_some());
    crate::timings::mark("load: parse, cache update");
    let mut model = Model::build(settings, files, &mut diags);
    crate::timings::mark("load: model build");
    let alertmanager = crate::alertmanager::config::parse(&am_sources, &model, &mut diags);
    for s in am_sources {
        model.sources.insert(s.path.to_string(), s);
    }
    model
        .sources
        .insert(settings::FILE_NAME.to_string(), settings_src);
    let keys = crate::cache::incremental::keys(&model, &hashes);
    crate::timings::mark("load: dependency keys");
    let load_warnings = crate::diag::stored::encode(diags.shown(&model.settings.accepted()));
    let source_hashes = sources
        .iter()
        .map(|s| (s.rel_path.clone(), s.hash.clone()))
        .collect();
    cache_note = cache.note.take().or(cache_note);
    Ok((
        Project {
            root: root.to_path_buf(),
            model,
            stats,
            cache_note,
            cache,
            alertmanager,
            fingerprint,
            keys,
            from_disk: overlay.is_empty(),
            source_hashes,
            load_clean: diags.is_empty(),
            memos_ahead: std::sync::Mutex::new(memos_ahead),
            reading_ahead,
            output_ahead: std::sync::Mutex::new(output_ahead),
            load_warnings,
        },
        diags,
    ))
}

/// What a render's files are matched with: a file that is as the stored run built it
/// is not built again.
enum Against<'a> {
    Nothing,
    /// An output directory's files, name -> content hash: a file the stored run built
    /// from what it would be built from now, and that the directory holds as built then.
    Dir(&'a BTreeMap<String, String>),
    /// The stored run: a file it built from what it would be built from now, if its
    /// content hash is one of these (when given).
    Stored(Option<&'a HashSet<String>>),
}

impl Against<'_> {
    /// Whether the stored run's file `name`, of content hash `hash`, may be kept.
    fn keeps(&self, name: &str, hash: &String) -> bool {
        match self {
            Against::Nothing => false,
            Against::Dir(current) => current.get(name) == Some(hash),
            Against::Stored(hashes) => hashes.is_none_or(|h| h.contains(hash)),
        }
    }
}

impl Project {
    pub fn output_dir(&self) -> PathBuf {
        self.root.join(&self.model.settings.output.dir)
    }

    /// Keeps the rendered `files` an output directory holding `current` does not hold
    /// (a `diff` shown and not written), for [`Quick::pending`] until the sources
    /// change. Nothing with `[file_sd]`, whose files the kept paths do not build, or
    /// over [`crate::cache::PENDING_BYTES`].
    pub fn keep_pending(
        &mut self,
        files: &BTreeMap<String, String>,
        current: &crate::render::output::Current,
    ) -> rusqlite::Result<()> {
        let differ: BTreeMap<&str, &str> = files
            .iter()
            .filter(|(n, c)| current.generated.get(*n) != Some(*c))
            .map(|(n, c)| (n.as_str(), c.as_str()))
            .collect();
        if differ.is_empty() || !self.cache.is_on_disk() || self.model.settings.file_sd.is_some() {
            return Ok(());
        }
        self.cache.store_pending(&self.fingerprint, &differ)
    }

    /// Renders the model; files the cache already holds need not be checked again
    /// ([`crate::render::render_checked`]).
    pub fn render(&self, diags: &mut Diagnostics) -> crate::render::Rendered {
        self.render_keeping(diags, false, Against::Nothing)
    }

    /// [`Project::render`] for a caller that stores the results ([`store_rendered`]):
    /// each alert rendered now is also encoded, and each file's key computed, for the
    /// cache to keep (on disk only).
    pub fn render_for_store(&self, diags: &mut Diagnostics) -> crate::render::Rendered {
        self.render_keeping(diags, true, Against::Nothing)
    }

    /// [`Project::render_for_store`] for a caller that compares the render with the
    /// output directory `dir`: a file the stored run built from what it would be built
    /// from now, and that `dir` holds as built then (by content hash), is not built
    /// again (`Rendered::kept`). The directory is read only when that can happen: with
    /// a cache on disk and no shards (each shard has a directory of its own).
    pub fn render_against(&self, diags: &mut Diagnostics, dir: &Path) -> crate::render::Rendered {
        if !self.keys_files() {
            return self.render_for_store(diags);
        }
        let ahead = self.output_ahead.lock().ok().and_then(|mut a| a.take());
        let current = match ahead {
            Some((read, hashes)) if read == dir => hashes
                .join()
                .unwrap_or_else(|_| crate::render::output::read_hashes(dir)),
            _ => crate::render::output::read_hashes(dir),
        };
        crate::timings::mark("output hashes");
        match current {
            Ok(current) => self.render_keeping(diags, true, Against::Dir(&current.generated)),
            Err(_) => self.render_for_store(diags),
        }
    }

    /// The render of a check that keeps nothing (`validate`) after a few edits since a
    /// stored run: every file whose key is the stored one, and whose content hash (the
    /// one the stored run built it with, which a file of that key has) is in `hashes`
    /// if given, is not built (`Rendered::kept`); the renders of the alerts found only
    /// in such files are not read. `None` (render in full) without a cache on disk or
    /// its summaries ([`load_to_build_some`]), with shards, or when more alerts must be
    /// rendered or files built than [`crate::render::memo::bound`] allows: those are
    /// done at once, where a full `validate` renders in batches to bound its memory.
    /// `stored`: the stored run's file hashes ([`Cache::stored_rule_file_hashes`]), read
    /// once by the caller.
    pub fn render_known(
        &self,
        diags: &mut Diagnostics,
        stored: &HashSet<String>,
        hashes: Option<&HashSet<String>>,
    ) -> Option<crate::render::Rendered> {
        if !self.keys_files() || self.reading_ahead != Some(Ahead::Summaries) {
            return None;
        }
        let memos = self.memos(false, Against::Stored(hashes));
        memos.partial.as_ref()?;
        let rendered = crate::render::render_bounded(&self.model, diags, stored, memos);
        crate::timings::mark("render");
        rendered
    }

    /// Whether a storing render keys its files: they can be kept only by a cache on
    /// disk, and never with shards.
    fn keys_files(&self) -> bool {
        self.cache.is_on_disk() && self.model.settings.shards.is_empty()
    }

    fn render_keeping(
        &self,
        diags: &mut Diagnostics,
        keep: bool,
        against: Against,
    ) -> crate::render::Rendered {
        let memos = self.memos(keep, against);
        // The stored render's files; without one, every content a promtool passed, so
        // that a first render after `validate` guards none of them again. Not always
        // both: reading every verdict (up to 20k rows) costs more than guarding the few
        // files an edit changes.
        let mut passed = self.cache.stored_rule_file_hashes();
        if passed.is_empty() {
            passed = self.cache.promtool_passed();
        }
        let rendered = crate::render::render_reusing(&self.model, diags, &passed, memos);
        crate::timings::mark("render");
        rendered
    }

    /// What a render takes from the stored run: with `keep`, it encodes what it renders
    /// for the cache to keep; files are matched `against` something to be kept.
    fn memos(&self, keep: bool, against: Against) -> crate::render::memo::Memos<'_> {
        let on_disk = keep && self.cache.is_on_disk();
        let key_files = (keep || matches!(against, Against::Stored(_))) && self.keys_files();
        // Read ahead, unless the cache has fallen back to memory since (then, as
        // without it, nothing stored is used).
        let ahead = self
            .memos_ahead
            .lock()
            .ok()
            .and_then(|mut a| a.take())
            .filter(|_| self.cache.is_on_disk())
            .and_then(|a| a.join(&self.keys.alerts));
        let keys = &self.keys.alerts;
        let (mut stored, file_memos) = match ahead {
            Some(a) => ((a.what, a.alerts), Some(a.files)),
            None => ((Ahead::Memos, self.cache.alert_memos(keys)), None),
        };
        let files = match against {
            Against::Nothing => Default::default(),
            _ if !key_files => Default::default(),
            _ => {
                let mut files = file_memos.unwrap_or_else(|| self.cache.file_memos());
                files.retain(|name, m| against.keeps(name, &m.hash));
                files
            }
        };
        // Only the summaries were read ahead: a render that builds only some files
        // reads the renders it needs. Its store rewrites the rows of the alerts whose
        // stored index rows have another key, from their cells: they are rendered.
        let partial = match stored.0 {
            Ahead::Summaries if key_files && !matches!(against, Against::Nothing) => {
                let indexed = self.cache.alert_keys();
                let mut summaries = std::mem::take(&mut stored.1);
                summaries.retain(|alert, _| indexed.get(alert) == keys.get(alert));
                (!indexed.is_empty()).then(|| crate::render::memo::Partial {
                    summaries,
                    fetch: Box::new(|wanted| self.cache.alert_memos_of(wanted)),
                    bounded: matches!(against, Against::Stored(_)),
                })
            }
            _ => None,
        };
        if stored.0 == Ahead::Summaries
            && partial.is_none()
            && !matches!(against, Against::Stored(_))
        {
            stored.1 = self.cache.alert_memos(keys);
        }
        // Alerts whose key is unchanged are read back rather than rendered again.
        crate::render::memo::Memos {
            stored: stored.1,
            encode: on_disk,
            key_files,
            keys: Some((
                keys,
                crate::render::memo::layout_key(&self.model, &self.keys.global),
            )),
            files,
            partial,
        }
    }

    /// Lets go of the source files' texts ([`SourceText::released`]), for a command
    /// that from here on reads a text only to show a diagnostic: `validate` renders a
    /// large directory without most of them. The settings stay (small, and read again by
    /// several steps), and so do linked files and every text of a load with unsaved
    /// edits (neither could be read again as loaded).
    pub fn release_texts(&mut self) {
        if !self.from_disk {
            return;
        }
        let root: std::sync::Arc<Path> = std::sync::Arc::from(self.root.as_path());
        self.model.sources.par_iter_mut().for_each(|(rel, src)| {
            // A linked file is kept: it is read again without following links.
            let regular = std::fs::symlink_metadata(root.join(rel.as_str()))
                .is_ok_and(|m| m.file_type().is_file());
            if rel == settings::FILE_NAME || !regular {
                return;
            }
            if let Some(released) = src.released(&root) {
                *src = released;
            }
        });
    }

    /// Brings the query index up to this load's files: what `list`, the web UI and the
    /// fast path read, and what the stored answers are keyed by. Not part of the load:
    /// `validate` (a pre-commit hook) never reads it, and on a large directory building
    /// it is a good part of a cold run. Cheap when the index is current; every reader of
    /// the index calls it first, as a stale index must not answer `list`.
    pub fn ensure_index(&mut self) {
        if let Err(e) = self.refresh_index() {
            self.index_in_memory("index not updated", &e);
        }
        crate::timings::mark("query index");
        if let Some(note) = self.cache.note.take() {
            self.cache_note = Some(note);
        }
    }

    fn refresh_index(&mut self) -> rusqlite::Result<bool> {
        self.cache
            .refresh_index(&self.fingerprint, &self.model, &self.keys)
    }

    /// After `e` (`what` failed): the cache falls back to memory and the index is built
    /// there, so this run's queries still see the files as loaded.
    fn index_in_memory(&mut self, what: &str, e: &rusqlite::Error) {
        self.cache.fall_back(what, e);
        if let Err(e) = self.refresh_index() {
            self.cache_note = Some(format!("cache index not built: {e}"));
        }
    }

    /// A damaged cache found while storing results (the load checks only the tables it
    /// reads): removed so the next run builds a new one, with this run's index kept in
    /// memory for queries, as when the cache cannot be written.
    fn drop_damaged_cache(&mut self, e: &rusqlite::Error) {
        self.index_in_memory("results not stored", e);
    }
}

/// How much of the cache index a run's store recomputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Reuse {
    /// Alerts whose cell and trace rows were computed and written.
    pub recomputed: usize,
    pub alerts: usize,
    /// The answers were left to the first question ([`Answers::Deferred`]).
    pub deferred: bool,
}

/// Leaves a run's rendered results in the cache for the fast path of the next run
/// (render, diff and apply), unless there are errors or they are stored already. Only the
/// alerts whose dependency key changed since the stored run get their index rows
/// computed and written again ([`crate::cache::incremental`]).
///
/// `answers`: [`Answers::Stored`] stores the answers of `effective` and `trace` (the
/// query index, every alert's cells and traces) in any case; [`Answers::Deferred`]
/// only when the cache keeps them already ([`Cache::defers_answers`]).
pub fn store_rendered(
    project: &mut Project,
    rendered: &crate::render::Rendered,
    diags: &Diagnostics,
    answers: Answers,
) -> rusqlite::Result<Option<Reuse>> {
    if diags.has_errors() {
        return Ok(None);
    }
    // Answers stored now where a store deferred them: every alert's rows are written,
    // from its cells. A render that left some alerts as summaries, or some files unbuilt
    // (`diff`), may not have all of them: the answers stay deferred.
    let fill = answers == Answers::Stored && project.cache.answers_deferred();
    let whole = rendered.summarized == 0 && rendered.kept.is_empty();
    let answers = match answers {
        Answers::Deferred if project.cache.defers_answers() => Answers::Deferred,
        Answers::Stored if fill && !whole => Answers::Deferred,
        _ => Answers::Stored,
    };
    let deferred = answers == Answers::Deferred;
    // The stored answers are read only alongside an index of the same fingerprint.
    if !deferred {
        project.ensure_index();
    }
    // What the run shows (warnings; errors store nothing): the fast path shows them
    // again.
    let accepted = project.model.settings.accepted();
    let warnings = crate::cache::RunWarnings {
        shown: crate::diag::stored::encode(diags.shown(&accepted)),
        load: project.load_warnings.clone(),
    };
    let stored_already = match answers {
        Answers::Stored => project.cache.answers(&project.fingerprint),
        Answers::Deferred => {
            project.cache.answers_deferred() && project.cache.has_rendered(&project.fingerprint)
        }
    };
    if stored_already {
        // A warnings row lost, or not authenticating, would keep every later run off
        // the fast path: it is written again alone.
        if project.cache.warnings(&project.fingerprint).is_none() {
            project
                .cache
                .store_warnings(&project.fingerprint, &warnings)?;
        }
        return Ok(None);
    }
    let model = &project.model;
    let keys = &project.keys.alerts;
    let stored = project.cache.alert_keys();
    let (changed, removed) = crate::cache::incremental::changes(keys, &stored);
    // Rows are built from the render in place and written one at a time: a copy of the
    // render's cells, or the rows collected first, would each add every rendered rule of
    // a cold run again.
    let answered: BTreeSet<&str> = match (deferred, fill) {
        (true, _) => BTreeSet::new(),
        (false, true) => keys.keys().map(String::as_str).collect(),
        (false, false) => changed.clone(),
    };
    let rows = crate::cache::query::cell_rows(model, rendered, &answered);
    let traces = crate::cache::query::trace_rows(model, rendered, &answered);
    // Each file's hash (those built now hashed on every core; a kept file's is known),
    // and the file_sd files' (keyed `file_sd/NAME`): the fast path compares both.
    let built: Vec<(&str, String)> = rendered
        .files
        .par_iter()
        .map(|(name, text)| (name.as_str(), crate::source::load::content_hash(text)))
        .collect();
    let files: BTreeMap<Cow<str>, String> = built
        .into_iter()
        .map(|(name, hash)| (Cow::Borrowed(name), hash))
        .chain(
            rendered
                .kept
                .iter()
                .map(|(name, hash)| (Cow::Borrowed(name.as_str()), hash.clone())),
        )
        .chain(rendered.file_sd.iter().map(|(name, text)| {
            let key = format!("{}{name}", crate::render::file_sd::KEY_PREFIX);
            (Cow::Owned(key), crate::source::load::content_hash(text))
        }))
        .collect();
    let file_memos = rendered.file_keys.iter().filter_map(|(name, k)| {
        let memo = crate::cache::FileMemo {
            key: k.key.clone(),
            hash: files.get(name.as_str())?.clone(),
            rules: k.rules,
        };
        Some((name.as_str(), memo))
    });
    let redo = changed
        .iter()
        .copied()
        .chain(removed.iter().map(String::as_str));
    let new_keys = changed.iter().map(|a| (*a, keys[*a].as_str()));
    let reuse = Reuse {
        recomputed: answered.len(),
        alerts: keys.len(),
        deferred,
    };
    let memos = rendered.memos.iter().filter_map(|(alert, memo, summary)| {
        Some((
            alert.as_str(),
            keys.get(alert)?.as_str(),
            &memo[..],
            &summary[..],
        ))
    });
    let shown = diags.shown(&accepted).count();
    let skeleton = crate::source::delta::skeleton(project, rendered, shown);
    let stored_now = project.cache.store_incremental(
        &project.fingerprint,
        &stored,
        &files,
        file_memos,
        redo,
        new_keys,
        rows,
        traces,
        memos,
        &warnings,
        rendered.rule_count,
        answers,
        fill && !deferred,
        skeleton.as_deref(),
    );
    let stored_now = stored_now.inspect_err(|e| {
        if crate::cache::is_damage(e) {
            project.drop_damaged_cache(e);
        }
    })?;
    Ok(stored_now.then_some(reuse))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The load builds no index, yet what a store leaves must answer: the fast path
    /// reads stored answers only beside an index of the same fingerprint.
    #[test]
    fn a_store_leaves_answers_and_their_index() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate");
        let (mut project, mut diags) = load(&root, false).unwrap();
        assert_eq!(project.cache.index_fingerprint(), None);
        let rendered = project.render(&mut diags);
        let reuse = store_rendered(&mut project, &rendered, &diags, Answers::Stored).unwrap();
        assert!(reuse.is_some_and(|r| r.recomputed == r.alerts && r.alerts > 0));
        assert!(project.cache.answers(&project.fingerprint));
        assert_eq!(
            store_rendered(&mut project, &rendered, &diags, Answers::Stored),
            Ok(None)
        );
    }

    /// The fast path shows the stored warnings against the files as they are, each read
    /// again and checked against its recorded hash: a file changed after the stat check
    /// (a race the stat cannot see) gives no warnings, and the full path answers.
    #[test]
    fn stored_warnings_come_back_only_from_unchanged_files() {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/warnings/scoped-queries");
        let dir = tempfile::tempdir().unwrap();
        crate::test_support::copy_dir_aged(&fixture, dir.path());
        let (mut project, mut diags) = load(dir.path(), true).unwrap();
        let rendered = project.render_for_store(&mut diags);
        store_rendered(&mut project, &rendered, &diags, Answers::Stored).unwrap();
        drop(project);
        let shown = |d: &Diagnostics| -> Vec<_> {
            d.sorted()
                .iter()
                .map(|d| (d.code, d.position(), d.message.clone()))
                .collect()
        };
        let q = quick(dir.path()).expect("nothing changed");
        let back = q.warnings().expect("stored warnings");
        assert!(back.len() >= 5, "{back:?}");
        assert_eq!(shown(&back), shown(&diags));
        let web = dir.path().join("rules/web.yaml");
        let text = std::fs::read_to_string(&web).unwrap();
        std::fs::write(&web, text.replace("group/web", "group/wex")).unwrap();
        assert!(q.warnings().is_none());
    }

    /// What `validate` does: texts are let go of after the load and read back for the
    /// render's diagnostics, the same as if they had been kept; a file edited meanwhile
    /// is named by a `source-changed` warning. The settings, and every text of a load
    /// with unsaved edits, stay in memory.
    #[test]
    fn released_texts_give_the_same_diagnostics_unless_edited_meanwhile() {
        use crate::diag::Code;
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/warnings/scoped-queries");
        let dir = tempfile::tempdir().unwrap();
        crate::test_support::copy_dir(&fixture, dir.path());
        let run = |release: bool, edit: bool| {
            let (mut project, mut diags) = load(dir.path(), false).unwrap();
            if release {
                project.release_texts();
            }
            if edit {
                let f = dir.path().join("rules/web.yaml");
                let text = std::fs::read_to_string(&f).unwrap();
                std::fs::write(&f, format!("# edited\n{text}")).unwrap();
            }
            project.render(&mut diags);
            diags.recall_texts();
            let seen: Vec<_> = diags
                .sorted()
                .iter()
                .map(|d| (d.code, d.position()))
                .collect();
            (project, seen)
        };
        let (_, expected) = run(false, false);
        assert!(expected.iter().any(|(c, _)| *c == Code::ScopedAbsent));
        let (released, seen) = run(true, false);
        assert_eq!(seen, expected);
        assert!(!released.model.sources.values().any(|s| s.changed()));

        // Released and read again: a rules file. Kept: the settings, and a linked file
        // (it is read again without following links).
        std::fs::write(dir.path().join("rules/empty.yaml"), "[]\n").unwrap();
        std::os::unix::fs::symlink("empty.yaml", dir.path().join("rules/alias.yaml")).unwrap();
        let (mut project, _) = load(dir.path(), false).unwrap();
        let texts = |p: &Project| -> Vec<std::sync::Arc<str>> {
            [settings::FILE_NAME, "rules/alias.yaml", "rules/web.yaml"]
                .iter()
                .map(|f| p.model.source(f).text().clone())
                .collect()
        };
        let before = texts(&project);
        project.release_texts();
        let after = texts(&project);
        let same: Vec<bool> = before
            .iter()
            .zip(&after)
            .map(|(b, a)| std::sync::Arc::ptr_eq(b, a))
            .collect();
        assert_eq!(same, [true, true, false]);
        assert_eq!(before, after);
        assert_eq!(&*after[1], "[]\n", "the link is a source like any other");
        std::fs::remove_file(dir.path().join("rules/alias.yaml")).unwrap();
        std::fs::remove_file(dir.path().join("rules/empty.yaml")).unwrap();

        let (_, seen) = run(true, true);
        let changed: Vec<_> = seen
            .iter()
            .filter(|(c, _)| *c == Code::SourceChanged)
            .collect();
        assert_eq!(changed.len(), 1, "{seen:?}");
        assert_eq!(seen.len(), expected.len() + 1);

        let mut overlay = Overlay::new();
        overlay.insert("rules/extra.yaml".into(), Some("[]\n".into()));
        let (mut project, _) = load_with(dir.path(), false, &overlay).unwrap();
        // Clones keep the old texts alive: a text read again cannot reuse an address.
        let all = |p: &Project| -> Vec<std::sync::Arc<str>> {
            let mut v: Vec<_> = p.model.sources.iter().collect();
            v.sort_by_key(|(rel, _)| rel.as_str());
            v.into_iter().map(|(_, s)| s.text().clone()).collect()
        };
        let before = all(&project);
        project.release_texts();
        let after = all(&project);
        assert!(before.len() > 3);
        assert!(
            before
                .iter()
                .zip(&after)
                .all(|(b, a)| std::sync::Arc::ptr_eq(b, a)),
            "an overlaid load keeps every text"
        );
    }
}
