//! Closing handshakes both ways and the exit status of each way a connection can end.

use std::io::Write;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{
    close_with, run_open_stdin, signal, wait_timeout, wsprobe, wsprobe_std, Printed, Server,
};

type SeenClose = Arc<Mutex<Option<(u16, String)>>>;

/// A server that records the close frame it receives.
fn recording_server() -> (Server, SeenClose) {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let server = Server::ws(move |mut ws| {
        let s = s.clone();
        async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Close(Some(f)) = msg {
                    *s.lock().unwrap() = Some((u16::from(f.code), f.reason.to_string()));
                }
            }
        }
    });
    (server, seen)
}

#[test]
fn custom_close_code_and_reason_reach_the_server() {
    let (server, seen) = recording_server();
    let out = wsprobe()
        .args([
            "--close-code",
            "4000",
            "--close-reason",
            "done",
            &server.url,
        ])
        .write_stdin("x\n")
        .assert()
        .code(0)
        .stderr_text();
    assert_eq!(*seen.lock().unwrap(), Some((4000, "done".to_owned())));
    let stderr = out;
    assert!(stderr.contains("CLOSING (local) 4000 \"done\""), "{stderr}");
    assert!(
        stderr.contains("CLOSED 4000 \"done\" clean (local)"),
        "{stderr}"
    );
}

#[test]
fn peer_close_code_and_reason_are_shown_and_an_error_code_exits_4() {
    let server = Server::ws(|mut ws| async move {
        close_with(&mut ws, 4001, "bye now").await;
    });
    let run = run_open_stdin(&[&server.url], "");
    assert_eq!(run.code, Some(4));
    let stderr = run.stderr;
    assert!(
        stderr.contains("CLOSING (remote) 4001 \"bye now\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("CLOSED 4001 \"bye now\" clean (remote)"),
        "{stderr}"
    );
}

#[test]
fn peer_normal_close_exits_0_even_with_stdin_still_open() {
    let server = Server::ws(|mut ws| async move {
        ws.send(Message::text("only message")).await.unwrap();
        close_with(&mut ws, 1000, "").await;
    });
    // stdin stays open (a pipe nobody writes to): the run must end when the peer closes.
    let mut child = wsprobe_std()
        .arg(&server.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = wait_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status, Some(0));
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert_eq!(out, "only message\n");
}

#[test]
fn going_away_and_no_status_closes_are_not_failures() {
    let server = Server::ws(|mut ws| async move {
        close_with(&mut ws, 1001, "restarting").await;
    });
    assert_eq!(run_open_stdin(&[&server.url], "").code, Some(0));
    let server = Server::ws(|mut ws| async move {
        let _ = ws.send(Message::Close(None)).await;
        while let Some(Ok(_)) = ws.next().await {}
    });
    let run = run_open_stdin(&[&server.url], "");
    assert_eq!(run.code, Some(0));
    assert!(run.stderr.contains("CLOSED 1005"), "{}", run.stderr);
}

#[test]
fn a_connection_dropped_without_close_frame_is_1006_and_exits_4() {
    let server = Server::ws(|mut ws| async move {
        ws.send(Message::text("then I vanish")).await.unwrap();
        drop(ws); // TCP closed, no close frame
    });
    let out = wsprobe()
        .arg(&server.url)
        .write_stdin("")
        .assert()
        .code(4)
        .get_output()
        .clone();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "then I vanish\n");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("CLOSED 1006 \"\" unclean"), "{stderr}");
}

#[test]
fn a_peer_that_answers_our_close_but_keeps_the_connection_open_closed_cleanly() {
    // Answers the close frame (tungstenite does, reading it) and then holds the connection
    // open, as Hypercorn holds an HTTP/2 stream: the closing handshake is complete.
    let server = Server::ws(|mut ws| async move {
        while let Some(Ok(_)) = ws.next().await {}
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(ws);
    });
    let stderr = wsprobe()
        .args(["--close-timeout", "300ms", &server.url, "-x", "hi"])
        .assert()
        .success()
        .stderr_text();
    assert!(
        stderr.contains("CLOSED 1000 \"\" clean (local)"),
        "{stderr}"
    );
    assert!(!stderr.contains("did not answer"), "{stderr}");
}

