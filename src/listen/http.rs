//! Plain HTTP on the WebSocket port (`listen --page`, `--static DIR`): a request that is not
//! an upgrade gets the built-in test page or a file; an upgrade goes on to the WebSocket
//! handshake with the bytes already read put back in front of the stream
//! ([`ReadAhead`](crate::wire::readahead::ReadAhead)).

use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The browser test page, self-contained (no external assets).
pub const PAGE: &str = include_str!("page.html");

/// Where `--page` tells itself the WebTransport certificate's hash.
const WT_INFO: &str = "/webtransport.json";

/// The largest request head read before giving up with 431.
const MAX_HEAD: usize = 16 * 1024;

/// What plain HTTP requests get.
#[derive(Debug, Clone)]
pub enum Site {
    /// WebSocket only: plain requests get 426 Upgrade Required with a hint.
    None,
    /// The test page; with `listen --webtransport`, `/webtransport.json` gives it the
    /// certificate's SHA-256 for `serverCertificateHashes`.
    Page {
        cert_hash: Option<String>,
    },
    Static(PathBuf),
}

/// The start of a connection, read far enough to tell an upgrade from a plain request.
pub enum Peeked {
    /// A WebSocket upgrade that tungstenite will accept: hand these bytes to the handshake.
    Upgrade(Bytes),
    /// A plain request (or a refused upgrade), answered: method, path, status and body size,
    /// for the log, and what was wrong with the request when it was the client's fault.
    Answered {
        method: String,
        path: String,
        status: u16,
        len: u64,
        problem: Option<String>,
    },
    /// The client sent nothing before it closed the connection or the time was up: a
    /// browser's preconnect, a port scanner, a health check. Not worth an error line.
    Idle,
}

/// Reads one request head within `limit`; answers plain requests from `site` and refuses
/// upgrade requests that the WebSocket handshake would drop without an answer.
pub async fn peek<S>(stream: &mut S, site: &Site, limit: Duration) -> io::Result<Peeked>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = BytesMut::with_capacity(1024);
    loop {
        if let Some(idle) = read_more(stream, &mut buf, deadline, limit).await? {
            return Ok(idle);
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        let parsed = req.parse(&buf);
        let (method, path, head_len) = match parsed {
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                let body = b"request head too large\n";
                respond(stream, 431, "text/plain", body, false).await?;
                let problem = "the request head is too large";
                return Ok(refused("?", "?", 431, body, problem));
            }
            Err(e) => {
                let body = b"bad request\n";
                respond(stream, 400, "text/plain", body, false).await?;
                let problem = format!("malformed request: {e}");
                return Ok(refused("?", "?", 400, body, &problem));
            }
            Ok(httparse::Status::Complete(n)) => (
                req.method.unwrap_or("").to_owned(),
                req.path.unwrap_or("/").to_owned(),
                n,
            ),
        };
        if !wants_websocket(&req) {
            return answer(stream, site, &method, &path).await;
        }
        return match check_upgrade(&req, buf.len() > head_len) {
            Ok(()) => Ok(Peeked::Upgrade(buf.freeze())),
            Err(bad) => refuse_upgrade(stream, &method, &path, bad).await,
        };
    }
}

/// Reads more of the request head into `buf`: `Some(Idle)` when the client sent nothing at
/// all, an error when it stopped in the middle or speaks TLS to this plain port.
async fn read_more<S>(
    stream: &mut S,
    buf: &mut BytesMut,
    deadline: tokio::time::Instant,
    limit: Duration,
) -> io::Result<Option<Peeked>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match tokio::time::timeout_at(deadline, stream.read_buf(buf)).await {
        Ok(Ok(0)) | Err(_) if buf.is_empty() => return Ok(Some(Peeked::Idle)),
        Ok(Err(e)) if buf.is_empty() && is_reset(&e) => return Ok(Some(Peeked::Idle)),
        Ok(Ok(0)) => {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed the connection in the middle of its request",
            ))
        }
        Err(_) => {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the request was not complete within {limit:?}"),
            ))
        }
        Ok(Err(e)) => return Err(e),
        Ok(Ok(_)) => {}
    }
    // A TLS ClientHello (a record of type 22, version 3.x): a wss:// client on a ws:// port.
    // It still gets a plain HTTP answer, which its TLS library reports as "not TLS".
    if buf.len() >= 2 && buf[0] == 0x16 && buf[1] == 0x03 {
        let body = b"this port speaks plain HTTP and ws://, not TLS\n";
        let _ = respond(stream, 400, "text/plain", body, false).await;
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the client speaks TLS (a wss:// URL?) to this plain ws:// port; \
             serve wss:// with --tls-cert and --tls-key",
        ));
    }
    Ok(None)
}

