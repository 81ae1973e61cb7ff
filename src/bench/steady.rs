//! The steady part of a run, over which its rates are measured: from the end of the `--ramp`
//! (while connections still open, the rate says nothing of the server) to the end of the load
//! (the end of `--duration`, a Ctrl-C, or, for `--messages`, the last connection's end). The
//! replies that arrive after the load ends count in the totals, not in the rates.

use std::time::Duration;

use super::record::Counts;

/// The counts so far when the steady part began and ended.
#[derive(Debug)]
pub struct Steady {
    pub from: Option<Counts>,
    pub to: Option<Counts>,
}

/// Rates over the steady part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub from_s: f64,
    pub to_s: f64,
    pub received: f64,
    pub bytes_in: f64,
    pub sent: f64,
}

/// A steady part shorter than this is no measure: the whole run is taken instead.
const SHORTEST: Duration = Duration::from_millis(1);

impl Steady {
    /// With no ramp the steady part starts with the run.
    pub fn new(ramp: Duration) -> Steady {
        Steady {
            from: ramp.is_zero().then(Counts::default),
            to: None,
        }
    }

    /// The rates, given the run's total counts, the ramp, when the load ended and when the
    /// run did (since its start).
    pub fn rates(&self, total: Counts, ramp: Duration, load_end: Duration, end: Duration) -> Rates {
        let (from, from_t) = match self.from {
            Some(c) => (c, ramp),
            None => (Counts::default(), Duration::ZERO),
        };
        let (to, to_t) = match self.to {
            Some(c) => (c, load_end),
            None => (total, end),
        };
        let (from, from_t, to, to_t) = if to_t.saturating_sub(from_t) < SHORTEST {
            (Counts::default(), Duration::ZERO, total, end)
        } else {
            (from, from_t, to, to_t)
        };
        let secs = to_t.saturating_sub(from_t).as_secs_f64().max(1e-9);
        let per_s = |n: u64, m: u64| n.saturating_sub(m) as f64 / secs;
        Rates {
            from_s: from_t.as_secs_f64(),
            to_s: to_t.as_secs_f64(),
            received: per_s(to.received, from.received),
            bytes_in: per_s(to.bytes_in, from.bytes_in),
            sent: per_s(to.sent, from.sent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(sent: u64, received: u64) -> Counts {
        Counts {
            sent,
            received,
            bytes_in: received * 10,
        }
    }

    #[test]
    fn rates_are_over_the_steady_part_only() {
        let s = Steady {
            from: Some(c(100, 90)),
            to: Some(c(1100, 1090)),
        };
        let r = s.rates(
            c(1200, 1200),
            Duration::from_secs(1),
            Duration::from_secs(3),
            Duration::from_secs(4),
        );
        assert_eq!((r.from_s, r.to_s), (1.0, 3.0));
        assert_eq!((r.sent, r.received, r.bytes_in), (500.0, 500.0, 5000.0));
    }

    #[test]
    fn without_a_steady_part_the_whole_run_is_measured() {
        // Ctrl-C during the ramp: the steady part never began.
        let s = Steady {
            from: None,
            to: Some(c(10, 10)),
        };
        let r = s.rates(
            c(10, 10),
            Duration::from_secs(5),
            Duration::from_secs(2),
            Duration::from_secs(2),
        );
        assert_eq!((r.from_s, r.to_s, r.received), (0.0, 2.0, 5.0));
        // --messages: no stop; the load ends with the run.
        let r = Steady::new(Duration::ZERO).rates(
            c(40, 40),
            Duration::ZERO,
            Duration::from_secs(4),
            Duration::from_secs(4),
        );
        assert_eq!((r.from_s, r.to_s, r.sent), (0.0, 4.0, 10.0));
    }
}
