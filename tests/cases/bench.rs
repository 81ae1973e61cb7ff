//! `wsprobe bench`: small runs (a few connections, a second or less) against `wsprobe listen`
//! and tokio-tungstenite servers shaped like real ones (replies from another task, a server
//! that stalls, one that never answers, one that closes with an error, one that pushes a
//! feed), the summary a user reads, the exit statuses, and `bench merge` of real runs.

use std::process::Stdio;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{
    close_with, signal, swallowing_server, wait_timeout, wsprobe, wsprobe_std, Listener, Printed,
    Server, RUN_TIMEOUT,
};

/// Runs `wsprobe bench ARGS --json`; returns the exit status and the summary (the last line).
pub fn bench_json(args: &[&str]) -> (i32, Value, String) {
    let out = wsprobe()
        .arg("bench")
        .args(args)
        .arg("--json")
        .assert()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no summary: {stdout}"));
    let summary: Value =
        serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {last}"));
    (
        out.status.code().unwrap(),
        summary,
        String::from_utf8(out.stderr).unwrap(),
    )
}

pub fn u(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}"))
}

pub fn f(v: &Value, path: &[&str]) -> f64 {
    let mut x = v;
    for k in path {
        x = &x[k];
    }
    x.as_f64().unwrap_or_else(|| panic!("{path:?} in {v}"))
}

/// An echo server whose replies are sent from another task, each `delay` later (as asyncio
/// and Node servers do).
fn late_echo(delay: Duration) -> Server {
    Server::ws(move |ws| async move {
        let (mut tx, mut rx) = ws.split();
        let (q, mut out) = tokio::sync::mpsc::unbounded_channel::<Message>();
        let writer = tokio::spawn(async move {
            while let Some(m) = out.recv().await {
                if tx.send(m).await.is_err() {
                    break;
                }
            }
        });
        while let Some(Ok(m)) = rx.next().await {
            // Reading goes on after the close, so tungstenite answers it.
            if m.is_text() || m.is_binary() {
                let q = q.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = q.send(m);
                });
            }
        }
        drop(q);
        let _ = writer.await;
    })
}

#[test]
fn a_run_against_listen_gets_every_reply_and_exits_0() {
    let server = Listener::start(&["-q"]);
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "4", "-d", "500ms"]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(u(&s, "connections"), 4);
    assert_eq!(u(&s, "connected"), 4);
    // listen accepts the permessage-deflate offered by default.
    assert_eq!(u(&s, "compressed"), 4);
    let (sent, received) = (u(&s, "sent"), u(&s, "received"));
    assert!(received > 0 && sent == received, "{s}");
    assert_eq!(s["errors"], serde_json::json!({}));
    assert_eq!(s["closes"], serde_json::json!({"1000": 4}));
    assert_eq!(u(&s["latency_ms"], "count"), received);
    assert_eq!(u(&s["connect_ms"], "count"), 4);
    for k in ["p50", "p90", "p99", "p999", "max", "mean"] {
        assert!(f(&s, &["latency_ms", k]) > 0.0, "{k}: {s}");
    }
    assert!(f(&s, &["latency_ms", "p50"]) <= f(&s, &["latency_ms", "p99"]));
    assert!(f(&s, &["msgs_per_s"]) > 0.0 && f(&s, &["bytes_per_s"]) > 0.0);
    assert!(s["latency_ms"]["histogram"].as_str().unwrap().len() > 10);
    // The series adds up to the totals.
    let series = s["series"].as_array().unwrap();
    assert!(!series.is_empty());
    let in_series: u64 = series.iter().map(|p| u(p, "received")).sum();
    assert_eq!(in_series, received);
}

#[test]
fn the_human_summary_says_what_happened() {
    let server = Listener::start(&["-q"]);
    let out = wsprobe()
        .args(["bench", &server.url, "-c", "2", "-d", "300ms", "--binary"])
        .args(["--size", "1KiB", "--no-deflate"])
        .assert()
        .code(0);
    let stderr = out.get_output().stderr.clone();
    let stdout = String::from_utf8(out.stdout_bytes()).unwrap();
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with(server.url.as_str()), "{stdout}");
    assert!(
        first.ends_with(
            "/: 2 connections, closed loop, 1 in flight per connection, 1024-byte binary messages"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("  connections  2 opened, 0 failed; connect p50 "),
        "{stdout}"
    );
    assert!(!stdout.contains("permessage-deflate"), "{stdout}");
    assert!(stdout.contains(" msg/s received, "), "{stdout}");
    assert!(stdout.contains("  latency      p50 "), "{stdout}");
    assert!(stdout.contains("  closes       1000 ×2\n"), "{stdout}");
    assert!(stdout.contains("  errors       none\n"), "{stdout}");
    // Not a terminal: no progress line.
    assert!(stderr.is_empty(), "{}", String::from_utf8_lossy(&stderr));
}

