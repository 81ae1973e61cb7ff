//! The stream under a connection's WebSocket (a server's, and every client's). For a server,
//! the bytes read while telling an upgrade from a plain request come first, put back in front
//! of the socket. After that it reads ahead while data flows, and holds nothing when it does
//! not. A read into a buffer of at least [`READ_AHEAD`] bytes goes straight through.
//!
//! tungstenite keeps a read buffer per connection for the connection's whole life and reads
//! at most its size at a time. An idle connection should not pay for a large one, and a busy
//! one should not make a system call per small piece: so the WebSocket's own buffer is small
//! (`config::listen::READ_BUFFER`, and `bench`'s) and each read from the socket here takes up to
//! [`READ_AHEAD`] bytes. It lands in a per-thread scratch buffer, from which what fits is
//! handed over and only the rest is copied into a buffer of its own size (a connection that
//! finds nothing allocates nothing); while much is waiting (the last read filled all of
//! `READ_AHEAD`), it lands straight in a buffer of its own. What was read ahead is handed over
//! in the pieces tungstenite asks for and freed as soon as it has been, so between bursts the
//! connection keeps no buffer here.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

/// The most one read from the socket takes while data flows.
pub const READ_AHEAD: usize = 32 * 1024;

/// The most one read takes while an HTTP head is awaited.
const HEAD_READ: usize = 4096;

/// The status line of an accepted upgrade, as far as it tells.
const SWITCHING: &[u8] = b"HTTP/1.1 101 ";

/// A stream with bytes already read from it put back in front, reading ahead while data
/// flows.
pub struct ReadAhead<S> {
    ahead: Bytes,
    inner: S,
    /// The last read filled all the room it had: more is probably waiting.
    flowing: bool,
    /// Until an HTTP head has been handed over whole: how much of its end (`\r\n\r\n`) was.
    head: Option<u8>,
    /// Whether the head's status line was seen (101: the head goes up alone).
    head_known: bool,
}

impl<S> ReadAhead<S> {
    pub fn new(prefix: Bytes, inner: S) -> ReadAhead<S> {
        ReadAhead {
            ahead: prefix,
            inner,
            flowing: false,
            head: None,
            head_known: false,
        }
    }

    /// A client's stream: nothing after the response head is handed over with it, so what
    /// reads the head (tungstenite's handshake) is left holding no frame, and the WebSocket
    /// can be made anew over this stream with a buffer of its own size.
    pub fn until_head(inner: S) -> ReadAhead<S> {
        ReadAhead {
            head: Some(0),
            ..ReadAhead::new(Bytes::new(), inner)
        }
    }

    /// Hands over what was read ahead up to the end of the head at most.
    fn hand_over_head(&mut self, buf: &mut ReadBuf<'_>, matched: u8) {
        const END: &[u8] = b"\r\n\r\n";
        let room = self.ahead.len().min(buf.remaining());
        let mut m = matched;
        let mut n = room;
        for (i, &c) in self.ahead[..room].iter().enumerate() {
            m = if c == END[m as usize] {
                m + 1
            } else if c == b'\r' {
                1
            } else {
                0
            };
            if m as usize == END.len() {
                n = i + 1;
                break;
            }
        }
        buf.put_slice(&self.ahead[..n]);
        self.ahead.advance(n);
        self.head = (m as usize != END.len()).then_some(m);
        if self.ahead.is_empty() {
            self.ahead = Bytes::new();
        }
    }

    /// Hands over what was read ahead, as much as fits.
    fn hand_over(&mut self, buf: &mut ReadBuf<'_>) {
        let n = self.ahead.len().min(buf.remaining());
        buf.put_slice(&self.ahead[..n]);
        self.ahead.advance(n);
        if self.ahead.is_empty() {
            // Let go of the buffer: an idle connection must not keep it.
            self.ahead = Bytes::new();
        }
    }
}

thread_local! {
    /// Where a read lands when it is not known whether much is waiting: what fits is handed
    /// over from here and only the rest is copied into a buffer of its own size, so a
    /// connection that finds nothing allocates nothing. One per worker thread.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_AHEAD].into_boxed_slice());
}

impl<S: AsyncRead + Unpin> ReadAhead<S> {
    /// A read through the thread's scratch buffer.
    fn read_via_scratch(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        SCRATCH.with_borrow_mut(|scratch| {
            let mut piece = ReadBuf::new(scratch);
            let res = Pin::new(&mut self.inner).poll_read(cx, &mut piece);
            if let Poll::Ready(Ok(())) = res {
                let got = piece.filled();
                let n = got.len().min(buf.remaining());
                buf.put_slice(&got[..n]);
                if got.len() > n {
                    self.ahead = Bytes::copy_from_slice(&got[n..]);
                }
                self.flowing = got.len() == READ_AHEAD;
            }
            res
        })
    }

