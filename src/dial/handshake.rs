//! Opening a client connection: name resolution, TCP (directly, through a proxy, or a Unix
//! socket), TLS, and the WebSocket handshake (following redirects with `-L`), each failure
//! turned into one readable line with exit status 3 (could not connect).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Result;
use base64::Engine;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::handshake::client::{generate_request, Request, Response};
use tokio_tungstenite::tungstenite::http::header;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use crate::dial::offer::Offer;
use crate::dial::proxy::{self, ProxySetting};
use crate::error::Failure;
use crate::session::{Conn, Dir, Event, HttpVersion, OpenInfo};
use crate::tls::failure::{self as tls_failure, Peer};
use crate::tls::{self, TlsOptions};
use crate::value::deflate::DeflateParams;
use crate::value::{Header, WsUrl};
use crate::wire::deflate::frames::Sending;
use crate::wire::deflate::stream::{Decision, Deflate, Shared as DeflateShared};
use crate::wire::failfast::{FailFast, HeadTap};
use crate::wire::readahead::ReadAhead;
use crate::wire::sniff::{FirstBytes, Sniff};
use crate::wire::transport::Transport;

/// How much of a refusal's body is shown.
pub(super) const BODY_SHOWN: usize = 2048;

/// Everything needed to open the same connection again (reconnects re-use it).
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub url: WsUrl,
    pub headers: Vec<Header>,
    pub origin: Option<String>,
    pub protocols: Vec<String>,
    pub connect_timeout: Duration,
    pub ws_config: WebSocketConfig,
    /// `--auth USER:PASS` (credentials in the URL are used when this is absent).
    pub auth: Option<(String, String)>,
    /// `-L`: follow at most this many redirects.
    pub redirects: Option<u32>,
    pub tls: TlsOptions,
    pub proxy: ProxySetting,
    /// The TLS configuration, built once, when first needed.
    pub tls_cache: TlsCache,
    /// The permessage-deflate offer (`None`: `--no-deflate`).
    pub deflate: Option<DeflateParams>,
    /// How messages are cut into frames and compressed (`--fragment`, `--no-compress`).
    pub sending: Sending,
    /// The settings may change while connected (the REPL's `/fragment`, `/compress`).
    pub sending_may_change: bool,
    /// The server's addresses, when they were looked up once for many connections (bench).
    pub resolved: Option<Arc<[std::net::SocketAddr]>>,
    /// `--http2`: the WebSocket is an extended CONNECT on an HTTP/2 stream (RFC 8441).
    pub http2: bool,
}

/// A client TLS configuration built once and shared by every connection with these settings.
#[derive(Debug, Clone, Default)]
pub struct TlsCache(Arc<OnceLock<Arc<rustls::ClientConfig>>>);

/// The byte stream under a client's WebSocket, bottom up: the transport, reading ahead, the
/// first bytes kept to name a non-WebSocket peer, the subprotocol offer, permessage-deflate,
/// and frames checked as they arrive.
pub type ClientStream = FailFast<Deflate<Offer<Sniff<ReadAhead<Transport>>>>>;

/// An open client connection and the handshake that made it.
pub struct Connected {
    pub ws: WebSocketStream<ClientStream>,
    /// What permessage-deflate negotiated, and its counts.
    pub deflate: Arc<DeflateShared>,
    /// The upgrade request as sent (its Sec-WebSocket-Key included).
    pub request: Request,
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
    /// Builds the TLS configuration now if it will be used, so that a bad `--ca` or `--cert`
    /// is a usage error before anything connects.
    pub fn check_tls(&self) -> Result<()> {
        let tls_asked = self.tls.ca.is_some() || self.tls.cert.is_some();
        if self.url.is_tls() || tls_asked {
            self.tls_config()?;
        }
        Ok(())
    }

