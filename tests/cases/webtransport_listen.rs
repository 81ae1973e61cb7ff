//! `wsprobe listen --webtransport`, driven by a wtransport client (tests/support/wt_client.rs):
//! streams and datagrams echoed, the close's code and reason in listen's log, the policy's
//! refusals, and the printed certificate hash being the served certificate's.

use std::time::Duration;

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use wtransport::VarInt;

use super::http::http_request;
use crate::support::block_on;
use crate::support::wt_client::{self, read_all, WtListener};

#[test]
fn a_bidi_stream_is_echoed_and_finished_when_the_client_finishes() {
    let l = WtListener::start(true, &[]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let (mut send, mut recv) = session.open_bi().await.unwrap().await.unwrap();
        send.write_all(b"hello ").await.unwrap();
        send.write_all(b"stream").await.unwrap();
        send.finish().await.unwrap();
        assert_eq!(read_all(&mut recv).await, b"hello stream");
        session.close(VarInt::from_u32(0), b"");
    });
    let open = l.event("session_open", |e| e["event"] == "session_open");
    assert_eq!(open["http_version"], "3");
    assert_eq!(open["status"], 200);
    let stream = l.event("stream_open", |e| e["event"] == "stream_open");
    assert_eq!(stream["kind"], "bidi");
    assert_eq!(stream["opened_by"], "remote");
    l.event("the server's finish", |e| {
        e["event"] == "stream_finish" && e["dir"] == "out" && e["stream"] == stream["stream"]
    });
}

#[test]
fn a_uni_stream_is_answered_on_a_new_uni_stream_when_it_ends() {
    let l = WtListener::start(false, &[]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let mut send = session.open_uni().await.unwrap().await.unwrap();
        send.write_all(b"one way").await.unwrap();
        send.finish().await.unwrap();
        let mut answer = session.accept_uni().await.unwrap();
        assert_eq!(read_all(&mut answer).await, b"one way");
        session.close(VarInt::from_u32(0), b"");
    });
    l.log_line("uni opened (remote)");
    l.log_line("uni opened (local)");
}

/// Datagrams may be lost, even here: sent until the echo comes, a few times at most.
async fn echoed_datagram(session: &wtransport::Connection, payload: &[u8]) -> Vec<u8> {
    for _ in 0..20 {
        session.send_datagram(payload).unwrap();
        let got = tokio::time::timeout(Duration::from_millis(250), session.receive_datagram());
        if let Ok(d) = got.await {
            return d.unwrap().payload().to_vec();
        }
    }
    panic!("no datagram came back");
}

#[test]
fn datagrams_are_echoed() {
    let l = WtListener::start(true, &[]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        assert_eq!(echoed_datagram(&session, b"ping 1").await, b"ping 1");
        assert_eq!(echoed_datagram(&session, &[0, 255, 7]).await, [0, 255, 7]);
        session.close(VarInt::from_u32(0), b"");
    });
    let d = l.event("datagram in", |e| {
        e["event"] == "datagram" && e["dir"] == "in"
    });
    assert_eq!(d["len"], 6);
    assert_eq!(d["data"], "ping 1");
}

#[test]
fn the_clients_close_code_and_reason_are_in_the_log() {
    let l = WtListener::start(false, &[]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        session.close(VarInt::from_u32(4000), b"done here");
        tokio::time::sleep(Duration::from_millis(100)).await;
    });
    let closing = l.log_line("CLOSING (remote)");
    assert!(closing.contains("4000 \"done here\""), "{closing}");
    let closed = l.log_line("CLOSED");
    assert!(closed.contains("4000"), "{closed}");
}

#[test]
fn the_clients_close_code_and_reason_are_in_the_json_log() {
    let l = WtListener::start(true, &[]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        session.close(VarInt::from_u32(7), b"bye");
        tokio::time::sleep(Duration::from_millis(100)).await;
    });
    let close = l.event("session_close", |e| e["event"] == "session_close");
    assert_eq!(close["code"], 7);
    assert_eq!(close["reason"], "bye");
    assert_eq!(close["initiator"], "remote");
    assert_eq!(close["was_clean"], true);
}

#[test]
fn a_path_the_policy_refuses_gets_404_and_an_allowed_one_opens() {
    let l = WtListener::start(false, &["--path", "/wt"]);
    let base = l.url.trim_end_matches('/').to_owned();
    block_on(async {
        let refused = wt_client::connect(&format!("{base}/other"), &l.hash).await;
        assert!(
            matches!(
                refused,
                Err(wtransport::error::ConnectingError::SessionRejected)
            ),
            "{:?}",
            refused.err()
        );
        let session = wt_client::connect(&format!("{base}/wt"), &l.hash)
            .await
            .unwrap();
        session.close(VarInt::from_u32(0), b"");
    });
    // By its words: the start-up lines carry the port, which may contain "404".
    let refusal = l.log_line("no WebTransport endpoint at /other (served: /wt)");
    assert!(refusal.contains("404"), "{refusal}");
    l.log_line("OPEN");
}

