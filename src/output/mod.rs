//! The one Printer: renders connection events as human lines on stderr or as JSON lines on
//! stdout, and prints the final error line.
//!
//! Invariants: stdout carries only payloads (human mode) or JSON records (`--json`); human event
//! lines go to stderr. State changes and errors are flushed at once; message, ping and pong
//! events (the hot path with `-v`/`--json`) are buffered and flushed by [`Printer::flush`] at
//! idle points, or at once when the stream is a terminal.

pub mod render;

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::style::{Color, Stylize};
use serde::Serialize;

use crate::config::OutputConfig;
pub use crate::error::StdoutClosed;
use crate::session::{Data, Dir, Event, EventSink, Side};

/// When the program started: the time of events that belong to no connection.
static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Time since the program started (the first call starts the clock; main makes it early).
pub fn since_start() -> Duration {
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// Flush a buffer once it holds this much, even before an idle point.
const FLUSH_AT: usize = 64 * 1024;

pub struct Printer {
    cfg: OutputConfig,
    buf: Mutex<Buffers>,
    /// The interactive session's screen: lines go above the prompt being edited.
    sink: Mutex<Option<Arc<dyn LineSink>>>,
}

/// Where the interactive session's lines go instead of stderr: the screen it shares with the
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

#[derive(Serialize)]
struct Record<'a> {
    /// Seconds since the connection (or the server) started.
    t: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    conn: Option<u64>,
    #[serde(flatten)]
    event: &'a Event<'a>,
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

    /// Routes human lines to the interactive session's screen (or, with `None`, back to
    /// stderr).
    pub fn set_sink(&self, sink: Option<Arc<dyn LineSink>>) {
        *self.sink.lock().unwrap_or_else(|e| e.into_inner()) = sink;
    }

    /// Whether message events in this direction are printed (they cost a format per message).
    pub fn wants_messages(&self, dir: Dir) -> bool {
        if self.cfg.json {
            dir == Dir::In || self.cfg.verbose
        } else if self.cfg.repl && dir == Dir::In {
            // The session shows received messages itself.
            false
        } else {
            self.cfg.verbose
        }
    }

    /// Whether ping and pong events are printed.
    pub fn wants_control(&self) -> bool {
        self.cfg.verbose || (self.cfg.json && !self.cfg.quiet) || self.cfg.show_ping_pong
    }

    /// Whether a pong answering one of our pings is printed (its RTT is the answer to /ping).
    pub fn wants_rtt(&self) -> bool {
        self.wants_control() || self.cfg.repl
    }

    /// Whether handshake requests, responses and TLS sessions are printed.
    pub fn wants_handshake(&self) -> bool {
        self.cfg.verbose || (self.cfg.json && !self.cfg.quiet)
    }

    /// One human line (or several) from the interactive session, on stderr or above the
    /// prompt, with the time prefix when asked for.
    pub fn line(&self, text: &str) {
        let text = self.stamp(text);
        let sink = self.sink.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(sink) = sink {
            return sink.line(text);
        }
        self.flush();
        let _ = writeln!(io::stderr().lock(), "{text}");
    }

    fn stamp(&self, text: &str) -> String {
        if !self.cfg.timestamps {
            return text.to_owned();
        }
        let now = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
        // 2026-11-21T21:00:58.123Z → 21:00:58.123
        let clock = now.get(11..23).unwrap_or(&now);
        let clock = self.dim(clock);
        text.lines()
            .map(|l| format!("{clock} {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buffers> {
        self.buf.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn event(&self, conn: Option<u64>, elapsed: Duration, event: &Event<'_>) {
        let hot = matches!(
            event,
            Event::Message { .. } | Event::Ping { .. } | Event::Pong { .. }
        );
        if self.cfg.json {
            let rec = Record {
                t: (elapsed.as_secs_f64() * 1e6).round() / 1e6,
                conn,
                event,
            };
            let mut b = self.lock();
            // Serialising plain data into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut b.stdout, &rec);
            b.stdout.push(b'\n');
            if !hot || self.cfg.stdout_tty || b.stdout.len() >= FLUSH_AT {
                write_stdout(&mut b.stdout);
            }
            return;
        }
        if self.cfg.quiet && !matches!(event, Event::Error { .. }) {
            return;
        }
        let Some(line) = self.human(conn, elapsed, event) else {
            return;
        };
        if self.cfg.repl {
            if matches!(event, Event::Closing { .. } | Event::Close { .. }) {
                let sink = self.sink.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some(sink) = sink {
                    sink.closing();
                }
            }
            self.line(&line);
            return;
        }
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

    fn paint(&self, s: &str, color: Color) -> String {
        if self.cfg.color {
            s.with(color).bold().to_string()
        } else {
            s.to_owned()
        }
    }

    fn dim(&self, s: &str) -> String {
        if self.cfg.color {
            s.dark_grey().to_string()
        } else {
            s.to_owned()
        }
    }

    /// One human line for an event, or `None` for events that have no human form.
    fn human(&self, conn: Option<u64>, elapsed: Duration, event: &Event<'_>) -> Option<String> {
        let prefix = conn.map(|id| format!("#{id} ")).unwrap_or_default();
        let t = render::duration(elapsed);
        let line = match event {
            Event::Listening { url } => format!("listening on {url}"),
            Event::Connecting { url, peer, .. } => {
                let from = peer.map(|p| format!(" from {p}")).unwrap_or_default();
                format!("{} {url}{from}", self.paint("CONNECTING", Color::Yellow))
            }
            Event::Open { info, .. } => {
                let exts = if info.extensions.is_empty() {
                    "-".to_owned()
                } else {
                    info.extensions.join(", ")
                };
                format!(
                    "{} {} protocol={} extensions={exts}",
                    self.paint("OPEN", Color::Green),
                    render::duration(Duration::from_secs_f64(info.handshake_ms / 1000.0)),
                    info.protocol.as_deref().unwrap_or("-"),
                )
            }
            Event::Message {
                dir,
                kind,
                len,
                data,
            } => {
                let preview = match data {
                    Some(Data::Text(t)) => format!(" {}", render::text_preview(t, 80)),
                    Some(Data::Bytes(b)) => format!(" {}", render::hex_preview(b, 16)),
                    None => String::new(),
                };
                let kind = match kind {
                    crate::session::MsgType::Text => "text",
                    crate::session::MsgType::Binary => "binary",
                };
                format!(
                    "{} {kind} {}{preview}",
                    self.arrow(*dir),
                    self.dim(&render::size(*len))
                )
            }
            Event::Ping { dir, len, data } => format!(
                "{} {} {}{}",
                self.arrow(*dir),
                self.paint("ping", Color::Blue),
                self.dim(&render::size(*len)),
                control_preview(data)
            ),
            Event::Pong {
                dir,
                len,
                data,
                rtt_ms,
            } => {
                let rtt = rtt_ms
                    .map(|ms| {
                        format!(
                            " rtt={}",
                            render::duration(Duration::from_secs_f64(ms / 1000.0))
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "{} {} {}{}{rtt}",
                    self.arrow(*dir),
                    self.paint("pong", Color::Blue),
                    self.dim(&render::size(*len)),
                    control_preview(data)
                )
            }
            Event::Error { kind, message } => {
                format!("{} {kind}: {message}", self.paint("ERROR", Color::Red))
            }
            Event::Closing {
                initiator,
                code,
                reason,
                ..
            } => format!(
                "{} ({}) {code} \"{}\" {t}",
                self.paint("CLOSING", Color::Yellow),
                side(*initiator),
                render::sanitize(reason, false)
            ),
            Event::Http {
                method,
                path,
                status,
                len,
            } => {
                let color = if *status < 400 {
                    Color::Green
                } else {
                    Color::Red
                };
                format!(
                    "{} {} {} {} {}",
                    self.paint("HTTP", Color::Blue),
                    render::sanitize(method, false),
                    render::sanitize(path, false),
                    self.paint(&status.to_string(), color),
                    self.dim(&render::size(*len as usize))
                )
            }
            Event::Tls {
                version,
                cipher,
                alpn,
            } => format!(
                "{} {version} {cipher} alpn={}",
                self.paint("TLS", Color::Blue),
                alpn.unwrap_or("-")
            ),
            Event::Request {
                dir,
                method,
                target,
                headers,
            } => {
                let arrow = self.arrow(*dir);
                let mut out = format!(
                    "{arrow} {method} {} HTTP/1.1",
                    render::sanitize(target, false)
                );
                for (n, v) in headers.iter() {
                    out.push_str(&format!("\n{arrow} {n}: {}", render::sanitize(v, false)));
                }
                out
            }
            Event::Response {
                dir,
                status,
                reason,
                headers,
                body,
            } => {
                let arrow = self.arrow(*dir);
                let color = if *status == 101 {
                    Color::Green
                } else {
                    Color::Red
                };
                let mut out = format!(
                    "{arrow} HTTP/1.1 {} {reason}",
                    self.paint(&status.to_string(), color)
                );
                for (n, v) in headers.iter() {
                    out.push_str(&format!("\n{arrow} {n}: {}", render::sanitize(v, false)));
                }
                if let Some(body) = body {
                    out.push_str(&format!("\n{arrow}"));
                    for line in body.lines() {
                        out.push_str(&format!("\n{arrow} {}", render::sanitize(line, false)));
                    }
                }
                out
            }
            Event::Redirect { status, location } => format!(
                "{} {status} -> {}",
                self.paint("REDIRECT", Color::Yellow),
                render::sanitize(location, false)
            ),
            Event::Reconnect {
                attempt,
                delay_ms,
                reason,
            } => format!(
                "{} in {} (attempt {attempt}): {}",
                self.paint("RECONNECT", Color::Yellow),
                render::duration(Duration::from_secs_f64(delay_ms / 1000.0)),
                render::sanitize(reason, false)
            ),
            Event::Stderr { text } => {
                format!("{} {}", self.dim("stderr:"), render::sanitize(text, false))
            }
            Event::Exit { status, signal } => match (status, signal) {
                (Some(0), _) => format!("{} 0", self.paint("EXIT", Color::Green)),
                (Some(c), _) => format!("{} {c}", self.paint("EXIT", Color::Red)),
                (_, Some(s)) => format!("{} signal {s}", self.paint("EXIT", Color::Red)),
                _ => format!("{} ?", self.paint("EXIT", Color::Red)),
            },
            // Several lines: `ping` prints its summary on stdout itself.
            Event::PingSummary { .. } => return None,
            Event::Result {
                ok,
                met,
                expected,
                received,
                failed,
            } => {
                let (word, color) = if *ok {
                    ("PASS", Color::Green)
                } else {
                    ("FAIL", Color::Red)
                };
                let why = failed.map(|f| format!(": {f}")).unwrap_or_default();
                format!(
                    "{} {met}/{expected} expectations met, {received} message(s) received{why}",
                    self.paint(word, color)
                )
            }
            Event::Close { info, .. } => {
                let (word, color) = if info.was_clean {
                    ("clean", Color::Green)
                } else {
                    ("unclean", Color::Red)
                };
                let by = info
                    .initiator
                    .map(|s| format!(" ({})", side(s)))
                    .unwrap_or_default();
                format!(
                    "{} {} \"{}\" {word}{by} {t}",
                    self.paint("CLOSED", color),
                    info.code,
                    render::sanitize(&info.reason, false)
                )
            }
        };
        if line.contains('\n') {
            // Several lines (handshake dumps): each gets the connection prefix.
            return Some(
                line.lines()
                    .map(|l| format!("{prefix}{l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        Some(format!("{prefix}{line}"))
    }

    fn arrow(&self, dir: Dir) -> String {
        match dir {
            Dir::In => self.paint("<", Color::Cyan),
            Dir::Out => self.paint(">", Color::Magenta),
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
    pub fn fatal(&self, kind: &str, message: &str, hints: &[String]) {
        if self.cfg.json {
            self.event(None, since_start(), &Event::Error { kind, message });
        }
        self.flush();
        let mut err = io::stderr().lock();
        let label = if self.cfg.color {
            "error:".red().bold().to_string()
        } else {
            "error:".to_owned()
        };
        let _ = writeln!(err, "wsprobe: {label} {message}");
        for h in hints {
            let _ = writeln!(err, "hint: {h}");
        }
    }

    /// A plain line on stderr that is not an event (warnings, the `listening on` line).
    pub fn note(&self, line: &str) {
        if self.cfg.repl {
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

fn side(s: Side) -> &'static str {
    match s {
        Side::Local => "local",
        Side::Remote => "remote",
    }
}

fn control_preview(data: &Data<'_>) -> String {
    match data {
        Data::Text("") | Data::Bytes([]) => String::new(),
        Data::Text(t) => format!(" {}", render::text_preview(t, 40)),
        Data::Bytes(b) => format!(" {}", render::hex_preview(b, 16)),
    }
}

/// Writes and empties a buffer.
pub fn write_out(w: &mut impl Write, buf: &mut Vec<u8>) -> io::Result<()> {
    let res = w.write_all(buf).and_then(|()| w.flush());
    buf.clear();
    res
}

/// Why stdout can no longer be written.
#[derive(Debug, Clone)]
pub enum StdoutTrouble {
    /// Its reader went away (`| head -1`): end quietly, as ripgrep does.
    Closed,
    /// Writing failed (`> /dev/full`): an error, exit 1.
    Failed(String),
}

static STDOUT_TROUBLE: std::sync::OnceLock<StdoutTrouble> = std::sync::OnceLock::new();

/// What went wrong with stdout, once something has; later writes are then dropped.
pub fn stdout_trouble() -> Option<&'static StdoutTrouble> {
    STDOUT_TROUBLE.get()
}

/// Writes and empties a buffer to stdout. A failure is remembered (see [`stdout_trouble`])
/// for the connection to act on: close politely, then exit 0 (closed) or 1 (failed).
pub fn write_stdout(buf: &mut Vec<u8>) {
    write_stdout_bytes(buf);
    buf.clear();
}

/// Like [`write_stdout`], for bytes that are not in a buffer of ours (large messages).
pub fn write_stdout_bytes(data: &[u8]) {
    if STDOUT_TROUBLE.get().is_some() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(data).and_then(|()| out.flush()) {
        let trouble = if e.kind() == io::ErrorKind::BrokenPipe {
            StdoutTrouble::Closed
        } else {
            StdoutTrouble::Failed(crate::tls::io_words(&e))
        };
        let _ = STDOUT_TROUBLE.set(trouble);
    }
}

/// Writes and empties a buffer to stderr; a failure there cannot be reported anywhere.
fn write_stderr(buf: &mut Vec<u8>) {
    let _ = write_out(&mut io::stderr().lock(), buf);
}

/// An error for a connection whose output can no longer be written, if that is so.
pub fn stdout_error() -> Option<anyhow::Error> {
    match stdout_trouble()? {
        StdoutTrouble::Closed => Some(StdoutClosed.into()),
        StdoutTrouble::Failed(e) => Some(
            crate::error::Failure::new(
                crate::error::exit::RUNTIME,
                format!("cannot write to stdout: {e}"),
            )
            .hint("received messages could not be written; check where stdout goes (disk full?)")
            .into(),
        ),
    }
}

/// Whether stdout was closed when wsprobe started (`>&-`). The Rust runtime then points it at
/// /dev/null, opened read-write, so everything written to it would vanish without an error.
/// Daemons hand a child all three standard streams as /dev/null this way on purpose, so only a
/// stdout that is alone in that state counts.
pub fn stdout_was_closed() -> bool {
    fn reopened_null(fd: impl std::os::fd::AsFd) -> bool {
        use rustix::fs::{fcntl_getfl, fstat, makedev, FileType, OFlags};
        let Ok(st) = fstat(&fd) else {
            return false;
        };
        let null = FileType::from_raw_mode(st.st_mode) == FileType::CharacterDevice
            && st.st_rdev == makedev(1, 3);
        null && fcntl_getfl(&fd).is_ok_and(|f| f & OFlags::ACCMODE == OFlags::RDWR)
    }
    reopened_null(io::stdout()) && !reopened_null(io::stderr())
}
