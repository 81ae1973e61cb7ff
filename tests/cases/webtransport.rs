//! `connect --webtransport` against a wtransport server (tests/support/wt_server.rs): pipe
//! mode on a stream and with datagrams, streams the server opens, the server's close, the
//! scripted checks, the JSON events, and the ways a session fails to open.

use crate::support::wsprobe;
use crate::support::wt_server::{silent_udp, WtServer};

fn out(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn stdin_lines_go_to_a_stream_and_its_echo_to_stdout_then_the_session_closes_with_0() {
    let server = WtServer::start();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo")])
        .args(["--cert-hash", &server.hash])
        .write_stdin("hello\nwörld\nlast without newline")
        .assert()
        .success()
        .get_output()
        .clone();
    let (stdout, stderr) = out(&o);
    assert_eq!(stdout, "hello\nwörld\nlast without newline\n");
    assert!(stderr.contains("CONNECTING https://127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("OPEN"), "{stderr}");
    assert!(
        stderr.contains("webtransport over HTTP/3 (draft-02)"),
        "{stderr}"
    );
    assert!(stderr.contains("CLOSED 0 \"\" clean (local)"), "{stderr}");
    let log = server.wait_log("/echo");
    assert!(
        log.iter()
            .any(|l| l.contains("/echo connection closed by peer: 0")),
        "{log:?}"
    );
}

#[test]
fn datagrams_each_line_one_datagram_each_datagram_one_line() {
    let server = WtServer::start();
    let o = wsprobe()
        .args([
            "connect",
            "--webtransport",
            "--datagrams",
            &server.url("/echo"),
        ])
        .args(["--cert-hash", &server.hash, "-v"])
        .write_stdin("one\ntwo\nthree\n")
        .assert()
        .success()
        .get_output()
        .clone();
    let (stdout, stderr) = out(&o);
    let mut lines: Vec<&str> = stdout.lines().collect();
    // Datagrams may be reordered; none is lost on loopback.
    lines.sort_unstable();
    assert_eq!(lines, ["one", "three", "two"], "{stderr}");
    assert!(stderr.contains("> datagram 3 B one"), "{stderr}");
    assert!(stderr.contains("< datagram"), "{stderr}");
    assert!(stderr.contains("max-datagram="), "{stderr}");
}

#[test]
fn a_datagram_larger_than_the_path_allows_is_an_error_naming_the_limit() {
    let server = WtServer::start();
    let big = "x".repeat(5000);
    let o = wsprobe()
        .args([
            "connect",
            "--webtransport",
            "--datagrams",
            &server.url("/echo"),
        ])
        .args(["--cert-hash", &server.hash])
        .write_stdin(format!("{big}\n"))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    assert!(
        stderr.contains("a datagram of 5000 bytes is larger than the path allows now ("),
        "{stderr}"
    );
}

#[test]
fn streams_the_server_opens_are_shown_and_their_data_written_to_stdout() {
    let server = WtServer::start();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/push")])
        // The pushes race the echo: wait for all three lines (-n counts each line).
        .args(["--cert-hash", &server.hash, "-v", "-n", "3", "-t", "10s"])
        .write_stdin("mine\n")
        .assert()
        .success()
        .get_output()
        .clone();
    let (stdout, stderr) = out(&o);
    for line in ["pushed uni", "pushed bidi", "mine"] {
        assert!(stdout.lines().any(|l| l == line), "{line}: {stdout}");
    }
    assert!(stderr.contains("uni opened (remote)"), "{stderr}");
    assert!(stderr.contains("bidi opened (remote)"), "{stderr}");
    assert!(stderr.contains("bidi opened (local)"), "{stderr}");
    // -v says which stream each piece of data came on.
    assert!(stderr.contains(" 11 B pushed uni\\n"), "{stderr}");
    assert!(stderr.contains(" 12 B pushed bidi\\n"), "{stderr}");
}

#[test]
fn the_servers_close_is_reported_with_its_code_and_reason_and_exits_4() {
    let server = WtServer::start();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/close")])
        .args(["--cert-hash", &server.hash, "--no-close"])
        .write_stdin("hi\n")
        .assert()
        .code(4)
        .get_output()
        .clone();
    let (stdout, stderr) = out(&o);
    assert_eq!(stdout, "hi\n");
    assert!(
        stderr.contains("CLOSING (remote) 4242 \"server says bye\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("CLOSED 4242 \"server says bye\" clean (remote)"),
        "{stderr}"
    );
}

#[test]
fn json_events_for_the_session_its_streams_and_datagrams() {
    let server = WtServer::start();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo"), "--json"])
        .args(["--cert-hash", &server.hash, "-x", "ping", "-e", "ping"])
        .assert()
        .success()
        .get_output()
        .clone();
    let (stdout, _) = out(&o);
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    let names: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    for want in [
        "connecting",
        "request",
        "session_open",
        "stream_open",
        "stream_data",
        "session_closing",
        "session_close",
        "result",
    ] {
        assert!(names.contains(&want), "{want}: {names:?}");
    }
    let open = events
        .iter()
        .find(|e| e["event"] == "session_open")
        .unwrap();
    assert_eq!(open["state"], "OPEN");
    assert_eq!(open["http_version"], "3");
    assert_eq!(open["draft"], "draft-02");
    let stream = events.iter().find(|e| e["event"] == "stream_open").unwrap();
    assert_eq!(stream["kind"], "bidi");
    assert_eq!(stream["opened_by"], "local");
    let data = events
        .iter()
        .find(|e| e["event"] == "stream_data" && e["dir"] == "in")
        .unwrap();
    assert_eq!(data["data"], "ping\n");
    let close = events
        .iter()
        .find(|e| e["event"] == "session_close")
        .unwrap();
    assert_eq!(close["code"], 0);
    assert_eq!(close["was_clean"], true);
    assert_eq!(close["initiator"], "local");
}

#[test]
fn scripted_checks_run_on_stream_lines_and_fail_with_3_when_unmet() {
    let server = WtServer::start();
    wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo")])
        .args(["--cert-hash", &server.hash, "-x", "a", "-x", "b", "-n", "2"])
        .assert()
        .success();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo")])
        .args([
            "--cert-hash",
            &server.hash,
            "-x",
            "a",
            "-e",
            "nope",
            "-t",
            "1s",
        ])
        .assert()
        .code(5)
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    assert!(
        stderr.contains("expectation 1 of 1 not met: nope"),
        "{stderr}"
    );
}

#[test]
fn a_refused_session_is_an_error_exit_3() {
    let server = WtServer::start();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/nowhere")])
        .args(["--cert-hash", &server.hash])
        .write_stdin("x\n")
        .assert()
        .code(3)
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    assert!(
        stderr.contains("refused the WebTransport session"),
        "{stderr}"
    );
}

#[test]
fn a_certificate_not_pinned_names_its_hash_and_unknown_issuer_suggests_ca() {
    let server = WtServer::start();
    let wrong = "00".repeat(32);
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo")])
        .args(["--cert-hash", &wrong])
        .write_stdin("x\n")
        .assert()
        .code(3)
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    assert!(
        stderr.contains(&format!(
            "is not the one pinned: its SHA-256 is {}",
            server.hash
        )),
        "{stderr}"
    );
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo")])
        .write_stdin("x\n")
        .assert()
        .code(3)
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    assert!(stderr.contains("TLS: cannot verify 127.0.0.1"), "{stderr}");
    assert!(
        stderr.contains(&format!("--cert-hash {}", server.hash)),
        "{stderr}"
    );
}

#[test]
fn ca_and_insecure_trust_the_server_as_for_wss() {
    let server = WtServer::start();
    let ca = server.cert_pem.path().to_str().unwrap().to_owned();
    let o = wsprobe()
        .args([
            "connect",
            "--webtransport",
            &server.url("/echo"),
            "--ca",
            &ca,
        ])
        .write_stdin("via ca\n")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(out(&o).0, "via ca\n");
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo"), "-k"])
        .write_stdin("insecure\n")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(out(&o).0, "insecure\n");
}

#[test]
fn silence_on_the_port_is_a_timeout_in_words() {
    let (_socket, port) = silent_udp();
    let o = wsprobe()
        .args([
            "connect",
            "--webtransport",
            &format!("https://127.0.0.1:{port}/x"),
        ])
        .args(["-k", "--connect-timeout", "1s"])
        .write_stdin("x\n")
        .assert()
        .code(3)
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    assert!(stderr.contains("did not complete within 1s"), "{stderr}");
    assert!(stderr.contains("UDP port"), "{stderr}");
}

#[test]
fn a_reset_stream_is_shown_with_its_webtransport_code() {
    let server = WtServer::start();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/reset"), "-v"])
        .args(["--cert-hash", &server.hash, "--reply-timeout", "500ms"])
        .write_stdin("x\n")
        .assert()
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    // Stream 0 is the session's CONNECT; the first stream of the client's is 4.
    assert!(stderr.contains("< stream 4 reset code=7"), "{stderr}");
}

#[test]
fn websocket_only_options_and_other_schemes_are_usage_errors() {
    let o = wsprobe()
        .args(["connect", "--webtransport", "ws://127.0.0.1:1/", "-k"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        out(&o).1.contains("--webtransport needs an https:// URL"),
        "{:?}",
        out(&o)
    );
    let o = wsprobe()
        .args([
            "connect",
            "--webtransport",
            "https://127.0.0.1:1/",
            "--http2",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        out(&o)
            .1
            .contains("--http2 is a WebSocket option and does not apply to --webtransport"),
        "{:?}",
        out(&o)
    );
    wsprobe()
        .args(["connect", "https://127.0.0.1:1/", "--cert-hash", "ab"])
        .assert()
        .code(2);
}

/// A child wsprobe whose stderr lines are read as they come, for the interactive session.
struct Live {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Live {
    fn start(args: &[&str]) -> Live {
        use std::io::BufRead;
        let mut child = crate::support::wsprobe_std()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        Live {
            stdin: child.stdin.take(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    fn send(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits (up to 10 s) for a line containing `what`.
    fn wait(&mut self, what: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !self.seen.iter().any(|l| l.contains(what)) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => panic!("no line with {what:?} in:\n{}", self.seen.join("\n")),
            }
        }
    }

    fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status.code().unwrap_or(-1), self.seen.join("\n"))
    }
}

#[test]
fn the_interactive_session_opens_streams_sends_datagrams_and_closes_with_a_code() {
    let server = WtServer::start();
    let url = server.url("/echo");
    let mut live = Live::start(&[
        "connect",
        "--webtransport",
        &url,
        "-i",
        "--cert-hash",
        &server.hash,
    ]);
    live.send("on the main stream");
    live.wait("< on the main stream");
    live.send("/datagram dg1");
    live.wait("< dg1");
    live.send("/uni u1");
    live.wait("< u1");
    live.send("/bidi b1");
    live.wait("< b1");
    live.send("/streams");
    live.wait("stream 4      bidi  opened here");
    live.send("/finish 8");
    live.wait("< stream 8 finished");
    live.send("/state");
    live.wait("rtt             ");
    live.send("/reset 99 1");
    live.wait("no stream 99 with a sending side open here");
    live.send("/ping");
    live.wait("/ping is a WebSocket command");
    live.send("/close 7 bye now");
    live.send("never sent");
    let (code, stderr) = live.finish();
    assert_eq!(code, 0, "{stderr}");
    for want in [
        "datagrams out   1",
        "max datagram    ",
        "CLOSING (local) 7 \"bye now\"",
        "CLOSED 7 \"bye now\" clean (local)",
    ] {
        assert!(stderr.contains(want), "{want}:\n{stderr}");
    }
    assert!(!stderr.contains("never sent"), "{stderr}");
    let log = server.wait_log("/echo");
    assert!(
        log.iter().any(|l| l.contains("bye now (code 7)")),
        "{log:?}"
    );
}

#[test]
fn nul_separated_records_and_binary_chunks_round_trip() {
    let server = WtServer::start();
    let o = wsprobe()
        .args(["connect", "--webtransport", &server.url("/echo"), "-0"])
        .args(["--cert-hash", &server.hash])
        .write_stdin("a b\0line\nwith newline\0")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(o.stdout, b"a b\0line\nwith newline\0");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let o = wsprobe()
        .args([
            "connect",
            "--webtransport",
            &server.url("/echo"),
            "--binary",
            "-q",
        ])
        .args(["--cert-hash", &server.hash])
        .write_stdin(bytes.clone())
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        o.stdout == bytes,
        "{} bytes back of {}",
        o.stdout.len(),
        bytes.len()
    );
}

#[test]
fn t_bounds_a_handshake_that_never_completes() {
    let (_socket, port) = silent_udp();
    let o = wsprobe()
        .args([
            "connect",
            "--webtransport",
            &format!("https://127.0.0.1:{port}/x"),
        ])
        .args(["-k", "-x", "hi", "-e", "hi", "-t", "1s"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let (_, stderr) = out(&o);
    assert!(
        stderr.contains("the WebTransport handshake with https://127.0.0.1:"),
        "{stderr}"
    );
    assert!(stderr.contains("did not complete within -t 1s"), "{stderr}");
}

#[test]
fn piped_state_and_streams_answer_after_what_was_asked_before_them() {
    // Piped into -i, every line is read at once: /state must still count the datagram and
    // the stream asked for on the lines before it.
    let server = WtServer::start();
    let url = server.url("/echo");
    let out = crate::support::wsprobe()
        .args([
            "connect",
            "--webtransport",
            &url,
            "-i",
            "--cert-hash",
            &server.hash,
        ])
        .write_stdin("/datagram ping\n/uni hello\n/streams\n/state\n/close 7 done\n")
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("datagrams out   1"), "{stderr}");
    // The main stream (opened at OPEN) and the /uni one (and the server's answer to it, when
    // that came first).
    let opened: u32 = stderr
        .split_once(" opened in all)")
        .and_then(|(before, _)| before.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(opened >= 2, "{stderr}");
    assert!(
        stderr.contains("stream 6      uni   opened here"),
        "{stderr}"
    );
}
