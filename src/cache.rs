//! The SQLite cache in `.alertctl/cache.sqlite`: parsed file models keyed by path and
//! content hash, so an unchanged file is never parsed twice. It is never the source of
//! truth: when it is missing, from another alertctl version, or corrupt, it is rebuilt,
//! and when it cannot be opened at all alertctl works without it.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::model::FileModel;

pub const DIR: &str = ".alertctl";
const FILE: &str = "cache.sqlite";
/// Bump when the stored model's shape changes; the package version is part of the key too.
const SCHEMA: &str = "1";

pub struct Cache {
    conn: Option<Connection>,
    /// Why the cache was rebuilt or disabled, for `--verbose`.
    pub note: Option<String>,
}

fn format_key() -> String {
    format!("{SCHEMA}:{}", env!("CARGO_PKG_VERSION"))
}

impl Cache {
    pub fn disabled() -> Cache {
        Cache {
            conn: None,
            note: None,
        }
    }

    pub fn path(root: &Path) -> PathBuf {
        root.join(DIR).join(FILE)
    }

    pub fn open(root: &Path) -> Cache {
        let path = Self::path(root);
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                return Cache {
                    conn: None,
                    note: Some(format!("cache disabled: {e}")),
                };
            }
        }
        match Self::try_open(&path) {
            Ok((conn, note)) => Cache {
                conn: Some(conn),
                note,
            },
            Err(first) => {
                // Corrupt or unreadable: start over; the cache holds nothing irreplaceable.
                let _ = std::fs::remove_file(&path);
                match Self::try_open(&path) {
                    Ok((conn, _)) => Cache {
                        conn: Some(conn),
                        note: Some(format!("cache rebuilt: {first}")),
                    },
                    Err(e) => Cache {
                        conn: None,
                        note: Some(format!("cache disabled: {e}")),
                    },
                }
            }
        }
    }

    fn try_open(path: &Path) -> rusqlite::Result<(Connection, Option<String>)> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, hash TEXT NOT NULL, model TEXT NOT NULL);",
        )?;
        let stored: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key='format'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let mut note = None;
        if stored.as_deref() != Some(format_key().as_str()) {
            if let Some(old) = stored {
                note = Some(format!("cache rebuilt: format {old} != {}", format_key()));
            }
            conn.execute_batch("DELETE FROM files;")?;
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('format', ?1)",
                [format_key()],
            )?;
        }
        // A full read catches corruption now rather than halfway through a load.
        conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))
            .and_then(|s| {
                if s == "ok" {
                    Ok(())
                } else {
                    Err(rusqlite::Error::InvalidQuery)
                }
            })?;
        Ok((conn, note))
    }

    pub fn is_enabled(&self) -> bool {
        self.conn.is_some()
    }

    /// The stored model of `path` if its content hash is still `hash`.
    pub fn get(&self, path: &str, hash: &str) -> Option<FileModel> {
        let conn = self.conn.as_ref()?;
        let json: String = conn
            .query_row(
                "SELECT model FROM files WHERE path=?1 AND hash=?2",
                params![path, hash],
                |r| r.get(0),
            )
            .optional()
            .ok()??;
        serde_json::from_str(&json).ok()
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
        let tx = conn.transaction()?;
        {
            let mut put =
                tx.prepare("INSERT OR REPLACE INTO files(path, hash, model) VALUES (?1, ?2, ?3)")?;
            for (path, hash, model) in fresh {
                let json = serde_json::to_string(model)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                put.execute(params![path, hash, json])?;
            }
            let mut stored = tx.prepare("SELECT path FROM files")?;
            let paths: Vec<String> = stored
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut del = tx.prepare("DELETE FROM files WHERE path=?1")?;
            for p in paths {
                if !present.contains(&p.as_str()) {
                    del.execute([p])?;
                }
            }
        }
        tx.commit()
    }
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
}
