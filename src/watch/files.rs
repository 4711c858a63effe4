//! File events on the rules directory: inotify where it works, polling where it does not
//! (or with `--poll`). Only what a sync reads counts — `alertctl.toml` and the source
//! trees ([`crate::source::load::SOURCE_TOPS`]) — never the output directories, the cache or
//! `.git`, so the daemon's own writes cannot trigger it.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use super::{Control, Trigger, WatchEvent};

/// The polling interval when inotify cannot be used and `--poll` was not given.
pub const DEFAULT_POLL: Duration = Duration::from_secs(2);

/// The watcher's thread; ends when the daemon stops.
pub struct FileWatch {
    pub mode: &'static str,
    thread: Option<JoinHandle<()>>,
}

impl FileWatch {
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `path` with `.` and `..` resolved lexically (no file system access).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether a change at `path` can change what a sync deploys.
pub fn relevant(root: &Path, path: &Path, outputs: &[PathBuf]) -> bool {
    let path = normalize(path);
    let inside_output = |p: &Path| outputs.iter().any(|o| p.starts_with(o));
    if inside_output(&path) {
        return false;
    }
    // An output directory reached through a symbolic link.
    if let Some(real) = path.parent().and_then(|p| p.canonicalize().ok()) {
        if inside_output(&real) {
            return false;
        }
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    match rel.components().next() {
        Some(Component::Normal(first)) => {
            let first = first.to_string_lossy();
            first == crate::source::settings::FILE_NAME
                || crate::source::load::SOURCE_TOPS.contains(&&*first)
        }
        _ => false,
    }
}

/// Content changes, creations, removals, renames; not reads (our own loads open every
/// file) nor attribute changes (a read can update the access time).
pub(crate) fn interesting(kind: &EventKind) -> bool {
    use notify::event::{MetadataKind, ModifyKind};
    match kind {
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(m)) => *m == MetadataKind::WriteTime,
        _ => true,
    }
}

/// Watches the root itself (for alertctl.toml and source trees that appear) and every
/// source tree recursively. A source tree that is a symbolic link is watched only when
/// it stays inside the rules directory; links below are not followed (a link to `/`
/// must not make the daemon watch the whole file system): changes behind them arrive
/// with the periodic resync.
fn add_watches(w: &mut dyn Watcher, root: &Path) -> notify::Result<()> {
    w.watch(root, RecursiveMode::NonRecursive)?;
    let canon_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for top in crate::source::load::SOURCE_TOPS {
        watch_top(w, root, &canon_root, top)?;
    }
    Ok(())
}

fn watch_top(w: &mut dyn Watcher, root: &Path, canon_root: &Path, top: &str) -> notify::Result<()> {
    let p = root.join(top);
    let Ok(real) = p.canonicalize() else {
        return Ok(());
    };
    if !real.starts_with(canon_root) || real == canon_root {
        return Ok(());
    }
    let mode = if real.is_dir() {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    w.watch(&p, mode)
}

/// Starts watching `root`; every relevant change is a [`Trigger::File`].
pub fn start(root: &Path, poll: Option<Duration>, control: &Control) -> notify::Result<FileWatch> {
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let config = notify::Config::default().with_follow_symlinks(false);
    let poller = |interval: Duration, tx| -> notify::Result<Box<dyn Watcher + Send>> {
        let mut w = notify::PollWatcher::new(tx, config.with_poll_interval(interval))?;
        add_watches(&mut w, root)?;
        Ok(Box::new(w))
    };
    let (watcher, mode): (Box<dyn Watcher + Send>, &'static str) = match poll {
        Some(interval) => (poller(interval, tx)?, "poll"),
        None => {
            let events = notify::RecommendedWatcher::new(tx.clone(), config).and_then(|mut w| {
                add_watches(&mut w, root)?;
                Ok(w)
            });
            match events {
                Ok(w) => (Box::new(w), "events"),
                Err(e) => {
                    control.log(&WatchEvent::FilesPolled {
                        reason: &e.to_string(),
                        interval_seconds: DEFAULT_POLL.as_secs_f64(),
                    });
                    (poller(DEFAULT_POLL, tx)?, "poll")
                }
            }
        }
    };
    let root = root.to_path_buf();
    let control = control.clone();
    let thread = std::thread::Builder::new()
        .name("watch-files".into())
        .spawn(move || events(watcher, &root, &rx, &control))
        .map_err(notify::Error::io)?;
    Ok(FileWatch {
        mode,
        thread: Some(thread),
    })
}

fn events(
    mut watcher: Box<dyn Watcher + Send>,
    root: &Path,
    rx: &mpsc::Receiver<notify::Result<notify::Event>>,
    control: &Control,
) {
    let canon_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    while !control.stopping() {
        let ev = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok(ev)) => ev,
            Ok(Err(e)) => {
                control.log(&WatchEvent::FileWatchError {
                    error: &e.to_string(),
                });
                continue;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        // The kernel's queue overflowed: changes were lost, so sync.
        if ev.need_rescan() {
            control.trigger(Trigger::File);
            continue;
        }
        if !interesting(&ev.kind) {
            continue;
        }
        let outputs = control.outputs();
        if !ev.paths.iter().any(|p| relevant(root, p, &outputs)) {
            continue;
        }
        // A source tree created (or replaced) after the start: watch it too.
        for p in &ev.paths {
            if p.parent() == Some(root) && matches!(ev.kind, EventKind::Create(_)) {
                if let Some(top) = p.file_name().and_then(|n| n.to_str()) {
                    if crate::source::load::SOURCE_TOPS.contains(&top) {
                        let _ = watch_top(&mut *watcher, root, &canon_root, top);
                    }
                }
            }
        }
        control.trigger(Trigger::File);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_and_settings_count() {
        let root = Path::new("/srv/alerts");
        let outputs = vec![
            root.join("rendered"),
            normalize(&root.join("rules/../rules/out")),
        ];
        let yes = [
            "alertctl.toml",
            "rules/teams/web.yaml",
            "templates/node/x.yaml",
            "inventory.yaml",
            "inventory/prod.yaml",
            "alertmanager/alertmanager.yaml",
            "rules/.web.yaml.swp",
            "rules/new\nline.yaml",
        ];
        let no = [
            "rendered/group_web.yml",
            "rules/out/global.yml",
            "rules/./out/global.yml",
            ".alertctl/cache.sqlite",
            ".git/index",
            "alertmanager-rendered/alertmanager.yml",
            "README.md",
            "rulesx/a.yaml",
            "../elsewhere/rules/a.yaml",
        ];
        for p in yes {
            assert!(relevant(root, &root.join(p), &outputs), "{p}");
        }
        for p in no {
            assert!(!relevant(root, &root.join(p), &outputs), "{p}");
        }
        assert!(!relevant(root, Path::new("/etc/passwd"), &outputs));
    }

    #[test]
    fn reads_and_attribute_changes_do_not_count() {
        use notify::event::*;
        assert!(!interesting(&EventKind::Access(AccessKind::Open(
            AccessMode::Read
        ))));
        assert!(!interesting(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::AccessTime
        ))));
        assert!(interesting(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::WriteTime
        ))));
        assert!(interesting(&EventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(interesting(&EventKind::Create(CreateKind::File)));
        assert!(interesting(&EventKind::Remove(RemoveKind::Any)));
    }
}
