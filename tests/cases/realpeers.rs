//! Peers shaped like the libraries users run, not like our own code: a handler that answers
//! from another task after the close frame was handled (Python asyncio `websockets`, Node
//! `ws` with async handlers), late replies, frames in the same write as the 101, servers that
//! never answer. Each test is a regression test for a path that once gave a silent wrong
//! result against such a peer.

use std::io::Read;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{
    collecting_server, json_lines, signal, wait_timeout, wsprobe, wsprobe_std, Printed, Server,
};

/// An echo server whose handler runs in another task and answers `delay` after each message,
/// as `async for m in ws: await ws.send(m)` does in Python: the reader goes on reading, and a
/// close frame is answered at once, so a reply that is not sent yet by then is lost.
fn asyncio_echo(delay: Duration) -> Server {
    Server::ws(move |ws| async move {
        let (mut sink, mut stream) = ws.split();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Message>();
        let handler = tokio::spawn(async move {
            while let Some(msg) = rx.recv().await {
                tokio::time::sleep(delay).await;
                if sink.send(msg).await.is_err() {
                    break;
                }
            }
        });
        while let Some(Ok(msg)) = stream.next().await {
            if msg.is_text() || msg.is_binary() {
                let _ = tx.send(msg);
            }
        }
        drop(tx);
        let _ = handler.await;
    })
}

/// What a server saw of the client's close: the code, or `None` for no close frame (1006).
type SeenClose = Arc<Mutex<Option<Option<u16>>>>;

/// A server that sends `count` text messages `gap` apart, then (if `close`) closes with 1000;
/// it records the close frame it receives.
fn feed_server(count: usize, gap: Duration, close: bool) -> (Server, SeenClose) {
    let seen: SeenClose = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let server = Server::ws(move |ws| {
        let s = s.clone();
        async move {
            let (mut sink, mut stream) = ws.split();
            let sender = tokio::spawn(async move {
                for i in 1..=count {
                    if sink.send(Message::text(format!("item {i}"))).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(gap).await;
                }
                if close {
                    let _ = sink.send(Message::Close(None)).await;
                }
            });
            let mut code = None;
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Close(frame) = msg {
                    code = Some(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                }
            }
            *s.lock().unwrap() = Some(code);
            sender.abort();
        }
    });
    (server, seen)
}

/// Waits (bounded) until the server has recorded how the client closed.
fn close_seen(seen: &SeenClose) -> Option<u16> {
    for _ in 0..250 {
        if let Some(code) = *seen.lock().unwrap() {
            return code;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server never saw the connection end");
}

#[test]
fn one_shot_pipe_prints_the_reply_of_an_asyncio_style_handler() {
    let server = asyncio_echo(Duration::from_millis(30));
    for run in 0..10 {
        let out = wsprobe()
            .args(["-q", &server.url])
            .write_stdin("hi\n")
            .assert()
            .success()
            .stdout_bytes();
        assert_eq!(out, b"hi\n", "run {run}");
    }
}

#[test]
fn execute_prints_the_reply_of_an_asyncio_style_handler() {
    let server = asyncio_echo(Duration::from_millis(30));
    for run in 0..10 {
        let out = wsprobe()
            .args(["-q", &server.url, "-x", "hi"])
            .assert()
            .success()
            .stdout_bytes();
        assert_eq!(out, b"hi\n", "run {run}");
    }
}

#[test]
fn replies_300ms_late_are_still_printed() {
    let server = asyncio_echo(Duration::from_millis(300));
    let out = wsprobe()
        .args(["-q", &server.url])
        .write_stdin("a\nb\nc\n")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"a\nb\nc\n");
}

#[test]
fn the_close_goes_out_as_soon_as_the_replies_are_in() {
    // With an hour to wait, only "as many received as sent" can end this run in time.
    let server = asyncio_echo(Duration::from_millis(10));
    let out = wsprobe()
        .args(["-q", "--reply-timeout", "1h", &server.url])
        .write_stdin("one\ntwo\n")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"one\ntwo\n");
}

