//! Fail-fast UTF-8 checking of text messages while their bytes arrive.
//!
//! tungstenite validates a text frame only once the whole frame has been read, so a peer that
//! sends invalid UTF-8 at the start of a large (or slowly sent) frame is answered late. RFC 6455
//! §8.1 asks to fail the connection as soon as invalid UTF-8 is seen, and the Autobahn suite
//! checks it (cases 6.4.3 and 6.4.4). [`FailFast`] sits between the socket and tungstenite:
//! it follows the frame boundaries in the bytes it reads (after the HTTP handshake, found by
//! its blank line), unmasks text payloads into a scratch buffer, and validates them
//! incrementally. On invalid UTF-8 its read fails with [`InvalidUtf8`], which the driver turns
//! into a 1007 close. Everything else — protocol errors included — is left to tungstenite; the
//! tracker never rejects what it does not understand.
//!
//! The same frame boundaries let a server connection hold frames back from tungstenite (see
//! [`gate`](crate::wire::gate)); only the connections that need it carry a gate.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::wire::gate::{Gate, Hold};

/// The error a read returns once invalid UTF-8 was seen in a text message.
#[derive(Debug)]
pub struct InvalidUtf8;

impl std::fmt::Display for InvalidUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a text message is not valid UTF-8")
    }
}

impl std::error::Error for InvalidUtf8 {}

/// Whether an I/O error is the fail-fast UTF-8 verdict.
pub fn is_invalid_utf8(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<InvalidUtf8>())
}

#[derive(Debug)]
enum Phase {
    /// Inside the HTTP handshake: `matched` bytes of "\r\n\r\n" seen.
    Http { matched: usize },
    /// Collecting a frame header (at most 14 bytes).
    Header { buf: [u8; 14], len: usize },
    /// Inside a payload.
    Payload {
        remaining: u64,
        mask: Option<[u8; 4]>,
        offset: usize,
        /// Whether these bytes belong to a text message.
        text: bool,
        /// Whether the frame ends its message (FIN on a data frame).
        ends_message: bool,
    },
    /// Gave up tracking (something tungstenite will reject anyway) or already failed.
    Off,
}

/// What following some bytes found.
#[derive(Debug, PartialEq, Eq)]
enum Fed {
    Ok,
    /// A frame to hold starts at this offset; the bytes from there on were not followed.
    Cut(usize),
    /// Invalid UTF-8 in a text message. The bytes before this offset end before the frame
    /// that holds it, so the complete frames before it can still be delivered (they may share
    /// a read with the bad one, or with the handshake's 101).
    Invalid(usize),
}

/// A frame header's fields.
#[derive(Debug)]
pub struct Header {
    /// The header's own length in bytes.
    pub len: usize,
    pub payload: u64,
    pub mask: Option<[u8; 4]>,
}

/// Parses a frame header at the start of `buf`, or `None` while it is incomplete.
pub fn parse_header(buf: &[u8]) -> Option<Header> {
    if buf.len() < 2 {
        return None;
    }
    let masked = buf[1] & 0x80 != 0;
    let (ext, len7) = match buf[1] & 0x7f {
        126 => (2, None),
        127 => (8, None),
        n => (0, Some(u64::from(n))),
    };
    let len = 2 + ext + if masked { 4 } else { 0 };
    if buf.len() < len {
        return None;
    }
    let payload = len7.unwrap_or_else(|| {
        buf[2..2 + ext]
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    });
    let mask = masked.then(|| {
        let m = &buf[2 + ext..6 + ext];
        [m[0], m[1], m[2], m[3]]
    });
    Some(Header { len, payload, mask })
}

#[derive(Debug)]
struct Tracker {
    phase: Phase,
    /// Whether the current fragmented message is text.
    in_text: bool,
    /// An incomplete UTF-8 sequence carried over from the previous bytes (at most 3), and its
    /// length: inline, so that an idle connection's tracker allocates nothing.
    carry: [u8; 3],
    carry_len: u8,
    scratch: Vec<u8>,
    failed: bool,
    /// Where the HTTP head read (the handshake response) is copied, for error messages that
    /// need what the server answered after tungstenite has refused it.
    tap: Option<HeadTap>,
}

