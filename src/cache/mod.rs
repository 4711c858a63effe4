//! The SQLite cache in `.alertctl/cache.sqlite`: parsed file models keyed by path and
//! content hash, so an unchanged file is never parsed twice. It is never the source of
//! truth: when it is missing, from another alertctl version, or corrupt, it is rebuilt,
//! and when it cannot be opened at all alertctl works without it.

pub mod incremental;
pub mod query;
pub mod trust;

use std::path::{Path, PathBuf};

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use rusqlite::{params, Connection, OptionalExtension};

use crate::cache::trust::Key;
use crate::model::FileModel;
use crate::source::load::Stamp;

pub const DIR: &str = ".alertctl";
const FILE: &str = "cache.sqlite";
/// Bump when the stored model's shape changes: models are postcard, read by position, so
/// a field or variant added, removed or reordered in `FileModel`'s types reads back wrong
/// without it (`stored_model_layout_is_pinned` fails then). The package version and the
/// build are part of the key too ([`format_key`]).
const SCHEMA: &str = "19";

pub struct Cache {
    conn: Option<Connection>,
    /// The database file `conn` is open on; `None` for the in-memory stand-in.
    file: Option<PathBuf>,
    /// Why the cache was rebuilt or disabled, for `--verbose`.
    pub note: Option<String>,
    /// Authenticates the database (and each promtool verdict) as this user's own.
    key: Key,
}

/// The stored renders read on another thread ([`Cache::read_memos_ahead`]): the alerts'
/// memos or only their summaries ([`Ahead`]), and every file's memo.
pub struct MemosAhead(std::thread::JoinHandle<Option<(Ahead, Vec<MemoRow>, FileMemos)>>);

/// What [`Cache::read_memos_ahead`] reads of each alert's stored render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ahead {
    /// The whole render: a render that builds every file reads them all.
    Memos,
    /// Only its summary ([`crate::render::memo`]: the files it renders into and its
    /// lints): `diff` reads the whole render only of the alerts in the files it builds.
    Summaries,
}

/// (alert, key, memo or summary) of one stored render.
type MemoRow = (String, String, Vec<u8>);

/// A rendered file as a stored run built it ([`Cache::file_memos`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMemo {
    /// Its [`crate::render::memo::file_key`].
    pub key: String,
    /// Its content hash.
    pub hash: String,
    /// How many rules it holds.
    pub rules: usize,
}

/// Rendered file name -> how a stored run built it.
pub type FileMemos = HashMap<String, FileMemo>;

/// The stored renders of the alerts whose key is unchanged, and every file's memo
/// ([`MemosAhead::join`]).
#[derive(Debug)]
pub struct StoredRenders {
    /// What `alerts` holds of each render.
    pub what: Ahead,
    /// Alert -> its whole render or its summary.
    pub alerts: HashMap<String, Vec<u8>>,
    pub files: FileMemos,
}

impl MemosAhead {
    /// The alerts' memos (or summaries) under their key in `keys`, and every file's;
    /// `None` when the cache could not be opened or authenticated again (the caller
    /// reads them itself). A query that fails reads as no rows, as in place: those
    /// alerts are rendered.
    pub fn join(self, keys: &BTreeMap<String, String>) -> Option<StoredRenders> {
        let (ahead, alerts, files) = self.0.join().ok()??;
        let alerts: HashMap<String, Vec<u8>> = alerts
            .into_iter()
            .filter(|(alert, key, _)| keys.get(alert) == Some(key))
            .map(|(alert, _, memo)| (alert, memo))
            .collect();
        Some(StoredRenders {
            what: ahead,
            alerts,
            files,
        })
    }
}

/// The guard's version is part of it: the cache vouches for rendered bytes that passed
/// the injection guard ([`crate::render::render_checked`]), and a stricter guard must
/// not take an older guard's word for them. So is the build: a cache holds the work of
/// the code that wrote it (the answers of `effective` and `trace` as that code words
/// them, the query index, the models as it parses them), and another build, even of
/// the same version, starts a new one rather than serve or extend it.
fn format_key() -> String {
    format!(
        "{SCHEMA}:{}:guard{}:build {}",
        env!("CARGO_PKG_VERSION"),
        crate::render::GUARD_VERSION,
        env!("ALERTCTL_BUILD_ID")
    )
}

const FILES_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, hash TEXT NOT NULL, model BLOB NOT NULL, mac TEXT NOT NULL);
";

/// How an existing cache is used: WAL, so that readers (the fast path, `list`, the web
/// UI) do not wait for a writer, and synced only at checkpoints.
const PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";

/// How a new cache is filled by the run that made it ([`Cache::try_open`]). The price:
/// while that run writes, another process on the same cache waits for its lock (up to
/// the busy timeout, then runs without the cache) instead of reading alongside; only a
/// cache's first run, and the first after a format change, are affected. FULL: with a
/// rollback journal, NORMAL can leave a damaged file after a power loss (a few commits
/// per run, so the extra syncs cost little).
const FRESH_PRAGMAS: &str = "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;";

/// The `owner` meta value: proof that alertctl run by the holder of `key` made the
/// database, in this format.
fn owner_mac(key: &Key) -> String {
    key.mac("cache-owner", &[format_key().as_bytes()])
}

impl Cache {
    /// No file on disk: an in-memory database, so queries (`list`) still work.
    pub fn disabled() -> Cache {
        let conn = Connection::open_in_memory()
            .ok()
            .filter(|c| c.execute_batch(FILES_SCHEMA).is_ok());
        Cache {
            conn,
            file: None,
            note: None,
            key: Key::ephemeral(),
        }
    }

    pub fn path(root: &Path) -> PathBuf {
        root.join(DIR).join(FILE)
    }

    /// The cache if it exists, opens cleanly and is this user's own; never creates or
    /// rebuilds one.
    pub fn open_existing(root: &Path) -> Option<Cache> {
        let path = Self::path(root);
        if !path.is_file() {
            return None;
        }
        let key = Key::user().ok()?;
        let conn = Self::try_open(&path, &key, false).ok()?.ok()?;
        Some(Cache {
            conn: Some(conn),
            file: Some(path),
            note: None,
            key,
        })
    }

    /// The cache on disk, rebuilt when corrupt, from another version, or not made by
    /// this user's alertctl (see [`crate::cache::trust`]). When it cannot be written (a
    /// read-only `.alertctl/`, a read-only file system, a link out of the rules
    /// directory) or the user's key is unusable, an in-memory one stands in for this
    /// run, with a note saying why: commands that only read work the same, they just do
    /// not speed up the next run.
    pub fn open(root: &Path) -> Cache {
        let path = Self::path(root);
        let memory = |why: String| Cache {
            note: Some(format!("cache not used ({why}); working without it")),
            ..Cache::disabled()
        };
        let dir = root.join(DIR);
        if let Ok(meta) = std::fs::symlink_metadata(&dir) {
            if meta.file_type().is_symlink() {
                let inside = crate::source::load::canonical_root(root)
                    .ok()
                    .zip(dir.canonicalize().ok())
                    .is_some_and(|(r, d)| d.starts_with(r));
                if !inside {
                    return memory(format!(
                        "{DIR} is a symbolic link out of the rules directory"
                    ));
                }
            }
        }
        let key = match Key::user() {
            Ok(k) => k,
            Err(e) => return memory(e),
        };
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return memory(format!("creating {}: {e}", dir.display()));
        }
        let why = match Self::try_open(&path, &key, true) {
            Ok(Ok(conn)) => {
                return Cache {
                    conn: Some(conn),
                    file: Some(path),
                    note: None,
                    key,
                }
            }
            Ok(Err(why)) => why,
            Err(e) if is_damage(&e) => e.to_string(),
            Err(e) => return memory(format!("{}: {e}", path.display())),
        };
        // The cache holds nothing irreplaceable: start over. The file is replaced, not
        // emptied, so nothing of an untrusted database (a trigger, a view) survives.
        remove_database(&path);
        match Self::try_open(&path, &key, true) {
            Ok(Ok(conn)) => Cache {
                conn: Some(conn),
                file: Some(path),
                note: Some(format!("cache rebuilt: {why}")),
                key,
            },
            Ok(Err(e)) => memory(format!("{}: {e}", path.display())),
            Err(e) => memory(format!("{}: {e}", path.display())),
        }
    }

    /// After a write failed (the database turned out to be read-only): go on with an
    /// in-memory cache, so that queries still see this run's index.
    pub fn fall_back_to_memory(&mut self, why: String) {
        *self = Cache {
            note: Some(format!("cache not used ({why}); working without it")),
            ..Cache::disabled()
        };
    }

    /// [`Cache::fall_back_to_memory`] after `error` from `what`. A damaged database (the
    /// open check reads only part of it) is also removed, so that the next run starts a
    /// new one instead of failing the same way every time.
    pub fn fall_back(&mut self, what: &str, error: &rusqlite::Error) {
        let why = if self.discard_if_damaged(error) {
            format!("{what}: {error}; the damaged cache is removed and rebuilt next run")
        } else {
            format!("{what}: {error}")
        };
        self.fall_back_to_memory(why);
    }

    /// Closes and deletes the database on disk when `error` says it is damaged; whether
    /// it did.
    fn discard_if_damaged(&mut self, error: &rusqlite::Error) -> bool {
        match self.file.clone() {
            Some(path) if self.conn.is_some() && is_damage(error) => {
                // Closed before its files go: closing may still touch `-wal` by name.
                self.conn = None;
                remove_database(&path);
                true
            }
            _ => false,
        }
    }

    /// Whether the database on `conn` is an alertctl cache of this format made by this
    /// user's alertctl; why not otherwise.
    fn check_owner(conn: &Connection, key: &Key) -> Result<(), String> {
        let meta = |k: &str| -> Option<String> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .ok()
        };
        match meta("format") {
            Some(f) if f == format_key() => {}
            Some(old) => return Err(format!("format {old} != {}", format_key())),
            None => return Err("not an alertctl cache".to_string()),
        }
        if !meta("owner").is_some_and(|m| key.verify(&m, "cache-owner", &[format_key().as_bytes()]))
        {
            return Err(
                "not made by this user's alertctl (a cache from elsewhere, e.g. committed to the repository, is never trusted)"
                    .to_string(),
            );
        }
        Ok(())
    }

    /// `Ok(Err(why))`: a database that must not be used (another format, or not
    /// authenticated by `key`). `full`: a new, empty database is set up, and the small
    /// tables a load relies on are checked for corruption (the fast path relies on
    /// failing queries instead, which send it to the full path).
    fn try_open(
        path: &Path,
        key: &Key,
        full: bool,
    ) -> rusqlite::Result<Result<Connection, String>> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Until it is authenticated the database is a stranger's: its schema (views,
        // triggers) must not run functions with side effects.
        conn.execute_batch("PRAGMA trusted_schema=OFF;")?;
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        let fresh = objects == 0 && full;
        if fresh {
            // This run fills the new database: with a rollback journal, pages added
            // past the end of the file are written once, as no journal needs their old
            // content. In WAL every page was written to the log, read back and written
            // again by the checkpoints (on L, 254k writes and 149k reads for 220 MB).
            // A crash mid-transaction still leaves a hot journal that rolls it back.
            // The next open hands the database to WAL (below), for concurrent readers.
            conn.execute_batch(FRESH_PRAGMAS)?;
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(FILES_SCHEMA)?;
            tx.execute(
                "INSERT INTO meta(key, value) VALUES ('format', ?1), ('owner', ?2)",
                [format_key(), owner_mac(key)],
            )?;
            tx.commit()?;
        }
        if let Err(why) = Self::check_owner(&conn, key) {
            return Ok(Err(why));
        }
        if !fresh {
            conn.execute_batch(PRAGMAS)?;
        }
        if full {
            // The small tables a full load relies on ([`CHECKED`]) are checked now. Not
            // the whole file: the index and stored results (most of its size) are only
            // read by the fast path, where a failing query means "take the full path",
            // and damage found writing them discards the file ([`Cache::fall_back`]).
            let present: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for table in CHECKED.iter().filter(|t| present.iter().any(|p| p == *t)) {
                let verdict: String =
                    conn.query_row(&format!("PRAGMA quick_check({table})"), [], |r| r.get(0))?;
                if verdict != "ok" {
                    return Err(rusqlite::Error::InvalidQuery);
                }
            }
        }
        Ok(Ok(conn))
    }

    pub fn is_enabled(&self) -> bool {
        self.conn.is_some()
    }

    /// Whether this run's results outlive it: a database file, not the in-memory stand-in
    /// of `--no-cache` or of a cache that could not be used.
    pub fn is_on_disk(&self) -> bool {
        self.conn.is_some() && self.file.is_some()
    }

    /// The stored model of `path` if its content hash is still `hash`.
    pub fn get(&self, path: &str, hash: &str) -> Option<FileModel> {
        self.get_many(&[(path, hash)]).pop().flatten()
    }

    /// [`Cache::get`] of each (path, content hash) of `wanted`, in its order; `None` for
    /// every one when the table cannot be read.
    pub fn get_many(&self, wanted: &[(&str, &str)]) -> Vec<Option<FileModel>> {
        self.scan_models(wanted)
            .unwrap_or_else(|_| wanted.iter().map(|_| None).collect())
    }

    /// [`Cache::get_many`], with a scan that fails (a damaged table) as an error. One
    /// scan of the table instead of a query per file; rows are authenticated and decoded
    /// on every core in batches, while this thread reads the next ones: at most
    /// [`BATCHES_IN_FLIGHT`] batches of stored bytes are held at once. A row that does
    /// not authenticate or decode is `None`: parsed. Damage the scan does not notice is
    /// harmless: each model is authenticated.
    pub fn scan_models(&self, wanted: &[(&str, &str)]) -> rusqlite::Result<Vec<Option<FileModel>>> {
        let mut out: Vec<Option<FileModel>> = wanted.iter().map(|_| None).collect();
        let Some(conn) = self.conn.as_ref() else {
            return Ok(out);
        };
        let index: HashMap<&str, usize> = wanted
            .iter()
            .enumerate()
            .map(|(i, (path, _))| (*path, i))
            .collect();
        let mut st = conn.prepare("SELECT path, hash, model, mac FROM files")?;
        let mut rows = st.query([])?;
        // The key alone goes to the other threads (a connection may not).
        let key = &self.key;
        let decode = |batch: Vec<(usize, Vec<u8>, String)>| -> Vec<(usize, Option<FileModel>)> {
            batch
                .into_par_iter()
                .map(|(i, bytes, mac)| {
                    let (path, hash) = wanted[i];
                    let parts: [&[u8]; 3] = [path.as_bytes(), hash.as_bytes(), &bytes];
                    let genuine = key.verify(&mac, "file-model", &parts);
                    (i, genuine.then(|| decode_model(&bytes)).flatten())
                })
                .collect()
        };
        // This thread reads the rows (the connection stays on it) while the pool
        // authenticates and decodes the batches already read: the reads (~15 ms on L)
        // no longer wait for each batch's decode.
        let (done, decoded) = std::sync::mpsc::channel::<Vec<(usize, Option<FileModel>)>>();
        let mut place = |models: Vec<(usize, Option<FileModel>)>| {
            for (i, m) in models {
                out[i] = m;
            }
        };
        let read: rusqlite::Result<()> = rayon::in_place_scope(|s| {
            let mut batch = Vec::with_capacity(GET_BATCH);
            let mut in_flight = 0;
            let mut send = |batch: Vec<_>| {
                // A full pipeline: wait for a batch's models before reading on.
                if in_flight == BATCHES_IN_FLIGHT {
                    if let Some(models) = next_decoded(&decoded) {
                        place(models);
                        in_flight -= 1;
                    }
                }
                let done = done.clone();
                let decode = &decode;
                in_flight += 1;
                s.spawn(move |_| {
                    // The receiver outlives the scope.
                    let _ = done.send(decode(batch));
                });
            };
            while let Some(r) = rows.next()? {
                let Ok(path) = r.get_ref(0).and_then(|v| Ok(v.as_str()?)) else {
                    continue;
                };
                let Some(&i) = index.get(path) else {
                    continue;
                };
                if r.get_ref(1).and_then(|v| Ok(v.as_str()?)).ok() != Some(wanted[i].1) {
                    continue;
                }
                let (Ok(bytes), Ok(mac)) = (r.get::<_, Vec<u8>>(2), r.get::<_, String>(3)) else {
                    continue;
                };
                batch.push((i, bytes, mac));
                if batch.len() == GET_BATCH {
                    send(std::mem::replace(&mut batch, Vec::with_capacity(GET_BATCH)));
                }
            }
            send(batch);
            Ok(())
        });
        drop(done);
        for models in decoded {
            place(models);
        }
        read.map(|()| out)
    }

    /// After `error` reading the cache of `root`: when it says the database is damaged,
    /// a new one replaces it (as [`Cache::open`] does with damage found opening).
    pub fn rebuild_if_damaged(&mut self, root: &Path, error: &rusqlite::Error) {
        if !self.discard_if_damaged(error) {
            return;
        }
        *self = Cache::open(root);
        self.note = self
            .note
            .take()
            .or_else(|| Some(format!("cache rebuilt: {error}")));
    }

    /// Stores freshly parsed files and forgets files that no longer exist.
    pub fn update(
        &mut self,
        fresh: &[(&str, &str, &FileModel)],
        present: &[&str],
    ) -> rusqlite::Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        // In memory (`--no-cache`, or a cache that cannot be written) no later run reads
        // the models: serializing them all would be a fifth of a cold validate.
        if conn.path().is_none_or(str::is_empty) {
            return Ok(());
        }
        let tx = conn.transaction()?;
        {
            let mut put = tx.prepare(
                "INSERT OR REPLACE INTO files(path, hash, model, mac) VALUES (?1, ?2, ?3, ?4)",
            )?;
            // Encoded and authenticated on every core, a batch at a time (as read back
            // by `get_many`); written in order on this connection.
            let key = &self.key;
            for batch in fresh.chunks(GET_BATCH) {
                let rows: Vec<(Vec<u8>, String)> = batch
                    .par_iter()
                    .map(|(path, hash, model)| {
                        let bytes = postcard::to_stdvec(model)
                            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                        let parts: [&[u8]; 3] = [path.as_bytes(), hash.as_bytes(), &bytes];
                        let mac = key.mac("file-model", &parts);
                        Ok((bytes, mac))
                    })
                    .collect::<rusqlite::Result<_>>()?;
                for ((path, hash, _), (bytes, mac)) in batch.iter().zip(rows) {
                    put.execute(params![path, hash, bytes, mac])?;
                }
            }
            let mut stored = tx.prepare("SELECT path FROM files")?;
            let paths: Vec<String> = stored
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let present: std::collections::HashSet<&str> = present.iter().copied().collect();
            let mut del = tx.prepare("DELETE FROM files WHERE path=?1")?;
            for p in paths {
                if !present.contains(p.as_str()) {
                    del.execute([p])?;
                }
            }
        }
        tx.commit()
    }
}

