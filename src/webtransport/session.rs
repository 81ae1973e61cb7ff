//! The session driver: runs one open WebTransport session until it is CLOSED, and reports
//! everything through its [`Conn`] — what `session::driver` is to a WebSocket.
//!
//! It is fed as the WebSocket driver is: a data channel of batches (stdin, the -x stages),
//! the control mailbox (close, finish, end of data), and an [`Inbound`] handler (stdout, the
//! scripted checks) that gets one message per unit received — a datagram, or a line of a
//! stream (a chunk with `--binary`). The mode above learns nothing of streams: the data goes
//! to the main bidirectional stream, or as datagrams with `--datagrams`.
//!
//! One task: stream readers, writers and the accept loops are tasks of their own
//! (`streams.rs`) that report on one channel, so events are emitted here alone, in order.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use wtransport::error::{ConnectionError, SendDatagramError, StreamOpeningError};
use wtransport::{Connection, VarInt};

use super::streams::{self, Incoming, Report, WriteCmd, WriteEnd};
use crate::error::ErrorKind;
use crate::session::driver::{Batch, Control, ControlRx, Inbound};
use crate::session::webtransport::{SessionCloseInfo, StreamKind};
use crate::session::{Conn, Dir, Side};

/// How the session is driven (decided in `config`).
#[derive(Debug, Clone)]
pub struct Opts {
    /// Data goes out as datagrams, not on the main stream.
    pub datagrams: bool,
    /// Received data is shown as bytes, and streams are not cut into lines.
    pub binary: bool,
    /// What ends a line on a stream (a newline, or NUL with `-0`).
    pub delim: u8,
    /// At the end of the data: close with code 0 and this reason, once the peer has
    /// finished the main stream (datagrams: once the replies are in), or nothing arrived for
    /// `reply_wait`. `None`: stay open (checks, `--no-close`, the REPL).
    pub close_on_eof: Option<String>,
    pub reply_wait: Duration,
    /// Open the main bidirectional stream at OPEN (the REPL opens streams itself).
    pub main_stream: bool,
}

/// What the interactive session asks for besides data.
#[derive(Debug)]
pub enum Ask {
    Datagram(Vec<u8>),
    /// Open a bidirectional stream, and write this on it.
    Bidi(Option<Vec<u8>>),
    /// Open a unidirectional stream, write this and finish it.
    Uni(Vec<u8>),
    Finish(u64),
    Reset(u64, u32),
    Close(u32, String),
    /// Told once every ask before it is done (`/state` and `/streams` answer after them).
    Barrier(tokio::sync::oneshot::Sender<()>),
}

/// How a session ended.
#[derive(Debug)]
pub struct Ending {
    pub close: SessionCloseInfo,
    /// A failure that ended the session (lost, timed out, a datagram too large).
    pub error: Option<anyhow::Error>,
    /// The failure was our side's (stdout could not be written).
    pub own_failure: bool,
}

/// One stream as the driver follows it.
struct Stream {
    send: Option<mpsc::Sender<WriteCmd>>,
    /// The receiving side is still open (it may still bring data).
    recv_open: bool,
    /// A line not yet ended.
    partial: Vec<u8>,
}

/// Where a received unit came from, for a handler's reply (echo) to go back the same way.
#[derive(Clone, Copy)]
enum From {
    Datagram,
    Stream(u64),
}

struct Driver<'a, H> {
    conn: &'a Conn,
    connection: &'a Connection,
    opts: &'a Opts,
    inbound: &'a mut H,
    report: Report,
    streams: BTreeMap<u64, Stream>,
    main: Option<u64>,
    /// Messages taken from the data channel, not yet handed to the main stream.
    pending: VecDeque<Message>,
    data_open: bool,
    /// Our side of the main stream: FIN asked for, FIN acknowledged.
    fin_asked: bool,
    fin_done: bool,
    /// Close with this code and reason once the data has gone out and our side of the main
    /// stream is finished (a script's checks are met, `/close`).
    finish_then_close: Option<(u32, String)>,
    /// The reply wait of `close_on_eof`, once the data is over.
    reply_deadline: Option<Instant>,
    ending: Option<Ending>,
}

