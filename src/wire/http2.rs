//! One HTTP/2 stream as a byte stream (RFC 8441): what a WebSocket opened with extended
//! CONNECT runs over, in both roles, under the same `wire` stack as a TCP connection.
//!
//! Flow control is HTTP/2's: a read hands over DATA as it came and gives the window back
//! (`release_capacity`) for exactly what was handed over, so a reader that stops reading
//! stops its own stream and no other; a write asks for window (`reserve_capacity`) and
//! sends no more than it was given. Shutting down the write side sends END_STREAM, the
//! HTTP/2 form of a TCP FIN. An RST_STREAM or GOAWAY becomes an I/O error that names the
//! error code in words.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{ready, Context, Poll, Waker};

use bytes::{Buf, Bytes};
use h2::{RecvStream, SendStream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most handed to HTTP/2 in one write (it is copied into a DATA frame's buffer).
const WRITE_CHUNK: usize = 64 * 1024;

/// A WebSocket's HTTP/2 stream: the two halves h2 gives, and DATA received but not yet read.
pub struct H2Stream {
    send: SendStream<Bytes>,
    /// Always there until the stream is dropped (which may hand it to a lingering task).
    recv: Option<RecvStream>,
    pending: Bytes,
    /// END_STREAM was sent.
    ended: bool,
    /// How the connection under the stream ended, when its task tells (client).
    connection: Option<Arc<ConnectionEnd>>,
}

/// How an HTTP/2 connection ended, told by the task that drives it: a stream only sees "broken
/// pipe" when the connection goes, while the connection knows the GOAWAY that came first.
#[derive(Default)]
pub struct ConnectionEnd {
    /// The GOAWAY or error, in words (none: it ended without one).
    words: OnceLock<Option<String>>,
    waker: Mutex<Option<Waker>>,
}

impl ConnectionEnd {
    /// The connection's task is over, with this result.
    pub fn tell(&self, result: Result<(), h2::Error>) {
        let words = match result {
            Err(e) if !e.is_io() => Some(words(&e)),
            _ => None,
        };
        let _ = self.words.set(words);
        if let Some(w) = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take() {
            w.wake();
        }
    }

    /// What the connection's end says, once it is known; `Pending` (woken) until then.
    fn poll_told(&self, cx: &mut Context<'_>) -> Poll<Option<String>> {
        if let Some(w) = self.words.get() {
            return Poll::Ready(w.clone());
        }
        *self.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        match self.words.get() {
            Some(w) => Poll::Ready(w.clone()),
            None => Poll::Pending,
        }
    }
}

impl H2Stream {
    pub fn new(send: SendStream<Bytes>, recv: RecvStream) -> H2Stream {
        H2Stream {
            send,
            recv: Some(recv),
            pending: Bytes::new(),
            ended: false,
            connection: None,
        }
    }

    /// A stream whose connection's task tells `end` how it ended: the stream's errors that are
    /// the connection going away then name its GOAWAY.
    pub fn ending_with(mut self, end: Arc<ConnectionEnd>) -> H2Stream {
        self.connection = Some(end);
        self
    }

    /// An h2 error as the stream reports it: when it is the connection going away (an I/O
    /// error), what the connection's end says, once known.
    fn poll_error(&self, cx: &mut Context<'_>, e: &h2::Error) -> Poll<io::Error> {
        match (&self.connection, e.is_io()) {
            (Some(end), true) => match ready!(end.poll_told(cx)) {
                Some(words) => Poll::Ready(io::Error::new(io::ErrorKind::ConnectionReset, words)),
                None => Poll::Ready(io_error(e)),
            },
            _ => Poll::Ready(io_error(e)),
        }
    }

    /// Hands over what fits of the DATA received, giving its window back.
    fn hand_over(&mut self, buf: &mut ReadBuf<'_>) -> io::Result<()> {
        let n = self.pending.len().min(buf.remaining());
        buf.put_slice(&self.pending[..n]);
        self.pending.advance(n);
        if self.pending.is_empty() {
            // An idle stream keeps no buffer.
            self.pending = Bytes::new();
        }
        match self.recv.as_mut() {
            Some(recv) => recv
                .flow_control()
                .release_capacity(n)
                .map_err(|e| io_error(&e)),
            None => Ok(()),
        }
    }

    /// Why the stream cannot be written to: the peer's RST_STREAM if it sent one.
    fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        match ready!(self.send.poll_reset(cx)) {
            Ok(reason) => Poll::Ready(io::Error::new(
                io::ErrorKind::BrokenPipe,
                format!("the peer reset the HTTP/2 stream: {}", reason_words(reason)),
            )),
            Err(e) => self.poll_error(cx, &e),
        }
    }
}

impl AsyncRead for H2Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.pending.is_empty() {
                return Poll::Ready(this.hand_over(buf));
            }
            let Some(recv) = this.recv.as_mut() else {
                return Poll::Ready(Ok(()));
            };
            match ready!(recv.poll_data(cx)) {
                // END_STREAM: the end of the byte stream.
                None => return Poll::Ready(Ok(())),
                Some(Ok(data)) => {
                    if data.is_empty() {
                        continue;
                    }
                    this.pending = data;
                }
                // A peer that has said all it had may reset the rest "without error" (RFC
                // 9113 §8.1): that is the end of the stream too.
                Some(Err(e)) if e.is_reset() && e.reason() == Some(h2::Reason::NO_ERROR) => {
                    return Poll::Ready(Ok(()))
                }
                Some(Err(e)) => return this.poll_error(cx, &e).map(Err),
            }
        }
    }
}

