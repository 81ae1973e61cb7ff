//! The interactive session, driven in a real pseudo-terminal (expectrl) against real servers.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::{ControlCode, Expect, Session};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{close_with, screen, wsprobe, wsprobe_std, Server};

type Pty = Session<expectrl::process::unix::UnixProcess, expectrl::process::unix::PtyStream>;

fn repl(url: &str, extra: &[&str], data_home: &Path) -> Pty {
    let mut cmd = wsprobe_std();
    cmd.env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env("XDG_DATA_HOME", data_home)
        .args(["connect", url])
        .args(extra);
    let mut s = Session::spawn(cmd).expect("spawn wsprobe in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(10)));
    s
}

fn expect(s: &mut Pty, needle: &str) {
    if let Err(e) = s.expect(needle) {
        let rest = s
            .check(expectrl::Regex("(?s).+"))
            .map(|c| String::from_utf8_lossy(c.as_bytes()).into_owned())
            .unwrap_or_default();
        panic!("{needle:?} did not appear: {e}; the terminal shows: {rest:?}");
    }
}

/// Waits (bounded) for the session to exit; returns its status.
fn exit_code(s: &mut Pty) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    // Keep reading so the child never blocks on a full pty.
    s.set_expect_timeout(Some(Duration::from_millis(100)));
    loop {
        match s.get_process().status() {
            Ok(WaitStatus::Exited(_, code)) => return code,
            Ok(WaitStatus::Signaled(_, sig, _)) => panic!("killed by {sig:?}"),
            _ => {}
        }
        assert!(Instant::now() < deadline, "the session did not exit");
        let _ = s.expect(expectrl::Eof);
    }
}

/// A session whose every byte of output is kept, to look at the screen as the user saw it.
struct Recorded {
    s: Pty,
    seen: Vec<u8>,
}

impl Recorded {
    fn new(s: Pty) -> Recorded {
        Recorded {
            s,
            seen: Vec::new(),
        }
    }

    fn expect(&mut self, needle: &str) {
        match self.s.expect(needle) {
            Ok(c) => self.seen.extend_from_slice(c.as_bytes()),
            Err(e) => panic!(
                "{needle:?} did not appear: {e}; the screen shows:\n{}",
                screen::render(&self.seen).join("\n")
            ),
        }
    }

    /// Types a line once the prompt is back (the previous answer was drawn above it).
    fn type_line(&mut self, line: &str) {
        self.s.send(format!("{line}\r")).unwrap();
    }

    /// Waits (bounded) for the session to exit; its status and the final screen.
    fn finish(mut self) -> (i32, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        self.s.set_expect_timeout(Some(Duration::from_millis(100)));
        loop {
            if let Ok(c) = self.s.expect(expectrl::Eof) {
                self.seen.extend_from_slice(c.as_bytes());
            }
            match self.s.get_process().status() {
                Ok(WaitStatus::Exited(_, code)) => {
                    if let Ok(c) = self.s.expect(expectrl::Eof) {
                        self.seen.extend_from_slice(c.as_bytes());
                    }
                    return (code, screen::render(&self.seen));
                }
                Ok(WaitStatus::Signaled(_, sig, _)) => panic!("killed by {sig:?}"),
                _ => {}
            }
            assert!(
                Instant::now() < deadline,
                "the session did not exit; the screen shows:\n{}",
                screen::render(&self.seen).join("\n")
            );
        }
    }
}

/// The rows of `screen` that start with `prefix`.
fn rows<'a>(screen: &'a [String], prefix: &str) -> Vec<&'a String> {
    screen.iter().filter(|r| r.starts_with(prefix)).collect()
}

