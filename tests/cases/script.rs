//! Send/expect for CI: -x, -e (substring, re:, json:), --expect-close, -n, -t, -w.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{close_with, collecting_server, json_lines, wsprobe, Printed, Server};

/// Answers every text message "X" with "got X" and a JSON status.
fn responder() -> Server {
    Server::ws(|mut ws| async move {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Text(t) = msg {
                let _ = ws.send(Message::text(format!("got {t}"))).await;
                let _ = ws
                    .send(Message::text(format!(
                        r#"{{"status":{{"ok":true,"seen":["{t}"]}},"n":1}}"#
                    )))
                    .await;
            }
        }
    })
}

#[test]
fn expectations_met_in_order_exit_0() {
    let server = responder();
    let stderr = wsprobe()
        .args([
            "-x",
            "a",
            "-x",
            "b",
            "-e",
            "got a",
            "-e",
            r"re:^got \w$",
            "-e",
        ])
        .args(["json:status.seen.0=b", "-t", "10s", &server.url])
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("PASS 3/3 expectations met"), "{stderr}");
}

#[test]
fn an_unmet_expectation_exits_5_with_a_report() {
    let server = responder();
    let stderr = wsprobe()
        .args([
            "-x",
            "a",
            "-e",
            "got a",
            "-e",
            "never said",
            "-t",
            "700ms",
            &server.url,
        ])
        .assert()
        .code(5)
        .stderr_text();
    assert!(
        stderr.contains(
            "wsprobe: error: expectation 2 of 2 not met: never said (timed out after 700ms)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("hint:   got a"), "{stderr}");
    assert!(stderr.contains(r#"hint:   {"status""#), "{stderr}");
}

#[test]
fn a_silent_server_times_out_with_exit_5() {
    let (server, _) = collecting_server();
    let stderr = wsprobe()
        .args(["-e", "anything", "-t", "500ms", &server.url])
        .write_stdin("")
        .assert()
        .code(5)
        .stderr_text();
    assert!(stderr.contains("hint: no message was received"), "{stderr}");
}

#[test]
fn json_mode_ends_with_a_result_object() {
    let server = responder();
    let out = wsprobe()
        .args([
            "--json",
            "-x",
            "q",
            "-e",
            "json:status.ok=true",
            &server.url,
        ])
        .assert()
        .code(0)
        .stdout_bytes();
    let events = json_lines(&out);
    let last = events.last().unwrap();
    assert_eq!(last["event"], "result");
    assert_eq!(last["ok"], true);
    assert_eq!(last["met"], 1);
    assert_eq!(last["expected"], 1);
    let out = wsprobe()
        .args([
            "--json",
            "-x",
            "q",
            "-e",
            "json:status.ok=false",
            "-t",
            "500ms",
            &server.url,
        ])
        .assert()
        .code(5)
        .stdout_bytes();
    let events = json_lines(&out);
    let result = events.iter().find(|e| e["event"] == "result").unwrap();
    assert_eq!(result["ok"], false);
    assert!(result["failed"]
        .as_str()
        .unwrap()
        .contains("json:status.ok=false"));
}

#[test]
fn expect_close_matches_the_peers_code() {
    let server = Server::ws(|mut ws| async move {
        let _ = ws.next().await;
        close_with(&mut ws, 4403, "forbidden").await;
    });
    wsprobe()
        .args([
            "-x",
            "login",
            "--expect-close",
            "4403",
            "-t",
            "5s",
            &server.url,
        ])
        .assert()
        .code(0);
    let server = Server::ws(|mut ws| async move {
        let _ = ws.next().await;
        close_with(&mut ws, 1000, "").await;
    });
    let stderr = wsprobe()
        .args([
            "-x",
            "login",
            "--expect-close",
            "4403",
            "-t",
            "5s",
            &server.url,
        ])
        .assert()
        .code(5)
        .stderr_text();
    assert!(
        stderr.contains("expected the peer to close with 4403, it closed with 1000"),
        "{stderr}"
    );
}

#[test]
fn execute_sends_files_and_binary_in_order() {
    let (server, seen) = collecting_server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload.json");
    std::fs::write(&file, "{\"from\":\"file\"}").unwrap();
    wsprobe()
        .args([
            "-x",
            "first",
            "-x",
            &format!("@{}", file.display()),
            "-x",
            "@@literal",
        ])
        .args(["--execute-binary", "00ff", "-w", "200ms", &server.url])
        .assert()
        .code(0);
    assert_eq!(
        *seen.lock().unwrap(),
        ["first", "{\"from\":\"file\"}", "@literal"]
    );
}

#[test]
fn an_unreadable_execute_file_is_one_clear_error() {
    let server = Server::echo().unreached();
    let stderr = wsprobe()
        .args(["-x", "@/nonexistent/wsprobe-file", &server.url])
        .assert()
        .code(1)
        .stderr_text();
    assert!(
        stderr.contains("cannot read -x @/nonexistent/wsprobe-file"),
        "{stderr}"
    );
}

#[test]
fn count_closes_after_n_messages() {
    let server = Server::ws(|mut ws| async move {
        for i in 0..5 {
            ws.send(Message::text(format!("tick {i}"))).await.unwrap();
        }
        while let Some(Ok(_)) = ws.next().await {}
    });
    let out = wsprobe()
        .args(["-q", "-n", "3", &server.url])
        .write_stdin("")
        .timeout(Duration::from_secs(20))
        .assert()
        .code(0)
        .stdout_bytes();
    // Three were asked for; the rest may arrive during the closing handshake.
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("tick 0\ntick 1\ntick 2\n"), "{text}");
}

#[test]
fn bad_patterns_are_usage_errors() {
    let stderr = wsprobe()
        .args(["-e", "re:(", "ws://127.0.0.1:1/"])
        .assert()
        .code(2)
        .stderr_text();
    assert!(stderr.contains("invalid regular expression"), "{stderr}");
    let stderr = wsprobe()
        .args(["--execute-binary", "abc", "ws://127.0.0.1:1/"])
        .assert()
        .code(2)
        .stderr_text();
    assert!(stderr.contains("odd number of digits"), "{stderr}");
}

#[test]
fn in_pipe_mode_end_of_input_waits_for_the_expectations() {
    let server = Server::ws(|mut ws| async move {
        let _ = ws.next().await;
        // Answer late: stdin is long at EOF by then.
        tokio::time::sleep(Duration::from_millis(300)).await;
        ws.send(Message::text("subscribed")).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let out = wsprobe()
        .args(["-e", "subscribed", "-t", "10s", &server.url])
        .write_stdin("subscribe\n")
        .assert()
        .code(0)
        .stdout_bytes();
    assert_eq!(out, b"subscribed\n");
}

/// A login flow as Socket.IO, graphql-ws and STOMP servers run it: the server speaks first
/// (late, from another task), and a message that comes before the answer it waits for is a
/// protocol violation (closed with 1008, naming what came too early).
fn strict_login_server(seen: Arc<Mutex<Vec<String>>>) -> Server {
    Server::ws(move |ws| {
        let seen = seen.clone();
        async move {
            let (mut tx, mut rx) = ws.split();
            let (say, mut said) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
            // The replies go out from another task, each a little late.
            let writer = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(150)).await;
                let _ = tx.send(Message::text("hello")).await;
                while let Some(reply) = said.recv().await {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    if let Some(code) = reply.strip_prefix("close ") {
                        let frame = CloseFrame {
                            code: CloseCode::from(1008),
                            reason: code.into(),
                        };
                        let _ = tx.send(Message::Close(Some(frame))).await;
                        break;
                    }
                    let _ = tx.send(Message::text(reply)).await;
                }
                tx
            });
            let started = std::time::Instant::now();
            let mut state = 0;
            while let Some(Ok(Message::Text(t))) = rx.next().await {
                seen.lock().unwrap().push(t.to_string());
                // Each answer is sent 150 ms after what it answers, so the earliest moment a
                // well-behaved client can send its next message is known.
                let early = started.elapsed() < Duration::from_millis(150 + 150 * state);
                let reply = match (t.as_str(), state, early) {
                    ("login", 0, false) => "welcome",
                    ("get", 1, false) => "data",
                    (_, _, _) => "close too early",
                };
                state += 1;
                let _ = say.send(reply);
            }
            drop(say);
            let _ = writer.await;
        }
    })
}

#[test]
fn interleaved_x_and_e_run_in_the_order_written() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = strict_login_server(seen.clone());
    let out = wsprobe()
        .args(["-e", "hello", "-x", "login", "-e", "welcome", "-x", "get"])
        .args(["-e", "data", "-t", "10s", &server.url])
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("PASS 3/3 expectations met"), "{stderr}");
    assert_eq!(*seen.lock().unwrap(), ["login", "get"]);
}