#[test]
fn replies_from_another_task_are_matched_and_timed() {
    let server = late_echo(Duration::from_millis(30));
    let (code, s, stderr) =
        bench_json(&[&server.url, "-c", "2", "--in-flight", "4", "-d", "400ms"]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(u(&s, "sent"), u(&s, "received"));
    // Every reply came at least 30 ms after its message.
    assert!(f(&s, &["latency_ms", "min"]) >= 30.0, "{s}");
    assert_eq!(s["errors"], serde_json::json!({}));
}

/// A server that holds its first reply for 500 ms, then echoes at once.
fn stalling_echo() -> Server {
    Server::ws(|mut ws| async move {
        let mut first = true;
        while let Some(Ok(m)) = ws.next().await {
            if m.is_text() || m.is_binary() {
                if first {
                    first = false;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                if ws.send(m).await.is_err() {
                    break;
                }
            }
        }
    })
}

#[test]
fn open_loop_times_messages_from_when_they_were_due() {
    // 100 messages a second: the ~50 due during the stall all wait for it, and each is timed
    // from when it was due, not from when it could go out (no coordinated omission).
    let server = stalling_echo();
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "1", "--rate", "100", "-d", "1s"]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(u(&s, "sent"), u(&s, "received"));
    assert!(f(&s, &["latency_ms", "max"]) >= 450.0, "{s}");
    assert!(f(&s, &["latency_ms", "p90"]) >= 200.0, "{s}");
    // Closed loop against the same stall: one slow reply, and nothing waited meanwhile.
    let server = stalling_echo();
    let (code, s, _) = bench_json(&[&server.url, "-c", "1", "-d", "1s"]);
    assert_eq!(code, 0);
    assert!(f(&s, &["latency_ms", "max"]) >= 450.0, "{s}");
    assert!(f(&s, &["latency_ms", "p90"]) < 200.0, "{s}");
}

#[test]
fn messages_are_shared_out_and_the_run_ends_when_they_are_answered() {
    let server = Listener::start(&["-q"]);
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "3", "--messages", "10"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!((u(&s, "sent"), u(&s, "received")), (10, 10));
    assert_eq!(u(&s["latency_ms"], "count"), 10);
    let (code, s, _) = bench_json(&[&server.url, "-c", "2", "--messages", "6", "--rate", "50"]);
    assert_eq!(code, 0);
    assert_eq!((u(&s, "sent"), u(&s, "received")), (6, 6));
}

#[test]
fn a_fixed_payload_is_matched_in_order_against_a_request_response_server() {
    // Answers every request with the same reply: no stamp comes back.
    let server = Server::ws(|mut ws| async move {
        while let Some(Ok(m)) = ws.next().await {
            if m.is_text() && ws.send(Message::text("{\"ok\":true}")).await.is_err() {
                break;
            }
        }
    });
    let (code, s, stderr) = bench_json(&[
        &server.url,
        "-c",
        "2",
        "-d",
        "300ms",
        "--payload",
        "{\"op\":\"get\"}",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(u(&s, "size"), 12);
    assert_eq!(u(&s["latency_ms"], "count"), u(&s, "received"));
    // Generated messages expect their stamp back: these replies answer none of them (they
    // count as pushes), and the message that was sent is never answered.
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "1", "-d", "200ms"]);
    assert_eq!(code, 4, "{s}");
    assert_eq!(u(&s["errors"], "no-reply"), 1, "{s}");
    assert_eq!(u(&s, "pushes"), 1, "{s}");
    assert!(stderr.contains("wsprobe: error: "), "{stderr}");
    assert!(
        s["error_messages"]["no-reply"]
            .as_str()
            .unwrap()
            .contains("use --no-echo"),
        "{s}"
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "{\"op\":\"from a file\"}").unwrap();
    let arg = format!("@{}", file.path().display());
    let (code, s, _) = bench_json(&[&server.url, "-c", "1", "--messages", "3", "--payload", &arg]);
    assert_eq!(code, 0, "{s}");
    assert_eq!(u(&s, "size"), 20);
    assert_eq!(u(&s["latency_ms"], "count"), 3);
}

#[test]
fn no_echo_counts_what_a_feed_sends() {
    let server = Server::ws(|mut ws| async move {
        for i in 0..25 {
            if ws.send(Message::text(format!("tick {i}"))).await.is_err() {
                return;
            }
        }
        while let Some(Ok(_)) = ws.next().await {}
    });
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "2", "-d", "300ms", "--no-echo"]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!((u(&s, "sent"), u(&s, "received")), (0, 50));
    assert!(s["latency_ms"].is_null(), "{s}");
    assert_eq!(s["pace"], "silent");
}

#[test]
fn a_server_that_never_answers_is_no_reply_and_exit_4() {
    let server = swallowing_server();
    let (code, s, stderr) = bench_json(&[
        &server.url,
        "-c",
        "1",
        "-d",
        "200ms",
        "--reply-timeout",
        "200ms",
        "--close-timeout",
        "200ms",
    ]);
    assert_eq!(code, 4, "{s}");
    assert_eq!(u(&s["errors"], "no-reply"), 1, "{s}");
    assert_eq!(u(&s, "received"), 0);
    assert!(stderr.contains("wsprobe: error: "), "{stderr}");
    assert!(stderr.contains("no-reply ×1"), "{stderr}");
}

