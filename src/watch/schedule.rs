//! When the daemon syncs: one queue of triggers, coalesced into one next sync, with
//! file events debounced and the timers (periodic resync, git poll, retry) kept here.
//! Pure: the caller passes the time, so every rule is tested without threads or sleeps.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Why a sync was wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The daemon started.
    Startup,
    /// A file of the rules directory changed (debounced).
    File,
    /// The git poll timer (`--git-pull`): fetch, and sync if the branch moved.
    Git,
    /// The periodic full resync (`--every`).
    Every,
    /// `POST /sync`.
    Http,
    /// SIGHUP.
    Signal,
    /// A retry of a failed sync, after its backoff.
    Retry,
}

impl Trigger {
    pub const ALL: [Trigger; 7] = [
        Trigger::Startup,
        Trigger::File,
        Trigger::Git,
        Trigger::Every,
        Trigger::Http,
        Trigger::Signal,
        Trigger::Retry,
    ];

    /// The name in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Startup => "startup",
            Trigger::File => "file",
            Trigger::Git => "git",
            Trigger::Every => "every",
            Trigger::Http => "http",
            Trigger::Signal => "signal",
            Trigger::Retry => "retry",
        }
    }

    /// Asked for by someone (or something) now, as opposed to a timer of the daemon's:
    /// a fresh cause, which starts a new retry sequence.
    pub fn is_external(self) -> bool {
        matches!(
            self,
            Trigger::Startup | Trigger::File | Trigger::Http | Trigger::Signal
        )
    }
}

/// The triggers one sync serves, with how many times each arrived.
pub type Batch = BTreeMap<Trigger, u64>;

/// What the daemon does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Stop,
    /// Sync now for these triggers.
    Run(Batch),
    /// Nothing due: wait until this time (or forever), or until a trigger arrives.
    Wait(Option<Instant>),
}

#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// File events wait until the directory has been quiet this long.
    pub debounce: Duration,
    /// A burst of file events that never goes quiet still syncs this long after its
    /// first event.
    pub max_wait: Duration,
    /// The periodic resync: at most this long after the end of the last sync.
    pub every: Option<Duration>,
    /// The git poll (`--git-pull`).
    pub git_every: Option<Duration>,
}

#[derive(Debug)]
pub struct Schedule {
    timing: Timing,
    pending: Batch,
    first_file: Option<Instant>,
    last_file: Option<Instant>,
    next_every: Option<Instant>,
    next_git: Option<Instant>,
    retry_at: Option<Instant>,
    stopping: bool,
}

impl Schedule {
    /// A schedule whose first sync (the startup one) is due now.
    pub fn new(timing: Timing, now: Instant) -> Schedule {
        let mut s = Schedule {
            timing,
            pending: Batch::new(),
            first_file: None,
            last_file: None,
            next_every: None,
            next_git: None,
            retry_at: None,
            stopping: false,
        };
        s.push(Trigger::Startup, now);
        s
    }

    pub fn push(&mut self, t: Trigger, now: Instant) {
        *self.pending.entry(t).or_default() += 1;
        if t == Trigger::File {
            self.first_file.get_or_insert(now);
            self.last_file = Some(now);
        }
    }

    pub fn stop(&mut self) {
        self.stopping = true;
    }

    pub fn stopping(&self) -> bool {
        self.stopping
    }

    /// Triggers waiting for the next sync (those that arrive during a sync included).
    pub fn depth(&self) -> u64 {
        self.pending.values().sum()
    }

    /// When the pending retry is due, if one is.
    pub fn retry_at(&self) -> Option<Instant> {
        self.retry_at
    }

    /// When a burst of file events counts as settled.
    fn files_settle(&self) -> Option<Instant> {
        let (first, last) = (self.first_file?, self.last_file?);
        Some((last + self.timing.debounce).min(first + self.timing.max_wait))
    }

    pub fn next(&mut self, now: Instant) -> Next {
        if self.stopping {
            return Next::Stop;
        }
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        for (t, at) in [
            (Trigger::Every, &mut self.next_every),
            (Trigger::Git, &mut self.next_git),
            (Trigger::Retry, &mut self.retry_at),
        ] {
            if due(*at) {
                *at = None;
                *self.pending.entry(t).or_default() += 1;
            }
        }
        // A burst still going on holds every trigger back: whatever runs then, runs once
        // on the settled directory.
        let settle = self.files_settle();
        if settle.is_some_and(|s| s > now) {
            return Next::Wait(settle);
        }
        if !self.pending.is_empty() {
            self.first_file = None;
            self.last_file = None;
            return Next::Run(std::mem::take(&mut self.pending));
        }
        Next::Wait(
            [self.next_every, self.next_git, self.retry_at]
                .into_iter()
                .flatten()
                .min(),
        )
    }

    /// A git poll found nothing new at `now` (no sync ran): the poll timer starts over.
    pub fn polled(&mut self, now: Instant) {
        self.next_git = self.timing.git_every.map(|d| now + d);
    }

