//! Retry delays: exponential, capped, with jitter so that daemons beside many
//! Prometheus servers that failed together do not all retry at the same instant.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay before the first retry (before jitter).
    pub base: Duration,
    /// No delay is longer.
    pub max: Duration,
    /// Retries after one failure; then the daemon waits for the next trigger.
    pub retries: u32,
}

impl Backoff {
    /// The delay before retry number `attempt` (0-based), or `None` when the retries are
    /// used up. `jitter` in [0, 1) picks a point in the upper half of the exponential
    /// delay ("equal jitter"): never less than half of it, so the delays still grow.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Option<Duration> {
        if attempt >= self.retries {
            return None;
        }
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
            .min(self.max);
        let half = exp / 2;
        Some(half + half.mul_f64(jitter.clamp(0.0, 1.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_jitter_in_the_upper_half_and_ends() {
        let b = Backoff {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
            retries: 6,
        };
        let lows: Vec<_> = (0..6).map(|a| b.delay(a, 0.0).unwrap()).collect();
        let highs: Vec<_> = (0..6).map(|a| b.delay(a, 0.999_999).unwrap()).collect();
        assert_eq!(
            lows.iter().map(Duration::as_millis).collect::<Vec<_>>(),
            [500, 1000, 2000, 4000, 5000, 5000]
        );
        assert_eq!(
            highs
                .iter()
                .map(|d| d.as_secs_f64().round() as u64)
                .collect::<Vec<_>>(),
            [1, 2, 4, 8, 10, 10]
        );
        assert_eq!(b.delay(6, 0.5), None);
        // Huge attempt numbers and bases saturate instead of overflowing.
        let big = Backoff {
            base: Duration::from_secs(u64::MAX / 4),
            max: Duration::from_secs(3600),
            retries: u32::MAX,
        };
        assert_eq!(big.delay(1000, 1.0), Some(Duration::from_secs(3600)));
    }
}
