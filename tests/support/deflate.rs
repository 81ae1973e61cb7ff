//! A raw permessage-deflate peer for the tests, written from RFC 6455 and RFC 7692 with flate2
//! directly (none of wsprobe's code): frames are read and written by hand, so a test can see
//! RSV1 and every frame boundary, and can send what no library would (bombs, garbage, RSV1 on
//! a ping, compressed frames in the same write as the 101).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// One frame as it was on the wire (payload unmasked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub fin: bool,
    pub rsv1: bool,
    pub opcode: u8,
    pub payload: Vec<u8>,
}

/// Reads one frame; `None` at the end of the stream.
pub async fn read_frame<S: AsyncRead + Unpin>(s: &mut S) -> Option<Frame> {
    let mut h = [0u8; 2];
    s.read_exact(&mut h).await.ok()?;
    let masked = h[1] & 0x80 != 0;
    let len = match h[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            s.read_exact(&mut b).await.ok()?;
            u64::from(u16::from_be_bytes(b))
        }
        127 => {
            let mut b = [0u8; 8];
            s.read_exact(&mut b).await.ok()?;
            u64::from_be_bytes(b)
        }
        n => u64::from(n),
    };
    let mut key = [0u8; 4];
    if masked {
        s.read_exact(&mut key).await.ok()?;
    }
    let mut payload = vec![0u8; usize::try_from(len).ok()?];
    s.read_exact(&mut payload).await.ok()?;
    if masked {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= key[i % 4];
        }
    }
    Some(Frame {
        fin: h[0] & 0x80 != 0,
        rsv1: h[0] & 0x40 != 0,
        opcode: h[0] & 0x0f,
        payload,
    })
}

/// A frame's bytes; `mask`: as a client sends them.
pub fn frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8], mask: bool) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode];
    let m = if mask { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n <= 0xffff => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if mask {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        out.extend_from_slice(&key);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// One direction's compression state (RFC 7692 §7.2).
pub struct Codec {
    compress: Compress,
    decompress: Decompress,
    /// Start every message afresh (no context takeover) when sending / reading.
    pub reset_out: bool,
    pub reset_in: bool,
    bits_in: u8,
}

impl Codec {
    /// Compresses with a window of `bits_out`, inflates with a window of `bits_in`.
    pub fn new(bits_out: u8, bits_in: u8) -> Codec {
        Codec {
            compress: Compress::new_with_window_bits(Compression::default(), false, bits_out),
            decompress: Decompress::new_with_window_bits(false, bits_in),
            reset_out: false,
            reset_in: false,
            bits_in,
        }
    }

    /// A message's compressed payload: sync-flushed, the trailing `00 00 ff ff` removed.
    pub fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        if self.reset_out {
            self.compress.reset();
        }
        let mut out = Vec::with_capacity(data.len() + 64);
        let mut input = data;
        loop {
            let before = self.compress.total_in();
            self.compress
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .unwrap();
            input = &input[(self.compress.total_in() - before) as usize..];
            if input.is_empty() && out.ends_with(&[0, 0, 0xff, 0xff]) {
                break;
            }
            out.reserve(out.capacity().max(1024));
        }
        out.truncate(out.len() - 4);
        out
    }

    /// Inflates a message's payload; `Err` when the data is not valid deflate.
    pub fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, String> {
        if self.reset_in {
            self.decompress = Decompress::new_with_window_bits(false, self.bits_in);
        }
        let mut input = data.to_vec();
        input.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let mut out = Vec::with_capacity(data.len() * 4 + 64);
        let mut rest = &input[..];
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(4096));
            }
            let (i, o) = (self.decompress.total_in(), self.decompress.total_out());
            let status = self
                .decompress
                .decompress_vec(rest, &mut out, FlushDecompress::Sync)
                .map_err(|e| e.to_string())?;
            rest = &rest[(self.decompress.total_in() - i) as usize..];
            let room = out.len() < out.capacity();
            if status == Status::StreamEnd || (rest.is_empty() && room) {
                break;
            }
            if room && self.decompress.total_out() == o && self.decompress.total_in() == i {
                return Err("the deflate data stops making progress".into());
            }
        }
        Ok(out)
    }
}

/// A data message as it arrived: its opcode, its frames, and its inflated payload.
#[derive(Debug)]
pub struct Received {
    pub opcode: u8,
    pub frames: Vec<Frame>,
    pub data: Vec<u8>,
}

/// Reads the next data message (control frames are returned as messages of their own, with
/// `data` their payload).
pub async fn read_message<S: AsyncRead + Unpin>(s: &mut S, codec: &mut Codec) -> Option<Received> {
    let first = read_frame(s).await?;
    if first.opcode >= 8 {
        return Some(Received {
            opcode: first.opcode,
            data: first.payload.clone(),
            frames: vec![first],
        });
    }
    let mut frames = vec![first];
    while !frames.last().unwrap().fin {
        frames.push(read_frame(s).await?);
    }
    let payload: Vec<u8> = frames.iter().flat_map(|f| f.payload.clone()).collect();
    let data = if frames[0].rsv1 {
        codec.inflate(&payload).expect("the message inflates")
    } else {
        payload
    };
    Some(Received {
        opcode: frames[0].opcode,
        frames,
        data,
    })
}

/// Reads an HTTP request head from a raw connection; returns it as text.
pub async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read_exact(&mut b).await.is_err() {
            break;
        }
        head.push(b[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The value of a header in a head, if present (the first line of that name).
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// Reads the upgrade request and answers 101 with `extensions` (none when `None`), followed
/// in the same write by `then`. Returns the request head.
pub async fn accept(tcp: &mut TcpStream, extensions: Option<&str>, then: &[u8]) -> String {
    let head = read_head(tcp).await;
    let key = header(&head, "sec-websocket-key").expect("a key");
    let mut resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        derive_accept_key(key.as_bytes())
    );
    if let Some(e) = extensions {
        resp.push_str(&format!("Sec-WebSocket-Extensions: {e}\r\n"));
    }
    resp.push_str("\r\n");
    let mut out = resp.into_bytes();
    out.extend_from_slice(then);
    tcp.write_all(&out).await.unwrap();
    head
}

/// Opens a raw client connection offering `offer`; returns the stream and the response head.
pub async fn connect(addr: &str, offer: Option<&str>) -> (TcpStream, String) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let mut req = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    if let Some(o) = offer {
        req.push_str(&format!("Sec-WebSocket-Extensions: {o}\r\n"));
    }
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes()).await.unwrap();
    let head = read_head(&mut tcp).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    (tcp, head)
}

/// The close code of a close frame's payload.
pub fn close_code(payload: &[u8]) -> Option<u16> {
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}

/// Text that compresses well but still has structure over a long distance: lines that repeat
/// with small changes, `n` bytes long, no newline.
pub fn compressible(n: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < n {
        s.push_str(&format!(
            "{{\"seq\":{i},\"name\":\"sensor-{}\",\"ok\":true}} ",
            i % 7
        ));
        i += 1;
    }
    s.truncate(n);
    s
}
