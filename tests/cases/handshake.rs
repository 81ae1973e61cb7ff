//! Handshake control: -v dumps, refusals shown in full, credentials, redirects, proxies (HTTP
//! CONNECT and SOCKS5, by flag and by environment), Unix sockets, IPv6, and `listen`'s access
//! policy (Origin, path, subprotocols, connection limit).

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use crate::support::proxy::{http_proxy, http_responder, socks5_proxy};
use crate::support::{block_on, client, wsprobe, Listener, Server, RUN_TIMEOUT};

/// `wsprobe URL -x hi -n 1` plus `extra`; returns (status, stdout, stderr).
fn say_hi(url: &str, extra: &[&str]) -> (i32, String, String) {
    let out = wsprobe()
        .arg(url)
        .args(extra)
        .args(["-x", "hi", "-n", "1"])
        .timeout(RUN_TIMEOUT)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An echo server that records one request header of each handshake.
fn recording_server(header: &'static str) -> (Server, Arc<Mutex<Vec<Option<String>>>>) {
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let s = seen.clone();
    let server = Server::tcp(move |tcp| {
        let s = s.clone();
        async move {
            #[allow(clippy::result_large_err)]
            let cb = |req: &Request, resp: Response| {
                let v = req
                    .headers()
                    .get(header)
                    .map(|v| v.to_str().unwrap().to_owned());
                s.lock().unwrap().push(v);
                Ok(resp)
            };
            if let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await {
                use futures_util::SinkExt;
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() && ws.send(m).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
    (server, seen)
}

#[test]
fn verbose_prints_the_exact_handshake() {
    let server = Server::echo();
    let (code, _, err) = say_hi(&server.url, &["-v", "-H", "X-Trace: 7"]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "> GET / HTTP/1.1",
        "> Host: 127.0.0.1:",
        "> Upgrade: websocket",
        "> Sec-WebSocket-Version: 13",
        "> Sec-WebSocket-Key: ",
        "> x-trace: 7",
        "< HTTP/1.1 101 Switching Protocols",
        "< sec-websocket-accept: ",
    ] {
        assert!(err.contains(line), "{line:?} missing:\n{err}");
    }
}

#[test]
fn a_refusal_shows_status_headers_and_body() {
    let server = Server::refusing(403, "go away: bad token");
    let (code, _, err) = say_hi(&server.url, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("< HTTP/1.1 403 Forbidden"), "{err}");
    assert!(err.contains("< go away: bad token"), "{err}");
    assert!(
        err.contains("the server refused the WebSocket handshake: HTTP 403 Forbidden"),
        "{err}"
    );
}

#[test]
fn credentials_become_basic_auth_and_are_not_shown() {
    let (server, seen) = recording_server("authorization");
    let (code, _, err) = say_hi(&server.url, &["--auth", "ann:s3cret"]);
    assert_eq!(code, 0, "{err}");
    let in_url = server.url.replace("ws://", "ws://bob:p%40ss@");
    let (code, _, err) = say_hi(&in_url, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("p%40ss") && !err.contains("bob"), "{err}");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            Some("Basic YW5uOnMzY3JldA==".to_owned()), // ann:s3cret
            Some("Basic Ym9iOnBAc3M=".to_owned()),     // bob:p@ss
        ]
    );
}

#[test]
fn redirects_are_followed_with_location_and_bounded() {
    let target = Server::echo();
    let hop2 = http_responder(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n",
        target.url
    ));
    // A relative Location, resolved against the first URL, with http:// → ws://.
    let hop1 = http_responder(format!(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: http://127.0.0.1:{}/next\r\nContent-Length: 0\r\n\r\n",
        hop2.port
    ));
    let (code, _, err) = say_hi(&hop1.url, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("HTTP 301 to http://127.0.0.1:"), "{err}");
    assert!(err.contains("use -L"), "{err}");

    let (code, out, err) = say_hi(&hop1.url, &["-L", "-v"]);
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
    assert!(
        err.contains(&format!(
            "REDIRECT 301 -> ws://127.0.0.1:{}/next",
            hop2.port
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("REDIRECT 307 -> {}", target.url)),
        "{err}"
    );

    let (code, _, err) = say_hi(&hop1.url, &["-L", "--max-redirs", "1"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("too many redirects: 1 followed"), "{err}");
}

#[test]
fn an_http_connect_proxy_carries_the_connection() {
    let server = Server::echo();
    let (proxy, targets) = http_proxy(None);
    let (code, out, err) = say_hi(
        &server.url,
        &["--proxy", &format!("127.0.0.1:{}", proxy.port)],
    );
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
    assert_eq!(
        *targets.lock().unwrap(),
        vec![format!("127.0.0.1:{}", server.port)]
    );
}

#[test]
fn a_proxy_that_wants_credentials_gets_them_from_the_proxy_url() {
    let server = Server::echo();
    // "user:pw" in base64
    let (proxy, targets) = http_proxy(Some("dXNlcjpwdw=="));
    let (code, _, err) = say_hi(
        &server.url,
        &["--proxy", &format!("http://127.0.0.1:{}", proxy.port)],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("407 Proxy Authentication Required"), "{err}");
    assert!(err.contains("--proxy http://USER:PASS@HOST:PORT"), "{err}");
    let (code, out, err) = say_hi(
        &server.url,
        &[
            "--proxy",
            &format!("http://user:pw@127.0.0.1:{}", proxy.port),
        ],
    );
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
    assert_eq!(targets.lock().unwrap().len(), 1);
}

#[test]
fn proxy_environment_variables_are_honoured_like_curl() {
    let server = Server::echo();
    let (proxy, targets) = http_proxy(None);
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
    let run = |envs: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = wsprobe();
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.arg(&server.url)
            .args(extra)
            .args(["-x", "hi", "-n", "1"])
            .timeout(RUN_TIMEOUT)
            .assert()
            .success();
    };
    run(&[("http_proxy", &proxy_url)], &[]);
    assert_eq!(targets.lock().unwrap().len(), 1);
    run(&[("ALL_PROXY", &proxy_url)], &[]);
    assert_eq!(targets.lock().unwrap().len(), 2);
    // Ignored: --noproxy, a no_proxy match, and upper-case HTTP_PROXY (as curl does).
    run(&[("http_proxy", &proxy_url)], &["--noproxy"]);
    run(
        &[
            ("http_proxy", &proxy_url),
            ("no_proxy", "localhost,127.0.0.0/8"),
        ],
        &[],
    );
    run(&[("HTTP_PROXY", &proxy_url)], &[]);
    assert_eq!(targets.lock().unwrap().len(), 2);
}

#[test]
fn socks5_and_socks5h_differ_in_who_resolves_the_name() {
    let server = Server::echo();
    let (proxy, targets) = socks5_proxy(None);
    let by_name = format!("ws://localhost:{}/", server.port);
    let (code, out, err) = say_hi(
        &by_name,
        &["--proxy", &format!("socks5h://127.0.0.1:{}", proxy.port)],
    );
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
    let (code, out, err) = say_hi(
        &format!("ws://127.0.0.1:{}/", server.port),
        &["--proxy", &format!("socks5://127.0.0.1:{}", proxy.port)],
    );
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
    let seen = targets.lock().unwrap().clone();
    assert_eq!(seen[0], format!("localhost:{}", server.port));
    assert_eq!(seen[1], format!("127.0.0.1:{}", server.port));
}

#[test]
fn socks5_credentials_come_from_the_proxy_url() {
    let server = Server::echo();
    let (proxy, targets) = socks5_proxy(Some(("ann", "pw")));
    let (code, _, err) = say_hi(
        &server.url,
        &[
            "--proxy",
            &format!("socks5://ann:bad@127.0.0.1:{}", proxy.port),
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("the SOCKS5 proxy socks5://127.0.0.1:"),
        "{err}"
    );
    let (code, out, err) = say_hi(
        &server.url,
        &[
            "--proxy",
            &format!("socks5://ann:pw@127.0.0.1:{}", proxy.port),
        ],
    );
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
    assert_eq!(targets.lock().unwrap().len(), 1);
}

#[test]
fn a_unix_socket_url_reaches_a_server_on_that_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.sock");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (p, s) = (path.clone(), seen.clone());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        block_on(async move {
            let listener = tokio::net::UnixListener::bind(&p).unwrap();
            ready_tx.send(()).unwrap();
            let (stream, _) = listener.accept().await.unwrap();
            #[allow(clippy::result_large_err)]
            let cb = |req: &Request, resp: Response| {
                s.lock().unwrap().push(req.uri().to_string());
                Ok(resp)
            };
            let mut ws = tokio_tungstenite::accept_hdr_async(stream, cb)
                .await
                .unwrap();
            use futures_util::SinkExt;
            while let Some(Ok(m)) = ws.next().await {
                if m.is_text() && ws.send(m).await.is_err() {
                    break;
                }
            }
        })
    });
    ready_rx.recv().unwrap();
    let url = format!("ws+unix://{}:/chat?room=1", path.display());
    let (code, out, err) = say_hi(&url, &[]);
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
    assert!(err.contains(&format!("CONNECTING {url}")), "{err}");
    thread.join().unwrap();
    assert_eq!(*seen.lock().unwrap(), vec!["/chat?room=1".to_owned()]);
}