#[test]
fn reply_timeout_bounds_the_wait_for_a_server_that_never_answers() {
    let (server, seen) = collecting_server();
    let err = wsprobe()
        .args(["--reply-timeout", "200ms", &server.url])
        .write_stdin("unanswered\n")
        .assert()
        .success()
        .stderr_text();
    assert!(err.contains("CLOSED 1000 \"\" clean (local)"), "{err}");
    assert_eq!(*seen.lock().unwrap(), ["unanswered"]);
}

#[test]
fn no_close_keeps_printing_a_feed_after_stdin_ends() {
    let (server, _) = feed_server(3, Duration::from_millis(150), true);
    // stdin is empty (as under cron): without --no-close the run would end at once.
    let out = wsprobe()
        .args(["-q", "--no-close", &server.url])
        .write_stdin("")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"item 1\nitem 2\nitem 3\n");
}

#[test]
fn a_valid_line_before_a_non_utf8_line_in_the_same_read_is_sent() {
    let (server, seen) = collecting_server();
    let mut input = b"good line\n".to_vec();
    input.extend_from_slice(b"\xff\xfe bad\nnever sent\n");
    let err = wsprobe()
        .args(["--reply-timeout", "100ms", &server.url])
        .write_stdin(input)
        .assert()
        .code(1)
        .stderr_text();
    assert!(err.contains("stdin record 2 is not valid UTF-8"), "{err}");
    assert_eq!(*seen.lock().unwrap(), ["good line"]);
}