#[test]
fn no_line_is_lost_erased_or_merged_with_another_over_many_starts() {
    let server = Server::echo();
    let home = tempfile::tempdir().unwrap();
    // Every line the session prints, by how its row starts.
    let expected = [
        "CONNECTING ws://127.0.0.1:",
        "OPEN ",
        "Type a message and press Enter; /help lists the commands.",
        "< hello",
        "readyState      OPEN",
        "url             ws://127.0.0.1:",
        "protocol        -",
        "extensions      -",
        "bufferedAmount  0",
        "messages in     1 (5 B)",
        "messages out    1 (5 B)",
        "pings sent      0 (pongs 0)",
        "uptime          ",
        "Type a line to send it as a text message.",
        "  /ping ",
        "  /pong ",
        "  /close ",
        "  /binary ",
        "  /text ",
        "  /state ",
        "  /headers ",
        "  /pretty ",
        "  /help ",
        "  /quit ",
        "  //TEXT ",
        "Ctrl-C clears the line; Ctrl-C twice closes and exits (130).",
        "error: close code 1005 cannot be sent",
        "CLOSING (local) 1000 \"\"",
        "CLOSED 1000 \"\" clean (local)",
    ];
    // Words that belong to one line each: seen anywhere else, two lines were merged.
    let once = [
        "CONNECTING",
        "OPEN ",
        "< hello",
        "readyState  ",
        "uptime  ",
        "//TEXT",
        "Ctrl-C twice",
        "error:",
        "CLOSING (",
        "CLOSED 1",
    ];
    for start in 1..=16 {
        let mut r = Recorded::new(repl(&server.url, &["--no-history"], home.path()));
        r.expect("/help lists the commands.");
        r.expect("> ");
        r.type_line("hello");
        r.expect("< hello");
        r.type_line("/state");
        r.expect("uptime");
        r.type_line("/help");
        r.expect("Ctrl-C twice closes and exits (130).");
        r.type_line("/close 1005");
        r.expect("cannot be sent");
        r.type_line("/close");
        let (code, screen) = r.finish();
        let shown = screen.join("\n");
        assert_eq!(code, 0, "start {start}; the screen shows:\n{shown}");
        for prefix in expected {
            assert_eq!(
                rows(&screen, prefix).len(),
                1,
                "start {start}: {prefix:?} is not on exactly one row of its own; \
                 the screen shows:\n{shown}"
            );
        }
        for word in once {
            let found = screen.iter().filter(|r| r.contains(word)).count();
            assert_eq!(
                found, 1,
                "start {start}: {word:?} is on {found} rows; the screen shows:\n{shown}"
            );
        }
        // The prompt is gone at the end: the last row is the CLOSED line.
        let last = screen.iter().rev().find(|r| !r.is_empty()).unwrap();
        assert!(last.starts_with("CLOSED 1000"), "start {start}:\n{shown}");
    }
}

#[test]
fn help_is_aligned_and_tab_after_a_lone_slash_lists_the_commands() {
    let server = Server::echo();
    let home = tempfile::tempdir().unwrap();
    let mut r = Recorded::new(repl(&server.url, &["--no-history"], home.path()));
    r.expect("/help lists the commands.");
    r.expect("> ");
    r.s.send("/\t").unwrap();
    r.expect("/quit");
    r.expect("> /");
    // The line still holds the `/`: complete it by hand.
    r.type_line("help");
    r.expect("Ctrl-C twice closes and exits (130).");
    r.type_line("/quit");
    let (code, screen) = r.finish();
    let shown = screen.join("\n");
    assert_eq!(code, 0, "{shown}");
    let names = [
        "/ping",
        "/pong",
        "/close",
        "/binary",
        "/text",
        "/compress",
        "/fragment",
        "/emit",
        "/query",
        "/subscribe",
        "/complete",
        "/unsubscribe",
        "/send",
        "/state",
        "/headers",
        "/pretty",
        "/help",
        "/quit",
    ];
    // The list Tab showed: rows naming every command once, and nothing else.
    let mut listed: Vec<&str> = screen
        .iter()
        .filter(|r| r.starts_with('/'))
        .flat_map(|r| r.split_whitespace())
        .collect();
    listed.sort_unstable();
    let mut all = names.to_vec();
    all.sort_unstable();
    assert_eq!(listed, all, "{shown}");
    // /help: every description starts in the same column.
    let help: Vec<&String> = screen.iter().filter(|r| r.starts_with("  /")).collect();
    assert_eq!(help.len(), names.len() + 1, "{shown}");
    let columns: Vec<usize> = help
        .iter()
        .map(|r| {
            // In characters: `…` is one column and three bytes.
            let r: Vec<char> = r.chars().collect();
            let gap = (2..r.len())
                .find(|&i| r[i] == ' ' && r[i + 1] == ' ')
                .unwrap();
            (gap..r.len()).find(|&i| r[i] != ' ').unwrap()
        })
        .collect();
    assert!(
        columns.iter().all(|&c| c == columns[0]),
        "descriptions start at {columns:?}:\n{shown}"
    );
}