/// A stored model, as [`Cache::update`] encodes it: postcard, serde's compact binary
/// format. A one-file edit decodes every file's model, and their JSON was 45 MB on L
/// (a fifth of the edit loop's load).
fn decode_model(bytes: &[u8]) -> Option<FileModel> {
    postcard::from_bytes(bytes).ok()
}

/// Stored models [`Cache::get_many`] decodes (and [`Cache::update`] encodes) together:
/// enough to keep every core busy, few enough that their text is a small part of the
/// models'.
const GET_BATCH: usize = 256;

/// The next message of `rx`. On a thread of the pool (a load run from a parallel
/// task), waiting jobs are run meanwhile instead of blocking the thread: the jobs that
/// will send may be queued on it.
fn next_decoded<T>(rx: &std::sync::mpsc::Receiver<T>) -> Option<T> {
    loop {
        match rx.try_recv() {
            Ok(m) => return Some(m),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => return None,
            Err(std::sync::mpsc::TryRecvError::Empty) => match rayon::yield_now() {
                None => return rx.recv().ok(),
                Some(rayon::Yield::Executed) => {}
                Some(rayon::Yield::Idle) => std::thread::yield_now(),
            },
        }
    }
}

/// Batches [`Cache::scan_models`] has read and not yet placed: enough to keep every
/// core decoding while the rows are read, few enough to bound the bytes held.
const BATCHES_IN_FLIGHT: usize = 4;

/// Small tables a full load relies on: checked when it opens the cache. Not `files`
/// (the stored models, tens of MB): every model is authenticated, and a scan that fails
/// rebuilds the cache ([`Cache::rebuild_if_damaged`]).
const CHECKED: [&str; 2] = ["meta", "stats"];

/// Creates what is missing of `schema` in one transaction: a statement at a time, each
/// was a commit of its own, which with a rollback journal is two fsyncs (a cold run
/// made ~25 such commits).
fn ensure_schema(conn: &Connection, schema: &str) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch(schema)?;
    tx.commit()
}