/// Runs the session until it is CLOSED; emits its events on `conn`.
pub async fn drive<H: Inbound>(
    connection: &Connection,
    conn: &Conn,
    data: Option<&mut mpsc::Receiver<Batch>>,
    control: &mut ControlRx,
    asks: Option<&mut mpsc::UnboundedReceiver<Ask>>,
    inbound: &mut H,
    opts: &Opts,
) -> Ending {
    let (report, mut incoming) = mpsc::unbounded_channel();
    streams::accept(connection, &report);
    let mut d = Driver {
        conn,
        connection,
        opts,
        inbound,
        report,
        streams: BTreeMap::new(),
        main: None,
        pending: VecDeque::new(),
        data_open: data.is_some(),
        fin_asked: false,
        fin_done: false,
        finish_then_close: None,
        reply_deadline: None,
        ending: None,
    };
    if opts.main_stream && !opts.datagrams {
        if let Err(e) = d
            .open_stream(StreamKind::Bidi, None)
            .await
            .map(|id| d.main = id)
        {
            d.lost(e);
        }
    }
    d.inbound.opened();
    d.run(data, control, asks, &mut incoming).await;
    conn.sink().flush();
    let ending = d.ending.take().expect("the loop ends with an ending");
    conn.session_closed(&ending.close);
    ending
}

