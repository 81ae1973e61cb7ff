//! The client's opening handshake over HTTP/2 (RFC 8441, `--http2`): the HTTP/2 connection
//! (h2 chosen in TLS, or cleartext with prior knowledge), the server's SETTINGS awaited so
//! that `SETTINGS_ENABLE_CONNECT_PROTOCOL` is known, then an extended CONNECT
//! (`:protocol websocket`) with the same headers an upgrade request carries. A 200 opens
//! the WebSocket on that stream; anything else is a refusal, told as an HTTP/1.1 one is.
//!
//! Above the handshake nothing changes: the stream becomes a
//! [`Transport::H2`] under the same `wire` stack, past its head.

use std::sync::Arc;

use bytes::Bytes;
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::http::{header, Method, StatusCode, Uri, Version};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use super::handshake::{
    header_pairs, show_response, subprotocol_mismatch, ClientSettings, Connected, Refusal, Timings,
    BODY_SHOWN,
};
use super::offer::Offer;
use crate::error::Failure;
use crate::session::{Conn, Dir, Event, HttpVersion};
use crate::value::deflate::DeflateParams;
use crate::value::WsUrl;
use crate::wire::deflate::frames::Role as FrameRole;
use crate::wire::deflate::stream::{answer_decision, Decision, Deflate, Shared as DeflateShared};
use crate::wire::failfast::FailFast;
use crate::wire::http2::{self as h2wire, ConnectionEnd, H2Stream};
use crate::wire::readahead::ReadAhead;
use crate::wire::sniff::Sniff;
use crate::wire::transport::Transport;

/// The window each direction of a WebSocket stream starts with (HTTP/2's default is 64 KiB,
/// which would make a large message wait for a round trip every 64 KiB).
pub const STREAM_WINDOW: u32 = 1 << 20;
/// The connection's window: room for a few streams' windows.
pub const CONNECTION_WINDOW: u32 = 4 << 20;

/// Headers of an upgrade request that HTTP/2 forbids or replaces (RFC 8441 §5, RFC 9113
/// §8.2.2): the upgrade itself, and Host, which becomes `:authority`.
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "upgrade",
    "host",
    "sec-websocket-key",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
];

/// The WebSocket handshake over HTTP/2, on a connection just opened to `url`.
pub(super) async fn handshake(
    settings: &ClientSettings,
    url: &WsUrl,
    upgrade: Request,
    stream: Transport,
    conn: &Conn,
) -> Result<Connected, Refusal> {
    let fail = |f: Failure| Refusal::Failed(f.into());
    if let Transport::Tls(tls) = &stream {
        let chosen = tls.get_ref().1.alpn_protocol();
        if chosen != Some(b"h2") {
            let chosen = chosen.map_or("no protocol".into(), String::from_utf8_lossy);
            return Err(fail(
                Failure::connect(format!(
                    "{} does not speak HTTP/2: the server chose {chosen} in the TLS handshake \
                     (ALPN), not h2",
                    url.as_str()
                ))
                .hint("connect without --http2 (HTTP/1.1 upgrade)"),
            ));
        }
    }
    let (mut send, end) = start(url, stream).await.map_err(fail)?;
    let request = connect_request(&upgrade).map_err(fail)?;
    if conn.sink().wants_handshake() {
        show_request(conn, &request);
    }
    let sent = request.clone();
    let (response, send_stream) = match send.send_request(request, false) {
        Ok(r) => r,
        Err(e) => return Err(fail(failed(url, &e))),
    };
    // The connection closes by itself once the WebSocket's stream is over.
    drop(send);
    let response = response.await.map_err(|e| fail(failed(url, &e)))?;
    let (parts, mut body) = response.into_parts();
    if parts.status != StatusCode::OK {
        let shown = read_body(&mut body).await;
        let resp = Response::from_parts(parts, Some(shown));
        return Err(super::handshake::refused(
            settings,
            url,
            &resp,
            conn,
            conn.sink().wants_handshake(),
        ));
    }
    let response = Response::from_parts(parts, None);
    if conn.sink().wants_handshake() {
        show_response(conn, Dir::In, &response, None);
    }
    check_choice(&settings.protocols, &response).map_err(fail)?;
    let deflate = DeflateShared::new(settings.sending);
    deflate.decide(decision(settings.deflate.as_ref(), &response));
    if let Decision::Refused(why) = deflate.decision() {
        return Err(fail(
            Failure::connect(format!(
                "the WebSocket handshake with {} failed: {why}",
                url.as_str()
            ))
            .hint("connect without compression: --no-deflate"),
        ));
    }
    let stream = H2Stream::new(send_stream, body).ending_with(end);
    let stream = Transport::H2(Box::new(stream));
    // The same stack as over TCP, past its head: nothing above learns it is HTTP/2.
    let (stream, _) = Sniff::new(ReadAhead::new(Bytes::new(), stream));
    let (stream, _) = Offer::new(stream, &[]);
    let limit = settings.ws_config.max_message_size.unwrap_or(usize::MAX);
    let stream = Deflate::past_head(
        stream,
        FrameRole::Client,
        deflate.clone(),
        limit,
        settings.sending_may_change,
    );
    let stream = FailFast::past_head(stream, None);
    let ws = WebSocketStream::from_raw_socket(stream, Role::Client, Some(settings.ws_config)).await;
    Ok(Connected {
        ws,
        deflate,
        request: sent,
        response,
        timings: Timings::default(),
    })
}