#[test]
fn a_server_closing_with_an_error_code_is_counted_and_exit_4() {
    let server = Server::ws(|mut ws| async move {
        let _ = ws.next().await;
        close_with(&mut ws, 1011, "overloaded").await;
    });
    let (code, s, _) = bench_json(&[&server.url, "-c", "3", "-d", "300ms"]);
    assert_eq!(code, 4, "{s}");
    assert_eq!(s["closes"], serde_json::json!({"1011": 3}));
}

#[test]
fn no_connection_at_all_is_exit_3_with_the_reason() {
    let server = Server::refusing(503, "busy");
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "2", "-d", "200ms"]);
    assert_eq!(code, 3, "{s}");
    assert_eq!(u(&s, "connected"), 0);
    assert_eq!(u(&s["errors"], "connect"), 2);
    assert!(
        stderr.contains("wsprobe: error: no connection could be opened: "),
        "{stderr}"
    );
    assert!(stderr.contains("503"), "{stderr}");
    drop(server);
    // Nothing listening: the reason, and how to fix it, as connect says it.
    let (code, _, stderr) = bench_json(&["ws://127.0.0.1:1/", "-c", "2", "-d", "200ms"]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("no connection could be opened: could not connect to 127.0.0.1:1: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("\nhint: is a server listening on 127.0.0.1:1?"),
        "{stderr}"
    );
}

#[test]
fn thresholds_not_met_exit_5_and_say_which() {
    let server = Listener::start(&["-q"]);
    let out = wsprobe()
        .args(["bench", &server.url, "-c", "1", "-d", "200ms"])
        .args(["--max-p99", "1us", "--min-rate", "100000000"])
        .assert()
        .code(5);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains("wsprobe: error: threshold not met: p99 latency "),
        "{stderr}"
    );
    assert!(stderr.contains(" is above --max-p99 1us"), "{stderr}");
    assert!(stderr.contains("is below --min-rate 100000000"), "{stderr}");
    wsprobe()
        .args([
            "bench",
            &server.url,
            "-c",
            "1",
            "-d",
            "200ms",
            "--max-p99",
            "10s",
        ])
        .assert()
        .code(0);
}

#[test]
fn ramp_opens_connections_over_time() {
    let server = Listener::start(&["-q"]);
    let (code, s, _) = bench_json(&[&server.url, "-c", "4", "--ramp", "400ms", "-d", "200ms"]);
    assert_eq!(code, 0, "{s}");
    assert_eq!(u(&s, "connected"), 4);
    // The duration starts after the ramp.
    assert!(f(&s, &["duration_s"]) >= 0.6, "{s}");
}

#[test]
fn ctrl_c_ends_the_run_politely_with_its_summary() {
    let server = Listener::start(&["-q"]);
    let mut child = wsprobe_std()
        .args(["bench", &server.url, "-c", "2", "-d", "1h", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    signal(child.id(), "INT");
    let code = wait_timeout(&mut child, RUN_TIMEOUT);
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert_eq!(code, Some(130), "{out}");
    let s: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(s["closes"], serde_json::json!({"1000": 2}));
    assert!(u(&s, "received") > 0);
}

/// Runs two bench processes side by side against one server.
pub fn two_runs(url: &str, dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let paths = (dir.join("a.json"), dir.join("b.json"));
    let spawn = |path: &std::path::Path| {
        wsprobe_std()
            .args(["bench", url, "-c", "2", "-d", "500ms", "--json"])
            .stdout(std::fs::File::create(path).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(&paths.0), spawn(&paths.1));
    assert_eq!(wait_timeout(&mut a, RUN_TIMEOUT), Some(0));
    assert_eq!(wait_timeout(&mut b, RUN_TIMEOUT), Some(0));
    paths
}

pub fn histogram(stats: &Value) -> hdrhistogram::Histogram<u64> {
    decode(stats["histogram"].as_str().unwrap())
}

/// An HdrHistogram in its base64 V2 encoding, read with the library's own deserializer.
pub fn decode(base64_text: &str) -> hdrhistogram::Histogram<u64> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_text)
        .unwrap();
    hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .unwrap()
}

#[test]
fn merged_runs_have_the_percentiles_of_one_combined_histogram() {
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_runs(&server.url, dir.path());
    let read = |p: &std::path::Path| -> Value {
        serde_json::from_str(std::fs::read_to_string(p).unwrap().lines().last().unwrap()).unwrap()
    };
    let (ra, rb) = (read(&a), read(&b));
    let out = wsprobe()
        .args(["bench", "merge"])
        .arg(&a)
        .arg(&b)
        .arg("--json")
        .assert()
        .code(0)
        .stdout_bytes();
    let m: Value = serde_json::from_str(String::from_utf8(out).unwrap().trim()).unwrap();
    let mut all = histogram(&ra["latency_ms"]);
    all.auto(true);
    all.add(histogram(&rb["latency_ms"])).unwrap();
    let ms = |v: u64| v as f64 / 1000.0;
    for (key, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)] {
        assert_eq!(
            f(&m, &["latency_ms", key]),
            ms(all.value_at_quantile(q)),
            "{key}"
        );
    }
    assert_eq!(f(&m, &["latency_ms", "max"]), ms(all.max()));
    assert_eq!(u(&m["latency_ms"], "count"), all.len());
    assert_eq!(u(&m, "runs"), 2);
    assert_eq!(u(&m, "connections"), 4);
    assert_eq!(u(&m, "received"), u(&ra, "received") + u(&rb, "received"));
    assert_eq!(m["closes"], serde_json::json!({"1000": 4}));
    assert_eq!(m["command"].as_array().unwrap().len(), 2);
    // And as a human summary.
    let human = wsprobe()
        .args(["bench", "merge"])
        .arg(&a)
        .arg(&b)
        .assert()
        .code(0)
        .stdout_bytes();
    let human = String::from_utf8(human).unwrap();
    assert!(human.contains("(2 runs merged): 4 connections"), "{human}");
}

