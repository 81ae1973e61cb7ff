//! The prober's side of a compression case (12.x, 13.x): the next message from the case's
//! payload set, compressed with the connection's permessage-deflate (the project's codec,
//! `wire::deflate::codec`, with the window and context takeover the server's answer gave the
//! client), cut into frames of the case's auto-fragment size as Autobahn cuts them (the
//! first frame with RSV1 and the message's opcode, continuations without), and the check of
//! each echo against what was sent.

use super::case::Corpus;
use super::corpus::{self, Data};
use super::frame::Out;
use crate::value::deflate::Negotiated;
use crate::wire::deflate::codec::{Deflater, Inflater};

/// The inflater of the server's messages (a wrapper, so that the machine can be printed).
pub struct Inflating(pub Inflater);

impl std::fmt::Debug for Inflating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inflating")
    }
}

/// The longest message compressed at zlib's default level, as Autobahn compresses (with
/// dynamic Huffman codes, and matches found the hard way); longer ones are compressed at
/// the fastest level (fixed codes), some five times faster, so that the prober does not
/// take the server's cores. Every group still sends both kinds of block, over the same
/// window; the server inflates either the same way, and a verdict depends only on the echo.
const DEFAULT_LEVEL_UP_TO: usize = 4096;

/// One compression case's round trips.
pub struct Echo {
    data: &'static Data,
    len: usize,
    count: u32,
    fragment: usize,
    /// Where the next message starts in the set (Autobahn's `payloadRXPtr`).
    at: usize,
    sent: u32,
    expected: Vec<u8>,
    deflater: Deflater,
}

impl std::fmt::Debug for Echo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Echo")
            .field("len", &self.len)
            .field("sent", &self.sent)
            .finish_non_exhaustive()
    }
}

impl Echo {
    pub fn new(corpus: Corpus, len: usize, count: u32, fragment: usize, n: &Negotiated) -> Echo {
        let (bits, no_context_takeover) = n.sending(true);
        Echo {
            data: corpus::data(corpus),
            len,
            count,
            fragment,
            at: 0,
            sent: 0,
            expected: Vec::new(),
            deflater: if len <= DEFAULT_LEVEL_UP_TO {
                Deflater::new(bits, no_context_takeover)
            } else {
                Deflater::with_level(bits, no_context_takeover, 1)
            },
        }
    }

    /// The frames of the next message (Autobahn's `sendMessage` with `autoFragmentSize`:
    /// frames of `fragment` bytes, the last one empty when the size divides the payload).
    pub fn next(&mut self) -> Vec<Out> {
        self.expected = self.data.message(&mut self.at, self.len);
        self.sent += 1;
        let mut z = Vec::new();
        self.deflater.message(&self.expected, &mut z);
        let opcode = if self.data.text { 1 } else { 2 };
        if self.fragment == 0 || z.len() <= self.fragment {
            return vec![Out {
                opcode,
                fin: true,
                rsv: 4,
                payload: z,
            }];
        }
        let mut frames = Vec::new();
        let mut at = 0;
        loop {
            let end = at + self.fragment;
            let done = end > z.len();
            let first = frames.is_empty();
            frames.push(Out {
                opcode: if first { opcode } else { 0 },
                fin: done,
                rsv: if first { 4 } else { 0 },
                payload: z[at..end.min(z.len())].to_vec(),
            });
            if done {
                return frames;
            }
            at = end;
        }
    }

    /// The echo is the message last sent, with its type.
    pub fn matches(&self, payload: &[u8], binary: bool) -> bool {
        binary != self.data.text && payload == self.expected
    }

    /// Every round trip was made.
    pub fn done(&self) -> bool {
        self.sent >= self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages_are_compressed_as_autobahn_does_long_ones_at_the_fastest_level() {
        let n = Negotiated {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        };
        // A DEFLATE block starts with BFINAL, then BTYPE: 1 fixed codes, 2 dynamic ones.
        let block_type = |len| {
            let frames = Echo::new(Corpus::Faust, len, 1, 0, &n).next();
            (frames[0].payload[0] >> 1) & 3
        };
        assert_eq!(block_type(DEFAULT_LEVEL_UP_TO), 2, "zlib's default level");
        assert_eq!(block_type(DEFAULT_LEVEL_UP_TO + 1), 1, "the fastest level");
    }

    #[test]
    fn frames_are_cut_from_the_compressed_bytes_as_autobahns() {
        let n = Negotiated {
            server_no_context_takeover: false,
            client_no_context_takeover: true,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        };
        let mut e = Echo::new(Corpus::Pdf, 8192, 2, 256, &n);
        let frames = e.next();
        let total: usize = frames.iter().map(|f| f.payload.len()).sum();
        assert!(
            frames.len() > 2 && total > 4096,
            "random data hardly shrinks"
        );
        assert_eq!((frames[0].opcode, frames[0].rsv), (2, 4));
        assert!(frames[1..].iter().all(|f| f.opcode == 0 && f.rsv == 0));
        assert!(frames[..frames.len() - 1]
            .iter()
            .all(|f| !f.fin && f.payload.len() == 256));
        assert!(frames.last().unwrap().fin);
        let mut inf = crate::wire::deflate::codec::Inflater::new(true);
        let mut out = Vec::new();
        for f in &frames {
            inf.piece(&f.payload, &mut out, 1 << 20).unwrap();
        }
        inf.end(&mut out, 1 << 20).unwrap();
        assert!(e.matches(&out, true) && !e.matches(&out, false));
        assert!(!e.done());
        e.next();
        assert!(e.done());
    }
}
