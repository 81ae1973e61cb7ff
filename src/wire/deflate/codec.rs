//! Compressing and inflating message payloads as RFC 7692 §7.2 says: raw DEFLATE, each
//! message ended by a sync flush whose trailing `00 00 ff ff` is left off on the wire and put
//! back before inflating; the window kept from message to message unless "no context
//! takeover" was negotiated for that direction.
//!
//! zlib (and zlib-rs) cannot compress with an 8-bit window: 9 is used, as Node and Python do;
//! inflating always uses a 15-bit window, which reads any smaller one.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The four bytes a sync flush ends with, left off on the wire.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Compresses outgoing messages.
pub struct Deflater {
    z: Compress,
    /// Forget the window after each message (no context takeover).
    reset: bool,
}

impl Deflater {
    /// At zlib's default level, as browsers, Node and Python compress.
    pub fn new(window_bits: u8, no_context_takeover: bool) -> Deflater {
        Deflater::with_level(
            window_bits,
            no_context_takeover,
            Compression::default().level(),
        )
    }

    /// At zlib's `level` (1, the fastest, to 9): how hard it looks for repeats; any level's
    /// output inflates the same.
    pub fn with_level(window_bits: u8, no_context_takeover: bool, level: u32) -> Deflater {
        Deflater {
            z: Compress::new_with_window_bits(
                Compression::new(level),
                false,
                window_bits.clamp(9, 15),
            ),
            reset: no_context_takeover,
        }
    }

    /// Forgets the history: the next message is compressed without reference to earlier
    /// ones (after a message that was sent uncompressed, which the peer never inflated).
    pub fn reset(&mut self) {
        self.z.reset();
    }

    /// Appends the compressed form of one whole message to `out`.
    pub fn message(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        let mut consumed = 0;
        loop {
            // Room for the worst case of what is left (stored blocks) plus the flush.
            out.reserve(input.len() - consumed + 64);
            let before_in = self.z.total_in();
            let status = self
                .z
                .compress_vec(&input[consumed..], out, FlushCompress::Sync)
                .expect("compressing into a growing buffer cannot fail");
            consumed += (self.z.total_in() - before_in) as usize;
            // Done when all input is in and the flush fit: there is spare room left over.
            if consumed == input.len() && out.len() < out.capacity() {
                break;
            }
            debug_assert!(matches!(status, Status::Ok | Status::BufError));
        }
        if out[start..].ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if out.len() == start {
            // zlib writes nothing for an empty message right after a flush; one empty stored
            // block's first byte is what an empty message is on the wire (RFC 7692 §7.2.3.6).
            out.push(0x00);
        }
        if self.reset {
            self.z.reset();
        }
    }
}

/// Why a compressed message could not be inflated.
#[derive(Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The data is not valid DEFLATE.
    Invalid(String),
    /// The inflated message would be larger than the limit.
    TooLarge,
}

/// Inflates incoming messages, piece by piece as their frames arrive.
pub struct Inflater {
    z: Decompress,
    /// The peer forgets its window after each message, so this side may too.
    reset: bool,
    /// Inflated bytes of the current message so far.
    produced: usize,
    /// The sender ended the DEFLATE stream (a final block) in this message: the tail is not
    /// inflated and the next message starts a new stream.
    ended: bool,
}

impl Inflater {
    pub fn new(peer_no_context_takeover: bool) -> Inflater {
        Inflater {
            z: Decompress::new_with_window_bits(false, 15),
            reset: peer_no_context_takeover,
            produced: 0,
            ended: false,
        }
    }

    /// Inflates the next piece of the current message into `out`; stops with `TooLarge` as
    /// soon as the message passes `limit` bytes, so a small bomb never allocates much.
    pub fn piece(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), InflateError> {
        if self.ended && !input.is_empty() {
            return Err(InflateError::Invalid(
                "data after the end of the stream".into(),
            ));
        }
        self.feed(input, out, limit)
    }

