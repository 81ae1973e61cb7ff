//! `wsprobe listen`: the echo server, driven by tokio-tungstenite clients and by wsprobe.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{block_on, wsprobe, Listener, Printed};

#[test]
fn first_line_is_the_listening_url_with_the_real_port() {
    let l = Listener::start(&[]);
    let port: u16 = l
        .url
        .strip_prefix("ws://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
}

#[test]
fn echoes_text_and_binary_to_a_foreign_client() {
    let l = Listener::start(&[]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&l.url).await.unwrap();
        ws.send(Message::text("hi")).await.unwrap();
        ws.send(Message::Binary(vec![0, 1, 2, 255].into()))
            .await
            .unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hi"));
        assert_eq!(
            ws.next().await.unwrap().unwrap(),
            Message::Binary(vec![0, 1, 2, 255].into())
        );
        ws.close(None).await.unwrap();
    });
}

#[test]
fn serves_many_concurrent_clients_with_numbered_connections() {
    let l = Listener::start(&[]);
    block_on(async {
        let mut clients = Vec::new();
        for _ in 0..20 {
            clients.push(tokio_tungstenite::connect_async(&l.url).await.unwrap().0);
        }
        for (i, ws) in clients.iter_mut().enumerate() {
            ws.send(Message::text(format!("client {i}"))).await.unwrap();
        }
        for (i, ws) in clients.iter_mut().enumerate() {
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::text(format!("client {i}"))
            );
        }
        for ws in &mut clients {
            ws.close(None).await.unwrap();
            while let Some(Ok(_)) = ws.next().await {}
        }
    });
    let (status, log) = l.interrupt();
    assert_eq!(status, Some(0));
    assert!(log.contains("#20 OPEN"), "{log}");
    // The clients closed without a status code.
    assert!(log.contains("#1 CLOSED 1005 \"\" clean (remote)"), "{log}");
}

#[test]
fn verbose_logs_messages() {
    let l = Listener::start(&["-v"]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&l.url).await.unwrap();
        ws.send(Message::text("logged")).await.unwrap();
        ws.next().await.unwrap().unwrap();
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let (_, log) = l.interrupt();
    assert!(log.contains("#1 < text 6 B logged"), "{log}");
    assert!(log.contains("#1 > text 6 B logged"), "{log}");
}

#[test]
fn wsprobe_connect_pipes_through_wsprobe_listen() {
    let l = Listener::start(&[]);
    let input: String = (0..20_000).map(|i| format!("{i}\n")).collect();
    let out = wsprobe()
        .args(["-q", &l.url])
        .write_stdin(input.clone())
        .assert()
        .success()
        .stdout_bytes();
    assert!(out == input.as_bytes());
}

#[test]
fn an_oversize_message_closes_that_connection_with_1009() {
    let l = Listener::start(&["--max-message-size", "1KiB"]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&l.url).await.unwrap();
        ws.send(Message::Binary(vec![1u8; 2048].into()))
            .await
            .unwrap();
        let mut code = None;
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Close(Some(f)) = msg {
                code = Some(u16::from(f.code));
            }
        }
        assert_eq!(code, Some(1009));
        // The server still serves others.
        let (mut ws2, _) = tokio_tungstenite::connect_async(&l.url).await.unwrap();
        ws2.send(Message::text("small")).await.unwrap();
        assert_eq!(ws2.next().await.unwrap().unwrap(), Message::text("small"));
    });
}

