//! The `EventSink` of a run: instead of printing each connection's events it counts what
//! matters to a load test (errors by kind with the first of each in words, closes by code,
//! connections that negotiated compression), and shows a warning such as `-k`'s once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::session::{Event, EventSink};

#[derive(Debug, Default)]
struct Tally {
    errors: BTreeMap<String, u64>,
    first: BTreeMap<String, String>,
    /// How to fix the first failure to connect (its `hint:` lines).
    connect_hints: Option<Vec<String>>,
    closes: BTreeMap<u16, u64>,
    notes: BTreeSet<String>,
}

/// What the run's connections reported.
#[derive(Debug, Default)]
pub struct BenchSink {
    tally: Mutex<Tally>,
    /// All errors so far (for the progress line and the series).
    errors: AtomicU64,
    compressed: AtomicU64,
    /// Where warnings go (above the progress line).
    progress: super::progress::Progress,
}

impl BenchSink {
    pub fn new(progress: super::progress::Progress) -> BenchSink {
        BenchSink {
            progress,
            ..BenchSink::default()
        }
    }

    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts an error of `kind` (a JSON kind name such as `connect` or `no-reply`).
    pub fn count_error(&self, kind: &str, n: u64, message: &str) {
        if n == 0 {
            return;
        }
        self.errors.fetch_add(n, Ordering::Relaxed);
        let mut t = self.tally();
        *t.errors.entry(kind.to_owned()).or_default() += n;
        t.first
            .entry(kind.to_owned())
            .or_insert_with(|| message.to_owned());
    }

    /// A connection could not be opened: counted as `connect`, and the first one's hints kept.
    pub fn connect_failed(&self, e: &anyhow::Error) {
        self.count_error("connect", 1, &format!("{e:#}"));
        let hints = match e.downcast_ref::<crate::error::Failure>() {
            Some(f) => f.hints.clone(),
            None => Vec::new(),
        };
        self.tally().connect_hints.get_or_insert(hints);
    }

    /// The hints of the first failure to connect.
    pub fn connect_hints(&self) -> Vec<String> {
        self.tally().connect_hints.clone().unwrap_or_default()
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// A connection counted at OPEN as compressed did not open after all (its protocol
    /// refused it).
    pub fn uncount_compressed(&self) {
        self.compressed.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn compressed(&self) -> u64 {
        self.compressed.load(Ordering::Relaxed)
    }

    /// The counts: errors by kind, the first error of each kind, closes by code.
    pub fn counts(
        &self,
    ) -> (
        BTreeMap<String, u64>,
        BTreeMap<String, String>,
        BTreeMap<String, u64>,
    ) {
        let t = self.tally();
        (
            t.errors.clone(),
            t.first.clone(),
            t.closes
                .iter()
                .map(|(code, n)| (code.to_string(), *n))
                .collect(),
        )
    }
}

/// The JSON name of an error kind (`too-large`, `io`, …).
fn kind_name(kind: crate::error::ErrorKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{kind:?}").to_lowercase(),
    }
}

impl EventSink for BenchSink {
    fn event(&self, _conn: Option<u64>, _elapsed: Duration, event: &Event<'_>) {
        match event {
            Event::Error { kind, message } => self.count_error(&kind_name(*kind), 1, message),
            Event::Close { info, .. } => *self.tally().closes.entry(info.code).or_default() += 1,
            Event::Open { info, .. }
                if info
                    .extensions
                    .iter()
                    .any(|e| e.starts_with("permessage-deflate")) =>
            {
                self.compressed.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    fn note(&self, line: &str) {
        if self.tally().notes.insert(line.to_owned()) {
            self.progress.println(line);
        }
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::session::{CloseInfo, ReadyState};

    #[test]
    fn errors_and_closes_are_counted_by_kind_and_code() {
        let s = BenchSink::default();
        let close = |code| CloseInfo {
            code,
            reason: String::new(),
            was_clean: true,
            initiator: None,
        };
        for code in [1000, 1000, 1006] {
            s.event(
                None,
                Duration::ZERO,
                &Event::Close {
                    state: ReadyState::Closed,
                    info: &close(code),
                },
            );
        }
        s.event(
            None,
            Duration::ZERO,
            &Event::Error {
                kind: ErrorKind::TooLarge,
                message: "first",
            },
        );
        s.count_error("too-large", 2, "later");
        s.count_error("no-reply", 0, "nothing");
        let (errors, first, closes) = s.counts();
        assert_eq!(errors.get("too-large"), Some(&3));
        assert_eq!(first.get("too-large").map(String::as_str), Some("first"));
        assert!(!errors.contains_key("no-reply"));
        assert_eq!(closes.get("1000"), Some(&2));
        assert_eq!(closes.get("1006"), Some(&1));
        assert_eq!(s.errors(), 3);
    }
}