    /// Ends the current message (inflates the left-off tail) and gets ready for the next.
    pub fn end(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), InflateError> {
        let r = if self.ended {
            Ok(())
        } else {
            self.feed(&TAIL, out, limit)
        };
        self.produced = 0;
        if self.reset || self.ended || r.is_err() {
            self.z.reset(false);
        }
        self.ended = false;
        r
    }

    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), InflateError> {
        let mut consumed = 0;
        loop {
            let room = (limit + 1).saturating_sub(self.produced);
            if room == 0 {
                return Err(InflateError::TooLarge);
            }
            // Grow geometrically, never past one byte over the limit.
            let step = room.min(out.len().max(64 * 1024));
            out.reserve_exact(step);
            let spare = out.capacity() - out.len();
            let before_in = self.z.total_in();
            let before_out = out.len();
            let status = self
                .z
                .decompress_vec(&input[consumed..], out, FlushDecompress::Sync)
                .map_err(|e| InflateError::Invalid(e.to_string()))?;
            consumed += (self.z.total_in() - before_in) as usize;
            let made = out.len() - before_out;
            self.produced += made;
            if self.produced > limit {
                return Err(InflateError::TooLarge);
            }
            if status == Status::StreamEnd {
                // A final block (BFINAL) ends the stream: nothing of this message may follow
                // it but the tail, which is then not needed.
                self.ended = true;
                if TAIL.starts_with(&input[consumed..]) {
                    return Ok(());
                }
                return Err(InflateError::Invalid(
                    "data after the end of the stream".into(),
                ));
            }
            // All input in, and the output was not what stopped it.
            if consumed == input.len() && made < spare {
                return Ok(());
            }
            if made == 0 && consumed < input.len() && self.z.total_in() == before_in {
                return Err(InflateError::Invalid(
                    "the inflater made no progress".into(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(inf: &mut Inflater, data: &[u8]) -> Result<Vec<u8>, InflateError> {
        let mut out = Vec::new();
        inf.piece(data, &mut out, 1 << 20)?;
        inf.end(&mut out, 1 << 20)?;
        Ok(out)
    }

    #[test]
    fn the_rfc_example_hello() {
        // RFC 7692 §7.2.3.1: "Hello" compressed.
        let mut inf = Inflater::new(false);
        assert_eq!(
            inflate(&mut inf, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]).unwrap(),
            b"Hello"
        );
        let mut out = Vec::new();
        Deflater::new(15, true).message(b"Hello", &mut out);
        assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    }

    #[test]
    fn context_is_kept_between_messages_unless_reset() {
        for reset in [false, true] {
            let mut d = Deflater::new(15, reset);
            let mut i = Inflater::new(reset);
            let msg = b"a message that repeats, a message that repeats".repeat(20);
            let (mut first, mut second) = (Vec::new(), Vec::new());
            d.message(&msg, &mut first);
            d.message(&msg, &mut second);
            assert_eq!(inflate(&mut i, &first).unwrap(), msg);
            assert_eq!(inflate(&mut i, &second).unwrap(), msg);
            // With the context kept the second is a back-reference to the first.
            assert_eq!(second.len() < first.len(), !reset, "reset {reset}");
        }
    }

    #[test]
    fn empty_and_large_messages_round_trip_in_pieces() {
        let mut d = Deflater::new(9, false);
        let mut i = Inflater::new(false);
        let mut big = Vec::new();
        for n in 0..300_000u32 {
            big.extend_from_slice(&n.to_le_bytes()[..3]);
        }
        for msg in [&b""[..], &big, b"x"] {
            let mut z = Vec::new();
            d.message(msg, &mut z);
            let mut out = Vec::new();
            for piece in z.chunks(1000) {
                i.piece(piece, &mut out, 1 << 24).unwrap();
            }
            i.end(&mut out, 1 << 24).unwrap();
            assert_eq!(out, msg);
        }
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let mut z = Vec::new();
        Deflater::new(15, true).message(&vec![0u8; 8 << 20], &mut z);
        assert!(z.len() < 16 << 10);
        let mut i = Inflater::new(true);
        let mut out = Vec::new();
        assert_eq!(i.piece(&z, &mut out, 1 << 20), Err(InflateError::TooLarge));
        assert!(out.capacity() <= (1 << 20) + 1, "{}", out.capacity());
    }

    #[test]
    fn a_final_block_ends_the_message_and_the_next_starts_anew() {
        // "Hi" as one final fixed-Huffman block (BFINAL=1), as some senders write it.
        let mut z = flate2::Compress::new_with_window_bits(Compression::default(), false, 15);
        let mut hi = Vec::with_capacity(64);
        z.compress_vec(b"Hi", &mut hi, FlushCompress::Finish)
            .unwrap();
        let mut i = Inflater::new(false);
        assert_eq!(inflate(&mut i, &hi).unwrap(), b"Hi");
        assert_eq!(inflate(&mut i, &hi).unwrap(), b"Hi");
        let mut d = Deflater::new(15, false);
        let mut hello = Vec::new();
        d.message(b"Hello", &mut hello);
        assert_eq!(inflate(&mut i, &hello).unwrap(), b"Hello");
        assert!(inflate(&mut i, &[hi.clone(), hello].concat()).is_err());
    }

    #[test]
    fn garbage_is_invalid() {
        let mut i = Inflater::new(false);
        assert!(matches!(
            inflate(&mut i, &[0xff, 0xff, 0xff, 0xff]),
            Err(InflateError::Invalid(_))
        ));
    }
}
