//! `alertctl serve`: the rules directory in a browser, and the read API.
//!
//! The web layer only maps requests to the library's operations and queries — the same
//! ones the CLI calls (`query`, `ops::query`, `ops::edit`, `ops::rules`) — so every
//! answer is the CLI's answer. The files stay the source of truth: each request checks
//! that the directory is unchanged since the last load (the cache's stat check, as the
//! CLI's fast path does) and reloads it otherwise.
//!
//! Safe by default (docs/commands.md, "serve"): it binds to 127.0.0.1 and answers only
//! requests addressed to a loopback name (no DNS rebinding); every write needs the token
//! made at each start, sent in a header no other site can set (no CSRF); `--read-only`
//! refuses every write; route parameters that look like paths (`..`, absolute) are
//! refused, and the editor reaches only template, rule and inventory files; known secret
//! values are masked in every response; pages and assets are embedded (no CDN, no
//! JavaScript build) under a strict Content-Security-Policy.

mod api;
pub mod extras;
mod pages;
mod security;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::deploy::secrets::Secrets;
use crate::diag::Diagnostics;
use crate::source::project::{self, Project, ProjectError};

pub use security::{new_token, TOKEN_HEADER};

/// How `serve` runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The rules directory (its root).
    pub root: PathBuf,
    pub listen: SocketAddr,
    /// Required on every write (and, off loopback, on every request).
    pub token: String,
    /// Refuse every write.
    pub read_only: bool,
    /// Offer `apply` on the deploy page (otherwise only the dry-run plan).
    pub allow_apply: bool,
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("{0}")]
    Runtime(std::io::Error),
}

/// The loaded rules directory, kept while its files are unchanged.
pub(crate) struct Snapshot {
    pub fingerprint: String,
    pub project: Project,
    pub diags: Diagnostics,
}

pub(crate) struct App {
    pub cfg: Config,
    snapshot: Mutex<Option<Snapshot>>,
    /// The warm fast path's view of the directory (its open cache and fingerprint), kept
    /// between requests so that a question does not stat every source file again.
    quick: Mutex<Kept>,
    /// Set by the file watcher on any change under the rules directory, and by our own
    /// saves: the kept view no longer holds.
    changed: Arc<AtomicBool>,
    /// Keeps the watcher running; `None` when it could not start (then every request
    /// proves the directory unchanged with the stat check, as the CLI does).
    _watcher: Option<notify::RecommendedWatcher>,
    /// One save at a time, so the conflict check and the write of one cannot interleave
    /// with another's.
    pub save_lock: Mutex<()>,
    /// Secret values known to the server, masked in every response.
    pub secrets: Mutex<Secrets>,
}

/// A kept [`project::Quick`] and when it was proven.
#[derive(Default)]
struct Kept {
    quick: Option<project::Quick>,
    at: Option<Instant>,
}

/// How long a kept view is trusted without a new stat check even when no event came: a
/// change the watcher cannot see (a file edited through a hard link from outside the
/// rules directory) is noticed within this time.
const KEPT_FOR: Duration = Duration::from_secs(1);

/// Watches the whole rules directory (links below it may point anywhere inside it) for
/// changes, ignoring reads, attribute changes and the cache's own writes.
fn watch(root: &Path, changed: Arc<AtomicBool>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let cache = root.join(crate::cache::DIR);
    let handler = move |ev: notify::Result<notify::Event>| match ev {
        Ok(ev)
            if !crate::watch::files::interesting(&ev.kind)
                || ev.paths.iter().all(|p| p.starts_with(&cache)) => {}
        // Anything else, including an error or a lost queue: assume a change.
        _ => changed.store(true, Ordering::SeqCst),
    };
    let config = notify::Config::default().with_follow_symlinks(false);
    let mut w = notify::RecommendedWatcher::new(handler, config).ok()?;
    w.watch(root, notify::RecursiveMode::Recursive).ok()?;
    Some(w)
}