#[test]
fn ipv6_loopback_works_both_ways() {
    let l = Listener::start_on("[::1]:0", &[]);
    assert!(l.url.starts_with("ws://[::1]:"), "{}", l.url);
    let (code, out, err) = say_hi(&l.url, &[]);
    assert_eq!((code, out.as_str()), (0, "hi\n"), "{err}");
}

#[test]
fn listen_refuses_other_origins_with_403() {
    let l = Listener::start(&["--origin-allow", "https://good.example"]);
    let (code, _, err) = say_hi(&l.url, &["-o", "https://evil.example"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("HTTP 403 Forbidden"), "{err}");
    assert!(
        err.contains("< origin not allowed: https://evil.example"),
        "{err}"
    );
    assert_eq!(say_hi(&l.url, &["-o", "https://good.example"]).0, 0);
    // No Origin at all: not a browser; let through.
    assert_eq!(say_hi(&l.url, &[]).0, 0);
    let (_, log) = l.interrupt();
    assert!(
        log.contains("#1 ERROR refused: 403 origin not allowed: https://evil.example"),
        "{log}"
    );
}

#[test]
fn listen_serves_only_its_paths() {
    let l = Listener::start(&["--path", "/ws", "--path", "/v2/ws", "-v"]);
    let (code, _, err) = say_hi(&format!("{}/other", l.url), &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("HTTP 404 Not Found"), "{err}");
    assert_eq!(say_hi(&format!("{}/v2/ws?x=1", l.url), &[]).0, 0);
    let (_, log) = l.interrupt();
    assert!(log.contains("#2 < GET /v2/ws?x=1 HTTP/1.1"), "{log}");
    assert!(
        log.contains("#2 > HTTP/1.1 101 Switching Protocols"),
        "{log}"
    );
    assert!(log.contains("#1 > HTTP/1.1 404 Not Found"), "{log}");
}

#[test]
fn listen_selects_the_first_offered_subprotocol_it_supports() {
    let l = Listener::start(&["-s", "chat", "-s", "json"]);
    let (code, _, err) = say_hi(&l.url, &["-s", "xml", "-s", "json", "-s", "chat"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("OPEN") && err.contains("protocol=json"),
        "{err}"
    );
    let (code, _, err) = say_hi(&l.url, &["-s", "xml"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("HTTP 400"), "{err}");
    assert!(err.contains("this server speaks: chat, json"), "{err}");

    let optional = Listener::start(&["-s", "chat", "--protocol-optional"]);
    let (code, _, err) = say_hi(&optional.url, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("protocol=-"), "{err}");
}

#[test]
fn listen_answers_503_beyond_max_connections() {
    let l = Listener::start(&["--max-connections", "1"]);
    block_on(async {
        let _held = client(&l.url).await;
        let url = l.url.clone();
        let (code, _, err) = tokio::task::spawn_blocking(move || say_hi(&url, &[]))
            .await
            .unwrap();
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("HTTP 503 Service Unavailable"), "{err}");
        assert!(err.contains("connection limit reached (1"), "{err}");
    });
}

/// A server that answers every upgrade choosing `chosen` as its subprotocol (or none).
fn choosing_server(chosen: Option<&'static str>) -> Server {
    Server::tcp(move |tcp| async move {
        #[allow(clippy::result_large_err)]
        let cb = move |_: &Request, mut resp: Response| {
            if let Some(p) = chosen {
                resp.headers_mut()
                    .insert("sec-websocket-protocol", p.parse().unwrap());
            }
            Ok(resp)
        };
        if let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await {
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_text() && futures_util::SinkExt::send(&mut ws, msg).await.is_err() {
                    break;
                }
            }
        }
    })
}

#[test]
fn a_subprotocol_mismatch_says_what_was_offered_and_what_the_server_chose() {
    let other = choosing_server(Some("other"));
    let (code, _, err) = say_hi(&other.url, &["-s", "chat", "-s", "v2.chat"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("the server chose 'other', which was not offered (offered: chat, v2.chat)"),
        "{err}"
    );
    let (code, _, err) = say_hi(&other.url, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("the server chose 'other', which was not offered (none was offered)"),
        "{err}"
    );
    assert!(err.contains("hint: offer it with -s other"), "{err}");
}

#[test]
fn a_server_that_chooses_no_subprotocol_is_accepted_like_a_browser_does() {
    // Python websockets without `subprotocols=` answers an offer with none.
    let none = choosing_server(None);
    let (code, _, err) = say_hi(&none.url, &["-s", "chat", "-s", "v2.chat", "-v"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("OPEN") && err.contains("protocol=-"), "{err}");
    // The offer was made, and -v shows it.
    assert!(
        err.to_ascii_lowercase()
            .contains("> sec-websocket-protocol: chat, v2.chat"),
        "{err}"
    );
    let chosen = choosing_server(Some("v2.chat"));
    let (code, _, err) = say_hi(&chosen.url, &["-s", "chat", "-s", "v2.chat"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("protocol=v2.chat"), "{err}");
}

#[test]
fn the_readme_subprotocol_example_runs_against_listen() {
    // README: wsprobe ws://127.0.0.1:9000/ -H 'Authorization: Bearer abc' -o https://app.example
    //         -s chat -s v2.chat
    let l = Listener::start(&[]);
    let out = wsprobe()
        .arg(&l.url)
        .args([
            "-H",
            "Authorization: Bearer abc",
            "-o",
            "https://app.example",
        ])
        .args(["-s", "chat", "-s", "v2.chat"])
        .write_stdin("hello\n")
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.stdout, b"hello\n", "{err}");
    assert!(err.contains("protocol=chat"), "{err}");
}