/// The HTTP/2 connection, ready for an extended CONNECT: its task runs on its own, and the
/// server's SETTINGS have arrived (a PING's answer comes after them) and allow it.
async fn start(
    url: &WsUrl,
    stream: Transport,
) -> Result<(h2::client::SendRequest<Bytes>, Arc<ConnectionEnd>), Failure> {
    let not_h2 = |e: &h2::Error| {
        let how = if url.is_tls() {
            "over TLS"
        } else {
            "in cleartext (h2c, prior knowledge)"
        };
        Failure::connect(format!(
            "{} did not answer in HTTP/2 {how}: {}",
            url.as_str(),
            h2wire::words(e)
        ))
        .hint("the server may speak HTTP/1.1 only: connect without --http2")
    };
    let (send, mut connection) = h2::client::Builder::new()
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .handshake::<_, Bytes>(stream)
        .await
        .map_err(|e| not_h2(&e))?;
    let mut ping = connection.ping_pong();
    let end = Arc::new(ConnectionEnd::default());
    let told = end.clone();
    tokio::spawn(async move {
        // Its failures reach the stream, which reports them with what this says (a GOAWAY).
        told.tell(connection.await);
    });
    // A server's first frame is its SETTINGS: once our PING is answered, they are known.
    if let Some(ping) = ping.as_mut() {
        ping.ping(h2::Ping::opaque())
            .await
            .map_err(|e| not_h2(&e))?;
    }
    let send = send.ready().await.map_err(|e| not_h2(&e))?;
    if !send.is_extended_connect_protocol_enabled() {
        return Err(Failure::connect(format!(
            "{} speaks HTTP/2 but takes no WebSocket over it: its SETTINGS do not enable \
             extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441)",
            url.as_str()
        ))
        .hint("connect without --http2 (HTTP/1.1 upgrade)"));
    }
    Ok((send, end))
}

/// The extended CONNECT for an upgrade request: the same target and headers, less what HTTP/2
/// forbids, with `:protocol websocket`.
fn connect_request(upgrade: &Request) -> Result<Request, Failure> {
    let given = upgrade.uri();
    let scheme = match given.scheme_str() {
        Some("wss" | "https") => "https",
        _ => "http",
    };
    // An `-H Host:` names the authority, as it names the Host of an upgrade.
    let authority = upgrade
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| given.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let path = given.path_and_query().map_or("/", |p| p.as_str());
    let uri = Uri::builder()
        .scheme(scheme)
        .authority(authority.as_str())
        .path_and_query(path)
        .build()
        .map_err(|e| Failure::usage(format!("cannot build the HTTP/2 request target: {e}")))?;
    let mut request = Request::new(());
    *request.method_mut() = Method::CONNECT;
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_2;
    let headers = request.headers_mut();
    for (name, value) in upgrade.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            headers.append(name.clone(), value.clone());
        }
    }
    headers.insert(
        header::SEC_WEBSOCKET_VERSION,
        header::HeaderValue::from_static("13"),
    );
    request
        .extensions_mut()
        .insert(h2::ext::Protocol::from_static("websocket"));
    Ok(request)
}

/// The method, target and header lines of an extended CONNECT as shown (`-v`, `/handshake`):
/// the pseudo-headers first, as they go out.
pub fn request_parts(request: &Request) -> (String, String, Vec<(String, String)>) {
    let uri = request.uri();
    let target = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut headers = vec![
        (":protocol".to_owned(), "websocket".to_owned()),
        (
            ":scheme".to_owned(),
            uri.scheme_str().unwrap_or("https").to_owned(),
        ),
        (
            ":authority".to_owned(),
            uri.authority().map(|a| a.to_string()).unwrap_or_default(),
        ),
    ];
    headers.extend(header_pairs(request.headers()));
    (request.method().to_string(), target, headers)
}

