//! `wsprobe check`: Autobahn's cases and verdicts against real servers — `wsprobe listen`
//! (all OK or INFORMATIONAL, as Autobahn says), a deliberately careless raw echo server (the
//! FAILED verdicts Autobahn gives it, checked against Autobahn by `.ci/check-compare`), and a
//! server that fails every connection at once (NON-STRICT, which only `--strict` fails).

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::support::careless::Careless;
use crate::support::{wsprobe, Listener, Printed, Server};

/// `check --json ARGS URL`: the exit status and the one JSON object on stdout's last line.
fn check_json(url: &str, args: &[&str]) -> (i32, Value) {
    let out = wsprobe()
        .arg("check")
        .arg("--json")
        .args(args)
        .arg(url)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run wsprobe check");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap_or_else(|| {
        panic!(
            "no output; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(last).unwrap(),
    )
}

fn verdicts(report: &Value, id: &str) -> (String, String) {
    let case = &report["cases"][id];
    assert!(case.is_object(), "{id} missing from {report}");
    (
        case["behavior"].as_str().unwrap().to_owned(),
        case["behaviorClose"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn wsprobe_listen_passes_every_case_but_the_load_ones() {
    let server = Listener::start(&["-q"]);
    let (code, report) = check_json(&server.url, &["--exclude", "9.*,12.*,13.*"]);
    assert_eq!(code, 0, "{report}");
    let cases = report["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 247, "every case of 1.x–7.x and 10.x");
    for (id, case) in cases {
        let informational = ["7.1.6", "7.13.1", "7.13.2"].contains(&id.as_str());
        let (b, c) = verdicts(&report, id);
        if informational {
            assert_eq!(
                (b.as_str(), c.as_str()),
                ("INFORMATIONAL", "INFORMATIONAL"),
                "{id}"
            );
        } else {
            assert_eq!((b.as_str(), c.as_str()), ("OK", "OK"), "{id}: {case}");
        }
    }
    assert_eq!(report["totals"]["OK"], 244);
    assert_eq!(report["totals"]["INFORMATIONAL"], 3);
    assert_eq!(report["totals"]["FAILED"], 0);
    assert_eq!(report["count"], 247);
    // Autobahn's close codes: the echo's 1000, the 1002 and 1007 of the failing cases.
    assert_eq!(report["cases"]["1.1.1"]["remoteCloseCode"], 1000);
    assert_eq!(report["cases"]["4.1.1"]["remoteCloseCode"], 1002);
    assert_eq!(report["cases"]["6.3.1"]["remoteCloseCode"], 1007);
    assert!(report["cases"]["6.4.1"]["duration_ms"].as_u64().unwrap() >= 1000);
}

#[test]
fn wsprobe_listen_passes_the_load_cases_it_is_quick_on() {
    let server = Listener::start(&["-q"]);
    let (code, report) = check_json(&server.url, &["--cases", "9.1.1,9.2.1,9.7.1,9.8.2"]);
    assert_eq!(code, 0, "{report}");
    for id in ["9.1.1", "9.2.1", "9.7.1", "9.8.2"] {
        assert_eq!(verdicts(&report, id), ("OK".into(), "OK".into()), "{id}");
    }
}

/// A sample of the permessage-deflate cases that a debug build runs in seconds: each payload
/// set of 12.x and each offer of 13.x, with small messages, whole and (13.x.11) in frames.
const DEFLATE_SAMPLE: &str =
    "12.1.1,12.2.2,12.3.1,12.4.2,12.5.1,13.1.1,13.2.2,13.3.1,13.4.2,13.5.1,13.6.2,13.7.1,13.7.3";

#[test]
fn wsprobe_listen_echoes_every_compressed_message_of_the_sample() {
    let server = Listener::start(&["-q"]);
    let (code, report) = check_json(&server.url, &["--cases", DEFLATE_SAMPLE]);
    assert_eq!(code, 0, "{report}");
    for id in DEFLATE_SAMPLE.split(',') {
        assert_eq!(verdicts(&report, id), ("OK".into(), "OK".into()), "{id}");
        assert_eq!(report["cases"][id]["remoteCloseCode"], 1000, "{id}");
    }
    assert_eq!(report["count"], 13);
}

#[test]
fn a_server_without_deflate_is_unimplemented_in_12_and_13_and_fails_nothing() {
    let server = Listener::start(&["-q", "--no-deflate"]);
    let (code, report) = check_json(&server.url, &["--cases", "12.*,13.*"]);
    assert_eq!(code, 0, "UNIMPLEMENTED is no failure: {report}");
    assert_eq!(report["count"], 216);
    assert_eq!(report["totals"]["UNIMPLEMENTED"], 216, "{report}");
    assert_eq!(
        verdicts(&report, "13.7.18"),
        ("UNIMPLEMENTED".into(), "OK".into())
    );
    // With --strict, UNIMPLEMENTED fails.
    let (code, _) = check_json(&server.url, &["--cases", "12.1.1", "--strict"]);
    assert_eq!(code, 5);
    // The table says it once, not 216 times; its group names stay in one column.
    let out = wsprobe()
        .args(["check", "--cases", "10.*,12.*,13.*", &server.url])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains(
            "  12.1.1 … 13.7.18 UNIMPLEMENTED (216 cases; close: OK, close code 1000)\n      \
             got:      the server accepted no permessage-deflate offer;"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("12.1.2 UNIMPLEMENTED"), "{stdout}");
    let counts_at = |group: &str| {
        let line = stdout.lines().find(|l| l.contains(group)).unwrap();
        line.rfind("  ").unwrap()
    };
    assert_eq!(
        counts_at("Auto-Fragmentation"),
        counts_at("(different parameters)"),
        "{stdout}"
    );
}

/// Autobahn's verdicts for the careless server (autobahntestsuite 25.10.1, see
/// `.ci/check-compare`), one or more of each kind.
const CARELESS: &[(&str, &str, &str)] = &[
    ("1.1.1", "OK", "OK"),
    ("2.5", "FAILED", "FAILED"),
    ("3.1", "OK", "FAILED"),
    ("3.2", "FAILED", "FAILED"),
    ("4.1.1", "OK", "FAILED"),
    ("5.1", "FAILED", "FAILED"),
    ("5.15", "OK", "FAILED"),
    ("6.3.1", "FAILED", "FAILED"),
    ("6.5.1", "OK", "OK"),
    ("6.12.1", "FAILED", "FAILED"),
    ("7.1.1", "OK", "OK"),
    ("7.3.2", "OK", "FAILED BY CLIENT"),
    ("7.5.1", "FAILED", "WRONG CODE"),
    ("7.9.1", "FAILED", "WRONG CODE"),
    ("7.13.1", "INFORMATIONAL", "INFORMATIONAL"),
    ("10.1.1", "OK", "OK"),
];

#[test]
fn a_careless_server_fails_where_autobahn_fails_it() {
    let server = Careless::start();
    let ids: Vec<&str> = CARELESS.iter().map(|(id, _, _)| *id).collect();
    let (code, report) = check_json(&server.url, &["--cases", &ids.join(",")]);
    assert_eq!(code, 5, "a FAILED case exits 5: {report}");
    for (id, behavior, close) in CARELESS {
        assert_eq!(
            verdicts(&report, id),
            ((*behavior).into(), (*close).into()),
            "{id}"
        );
    }
    assert_eq!(
        report["cases"]["7.9.1"]["remoteCloseCode"], 0,
        "its echo of code 0"
    );
    assert_eq!(report["cases"]["6.3.1"]["remoteCloseCode"], Value::Null);
}

#[test]
fn the_table_says_what_was_sent_expected_and_received() {
    let server = Careless::start();
    let out = wsprobe()
        .args(["check", "--cases", "4.1.*,6.3.1", &server.url])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(5);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("6 cases in"), "{stdout}");
    let line = |group: &str| {
        stdout
            .lines()
            .find(|l| l.contains(group))
            .unwrap_or_else(|| panic!("no {group} line: {stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("Opcodes"), "4 Opcodes 5 cases OK 2, FAILED 3");
    assert_eq!(line("UTF-8 Handling"), "6 UTF-8 Handling 1 case FAILED 1");
    assert!(stdout.contains("6.3.1 FAILED (close: FAILED"), "{stdout}");
    assert!(
        stdout.contains("sent:     invalid UTF-8 text (a surrogate) in one frame"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expected: nothing (OK); the server fails the connection with 1007"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the prober objected: invalid UTF-8 in a text message"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the prober objected: data frame using reserved opcode 3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("total: OK=2 NON-STRICT=0 INFORMATIONAL=0 UNIMPLEMENTED=0 FAILED=4"),
        "{stdout}"
    );
}

#[test]
fn strict_fails_non_strict_cases() {
    // A server that fails every connection with 1002 at once, before echoing anything: in 3.2
    // (a good message, then one with RSV = 2) it never echoes the good one, which Autobahn
    // calls NON-STRICT. That passes, unless --strict.
    let server = Server::ws(|mut ws| async move {
        let close = CloseFrame {
            code: CloseCode::Protocol,
            reason: "".into(),
        };
        let _ = ws.close(Some(close)).await;
        while let Some(Ok(_)) = ws.next().await {}
    });
    let (code, report) = check_json(&server.url, &["--cases", "3.2"]);
    assert_eq!(
        verdicts(&report, "3.2"),
        ("NON-STRICT".into(), "OK".into()),
        "{report}"
    );
    assert_eq!(code, 0);
    let (code, report) = check_json(&server.url, &["--cases", "3.2", "--strict"]);
    assert_eq!(verdicts(&report, "3.2").0, "NON-STRICT", "{report}");
    assert_eq!(code, 5);
}

#[test]
fn cases_and_exclude_pick_by_autobahns_patterns() {
    let server = Listener::start(&["-q"]);
    let (code, report) = check_json(
        &server.url,
        &["--cases", "1.1.*,2.1", "--exclude", "1.1.8", "-j", "1"],
    );
    assert_eq!(code, 0);
    let ids: Vec<&str> = report["cases"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        ids,
        ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "2.1"]
    );
}

#[test]
fn no_case_matching_is_a_usage_error() {
    let stderr = wsprobe()
        .args(["check", "--cases", "11.*", "ws://127.0.0.1:9/"])
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        stderr.contains("wsprobe: error: --cases '11.*' matches no case"),
        "{stderr}"
    );
    // Patterns are trimmed, and each must match: a typo in --exclude is not ignored.
    let stderr = wsprobe()
        .args([
            "check",
            "--cases",
            "1.1.1, 1.1.2",
            "--exclude",
            "1.1.2,1.1.2.1",
        ])
        .arg("ws://127.0.0.1:9/")
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        stderr.contains("wsprobe: error: --exclude '1.1.2.1' matches no case"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_server_exits_3() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let stderr = wsprobe()
        .args(["check", &format!("ws://127.0.0.1:{port}/")])
        .assert()
        .code(3)
        .stdout("")
        .stderr_text();
    assert!(
        stderr.contains(&format!(
            "wsprobe: error: cannot check ws://127.0.0.1:{port}/: could not connect to 127.0.0.1:{port}"
        )),
        "{stderr}"
    );
}

#[test]
fn a_run_that_does_not_finish_leaves_the_report_alone() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("earlier.html");
    std::fs::write(&earlier, "<p>yesterday's run</p>").unwrap();
    let new = dir.path().join("new.html");
    for report in [&earlier, &new] {
        wsprobe()
            .args(["check", "--cases", "1.1.1", "--report"])
            .arg(report)
            .arg(format!("ws://127.0.0.1:{port}/"))
            .assert()
            .code(3);
    }
    assert_eq!(
        std::fs::read_to_string(&earlier).unwrap(),
        "<p>yesterday's run</p>"
    );
    assert!(!new.exists(), "no empty report is left behind");
}

#[test]
fn checks_over_tls_with_the_clients_ca_option() {
    let pki = crate::support::tls::pki();
    let server = Listener::start(&[
        "--tls-cert",
        pki.server_cert.to_str().unwrap(),
        "--tls-key",
        pki.server_key.to_str().unwrap(),
    ]);
    assert!(server.url.starts_with("wss://"), "{}", server.url);
    let (code, report) = check_json(
        &server.url,
        &[
            "--ca",
            pki.ca.to_str().unwrap(),
            "--cases",
            "1.1.8,2.6,5.19,6.2.3",
        ],
    );
    assert_eq!(code, 0, "{report}");
    for id in ["1.1.8", "2.6", "5.19", "6.2.3"] {
        assert_eq!(verdicts(&report, id), ("OK".into(), "OK".into()), "{id}");
    }
}

#[test]
fn the_handshake_carries_the_clients_headers() {
    // Every case's upgrade request has the -H header and the Origin (the server refuses
    // the others with 403, which would be a connect failure).
    let server = Server::tcp(|tcp| async move {
        #[allow(clippy::result_large_err)] // tungstenite's callback type
        let check = |req: &tokio_tungstenite::tungstenite::handshake::server::Request, resp| {
            let ok = req.headers().get("x-token").is_some_and(|v| v == "s3cret")
                && req
                    .headers()
                    .get("origin")
                    .is_some_and(|v| v == "https://app.example");
            if ok {
                Ok(resp)
            } else {
                let mut refusal =
                    tokio_tungstenite::tungstenite::handshake::server::ErrorResponse::new(None);
                *refusal.status_mut() = tokio_tungstenite::tungstenite::http::StatusCode::FORBIDDEN;
                Err(refusal)
            }
        };
        if let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await {
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_text() || msg.is_binary())
                    && futures_util::SinkExt::send(&mut ws, msg).await.is_err()
                {
                    break;
                }
            }
        }
    });
    let args = [
        "-H",
        "X-Token: s3cret",
        "-o",
        "https://app.example",
        "--cases",
        "1.1.1,1.2.1",
    ];
    let (code, report) = check_json(&server.url, &args);
    assert_eq!(code, 0, "{report}");
    assert_eq!(verdicts(&report, "1.2.1"), ("OK".into(), "OK".into()));
    let stderr = wsprobe()
        .args(["check", "--cases", "1.1.1", &server.url])
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        stderr.contains("the server refused the WebSocket handshake: HTTP 403"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: is this the server's WebSocket path?"),
        "{stderr}"
    );
}

#[test]
fn report_has_every_case_with_its_wire_log() {
    let server = Careless::start();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("check.html");
    wsprobe()
        .args(["check", "--cases", "1.1.1,4.1.1", "--report"])
        .arg(&page)
        .arg(&server.url)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<h2 id=\"case-4.1.1\">4.1.1: <span class=\"ok\">OK</span> / <span class=\"fail\">FAILED</span></h2>"), "{html}");
    assert!(html.contains("→ opcode 3 (reserved), 0 B"), "{html}");
    assert!(html.contains("← opcode 3 (reserved), 0 B"), "{html}");
    assert!(
        html.contains("! the prober objects: data frame using reserved opcode 3"),
        "{html}"
    );
    assert!(
        html.contains("→ text, 0 B"),
        "the echo case's frame: {html}"
    );
}

#[test]
fn an_unwritable_report_is_a_usage_error_before_connecting() {
    let stderr = wsprobe()
        .args([
            "check",
            "--report",
            "/nonexistent/dir/check.html",
            "ws://127.0.0.1:1/",
        ])
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        stderr.contains("wsprobe: error: cannot write --report /nonexistent/dir/check.html"),
        "{stderr}"
    );
}