/// Removes a database and its journal files, so that nothing of the old one lies next
/// to the new one (SQLite itself ignores a leftover journal of an empty database).
fn remove_database(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = path.to_path_buf().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Whether `e` says the database is damaged or not a database at all, as opposed to one
/// that cannot be written (read-only, busy): only the former may be deleted and rebuilt.
pub fn is_damage(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e {
        rusqlite::Error::SqliteFailure(f, _) => matches!(f.code, DatabaseCorrupt | NotADatabase),
        // PRAGMA quick_check found damage.
        rusqlite::Error::InvalidQuery => true,
        _ => false,
    }
}

const INDEX_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS idx_templates(
        name TEXT PRIMARY KEY, kind TEXT NOT NULL, severity TEXT, file TEXT NOT NULL,
        line INTEGER NOT NULL, description TEXT, job TEXT);
    CREATE INDEX IF NOT EXISTS idx_templates_severity ON idx_templates(severity);
    CREATE TABLE IF NOT EXISTS idx_rules(
        id INTEGER PRIMARY KEY, alert TEXT NOT NULL, template TEXT NOT NULL, scope TEXT NOT NULL,
        grp TEXT, namespace TEXT, priority INTEGER NOT NULL, enabled INTEGER NOT NULL, suspended INTEGER NOT NULL,
        file TEXT NOT NULL, line INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS idx_rules_template ON idx_rules(template);
    CREATE INDEX IF NOT EXISTS idx_rules_scope ON idx_rules(scope);
    CREATE INDEX IF NOT EXISTS idx_rules_grp ON idx_rules(grp);
    CREATE INDEX IF NOT EXISTS idx_rules_namespace ON idx_rules(namespace);
    CREATE TABLE IF NOT EXISTS idx_targets(name TEXT PRIMARY KEY, grp TEXT, namespace TEXT, jobs TEXT);
    CREATE INDEX IF NOT EXISTS idx_targets_grp ON idx_targets(grp);
    CREATE INDEX IF NOT EXISTS idx_targets_namespace ON idx_targets(namespace);
    CREATE TABLE IF NOT EXISTS idx_groups(name TEXT PRIMARY KEY, namespace TEXT NOT NULL, jobs TEXT);
    CREATE TABLE IF NOT EXISTS idx_namespaces(name TEXT PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS idx_not_applied(
        alert TEXT NOT NULL, seq INTEGER NOT NULL, scope TEXT, reason TEXT NOT NULL, rule TEXT NOT NULL,
        PRIMARY KEY(alert, seq));
    CREATE TABLE IF NOT EXISTS idx_alert_keys(alert TEXT PRIMARY KEY, key TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS idx_file_keys(file TEXT PRIMARY KEY, key TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS idx_rules_file ON idx_rules(file);
";

/// A row of `list templates`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TemplateRow {
    pub name: String,
    pub kind: String,
    pub severity: Option<String>,
    pub file: String,
    pub line: i64,
    pub description: Option<String>,
    /// The job the template watches (in an estate that declares jobs, or declared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

/// A row of `list rules`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleRow {
    pub alert: String,
    pub template: String,
    pub scope: String,
    pub priority: i64,
    /// The rule's `enabled` (false: the alert is off in its scope).
    pub enabled: bool,
    /// Soft-deleted with `rule disable`.
    pub suspended: bool,
    pub file: String,
    pub line: i64,
}

/// A row of `list targets`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetRow {
    pub name: String,
    pub group: Option<String>,
    pub namespace: Option<String>,
    /// job -> instance, when the target runs declared jobs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub jobs: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
pub struct RuleFilter<'a> {
    pub group: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub scope: Option<&'a str>,
    pub template: Option<&'a str>,
    pub suspended_only: bool,
}

impl Cache {
    /// Rebuilds the query index when the sources changed since it was built.
    /// Returns whether it was rebuilt. Incremental by `keys`: the inventory's rows stay
    /// when the global key is unchanged, and an alert's not-applied rules when its key is.
    pub fn refresh_index(
        &mut self,
        fingerprint: &str,
        model: &crate::model::resolve::Model,
        keys: &crate::cache::incremental::Keys,
    ) -> rusqlite::Result<bool> {
        // Rules rows are kept per rules file: `list rules` orders them by file and line.
        let Some(conn) = self.conn.as_mut() else {
            return Ok(false);
        };
        ensure_schema(conn, INDEX_SCHEMA)?;
        let stored = meta_value(conn, "index")?;
        if stored.as_deref() == Some(fingerprint) {
            return Ok(false);
        }
        // What is kept is decided inside the transaction: another run may have written
        // the index since the check above.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let meta = |key: &str| meta_value(&tx, key);
        if meta("index")?.as_deref() == Some(fingerprint) {
            return Ok(false);
        }
        let same_inventory =
            meta("index")?.is_some() && meta("index_global")?.as_deref() == Some(&keys.global);
        let stored_alerts = stored_keys(&tx, "idx_alert_keys", &["index"])?;
        let (changed, removed) = crate::cache::incremental::changes(&keys.alerts, &stored_alerts);
        let stored_files = stored_keys(&tx, "idx_file_keys", &["index"])?;
        let (changed_files, removed_files) =
            crate::cache::incremental::changes(&keys.files, &stored_files);
        tx.execute_batch("DELETE FROM idx_templates;")?;
        // A table refilled whole gets its secondary indexes built once after its rows
        // (a sorted build), not a row at a time: they are dropped here and made again
        // from INDEX_SCHEMA before the commit.
        if stored_files.is_empty() {
            tx.execute_batch(
                "DROP INDEX IF EXISTS idx_rules_template; DROP INDEX IF EXISTS idx_rules_scope;
                 DROP INDEX IF EXISTS idx_rules_grp; DROP INDEX IF EXISTS idx_rules_namespace;
                 DROP INDEX IF EXISTS idx_rules_file;
                 DELETE FROM idx_rules; DELETE FROM idx_file_keys;",
            )?;
        } else {
            let mut del = tx.prepare("DELETE FROM idx_rules WHERE file = ?1")?;
            let mut del_key = tx.prepare("DELETE FROM idx_file_keys WHERE file = ?1")?;
            for file in changed_files
                .iter()
                .copied()
                .chain(removed_files.iter().map(String::as_str))
            {
                del.execute([file])?;
                del_key.execute([file])?;
            }
        }
        if !same_inventory {
            tx.execute_batch(
                "DROP INDEX IF EXISTS idx_targets_grp; DROP INDEX IF EXISTS idx_targets_namespace;
                 DELETE FROM idx_targets; DELETE FROM idx_groups; DELETE FROM idx_namespaces;",
            )?;
        }
        if stored_alerts.is_empty() {
            tx.execute_batch("DELETE FROM idx_not_applied; DELETE FROM idx_alert_keys;")?;
        } else {
            let mut del = tx.prepare("DELETE FROM idx_not_applied WHERE alert = ?1")?;
            let mut del_key = tx.prepare("DELETE FROM idx_alert_keys WHERE alert = ?1")?;
            for alert in changed
                .iter()
                .copied()
                .chain(removed.iter().map(String::as_str))
            {
                del.execute([alert])?;
                del_key.execute([alert])?;
            }
        }
        {
            let mut put =
                tx.prepare("INSERT INTO idx_templates VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for t in model.templates.values() {
                let p = model.place(&t.file, t.name.span);
                let kind = if t.is_recording() {
                    "recording"
                } else {
                    "alerting"
                };
                put.execute(params![
                    t.name.value,
                    kind,
                    t.severity.as_ref().map(|s| &s.value),
                    p.file,
                    p.line as i64,
                    t.description,
                    model.template_job(&t.name.value)
                ])?;
            }
            let mut put = tx.prepare("INSERT INTO idx_rules(alert, template, scope, grp, namespace, priority, enabled, suspended, file, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?;
            let mut put_key = tx.prepare("INSERT INTO idx_file_keys VALUES (?1, ?2)")?;
            for file in &changed_files {
                put_key.execute([file, &keys.files[*file].as_str()])?;
            }
            for r in model
                .rules
                .iter()
                .filter(|r| changed_files.contains(&*r.file))
            {
                let pos = crate::cache::query::scope_position(model, &r.scope.value);
                let p = model.place(&r.file, r.span);
                let enabled = r.enabled.as_ref().is_none_or(|e| e.value);
                put.execute(params![
                    model.rule_name(r),
                    r.template.value,
                    r.scope.value.to_string(),
                    pos.group,
                    pos.namespace,
                    r.priority.value,
                    enabled,
                    r.is_suspended(),
                    p.file,
                    p.line as i64
                ])?;
            }
            let mut put = tx.prepare("INSERT INTO idx_targets VALUES (?1, ?2, ?3, ?4)")?;
            let targets = (!same_inventory).then_some(&model.inventory.targets);
            for (t, g) in targets.into_iter().flatten() {
                let ns = g
                    .as_ref()
                    .and_then(|g| model.inventory.groups.get(&**g))
                    .map(|i| &i.namespace);
                let jobs = model
                    .inventory
                    .jobs
                    .get(t)
                    .and_then(|j| serde_json::to_string(j).ok());
                put.execute(params![t, g, ns, jobs])?;
            }
            let inv = &model.inventory;
            let mut put = tx.prepare("INSERT INTO idx_groups VALUES (?1, ?2, ?3)")?;
            let groups = (!same_inventory).then_some(&inv.groups);
            for (g, info) in groups.into_iter().flatten() {
                let jobs = group_jobs(inv, info).and_then(|j| serde_json::to_string(&j).ok());
                put.execute(params![g, info.namespace, jobs])?;
            }
            let mut put = tx.prepare("INSERT INTO idx_namespaces VALUES (?1)")?;
            let namespaces = (!same_inventory).then_some(&inv.namespaces);
            for n in namespaces.into_iter().flat_map(|n| n.keys()) {
                put.execute([n])?;
            }
            let mut put = tx.prepare("INSERT INTO idx_not_applied VALUES (?1, ?2, ?3, ?4, ?5)")?;
            let mut put_key = tx.prepare("INSERT INTO idx_alert_keys VALUES (?1, ?2)")?;
            for alert in changed.iter().map(|a| &model.alerts[*a]) {
                put_key.execute([&alert.name, &keys.alerts[&alert.name]])?;
                let candidates = crate::cache::query::not_applied_candidates(model, alert);
                for (seq, (scope, rule, reason)) in candidates.into_iter().enumerate() {
                    let rule = serde_json::to_string(&rule)
                        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                    put.execute(params![
                        alert.name,
                        seq as i64,
                        scope.map(|s| s.to_string()),
                        reason,
                        rule
                    ])?;
                }
            }
        }
        tx.execute_batch(INDEX_SCHEMA)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('index_jobs', ?1)",
            [if model.inventory.uses_jobs() {
                "1"
            } else {
                "0"
            }],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('index', ?1), ('index_global', ?2)",
            [fingerprint, &keys.global],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn conn(&self) -> rusqlite::Result<&Connection> {
        self.conn.as_ref().ok_or(rusqlite::Error::InvalidQuery)
    }

    pub fn templates(&self, severity: Option<&str>) -> rusqlite::Result<Vec<TemplateRow>> {
        let mut st = self.conn()?.prepare("SELECT name, kind, severity, file, line, description, job FROM idx_templates WHERE (?1 IS NULL OR severity = ?1) ORDER BY name")?;
        let rows = st.query_map(params![severity], |r| {
            Ok(TemplateRow {
                name: r.get(0)?,
                kind: r.get(1)?,
                severity: r.get(2)?,
                file: r.get(3)?,
                line: r.get(4)?,
                description: r.get(5)?,
                job: r.get(6)?,
            })
        })?;
        rows.collect()
    }

    pub fn rules(&self, f: &RuleFilter) -> rusqlite::Result<Vec<RuleRow>> {
        let mut st = self.conn()?.prepare(
            "SELECT alert, template, scope, priority, enabled, suspended, file, line FROM idx_rules
             WHERE (?1 IS NULL OR grp = ?1) AND (?2 IS NULL OR namespace = ?2) AND (?3 IS NULL OR scope = ?3)
               AND (?4 IS NULL OR template = ?4) AND (?5 = 0 OR suspended = 1)
             ORDER BY file, line",
        )?;
        let rows = st.query_map(
            params![f.group, f.namespace, f.scope, f.template, f.suspended_only],
            |r| {
                Ok(RuleRow {
                    alert: r.get(0)?,
                    template: r.get(1)?,
                    scope: r.get(2)?,
                    priority: r.get(3)?,
                    enabled: r.get(4)?,
                    suspended: r.get(5)?,
                    file: r.get(6)?,
                    line: r.get(7)?,
                })
            },
        )?;
        rows.collect()
    }

    pub fn targets(
        &self,
        namespace: Option<&str>,
        group: Option<&str>,
    ) -> rusqlite::Result<Vec<TargetRow>> {
        let mut st = self.conn()?.prepare("SELECT name, grp, namespace, jobs FROM idx_targets WHERE (?1 IS NULL OR namespace = ?1) AND (?2 IS NULL OR grp = ?2) ORDER BY name")?;
        let rows = st.query_map(params![namespace, group], |r| {
            Ok(TargetRow {
                name: r.get(0)?,
                group: r.get(1)?,
                namespace: r.get(2)?,
                jobs: jobs_column(r.get(3)?),
            })
        })?;
        rows.collect()
    }
}

const FAST_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS stats(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, ctime INTEGER NOT NULL, ino INTEGER NOT NULL, dev INTEGER NOT NULL, hash TEXT NOT NULL, seen INTEGER NOT NULL, mac TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS rendered(name TEXT PRIMARY KEY, hash TEXT NOT NULL, mac TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS cells(alert TEXT NOT NULL, scope TEXT NOT NULL, specificity INTEGER NOT NULL, kind TEXT NOT NULL, job TEXT, json TEXT NOT NULL, human TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS cells_scope ON cells(scope);
    CREATE TABLE IF NOT EXISTS traces(alert TEXT NOT NULL, scope TEXT NOT NULL, trace TEXT NOT NULL, PRIMARY KEY(alert, scope));
    CREATE INDEX IF NOT EXISTS cells_alert ON cells(alert);
    CREATE TABLE IF NOT EXISTS alert_keys(alert TEXT PRIMARY KEY, key TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS alert_memo(alert TEXT PRIMARY KEY, key TEXT NOT NULL, memo BLOB NOT NULL, mac TEXT NOT NULL, summary BLOB NOT NULL, summary_mac TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS file_memo(name TEXT PRIMARY KEY, key TEXT NOT NULL, hash TEXT NOT NULL, rules INTEGER NOT NULL, mac TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS warnings(fingerprint TEXT PRIMARY KEY, diags BLOB NOT NULL, load_diags BLOB NOT NULL, mac TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS pending(name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, content TEXT NOT NULL, mac TEXT NOT NULL);
";

/// The stored run's skeleton ([`crate::source::delta`]): one row, or none.
const SKELETON_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS skeleton(fingerprint TEXT NOT NULL, bytes BLOB NOT NULL, mac TEXT NOT NULL);
";

/// Every store of a run empties the skeleton (and writes its own, if any), so that it
/// never describes another run than the stored one.
const NO_SKELETON: &str = "DELETE FROM skeleton;";

/// At most this many bytes of rendered files are kept for [`Cache::pending`]: what an
/// edit changes is a few files; the first `diff` of a large directory (32 MB of rules
/// on L) is not kept.
pub const PENDING_BYTES: usize = 4 << 20;

/// The warnings a full run showed, each set encoded by [`crate::diag::stored::encode`]:
/// all of them (what `render` and `diff` show), and the load's alone (what `effective`
/// and `trace`, which render nothing, show).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunWarnings {
    pub shown: Vec<u8>,
    pub load: Vec<u8>,
}

fn put_warnings(
    tx: &rusqlite::Transaction,
    key: &Key,
    fingerprint: &str,
    warnings: &RunWarnings,
) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM warnings", [])?;
    let mac = key.mac("warnings", &warnings_parts(fingerprint, warnings));
    tx.execute(
        "INSERT INTO warnings VALUES (?1, ?2, ?3, ?4)",
        params![fingerprint, warnings.shown, warnings.load, mac],
    )?;
    Ok(())
}

/// What a `warnings` row's MAC covers. (Like every row, it is this build's: another
/// build starts a new cache, [`format_key`].)
fn warnings_parts<'a>(fingerprint: &'a str, w: &'a RunWarnings) -> [&'a [u8]; 3] {
    [fingerprint.as_bytes(), &w.shown, &w.load]
}

/// What each of an `alert_memo` row's MACs covers: the render (`alert-memo`) or its
/// summary (`alert-summary`), each read without the other. A render is the work of the
/// code that made it: another build never reads it back, as it starts a new cache
/// ([`format_key`]).
fn memo_parts<'a>(alert: &'a str, key: &'a str, bytes: &'a [u8]) -> [&'a [u8]; 3] {
    [alert.as_bytes(), key.as_bytes(), bytes]
}

/// What a `file_memo` row's MAC covers: a rendered file's content hash and rule count
/// under the key of what it was built from ([`crate::render::memo::file_key`]).
fn file_memo_parts<'a>(name: &'a str, m: &'a FileMemo, rules: &'a [u8; 8]) -> [&'a [u8]; 4] {
    [name.as_bytes(), m.key.as_bytes(), m.hash.as_bytes(), rules]
}

fn file_memo_mac(key: &Key, name: &str, m: &FileMemo) -> String {
    let rules = (m.rules as u64).to_le_bytes();
    key.mac("file-memo", &file_memo_parts(name, m, &rules))
}

fn file_memo_verifies(key: &Key, name: &str, m: &FileMemo, mac: &str) -> bool {
    let rules = (m.rules as u64).to_le_bytes();
    key.verify(mac, "file-memo", &file_memo_parts(name, m, &rules))
}

/// The `meta` value of `key`, if set.
fn meta_value(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

/// The per-alert dependency keys in `table`, when every meta entry of `written` is
/// present (the rows they describe were written); otherwise none.
fn stored_keys(
    conn: &Connection,
    table: &str,
    written: &[&str],
) -> rusqlite::Result<HashMap<String, String>> {
    for key in written {
        if meta_value(conn, key)?.is_none() {
            return Ok(HashMap::new());
        }
    }
    // Every keys table is (name, key).
    let mut st = conn.prepare(&format!("SELECT * FROM {table}"))?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The answer last: a query that does not print it never reads past it.
const PUT_CELL: &str =
    "INSERT INTO cells(alert, scope, specificity, kind, json, job, human) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Writes one cell row (with a statement prepared from [`PUT_CELL`]).
fn put_cell(put: &mut rusqlite::Statement, c: CellRow) -> rusqlite::Result<usize> {
    put.execute(params![
        c.alert,
        c.scope,
        c.specificity,
        c.kind,
        c.json,
        c.job,
        c.human
    ])
}

const PUT_TRACE: &str = "INSERT OR REPLACE INTO traces VALUES (?1, ?2, ?3)";

/// Rows queued between the thread building them and the one writing them: two of
/// [`query`]'s chunks of 1,024, so the next chunks are built (on every core) while one is
/// written.
const ROWS_IN_FLIGHT: usize = 2048;

/// Rows handed over at once: a row at a time, the two threads woke each other for
/// every row (on L, 150-250k futex calls in a cold run).
const ROW_BATCH: usize = 256;

/// A row for [`put_rows`]' writer.
enum Row {
    Cell(CellRow),
    Trace(TraceRow),
}

/// Writes `cells`, then `traces`, in their order. They are built on another thread while
/// this one writes: SQLite writes on one thread, and a cold run on L spent a second of it
/// with the other cores idle, then a second building rows with SQLite idle. They are
/// handed over [`ROW_BATCH`] at a time. On a write error the builder stops when it next
/// hands over a batch (after the chunk it is on).
fn put_rows(
    conn: &Connection,
    cells: impl Iterator<Item = CellRow> + Send,
    traces: impl Iterator<Item = TraceRow> + Send,
) -> rusqlite::Result<()> {
    let mut put_c = conn.prepare(PUT_CELL)?;
    let mut put_t = conn.prepare(PUT_TRACE)?;
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Row>>(ROWS_IN_FLIGHT / ROW_BATCH);
        s.spawn(move || {
            let mut rows = cells.map(Row::Cell).chain(traces.map(Row::Trace));
            loop {
                let batch: Vec<Row> = rows.by_ref().take(ROW_BATCH).collect();
                if batch.is_empty() || tx.send(batch).is_err() {
                    break;
                }
            }
        });
        // `rx` is dropped on return, error or not, which stops the builder.
        for row in rx.into_iter().flatten() {
            match row {
                Row::Cell(c) => put_cell(&mut put_c, c)?,
                Row::Trace(t) => put_trace(&mut put_t, t)?,
            };
        }
        Ok(())
    })
}

/// Writes one trace row (with a statement prepared from [`PUT_TRACE`]).
fn put_trace(put: &mut rusqlite::Statement, t: TraceRow) -> rusqlite::Result<usize> {
    put.execute(params![t.alert, t.scope, t.trace])
}

/// One precomputed answer of `effective`: the alert as it applies in one cell.
#[derive(Debug, Clone)]
pub struct CellRow {
    pub alert: String,
    pub scope: String,
    pub specificity: i64,
    /// `applied`, `disabled`, or `unwatched` (the target does not run the alert's job).
    pub kind: String,
    /// The job the alert watches in this cell.
    pub job: Option<String>,
    /// Pretty-printed, as `effective --format json` prints it.
    pub json: String,
    /// `effective`'s human lines of an applied cell
    /// ([`crate::render::present::effective_alert`] of `json`), printed when stored:
    /// `effective --namespace` prints thousands, and parsing each answer again would
    /// cost a warm question more than the few MB they take.
    pub human: String,
}

/// The warm fast path. With every source file's stat stamp (size, mtime, ctime, inode,
/// device) unchanged, the stored content hashes still hold, so the directory's
/// fingerprint is known without reading a file; with the fingerprint unchanged, so are
/// the rendered files and every cell's `effective` answer, stored by the last full run.
impl Cache {
    /// path -> (stat stamp, content hash, when it was recorded), as last seen.
    pub fn stats(&self) -> HashMap<String, (Stamp, String, i64)> {
        let Some(conn) = self.conn.as_ref() else {
            return HashMap::new();
        };
        if ensure_schema(conn, FAST_SCHEMA).is_err() {
            return HashMap::new();
        }
        let Ok(mut st) =
            conn.prepare("SELECT path, size, mtime, ctime, ino, dev, hash, seen, mac FROM stats")
        else {
            return HashMap::new();
        };
        st.query_map([], |r| {
            let stamp = stamp_of(r)?;
            let row = (
                r.get::<_, String>(0)?,
                (stamp, r.get::<_, String>(6)?, r.get::<_, i64>(7)?),
            );
            Ok((row, r.get::<_, String>(8)?))
        })
        .map(|rows| {
            // A row that does not authenticate is as good as absent: the file is read.
            // Verified on every core: one MAC per source file.
            let rows: Vec<_> = rows.flatten().collect();
            let key = &self.key;
            rows.into_par_iter()
                .filter(|((p, (st, h, seen)), mac)| {
                    key.verify(mac, "stat", &[&stat_bytes(p, st, h, *seen)])
                })
                .map(|(row, _)| row)
                .collect()
        })
        .unwrap_or_default()
    }

    pub fn store_stats(&mut self, rows: &[(&str, Stamp, &str)], seen: i64) -> rusqlite::Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        ensure_schema(conn, FAST_SCHEMA)?;
        let tx = conn.transaction()?;
        // Only what changed is written: a stored row stays when it authenticates, holds
        // the same stamp and hash, and is not racy (re-recorded with the later `seen`, a
        // racy row becomes trusted; kept, it would send every run to the full path).
        // Stored path -> its row's (stamp, hash) when it may stay.
        // A row that cannot even be decoded (a NULL or a text where a number belongs)
        // fails the read: then every row is rewritten, or the cache would stay unusable.
        let read = || -> rusqlite::Result<HashMap<String, Option<(Stamp, String)>>> {
            let mut st = tx
                .prepare("SELECT path, size, mtime, ctime, ino, dev, hash, seen, mac FROM stats")?;
            let rows = st.query_map([], |r| {
                let stamp = stamp_of(r)?;
                let path: String = r.get(0)?;
                let (hash, was_seen): (String, i64) = (r.get(6)?, r.get(7)?);
                let racy = stamp.racy(was_seen);
                let genuine = !racy
                    && self.key.verify(
                        r.get_ref(8)?.as_str()?,
                        "stat",
                        &[&stat_bytes(&path, &stamp, &hash, was_seen)],
                    );
                Ok((path, genuine.then_some((stamp, hash))))
            })?;
            rows.collect()
        };
        let stored = match read() {
            Ok(stored) => stored,
            Err(_) => {
                tx.execute_batch("DELETE FROM stats")?;
                HashMap::new()
            }
        };
        {
            let present: std::collections::HashSet<&str> =
                rows.iter().map(|(p, _, _)| *p).collect();
            let mut del = tx.prepare("DELETE FROM stats WHERE path = ?1")?;
            for p in stored.keys().filter(|p| !present.contains(p.as_str())) {
                del.execute([p])?;
            }
            let mut put = tx.prepare(
                "INSERT OR REPLACE INTO stats VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (p, st, hash) in rows {
                if matches!(stored.get(*p), Some(Some((s, h))) if s == st && h == hash) {
                    continue;
                }
                let mac = self.key.mac("stat", &[&stat_bytes(p, st, hash, seen)]);
                // SQLite integers are i64: inode and device numbers are stored bit for bit.
                put.execute(params![
                    p,
                    st.size as i64,
                    st.mtime_ns,
                    st.ctime_ns,
                    st.ino as i64,
                    st.dev as i64,
                    hash,
                    seen,
                    mac
                ])?;
            }
        }
        tx.commit()
    }

    fn meta(&self, key: &str) -> Option<String> {
        meta_value(self.conn.as_ref()?, key).ok()?
    }

    /// Rendered file name -> content hash, when stored for this fingerprint.
    pub fn rendered_hashes(&self, fingerprint: &str) -> Option<BTreeMap<String, String>> {
        if self.meta("rendered").as_deref() != Some(fingerprint) {
            return None;
        }
        let mut st = self
            .conn
            .as_ref()?
            .prepare("SELECT name, hash, mac FROM rendered")
            .ok()?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .ok()?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (name, hash, mac): (String, String, String) = row.ok()?;
            // One row that does not authenticate and the stored render is not used at all.
            if !self
                .key
                .verify(&mac, "rendered", &rendered_parts(fingerprint, &name, &hash))
            {
                return None;
            }
            out.insert(name, hash);
        }
        Some(out)
    }

    /// Every rule file content a promtool passed, each row authenticated: contents that
    /// passed the guard against injection ([`crate::render::check_generated`]) too, as
    /// only rendered files, each guarded before it could be checked, are given to
    /// promtool (and a row vouches for the cache format, guard version included, it was
    /// written in). With the stored render's files, what a render need not guard again:
    /// without them a `validate` after an edit, with no stored render, parsed every file
    /// of the directory again, a fifth of its CPU on L.
    pub fn promtool_passed(&self) -> std::collections::HashSet<String> {
        let Some(conn) = self.conn.as_ref() else {
            return Default::default();
        };
        let rows: rusqlite::Result<Vec<(String, String, String)>> = conn
            .prepare("SELECT hash, promtool, mac FROM promtool_ok")
            .and_then(|mut st| {
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            });
        // No verdicts table yet, or one that cannot be read: none.
        let Ok(rows) = rows else {
            return Default::default();
        };
        let key = &self.key;
        let format = format_key();
        rows.into_par_iter()
            .filter(|(hash, promtool, mac)| {
                key.verify(mac, "promtool-ok", &verdict_parts(hash, promtool, &format))
            })
            .map(|(hash, _, _)| hash)
            .collect()
    }

    /// The content hashes of the last stored render's rule files (whatever sources it
    /// came from), when every row authenticates: contents that passed the checks
    /// before they were stored.
    pub fn stored_rule_file_hashes(&self) -> std::collections::HashSet<String> {
        let Some(rows) = self.meta("rendered").and_then(|f| self.rendered_hashes(&f)) else {
            return Default::default();
        };
        rows.into_iter()
            .filter(|(name, _)| !name.starts_with(crate::render::file_sd::KEY_PREFIX))
            .map(|(_, hash)| hash)
            .collect()
    }

    /// The warnings of the full run that stored the render of `fingerprint`, when they
    /// authenticate.
    pub fn warnings(&self, fingerprint: &str) -> Option<RunWarnings> {
        if !self.has_rendered(fingerprint) {
            return None;
        }
        let (w, mac): (RunWarnings, String) = self
            .conn
            .as_ref()?
            .query_row(
                "SELECT diags, load_diags, mac FROM warnings WHERE fingerprint = ?1",
                [fingerprint],
                |r| {
                    let w = RunWarnings {
                        shown: r.get(0)?,
                        load: r.get(1)?,
                    };
                    Ok((w, r.get(2)?))
                },
            )
            .optional()
            .ok()??;
        let parts = warnings_parts(fingerprint, &w);
        self.key.verify(&mac, "warnings", &parts).then_some(w)
    }

    /// Replaces the stored warnings with `warnings`, of the run `fingerprint`.
    pub fn store_warnings(
        &mut self,
        fingerprint: &str,
        warnings: &RunWarnings,
    ) -> rusqlite::Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        ensure_schema(conn, FAST_SCHEMA)?;
        let tx = conn.transaction()?;
        put_warnings(&tx, &self.key, fingerprint, warnings)?;
        tx.commit()
    }

    /// The stored run's skeleton: (its fingerprint, its bytes), authenticated.
    pub fn skeleton(&self) -> Option<(String, Vec<u8>)> {
        let (fingerprint, bytes, mac): (String, Vec<u8>, String) = self
            .conn
            .as_ref()?
            .query_row("SELECT fingerprint, bytes, mac FROM skeleton", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .ok()?;
        let parts: [&[u8]; 2] = [fingerprint.as_bytes(), &bytes];
        self.key
            .verify(&mac, "skeleton", &parts)
            .then_some((fingerprint, bytes))
    }

    /// The stored summaries ([`crate::render::memo`]) of the alerts in `keys` (alert,
    /// key), each looked up by name and authenticated; `None` where the summary is not
    /// stored under that key or does not authenticate.
    pub fn summaries_of(&self, keys: &[(&str, &str)]) -> Vec<Option<Vec<u8>>> {
        let Some(conn) = self.conn.as_ref() else {
            return keys.iter().map(|_| None).collect();
        };
        let Ok(mut st) = conn
            .prepare("SELECT summary, summary_mac FROM alert_memo WHERE alert = ?1 AND key = ?2")
        else {
            return keys.iter().map(|_| None).collect();
        };
        keys.iter()
            .map(|(alert, key)| {
                let (bytes, mac): (Vec<u8>, String) = st
                    .query_row(params![alert, key], |r| Ok((r.get(0)?, r.get(1)?)))
                    .ok()?;
                self.key
                    .verify(&mac, "alert-summary", &memo_parts(alert, key, &bytes))
                    .then_some(bytes)
            })
            .collect()
    }

    pub fn has_rendered(&self, fingerprint: &str) -> bool {
        self.meta("rendered").as_deref() == Some(fingerprint)
    }

    /// Stores a full run's rendered files and cell answers under `fingerprint`.
    pub fn store_rendered(
        &mut self,
        fingerprint: &str,
        files: &BTreeMap<String, String>,
        cells: impl Iterator<Item = CellRow>,
    ) -> rusqlite::Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        ensure_schema(conn, FAST_SCHEMA)?;
        let tx = conn.transaction()?;
        tx.execute_batch("DELETE FROM rendered; DELETE FROM cells; DELETE FROM alert_keys;")?;
        tx.execute_batch(SKELETON_SCHEMA)?;
        tx.execute_batch(NO_SKELETON)?;
        {
            let mut put = tx.prepare(PUT_RENDERED)?;
            for (name, content) in files {
                let hash = crate::source::load::content_hash(content);
                put_rendered(&mut put, &self.key, fingerprint, name, &hash)?;
            }
            let mut put = tx.prepare(PUT_CELL)?;
            // Streamed: holding 50k pretty-printed answers at once would double peak memory.
            for c in cells {
                put_cell(&mut put, c)?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('rendered', ?1)",
            [fingerprint],
        )?;
        tx.commit()
    }

    /// Keeps `files` (name -> content), rendered files of the run stored under
    /// `fingerprint` that the output directory does not hold: a `diff` shown and not
    /// written yet. A `diff` run again before anything changes shows them from here,
    /// without a load ([`Cache::pending`]). Replaces what was kept; keeps nothing when
    /// they are over [`PENDING_BYTES`].
    pub fn store_pending(
        &mut self,
        fingerprint: &str,
        files: &BTreeMap<&str, &str>,
    ) -> rusqlite::Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        ensure_schema(conn, FAST_SCHEMA)?;
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM pending", [])?;
        if files.values().map(|c| c.len()).sum::<usize>() <= PENDING_BYTES {
            let mut put = tx.prepare("INSERT INTO pending VALUES (?1, ?2, ?3, ?4)")?;
            for (name, content) in files {
                let mac = self
                    .key
                    .mac("pending", &pending_parts(fingerprint, name, content));
                put.execute(params![name, fingerprint, content, mac])?;
            }
        }
        tx.commit()
    }

    /// The rendered files kept by [`Cache::store_pending`] for `fingerprint`, each
    /// authenticated: `None` unless every one of `names` is there and hashes as `names`
    /// says (the stored run's hash of that file).
    pub fn pending(
        &self,
        fingerprint: &str,
        names: &BTreeMap<&str, &str>,
    ) -> Option<BTreeMap<String, String>> {
        let conn = self.conn.as_ref()?;
        let mut st = conn
            .prepare("SELECT content, mac FROM pending WHERE name = ?1 AND fingerprint = ?2")
            .ok()?;
        let mut out = BTreeMap::new();
        for (name, hash) in names {
            let (content, mac): (String, String) = st
                .query_row(params![name, fingerprint], |r| Ok((r.get(0)?, r.get(1)?)))
                .ok()?;
            let genuine =
                self.key
                    .verify(&mac, "pending", &pending_parts(fingerprint, name, &content));
            if !genuine || crate::source::load::content_hash(&content) != *hash {
                return None;
            }
            out.insert(name.to_string(), content);
        }
        Some(out)
    }

    /// (group, namespace) of an inventory target, from the index.
    pub fn target(&self, name: &str) -> Option<(Option<String>, Option<String>)> {
        self.conn
            .as_ref()?
            .query_row(
                "SELECT grp, namespace FROM idx_targets WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .ok()?
    }

    /// The jobs (job -> instance) of an inventory target, from the index.
    pub fn target_jobs(&self, name: &str) -> BTreeMap<String, String> {
        let stored: Option<Option<String>> = self.conn.as_ref().and_then(|c| {
            c.query_row(
                "SELECT jobs FROM idx_targets WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .ok()?
        });
        jobs_column(stored.flatten())
    }

    /// How many rules the stored render has (rendered cells).
    pub fn rendered_rule_count(&self) -> usize {
        if let Some(n) = self.meta("rules").and_then(|n| n.parse().ok()) {
            return n;
        }
        self.conn
            .as_ref()
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM cells WHERE kind = 'applied'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .ok()
            })
            .unwrap_or(0) as usize
    }

    pub fn index_fingerprint(&self) -> Option<String> {
        self.meta("index")
    }
}

const VERDICT_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS promtool_ok(hash TEXT NOT NULL, promtool TEXT NOT NULL, seen INTEGER NOT NULL, mac TEXT NOT NULL, PRIMARY KEY(hash, promtool));
";

/// How many verdicts are kept beyond the current rendered set: enough to switch
/// between a few branches without re-checking, bounded however long the cache lives.
const VERDICTS_KEPT: i64 = 20_000;

/// promtool's verdicts. Only passes are stored, each under the rendered file's content
/// hash and the promtool that gave it (its version and the check's arguments), and each
/// authenticated on its own: a row nobody with this user's key wrote is not a pass.
impl Cache {
    /// Of the content hashes `hashes`, those `promtool` passed before (none without a
    /// cache). An error means none are known: the caller checks every file.
    pub fn known_good<'h>(
        &self,
        promtool: &str,
        hashes: impl Iterator<Item = &'h str>,
    ) -> rusqlite::Result<std::collections::HashSet<String>> {
        let mut good = std::collections::HashSet::new();
        let Some(conn) = self.conn.as_ref() else {
            return Ok(good);
        };
        ensure_schema(conn, VERDICT_SCHEMA)?;
        let format = format_key();
        let mut st =
            conn.prepare_cached("SELECT mac FROM promtool_ok WHERE hash = ?1 AND promtool = ?2")?;
        for h in hashes {
            let mac: Option<String> = st.query_row([h, promtool], |r| r.get(0)).optional()?;
            if mac.is_some_and(|m| {
                self.key
                    .verify(&m, "promtool-ok", &verdict_parts(h, promtool, &format))
            }) {
                good.insert(h.to_string());
            }
        }
        Ok(good)
    }

    /// Records that `promtool` passed the contents hashed `passed`, and that `used`
    /// (passes read this run) are still wanted; forgets the least recently used beyond
    /// a bound.
    pub fn remember_good<'h>(
        &self,
        promtool: &str,
        passed: impl Iterator<Item = &'h str>,
        used: impl Iterator<Item = &'h str>,
        now: i64,
    ) -> rusqlite::Result<()> {
        let Some(conn) = self.conn.as_ref() else {
            return Ok(());
        };
        ensure_schema(conn, VERDICT_SCHEMA)?;
        let format = format_key();
        let tx = conn.unchecked_transaction()?;
        {
            let mut put =
                tx.prepare("INSERT OR REPLACE INTO promtool_ok VALUES (?1, ?2, ?3, ?4)")?;
            for h in passed {
                let mac = self
                    .key
                    .mac("promtool-ok", &verdict_parts(h, promtool, &format));
                put.execute(params![h, promtool, now, mac])?;
            }
            let mut touch =
                tx.prepare("UPDATE promtool_ok SET seen = ?3 WHERE hash = ?1 AND promtool = ?2")?;
            for h in used {
                touch.execute(params![h, promtool, now])?;
            }
        }
        tx.execute(
            "DELETE FROM promtool_ok WHERE rowid NOT IN (SELECT rowid FROM promtool_ok ORDER BY seen DESC LIMIT ?1)",
            [VERDICTS_KEPT],
        )?;
        tx.commit()
    }
}

/// What a `promtool_ok` row's MAC covers: the content's hash, the promtool that
/// passed it, and the cache's format, whose guard version a row then vouches for too
/// ([`Cache::promtool_passed`]): a row copied from a database of another format does not
/// authenticate, even into one whose whole file a format change did not replace.
fn verdict_parts<'a>(hash: &'a str, promtool: &'a str, format: &'a str) -> [&'a [u8]; 3] {
    [hash.as_bytes(), promtool.as_bytes(), format.as_bytes()]
}

/// What a `stats` row's MAC covers: all of it (the path length-prefixed, the rest fixed
/// width or hex).
fn stat_bytes(path: &str, st: &Stamp, hash: &str, seen: i64) -> Vec<u8> {
    let mut b = Vec::with_capacity(path.len() + hash.len() + 56);
    b.extend((path.len() as u64).to_le_bytes());
    b.extend(path.as_bytes());
    for n in [
        st.size,
        st.mtime_ns as u64,
        st.ctime_ns as u64,
        st.ino,
        st.dev,
        seen as u64,
    ] {
        b.extend(n.to_le_bytes());
    }
    b.extend(hash.as_bytes());
    b
}

/// The stamp of a `stats` row selected as `path, size, mtime, ctime, ino, dev, ...`.
fn stamp_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stamp> {
    Ok(Stamp {
        size: r.get::<_, i64>(1)? as u64,
        mtime_ns: r.get(2)?,
        ctime_ns: r.get(3)?,
        ino: r.get::<_, i64>(4)? as u64,
        dev: r.get::<_, i64>(5)? as u64,
    })
}

/// A rendered file as the cache keeps it: its name and content hash (what the fast
/// path compares), signed; not its text, which nothing reads back (on L, writing the
/// texts into every edit run's rows cost 0.1-0.3 s).
const PUT_RENDERED: &str = "INSERT OR REPLACE INTO rendered VALUES (?1, ?2, ?3)";

fn put_rendered(
    put: &mut rusqlite::Statement,
    key: &Key,
    fingerprint: &str,
    name: &str,
    hash: &str,
) -> rusqlite::Result<usize> {
    let mac = key.mac("rendered", &rendered_parts(fingerprint, name, hash));
    put.execute(params![name, hash, mac])
}

/// What a `pending` row's MAC covers.
fn pending_parts<'a>(fingerprint: &'a str, name: &'a str, content: &'a str) -> [&'a [u8]; 3] {
    [fingerprint.as_bytes(), name.as_bytes(), content.as_bytes()]
}