impl App {
    fn new(cfg: Config) -> App {
        let changed = Arc::new(AtomicBool::new(true));
        let _watcher = watch(&cfg.root, changed.clone());
        App {
            cfg,
            quick: Mutex::new(Kept::default()),
            changed,
            _watcher,
            snapshot: Mutex::new(None),
            save_lock: Mutex::new(()),
            secrets: Mutex::new(Secrets::default()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.cfg.root
    }

    /// The rules directory as it is on disk now: the kept snapshot while the cache's
    /// stat check says no file changed, else a fresh load (which also renders and
    /// stores the fast path's answers, as `diff` does).
    pub fn snapshot(&self) -> Result<MutexGuard<'_, Option<Snapshot>>, ProjectError> {
        let mut guard = self.snapshot.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.quick(|q| Some(q.fingerprint.clone()));
        let fresh = matches!((&*guard, &current), (Some(s), Some(fp)) if &s.fingerprint == fp);
        if !fresh {
            let (mut project, mut diags) = project::load_to_render(&self.cfg.root, true, None)?;
            // Pages and the API list from the index, also when the directory has errors
            // (then nothing is stored below).
            project.ensure_index();
            let rendered = project.render_for_store(&mut diags);
            let _ = project::store_rendered(
                &mut project,
                &rendered,
                &diags,
                crate::cache::Answers::Stored,
            );
            *self.secrets.lock().unwrap_or_else(|p| p.into_inner()) = known_secrets(&project);
            *guard = Some(Snapshot {
                fingerprint: project.fingerprint.clone(),
                project,
                diags,
            });
        }
        Ok(guard)
    }

    /// Forget the snapshot (after a save): the next request loads the files again.
    pub fn invalidate(&self) {
        self.changed.store(true, Ordering::SeqCst);
        *self.snapshot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// `f` of the warm fast path's view of the directory, when nothing changed since the
    /// last full run stored its stamps ([`project::quick`]). The view is kept while the
    /// watcher reports no change, we saved nothing, and [`KEPT_FOR`] has not passed;
    /// otherwise the stat check runs again. A save marks the change before it answers, so
    /// a request after it never sees the view from before.
    pub fn quick<R>(&self, f: impl FnOnce(&project::Quick) -> Option<R>) -> Option<R> {
        let mut kept = self.quick.lock().unwrap_or_else(|p| p.into_inner());
        // Cleared before the check, so a change during it marks the new view stale.
        let changed = self.changed.swap(false, Ordering::SeqCst);
        let fresh =
            !changed && self._watcher.is_some() && kept.at.is_some_and(|t| t.elapsed() < KEPT_FOR);
        if !fresh || kept.quick.is_none() {
            let started = Instant::now();
            kept.quick = project::quick(&self.cfg.root);
            kept.at = Some(started);
        }
        kept.quick.as_ref().and_then(f)
    }

    pub fn mask(&self, text: &str) -> String {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .mask(text)
    }
}

/// The secret values `serve` could ever hold: server credentials (tokens, passwords) and
/// the environment values the Alertmanager config references.
fn known_secrets(project: &Project) -> Secrets {
    let mut s = Secrets::default();
    if let Ok(servers) = crate::ops::servers(project) {
        for srv in &servers {
            for c in srv.credentials() {
                s.add(&c);
            }
        }
    }
    for (name, _, _) in &project.alertmanager.env_refs {
        if let Ok(v) = std::env::var(name) {
            s.add(&v);
        }
    }
    s
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    app: Arc<App>,
}

/// Loads the rules directory (so the first answers are fast and a broken directory is
/// reported now) and binds the listening socket. [`Server::run`] serves.
pub fn bind(cfg: Config) -> Result<Server, ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let app = Arc::new(App::new(cfg));
    drop(app.snapshot()?);
    let addr = app.cfg.listen;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|error| ServeError::Bind { addr, error })?;
    let addr = listener
        .local_addr()
        .map_err(|error| ServeError::Bind { addr, error })?;
    Ok(Server {
        addr,
        runtime,
        listener,
        app,
    })
}