#[test]
fn a_server_that_never_answers_the_upgrade_times_out_with_exit_3() {
    let server = Server::tcp(|tcp| async move {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        drop(tcp);
    });
    let stderr = wsprobe()
        .args(["check", "--connect-timeout", "300ms", &server.url])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        stderr.contains("timed out after 300ms (--connect-timeout)"),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_stops_a_run_with_exit_130() {
    // The server never answers: every case waits for its own timers, about 2 s each.
    let server = crate::support::swallowing_server();
    let mut child = crate::support::wsprobe_std()
        .args(["check", "-j", "1", "--cases", "1.*", &server.url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    crate::support::signal(child.id(), "INT");
    let status = crate::support::wait_timeout(&mut child, std::time::Duration::from_secs(10));
    assert_eq!(status, Some(130));
}

#[test]
fn checks_a_server_on_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    listener.set_nonblocking(true).unwrap();
    // A tokio-tungstenite echo server on the socket, a task per connection.
    on_own_runtime(async move {
        let listener = tokio::net::UnixListener::from_std(listener).unwrap();
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(echo(stream));
        }
    });
    let url = format!("ws+unix://{}", path.display());
    let (code, report) = check_json(&url, &["--cases", "1.1.*,2.*"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["count"], 19);
    assert_eq!(report["totals"]["OK"], 19, "{report}");
}

#[test]
fn a_terminal_shows_a_progress_line_that_the_table_replaces() {
    use expectrl::Expect;
    let server = Listener::start(&["-q"]);
    let mut cmd = crate::support::wsprobe_std();
    cmd.env("TERM", "xterm")
        .args(["check", "-j", "1", "--cases", "5.19,5.20", &server.url]);
    let mut s = expectrl::Session::spawn(cmd).expect("spawn wsprobe in a pty");
    s.set_expect_timeout(Some(std::time::Duration::from_secs(20)));
    // After the first case (1 s of waits), the line says how far the run is.
    s.expect("checking: 1/2 cases (5.19)").unwrap();
    let rest = s.expect("total: OK=2").unwrap();
    let shown = crate::support::screen::render(rest.before());
    assert!(
        shown.iter().all(|l| !l.contains("checking:")),
        "the progress line is erased: {shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|l| l.contains("5 Fragmentation") && l.contains("OK 2")),
        "{shown:?}"
    );
}

/// A tokio-tungstenite echo server that takes one connection at a time: it answers the next
/// handshake only when the last connection is over (a blocking server's accept loop). It
/// ends with the test.
fn one_at_a_time_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    on_own_runtime(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        while let Ok((stream, _)) = listener.accept().await {
            echo(stream).await;
        }
    });
    url
}

