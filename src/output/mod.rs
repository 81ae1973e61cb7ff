//! The one Printer: renders connection events as human lines on stderr or as JSON lines on
//! stdout, and prints the final error line. What it shows and where was decided once in
//! [`OutputConfig`]; the printer only follows it.
//!
//! Invariants: stdout carries only payloads (human mode) or JSON records (`--json`); human event
//! lines go to stderr, or to the screen of the session target. State changes and errors are
//! flushed at once; message, ping and pong events (the hot path with `-v`/`--json`) are
//! buffered and flushed by [`Printer::flush`] at idle points, or at once when the stream is a
//! terminal.
//!
//! - `human.rs`: the human line of each event (colours, arrows, sanitised previews)
//! - `json.rs`: the JSON record of an event
//! - `stdout.rs`: writing the standard streams, and what went wrong with stdout
//! - `render.rs`: sanitising peer text, hex dumps, sizes and durations

mod human;
mod json;
pub mod render;
mod stdout;

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::{OutputConfig, OutputTarget};
use crate::error::ErrorKind;
use crate::session::{Dir, Event, EventSink};
use human::Style;
use stdout::write_stderr;
pub use stdout::{
    since_start, stdout_error, stdout_trouble, stdout_was_closed, write_stdout, write_stdout_bytes,
    StdoutTrouble,
};

/// Flush a buffer once it holds this much, even before an idle point.
const FLUSH_AT: usize = 64 * 1024;

pub struct Printer {
    cfg: OutputConfig,
    buf: Mutex<Buffers>,
    /// The session target's screen: lines go above the prompt being edited.
    sink: Mutex<Option<Arc<dyn LineSink>>>,
}

/// Where the session target's lines go instead of stderr: the screen it shares with the
/// prompt. A line is given without its newline.
pub trait LineSink: Send + Sync {
    fn line(&self, text: String);

    /// The connection is closing: told just before the CLOSING (or CLOSED) line.
    fn closing(&self) {}
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").field("cfg", &self.cfg).finish()
    }
}

