//! `--json`: one JSON object per line on stdout, with the documented keys.

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{close_with, json_lines, run_open_stdin, wsprobe, Printed, Server};

#[test]
fn events_are_json_lines_with_stable_keys() {
    let server = Server::ws(|mut ws| async move {
        let msg = ws.next().await.unwrap().unwrap();
        ws.send(msg).await.unwrap();
        ws.send(Message::Binary(vec![0xde, 0xad].into()))
            .await
            .unwrap();
        close_with(&mut ws, 4002, "custom").await;
    });
    let out = run_open_stdin(&["--json", &server.url], "hello\n");
    assert_eq!(out.code, Some(4));
    let events = json_lines(&out.stdout);
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "connecting",
            "request",
            "response",
            "open",
            "message",
            "message",
            "closing",
            "close"
        ],
        "{events:#?}"
    );
    assert_eq!(events[0]["state"], "CONNECTING");
    assert_eq!(events[0]["url"], server.url);
    assert_eq!(events[1]["method"], "GET");
    assert_eq!(events[1]["dir"], "out");
    assert_eq!(events[2]["status"], 101);
    assert!(events[2]["headers"].is_array());
    assert_eq!(events[3]["state"], "OPEN");
    assert_eq!(events[3]["status"], 101);
    assert!(events[3]["protocol"].is_null());
    assert_eq!(events[3]["extensions"], serde_json::json!([]));
    assert!(events[3]["handshake_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(events[4]["dir"], "in");
    assert_eq!(events[4]["type"], "text");
    assert_eq!(events[4]["len"], 5);
    assert_eq!(events[4]["data"], "hello");
    assert_eq!(events[5]["type"], "binary");
    assert_eq!(events[5]["data"], "3q0=");
    assert_eq!(events[6]["initiator"], "remote");
    assert_eq!(events[6]["code"], 4002);
    assert_eq!(events[7]["state"], "CLOSED");
    assert_eq!(events[7]["code"], 4002);
    assert_eq!(events[7]["reason"], "custom");
    assert_eq!(events[7]["was_clean"], true);
    assert_eq!(events[7]["initiator"], "remote");
    // Times only grow.
    let ts: Vec<f64> = events.iter().map(|e| e["t"].as_f64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    // Payloads are inside the events; stderr has no event lines.
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn errors_are_json_events_too() {
    let server = Server::refusing(403, "no");
    let out = wsprobe()
        .args(["--json", &server.url])
        .write_stdin("")
        .assert()
        .code(3)
        .get_output()
        .clone();
    let events = json_lines(&out.stdout);
    let last = events.last().unwrap();
    assert_eq!(last["event"], "error");
    assert_eq!(last["kind"], "connect");
    assert!(last["message"].as_str().unwrap().contains("403"));
    // And the human error line is still on stderr.
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("wsprobe: error:"));
}

#[test]
fn verbose_json_includes_sent_messages_and_pongs() {
    let server = Server::ws(|mut ws| async move {
        ws.send(Message::Ping(b"p1".to_vec().into())).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let out = wsprobe()
        .args(["--json", "-v", &server.url])
        .write_stdin("out\n")
        .assert()
        .success()
        .stdout_bytes();
    let events = json_lines(&out);
    assert!(events
        .iter()
        .any(|e| e["event"] == "message" && e["dir"] == "out" && e["data"] == "out"));
    assert!(events
        .iter()
        .any(|e| e["event"] == "ping" && e["dir"] == "in" && e["data"] == "p1"));
}