#[test]
fn the_printed_hash_is_the_served_certificates_and_pins_it() {
    let l = WtListener::start(false, &[]);
    assert_eq!(l.hash.len(), 95, "{}", l.hash);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let chain = session.peer_identity().expect("the server's certificate");
        assert_eq!(chain.as_slice()[0].hash().to_string(), l.hash);
        session.close(VarInt::from_u32(0), b"");
        // Another hash is refused: the client pins exactly the printed one.
        let other = "00:".repeat(31) + "00";
        assert!(wt_client::connect(&l.url, &other).await.is_err());
    });
}

#[test]
fn tls_cert_files_are_served_and_their_hash_printed() {
    let pki = crate::support::tls::pki();
    let l = WtListener::start(
        false,
        &[
            "--tls-cert",
            pki.server_cert.to_str().unwrap(),
            "--tls-key",
            pki.server_key.to_str().unwrap(),
        ],
    );
    assert!(l.ws_url.starts_with("wss://"), "{}", l.ws_url);
    block_on(async {
        let client = wt_client::client_trusting(&pki.ca);
        let session = client.connect(&l.url).await.unwrap();
        let chain = session.peer_identity().unwrap();
        let pem = std::fs::read_to_string(&pki.server_cert).unwrap();
        use rustls::pki_types::pem::PemObject;
        let der = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        assert_eq!(chain.as_slice()[0].der(), der.as_ref());
        assert_eq!(chain.as_slice()[0].hash().to_string(), l.hash);
        session.close(VarInt::from_u32(0), b"");
    });
}

#[test]
fn broadcast_fans_datagrams_out_to_sessions_and_websocket_clients() {
    let l = WtListener::start(false, &["--broadcast"]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&l.ws_url).await.unwrap();
        let a = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let b = wt_client::connect(&l.url, &l.hash).await.unwrap();
        // Until the WebSocket client has it (a datagram may be lost), then b has one too.
        let got = loop {
            a.send_datagram(b"to all").unwrap();
            let next = tokio::time::timeout(Duration::from_millis(250), ws.next()).await;
            if let Ok(Some(Ok(msg))) = next {
                break msg;
            }
        };
        assert_eq!(got, Message::text("to all"));
        // b too; its session may have joined the server's list after those went out (b's
        // connect returns before the server has taken the session in), and a datagram may be
        // lost: until it has one.
        let to_b = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                a.send_datagram(b"to all").unwrap();
                let next = tokio::time::timeout(Duration::from_millis(250), b.receive_datagram());
                if let Ok(Ok(d)) = next.await {
                    break d;
                }
            }
        });
        let d = to_b.await.expect("b never had a broadcast datagram");
        assert_eq!(d.payload().as_ref(), b"to all");
        a.close(VarInt::from_u32(0), b"");
        b.close(VarInt::from_u32(0), b"");
    });
}

#[test]
fn exec_runs_a_program_per_bidi_stream() {
    let l = WtListener::start(false, &["--exec", "tr a-z A-Z"]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let (mut send, mut recv) = session.open_bi().await.unwrap().await.unwrap();
        send.write_all(b"shout\n").await.unwrap();
        send.finish().await.unwrap();
        assert_eq!(read_all(&mut recv).await, b"SHOUT\n");
        session.close(VarInt::from_u32(0), b"");
    });
}

