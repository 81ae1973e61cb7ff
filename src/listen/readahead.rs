//! The stream under a server connection's WebSocket: the bytes read while telling an upgrade
//! from a plain request come first, put back in front of the socket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, ReadBuf};

/// A stream with bytes already read from it put back in front.
pub(super) struct ReadAhead<S> {
    ahead: Bytes,
    inner: S,
}

impl<S> ReadAhead<S> {
    pub fn new(prefix: Bytes, inner: S) -> ReadAhead<S> {
        ReadAhead {
            ahead: prefix,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadAhead<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.ahead.is_empty() {
            let n = self.ahead.len().min(buf.remaining());
            buf.put_slice(&self.ahead[..n]);
            self.ahead.advance(n);
            if self.ahead.is_empty() {
                // Let go of the buffer: an idle connection must not keep it.
                self.ahead = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

forward_write!(ReadAhead);
