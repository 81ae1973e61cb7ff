//! The seam between the event model and whoever shows or counts the events.
//!
//! A [`Conn`](super::Conn) reports through an [`EventSink`]: the printer (human lines or JSON)
//! implements it for every subcommand, and a load generator can implement it with an
//! aggregator. The `wants_*` questions let the model skip building events nobody looks at,
//! which keeps the per-message cost at a counter update.

use std::time::Duration;

use super::{Dir, Event};

pub trait EventSink: Send + Sync + std::fmt::Debug {
    /// Whether message events in this direction are wanted (they cost a format per message).
    /// Not unless a sink says so, as a sink that only aggregates does not.
    fn wants_messages(&self, _dir: Dir) -> bool {
        false
    }
    /// Whether ping and pong events are wanted.
    fn wants_control(&self) -> bool {
        false
    }
    /// Whether a pong answering one of our pings is wanted (its round-trip time).
    fn wants_rtt(&self) -> bool {
        false
    }
    /// Whether handshake requests, responses and TLS sessions are wanted.
    fn wants_handshake(&self) -> bool {
        false
    }
    /// Whether the raw WebSocket messages of a protocol (Socket.IO's packets) are wanted
    /// beside the protocol's own events (`-vv`).
    fn wants_raw_frames(&self) -> bool {
        false
    }
    /// One event of connection `conn` (servers number theirs), `elapsed` after it started.
    fn event(&self, conn: Option<u64>, elapsed: Duration, event: &Event<'_>);
    /// A line that is not an event: a warning such as `-k`'s.
    fn note(&self, line: &str);
    /// Writes out what is buffered; called at message-batch boundaries and at the end.
    fn flush(&self);
}