/// The answer to an upgrade request the handshake would drop without one.
async fn refuse_upgrade<S>(
    stream: &mut S,
    method: &str,
    path: &str,
    bad: BadUpgrade,
) -> io::Result<Peeked>
where
    S: AsyncWrite + Unpin,
{
    let body = format!("{}\n", bad.why);
    let extra: &[&str] = if bad.status == 426 {
        &["Sec-WebSocket-Version: 13", "Upgrade: websocket"]
    } else {
        &[]
    };
    let body = body.as_bytes();
    respond_with(stream, bad.status, "text/plain", body, extra, false).await?;
    Ok(refused(method, path, bad.status, body, &bad.why))
}

/// A plain request: GET and HEAD are served from `site`, other methods get 405. (HTTP/2
/// writes the answer into a buffer and sends it in frames.)
pub async fn answer<S>(stream: &mut S, site: &Site, method: &str, path: &str) -> io::Result<Peeked>
where
    S: AsyncWrite + Unpin,
{
    let head = method == "HEAD";
    if method != "GET" && !head {
        let body = b"only GET and HEAD (and WebSocket upgrades) are served here\n";
        let status =
            respond_with(stream, 405, "text/plain", body, &["Allow: GET, HEAD"], head).await?;
        return Ok(answered(method, path, status, body.len() as u64));
    }
    let (status, len) = serve(stream, site, path, head).await?;
    Ok(answered(method, path, status, len))
}

/// A connection dropped before it said anything.
fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    )
}

/// Whether a request is meant as a WebSocket upgrade, well formed or not.
fn wants_websocket(req: &httparse::Request<'_, '_>) -> bool {
    req.headers.iter().any(|h| {
        (h.name.eq_ignore_ascii_case("upgrade")
            && String::from_utf8_lossy(h.value)
                .to_ascii_lowercase()
                .contains("websocket"))
            || h.name.eq_ignore_ascii_case("sec-websocket-key")
    })
}

/// Why an upgrade request cannot be accepted, and the status that says so.
struct BadUpgrade {
    status: u16,
    why: String,
}

/// The checks of RFC 6455 §4.2.1 that tungstenite makes, made here first: tungstenite closes
/// the connection without an answer when one fails, and a client deserves to learn why.
fn check_upgrade(req: &httparse::Request<'_, '_>, junk: bool) -> Result<(), BadUpgrade> {
    let bad = |why: &str| {
        Err(BadUpgrade {
            status: 400,
            why: format!("bad WebSocket upgrade request: {why}"),
        })
    };
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
    };
    if req.method != Some("GET") {
        return bad("the method must be GET");
    }
    if req.version != Some(1) {
        return bad("HTTP/1.1 is required");
    }
    let target_ok = req.path.is_some_and(|p| {
        p.parse::<tokio_tungstenite::tungstenite::http::Uri>()
            .is_ok()
    });
    if !target_ok {
        return bad("the request target is not a valid URI");
    }
    if !header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return bad("the Upgrade header must be `websocket`");
    }
    let connection_upgrade = header("connection").is_some_and(|v| {
        v.split([' ', ','])
            .any(|t| t.eq_ignore_ascii_case("upgrade"))
    });
    if !connection_upgrade {
        return bad("the Connection header must include `Upgrade`");
    }
    if header("sec-websocket-version").as_deref() != Some("13") {
        return Err(BadUpgrade {
            status: 426,
            why: "unsupported WebSocket version: this server speaks version 13 \
                  (Sec-WebSocket-Version: 13)"
                .to_owned(),
        });
    }
    match header("sec-websocket-key") {
        None => return bad("the Sec-WebSocket-Key header is missing"),
        Some(key) if !valid_key(&key) => {
            return bad("Sec-WebSocket-Key must be 16 random bytes in base64 (24 characters)")
        }
        Some(_) => {}
    }
    if junk {
        return bad("data followed the request before the server answered it");
    }
    Ok(())
}

fn valid_key(key: &str) -> bool {
    use base64::Engine;
    key.len() == 24
        && base64::engine::general_purpose::STANDARD
            .decode(key)
            .is_ok_and(|k| k.len() == 16)
}

fn refused(method: &str, path: &str, status: u16, body: &[u8], problem: &str) -> Peeked {
    Peeked::Answered {
        method: method.to_owned(),
        path: path.to_owned(),
        status,
        len: body.len() as u64,
        problem: Some(problem.to_owned()),
    }
}

/// After an answer to a request that may not have been read to its end: stop sending, then
/// read (and drop) what the client still sends for a moment, so that closing with unread
/// data does not reset the connection and destroy the answer before the client reads it.
pub async fn linger<S>(stream: &mut S)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const LIMIT: u64 = 1024 * 1024;
    let _ = stream.shutdown().await;
    let mut rest = (&mut *stream).take(LIMIT);
    let mut sink = tokio::io::sink();
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::io::copy(&mut rest, &mut sink),
    )
    .await;
}

fn answered(method: &str, path: &str, status: u16, len: u64) -> Peeked {
    Peeked::Answered {
        method: method.to_owned(),
        path: path.to_owned(),
        status,
        len,
        problem: None,
    }
}

