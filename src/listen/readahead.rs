//! The stream under a server connection's WebSocket. The bytes read while telling an upgrade
//! from a plain request come first, put back in front of the socket. After that it reads
//! ahead while data flows, and holds nothing when it does not.
//!
//! tungstenite keeps a read buffer per connection for the connection's whole life and reads
//! at most its size at a time. An idle connection should not pay for a large one, and a busy
//! one should not make a system call per small piece: so the WebSocket's own buffer is small
//! (`config::listen::READ_BUFFER`) and, once a read fills all the room it was given (more is
//! probably waiting), the next one takes up to [`READ_AHEAD`] bytes from the socket at once
//! and hands them over in the pieces tungstenite asks for. The piece is freed as soon as it
//! has been handed over, so between bursts the connection keeps no buffer here.

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
        let room = buf.remaining();
        if room == 0 {
            return Poll::Ready(Ok(()));
        }
        if !this.flowing || room >= READ_AHEAD {
            let before = buf.filled().len();
            let res = Pin::new(&mut this.inner).poll_read(cx, buf);
            this.flowing =
                matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() - before == room;
            return res;
        }
        // Allocated for this read only: when nothing is waiting after all, it is freed at once.
        let mut piece = BytesMut::with_capacity(READ_AHEAD);
        let res = std::pin::pin!(this.inner.read_buf(&mut piece)).poll(cx);
        match res {
            Poll::Ready(Ok(n)) => {
                this.flowing = n >= READ_AHEAD;
                this.ahead = piece.freeze();
                this.hand_over(buf);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => {
                this.flowing = false;
                Poll::Ready(Err(e))
            }
            Poll::Pending => {
                this.flowing = false;
                Poll::Pending
            }
        }
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
    async fn reads_ahead_only_while_data_flows() {
        let (mut tx, rx) = tokio::io::duplex(256 * 1024);
        let mut s = ReadAhead::new(Bytes::new(), rx);
        // A small message: read straight into the caller's buffer.
        tx.write_all(&[1; 100]).await.unwrap();
        let mut piece = [0; 512];
        assert_eq!(s.read(&mut piece).await.unwrap(), 100);
        assert!(!s.flowing && s.ahead.is_empty());
        // A large one: the first read fills the room, the next one reads ahead.
        tx.write_all(&[2; 10_000]).await.unwrap();
        assert_eq!(s.read(&mut piece).await.unwrap(), 512);
        assert!(s.flowing);
        assert_eq!(s.read(&mut piece).await.unwrap(), 512);
        assert_eq!(s.ahead.len(), 10_000 - 1024);
        let mut rest = 0;
        while rest < 10_000 - 1024 {
            rest += s.read(&mut piece).await.unwrap();
        }
        assert_eq!(rest, 10_000 - 1024);
        assert!(s.ahead.is_empty() && !s.flowing);
    }
}
