//! `connect --socketio` against a peer shaped like a socket.io 4 server
//! (`support::socketio`): what the user sees on stdout and stderr, and the exit statuses.

use std::time::Duration;

use crate::support::socketio::{server, Shape};
use crate::support::{json_lines, run_open_stdin, wsprobe, Printed};

fn peer() -> crate::support::Server {
    server(Shape::default())
}

#[test]
fn stdin_lines_are_events_and_received_events_are_stdout_lines() {
    // (A blank line is no event, and is skipped.)
    let s = peer();
    let out = wsprobe()
        .args(["--socketio", &s.url])
        .write_stdin("[\"chat message\",\"hi\",{\"n\":1}]\n\n[\"echo\",2]\n")
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout, "[\"chat message\",\"hi\",{\"n\":1}]\n[\"echo\",2]\n",
        "{stderr}"
    );
    // The open packet's handshake and the namespace's answer, in words.
    assert!(
        stderr.contains(
            "SOCKET.IO sid=engine-sid-1 pingInterval=150ms pingTimeout=500ms maxPayload=1000000"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("CONNECTED namespace / sid=socket-sid-2"),
        "{stderr}"
    );
    assert!(stderr.contains("CLOSED 1000"), "{stderr}");
}

#[test]
fn every_engine_io_ping_is_answered_with_a_pong() {
    let s = server(Shape {
        count_pongs: true,
        ..Shape::default()
    });
    // The peer emits ["pongs",3] once it has had three pongs (a ping every 150ms).
    let stderr = wsprobe()
        .args([
            "--socketio",
            "-v",
            "-e",
            "json:0=pongs",
            "-t",
            "10s",
            &s.url,
        ])
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("PASS 1/1"), "{stderr}");
    assert!(
        stderr.contains("< engine.io ping (answered with a pong)"),
        "{stderr}"
    );
}

#[test]
fn the_servers_pings_do_not_keep_the_reply_wait_open() {
    // An event the server never answers, while it pings every 150ms: once the input has
    // ended, the run closes --reply-timeout after the last reply (pings are none), as it
    // does on a plain WebSocket, instead of waiting for ever.
    let s = peer();
    let stderr = wsprobe()
        .args(["--socketio", "--reply-timeout", "500ms", &s.url])
        .write_stdin("[\"quiet\"]\n")
        .timeout(Duration::from_secs(15))
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("CLOSED 1000"), "{stderr}");
}

#[test]
fn a_server_that_stops_pinging_is_dead_exit_4() {
    let s = server(Shape {
        ping_interval: Duration::from_millis(200),
        ping_timeout: Duration::from_millis(200),
        silent: true,
        ..Shape::default()
    });
    let run = run_open_stdin(&["--socketio", &s.url], "");
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "no Engine.IO ping from the server within pingInterval + pingTimeout (400ms): the connection is dead"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("CLOSED 1006"), "{}", run.stderr);
}

#[test]
fn execute_and_expect_work_on_events() {
    let s = peer();
    let stderr = wsprobe()
        .args([
            "--socketio",
            "-x",
            r#"["echo","ping"]"#,
            "-e",
            "json:1=ping",
            "-t",
            "10s",
        ])
        .arg(&s.url)
        .assert()
        .code(0)
        .stderr_text();
    assert!(
        stderr.contains("PASS 1/1 expectations met, 1 message(s) received"),
        "{stderr}"
    );
}

