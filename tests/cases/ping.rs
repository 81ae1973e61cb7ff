//! `wsprobe ping`: RTTs, loss, the summary and the connection breakdown.

use crate::support::{json_lines, swallowing_server, wsprobe, Printed, Server};

#[test]
fn pings_an_answering_server_and_summarises() {
    let server = Server::echo();
    let out = wsprobe()
        .args(["ping", "-c", "3", "-i", "50ms", &server.url])
        .assert()
        .code(0);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let stdout = String::from_utf8(out.stdout_bytes()).unwrap();
    assert_eq!(stderr.matches("< pong").count(), 3, "{stderr}");
    assert!(stderr.contains("rtt="), "{stderr}");
    assert!(stdout.contains("3 sent, 3 received, 0% loss"), "{stdout}");
    assert!(stdout.contains("rtt min/avg/max/stddev = "), "{stdout}");
    assert!(stdout.contains("connection: dns "), "{stdout}");
    assert!(
        stdout.contains(", tcp ") && stdout.contains(", tls -, upgrade "),
        "{stdout}"
    );
}

#[test]
fn unanswered_pings_are_loss_and_exit_5() {
    let server = swallowing_server();
    let stdout = wsprobe()
        .args(["ping", "-c", "2", "-i", "50ms", "--ping-timeout", "200ms"])
        .args(["--close-timeout", "200ms", &server.url])
        .assert()
        .code(5)
        .stdout_bytes();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(stdout.contains("2 sent, 0 received, 100% loss"), "{stdout}");
    assert!(!stdout.contains("rtt min"), "{stdout}");
}

#[test]
fn ping_json_has_a_summary_with_the_breakdown() {
    let server = Server::echo();
    let out = wsprobe()
        .args(["ping", "--json", "-c", "2", "-i", "20ms", &server.url])
        .assert()
        .code(0)
        .stdout_bytes();
    let events = json_lines(&out);
    let pongs: Vec<_> = events.iter().filter(|e| e["event"] == "pong").collect();
    assert_eq!(pongs.len(), 2);
    assert!(pongs.iter().all(|p| p["rtt_ms"].as_f64().unwrap() >= 0.0));
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "ping_summary");
    assert_eq!(summary["sent"], 2);
    assert_eq!(summary["received"], 2);
    assert_eq!(summary["loss_pct"], 0.0);
    for key in [
        "min_ms",
        "avg_ms",
        "max_ms",
        "stddev_ms",
        "dns_ms",
        "tcp_ms",
        "upgrade_ms",
    ] {
        assert!(summary[key].is_number(), "{key}: {summary}");
    }
    assert!(summary["tls_ms"].is_null());
}

#[test]
fn ping_cannot_connect_exits_3() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    wsprobe()
        .args(["ping", &format!("ws://127.0.0.1:{port}/")])
        .assert()
        .code(3);
}