/// A tokio-tungstenite echo: every text and binary message back, until the connection ends.
async fn echo<S>(stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(msg)) = ws.next().await {
        if (msg.is_text() || msg.is_binary())
            && futures_util::SinkExt::send(&mut ws, msg).await.is_err()
        {
            break;
        }
    }
}

/// Runs a server on a runtime of its own, on a thread that ends with the test.
fn on_own_runtime(serve: impl std::future::Future<Output = ()> + Send + 'static) {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(serve);
    });
}

#[test]
fn cases_that_could_not_connect_beside_others_run_again_alone() {
    // Queued behind cases that take a second or two, handshakes wait past the connect
    // timeout: those cases run again one at a time, and every verdict is the one a run of
    // one case at a time (Autobahn's way) gives.
    let url = one_at_a_time_server();
    let cases = ["--cases", "1.1.*,6.4.*,7.1.*", "--connect-timeout", "500ms"];
    let alone = check_json(&url, &[&cases[..], &["-j", "1"]].concat());
    let out = wsprobe()
        .args(["check", "--json"])
        .args(cases)
        .arg(&url)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("of the cases could not connect while others ran; running them again"),
        "{stderr}"
    );
    assert!(
        stderr.contains("each of them connected alone: the server seems to take one connection"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let side_by_side: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(out.status.code(), Some(alone.0), "{stdout}");
    let cases = alone.1["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 18);
    for id in cases.keys() {
        assert_eq!(
            verdicts(&side_by_side, id),
            verdicts(&alone.1, id),
            "{id}: {side_by_side}"
        );
    }
    assert_eq!(
        side_by_side["totals"]["FAILED"],
        alone.1["totals"]["FAILED"]
    );
}
