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
                self.scratch.clear();
                self.scratch.extend_from_slice(chunk);
                if let Some(m) = frame.mask {
                    apply_mask(&mut self.scratch, m, frame.offset);
                }
                frame.offset += n;
                self.wire += n;
                let inflater = self
                    .inflater
                    .get_or_insert_with(|| Inflater::new(self.peer_resets));
                let r = inflater.piece(&self.scratch, &mut self.inflated, self.limit);
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
mod tests {
    use super::*;

    fn negotiated() -> Negotiated {
        Negotiated {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }

    fn frame(b0: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut out = BytesMut::new();
        put_frame(&mut out, b0, payload, mask);
        out.to_vec()
    }

    /// Writes `msgs` as tungstenite would (one final frame each) through a writer, then reads
    /// the result back through a reader of the other role, split into `split`-byte reads.
    fn round_trip(role: Role, msgs: &[(u8, Vec<u8>)], how: Sending, split: usize) -> Vec<u8> {
        round_trip_with(&negotiated(), role, msgs, how, split)
    }

    fn round_trip_with(
        n: &Negotiated,
        role: Role,
        msgs: &[(u8, Vec<u8>)],
        how: Sending,
        split: usize,
    ) -> Vec<u8> {
        let n = *n;
        let mut w = Writing::new(role, Some(&n), false);
        let peer = if role == Role::Client {
            Role::Server
        } else {
            Role::Client
        };
        let mut r = Reading::new(peer, &n, 1 << 20, false);
        let mask = (role == Role::Client).then_some([1, 2, 3, 4]);
        let mut wire = BytesMut::new();
        let mut key = 0u8;
        let mut written = Vec::new();
        for (op, m) in msgs {
            let f = frame(0x80 | op, m, mask);
            w.feed(&f, &mut wire, how, &mut |s| written.push(s), &mut || {
                key = key.wrapping_add(1);
                [key; 4]
            });
        }
        assert_eq!(written.len(), msgs.len());
        let mut plain = BytesMut::new();
        let mut sizes = Vec::new();
        for piece in wire.chunks(split) {
            r.feed(piece, &mut plain, &mut |s| sizes.push(s)).unwrap();
        }
        // Each compressed message is told once, in order, with its inflated size; what the
        // reader saw compressed is what the writer compressed.
        let compressed: Vec<Sizes> = written.into_iter().filter(|s| s.compressed).collect();
        assert_eq!(sizes, compressed);
        if !how.compress {
            assert!(sizes.is_empty());
        }
        for s in &sizes {
            assert_eq!(s.plain, msgs[s.index as usize].1.len());
        }
        plain.to_vec()
    }

    use proptest::prelude::*;

    /// Messages that compress well, badly, or not at all, and empty ones.
    fn message() -> impl Strategy<Value = (u8, Vec<u8>)> {
        let payload =
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..600),
                (proptest::collection::vec(any::<u8>(), 1..8), 0usize..5000)
                    .prop_map(|(unit, n)| unit.iter().copied().cycle().take(n).collect()),
                Just(Vec::new()),
            ];
        (prop_oneof![Just(1u8), Just(2u8)], payload)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_messages_survive_any_parameters_fragments_and_reads(
            msgs in proptest::collection::vec(message(), 1..6),
            client in any::<bool>(),
            resets in (any::<bool>(), any::<bool>()),
            bits in (8u8..=15, 8u8..=15),
            compress in any::<bool>(),
            fragment in proptest::option::of(1usize..300),
            split in 1usize..2000,
        ) {
            let n = Negotiated {
                server_no_context_takeover: resets.0,
                client_no_context_takeover: resets.1,
                server_max_window_bits: bits.0,
                client_max_window_bits: bits.1,
            };
            let role = if client { Role::Client } else { Role::Server };
            let how = Sending { compress, fragment };
            let plain = round_trip_with(&n, role, &msgs, how, split);
            prop_assert_eq!(messages(&plain), msgs);
        }
    }

    /// The messages in a plain (uncompressed, unmasked or zero-masked) frame stream.
    fn messages(mut b: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut out: Vec<(u8, Vec<u8>)> = Vec::new();
        while !b.is_empty() {
            let h = parse_header(b).unwrap();
            assert_eq!(b[0] & 0x70, 0, "RSV bits left set");
            let op = b[0] & 0x0f;
            let mut p = b[h.len..h.len + h.payload as usize].to_vec();
            if let Some(m) = h.mask {
                apply_mask(&mut p, m, 0);
            }
            if op == 0 {
                out.last_mut().unwrap().1.extend(p);
            } else {
                out.push((op, p));
            }
            b = &b[h.len + h.payload as usize..];
        }
        out
    }

    #[test]
    fn messages_survive_compression_fragmentation_and_any_read_split() {
        let msgs = vec![
            (1, b"Hello".to_vec()),
            (2, vec![7u8; 70_000]),
            (1, Vec::new()),
            (1, "déjà vu ".repeat(500).into_bytes()),
        ];
        for role in [Role::Client, Role::Server] {
            for fragment in [None, Some(1), Some(100)] {
                for split in [1, 7, 4096] {
                    let how = Sending {
                        compress: true,
                        fragment,
                    };
                    let plain = round_trip(role, &msgs, how, split);
                    assert_eq!(messages(&plain), msgs, "{role:?} {fragment:?} {split}");
                }
            }
        }
    }

    #[test]
    fn what_compression_would_grow_goes_uncompressed_and_the_history_restarts() {
        // xorshift: bytes that do not compress.
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let text = b"the same words again and again, the same words".repeat(40);
        let msgs = vec![
            (1, text.clone()),
            (2, random.clone()),
            (1, text.clone()),
            (2, random[..100].to_vec()),
        ];
        let n = negotiated();
        let mut w = Writing::new(Role::Server, Some(&n), false);
        let mut wire = BytesMut::new();
        let mut written = Vec::new();
        for (op, m) in &msgs {
            w.feed(
                &frame(0x80 | op, m, None),
                &mut wire,
                Sending::default(),
                &mut |s| written.push(s),
                &mut || [0; 4],
            );
        }
        let flags: Vec<bool> = written.iter().map(|s| s.compressed).collect();
        // The random 4 KiB would grow: sent as it is. 100 random bytes stay compressed.
        assert_eq!(flags, [true, false, true, true]);
        assert_eq!(written[1].wire, random.len());
        // The text after it inflates although the writer forgot what came before.
        let mut r = Reading::new(Role::Client, &n, 1 << 20, false);
        let mut plain = BytesMut::new();
        r.feed(&wire, &mut plain, &mut |_| {}).unwrap();
        assert_eq!(messages(&plain), msgs);
    }

    #[test]
    fn uncompressed_sending_still_fragments() {
        let msgs = vec![(1, b"abcdefgh".to_vec())];
        let how = Sending {
            compress: false,
            fragment: Some(3),
        };
        let n = negotiated();
        let mut w = Writing::new(Role::Server, Some(&n), false);
        let mut wire = BytesMut::new();
        w.feed(
            &frame(0x81, b"abcdefgh", None),
            &mut wire,
            how,
            &mut |_| {},
            &mut || [0; 4],
        );
        assert_eq!(
            wire.to_vec(),
            [
                frame(0x01, b"abc", None),
                frame(0x00, b"def", None),
                frame(0x80, b"gh", None)
            ]
            .concat()
        );
        assert_eq!(messages(&round_trip(Role::Server, &msgs, how, 2)), msgs);
    }

    #[test]
    fn the_rfc_examples_read() {
        // RFC 7692 §7.2.3.1 and .2: "Hello", unfragmented and in two fragments.
        let n = negotiated();
        for wire in [
            vec![0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
            vec![
                0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
            ],
        ] {
            let mut r = Reading::new(Role::Client, &n, 100, false);
            let mut plain = BytesMut::new();
            r.feed(&wire, &mut plain, &mut |_| {}).unwrap();
            assert_eq!(messages(&plain), vec![(1, b"Hello".to_vec())]);
        }
    }

    #[test]
    fn control_frames_and_uncompressed_messages_pass_byte_for_byte() {
        let n = negotiated();
        let mut r = Reading::new(Role::Server, &n, 100, true);
        let wire = [
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            frame(0x89, b"ping", Some([9, 9, 9, 9])),
            frame(0x81, b"plain", Some([1, 2, 3, 4])),
            // RSV1 on a control frame and on a continuation: tungstenite's to refuse.
            frame(0xc9, b"", Some([0; 4])),
            frame(0xc0, b"x", Some([0; 4])),
        ]
        .concat();
        let mut plain = BytesMut::new();
        r.feed(&wire, &mut plain, &mut |_| {}).unwrap();
        assert_eq!(plain.to_vec(), wire);
    }

    #[test]
    fn bombs_and_garbage_stop_reading() {
        let n = negotiated();
        let mut big = BytesMut::new();
        let mut w = Writing::new(Role::Server, Some(&n), false);
        w.feed(
            &frame(0x82, &vec![0; 1 << 20], None),
            &mut big,
            Sending::default(),
            &mut |_| {},
            &mut || [0; 4],
        );
        let mut r = Reading::new(Role::Client, &n, 1000, false);
        let mut plain = BytesMut::new();
        assert_eq!(
            r.feed(&big, &mut plain, &mut |_| {}),
            Err(ReadError::TooLarge { limit: 1000 })
        );
        assert!(plain.is_empty());
        let mut r = Reading::new(Role::Client, &n, 1000, false);
        let good = frame(0x81, b"ok", None);
        let bad = frame(0xc1, &[0xff, 0xff, 0xff], None);
        let mut plain = BytesMut::new();
        assert!(matches!(
            r.feed(&[good.clone(), bad].concat(), &mut plain, &mut |_| {}),
            Err(ReadError::Invalid(_))
        ));
        // What came before the bad frame is kept.
        assert_eq!(plain.to_vec(), good);
    }
}
