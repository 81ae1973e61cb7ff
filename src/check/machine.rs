//! The prober's side of one case, without I/O: Autobahn's fuzzing client as a state machine.
//!
//! It plays the case's steps, takes the server's bytes, and keeps what Autobahn's verdicts
//! are made of: the events received, who started the close, whether it was clean, who dropped
//! the TCP connection, the server's close code. It judges the server's frames as Autobahn's
//! client does (with `failByDrop` off: a violation is answered with a close frame, 1002 or
//! 1007, and reading goes on; a second one while closing drops the connection), answers pings
//! while open, replies to the server's close with 1000, and has Autobahn's timers: 1 s for
//! the close handshake and 1 s for the server to drop TCP after it. What it wants written or
//! done to the socket is queued as `Cmd`s for the driver (`probe.rs`).

use std::time::{Duration, Instant};

use super::case::{Case, Ev, OnMessage, Step};
use super::echo::{Echo, Inflating};
use super::frame::{self, Out, Piece, Reader};
use super::utf8::Utf8;
use crate::value::deflate::Negotiated;
use crate::wire::deflate::codec::Inflater;

/// Autobahn's `closeHandshakeTimeout` and `serverConnectionDropTimeout`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(1);

/// How many lines of a case's wire log are kept.
const WIRE_LOG: usize = 400;

/// The most a compressed message may inflate to (Autobahn sets no limit; this one only keeps
/// a bomb from taking the machine's memory).
const INFLATE_LIMIT: usize = 256 << 20;

/// The close codes a close frame may carry (RFC 6455 7.4.1 and 3000–4999).
const ALLOWED: [u16; 9] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Open,
    Closing,
    Closed,
}

/// What the driver is asked to do with the socket.
#[derive(Debug, PartialEq, Eq)]
pub enum Cmd {
    /// Write these bytes, `chop` bytes per write (each flushed) when given; `alone`: in a
    /// write of their own (Autobahn's `sync`), not joined to the writes around them.
    Write {
        bytes: Vec<u8>,
        chop: Option<usize>,
        alone: bool,
    },
    /// Close the connection: at once (`abort`), or after what is queued was written.
    Drop { abort: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Kill,
    CloseAfter,
    /// Resume the script at this step.
    Resume(usize),
    CloseHandshake,
    ServerDrop,
}

/// One line of the wire log: a frame either way, or a happening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire {
    Sent {
        opcode: u8,
        fin: bool,
        rsv: u8,
        len: usize,
    },
    Received {
        opcode: u8,
        fin: bool,
        rsv: u8,
        len: u64,
    },
    Violation(String),
}

/// Autobahn's client protocol for one case.
#[derive(Debug)]
pub struct Machine<'c> {
    case: &'c Case,
    pub state: State,
    pub received: Vec<Ev>,
    pub closed_by_me: bool,
    pub failed_by_me: bool,
    pub dropped_by_me: bool,
    pub was_clean: bool,
    pub remote_close_code: Option<u16>,
    pub remote_close_reason: Option<Vec<u8>>,
    /// Frames sent, by opcode.
    pub tx_frames: [u64; 16],
    /// What the 9.x cases' own message handler decided (OK when the echo was right).
    pub handler_ok: bool,
    /// The wire log, its first `WIRE_LOG` lines (Autobahn keeps none for the 9.x cases).
    pub wire: Vec<Wire>,
    /// Lines left out of the wire log.
    pub wire_left_out: usize,
    /// What the prober objected to in the server's frames, in order.
    pub objections: Vec<String>,
    pub cmds: Vec<Cmd>,
    timers: Vec<(Instant, Timer)>,
    reader: Reader,
    current: Option<frame::Head>,
    control: Vec<u8>,
    inside_message: bool,
    message: Vec<u8>,
    message_binary: bool,
    utf8: Option<Utf8>,
    round_trips: u32,
    /// The frame being written in pieces (6.4.3/6.4.4): its mask key and bytes written.
    pending: Option<([u8; 4], usize)>,
    /// permessage-deflate was negotiated: the server's messages with RSV1 are inflated.
    inflater: Option<Inflating>,
    /// The message being received is compressed.
    compressed: bool,
    /// A compression case's round trips (when the server accepted an offer).
    echo: Option<Echo>,
    /// A compression case whose offers the server declined (Autobahn's UNIMPLEMENTED).
    pub unimplemented: bool,
}