/// What a `rendered` row's MAC covers: the row bound to the sources it was rendered from.
fn rendered_parts<'a>(fingerprint: &'a str, name: &'a str, hash: &'a str) -> [&'a [u8]; 3] {
    [fingerprint.as_bytes(), name.as_bytes(), hash.as_bytes()]
}

/// The jobs a group runs (declared for it or by its targets); `None`: it declares none,
/// so it runs every job (as [`crate::model::resolve::Inventory::group_runs`] decides).
fn group_jobs(
    inv: &crate::model::resolve::Inventory,
    info: &crate::model::resolve::GroupInfo,
) -> Option<std::collections::BTreeSet<String>> {
    let declared = !info.jobs.is_empty() || info.targets.iter().any(|t| inv.jobs.contains_key(t));
    declared.then(|| {
        let of_targets = info
            .targets
            .iter()
            .filter_map(|t| inv.jobs.get(t))
            .flat_map(|j| j.keys());
        info.jobs.iter().chain(of_targets).cloned().collect()
    })
}

/// One alert's `trace` details in one cell (field chains, who set what), stored by a
/// full run next to the cell's `effective` answer.
#[derive(Debug, Clone)]
pub struct TraceRow {
    pub alert: String,
    pub scope: String,
    /// A [`crate::cache::query::TraceRecord`] as compact JSON.
    pub trace: String,
}

