//! `wsprobe bench --graphql` against peers shaped like graphql-ws and
//! subscriptions-transport-ws servers (`support::graphql`): subscribe → complete, or → the
//! first result; the handshake per connection; errors and refusals in the server's words.

use super::bench::{bench_json, u};
use crate::support::graphql::{server, Shape};
use crate::support::wsprobe;

#[test]
fn graphql_completions_are_the_replies_and_the_summary_names_the_protocol() {
    let peer = server(Shape::default());
    let (code, s, stderr) = bench_json(&[
        "--graphql",
        &peer.url,
        "--payload",
        "{ hello }",
        "-c",
        "2",
        "--in-flight",
        "3",
        "-d",
        "500ms",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(s["protocol"], "graphql-transport-ws");
    assert_eq!(s["exchange"], "subscribe { hello } → its completion");
    assert_eq!(s["errors"], serde_json::json!({}));
    assert_eq!(u(&s, "connected"), 2);
    let sent = u(&s, "sent");
    assert!(sent > 10, "{s}");
    // Each operation's result is the protocol's own: its completion is the reply.
    assert_eq!(u(&s, "received"), sent, "{s}");
    assert_eq!(s["latency_ms"]["count"].as_u64().unwrap(), sent, "{s}");
    assert_eq!(s["closes"], serde_json::json!({"1000": 2}));
}

#[test]
fn first_result_times_a_subscription_to_its_first_result_in_the_legacy_protocol_too() {
    let peer = server(Shape {
        legacy: true,
        ..Shape::default()
    });
    let (code, s, stderr) = bench_json(&[
        "--graphql",
        "--first-result",
        "-s",
        "graphql-ws",
        &peer.url,
        "--payload",
        "subscription { greetings }",
        "-c",
        "1",
        "-d",
        "600ms",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(s["protocol"], "graphql-ws");
    assert_eq!(
        s["exchange"],
        "subscribe subscription { greetings } → its first result"
    );
    assert_eq!(s["errors"], serde_json::json!({}));
    let sent = u(&s, "sent");
    assert!(sent >= 5, "{s}");
    // The peer's first greeting comes 20 ms after the subscribe; its keep-alives are not
    // counted.
    assert_eq!(s["latency_ms"]["count"].as_u64().unwrap(), sent, "{s}");
    assert!(s["latency_ms"]["min"].as_f64().unwrap() >= 15.0, "{s}");
}

#[test]
fn an_operation_that_fails_and_a_refused_init_are_told_in_the_servers_words() {
    let peer = server(Shape::default());
    let (code, s, stderr) = bench_json(&[
        "--graphql",
        &peer.url,
        "--payload",
        "{ fail }",
        "-c",
        "1",
        "-d",
        "300ms",
    ]);
    assert_eq!(code, 4, "{stderr}\n{s}");
    assert_eq!(
        s["error_messages"]["protocol"], "GraphQL operation 0 failed: boom",
        "{stderr}\n{s}"
    );
    // The failed operation was answered (by its error): a protocol error, not a no-reply too.
    assert_eq!(
        s["errors"],
        serde_json::json!({"protocol": 1}),
        "{stderr}\n{s}"
    );
    let peer = server(Shape {
        legacy: true,
        ..Shape::default()
    });
    let (code, _, stderr) = bench_json(&[
        "--graphql",
        "-s",
        "graphql-ws",
        "--init",
        r#"{"token":"bad"}"#,
        &peer.url,
        "--payload",
        "{ hello }",
        "-c",
        "1",
        "-d",
        "300ms",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("the GraphQL server refused connection_init: a valid token is required"),
        "{stderr}"
    );
    // graphql-ws closes 4403 instead: the code in words, as connect says it.
    let peer = server(Shape::default());
    let (code, _, stderr) = bench_json(&[
        "--graphql",
        "--init",
        r#"{"token":"bad"}"#,
        &peer.url,
        "--payload",
        "{ hello }",
        "-c",
        "1",
        "-d",
        "300ms",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("(4403) during the graphql-transport-ws handshake: Forbidden: the server refused connection_init (its onConnect said no): check --init"),
        "{stderr}"
    );
}

#[test]
fn a_payload_that_is_no_operation_is_a_usage_error() {
    let stderr = wsprobe()
        .args([
            "bench",
            "--graphql",
            "ws://127.0.0.1:9/",
            "--payload",
            "hello",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(
        stderr.contains("with --graphql the --payload must be an operation"),
        "{stderr}"
    );
}