#[test]
fn ctrl_c_closes_open_clients_with_1001_and_exits_0() {
    let l = Listener::start(&[]);
    let url = l.url.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let client = std::thread::spawn(move || {
        block_on(async {
            let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
            ws.send(Message::text("x")).await.unwrap();
            ws.next().await.unwrap().unwrap();
            tx.send(()).unwrap();
            let mut close = None;
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Close(Some(f)) = msg {
                    close = Some((u16::from(f.code), f.reason.to_string()));
                }
            }
            close
        })
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let (status, log) = l.interrupt();
    assert_eq!(status, Some(0));
    let close = client.join().unwrap();
    assert_eq!(close, Some((1001, "server shutting down".to_owned())));
    assert!(log.contains("#1 CLOSING (local) 1001"), "{log}");
}

#[test]
fn listen_json_reports_listening_and_connections() {
    let l = Listener::start(&["--json"]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&l.url).await.unwrap();
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let mut l = l;
    let mut stdout = l.child.stdout.take().unwrap();
    let (status, _) = l.interrupt();
    assert_eq!(status, Some(0));
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut out).unwrap();
    let events = crate::support::json_lines(&out);
    assert_eq!(events[0]["event"], "listening");
    assert!(events
        .iter()
        .any(|e| e["event"] == "open" && e["conn"] == 1));
    assert!(events
        .iter()
        .any(|e| e["event"] == "close" && e["conn"] == 1 && e["code"] == 1005));
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let stderr = wsprobe()
        .args(["listen", &addr])
        .assert()
        .code(1)
        .stderr_text();
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn invalid_utf8_fails_with_1007_before_the_frame_is_complete() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = Listener::start(&[]);
    let addr = l.url.strip_prefix("ws://").unwrap().to_owned();
    block_on(async move {
        let mut tcp = crate::support::raw_upgrade(&addr).await;
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(tcp.read_u8().await.unwrap());
        }
        assert!(head.starts_with(b"HTTP/1.1 101"));
        // A text frame announcing 1000 bytes, of which only the invalid start is sent.
        let mask = [1u8, 2, 3, 4];
        let mut frame = vec![0x81, 0x80 | 126, 0x03, 0xe8];
        frame.extend_from_slice(&mask);
        let payload = [b'o', b'k', 0xff, 0xfe];
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        tcp.write_all(&frame).await.unwrap();
        // The server answers with a close frame: 0x88, length, code 1007.
        let mut close = [0u8; 4];
        tcp.read_exact(&mut close).await.unwrap();
        assert_eq!(close[0], 0x88);
        assert_eq!(u16::from_be_bytes([close[2], close[3]]), 1007);
    });
}

#[test]
fn sigterm_closes_open_clients_with_1001_and_exits_143() {
    let mut l = Listener::start(&[]);
    let url = l.url.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let client = std::thread::spawn(move || {
        block_on(async {
            let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
            ws.send(Message::text("x")).await.unwrap();
            ws.next().await.unwrap().unwrap();
            tx.send(()).unwrap();
            let mut close = None;
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Close(Some(f)) = msg {
                    close = Some((u16::from(f.code), f.reason.to_string()));
                }
            }
            close
        })
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
    crate::support::signal(l.child.id(), "TERM");
    let status = crate::support::wait_timeout(&mut l.child, Duration::from_secs(10));
    let close = client.join().unwrap();
    assert_eq!(close, Some((1001, "server shutting down".to_owned())));
    assert_eq!(status, Some(143));
    let mut log = String::new();
    std::io::Read::read_to_string(&mut l.stderr, &mut log).unwrap();
    assert!(log.contains("#1 CLOSING (local) 1001"), "{log}");
    assert!(log.contains("#1 CLOSED 1001"), "{log}");
}

#[test]
fn an_idle_preconnect_is_not_an_error_but_a_malformed_request_is() {
    use std::io::{Read, Write};
    let l = Listener::start(&[]);
    let addr = l.url.strip_prefix("ws://").unwrap().to_owned();
    // What a browser's unused preconnect looks like: connected, then closed, nothing sent.
    drop(std::net::TcpStream::connect(&addr).unwrap());
    let mut bad = std::net::TcpStream::connect(&addr).unwrap();
    bad.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    bad.write_all(b"GET / HTTP/1.1\r\nno colon here\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    bad.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 400"), "{answer:?}");
    let (_, log) = l.interrupt();
    assert!(!log.contains("#1 ERROR"), "{log}");
    assert!(log.contains("#2 ERROR http: 400"), "{log}");
    assert_eq!(log.matches("ERROR").count(), 1, "{log}");
}

#[test]
fn an_idle_preconnect_shows_only_with_verbose() {
    let l = Listener::start(&["-v"]);
    let addr = l.url.strip_prefix("ws://").unwrap().to_owned();
    drop(std::net::TcpStream::connect(&addr).unwrap());
    // A real connection after it, so the idle one has certainly been seen when this closes.
    block_on(async {
        let mut ws = crate::support::client(&l.url).await;
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let (_, log) = l.interrupt();
    assert!(log.contains("#1 127.0.0.1:"), "{log}");
    assert!(log.contains("sent no request"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
}

#[test]
fn an_idle_preconnect_to_a_wss_listener_is_not_a_tls_error() {
    let pki = crate::support::tls::pki();
    let l = Listener::start(&[
        "--tls-cert",
        pki.server_cert.to_str().unwrap(),
        "--tls-key",
        pki.server_key.to_str().unwrap(),
    ]);
    let addr = l.url.strip_prefix("wss://").unwrap().to_owned();
    drop(std::net::TcpStream::connect(&addr).unwrap());
    // A real client after it, so the idle one has been seen by the time this one is done.
    wsprobe()
        .args([
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
    let (_, log) = l.interrupt();
    assert!(log.contains("#2 OPEN"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
}
