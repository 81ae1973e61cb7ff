//! Plain HTTP on the `listen` port: the test page, `--static`, and 426 without either.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{block_on, client, next_text, Listener, Printed};

/// A raw HTTP/1.1 request (no client-side path normalisation); returns status, head and body.
pub fn http_request(url: &str, method: &str, path: &str) -> (u16, String, String) {
    let addr = url.trim_start_matches("ws://").trim_end_matches('/');
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {raw:?}"));
    (status, head.to_owned(), body.to_owned())
}

#[test]
fn the_test_page_is_served_on_the_websocket_port() {
    let l = Listener::start(&["--page"]);
    let (status, head, body) = http_request(&l.url, "GET", "/");
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("Content-Type: text/html"), "{head}");
    assert!(body.contains("<title>wsprobe test page</title>"));
    assert!(body.contains("new WebSocket("));
    // Self-contained: nothing is fetched from elsewhere.
    for external in ["src=\"http", "href=\"http", "@import", "src=\"//"] {
        assert!(!body.contains(external), "the page refers to {external}");
    }
    let (status, head, body) = http_request(&l.url, "HEAD", "/");
    assert_eq!(status, 200, "{head}");
    assert!(body.is_empty());
    assert_eq!(http_request(&l.url, "POST", "/").0, 405);
    // The WebSocket endpoint is still there.
    block_on(async {
        let mut ws = client(&l.url).await;
        ws.send(Message::text("still echoing")).await.unwrap();
        assert_eq!(next_text(&mut ws).await, "still echoing");
    });
    let (_, log) = l.interrupt();
    assert!(log.contains("#1 HTTP GET / 200"), "{log}");
    assert!(log.contains("#3 HTTP POST / 405"), "{log}");
}

#[test]
fn without_page_a_plain_request_is_told_to_upgrade() {
    let l = Listener::start(&[]);
    let (status, head, body) = http_request(&l.url, "GET", "/");
    assert_eq!(status, 426, "{head}");
    assert!(head.contains("Upgrade: websocket"), "{head}");
    assert!(body.contains("--page"), "{body}");
}

#[test]
fn static_serves_a_directory_and_refuses_to_leave_it() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("docs")).unwrap();
    std::fs::write(site.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(site.join("app.js"), "console.log(1)").unwrap();
    std::fs::write(site.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "TOP SECRET").unwrap();
    let l = Listener::start(&["--static", site.to_str().unwrap()]);

    let (status, _, body) = http_request(&l.url, "GET", "/");
    assert_eq!((status, body.as_str()), (200, "<h1>home</h1>"));
    let (status, head, _) = http_request(&l.url, "GET", "/app.js?v=2");
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: text/javascript"), "{head}");
    let (status, head, _) = http_request(&l.url, "GET", "/docs");
    assert_eq!(status, 301);
    assert!(head.contains("Location: /docs/"), "{head}");
    assert_eq!(http_request(&l.url, "GET", "/docs/").2, "<h1>docs</h1>");
    assert_eq!(http_request(&l.url, "GET", "/missing.txt").0, 404);
    for attack in [
        "/../secret.txt",
        "/docs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%5csecret.txt",
    ] {
        let (status, _, body) = http_request(&l.url, "GET", attack);
        assert_eq!(status, 404, "{attack}");
        assert!(!body.contains("TOP SECRET"), "{attack}");
    }
}

#[test]
fn static_needs_a_directory() {
    let err = crate::support::wsprobe()
        .args(["listen", "0", "--static", "/nonexistent/dir"])
        .timeout(crate::support::RUN_TIMEOUT)
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        err.contains("--static /nonexistent/dir: not a directory"),
        "{err}"
    );
}

#[test]
fn usage_errors_come_before_the_listening_line() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let file = file.path().to_str().unwrap();
    for args in [
        &["--static", "/nonexistent/dir"][..],
        &["--static", file],
        &["--send-interval", "0s", "--send", "x"],
        &["--ping-interval", "0s"],
        &["--tls-cert", "/nonexistent/cert.pem", "--tls-key", file],
    ] {
        let err = crate::support::wsprobe()
            .args(["listen", "127.0.0.1:0"])
            .args(args)
            .assert()
            .code(2)
            .stderr_text();
        // One error line (and its hints), never the line scripts wait for first.
        assert!(!err.contains("listening on"), "{args:?}: {err}");
        assert!(err.starts_with("wsprobe: error: "), "{args:?}: {err}");
        assert_eq!(err.matches("wsprobe: error:").count(), 1, "{args:?}: {err}");
        assert!(
            err.lines().skip(1).all(|l| l.starts_with("hint: ")),
            "{args:?}: {err}"
        );
    }
}