#[test]
fn merge_names_a_file_that_is_not_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "hello\n").unwrap();
    let err = wsprobe()
        .args(["bench", "merge"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr_text();
    assert!(err.contains("holds no JSON summary"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("wsprobe: ")).count(),
        1
    );
}

#[test]
fn hdr_out_is_an_interval_log_of_every_reply() {
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    let server = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latency.hlog");
    let (code, s, _) = bench_json(&[
        &server.url,
        "-c",
        "2",
        "-d",
        "1200ms",
        "--hdr-out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let text = std::fs::read(&path).unwrap();
    assert!(String::from_utf8_lossy(&text).starts_with("#wsprobe "));
    let mut total = 0;
    let mut intervals = 0;
    for entry in IntervalLogIterator::new(&text) {
        if let LogEntry::Interval(h) = entry.unwrap() {
            intervals += 1;
            total += decode(h.encoded_histogram()).len();
        }
    }
    assert!(intervals >= 2, "{intervals}");
    assert_eq!(total, u(&s["latency_ms"], "count"));
}

#[test]
fn a_report_and_hdr_file_that_cannot_be_written_is_one_error_line() {
    let server = Listener::start(&["-q"]);
    let err = wsprobe()
        .args(["bench", &server.url, "-c", "1", "-d", "100ms"])
        .args(["--report", "/nonexistent/dir/r.html"])
        .assert()
        .code(1)
        .stderr_text();
    assert!(
        err.starts_with("wsprobe: error: cannot write --report file '/nonexistent/dir/r.html': "),
        "{err}"
    );
}

#[test]
fn connect_options_shape_every_connection_wss_subprotocol_ipv6() {
    let pki = crate::support::tls::pki();
    let tls = Listener::start(&[
        "-q",
        "--tls-cert",
        pki.server_cert.to_str().unwrap(),
        "--tls-key",
        pki.server_key.to_str().unwrap(),
        "-s",
        "chat",
    ]);
    let ca = pki.ca.to_str().unwrap();
    let (code, s, stderr) =
        bench_json(&[&tls.url, "--ca", ca, "-s", "chat", "-c", "3", "-d", "300ms"]);
    assert!(tls.url.starts_with("wss://"), "{}", tls.url);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(u(&s, "connected"), 3);
    assert!(u(&s, "received") > 0);
    // Without the subprotocol the server refuses every upgrade: nothing opens, exit 3.
    let (code, s, _) = bench_json(&[&tls.url, "--ca", ca, "-c", "2", "-d", "200ms"]);
    assert_eq!(code, 3, "{s}");
    assert_eq!(u(&s["errors"], "connect"), 2);
    // Without --ca the certificate is not trusted: exit 3, the reason in words.
    let (code, s, stderr) = bench_json(&[&tls.url, "-s", "chat", "-c", "1", "-d", "200ms"]);
    assert_eq!(code, 3, "{s}");
    assert!(stderr.contains("certificate"), "{stderr}");
    let v6 = Listener::start_on("[::1]:0", &["-q"]);
    let (code, s, _) = bench_json(&[
        &v6.url,
        "-c",
        "2",
        "--messages",
        "20",
        "--ping-interval",
        "50ms",
    ]);
    assert_eq!(code, 0, "{s}");
    assert_eq!(u(&s["latency_ms"], "count"), 20);
}

#[test]
fn a_unix_socket_server_takes_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    listener.set_nonblocking(true).unwrap();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::UnixListener::from_std(listener).unwrap();
            let mut served = Vec::new();
            for _ in 0..2 {
                let (stream, _) = listener.accept().await.unwrap();
                served.push(tokio::spawn(async move {
                    let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
                    while let Some(Ok(m)) = ws.next().await {
                        if m.is_text() && ws.send(m).await.is_err() {
                            break;
                        }
                    }
                }));
            }
            for s in served {
                s.await.unwrap();
            }
        });
    });
    let url = format!("ws+unix://{}", path.display());
    let (code, s, stderr) = bench_json(&[&url, "-c", "2", "--messages", "10"]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!((u(&s, "sent"), u(&s, "received")), (10, 10));
    thread.join().unwrap();
}

#[test]
fn more_connections_than_files_allowed_is_a_usage_error_before_connecting() {
    let err = wsprobe()
        .args(["bench", "ws://127.0.0.1:1/", "-c", "4000000000"])
        .assert()
        .code(2)
        .stderr_text();
    // Either the hard limit is below that, or the kernel refuses to raise it so far.
    assert!(
        err.starts_with("wsprobe: error: -c 4000000000 needs about 4000000064 open files, and "),
        "{err}"
    );
    assert!(err.contains("hint: raise the "), "{err}");
    assert!(err.contains("wsprobe bench merge"), "{err}");
}