/// A copy of the HTTP head that went by, shared with whoever needs it after a failed
/// handshake.
pub type HeadTap = std::sync::Arc<std::sync::Mutex<Vec<u8>>>;

/// More than any handshake response worth quoting.
const TAP_LIMIT: usize = 16 * 1024;

impl Tracker {
    fn new() -> Tracker {
        Tracker {
            phase: Phase::Http { matched: 0 },
            in_text: false,
            carry: [0; 3],
            carry_len: 0,
            scratch: Vec::new(),
            failed: false,
            tap: None,
        }
    }

    /// Follows `data`, stopping at the first frame `hold` asks to hold.
    fn feed(&mut self, mut data: &[u8], mut hold: Option<&mut Hold>) -> Fed {
        let total = data.len();
        // Where in `data` the frame being followed began (0 if it began in an earlier read).
        let mut frame_start = 0;
        while !data.is_empty() && !self.failed {
            if matches!(self.phase, Phase::Header { len: 0, .. }) {
                frame_start = total - data.len();
            }
            match &mut self.phase {
                Phase::Off => return Fed::Ok,
                Phase::Http { matched } => {
                    const END: &[u8] = b"\r\n\r\n";
                    let mut i = 0;
                    while i < data.len() && *matched < 4 {
                        *matched = if data[i] == END[*matched] {
                            *matched + 1
                        } else if data[i] == b'\r' {
                            1
                        } else {
                            0
                        };
                        i += 1;
                    }
                    if let Some(tap) = &self.tap {
                        let mut head = tap.lock().unwrap_or_else(|e| e.into_inner());
                        let room = TAP_LIMIT.saturating_sub(head.len());
                        head.extend_from_slice(&data[..i.min(room)]);
                    }
                    data = &data[i..];
                    if *matched == 4 {
                        self.phase = Phase::Header {
                            buf: [0; 14],
                            len: 0,
                        };
                    }
                }
                Phase::Header { buf, len } => {
                    if *len == 0 && hold.as_deref().is_some_and(|h| h.parks_at(data[0])) {
                        return Fed::Cut(total - data.len());
                    }
                    buf[*len] = data[0];
                    *len += 1;
                    data = &data[1..];
                    if let Some((next, message_done)) = self.header_done() {
                        self.phase = next;
                        if message_done {
                            if let Some(h) = hold.as_deref_mut() {
                                h.message_done();
                            }
                        }
                    }
                }
                Phase::Payload {
                    remaining,
                    mask,
                    offset,
                    text,
                    ends_message,
                } => {
                    let n = (*remaining).min(data.len() as u64) as usize;
                    let (chunk, rest) = data.split_at(n);
                    data = rest;
                    *remaining -= n as u64;
                    let (text, ends, mask, start) = (*text, *ends_message, *mask, *offset);
                    *offset += n;
                    let done = *remaining == 0;
                    if text && !self.check(chunk, mask, start) {
                        self.failed = true;
                        return Fed::Invalid(frame_start);
                    }
                    if done {
                        if ends {
                            self.in_text = false;
                            self.carry_len = 0;
                            if let Some(h) = hold.as_deref_mut() {
                                h.message_done();
                            }
                        }
                        self.phase = Phase::Header {
                            buf: [0; 14],
                            len: 0,
                        };
                    }
                }
            }
        }
        if self.failed {
            Fed::Invalid(0)
        } else {
            Fed::Ok
        }
    }

    /// Parses a complete header, or returns `None` while more bytes are needed. With the next
    /// phase comes whether the frame was a whole (empty) data message's end.
    fn header_done(&mut self) -> Option<(Phase, bool)> {
        let Phase::Header { buf, len } = &self.phase else {
            return None;
        };
        let Header {
            payload: payload_len,
            mask,
            ..
        } = parse_header(&buf[..*len])?;
        let fin = buf[0] & 0x80 != 0;
        let opcode = buf[0] & 0x0f;
        // An RSV bit still set here (permessage-deflate clears it on what it inflates) is a
        // protocol error for tungstenite to answer (1002): stop following.
        if buf[0] & 0x70 != 0 {
            return Some((Phase::Off, false));
        }
        let (text, ends_message) = match opcode {
            0 => (self.in_text, fin),
            1 => {
                self.in_text = !fin;
                self.carry_len = 0;
                (true, fin)
            }
            2 => {
                self.in_text = false;
                (false, fin)
            }
            8..=15 => (false, false),
            // Reserved opcodes: tungstenite fails the connection; stop following.
            _ => return Some((Phase::Off, false)),
        };
        if payload_len == 0 {
            let message_done = ends_message && opcode < 8;
            if message_done {
                self.in_text = false;
                self.carry_len = 0;
            }
            let next = Phase::Header {
                buf: [0; 14],
                len: 0,
            };
            return Some((next, message_done));
        }
        let next = Phase::Payload {
            remaining: payload_len,
            mask,
            offset: 0,
            text,
            ends_message,
        };
        Some((next, false))
    }