impl<'c> Machine<'c> {
    pub fn new(case: &'c Case) -> Machine<'c> {
        Machine {
            case,
            state: State::Open,
            received: Vec::new(),
            closed_by_me: false,
            failed_by_me: false,
            dropped_by_me: false,
            was_clean: false,
            remote_close_code: None,
            remote_close_reason: None,
            tx_frames: [0; 16],
            handler_ok: false,
            wire: Vec::new(),
            wire_left_out: 0,
            objections: Vec::new(),
            cmds: Vec::new(),
            timers: Vec::new(),
            reader: Reader::default(),
            current: None,
            control: Vec::new(),
            inside_message: false,
            message: Vec::new(),
            message_binary: false,
            utf8: None,
            round_trips: 0,
            pending: None,
            inflater: None,
            compressed: false,
            echo: None,
            unimplemented: false,
        }
    }

    /// What the opening handshake negotiated (before `start`).
    pub fn negotiated(&mut self, n: Negotiated) {
        self.inflater = Some(Inflating(Inflater::new(n.server_no_context_takeover)));
        if let OnMessage::Echoes {
            corpus,
            len,
            count,
            fragment,
        } = self.case.on_message
        {
            self.echo = Some(Echo::new(corpus, len, count, fragment, &n));
        }
    }

    fn log(&mut self, line: Wire) {
        if self.wire.len() < WIRE_LOG {
            self.wire.push(line);
        } else {
            self.wire_left_out += 1;
        }
    }

    /// The connection is open: the case starts.
    pub fn start(&mut self, now: Instant) {
        match self.case.on_message {
            OnMessage::RoundTrips { .. } => self.send_round_trip(),
            OnMessage::Echoes { .. } if self.echo.is_none() => {
                // Autobahn's compression cases close at once when nothing was negotiated.
                self.unimplemented = true;
                self.send_close(Some(1000), None);
                return;
            }
            OnMessage::Echoes { .. } => {
                self.run_steps(0, now);
                self.send_echo();
                return;
            }
            _ => {}
        }
        self.run_steps(0, now);
    }

    /// When the next timer fires.
    pub fn deadline(&self) -> Option<Instant> {
        self.timers.iter().map(|(at, _)| *at).min()
    }

    /// Fires every timer due by `now`, in order.
    pub fn fire(&mut self, now: Instant) {
        while let Some(i) = self
            .timers
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at <= now)
            .min_by_key(|(_, (at, _))| *at)
            .map(|(i, _)| i)
        {
            let (_, timer) = self.timers.remove(i);
            if self.state == State::Closed {
                continue;
            }
            match timer {
                Timer::Kill => self.fail(1001, b"Going Away"),
                Timer::CloseAfter => self.send_close(None, None),
                Timer::Resume(at) => self.resume(at, now),
                Timer::CloseHandshake | Timer::ServerDrop => {
                    self.was_clean = false;
                    self.drop_connection(true);
                }
            }
        }
    }

    fn resume(&mut self, at: usize, now: Instant) {
        if let Some(Step::Later {
            mark: Some(tag), ..
        }) = self.case.steps.get(at - 1)
        {
            if self.state != State::Open {
                return;
            }
            self.received.push(Ev::Timeout(tag));
        }
        self.run_steps(at, now);
    }