#[test]
fn an_unmet_expectation_reports_the_events_received() {
    let s = peer();
    let stderr = wsprobe()
        .args([
            "--socketio",
            "-x",
            r#"["echo","a"]"#,
            "-e",
            "json:1=b",
            "-t",
            "1s",
        ])
        .arg(&s.url)
        .assert()
        .code(5)
        .stderr_text();
    assert!(stderr.contains(r#"  ["echo","a"]"#), "{stderr}");
}

#[test]
fn acks_are_printed_as_their_arguments_and_say_which_emit_they_answer() {
    let s = peer();
    let out = wsprobe()
        .args(["--socketio", "--ack", "-v", &s.url])
        .write_stdin("[\"add\",1,2]\n")
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    // The echo of the event, then the ack.
    assert_eq!(stdout, "[\"add\",1,2]\n[3]\n", "{stderr}");
    assert!(stderr.contains("> event id=0 [\"add\",1,2]"), "{stderr}");
    assert!(
        stderr.contains("< ack id=0 (answers emit \"add\") [3]"),
        "{stderr}"
    );
}

#[test]
fn json_events_carry_the_protocol() {
    let s = peer();
    let out = wsprobe()
        .args(["--socketio", "--ack", "--json", &s.url])
        .write_stdin("[\"add\",1,2]\n")
        .assert()
        .code(0)
        .stdout_bytes();
    let events = json_lines(&out);
    let find = |name: &str| {
        events
            .iter()
            .find(|e| e["event"] == name)
            .unwrap_or_else(|| panic!("no {name} in {events:?}"))
            .clone()
    };
    let open = find("socketio_open");
    assert_eq!(open["sid"], "engine-sid-1");
    assert_eq!(open["ping_interval_ms"], 150);
    assert_eq!(open["ping_timeout_ms"], 500);
    assert_eq!(open["max_payload"], 1_000_000);
    assert_eq!(find("socketio_connect")["namespace"], "/");
    let event = find("socketio_event");
    assert_eq!(event["dir"], "in");
    assert_eq!(event["data"], serde_json::json!(["add", 1, 2]));
    let ack = find("socketio_ack");
    assert_eq!(ack["id"], 0);
    assert_eq!(ack["answers"], "add");
    assert_eq!(ack["data"], serde_json::json!([3]));
}

#[test]
fn a_namespace_with_the_right_auth_connects_and_prefixes_its_packets() {
    let s = peer();
    let out = wsprobe()
        .args([
            "--socketio",
            "--namespace",
            "/admin",
            "--init",
            r#"{"token":"secret"}"#,
        ])
        .arg(&s.url)
        .write_stdin("[\"echo\",\"x\"]\n")
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(out.get_output().stdout, b"[\"echo\",\"x\"]\n", "{stderr}");
    assert!(stderr.contains("CONNECTED namespace /admin"), "{stderr}");
}

#[test]
fn the_urls_path_is_the_namespace_as_in_socket_io_client() {
    let s = peer();
    let url = format!("{}admin", s.url);
    let stderr = wsprobe()
        .args([
            "--socketio",
            "--init",
            r#"{"token":"secret"}"#,
            "-x",
            r#"["echo",1]"#,
        ])
        .args(["-e", "echo", "-t", "10s", &url])
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("CONNECTED namespace /admin"), "{stderr}");
}

#[test]
fn a_refused_namespace_is_a_failed_connection_exit_3_with_the_servers_message() {
    let s = peer();
    let run = run_open_stdin(
        &["--socketio", "--namespace", "/admin", &s.url],
        "[\"echo\",1]\n",
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: the server refused the Socket.IO namespace /admin: not authorized"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("CONNECT_ERROR namespace /admin: not authorized"),
        "{}",
        run.stderr
    );
    // Nothing was emitted to a namespace that refused us.
    assert!(run.stdout.is_empty(), "{:?}", run.stdout);
}

#[test]
fn a_refusal_is_a_json_event_too() {
    let s = peer();
    let run = run_open_stdin(
        &["--socketio", "--json", "--namespace", "/admin", &s.url],
        "",
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let events = json_lines(&run.stdout);
    let refusal = events
        .iter()
        .find(|e| e["event"] == "socketio_connect_error")
        .unwrap_or_else(|| panic!("no socketio_connect_error in {events:?}"));
    assert_eq!(refusal["namespace"], "/admin");
    assert_eq!(refusal["message"], "not authorized");
    assert_eq!(refusal["data"], serde_json::json!({"need": "token"}));
    // The run's error line names the refusal; the close is a normal one.
    assert!(
        run.stderr
            .contains("refused the Socket.IO namespace /admin"),
        "{}",
        run.stderr
    );
    let close = events.iter().find(|e| e["event"] == "close").unwrap();
    assert_eq!(close["code"], 1000);
}

#[test]
fn a_server_disconnect_is_reported_as_such() {
    let s = peer();
    let run = run_open_stdin(&["--socketio", &s.url], "[\"bye\"]\n");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("DISCONNECT namespace / by the server"),
        "{}",
        run.stderr
    );
}

#[test]
fn binary_attachments_are_shown_in_place_and_sent_the_same_way() {
    let s = peer();
    let out = wsprobe()
        .args(["--socketio", &s.url])
        .write_stdin(
            "[\"file\"]\n[\"upload\",{\"name\":\"a\",\"body\":{\"$binary\":\"AAEC/w==\"}}]\n",
        )
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // The peer's own binary event, then our binary event echoed (a 451- packet and a frame).
    assert_eq!(
        stdout,
        "[\"file\",{\"$binary\":\"AAEC/w==\"}]\n[\"upload\",{\"name\":\"a\",\"body\":{\"$binary\":\"AAEC/w==\"}}]\n",
        "{stderr}"
    );
}

#[test]
fn an_event_that_asks_for_an_ack_is_answered() {
    let s = peer();
    // The peer asks with id 7 and tells us ["answered",[]] when our (empty) ack arrives.
    let stderr = wsprobe()
        .args([
            "--socketio",
            "-x",
            r#"["ask"]"#,
            "-e",
            "question",
            "-e",
            "answered",
            "-t",
            "10s",
        ])
        .arg(&s.url)
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("PASS 2/2"), "{stderr}");
}