#[test]
fn a_peer_that_never_answers_our_close_is_1006_after_close_timeout() {
    // Reads nothing after the handshake: our close frame goes unanswered.
    let server = Server::ws(|ws| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(ws);
    });
    let stderr = wsprobe()
        .args(["--close-timeout", "300ms", &server.url])
        .write_stdin("")
        .assert()
        .code(4)
        .stderr_text();
    assert!(
        stderr.contains("did not answer the close frame within 300ms"),
        "{stderr}"
    );
    assert!(stderr.contains("CLOSED 1006"), "{stderr}");
}

#[test]
fn oversize_message_from_the_server_closes_with_1009_and_exits_1() {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = Server::ws(move |mut ws| {
        let tx = tx.clone();
        async move {
            ws.send(Message::Binary(vec![0u8; 4096].into()))
                .await
                .unwrap();
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Close(Some(f)) = msg {
                    tx.send(u16::from(f.code)).unwrap();
                }
            }
        }
    });
    // stdin stays open, so the only close is the one the oversize message causes.
    let run = run_open_stdin(&["--max-message-size", "1KiB", &server.url], "");
    assert_eq!(run.code, Some(1));
    let stderr = run.stderr;
    assert!(stderr.contains("raise --max-message-size"), "{stderr}");
    assert!(stderr.contains("wsprobe: error:"), "{stderr}");
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 1009);
}

#[test]
fn connection_refused_exits_3_with_a_hint() {
    // A port that was just free: bind, read the port, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stderr = wsprobe()
        .arg(format!("ws://127.0.0.1:{port}/"))
        .write_stdin("")
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        stderr.contains("wsprobe: error: could not connect to 127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: is a server listening"), "{stderr}");
}

#[test]
fn refused_handshake_exits_3_and_shows_the_status_line() {
    let server = Server::refusing(403, "origin not allowed");
    let stderr = wsprobe()
        .arg(&server.url)
        .write_stdin("")
        .assert()
        .code(3)
        .stderr_text();
    assert!(stderr.contains("HTTP 403 Forbidden"), "{stderr}");
    assert!(stderr.contains("origin not allowed"), "{stderr}");
}

#[test]
fn a_server_that_is_not_websocket_exits_3() {
    let server = Server::tcp(|mut tcp| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0u8; 1024];
        let _ = tcp.read(&mut buf).await;
        let _ = tcp
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            .await;
    });
    wsprobe().arg(&server.url).write_stdin("").assert().code(3);
}

#[test]
fn connect_timeout_exits_3() {
    // Accepts TCP but never answers the upgrade.
    let server = Server::tcp(|tcp| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(tcp);
    });
    let out = wsprobe()
        .args(["--connect-timeout", "300ms", &server.url])
        .write_stdin("")
        .assert()
        .code(3)
        .stderr_text();
    assert!(out.contains("timed out after 300ms"));
}

#[test]
fn ctrl_c_closes_politely_and_exits_130() {
    let (server, seen) = recording_server();
    let mut child = wsprobe_std()
        .arg(&server.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for OPEN: once a line is echoed... the recording server does not echo, so wait for
    // the OPEN line on stderr.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0);
        if line.starts_with("OPEN") {
            break;
        }
    }
    child.stdin.as_mut().unwrap().write_all(b"hi\n").unwrap();
    signal(child.id(), "INT");
    assert_eq!(wait_timeout(&mut child, Duration::from_secs(10)), Some(130));
    assert_eq!(*seen.lock().unwrap(), Some((1000, String::new())));
}

#[test]
fn a_failure_after_our_close_keeps_the_close_that_was_sent() {
    use crate::support::deflate as raw;
    use tokio::io::AsyncWriteExt;
    let (tx, rx) = std::sync::mpsc::channel();
    let server = Server::tcp(move |mut tcp| {
        let tx = tx.clone();
        async move {
            raw::accept(&mut tcp, None, &[]).await;
            // wsprobe's close (its input is empty), answered first by a message too large.
            while let Some(f) = raw::read_frame(&mut tcp).await {
                if f.opcode == 8 {
                    let _ = tx.send(raw::close_code(&f.payload));
                    let big = raw::frame(true, false, 2, &[0u8; 4096], false);
                    let _ = tcp.write_all(&big).await;
                }
            }
        }
    });
    let out = wsprobe()
        .args(["--max-message-size", "1KiB", &server.url])
        .write_stdin("")
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("raise --max-message-size"), "{stderr}");
    assert!(
        stderr.contains("CLOSED 1000 \"\" unclean (local)"),
        "{stderr}"
    );
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), Some(1000));
    // No second close frame was sent.
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}
