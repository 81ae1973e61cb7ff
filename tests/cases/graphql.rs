//! `connect --graphql` against peers shaped like graphql-ws and subscriptions-transport-ws
//! servers (`support::graphql`): what the user sees on stdout and stderr, and the exit
//! statuses.

use crate::support::graphql::{server, Shape};
use crate::support::{json_lines, run_open_stdin, wsprobe, Printed};

fn legacy() -> Shape {
    Shape {
        legacy: true,
        ..Shape::default()
    }
}

#[test]
fn stdin_lines_are_operations_and_each_result_is_a_stdout_line() {
    // A query, a blank line (skipped), and a subscription that streams three results: the
    // run ends (1000, exit 0) once stdin has ended and both have completed.
    let s = server(Shape::default());
    let out = wsprobe()
        .args(["--graphql", &s.url])
        .write_stdin("{ hello }\n\nsubscription { greetings }\n")
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout,
        "{\"data\":{\"hello\":\"world\"}}\n{\"data\":{\"greetings\":\"Hi\"}}\n\
         {\"data\":{\"greetings\":\"Bonjour\"}}\n{\"data\":{\"greetings\":\"Hola\"}}\n",
        "{stderr}"
    );
    assert!(
        stderr.contains(
            r#"GRAPHQL connection_ack protocol=graphql-transport-ws payload={"server":"peer"}"#
        ),
        "{stderr}"
    );
    assert!(stderr.contains("CLOSED 1000"), "{stderr}");
}

#[test]
fn the_legacy_protocol_is_spoken_when_the_server_picks_it() {
    let s = server(legacy());
    let out = wsprobe()
        .args(["--graphql", "-vv", &s.url])
        .write_stdin("subscription { greetings }\n")
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(stdout.lines().count(), 3, "{stdout}{stderr}");
    for line in [
        "Sec-WebSocket-Protocol: graphql-transport-ws, graphql-ws",
        "GRAPHQL connection_ack protocol=graphql-ws",
        // The legacy words on the wire (-vv: the raw messages too): start and data.
        r#"{"id":"1","type":"start","payload":{"query":"subscription { greetings }"}}"#,
        "< ka (the server's keep-alive)",
        "COMPLETE operation 1 completed by the server after 3 result(s)",
        "CLOSED 1000",
    ] {
        assert!(stderr.contains(line), "no {line:?}: {stderr}");
    }
}

#[test]
fn a_request_object_is_sent_with_its_variables_and_json_events_carry_the_protocol() {
    let s = server(Shape::default());
    let request =
        r#"{"query":"query($n: Int) { hello }","variables":{"n":1},"operationName":null}"#;
    let out = wsprobe()
        .args(["--graphql", "--json", "-v", &s.url])
        .write_stdin(format!("{request}\n"))
        .assert()
        .code(0)
        .stdout_bytes();
    let events = json_lines(&out);
    let named = |name: &str| {
        events
            .iter()
            .find(|e| e["event"] == name)
            .unwrap_or_else(|| panic!("no {name}: {events:?}"))
            .clone()
    };
    assert_eq!(named("graphql_ack")["protocol"], "graphql-transport-ws");
    assert_eq!(named("graphql_ack")["payload"]["server"], "peer");
    let sub = named("graphql_subscribe");
    assert_eq!(sub["id"], "1");
    assert_eq!(sub["operation"], "query");
    assert_eq!(
        sub["payload"],
        serde_json::from_str::<serde_json::Value>(request).unwrap()
    );
    assert_eq!(
        named("graphql_next")["payload"],
        serde_json::json!({"data":{"hello":"world"}})
    );
    assert_eq!(named("graphql_complete")["results"], 1);
    assert_eq!(named("graphql_complete")["initiator"], "remote");
}

