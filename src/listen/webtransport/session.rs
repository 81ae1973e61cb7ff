//! One WebTransport session's life: its CONNECT request (logged as an upgrade request is),
//! the policy's answer (`--path` 404, `--origin-allow` 403, `--max-connections` 429), then
//! the OPEN session: streams handed to [`streams`](super::streams), datagrams echoed or fanned
//! out through the same hub as WebSocket messages, pushes sent as datagrams, until the client
//! or the server closes it (code and reason) or it is lost.

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::handshake::server::Request;
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use wtransport::endpoint::{IncomingSession, SessionRequest};
use wtransport::error::ConnectionError;
use wtransport::{Connection, VarInt};

use super::streams::{self, Streams};
use super::Context;
use crate::error::ErrorKind;
use crate::listen::hub::QUEUE;
use crate::listen::policy::{Decision, Policy};
use crate::session::driver::{self, Batch, Control};
use crate::session::webtransport::{SessionCloseInfo, SessionInfo};
use crate::session::{Conn, Dir, Event, HttpVersion, Side};

/// The WebTransport draft wtransport speaks (`SETTINGS_ENABLE_WEBTRANSPORT`).
const DRAFT: &str = "draft-02";

/// Serves one incoming QUIC connection's session to its end.
pub(super) async fn serve(server: Arc<Context>, incoming: IncomingSession) {
    let conn = Arc::new(Conn::new(Some((server.number)()), server.printer.clone()));
    let peer = incoming.remote_address();
    let request = match tokio::time::timeout(crate::listen::HANDSHAKE_TIMEOUT, incoming).await {
        Ok(Ok(request)) => request,
        Ok(Err(e)) => {
            let why = format!("WebTransport from {peer}: no session: {e}");
            return conn.error(ErrorKind::Handshake, &why);
        }
        Err(_) => {
            let why = format!("WebTransport from {peer}: no session request in time");
            return conn.error(ErrorKind::Handshake, &why);
        }
    };
    let env = request_env(&request, peer);
    let Some(session) = admit(&server, &conn, request, peer).await else {
        return;
    };
    run(&server, conn, session, env).await;
}

/// The request's headers as `-v` shows them, pseudo-headers first.
fn headers_of(request: &SessionRequest) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    headers.sort_by(|a, b| (!a.0.starts_with(':'), &a.0).cmp(&(!b.0.starts_with(':'), &b.0)));
    headers
}

fn show_response(conn: &Conn, status: u16, reason: &str, body: Option<&str>) {
    conn.emit(&Event::Response {
        dir: Dir::Out,
        http_version: HttpVersion::Http3,
        status,
        reason,
        headers: &[],
        body,
    });
}

/// The policy's decision on the CONNECT request, answered: the OPEN session, or `None` when
/// it was refused or failed (logged).
async fn admit(
    server: &Context,
    conn: &Conn,
    request: SessionRequest,
    peer: SocketAddr,
) -> Option<Connection> {
    let target = format!("https://{}{}", request.authority(), request.path());
    conn.connecting(&target, Some(&peer.to_string()));
    let verbose = server.printer.wants_handshake();
    if verbose {
        conn.emit(&Event::Request {
            dir: Dir::In,
            http_version: HttpVersion::Http3,
            method: "CONNECT",
            target: request.path(),
            headers: &headers_of(&request),
        });
    }
    // Subprotocols are WebSocket's: a session is judged on its path, origin and the limit.
    let policy = Policy {
        protocols: Vec::new(),
        protocol_optional: false,
        ..server.policy.clone()
    };
    let mut http = Request::builder().uri(request.path());
    if let Some(origin) = request.origin() {
        http = http.header("origin", origin);
    }
    let decision = match http.body(()) {
        Ok(http) => policy.decide(&http, server.hub.len()),
        Err(_) => Decision::Refuse(StatusCode::NOT_FOUND, "not a valid path".to_owned()),
    };
    if let Decision::Refuse(status, why) = decision {
        // The policy words its refusals for upgrades; this is a session.
        let why = why.replacen("no WebSocket endpoint", "no WebTransport endpoint", 1);
        // wtransport answers 403, 404 and 429 only; the limit is "too many requests".
        let status = match status {
            StatusCode::FORBIDDEN => 403,
            StatusCode::SERVICE_UNAVAILABLE => 429,
            _ => 404,
        };
        conn.error(ErrorKind::Refused, &format!("{status} {why}"));
        if verbose {
            let reason = StatusCode::from_u16(status).ok();
            let reason = reason.and_then(|s| s.canonical_reason()).unwrap_or("");
            show_response(conn, status, reason, None);
        }
        match status {
            403 => request.forbidden().await,
            429 => request.too_many_requests().await,
            _ => request.not_found().await,
        }
        return None;
    }
    match request.accept().await {
        Ok(session) => {
            if verbose {
                show_response(conn, 200, "OK", None);
            }
            Some(session)
        }
        Err(e) => {
            conn.error(ErrorKind::Handshake, &format!("accepting the session: {e}"));
            None
        }
    }
}

