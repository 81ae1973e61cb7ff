//! HTTP/2 on the listening port (RFC 8441): a connection that chose h2 in TLS, or began with
//! the cleartext preface (h2c), is served here to its end. The server's SETTINGS enable
//! extended CONNECT; each stream is a task of its own: an extended CONNECT with
//! `:protocol websocket` goes through the same stages as an HTTP/1.1 upgrade (the policy,
//! the hub, deflate negotiation, every mode) and is answered 200, and the WebSocket runs over
//! the stream under the same `wire` stack, past its head; any other request gets what
//! HTTP/1.1 would (`--page`, `--static`, 404, 426), in HEADERS and DATA frames.
//!
//! Nothing of this exists for an HTTP/1.1 connection: it starts only when h2 was chosen.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use h2::server::SendResponse;
use h2::RecvStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request};
use tokio_tungstenite::tungstenite::http::{self, header, Method, Response, StatusCode, Version};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use super::connection::{self, Channels};
use super::http as plain;
use super::server::Server;
use super::upgrade::{self, Candidate, Upgraded};
use super::HANDSHAKE_TIMEOUT;
use crate::dial::handshake::{show_request_in, show_response};
use crate::dial::http2::{CONNECTION_WINDOW, STREAM_WINDOW};
use crate::error::ErrorKind;
use crate::session::{Conn, Dir, Event, HttpVersion};
use crate::wire::deflate::frames::Role as FrameRole;
use crate::wire::deflate::stream::{Deflate, Shared as DeflateShared};
use crate::wire::http2::{words, H2Stream};
use crate::wire::readahead::ReadAhead;
use crate::wire::transport::Accepted;

/// Serves an HTTP/2 connection until the client ends it: each request on a task of its own.
pub(super) async fn serve(
    server: &Arc<Server>,
    conn: &Conn,
    stream: Accepted,
    (peer, local): (SocketAddr, SocketAddr),
) {
    let handshake = h2::server::Builder::new()
        .enable_connect_protocol()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .handshake::<_, Bytes>(stream);
    let mut connection = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            let why = words(&e);
            conn.error(
                ErrorKind::Http,
                &format!("HTTP/2 with {peer} failed: {why}"),
            );
            return;
        }
        Err(_) => {
            let why = format!("no HTTP/2 preface within {HANDSHAKE_TIMEOUT:?}");
            conn.error(
                ErrorKind::Http,
                &format!("HTTP/2 with {peer} failed: {why}"),
            );
            return;
        }
    };
    if server.plan.out.verbose && !server.plan.out.json {
        server.printer.note(&format!(
            "#{} {peer}: HTTP/2 connection",
            conn.id.unwrap_or_default()
        ));
    }
    while let Some(next) = connection.accept().await {
        match next {
            Ok((request, respond)) => {
                let stream = Box::new(Stream {
                    server: server.clone(),
                    request,
                    respond,
                    peer,
                    local,
                });
                tokio::spawn(stream.serve());
            }
            Err(e) => {
                // A client going away without a word is the usual end of a connection.
                if !e.is_io() && e.reason() != Some(h2::Reason::NO_ERROR) {
                    conn.error(
                        ErrorKind::Http,
                        &format!("HTTP/2 with {peer}: {}", words(&e)),
                    );
                }
                break;
            }
        }
    }
}

/// One request of an HTTP/2 connection.
struct Stream {
    server: Arc<Server>,
    request: http::Request<RecvStream>,
    respond: SendResponse<Bytes>,
    peer: SocketAddr,
    local: SocketAddr,
}

impl Stream {
    async fn serve(self: Box<Self>) {
        let Stream {
            server,
            request,
            respond,
            peer,
            local,
        } = *self;
        let conn = Arc::new(Conn::new(Some(server.number()), server.printer.clone()));
        let websocket = request.method() == Method::CONNECT
            && request
                .extensions()
                .get::<h2::ext::Protocol>()
                .is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket"));
        if !websocket {
            answer(&server, &conn, request, respond).await;
            return;
        }
        let (parts, body) = request.into_parts();
        let request = Request::from_parts(parts, ());
        let channels = Channels::new(&server);
        let candidate = Candidate {
            server: &server,
            conn: &conn,
            peer,
            local,
            control: &channels.control_tx,
            queue: channels.queue_tx.as_ref(),
        };
        let upgraded = Box::pin(accept(&candidate, &request, body, respond)).await;
        let Some(upgraded) = upgraded else { return };
        drop(request);
        let open = connection::opened(conn, upgraded, channels, HttpVersion::Http2);
        let (live, ws) = connection::prepare(&server, open);
        connection::drive(&server, live, ws).await;
    }
}

