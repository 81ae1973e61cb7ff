//! The run's measurements while it runs: latency histograms and message counts in shards (a
//! connection always records into the same one, so connections on different threads seldom
//! wait for each other), connect times, and the connections open. A ticker takes each
//! interval's share for the series and the progress line.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use hdrhistogram::Histogram;

/// Latencies and connect times are recorded in microseconds, to 3 significant digits.
pub const SIGFIG: u8 = 3;

/// A new auto-resizing histogram (it grows to the largest value recorded).
pub fn histogram() -> Histogram<u64> {
    // 3 significant digits is always a valid precision.
    Histogram::new(SIGFIG).unwrap_or_else(|_| unreachable!("sigfig 3 is valid"))
}

/// Records `v` into an auto-resizing histogram (`saturating_record` would clamp it to the
/// current top instead of growing).
pub fn put(h: &mut Histogram<u64>, v: u64) {
    if h.record(v).is_err() {
        h.saturating_record(v);
    }
}

/// Message counts of an interval or a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub sent: u64,
    pub received: u64,
    pub bytes_in: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.sent += o.sent;
        self.received += o.received;
        self.bytes_in += o.bytes_in;
    }
}

struct Shard {
    latency: Histogram<u64>,
    /// Open loop: how late each message was handed to its connection's writer.
    lag: Histogram<u64>,
    counts: Counts,
}

/// One interval's share of the measurements.
pub struct Interval {
    pub latency: Histogram<u64>,
    pub lag: Histogram<u64>,
    pub counts: Counts,
    /// Messages counted as sent (in this or an earlier interval) that never went out: their
    /// connection closed with them still queued.
    pub unsent: u64,
}

pub struct Recorder {
    shards: Box<[Mutex<Shard>]>,
    connect: Mutex<Histogram<u64>>,
    /// Connections OPEN now.
    open: AtomicU64,
    unsent: AtomicU64,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("shards", &self.shards.len())
            .finish()
    }
}

impl Recorder {
    /// A recorder for connections spread over `threads` worker threads.
    pub fn new(threads: usize) -> Recorder {
        let n = (threads * 4).clamp(4, 256);
        Recorder {
            shards: (0..n)
                .map(|_| {
                    Mutex::new(Shard {
                        latency: histogram(),
                        lag: histogram(),
                        counts: Counts::default(),
                    })
                })
                .collect(),
            connect: Mutex::new(histogram()),
            open: AtomicU64::new(0),
            unsent: AtomicU64::new(0),
        }
    }

    /// The shard of connection `index`.
    pub fn shard_of(&self, index: u32) -> usize {
        index as usize % self.shards.len()
    }

    fn shard(&self, shard: usize) -> std::sync::MutexGuard<'_, Shard> {
        self.shards[shard].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A message arrived (`latency_us` when it answers one of ours); `sent` more went out.
    pub fn received(&self, shard: usize, latency_us: Option<u64>, bytes: usize, sent: u64) {
        let mut s = self.shard(shard);
        if let Some(us) = latency_us {
            put(&mut s.latency, us);
        }
        s.counts.received += 1;
        s.counts.bytes_in += bytes as u64;
        s.counts.sent += sent;
    }

    /// `n` messages were queued for sending.
    pub fn sent(&self, shard: usize, n: u64) {
        self.shard(shard).counts.sent += n;
    }

    /// Open loop: messages due at `dues_ns` were handed to the writer at `now_ns` (both in
    /// nanoseconds since the start of the run).
    pub fn sent_late(&self, shard: usize, now_ns: u64, dues_ns: &[u64]) {
        let mut s = self.shard(shard);
        s.counts.sent += dues_ns.len() as u64;
        for &due in dues_ns {
            put(&mut s.lag, now_ns.saturating_sub(due) / 1000);
        }
    }

    /// `n` messages counted as sent never went out (their connection closed first).
    pub fn unsent(&self, n: u64) {
        self.unsent.fetch_add(n, Ordering::Relaxed);
    }

    /// The counts recorded since the last [`take`](Self::take), without taking them.
    pub fn peek(&self) -> Counts {
        let mut counts = Counts::default();
        for shard in &self.shards {
            counts.add(&shard.lock().unwrap_or_else(|e| e.into_inner()).counts);
        }
        counts
    }

    /// A connection reached OPEN after `us` microseconds.
    pub fn connected(&self, us: u64) {
        self.open.fetch_add(1, Ordering::Relaxed);
        put(
            &mut self.connect.lock().unwrap_or_else(|e| e.into_inner()),
            us,
        );
    }

    /// An OPEN connection is CLOSED.
    pub fn disconnected(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn open(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    /// The connect times so far.
    pub fn connect_times(&self) -> Histogram<u64> {
        self.connect
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The latencies recorded since the last [`take`](Self::take), without taking them.
    pub fn peek_latency(&self) -> Histogram<u64> {
        let mut latency = histogram();
        for shard in &self.shards {
            let s = shard.lock().unwrap_or_else(|e| e.into_inner());
            let _ = latency.add(&s.latency);
        }
        latency
    }

    /// Everything recorded since the last call, summed over the shards (and reset there).
    pub fn take(&self) -> Interval {
        let mut latency = histogram();
        let mut lag = histogram();
        let mut counts = Counts::default();
        for shard in &self.shards {
            let mut s = shard.lock().unwrap_or_else(|e| e.into_inner());
            // The histograms auto-resize, so adding cannot fail.
            if !s.latency.is_empty() {
                let _ = latency.add(&s.latency);
                s.latency.reset();
            }
            if !s.lag.is_empty() {
                let _ = lag.add(&s.lag);
                s.lag.reset();
            }
            counts.add(&s.counts);
            s.counts = Counts::default();
        }
        Interval {
            latency,
            lag,
            counts,
            unsent: self.unsent.swap(0, Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_takes_what_every_shard_recorded_once() {
        let r = Recorder::new(2);
        r.received(0, Some(100), 64, 1);
        r.received(3, Some(300_000), 64, 0);
        r.received(5, None, 10, 0);
        r.sent(1, 2);
        let i = r.take();
        assert_eq!(i.latency.len(), 2);
        assert!(i.latency.equivalent(i.latency.max(), 300_000));
        assert_eq!(
            i.counts,
            Counts {
                sent: 3,
                received: 3,
                bytes_in: 138
            }
        );
        let again = r.take();
        assert!(again.latency.is_empty());
        assert_eq!(again.counts, Counts::default());
    }

    #[test]
    fn lag_unsent_and_a_peek_that_takes_nothing() {
        let r = Recorder::new(1);
        // Handed over at 5 ms, due at 1 ms and 4.5 ms: 4 ms and 0.5 ms late.
        r.sent_late(2, 5_000_000, &[1_000_000, 4_500_000]);
        r.unsent(1);
        assert_eq!(r.peek().sent, 2);
        assert_eq!(r.peek().sent, 2);
        let i = r.take();
        assert_eq!((i.counts.sent, i.unsent, i.lag.len()), (2, 1, 2));
        assert!(i.lag.equivalent(i.lag.max(), 4000));
        assert!(i.lag.equivalent(i.lag.min(), 500));
        assert_eq!((r.peek(), r.take().unsent), (Counts::default(), 0));
    }
}
