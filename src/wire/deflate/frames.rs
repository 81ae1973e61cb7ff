//! The frame rewriting of permessage-deflate, as two byte-stream transforms that tungstenite
//! never sees: [`Reading`] turns compressed messages into plain frames (RSV1 cleared) as they
//! arrive, [`Writing`] compresses the data frames tungstenite writes (RSV1 set) and cuts them
//! into fragments when asked. Both pass the HTTP head through untouched, and every frame they
//! do not own (control frames, uncompressed messages, anything malformed) byte for byte, so
//! tungstenite still judges the protocol: RSV1 on a control or continuation frame, or
//! without a negotiated extension, reaches it and fails the connection with 1002.
//!
//! The transforms are pure (bytes in, bytes out) so they can be tested without sockets;
//! [`super::stream`] puts them under tungstenite.

use bytes::BytesMut;

use super::codec::{Deflater, InflateError, Inflater};
use crate::value::deflate::Negotiated;
use crate::wire::failfast::parse_header;

/// Which end of the connection this is: clients mask what they send, servers what they read
/// must be masked (tungstenite insists, so rewritten frames carry a zero mask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Client,
    Server,
}

/// Where a stream of frames is: still in the HTTP head (`matched` bytes of its blank line
/// seen), or in frames.
#[derive(Debug)]
enum Head {
    Http { matched: u8 },
    Frames,
}

impl Head {
    /// Follows `data` through the head; returns how many bytes belong to it.
    fn follow(&mut self, data: &[u8]) -> usize {
        const END: &[u8] = b"\r\n\r\n";
        let Head::Http { matched } = self else {
            return 0;
        };
        let mut i = 0;
        while i < data.len() {
            *matched = if data[i] == END[usize::from(*matched)] {
                *matched + 1
            } else if data[i] == b'\r' {
                1
            } else {
                0
            };
            i += 1;
            if *matched == 4 {
                *self = Head::Frames;
                break;
            }
        }
        i
    }
}

/// Appends a frame header: `b0` (FIN, RSV, opcode), the length, and the mask key if any.
pub fn put_header(out: &mut BytesMut, b0: u8, len: usize, mask: Option<[u8; 4]>) {
    let m = if mask.is_some() { 0x80 } else { 0 };
    out.extend_from_slice(&[b0]);
    if len < 126 {
        out.extend_from_slice(&[m | len as u8]);
    } else if len <= 0xffff {
        out.extend_from_slice(&[m | 126]);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.extend_from_slice(&[m | 127]);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if let Some(k) = mask {
        out.extend_from_slice(&k);
    }
}

/// XORs `data` with the mask, starting `offset` bytes into the payload.
pub fn apply_mask(data: &mut [u8], mask: [u8; 4], offset: usize) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= mask[(offset + i) % 4];
    }
}

/// Why reading stopped: what the driver closes with.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Compressed data that does not inflate (1007).
    Invalid(String),
    /// An inflated message over the limit (1009).
    TooLarge { limit: usize },
}

/// One incoming frame being followed.
#[derive(Debug)]
struct InFrame {
    remaining: u64,
    mask: Option<[u8; 4]>,
    offset: usize,
    /// Part of a compressed message (else passed through).
    inflate: bool,
    fin: bool,
}

/// Incoming bytes → the same frames, with compressed messages inflated.
pub struct Reading {
    role: Role,
    head: Head,
    hdr: [u8; 14],
    hdr_len: usize,
    frame: Option<InFrame>,
    /// Inside a compressed message: its opcode, and whether its first frame went out.
    message: Option<(u8, bool)>,
    inflater: Option<Inflater>,
    peer_resets: bool,
    limit: usize,
    /// What the current compressed frame inflated to so far.
    inflated: Vec<u8>,
    scratch: Vec<u8>,
    /// Compressed and inflated bytes of the current message.
    wire: usize,
    plain: usize,
    /// Data messages begun so far (compressed or not).
    started: u64,
    failed: bool,
}

/// A data message's number among the stream's data messages (from 0), its payload's size on
/// the wire and inflated, and whether it was compressed. [`Reading`] tells compressed
/// messages only, [`Writing`] every message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub index: u64,
    pub wire: usize,
    pub plain: usize,
    pub compressed: bool,
}

