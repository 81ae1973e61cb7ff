//! `connect --sockjs` (raw messages, and `--stomp` inside) against a peer shaped like a
//! SockJS server's websocket transport (`support::sockjs`).

use std::time::Duration;

use crate::support::sockjs::server;
use crate::support::stomp::Shape;
use crate::support::{json_lines, run_open_stdin, wsprobe, Printed};

fn peer() -> crate::support::Server {
    server(Duration::from_secs(25), Shape::default())
}

#[test]
fn raw_messages_travel_inside_sockjs_frames() {
    let s = peer();
    let url = format!("{}echo", s.url);
    let out = wsprobe()
        .args(["--sockjs", &url])
        .write_stdin("hello\n{\"n\":1}\n")
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "hello\n{\"n\":1}\n",
        "{stderr}"
    );
    // The WebSocket went to <endpoint>/<server>/<session>/websocket, and `o` is shown.
    assert!(stderr.contains("/echo/"), "{stderr}");
    assert!(stderr.contains("/websocket"), "{stderr}");
    assert!(stderr.contains("SOCKJS open (server/session "), "{stderr}");
    assert!(stderr.contains("CLOSED 1000"), "{stderr}");
}

#[test]
fn json_shows_the_messages_sockjs_carries_and_vv_its_frames_too() {
    let s = peer();
    let url = format!("{}echo", s.url);
    let messages = |args: &[&str]| -> Vec<(String, String)> {
        let out = wsprobe()
            .args(args)
            .arg(&url)
            .write_stdin("hi\n")
            .assert()
            .code(0);
        json_lines(&out.get_output().stdout)
            .into_iter()
            .filter(|e| e["event"] == "message")
            .map(|e| {
                (
                    e["dir"].as_str().unwrap_or_default().to_owned(),
                    e["data"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    // --json: the message as the page's SockJS onmessage sees it, not the a[…] frame.
    let plain = messages(&["--sockjs", "--json"]);
    assert_eq!(plain, [("in".to_owned(), "hi".to_owned())], "{plain:?}");
    // -vv: the frames on the WebSocket too, both ways.
    let frames = messages(&["--sockjs", "--json", "-vv"]);
    for (dir, data) in [
        ("out", "hi"),
        ("out", "[\"hi\"]"),
        ("in", "a[\"hi\"]"),
        ("in", "hi"),
    ] {
        assert!(
            frames.contains(&(dir.to_owned(), data.to_owned())),
            "{dir} {data}: {frames:?}"
        );
    }
}

#[test]
fn the_sockjs_close_is_shown_as_closing_and_closed_with_its_code_and_reason() {
    let s = peer();
    let url = format!("{}echo", s.url);
    let run = run_open_stdin(&["--sockjs", &url, "--no-close"], "close\n");
    assert!(
        run.stderr.contains("SOCKJS close frame 3000 \"Go away!\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("CLOSING (remote) 3000 \"Go away!\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("CLOSED 3000 \"Go away!\" clean (remote)"),
        "{}",
        run.stderr
    );
}

#[test]
fn heartbeats_are_shown_with_verbose() {
    let s = server(Duration::from_millis(100), Shape::default());
    let url = format!("{}echo", s.url);
    let stderr = wsprobe()
        .args(["--sockjs", "-v", &url, "--no-close", "-t", "1s"])
        .assert()
        .stderr_text();
    assert!(stderr.contains("< sockjs heartbeat"), "{stderr}");
}

#[test]
fn stomp_over_sockjs_says_hello_to_ada() {
    // How most Spring applications are reached.
    let s = peer();
    let url = format!("{}stomp", s.url);
    let out = wsprobe()
        .args([
            "--stomp",
            "--sockjs",
            &url,
            "--subscribe",
            "/topic/greetings",
            "--destination",
            "/app/hello",
            "--receipt",
            "--json",
            "-v",
        ])
        .write_stdin("Ada\nGrace\n")
        .assert()
        .code(0);
    let events = json_lines(&out.get_output().stdout);
    let bodies: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "stomp_message")
        .map(|e| e["body"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(bodies, ["Hello, Ada!", "Hello, Grace!"]);
    assert!(events.iter().any(|e| e["event"] == "sockjs_open"));
    assert!(events.iter().any(|e| e["event"] == "stomp_connected"));
    assert!(events
        .iter()
        .any(|e| e["event"] == "stomp_receipt" && e["answers"] == "DISCONNECT"));
}

#[test]
fn stomp_over_sockjs_prints_bodies_on_stdout() {
    let s = peer();
    let url = format!("{}stomp", s.url);
    wsprobe()
        .args([
            "--stomp",
            "--sockjs",
            &url,
            "--subscribe",
            "/topic/greetings",
            "--destination",
            "/app/hello",
        ])
        .write_stdin("Ada\n")
        .assert()
        .code(0)
        .stdout("Hello, Ada!\n");
}

#[test]
fn a_server_that_is_not_sockjs_is_named() {
    use futures_util::SinkExt;
    let s = crate::support::Server::ws(|mut ws| async move {
        let _ = ws
            .send(tokio_tungstenite::tungstenite::Message::text("welcome!"))
            .await;
        while let Some(Ok(_)) = futures_util::StreamExt::next(&mut ws).await {}
    });
    let run = run_open_stdin(&["--sockjs", &s.url], "");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the server sent a message that is not SockJS (not an o, h, a, m or c frame): welcome!"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn stomp_over_sockjs_says_disconnect_inside_sockjs_when_an_expectation_ends_the_run() {
    let s = peer();
    let url = format!("{}stomp", s.url);
    let stderr = wsprobe()
        .args([
            "--stomp",
            "--sockjs",
            &url,
            "--subscribe",
            "/topic/greetings",
            "--destination",
            "/app/hello",
            "-x",
            "Ada",
            "-e",
            "Hello, Ada!",
            "-t",
            "10s",
            "-vv",
        ])
        .assert()
        .code(0)
        .stderr_text();
    // The farewell goes out as a SockJS array, as every STOMP frame does through SockJS.
    let bye = stderr
        .find(r#"> text 24 B ["DISCONNECT\n\n\u0000"]"#)
        .unwrap_or_else(|| panic!("{stderr}"));
    let closing = stderr
        .find("CLOSING (local)")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(bye < closing, "{stderr}");
}
