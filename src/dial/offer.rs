//! Subprotocols the way browsers handle them: a client that offers subprotocols accepts a
//! server that chooses none (the `protocol` attribute is then empty), and fails only when the
//! server chooses one it did not offer (WHATWG WebSockets; RFC 6455 §4.1).
//!
//! tungstenite refuses a server that chooses none (`NoSubProtocol`), and Python `websockets`
//! does just that unless its application names subprotocols. So the offer is kept away from
//! tungstenite: [`Offer`] sits below it, adds the `Sec-WebSocket-Protocol` header to the
//! request as it is written (after the request line), and takes the server's choice out of
//! the response head before tungstenite reads it, keeping it for the client to check.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The `Sec-WebSocket-Protocol` values the server answered with (normally none or one).
pub type Chosen = Arc<Mutex<Vec<String>>>;

/// A response head larger than this is passed on untouched (tungstenite refuses it anyway).
const HEAD_LIMIT: usize = 16 * 1024;

#[derive(Debug)]
enum Write {
    /// The header line to add once the request line has been written; whether the last byte
    /// written was a CR.
    Before(Vec<u8>, bool),
    /// Writing the added line: what is left of it.
    Adding(Vec<u8>, usize),
    Done,
}

#[derive(Debug)]
enum Read {
    /// Collecting the response head.
    Head(Vec<u8>),
    /// Handing out the (rewritten) head and what came with it.
    Serving(Vec<u8>, usize),
    Done,
}

#[derive(Debug)]
pub struct Offer<S> {
    inner: S,
    write: Write,
    read: Read,
    chosen: Chosen,
}

impl<S> Offer<S> {
    /// Offers `protocols` (none: the stream is passed through untouched).
    pub fn new(inner: S, protocols: &[String]) -> (Offer<S>, Chosen) {
        let chosen = Chosen::default();
        let (write, read) = if protocols.is_empty() {
            (Write::Done, Read::Done)
        } else {
            let line = format!("Sec-WebSocket-Protocol: {}\r\n", protocols.join(", "));
            (
                Write::Before(line.into_bytes(), false),
                Read::Head(Vec::new()),
            )
        };
        let offer = Offer {
            inner,
            write,
            read,
            chosen: chosen.clone(),
        };
        (offer, chosen)
    }
}

