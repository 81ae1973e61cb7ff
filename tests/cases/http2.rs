//! WebSocket over HTTP/2 (RFC 8441): `connect --http2` against `listen`, over TLS (h2 chosen
//! in ALPN, certificates made by the test) and cleartext (h2c): messages both ways, a
//! binary stream larger than the HTTP/2 windows, close codes both ways, refusals as HTTP/2
//! statuses, permessage-deflate, what -v and --json say, servers that cannot do it; and, to a
//! client made with the h2 crate, two WebSockets as streams of one connection and plain
//! requests (`--page`, 426) answered over HTTP/2.

use bytes::Bytes;
use expectrl::Expect;
use tokio_tungstenite::tungstenite::http;

use crate::support::tls::pki;
use crate::support::{block_on, json_lines, run_open_stdin, wsprobe, Listener, Printed};

fn tls_listener(pki: &crate::support::tls::Pki, extra: &[&str]) -> Listener {
    let mut args = vec![
        "--tls-cert",
        pki.server_cert.to_str().unwrap(),
        "--tls-key",
        pki.server_key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    Listener::start(&args)
}

/// The listener's log once it has stopped.
fn log_of(l: Listener) -> String {
    let (status, log) = l.interrupt();
    assert_eq!(status, Some(0), "listen did not stop cleanly:\n{log}");
    log
}

#[test]
fn text_over_h2c_opens_on_http2_both_sides_say_so() {
    let l = Listener::start(&[]);
    let url = format!("{}/chat", l.url);
    let err = wsprobe()
        .args(["connect", "--http2", &url, "-x", "hello", "-e", "hello"])
        .assert()
        .success()
        .stderr_text();
    assert!(
        err.lines()
            .any(|l| l.starts_with("OPEN ") && l.ends_with(" over HTTP/2")),
        "{err}"
    );
    // permessage-deflate is negotiated as over HTTP/1.1.
    assert!(err.contains("extensions=permessage-deflate"), "{err}");
    assert!(err.contains("CLOSED 1000 \"\" clean (local)"), "{err}");
    let log = log_of(l);
    assert!(log.contains("over HTTP/2"), "{log}");
    assert!(log.contains("CLOSED 1000 \"\" clean (remote)"), "{log}");
}

#[test]
fn wss_over_h2_with_the_ca_round_trips_binary_larger_than_the_windows() {
    let pki = pki();
    let l = tls_listener(&pki, &[]);
    // 3 MiB in messages of 1 MiB, uncompressed: more than the stream's window (1 MiB) and
    // the connection's in flight, so WINDOW_UPDATEs must come for it to finish.
    let data: Vec<u8> = (0..3u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
    let out = wsprobe()
        .args([
            "connect",
            "--http2",
            &l.url,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-q",
            "--binary",
            "--chunk-size",
            "1MiB",
            "--no-deflate",
        ])
        .write_stdin(data.clone())
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out.len(), data.len());
    assert!(out == data, "binary round trip over HTTP/2 differs");
    let log = log_of(l);
    assert!(log.contains("over HTTP/2"), "{log}");
}

#[test]
fn verbose_shows_the_extended_connect_and_json_says_http_version() {
    let l = Listener::start(&["-s", "chat"]);
    let err = wsprobe()
        .args([
            "connect",
            "--http2",
            &l.url,
            "-v",
            "-s",
            "chat",
            "-H",
            "X-Probe: 1",
        ])
        .args(["-x", "hi", "-n", "1"])
        .assert()
        .success()
        .stderr_text();
    for want in [
        "> CONNECT / HTTP/2",
        "> :protocol: websocket",
        "> :scheme: http",
        "> sec-websocket-version: 13",
        "> sec-websocket-protocol: chat",
        "> x-probe: 1",
        "< HTTP/2 200 OK",
        "< sec-websocket-protocol: chat",
    ] {
        assert!(err.contains(want), "{want:?} not in:\n{err}");
    }
    assert!(
        !err.to_ascii_lowercase().contains("sec-websocket-key"),
        "{err}"
    );
    let json = |extra: &[&str]| {
        let mut args = vec![
            "connect", &l.url, "-s", "chat", "--json", "-x", "hi", "-n", "1",
        ];
        args.extend_from_slice(extra);
        let out = wsprobe().args(&args).assert().success().stdout_bytes();
        json_lines(&out)
            .into_iter()
            .find(|e| e["event"] == "open")
            .expect("an open event")
    };
    let open = json(&["--http2"]);
    assert_eq!(open["http_version"], "2", "{open}");
    assert_eq!(open["status"], 200, "{open}");
    let open = json(&[]);
    assert_eq!(open["http_version"], "1.1", "{open}");
    assert_eq!(open["status"], 101, "{open}");
}

#[test]
fn close_codes_go_both_ways_over_http2() {
    // The client closes with its code.
    let l = Listener::start(&[]);
    wsprobe()
        .args([
            "connect",
            "--http2",
            &l.url,
            "-x",
            "hi",
            "-n",
            "1",
            "--close-code",
            "4001",
            "--close-reason",
            "bye",
        ])
        .assert()
        .success();
    let log = log_of(l);
    assert!(log.contains("CLOSED 4001 \"bye\" clean (remote)"), "{log}");
    // The server closes with its code; the client reports it as over HTTP/1.1.
    let args = [
        "--close-after",
        "0",
        "--close-code",
        "4002",
        "--close-reason",
        "done",
    ];
    let l = Listener::start(&args);
    let h2 = run_open_stdin(&["connect", "--http2", &l.url], "");
    let h1 = run_open_stdin(&["connect", &l.url], "");
    assert!(
        h2.stderr.contains("CLOSED 4002 \"done\" clean (remote)"),
        "{}",
        h2.stderr
    );
    assert_eq!(h2.code, h1.code, "{}\n{}", h2.stderr, h1.stderr);
}

#[test]
fn refusals_come_as_http2_statuses_with_the_usual_hints() {
    let l = Listener::start(&["--path", "/ok", "--origin-allow", "https://good.example"]);
    let err = wsprobe()
        .args(["connect", "--http2", &format!("{}/nope", l.url), "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    assert!(err.contains("< HTTP/2 404 Not Found"), "{err}");
    assert!(
        err.contains("wsprobe: error: the server refused the WebSocket handshake: HTTP 404"),
        "{err}"
    );
    assert!(err.contains("hint: check the URL's path"), "{err}");
    let ok = format!("{}/ok", l.url);
    let err = wsprobe()
        .args([
            "connect",
            "--http2",
            &ok,
            "-o",
            "https://evil.example",
            "-x",
            "hi",
        ])
        .assert()
        .code(3)
        .stderr_text();
    assert!(err.contains("HTTP 403 Forbidden"), "{err}");
    assert!(
        err.contains("origin not allowed: https://evil.example"),
        "{err}"
    );
    let log = log_of(l);
    assert!(log.contains("404 no WebSocket endpoint at /nope"), "{log}");
}

#[test]
fn a_server_without_http2_fails_with_a_hint_to_connect_without_it() {
    let l = Listener::start(&["--no-http2"]);
    let err = wsprobe()
        .args(["connect", "--http2", &l.url, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        err.contains("did not answer in HTTP/2 in cleartext"),
        "{err}"
    );
    assert!(
        err.contains("hint: the server may speak HTTP/1.1 only: connect without --http2"),
        "{err}"
    );
    let pki = pki();
    let l = tls_listener(&pki, &["--no-http2"]);
    let err = wsprobe()
        .args([
            "connect",
            "--http2",
            &l.url,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-x",
            "hi",
        ])
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        err.contains(
            "does not speak HTTP/2: the server chose http/1.1 in the TLS handshake (ALPN), not h2"
        ),
        "{err}"
    );
    assert!(err.contains("hint: connect without --http2"), "{err}");
    // Without --http2 the same server is fine.
    wsprobe()
        .args([
            "connect",
            &l.url,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-x",
            "hi",
            "-n",
            "1",
        ])
        .assert()
        .success();
}

/// A plain GET over h2c, made with the h2 crate: the status, a header and the body.
fn h2c_get(url: &str, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let addr = url.trim_start_matches("ws://").to_owned();
    let uri = format!("http://{addr}{path}");
    block_on(async move {
        let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (send, connection) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(connection);
        let mut send = send.ready().await.unwrap();
        let req = http::Request::get(uri).body(()).unwrap();
        let (resp, _) = send.send_request(req, true).unwrap();
        let resp = resp.await.unwrap();
        assert_eq!(resp.version(), http::Version::HTTP_2);
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let mut body = resp.into_body();
        let mut got = Vec::new();
        while let Some(data) = body.data().await {
            let data: Bytes = data.unwrap();
            let _ = body.flow_control().release_capacity(data.len());
            got.extend_from_slice(&data);
        }
        (status, ctype, got)
    })
}

#[test]
fn plain_requests_are_answered_over_http2_too() {
    let l = Listener::start(&["--page"]);
    let (status, ctype, body) = h2c_get(&l.url, "/");
    assert_eq!(status, 200);
    assert_eq!(ctype.as_deref(), Some("text/html; charset=utf-8"));
    assert!(
        String::from_utf8_lossy(&body).contains("<html"),
        "not the page"
    );
    let (status, _, _) = h2c_get(&l.url, "/favicon.ico");
    assert_eq!(status, 404);
    let log = log_of(l);
    assert!(log.contains("GET / 200"), "{log}");
    let l = Listener::start(&[]);
    let (status, _, body) = h2c_get(&l.url, "/");
    assert_eq!(status, 426);
    assert!(String::from_utf8_lossy(&body).contains("WebSocket endpoint"));
}

/// An extended CONNECT for a WebSocket at `path`, as a browser sends it (no extensions).
fn connect_request(addr: &str, path: &str) -> http::Request<()> {
    let mut req = http::Request::builder()
        .method("CONNECT")
        .uri(format!("http://{addr}{path}"))
        .header("sec-websocket-version", "13")
        .body(())
        .unwrap();
    req.extensions_mut()
        .insert(h2::ext::Protocol::from_static("websocket"));
    req
}

/// A masked client text frame (payload under 126 bytes).
fn text_frame(text: &str) -> Bytes {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x81, 0x80 | text.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    Bytes::from(frame)
}

#[test]
fn two_websockets_share_one_http2_connection_each_on_its_stream() {
    let l = Listener::start(&[]);
    let addr = l.url.trim_start_matches("ws://").to_owned();
    block_on(async move {
        let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let (send, connection) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(connection);
        let mut send = send.ready().await.unwrap();
        // Both opened before either is used: two streams of the same connection.
        let (a, mut a_out) = send
            .send_request(connect_request(&addr, "/a"), false)
            .unwrap();
        let mut send = send.ready().await.unwrap();
        let (b, mut b_out) = send
            .send_request(connect_request(&addr, "/b"), false)
            .unwrap();
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
        assert!(send.is_extended_connect_protocol_enabled());
        let (mut a_in, mut b_in) = (a.into_body(), b.into_body());
        b_out.send_data(text_frame("to b"), false).unwrap();
        a_out.send_data(text_frame("to a"), false).unwrap();
        // The echoes come back unmasked, each on its own stream.
        let a_echo = a_in.data().await.unwrap().unwrap();
        let b_echo = b_in.data().await.unwrap().unwrap();
        assert_eq!(&a_echo[..], b"\x81\x04to a");
        assert_eq!(&b_echo[..], b"\x81\x04to b");
    });
    let log = log_of(l);
    for path in ["/a", "/b"] {
        assert!(log.contains(&format!("{path} from 127.0.0.1")), "{log}");
    }
    assert_eq!(log.matches(" over HTTP/2").count(), 2, "{log}");
}

/// An HTTP/2 server made with the h2 crate: `enable` says whether it allows extended CONNECT;
/// the first request is answered 200, then (200 ms later) its stream is reset with
/// INTERNAL_ERROR, or with `goaway` the connection ends with GOAWAY ENHANCE_YOUR_CALM.
fn h2_server(enable: bool, goaway: bool) -> crate::support::Server {
    crate::support::Server::tcp(move |tcp| async move {
        let mut builder = h2::server::Builder::new();
        if enable {
            builder.enable_connect_protocol();
        }
        let Ok(mut conn) = builder.handshake::<_, Bytes>(tcp).await else {
            return;
        };
        let Some(Ok((_request, mut respond))) = conn.accept().await else {
            return;
        };
        let mut send = respond
            .send_response(http::Response::new(()), false)
            .unwrap();
        let pause = tokio::time::sleep(std::time::Duration::from_millis(200));
        if goaway {
            // The connection is driven (accept) until the pause is over, then ends.
            tokio::pin!(pause);
            loop {
                tokio::select! {
                    _ = conn.accept() => {}
                    () = &mut pause => break,
                }
            }
            conn.abrupt_shutdown(h2::Reason::ENHANCE_YOUR_CALM);
            let limit = std::time::Duration::from_secs(5);
            let _ =
                tokio::time::timeout(limit, async { while conn.accept().await.is_some() {} }).await;
            return;
        }
        let driver = tokio::spawn(async move { while conn.accept().await.is_some() {} });
        pause.await;
        send.send_reset(h2::Reason::INTERNAL_ERROR);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), driver).await;
    })
}

#[test]
fn a_reset_stream_is_reported_with_its_error_code_in_words() {
    let server = h2_server(true, false);
    let run = run_open_stdin(&["connect", "--http2", &server.url], "");
    assert!(run.stderr.contains("over HTTP/2"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the peer reset the HTTP/2 stream: RST_STREAM INTERNAL_ERROR \
             (unexpected internal error encountered)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("CLOSED 1006"), "{}", run.stderr);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
}

#[test]
fn a_server_without_extended_connect_fails_with_a_hint() {
    let server = h2_server(false, false);
    let err = wsprobe()
        .args(["connect", "--http2", &server.url, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        err.contains(
            "speaks HTTP/2 but takes no WebSocket over it: its SETTINGS do not enable extended \
             CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441)"
        ),
        "{err}"
    );
    assert!(err.contains("hint: connect without --http2"), "{err}");
}

#[test]
fn exec_programs_see_an_http2_request_in_their_environment() {
    let l = Listener::start(&[
        "--exec",
        "echo \"$SERVER_PROTOCOL $REQUEST_METHOD $REQUEST_URI $PATH_INFO\"",
    ]);
    let url = format!("{}/p?q=1", l.url);
    let out = wsprobe()
        .args(["connect", "--http2", &url, "-n", "1"])
        .write_stdin("")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(String::from_utf8_lossy(&out), "HTTP/2 CONNECT /p?q=1 /p\n");
}

#[test]
fn fragments_and_heartbeats_work_over_http2() {
    let l = Listener::start(&["--fragment", "5"]);
    let err = wsprobe()
        .args([
            "connect",
            "--http2",
            &l.url,
            "--fragment",
            "4",
            "--no-deflate",
        ])
        .args(["-x", "a fragmented message", "-e", "a fragmented message"])
        .assert()
        .success()
        .stderr_text();
    assert!(err.contains("PASS 1/1"), "{err}");
    let err = wsprobe()
        .args([
            "connect", "--http2", &l.url, "-x", "hi", "-w", "500ms", "-v",
        ])
        .args(["--ping-interval", "100ms"])
        .assert()
        .success()
        .stderr_text();
    assert!(err.contains("< pong 11 B heartbeat 1"), "{err}");
}

#[test]
fn a_goaway_is_reported_with_its_error_code_in_words() {
    let server = h2_server(true, true);
    let run = run_open_stdin(&["connect", "--http2", &server.url], "");
    assert!(run.stderr.contains("over HTTP/2"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the peer closed the HTTP/2 connection: GOAWAY ENHANCE_YOUR_CALM \
             (detected excessive load generating behavior)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("CLOSED 1006"), "{}", run.stderr);
    assert_eq!(run.code, Some(4), "{}", run.stderr);
}

#[test]
fn the_repl_runs_over_http2_and_headers_shows_the_extended_connect() {
    let l = Listener::start(&[]);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::support::wsprobe_std();
    cmd.env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("XDG_DATA_HOME", home.path())
        .args(["connect", "--http2", &l.url, "--no-history"]);
    let mut s = expectrl::Session::spawn(cmd).expect("spawn wsprobe in a pty");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(10)));
    let expect = |s: &mut expectrl::session::OsSession, needle: &str| {
        if let Err(e) = s.expect(needle) {
            panic!("{needle:?} did not appear: {e}");
        }
    };
    expect(&mut s, "over HTTP/2");
    s.send_line("hello over h2").unwrap();
    expect(&mut s, "< hello over h2");
    s.send_line("/headers").unwrap();
    for line in ["CONNECT / HTTP/2", ":protocol: websocket", "HTTP/2 200 OK"] {
        expect(&mut s, line);
    }
    s.send_line("/quit").unwrap();
    expect(&mut s, "CLOSED 1000");
}

#[test]
fn bench_runs_each_connection_over_its_own_http2_connection() {
    let l = Listener::start(&[]);
    let out = wsprobe()
        .args([
            "bench", "--http2", &l.url, "-c", "2", "-d", "300ms", "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary: serde_json::Value =
        serde_json::from_str(String::from_utf8(out).unwrap().lines().last().unwrap()).unwrap();
    assert_eq!(summary["connected"], 2, "{summary}");
    assert_eq!(summary["errors"], serde_json::json!({}), "{summary}");
    assert!(summary["sent"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(summary["sent"], summary["received"], "{summary}");
    let log = log_of(l);
    assert_eq!(log.matches("over HTTP/2").count(), 2, "{log}");
}