/// The request as environment variables for `--exec` (as CGI names them).
fn request_env(request: &SessionRequest, peer: SocketAddr) -> Vec<(String, String)> {
    let mut env = vec![
        ("SERVER_PROTOCOL".to_owned(), "HTTP/3".to_owned()),
        ("REQUEST_METHOD".into(), "CONNECT".into()),
        ("REQUEST_URI".into(), request.path().to_owned()),
        ("REMOTE_ADDR".into(), peer.ip().to_string()),
        ("REMOTE_PORT".into(), peer.port().to_string()),
    ];
    if let Some(origin) = request.origin() {
        env.push(("HTTP_ORIGIN".into(), origin.to_owned()));
    }
    env
}

/// How the session ended, from what wtransport says.
fn ending(e: &ConnectionError, local: Option<(u32, String)>) -> SessionCloseInfo {
    let (code, reason, clean, by) = match (e, local) {
        (_, Some((code, reason))) => (code, reason, true, Side::Local),
        (ConnectionError::ApplicationClosed(close), None) => {
            let code = u32::try_from(close.code().into_inner()).unwrap_or(u32::MAX);
            let reason = String::from_utf8_lossy(close.reason()).into_owned();
            (code, reason, true, Side::Remote)
        }
        (ConnectionError::LocallyClosed, None) => (0, String::new(), true, Side::Local),
        (other, None) => (0, other.to_string(), false, Side::Remote),
    };
    SessionCloseInfo {
        code,
        reason,
        was_clean: clean,
        initiator: Some(by),
    }
}

/// The OPEN session, until it ends.
async fn run(server: &Context, conn: Arc<Conn>, session: Connection, env: Vec<(String, String)>) {
    conn.session_opened(SessionInfo {
        status: Some(200),
        http_version: "3",
        draft: DRAFT,
        session_id: session.session_id().into_u64(),
        max_datagram_size: session.max_datagram_size(),
        handshake_ms: 0.0,
    });
    let id = conn.id.unwrap_or_default();
    let (control_tx, mut control_rx) = driver::control();
    let (queue_tx, mut queue_rx) = match server.queues {
        true => {
            let (tx, rx) = mpsc::channel::<Batch>(QUEUE);
            (Some(tx), Some(rx))
        }
        false => (None, None),
    };
    server.hub.join(conn.clone(), control_tx, queue_tx);
    let ctx = Arc::new(Streams {
        conn: conn.clone(),
        session: session.clone(),
        exec: server.exec.clone(),
        max_uni: server.max_size,
        env,
    });
    let mut tasks = JoinSet::new();
    let mut local = None;
    let error = loop {
        tokio::select! {
            bi = session.accept_bi() => match bi {
                Ok((send, recv)) => { tasks.spawn(streams::bidi(ctx.clone(), send, recv)); }
                Err(e) => break e,
            },
            uni = session.accept_uni() => match uni {
                Ok(recv) => { tasks.spawn(streams::uni(ctx.clone(), recv)); }
                Err(e) => break e,
            },
            datagram = session.receive_datagram() => match datagram {
                Ok(d) => {
                    received(server, &conn, &session, id, &d.payload());
                    // The ones that came with it, then the events out at this boundary.
                    while let Some(Ok(d)) = session.receive_datagram().now_or_never() {
                        received(server, &conn, &session, id, &d.payload());
                    }
                    conn.sink().flush();
                }
                Err(e) => break e,
            },
            Some(batch) = next_batch(&mut queue_rx) => {
                for msg in batch {
                    send_datagram(&conn, &session, &msg.into_data());
                }
                conn.sink().flush();
            },
            control = control_rx.recv() => {
                if let Control::Close(close) | Control::Finish(close) = control {
                    let code = u32::from(close.code);
                    if conn.session_closing(Side::Local, code, &close.reason) {
                        session.close(VarInt::from_u32(code), close.reason.as_bytes());
                        local = Some((code, close.reason.clone()));
                    }
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {},
        }
    };
    let info = ending(&error, local);
    if info.initiator == Some(Side::Remote) {
        conn.session_closing(Side::Remote, info.code, &info.reason);
        // The client's close capsule ends the session; the connection goes with it.
        session.close(VarInt::from_u32(0), b"");
    }
    tasks.abort_all();
    conn.session_closed(&info);
    server.hub.leave(id);
}

async fn next_batch(queue: &mut Option<mpsc::Receiver<Batch>>) -> Option<Batch> {
    match queue {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// A datagram from the client: echoed, or fanned out to the others (`--broadcast`).
fn received(server: &Context, conn: &Conn, session: &Connection, id: u64, payload: &[u8]) {
    conn.datagram(Dir::In, payload, false);
    match server.broadcast {
        Some(all) => {
            let msg = match std::str::from_utf8(payload) {
                Ok(text) => Message::text(text),
                Err(_) => Message::binary(payload.to_vec()),
            };
            server.hub.fan_out(&msg, (!all).then_some(id));
        }
        _ => send_datagram(conn, session, payload),
    }
}

fn send_datagram(conn: &Conn, session: &Connection, payload: &[u8]) {
    match session.send_datagram(payload) {
        Ok(()) => conn.datagram(Dir::Out, payload, false),
        Err(e) => {
            let limit = session
                .max_datagram_size()
                .map_or(String::new(), |n| format!(" (the path takes {n})"));
            let why = format!("a datagram of {} bytes not sent: {e}{limit}", payload.len());
            conn.error(ErrorKind::Io, &why);
        }
    }
}