    /// While much is waiting: a read into a buffer of its own, handed over from there.
    fn read_into_piece(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut piece = BytesMut::with_capacity(READ_AHEAD);
        let res = std::pin::pin!(self.inner.read_buf(&mut piece)).poll(cx);
        match res {
            Poll::Ready(Ok(n)) => {
                self.flowing = n >= READ_AHEAD;
                self.ahead = piece.freeze();
                self.hand_over(buf);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadAhead<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(matched) = this.head {
            // Until the status line shows: a 101's head is handed over alone; any other
            // response goes up whole, its body with it (the refusal is shown).
            let deciding = !this.head_known && this.ahead.len() < SWITCHING.len();
            if this.ahead.is_empty() || deciding {
                let mut piece = BytesMut::with_capacity(HEAD_READ);
                piece.extend_from_slice(&this.ahead);
                let before = piece.len();
                ready!(std::pin::pin!(this.inner.read_buf(&mut piece)).poll(cx))?;
                let eof = piece.len() == before;
                this.ahead = piece.freeze();
                if deciding && this.ahead.len() < SWITCHING.len() && !eof {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
            }
            if !this.head_known {
                this.head_known = true;
                if !this.ahead.starts_with(SWITCHING) {
                    this.head = None;
                    if !this.ahead.is_empty() {
                        this.hand_over(buf);
                    }
                    return Poll::Ready(Ok(()));
                }
            }
            this.hand_over_head(buf, matched);
            return Poll::Ready(Ok(()));
        }
        if !this.ahead.is_empty() {
            this.hand_over(buf);
            return Poll::Ready(Ok(()));
        }
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if buf.remaining() >= READ_AHEAD {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let res = if this.flowing {
            this.read_into_piece(cx, buf)
        } else {
            this.read_via_scratch(cx, buf)
        };
        if !matches!(res, Poll::Ready(Ok(()))) {
            this.flowing = false;
        }
        res
    }
}

forward_write!(ReadAhead);

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// Reads everything in pieces of at most `size` bytes, as tungstenite would.
    async fn read_all<S: AsyncRead + Unpin>(s: &mut ReadAhead<S>, size: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut piece = vec![0; size];
        loop {
            let n = s.read(&mut piece).await.unwrap();
            if n == 0 {
                return out;
            }
            assert!(n <= size);
            out.extend_from_slice(&piece[..n]);
        }
    }

    #[tokio::test]
    async fn the_prefix_comes_first_then_everything_in_order_in_small_pieces() {
        let (mut tx, rx) = tokio::io::duplex(256 * 1024);
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        tx.write_all(&data).await.unwrap();
        drop(tx);
        let mut s = ReadAhead::new(Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n"), rx);
        let got = read_all(&mut s, 512).await;
        assert_eq!(&got[..18], b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(&got[18..], &data[..]);
        // Nothing is kept once everything was handed over.
        assert!(s.ahead.is_empty());
    }

    #[tokio::test]
    async fn until_head_hands_over_nothing_past_the_head_with_it() {
        let (mut tx, rx) = tokio::io::duplex(64 * 1024);
        let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
        let mut sent = head.to_vec();
        sent.extend_from_slice(&[0x81, 2, b'h', b'i']);
        tx.write_all(&sent).await.unwrap();
        drop(tx);
        let mut s = ReadAhead::until_head(rx);
        let mut got = Vec::new();
        let mut piece = [0; 7];
        while !got.ends_with(b"\r\n\r\n") {
            let n = s.read(&mut piece).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&piece[..n]);
        }
        assert_eq!(got, head);
        assert!(s.head.is_none());
        // The frame sent with it comes after, whole.
        assert_eq!(read_all(&mut s, 512).await, [0x81, 2, b'h', b'i']);
    }

    #[tokio::test]
    async fn until_head_hands_over_a_refusal_with_its_body() {
        let (mut tx, rx) = tokio::io::duplex(64 * 1024);
        let sent = b"HTTP/1.1 403 Forbidden\r\ncontent-length: 7\r\n\r\ngo away";
        tx.write_all(sent).await.unwrap();
        drop(tx);
        let mut s = ReadAhead::until_head(rx);
        let mut piece = [0; 4096];
        let n = s.read(&mut piece).await.unwrap();
        assert_eq!(&piece[..n], sent);
    }

    #[tokio::test]
    async fn what_does_not_fit_is_kept_until_handed_over() {
        let (mut tx, rx) = tokio::io::duplex(256 * 1024);
        let mut s = ReadAhead::new(Bytes::new(), rx);
        let mut piece = [0; 512];
        // A small message: nothing kept.
        tx.write_all(&[1; 100]).await.unwrap();
        assert_eq!(s.read(&mut piece).await.unwrap(), 100);
        assert!(s.ahead.is_empty() && !s.flowing);
        // A larger one: one read from the stream, the rest kept and handed over.
        tx.write_all(&[2; 10_000]).await.unwrap();
        assert_eq!(s.read(&mut piece).await.unwrap(), 512);
        assert_eq!(s.ahead.len(), 10_000 - 512);
        assert!(!s.flowing);
        let mut rest = 0;
        while rest < 10_000 - 512 {
            rest += s.read(&mut piece).await.unwrap();
        }
        assert!(s.ahead.is_empty());
        // More than one read ahead takes: the next read goes straight into a piece of its own.
        tx.write_all(&vec![3; 2 * READ_AHEAD + 1]).await.unwrap();
        assert_eq!(s.read(&mut piece).await.unwrap(), 512);
        assert!(s.flowing);
        let mut got = 512;
        while got < 2 * READ_AHEAD + 1 {
            got += s.read(&mut piece).await.unwrap();
        }
        assert_eq!(got, 2 * READ_AHEAD + 1);
        assert!(s.ahead.is_empty() && !s.flowing);
    }
}