#[test]
fn headers_are_shown_indented_under_a_heading_not_behind_message_markers() {
    let server = Server::echo();
    let home = tempfile::tempdir().unwrap();
    let mut r = Recorded::new(repl(&server.url, &["--no-history"], home.path()));
    r.expect("/help lists the commands.");
    r.expect("> ");
    r.type_line("/headers");
    r.expect("ccept: ");
    r.type_line("/quit");
    let (code, screen) = r.finish();
    let shown = screen.join("\n");
    assert_eq!(code, 0, "{shown}");
    let at = |row: &str| {
        screen
            .iter()
            .position(|r| r == row || r.starts_with(&format!("{row} ")))
            .unwrap_or_else(|| panic!("no row {row:?}:\n{shown}"))
    };
    let (request, get, response, status) = (
        at("request:"),
        at("  GET / HTTP/1.1"),
        at("response:"),
        at("  HTTP/1.1 101 Switching Protocols"),
    );
    assert!(
        request < get && get < response && response < status,
        "{shown}"
    );
    assert_eq!(rows(&screen, "  Sec-WebSocket-Key: ").len(), 1, "{shown}");
    // `>` starts only the lines that were typed; `<` only received messages (none here).
    for row in &screen {
        assert!(
            !row.starts_with('>') || row == "> /headers" || row == "> /quit",
            "{row:?} looks like a line that was sent:\n{shown}"
        );
        assert!(!row.starts_with('<'), "{row:?}:\n{shown}");
    }
}

#[test]
fn interactive_with_piped_stdin_sends_each_line_and_closes_at_its_end() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let server = Server::ws(move |mut ws| {
        let seen = s2.clone();
        async move {
            while let Some(Ok(m)) = ws.next().await {
                let echo = m.is_text();
                seen.lock().unwrap().push(m.clone());
                if echo && ws.send(m).await.is_err() {
                    break;
                }
            }
        }
    });
    let out = wsprobe()
        .args(["connect", &server.url, "-i"])
        .write_stdin("hello\n/ping are you there\n//slash\n/state\nworld\n")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "terminal escapes in a pipe: {stderr:?}"
    );
    assert!(!stderr.contains('\r'), "{stderr:?}");
    // Piped lines wait for OPEN: /state shows the open connection.
    for line in [
        "< hello",
        "< /slash",
        "< world",
        "readyState      OPEN",
        "CLOSED 1000",
    ] {
        assert!(
            stderr.lines().any(|l| l.starts_with(line)),
            "no {line:?}: {stderr}"
        );
    }
    drop(server);
    let seen = seen.lock().unwrap();
    let texts: Vec<&str> = seen
        .iter()
        .filter(|m| m.is_text())
        .filter_map(|m| m.to_text().ok())
        .collect();
    assert_eq!(texts, ["hello", "/slash", "world"], "{seen:?}");
    assert!(
        seen.iter()
            .any(|m| matches!(m, Message::Ping(p) if &p[..] == b"are you there")),
        "{seen:?}"
    );
    assert!(
        matches!(seen.last(), Some(Message::Close(Some(f))) if u16::from(f.code) == 1000),
        "no close frame last: {seen:?}"
    );
}