/// What `trace` and `effective` print of one alert in one cell, beyond its `effective`
/// JSON object, printed for the cells a question asks about
/// ([`crate::cache::query::trace_pieces_of`]).
#[derive(Debug, Clone, Default)]
pub struct TracePieces {
    /// `fields` as `trace --format json` prints it (pretty, at the top level).
    pub fields: String,
    /// The human answer's template and applied rules ([`crate::render::present::trace_rules`]).
    pub rules: String,
    /// The human answer's fields table ([`crate::render::present::trace_fields`]).
    pub table: String,
    /// `effective`'s human lines of the alert ([`crate::render::present::effective_alert`]).
    pub effective: String,
}

/// What [`Cache::answers_at`] reads of each answer: only what is printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Want {
    /// The applied cells' JSON objects (the disabled ones' are always read).
    pub json: bool,
    /// `fields` (the trace's JSON).
    pub fields: bool,
    /// The trace's human pieces.
    pub trace: bool,
    /// `effective`'s human lines.
    pub effective: bool,
}

/// One alert's answer at a position: its most specific cell, and what was asked of it.
#[derive(Debug, Clone)]
pub struct Answer {
    /// With `json` empty unless asked for (or disabled).
    pub cell: CellRow,
    pub pieces: TracePieces,
}

/// The query index beyond `list`: what `effective --group/--namespace` and `trace` need
/// to answer without loading the model.
impl Cache {
    /// Whether the index is the one of `fingerprint` and a full run stored its cells and
    /// traces (which it does only without errors): then every question can be answered
    /// from the cache.
    pub fn answers(&self, fingerprint: &str) -> bool {
        self.index_fingerprint().as_deref() == Some(fingerprint)
            && self.has_rendered(fingerprint)
            && self.meta("traces").as_deref() == Some(fingerprint)
    }

    /// Whether the indexed inventory declares jobs.
    pub fn index_uses_jobs(&self) -> Option<bool> {
        self.meta("index_jobs").map(|v| v == "1")
    }

