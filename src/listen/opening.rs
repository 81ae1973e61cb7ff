//! A connection's first bytes: TLS (with `--tls-*`), then the request head. A plain HTTP
//! request is answered here ([`http`](super::http)); an upgrade request goes on to the
//! handshake with the bytes already read; HTTP/2 (h2 chosen in TLS, or the cleartext
//! preface) goes on to [`http2`](super::http2).

use std::net::SocketAddr;

use bytes::Bytes;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::http::{self, Peeked};
use super::server::Server;
use super::HANDSHAKE_TIMEOUT;
use crate::error::ErrorKind;
use crate::session::{Conn, Event};
use crate::wire::transport::Accepted;

/// How a connection goes on after its first bytes.
pub(super) enum Opened {
    /// An HTTP/1.1 upgrade request: the stream and the request's bytes.
    Upgrade(Accepted, Bytes),
    /// HTTP/2: h2 chosen in TLS (ALPN), or the cleartext connection preface (h2c).
    Http2(Accepted),
}

/// The start of the HTTP/2 connection preface (`PRI * HTTP/2.0`): no HTTP/1.1 method.
const PREFACE_START: &[u8] = b"PRI ";

/// The stream and what it starts with, or `None` when the connection ended here (a plain
/// HTTP request answered, an idle socket, a failure, each logged as it deserves).
pub(super) async fn upgrade_request(
    server: &Server,
    conn: &Conn,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<Opened> {
    let mut stream = match &server.tls {
        None if server.plan.http2 => match first_bytes(&tcp).await {
            First::Preface => return Some(Opened::Http2(Accepted::Tcp(tcp))),
            First::Other => Accepted::Tcp(tcp),
            First::Nothing => {
                idle(server, conn, peer);
                return None;
            }
        },
        None => Accepted::Tcp(tcp),
        Some(acceptor) => tls(server, conn, acceptor, tcp, peer).await?,
    };
    if let Accepted::Tls(s) = &stream {
        if s.get_ref().1.alpn_protocol() == Some(b"h2") {
            return Some(Opened::Http2(stream));
        }
    }
    let prefix = request_head(server, conn, &mut stream, peer).await?;
    Some(Opened::Upgrade(stream, prefix))
}

/// What a cleartext connection starts with.
enum First {
    /// The HTTP/2 preface (h2c).
    Preface,
    /// Anything else (or the end): HTTP/1.1 reads it.
    Other,
    /// Nothing within the handshake time.
    Nothing,
}

/// Looks at (does not read) a cleartext connection's first bytes for the HTTP/2 preface.
async fn first_bytes(tcp: &TcpStream) -> First {
    let mut first = [0u8; 4];
    let deadline = tokio::time::Instant::now() + HANDSHAKE_TIMEOUT;
    loop {
        let n = match tokio::time::timeout_at(deadline, tcp.peek(&mut first)).await {
            Ok(Ok(n)) => n,
            Ok(Err(_)) => return First::Other,
            Err(_) => return First::Nothing,
        };
        if n == 0 || first[..n] != PREFACE_START[..n] {
            return First::Other;
        }
        if n == PREFACE_START.len() {
            return First::Preface;
        }
        // Part of it so far: wait a moment for the rest rather than spin on peek.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// The TLS handshake, once the client has sent something.
async fn tls(
    server: &Server,
    conn: &Conn,
    acceptor: &TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
) -> Option<Accepted> {
    // A preconnect sends nothing at all: wait for the first byte before starting TLS, so that
    // one is not reported as a failed TLS handshake.
    let mut first = [0u8; 1];
    if !matches!(
        tokio::time::timeout(HANDSHAKE_TIMEOUT, tcp.peek(&mut first)).await,
        Ok(Ok(1..))
    ) {
        idle(server, conn, peer);
        return None;
    }
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(s)) => Some(Accepted::Tls(Box::new(s))),
        Ok(Err(e)) => {
            let why = crate::tls::failure::accept_failure(&e);
            conn.error(
                ErrorKind::Tls,
                &format!("TLS handshake with {peer} failed: {why}"),
            );
            None
        }
        Err(_) => {
            conn.error(
                ErrorKind::Tls,
                &format!("{peer} did not complete TLS within {HANDSHAKE_TIMEOUT:?}"),
            );
            None
        }
    }
}

/// Reads the request head: an upgrade request's bytes, or `None` when it was something else.
async fn request_head(
    server: &Server,
    conn: &Conn,
    stream: &mut Accepted,
    peer: SocketAddr,
) -> Option<Bytes> {
    match http::peek(stream, &server.plan.site, HANDSHAKE_TIMEOUT).await {
        Ok(Peeked::Upgrade(prefix)) => Some(prefix),
        Ok(Peeked::Answered {
            method,
            path,
            status,
            len,
            problem,
        }) => {
            if let Some(problem) = problem {
                conn.error(ErrorKind::Http, &format!("{status} for {peer}: {problem}"));
            }
            conn.emit(&Event::Http {
                method: &method,
                path: &path,
                status,
                len,
            });
            http::linger(stream).await;
            None
        }
        Ok(Peeked::Idle) => {
            idle(server, conn, peer);
            None
        }
        Err(e) => {
            conn.error(ErrorKind::Http, &format!("request from {peer} failed: {e}"));
            None
        }
    }
}

/// A connection that sent nothing before it closed or the handshake time was up: a browser's
/// unused preconnect, a port probe. Not an error; `-v` mentions it.
fn idle(server: &Server, conn: &Conn, peer: SocketAddr) {
    let out = &server.plan.out;
    if out.verbose && !out.json {
        server.printer.note(&format!(
            "#{} {peer} sent no request (an idle or preconnected socket)",
            conn.id.unwrap_or_default()
        ));
    }
}