#[test]
fn a_line_that_is_not_an_event_is_an_error_naming_it() {
    let s = peer();
    let out = wsprobe()
        .args(["--socketio", &s.url])
        .write_stdin("[\"echo\",1]\n{\"not\":\"an array\"}\n[\"echo\",3]\n")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            r#"error: stdin line 2 is not a Socket.IO event: it is not a JSON array: {"not":"an array"}"#
        ),
        "{stderr}"
    );
    // The line before it went out; nothing after it did.
    assert_eq!(out.get_output().stdout, b"[\"echo\",1]\n", "{stderr}");
}

#[test]
fn a_bad_execute_is_a_usage_error_before_connecting() {
    let stderr = wsprobe()
        .args(["--socketio", "-x", "hello", "http://127.0.0.1:1/"])
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        stderr.contains("-x 1 is not a Socket.IO event: it is not JSON"),
        "{stderr}"
    );
    // A {"$binary":…} that is not base64 is found before connecting too.
    let stderr = wsprobe()
        .args([
            "--socketio",
            "-x",
            r#"["up",{"$binary":"!!"}]"#,
            "http://127.0.0.1:1/",
        ])
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        stderr.contains(r#"-x 1 is not a Socket.IO event: "$binary" is not base64"#),
        "{stderr}"
    );
}

#[test]
fn a_server_that_is_not_socket_io_fails_the_run() {
    let s = crate::support::Server::ws(|mut ws| async move {
        use futures_util::SinkExt;
        let _ = ws
            .send(tokio_tungstenite::tungstenite::Message::text("hello"))
            .await;
        crate::support::close_with(&mut ws, 1000, "").await;
    });
    let run = run_open_stdin(&["--socketio", "--socketio-path", "/", &s.url], "");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the server sent a message that is not Socket.IO"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_interactive_session_emits_events_and_shows_the_namespace_in_state() {
    let s = peer();
    let out = wsprobe()
        .args(["--socketio", "-i", &s.url])
        .write_stdin("/emit echo hi {\"n\":1}\n[\"echo\",2]\nnot an event\n/emit add 1 2\n/state\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for line in [
        "< [\"echo\",\"hi\",{\"n\":1}]",
        "< [\"echo\",2]",
        "error: not a Socket.IO event: it is not JSON",
        "< [\"add\",1,2]",
        "socket.io       namespace / connected, sid socket-sid-2 (engine.io sid engine-sid-1)",
    ] {
        assert!(
            stderr.lines().any(|l| l.starts_with(line)),
            "no {line:?}: {stderr}"
        );
    }
}