impl<H: Inbound> Driver<'_, H> {
    async fn run(
        &mut self,
        mut data: Option<&mut mpsc::Receiver<Batch>>,
        control: &mut ControlRx,
        mut asks: Option<&mut mpsc::UnboundedReceiver<Ask>>,
        incoming: &mut mpsc::UnboundedReceiver<Incoming>,
    ) {
        while self.ending.is_none() {
            let main_tx = self.main_send();
            if main_tx.is_none() && !self.pending.is_empty() {
                // The main stream was finished (/finish) or stopped by the peer.
                self.conn.error(
                    ErrorKind::Runtime,
                    "our side of the main stream is finished: nothing more can be sent on it \
                     (/bidi opens another)",
                );
                self.pending.clear();
            }
            let want_data = self.data_open && self.pending.is_empty();
            let deadline = self.reply_deadline;
            tokio::select! {
                biased;
                c = control.recv() => self.control(c),
                a = recv_ask(&mut asks), if self.pending.is_empty() => match a {
                    Some(a) => self.ask(a).await,
                    None => asks = None,
                },
                Some(i) = incoming.recv() => {
                    self.incoming(i);
                    while self.ending.is_none() {
                        match incoming.try_recv() {
                            Ok(i) => self.incoming(i),
                            Err(_) => break,
                        }
                    }
                    self.idle();
                }
                permit = reserve(&main_tx), if !self.pending.is_empty() && main_tx.is_some() => {
                    match permit {
                        Some(p) => self.send_one(p),
                        None => self.pending.clear(),
                    }
                }
                batch = recv_data(&mut data), if want_data => match batch {
                    Some(b) => self.take_batch(b),
                    None => {
                        self.data_open = false;
                        self.data_over();
                    }
                },
                () = sleep_until(deadline), if deadline.is_some() => {
                    self.reply_deadline = None;
                    let reason = self.opts.close_on_eof.clone().unwrap_or_default();
                    self.close(0, &reason);
                }
            }
            self.maybe_finish();
        }
    }

    fn main_send(&self) -> Option<mpsc::Sender<WriteCmd>> {
        self.main
            .and_then(|id| self.streams.get(&id))
            .and_then(|s| s.send.clone())
    }

    /// A batch from the data channel: datagrams go out at once, stream data waits for room
    /// on the main stream's queue.
    fn take_batch(&mut self, batch: Batch) {
        if self.opts.datagrams {
            for m in batch {
                if self.ending.is_some() {
                    return;
                }
                self.send_datagram(payload(&m, None));
            }
            self.conn.sink().flush();
        } else {
            self.pending.extend(batch);
        }
    }

    fn send_one(&mut self, permit: mpsc::OwnedPermit<WriteCmd>) {
        let Some(m) = self.pending.pop_front() else {
            return;
        };
        let bytes = payload(&m, Some(self.opts.delim));
        if let Some(id) = self.main {
            self.conn
                .stream_data(id, Dir::Out, &bytes, self.opts.binary);
        }
        permit.send(WriteCmd::Data(bytes));
        if self.pending.is_empty() {
            self.conn.sink().flush();
        }
    }

    fn send_datagram(&mut self, bytes: Vec<u8>) {
        match self.connection.send_datagram(&bytes) {
            Ok(()) => self.conn.datagram(Dir::Out, &bytes, self.opts.binary),
            Err(SendDatagramError::TooLarge) => {
                let max = self.connection.max_datagram_size().unwrap_or(0);
                let why = format!(
                    "a datagram of {} bytes is larger than the path allows now ({max} bytes)",
                    bytes.len()
                );
                self.conn.error(ErrorKind::TooLarge, &why);
                self.close(0, "");
                if let Some(e) = self.ending.as_mut() {
                    e.error = Some(
                        crate::error::Failure::new(crate::error::ExitCode::Runtime, why)
                            .hint("send smaller lines with --datagrams, or use a stream (without --datagrams)")
                            .into(),
                    );
                    e.own_failure = true;
                }
            }
            Err(SendDatagramError::UnsupportedByPeer) => {
                let why = "the server does not accept datagrams";
                self.conn.error(ErrorKind::Protocol, why);
                self.close(0, "");
                if let Some(e) = self.ending.as_mut() {
                    e.error = Some(anyhow::anyhow!("{why}"));
                }
            }
            // The session is going: the accept loops tell how.
            Err(SendDatagramError::NotConnected) => {}
        }
    }

    /// The data channel ended: finish the main stream once its queue is sent, or (datagrams)
    /// wait for the replies.
    fn data_over(&mut self) {
        if self.opts.close_on_eof.is_none() {
            return;
        }
        if self.opts.datagrams {
            self.reply_deadline = Some(Instant::now() + self.opts.reply_wait);
            self.replies_in();
        }
    }

    /// Sends our FIN on the main stream when everything before it went out and the input
    /// is over (or a script asked to finish).
    fn maybe_finish(&mut self) {
        if self.fin_asked || !self.pending.is_empty() || self.opts.datagrams {
            if self.opts.datagrams || self.fin_done {
                if let Some((code, reason)) = self.finish_then_close.take() {
                    self.close(code, &reason);
                }
            }
            return;
        }
        let over = (!self.data_open && self.opts.close_on_eof.is_some())
            || self.finish_then_close.is_some();
        if !over {
            return;
        }
        match self.main_send() {
            Some(tx) => {
                self.fin_asked = true;
                if tx.try_send(WriteCmd::Finish).is_err() {
                    // The queue is full: the writer takes it after the data.
                    tokio::spawn(async move {
                        let _ = tx.send(WriteCmd::Finish).await;
                    });
                }
            }
            None => {
                if let Some((code, reason)) = self.finish_then_close.take() {
                    self.close(code, &reason);
                }
            }
        }
    }

    /// With datagrams, the replies are in once as many came as went out.
    fn replies_in(&mut self) {
        let c = self.conn.wt_counters();
        if self.reply_deadline.is_some() && c.datagrams_in >= c.datagrams_out {
            self.reply_deadline = None;
            let reason = self.opts.close_on_eof.clone().unwrap_or_default();
            self.close(0, &reason);
        }
    }

    fn control(&mut self, c: Control) {
        match c {
            // WebSocket's close codes do not apply: a session closes with 0 and the reason.
            Control::Close(c) => self.close(0, &c.reason),
            Control::Finish(c) => self.finish_then_close = Some((0, c.reason)),
            Control::EndOfData => {
                self.data_open = false;
                self.data_over();
            }
            Control::Dead(why) => {
                self.conn.error(ErrorKind::Dead, &why);
                self.close(0, "");
            }
            // No heartbeat of WebSocket's, and no protocol holds data back on a session.
            Control::Ping(_) | Control::Pong(_) | Control::Release => {}
        }
    }

    async fn ask(&mut self, a: Ask) {
        match a {
            Ask::Datagram(b) => self.send_datagram(b),
            Ask::Bidi(first) => {
                if let Err(e) = self.open_stream(StreamKind::Bidi, first).await {
                    self.lost(e);
                }
            }
            Ask::Uni(b) => match self.open_stream(StreamKind::Uni, Some(b)).await {
                Ok(Some(id)) => self.finish(id),
                Ok(None) => {}
                Err(e) => self.lost(e),
            },
            Ask::Finish(id) => self.finish(id),
            Ask::Reset(id, code) => match self.streams.get_mut(&id).and_then(|s| s.send.take()) {
                Some(tx) => {
                    let _ = tx.try_send(WriteCmd::Reset(code));
                    self.conn.stream_reset(id, Dir::Out, code);
                }
                None => self.no_sending_side(id),
            },
            // What was typed before goes out first: the main stream is finished, then closed.
            Ask::Close(code, reason) => self.finish_then_close = Some((code, reason)),
            Ask::Barrier(done) => {
                let _ = done.send(());
            }
        }
        self.conn.sink().flush();
    }

    fn finish(&mut self, id: u64) {
        match self.streams.get_mut(&id).and_then(|s| s.send.clone()) {
            Some(tx) => {
                let _ = tx.try_send(WriteCmd::Finish);
            }
            None => self.no_sending_side(id),
        }
    }

    fn no_sending_side(&self, id: u64) {
        self.conn.error(
            ErrorKind::Runtime,
            &format!("no stream {id} with a sending side open here (/streams lists them)"),
        );
    }

    /// Opens a stream of ours; returns its id (`None` when the session is already over).
    async fn open_stream(
        &mut self,
        kind: StreamKind,
        first: Option<Vec<u8>>,
    ) -> Result<Option<u64>, ConnectionError> {
        let opened = match kind {
            StreamKind::Bidi => self.connection.open_bi().await?.await.map(|(send, recv)| {
                let id = send.id().into_u64();
                streams::read(id, recv, self.report.clone());
                (id, send)
            }),
            StreamKind::Uni => {
                (self.connection.open_uni().await?.await).map(|send| (send.id().into_u64(), send))
            }
        };
        let (id, send) = match opened {
            Ok(o) => o,
            Err(StreamOpeningError::Refused) => {
                self.conn
                    .error(ErrorKind::Protocol, "the peer refused a stream we opened");
                return Ok(None);
            }
            // The session is going: the accept loops tell how.
            Err(StreamOpeningError::NotConnected) => return Ok(None),
        };
        self.conn.stream_opened(id, kind, Side::Local);
        let tx = streams::write(id, send, self.report.clone());
        if let Some(bytes) = first {
            self.conn
                .stream_data(id, Dir::Out, &bytes, self.opts.binary);
            let _ = tx.try_send(WriteCmd::Data(bytes));
        }
        self.streams.insert(
            id,
            Stream {
                send: Some(tx),
                recv_open: kind == StreamKind::Bidi,
                partial: Vec::new(),
            },
        );
        Ok(Some(id))
    }

    fn incoming(&mut self, i: Incoming) {
        match i {
            Incoming::Opened { id, kind, send } => {
                self.conn.stream_opened(id, kind, Side::Remote);
                let send = send.map(|s| streams::write(id, s, self.report.clone()));
                self.streams.insert(
                    id,
                    Stream {
                        send,
                        recv_open: true,
                        partial: Vec::new(),
                    },
                );
            }
            Incoming::Data { id, bytes } => self.stream_bytes(id, bytes),
            Incoming::Fin { id } => {
                self.conn.stream_finished(id, Dir::In);
                self.recv_over(id);
            }
            Incoming::Reset { id, code } => {
                self.conn.stream_reset(id, Dir::In, code);
                self.recv_over(id);
            }
            Incoming::Datagram(bytes) => {
                if self.reply_deadline.is_some() {
                    self.reply_deadline = Some(Instant::now() + self.opts.reply_wait);
                }
                self.conn.datagram(Dir::In, &bytes, self.opts.binary);
                self.deliver(From::Datagram, unit(bytes, self.opts.binary));
                self.replies_in();
            }
            Incoming::Written { id, end } => self.written(id, end),
            Incoming::Ended(e) => self.ended(e),
        }
    }

    fn stream_bytes(&mut self, id: u64, bytes: Vec<u8>) {
        self.conn.stream_data(id, Dir::In, &bytes, self.opts.binary);
        if self.reply_deadline.is_some() {
            self.reply_deadline = Some(Instant::now() + self.opts.reply_wait);
        }
        if self.opts.binary {
            return self.deliver(From::Stream(id), Message::Binary(bytes.into()));
        }
        let delim = self.opts.delim;
        let lines = {
            let Some(s) = self.streams.get_mut(&id) else {
                return;
            };
            s.partial.extend_from_slice(&bytes);
            let mut lines = Vec::new();
            while let Some(at) = s.partial.iter().position(|b| *b == delim) {
                let mut line: Vec<u8> = s.partial.drain(..=at).collect();
                line.pop();
                lines.push(line);
            }
            lines
        };
        for line in lines {
            self.deliver(From::Stream(id), unit(line, false));
        }
    }

    /// A receiving side is over: its last line (without an ending) is delivered; the main
    /// stream's end may end the session.
    fn recv_over(&mut self, id: u64) {
        let rest = self.streams.get_mut(&id).map(|s| {
            s.recv_open = false;
            std::mem::take(&mut s.partial)
        });
        if let Some(rest) = rest.filter(|r| !r.is_empty()) {
            self.deliver(From::Stream(id), unit(rest, self.opts.binary));
        }
        self.forget_if_done(id);
        if Some(id) == self.main && self.fin_done && self.opts.close_on_eof.is_some() {
            let reason = self.opts.close_on_eof.clone().unwrap_or_default();
            self.close(0, &reason);
        }
    }

    fn written(&mut self, id: u64, end: WriteEnd) {
        if let Some(s) = self.streams.get_mut(&id) {
            s.send = None;
        }
        match end {
            WriteEnd::Finished => self.conn.stream_finished(id, Dir::Out),
            WriteEnd::Stopped(code) => self.conn.stream_reset(id, Dir::In, code),
            // Shown when it was asked for.
            WriteEnd::Reset | WriteEnd::Lost => {}
        }
        self.forget_if_done(id);
        if Some(id) != self.main {
            return;
        }
        self.fin_done = true;
        if let Some((code, reason)) = self.finish_then_close.take() {
            return self.close(code, &reason);
        }
        if self.opts.close_on_eof.is_some() {
            let peer_done = self.streams.get(&id).is_none_or(|s| !s.recv_open);
            if peer_done {
                let reason = self.opts.close_on_eof.clone().unwrap_or_default();
                return self.close(0, &reason);
            }
            self.reply_deadline = Some(Instant::now() + self.opts.reply_wait);
        }
    }

    fn forget_if_done(&mut self, id: u64) {
        if self
            .streams
            .get(&id)
            .is_some_and(|s| s.send.is_none() && !s.recv_open)
        {
            self.streams.remove(&id);
            self.conn.stream_gone(id);
        }
    }

    /// Hands a unit to the handler; its reply goes back the way the unit came.
    fn deliver(&mut self, from: From, msg: Message) {
        if self.ending.is_some() {
            return;
        }
        match self.inbound.message(msg) {
            Ok(None) => {}
            Ok(Some(reply)) => match from {
                From::Datagram => self.send_datagram(payload(&reply, None)),
                From::Stream(id) => {
                    let bytes = payload(&reply, Some(self.opts.delim));
                    if let Some(tx) = self.streams.get(&id).and_then(|s| s.send.clone()) {
                        self.conn
                            .stream_data(id, Dir::Out, &bytes, self.opts.binary);
                        let _ = tx.try_send(WriteCmd::Data(bytes));
                    }
                }
            },
            Err(e) => self.own_failure(e),
        }
    }

    fn idle(&mut self) {
        if let Err(e) = self.inbound.idle() {
            self.own_failure(e);
        }
        self.conn.sink().flush();
    }

    /// Our side failed (stdout gone): close, and report it.
    fn own_failure(&mut self, e: anyhow::Error) {
        if self.ending.is_none() {
            self.close(0, "");
        }
        if let Some(end) = self.ending.as_mut() {
            if end.error.is_none() {
                end.error = Some(e);
                end.own_failure = true;
            }
        }
    }

    /// Closes the session from our side (clean).
    fn close(&mut self, code: u32, reason: &str) {
        if self.ending.is_some() {
            return;
        }
        self.conn.session_closing(Side::Local, code, reason);
        self.connection
            .close(VarInt::from_u32(code), reason.as_bytes());
        self.ending = Some(Ending {
            close: SessionCloseInfo {
                code,
                reason: reason.to_owned(),
                was_clean: true,
                initiator: Some(Side::Local),
            },
            error: None,
            own_failure: false,
        });
    }

    /// The connection failed while opening a stream of ours.
    fn lost(&mut self, e: ConnectionError) {
        self.ended(e);
    }

    /// The session is over, from the peer's side or lost.
    fn ended(&mut self, e: ConnectionError) {
        if self.ending.is_some() {
            return;
        }
        let (close, error) = super::ending::of(&e);
        if close.was_clean {
            self.conn
                .session_closing(Side::Remote, close.code, &close.reason);
        } else if let Some(err) = &error {
            self.conn.error(ErrorKind::Io, &err.to_string());
        }
        self.ending = Some(Ending {
            close,
            error,
            own_failure: false,
        });
    }
}

