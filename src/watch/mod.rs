//! `alertctl watch`: the sync daemon beside Prometheus. It keeps every configured server
//! running what the rules directory renders, without a person running a command.
//!
//! Triggers (file events, the git poll, the periodic resync, `POST /sync`, SIGHUP via
//! [`Control::trigger`]) go into one [`schedule::Schedule`]; one worker takes them one
//! sync at a time, so triggers that arrive during a sync coalesce into one next sync.
//! Each sync is the library's own deployment ([`crate::ops::rules::sync`], then
//! [`crate::ops::alertmanager::sync`] when the directory has an Alertmanager part): the
//! same validation, crash-safe write, reload, verification and rollback as `apply`, so a
//! broken state is never deployed. Failures that may pass (a server down, a reload
//! that failed) are retried with exponential backoff and jitter, a bounded number of
//! times. What happened is kept in a [`metrics::Status`] that `/metrics`, `/ready` and the
//! log ([`Log`]) show. The library never prints, and installs no signal handler: the
//! binary maps signals to [`Control::trigger`] and [`Control::stop`].

pub mod backoff;
pub mod files;
pub mod git;
pub mod http;
pub mod metrics;
pub mod schedule;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::ops::alertmanager::{self as am_ops, AmError};
use crate::ops::rules::{self, ApplyRequest};
use crate::ops::{DeployReport, Event, Events, OpError, Outcome};
use crate::source::settings::{PromtoolPolicy, Settings};
pub use backoff::Backoff;
use git::{GitError, GitPull, Pulled};
use metrics::{Deployed, Finished, Status};
pub use schedule::Trigger;
use schedule::{Batch, Next, Schedule, Timing};

/// How the daemon runs (the `watch` command's flags).
#[derive(Debug, Clone)]
pub struct Options {
    /// The rules directory, or a directory inside it.
    pub dir: PathBuf,
    pub use_cache: bool,
    /// The output directory instead of `output.dir`.
    pub out: Option<PathBuf>,
    /// Overrides `validate.promtool`.
    pub promtool: Option<PromtoolPolicy>,
    /// Where `/metrics`, `/healthz`, `/ready` and `POST /sync` are served.
    pub listen: SocketAddr,
    /// The periodic full resync, which repairs drift.
    pub every: Option<Duration>,
    /// File events wait until the directory has been quiet this long.
    pub debounce: Duration,
    /// Poll the rules directory at this interval instead of using inotify.
    pub poll: Option<Duration>,
    pub git: Option<GitOptions>,
    pub backoff: Backoff,
}

/// `--git-pull BRANCH`.
#[derive(Debug, Clone)]
pub struct GitOptions {
    pub remote: String,
    pub branch: String,
    /// How often the branch is fetched.
    pub every: Duration,
}

/// A burst of file events that never goes quiet syncs this many debounce periods after
/// its first event (and at least this long: see [`max_wait`]).
const MAX_WAIT_DEBOUNCES: u32 = 10;

fn max_wait(debounce: Duration) -> Duration {
    (debounce * MAX_WAIT_DEBOUNCES).max(Duration::from_secs(1))
}

