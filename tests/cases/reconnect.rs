//! `connect --reconnect`: across a server restart on the same port, with stdin kept flowing.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{collecting_server_on, wait_timeout, wsprobe, wsprobe_std, Printed, Server};

/// Waits (bounded) until `seen` holds `n` messages.
fn wait_for(seen: &Arc<Mutex<Vec<String>>>, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().len() < n {
        assert!(
            Instant::now() < deadline,
            "only {:?} arrived",
            seen.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits (bounded) for a stderr line containing `needle`; returns it.
fn wait_line(lines: &mpsc::Receiver<String>, needle: &str, log: &mut Vec<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                log.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
            Err(_) => panic!(
                "no line with {needle:?}; stderr so far:\n{}",
                log.join("\n")
            ),
        }
    }
}

#[test]
fn lines_survive_a_server_restart_with_no_duplicate_and_no_loss() {
    let (first, seen_first) = collecting_server_on("127.0.0.1:0");
    let addr = format!("127.0.0.1:{}", first.port);
    let mut child = wsprobe_std()
        .args([
            "connect",
            &first.url,
            "--reconnect",
            "--reconnect-delay",
            "50ms",
            "--reconnect-max-delay",
            "200ms",
            "-H",
            "X-Session: 42",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();

    wait_line(&lines, "#1 OPEN", &mut log);
    for i in 1..=50 {
        writeln!(stdin, "line {i}").unwrap();
    }
    wait_for(&seen_first, 50);
    // The server goes away (its connections drop without a close frame).
    drop(first);
    wait_line(&lines, "RECONNECT", &mut log);
    // Typed while there is no server: queued, not lost.
    for i in 51..=100 {
        writeln!(stdin, "line {i}").unwrap();
    }
    stdin.flush().unwrap();
    wait_line(&lines, "Connection refused", &mut log);

    let (second, seen_second) = collecting_server_on(&addr);
    wait_for(&seen_second, 50);
    drop(stdin);
    let code = wait_timeout(&mut child, Duration::from_secs(15));
    let rest: Vec<String> = lines.try_iter().collect();
    log.extend(rest);
    let log = log.join("\n");
    assert_eq!(code, Some(0), "{log}");

    let expect = |range: std::ops::RangeInclusive<i32>| -> Vec<String> {
        range.map(|i| format!("line {i}")).collect()
    };
    assert_eq!(*seen_first.lock().unwrap(), expect(1..=50));
    // Nothing twice, nothing lost, in order.
    assert_eq!(*seen_second.lock().unwrap(), expect(51..=100));
    // The last connection was closed by us at the end of input, cleanly.
    assert!(log.contains("CLOSED 1000 \"\" clean (local)"), "{log}");
    drop(second);
}

#[test]
fn a_refused_handshake_is_retried_with_the_same_request_until_max_retries() {
    let requests = Arc::new(Mutex::new(Vec::new()));
    let r = requests.clone();
    let server = Server::tcp(move |tcp| {
        let r = r.clone();
        async move {
            #[allow(clippy::result_large_err)]
            let cb = |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                      _resp|
             -> Result<
                _,
                tokio_tungstenite::tungstenite::handshake::server::ErrorResponse,
            > {
                let token = req
                    .headers()
                    .get("x-token")
                    .map(|v| v.to_str().unwrap().to_owned());
                r.lock().unwrap().push(token);
                let mut resp =
                    tokio_tungstenite::tungstenite::handshake::server::ErrorResponse::new(Some(
                        "come back later".into(),
                    ));
                *resp.status_mut() =
                    tokio_tungstenite::tungstenite::http::StatusCode::SERVICE_UNAVAILABLE;
                Err(resp)
            };
            let _ = tokio_tungstenite::accept_hdr_async(tcp, cb).await;
        }
    });
    let err = wsprobe()
        .args([
            "connect",
            &server.url,
            "--reconnect",
            "--reconnect-delay",
            "10ms",
            "--max-retries",
            "2",
            "-H",
            "X-Token: abc",
        ])
        .write_stdin("never sent\n")
        .timeout(crate::support::RUN_TIMEOUT)
        .assert()
        .code(3)
        .stderr_text();
    assert_eq!(err.matches("RECONNECT").count(), 1, "{err}");
    assert!(err.contains("503"), "{err}");
    assert!(
        err.contains("gave up after 2 failed attempts in a row (--max-retries)"),
        "{err}"
    );
    // --max-retries 2 makes 2 attempts, and every attempt carried the same handshake.
    assert_eq!(*requests.lock().unwrap(), vec![Some("abc".to_owned()); 2]);
}

/// `--reconnect` over HTTP/2 (h2c): the server restarts on the same port, and the client opens
/// a new HTTP/2 connection and its WebSocket on it; what was typed after the restart arrives.
#[test]
fn reconnect_works_over_http2_across_a_server_restart() {
    let first = crate::support::Listener::start(&["-q"]);
    let url = first.url.clone();
    let addr = url
        .trim_start_matches("ws://")
        .trim_end_matches('/')
        .to_owned();
    let mut child = wsprobe_std()
        .args(["connect", "--http2", &url, "--reconnect"])
        .args([
            "--reconnect-delay",
            "50ms",
            "--reconnect-max-delay",
            "200ms",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (tx, lines) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (out_tx, out) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(line);
        }
    });
    let echoed = |want: &str| {
        let got = out.recv_timeout(Duration::from_secs(10)).expect("an echo");
        assert_eq!(got, want);
    };
    let mut log = Vec::new();
    let open = wait_line(&lines, " OPEN ", &mut log);
    assert!(
        open.starts_with("#1 ") && open.ends_with(" over HTTP/2"),
        "{open}"
    );
    writeln!(stdin, "before").unwrap();
    echoed("before");

    let (status, _) = first.interrupt();
    assert_eq!(status, Some(0));
    let _second = crate::support::Listener::start_on(&addr, &["-q"]);
    let open = wait_line(&lines, " OPEN ", &mut log);
    assert!(
        !open.starts_with("#1 ") && open.ends_with(" over HTTP/2"),
        "{open}"
    );
    writeln!(stdin, "after").unwrap();
    echoed("after");
    drop(stdin);
    assert_eq!(wait_timeout(&mut child, Duration::from_secs(10)), Some(0));
}