/// A server that completes the handshake by hand and writes `frames` in the same write as the
/// 101, then reads until the client goes.
fn raw_server(frames: &'static [u8]) -> Server {
    Server::tcp(move |mut tcp| async move {
        use tokio::io::AsyncReadExt;
        crate::support::deflate::accept(&mut tcp, None, frames).await;
        let mut sink = [0; 4096];
        while let Ok(n) = tcp.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
}

#[test]
fn a_peer_that_breaks_the_protocol_is_counted_and_exit_4() {
    // A frame with a reserved opcode (0x3), in the same write as the 101.
    let server = raw_server(&[0x83, 0x00]);
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "2", "-d", "300ms", "--no-deflate"]);
    assert_eq!(code, 4, "{s}");
    assert_eq!(u(&s["errors"], "protocol"), 2, "{s}");
    assert_eq!(s["closes"], serde_json::json!({"1002": 2}));
    assert!(stderr.contains("wsprobe: error: "), "{stderr}");
}

#[test]
fn a_message_over_the_limit_is_too_large_and_closes_with_1009() {
    // A 2 KiB text message (126: 16-bit length) in the same write as the 101.
    static FRAME: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
        let mut f = vec![0x81, 126, 0x08, 0x00];
        f.extend(std::iter::repeat_n(b'x', 2048));
        f
    });
    let server = raw_server(&FRAME);
    let (code, s, _) = bench_json(&[
        &server.url,
        "-c",
        "1",
        "-d",
        "300ms",
        "--no-echo",
        "--max-message-size",
        "1KiB",
    ]);
    assert_eq!(code, 4, "{s}");
    assert_eq!(u(&s["errors"], "too-large"), 1, "{s}");
    assert_eq!(s["closes"], serde_json::json!({"1009": 1}));
}

#[test]
fn pushes_are_counted_apart_free_no_slot_and_hide_no_lost_message() {
    // Three messages of its own, no echo, then a close: each connection's one message in
    // flight is never answered, and the pushes must not open more slots.
    let server = Server::ws(|mut ws| async move {
        // Once the connection's message is in (so that it was sent, not left unsent by a
        // close that came first).
        let _ = ws.next().await;
        for i in 0..3 {
            let _ = ws.send(Message::text(format!("push {i}"))).await;
        }
        close_with(&mut ws, 1000, "").await;
    });
    let (code, s, _) = bench_json(&[&server.url, "-c", "2", "-d", "300ms", "--no-deflate"]);
    assert_eq!(code, 4, "{s}");
    assert_eq!(u(&s, "sent"), 2, "{s}");
    assert_eq!(u(&s, "received"), 6, "{s}");
    assert_eq!(u(&s, "pushes"), 6, "{s}");
    assert_eq!(s["errors"], serde_json::json!({"no-reply": 2}));
    assert!(
        s["error_messages"]["no-reply"]
            .as_str()
            .unwrap()
            .contains("3 message(s) arrived that answer none of ours: if the server does not echo, use --no-echo"),
        "{s}"
    );
    // A welcome message before the echoes: --in-flight 1 stays 1, every message is answered.
    let server = Server::ws(|mut ws| async move {
        let _ = ws.send(Message::text("welcome")).await;
        while let Some(Ok(m)) = ws.next().await {
            if m.is_text() && ws.send(m).await.is_err() {
                break;
            }
        }
    });
    let (code, s, _) = bench_json(&[&server.url, "-c", "2", "--messages", "40"]);
    // A server that pushes besides echoing can be load-tested: its pushes are no error.
    assert_eq!(code, 0, "{s}");
    assert_eq!(s["errors"], serde_json::json!({}));
    assert_eq!(u(&s, "pushes"), 2, "{s}");
    assert_eq!((u(&s, "sent"), u(&s, "received")), (40, 42));
    assert_eq!(u(&s["latency_ms"], "count"), 40);
}

/// A request/response server that answers out of order, as one that hands requests to
/// workers does: it holds each request until the next one arrives (or `hold` passes), then
/// sends a notification of its own (`{"event":"tick"}`), answers the second request at once
/// and the first `late` after. A reply is `{"id":…,"ok":true}`, the request's id copied.
fn out_of_order(hold: Duration, late: Duration) -> Server {
    Server::ws(move |ws| async move {
        let (mut tx, mut rx) = ws.split();
        let (q, mut out) = tokio::sync::mpsc::unbounded_channel::<Message>();
        let writer = tokio::spawn(async move {
            while let Some(m) = out.recv().await {
                if tx.send(m).await.is_err() {
                    break;
                }
            }
        });
        let reply = |m: &Message| -> Option<Message> {
            let request: Value = serde_json::from_str(m.to_text().ok()?).ok()?;
            let reply = serde_json::json!({"id": request["id"], "ok": true});
            Some(Message::text(reply.to_string()))
        };
        let mut held: Option<Message> = None;
        loop {
            let next = match held.take() {
                None => rx.next().await,
                Some(first) => match tokio::time::timeout(hold, rx.next()).await {
                    Ok(next) => {
                        held = Some(first);
                        next
                    }
                    Err(_) => {
                        let _ = q.send(first);
                        continue;
                    }
                },
            };
            let Some(Ok(m)) = next else { break };
            let Some(r) = reply(&m) else { continue };
            match held.take() {
                None => held = Some(r),
                Some(first) => {
                    let _ = q.send(Message::text(r#"{"event":"tick"}"#));
                    let _ = q.send(r);
                    let q = q.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(late).await;
                        let _ = q.send(first);
                    });
                }
            }
        }
        drop(q);
        let _ = writer.await;
    })
}

