//! The prober's frames, both ways, at the byte level: a writer that encodes any frame a case
//! asks for (reserved opcodes and bits, oversized or fragmented control frames, a payload
//! repeated to a length), masked with a fresh key as a client must, and a reader that cuts
//! the server's bytes into frame headers and payload pieces as they arrive, in any split.
//!
//! Neither judges anything: what a frame means is the peer's business (`peer.rs`).

/// One frame to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Out {
    pub opcode: u8,
    pub fin: bool,
    /// The three reserved bits, RSV1 highest (0..=7).
    pub rsv: u8,
    pub payload: Vec<u8>,
}

impl Out {
    pub fn new(opcode: u8, payload: impl Into<Vec<u8>>) -> Out {
        Out {
            opcode,
            fin: true,
            rsv: 0,
            payload: payload.into(),
        }
    }
}

/// `payload` repeated (and cut) to exactly `len` bytes, as Autobahn's `payload_len` does.
pub fn repeat_to(payload: &[u8], len: usize) -> Vec<u8> {
    if payload.is_empty() {
        return Vec::new();
    }
    payload.iter().copied().cycle().take(len).collect()
}

/// The header of a frame with a payload of `len` bytes, masked with `key`.
pub fn header(opcode: u8, fin: bool, rsv: u8, len: usize, key: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::with_capacity(14);
    out.push((u8::from(fin) << 7) | ((rsv & 7) << 4) | (opcode & 0x0f));
    if len <= 125 {
        out.push(0x80 | len as u8);
    } else if len <= 0xffff {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    out
}

/// XORs `data` with `key`, starting at `offset` bytes into the frame's payload.
pub fn mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= key[(offset + i) % 4];
    }
}

/// The whole frame on the wire, masked with a fresh key.
pub fn encode(frame: &Out) -> Vec<u8> {
    let key: [u8; 4] = rand::random();
    let mut out = header(frame.opcode, frame.fin, frame.rsv, frame.payload.len(), key);
    let start = out.len();
    out.extend_from_slice(&frame.payload);
    mask(&mut out[start..], key, 0);
    out
}

/// A received frame's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    /// The 7-bit length field as sent (126 and 127 announce the longer forms).
    pub len7: u8,
    pub len: u64,
    pub mask: [u8; 4],
}

impl Head {
    pub fn is_control(&self) -> bool {
        self.opcode > 7
    }
}

/// What the reader found next in the bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// A frame begins (its payload follows in `Data` pieces, none when it is empty).
    Begin(Head),
    /// Payload bytes of the current frame, unmasked.
    Data(Vec<u8>),
    /// The current frame's payload is complete.
    End,
}

/// Cuts a byte stream into frames; feed it bytes, take pieces until it has none.
#[derive(Debug, Default)]
pub struct Reader {
    buf: Vec<u8>,
    /// The frame whose payload is being read, and how much of it was read.
    current: Option<(Head, u64)>,
}

impl Reader {
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next piece, or `None` when more bytes are needed.
    pub fn next(&mut self) -> Option<Piece> {
        match self.current {
            None => {
                let head = parse_head(&self.buf)?;
                let header_len = header_len(&self.buf);
                self.buf.drain(..header_len);
                self.current = Some((head, 0));
                Some(Piece::Begin(head))
            }
            Some((head, read)) => {
                let rest = head.len - read;
                if rest == 0 {
                    self.current = None;
                    return Some(Piece::End);
                }
                if self.buf.is_empty() {
                    return None;
                }
                let take = (rest.min(self.buf.len() as u64)) as usize;
                let mut data: Vec<u8> = self.buf.drain(..take).collect();
                if head.masked {
                    mask(&mut data, head.mask, read as usize);
                }
                self.current = Some((head, read + take as u64));
                Some(Piece::Data(data))
            }
        }
    }
}

/// How long the header at the start of `buf` is (given that it is complete).
fn header_len(buf: &[u8]) -> usize {
    let masked = buf[1] & 0x80 != 0;
    let ext = match buf[1] & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + ext + if masked { 4 } else { 0 }
}

/// The header at the start of `buf`, once all of it is there.
fn parse_head(buf: &[u8]) -> Option<Head> {
    if buf.len() < 2 || buf.len() < header_len(buf) {
        return None;
    }
    let len7 = buf[1] & 0x7f;
    let (len, at) = match len7 {
        126 => (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
        127 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b), 10)
        }
        n => (u64::from(n), 2),
    };
    let masked = buf[1] & 0x80 != 0;
    let mut mask = [0u8; 4];
    if masked {
        mask.copy_from_slice(&buf[at..at + 4]);
    }
    Some(Head {
        fin: buf[0] & 0x80 != 0,
        rsv: (buf[0] >> 4) & 7,
        opcode: buf[0] & 0x0f,
        masked,
        len7,
        len,
        mask,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unmasks a client frame as a server would, to check what was encoded.
    fn server_view(wire: &[u8]) -> (Head, Vec<u8>) {
        let mut r = Reader::default();
        r.feed(wire);
        let Some(Piece::Begin(head)) = r.next() else {
            panic!("no header")
        };
        let mut payload = Vec::new();
        loop {
            match r.next() {
                Some(Piece::Data(d)) => payload.extend(d),
                Some(Piece::End) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        (head, payload)
    }

    #[test]
    fn encodes_each_length_form_masked() {
        for len in [0, 125, 126, 65535, 65536] {
            let f = Out {
                opcode: 3,
                fin: false,
                rsv: 5,
                payload: repeat_to(b"ab", len),
            };
            let (head, payload) = server_view(&encode(&f));
            assert!(head.masked);
            assert_eq!((head.opcode, head.fin, head.rsv), (3, false, 5));
            assert_eq!(head.len, len as u64);
            assert_eq!(payload, f.payload);
        }
    }

    #[test]
    fn reads_frames_split_one_byte_at_a_time() {
        let mut wire = vec![0x81, 3];
        wire.extend_from_slice(b"abc");
        wire.extend_from_slice(&[0x8a, 0]);
        let mut r = Reader::default();
        let mut pieces = Vec::new();
        for b in &wire {
            r.feed(&[*b]);
            while let Some(p) = r.next() {
                pieces.push(p);
            }
        }
        let data: Vec<u8> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Data(d) => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(data, b"abc");
        let begins = pieces
            .iter()
            .filter(|p| matches!(p, Piece::Begin(_)))
            .count();
        assert_eq!(begins, 2);
        assert_eq!(pieces.last(), Some(&Piece::End));
    }

    #[test]
    fn repeats_a_payload_to_a_length() {
        assert_eq!(repeat_to(b"abc", 7), b"abcabca");
        assert_eq!(repeat_to(b"abc", 2), b"ab");
    }
}