    /// A sync ended at `now`: the timers start
    /// over, and a retry is due after `retry`, when there is one.
    pub fn done(&mut self, now: Instant, retry: Option<Duration>) {
        self.next_every = self.timing.every.map(|d| now + d);
        self.next_git = self.timing.git_every.map(|d| now + d);
        self.retry_at = retry.map(|d| now + d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn timing() -> Timing {
        Timing {
            debounce: 300 * MS,
            max_wait: 3000 * MS,
            every: Some(60_000 * MS),
            git_every: None,
        }
    }

    fn run(next: Next) -> Batch {
        match next {
            Next::Run(b) => b,
            other => panic!("expected a run, got {other:?}"),
        }
    }

    #[test]
    fn startup_runs_at_once_then_the_periodic_timer() {
        let t0 = Instant::now();
        let mut s = Schedule::new(timing(), t0);
        assert_eq!(run(s.next(t0)), Batch::from([(Trigger::Startup, 1)]));
        assert_eq!(
            s.next(t0),
            Next::Wait(None),
            "no timer before the first sync ends"
        );
        s.done(t0 + 100 * MS, None);
        let at = t0 + 60_100 * MS;
        assert_eq!(s.next(t0 + 200 * MS), Next::Wait(Some(at)));
        assert_eq!(run(s.next(at)), Batch::from([(Trigger::Every, 1)]));
    }

    #[test]
    fn a_burst_of_edits_is_one_sync_after_it_settles() {
        let t0 = Instant::now();
        let mut s = Schedule::new(timing(), t0);
        run(s.next(t0));
        s.done(t0, None);
        // 20 edits in one second, 50 ms apart.
        let mut now = t0;
        for _ in 0..20 {
            now += 50 * MS;
            s.push(Trigger::File, now);
            assert!(matches!(s.next(now), Next::Wait(Some(_))));
        }
        assert_eq!(s.depth(), 20);
        assert_eq!(s.next(now + 299 * MS), Next::Wait(Some(now + 300 * MS)));
        assert_eq!(
            run(s.next(now + 300 * MS)),
            Batch::from([(Trigger::File, 20)])
        );
        assert_eq!(s.depth(), 0);
    }

    #[test]
    fn a_burst_that_never_settles_still_syncs_after_max_wait() {
        let t0 = Instant::now();
        let mut s = Schedule::new(timing(), t0);
        run(s.next(t0));
        s.done(t0, None);
        let mut now = t0;
        let mut runs = 0;
        while now < t0 + 3500 * MS {
            now += 100 * MS;
            s.push(Trigger::File, now);
            if let Next::Run(_) = s.next(now) {
                runs += 1;
                assert!(now >= t0 + 3000 * MS, "ran before max_wait: {:?}", now - t0);
            }
        }
        assert_eq!(runs, 1);
    }

    #[test]
    fn triggers_during_a_sync_coalesce_into_one_next_sync() {
        let t0 = Instant::now();
        let mut s = Schedule::new(timing(), t0);
        run(s.next(t0));
        // The sync is running: three POST /sync and a SIGHUP arrive.
        for _ in 0..3 {
            s.push(Trigger::Http, t0 + MS);
        }
        s.push(Trigger::Signal, t0 + 2 * MS);
        assert_eq!(s.depth(), 4);
        s.done(t0 + 500 * MS, None);
        assert_eq!(
            run(s.next(t0 + 500 * MS)),
            Batch::from([(Trigger::Http, 3), (Trigger::Signal, 1)])
        );
        assert_eq!(s.next(t0 + 500 * MS), Next::Wait(Some(t0 + 60_500 * MS)));
    }

    #[test]
    fn a_burst_holds_back_other_triggers_until_it_settles() {
        let t0 = Instant::now();
        let mut s = Schedule::new(timing(), t0);
        run(s.next(t0));
        s.done(t0, None);
        s.push(Trigger::File, t0 + 10 * MS);
        s.push(Trigger::Http, t0 + 20 * MS);
        assert_eq!(s.next(t0 + 20 * MS), Next::Wait(Some(t0 + 310 * MS)));
        assert_eq!(
            run(s.next(t0 + 310 * MS)),
            Batch::from([(Trigger::File, 1), (Trigger::Http, 1)])
        );
    }

    #[test]
    fn retries_and_git_polls_are_timers_and_stop_wins() {
        let t0 = Instant::now();
        let mut s = Schedule::new(
            Timing {
                git_every: Some(1000 * MS),
                every: None,
                ..timing()
            },
            t0,
        );
        run(s.next(t0));
        s.done(t0, Some(400 * MS));
        assert_eq!(s.retry_at(), Some(t0 + 400 * MS));
        assert_eq!(s.next(t0), Next::Wait(Some(t0 + 400 * MS)));
        assert_eq!(
            run(s.next(t0 + 400 * MS)),
            Batch::from([(Trigger::Retry, 1)])
        );
        assert_eq!(s.next(t0 + 400 * MS), Next::Wait(Some(t0 + 1000 * MS)));
        assert_eq!(
            run(s.next(t0 + 1000 * MS)),
            Batch::from([(Trigger::Git, 1)])
        );
        s.push(Trigger::Http, t0 + 1001 * MS);
        s.stop();
        assert_eq!(s.next(t0 + 1001 * MS), Next::Stop);
    }
}