    fn run_steps(&mut self, from: usize, now: Instant) {
        for (i, step) in self.case.steps.iter().enumerate().skip(from) {
            match step {
                Step::Frame {
                    frame,
                    chop,
                    sync,
                    repeat_to: None,
                } => self.send_frame_as(frame, *chop, *sync),
                Step::Frame {
                    frame,
                    chop,
                    sync,
                    repeat_to: Some(len),
                } => {
                    let whole = Out {
                        payload: frame::repeat_to(&frame.payload, *len),
                        ..frame.clone()
                    };
                    self.send_frame_as(&whole, *chop, *sync);
                }
                Step::Message {
                    payload,
                    binary,
                    fragment,
                    repeat_to,
                } => {
                    let whole = repeat_to.map(|len| frame::repeat_to(payload, len));
                    self.send_message(whole.as_deref().unwrap_or(payload), *binary, *fragment);
                }
                Step::Close { code, reason } => self.send_close(*code, reason.as_deref()),
                Step::FrameBegin { opcode, fin, len } => {
                    if self.state == State::Open {
                        self.begin_frame(*opcode, *fin, *len);
                    }
                }
                Step::FrameData(data) => {
                    if self.state == State::Open {
                        self.frame_data(data);
                    }
                }
                Step::EndMessage => {
                    if self.state == State::Open {
                        self.send_frame(&Out::new(0, Vec::new()), None);
                    }
                }
                Step::Later { wait, .. } => {
                    self.timers.push((now + *wait, Timer::Resume(i + 1)));
                    return;
                }
                Step::KillAfter(d) => self.timers.push((now + *d, Timer::Kill)),
                Step::CloseAfter(d) => self.timers.push((now + *d, Timer::CloseAfter)),
            }
        }
    }

    /// Autobahn's `beginMessageFrame`: a frame header whose payload comes later.
    fn begin_frame(&mut self, opcode: u8, fin: bool, len: usize) {
        let key: [u8; 4] = rand::random();
        self.pending = Some((key, 0));
        self.tx_frames[usize::from(opcode & 15)] += 1;
        self.log(Wire::Sent {
            opcode,
            fin,
            rsv: 0,
            len,
        });
        self.write(frame::header(opcode, fin, 0, len, key), None, false);
    }

    fn frame_data(&mut self, data: &[u8]) {
        let Some((key, at)) = self.pending else {
            return;
        };
        let mut bytes = data.to_vec();
        frame::mask(&mut bytes, key, at);
        self.pending = Some((key, at + data.len()));
        self.write(bytes, None, false);
    }

    fn send_frame(&mut self, f: &Out, chop: Option<usize>) {
        self.send_frame_as(f, chop, false);
    }

    /// Queues bytes to write. Writes that need no write of their own are joined, as Twisted's
    /// transport joins them: a message in 65536 frames is not 65536 system calls.
    fn write(&mut self, bytes: Vec<u8>, chop: Option<usize>, alone: bool) {
        if chop.is_none() && !alone {
            if let Some(Cmd::Write {
                bytes: last,
                chop: None,
                alone: false,
            }) = self.cmds.last_mut()
            {
                last.extend_from_slice(&bytes);
                return;
            }
        }
        self.cmds.push(Cmd::Write { bytes, chop, alone });
    }

    /// Autobahn's `sendFrame`: any frame, in any state but closed.
    fn send_frame_as(&mut self, f: &Out, chop: Option<usize>, alone: bool) {
        if self.state == State::Closed {
            return;
        }
        self.tx_frames[usize::from(f.opcode & 15)] += 1;
        self.log(Wire::Sent {
            opcode: f.opcode,
            fin: f.fin,
            rsv: f.rsv,
            len: f.payload.len(),
        });
        self.write(frame::encode(f), chop, alone);
    }