impl Server {
    /// Serves until SIGINT or SIGTERM.
    pub fn run(self) -> Result<(), ServeError> {
        let router = api::router(self.app.clone())
            .merge(pages::router(self.app.clone()))
            .layer(axum::middleware::from_fn_with_state(
                self.app.clone(),
                security::guard,
            ));
        let listener = self.listener;
        self.runtime.block_on(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(stopped())
                .await
                .map_err(ServeError::Runtime)
        })
    }
}

async fn stopped() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(t) => { t.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

/// Runs blocking library work off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, api::ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| api::ApiError::internal(format!("the request's work failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example rules directory in `dir`, every file an hour old (older than git's
    /// racy window), after a full run: the stat check proves it unchanged.
    fn example(dir: &Path) -> PathBuf {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/node-estate");
        let root = dir.join("estate");
        crate::test_support::copy_dir_aged(&from, &root);
        let (mut project, mut diags) = project::load(&root, true).unwrap();
        let rendered = crate::render::render(&project.model, &mut diags);
        project::store_rendered(
            &mut project,
            &rendered,
            &diags,
            crate::cache::Answers::Stored,
        )
        .unwrap();
        root
    }

    fn wait_for(what: &str, cond: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The kept view is reused while nothing changes; an edit that keeps the file's size
    /// and mtime (issue 9) is a file event that voids it, and so is our own save.
    #[test]
    fn the_kept_view_lasts_until_a_change() {
        let tmp = tempfile::tempdir().unwrap();
        let root = example(tmp.path());
        let app = App::new(Config {
            root: root.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            token: "t".into(),
            read_only: true,
            allow_apply: false,
        });
        assert!(app._watcher.is_some(), "the watcher starts");
        let fp = |app: &App| app.quick(|q| Some(q.fingerprint.clone()));
        let proven = |app: &App| app.quick.lock().unwrap().at;
        let first = fp(&app).expect("unchanged since the full run");
        let at = proven(&app);
        assert_eq!(fp(&app).as_ref(), Some(&first));
        assert_eq!(proven(&app), at, "kept, not checked again");

        let web = root.join("rules/teams/web.yaml");
        let meta = std::fs::metadata(&web).unwrap();
        let text = std::fs::read_to_string(&web).unwrap();
        let edited = text.replace("threshold: 90", "threshold: 95");
        assert_ne!(edited, text);
        std::fs::write(&web, &edited).unwrap();
        let f = std::fs::File::options().write(true).open(&web).unwrap();
        f.set_modified(meta.modified().unwrap()).unwrap();
        assert_eq!(std::fs::metadata(&web).unwrap().len(), meta.len());
        wait_for("the edit's file event", || {
            app.changed.load(Ordering::SeqCst)
        });
        assert_eq!(
            fp(&app),
            None,
            "the stat check runs again and sees the edit"
        );

        app.changed.store(false, Ordering::SeqCst);
        app.invalidate();
        assert!(app.changed.load(Ordering::SeqCst), "a save voids the view");
    }

    /// With an error in the directory nothing is stored, yet pages and the API list
    /// from the index: the view builds it for the files it loaded.
    #[test]
    fn a_view_with_errors_lists_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = example(tmp.path());
        let rule = "- template: HighCPU\n  scope: group/db\n  alert: ExtraCPU\n";
        std::fs::write(root.join("rules/extra.yaml"), rule).unwrap();
        let broken = "- template: NoSuchTemplate\n  scope: global\n";
        std::fs::write(root.join("rules/broken.yaml"), broken).unwrap();
        let app = App::new(Config {
            root,
            listen: "127.0.0.1:0".parse().unwrap(),
            token: "t".into(),
            read_only: true,
            allow_apply: false,
        });
        let guard = app.snapshot().unwrap();
        let snap = guard.as_ref().unwrap();
        assert!(snap.diags.has_errors());
        let rows = snap.project.cache.rules(&Default::default()).unwrap();
        assert!(rows.iter().any(|r| r.alert == "ExtraCPU"));
    }
}