/// Emits the extended CONNECT as it goes out (`-v`).
fn show_request(conn: &Conn, request: &Request) {
    let (method, target, headers) = request_parts(request);
    let headers: Vec<(String, String)> = headers
        .into_iter()
        .map(|(n, v)| match n.as_str() {
            "authorization" | "proxy-authorization" => {
                let scheme = v.split(' ').next().unwrap_or_default().to_owned();
                (n, format!("{scheme} ****"))
            }
            _ => (n, v),
        })
        .collect();
    conn.emit(&Event::Request {
        dir: Dir::Out,
        http_version: HttpVersion::Http2,
        method: &method,
        target: &target,
        headers: &headers,
    });
}

/// The start of a refusal's body, as much as is shown.
async fn read_body(body: &mut h2::RecvStream) -> Vec<u8> {
    let mut shown = Vec::new();
    while shown.len() < BODY_SHOWN {
        match body.data().await {
            Some(Ok(data)) => {
                let _ = body.flow_control().release_capacity(data.len());
                shown.extend_from_slice(&data);
            }
            _ => break,
        }
    }
    shown.truncate(BODY_SHOWN);
    shown
}

/// The subprotocol the server chose, as a browser checks it: none is fine, one that was not
/// offered is not.
fn check_choice(offered: &[String], response: &Response) -> Result<(), Failure> {
    let chosen: Vec<String> = response
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .collect();
    match chosen.as_slice() {
        [] => Ok(()),
        [one] if offered.contains(one) => Ok(()),
        _ => Err(subprotocol_mismatch(offered, chosen)),
    }
}

/// What permessage-deflate the server's answer accepted, checked against the offer.
fn decision(offer: Option<&DeflateParams>, response: &Response) -> Decision {
    let value = response
        .headers()
        .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    let Some(offer) = offer else {
        return match value.trim().is_empty() {
            true => Decision::Off,
            false => Decision::Refused(format!(
                "the server accepted an extension that was not offered ({value})"
            )),
        };
    };
    answer_decision(&value, offer)
}

/// A failure of the CONNECT stream: a reset or a GOAWAY in words.
fn failed(url: &WsUrl, e: &h2::Error) -> Failure {
    let f = Failure::connect(format!(
        "the WebSocket handshake with {} over HTTP/2 failed: {}",
        url.as_str(),
        h2wire::words(e)
    ));
    match e.reason() {
        Some(h2::Reason::HTTP_1_1_REQUIRED) => {
            f.hint("the server wants HTTP/1.1: connect without --http2")
        }
        _ => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    #[test]
    fn the_connect_request_keeps_the_headers_an_upgrade_carries() {
        let mut upgrade = "wss://example.com:8443/chat?room=1"
            .into_client_request()
            .unwrap();
        let h = upgrade.headers_mut();
        h.insert(header::ORIGIN, "https://example.com".parse().unwrap());
        h.insert(header::SEC_WEBSOCKET_PROTOCOL, "chat".parse().unwrap());
        let req = connect_request(&upgrade).unwrap();
        assert_eq!(req.method(), Method::CONNECT);
        assert_eq!(
            req.uri().to_string(),
            "https://example.com:8443/chat?room=1"
        );
        let h = req.headers();
        assert_eq!(h[header::SEC_WEBSOCKET_VERSION], "13");
        assert_eq!(h[header::ORIGIN], "https://example.com");
        assert_eq!(h[header::SEC_WEBSOCKET_PROTOCOL], "chat");
        for gone in ["upgrade", "connection", "sec-websocket-key", "host"] {
            assert!(!h.contains_key(gone), "{gone} must not go over HTTP/2");
        }
        assert!(req.extensions().get::<h2::ext::Protocol>().is_some());
    }

    #[test]
    fn an_unoffered_extension_refuses_the_connection() {
        let mut resp = Response::new(None);
        resp.headers_mut().insert(
            header::SEC_WEBSOCKET_EXTENSIONS,
            "permessage-deflate".parse().unwrap(),
        );
        assert!(matches!(decision(None, &resp), Decision::Refused(_)));
        let offer = DeflateParams::browser();
        assert!(matches!(decision(Some(&offer), &resp), Decision::On(_)));
        assert_eq!(decision(Some(&offer), &Response::new(None)), Decision::Off);
    }
}
