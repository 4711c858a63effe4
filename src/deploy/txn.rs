//! Crash-safe replacement of a set of files in the output directory.
//!
//! 1. every new content goes to a dot-named temp file (never matched by `*.yml`), fsynced;
//! 2. a journal naming all renames and removals is written and renamed into place: the
//!    commit point;
//! 3. temp files are renamed over their targets, removed files deleted, the journal
//!    dropped.
//!
//! Killed before 2, the old set is untouched (stray temp files are cleaned up later).
//! Killed after 2, [`recover`] rolls the journal forward on the next run. Every file on
//! disk is always complete, and Prometheus is only reloaded after step 3, so it loads the
//! old set or the new one.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub const JOURNAL: &str = ".alertctl-journal.json";
const TMP_SUFFIX: &str = ".alertctl-tmp";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    /// (final name, temp name)
    renames: Vec<(String, String)>,
    removes: Vec<String>,
}

/// One file change: `Some(content)` writes, `None` removes.
pub type Change = (String, Option<String>);

/// Test hook: `ALERTCTL_CRASH_AT=N` aborts the process at the N-th step of a commit, to
/// prove that every interruption leaves a loadable directory.
fn step(n: &mut u32) {
    *n += 1;
    if std::env::var("ALERTCTL_CRASH_AT")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        == Some(*n)
    {
        std::process::abort();
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// How a commit creates files that do not exist yet (replaced files always keep their
/// mode, owner and group: see [`crate::render::output::write_replacement`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct NewFiles {
    /// Permission bits, e.g. 0o600 for a config that holds secrets; `None`: the umask's.
    pub mode: Option<u32>,
}

/// Finishes an interrupted commit (roll forward) and removes stray temp files.
/// Returns whether there was anything to finish.
pub fn recover(dir: &Path) -> std::io::Result<bool> {
    let jpath = dir.join(JOURNAL);
    let mut finished = false;
    if let Ok(text) = std::fs::read_to_string(&jpath) {
        if let Ok(j) = serde_json::from_str::<Journal>(&text) {
            for (fin, tmp) in &j.renames {
                let t = dir.join(tmp);
                if t.exists() {
                    std::fs::rename(&t, dir.join(fin))?;
                }
            }
            for r in &j.removes {
                match std::fs::remove_file(dir.join(r)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            finished = true;
        }
        sync_dir(dir);
        std::fs::remove_file(&jpath)?;
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(TMP_SUFFIX) || name == format!("{JOURNAL}{TMP_SUFFIX}") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(finished)
}

pub fn commit(dir: &Path, changes: &[Change]) -> std::io::Result<()> {
    commit_with(dir, changes, NewFiles::default())
}

/// [`commit`], creating new files as `new` says.
pub fn commit_with(dir: &Path, changes: &[Change], new: NewFiles) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    recover(dir)?;
    let mut n = 0;
    let mut journal = Journal::default();
    for (name, content) in changes {
        match content {
            Some(c) => {
                let tmp = format!(".{name}{TMP_SUFFIX}");
                crate::render::output::write_replacement(
                    &dir.join(&tmp),
                    &dir.join(name),
                    c.as_bytes(),
                    new.mode,
                )?;
                step(&mut n);
                journal.renames.push((name.clone(), tmp));
            }
            None => journal.removes.push(name.clone()),
        }
    }
    let jtmp = dir.join(format!("{JOURNAL}{TMP_SUFFIX}"));
    write_synced(
        &jtmp,
        serde_json::to_string(&journal)
            .expect("journal serializes")
            .as_bytes(),
    )?;
    sync_dir(dir);
    step(&mut n);
    std::fs::rename(&jtmp, dir.join(JOURNAL))?;
    sync_dir(dir);
    step(&mut n);
    for (fin, tmp) in &journal.renames {
        std::fs::rename(dir.join(tmp), dir.join(fin))?;
        step(&mut n);
    }
    for r in &journal.removes {
        match std::fs::remove_file(dir.join(r)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        step(&mut n);
    }
    sync_dir(dir);
    std::fs::remove_file(dir.join(JOURNAL))?;
    sync_dir(dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().to_string(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_and_recover() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.yml"), "old a").unwrap();
        std::fs::write(d.path().join("gone.yml"), "old").unwrap();
        commit(
            d.path(),
            &[
                ("a.yml".into(), Some("new a".into())),
                ("b.yml".into(), Some("new b".into())),
                ("gone.yml".into(), None),
            ],
        )
        .unwrap();
        assert_eq!(
            files(d.path()),
            vec![
                ("a.yml".into(), "new a".into()),
                ("b.yml".into(), "new b".into())
            ]
        );

        // An interrupted commit: journal written, one rename done.
        std::fs::write(d.path().join(".c.yml.alertctl-tmp"), "new c").unwrap();
        std::fs::write(d.path().join(".stray.yml.alertctl-tmp"), "junk").unwrap();
        let j = Journal {
            renames: vec![
                ("c.yml".into(), ".c.yml.alertctl-tmp".into()),
                ("a.yml".into(), ".a.yml.alertctl-tmp".into()),
            ],
            removes: vec!["b.yml".into()],
        };
        std::fs::write(d.path().join(JOURNAL), serde_json::to_string(&j).unwrap()).unwrap();
        assert!(recover(d.path()).unwrap());
        assert_eq!(
            files(d.path()),
            vec![
                ("a.yml".into(), "new a".into()),
                ("c.yml".into(), "new c".into())
            ]
        );
    }

    #[test]
    fn replaced_files_keep_their_mode_and_new_ones_get_the_given_one() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let d = tempfile::tempdir().unwrap();
        for (name, m) in [("secret.yml", 0o600), ("shared.yml", 0o640)] {
            let p = d.path().join(name);
            std::fs::write(&p, "old").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
        }
        let new = NewFiles { mode: Some(0o600) };
        commit_with(
            d.path(),
            &[
                ("secret.yml".into(), Some("new".into())),
                ("shared.yml".into(), Some("new".into())),
                ("fresh.yml".into(), Some("new".into())),
            ],
            new,
        )
        .unwrap();
        assert_eq!(mode(&d.path().join("secret.yml")), 0o600);
        assert_eq!(mode(&d.path().join("shared.yml")), 0o640);
        assert_eq!(mode(&d.path().join("fresh.yml")), 0o600);
        assert_eq!(
            std::fs::read_to_string(d.path().join("secret.yml")).unwrap(),
            "new"
        );
        // Without a mode for new files, they get the umask's default, never 0600 forced.
        commit(d.path(), &[("plain.yml".into(), Some("x".into()))]).unwrap();
        assert_ne!(
            mode(&d.path().join("plain.yml")) & 0o044,
            0,
            "readable as before"
        );
    }
}