/// Takes the `Sec-WebSocket-Protocol` lines out of a complete response head (which ends with
/// its blank line), returning their values.
fn take_choice(head: &[u8]) -> (Vec<u8>, Vec<String>) {
    let mut out = Vec::with_capacity(head.len());
    let mut values = Vec::new();
    let mut rest = head;
    let mut first = true;
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        let line = &rest[..i];
        rest = &rest[i + 2..];
        let name_value = (!first)
            .then(|| line.iter().position(|&b| b == b':'))
            .flatten()
            .map(|c| (&line[..c], &line[c + 1..]));
        first = false;
        if let Some((name, value)) = name_value {
            if name
                .trim_ascii()
                .eq_ignore_ascii_case(b"sec-websocket-protocol")
            {
                values.push(String::from_utf8_lossy(value.trim_ascii()).into_owned());
                continue;
            }
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(rest);
    (out, values)
}

impl<S: AsyncRead + Unpin> AsyncRead for Offer<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            match &mut this.read {
                Read::Done => return Pin::new(&mut this.inner).poll_read(cx, buf),
                Read::Serving(data, off) => {
                    let n = (data.len() - *off).min(buf.remaining());
                    buf.put_slice(&data[*off..*off + n]);
                    *off += n;
                    if *off == data.len() {
                        this.read = Read::Done;
                    }
                    return Poll::Ready(Ok(()));
                }
                Read::Head(head) => {
                    let mut chunk = [0u8; 4096];
                    let mut tmp = ReadBuf::new(&mut chunk);
                    match Pin::new(&mut this.inner).poll_read(cx, &mut tmp) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Ready(Ok(())) => {}
                    }
                    let got = tmp.filled();
                    let at_end = got.is_empty();
                    head.extend_from_slice(got);
                    let end = head.windows(4).position(|w| w == b"\r\n\r\n");
                    let data = match end {
                        Some(i) => {
                            let (mut out, values) = take_choice(&head[..i + 4]);
                            *this.chosen.lock().unwrap_or_else(|e| e.into_inner()) = values;
                            out.extend_from_slice(&head[i + 4..]);
                            out
                        }
                        // Not a head to rewrite: what came is passed on as it is.
                        None if at_end || head.len() > HEAD_LIMIT => std::mem::take(head),
                        None => continue,
                    };
                    this.read = if data.is_empty() {
                        Read::Done
                    } else {
                        Read::Serving(data, 0)
                    };
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> Offer<S> {
    /// Writes what is left of the added header line, if it is being written.
    fn write_added(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Write::Adding(line, off) = &mut self.write {
            match Pin::new(&mut self.inner).poll_write(cx, &line[*off..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    *off += n;
                    if *off == line.len() {
                        self.write = Write::Done;
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Offer<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        loop {
            match &mut this.write {
                Write::Done => return Pin::new(&mut this.inner).poll_write(cx, buf),
                Write::Adding(..) => match this.write_added(cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                },
                Write::Before(line, after_cr) => {
                    // Up to and including the LF that ends the request line.
                    let lf = buf.iter().enumerate().position(|(i, &b)| {
                        b == b'\n'
                            && (if i == 0 {
                                *after_cr
                            } else {
                                buf[i - 1] == b'\r'
                            })
                    });
                    let upto = lf.map_or(buf.len(), |i| i + 1);
                    let res = Pin::new(&mut this.inner).poll_write(cx, &buf[..upto]);
                    if let Poll::Ready(Ok(n)) = res {
                        if n > 0 {
                            *after_cr = buf[n - 1] == b'\r';
                        }
                        if lf.is_some() && n == upto {
                            let line = std::mem::take(line);
                            this.write = Write::Adding(line, 0);
                        }
                    }
                    return res;
                }
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // The added line goes out with the request, before anything is flushed.
        match this.write_added(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn the_choice_is_taken_out_of_the_head() {
        let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
            sec-websocket-protocol:  chat \r\nConnection: Upgrade\r\n\r\n";
        let (out, values) = take_choice(head);
        assert_eq!(values, ["chat"]);
        assert_eq!(
            out,
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        );
        let (out, values) = take_choice(b"HTTP/1.1 101 X\r\n\r\n");
        assert!(values.is_empty());
        assert_eq!(out, b"HTTP/1.1 101 X\r\n\r\n");
    }

    #[tokio::test]
    async fn the_offer_follows_the_request_line_whatever_the_write_sizes() {
        let request = b"GET /chat HTTP/1.1\r\nHost: h\r\n\r\n";
        for split in 1..request.len() {
            let (client, mut server) = tokio::io::duplex(4096);
            let (mut offer, _) = Offer::new(client, &["a".into(), "b".into()]);
            offer.write_all(&request[..split]).await.unwrap();
            offer.write_all(&request[split..]).await.unwrap();
            offer.flush().await.unwrap();
            drop(offer);
            let mut sent = Vec::new();
            server.read_to_end(&mut sent).await.unwrap();
            assert_eq!(
                sent, b"GET /chat HTTP/1.1\r\nSec-WebSocket-Protocol: a, b\r\nHost: h\r\n\r\n",
                "split at {split}"
            );
        }
    }

    #[tokio::test]
    async fn the_response_head_is_read_whole_and_frames_after_it_kept() {
        let response = b"HTTP/1.1 101 OK\r\nSec-WebSocket-Protocol: b\r\n\r\n\x81\x02hi";
        for split in 1..response.len() {
            let (client, mut server) = tokio::io::duplex(4096);
            let (mut offer, chosen) = Offer::new(client, &["a".into(), "b".into()]);
            server.write_all(&response[..split]).await.unwrap();
            let rest = response[split..].to_vec();
            let writer = tokio::spawn(async move {
                tokio::task::yield_now().await;
                server.write_all(&rest).await.unwrap();
            });
            let mut got = vec![0u8; 23];
            offer.read_exact(&mut got).await.unwrap();
            writer.await.unwrap();
            assert_eq!(
                got, b"HTTP/1.1 101 OK\r\n\r\n\x81\x02hi",
                "split at {split}"
            );
            assert_eq!(*chosen.lock().unwrap(), ["b"]);
        }
    }
}
