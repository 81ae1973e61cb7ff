//! Opening a client connection: name resolution, TCP, and the WebSocket handshake, each failure
//! turned into one readable line with exit status 3 (could not connect).

use std::time::{Duration, Instant};

use anyhow::Result;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::http::header;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;

use crate::config::{Header, WsUrl};
use crate::error::Failure;
use crate::session::failfast::FailFast;
use crate::session::{Conn, OpenInfo};

/// Everything needed to open the same connection again (reconnects re-use it).
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub url: WsUrl,
    pub headers: Vec<Header>,
    pub origin: Option<String>,
    pub protocols: Vec<String>,
    pub connect_timeout: Duration,
    pub ws_config: WebSocketConfig,
}

/// An open client connection and the handshake that made it.
pub struct Connected {
    pub ws: WebSocketStream<FailFast<TcpStream>>,
    pub response: Response,
    pub timings: Timings,
}

/// Where the connection time went (`ping` shows it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub dns: Duration,
    pub tcp: Duration,
    /// `None` for ws:// (no TLS handshake).
    pub tls: Option<Duration>,
    pub upgrade: Duration,
}

impl ClientSettings {
    /// Builds the upgrade request. Refuses headers that would break the connection later.
    pub fn request(&self) -> Result<Request> {
        let mut req = self.url.as_str().into_client_request().map_err(|e| {
            Failure::usage(format!(
                "cannot build a request for {}: {e}",
                self.url.as_str()
            ))
        })?;
        let h = req.headers_mut();
        for Header { name, value } in &self.headers {
            if name == header::SEC_WEBSOCKET_EXTENSIONS {
                return Err(Failure::usage(
                    "the Sec-WebSocket-Extensions header cannot be set: wsprobe does not implement \
                     any extension yet, so a server that accepted one would break the connection",
                )
                .hint("remove -H 'Sec-WebSocket-Extensions: …'")
                .into());
            }
            // -H replaces a default header of the same name (Host, User-Agent…), as curl does.
            h.insert(name.clone(), value.clone());
        }
        if let Some(origin) = &self.origin {
            let v = origin
                .parse()
                .map_err(|_| Failure::usage(format!("'{origin}' is not a valid Origin value")))?;
            h.insert(header::ORIGIN, v);
        }
        if !self.protocols.is_empty() {
            let v = self
                .protocols
                .join(", ")
                .parse()
                .map_err(|_| Failure::usage("a subprotocol name has invalid characters"))?;
            h.insert(header::SEC_WEBSOCKET_PROTOCOL, v);
        }
        if !h.contains_key(header::USER_AGENT) {
            h.insert(
                header::USER_AGENT,
                header::HeaderValue::from_static(concat!("wsprobe/", env!("CARGO_PKG_VERSION"))),
            );
        }
        Ok(req)
    }
}

/// Connects and performs the handshake, emitting CONNECTING and OPEN on `conn`.
pub async fn connect(settings: &ClientSettings, conn: &Conn) -> Result<Connected> {
    let url = &settings.url;
    let request = settings.request()?;
    if url.is_tls() {
        return Err(Failure::usage(format!(
            "cannot connect to {}: wss:// (TLS) is not supported by this version of wsprobe",
            url.as_str()
        ))
        .hint("use a ws:// URL, or a TLS-terminating proxy in front of the server")
        .into());
    }
    conn.connecting(url.as_str(), None);
    let attempt = async {
        let mut timings = Timings::default();
        let tcp = tcp_connect(url, &mut timings).await?;
        let started = Instant::now();
        let mut connected = handshake(settings, request, tcp).await?;
        timings.upgrade = started.elapsed();
        connected.timings = timings;
        Ok::<_, anyhow::Error>(connected)
    };
    match tokio::time::timeout(settings.connect_timeout, attempt).await {
        Ok(Ok(connected)) => {
            conn.opened(open_info(&connected.response));
            Ok(connected)
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Failure::connect(format!(
            "timed out after {} connecting to {}",
            humantime::format_duration(settings.connect_timeout),
            url.as_str()
        ))
        .hint("is the server reachable? raise --connect-timeout if it is just slow")
        .into()),
    }
}

async fn tcp_connect(url: &WsUrl, timings: &mut Timings) -> Result<TcpStream> {
    let host = url.host().trim_start_matches('[').trim_end_matches(']');
    let port = url.port();
    let started = Instant::now();
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| Failure::connect(format!("could not resolve host '{host}': {e}")))?
        .collect();
    timings.dns = started.elapsed();
    let started = Instant::now();
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                timings.tcp = started.elapsed();
                // Small messages are the norm; don't let Nagle hold them back.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    Err(match last {
        Some((addr, e)) => Failure::connect(format!("could not connect to {addr}: {e}"))
            .hint(format!("is a server listening on {host}:{port}?")),
        None => Failure::connect(format!("host '{host}' has no addresses")),
    }
    .into())
}

async fn handshake(
    settings: &ClientSettings,
    request: Request,
    tcp: TcpStream,
) -> Result<Connected> {
    let tcp = FailFast::new(tcp);
    match tokio_tungstenite::client_async_with_config(request, tcp, Some(settings.ws_config)).await
    {
        Ok((ws, response)) => Ok(Connected {
            ws,
            response,
            timings: Timings::default(),
        }),
        Err(WsError::Http(resp)) => {
            let status = resp.status();
            let mut f = Failure::connect(format!(
                "the server refused the WebSocket handshake: HTTP {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            ));
            if let Some(body) = resp.body().as_deref().filter(|b| !b.is_empty()) {
                let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
                f = f.hint(format!(
                    "the response body begins: {}",
                    crate::render::text_preview(text.trim(), 120)
                ));
            }
            Err(f.into())
        }
        Err(WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(e))) => {
            Err(Failure::connect(format!("the server's subprotocol answer is invalid: {e}")).into())
        }
        Err(WsError::Protocol(p)) => Err(Failure::connect(format!(
            "the WebSocket handshake with {} failed: {p}",
            settings.url.as_str()
        ))
        .hint("is this a WebSocket endpoint? check the URL's path")
        .into()),
        Err(e) => Err(Failure::connect(format!(
            "the WebSocket handshake with {} failed: {e}",
            settings.url.as_str()
        ))
        .into()),
    }
}

fn open_info(resp: &Response) -> OpenInfo {
    let h = resp.headers();
    let text = |name| {
        h.get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    OpenInfo {
        status: resp.status().as_u16(),
        protocol: text(header::SEC_WEBSOCKET_PROTOCOL).map(str::to_owned),
        extensions: h
            .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect(),
        handshake_ms: 0.0,
    }
}
