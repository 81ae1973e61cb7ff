//! The first bytes a server sends, kept aside so that a failed WebSocket handshake can say
//! what the server speaks: a TLS server answers a plain `GET` with a TLS record (an alert,
//! `15 03 0x …`), which tungstenite only reports as "invalid HTTP version".
//!
//! [`Sniff`] copies at most [`KEPT`] bytes of the first read that returns data, then stops
//! looking; the copy lives in a shared cell because a failed handshake consumes the stream.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How many of the first bytes are kept.
pub const KEPT: usize = 8;

/// A stream that remembers the first bytes read from it.
pub struct Sniff<S> {
    inner: S,
    first: Option<Arc<OnceLock<Vec<u8>>>>,
}

/// The first bytes [`Sniff`] saw, once there were some.
#[derive(Clone, Default)]
pub struct FirstBytes(Arc<OnceLock<Vec<u8>>>);

impl FirstBytes {
    pub fn get(&self) -> Option<&[u8]> {
        self.0.get().map(Vec::as_slice)
    }

    /// Whether they begin a TLS record (alert or handshake, any TLS version).
    pub fn is_tls(&self) -> bool {
        matches!(self.get(), Some([0x15 | 0x16, 0x03, ..]))
    }
}

impl<S> Sniff<S> {
    pub fn new(inner: S) -> (Sniff<S>, FirstBytes) {
        let cell = Arc::new(OnceLock::new());
        (
            Sniff {
                inner,
                first: Some(cell.clone()),
            },
            FirstBytes(cell),
        )
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Sniff<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if let Some(cell) = this.first.take() {
            let new = &buf.filled()[before..];
            let _ = cell.set(new[..new.len().min(KEPT)].to_vec());
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniff<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
