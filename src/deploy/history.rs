//! Deployment history in `.alertctl/history.sqlite`: a file of its own, so rebuilding
//! the cache never loses it. Each deployment keeps the rendered files it deployed, which
//! is what `rollback` re-applies.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

pub struct History {
    conn: Connection,
}

/// The result of a row whose run is writing, reloading or verifying (or was killed
/// doing so: see [`History::in_progress`]).
pub const IN_PROGRESS: &str = "in-progress";
/// The result of a row whose run was killed; the message says what it left on disk.
pub const INTERRUPTED: &str = "interrupted";
/// An I/O error while writing the new files (the next run finishes the commit).
pub const WRITE_FAILED: &str = "write-failed";
/// An I/O error while putting the previous files back (the next run finishes it).
pub const RESTORE_FAILED: &str = "restore-failed";

#[derive(Debug, Clone, Serialize)]
pub struct Deployment {
    pub rev: i64,
    pub time: String,
    pub kind: String,
    pub result: String,
    pub git_commit: Option<String>,
    pub who: String,
    pub output_dir: String,
    pub summary: String,
    pub message: Option<String>,
    #[serde(skip)]
    pub files: BTreeMap<String, String>,
}

/// Who and where, for the record.
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let ci = if std::env::var_os("CI").is_some() {
        " (CI)"
    } else {
        ""
    };
    format!("{user}@{host}{ci}")
}

/// The rules directory's git commit, with `+dirty` when it has uncommitted changes.
pub fn git_commit(root: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let dirty = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "--", "."])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    Some(if dirty {
        format!("{commit}+dirty")
    } else {
        commit
    })
}

/// RFC 3339 UTC time without a date library.
pub fn now_rfc3339() -> String {
    rfc3339(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()) as i64,
    )
}

/// `secs` since the Unix epoch as RFC 3339 UTC (`2026-12-02T00:37:00Z`).
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `t` as RFC 3339 UTC to the millisecond (`2026-12-02T00:37:00.123Z`), for logs.
pub fn rfc3339_millis(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = rfc3339(since.as_secs() as i64);
    format!(
        "{}.{:03}Z",
        secs.trim_end_matches('Z'),
        since.subsec_millis()
    )
}