impl Reading {
    /// A reader for a connection that negotiated `n`, taking messages of up to `limit`
    /// inflated bytes. `head`: whether an HTTP head comes first.
    pub fn new(role: Role, n: &Negotiated, limit: usize, head: bool) -> Reading {
        Reading {
            role,
            head: if head {
                Head::Http { matched: 0 }
            } else {
                Head::Frames
            },
            hdr: [0; 14],
            hdr_len: 0,
            frame: None,
            message: None,
            inflater: None,
            // What the peer sends was compressed with the peer's context rule.
            peer_resets: match role {
                Role::Client => n.server_no_context_takeover,
                Role::Server => n.client_no_context_takeover,
            },
            limit,
            inflated: Vec::new(),
            scratch: Vec::new(),
            wire: 0,
            plain: 0,
            started: 0,
            failed: false,
        }
    }

    /// Transforms `data` into `out`; `done` is told each inflated message. After an error
    /// nothing more is transformed (what `out` got before it is complete frames).
    pub fn feed(
        &mut self,
        mut data: &[u8],
        out: &mut BytesMut,
        done: &mut dyn FnMut(Sizes),
    ) -> Result<(), ReadError> {
        if self.failed {
            return Ok(());
        }
        let n = self.head.follow(data);
        out.extend_from_slice(&data[..n]);
        data = &data[n..];
        while !data.is_empty() {
            let Some(frame) = &mut self.frame else {
                self.hdr[self.hdr_len] = data[0];
                self.hdr_len += 1;
                data = &data[1..];
                self.header(out, done)?;
                continue;
            };
            let n = frame.remaining.min(data.len() as u64) as usize;
            let (chunk, rest) = data.split_at(n);
            data = rest;
            frame.remaining -= n as u64;
            if frame.inflate {
                // Masked bytes (a server reading) are unmasked in a copy; a client's are
                // inflated where they are.
                let input: &[u8] = match frame.mask {
                    Some(m) => {
                        self.scratch.clear();
                        self.scratch.extend_from_slice(chunk);
                        apply_mask(&mut self.scratch, m, frame.offset);
                        &self.scratch
                    }
                    None => chunk,
                };
                frame.offset += n;
                self.wire += n;
                let inflater = self
                    .inflater
                    .get_or_insert_with(|| Inflater::new(self.peer_resets));
                let r = inflater.piece(input, &mut self.inflated, self.limit);
                if let Err(e) = r {
                    return Err(self.fail(e));
                }
            } else {
                out.extend_from_slice(chunk);
            }
            if self.frame.as_ref().is_some_and(|f| f.remaining == 0) {
                self.frame_end(out, done)?;
            }
        }
        Ok(())
    }

    fn fail(&mut self, e: InflateError) -> ReadError {
        self.failed = true;
        match e {
            InflateError::Invalid(why) => ReadError::Invalid(why),
            InflateError::TooLarge => ReadError::TooLarge { limit: self.limit },
        }
    }

    /// A header byte arrived; once the header is complete, decides what to do with the frame.
    fn header(&mut self, out: &mut BytesMut, done: &mut dyn FnMut(Sizes)) -> Result<(), ReadError> {
        let Some(h) = parse_header(&self.hdr[..self.hdr_len]) else {
            return Ok(());
        };
        let b0 = self.hdr[0];
        let (fin, rsv1, opcode) = (b0 & 0x80 != 0, b0 & 0x40 != 0, b0 & 0x0f);
        if matches!(opcode, 1 | 2) {
            self.started += 1;
        }
        let inflate = match (opcode, rsv1, self.message) {
            // The first frame of a compressed message.
            (1 | 2, true, None) => {
                self.message = Some((opcode, false));
                self.wire = 0;
                self.plain = 0;
                true
            }
            // Its continuations (RSV1 is set on the first frame only).
            (0, false, Some(_)) => true,
            // Everything else is tungstenite's to judge.
            _ => false,
        };
        if !inflate {
            out.extend_from_slice(&self.hdr[..self.hdr_len]);
        }
        self.frame = Some(InFrame {
            remaining: h.payload,
            mask: h.mask,
            offset: 0,
            inflate,
            fin,
        });
        self.hdr_len = 0;
        if h.payload == 0 {
            self.frame_end(out, done)?;
        }
        Ok(())
    }

