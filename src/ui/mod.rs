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
use std::sync::{Arc, Mutex, MutexGuard};

use crate::diag::Diagnostics;
use crate::project::{self, Project, ProjectError};
use crate::secrets::Secrets;

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
    /// One save at a time, so the conflict check and the write of one cannot interleave
    /// with another's.
    pub save_lock: Mutex<()>,
    /// Secret values known to the server, masked in every response.
    pub secrets: Mutex<Secrets>,
}

impl App {
    fn new(cfg: Config) -> App {
        App {
            cfg,
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
        let current = project::quick(&self.cfg.root).map(|q| q.fingerprint);
        let fresh = matches!((&*guard, &current), (Some(s), Some(fp)) if &s.fingerprint == fp);
        if !fresh {
            let (mut project, mut diags) = project::load(&self.cfg.root, true)?;
            let rendered = crate::render::render(&project.model, &mut diags);
            let _ = project::store_rendered(&mut project, &rendered, &diags);
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
        *self.snapshot.lock().unwrap_or_else(|p| p.into_inner()) = None;
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
