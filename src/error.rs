//! The failures that choose an exit status, and the status table itself.
//!
//! Everything else is an `anyhow::Error` and exits 1. A `Failure` is found by downcasting at the
//! top of `main`, so a function deep down only has to return the right variant.

use std::fmt;

/// Exit statuses, as documented in README and the man page.
pub mod exit {
    /// The connection closed cleanly (or the command finished normally).
    pub const OK: i32 = 0;
    /// A runtime error: I/O, protocol violation, data that could not be sent.
    pub const RUNTIME: i32 = 1;
    /// A usage error: bad flag, malformed URL, invalid close code (clap uses 2 as well).
    pub const USAGE: i32 = 2;
    /// Could not connect: DNS, TCP, or the server refused the WebSocket handshake.
    pub const CONNECT: i32 = 3;
    /// The connection ended abnormally (1006) or the peer closed with an error code.
    pub const ABNORMAL: i32 = 4;
    /// A scripted expectation (`-e`, `--expect-close`) was not met in time.
    pub const EXPECTATION: i32 = 5;
    /// Interrupted by Ctrl-C (SIGINT).
    pub const INTERRUPTED: i32 = 130;
    /// Stopped by SIGTERM (after closing politely, like Ctrl-C).
    pub const TERMINATED: i32 = 143;
}

/// A failure with its own exit status. The message is the text after `wsprobe: error: `;
/// hints are printed on their own `hint:` lines below it.
#[derive(Debug)]
pub struct Failure {
    pub status: i32,
    pub message: String,
    pub hints: Vec<String>,
}

impl Failure {
    pub fn new(status: i32, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message)
    }

    pub fn connect(message: impl Into<String>) -> Self {
        Self::new(exit::CONNECT, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Turns any error into its exit status and the lines to print.
pub fn report(err: &anyhow::Error) -> (i32, String, Vec<String>) {
    if let Some(f) = err.downcast_ref::<Failure>() {
        return (f.status, f.message.clone(), f.hints.clone());
    }
    // `{:#}` joins the context chain with ": ", which is the one-line form we want.
    (exit::RUNTIME, format!("{err:#}"), Vec::new())
}

/// The handler error that ends a connection because stdout's reader went away: the
/// connection closes normally and the run exits 0.
#[derive(Debug)]
pub struct StdoutClosed;

impl fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed by its reader")
    }
}

impl std::error::Error for StdoutClosed {}