impl History {
    pub fn open(root: &Path) -> rusqlite::Result<History> {
        let dir = root.join(crate::cache::DIR);
        let _ = std::fs::create_dir_all(&dir);
        let conn = Connection::open(dir.join("history.sqlite"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS deployments(
                rev INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, kind TEXT NOT NULL,
                result TEXT NOT NULL, git_commit TEXT, who TEXT NOT NULL, output_dir TEXT NOT NULL,
                summary TEXT NOT NULL, message TEXT, files TEXT NOT NULL);",
        )?;
        Ok(History { conn })
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        kind: &str,
        result: &str,
        git_commit: Option<&str>,
        output_dir: &str,
        summary: &str,
        message: Option<&str>,
        files: &BTreeMap<String, String>,
    ) -> rusqlite::Result<i64> {
        self.conn.execute(
            "INSERT INTO deployments(time, kind, result, git_commit, who, output_dir, summary, message, files) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![now_rfc3339(), kind, result, git_commit, who(), output_dir, summary, message, serde_json::to_string(files).unwrap_or_default()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// A write-ahead row, `in-progress`, before a deployment writes its first byte; the
    /// run sets its result with [`History::finish`]. A row left `in-progress` belongs
    /// to a run that was killed: the next run on the same target marks it.
    pub fn begin(
        &self,
        kind: &str,
        git_commit: Option<&str>,
        output_dir: &str,
        summary: &str,
        files: &BTreeMap<String, String>,
    ) -> rusqlite::Result<i64> {
        self.record(
            kind,
            IN_PROGRESS,
            git_commit,
            output_dir,
            summary,
            None,
            files,
        )
    }

    /// Sets a row's result and message, and its time to now (when the run ended).
    pub fn finish(&self, rev: i64, result: &str, message: Option<&str>) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE deployments SET result = ?2, message = ?3, time = ?4 WHERE rev = ?1",
            params![rev, result, message, now_rfc3339()],
        )?;
        Ok(())
    }

    /// Sets a row's result and message, keeping its time.
    pub fn mark(&self, rev: i64, result: &str, message: &str) -> rusqlite::Result<()> {
        self.conn.execute(
            "UPDATE deployments SET result = ?2, message = ?3 WHERE rev = ?1",
            params![rev, result, message],
        )?;
        Ok(())
    }

    /// Rows of `output_dir` whose run has not recorded its end, oldest first.
    pub fn in_progress(&self, output_dir: &str) -> rusqlite::Result<Vec<Deployment>> {
        self.query(
            "result = ?1 AND output_dir = ?2 ORDER BY rev",
            params![IN_PROGRESS, output_dir],
        )
    }

    /// Successful rule deployments of `output_dir`, newest first: what its servers were
    /// verified to run (Alertmanager deployments keep masked copies and are never
    /// re-applied).
    pub fn good(&self, output_dir: &str, limit: usize) -> rusqlite::Result<Vec<Deployment>> {
        self.query(
            "result = 'applied' AND kind NOT LIKE 'alertmanager%' AND output_dir = ?1 ORDER BY rev DESC LIMIT ?2",
            params![output_dir, limit as i64],
        )
    }

    /// The newest row of `output_dir` that deployed exactly `files`.
    pub fn with_files(
        &self,
        output_dir: &str,
        files: &BTreeMap<String, String>,
    ) -> rusqlite::Result<Option<Deployment>> {
        let json = serde_json::to_string(files).unwrap_or_default();
        Ok(self
            .query(
                "output_dir = ?1 AND files = ?2 ORDER BY rev DESC LIMIT 1",
                params![output_dir, json],
            )?
            .into_iter()
            .next())
    }

    fn query(&self, filter: &str, p: impl rusqlite::Params) -> rusqlite::Result<Vec<Deployment>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {} FROM deployments WHERE {filter}",
            Self::COLUMNS
        ))?;
        let rows = st.query_map(p, Self::row)?;
        rows.collect()
    }

    fn row(r: &rusqlite::Row) -> rusqlite::Result<Deployment> {
        let files: String = r.get(9)?;
        Ok(Deployment {
            rev: r.get(0)?,
            time: r.get(1)?,
            kind: r.get(2)?,
            result: r.get(3)?,
            git_commit: r.get(4)?,
            who: r.get(5)?,
            output_dir: r.get(6)?,
            summary: r.get(7)?,
            message: r.get(8)?,
            files: serde_json::from_str(&files).unwrap_or_default(),
        })
    }

    const COLUMNS: &'static str =
        "rev, time, kind, result, git_commit, who, output_dir, summary, message, files";

    pub fn list(&self, limit: usize) -> rusqlite::Result<Vec<Deployment>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {} FROM deployments ORDER BY rev DESC LIMIT ?1",
            Self::COLUMNS
        ))?;
        let rows = st.query_map([limit as i64], Self::row)?;
        rows.collect()
    }

    /// The latest `limit` deployments of one output directory (a shard's).
    pub fn list_for(&self, output_dir: &str, limit: usize) -> rusqlite::Result<Vec<Deployment>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {} FROM deployments WHERE output_dir = ?1 ORDER BY rev DESC LIMIT ?2",
            Self::COLUMNS
        ))?;
        let rows = st.query_map(rusqlite::params![output_dir, limit as i64], Self::row)?;
        rows.collect()
    }

    pub fn get(&self, rev: i64) -> rusqlite::Result<Option<Deployment>> {
        self.conn
            .query_row(
                &format!("SELECT {} FROM deployments WHERE rev = ?1", Self::COLUMNS),
                [rev],
                Self::row,
            )
            .optional()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_reads_back() {
        let d = tempfile::tempdir().unwrap();
        let h = History::open(d.path()).unwrap();
        let mut f = BTreeMap::new();
        f.insert("a.yml".to_string(), "x".to_string());
        let r1 = h
            .record("apply", "applied", Some("abc"), "out", "1 added", None, &f)
            .unwrap();
        let r2 = h
            .record(
                "apply",
                "applied",
                None,
                "out",
                "1 modified",
                None,
                &BTreeMap::new(),
            )
            .unwrap();
        assert!(r2 > r1);
        let good: Vec<i64> = h.good("out", 5).unwrap().iter().map(|d| d.rev).collect();
        assert_eq!(good, [r2, r1]);
        assert_eq!(h.get(r1).unwrap().unwrap().files, f);
        assert_eq!(h.list(10).unwrap().len(), 2);
        assert_eq!(h.with_files("out", &f).unwrap().unwrap().rev, r1);

        // A write-ahead row is in progress until finished.
        let r3 = h.begin("apply", None, "out", "1 added", &f).unwrap();
        assert_eq!(h.in_progress("out").unwrap()[0].rev, r3);
        assert!(h.in_progress("elsewhere").unwrap().is_empty());
        h.finish(r3, "rolled-back", Some("why")).unwrap();
        assert!(h.in_progress("out").unwrap().is_empty());
        assert_eq!(h.get(r3).unwrap().unwrap().message.as_deref(), Some("why"));
        assert!(now_rfc3339().starts_with("20") && now_rfc3339().ends_with('Z'));
        let t = UNIX_EPOCH + std::time::Duration::from_millis(1_709_210_096_007);
        assert_eq!(rfc3339_millis(t), "2024-02-29T12:34:56.007Z");
        assert_eq!(rfc3339(1_709_210_096), "2024-02-29T12:34:56Z");
    }
}