    /// (namespace, jobs it runs or `None` for every job) of an inventory group.
    pub fn group(
        &self,
        name: &str,
    ) -> Option<(String, Option<std::collections::BTreeSet<String>>)> {
        let (ns, jobs): (String, Option<String>) = self
            .conn
            .as_ref()?
            .query_row(
                "SELECT namespace, jobs FROM idx_groups WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .ok()??;
        let jobs = match jobs {
            Some(j) => Some(serde_json::from_str(&j).ok()?),
            None => None,
        };
        Some((ns, jobs))
    }

    pub fn has_namespace(&self, name: &str) -> bool {
        self.conn.as_ref().is_some_and(|c| {
            c.query_row(
                "SELECT 1 FROM idx_namespaces WHERE name = ?1",
                [name],
                |_| Ok(()),
            )
            .optional()
            .ok()
            .flatten()
            .is_some()
        })
    }

    /// `trace --all`: the rules of `alert` that do not apply at a position whose scopes
    /// are `scopes`, as (rule, reason), in [`crate::cache::query::not_applied`]'s order.
    pub fn not_applied(
        &self,
        alert: &str,
        scopes: &[String],
    ) -> Option<Vec<(serde_json::Value, String)>> {
        let mut st = self
            .conn
            .as_ref()?
            .prepare(
                "SELECT scope, reason, rule FROM idx_not_applied WHERE alert = ?1 ORDER BY seq",
            )
            .ok()?;
        let rows = st
            .query_map([alert], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .ok()?;
        let mut out = Vec::new();
        for row in rows {
            let (scope, reason, rule) = row.ok()?;
            if scope.is_some_and(|s| scopes.contains(&s)) {
                continue;
            }
            out.push((serde_json::from_str(&rule).ok()?, reason));
        }
        Some(out)
    }

    /// Per alert (or only the alert `only`), its most specific cell among `scopes` (a
    /// position's scopes), with what `want` asks for, in one query; `None` unless a full
    /// run stored the cells and traces of `fingerprint`. Only the winners are kept, so
    /// memory holds one answer per alert, not one per cell.
    pub fn answers_at(
        &self,
        fingerprint: &str,
        scopes: &[String],
        want: Want,
        only: Option<&str>,
    ) -> Option<Vec<Answer>> {
        if !self.answers(fingerprint) {
            return None;
        }
        // The human pieces are printed from the cell's JSON object, the trace's from its
        // record: read only for what is printed.
        let doc = want.json || want.trace;
        let record = want.fields || want.trace;
        // ?1: the JSON object, ?2: only, ?3: the record, ?4: the human lines, ?5...:
        // the scopes.
        let marks = (0..scopes.len())
            .map(|i| format!("?{}", i + 5))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT c.alert, c.scope, c.specificity, c.kind, c.job,
                    CASE WHEN ?1 OR c.kind = 'disabled' THEN c.json ELSE '' END,
                    CASE WHEN ?3 THEN t.trace ELSE '' END, t.alert IS NOT NULL,
                    CASE WHEN ?4 THEN c.human ELSE '' END
             FROM cells c LEFT JOIN traces t ON t.alert = c.alert AND t.scope = c.scope
             WHERE c.scope IN ({marks}) AND (?2 IS NULL OR c.alert = ?2)"
        );
        let conn = self.conn.as_ref()?;
        let mut st = conn.prepare(&sql).ok()?;
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![&doc, &only, &record, &want.effective];
        args.extend(scopes.iter().map(|s| s as &dyn rusqlite::ToSql));
        let mut rows = st.query(args.as_slice()).ok()?;
        // Per alert its most specific cell, with its stored trace record.
        let mut best: BTreeMap<String, (CellRow, String)> = BTreeMap::new();
        while let Some(r) = rows.next().ok()? {
            let (alert, specificity): (String, i64) = (r.get(0).ok()?, r.get(2).ok()?);
            if best
                .get(&alert)
                .is_some_and(|b| b.0.specificity >= specificity)
            {
                continue;
            }
            let kind: String = r.get(3).ok()?;
            // An applied cell without its trace: the index is not whole.
            let traced = want.fields || want.trace || want.effective;
            if kind == "applied" && traced && !r.get::<_, bool>(7).ok()? {
                return None;
            }
            let text = |i: usize| -> Option<String> {
                Some(r.get::<_, Option<String>>(i).ok()?.unwrap_or_default())
            };
            let cell = CellRow {
                alert: alert.clone(),
                scope: r.get(1).ok()?,
                specificity,
                kind,
                job: r.get(4).ok()?,
                json: text(5)?,
                human: text(8)?,
            };
            best.insert(alert, (cell, text(6)?));
        }
        // Printed on every core: `trace` of a target prints thousands of alerts.
        let winners: Vec<(CellRow, String)> = best.into_values().collect();
        winners
            .into_par_iter()
            .map(|(mut cell, trace)| {
                let applied = cell.kind == "applied";
                let mut pieces = if applied && record {
                    let record = query::TraceRecord::parse(&trace)?;
                    let doc = if want.trace {
                        Some(query::stored_doc(&cell.json)?)
                    } else {
                        None
                    };
                    // `effective`'s lines are stored printed.
                    let want = Want {
                        effective: false,
                        ..want
                    };
                    query::trace_pieces_of(Some(&record), doc.as_ref(), want)
                } else {
                    TracePieces::default()
                };
                pieces.effective = std::mem::take(&mut cell.human);
                if applied && !want.json {
                    cell.json = String::new();
                }
                Some(Answer { cell, pieces })
            })
            .collect()
    }

    /// Each alert's dependency key, as stored with its cells and traces (empty when none
    /// are stored: then every alert's rows are written).
    pub fn alert_keys(&self) -> HashMap<String, String> {
        self.conn
            .as_ref()
            .and_then(|c| stored_keys(c, "alert_keys", &["rendered", "traces"]).ok())
            .unwrap_or_default()
    }

    /// The kept renders ([`crate::render::memo`]) of the alerts whose stored key is their
    /// key in `keys`, by alert; rows that fail their MAC are left out (rendered again).
    /// Nothing on any error: a render then renders every alert.
    pub fn alert_memos(&self, keys: &BTreeMap<String, String>) -> HashMap<String, Vec<u8>> {
        self.memos_where(Ahead::Memos, |alert, key| {
            keys.get(alert).is_some_and(|k| k == key)
        })
        .into_iter()
        .map(|(alert, _, memo)| (alert, memo))
        .collect()
    }

    /// [`Cache::alert_memos`] of the alerts in `keys` only, each looked up by name: a
    /// `diff` that builds a few files reads a few renders of thousands.
    pub fn alert_memos_of(&self, keys: &BTreeMap<&str, &str>) -> HashMap<String, Vec<u8>> {
        let Some(conn) = self.conn.as_ref() else {
            return HashMap::new();
        };
        let read = || -> rusqlite::Result<Vec<(String, Vec<u8>, String)>> {
            let mut st =
                conn.prepare("SELECT memo, mac FROM alert_memo WHERE alert = ?1 AND key = ?2")?;
            let mut out = Vec::with_capacity(keys.len());
            for (alert, key) in keys {
                if let Some((memo, mac)) = st
                    .query_row([alert, key], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                {
                    out.push((alert.to_string(), memo, mac));
                }
            }
            Ok(out)
        };
        let Ok(rows) = read() else {
            return HashMap::new();
        };
        let key = &self.key;
        rows.into_par_iter()
            .filter(|(alert, memo, mac)| {
                key.verify(
                    mac,
                    "alert-memo",
                    &memo_parts(alert, keys[alert.as_str()], memo),
                )
            })
            .map(|(alert, memo, _)| (alert, memo))
            .collect()
    }

    /// (alert, key, memo or summary) of the stored renders `keep` takes, each
    /// authenticated (the others are not verified at all).
    fn memos_where(&self, what: Ahead, keep: impl Fn(&str, &str) -> bool) -> Vec<MemoRow> {
        let Some(conn) = self.conn.as_ref() else {
            return Vec::new();
        };
        // (alert, key, memo, mac) of the rows `keep` takes.
        type Row = (String, String, Vec<u8>, String);
        let read = || -> rusqlite::Result<Vec<Row>> {
            let mut st = conn.prepare(match what {
                Ahead::Memos => "SELECT alert, key, memo, mac FROM alert_memo",
                Ahead::Summaries => "SELECT alert, key, summary, summary_mac FROM alert_memo",
            })?;
            let mut rows = st.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let alert: String = r.get(0)?;
                let key: String = r.get(1)?;
                if !keep(&alert, &key) {
                    continue;
                }
                out.push((alert, key, r.get(2)?, r.get(3)?));
            }
            Ok(out)
        };
        let Ok(rows) = read() else {
            return Vec::new();
        };
        let key = &self.key;
        rows.into_par_iter()
            .filter(|(alert, k, bytes, mac)| match what {
                Ahead::Memos => key.verify(mac, "alert-memo", &memo_parts(alert, k, bytes)),
                Ahead::Summaries => key.verify(mac, "alert-summary", &memo_parts(alert, k, bytes)),
            })
            .map(|(alert, k, memo, _)| (alert, k, memo))
            .collect()
    }

    /// The stored models of the files in `wanted` (path, content hash), each looked up
    /// by path, authenticated and decoded on every core; `None` where a model is not
    /// stored for that hash, or does not authenticate or decode. For a few files of
    /// many, where [`Cache::scan_models`] reads every row.
    pub fn models_of(&self, wanted: &[(&str, &str)]) -> Vec<Option<FileModel>> {
        let Some(conn) = self.conn.as_ref() else {
            return wanted.iter().map(|_| None).collect();
        };
        // Each file's (model, mac), if stored for that hash.
        type Row = Option<(Vec<u8>, String)>;
        let read = || -> rusqlite::Result<Vec<Row>> {
            let mut st =
                conn.prepare("SELECT model, mac FROM files WHERE path = ?1 AND hash = ?2")?;
            wanted
                .iter()
                .map(|(path, hash)| {
                    st.query_row(params![path, hash], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                })
                .collect()
        };
        let Ok(rows) = read() else {
            return wanted.iter().map(|_| None).collect();
        };
        let key = &self.key;
        rows.into_par_iter()
            .zip(wanted)
            .map(|(row, (path, hash))| {
                let (bytes, mac) = row?;
                let parts: [&[u8]; 3] = [path.as_bytes(), hash.as_bytes(), &bytes];
                key.verify(&mac, "file-model", &parts)
                    .then(|| decode_model(&bytes))
                    .flatten()
            })
            .collect()
    }

    /// Starts reading every stored render (alerts' and files' memos) on another thread,
    /// over a connection of its own: a caller that renders next mostly has them by
    /// then (on L the read is 30-40 ms, while the model build leaves a core idle).
    /// `None` without a cache on disk.
    pub fn read_memos_ahead(&self, what: Ahead) -> Option<MemosAhead> {
        self.conn.as_ref()?;
        let path = self.file.clone()?;
        let key = self.key.clone();
        let reader = std::thread::Builder::new()
            .name("memos-ahead".into())
            .spawn(move || {
                // Read-only: it sets no journal mode (a new cache stays out of WAL
                // until its first run is done) and never checkpoints. The file is
                // opened again by path, so it is authenticated again, as the load's
                // was, before any row is read; every row is then checked too.
                let conn = Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .ok()?;
                conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
                conn.execute_batch("PRAGMA trusted_schema=OFF;").ok()?;
                Self::check_owner(&conn, &key).ok()?;
                let cache = Cache {
                    conn: Some(conn),
                    file: Some(path),
                    note: None,
                    key,
                };
                Some((
                    what,
                    cache.memos_where(what, |_, _| true),
                    cache.file_memos(),
                ))
            })
            .ok()?;
        Some(MemosAhead(reader))
    }

    /// How the stored runs built each rendered file (its keys, content hash and rule
    /// count); rows that do not authenticate are left out.
    pub fn file_memos(&self) -> FileMemos {
        let Some(conn) = self.conn.as_ref() else {
            return HashMap::new();
        };
        type Row = (String, FileMemo, String);
        let read = || -> rusqlite::Result<Vec<Row>> {
            let mut st = conn.prepare("SELECT name, key, hash, rules, mac FROM file_memo")?;
            let rows = st.query_map([], |r| {
                let memo = FileMemo {
                    key: r.get(1)?,
                    hash: r.get(2)?,
                    rules: r.get::<_, i64>(3)? as usize,
                };
                Ok((r.get(0)?, memo, r.get(4)?))
            })?;
            rows.collect()
        };
        let Ok(rows) = read() else {
            return HashMap::new();
        };
        let key = &self.key;
        rows.into_par_iter()
            .filter(|(name, m, mac)| file_memo_verifies(key, name, m, mac))
            .map(|(name, m, _)| (name, m))
            .collect()
    }

    /// A run's results under `fingerprint`, in one transaction: every rendered file's hash
    /// (`files`, name -> hash) with the keys of those built now (`file_memos`: name, key,
    /// hash), and the
    /// cell and trace rows of the alerts in `redo` (replaced by `cells` and `traces`, which
    /// hold rows of those alerts only, each written as it is produced) with their new
    /// dependency `keys` (`every_alert`: the rows of every alert, where the answers were
    /// deferred). Other alerts keep their stored rows, unless `basis`
    /// (the stored keys `redo` was chosen against) is empty: then every stored row goes
    /// first. Returns `false`, storing nothing, when another run changed the stored keys
    /// since `basis` was read.
    #[allow(clippy::too_many_arguments)]
    pub fn store_incremental<'a>(
        &mut self,
        fingerprint: &str,
        basis: &HashMap<String, String>,
        files: &BTreeMap<Cow<'_, str>, String>,
        file_memos: impl Iterator<Item = (&'a str, FileMemo)>,
        redo: impl Iterator<Item = &'a str>,
        keys: impl Iterator<Item = (&'a str, &'a str)>,
        cells: impl Iterator<Item = CellRow> + Send,
        traces: impl Iterator<Item = TraceRow> + Send,
        memos: impl Iterator<Item = (&'a str, &'a str, &'a [u8], &'a [u8])>,
        warnings: &RunWarnings,
        rules: usize,
        answers: Answers,
        every_alert: bool,
        skeleton: Option<&[u8]>,
    ) -> rusqlite::Result<bool> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(false);
        };
        // Signed on every core before the transaction: a cold run keeps every alert.
        let key = &self.key;
        type Signed<'m> = (&'m str, &'m str, &'m [u8], String, &'m [u8], String);
        let memos: Vec<Signed> = memos
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(alert, k, memo, summary)| {
                let mac = key.mac("alert-memo", &memo_parts(alert, k, memo));
                let summary_mac = key.mac("alert-summary", &memo_parts(alert, k, summary));
                (alert, k, memo, mac, summary, summary_mac)
            })
            .collect();
        let file_memos: Vec<(&str, FileMemo, String)> = file_memos
            .map(|(name, m)| {
                let mac = file_memo_mac(key, name, &m);
                (name, m, mac)
            })
            .collect();
        ensure_schema(conn, FAST_SCHEMA)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if stored_keys(&tx, "alert_keys", &["rendered", "traces"])? != *basis {
            return Ok(false);
        }
        // Whether the answers are stored or deferred is part of the basis too: another
        // run may have stored them (or deferred them) since it was read. A fill writes
        // every alert's rows, on a cache that must hold none.
        let now = meta_value(&tx, "traces")?;
        let deferred_now = now.as_deref() == Some(DEFERRED);
        match answers {
            Answers::Deferred if now.is_some() && !deferred_now => return Ok(false),
            Answers::Stored if every_alert != deferred_now => return Ok(false),
            Answers::Stored if every_alert => {
                tx.execute_batch("DELETE FROM cells; DELETE FROM traces;")?
            }
            _ => {}
        }
        if basis.is_empty() {
            // Every row is new: the index on `cells` is built once after them, sorted,
            // not a row at a time (FAST_SCHEMA makes it again before the commit).
            tx.execute_batch(
                "DROP INDEX IF EXISTS cells_scope; DROP INDEX IF EXISTS cells_alert;
                 DELETE FROM cells; DELETE FROM traces; DELETE FROM alert_keys; DELETE FROM alert_memo; DELETE FROM file_memo;",
            )?;
        }
        let stored: Vec<String> = {
            let mut st = tx.prepare("SELECT name FROM rendered")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        {
            // Every row's MAC names the new fingerprint, so every row is written again.
            let mut put = tx.prepare(PUT_RENDERED)?;
            for (name, hash) in files {
                put_rendered(&mut put, &self.key, fingerprint, name, hash)?;
            }
            let mut gone = tx.prepare("DELETE FROM rendered WHERE name = ?1")?;
            let mut gone_memo = tx.prepare("DELETE FROM file_memo WHERE name = ?1")?;
            for name in stored.iter().filter(|n| !files.contains_key(n.as_str())) {
                gone.execute([name])?;
                gone_memo.execute([name])?;
            }
            let mut put =
                tx.prepare("INSERT OR REPLACE INTO file_memo VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for (name, m, mac) in file_memos {
                put.execute(params![name, m.key, m.hash, m.rules as i64, mac])?;
            }
            let mut del_cells = tx.prepare("DELETE FROM cells WHERE alert = ?1")?;
            let mut del_traces = tx.prepare("DELETE FROM traces WHERE alert = ?1")?;
            let mut del_key = tx.prepare("DELETE FROM alert_keys WHERE alert = ?1")?;
            let mut del_memo = tx.prepare("DELETE FROM alert_memo WHERE alert = ?1")?;
            for alert in redo {
                del_cells.execute([alert])?;
                del_traces.execute([alert])?;
                del_key.execute([alert])?;
                del_memo.execute([alert])?;
            }
            // Any alert rendered now, changed or not (a memo lost or from another build).
            let mut put =
                tx.prepare("INSERT OR REPLACE INTO alert_memo VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            for (alert, key, memo, mac, summary, summary_mac) in memos {
                put.execute(params![alert, key, memo, mac, summary, summary_mac])?;
            }
            put_rows(&tx, cells, traces)?;
            let mut put = tx.prepare("INSERT INTO alert_keys VALUES (?1, ?2)")?;
            for (alert, key) in keys {
                put.execute([alert, key])?;
            }
        }
        if basis.is_empty() {
            tx.execute_batch(FAST_SCHEMA)?;
        }
        put_warnings(&tx, key, fingerprint, warnings)?;
        // The stored run's skeleton is this run's, or none.
        tx.execute_batch(SKELETON_SCHEMA)?;
        tx.execute_batch(NO_SKELETON)?;
        if let Some(bytes) = skeleton {
            let mac = key.mac("skeleton", &[fingerprint.as_bytes(), bytes]);
            tx.execute(
                "INSERT INTO skeleton VALUES (?1, ?2, ?3)",
                params![fingerprint, bytes, mac],
            )?;
        }
        let traces = match answers {
            Answers::Stored => fingerprint,
            Answers::Deferred => DEFERRED,
        };
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('rendered', ?1), ('traces', ?2), ('rules', ?3)",
            params![fingerprint, traces, rules as i64],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Whether a store now leaves no answers ([`Answers::Deferred`]): none are stored (a
    /// new cache), or the last store deferred them too.
    pub fn defers_answers(&self) -> bool {
        self.meta("traces").is_none_or(|v| v == DEFERRED)
    }

    /// Whether the last store deferred the answers.
    pub fn answers_deferred(&self) -> bool {
        self.meta("traces").as_deref() == Some(DEFERRED)
    }
}

/// What a store leaves for `effective` and `trace`, beside what the edit loop reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// The query index and every alert's cell and trace rows.
    Stored,
    /// Neither: a cache's first runs are mostly `render`, `diff` or `apply` on a fresh
    /// clone (a CI runner), which never ask, and the answers were over half of a cold
    /// render of L. The first question stores them (every alert's, rendered or read back
    /// for it); every store after that keeps them up to date.
    Deferred,
}

/// The `traces` meta value of a store that deferred the answers (never a fingerprint,
/// which is hex).
const DEFERRED: &str = "deferred";

fn jobs_column(v: Option<String>) -> BTreeMap<String, String> {
    v.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        assert!(c.is_enabled());
        let m = FileModel::default();
        c.update(&[("a.yaml", "h1", &m)], &["a.yaml"]).unwrap();
        assert_eq!(c.get("a.yaml", "h1"), Some(m.clone()));
        assert_eq!(c.get("a.yaml", "h2"), None);
        drop(c);
        std::fs::write(
            Cache::path(dir.path()),
            b"this is not a database, just garbage bytes......",
        )
        .unwrap();
        let c = Cache::open(dir.path());
        assert!(c.is_enabled());
        assert!(c.note.as_deref().unwrap_or_default().contains("rebuilt"));
        assert_eq!(c.get("a.yaml", "h1"), None);
    }

