//! Holding the peer's frames back from tungstenite, for the server modes that must still send
//! after the peer has had its say.
//!
//! tungstenite answers a close frame the moment it reads one, and refuses every send after
//! that. Two `listen` features need to send first: `--exec` forwards what the program still
//! prints once the client has closed (RFC 6455 §5.5.1 allows data until our close is sent),
//! and `--close-after N` sends its own close right after the Nth message, even when more
//! frames (the client's close among them) arrived in the same read. A [`Gate`] lives in
//! [`FailFast`](crate::wire::failfast::FailFast), which already follows the frame boundaries of what
//! it reads: at the first frame it is told to hold (the peer's close, or the frame after the
//! Nth message) it parks everything from there on, and tungstenite sees nothing more until
//! the gate is released — by our own close frame going out (seen on the write side), by
//! whoever holds the [`Latch`], or when its time limit (`--close-timeout`) is up. Connections without these
//! features have no gate and pay nothing for it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::Duration;

use tokio::sync::Notify;

/// Where the read side stops handing frames to tungstenite.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hold {
    /// Data messages still to let through before holding (`--close-after`).
    pub after_messages: Option<u64>,
    /// Hold at the peer's close frame (`--exec`).
    pub at_close: bool,
}

impl Hold {
    /// Whether a frame whose first header byte is `first` is to be held.
    pub fn parks_at(&self, first: u8) -> bool {
        self.after_messages == Some(0) || (self.at_close && first & 0x0f == 8)
    }

    /// A data message has been let through.
    pub fn message_done(&mut self) {
        if let Some(n) = &mut self.after_messages {
            *n = n.saturating_sub(1);
        }
    }
}

/// The part of a gate shared with the connection's other tasks.
#[derive(Debug, Default)]
pub struct Latch {
    state: Mutex<LatchState>,
    parked: Notify,
}

#[derive(Debug, Default)]
struct LatchState {
    released: bool,
    /// The reader waiting for the held frames.
    waker: Option<Waker>,
    /// The code and reason of the held close frame, when it arrived whole.
    peer_close: Option<(u16, String)>,
}