#[test]
fn stdout_that_cannot_be_written_is_one_error_and_exit_1() {
    let server = Server::echo();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = wsprobe_std()
        .arg(&server.url)
        .stdin(Stdio::piped())
        .stdout(full)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = out;
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"hello\n").unwrap();
    drop(child.stdin.take());
    let code = wait_timeout(&mut child, Duration::from_secs(20));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.matches("wsprobe: error:").count(), 1, "{err}");
    assert!(
        err.contains("wsprobe: error: cannot write to stdout: "),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_closed_stdout_pipe_exits_0_quietly_after_a_close_frame() {
    let (server, seen) = feed_server(1000, Duration::from_millis(2), false);
    let mut child = wsprobe_std()
        .args(["--no-close", &server.url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -1`: read one line, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = Vec::new();
    let mut byte = [0u8];
    while stdout.read_exact(&mut byte).is_ok() && byte[0] != b'\n' {
        first.push(byte[0]);
    }
    assert_eq!(first, b"item 1");
    drop(stdout);
    let code = wait_timeout(&mut child, Duration::from_secs(20));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("error"), "{err}");
    assert_eq!(
        close_seen(&seen),
        Some(1000),
        "the server saw no close frame"
    );
}

#[test]
fn sigterm_closes_politely_and_exits_143() {
    let (server, seen) = feed_server(1, Duration::ZERO, false);
    let mut child = connected_until(&["-q", &server.url], b"item 1\n");
    signal(child.id(), "TERM");
    let code = wait_timeout(&mut child, Duration::from_secs(20));
    assert_eq!(code, Some(143));
    assert_eq!(
        close_seen(&seen),
        Some(1000),
        "the server saw no close frame (1006)"
    );
}

#[test]
fn sigterm_stops_ping_with_143() {
    let server = Server::echo();
    let mut child = wsprobe_std()
        .args(["ping", "-c", "0", "-i", "50ms", &server.url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("pong") {
        line.clear();
        if std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() == 0 {
            panic!("ping ended before its first pong");
        }
    }
    signal(child.id(), "TERM");
    assert_eq!(wait_timeout(&mut child, Duration::from_secs(20)), Some(143));
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("ping statistics"), "{out}");
}

#[test]
fn count_not_reached_before_the_timeout_exits_5() {
    let (server, _) = feed_server(1, Duration::ZERO, false);
    let err = wsprobe()
        .args(["-n", "2", "-t", "500ms", &server.url])
        .write_stdin("")
        .assert()
        .code(5)
        .stderr_text();
    assert!(
        err.contains("expected 2 message(s) (-n 2), received 1 (timed out after 500ms)"),
        "{err}"
    );
    assert!(err.contains("FAIL 0/1"), "{err}");
}

#[test]
fn count_not_reached_before_the_server_closes_exits_5() {
    let (server, _) = feed_server(1, Duration::ZERO, true);
    let err = wsprobe()
        .args(["-n", "3", &server.url])
        .write_stdin("")
        .assert()
        .code(5)
        .stderr_text();
    assert!(
        err.contains("received 1 (the connection closed first)"),
        "{err}"
    );
}

#[test]
fn count_zero_closes_right_after_the_sends() {
    let (server, seen) = collecting_server();
    let err = wsprobe()
        .args(["-n", "0", "-x", "only this", &server.url])
        .assert()
        .success()
        .stderr_text();
    assert!(err.contains("PASS 1/1"), "{err}");
    assert_eq!(*seen.lock().unwrap(), ["only this"]);
}

#[test]
fn pass_counts_include_count_and_expect_close() {
    let server = Server::ws(|mut ws| async move {
        if let Some(Ok(m)) = ws.next().await {
            let _ = ws.send(m).await;
        }
        crate::support::close_with(&mut ws, 4001, "done").await;
    });
    let out = wsprobe()
        .args([
            "--json",
            "-x",
            "a",
            "-e",
            "a",
            "-n",
            "1",
            "--expect-close",
            "4001",
        ])
        .arg(&server.url)
        .assert()
        .success()
        .stdout_bytes();
    let result = json_lines(&out)
        .into_iter()
        .find(|e| e["event"] == "result")
        .expect("a result event");
    assert_eq!(result["ok"], true);
    assert_eq!(result["met"], 3);
    assert_eq!(result["expected"], 3);
}

/// A server that accepts TCP and reads the upgrade request, but never answers it.
fn mute_server() -> Server {
    Server::tcp(|mut tcp| async move {
        let mut buf = [0u8; 1024];
        while let Ok(n) = tcp.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    })
}

#[test]
fn timeout_before_open_exits_3_saying_the_handshake_did_not_complete() {
    let server = mute_server();
    for extra in [&[][..], &["--json"][..]] {
        let assert = wsprobe()
            .args(["-t", "300ms", "-x", "hi"])
            .args(extra)
            .arg(&server.url)
            .assert()
            .code(3);
        let out = assert.get_output().stdout.clone();
        let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(err.contains("did not complete within -t 300ms"), "{err}");
        if !extra.is_empty() {
            let events = json_lines(&out);
            assert!(
                events
                    .iter()
                    .any(|e| e["event"] == "error" && e["kind"] == "connect"),
                "{events:?}"
            );
        }
    }
}

#[test]
fn zero_and_absurd_durations_are_usage_errors() {
    let cases: &[&[&str]] = &[
        &["ws://127.0.0.1:9/", "--ping-interval", "0s"],
        &["ws://127.0.0.1:9/", "--connect-timeout", "0"],
        &["ws://127.0.0.1:9/", "-t", "0s"],
        &["ws://127.0.0.1:9/", "--close-timeout", "0ms"],
        &["ws://127.0.0.1:9/", "--ping-interval", "1000000000y"],
        &["ping", "-i", "0", "ws://127.0.0.1:9/"],
        &["listen", "--send-interval", "0s", "--send", "x", "0"],
    ];
    for args in cases {
        let err = wsprobe().args(*args).assert().code(2).stderr_text();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            err.contains("is zero") || err.contains("too long"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn wait_without_execute_is_a_usage_error() {
    let err = wsprobe()
        .args(["-w", "1s", "ws://127.0.0.1:9/"])
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        err.starts_with(
            "wsprobe: error: -w/--wait keeps the connection open after the -x messages"
        ),
        "{err}"
    );
}

/// Answers the upgrade by hand and writes `frames` in the same write as the 101.
fn server_with_frames_after_101(frames: Vec<u8>) -> Server {
    Server::tcp(move |mut tcp| {
        let frames = frames.clone();
        async move {
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                head.push(tcp.read_u8().await.unwrap());
            }
            let head = String::from_utf8(head).unwrap();
            let key = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("sec-websocket-key")
                        .then(|| v.trim().to_owned())
                })
                .unwrap();
            let mut out = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {}\r\n\r\n",
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes())
            )
            .into_bytes();
            out.extend_from_slice(&frames);
            tcp.write_all(&out).await.unwrap();
            // The client sends nothing but its close frame: answer it with a 1000.
            let mut sink = [0u8; 1024];
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut sink)).await
            {
                if n > 0 && sink[0] & 0x0f == 8 {
                    let _ = tcp.write_all(&[0x88, 0x02, 0x03, 0xe8]).await;
                }
            }
        }
    })
}

fn text_frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x81, payload.len() as u8];
    f.extend_from_slice(payload);
    f
}

#[test]
fn messages_in_the_same_write_as_the_101_are_delivered() {
    let mut frames = text_frame(b"welcome");
    frames.extend(text_frame(b"second"));
    let server = server_with_frames_after_101(frames);
    let out = wsprobe()
        .args(["-q", "-n", "2", &server.url])
        .write_stdin("")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"welcome\nsecond\n");
}

#[test]
fn invalid_utf8_in_the_same_write_as_the_101_is_a_1007_after_the_messages_before_it() {
    let mut frames = text_frame(b"first");
    frames.extend(text_frame(&[0xce, 0xba, 0xff, 0xfe]));
    let server = server_with_frames_after_101(frames);
    // stdin stays open, so the only close is the one the bad frame causes.
    let run = crate::support::run_open_stdin(&[&server.url], "");
    let (out, err) = (run.stdout, run.stderr);
    assert_eq!(run.code, Some(1), "{err}");
    assert_eq!(out, b"first\n", "{err}");
    assert!(err.contains("OPEN"), "{err}");
    assert!(err.contains("CLOSING (local) 1007"), "{err}");
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn a_closed_stdout_is_one_error_and_exit_1_before_connecting() {
    let server = Server::echo().unreached();
    let bin = assert_cmd::cargo::cargo_bin("wsprobe");
    let out = std::process::Command::new("sh")
        .args(["-c", "echo hi | \"$0\" \"$1\" >&-"])
        .arg(&bin)
        .arg(&server.url)
        .env("HOME", std::env::temp_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("wsprobe: error: stdout is closed, so what wsprobe prints would be lost"),
        "{err}"
    );
    // Sent to /dev/null on purpose, output may go nowhere.
    let out = std::process::Command::new("sh")
        .args(["-c", "echo hi | \"$0\" -q \"$1\" > /dev/null"])
        .arg(&bin)
        .arg(&Server::echo().url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// `wsprobe ARGS` with stdin held open, once `first` was printed (so it is connected).
fn connected_until(args: &[&str], first: &[u8]) -> std::process::Child {
    let mut child = wsprobe_std()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut got = vec![0u8; first.len()];
    child.stdout.as_mut().unwrap().read_exact(&mut got).unwrap();
    assert_eq!(got, first);
    child
}

/// A server that sends one message and then neither reads nor answers the close frame.
fn mute_after_hello() -> Server {
    Server::ws(|mut ws| async move {
        let _ = ws.send(Message::text("hello")).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(ws);
    })
}

#[test]
fn a_second_ctrl_c_exits_at_once_when_the_peer_never_answers_the_close() {
    let server = mute_after_hello();
    let mut child = connected_until(&["-q", "--close-timeout", "60s", &server.url], b"hello\n");
    // The first asks for a polite close, which the server never answers (60s to wait)...
    signal(child.id(), "INT");
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "exited at the first");
    // ...the second does not wait for it.
    signal(child.id(), "INT");
    assert_eq!(wait_timeout(&mut child, Duration::from_secs(20)), Some(130));
}

#[test]
fn a_second_sigterm_stops_listen_at_once_when_a_client_never_answers_the_close() {
    let mut server = crate::support::Listener::start(&["--close-timeout", "60s"]);
    let (url, pid) = (server.url.clone(), server.child.id());
    crate::support::block_on(async move {
        // A client that completes the handshake, then reads nothing: the server's close frame
        // is never answered.
        let (_ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        signal(pid, "TERM");
        tokio::time::sleep(Duration::from_millis(300)).await;
        signal(pid, "TERM");
        tokio::time::sleep(Duration::from_millis(500)).await;
    });
    assert_eq!(
        wait_timeout(&mut server.child, Duration::from_secs(20)),
        Some(143)
    );
}