/// The extended CONNECT: the policy decides as on an upgrade; a 200 with the subprotocol and
/// permessage-deflate chosen opens the WebSocket on the stream.
async fn accept(
    who: &Candidate<'_>,
    request: &Request,
    body: RecvStream,
    mut respond: SendResponse<Bytes>,
) -> Option<Upgraded> {
    let server = who.server;
    let version = request.headers().get(header::SEC_WEBSOCKET_VERSION);
    if version.is_none_or(|v| v.as_bytes() != b"13") {
        let why = "unsupported WebSocket version: this server speaks version 13 \
                   (sec-websocket-version: 13)";
        who.conn
            .connecting(&request.uri().to_string(), Some(&who.peer.to_string()));
        if server.printer.wants_handshake() {
            show_request_in(who.conn, request);
        }
        who.conn.error(ErrorKind::Refused, &format!("400 {why}"));
        let answer = super::policy::refusal(StatusCode::BAD_REQUEST, why);
        refuse(who.conn, server, &mut respond, answer);
        return None;
    }
    let admitted = match upgrade::admit(who, request) {
        Ok(a) => a,
        Err(answer) => {
            // admit logged and showed it.
            send_refusal(&mut respond, answer);
            return None;
        }
    };
    let mut response = Response::new(());
    *response.version_mut() = Version::HTTP_2;
    if let Some(value) = admitted.protocol.as_ref().and_then(|p| p.parse().ok()) {
        response
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_PROTOCOL, value);
    }
    let deflate = DeflateShared::new(server.plan.sending);
    upgrade::negotiate(server, request, response.headers_mut(), &deflate);
    if server.printer.wants_handshake() {
        show_response(who.conn, Dir::Out, &response, None);
    }
    let id = who.conn.id.unwrap_or_default();
    let send = match respond.send_response(response, false) {
        Ok(send) => send,
        Err(e) => {
            server.hub.leave(id);
            who.conn.error(
                ErrorKind::Handshake,
                &format!("handshake with {} failed: {}", who.peer, words(&e)),
            );
            return None;
        }
    };
    let stream = Accepted::H2(Box::new(H2Stream::new(send, body)));
    let stream = ReadAhead::new(Bytes::new(), stream);
    let limit = server.plan.drive.max_message_size;
    let stream = Deflate::past_head(stream, FrameRole::Server, deflate.clone(), limit, false);
    let (stream, latch) = upgrade::wrap(server, stream, true);
    let ws = WebSocketStream::from_raw_socket(stream, Role::Server, Some(server.plan.ws)).await;
    Some(Upgraded {
        ws,
        admitted,
        latch,
        deflate,
    })
}

/// Shows (`-v`) and sends a refusal of ours.
fn refuse(conn: &Conn, server: &Server, respond: &mut SendResponse<Bytes>, answer: ErrorResponse) {
    if server.printer.wants_handshake() {
        let mut shown = answer.clone();
        *shown.version_mut() = Version::HTTP_2;
        let body = shown.body().as_deref().map(str::as_bytes);
        show_response(conn, Dir::Out, &shown, body);
    }
    send_refusal(respond, answer);
}

/// A refusal as HTTP/2 sends it: its status and headers (less HTTP/1.1's Connection), then
/// its body.
fn send_refusal(respond: &mut SendResponse<Bytes>, answer: ErrorResponse) {
    let (mut parts, body) = answer.into_parts();
    parts.headers.remove(header::CONNECTION);
    parts.version = Version::HTTP_2;
    let body = Bytes::from(body.unwrap_or_default());
    let head = Response::from_parts(parts, ());
    if let Ok(mut send) = respond.send_response(head, body.is_empty()) {
        if !body.is_empty() {
            let _ = send.send_data(body, true);
        }
    }
}

/// A plain request: answered as HTTP/1.1 answers it (`--page`, `--static`, 404, 426), the
/// answer carried over into HEADERS and DATA.
async fn answer(
    server: &Server,
    conn: &Conn,
    request: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
) {
    let method = request.method().as_str().to_owned();
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut written = Vec::new();
    let answered = plain::answer(&mut written, &server.plan.site, &method, &path).await;
    let Some((response, body)) = answered.ok().and_then(|_| from_http1(&written)) else {
        respond.send_reset(h2::Reason::INTERNAL_ERROR);
        return;
    };
    let status = response.status().as_u16();
    let len = body.len() as u64;
    let head_only = method == "HEAD" || body.is_empty();
    if let Ok(mut send) = respond.send_response(response, head_only) {
        if !head_only {
            let _ = send.send_data(body, true);
        }
    }
    conn.emit(&Event::Http {
        method: &method,
        path: &path,
        status,
        len,
    });
}

/// An HTTP/1.1 answer (head and body) as an HTTP/2 response and its body; the head's
/// connection-specific headers stay behind.
fn from_http1(written: &[u8]) -> Option<(Response<()>, Bytes)> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head_len) = parsed.parse(written).ok()? else {
        return None;
    };
    let mut response = Response::new(());
    *response.status_mut() = StatusCode::from_u16(parsed.code?).ok()?;
    *response.version_mut() = Version::HTTP_2;
    for h in parsed.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") || h.name.eq_ignore_ascii_case("upgrade") {
            continue;
        }
        let name = header::HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        let value = header::HeaderValue::from_bytes(h.value).ok()?;
        response.headers_mut().append(name, value);
    }
    Some((response, Bytes::copy_from_slice(&written[head_len..])))
}