    /// Autobahn's `sendMessage`: nothing unless open; fragments of `size` bytes, the last
    /// one empty when the size divides the payload.
    fn send_message(&mut self, payload: &[u8], binary: bool, fragment: Option<usize>) {
        if self.state != State::Open {
            return;
        }
        let opcode = if binary { 2 } else { 1 };
        match fragment {
            Some(size) if payload.len() > size => {
                let mut at = 0;
                let mut first = true;
                loop {
                    let end = at + size;
                    let done = end > payload.len();
                    let end = end.min(payload.len());
                    let f = Out {
                        opcode: if first { opcode } else { 0 },
                        fin: done,
                        rsv: 0,
                        payload: payload[at..end].to_vec(),
                    };
                    self.send_frame(&f, None);
                    first = false;
                    at += size;
                    if done {
                        break;
                    }
                }
            }
            _ => self.send_frame(&Out::new(opcode, payload.to_vec()), None),
        }
    }

    /// Autobahn's `sendCloseFrame`: only while open; starts the close handshake's timer when
    /// the prober is the one closing.
    fn send_close_frame(&mut self, code: Option<u16>, reason: Option<&[u8]>, reply: bool) {
        if self.state != State::Open {
            return;
        }
        let mut payload = Vec::new();
        if let Some(c) = code {
            payload.extend_from_slice(&c.to_be_bytes());
        }
        if let Some(r) = reason {
            payload.extend_from_slice(r);
        }
        self.send_frame(&Out::new(8, payload), None);
        self.state = State::Closing;
        self.closed_by_me = !reply;
        if self.closed_by_me {
            self.timers
                .push((Instant::now() + HANDSHAKE_TIMEOUT, Timer::CloseHandshake));
        }
    }

    fn send_close(&mut self, code: Option<u16>, reason: Option<&[u8]>) {
        self.send_close_frame(code, reason, false);
    }

    fn fail(&mut self, code: u16, reason: &[u8]) {
        if self.state == State::Closed {
            return;
        }
        self.failed_by_me = true;
        if self.state == State::Closing {
            self.drop_connection(false);
        } else {
            let reason = &reason[..reason.len().min(123)];
            self.send_close_frame(Some(code), Some(reason), false);
        }
    }

    fn violation(&mut self, why: &str) {
        self.objections.push(why.to_owned());
        self.log(Wire::Violation(why.to_owned()));
        self.fail(1002, why.as_bytes());
    }

    fn invalid_payload(&mut self, why: &str) {
        self.objections.push(why.to_owned());
        self.log(Wire::Violation(why.to_owned()));
        self.fail(1007, why.as_bytes());
    }

    pub fn drop_connection(&mut self, abort: bool) {
        if self.state == State::Closed {
            return;
        }
        self.dropped_by_me = true;
        self.state = State::Closed;
        self.cmds.push(Cmd::Drop { abort });
    }

    /// The server closed the TCP connection (or it broke).
    pub fn lost(&mut self) {
        self.state = State::Closed;
    }

    /// Bytes from the server.
    pub fn on_bytes(&mut self, bytes: &[u8], now: Instant) {
        if self.state == State::Closed {
            return;
        }
        self.reader.feed(bytes);
        while self.state != State::Closed {
            match self.reader.next() {
                None => break,
                Some(Piece::Begin(head)) => self.frame_begins(head),
                Some(Piece::Data(data)) => self.frame_data_in(&data),
                Some(Piece::End) => self.frame_ends(now),
            }
        }
    }