#[test]
fn a_script_that_ends_with_x_waits_for_the_reply_to_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = strict_login_server(seen.clone());
    let out = wsprobe()
        .args(["-e", "hello", "-x", "login", "-t", "60s", &server.url])
        .assert()
        .code(0);
    // The reply to the last -x came 150 ms after it, and was awaited (--reply-timeout)...
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "hello\nwelcome\n"
    );
    assert_eq!(*seen.lock().unwrap(), ["login"]);
    // ...and its arrival, not -t's deadline, let the close go out.
    let out = wsprobe()
        .args([
            "-e",
            "hello",
            "-x",
            "login",
            "-t",
            "60s",
            "--json",
            &server.url,
        ])
        .assert()
        .code(0);
    let events = json_lines(&out.get_output().stdout);
    let closing = events.iter().find(|e| e["event"] == "closing").unwrap();
    assert_eq!(closing["initiator"], "local");
    assert!(closing["t"].as_f64().unwrap() < 30.0, "{closing}");
    let texts: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "message")
        .map(|e| e["data"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["hello", "welcome"]);
}

#[test]
fn a_step_whose_expectation_is_never_met_is_never_sent() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = strict_login_server(seen.clone());
    let stderr = wsprobe()
        .args(["-e", "hello", "-x", "login", "-e", "never", "-x", "get"])
        .args(["-t", "1s", &server.url])
        .assert()
        .code(5)
        .stderr_text();
    assert!(
        stderr.contains("expectation 2 of 2 not met: never"),
        "{stderr}"
    );
    assert_eq!(*seen.lock().unwrap(), ["login"]);
}