    /// The current frame has been read whole.
    fn frame_end(
        &mut self,
        out: &mut BytesMut,
        done: &mut dyn FnMut(Sizes),
    ) -> Result<(), ReadError> {
        let Some(frame) = self.frame.take() else {
            return Ok(());
        };
        if !frame.inflate {
            return Ok(());
        }
        if frame.fin {
            let inflater = self
                .inflater
                .get_or_insert_with(|| Inflater::new(self.peer_resets));
            if let Err(e) = inflater.end(&mut self.inflated, self.limit) {
                return Err(self.fail(e));
            }
        }
        let Some((opcode, started)) = self.message.as_mut() else {
            return Ok(());
        };
        let b0 = if frame.fin { 0x80 } else { 0 } | if *started { 0 } else { *opcode };
        *started = true;
        let mask = (self.role == Role::Server).then_some([0; 4]);
        put_header(out, b0, self.inflated.len(), mask);
        out.extend_from_slice(&self.inflated);
        self.plain += self.inflated.len();
        if frame.fin {
            self.message = None;
            done(Sizes {
                index: self.started - 1,
                wire: self.wire,
                plain: self.plain,
                compressed: true,
            });
        }
        self.inflated.clear();
        Ok(())
    }
}

/// How outgoing messages are sent: set per connection, changed by the REPL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sending {
    /// Compress data messages (when the extension was negotiated).
    pub compress: bool,
    /// Cut each message into frames of at most this many payload bytes.
    pub fragment: Option<usize>,
}

impl Default for Sending {
    fn default() -> Sending {
        Sending {
            compress: true,
            fragment: None,
        }
    }
}

/// From this size on, a message that compression would make larger is sent uncompressed.
/// (Smaller ones stay compressed: each fallback forgets the history that makes a stream of
/// small similar messages compress well.)
pub const GROWS_MIN: usize = 1024;

/// One outgoing frame being followed.
#[derive(Debug)]
struct OutFrame {
    b0: u8,
    remaining: u64,
    mask: Option<[u8; 4]>,
    offset: usize,
    /// A whole data message, collected to be rewritten (else passed through).
    collect: bool,
}

/// The bytes tungstenite writes → the same frames, compressed and fragmented as asked.
pub struct Writing {
    head: Head,
    /// The compression of this connection, if negotiated: window bits and context reset.
    deflate: Option<(u8, bool)>,
    deflater: Option<Deflater>,
    hdr: [u8; 14],
    hdr_len: usize,
    frame: Option<OutFrame>,
    payload: Vec<u8>,
    packed: Vec<u8>,
    /// Data messages written so far.
    written: u64,
}

impl Writing {
    pub fn new(role: Role, n: Option<&Negotiated>, head: bool) -> Writing {
        Writing {
            head: if head {
                Head::Http { matched: 0 }
            } else {
                Head::Frames
            },
            deflate: n.map(|n| n.sending(role == Role::Client)),
            deflater: None,
            hdr: [0; 14],
            hdr_len: 0,
            frame: None,
            payload: Vec::new(),
            packed: Vec::new(),
            written: 0,
        }
    }

    /// Transforms `data` into `out` with the settings of the moment; `sent` is told the
    /// sizes of each data message rewritten.
    pub fn feed(
        &mut self,
        mut data: &[u8],
        out: &mut BytesMut,
        how: Sending,
        sent: &mut dyn FnMut(Sizes),
        mask_key: &mut dyn FnMut() -> [u8; 4],
    ) {
        let n = self.head.follow(data);
        out.extend_from_slice(&data[..n]);
        data = &data[n..];
        while !data.is_empty() {
            let Some(frame) = &mut self.frame else {
                self.hdr[self.hdr_len] = data[0];
                self.hdr_len += 1;
                data = &data[1..];
                self.header(out, how, sent, mask_key);
                continue;
            };
            let n = frame.remaining.min(data.len() as u64) as usize;
            let (chunk, rest) = data.split_at(n);
            data = rest;
            frame.remaining -= n as u64;
            if frame.collect {
                let start = self.payload.len();
                self.payload.extend_from_slice(chunk);
                if let Some(m) = frame.mask {
                    apply_mask(&mut self.payload[start..], m, frame.offset);
                }
                frame.offset += n;
            } else {
                out.extend_from_slice(chunk);
            }
            if frame.remaining == 0 {
                self.frame_end(out, how, sent, mask_key);
            }
        }
    }

