//! Pipe mode: stdin becomes messages, received messages become stdout.
//!
//! stdin is read on its own thread in large chunks; lines (or NUL-separated records, or raw
//! chunks) are cut out of each chunk without copying and handed to the driver as one batch per
//! chunk over a bounded channel: reading starts before the handshake completes, so nothing
//! typed or piped early is lost, and a slow connection slows the reading instead of growing
//! a queue. stdout is written in large blocks, and flushed when no message is waiting (or per
//! message on a terminal).

use std::io::{self, Read};
use std::thread;

use anyhow::Context;
use bytes::{Bytes, BytesMut};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::config::OutputConfig;
use crate::error::Failure;
use crate::output::render;
use crate::output::{stdout_error, write_stdout};
use crate::session::driver::{Batch, Inbound};

/// How received binary messages are written to stdout (`--binary-output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    Raw,
    Hex,
    Base64,
}

/// How stdin is cut into messages.
#[derive(Debug, Clone, Copy)]
pub enum StdinMode {
    /// One message per `delim`-terminated record; text messages unless `binary`.
    Records { delim: u8, binary: bool },
    /// One binary message per read of at most `chunk` bytes.
    Chunks { chunk: usize },
}

const READ_SIZE: usize = 64 * 1024;

/// Starts the stdin thread. The channel closes at end of input; the returned receiver yields
/// the reason if input ended with an error (e.g. a line that is not UTF-8).
pub fn spawn_stdin(mode: StdinMode, tx: mpsc::Sender<Batch>) -> oneshot::Receiver<anyhow::Error> {
    let (err_tx, err_rx) = oneshot::channel();
    thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let res = match mode {
                StdinMode::Records { delim, binary } => read_records(delim, binary, &tx),
                StdinMode::Chunks { chunk } => read_chunks(chunk, &tx),
            };
            if let Err(e) = res {
                let _ = err_tx.send(e);
            }
        })
        .expect("spawning the stdin thread");
    err_rx
}

/// Reads into the spare capacity of `buf`, growing it by at least `want` bytes.
fn fill(input: &mut impl Read, buf: &mut BytesMut, want: usize) -> io::Result<usize> {
    let len = buf.len();
    buf.resize(len + want, 0);
    loop {
        match input.read(&mut buf[len..]) {
            Ok(n) => {
                buf.truncate(len + n);
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        }
    }
}

fn read_records(delim: u8, binary: bool, tx: &mpsc::Sender<Batch>) -> anyhow::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut buf = BytesMut::with_capacity(READ_SIZE);
    let mut line_no: u64 = 0;
    // Where to resume looking for a delimiter in `buf` (everything before has none).
    let mut scanned = 0;
    loop {
        let want = READ_SIZE.max(buf.capacity() - buf.len());
        let n = fill(&mut input, &mut buf, want).context("reading stdin")?;
        let mut batch = Vec::new();
        // A bad record ends the input, but the good ones before it (in the same read too)
        // are still sent, in order.
        let mut bad = None;
        if n == 0 {
            // End of input: a last record without its delimiter is still a message.
            if !buf.is_empty() {
                line_no += 1;
                match record(buf.split().freeze(), delim, binary, line_no) {
                    Ok(m) => batch.push(m),
                    Err(e) => bad = Some(e),
                }
            }
            if !batch.is_empty() {
                let _ = tx.blocking_send(batch);
            }
            return bad.map_or(Ok(()), Err);
        }
        while let Some(pos) = buf[scanned..].iter().position(|&b| b == delim) {
            let end = scanned + pos;
            let rec = buf.split_to(end + 1).freeze().slice(..end);
            scanned = 0;
            line_no += 1;
            match record(rec, delim, binary, line_no) {
                Ok(m) => batch.push(m),
                Err(e) => {
                    bad = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = bad {
            if !batch.is_empty() {
                let _ = tx.blocking_send(batch);
            }
            return Err(e);
        }
        scanned = buf.len();
        if !batch.is_empty() && tx.blocking_send(batch).is_err() {
            return Ok(()); // the connection is gone; the driver reports what was unsent
        }
    }
}

fn record(mut rec: Bytes, delim: u8, binary: bool, line_no: u64) -> anyhow::Result<Message> {
    if delim == b'\n' && rec.last() == Some(&b'\r') {
        rec.truncate(rec.len() - 1); // CRLF line endings
    }
    if binary {
        return Ok(Message::Binary(rec));
    }
    match Utf8Bytes::try_from(rec) {
        Ok(text) => Ok(Message::Text(text)),
        Err(_) => Err(Failure::new(
            crate::error::ExitCode::Runtime,
            format!("stdin record {line_no} is not valid UTF-8, so it cannot be a text message"),
        )
        .hint("use --binary to send stdin as binary messages")
        .into()),
    }
}

fn read_chunks(chunk: usize, tx: &mpsc::Sender<Batch>) -> anyhow::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut buf = BytesMut::with_capacity(chunk);
    loop {
        let n = fill(&mut input, &mut buf, chunk).context("reading stdin")?;
        if n == 0 {
            return Ok(());
        }
        let msg = Message::Binary(buf.split().freeze());
        if tx.blocking_send(vec![msg]).is_err() {
            return Ok(());
        }
    }
}

/// Writes received messages to stdout.
pub struct StdoutSink {
    /// `--json`: payloads are in the JSON message events, not written here.
    silent: bool,
    buf: Vec<u8>,
    tty: bool,
    binary: BinaryFormat,
    delim: u8,
}

/// Flush stdout once this much is buffered; larger messages are written straight through.
const STDOUT_BLOCK: usize = 64 * 1024;

impl StdoutSink {
    pub fn new(out: OutputConfig, binary: Option<BinaryFormat>, delim: u8) -> StdoutSink {
        let tty = out.stdout_tty;
        StdoutSink {
            silent: out.json,
            buf: Vec::with_capacity(STDOUT_BLOCK),
            tty,
            binary: binary.unwrap_or(if tty {
                BinaryFormat::Hex
            } else {
                BinaryFormat::Raw
            }),
            delim,
        }
    }

    fn push(&mut self, msg: &Message) {
        if self.silent {
            return;
        }
        match msg {
            Message::Text(t) => {
                if self.tty {
                    self.buf
                        .extend_from_slice(render::sanitize(t.as_str(), true).as_bytes());
                } else if t.len() >= STDOUT_BLOCK {
                    self.flush();
                    write_all_stdout(t.as_bytes());
                } else {
                    self.buf.extend_from_slice(t.as_bytes());
                }
                self.buf.push(self.delim);
            }
            Message::Binary(b) => match self.binary {
                BinaryFormat::Raw if b.len() >= STDOUT_BLOCK => {
                    self.flush();
                    write_all_stdout(b);
                }
                BinaryFormat::Raw => self.buf.extend_from_slice(b),
                BinaryFormat::Hex => render::hexdump(b, &mut self.buf),
                BinaryFormat::Base64 => {
                    use base64::Engine;
                    let enc = base64::engine::general_purpose::STANDARD.encode(b);
                    self.buf.extend_from_slice(enc.as_bytes());
                    self.buf.push(b'\n');
                }
            },
            _ => {}
        }
        if self.tty || self.buf.len() >= STDOUT_BLOCK {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        if !self.buf.is_empty() {
            write_stdout(&mut self.buf);
        }
    }
}

/// Writes a large message straight through (no copy into the block buffer).
fn write_all_stdout(data: &[u8]) {
    crate::output::write_stdout_bytes(data);
}

impl Inbound for StdoutSink {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        self.push(&msg);
        match stdout_error() {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.flush();
        match stdout_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
