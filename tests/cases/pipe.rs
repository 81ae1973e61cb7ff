//! Pipe mode: stdin → messages → peer → messages → stdout, with nothing lost.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{close_with, collecting_server, wsprobe, Printed, Server};

#[test]
fn text_lines_round_trip_through_an_echo_server() {
    let server = Server::echo();
    let out = wsprobe()
        .arg(&server.url)
        .write_stdin("hello\nwörld\n\nlast line without newline")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "hello\nwörld\n\nlast line without newline\n"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("OPEN"), "{stderr}");
    assert!(
        stderr.contains("CLOSED 1000 \"\" clean (local)"),
        "{stderr}"
    );
}

#[test]
fn each_line_is_one_text_message_and_crlf_is_a_line_ending() {
    let (server, seen) = collecting_server();
    wsprobe()
        .arg(&server.url)
        .write_stdin("one\r\ntwo\nthree")
        .assert()
        .success();
    assert_eq!(*seen.lock().unwrap(), ["one", "two", "three"]);
}

#[test]
fn a_hundred_thousand_lines_arrive_in_order_with_none_lost() {
    let server = Server::echo();
    let input: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
    let out = wsprobe()
        .args(["-q", &server.url])
        .write_stdin(input.clone())
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out.len(), input.len());
    assert!(
        out == input.as_bytes(),
        "echoed lines differ from the input"
    );
}

#[test]
fn a_ten_mib_text_message_round_trips() {
    let server = Server::echo();
    let line = "x".repeat(10 << 20);
    let out = wsprobe()
        .args(["-q", &server.url])
        .write_stdin(format!("{line}\n"))
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out.len(), line.len() + 1);
    assert!(out[..line.len()] == *line.as_bytes());
}

#[test]
fn binary_stdin_round_trips_raw() {
    let server = Server::echo();
    // Every byte value, several chunks' worth.
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let out = wsprobe()
        .args(["-q", "--binary", &server.url])
        .write_stdin(data.clone())
        .assert()
        .success()
        .stdout_bytes();
    assert!(out == data, "binary round trip differs");
}

#[test]
fn binary_chunks_follow_chunk_size() {
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let s = sizes.clone();
    let server = Server::ws(move |mut ws| {
        let s = s.clone();
        async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Binary(b) = msg {
                    s.lock().unwrap().push(b.len());
                }
            }
        }
    });
    wsprobe()
        .args(["--binary", "--chunk-size", "1KiB", &server.url])
        .write_stdin(vec![7u8; 5000])
        .assert()
        .success();
    let sizes = sizes.lock().unwrap();
    assert_eq!(sizes.iter().sum::<usize>(), 5000);
    assert!(sizes.iter().all(|&n| n <= 1024), "{sizes:?}");
}

#[test]
fn a_ten_mib_binary_message_from_the_server_is_written_raw() {
    let server = Server::ws(|mut ws| async move {
        let data: Vec<u8> = (0..10u32 << 20).map(|i| (i % 251) as u8).collect();
        ws.send(Message::Binary(data.into())).await.unwrap();
        close_with(&mut ws, 1000, "").await;
    });
    let out = wsprobe()
        .args(["-q", &server.url])
        .write_stdin("")
        .assert()
        .success()
        .stdout_bytes();
    let want: Vec<u8> = (0..10u32 << 20).map(|i| (i % 251) as u8).collect();
    assert_eq!(out.len(), want.len());
    assert!(out == want);
}

#[test]
fn binary_output_formats() {
    let server = Server::ws(|mut ws| async move {
        ws.send(Message::Binary(vec![0x00, 0x41, 0xff].into()))
            .await
            .unwrap();
        close_with(&mut ws, 1000, "").await;
    });
    let hex = wsprobe()
        .args(["-q", "--binary-output", "hex", &server.url])
        .write_stdin("")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(
        String::from_utf8(hex).unwrap(),
        "00000000  00 41 ff                                          |.A.|\n"
    );
    let b64 = wsprobe()
        .args(["-q", "--binary-output", "base64", &server.url])
        .write_stdin("")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(String::from_utf8(b64).unwrap(), "AEH/\n");
}

#[test]
fn nul_separated_messages_both_ways() {
    let server = Server::echo();
    let out = wsprobe()
        .args(["-q", "--null", &server.url])
        .write_stdin("a\nb\0c\0")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"a\nb\0c\0");
}

