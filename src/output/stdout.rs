//! Writing to the standard streams: stdout's failures are remembered once (a closed pipe ends
//! quietly, a full disk is an error) and later writes dropped; stderr's cannot be reported.
//! Also the program's clock, for events that belong to no connection.

use std::io::{self, Write};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::error::StdoutClosed;

/// When the program started: the time of events that belong to no connection.
static START: OnceLock<Instant> = OnceLock::new();

/// Time since the program started (the first call starts the clock; main makes it early).
pub fn since_start() -> Duration {
    START.get_or_init(Instant::now).elapsed()
}

/// Writes and empties a buffer.
fn write_out(w: &mut impl Write, buf: &mut Vec<u8>) -> io::Result<()> {
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

static STDOUT_TROUBLE: OnceLock<StdoutTrouble> = OnceLock::new();

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
pub(super) fn write_stderr(buf: &mut Vec<u8>) {
    let _ = write_out(&mut io::stderr().lock(), buf);
}

/// An error for a connection whose output can no longer be written, if that is so.
pub fn stdout_error() -> Option<anyhow::Error> {
    match stdout_trouble()? {
        StdoutTrouble::Closed => Some(StdoutClosed.into()),
        StdoutTrouble::Failed(e) => Some(
            crate::error::Failure::new(
                crate::error::ExitCode::Runtime,
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