#[test]
fn interactive_with_piped_stdin_closes_with_the_code_asked_after_what_came_before() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let server = Server::ws(move |mut ws| {
        let seen = s2.clone();
        async move {
            while let Some(Ok(m)) = ws.next().await {
                seen.lock().unwrap().push(m);
            }
        }
    });
    let big = "x".repeat(200_000);
    let out = wsprobe()
        .args(["connect", &server.url, "-i"])
        .write_stdin(format!("{big}\n/close 4000 done\nnever sent\n"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains("CLOSED 4000 \"done\" clean (local)"),
        "{stderr}"
    );
    drop(server);
    // What the server got, in order: the long line whole, then the close; /close ended the
    // input.
    let seen: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|m| match m {
            Message::Text(t) => format!("text {}", t.len()),
            Message::Close(Some(f)) => format!("close {}", u16::from(f.code)),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(seen, ["text 200000", "close 4000"]);
}

#[test]
fn a_typed_line_is_sent_and_its_echo_shown() {
    let server = Server::echo();
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    expect(&mut s, "/help lists the commands");
    s.send_line("hello there").unwrap();
    expect(&mut s, "< hello there");
    s.send_line("//slash first").unwrap();
    expect(&mut s, "< /slash first");
    s.send_line("/binary 01 02 ff").unwrap();
    expect(&mut s, "< binary 3 B");
    let file = home.path().join("note.txt");
    std::fs::write(&file, "from a file").unwrap();
    s.send_line(format!("/text @{}", file.display())).unwrap();
    expect(&mut s, "< from a file");
    s.send_line("/headers").unwrap();
    expect(&mut s, "  Sec-WebSocket-Key: ");
    expect(&mut s, "  HTTP/1.1 101 Switching Protocols");
    s.send_line("/help").unwrap();
    expect(&mut s, "/close");
    s.send_line("/quit").unwrap();
    expect(&mut s, "CLOSED 1000");
    assert_eq!(exit_code(&mut s), 0);
}

#[test]
fn a_message_arriving_mid_line_leaves_the_typed_text_intact() {
    let server = Server::ws(|mut ws| async move {
        while let Some(Ok(m)) = ws.next().await {
            if m.to_text().ok() == Some("trigger") {
                tokio::time::sleep(Duration::from_millis(700)).await;
                let _ = ws.send(Message::text("pushed while you typed")).await;
            } else if m.is_text() && ws.send(m).await.is_err() {
                break;
            }
        }
    });
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    s.send_line("trigger").unwrap();
    // Type like a person: the next keys come after the prompt is back (rustyline drops
    // bytes that arrive in the same read as the Enter before them).
    std::thread::sleep(Duration::from_millis(200));
    s.send("half-").unwrap();
    expect(&mut s, "< pushed while you typed");
    s.send("typed\r").unwrap();
    // The server echoes the whole line: nothing typed before the message was lost.
    expect(&mut s, "< half-typed");
}

#[test]
fn ping_shows_the_round_trip_time() {
    let server = Server::echo();
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    s.send_line("/ping are you there").unwrap();
    expect(&mut s, "< pong 13 B are you there rtt=");
}

#[test]
fn close_with_a_code_shows_the_transitions_and_reaches_the_server() {
    let seen = Arc::new(Mutex::new(None));
    let s2 = seen.clone();
    let server = Server::ws(move |mut ws| {
        let seen = s2.clone();
        async move {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Close(Some(f)) = m {
                    *seen.lock().unwrap() = Some((u16::from(f.code), f.reason.to_string()));
                }
            }
        }
    });
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    // An invalid code is refused and the session goes on.
    s.send_line("/close 1005").unwrap();
    expect(&mut s, "error: close code 1005 cannot be sent");
    s.send_line("/nope").unwrap();
    expect(&mut s, "error: unknown command /nope");
    s.send_line("/state").unwrap();
    expect(&mut s, "readyState      OPEN");
    expect(&mut s, "bufferedAmount  0");
    s.send_line("/close 4000 done").unwrap();
    expect(&mut s, "CLOSING (local) 4000 \"done\"");
    expect(&mut s, "CLOSED 4000 \"done\" clean (local)");
    assert_eq!(exit_code(&mut s), 0);
    drop(server);
    assert_eq!(*seen.lock().unwrap(), Some((4000, "done".to_owned())));
}

#[test]
fn the_peer_closing_ends_the_session_with_its_status() {
    let server = Server::ws(|mut ws| async move {
        let _ = ws.next().await;
        close_with(&mut ws, 4001, "bye").await;
    });
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    s.send_line("anything").unwrap();
    expect(&mut s, "CLOSED 4001 \"bye\" clean (remote)");
    // Not waiting for input any more: the session is over.
    assert_eq!(exit_code(&mut s), 4);
}

/// Whether the pty is in canonical (line) mode, as a terminal is outside a prompt.
fn canonical(s: &Pty) -> bool {
    let master = s
        .get_process()
        .get_raw_handle()
        .expect("the pty's descriptor");
    let mode = rustix::termios::tcgetattr(&master).expect("tcgetattr on the pty");
    mode.local_modes
        .contains(rustix::termios::LocalModes::ICANON)
}

/// The terminal is given back as it was found (canonical mode) when the peer ends the session
/// while the prompt is up and in raw mode: the terminal guard restores it.
#[test]
fn the_terminal_mode_is_restored_when_the_peer_ends_the_session() {
    let server = Server::ws(|mut ws| async move {
        let _ = ws.next().await;
        close_with(&mut ws, 1000, "").await;
    });
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "/help lists the commands");
    let deadline = Instant::now() + Duration::from_secs(10);
    while canonical(&s) {
        assert!(
            Instant::now() < deadline,
            "the prompt never left canonical mode"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    s.send_line("bye").unwrap();
    expect(&mut s, "CLOSED 1000");
    assert_eq!(exit_code(&mut s), 0);
    assert!(canonical(&s), "the terminal was left in raw mode");
}

#[test]
fn binary_messages_are_shown_as_a_hex_dump() {
    let server = Server::ws(|mut ws| async move {
        let _ = ws.send(Message::binary(vec![0x00, 0x41, 0xff])).await;
        let _ = ws.send(Message::text("{\"a\":[1,2]}")).await;
        while let Some(Ok(_)) = ws.next().await {}
    });
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &["--pretty-json"], home.path());
    expect(&mut s, "< binary 3 B");
    expect(&mut s, "00000000  00 41 ff");
    expect(&mut s, "|.A.|");
    expect(&mut s, "<   \"a\": [");
}