impl Latch {
    fn lock(&self) -> MutexGuard<'_, LatchState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets the held frames through (again and again is fine).
    pub fn release(&self) {
        let waker = {
            let mut st = self.lock();
            st.released = true;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Waits until frames are held and everything before them has been handled (tungstenite
    /// asked for more). Returns the held close frame's code and reason, when there is one.
    pub async fn parked(&self) -> Option<(u16, String)> {
        self.parked.notified().await;
        self.lock().peer_close.clone()
    }
}

/// The gate itself, boxed inside `FailFast` for the connections that have one.
#[derive(Debug)]
pub struct Gate {
    pub hold: Hold,
    /// Bytes read but not handed over, from the first held frame on.
    pub held: Vec<u8>,
    /// Holding: nothing more goes to tungstenite until released.
    pub parked: bool,
    /// The parked notification went out.
    signalled: bool,
    out: OutFrames,
    pub latch: Arc<Latch>,
    /// Let the held frames through after this long at the latest, whatever happens.
    limit: Option<Duration>,
}

impl Gate {
    pub fn new(hold: Hold, latch: Arc<Latch>, limit: Option<Duration>) -> Gate {
        Gate {
            hold,
            held: Vec::new(),
            parked: false,
            signalled: false,
            out: OutFrames::Http { matched: 0 },
            latch,
            limit,
        }
    }

    /// A gate on a stream with no HTTP head in it: our frames start at the first byte.
    pub fn past_head(mut self) -> Gate {
        self.out = OutFrames::Header {
            buf: [0; 14],
            len: 0,
        };
        self
    }

    /// Whether the held frames may go; if not, `waker` is woken when they may.
    pub fn released(&mut self, waker: &Waker) -> bool {
        let mut st = self.latch.lock();
        if st.released {
            return true;
        }
        st.waker = Some(waker.clone());
        if !self.signalled {
            self.signalled = true;
            st.peer_close = close_of(&self.held);
            drop(st);
            self.parked_now();
        }
        false
    }

    fn parked_now(&self) {
        self.latch.parked.notify_one();
        if let Some(limit) = self.limit {
            let latch = self.latch.clone();
            tokio::spawn(async move {
                tokio::time::sleep(limit).await;
                latch.release();
            });
        }
    }

    /// Stops holding anything from now on.
    pub fn disarm(&mut self) {
        self.hold = Hold::default();
        self.parked = false;
    }

    /// Follows what we write; our close frame going out releases the gate for good.
    pub fn wrote(&mut self, data: &[u8]) {
        if self.out.feed(data) {
            self.disarm();
            self.latch.release();
        }
    }
}

/// The code and reason of a complete close frame at the start of `held`.
fn close_of(held: &[u8]) -> Option<(u16, String)> {
    let h = crate::wire::failfast::parse_header(held)?;
    if held[0] & 0x0f != 8 {
        return None;
    }
    let payload = held.get(h.len..h.len + usize::try_from(h.payload).ok()?)?;
    let mut bytes = payload.to_vec();
    if let Some(m) = h.mask {
        for (i, b) in bytes.iter_mut().enumerate() {
            *b ^= m[i % 4];
        }
    }
    match bytes.as_slice() {
        [] => Some((1005, String::new())),
        [a, b, reason @ ..] => Some((
            u16::from_be_bytes([*a, *b]),
            String::from_utf8_lossy(reason).into_owned(),
        )),
        _ => None,
    }
}

/// Frame boundaries in what we write, to see our close frame go out.
#[derive(Debug)]
enum OutFrames {
    /// The 101 answer, until its blank line.
    Http {
        matched: u8,
    },
    Header {
        buf: [u8; 14],
        len: u8,
    },
    Payload {
        remaining: u64,
    },
    /// Our close went out (or the bytes made no sense): nothing more to follow.
    Done,
}

impl OutFrames {
    /// Follows `data`; true when a close frame starts in it.
    fn feed(&mut self, mut data: &[u8]) -> bool {
        while !data.is_empty() {
            match self {
                OutFrames::Done => return false,
                OutFrames::Http { matched } => {
                    const END: &[u8] = b"\r\n\r\n";
                    let mut i = 0;
                    while i < data.len() && *matched < 4 {
                        *matched = if data[i] == END[usize::from(*matched)] {
                            *matched + 1
                        } else if data[i] == b'\r' {
                            1
                        } else {
                            0
                        };
                        i += 1;
                    }
                    data = &data[i..];
                    if *matched == 4 {
                        *self = OutFrames::Header {
                            buf: [0; 14],
                            len: 0,
                        };
                    }
                }
                OutFrames::Header { buf, len } => {
                    if *len == 0 && data[0] & 0x0f == 8 {
                        *self = OutFrames::Done;
                        return true;
                    }
                    buf[usize::from(*len)] = data[0];
                    *len += 1;
                    data = &data[1..];
                    if let Some(h) = crate::wire::failfast::parse_header(&buf[..usize::from(*len)])
                    {
                        *self = if h.payload == 0 {
                            OutFrames::Header {
                                buf: [0; 14],
                                len: 0,
                            }
                        } else {
                            OutFrames::Payload {
                                remaining: h.payload,
                            }
                        };
                    }
                }
                OutFrames::Payload { remaining } => {
                    let n = (*remaining).min(data.len() as u64);
                    data = &data[n as usize..];
                    *remaining -= n;
                    if *remaining == 0 {
                        *self = OutFrames::Header {
                            buf: [0; 14],
                            len: 0,
                        };
                    }
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_close_is_found_after_the_handshake_and_data_frames() {
        let mut out = OutFrames::Http { matched: 0 };
        assert!(!out.feed(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        // A text frame of 200 bytes (16-bit length), fed in pieces, its payload holding 0x88.
        let mut frame = vec![0x81, 126, 0, 200];
        frame.extend(std::iter::repeat_n(0x88, 200));
        for piece in frame.chunks(7) {
            assert!(!out.feed(piece));
        }
        assert!(!out.feed(&[0x89, 0]));
        assert!(out.feed(&[0x88, 2, 0x03, 0xe8]));
    }

    #[test]
    fn a_whole_close_frame_is_read_back() {
        let mask = [1, 2, 3, 4];
        let payload = [0x0f, 0xa0, b'b', b'y', b'e'];
        let mut f = vec![0x88, 0x80 | 5];
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        assert_eq!(close_of(&f), Some((4000, "bye".to_owned())));
        assert_eq!(close_of(&f[..f.len() - 1]), None);
        assert_eq!(close_of(&[0x88, 0]), Some((1005, String::new())));
    }
}
