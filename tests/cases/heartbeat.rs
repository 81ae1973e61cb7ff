//! Heartbeats: --ping-interval / --ping-timeout on connect and listen.

use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::support::{
    block_on, run_open_stdin, swallowing_server, wsprobe, Listener, Printed, Server,
};

#[test]
fn heartbeat_rtts_show_with_verbose() {
    let server = Server::echo();
    let stderr = wsprobe()
        .args([
            "-v",
            "--ping-interval",
            "100ms",
            "-x",
            "hi",
            "-w",
            "450ms",
            &server.url,
        ])
        .assert()
        .code(0)
        .stderr_text();
    assert!(stderr.contains("> ping 11 B heartbeat 1"), "{stderr}");
    assert!(stderr.contains("< pong 11 B heartbeat 1 rtt="), "{stderr}");
}

#[test]
fn a_peer_that_ignores_pings_is_dead_and_the_client_exits_4() {
    let server = swallowing_server();
    let run = run_open_stdin(
        &[
            "--ping-interval",
            "100ms",
            "--ping-timeout",
            "300ms",
            &server.url,
        ],
        "",
    );
    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no pong within 300ms of a ping: the connection is dead"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("CLOSED 1006 \"\" unclean (local)"),
        "{}",
        run.stderr
    );
}

#[test]
fn ping_timeout_without_interval_is_a_usage_error() {
    wsprobe()
        .args(["--ping-timeout", "1s", "ws://127.0.0.1:1/"])
        .assert()
        .code(2);
}

#[test]
fn listen_drops_a_client_that_answers_no_ping() {
    let l = Listener::start(&["--ping-interval", "100ms", "--ping-timeout", "300ms"]);
    let addr = l.url.strip_prefix("ws://").unwrap().to_owned();
    block_on(async move {
        let mut tcp = crate::support::raw_upgrade(&addr).await;
        // Read (pings included) without ever answering, until the server hangs up.
        let mut buf = [0u8; 1024];
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match tcp.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(ended.is_ok(), "the server kept a dead client");
    });
    let (status, log) = l.interrupt();
    assert_eq!(status, Some(0));
    assert!(log.contains("#1 ERROR dead: no pong within 300ms"), "{log}");
    assert!(log.contains("#1 CLOSED 1006"), "{log}");
}
