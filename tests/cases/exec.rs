//! `listen --exec`: a program per connection, its stdin/stdout bridged to the client.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{block_on, client, next_message, next_text, ClientWs, Listener};

/// Reads to the close frame; returns its code and reason.
async fn close_of(ws: &mut ClientWs) -> (u16, String) {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(f))))) => {
                return (u16::from(f.code), f.reason.to_string())
            }
            Ok(Some(Ok(Message::Close(None)))) => return (1005, String::new()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[test]
fn cat_turns_each_message_into_a_line_and_back() {
    let l = Listener::start(&["--exec", "cat"]);
    block_on(async {
        let mut ws = client(&l.url).await;
        for text in ["hello", "wörld", "third line"] {
            ws.send(Message::text(text)).await.unwrap();
            assert_eq!(next_text(&mut ws).await, text);
        }
        ws.close(None).await.unwrap();
    });
}

#[test]
fn binary_mode_passes_raw_bytes() {
    let l = Listener::start(&["--exec", "cat", "--binary"]);
    block_on(async {
        let mut ws = client(&l.url).await;
        let bytes = vec![0u8, 1, 2, b'\n', 0xff, 0xfe];
        ws.send(Message::binary(bytes.clone())).await.unwrap();
        let mut got = Vec::new();
        while got.len() < bytes.len() {
            match next_message(&mut ws).await {
                Message::Binary(b) => got.extend_from_slice(&b),
                other => panic!("expected binary, got {other:?}"),
            }
        }
        assert_eq!(got, bytes);
    });
}

#[test]
fn a_failing_program_closes_with_1011_after_its_output() {
    let l = Listener::start(&["--exec", "read l; echo \"bye $l\"; exit 7"]);
    block_on(async {
        let mut ws = client(&l.url).await;
        ws.send(Message::text("now")).await.unwrap();
        assert_eq!(next_text(&mut ws).await, "bye now");
        assert_eq!(
            close_of(&mut ws).await,
            (1011, "program exited with status 7".to_owned())
        );
    });
    let (_, log) = l.interrupt();
    assert!(log.contains("#1 EXIT 7"), "{log}");
}

#[test]
fn a_program_that_succeeds_closes_with_1000() {
    let l = Listener::start(&["--exec", "echo one; echo two"]);
    block_on(async {
        let mut ws = client(&l.url).await;
        assert_eq!(next_text(&mut ws).await, "one");
        assert_eq!(next_text(&mut ws).await, "two");
        assert_eq!(close_of(&mut ws).await, (1000, String::new()));
    });
}

#[test]
fn the_request_reaches_the_program_as_cgi_variables() {
    let l = Listener::start(&[
        "--exec",
        "echo \"$REQUEST_METHOD|$PATH_INFO|$QUERY_STRING|$HTTP_X_TOKEN|$REMOTE_ADDR|$SERVER_PORT|${HTTP_PROXY-unset}\"",
    ]);
    let port = l.url.rsplit(':').next().unwrap().to_owned();
    block_on(async {
        let mut req = format!("{}/chat%20room?user=ann", l.url)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert("X-Token", "abc".parse().unwrap());
        // A client must not be able to set the program's HTTP_PROXY ("httpoxy").
        req.headers_mut()
            .insert("Proxy", "http://evil.invalid".parse().unwrap());
        let mut ws = tokio_tungstenite::connect_async(req).await.unwrap().0;
        assert_eq!(
            next_text(&mut ws).await,
            format!("GET|/chat room|user=ann|abc|127.0.0.1|{port}|unset")
        );
    });
}

#[test]
fn stderr_is_logged_and_closing_the_connection_ends_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // The program and a child of its own: both must go when the client leaves.
    let script = format!(
        "sleep 60 & echo \"$$ $!\" > {}; echo oops >&2; echo started; wait",
        pids.display()
    );
    let l = Listener::start(&["--exec", &script]);
    block_on(async {
        let mut ws = client(&l.url).await;
        assert_eq!(next_text(&mut ws).await, "started");
        ws.close(None).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let pids: Vec<u32> = std::fs::read_to_string(&pids)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|p| alive(*p)) {
        assert!(Instant::now() < deadline, "still running: {pids:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, log) = l.interrupt();
    assert!(log.contains("#1 stderr: oops"), "{log}");
    assert!(log.contains("#1 EXIT signal 15"), "{log}");
}

/// Whether a process exists and is not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: `Z` is a zombie.
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn wsprobe_connect_talks_to_an_exec_program() {
    let l = Listener::start(&["--exec", "while read l; do echo \"got $l\"; done"]);
    let assert = crate::support::wsprobe()
        .args([&l.url, "-x", "a", "-x", "b", "-e", "got a", "-e", "got b"])
        .timeout(crate::support::RUN_TIMEOUT)
        .assert()
        .success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert_eq!(out, "got a\ngot b\n");
}

/// Sends `text` and the close frame in one flush, then reads to the end: the messages that
/// arrived, and the close.
async fn send_then_close(url: &str, text: &str) -> (Vec<String>, Option<(u16, String)>) {
    let mut ws = client(url).await;
    ws.feed(Message::text(text)).await.unwrap();
    ws.close(None).await.unwrap();
    let mut texts = Vec::new();
    let mut close = None;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        match msg {
            Message::Text(t) => texts.push(t.to_string()),
            Message::Close(f) => {
                close = Some(f.map_or((1005, String::new()), |f| {
                    (u16::from(f.code), f.reason.to_string())
                }))
            }
            _ => {}
        }
    }
    (texts, close)
}

#[test]
fn output_after_the_clients_close_is_sent_before_the_close_is_answered() {
    for (program, expected) in [("exec cat", "abc"), ("tr a-z A-Z", "ABC")] {
        let l = Listener::start(&["--exec", program]);
        let (texts, close) = block_on(send_then_close(&l.url, "abc"));
        assert_eq!(texts, [expected], "{program}");
        assert_eq!(close, Some((1000, String::new())), "{program}");
        let (_, log) = l.interrupt();
        assert!(log.contains("#1 CLOSING (remote)"), "{program}: {log}");
        assert!(
            log.contains("#1 CLOSED 1005 \"\" clean (remote)"),
            "{program}: {log}"
        );
        assert!(log.contains("#1 EXIT 0"), "{program}: {log}");
        assert!(!log.contains("ERROR"), "{program}: {log}");
    }
}

#[test]
fn wsprobe_connect_gets_what_the_program_prints_after_end_of_input() {
    let l = Listener::start(&["--exec", "tr a-z A-Z"]);
    let out = crate::support::wsprobe()
        .args(["-q", &l.url])
        .write_stdin("abc\n")
        .assert()
        .success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "ABC\n");
}

#[test]
fn a_program_that_keeps_running_after_the_close_is_cut_off_at_the_close_timeout() {
    // (The sleeps are short so that nothing outlives the test for long, whatever happens.)
    let l = Listener::start(&["--exec", "echo hi; sleep 10", "--close-timeout", "300ms"]);
    block_on(async {
        let mut ws = client(&l.url).await;
        assert_eq!(next_text(&mut ws).await, "hi");
        ws.close(None).await.unwrap();
        // The client's close is answered once the program had its time (long before close_of
        // gives up after 5 s).
        assert_eq!(close_of(&mut ws).await, (1005, String::new()));
    });
    // (That the program is then terminated is stderr_is_logged_and_closing_…'s business.)
    l.interrupt();
}

#[test]
fn a_program_that_does_not_read_its_input_cannot_hold_the_close_back() {
    // One never reads (its stdin pipe fills up), one closed its stdin; both keep running.
    for program in ["echo ready; sleep 10", "exec 0<&-; echo ready; sleep 10"] {
        let l = Listener::start(&["--exec", program, "--close-timeout", "300ms"]);
        block_on(async {
            let mut ws = client(&l.url).await;
            assert_eq!(next_text(&mut ws).await, "ready");
            let line = "x".repeat(1024);
            for _ in 0..200 {
                ws.feed(Message::text(line.clone())).await.unwrap();
            }
            ws.flush().await.unwrap();
            ws.close(None).await.unwrap();
            assert_eq!(close_of(&mut ws).await, (1005, String::new()), "{program}");
        });
        l.interrupt();
    }
}

#[test]
fn the_exit_is_logged_after_the_programs_last_stderr_line() {
    use std::io::BufRead;
    // Programs that exit right after writing much to stderr, on connections at once: the exit
    // is seen while their stderr is still being logged. The log is read a little slower than
    // listen writes it, as a terminal may be.
    const CONNECTIONS: usize = 8;
    let program = "i=0; while [ $i -lt 1000 ]; do printf 'err %s %0100d\\n' $i 0 >&2; \
                   i=$((i+1)); done; echo last >&2; exit 3";
    let mut child = crate::support::wsprobe_std()
        .args(["listen", "--exec", program, "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (n, line) in stderr.lines().enumerate() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
            if n % 20 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    let next = || {
        lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a log line")
    };
    let url = next().strip_prefix("listening on ").unwrap().to_owned();
    let clients = std::thread::spawn(move || {
        block_on(async {
            let all = (0..CONNECTIONS).map(|_| async {
                let mut ws = client(&url).await;
                close_of(&mut ws).await
            });
            futures_util::future::join_all(all).await
        })
    });
    // Connection number → whether its last stderr line came before its EXIT line.
    let mut last_seen = std::collections::HashSet::new();
    let mut exits = 0;
    while exits < CONNECTIONS {
        let line = next();
        let Some((_, rest)) = line.split_once('#') else {
            continue;
        };
        let (id, what) = rest.split_once(' ').unwrap();
        if what == "stderr: last" {
            last_seen.insert(id.to_owned());
        } else if what.starts_with("EXIT") {
            assert_eq!(what, "EXIT 3");
            assert!(
                last_seen.contains(id),
                "#{id} EXIT before its last stderr line"
            );
            exits += 1;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for close in clients.join().unwrap() {
        assert_eq!(close, (1011, "program exited with status 3".to_owned()));
    }
}
