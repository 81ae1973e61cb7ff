//! `connect --stomp` against a peer shaped like Spring's STOMP broker (`support::stomp`):
//! what the user sees on stdout and stderr, and the exit statuses.

use crate::support::stomp::{server, Shape};
use crate::support::{json_lines, run_open_stdin, wsprobe, Printed};

fn peer() -> crate::support::Server {
    server(Shape::default())
}

#[test]
fn the_getting_started_guide_says_hello_to_ada() {
    // echo Ada | wsprobe --stomp URL --subscribe /topic/greetings --destination /app/hello
    let s = peer();
    let out = wsprobe()
        .args([
            "--stomp",
            &s.url,
            "--subscribe",
            "/topic/greetings",
            "--destination",
            "/app/hello",
        ])
        .write_stdin("Ada\n")
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(stdout, "Hello, Ada!\n", "{stderr}");
    assert!(
        stderr.contains("protocol: v12.stomp") || stderr.contains("v12.stomp"),
        "{stderr}"
    );
    assert!(
        stderr.contains("CONNECTED version=1.2 server=test-broker/1.0 session=sess-"),
        "{stderr}"
    );
    assert!(stderr.contains("CLOSED 1000"), "{stderr}");
}

#[test]
fn verbose_shows_headers_receipts_and_the_disconnect() {
    let s = peer();
    let stderr = wsprobe()
        .args([
            "--stomp",
            "-v",
            "--receipt",
            &s.url,
            "--subscribe",
            "/queue/a",
            "--destination",
            "/queue/a",
        ])
        .write_stdin("one\ntwo\n")
        .assert()
        .code(0)
        .stdout("one\ntwo\n")
        .stderr_text();
    assert!(
        stderr.contains("> SUBSCRIBE id:sub-0 destination:/queue/a ack:auto receipt:rcpt-0"),
        "{stderr}"
    );
    assert!(
        stderr.contains("< RECEIPT receipt-id:rcpt-0 (answers SUBSCRIBE /queue/a)"),
        "{stderr}"
    );
    assert!(stderr.contains("> SEND /queue/a"), "{stderr}");
    assert!(
        stderr.contains("< MESSAGE /queue/a subscription:sub-0 message-id:1"),
        "{stderr}"
    );
    assert!(stderr.contains("(answers SEND /queue/a)"), "{stderr}");
    // The way out: DISCONNECT with a receipt, its RECEIPT, then the close.
    let disconnect = stderr.find("> DISCONNECT receipt:").expect(&stderr);
    let receipt = stderr.find("(answers DISCONNECT)").expect(&stderr);
    let closing = stderr.find("CLOSING").expect(&stderr);
    assert!(disconnect < receipt && receipt < closing, "{stderr}");
}

#[test]
fn frames_packed_in_one_message_and_split_across_two_are_all_read() {
    let s = server(Shape {
        packed: true,
        ..Shape::default()
    });
    // With --receipt each MESSAGE comes packed with its RECEIPT; without, split in two.
    for receipt in [true, false] {
        let mut args = vec![
            "--stomp",
            &s.url,
            "--subscribe",
            "/queue/a",
            "--destination",
            "/queue/a",
        ];
        if receipt {
            args.push("--receipt");
        }
        wsprobe()
            .args(&args)
            .write_stdin("x:y\nsecond line\n")
            .assert()
            .code(0)
            .stdout("x:y\nsecond line\n");
    }
}

#[test]
fn json_events_carry_the_frames() {
    let s = peer();
    let out = wsprobe()
        .args([
            "--stomp",
            "--json",
            "-v",
            &s.url,
            "--subscribe",
            "/topic/greetings",
            "--destination",
            "/app/hello",
        ])
        .write_stdin("Ada\n")
        .assert()
        .code(0);
    let events = json_lines(&out.get_output().stdout);
    let connected = events
        .iter()
        .find(|e| e["event"] == "stomp_connected")
        .expect("connected");
    assert_eq!(connected["version"], "1.2");
    assert_eq!(connected["server"], "test-broker/1.0");
    let msg = events
        .iter()
        .find(|e| e["event"] == "stomp_message")
        .expect("message");
    assert_eq!(msg["destination"], "/topic/greetings");
    assert_eq!(msg["subscription"], "sub-0");
    assert_eq!(msg["body"], "Hello, Ada!");
    assert_eq!(msg["headers"]["content-type"], "text/plain;charset=UTF-8");
    assert!(events
        .iter()
        .any(|e| e["event"] == "stomp_send" && e["destination"] == "/app/hello"));
}

#[test]
fn scripted_checks_work_on_message_bodies() {
    let s = peer();
    wsprobe()
        .args([
            "--stomp",
            &s.url,
            "--subscribe",
            "/topic/greetings",
            "--destination",
            "/app/hello",
            "-x",
            "Grace",
            "-e",
            "Hello, Grace!",
            "-n",
            "1",
            "-t",
            "10s",
        ])
        .assert()
        .code(0);
}

#[test]
fn a_run_ended_by_its_expectation_says_disconnect_before_the_close() {
    // -e met (and likewise -t, Ctrl-C, /quit) ends the run before the end of input: the
    // driver writes STOMP's DISCONNECT just before its close frame (-vv shows the raw frames).
    let s = peer();
    let stderr = wsprobe()
        .args([
            "--stomp",
            &s.url,
            "--subscribe",
            "/topic/greetings",
            "--destination",
            "/app/hello",
            "-x",
            "Grace",
            "-e",
            "Hello, Grace!",
            "-t",
            "10s",
            "-vv",
        ])
        .assert()
        .code(0)
        .stderr_text();
    let bye = stderr
        .find("> text 13 B DISCONNECT")
        .unwrap_or_else(|| panic!("{stderr}"));
    let closing = stderr
        .find("CLOSING (local)")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(bye < closing, "{stderr}");
    assert_eq!(stderr.matches("DISCONNECT\\n").count(), 1, "{stderr}");
}

