//! WebTransport, a transport beside the WebSocket one: a session over HTTP/3 (QUIC, through
//! `wtransport`) with streams and datagrams, reported through the same event model
//! (`session::webtransport`), printer, handlers (`pipe`, `expect`) and control mailbox as a
//! WebSocket, so `-x`, `-e`, `-n`, `-t`, `--json` and the REPL work unchanged above it.
//!
//! - `dial.rs`: opening a client session (QUIC, TLS, the CONNECT), failures in words.
//! - `session.rs`: the driver of an open session (what `session::driver` is to a WebSocket).
//! - `streams.rs`: the tasks that read and write streams and accept what the peer opens.
//! - `ending.rs`: how a session ended, from the QUIC stack's error.
//! - `codes.rs`: WebTransport error codes ⇄ the HTTP/3 codes on the wire.

pub mod codes;
pub mod dial;
pub mod ending;
pub mod session;
mod streams;