    /// Who a TLS failure is about, for its words and hint.
    fn peer<'a>(&'a self, url: &'a WsUrl) -> Peer<'a> {
        Peer {
            url,
            ca: self.tls.ca.as_deref(),
            cert: self.tls.cert.as_deref(),
        }
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>> {
        if let Some(c) = self.tls_cache.0.get() {
            return Ok(c.clone());
        }
        let mut c = tls::client_config(&self.tls)?;
        if self.http2 {
            // http/1.1 offered too, so that a server without h2 finishes the handshake (rather
            // than failing it with an alert) and can be told apart from one that fails.
            Arc::make_mut(&mut c).alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        Ok(self.tls_cache.0.get_or_init(|| c).clone())
    }

    /// Builds the upgrade request for `url`. Refuses headers that would break the connection
    /// later.
    pub fn request(&self, url: &WsUrl) -> Result<Request> {
        let mut req = url.request_url().into_client_request().map_err(|e| {
            Failure::usage(format!("cannot build a request for {}: {e}", url.as_str()))
        })?;
        let h = req.headers_mut();
        let mut given: Vec<&header::HeaderName> = Vec::new();
        for Header { name, value } in &self.headers {
            if name == header::SEC_WEBSOCKET_EXTENSIONS {
                return Err(Failure::usage(
                    "the Sec-WebSocket-Extensions header cannot be set: wsprobe offers \
                     permessage-deflate itself and implements no other extension, so a server that \
                     accepted one would break the connection",
                )
                .hint("remove -H 'Sec-WebSocket-Extensions: …'; --deflate PARAMS sets the offer, --no-deflate leaves it out")
                .into());
            }
            // The first -H of a name replaces a default header (Host, User-Agent…), as curl
            // does; a repeated -H of the same name adds another value.
            if given.contains(&name) {
                h.append(name.clone(), value.clone());
            } else {
                h.insert(name.clone(), value.clone());
                given.push(name);
            }
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
        if let Some(offer) = &self.deflate {
            // The offer is built from checked parameters: always a valid header value.
            if let Ok(v) = offer.offer().parse() {
                h.insert(header::SEC_WEBSOCKET_EXTENSIONS, v);
            }
        }
        let credentials = self.auth.as_ref().or(url.credentials());
        if let (Some((user, pass)), false) = (credentials, h.contains_key(header::AUTHORIZATION)) {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            let v = format!("Basic {token}")
                .parse()
                .map_err(|_| Failure::usage("the credentials have invalid characters"))?;
            h.insert(header::AUTHORIZATION, v);
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

/// How one handshake attempt ended badly.
pub(super) enum Refusal {
    Redirect(u16, String),
    Failed(anyhow::Error),
}

/// Connects and performs the handshake, emitting CONNECTING and OPEN on `conn`.
pub async fn connect(settings: &ClientSettings, conn: &Conn) -> Result<Connected> {
    let first = settings.request(&settings.url)?;
    conn.connecting(settings.url.as_str(), None);
    let attempt = async {
        let mut url = settings.url.clone();
        let mut request = first;
        let mut hops = 0;
        loop {
            let mut timings = Timings::default();
            let stream = open(settings, &url, &mut timings, conn).await?;
            let started = Instant::now();
            let opened = match settings.http2 {
                true => super::http2::handshake(settings, &url, request, stream, conn).await,
                false => handshake(settings, &url, request, stream, conn).await,
            };
            match opened {
                Ok(mut connected) => {
                    timings.upgrade = started.elapsed();
                    connected.timings = timings;
                    return Ok::<_, anyhow::Error>(connected);
                }
                Err(Refusal::Failed(e)) => return Err(e),
                Err(Refusal::Redirect(status, location)) => {
                    let Some(max) = settings.redirects else {
                        return Err(Failure::connect(format!(
                            "the server redirects the WebSocket handshake: HTTP {status} to {location}"
                        ))
                        .hint("use -L to follow redirects")
                        .into());
                    };
                    if hops >= max {
                        return Err(Failure::connect(format!(
                            "too many redirects: {max} followed, the server still redirects (to {location})"
                        ))
                        .hint("raise --max-redirs if the chain is meant to be this long")
                        .into());
                    }
                    hops += 1;
                    url = url.follow(&location).map_err(Failure::connect)?;
                    conn.emit(&Event::Redirect {
                        status,
                        location: url.as_str(),
                    });
                    request = settings.request(&url)?;
                }
            }
        }
    };
    match tokio::time::timeout(settings.connect_timeout, attempt).await {
        Ok(Ok(connected)) => {
            conn.deflate(connected.deflate.clone());
            conn.opened(open_info(&connected.response));
            Ok(connected)
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Failure::connect(format!(
            "timed out after {} connecting to {}",
            humantime::format_duration(settings.connect_timeout),
            settings.url.as_str()
        ))
        .hint("is the server reachable? raise --connect-timeout if it is just slow")
        .into()),
    }
}

/// The byte stream to `url`: a Unix socket, or TCP (direct or through a proxy) with TLS for
/// wss://.
pub(crate) async fn open(
    settings: &ClientSettings,
    url: &WsUrl,
    timings: &mut Timings,
    conn: &Conn,
) -> Result<Transport> {
    if let Some(path) = url.unix_socket() {
        let started = Instant::now();
        let s = tokio::net::UnixStream::connect(path).await.map_err(|e| {
            Failure::connect(format!(
                "could not connect to {}: {}",
                path.display(),
                tls::io_words(&e)
            ))
            .hint("is a server listening on that socket?")
        })?;
        timings.tcp = started.elapsed();
        return Ok(Transport::Unix(s));
    }
    let host = url.host();
    let port = url.port();
    let tcp = match proxy::choose(&settings.proxy, host, url.is_tls())? {
        Some(p) => {
            let started = Instant::now();
            let tcp = proxy::connect(&p, host, port).await?;
            timings.tcp = started.elapsed();
            tcp
        }
        None => tcp_connect(host, port, settings.resolved.as_deref(), timings).await?,
    };
    let _ = tcp.set_nodelay(true);
    if !url.is_tls() {
        return Ok(Transport::Tcp(tcp));
    }
    let started = Instant::now();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| Failure::usage(format!("'{host}' is not a valid TLS server name: {e}")))?;
    let connector = tokio_rustls::TlsConnector::from(settings.tls_config()?);
    let stream = connector
        .connect(name, tcp)
        .await
        .map_err(|e| tls_failure::handshake_failure(&settings.peer(url), &e))?;
    timings.tls = Some(started.elapsed());
    if settings.tls.insecure {
        conn.sink().note(&format!(
            "wsprobe: warning: -k: the certificate of {host} was not verified"
        ));
    }
    if conn.sink().wants_handshake() {
        let (version, cipher, alpn) = tls::describe(stream.get_ref().1);
        conn.emit(&Event::Tls {
            version: &version,
            cipher: &cipher,
            alpn: alpn.as_deref(),
        });
    }
    Ok(Transport::Tls(Box::new(stream)))
}

async fn tcp_connect(
    host: &str,
    port: u16,
    resolved: Option<&[std::net::SocketAddr]>,
    timings: &mut Timings,
) -> Result<TcpStream> {
    let started = Instant::now();
    let addrs: Vec<_> = match resolved {
        Some(addrs) => addrs.to_vec(),
        None => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| Failure::connect(format!("could not resolve host '{host}': {e}")))?
            .collect(),
    };
    timings.dns = started.elapsed();
    let started = Instant::now();
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                timings.tcp = started.elapsed();
                return Ok(s);
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    Err(match last {
        Some((addr, e)) => Failure::connect(format!(
            "could not connect to {addr}: {}",
            tls::io_words(&e)
        ))
        .hint(format!("is a server listening on {host}:{port}?")),
        None => Failure::connect(format!("host '{host}' has no addresses")),
    }
    .into())
}

/// The request's lines exactly as tungstenite writes them (request line, then headers).
/// Credentials are the one thing not shown: `Authorization: Basic ****`.
pub fn request_lines(request: &Request) -> Vec<String> {
    if request.version() == tokio_tungstenite::tungstenite::http::Version::HTTP_2 {
        let (method, target, headers) = super::http2::request_parts(request);
        let mut lines = vec![format!("{method} {target} HTTP/2")];
        lines.extend(
            headers
                .iter()
                .map(|(n, v)| hide_credentials(&format!("{n}: {v}"))),
        );
        return lines;
    }
    match generate_request(request.clone()) {
        Ok((bytes, _)) => String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.is_empty())
            .map(hide_credentials)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// `Authorization: Basic dXNlcjpwYXNz` → `Authorization: Basic ****` (also Proxy-Authorization).
fn hide_credentials(line: &str) -> String {
    let Some((name, value)) = line.split_once(':') else {
        return line.to_owned();
    };
    let name_lc = name.trim().to_ascii_lowercase();
    if name_lc != "authorization" && name_lc != "proxy-authorization" {
        return line.to_owned();
    }
    match value.trim().split_once(' ') {
        Some((scheme, _)) => format!("{name}: {scheme} ****"),
        None => format!("{name}: ****"),
    }
}

/// The response's status line and headers.
pub fn response_lines(resp: &Response) -> Vec<String> {
    let status = resp.status();
    let mut lines = vec![format!(
        "{} {} {}",
        http_version(resp.version()).as_str(),
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )];
    lines.extend(
        resp.headers()
            .iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v.as_bytes()))),
    );
    lines
}

/// Emits the request exactly as tungstenite will write it (`-v`).
fn show_request(conn: &Conn, request: &Request) {
    let all = request_lines(request);
    let mut lines = all.iter().map(String::as_str);
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("GET");
    let target = parts.next().unwrap_or("/");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    conn.emit(&Event::Request {
        dir: Dir::Out,
        http_version: HttpVersion::Http11,
        method,
        target,
        headers: &headers,
    });
}

/// HTTP/2 for a message of an HTTP/2 stream, HTTP/1.1 for any other.
pub fn http_version(v: tokio_tungstenite::tungstenite::http::Version) -> HttpVersion {
    if v == tokio_tungstenite::tungstenite::http::Version::HTTP_2 {
        HttpVersion::Http2
    } else {
        HttpVersion::Http11
    }
}

pub(super) fn header_pairs(headers: &header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Emits a request a server received (`listen -v`).
pub fn show_request_in(conn: &Conn, req: &Request) {
    let headers = header_pairs(req.headers());
    let target = req.uri().to_string();
    conn.emit(&Event::Request {
        dir: Dir::In,
        http_version: http_version(req.version()),
        method: req.method().as_str(),
        target: &target,
        headers: &headers,
    });
}

/// Emits a handshake response: received (client) or sent (`listen -v`).
pub fn show_response<T>(
    conn: &Conn,
    dir: Dir,
    resp: &tokio_tungstenite::tungstenite::http::Response<T>,
    body: Option<&[u8]>,
) {
    let headers = header_pairs(resp.headers());
    let body = body
        .filter(|b| !b.is_empty())
        .map(|b| String::from_utf8_lossy(&b[..b.len().min(BODY_SHOWN)]).into_owned());
    conn.emit(&Event::Response {
        dir,
        http_version: http_version(resp.version()),
        status: resp.status().as_u16(),
        reason: resp.status().canonical_reason().unwrap_or(""),
        headers: &headers,
        body: body.as_deref(),
    });
}

async fn handshake(
    settings: &ClientSettings,
    url: &WsUrl,
    request: Request,
    stream: Transport,
    conn: &Conn,
) -> Result<Connected, Refusal> {
    let verbose = conn.sink().wants_handshake();
    if verbose {
        show_request(conn, &request);
    }
    // A small WebSocket read buffer (bench's) still reads large pieces while data flows; a
    // large one reads straight through. Nothing after the response head reaches the handshake.
    let (stream, first) = Sniff::new(ReadAhead::until_head(stream));
    // The subprotocol offer bypasses tungstenite, which would refuse a server that chooses
    // none (browsers accept that): `Offer` writes it and takes the choice out of the answer.
    let (stream, chosen) = Offer::new(stream, &settings.protocols);
    // permessage-deflate lives below tungstenite, which knows no extension.
    let deflate = DeflateShared::new(settings.sending);
    let limit = settings.ws_config.max_message_size.unwrap_or(usize::MAX);
    let mut stream = Deflate::client(stream, settings.deflate, deflate.clone(), limit);
    if settings.sending_may_change {
        stream = stream.always_follow();
    }
    let head = HeadTap::default();
    let stream = FailFast::tapped(stream, head.clone());
    let sent = request.clone();
    let mut request = request;
    request.headers_mut().remove(header::SEC_WEBSOCKET_PROTOCOL);
    match tokio_tungstenite::client_async_with_config(request, stream, Some(settings.ws_config))
        .await
    {
        Ok((ws, mut response)) => {
            // The handshake's read buffer (4 KiB, whatever the config says) would stay the
            // connection's for its whole life; it holds nothing past the head (`until_head`),
            // so the WebSocket is made anew with a buffer of the configured size.
            let ws = WebSocketStream::from_raw_socket(
                ws.into_inner(),
                Role::Client,
                Some(settings.ws_config),
            )
            .await;
            accept_choice(&settings.protocols, &chosen, &mut response)?;
            if let Decision::Refused(why) = deflate.decision() {
                if verbose {
                    show_response(conn, Dir::In, &response, None);
                }
                return Err(Refusal::Failed(
                    Failure::connect(format!("the WebSocket handshake with {} failed: {why}", url.as_str()))
                        .hint("connect without compression: --no-deflate")
                        .into(),
                ));
            }
            if verbose {
                // tungstenite has checked Sec-WebSocket-Accept against our key by now.
                show_response(conn, Dir::In, &response, None);
            }
            Ok(Connected {
                ws,
                deflate,
                request: sent,
                response,
                timings: Timings::default(),
            })
        }
        Err(WsError::Http(resp)) => Err(refused(settings, url, &resp, conn, verbose)),
        // With TLS 1.3 a refused client certificate shows only on the first read.
        Err(WsError::Io(e)) if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => Err(
            Refusal::Failed(tls_failure::handshake_failure(&settings.peer(url), &e).into()),
        ),
        Err(WsError::Protocol(
            p @ (ProtocolError::HttparseError(_)
            | ProtocolError::HandshakeIncomplete
            | ProtocolError::WrongHttpVersion),
        )) => Err(Refusal::Failed(not_http(url, &p, &first).into())),
        Err(WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(_))) => Err(
            Refusal::Failed(subprotocol_mismatch(&settings.protocols, chosen_in(&head)).into()),
        ),
        Err(WsError::Protocol(ProtocolError::SecWebSocketAcceptKeyMismatch)) => Err(
            Refusal::Failed(
                Failure::connect(format!(
                    "the server's Sec-WebSocket-Accept does not match our key: {} is not a correct WebSocket server",
                    url.as_str()
                ))
                .into(),
            ),
        ),
        Err(WsError::Protocol(p)) => Err(Refusal::Failed(
            Failure::connect(format!(
                "the WebSocket handshake with {} failed: {p}",
                url.as_str()
            ))
            .hint("is this a WebSocket endpoint? check the URL's path")
            .into(),
        )),
        Err(e) => Err(Refusal::Failed(
            Failure::connect(format!(
                "the WebSocket handshake with {} failed: {e}",
                url.as_str()
            ))
            .into(),
        )),
    }
}

/// The server answered the upgrade with something else than 101: a redirect (followed with
/// -L) or a refusal, shown whole because why the server said no is the point.
pub(super) fn refused(
    settings: &ClientSettings,
    url: &WsUrl,
    resp: &Response,
    conn: &Conn,
    verbose: bool,
) -> Refusal {
    let status = resp.status();
    let location = resp
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok());
    if let (true, Some(location)) = (status.is_redirection(), location) {
        // Not followed without -L: then it is a refusal, shown like any other.
        if verbose || settings.redirects.is_none() {
            show_response(conn, Dir::In, resp, resp.body().as_deref());
        }
        return Refusal::Redirect(status.as_u16(), location.to_owned());
    }
    // Why the server said no is the point: show the whole answer, -v or not.
    show_response(conn, Dir::In, resp, resp.body().as_deref());
    let mut f = Failure::connect(format!(
        "the server refused the WebSocket handshake: HTTP {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    ));
    f = match status.as_u16() {
        401 => f.hint("the server wants credentials: --auth USER:PASS or -H 'Authorization: …'"),
        403 => f.hint("check the Origin (-o) and credentials the server expects"),
        404 => f.hint("check the URL's path"),
        426 => f.hint("the server expects a different WebSocket version or a plain HTTP request"),
        // nginx and Go answer plain HTTP on a TLS port with a 400 that says so.
        400 if !url.is_tls()
            && resp
                .body()
                .as_deref()
                .is_some_and(|b| String::from_utf8_lossy(b).contains("HTTPS")) =>
        {
            f.hint(format!(
                "the server expects TLS: try {}",
                tls_failure::other_scheme(url)
            ))
        }
        _ => f,
    };
    Refusal::Failed(f.into())
}
/// Puts the server's subprotocol choice back into the response (`Offer` took it out), or
/// refuses a choice that was not offered. Like a browser, a server may choose none.
fn accept_choice(
    offered: &[String],
    chosen: &std::sync::Mutex<Vec<String>>,
    response: &mut Response,
) -> Result<(), Refusal> {
    if offered.is_empty() {
        return Ok(());
    }
    let chosen = chosen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match chosen.as_slice() {
        [] => Ok(()),
        [one] if offered.contains(one) => {
            if let Ok(v) = one.parse() {
                response
                    .headers_mut()
                    .insert(header::SEC_WEBSOCKET_PROTOCOL, v);
            }
            Ok(())
        }
        _ => Err(Refusal::Failed(
            subprotocol_mismatch(offered, chosen).into(),
        )),
    }
}

/// The subprotocols a response head (as it came) chose.
fn chosen_in(head: &HeadTap) -> Vec<String> {
    let head = head.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&head) {
        Ok(_) => resp
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-protocol"))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// What was offered and what the server chose.
pub(super) fn subprotocol_mismatch(offered: &[String], chosen: Vec<String>) -> Failure {
    let offered_text = if offered.is_empty() {
        "none was offered".to_owned()
    } else {
        format!("offered: {}", offered.join(", "))
    };
    match chosen.as_slice() {
        [] => Failure::connect(format!(
            "subprotocol mismatch: the server chose no subprotocol ({offered_text})"
        ))
        .hint("the server supports none of the offered subprotocols; check -s"),
        [one] => {
            let f = Failure::connect(format!(
                "subprotocol mismatch: the server chose '{}', which was not offered ({offered_text})",
                crate::output::render::sanitize(one, false)
            ));
            if one.contains(',') {
                f.hint("a server must choose one subprotocol, not a list")
            } else {
                f.hint(format!("offer it with -s {one}"))
            }
        }
        many => Failure::connect(format!(
            "subprotocol mismatch: the server sent {} Sec-WebSocket-Protocol headers ({offered_text})",
            many.len()
        )),
    }
}

/// The server's answer to the upgrade request is not HTTP, or there was none. On a ws:// URL,
/// a TLS record in reply means a TLS port.
fn not_http(url: &WsUrl, p: &ProtocolError, first: &FirstBytes) -> Failure {
    let failed = |why: &str| {
        Failure::connect(format!(
            "the WebSocket handshake with {} failed: {why}",
            url.as_str()
        ))
    };
    let plain = !url.is_tls() && url.unix_socket().is_none();
    let other = tls_failure::other_scheme(url);
    if plain && first.is_tls() {
        return failed("the server answered with TLS, not HTTP").hint(format!("try {other}"));
    }
    let f = match p {
        ProtocolError::HandshakeIncomplete => {
            failed("the server closed the connection without answering")
        }
        // Go's TLS servers answer plain HTTP with an HTTP/1.0 400.
        ProtocolError::WrongHttpVersion => {
            failed("the server answered with HTTP/1.0, which cannot upgrade to WebSocket")
        }
        _ => failed("the server's answer is not HTTP"),
    };
    if plain {
        f.hint(format!(
            "is this a WebSocket server? if the port is a TLS port, try {other}"
        ))
    } else {
        f.hint("is this a WebSocket server?")
    }
}

pub fn open_info(resp: &Response) -> OpenInfo {
    let h = resp.headers();
    let text = |name| {
        h.get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    OpenInfo {
        status: resp.status().as_u16(),
        http_version: http_version(resp.version()),
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