    fn header(
        &mut self,
        out: &mut BytesMut,
        how: Sending,
        sent: &mut dyn FnMut(Sizes),
        mask_key: &mut dyn FnMut() -> [u8; 4],
    ) {
        let Some(h) = parse_header(&self.hdr[..self.hdr_len]) else {
            return;
        };
        let b0 = self.hdr[0];
        // tungstenite writes each message as one final frame without RSV bits.
        let collect = matches!(b0, 0x81 | 0x82);
        if !collect {
            out.extend_from_slice(&self.hdr[..self.hdr_len]);
        }
        self.frame = Some(OutFrame {
            b0,
            remaining: h.payload,
            mask: h.mask,
            offset: 0,
            collect,
        });
        self.hdr_len = 0;
        if h.payload == 0 {
            self.frame_end(out, how, sent, mask_key);
        }
    }

    fn frame_end(
        &mut self,
        out: &mut BytesMut,
        how: Sending,
        sent: &mut dyn FnMut(Sizes),
        mask_key: &mut dyn FnMut() -> [u8; 4],
    ) {
        let Some(frame) = self.frame.take() else {
            return;
        };
        if !frame.collect {
            return;
        }
        let opcode = frame.b0 & 0x0f;
        let compress = match (how.compress, self.deflate) {
            (true, Some((bits, reset))) => {
                let d = self
                    .deflater
                    .get_or_insert_with(|| Deflater::new(bits, reset));
                self.packed.clear();
                d.message(&self.payload, &mut self.packed);
                if self.payload.len() >= GROWS_MIN && self.packed.len() > self.payload.len() {
                    // Incompressible data (random bytes, media): compressing would make it
                    // larger, and push it over a peer's frame limit that the plain message
                    // fits. Sent as it is; the peer never saw these bytes, so neither may
                    // our history.
                    d.reset();
                    false
                } else {
                    true
                }
            }
            _ => false,
        };
        let body: &[u8] = if compress {
            &self.packed
        } else {
            &self.payload
        };
        self.written += 1;
        sent(Sizes {
            index: self.written - 1,
            wire: body.len(),
            plain: self.payload.len(),
            compressed: compress,
        });
        let size = how.fragment.unwrap_or(usize::MAX).max(1);
        let mut pieces = body.chunks(size).peekable();
        let mut first = true;
        // An empty message is one empty frame.
        let empty: &[u8] = &[];
        if pieces.peek().is_none() {
            put_frame(
                out,
                0x80 | opcode | if compress { 0x40 } else { 0 },
                empty,
                frame.mask,
            );
        }
        while let Some(piece) = pieces.next() {
            let fin = if pieces.peek().is_none() { 0x80 } else { 0 };
            let b0 = fin
                | if first {
                    opcode | if compress { 0x40 } else { 0 }
                } else {
                    0
                };
            // Each frame a client sends has its own mask key (RFC 6455 §5.3).
            let mask = match (frame.mask, first) {
                (Some(m), true) => Some(m),
                (Some(_), false) => Some(mask_key()),
                (None, _) => None,
            };
            put_frame(out, b0, piece, mask);
            first = false;
        }
        self.payload.clear();
    }
}

fn put_frame(out: &mut BytesMut, b0: u8, payload: &[u8], mask: Option<[u8; 4]>) {
    put_header(out, b0, payload.len(), mask);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(m) = mask {
        apply_mask(&mut out[start..], m, 0);
    }
}

#[cfg(test)]
mod tests;