    /// Validates the next bytes of a text message; false if they cannot be UTF-8.
    fn check(&mut self, chunk: &[u8], mask: Option<[u8; 4]>, offset: usize) -> bool {
        self.scratch.clear();
        self.scratch
            .extend_from_slice(&self.carry[..usize::from(self.carry_len)]);
        let start = self.scratch.len();
        self.scratch.extend_from_slice(chunk);
        if let Some(m) = mask {
            for (i, b) in self.scratch[start..].iter_mut().enumerate() {
                *b ^= m[(offset + i) % 4];
            }
        }
        self.carry_len = 0;
        match std::str::from_utf8(&self.scratch) {
            Ok(_) => true,
            // Invalid whatever follows.
            Err(e) if e.error_len().is_some() => false,
            // An incomplete sequence at the end: wait for its next bytes.
            Err(e) => {
                let rest = &self.scratch[e.valid_up_to()..];
                // An incomplete sequence is at most 3 bytes.
                self.carry[..rest.len()].copy_from_slice(rest);
                self.carry_len = rest.len() as u8;
                true
            }
        }
    }
}

/// A stream whose reads fail fast on invalid UTF-8 in text messages.
#[derive(Debug)]
pub struct FailFast<S> {
    inner: S,
    tracker: Tracker,
    /// Only for the connections that hold frames back (boxed: the others pay one pointer).
    gate: Option<Box<Gate>>,
}

impl<S> FailFast<S> {
    pub fn new(inner: S) -> FailFast<S> {
        FailFast {
            inner,
            tracker: Tracker::new(),
            gate: None,
        }
    }

    /// A stream with no HTTP head in it (a WebSocket over an HTTP/2 stream): frames start at
    /// the first byte; with `gate` as [`FailFast::with_gate`].
    pub fn past_head(inner: S, gate: Option<Gate>) -> FailFast<S> {
        let mut this = Self::new(inner);
        this.tracker.phase = Phase::Header {
            buf: [0; 14],
            len: 0,
        };
        this.gate = gate.map(|g| Box::new(g.past_head()));
        this
    }

    /// Like [`FailFast::new`], copying the HTTP head it reads into `tap`.
    pub fn tapped(inner: S, tap: HeadTap) -> FailFast<S> {
        let mut this = Self::new(inner);
        this.tracker.tap = Some(tap);
        this
    }

    /// A stream that also holds frames back as `gate` says.
    pub fn with_gate(inner: S, gate: Gate) -> FailFast<S> {
        FailFast {
            gate: Some(Box::new(gate)),
            ..FailFast::new(inner)
        }
    }
}

fn invalid() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, InvalidUtf8)
}