#[derive(Debug, Default)]
struct Buffers {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Printer {
    pub fn new(cfg: OutputConfig) -> Printer {
        Printer {
            cfg,
            buf: Mutex::new(Buffers::default()),
            sink: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &OutputConfig {
        &self.cfg
    }

    /// Routes human lines to the session's screen (or, with `None`, back to stderr).
    pub fn set_sink(&self, sink: Option<Arc<dyn LineSink>>) {
        *self.sink.lock().unwrap_or_else(|e| e.into_inner()) = sink;
    }

    fn line_sink(&self) -> Option<Arc<dyn LineSink>> {
        self.sink.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn style(&self) -> Style {
        Style {
            color: self.cfg.color,
        }
    }

    /// Whether message events in this direction are printed (they cost a format per message).
    pub fn wants_messages(&self, dir: Dir) -> bool {
        if self.cfg.json {
            dir == Dir::In || self.cfg.verbose
        } else if dir == Dir::In && !self.cfg.received_lines {
            false
        } else {
            self.cfg.verbose
        }
    }

    /// Whether ping and pong events are printed.
    pub fn wants_control(&self) -> bool {
        self.cfg.verbose || (self.cfg.json && !self.cfg.quiet) || self.cfg.show_ping_pong
    }

    /// Whether a pong answering one of our pings is printed.
    pub fn wants_rtt(&self) -> bool {
        self.wants_control() || self.cfg.show_rtt
    }

    /// Whether handshake requests, responses and TLS sessions are printed.
    pub fn wants_handshake(&self) -> bool {
        self.cfg.verbose || (self.cfg.json && !self.cfg.quiet)
    }

    /// One human line (or several) from the interactive session, on stderr or above the
    /// prompt, with the time prefix when asked for.
    pub fn line(&self, text: &str) {
        let text = self.stamp(text);
        if let Some(sink) = self.line_sink() {
            return sink.line(text);
        }
        self.flush();
        let _ = writeln!(io::stderr().lock(), "{text}");
    }

    fn stamp(&self, text: &str) -> String {
        if self.cfg.timestamps {
            human::stamp(self.style(), text)
        } else {
            text.to_owned()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buffers> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn event(&self, conn: Option<u64>, elapsed: Duration, event: &Event<'_>) {
        let hot = match event {
            Event::Message { .. } | Event::Ping { .. } | Event::Pong { .. } => true,
            Event::Proto(p) => p.hot(),
            _ => false,
        };
        if self.cfg.json {
            let mut b = self.lock();
            json::record(&mut b.stdout, conn, elapsed, event);
            if !hot || self.cfg.stdout_tty || b.stdout.len() >= FLUSH_AT {
                write_stdout(&mut b.stdout);
            }
            return;
        }
        if self.cfg.quiet && !matches!(event, Event::Error { .. }) {
            return;
        }
        let Some(line) = human::event(self.style(), conn, elapsed, event) else {
            return;
        };
        match self.cfg.target {
            OutputTarget::Session => self.session_line(&line, event),
            OutputTarget::Stream => self.stream_line(line, hot),
        }
    }

    /// An event line for the session's screen, which is told first when the connection ends.
    fn session_line(&self, line: &str, event: &Event<'_>) {
        if matches!(event, Event::Closing { .. } | Event::Close { .. }) {
            if let Some(sink) = self.line_sink() {
                sink.closing();
            }
        }
        self.line(line);
    }

    /// An event line for stderr: buffered when `hot`, unless stderr is a terminal.
    fn stream_line(&self, line: String, hot: bool) {
        // Stamped only when asked: this is the per-message path with -v.
        let line = if self.cfg.timestamps {
            self.stamp(&line)
        } else {
            line
        };
        let mut b = self.lock();
        b.stderr.extend_from_slice(line.as_bytes());
        b.stderr.push(b'\n');
        if !hot || self.cfg.stderr_tty || b.stderr.len() >= FLUSH_AT {
            write_stderr(&mut b.stderr);
        }
    }

    /// Writes out buffered event lines.
    pub fn flush(&self) {
        let mut b = self.lock();
        if !b.stdout.is_empty() {
            write_stdout(&mut b.stdout);
        }
        if !b.stderr.is_empty() {
            write_stderr(&mut b.stderr);
        }
    }

    /// The final error: an `error` record in JSON mode, and always the one-line message on
    /// stderr with its hints.
    pub fn fatal(&self, kind: ErrorKind, message: &str, hints: &[String]) {
        if self.cfg.json {
            self.event(None, since_start(), &Event::Error { kind, message });
        }
        self.flush();
        let mut err = io::stderr().lock();
        let label = self.style().error_label();
        let _ = writeln!(err, "wsprobe: {label} {message}");
        for h in hints {
            let _ = writeln!(err, "hint: {h}");
        }
    }

    /// A plain line on stderr that is not an event (warnings, the `listening on` line).
    pub fn note(&self, line: &str) {
        if self.cfg.target == OutputTarget::Session {
            self.line(line);
            return;
        }
        self.flush();
        let _ = writeln!(io::stderr().lock(), "{line}");
    }
}

/// The printer is the event sink of every subcommand.
impl EventSink for Printer {
    fn wants_messages(&self, dir: Dir) -> bool {
        Printer::wants_messages(self, dir)
    }
    fn wants_control(&self) -> bool {
        Printer::wants_control(self)
    }
    fn wants_rtt(&self) -> bool {
        Printer::wants_rtt(self)
    }
    fn wants_handshake(&self) -> bool {
        Printer::wants_handshake(self)
    }
    fn wants_raw_frames(&self) -> bool {
        self.cfg.raw_frames
    }
    fn event(&self, conn: Option<u64>, elapsed: Duration, event: &Event<'_>) {
        Printer::event(self, conn, elapsed, event)
    }
    fn note(&self, line: &str) {
        Printer::note(self, line)
    }
    fn flush(&self) {
        Printer::flush(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(verbose: bool, json: bool) -> OutputConfig {
        OutputConfig {
            json,
            verbose,
            raw_frames: false,
            quiet: false,
            color: false,
            stdout_tty: false,
            stderr_tty: false,
            timestamps: false,
            target: OutputTarget::Stream,
            received_lines: true,
            show_ping_pong: false,
            show_rtt: false,
        }
    }

    #[test]
    fn verbose_stream_prints_messages_both_ways() {
        let p = Printer::new(config(true, false));
        assert!(p.wants_messages(Dir::In) && p.wants_messages(Dir::Out));
        assert!(p.wants_control() && p.wants_handshake());
        let quiet = Printer::new(config(false, false));
        assert!(!quiet.wants_messages(Dir::In) && !quiet.wants_rtt());
    }

    #[test]
    fn session_leaves_received_messages_to_its_screen_and_shows_rtt() {
        let p = Printer::new(config(true, false).for_session(false));
        assert!(!p.wants_messages(Dir::In) && p.wants_messages(Dir::Out));
        let p = Printer::new(config(false, false).for_session(false));
        assert!(p.wants_rtt() && !p.wants_control());
    }

    #[test]
    fn json_records_every_received_message() {
        let p = Printer::new(config(false, true));
        assert!(p.wants_messages(Dir::In) && !p.wants_messages(Dir::Out));
        assert!(p.wants_control() && p.wants_handshake());
    }
}