    /// Autobahn's checks of a server frame's header, each answered on its own.
    fn frame_begins(&mut self, head: frame::Head) {
        self.log(Wire::Received {
            opcode: head.opcode,
            fin: head.fin,
            rsv: head.rsv,
            len: head.len,
        });
        let compressed = self.inflater.is_some() && head.rsv == 4;
        if head.rsv != 0 && !compressed {
            self.violation(&format!("RSV = {} and no extension negotiated", head.rsv));
        }
        if compressed && (head.is_control() || self.inside_message) {
            self.violation(if head.is_control() {
                "received compressed control frame"
            } else {
                "received continuation data frame with compress bit set"
            });
        }
        if head.masked {
            self.violation("masked server-to-client frame");
        }
        if head.is_control() {
            if !head.fin {
                self.violation("fragmented control frame");
            }
            if head.len7 > 125 {
                self.violation("control frame with payload length > 125 octets");
            }
            if !matches!(head.opcode, 8..=10) {
                self.violation(&format!(
                    "control frame using reserved opcode {}",
                    head.opcode
                ));
            }
            if head.opcode == 8 && head.len7 == 1 {
                self.violation("close frame with payload length 1");
            }
        } else {
            if head.opcode > 2 {
                self.violation(&format!("data frame using reserved opcode {}", head.opcode));
            }
            if !self.inside_message && head.opcode == 0 {
                self.violation("continuation frame outside a fragmented message");
            }
            if self.inside_message && head.opcode != 0 {
                self.violation("new data frame inside a fragmented message");
            }
        }
        if (head.len7 == 126 && head.len < 126) || (head.len7 == 127 && head.len < 65536) {
            self.violation("frame length not in its shortest form");
        }
        if head.is_control() {
            self.control.clear();
        } else if !self.inside_message {
            self.inside_message = true;
            self.message.clear();
            self.message_binary = head.opcode == 2;
            self.utf8 = (head.opcode == 1).then(Utf8::default);
            self.compressed = compressed;
        }
        self.current = Some(head);
    }

    fn frame_data_in(&mut self, data: &[u8]) {
        let Some(head) = self.current else { return };
        if head.is_control() {
            self.control.extend_from_slice(data);
            return;
        }
        if self.compressed {
            if let Some(plain) = self.inflate(data, false) {
                self.message_data(&plain);
            }
        } else {
            self.message_data(data);
        }
    }

    /// Inflates a piece of a compressed message (`end`: its left-off tail). A stream zlib
    /// cannot read makes Autobahn's client throw, and Twisted then drops the connection.
    fn inflate(&mut self, data: &[u8], end: bool) -> Option<Vec<u8>> {
        let inflater = &mut self.inflater.as_mut()?.0;
        let mut out = Vec::new();
        let r = if end {
            inflater.end(&mut out, INFLATE_LIMIT)
        } else {
            inflater.piece(data, &mut out, INFLATE_LIMIT)
        };
        if let Err(e) = r {
            let why = format!("the compressed message cannot be inflated: {e:?}");
            self.objections.push(why.clone());
            self.log(Wire::Violation(why));
            self.state = State::Closed;
            self.cmds.push(Cmd::Drop { abort: true });
            return None;
        }
        Some(out)
    }

    fn message_data(&mut self, data: &[u8]) {
        if let Some(v) = &mut self.utf8 {
            if !v.feed(data) {
                self.invalid_payload("invalid UTF-8 in a text message");
            }
        }
        if !self.failed_by_me {
            self.message.extend_from_slice(data);
        }
    }

    fn frame_ends(&mut self, now: Instant) {
        let Some(head) = self.current.take() else {
            return;
        };
        if head.is_control() {
            let payload = std::mem::take(&mut self.control);
            self.control_frame(head.opcode, payload, now);
            return;
        }
        if !head.fin {
            return;
        }
        if self.compressed {
            self.compressed = false;
            match self.inflate(&[], true) {
                Some(tail) => self.message_data(&tail),
                None => return,
            }
        }
        if let Some(v) = &self.utf8 {
            if !v.complete() {
                self.invalid_payload("a text message ends inside a UTF-8 code point");
            }
        }
        self.inside_message = false;
        if !self.failed_by_me {
            let payload = std::mem::take(&mut self.message);
            self.on_message(payload, self.message_binary, now);
        }
    }