#[test]
fn match_json_times_each_reply_from_its_own_request_when_the_server_answers_out_of_order() {
    // Open loop, one connection, a request every 200 ms: the server answers #1 at once and
    // #0 600 ms later (after a tick of its own), then #3 and #2 the same way.
    let server = out_of_order(Duration::from_secs(5), Duration::from_millis(600));
    let run = |matching: &[&str]| {
        let mut args = vec![
            server.url.as_str(),
            "-c",
            "1",
            "--rate",
            "5",
            "--messages",
            "4",
        ];
        args.extend([
            "--payload",
            r#"{"id":{seq},"op":"get"}"#,
            "--reply-timeout",
            "3s",
        ]);
        args.extend(matching);
        bench_json(&args)
    };
    let (code, s, stderr) = run(&["--match", "json:id"]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(s["match"], "json:id", "{s}");
    assert_eq!(s["errors"], serde_json::json!({}), "{s}");
    assert_eq!((u(&s, "sent"), u(&s, "received")), (4, 6), "{s}");
    // The ticks answer none of the requests: pushes, not replies.
    assert_eq!(u(&s, "pushes"), 2, "{s}");
    assert_eq!(u(&s["latency_ms"], "count"), 4, "{s}");
    // #0 and #2 waited for the next request (200 ms) and 600 ms more; #1 and #3 did not.
    assert!(f(&s, &["latency_ms", "max"]) >= 800.0, "{s}");
    assert!(f(&s, &["latency_ms", "min"]) < 600.0, "{s}");
    // The same run matched in order: the first tick is taken for #0's reply, #1's reply for
    // #1's, and so on; the run ends once four "replies" are in, and the 800 ms that #0 and
    // #2 waited are never seen.
    let (code, s, stderr) = run(&[]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(s["match"], Value::Null, "{s}");
    assert_eq!(u(&s["latency_ms"], "count"), 4, "{s}");
    assert!(f(&s, &["latency_ms", "max"]) < 800.0, "{s}");
}

#[test]
fn match_json_keeps_in_flight_requests_answered_out_of_order_and_says_so() {
    let server = out_of_order(Duration::from_secs(1), Duration::ZERO);
    let out = wsprobe()
        .args([
            "bench",
            &server.url,
            "-c",
            "2",
            "--in-flight",
            "4",
            "--messages",
            "40",
        ])
        .args([
            "--payload",
            r#"{"id":"{seq}","op":"get"}"#,
            "--match",
            "json:id",
        ])
        .args(["--json"])
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let s: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    // Ids sent as strings come back as strings, and match as well.
    assert_eq!(s["errors"], serde_json::json!({}), "{s}");
    assert_eq!(u(&s, "sent"), 40, "{s}");
    assert_eq!(u(&s["latency_ms"], "count"), 40, "{s}");
    assert!(u(&s, "pushes") > 0, "{s}");
    assert_eq!(u(&s, "received"), 40 + u(&s, "pushes"), "{s}");
    assert_eq!(u(&s, "in_flight"), 4, "{s}");
    // The human summary says how replies were matched.
    let out = wsprobe()
        .args([
            "bench",
            &server.url,
            "-c",
            "1",
            "--in-flight",
            "4",
            "--messages",
            "8",
        ])
        .args(["--payload", r#"{"id":{seq}}"#, "--match", "json:id"])
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.lines().next().unwrap().ends_with(
            "/: 1 connections, closed loop, 4 in flight per connection, replies matched by json:id, 8-byte text messages"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  errors       none\n"), "{stdout}");
}

#[test]
fn a_server_that_stops_answering_ends_a_messages_run() {
    // --messages has no clock to stop it: silence for --reply-timeout ends each connection.
    let server = swallowing_server();
    let (code, s, stderr) = bench_json(&[
        &server.url,
        "-c",
        "2",
        "--messages",
        "10",
        "--reply-timeout",
        "200ms",
        "--close-timeout",
        "200ms",
    ]);
    assert_eq!(code, 4, "{s}");
    assert_eq!(u(&s["errors"], "no-reply"), 2, "{s}");
    assert!(stderr.contains("no-reply ×2"), "{stderr}");
}

/// The sums of the series' `sent` and `received`.
fn series_sums(s: &Value) -> (u64, u64) {
    let series = s["series"].as_array().unwrap();
    (
        series.iter().map(|p| u(p, "sent")).sum(),
        series.iter().map(|p| u(p, "received")).sum(),
    )
}

/// The peak resident memory of a process, in KiB (VmHWM), while it lives.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn an_open_loop_far_above_capacity_keeps_memory_bounded_and_its_figures_add_up() {
    // Issue #20: --rate 1e9 grew to 24 GB and was killed without a summary.
    const BOUND_KIB: u64 = 200 * 1024;
    let server = Listener::start(&["-q"]);
    let mut child = wsprobe_std()
        .args(["bench", &server.url, "--rate", "1e9", "-d", "1s", "-c", "1"])
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut peak = 0;
    let code = loop {
        // Read before asking whether it exited: the last reading is the one nearest its end.
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        if peak > BOUND_KIB || started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bench grew to {peak} KiB of memory (bound {BOUND_KIB} KiB), or ran over {RUN_TIMEOUT:?}");
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    assert_eq!(code, Some(0), "{out}");
    let s: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    // The figures add up: the series is what was sent and received.
    let (sent, received) = (u(&s, "sent"), u(&s, "received"));
    assert!(sent > 0 && received == sent, "{s}");
    assert_eq!(series_sums(&s), (sent, received), "{s}");
    // The generator says it fell behind, by how much, and what it did send.
    assert_eq!(s["rate"], 1e9);
    assert_eq!(s["fell_behind"], true, "{s}");
    assert!(u(&s, "backlog") > 0, "{s}");
    let send_rate = f(&s, &["send_rate"]);
    assert!(send_rate > 0.0 && send_rate < 1e9, "{s}");
    assert_eq!(u(&s["send_lag_ms"], "count"), sent, "{s}");
    assert!(f(&s, &["send_lag_ms", "max"]) > 0.0, "{s}");
    // The time the figures describe: the whole run, the steady part within it.
    assert_eq!(f(&s, &["steady_from_s"]), 0.0, "{s}");
    assert!(f(&s, &["steady_to_s"]) >= 1.0, "{s}");
    assert!(f(&s, &["duration_s"]) >= f(&s, &["steady_to_s"]), "{s}");
}

#[test]
fn a_generator_that_falls_behind_says_so_and_max_lag_fails_the_run() {
    let server = Listener::start(&["-q"]);
    let out = wsprobe()
        .args([
            "bench",
            &server.url,
            "--rate",
            "1e9",
            "-d",
            "300ms",
            "-c",
            "1",
        ])
        .args(["--max-lag", "50ms"])
        .assert()
        .code(5);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let stdout = String::from_utf8(out.stdout_bytes()).unwrap();
    assert!(
        stdout.contains("open loop at 1,000,000,000 msg/s"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" msg/s of the 1,000,000,000 asked: the generator could not keep up, "),
        "{stdout}"
    );
    assert!(
        stdout.contains(" message(s) due were never sent; sent late by p50 "),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "wsprobe: error: threshold not met: the generator fell behind (--max-lag 50ms): "
        ),
        "{stderr}"
    );
    // A rate the server keeps up with: no backlog, the lag is small, --max-lag passes.
    let (code, s, stderr) = bench_json(&[
        &server.url,
        "--rate",
        "100",
        "-d",
        "500ms",
        "-c",
        "2",
        "--max-lag",
        "5s",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(s["fell_behind"], false, "{s}");
    assert!(f(&s, &["send_rate"]) > 0.0, "{s}");
    assert!(u(&s["send_lag_ms"], "count") > 0, "{s}");
    // Closed loop has no due times: --max-lag is refused.
    let out = wsprobe()
        .args(["bench", &server.url, "--max-lag", "1s"])
        .assert()
        .code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.starts_with("wsprobe: error: --max-lag needs --rate"),
        "{stderr}"
    );
}

#[test]
fn a_ramped_run_that_held_its_rate_meets_min_rate_over_the_steady_part() {
    // 4 connections opening over 2 s, then 1 s at 400 msg/s: over the whole run the rate is
    // about 300 msg/s (what the summary said), over the steady part 400.
    let server = Listener::start(&["-q"]);
    let (code, s, stderr) = bench_json(&[
        &server.url,
        "-c",
        "4",
        "--ramp",
        "2s",
        "-d",
        "1s",
        "--rate",
        "400",
        "--min-rate",
        "320",
    ]);
    assert_eq!(code, 0, "{stderr}\n{s}");
    assert_eq!(f(&s, &["steady_from_s"]), 2.0, "{s}");
    let to = f(&s, &["steady_to_s"]);
    assert!(to >= 3.0 && f(&s, &["duration_s"]) >= to, "{s}");
    assert!(f(&s, &["msgs_per_s"]) >= 320.0, "{s}");
    let (sent, received) = (u(&s, "sent"), u(&s, "received"));
    assert_eq!(series_sums(&s), (sent, received), "{s}");
    // The human summary says over which part the rates are.
    let out = wsprobe()
        .args([
            "bench",
            &server.url,
            "-c",
            "2",
            "--ramp",
            "200ms",
            "-d",
            "200ms",
        ])
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.stdout_bytes()).unwrap();
    assert!(
        stdout.contains(" msg/s sent, over the steady 0."),
        "{stdout}"
    );
    assert!(stdout.contains(" s, after the --ramp)\n"), "{stdout}");
}

#[test]
fn a_message_size_that_cannot_be_sent_is_a_usage_error_not_an_abort() {
    let server = Server::ws(|_ws| async move {}).unreached();
    let out = wsprobe()
        .args(["bench", &server.url, "--size", "100GiB"])
        .assert()
        .code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.starts_with("wsprobe: error: --size is 100.0 GiB (107374182400 bytes), larger than --max-message-size 64.0 MiB: "),
        "{stderr}"
    );
    assert!(stderr.contains("\nhint: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    // Allowed by --max-message-size, but more than memory can hold.
    let out = wsprobe()
        .args(["bench", &server.url, "--size", "1000TiB"])
        .args(["--max-message-size", "2000TiB"])
        .assert()
        .code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.starts_with(
            "wsprobe: error: --size: 1000.0 TiB (1099511627776000 bytes) cannot be held in memory"
        ),
        "{stderr}"
    );
    // A --payload file is read no further than --max-message-size: an endless one too.
    let out = wsprobe()
        .args(["bench", &server.url, "--payload", "@/dev/zero", "--binary"])
        .assert()
        .code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.starts_with(
            "wsprobe: error: --payload file '/dev/zero' is larger than --max-message-size 64.0 MiB"
        ),
        "{stderr}"
    );
    let out = wsprobe()
        .args([
            "bench",
            &server.url,
            "--payload",
            "too long",
            "--max-message-size",
            "4",
        ])
        .assert()
        .code(2);
    assert!(out
        .stderr_text()
        .starts_with("wsprobe: error: --payload is 8 B"));
    // More messages in flight than memory holds: refused before connecting.
    let out = wsprobe()
        .args(["bench", &server.url, "--in-flight", "4000000000"])
        .assert()
        .code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.starts_with("wsprobe: error: the messages in flight would need "),
        "{stderr}"
    );
    assert!(
        stderr.contains("(-c 10 × 4000000000 × 64 B each), more than the "),
        "{stderr}"
    );
}

#[test]
fn connections_still_opening_when_the_load_ends_are_errors() {
    // Accepts TCP, never answers the upgrade.
    let server = Server::tcp(|mut tcp| async move {
        use tokio::io::AsyncReadExt;
        let mut sink = [0; 4096];
        while let Ok(n) = tcp.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    });
    let (code, s, stderr) = bench_json(&[&server.url, "-c", "3", "-d", "300ms"]);
    assert_eq!(code, 3, "{stderr}\n{s}");
    assert_eq!(u(&s, "connected"), 0, "{s}");
    assert_eq!(s["errors"], serde_json::json!({"not-opened": 3}), "{s}");
    assert!(
        stderr.contains("no connection could be opened: the load ended before the connection's handshake finished"),
        "{stderr}"
    );
    let out = wsprobe()
        .args(["bench", &server.url, "-c", "3", "-d", "300ms"])
        .assert()
        .code(3);
    let stdout = String::from_utf8(out.stdout_bytes()).unwrap();
    assert!(
        stdout.contains("  errors       not-opened ×3 (first: the load ended before"),
        "{stdout}"
    );
}

#[test]
fn no_echo_with_a_payload_and_no_rate_is_refused() {
    let server = Server::ws(|_ws| async move {}).unreached();
    let out = wsprobe()
        .args(["bench", &server.url, "--no-echo", "--payload", "hi"])
        .assert()
        .code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.starts_with("wsprobe: error: --payload with --no-echo needs --rate: without it nothing is sent\nhint: add --rate"),
        "{stderr}"
    );
}

#[test]
fn verbose_prints_a_line_for_each_interval() {
    let server = Listener::start(&["-q"]);
    let out = wsprobe()
        .args(["bench", &server.url, "-c", "2", "-d", "1500ms", "-v"])
        .assert()
        .code(0);
    let stderr = out.stderr_text();
    let lines: Vec<&str> = stderr.lines().collect();
    // One a second, and the last, shorter one up to the end.
    assert!(lines.len() >= 2, "{stderr}");
    assert!(lines[0].contains(" s  2 open  "), "{stderr}");
    for l in &lines {
        assert!(
            l.contains(" open  ") && l.contains(" sent  ") && l.contains(" p99 "),
            "{stderr}"
        );
    }
}

#[test]
fn the_progress_line_is_current_and_shows_the_rate_asked() {
    use expectrl::Expect;
    // An hour-long run takes a series point every 12 s: the progress line must not wait for
    // one (it did, showing "0/2 open" until then).
    let server = Listener::start(&["-q"]);
    let mut cmd = wsprobe_std();
    cmd.env("TERM", "xterm").env("NO_COLOR", "1").args([
        "bench",
        &server.url,
        "-c",
        "2",
        "--rate",
        "200",
        "-d",
        "1h",
    ]);
    let mut s = expectrl::Session::spawn(cmd).expect("spawn wsprobe in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(10)));
    let seen = s
        .expect(expectrl::Regex(
            r"2/2 open  \d+ msg/s received  \d+ of 200 msg/s sent  p50 ",
        ))
        .map(|c| String::from_utf8_lossy(c.as_bytes()).into_owned());
    signal(s.get_process().pid().as_raw() as u32, "INT");
    let summary = s.expect("2 connections, open loop at 200 msg/s");
    assert!(seen.is_ok(), "no current progress line: {seen:?}");
    assert!(summary.is_ok(), "no summary after Ctrl-C: {summary:?}");
}
