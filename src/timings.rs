//! Where a one-shot command's wall time goes, phase by phase, on the estate at hand:
//! with `ALERTCTL_TIMINGS` set, the load, render and fast path mark the end of each of
//! their phases, and the binary adds its own and prints them when it exits
//! (docs/performance.md, "Where the time goes"). Off, a mark is one load of a flag.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The environment variable that turns the marks on (any value but `0` or empty).
pub const ENV: &str = "ALERTCTL_TIMINGS";

/// More marks than a one-shot command makes; a daemon left running with the variable
/// set (where the marks say little: a phase after an idle spell counts the spell) keeps
/// its first ones instead of growing.
const MAX_MARKS: usize = 256;

static ON: AtomicBool = AtomicBool::new(false);
static START: OnceLock<Instant> = OnceLock::new();
static MARKS: Mutex<Marks> = Mutex::new(Marks(Vec::new()));

/// Phase ends, each as (phase, time since the start).
struct Marks(Vec<(&'static str, Duration)>);

impl Marks {
    fn push(&mut self, phase: &'static str, at: Duration) {
        if self.0.len() < MAX_MARKS {
            self.0.push((phase, at));
        }
    }

    /// Each as (phase, since the start, since the previous mark).
    fn list(&self) -> Vec<(&'static str, Duration, Duration)> {
        let mut last = Duration::ZERO;
        self.0
            .iter()
            .map(|&(phase, at)| {
                let took = at.saturating_sub(last);
                last = at;
                (phase, at, took)
            })
            .collect()
    }
}

/// Reads [`ENV`] and starts the clock: called once, first thing, by the binary.
pub fn start() {
    START.get_or_init(Instant::now);
    let on = std::env::var(ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    ON.store(on, Ordering::Relaxed);
}

/// Whether marks are being taken.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// `phase` ended now.
pub fn mark(phase: &'static str) {
    if !enabled() {
        return;
    }
    let mut marks = MARKS.lock().unwrap_or_else(|e| e.into_inner());
    // Read under the lock, so that marks from several threads stay in time order.
    marks.push(phase, since_start());
}

/// The time since [`start`].
pub fn since_start() -> Duration {
    START.get_or_init(Instant::now).elapsed()
}

/// The marks so far, each as (phase, since the start, since the previous mark).
pub fn marks() -> Vec<(&'static str, Duration, Duration)> {
    MARKS.lock().unwrap_or_else(|e| e.into_inner()).list()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_keep_their_order_and_a_bound() {
        let mut m = Marks(Vec::new());
        m.push("one", Duration::from_millis(5));
        m.push("two", Duration::from_millis(12));
        let list = m.list();
        assert_eq!(
            list,
            [
                ("one", Duration::from_millis(5), Duration::from_millis(5)),
                ("two", Duration::from_millis(12), Duration::from_millis(7)),
            ]
        );
        for _ in 0..MAX_MARKS + 10 {
            m.push("many", Duration::from_millis(20));
        }
        assert_eq!(m.list().len(), MAX_MARKS);
    }

    /// Off (no `ALERTCTL_TIMINGS` in a test run), a mark records nothing.
    #[test]
    fn marks_are_taken_only_when_on() {
        assert!(!enabled());
        mark("off");
        assert!(marks().iter().all(|(p, _, _)| *p != "off"));
    }
}
