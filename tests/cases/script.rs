//! Send/expect for CI: -x, -e (substring, re:, json:), --expect-close, -n, -t, -w.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
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