    fn control_frame(&mut self, opcode: u8, payload: Vec<u8>, now: Instant) {
        match opcode {
            8 => self.close_frame(payload, now),
            9 if self.state == State::Open => self.send_frame(&Out::new(10, payload), None),
            10 => {
                self.received.push(Ev::Pong(payload));
                self.finish_when_done();
            }
            _ => {}
        }
    }

    /// Autobahn's `onCloseFrame`.
    fn close_frame(&mut self, payload: Vec<u8>, now: Instant) {
        let code = (payload.len() > 1).then(|| u16::from_be_bytes([payload[0], payload[1]]));
        self.remote_close_code = code;
        if let Some(c) = code {
            if c < 1000 || ((1000..=2999).contains(&c) && !ALLOWED.contains(&c)) || c >= 5000 {
                self.violation(&format!("invalid close code {c}"));
            }
        }
        if payload.len() > 2 {
            let reason = payload[2..].to_vec();
            if std::str::from_utf8(&reason).is_err() {
                self.invalid_payload("invalid close reason (not UTF-8)");
                // Autobahn's client then throws decoding the reason, and Twisted drops the
                // connection without a word.
                self.state = State::Closed;
                self.cmds.push(Cmd::Drop { abort: true });
                return;
            }
            self.remote_close_reason = Some(reason);
        }
        match self.state {
            State::Closing => {
                self.timers.retain(|(_, t)| *t != Timer::CloseHandshake);
                self.was_clean = true;
                self.timers
                    .push((now + HANDSHAKE_TIMEOUT, Timer::ServerDrop));
            }
            State::Open => {
                self.was_clean = true;
                self.send_close_frame(Some(1000), None, true);
            }
            State::Closed => self.was_clean = false,
        }
    }

    fn on_message(&mut self, payload: Vec<u8>, binary: bool, _now: Instant) {
        match self.case.on_message {
            OnMessage::Record => {
                self.received.push(Ev::Message { payload, binary });
                self.finish_when_done();
            }
            OnMessage::Size { len, binary: want } => {
                self.handler_ok = binary == want && payload.len() == len;
                self.send_close(Some(1000), None);
            }
            OnMessage::Echoes { .. } => {
                let Some(echo) = &self.echo else { return };
                if !echo.matches(&payload, binary) {
                    self.objections
                        .push("an echo differs from the message sent (type or bytes)".into());
                    self.handler_ok = false;
                    self.send_close(Some(1000), None);
                } else if !echo.done() {
                    self.send_echo();
                } else {
                    self.handler_ok = true;
                    self.send_close(Some(1000), None);
                }
            }
            OnMessage::RoundTrips {
                len,
                count,
                binary: want,
            } => {
                if binary != want || payload.len() != len {
                    self.handler_ok = false;
                    self.send_close(Some(1000), None);
                } else if self.round_trips < count {
                    self.send_round_trip();
                } else {
                    self.handler_ok = true;
                    self.send_close(Some(1000), None);
                }
            }
        }
    }

    fn send_round_trip(&mut self) {
        if let OnMessage::RoundTrips { len, binary, .. } = self.case.on_message {
            let (opcode, fill) = if binary { (2, 0xfe) } else { (1, b'*') };
            self.send_frame(&Out::new(opcode, vec![fill; len]), None);
            self.round_trips += 1;
        }
    }

    /// A compression case's next message (nothing unless open, as Autobahn's `sendMessage`).
    fn send_echo(&mut self) {
        if self.state != State::Open {
            return;
        }
        let frames = self.echo.as_mut().map(Echo::next).unwrap_or_default();
        for f in &frames {
            self.send_frame(f, None);
        }
    }

    /// Autobahn's `finishWhenDone`: once the events equal every expected list, close.
    fn finish_when_done(&mut self) {
        if self
            .case
            .expected
            .iter()
            .any(|(_, events)| *events != self.received)
        {
            return;
        }
        if self.case.close.closed_by_me && !self.case.suppress_close {
            let code = self.case.close.codes.first().copied();
            self.send_close(code, None);
        }
    }
}