#[test]
fn a_refused_login_is_a_failed_connection_exit_3() {
    let s = peer();
    let run = run_open_stdin(
        &[
            "--stomp",
            &s.url,
            "--init",
            r#"{"login":"eve","passcode":"x"}"#,
        ],
        "",
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ERROR Bad credentials | login refused for this user"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: the STOMP server refused the CONNECT: Bad credentials"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_login_of_init_is_accepted() {
    let s = peer();
    let stderr = wsprobe()
        .args([
            "--stomp",
            &s.url,
            "--init",
            r#"{"login":"guest","passcode":"guest"}"#,
        ])
        .write_stdin("")
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("CONNECTED version=1.2"), "{stderr}");
}

#[test]
fn an_error_frame_after_connected_fails_the_run_exit_1() {
    let s = peer();
    let run = run_open_stdin(&["--stomp", &s.url, "--destination", "/app/fail"], "boom\n");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ERROR Failed to handle /app/fail | java.lang.IllegalStateException"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: the STOMP server sent an ERROR: Failed to handle /app/fail"),
        "{}",
        run.stderr
    );
}

#[test]
fn heart_beats_go_both_ways_as_negotiated() {
    let s = server(Shape {
        heart_beat: (100, 100),
        ..Shape::default()
    });
    let stderr = wsprobe()
        .args([
            "--stomp",
            "-v",
            "--heart-beat",
            "100,100",
            &s.url,
            "-t",
            "1s",
            "--no-close",
        ])
        .assert()
        .stderr_text();
    assert!(
        stderr.contains("heart-beat=100,100 (ours every 100ms, the server's every 100ms)"),
        "{stderr}"
    );
    assert!(stderr.contains("< heart-beat"), "{stderr}");
    assert!(stderr.contains("> heart-beat"), "{stderr}");
}

#[test]
fn a_server_whose_heart_beats_stop_is_dead_exit_4() {
    let s = server(Shape {
        heart_beat: (100, 100),
        silent: true,
        ..Shape::default()
    });
    // Wanting the server's every 100ms; sending none, or ours every 100ms too (none of ours is
    // left unsent when the server is found dead: that would be exit 1).
    for ours in ["0,100", "100,100"] {
        let run = run_open_stdin(&["--stomp", "--heart-beat", ours, &s.url], "");
        assert_eq!(run.code, Some(4), "{ours}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("no STOMP heart-beat or frame from the server within 200ms"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("unsent"), "{}", run.stderr);
    }
}

#[test]
fn a_server_that_does_not_speak_stomp_is_named() {
    let s = server(Shape {
        garbage: true,
        ..Shape::default()
    });
    let run = run_open_stdin(&["--stomp", &s.url], "");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the server sent a message that is not STOMP"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_line_without_a_destination_is_a_usage_error_naming_it() {
    let s = peer();
    let run = run_open_stdin(&["--stomp", &s.url, "--subscribe", "/queue/a"], "hello\n");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("stdin line 1 has nowhere to go: no --destination"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_interactive_session_subscribes_sends_and_lists_subscriptions() {
    let s = peer();
    let out = wsprobe()
        .args(["--stomp", "-i", &s.url])
        .write_stdin(
            "/subscribe /queue/a\n/send /queue/a -H x-n:1 hi there\n/state\n/unsubscribe /queue/b\ntyped line\n/emit x\n",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for line in [
        "< hi there",
        "stomp           1.2 connected, server test-broker/1.0, session sess-",
        "subscriptions   /queue/a (sub-0)",
        "error: no subscription /queue/b; /state lists them",
        "error: a typed line is SENT to --destination, and none was given: /send DEST BODY sends one",
        "error: /emit emits a Socket.IO event: connect with --socketio",
    ] {
        assert!(
            stderr.lines().any(|l| l.starts_with(line)),
            "no {line:?}: {stderr}"
        );
    }
}

#[test]
fn bench_stomp_times_each_send_to_its_receipt() {
    let s = peer();
    let (code, summary, stderr) = crate::cases::bench::bench_json(&[
        "--stomp",
        &s.url,
        "--destination",
        "/queue/load",
        "--payload",
        "n={seq}",
        "-c",
        "2",
        "-d",
        "500ms",
    ]);
    assert_eq!(code, 0, "{stderr}\n{summary}");
    assert_eq!(summary["protocol"], "stomp");
    assert_eq!(
        summary["exchange"],
        "SEND to /queue/load with a receipt → its RECEIPT"
    );
    assert_eq!(summary["errors"], serde_json::json!({}), "{summary}");
    let sent = summary["sent"].as_u64().unwrap();
    assert!(sent > 5, "{summary}");
    // Every SEND was answered by its RECEIPT, and timed.
    assert_eq!(
        summary["latency_ms"]["count"].as_u64(),
        Some(sent),
        "{summary}"
    );
}

#[test]
fn bench_stomp_refused_login_is_a_connect_error() {
    let s = peer();
    let (_, summary, stderr) = crate::cases::bench::bench_json(&[
        "--stomp",
        &s.url,
        "--destination",
        "/queue/load",
        "--payload",
        "x",
        "--init",
        r#"{"login":"eve","passcode":"x"}"#,
        "-c",
        "1",
        "-d",
        "300ms",
    ]);
    assert!(
        summary["error_messages"]
            .to_string()
            .contains("the STOMP server refused the CONNECT: Bad credentials"),
        "{stderr}\n{summary}"
    );
}