/// What a message is on the wire: text with its line ending on a stream, as it is in a
/// datagram; bytes as they are.
fn payload(m: &Message, delim: Option<u8>) -> Vec<u8> {
    match m {
        Message::Text(t) => {
            let mut v = t.as_bytes().to_vec();
            v.extend(delim);
            v
        }
        Message::Binary(b) => b.to_vec(),
        _ => Vec::new(),
    }
}

/// A received unit as the handler takes it: text when it is UTF-8 (and not `--binary`).
fn unit(bytes: Vec<u8>, binary: bool) -> Message {
    if binary {
        return Message::Binary(bytes.into());
    }
    match String::from_utf8(bytes) {
        Ok(t) => Message::text(t),
        Err(e) => Message::Binary(e.into_bytes().into()),
    }
}

async fn reserve(tx: &Option<mpsc::Sender<WriteCmd>>) -> Option<mpsc::OwnedPermit<WriteCmd>> {
    match tx {
        Some(tx) => tx.clone().reserve_owned().await.ok(),
        None => std::future::pending().await,
    }
}

async fn recv_data(data: &mut Option<&mut mpsc::Receiver<Batch>>) -> Option<Batch> {
    match data {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn recv_ask(asks: &mut Option<&mut mpsc::UnboundedReceiver<Ask>>) -> Option<Ask> {
    match asks {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_goes_on_a_stream_with_its_line_ending_and_alone_in_a_datagram() {
        let m = Message::text("hi");
        assert_eq!(payload(&m, Some(b'\n')), b"hi\n");
        assert_eq!(payload(&m, None), b"hi");
        assert_eq!(
            payload(&Message::Binary(vec![0, 1].into()), Some(b'\n')),
            [0, 1]
        );
    }

    #[test]
    fn a_unit_is_text_unless_binary_or_not_utf8() {
        assert!(matches!(unit(b"a".to_vec(), false), Message::Text(_)));
        assert!(matches!(unit(b"a".to_vec(), true), Message::Binary(_)));
        assert!(matches!(unit(vec![0xff], false), Message::Binary(_)));
    }
}