#[test]
fn an_operation_that_ends_in_error_shows_its_errors_and_exits_1() {
    for shape in [Shape::default(), legacy()] {
        let s = server(shape);
        let out = wsprobe()
            .args(["--graphql", &s.url])
            .write_stdin("{ fail }\n")
            .assert()
            .code(1);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(out.get_output().stdout.is_empty(), "{stderr}");
        assert!(
            stderr.contains("GRAPHQL ERROR operation 1 failed: boom"),
            "{stderr}"
        );
        assert!(
            stderr.contains("wsprobe: error: GraphQL operation 1 ({ fail }) failed: boom"),
            "{stderr}"
        );
        // The run still ends with a clean close once nothing is active.
        assert!(stderr.contains("CLOSED 1000"), "{stderr}");
    }
}

#[test]
fn a_result_with_errors_is_printed_and_exits_1() {
    let s = server(Shape::default());
    let out = wsprobe()
        .args(["--graphql", &s.url])
        .write_stdin("{ partial }\n{ hello }\n")
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    // Every result is still printed, the one with errors as the server sent it.
    assert!(
        stdout.contains(r#"{"data":{"partial":null},"errors":[{"message":"half of it failed"}]}"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#"{"data":{"hello":"world"}}"#), "{stdout}");
    assert!(
        stderr.contains("GRAPHQL ERROR operation 1 has errors in a result: half of it failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("GraphQL operation 1 ({ partial }) returned errors"),
        "{stderr}"
    );
}

#[test]
fn the_protocols_close_codes_are_explained_in_words() {
    for (code, words) in [
        (
            4400,
            "Bad Request: the server could not make sense of a message",
        ),
        (
            4401,
            "Unauthorized: an operation was sent before the server acknowledged",
        ),
        (
            4409,
            "Subscriber already exists: an operation id was used twice",
        ),
        (4429, "Too many initialisation requests"),
    ] {
        let s = server(Shape {
            close_at_subscribe: Some(code),
            ..Shape::default()
        });
        let run = run_open_stdin(&["--graphql", &s.url], "{ hello }\n");
        assert_eq!(run.code, Some(4), "{code}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("GRAPHQL the server closed with {code}: {words}")),
            "{code}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_refused_connection_init_is_4403_or_the_legacy_connection_error() {
    let s = server(Shape::default());
    let run = run_open_stdin(&["--graphql", "--init", r#"{"token":"bad"}"#, &s.url], "");
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "GRAPHQL the server closed with 4403: Forbidden: the server refused connection_init"
        ),
        "{}",
        run.stderr
    );
    let s = server(legacy());
    let run = run_open_stdin(&["--graphql", "--init", r#"{"token":"bad"}"#, &s.url], "");
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "wsprobe: error: the GraphQL server refused connection_init: a valid token is required"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_server_that_never_acknowledges_is_dead_exit_4() {
    let s = server(Shape {
        never_ack: true,
        ..Shape::default()
    });
    let run = run_open_stdin(
        &["--graphql", "--connect-timeout", "300ms", &s.url],
        "{ hello }\n",
    );
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the GraphQL server did not acknowledge connection_init within 300ms (--connect-timeout)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn a_server_that_speaks_something_else_fails_the_run() {
    let s = server(Shape {
        garbage: true,
        ..Shape::default()
    });
    let run = run_open_stdin(&["--graphql", &s.url], "{ hello }\n");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the server sent a message that is not graphql-transport-ws (not JSON: expected value at line 1 column 1): hello from a chat server"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn the_servers_pings_are_answered() {
    let s = server(Shape {
        ping: true,
        ..Shape::default()
    });
    let stderr = wsprobe()
        .args(["--graphql", "-v", "-x", "{ pongs }"])
        .args(["-e", "json:data.pongs=1", "-t", "10s", &s.url])
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("PASS 1/1"), "{stderr}");
    assert!(stderr.contains("< ping (answered with a pong)"), "{stderr}");
}

#[test]
fn execute_expect_and_count_work_on_results() {
    let s = server(Shape::default());
    let stderr = wsprobe()
        .args(["--graphql", "-x", "subscription { greetings }"])
        .args(["-e", "json:data.greetings=Bonjour", "-t", "10s", &s.url])
        .assert()
        .code(0)
        .stderr_text();
    // (Hola may arrive too, before the close.)
    assert!(stderr.contains("PASS 1/1 expectations met"), "{stderr}");
    let out = wsprobe()
        .args(["--graphql", "-x", "subscription { forever }", "-n", "3"])
        .args(["-t", "10s", &s.url])
        .assert()
        .code(0)
        .stdout_bytes();
    assert_eq!(String::from_utf8_lossy(&out).lines().count(), 3);
    // A subscription that never ends, stopped by -t: the expectation is not met.
    let stderr = wsprobe()
        .args(["--graphql", "-x", "subscription { forever }", "-e", "never"])
        .args(["-t", "500ms", &s.url])
        .assert()
        .code(5)
        .stderr_text();
    assert!(
        stderr.contains(r#"hint:   {"data":{"forever":"#),
        "{stderr}"
    );
}

#[test]
fn a_line_that_is_not_an_operation_is_a_usage_error_naming_it() {
    let s = server(Shape::default());
    let run = run_open_stdin(&["--graphql", &s.url], "{ hello }\nhello\n");
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "wsprobe: error: stdin line 2 is not a GraphQL operation: not a GraphQL document: it must start with a selection set { … }, query, mutation, subscription or fragment: hello"
        ),
        "{}",
        run.stderr
    );
    // The line before it went out and was answered.
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "{\"data\":{\"hello\":\"world\"}}\n"
    );
}

#[test]
fn a_bad_execute_or_subprotocol_is_a_usage_error_before_connecting() {
    let stderr = wsprobe()
        .args(["--graphql", "-x", "{ hello", "ws://127.0.0.1:9/"])
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        stderr.contains(
            "-x 1 is not a GraphQL operation: not a GraphQL document: '{' is never closed"
        ),
        "{stderr}"
    );
    let stderr = wsprobe()
        .args(["--graphql", "-s", "mqtt", "ws://127.0.0.1:9/"])
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        stderr.contains(
            "--graphql speaks graphql-transport-ws and graphql-ws, not the subprotocol mqtt"
        ),
        "{stderr}"
    );
}

#[test]
fn protocol_limits_the_offer_to_one_subprotocol() {
    // A server that speaks only the legacy protocol, reached with -s graphql-ws.
    let s = server(legacy());
    let stderr = wsprobe()
        .args(["--graphql", "-s", "graphql-ws", "-v", &s.url])
        .write_stdin("{ hello }\n")
        .assert()
        .code(0)
        .stderr_text();
    assert!(
        stderr.contains("Sec-WebSocket-Protocol: graphql-ws\n"),
        "{stderr}"
    );
}

#[test]
fn the_interactive_session_runs_operations_and_completes_them() {
    let s = server(Shape::default());
    let out = wsprobe()
        .args(["--graphql", "-i", &s.url])
        .write_stdin(
            "/subscribe { forever }\nhello\n/emit x\n/complete 1\n/complete 9\n/query { hello }\n/state\n",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for line in [
        r#"< {"data":{"hello":"world"}}"#,
        "error: not a GraphQL operation: not a GraphQL document",
        "error: /emit emits a Socket.IO event: connect with --socketio",
        "COMPLETE operation 1 stopped by us",
        "/complete 9: no operation 9 is active",
        "graphql         graphql-transport-ws acknowledged",
    ] {
        assert!(stderr.contains(line), "no {line:?}: {stderr}");
    }
    // What the server had in flight when we stopped it is no protocol error.
    assert!(!stderr.contains("ERROR protocol"), "{stderr}");
}

#[test]
fn the_interactive_session_with_verbose_shows_the_servers_complete() {
    let s = server(Shape::default());
    let out = wsprobe()
        .args(["--graphql", "-i", "-v", &s.url])
        .write_stdin("subscription { greetings }\n")
        .timeout(std::time::Duration::from_secs(15))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("COMPLETE operation 1 completed by the server after 3 result(s)"),
        "{stderr}"
    );
}