    /// A cache written by another build of the same version (its format names that
    /// build) is started anew, not read: it holds that build's answers and models.
    #[test]
    fn a_cache_of_another_build_is_started_anew() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let m = FileModel::default();
        c.update(&[("a.yaml", "h1", &m)], &["a.yaml"]).unwrap();
        let other = format_key().replace(env!("ALERTCTL_BUILD_ID"), "another-build");
        assert_ne!(other, format_key());
        c.conn
            .as_ref()
            .unwrap()
            .execute("UPDATE meta SET value = ?1 WHERE key = 'format'", [&other])
            .unwrap();
        drop(c);
        let c = Cache::open(dir.path());
        assert!(
            c.note
                .as_deref()
                .unwrap_or_default()
                .contains("cache rebuilt: format"),
            "{:?}",
            c.note
        );
        assert_eq!(c.get("a.yaml", "h1"), None);
    }

    /// `Rule::keep_firing_for` is boxed in memory only: a stored model reads back the
    /// same, and the field encodes as the unboxed one did, so caches written before
    /// still decode.
    #[test]
    fn a_boxed_rule_field_round_trips_with_its_old_encoding() {
        use crate::model::Spanned;
        let rel = "rules/r.yaml";
        let src = crate::diag::SourceText::new(
            rel,
            "- {template: T, scope: global, keep_firing_for: 5m}\n- {template: T, scope: global}\n",
        );
        let kind = crate::source::parse::FileKind::of(rel).unwrap();
        let mut diags = crate::diag::Diagnostics::default();
        let m = crate::source::parse::file(kind, &src, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let kff = m.rules[0].keep_firing_for.as_deref().unwrap();
        assert_eq!(kff.value, "5m");
        assert_eq!(m.rules[1].keep_firing_for, None);
        let unboxed: Option<Spanned<String>> = Some(kff.clone());
        assert_eq!(
            postcard::to_stdvec(&m.rules[0].keep_firing_for).unwrap(),
            postcard::to_stdvec(&unboxed).unwrap()
        );
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        c.update(&[(rel, "h1", &m)], &[rel]).unwrap();
        let back = c.get(rel, "h1").unwrap();
        assert_eq!(back.rules, m.rules);
        assert_eq!(
            back.rules[0].keep_firing_for.as_deref().unwrap().value,
            "5m"
        );
    }

    fn journal_mode(c: &Cache) -> String {
        let conn = c.conn.as_ref().unwrap();
        conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    }

    /// A new cache is filled with a rollback journal (its pages are written once), and
    /// a process killed mid-transaction leaves a hot journal that the next open rolls
    /// back: the cache holds what was committed, whole. That open hands it to WAL.
    #[test]
    fn a_fresh_cache_killed_mid_write_reopens_as_committed() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::open(dir.path());
        assert_eq!(journal_mode(&c), "delete");
        let conn = c.conn.as_ref().unwrap();
        conn.execute_batch(
            "CREATE TABLE t(n INTEGER, b BLOB);
             WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000)
             INSERT INTO t SELECT n, zeroblob(1000) FROM s;",
        )
        .unwrap();
        // A transaction too large for the page cache, so changed pages reach the file
        // before the commit, as a cold run's do; the process "dies" with it open: its
        // files are copied as they are.
        conn.execute_batch(
            "PRAGMA cache_size = 10; BEGIN;
             UPDATE t SET n = -n, b = randomblob(1000);
             INSERT INTO t SELECT -n, b FROM t;",
        )
        .unwrap();
        let crashed = tempfile::tempdir().unwrap();
        std::fs::create_dir(crashed.path().join(DIR)).unwrap();
        let path = Cache::path(dir.path());
        for suffix in ["", "-journal", "-wal"] {
            let mut from = path.clone().into_os_string();
            from.push(suffix);
            let mut to = Cache::path(crashed.path()).into_os_string();
            to.push(suffix);
            if std::path::Path::new(&from).exists() {
                std::fs::copy(&from, &to).unwrap();
            }
        }
        // The crash this stands for leaves a hot rollback journal (without one the
        // reopen below would prove nothing).
        let mut hot = Cache::path(crashed.path()).into_os_string();
        hot.push("-journal");
        assert!(std::path::Path::new(&hot).exists(), "no hot journal copied");
        let torn: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(torn, 4000, "the transaction was open when copied");

        let c = Cache::open(crashed.path());
        assert_eq!(c.note, None, "opened as it was, not rebuilt");
        assert_eq!(journal_mode(&c), "wal");
        let conn = c.conn.as_ref().unwrap();
        let committed: (i64, i64) = conn
            .query_row("SELECT count(*), sum(n) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(committed, (2000, 2000 * 2001 / 2));
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    fn test_stamp(mtime_ns: i64) -> Stamp {
        Stamp {
            size: 3,
            mtime_ns,
            ctime_ns: 2,
            ino: 3,
            dev: 4,
        }
    }

    /// Rows changed behind alertctl's back (a cache edited in a pull request) do not
    /// authenticate: a re-keyed stat row is dropped (the file is read), a re-hashed
    /// rendered row voids the stored render (the full path runs).
    #[test]
    fn tampered_rows_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let stamp = test_stamp(1);
        c.store_stats(&[("a.yaml", stamp, "h1"), ("b.yaml", stamp, "h2")], 5)
            .unwrap();
        let files = BTreeMap::from([("x.yml".to_string(), "groups: []\n".to_string())]);
        c.store_rendered("fp", &files, std::iter::empty()).unwrap();
        assert_eq!(c.stats().len(), 2);
        assert!(c.rendered_hashes("fp").is_some());

        let conn = c.conn.as_ref().unwrap();
        conn.execute("UPDATE stats SET hash = 'h3' WHERE path = 'a.yaml'", [])
            .unwrap();
        // The rows are bound to the sources they were rendered from.
        conn.execute("UPDATE meta SET value = 'fp2' WHERE key = 'rendered'", [])
            .unwrap();
        assert_eq!(c.rendered_hashes("fp2"), None);
        conn.execute("UPDATE meta SET value = 'fp' WHERE key = 'rendered'", [])
            .unwrap();
        assert!(c.rendered_hashes("fp").is_some());
        conn.execute("UPDATE rendered SET hash = 'feed'", [])
            .unwrap();
        assert_eq!(c.rendered_hashes("fp"), None);
        let stats = c.stats();
        assert_eq!(stats.keys().collect::<Vec<_>>(), ["b.yaml"]);
    }

    /// The guard is skipped only for contents a stored render or a promtool pass vouches
    /// for, each row authenticated: a forged verdict does not let a content through.
    #[test]
    fn guard_passes_are_the_stored_files_and_promtools_passes() {
        let guard_passed = |c: &Cache| {
            let mut p = c.stored_rule_file_hashes();
            p.extend(c.promtool_passed());
            p
        };
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        assert!(guard_passed(&c).is_empty(), "no verdicts table yet");
        let files = BTreeMap::from([("x.yml".to_string(), "groups: []\n".to_string())]);
        c.store_rendered("fp", &files, std::iter::empty()).unwrap();
        let stored = crate::source::load::content_hash("groups: []\n");
        c.remember_good("promtool 3", ["h1"].into_iter(), std::iter::empty(), 1)
            .unwrap();
        c.remember_good(
            "promtool 2",
            ["h2", "h3"].into_iter(),
            std::iter::empty(),
            1,
        )
        .unwrap();
        let passed = |c: &Cache| {
            let mut p: Vec<String> = guard_passed(c).into_iter().collect();
            p.sort();
            p
        };
        let mut want = vec!["h1".to_string(), "h2".into(), "h3".into(), stored.clone()];
        want.sort();
        assert_eq!(passed(&c), want);
        let conn = c.conn.as_ref().unwrap();
        conn.execute("UPDATE promtool_ok SET hash = 'h4' WHERE hash = 'h2'", [])
            .unwrap();
        conn.execute(
            "INSERT INTO promtool_ok VALUES ('h5', 'promtool 3', 1, 'feed')",
            [],
        )
        .unwrap();
        let mut want = vec!["h1".to_string(), "h3".into(), stored];
        want.sort();
        assert_eq!(passed(&c), want);
    }

    /// Whether the answers are stored or left is part of what a store commits against:
    /// of two runs that both found them left, the second to fill finds them stored and
    /// writes nothing (no alert's rows twice); a deferring store after a fill, or a
    /// storing one that fills nothing on a cache whose answers were left since, writes
    /// nothing either. Each handle reads the same state before any of them stores, as
    /// concurrent runs would.
    #[test]
    fn the_answers_state_is_part_of_a_stores_basis() {
        let dir = tempfile::tempdir().unwrap();
        let files: BTreeMap<Cow<str>, String> = BTreeMap::new();
        let cell = |alert: &str| CellRow {
            alert: alert.to_string(),
            scope: "global".to_string(),
            specificity: 0,
            kind: "applied".to_string(),
            job: None,
            json: format!("{{\"alert\": \"{alert}\"}}"),
            human: alert.to_string(),
        };
        let store = |c: &mut Cache, answers: Answers, every_alert: bool, with_rows: bool| {
            let basis = c.alert_keys();
            let first = basis.is_empty();
            let keys: Vec<(&str, &str)> = if first {
                vec![("A", "ka"), ("B", "kb")]
            } else {
                Vec::new()
            };
            let rows: Vec<CellRow> = if with_rows {
                vec![cell("A"), cell("B")]
            } else {
                Vec::new()
            };
            c.store_incremental(
                "fp",
                &basis,
                &files,
                std::iter::empty(),
                std::iter::empty(),
                keys.into_iter(),
                rows.into_iter(),
                std::iter::empty(),
                std::iter::empty(),
                &RunWarnings::default(),
                2,
                answers,
                every_alert,
                None,
            )
            .unwrap()
        };
        let cells = |c: &Cache| -> i64 {
            c.conn
                .as_ref()
                .unwrap()
                .query_row("SELECT count(*) FROM cells", [], |r| r.get(0))
                .unwrap()
        };
        let mut first = Cache::open(dir.path());
        assert!(store(&mut first, Answers::Deferred, false, false));
        assert!(first.answers_deferred());
        drop(first);
        // Three runs open the cache, all finding the answers left.
        let (mut a, mut b, mut c) = (
            Cache::open(dir.path()),
            Cache::open(dir.path()),
            Cache::open(dir.path()),
        );
        assert!(a.answers_deferred() && b.answers_deferred() && c.answers_deferred());
        assert!(store(&mut a, Answers::Stored, true, true), "the first fill");
        assert_eq!(cells(&a), 2);
        assert!(!a.answers_deferred());
        assert!(!store(&mut b, Answers::Stored, true, true), "a second fill");
        assert!(
            !store(&mut c, Answers::Deferred, false, false),
            "a deferring store"
        );
        assert_eq!(cells(&a), 2, "every alert's rows, once");
        assert_eq!(a.meta("traces").as_deref(), Some("fp"));

        // A store that keeps the answers up to date, where they have been left since.
        let dir = tempfile::tempdir().unwrap();
        let mut first = Cache::open(dir.path());
        assert!(store(&mut first, Answers::Deferred, false, false));
        assert!(!store(&mut first, Answers::Stored, false, true), "no fill");
        assert_eq!(cells(&first), 0);
        assert!(first.answers_deferred());
    }

    /// A kept render (and its summary, on its own) is read back only under the key it
    /// was stored with and with its MAC intact; an alert named in `redo` loses it, a
    /// first store (no basis) clears them all. Read ahead on a connection of its own, or
    /// alert by alert, the same rows come back.
    #[test]
    fn alert_memos_are_read_back_only_as_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let files: BTreeMap<Cow<str>, String> = BTreeMap::new();
        // `redo`'s alerts get the keys of their memos (an alert not in it keeps its key).
        let store =
            |c: &mut Cache,
             redo: &[&'static str],
             memos: &[(&'static str, &'static str, &'static [u8], &'static [u8])]| {
                let basis = c.alert_keys();
                let keys: Vec<(&str, &str)> = memos
                    .iter()
                    .filter(|m| redo.contains(&m.0) || basis.is_empty())
                    .map(|m| (m.0, m.1))
                    .collect();
                assert!(c
                    .store_incremental(
                        "fp",
                        &basis,
                        &files,
                        std::iter::empty(),
                        redo.iter().copied(),
                        keys.into_iter(),
                        std::iter::empty(),
                        std::iter::empty(),
                        memos.iter().copied(),
                        &RunWarnings::default(),
                        0,
                        Answers::Stored,
                        false,
                        None,
                    )
                    .unwrap());
            };
        store(
            &mut c,
            &[],
            &[
                ("A", "ka", b"memo a", b"sum a"),
                ("B", "kb", b"memo b", b"sum b"),
            ],
        );
        let keys = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(a, k)| (a.to_string(), k.to_string()))
                .collect()
        };
        // Read in place, read ahead on another connection, and alert by alert: the same
        // memos. Returns them and the summaries read ahead.
        type Read = (HashMap<String, Vec<u8>>, HashMap<String, Vec<u8>>);
        let read = |c: &Cache, keys: &BTreeMap<String, String>| -> Read {
            let got = c.alert_memos(keys);
            let read_ahead = |what| c.read_memos_ahead(what).unwrap().join(keys).unwrap();
            let ahead = read_ahead(Ahead::Memos);
            assert_eq!(ahead.what, Ahead::Memos);
            assert_eq!(ahead.alerts, got);
            assert_eq!(ahead.files, c.file_memos());
            let by_name: BTreeMap<&str, &str> =
                keys.iter().map(|(a, k)| (a.as_str(), k.as_str())).collect();
            assert_eq!(c.alert_memos_of(&by_name), got);
            let ahead = read_ahead(Ahead::Summaries);
            assert_eq!(ahead.what, Ahead::Summaries);
            (got, ahead.alerts)
        };
        let (got, summaries) = read(&c, &keys(&[("A", "ka"), ("B", "kb")]));
        assert_eq!(got.len(), 2);
        assert_eq!(got["A"], b"memo a");
        assert_eq!(summaries["A"], b"sum a");
        assert_eq!(summaries.len(), 2);
        // Another key: not read back.
        let (got, summaries) = read(&c, &keys(&[("A", "ka2"), ("B", "kb")]));
        assert_eq!(got.keys().collect::<Vec<_>>(), ["B"]);
        assert_eq!(summaries.keys().collect::<Vec<_>>(), ["B"]);
        // A changed byte, a swapped key: the MAC fails. A render and its summary are
        // authenticated apart: each is read without the other.
        let conn = c.conn.as_ref().unwrap();
        conn.execute("UPDATE alert_memo SET memo = X'00' WHERE alert = 'B'", [])
            .unwrap();
        conn.execute("UPDATE alert_memo SET key = 'kx' WHERE alert = 'A'", [])
            .unwrap();
        let (got, summaries) = read(&c, &keys(&[("A", "kx"), ("B", "kb")]));
        assert!(got.is_empty());
        assert_eq!(summaries.keys().collect::<Vec<_>>(), ["B"]);
        conn.execute(
            "UPDATE alert_memo SET summary = X'00' WHERE alert = 'B'",
            [],
        )
        .unwrap();
        assert!(read(&c, &keys(&[("A", "kx"), ("B", "kb")])).1.is_empty());
        // `redo` drops an alert's memo; one rendered now replaces the stored one, its
        // alert changed or not.
        store(&mut c, &["A"], &[("B", "kb", b"memo b", b"sum b")]);
        let (got, summaries) = read(&c, &keys(&[("A", "kx"), ("B", "kb")]));
        assert_eq!(got.keys().collect::<Vec<_>>(), ["B"]);
        assert_eq!(got["B"], b"memo b");
        assert_eq!(summaries["B"], b"sum b");
        let n: i64 = c
            .conn
            .as_ref()
            .unwrap()
            .query_row("SELECT count(*) FROM alert_memo", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        // Opened again (now in WAL, as every later run is): the same.
        drop(c);
        let c = Cache::open(dir.path());
        let k = keys(&[("A", "kx"), ("B", "kb")]);
        assert_eq!(read(&c, &k).0.keys().collect::<Vec<_>>(), ["B"]);
        // A database that no longer authenticates as this user's is not read ahead.
        c.conn
            .as_ref()
            .unwrap()
            .execute("UPDATE meta SET value = 'x' WHERE key = 'owner'", [])
            .unwrap();
        assert!(c.read_memos_ahead(Ahead::Memos).unwrap().join(&k).is_none());
        assert!(c
            .read_memos_ahead(Ahead::Summaries)
            .unwrap()
            .join(&k)
            .is_none());
    }

    /// An incremental store signs every row again under the new fingerprint (the old
    /// one no longer authenticates any), with the new content's hash, and drops the
    /// rows of files that are gone. A file's key and hash are kept beside it until the
    /// file is gone, and read back only as signed.
    #[test]
    fn incremental_store_resigns_every_row_and_keeps_file_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let hash = |t: &str| blake3::hash(t.as_bytes()).to_hex().to_string();
        let memo_of = |h: &str| FileMemo {
            key: format!("key of {h}"),
            hash: h.to_string(),
            rules: h.len() % 7,
        };
        let warnings = |fp: &str| RunWarnings {
            shown: format!("all of {fp}").into_bytes(),
            load: format!("load of {fp}").into_bytes(),
        };
        let store = |c: &mut Cache, fp: &str, files: &[(&'static str, &'static str)]| {
            let files: BTreeMap<Cow<str>, String> = files
                .iter()
                .map(|(n, t)| (Cow::Borrowed(*n), hash(t)))
                .collect();
            let keyed: Vec<(&str, FileMemo)> =
                files.iter().map(|(n, h)| (&**n, memo_of(h))).collect();
            let basis = c.alert_keys();
            let stored = c.store_incremental(
                fp,
                &basis,
                &files,
                keyed.into_iter(),
                std::iter::empty(),
                std::iter::empty(),
                std::iter::empty(),
                std::iter::empty(),
                std::iter::empty(),
                &warnings(fp),
                0,
                Answers::Stored,
                false,
                None,
            );
            assert!(stored.unwrap());
            // The run's warnings are kept under its fingerprint, and only the last run's.
            assert_eq!(c.warnings(fp), Some(warnings(fp)));
        };
        store(
            &mut c,
            "fp1",
            &[("a.yml", "A"), ("b.yml", "B"), ("c.yml", "C")],
        );
        store(&mut c, "fp2", &[("a.yml", "A"), ("b.yml", "B2")]);
        let want = BTreeMap::from([
            ("a.yml".to_string(), hash("A")),
            ("b.yml".to_string(), hash("B2")),
        ]);
        assert_eq!(c.rendered_hashes("fp2"), Some(want));
        assert_eq!(c.rendered_hashes("fp1"), None);
        assert_eq!(c.warnings("fp1"), None);
        let memos = c.file_memos();
        let mut names: Vec<&String> = memos.keys().collect();
        names.sort();
        assert_eq!(names, ["a.yml", "b.yml"]);
        assert_eq!(memos["b.yml"], memo_of(&hash("B2")));
        // A row edited behind alertctl's back does not authenticate: its hash, or its
        // rule count.
        let conn = c.conn.as_ref().unwrap();
        conn.execute(
            "UPDATE file_memo SET hash = ?1 WHERE name = 'a.yml'",
            [hash("X")],
        )
        .unwrap();
        assert_eq!(c.file_memos().keys().collect::<Vec<_>>(), ["b.yml"]);
        conn.execute("UPDATE file_memo SET rules = rules + 1", [])
            .unwrap();
        assert!(c.file_memos().is_empty());
        conn.execute("UPDATE warnings SET load_diags = X'00'", [])
            .unwrap();
        assert_eq!(c.warnings("fp2"), None);
    }

    /// Stores `models` (path, hash, model) as a load's fresh files, all of them present;
    /// returns their (path, hash).
    fn store<'m>(
        c: &mut Cache,
        models: &'m [(String, String, FileModel)],
    ) -> Vec<(&'m str, &'m str)> {
        let fresh: Vec<(&str, &str, &FileModel)> = models
            .iter()
            .map(|(p, h, m)| (p.as_str(), h.as_str(), m))
            .collect();
        let present: Vec<&str> = fresh.iter().map(|f| f.0).collect();
        c.update(&fresh, &present).unwrap();
        fresh.iter().map(|f| (f.0, f.1)).collect()
    }

    fn cell_row(i: usize) -> CellRow {
        CellRow {
            alert: format!("A{}", i % 7),
            scope: format!("target/t{i}"),
            specificity: 3,
            kind: "applied".into(),
            job: None,
            json: format!("{{\"n\": {i}}}"),
            human: format!("h{i}"),
        }
    }

    /// Rows built on another thread are written in the order they were built, cells
    /// before traces, however many chunks are in flight.
    #[test]
    fn rows_are_written_in_order() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(FAST_SCHEMA).unwrap();
        let n = ROWS_IN_FLIGHT * 2 + 5;
        let traces = (0..n).map(|i| TraceRow {
            alert: "A".into(),
            scope: format!("s{i}"),
            trace: format!("t{i}"),
        });
        put_rows(&conn, (0..n).map(cell_row), traces).unwrap();
        let col = |sql: &str| -> Vec<String> {
            let mut st = conn.prepare(sql).unwrap();
            let rows = st.query_map([], |r| r.get(0)).unwrap();
            rows.collect::<rusqlite::Result<_>>().unwrap()
        };
        let want: Vec<String> = (0..n).map(|i| format!("h{i}")).collect();
        assert_eq!(col("SELECT human FROM cells ORDER BY rowid"), want);
        let want: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
        assert_eq!(col("SELECT trace FROM traces ORDER BY rowid"), want);
    }

    /// A failing write ends the store with its error, and stops the thread building rows
    /// (here, without end) instead of waiting for it.
    #[test]
    fn a_write_error_stops_the_row_builder() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(FAST_SCHEMA).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER full BEFORE INSERT ON cells WHEN (SELECT count(*) FROM cells) >= 3
             BEGIN SELECT RAISE(ABORT, 'full'); END;",
        )
        .unwrap();
        let e = put_rows(&conn, (0..).map(cell_row), std::iter::empty()).unwrap_err();
        assert!(e.to_string().contains("full"), "{e}");
        let count: i64 = conn
            .query_row("SELECT count(*) FROM cells", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 3);
    }

    /// Batched reads answer like one query per file: in the order asked, `None` for a
    /// changed hash, an unknown path or a row that does not authenticate, across batches
    /// (more than the pipeline holds at once), also from a pool's only thread.
    #[test]
    fn get_many_matches_get() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let models: Vec<(String, String, FileModel)> = (0..GET_BATCH * (BATCHES_IN_FLIGHT + 2) + 3)
            .map(|i| {
                let m = FileModel {
                    broken: i % 3 == 0,
                    ..FileModel::default()
                };
                (format!("f{i}.yaml"), format!("h{i}"), m)
            })
            .collect();
        let fresh = store(&mut c, &models);
        c.conn
            .as_ref()
            .unwrap()
            .execute("UPDATE files SET mac = 'feed' WHERE path = 'f7.yaml'", [])
            .unwrap();
        let mut wanted: Vec<(&str, &str)> = fresh.into_iter().rev().collect();
        wanted[1].1 = "other";
        wanted.push(("nowhere.yaml", "h0"));
        let got = c.get_many(&wanted);
        assert_eq!(got.len(), wanted.len());
        for (i, ((path, hash), m)) in wanted.iter().zip(&got).enumerate() {
            assert_eq!(*m, c.get(path, hash), "{path}");
            let expected = (i != 1 && *path != "f7.yaml" && *path != "nowhere.yaml")
                .then(|| models.iter().find(|f| f.0 == *path).unwrap().2.clone());
            assert_eq!(*m, expected, "{path}");
        }
        // A load run from a parallel task: the decodes it waits for are queued on the
        // pool's one thread, which must run them instead of blocking.
        let (tx, rx) = std::sync::mpsc::channel();
        let (root, asked): (PathBuf, Vec<(String, String)>) = (
            dir.path().to_path_buf(),
            wanted
                .iter()
                .map(|(p, h)| (p.to_string(), h.to_string()))
                .collect(),
        );
        std::thread::spawn(move || {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            let asked: Vec<(&str, &str)> = asked.iter().map(|(p, h)| (&**p, &**h)).collect();
            let _ = tx.send(pool.install(|| Cache::open(&root).get_many(&asked)));
        });
        let on_pool = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("a scan on the pool's only thread finishes (no deadlock)");
        assert_eq!(on_pool, got);
    }

    /// Every model the bundled examples and test estates parse to is read back as
    /// stored: a field the stored encoding could not carry would not fail a load, it
    /// would make every warm load parse every file again.
    #[test]
    fn parsed_models_read_back_equal() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut models = Vec::new();
        for base in ["examples", "tests/fixtures"] {
            for e in walkdir::WalkDir::new(root.join(base)).sort_by_file_name() {
                let path = e.unwrap().into_path();
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let parts: Vec<String> = path
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                // Relative to its rules directory: from `templates/`, `rules/`, ...
                let Some(kind) = (0..parts.len()).find_map(|i| {
                    let rel = parts[i..].join("/");
                    crate::source::parse::FileKind::of(&rel).map(|k| (k, rel))
                }) else {
                    continue;
                };
                let src = crate::diag::SourceText::new(kind.1.as_str(), text.as_str());
                let mut diags = crate::diag::Diagnostics::default();
                let m = crate::source::parse::file(kind.0, &src, &mut diags);
                models.push((path.display().to_string(), format!("h{}", models.len()), m));
            }
        }
        let any = |f: fn(&FileModel) -> bool| models.iter().any(|(_, _, m)| f(m));
        assert!(models.len() > 50, "{}", models.len());
        assert!(any(|m| m.templates.iter().any(|t| !t.params.is_empty())));
        assert!(any(|m| m.rules.iter().any(|r| !r.params.is_empty())));
        assert!(any(|m| !m.namespaces.is_empty()));
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let fresh = store(&mut c, &models);
        for ((path, _, m), got) in models.iter().zip(c.get_many(&fresh)) {
            assert_eq!(got.as_ref(), Some(m), "{path}");
        }
    }

    /// The stored models' encoding, pinned: postcard reads by position, so a change to
    /// `FileModel`'s types that is not also a [`SCHEMA`] bump would read old caches back
    /// wrong. When this fails: bump `SCHEMA`, then update the hash.
    #[test]
    fn stored_model_layout_is_pinned() {
        use crate::source::parse::{file, FileKind};
        let sources = [
            (FileKind::Templates, "templates/t.yaml", "- template: T\n  severity: warning\n  params:\n    threshold: { type: number, default: 80 }\n    jobs: { type: list, default: [a, b] }\n  expr: up > ${threshold}\n  for: 5m\n  labels: { team: x }\n  annotations: { summary: s }\n"),
            (FileKind::Rules, "rules/r.yaml", "- template: T\n  scope: group/g\n  priority: 3\n  enabled: false\n  params: { threshold: 90 }\n- template: \"T*\"\n  scope: namespace/n\n  labels: { team: y }\n"),
            (FileKind::Inventory, "inventory.yaml", "namespaces:\n  n:\n    g: [h-1:9100, h-2]\ntargets: [lone:9100]\n"),
        ];
        let mut h = blake3::Hasher::new();
        for (kind, path, text) in sources {
            let src = crate::diag::SourceText::new(path, text);
            let mut diags = crate::diag::Diagnostics::default();
            let m = file(kind, &src, &mut diags);
            assert!(!diags.has_errors(), "{diags:?}");
            h.update(&postcard::to_stdvec(&m).unwrap());
        }
        assert_eq!(
            h.finalize().to_hex().as_str(),
            "8a1424b7feb7c7989eb970affa3ca06f2c1c6eaea8a8d443b50d264d3e28b43b",
            "schema {SCHEMA}"
        );
    }

    /// The index's secondary indexes, dropped while a table is refilled whole, are
    /// there again after the refresh (the fast path's queries rely on them).
    #[test]
    fn refresh_index_keeps_its_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let mut diags = crate::diag::Diagnostics::default();
        let model = crate::model::resolve::Model::build(
            crate::source::settings::Settings::default(),
            Vec::new(),
            &mut diags,
        );
        let keys = crate::cache::incremental::keys(&model, &HashMap::new());
        let indexes = |c: &Cache| -> Vec<String> {
            let conn = c.conn.as_ref().unwrap();
            let mut st = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
                .unwrap();
            st.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert!(c.refresh_index("fp1", &model, &keys).unwrap());
        let after = indexes(&c);
        for name in [
            "idx_rules_template",
            "idx_rules_scope",
            "idx_rules_grp",
            "idx_rules_namespace",
            "idx_rules_file",
            "idx_targets_grp",
            "idx_targets_namespace",
        ] {
            assert!(after.iter().any(|n| n == name), "{name} missing: {after:?}");
        }
        // A later refresh that refills the tables again: the same indexes.
        c.conn
            .as_ref()
            .unwrap()
            .execute_batch("DELETE FROM meta WHERE key IN ('index', 'index_global')")
            .unwrap();
        assert!(c.refresh_index("fp2", &model, &keys).unwrap());
        assert_eq!(indexes(&c), after);
    }

    /// Only changed stat rows are written: an unchanged one keeps when it was recorded,
    /// a changed or racy one is recorded again, a gone one is dropped.
    #[test]
    fn store_stats_writes_only_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let second = 1_000_000_000;
        let stamp = test_stamp;
        // c.yaml was modified within a second of being recorded: racy.
        c.store_stats(
            &[
                ("a.yaml", stamp(second), "h1"),
                ("b.yaml", stamp(second), "h2"),
                ("c.yaml", stamp(9 * second + 1), "h3"),
                ("d.yaml", stamp(second), "h4"),
            ],
            10 * second,
        )
        .unwrap();
        c.store_stats(
            &[
                ("a.yaml", stamp(second), "h1"),
                ("b.yaml", stamp(2 * second), "h5"),
                ("c.yaml", stamp(9 * second + 1), "h3"),
            ],
            20 * second,
        )
        .unwrap();
        let stats = c.stats();
        let row = |p: &str| {
            stats
                .get(p)
                .map(|(s, h, seen)| (s.mtime_ns, h.as_str(), *seen))
        };
        assert_eq!(row("a.yaml"), Some((second, "h1", 10 * second)));
        assert_eq!(row("b.yaml"), Some((2 * second, "h5", 20 * second)));
        assert_eq!(row("c.yaml"), Some((9 * second + 1, "h3", 20 * second)));
        assert_eq!(row("d.yaml"), None);
        assert_eq!(stats.len(), 3);
    }

    /// A stat row that cannot be decoded (damage, or a hand-edited cache) does not make
    /// every later store fail: the rows are written again.
    #[test]
    fn an_undecodable_stat_row_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let stamp = test_stamp(1);
        let second = 1_000_000_000;
        c.store_stats(&[("a.yaml", stamp, "h1")], 10 * second)
            .unwrap();
        c.conn
            .as_ref()
            .unwrap()
            .execute_batch("UPDATE stats SET size = 'x', mac = 1")
            .unwrap();
        assert!(c.stats().is_empty());
        c.store_stats(&[("a.yaml", stamp, "h1")], 20 * second)
            .unwrap();
        let stats = c.stats();
        assert_eq!(stats.get("a.yaml").map(|r| r.2), Some(20 * second));
    }

    #[test]
    fn models_are_not_serialized_into_an_in_memory_cache() {
        let mut c = Cache::disabled();
        let m = FileModel::default();
        c.update(&[("a.yaml", "h1", &m)], &["a.yaml"]).unwrap();
        assert_eq!(c.get("a.yaml", "h1"), None);
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        c.update(&[("a.yaml", "h1", &m)], &["a.yaml"]).unwrap();
        assert_eq!(c.get("a.yaml", "h1"), Some(m));
    }
}
