//! A deliberately careless WebSocket echo server on raw sockets: it answers the upgrade, then
//! echoes every frame as it came (opcode, FIN and RSV bits, payload, unmasked) without checking
//! anything: reserved opcodes and bits, invalid UTF-8, fragmented or oversized control frames,
//! bad close codes all come back. It answers a ping with a pong and a close with the same close,
//! then closes the TCP connection. `check` must give it the FAILED verdicts Autobahn gives it.
//!
//! Used by the tests (tests/cases/check.rs) and, as `examples/careless-echo.rs`, by
//! `.ci/check-compare`, which runs Autobahn against it too.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Serves connections on `listener` until `stop` is set (and one more connection comes in),
/// one thread each.
pub fn serve(listener: TcpListener, stop: &AtomicBool) {
    for stream in listener.incoming().flatten() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        std::thread::spawn(move || {
            let _ = connection(stream);
        });
    }
}

/// The server on 127.0.0.1:0 on its own thread; dropping it stops it.
pub struct Careless {
    pub url: String,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Careless {
    pub fn start() -> Careless {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || serve(listener, &flag));
        Careless {
            url: format!("ws://{addr}/"),
            addr,
            stop,
        }
    }
}

impl Drop for Careless {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn connection(mut s: TcpStream) -> std::io::Result<()> {
    s.set_nodelay(true)?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let key = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    write!(
        s,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    )?;
    buf.drain(..end);
    loop {
        while let Some((frame, used)) = parse(&buf) {
            buf.drain(..used);
            let (b0, opcode, payload) = frame;
            match opcode {
                9 => s.write_all(&encode(0x80 | 10, &payload))?,
                10 => {}
                8 => {
                    s.write_all(&encode(b0, &payload))?;
                    return Ok(());
                }
                _ => s.write_all(&encode(b0, &payload))?,
            }
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A frame as received: its first byte, its opcode, its payload unmasked.
type Frame = (u8, u8, Vec<u8>);

/// One whole frame at the start of `buf`, and how many bytes it took.
fn parse(buf: &[u8]) -> Option<(Frame, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let masked = buf[1] & 0x80 != 0;
    let (len, mut at) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b) as usize, 10)
        }
        126 | 127 => return None,
        n => (n as usize, 2),
    };
    let key_at = at;
    if masked {
        at += 4;
    }
    if buf.len() < at + len {
        return None;
    }
    let mut payload = buf[at..at + len].to_vec();
    if masked {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= buf[key_at + i % 4];
        }
    }
    Some(((buf[0], buf[0] & 0x0f, payload), at + len))
}

/// A server frame (unmasked) with the given first byte.
fn encode(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![b0];
    match payload.len() {
        n if n <= 125 => out.push(n as u8),
        n if n <= 0xffff => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}