/// A sync running longer than this makes `/healthz` fail: something is stuck (every
/// step of a sync has its own timeout, far shorter), and a supervisor may restart the
/// daemon, which is safe at any point.
pub const STUCK_AFTER: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Project(#[from] crate::source::project::ProjectError),
    #[error("--git-pull: {0}")]
    Git(#[from] git::GitError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot watch the rules directory: {0}")]
    Files(#[from] notify::Error),
    #[error("cannot start the HTTP server: {0}")]
    Http(std::io::Error),
}

impl WatchError {
    /// Bad flags or a rules directory that cannot be followed as asked (exit 2), rather
    /// than an operational failure (exit 4).
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, WatchError::Git(git::GitError::Setup(_)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// What the daemon reports as it runs (besides the events of each sync's operations).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum WatchEvent<'a> {
    Started {
        root: &'a Path,
        listen: &'a str,
        file_watch: &'a str,
        debounce_seconds: f64,
        every_seconds: Option<f64>,
        git_branch: Option<&'a str>,
    },
    /// inotify cannot be used: the rules directory is polled.
    FilesPolled {
        reason: &'a str,
        interval_seconds: f64,
    },
    FileWatchError {
        error: &'a str,
    },
    SyncStarted {
        sync: u64,
        triggers: &'a Batch,
        /// The retry this sync is (0: not a retry).
        retry: u32,
    },
    GitPulled {
        sync: u64,
        #[serde(flatten)]
        pulled: &'a Pulled,
    },
    SyncFinished {
        #[serde(flatten)]
        finished: &'a Finished,
        deployed: Option<&'a Deployed>,
        /// With `[[shard]]` tables: per shard.
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        deployed_shards: &'a BTreeMap<String, Deployed>,
    },
    RetryScheduled {
        sync: u64,
        retry: u32,
        of: u32,
        delay_seconds: f64,
        reason: &'a str,
    },
    /// The retries are used up: the next trigger (a change, the periodic resync, a
    /// manual one) tries again.
    RetriesExhausted {
        sync: u64,
        retries: u32,
        reason: &'a str,
    },
    /// A stop was asked for (SIGTERM): the sync in progress, if any, finishes first.
    Stopping {
        sync_in_progress: bool,
    },
    Stopped {
        syncs: u64,
    },
}

impl WatchEvent<'_> {
    pub fn level(&self) -> Level {
        match self {
            WatchEvent::FilesPolled { .. }
            | WatchEvent::FileWatchError { .. }
            | WatchEvent::RetryScheduled { .. } => Level::Warn,
            WatchEvent::SyncFinished { finished, .. } if !finished.ok => Level::Error,
            WatchEvent::RetriesExhausted { .. } => Level::Error,
            _ => Level::Info,
        }
    }
}

/// The level of an operation's event in the daemon's log.
pub fn op_level(e: &Event<'_>) -> Level {
    match e {
        Event::Diagnostics { diagnostics } if diagnostics.has_errors() => Level::Error,
        Event::Diagnostics { .. }
        | Event::OutputDiffers { .. }
        | Event::LiveDrift { .. }
        | Event::CacheNotStored { .. } => Level::Warn,
        _ => Level::Info,
    }
}

/// Where the daemon's log goes (the binary writes lines of text or JSON).
pub trait Log: Send + Sync {
    fn watch(&self, event: &WatchEvent<'_>);
    /// An event of the operations sync number `sync` runs.
    fn op(&self, sync: u64, event: &Event<'_>);
}

struct State {
    schedule: Schedule,
    status: Status,
    /// Where syncs write (output directory, Alertmanager config): changes there are
    /// the daemon's own, never triggers.
    outputs: Vec<PathBuf>,
    syncs: u64,
}

impl State {
    /// Copies what the schedule knows into the status the pages show.
    fn mirror(&mut self) {
        self.status.queue_depth = self.schedule.depth();
        self.status.next_retry = self
            .schedule
            .retry_at()
            .map(|at| SystemTime::now() + at.saturating_duration_since(Instant::now()));
    }
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    log: Arc<dyn Log>,
}

/// The handle to a running daemon: triggers, stop, status. Cheap to clone, usable from
/// any thread (signal handlers' thread, the HTTP server, the file watcher).
#[derive(Clone)]
pub struct Control {
    shared: Arc<Shared>,
}

impl Control {
    pub fn new(opts: &Options, log: Arc<dyn Log>) -> Control {
        let timing = Timing {
            debounce: opts.debounce,
            max_wait: max_wait(opts.debounce),
            every: opts.every,
            git_every: opts.git.as_ref().map(|g| g.every),
        };
        let mut status = Status::new(SystemTime::now());
        status.git = opts.git.is_some();
        status.triggers.insert(Trigger::Startup, 1);
        let schedule = Schedule::new(timing, Instant::now());
        status.queue_depth = schedule.depth();
        Control {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    schedule,
                    status,
                    outputs: Vec::new(),
                    syncs: 0,
                }),
                wake: Condvar::new(),
                log,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the status page down with it.
        self.shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Asks for a sync. Triggers that arrive during a sync coalesce into one next sync.
    pub fn trigger(&self, t: Trigger) {
        let mut s = self.state();
        if s.schedule.stopping() {
            return;
        }
        s.schedule.push(t, Instant::now());
        *s.status.triggers.entry(t).or_default() += 1;
        s.mirror();
        self.shared.wake.notify_all();
    }

    /// Asks the daemon to stop after the sync in progress. Returns whether a stop had
    /// been asked for already (a second SIGTERM may then end the process at once).
    pub fn stop(&self) -> bool {
        let mut s = self.state();
        let again = s.schedule.stopping();
        s.schedule.stop();
        let in_progress = s.status.in_progress.is_some();
        drop(s);
        self.shared.wake.notify_all();
        if !again {
            self.log(&WatchEvent::Stopping {
                sync_in_progress: in_progress,
            });
        }
        again
    }

    pub fn stopping(&self) -> bool {
        self.state().schedule.stopping()
    }

    pub fn status(&self) -> Status {
        self.state().status.clone()
    }

    pub fn log(&self, e: &WatchEvent<'_>) {
        self.shared.log.watch(e);
    }

    fn outputs(&self) -> Vec<PathBuf> {
        self.state().outputs.clone()
    }

    /// Blocks until a sync is due (`Some(number, triggers)`) or the daemon stops.
    fn next(&self) -> Option<(u64, Batch)> {
        let mut s = self.state();
        loop {
            match s.schedule.next(Instant::now()) {
                Next::Stop => return None,
                Next::Run(batch) => {
                    // The daemon's own timers are received when they are due.
                    for t in [Trigger::Every, Trigger::Git, Trigger::Retry] {
                        if let Some(n) = batch.get(&t) {
                            *s.status.triggers.entry(t).or_default() += n;
                        }
                    }
                    s.syncs += 1;
                    let n = s.syncs;
                    // In the same critical section as the queue is emptied: nobody sees
                    // an empty queue and no sync while one is about to start.
                    s.status.in_progress = Some((n, SystemTime::now()));
                    s.mirror();
                    return Some((n, batch));
                }
                Next::Wait(until) => {
                    let wait = until
                        .map_or(Duration::from_secs(3600), |t| {
                            t.saturating_duration_since(Instant::now())
                        })
                        .max(Duration::from_millis(1));
                    s = self
                        .shared
                        .wake
                        .wait_timeout(s, wait)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0;
                }
            }
        }
    }
}

/// Runs the daemon until [`Control::stop`]: serves HTTP on `opts.listen`, watches the
/// rules directory, and syncs as triggers come.
pub fn run(opts: &Options, control: &Control) -> Result<(), WatchError> {
    let root = files::normalize(&crate::source::project::find_root(&opts.dir)?);
    let git = opts.git.as_ref().map(|g| GitPull {
        dir: root.clone(),
        remote: g.remote.clone(),
        branch: g.branch.clone(),
    });
    if let Some(g) = &git {
        g.check()?;
    }
    let listener =
        std::net::TcpListener::bind(opts.listen).map_err(|source| WatchError::Listen {
            addr: opts.listen,
            source,
        })?;
    let listen = listener.local_addr().map_or(opts.listen, |a| a);
    let mut worker = Worker {
        opts,
        root: root.clone(),
        control,
        git,
        attempt: 0,
        refused: None,
    };
    worker.refresh();
    let server = http::start(listener, control.clone()).map_err(WatchError::Http)?;
    let watch = match files::start(&root, opts.poll, control) {
        Ok(w) => w,
        Err(e) => {
            server.shutdown();
            return Err(e.into());
        }
    };
    control.state().status.file_watch = watch.mode;
    control.log(&WatchEvent::Started {
        root: &root,
        listen: &listen.to_string(),
        file_watch: watch.mode,
        debounce_seconds: opts.debounce.as_secs_f64(),
        every_seconds: opts.every.map(|d| d.as_secs_f64()),
        git_branch: opts.git.as_ref().map(|g| g.branch.as_str()),
    });
    while let Some((n, batch)) = control.next() {
        worker.cycle(n, &batch);
    }
    server.shutdown();
    watch.join();
    let syncs = control.state().syncs;
    control.log(&WatchEvent::Stopped { syncs });
    Ok(())
}

/// How one sync ended, before it is recorded.
struct End {
    result: &'static str,
    reason: &'static str,
    message: String,
    ok: bool,
    retryable: bool,
}

impl End {
    fn of_report(r: &DeployReport) -> End {
        let (result, reason, ok) = match r.outcome {
            Outcome::Applied if !r.repaired.is_empty() => ("applied", "drift", true),
            Outcome::Applied if r.pending => ("applied", "unfinished", true),
            Outcome::Applied => ("applied", "changed", true),
            Outcome::NoChange | Outcome::DryRun => ("no-change", "unchanged", true),
            Outcome::RolledBack => ("rolled-back", "reload-failed", false),
            Outcome::RollbackUnverified => ("rollback-unverified", "reload-failed", false),
        };
        End {
            result,
            reason,
            message: r.message.clone(),
            ok,
            retryable: !ok,
        }
    }

    fn of_error(e: &OpError, first_error: Option<&str>) -> End {
        let invalid = e.is_invalid_input();
        End {
            result: if invalid { "invalid" } else { "failed" },
            reason: e.code(),
            message: match first_error {
                Some(d) => format!("{e}: {d}"),
                None => e.to_string(),
            },
            ok: false,
            retryable: !invalid,
        }
    }

    fn of_git(e: &git::GitError) -> End {
        End {
            result: "failed",
            reason: e.code(),
            message: e.to_string(),
            ok: false,
            retryable: e.transient(),
        }
    }

    /// A git failure, and the deployment of the checkout as it is: the deployment's
    /// failure comes first; without one, the git failure is the sync's.
    fn with_checkout(self, deployed: End) -> End {
        if deployed.ok {
            End {
                message: format!(
                    "{}; deployed the checkout as it is: {}",
                    self.message, deployed.message
                ),
                ..self
            }
        } else {
            End {
                message: format!("{}; {}", deployed.message, self.message),
                ..deployed
            }
        }
    }

    /// The rules part, then the Alertmanager part: the first failure is the sync's;
    /// otherwise the first part that changed something says why.
    fn then(self, am: End) -> End {
        if !self.ok || (am.ok && self.result == "applied") {
            return End {
                message: format!("{}; alertmanager: {}", self.message, am.message),
                ..self
            };
        }
        End {
            message: format!("{}; alertmanager: {}", self.message, am.message),
            ..am
        }
    }
}

/// An operation's events on their way to the log, remembering the first error
/// diagnostic (the reason an invalid state was not deployed).
struct SyncEvents<'a> {
    log: &'a dyn Log,
    sync: u64,
    first_error: Option<String>,
    /// The Alertmanager part loads the directory again: what loading it says was said.
    second_load: bool,
}

impl Events for SyncEvents<'_> {
    fn event(&mut self, event: &Event<'_>) {
        let loading = matches!(
            event,
            Event::Loaded { .. } | Event::CacheNotStored { .. } | Event::Diagnostics { .. }
        );
        if loading && self.second_load {
            return;
        }
        if let Event::Diagnostics { diagnostics } = event {
            if self.first_error.is_none() {
                self.first_error = diagnostics
                    .sorted()
                    .into_iter()
                    .find(|d| d.severity == crate::diag::Severity::Error)
                    .map(|d| {
                        let at = d
                            .position()
                            .map_or(String::new(), |(f, l, c)| format!("{f}:{l}:{c}: "));
                        crate::source::text::escape_unsafe(&format!("{at}{}", d.message))
                            .to_string()
                    });
            }
        }
        self.log.op(self.sync, event);
    }
}

struct Worker<'a> {
    opts: &'a Options,
    root: PathBuf,
    control: &'a Control,
    git: Option<GitPull>,
    /// Retries of the current failure so far.
    attempt: u32,
    /// The (checkout, remote) commits of the non-fast-forward last refused: reported
    /// once, not at every poll.
    refused: Option<(String, String)>,
}

/// alertctl.toml, if it can be read (the sync itself reports why not).
fn read_settings(root: &Path) -> Option<Settings> {
    let text =
        crate::source::load::read_root_file(root, crate::source::settings::FILE_NAME).ok()?;
    crate::source::settings::parse(&crate::diag::SourceText::new(
        crate::source::settings::FILE_NAME,
        text,
    ))
    .ok()
}

impl Worker<'_> {
    fn output_dir(&self, settings: Option<&Settings>) -> Option<PathBuf> {
        match &self.opts.out {
            Some(o) => Some(std::path::absolute(o).unwrap_or_else(|_| o.clone())),
            None => settings.map(|s| self.root.join(&s.output.dir)),
        }
    }

    /// Re-reads where syncs write and what is deployed (settings may have changed).
    fn refresh(&self) -> (Option<Deployed>, BTreeMap<String, Deployed>) {
        let settings = read_settings(&self.root);
        let out = self.output_dir(settings.as_ref());
        let mut outputs: Vec<PathBuf> = out.iter().cloned().collect();
        if let Some(s) = &settings {
            outputs.push(self.root.join(&s.alertmanager.output));
        }
        let mut all = Vec::new();
        for o in outputs {
            let lexical = files::normalize(&o);
            if let Ok(real) = lexical.canonicalize() {
                all.push(real);
            }
            all.push(lexical);
        }
        let of = |dir: &Path| {
            rules::deployed(&self.root, dir)
                .ok()
                .flatten()
                .map(|d| Deployed {
                    rev: d.rev,
                    commit: d.git_commit,
                })
        };
        // With shards each shard's directory has its own history (`--out` does not fit
        // shards: the sync then fails and reports it).
        let mut shards = BTreeMap::new();
        if let (Some(st), None) = (&settings, &self.opts.out) {
            for sh in &st.shards {
                let dir = self.root.join(sh.dir(st));
                if let Some(d) = of(&dir) {
                    shards.insert(sh.name.clone(), d);
                }
                all.push(files::normalize(&dir));
            }
        }
        let deployed = out.as_deref().and_then(of);
        let mut s = self.control.state();
        s.outputs = all;
        s.status.deployed = deployed.clone();
        s.status.deployed_shards = shards.clone();
        (deployed, shards)
    }

    fn cycle(&mut self, n: u64, batch: &Batch) {
        let started = Instant::now();
        if batch.keys().any(|t| t.is_external()) {
            self.attempt = 0;
        }
        let log = &*self.control.shared.log;
        let only_poll = batch.keys().all(|t| *t == Trigger::Git);
        let mut fast_forward = None;
        let mut git_end = None;
        if let Some(g) = &self.git {
            let pulled = g.pull();
            if matches!(pulled, Ok(_) | Err(GitError::NotFastForward { .. })) {
                self.control.state().status.git_fetched = Some(SystemTime::now());
            }
            // A poll that finds nothing new is not a sync: the branch did not move, or
            // moved in the way already refused and reported.
            let nothing_new = match &pulled {
                Ok(Pulled::UpToDate { .. }) => true,
                Err(GitError::NotFastForward { ours, theirs, .. }) => {
                    self.refused.as_ref() == Some(&(ours.clone(), theirs.clone()))
                }
                _ => false,
            };
            if only_poll && nothing_new {
                let mut s = self.control.state();
                // Its number goes to the next sync.
                s.syncs -= 1;
                s.status.in_progress = None;
                s.schedule.polled(Instant::now());
                s.mirror();
                return;
            }
            match pulled {
                Ok(p) => {
                    self.refused = None;
                    fast_forward = matches!(p, Pulled::FastForwarded { .. }).then_some(p);
                }
                Err(e) => {
                    if let GitError::NotFastForward { ours, theirs, .. } = &e {
                        self.refused = Some((ours.clone(), theirs.clone()));
                    }
                    git_end = Some(End::of_git(&e));
                }
            }
        }
        log.watch(&WatchEvent::SyncStarted {
            sync: n,
            triggers: batch,
            retry: self.attempt,
        });
        if let Some(p) = &fast_forward {
            log.watch(&WatchEvent::GitPulled { sync: n, pulled: p });
        }
        // The checkout is deployed as it is even when git failed: drift is repaired and
        // an interrupted deployment completed while the branch waits for a person.
        let deployed = self.deploy(n, log);
        let end = match git_end {
            Some(g) => g.with_checkout(deployed),
            None => deployed,
        };
        let retryable = end.retryable;
        let finished = Finished {
            sync: n,
            time: SystemTime::now(),
            result: end.result,
            reason: end.reason,
            message: end.message,
            ok: end.ok,
            seconds: started.elapsed().as_secs_f64(),
        };
        let (deployed, deployed_shards) = self.refresh();
        log.watch(&WatchEvent::SyncFinished {
            finished: &finished,
            deployed: deployed.as_ref(),
            deployed_shards: &deployed_shards,
        });
        let retry = self.retry(n, &finished, retryable);
        let mut s = self.control.state();
        s.status.finished(finished);
        s.schedule.done(Instant::now(), retry);
        s.mirror();
    }

    /// The deployment: rules, then the Alertmanager config when there is one.
    fn deploy(&self, n: u64, log: &dyn Log) -> End {
        let mut events = SyncEvents {
            log,
            sync: n,
            first_error: None,
            second_load: false,
        };
        let req = ApplyRequest {
            dir: self.root.clone(),
            use_cache: self.opts.use_cache,
            out: self.opts.out.clone(),
            promtool: self.opts.promtool,
            dry_run: false,
        };
        let rules_end = match rules::sync(&req, &mut events) {
            Ok(r) => End::of_report(&r),
            Err(e) => End::of_error(&e, events.first_error.as_deref()),
        };
        if !rules_end.ok {
            return rules_end;
        }
        events.second_load = true;
        let am = match am_ops::load(&self.root, self.opts.use_cache, &mut events) {
            Err(OpError::Alertmanager(AmError::NoConfig(_))) => return rules_end,
            Err(e) => Err(e),
            Ok(am) => match am.render() {
                Ok(rendered) => am_ops::sync(&am, &rendered, None, &mut events),
                Err(e) => Err(e.into()),
            },
        };
        rules_end.then(match am {
            Ok(r) => End::of_report(&r),
            Err(e) => End::of_error(&e, None),
        })
    }

    /// Schedules the next retry of a failed sync, if there is one to make.
    fn retry(&mut self, n: u64, end: &Finished, retryable: bool) -> Option<Duration> {
        if end.ok {
            self.attempt = 0;
            return None;
        }
        if !retryable {
            return None;
        }
        let log = &*self.control.shared.log;
        let b = self.opts.backoff;
        match b.delay(self.attempt, fastrand::f64()) {
            Some(d) => {
                self.attempt += 1;
                log.watch(&WatchEvent::RetryScheduled {
                    sync: n,
                    retry: self.attempt,
                    of: b.retries,
                    delay_seconds: d.as_secs_f64(),
                    reason: end.reason,
                });
                Some(d)
            }
            None => {
                log.watch(&WatchEvent::RetriesExhausted {
                    sync: n,
                    retries: b.retries,
                    reason: end.reason,
                });
                None
            }
        }
    }
}