#[test]
fn execute_binary_goes_out_where_it_was_written() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let server = Server::ws(move |mut ws| {
        let s = s.clone();
        async move {
            while let Some(Ok(msg)) = ws.next().await {
                match msg {
                    Message::Text(t) => s.lock().unwrap().push(t.to_string()),
                    Message::Binary(b) => s.lock().unwrap().push(format!("{:02x?}", b.as_ref())),
                    _ => {}
                }
            }
        }
    });
    wsprobe()
        .args([
            "-x",
            "a",
            "--execute-binary",
            "00ff",
            "-x",
            "b",
            &server.url,
        ])
        .assert()
        .code(0);
    assert_eq!(*seen.lock().unwrap(), ["a", "[00, ff]", "b"]);
}

#[test]
fn x_at_file_sends_the_file_without_its_final_line_ending() {
    let (server, seen) = collecting_server();
    let dir = tempfile::tempdir().unwrap();
    let (one, two, crlf) = (
        dir.path().join("one.json"),
        dir.path().join("two.txt"),
        dir.path().join("crlf.txt"),
    );
    std::fs::write(&one, "{\"op\":\"login\"}\n").unwrap();
    std::fs::write(&two, "ends with a newline\n\n").unwrap();
    std::fs::write(&crlf, "dos\r\n").unwrap();
    let arg = |p: &std::path::Path| format!("@{}", p.display());
    wsprobe()
        .args([
            "-x",
            &arg(&one),
            "-x",
            &arg(&two),
            "-x",
            &arg(&crlf),
            &server.url,
        ])
        .assert()
        .code(0);
    assert_eq!(
        *seen.lock().unwrap(),
        ["{\"op\":\"login\"}", "ends with a newline\n", "dos"]
    );
}

/// The checks are met by the message; the server then fails the connection at once (an error
/// close in the same write, or a reset). Which the client sees first must not matter.
#[test]
fn met_checks_pass_however_the_server_ends_the_connection_right_after() {
    for ending in ["1011", "reset"] {
        let server = Server::tcp(move |tcp| async move {
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let _ = ws.send(Message::text("bye")).await;
            if ending == "1011" {
                close_with(&mut ws, 1011, "crashed").await;
            } else {
                let tcp = ws.into_inner();
                let _ = tcp.set_zero_linger();
                drop(tcp);
            }
        });
        for _ in 0..5 {
            let stderr = wsprobe()
                .args(["-n", "1", "-t", "10s", &server.url])
                .assert()
                .code(0)
                .stderr_text();
            assert!(stderr.contains("PASS 1/1"), "{ending}: {stderr}");
        }
    }
}

#[test]
fn an_abnormal_end_before_the_checks_are_met_still_fails() {
    let server = Server::tcp(move |tcp| async move {
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let _ = ws.send(Message::text("one")).await;
        close_with(&mut ws, 1011, "crashed").await;
    });
    let stderr = wsprobe()
        .args(["-n", "2", "-t", "10s", &server.url])
        .assert()
        .code(5)
        .stderr_text();
    assert!(
        stderr.contains("expected 2 message(s) (-n 2), received 1"),
        "{stderr}"
    );
}
