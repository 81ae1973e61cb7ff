//! Exponential backoff with jitter for `--reconnect`.
//!
//! The n-th delay is drawn uniformly from [d/2, d] where d = min(max, base × 2ⁿ): half of it
//! grows predictably, the other half spreads clients that lost the same server apart, so they
//! do not all come back at the same instant.

use std::time::Duration;

#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    /// xorshift64 state: jitter needs spread, not unpredictability.
    rng: u64,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ (u64::from(std::process::id()) << 32);
        Backoff {
            base,
            max: max.max(base),
            attempt: 0,
            rng: seed | 1,
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1u32 << self.attempt.min(20);
        let ceiling = self.base.saturating_mul(factor).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let unit = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        ceiling / 2 + ceiling.mul_f64(unit / 2.0)
    }

    /// After a successful connection: start from the first delay again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_jitter_and_stay_under_the_cap() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        let mut b = Backoff::new(base, max);
        let mut seen = Vec::new();
        for n in 0..8u32 {
            let ceiling = (base * 2u32.pow(n)).min(max);
            let d = b.next_delay();
            assert!(d >= ceiling / 2 && d <= ceiling, "attempt {n}: {d:?}");
            seen.push(d);
        }
        // Jitter: not every capped delay is the same.
        assert!(seen[5..].windows(2).any(|w| w[0] != w[1]), "{seen:?}");
        b.reset();
        assert!(b.next_delay() <= base);
    }
}