#[test]
fn input_piped_before_the_handshake_completes_is_sent_after_open() {
    // The server takes its time before answering the upgrade; stdin is already at EOF.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let server = Server::tcp(move |tcp| {
        let s = s.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(700)).await;
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            while let Some(Ok(msg)) = ws.next().await {
                if let Message::Text(t) = msg {
                    s.lock().unwrap().push(t.to_string());
                }
            }
        }
    });
    wsprobe()
        .arg(&server.url)
        .write_stdin("early 1\nearly 2\nearly 3\n")
        .assert()
        .success();
    assert_eq!(*seen.lock().unwrap(), ["early 1", "early 2", "early 3"]);
}

#[test]
fn invalid_utf8_on_stdin_is_an_error_not_a_silent_drop() {
    let server = Server::echo();
    let out = wsprobe()
        .arg(&server.url)
        .write_stdin(b"ok\n\xff\xfe\n".to_vec())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("stdin record 2 is not valid UTF-8"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: use --binary"), "{stderr}");
}

#[test]
fn headers_origin_and_subprotocol_reach_the_server() {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let server = Server::tcp(move |tcp| {
        let s = s.clone();
        async move {
            #[allow(clippy::result_large_err)]
            let cb = |req: &tokio_tungstenite::tungstenite::handshake::server::Request,
                      mut resp: tokio_tungstenite::tungstenite::handshake::server::Response| {
                let h = req.headers();
                let get = |n: &str| h.get(n).map(|v| v.to_str().unwrap().to_owned());
                *s.lock().unwrap() = Some((
                    get("x-token"),
                    get("origin"),
                    get("sec-websocket-protocol"),
                    req.uri().to_string(),
                ));
                resp.headers_mut()
                    .insert("sec-websocket-protocol", "chat".parse().unwrap());
                Ok(resp)
            };
            let mut ws = tokio_tungstenite::accept_hdr_async(tcp, cb).await.unwrap();
            while let Some(Ok(_)) = ws.next().await {}
        }
    });
    let stderr = wsprobe()
        .args([
            "connect",
            &format!("{}path?q=1", server.url),
            "-H",
            "X-Token: secret",
            "-o",
            "https://example.test",
            "-s",
            "chat",
            "-s",
            "superchat",
        ])
        .write_stdin("")
        .assert()
        .success()
        .stderr_text();
    let (token, origin, proto, uri) = seen.lock().unwrap().clone().unwrap();
    assert_eq!(token.as_deref(), Some("secret"));
    assert_eq!(origin.as_deref(), Some("https://example.test"));
    assert_eq!(proto.as_deref(), Some("chat, superchat"));
    assert_eq!(uri, "/path?q=1");
    assert!(stderr.contains("protocol=chat"), "{stderr}");
}

#[test]
fn echo_mode_reflects_messages_with_their_type() {
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let server = Server::ws(move |mut ws| {
        let g = g.clone();
        async move {
            ws.send(Message::text("ping me")).await.unwrap();
            ws.send(Message::Binary(vec![1, 2, 3].into()))
                .await
                .unwrap();
            for _ in 0..2 {
                let msg = ws.next().await.unwrap().unwrap();
                g.lock().unwrap().push(msg);
            }
            close_with(&mut ws, 1000, "done").await;
        }
    });
    wsprobe()
        .args(["connect", "--echo", &server.url])
        .assert()
        .success();
    let got = got.lock().unwrap();
    assert_eq!(got[0], Message::text("ping me"));
    assert_eq!(got[1], Message::Binary(vec![1, 2, 3].into()));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let server = Server::echo();
    let always = wsprobe()
        .args(["--color", "always", &server.url])
        .write_stdin("x\n")
        .assert()
        .success()
        .stderr_text();
    assert!(always.contains("\x1b["), "{always:?}");
    // Not a terminal: auto means no colour, and so does never.
    for args in [vec!["--color", "never"], vec![]] {
        let plain = wsprobe()
            .args(args)
            .arg(&server.url)
            .write_stdin("x\n")
            .assert()
            .success()
            .stderr_text();
        assert!(!plain.contains('\x1b'), "{plain:?}");
    }
    // Payloads on stdout are never coloured.
    let out = wsprobe()
        .args(["--color", "always", &server.url])
        .write_stdin("x\n")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"x\n");
}