#[test]
fn ctrl_c_closes_open_sessions() {
    let mut l = WtListener::start(false, &[]);
    let (tx, rx) = std::sync::mpsc::channel();
    let (url, hash) = (l.url.clone(), l.hash.clone());
    let client = std::thread::spawn(move || {
        block_on(async {
            let session = wt_client::connect(&url, &hash).await.unwrap();
            tx.send(()).unwrap();
            session.closed().await.to_string()
        })
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
    l.log_line("OPEN");
    assert_eq!(l.interrupt(), Some(0));
    let why = client.join().unwrap();
    assert!(why.contains("server shutting down"), "{why}");
}

#[test]
fn the_page_is_told_the_certificate_hash() {
    let l = WtListener::start(false, &["--page"]);
    let (status, head, body) = http_request(&l.ws_url, "GET", "/webtransport.json");
    assert_eq!(status, 200, "{head}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["cert_sha256"], l.hash.as_str());
    let (_, _, page) = http_request(&l.ws_url, "GET", "/");
    assert!(
        page.contains("WebTransport"),
        "the page has its WebTransport panel"
    );
}

#[test]
fn the_verbose_log_shows_the_session_like_a_websocket_connection() {
    let l = WtListener::start(false, &["-v"]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let (mut send, mut recv) = session.open_bi().await.unwrap().await.unwrap();
        send.write_all(b"hi").await.unwrap();
        send.finish().await.unwrap();
        read_all(&mut recv).await;
        session.close(VarInt::from_u32(4000), b"done here");
        tokio::time::sleep(Duration::from_millis(100)).await;
    });
    let mut lines = Vec::new();
    for text in [
        "CONNECTING https://127.0.0.1:",
        "CONNECT / HTTP/3",
        "HTTP/3 200",
        "OPEN",
        "bidi opened (remote)",
        "finished",
        "CLOSING (remote) 4000 \"done here\"",
        "CLOSED 4000 \"done here\"",
    ] {
        lines.push(l.log_line(text));
    }
    eprintln!("{}", lines.join("\n"));
}

#[test]
fn pushes_reach_sessions_as_datagrams() {
    let l = WtListener::start(false, &["--send-interval", "100ms", "--send", "tick"]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let d = tokio::time::timeout(Duration::from_secs(5), session.receive_datagram());
        assert_eq!(d.await.unwrap().unwrap().payload().as_ref(), b"tick");
        session.close(VarInt::from_u32(0), b"");
    });
}

#[test]
fn an_origin_the_policy_refuses_gets_403() {
    let l = WtListener::start(false, &["--origin-allow", "https://good.example"]);
    block_on(async {
        let client = wt_client::client(&l.hash);
        let refused = client
            .connect(
                wtransport::endpoint::ConnectOptions::builder(&l.url)
                    .add_header("origin", "https://evil.example")
                    .build(),
            )
            .await;
        assert!(refused.is_err());
        let allowed = client
            .connect(
                wtransport::endpoint::ConnectOptions::builder(&l.url)
                    .add_header("origin", "https://good.example")
                    .build(),
            )
            .await
            .unwrap();
        allowed.close(VarInt::from_u32(0), b"");
    });
    // By its words: the start-up lines carry the port, which may contain "403".
    let refusal = l.log_line("evil.example");
    assert!(refusal.contains("403"), "{refusal}");
    l.log_line("OPEN");
}

#[test]
fn a_reset_stream_is_answered_with_a_reset_of_the_same_code() {
    let l = WtListener::start(false, &[]);
    block_on(async {
        let session = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let (mut send, mut recv) = session.open_bi().await.unwrap().await.unwrap();
        send.write_all(b"partial").await.unwrap();
        let mut buf = [0u8; 16];
        // The echo of what came before the reset, then the server's reset.
        assert_eq!(recv.read(&mut buf).await.unwrap(), Some(7));
        send.reset(VarInt::from_u32(9)).unwrap();
        let err = recv.read(&mut buf).await.unwrap_err();
        assert!(
            matches!(err, wtransport::error::StreamReadError::Reset(c) if c.into_inner() == 9),
            "{err:?}"
        );
        session.close(VarInt::from_u32(0), b"");
    });
    l.log_line("reset code=9");
}

#[test]
fn wsprobe_connect_webtransport_pipes_through_listen() {
    let l = WtListener::start(false, &[]);
    let out = crate::support::wsprobe()
        .args(["connect", "--webtransport", &l.url, "--cert-hash", &l.hash])
        .write_stdin("one\ntwo\n")
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "one\ntwo\n"
    );
    let out = crate::support::wsprobe()
        .args(["connect", "--webtransport", &l.url, "--cert-hash", &l.hash])
        .args(["--datagrams", "-n", "2"])
        .write_stdin("d1\nd2\n")
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "d1\nd2\n"
    );
    l.log_line("#1 CLOSED 0 \"\" clean (remote)");
    l.log_line("#2 CLOSED 0 \"\" clean (remote)");
}

#[test]
fn max_connections_counts_sessions_and_refuses_with_429() {
    let l = WtListener::start(false, &["--max-connections", "1"]);
    block_on(async {
        let first = wt_client::connect(&l.url, &l.hash).await.unwrap();
        let second = wt_client::connect(&l.url, &l.hash).await;
        assert!(second.is_err());
        first.close(VarInt::from_u32(0), b"");
    });
    // By its words: the start-up lines carry the port, which may contain "429".
    let refusal = l.log_line("--max-connections");
    assert!(refusal.contains("429"), "{refusal}");
}