impl<S: AsyncRead + Unpin> AsyncRead for FailFast<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.tracker.failed {
            return Poll::Ready(Err(invalid()));
        }
        loop {
            if let Some(gate) = this.gate.as_deref_mut() {
                if gate.parked {
                    if !gate.released(cx.waker()) {
                        return Poll::Pending;
                    }
                    gate.disarm();
                }
                if !gate.held.is_empty() {
                    // Released: the held bytes first, followed like any others.
                    let n = gate.held.len().min(buf.remaining());
                    let chunk: Vec<u8> = gate.held.drain(..n).collect();
                    if gate.held.is_empty() {
                        gate.held = Vec::new();
                    }
                    buf.put_slice(&chunk);
                    if matches!(this.tracker.feed(&chunk, None), Fed::Invalid(_)) {
                        return Poll::Ready(Err(invalid()));
                    }
                    return Poll::Ready(Ok(()));
                }
            }
            let before = buf.filled().len();
            let res = Pin::new(&mut this.inner).poll_read(cx, buf);
            if let Poll::Ready(Ok(())) = res {
                let hold = this.gate.as_deref_mut().map(|g| &mut g.hold);
                match this.tracker.feed(&buf.filled()[before..], hold) {
                    Fed::Ok => {}
                    Fed::Invalid(0) => return Poll::Ready(Err(invalid())),
                    // Deliver the frames before the bad one now; the next read fails.
                    Fed::Invalid(good) => buf.set_filled(before + good),
                    Fed::Cut(at) => {
                        let gate = this.gate.as_deref_mut().expect("only a gate asks to hold");
                        gate.held = buf.filled()[before + at..].to_vec();
                        gate.parked = true;
                        buf.set_filled(before + at);
                        if at == 0 {
                            // Nothing to hand over: handing over nothing would mean the end.
                            continue;
                        }
                    }
                }
            }
            return res;
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FailFast<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let res = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let (Poll::Ready(Ok(n)), Some(gate)) = (&res, this.gate.as_deref_mut()) {
            gate.wrote(&buf[..*n]);
        }
        res
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.gate.is_some() {
            // Followed byte by byte, so one buffer at a time.
            let first = bufs
                .iter()
                .find(|b| !b.is_empty())
                .map_or(&[][..], |b| &**b);
            return Pin::new(this).poll_write(cx, first);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
        let m = if mask.is_some() { 0x80 } else { 0 };
        match payload.len() {
            n if n < 126 => f.push(m | n as u8),
            n if n < 65536 => {
                f.push(m | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(m | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        match mask {
            Some(k) => {
                f.extend_from_slice(&k);
                f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
            }
            None => f.extend_from_slice(payload),
        }
        f
    }

    fn ok(t: &mut Tracker, data: &[u8]) -> bool {
        t.feed(data, None) == Fed::Ok
    }

    #[test]
    fn a_hold_cuts_at_the_frame_after_the_nth_message_or_at_a_close() {
        let mut t = after_handshake();
        let mut burst = Vec::new();
        for text in ["a", "bb", "ccc"] {
            burst.extend(frame(true, 1, text.as_bytes(), Some([1, 2, 3, 4])));
        }
        let two = frame(true, 1, b"a", Some([1, 2, 3, 4])).len()
            + frame(true, 1, b"bb", Some([1, 2, 3, 4])).len();
        let mut hold = Hold {
            after_messages: Some(2),
            at_close: false,
        };
        assert_eq!(t.feed(&burst, Some(&mut hold)), Fed::Cut(two));
        // A ping and a fragmented message: only the final fragment ends the message.
        let mut t = after_handshake();
        let mut bytes = frame(false, 1, b"x", None);
        bytes.extend(frame(true, 9, b"", None));
        bytes.extend(frame(true, 0, b"y", None));
        let end = bytes.len();
        bytes.extend(frame(true, 8, &[3, 232], None));
        let mut hold = Hold {
            after_messages: Some(1),
            at_close: false,
        };
        assert_eq!(t.feed(&bytes, Some(&mut hold)), Fed::Cut(end));
        let mut t = after_handshake();
        let mut hold = Hold {
            after_messages: None,
            at_close: true,
        };
        assert_eq!(t.feed(&bytes, Some(&mut hold)), Fed::Cut(end));
    }

    fn after_handshake() -> Tracker {
        let mut t = Tracker::new();
        assert!(ok(
            &mut t,
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
        ));
        t
    }

    #[test]
    fn valid_text_in_one_byte_pieces_passes() {
        let mut t = after_handshake();
        let f = frame(true, 1, "héllo €𝄞".as_bytes(), Some([1, 2, 3, 4]));
        for b in &f {
            assert!(ok(&mut t, std::slice::from_ref(b)));
        }
    }

    #[test]
    fn invalid_bytes_fail_before_the_frame_is_complete() {
        let mut t = after_handshake();
        let mut payload = b"valid so far ".to_vec();
        payload.extend_from_slice(&[0xce, 0xba, 0xf4, 0x90, 0x80, 0x80]);
        payload.extend_from_slice(&[b'x'; 1000]);
        let f = frame(true, 1, &payload, Some([9, 8, 7, 6]));
        // Header and the valid part pass; the invalid sequence fails at once.
        assert!(ok(&mut t, &f[..8 + 13]));
        assert!(!ok(&mut t, &f[8 + 13..8 + 19]));
    }

    #[test]
    fn a_frame_with_an_rsv_bit_is_left_to_tungstenite() {
        // Compressed bytes that are not UTF-8, in a frame nothing inflated: tungstenite must
        // see the RSV1 bit and answer 1002, not this check 1007.
        let mut t = after_handshake();
        let mut f = frame(true, 1, &[0xf2, 0x48, 0xcd, 0xff], None);
        f[0] |= 0x40;
        assert!(ok(&mut t, &f));
    }

    #[test]
    fn binary_and_control_frames_are_not_checked() {
        let mut t = after_handshake();
        assert!(ok(&mut t, &frame(true, 2, &[0xff, 0xfe], None)));
        assert!(ok(&mut t, &frame(true, 9, &[0xff], None)));
        assert!(ok(&mut t, &frame(true, 1, b"ok", None)));
    }

    #[test]
    fn fragments_of_one_message_are_checked_as_one_text() {
        let mut t = after_handshake();
        let euro = "€".as_bytes();
        assert!(ok(&mut t, &frame(false, 1, &euro[..1], None)));
        // A ping between fragments does not disturb the message.
        assert!(ok(&mut t, &frame(true, 9, b"p", None)));
        assert!(ok(&mut t, &frame(true, 0, &euro[1..], None)));
        // A new message starts clean; a lone continuation byte is invalid.
        assert!(!ok(&mut t, &frame(true, 1, &[0x80], None)));
    }

    #[test]
    fn frames_before_a_bad_one_in_the_same_read_are_kept() {
        let mut t = Tracker::new();
        let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec();
        let head = bytes.len();
        bytes.extend(frame(true, 1, b"good", None));
        let good = bytes.len();
        bytes.extend(frame(true, 1, &[0xff, 0xfe], None));
        assert_eq!(t.feed(&bytes, None), Fed::Invalid(good));
        assert!(good > head);
        // A bad frame at the start of a read leaves nothing to deliver.
        let mut t = after_handshake();
        assert_eq!(
            t.feed(&frame(true, 1, &[0xff], None), None),
            Fed::Invalid(0)
        );
    }

    #[test]
    fn long_headers_are_followed() {
        let mut t = after_handshake();
        let big = vec![b'a'; 70_000];
        assert!(ok(&mut t, &frame(true, 1, &big, None)));
        assert!(!ok(&mut t, &frame(true, 1, &[0xc0, 0x80], None)));
    }

    proptest::proptest! {
        /// However the bytes are split into reads, valid text passes and a hold cuts at the
        /// same frame boundary.
        #[test]
        fn splits_change_nothing(
            texts in proptest::collection::vec("\\PC{0,40}", 1..6),
            after in 0u64..7,
            sizes in proptest::collection::vec(1usize..9, 1..40),
        ) {
            let mut bytes = Vec::new();
            let mut ends = vec![0];
            for t in &texts {
                bytes.extend(frame(true, 1, t.as_bytes(), Some([7, 1, 200, 3])));
                ends.push(bytes.len());
            }
            bytes.extend(frame(true, 8, &[3, 232], Some([1, 1, 1, 1])));
            let expected = ends.get(after as usize).copied().unwrap_or(ends[ends.len() - 1]);
            let mut t = after_handshake();
            let mut hold = Hold { after_messages: Some(after), at_close: true };
            let mut at = 0;
            let mut i = 0;
            let cut = loop {
                let n = sizes[i % sizes.len()].min(bytes.len() - at);
                i += 1;
                match t.feed(&bytes[at..at + n], Some(&mut hold)) {
                    Fed::Ok => at += n,
                    Fed::Cut(c) => break at + c,
                    Fed::Invalid(_) => panic!("valid text refused"),
                }
                proptest::prop_assert!(at < bytes.len(), "no cut");
            };
            proptest::prop_assert_eq!(cut, expected);
        }
    }
}
