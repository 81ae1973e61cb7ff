//! The stream under a server connection's WebSocket. The bytes read while telling an upgrade
//! from a plain request come first, put back in front of the socket. After that it reads
//! ahead while data flows, and holds nothing when it does not.
//!
//! tungstenite keeps a read buffer per connection for the connection's whole life and reads
//! at most its size at a time. An idle connection should not pay for a large one, and a busy
//! one should not make a system call per small piece: so the WebSocket's own buffer is small
//! (`config::listen::READ_BUFFER`) and each read from the socket here takes up to
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
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

/// The most one read from the socket takes while data flows.
pub const READ_AHEAD: usize = 32 * 1024;

/// A stream with bytes already read from it put back in front, reading ahead while data
/// flows.
pub(super) struct ReadAhead<S> {
    ahead: Bytes,
    inner: S,
    /// The last read filled all the room it had: more is probably waiting.
    flowing: bool,
}

impl<S> ReadAhead<S> {
    pub fn new(prefix: Bytes, inner: S) -> ReadAhead<S> {
        ReadAhead {
            ahead: prefix,
            inner,
            flowing: false,
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