#[test]
fn tab_completes_commands_and_pong_and_binary_files_reach_the_server() {
    let server = Server::ws(|mut ws| async move {
        while let Some(Ok(m)) = ws.next().await {
            let answer = match m {
                Message::Pong(p) => format!("got pong {}", String::from_utf8_lossy(&p)),
                Message::Binary(b) => format!("got {} bytes", b.len()),
                _ => continue,
            };
            if ws.send(Message::text(answer)).await.is_err() {
                break;
            }
        }
    });
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("blob.bin");
    std::fs::write(&file, [0u8; 300]).unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    // "/sta" + Tab completes to "/state ".
    s.send("/sta\t").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    s.send("\r").unwrap();
    expect(&mut s, "readyState      OPEN");
    s.send_line("/pong unasked").unwrap();
    expect(&mut s, "pong sent (7 B): unasked");
    expect(&mut s, "< got pong unasked");
    s.send_line("/pong").unwrap();
    expect(&mut s, "pong sent (no payload)");
    expect(&mut s, "< got pong \r");
    s.send_line(format!("/binary @{}", file.display())).unwrap();
    expect(&mut s, "< got 300 bytes");
}

#[test]
fn show_ping_pong_shows_the_peers_control_frames() {
    let server = Server::ws(|mut ws| async move {
        let _ = ws.send(Message::Ping("srv".into())).await;
        while let Some(Ok(_)) = ws.next().await {}
    });
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &["-P", "--timestamps"], home.path());
    // With --timestamps every line starts with the wall-clock time.
    if let Err(e) = s.expect(expectrl::Regex(r"\d\d:\d\d:\d\d\.\d{3} < ping 3 B srv")) {
        panic!("no timestamped ping line: {e}");
    }
}

#[test]
fn ctrl_c_twice_closes_and_exits_130() {
    let server = Server::echo();
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    s.send(ControlCode::EndOfText).unwrap();
    expect(&mut s, "Ctrl-C again to close and exit");
    s.send(ControlCode::EndOfText).unwrap();
    expect(&mut s, "CLOSED 1000");
    assert_eq!(exit_code(&mut s), 130);
}

#[test]
fn history_survives_a_restart() {
    let server = Server::echo();
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    s.send_line("remember me").unwrap();
    expect(&mut s, "< remember me");
    s.send(ControlCode::EndOfTransmission).unwrap(); // Ctrl-D: close politely
    assert_eq!(exit_code(&mut s), 0);
    let file = home.path().join("wsprobe/history");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("remember me"), "{saved}");

    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    s.send("\x1b[A").unwrap(); // Up: the last line of the previous session
    s.send("\r").unwrap();
    expect(&mut s, "< remember me");

    // --no-history neither reads nor writes it.
    let mut s = repl(&server.url, &["--no-history"], home.path());
    expect(&mut s, "OPEN");
    s.send_line("not kept").unwrap();
    expect(&mut s, "< not kept");
    s.send_line("/quit").unwrap();
    assert_eq!(exit_code(&mut s), 0);
    assert!(!std::fs::read_to_string(&file).unwrap().contains("not kept"));
}

#[test]
fn sigterm_closes_the_session_politely_and_exits_143() {
    let seen: Arc<Mutex<Option<u16>>> = Arc::new(Mutex::new(None));
    let s2 = seen.clone();
    let server = Server::ws(move |mut ws| {
        let s2 = s2.clone();
        async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Close(f) = msg {
                    *s2.lock().unwrap() = Some(f.map(|f| u16::from(f.code)).unwrap_or(1005));
                }
            }
        }
    });
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &[], home.path());
    expect(&mut s, "OPEN");
    let pid = s.get_process().pid().as_raw() as u32;
    crate::support::signal(pid, "TERM");
    expect(&mut s, "CLOSED 1000");
    assert_eq!(exit_code(&mut s), 143);
    for _ in 0..100 {
        if seen.lock().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        *seen.lock().unwrap(),
        Some(1000),
        "the server saw no close frame"
    );
}

#[test]
fn a_protocols_session_says_what_a_typed_line_is() {
    let server = crate::support::socketio::server(crate::support::socketio::Shape::default());
    let home = tempfile::tempdir().unwrap();
    let mut s = repl(&server.url, &["--socketio"], home.path());
    expect(&mut s, "Type an event as a JSON array");
    expect(&mut s, "CONNECTED namespace /");
    s.send_line(r#"["echo","hi"]"#).unwrap();
    expect(&mut s, r#"< ["echo","hi"]"#);
    s.send_line("/quit").unwrap();
    expect(&mut s, "CLOSED 1000");
    assert_eq!(exit_code(&mut s), 0);
}