async fn serve<S>(stream: &mut S, site: &Site, target: &str, head: bool) -> io::Result<(u16, u64)>
where
    S: AsyncWrite + Unpin,
{
    let path = target.split(['?', '#']).next().unwrap_or("/");
    match site {
        Site::None => {
            let body = b"This is a WebSocket endpoint (wsprobe listen): connect with a WebSocket \
client, or restart the server with --page for a browser test page.\n";
            respond_with(
                stream,
                426,
                "text/plain",
                body,
                &["Upgrade: websocket"],
                head,
            )
            .await?;
            Ok((426, body.len() as u64))
        }
        Site::Page { cert_hash } => {
            if path == "/favicon.ico" {
                return not_found(stream, head).await;
            }
            if path == WT_INFO {
                let Some(hash) = cert_hash else {
                    return not_found(stream, head).await;
                };
                let body = serde_json::json!({ "cert_sha256": hash }).to_string();
                respond(stream, 200, "application/json", body.as_bytes(), head).await?;
                return Ok((200, body.len() as u64));
            }
            respond(
                stream,
                200,
                "text/html; charset=utf-8",
                PAGE.as_bytes(),
                head,
            )
            .await?;
            Ok((200, PAGE.len() as u64))
        }
        Site::Static(root) => {
            let Some(file) = resolve(root, path) else {
                return not_found(stream, head).await;
            };
            if file.is_dir() {
                // `/docs` → `/docs/`, so that the page's relative links resolve.
                if !path.ends_with('/') {
                    let location = format!("Location: {path}/");
                    respond_with(stream, 301, "text/plain", b"", &[&location], head).await?;
                    return Ok((301, 0));
                }
                return send_file(stream, &file.join("index.html"), head).await;
            }
            send_file(stream, &file, head).await
        }
    }
}

/// 404, with the length of its body: the log line says what was sent, error or not.
async fn not_found<S>(stream: &mut S, head: bool) -> io::Result<(u16, u64)>
where
    S: AsyncWrite + Unpin,
{
    const BODY: &[u8] = b"not found\n";
    respond(stream, 404, "text/plain", BODY, head).await?;
    Ok((404, BODY.len() as u64))
}

/// Maps a request path into `root`, or `None` when it would leave it: `..` segments, encoded
/// or not, and symbolic links pointing outside are refused.
pub fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = crate::value::percent_decode(path);
    if decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut out = root.to_path_buf();
    for part in Path::new(decoded.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    let real = out.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    real.starts_with(&root).then_some(real)
}

async fn send_file<S>(stream: &mut S, file: &Path, head: bool) -> io::Result<(u16, u64)>
where
    S: AsyncWrite + Unpin,
{
    let opened = match tokio::fs::File::open(file).await {
        Ok(f) => f.metadata().await.map(|m| (f, m)),
        Err(e) => Err(e),
    };
    let (mut f, meta) = match opened {
        Ok((f, m)) if m.is_file() => (f, m),
        _ => {
            return not_found(stream, head).await;
        }
    };
    let header = head_lines(200, content_type(file), meta.len(), &[]);
    stream.write_all(header.as_bytes()).await?;
    if !head {
        tokio::io::copy(&mut f, stream).await?;
    }
    stream.flush().await?;
    Ok((200, meta.len()))
}

fn content_type(file: &Path) -> &'static str {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("wasm") => "application/wasm",
        Some("xml") => "application/xml",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        _ => "",
    }
}

fn head_lines(status: u16, ctype: &str, len: u64, extra: &[&str]) -> String {
    let mut h = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\
         Server: wsprobe/{}\r\n",
        reason(status),
        env!("CARGO_PKG_VERSION")
    );
    for line in extra {
        h.push_str(line);
        h.push_str("\r\n");
    }
    h.push_str("\r\n");
    h
}

async fn respond<S>(
    stream: &mut S,
    status: u16,
    ctype: &str,
    body: &[u8],
    head: bool,
) -> io::Result<u16>
where
    S: AsyncWrite + Unpin,
{
    respond_with(stream, status, ctype, body, &[], head).await
}

async fn respond_with<S>(
    stream: &mut S,
    status: u16,
    ctype: &str,
    body: &[u8],
    extra: &[&str],
    head: bool,
) -> io::Result<u16>
where
    S: AsyncWrite + Unpin,
{
    let mut out = head_lines(status, ctype, body.len() as u64, extra).into_bytes();
    if !head {
        out.extend_from_slice(body);
    }
    stream.write_all(&out).await?;
    stream.flush().await?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        assert!(resolve(&root, "/sub/a.txt").is_some());
        assert!(resolve(&root, "/sub/./a.txt").is_some());
        assert!(resolve(&root, "/sub%2fa.txt").is_some());
        assert!(resolve(&root, "/../secret").is_none());
        assert!(resolve(&root, "/sub/../../secret").is_none());
        assert!(resolve(&root, "/%2e%2e/secret").is_none());
        assert!(resolve(&root, "/..%5csecret").is_none());
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("link")).unwrap();
        assert!(resolve(&root, "/link").is_none());
    }
}