/// `--reconnect`: the server restarts (1012) after the first event; an event typed while the
/// client is away is held until the new connection has done the Engine.IO handshake and the
/// namespace CONNECT again (the peer, as socket.io, drops a client whose event comes first).
#[test]
fn reconnect_redoes_the_engine_io_and_namespace_handshake_before_sending() {
    use std::io::{Read, Write};
    let s = server(Shape {
        drop_first: true,
        ..Shape::default()
    });
    let mut child = crate::support::wsprobe_std()
        .args([
            "--socketio",
            "--reconnect",
            "--reconnect-delay",
            "800ms",
            "-v",
            &s.url,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"[\"echo\",\"a\"]\n").unwrap();
    // The first connection is closed about 50 ms after the echo; the reconnect waits 800 ms.
    std::thread::sleep(Duration::from_millis(400));
    stdin.write_all(b"[\"echo\",\"b\"]\n").unwrap();
    drop(stdin);
    let code = crate::support::wait_timeout(&mut child, crate::support::RUN_TIMEOUT);
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "[\"echo\",\"a\"]\n[\"echo\",\"b\"]\n", "{stderr}");
    assert_eq!(
        stderr.matches("SOCKET.IO sid=engine-sid-1").count(),
        2,
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("CONNECTED namespace /").count(),
        2,
        "{stderr}"
    );
    assert!(stderr.contains("CLOSED 1012"), "{stderr}");
}

/// With a protocol, -v shows its events in place of the raw WebSocket messages that carry
/// them (as a Socket.IO client's debug view does); -vv shows both.
#[test]
fn verbose_shows_the_protocols_events_instead_of_raw_messages_and_vv_both() {
    let s = peer();
    let run = |v: &str| {
        let out = wsprobe()
            .args(["--socketio", "--ack", v, &s.url])
            .write_stdin("[\"add\",1,2]\n")
            .assert()
            .code(0);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let v = run("-v");
    assert!(v.contains("> event id=0 [\"add\",1,2]"), "{v}");
    assert!(v.contains("< ack id=0 (answers emit \"add\") [3]"), "{v}");
    for raw in ["> text", "< text"] {
        assert!(!v.contains(raw), "-v shows a raw message ({raw}): {v}");
    }
    let vv = run("-vv");
    assert!(vv.contains("< ack id=0 (answers emit \"add\") [3]"), "{vv}");
    assert!(vv.contains("> text 14 B 420[\"add\",1,2]"), "{vv}");
    assert!(vv.contains("< text 6 B 430[3]"), "{vv}");
}

#[test]
fn json_has_the_protocols_events_and_raw_messages_only_with_vv() {
    let s = peer();
    let run = |extra: &[&str]| {
        let out = wsprobe()
            .args(["--socketio", "--ack", "--json"])
            .args(extra)
            .arg(&s.url)
            .write_stdin("[\"add\",1,2]\n")
            .assert()
            .code(0);
        json_lines(out.get_output().stdout.as_slice())
    };
    let names = |events: &[serde_json::Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["event"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let plain = names(&run(&[]));
    assert!(plain.contains(&"socketio_ack".to_owned()), "{plain:?}");
    assert!(!plain.contains(&"message".to_owned()), "{plain:?}");
    let v = names(&run(&["-v"]));
    assert!(v.contains(&"socketio_event".to_owned()), "{v:?}");
    assert!(!v.contains(&"message".to_owned()), "{v:?}");
    let vv = run(&["-vv"]);
    let raw: Vec<_> = vv.iter().filter(|e| e["event"] == "message").collect();
    assert!(
        raw.iter().any(|e| e["dir"] == "out" && e["len"] == 14),
        "{vv:?}"
    );
    assert!(names(&vv).contains(&"socketio_ack".to_owned()), "{vv:?}");
}