/// Sends `request` on a fresh connection and reads the answer to the end: the status, the
/// headers and the body, checked to be one well-formed HTTP/1.1 response whose body is exactly
/// its Content-Length.
fn exchange(url: &str, request: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let addr = url.trim_start_matches("ws://").trim_end_matches('/');
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(request).unwrap();
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("reading the answer to {:?}: {e}", head_of(request)));
    assert!(!raw.is_empty(), "no answer to {:?}", head_of(request));
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let n = match resp.parse(&raw) {
        Ok(httparse::Status::Complete(n)) => n,
        other => panic!("not an HTTP response ({other:?}): {raw:?}"),
    };
    let headers: Vec<(String, String)> = resp
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let body = raw[n..].to_vec();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .unwrap_or_else(|| panic!("no Content-Length: {headers:?}"))
        .1
        .parse()
        .unwrap();
    assert_eq!(
        len,
        body.len(),
        "Content-Length against the body for {:?}: {raw:?}",
        head_of(request)
    );
    (resp.code.unwrap(), headers, body)
}

fn head_of(request: &[u8]) -> String {
    String::from_utf8_lossy(&request[..request.len().min(80)]).into_owned()
}

fn upgrade_with(path: &str, lines: &[&str]) -> Vec<u8> {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n");
    for l in lines {
        req.push_str(l);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    req.into_bytes()
}

const KEY: &str = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

#[test]
fn every_refusal_is_a_well_formed_answer_with_its_body() {
    let l = Listener::start(&["--path", "/ws"]);
    let upgrade = "Upgrade: websocket";
    let connection = "Connection: Upgrade";
    let v13 = "Sec-WebSocket-Version: 13";
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        // tungstenite used to drop these without a word.
        (
            upgrade_with("/ws", &[upgrade, connection, v13]),
            400,
            "Sec-WebSocket-Key",
        ),
        (
            upgrade_with("/ws", &["Upgrade: websockets", connection, v13, KEY]),
            400,
            "Upgrade",
        ),
        (upgrade_with("/ws", &[upgrade, v13, KEY]), 400, "Connection"),
        (
            upgrade_with(
                "/ws",
                &[upgrade, connection, v13, "Sec-WebSocket-Key: short"],
            ),
            400,
            "Sec-WebSocket-Key",
        ),
        (
            b"POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
                .to_vec(),
            400,
            "GET",
        ),
        (
            upgrade_with(
                "/ws",
                &[upgrade, connection, "Sec-WebSocket-Version: 8", KEY],
            ),
            426,
            "13",
        ),
        // These were sent with a Content-Length and no body.
        (
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n".to_vec(),
            400,
            "bad request",
        ),
        (
            format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(20_000)).into_bytes(),
            431,
            "too large",
        ),
        // tungstenite's refusals (from --path) had a body and no Content-Length.
        (
            upgrade_with("/other", &[upgrade, connection, v13, KEY]),
            404,
            "/ws",
        ),
        // Plain HTTP.
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 426, "--page"),
        (b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 405, "GET"),
    ];
    for (request, status, says) in &cases {
        let (got, headers, body) = exchange(&l.url, request);
        let body = String::from_utf8_lossy(&body);
        assert_eq!(got, *status, "{:?}: {body}", head_of(request));
        assert!(body.contains(says), "{:?}: {body}", head_of(request));
        assert!(
            body.ends_with('\n') && body.lines().count() == 1,
            "{body:?}"
        );
        if got == 426 && request.starts_with(b"GET /ws") {
            // RFC 6455 §4.2.2: the versions this server speaks.
            assert!(
                headers
                    .iter()
                    .any(|(n, v)| n == "sec-websocket-version" && v == "13"),
                "{headers:?}"
            );
        }
    }
    // The good upgrade still works.
    block_on(async {
        let url = format!("{}/ws", l.url.trim_end_matches('/'));
        let mut ws = client(&url).await;
        ws.send(Message::text("fine")).await.unwrap();
        assert_eq!(next_text(&mut ws).await, "fine");
    });
}

/// The size each `HTTP` log line gives is the size of the body the client received.
#[test]
fn every_http_log_line_gives_the_size_of_the_body_sent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
    let l = Listener::start(&["--static", dir.path().to_str().unwrap()]);
    let mut sizes = Vec::new();
    for (method, path) in [("GET", "/a.txt"), ("GET", "/missing"), ("POST", "/a.txt")] {
        let (status, head, body) = http_request(&l.url, method, path);
        sizes.push(format!("HTTP {method} {path} {status} {} B", body.len()));
        assert!(!body.is_empty(), "{head}");
    }
    let (_, log) = l.interrupt();
    for line in sizes {
        assert!(log.contains(&line), "{line}: {log}");
    }
}
