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
