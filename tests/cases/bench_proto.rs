//! `wsprobe bench` speaking an application protocol (`--socketio`) against a peer shaped like
//! a socket.io 4 server (`support::socketio`): the handshake per connection, emit → ack or
//! emit → the next event of that name, heartbeats answered and not counted as the load's,
//! refusals and disconnects in the server's words.

use serde_json::Value;

use super::bench::{bench_json, u};
use crate::support::socketio::{server, Shape};
use crate::support::wsprobe;

fn gen(s: &Value, key: &str) -> u64 {
    s[key].as_u64().unwrap_or_else(|| panic!("{key} in {s}"))
}

#[test]
fn socketio_acks_are_the_replies_and_the_summary_names_the_protocol() {
    let peer = server(Shape::default());
    let (code, s, stderr) = bench_json(&[
        "--socketio",
        &peer.url,
        "--payload",
        r#"["add",1,2]"#,
        "--ack",
        "-c",
        "2",
        "--in-flight",
        "3",
        "-d",
        "500ms",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(s["protocol"], "socket.io");
    assert_eq!(s["exchange"], r#"emit "add" on namespace / → its ack"#);
    assert_eq!(s["errors"], serde_json::json!({}));
    assert_eq!(u(&s, "connected"), 2);
    let sent = u(&s, "sent");
    assert!(sent > 10, "{s}");
    // The peer echoes each event besides acking it: the echoes are pushes, the acks replies,
    // and its pings (every 150 ms) and our pongs count in neither.
    assert_eq!(gen(&s, "pushes"), sent, "{s}");
    assert_eq!(u(&s, "received"), 2 * sent, "{s}");
    assert!(s["latency_ms"]["count"].as_u64().unwrap() == sent, "{s}");
    assert_eq!(s["closes"], serde_json::json!({"1000": 2}));
}

#[test]
fn without_ack_the_next_event_of_that_name_is_the_reply() {
    let peer = server(Shape {
        count_pongs: true,
        ..Shape::default()
    });
    let (code, s, stderr) = bench_json(&[
        "--socketio",
        &peer.url,
        "--payload",
        r#"["echo",{seq}]"#,
        "-c",
        "1",
        "-d",
        "800ms",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(s["errors"], serde_json::json!({}));
    let sent = u(&s, "sent");
    assert!(sent > 10, "{s}");
    // After its third pong the peer emits ["pongs",3]: the pings were answered, and that
    // event of another name is a push, not a reply.
    assert_eq!(gen(&s, "pushes"), 1, "{s}");
    assert_eq!(u(&s, "received"), sent + 1, "{s}");
    assert_eq!(
        s["exchange"],
        r#"emit "echo" on namespace / → the next event of that name"#
    );
}

#[test]
fn the_handshake_counts_in_the_connect_time_and_the_summary_and_report_name_the_protocol() {
    let peer = server(Shape::default());
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("run.html");
    let out = wsprobe()
        .args(["bench", "--socketio", &peer.url])
        .args([
            "--payload",
            r#"["add",1,2]"#,
            "--ack",
            "-c",
            "1",
            "--messages",
            "5",
        ])
        .arg("--report")
        .arg(&report)
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains(r#"protocol     socket.io: emit "add" on namespace / → its ack"#),
        "{stdout}"
    );
    assert!(stdout.contains("5 sent"), "{stdout}");
    // The peer answers the CONNECT after its middleware (20 ms): that is in the connect time.
    let connect = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("connections"))
        .unwrap_or_default();
    let p50: f64 = connect
        .split("connect p50 ")
        .nth(1)
        .and_then(|r| r.split(" ms").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no connect p50 in {connect:?}"));
    assert!(p50 >= 20.0, "{connect}");
    let page = std::fs::read_to_string(&report).unwrap();
    assert!(
        page.contains("protocol socket.io: emit &quot;add&quot; on namespace / → its ack"),
        "the report does not name the protocol"
    );
}

#[test]
fn a_refused_namespace_is_a_connect_error_with_the_servers_message() {
    let peer = server(Shape::default());
    let (code, s, stderr) = bench_json(&[
        "--socketio",
        &format!("{}/admin", peer.url.trim_end_matches('/')),
        "--payload",
        r#"["add",1,2]"#,
        "-c",
        "2",
        "-d",
        "300ms",
    ]);
    assert_eq!(code, 3, "{stderr}\n{s}");
    assert_eq!(s["errors"], serde_json::json!({"connect": 2}));
    assert_eq!(
        s["error_messages"]["connect"],
        "the server refused the Socket.IO namespace /admin: not authorized"
    );
    assert!(stderr.contains("hint: --init JSON"), "{stderr}");
    // With the token the middleware wants, it connects.
    let (code, s, stderr) = bench_json(&[
        "--socketio",
        &peer.url,
        "--namespace",
        "/admin",
        "--init",
        r#"{"token":"secret"}"#,
        "--payload",
        r#"["add",1,2]"#,
        "--ack",
        "-c",
        "1",
        "--messages",
        "3",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(u(&s, "sent"), 3);
}

#[test]
fn a_server_disconnect_during_the_load_is_a_protocol_error() {
    let peer = server(Shape::default());
    let (code, s, stderr) = bench_json(&[
        "--socketio",
        &peer.url,
        "--payload",
        r#"["bye"]"#,
        "-c",
        "1",
        "-d",
        "300ms",
    ]);
    assert_eq!(code, 4, "{stderr}\n{s}");
    assert_eq!(
        s["error_messages"]["protocol"],
        "the server disconnected the Socket.IO namespace /"
    );
}

#[test]
fn a_payload_that_is_no_event_is_refused_before_connecting() {
    let stderr = |args: &[&str]| {
        let out = wsprobe().arg("bench").args(args).assert().code(2);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let e = stderr(&[
        "--socketio",
        "http://127.0.0.1:1/",
        "--payload",
        r#"{"op":1}"#,
    ]);
    assert!(
        e.contains("wsprobe: error: with --socketio the --payload must be an event: it is not a JSON array"),
        "{e}"
    );
    let e = stderr(&["--socketio", "http://127.0.0.1:1/"]);
    assert!(e.contains("--payload"), "{e}");
}