impl Drop for H2Stream {
    /// Dropping the stream closes it, as dropping a socket does: END_STREAM (the FIN) if it
    /// was not sent. A peer that has not ended its side yet gets a moment to (its last frames
    /// are read and dropped): h2 would otherwise reset the stream with CANCEL, and the peer
    /// would take its WebSocket for cut off — and a reset of ours would throw away our own
    /// last frames (the close frame) still queued.
    fn drop(&mut self) {
        if !self.ended {
            self.ended = true;
            let _ = self.send.send_data(Bytes::new(), true);
        }
        let Some(recv) = self.recv.take().filter(|r| !r.is_end_stream()) else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(linger(recv));
        }
    }
}

/// How long a dropped stream waits for the peer's END_STREAM.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Reads (and drops) what the peer still sends until its END_STREAM, for [`LINGER`] at most.
async fn linger(mut recv: RecvStream) {
    let drain = async {
        while let Some(Ok(data)) = recv.data().await {
            let _ = recv.flow_control().release_capacity(data.len());
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

impl AsyncWrite for H2Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            let window = this.send.capacity();
            if window > 0 {
                let n = window.min(buf.len());
                let data = Bytes::copy_from_slice(&buf[..n]);
                return match this.send.send_data(data, false) {
                    Ok(()) => Poll::Ready(Ok(n)),
                    Err(_) => this.poll_closed(cx).map(Err),
                };
            }
            this.send.reserve_capacity(buf.len().min(WRITE_CHUNK));
            match ready!(this.send.poll_capacity(cx)) {
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return this.poll_closed(cx).map(Err),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // The connection's task writes the frames out as soon as it can.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.ended {
            this.ended = true;
            // A stream the peer reset has nothing to end.
            let _ = this.send.send_data(Bytes::new(), true);
        }
        Poll::Ready(Ok(()))
    }
}

/// An HTTP/2 error code with its name and meaning: `CANCEL (stream no longer needed)`.
pub fn reason_words(reason: h2::Reason) -> String {
    format!("{reason:?} ({})", reason.description())
}

/// An h2 error as an I/O error whose message says what happened in words.
pub fn io_error(e: &h2::Error) -> io::Error {
    if let Some(io) = e.get_io() {
        return io::Error::new(io.kind(), io.to_string());
    }
    let kind = if e.is_reset() || e.is_go_away() {
        io::ErrorKind::ConnectionReset
    } else {
        io::ErrorKind::InvalidData
    };
    io::Error::new(kind, words(e))
}

/// What an h2 error means, in a sentence.
pub fn words(e: &h2::Error) -> String {
    let Some(reason) = e.reason() else {
        return format!("HTTP/2: {e}");
    };
    let code = reason_words(reason);
    match (e.is_go_away(), e.is_reset(), e.is_remote()) {
        (true, _, true) => format!("the peer closed the HTTP/2 connection: GOAWAY {code}"),
        (true, _, false) => format!("the HTTP/2 connection failed: GOAWAY {code}"),
        (_, true, true) => format!("the peer reset the HTTP/2 stream: RST_STREAM {code}"),
        (_, true, false) => format!("the HTTP/2 stream was reset: RST_STREAM {code}"),
        _ => format!("HTTP/2 protocol error: {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_named_and_explained() {
        assert_eq!(
            reason_words(h2::Reason::CANCEL),
            "CANCEL (stream no longer needed)"
        );
        let e = h2::Error::from(h2::Reason::PROTOCOL_ERROR);
        assert_eq!(
            words(&e),
            "HTTP/2 protocol error: PROTOCOL_ERROR (unspecific protocol error detected)"
        );
    }
}
