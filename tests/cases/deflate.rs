//! permessage-deflate (RFC 7692) and frame-level sending, against a raw peer written from the
//! RFCs with flate2 (tests/support/deflate.rs): what the client offers and accepts, what the
//! server answers, that what wsprobe sends inflates with the negotiated window and context
//! rules, and that hostile compressed data (bombs, garbage, RSV1 where it may not be) ends the
//! connection with the right close code and one clear line.

use std::sync::mpsc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::support::deflate::{self as raw, Codec, Frame, Received};
use crate::support::{json_lines, run_open_stdin, wsprobe, Listener, Server};

const WAIT: Duration = Duration::from_secs(10);

/// A raw server that accepts with `answer` and then, for each data message, reports it and
/// echoes it back compressed (with `codec`'s settings); the close is answered.
fn echoing_server(
    answer: &'static str,
    codec: fn() -> Codec,
) -> (Server, mpsc::Receiver<(String, Received)>) {
    let (tx, rx) = mpsc::channel();
    let server = Server::tcp(move |mut tcp| {
        let tx = tx.clone();
        async move {
            let head = raw::accept(&mut tcp, Some(answer), &[]).await;
            let mut c = codec();
            while let Some(m) = raw::read_message(&mut tcp, &mut c).await {
                match m.opcode {
                    1 | 2 => {
                        let packed = c.compress(&m.data);
                        let reply = raw::frame(true, true, m.opcode, &packed, false);
                        tcp.write_all(&reply).await.unwrap();
                        let _ = tx.send((head.clone(), m));
                    }
                    8 => {
                        let _ = tcp
                            .write_all(&raw::frame(true, false, 8, &m.data, false))
                            .await;
                        break;
                    }
                    _ => {}
                }
            }
        }
    });
    (server, rx)
}

fn default_codec() -> Codec {
    Codec::new(15, 15)
}

#[test]
fn messages_go_compressed_and_come_back_inflated_with_their_compressed_size() {
    let (server, seen) = echoing_server("permessage-deflate", default_codec);
    let long = raw::compressible(20_000);
    let input = format!("hello\n{long}\nhello\n");
    let out = wsprobe()
        .args(["--json", &server.url])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let events = json_lines(&out);
    let open = events.iter().find(|e| e["event"] == "open").unwrap();
    assert_eq!(
        open["extensions"],
        serde_json::json!(["permessage-deflate"])
    );
    let msgs: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "message").collect();
    assert_eq!(msgs.len(), 3, "{events:?}");
    assert_eq!(msgs[1]["data"], long.as_str());
    assert_eq!(msgs[1]["len"], 20_000);
    let compressed = msgs[1]["compressed_len"].as_u64().unwrap();
    assert!(compressed > 0 && compressed < 5_000, "{:?}", msgs[1]);
    // The second "hello" reuses the context: it is smaller on the wire than the first.
    let first = msgs[0]["compressed_len"].as_u64().unwrap();
    let again = msgs[2]["compressed_len"].as_u64().unwrap();
    assert!(again < first, "{first} then {again}");
    // What the server read: three compressed messages, one frame each, that inflate as sent.
    let got: Vec<(String, Received)> = (0..3).map(|_| seen.recv_timeout(WAIT).unwrap()).collect();
    assert_eq!(
        raw::header(&got[0].0, "sec-websocket-extensions").as_deref(),
        Some("permessage-deflate; client_max_window_bits")
    );
    for ((_, m), want) in got.iter().zip(["hello", long.as_str(), "hello"]) {
        assert_eq!(m.frames.len(), 1);
        assert!(m.frames[0].rsv1, "{:?}", m.frames[0]);
        assert_eq!(m.data, want.as_bytes());
    }
}

#[test]
fn the_rfc_examples_arriving_with_the_101_all_read() {
    // RFC 7692 §7.2.3: one compressed "Hello", the same in two fragments, with a stored
    // (uncompressed) deflate block, and a second message using the first's context.
    let mut frames = Vec::new();
    frames.extend_from_slice(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    frames.extend_from_slice(&[
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ]);
    frames.extend_from_slice(&[
        0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ]);
    frames.extend_from_slice(&[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
    frames.extend_from_slice(&raw::frame(true, false, 8, &[0x03, 0xe8], false));
    let server = Server::tcp(move |mut tcp| {
        let frames = frames.clone();
        async move {
            raw::accept(&mut tcp, Some("permessage-deflate"), &frames).await;
            let mut c = default_codec();
            // Until wsprobe's answer to the close.
            while let Some(m) = raw::read_message(&mut tcp, &mut c).await {
                if m.opcode == 8 {
                    break;
                }
            }
        }
    });
    let run = run_open_stdin(&[&server.url], "");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "Hello\nHello\nHello\nHello\n"
    );
}

/// A server that negotiates, sends `frames` and reports the close code wsprobe answers with.
fn sending_server(answer: Option<&'static str>, frames: Vec<u8>) -> (Server, mpsc::Receiver<u16>) {
    let (tx, rx) = mpsc::channel();
    let server = Server::tcp(move |mut tcp| {
        let (tx, frames) = (tx.clone(), frames.clone());
        async move {
            raw::accept(&mut tcp, answer, &[]).await;
            tcp.write_all(&frames).await.unwrap();
            while let Some(f) = raw::read_frame(&mut tcp).await {
                if f.opcode == 8 {
                    let _ = tx.send(raw::close_code(&f.payload).unwrap_or(1005));
                    let _ = tcp
                        .write_all(&raw::frame(true, false, 8, &f.payload, false))
                        .await;
                    break;
                }
            }
        }
    });
    (server, rx)
}

#[test]
fn a_compressed_bomb_closes_with_1009_without_inflating_it() {
    // 64 MiB of zeros: about 64 KiB compressed.
    let bomb = Codec::new(15, 15).compress(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 100_000);
    let (server, code) = sending_server(
        Some("permessage-deflate"),
        raw::frame(true, true, 2, &bomb, false),
    );
    let run = run_open_stdin(&["--max-message-size", "1MiB", &server.url], "");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("a compressed message inflates to more than the limit of 1048576 bytes"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("raise --max-message-size"),
        "{}",
        run.stderr
    );
    assert_eq!(code.recv_timeout(WAIT).unwrap(), 1009);
    assert!(run.stdout.is_empty());
}

#[test]
fn data_that_does_not_inflate_closes_with_1007() {
    let (server, code) = sending_server(
        Some("permessage-deflate"),
        raw::frame(true, true, 1, &[0xff, 0xff, 0xff, 0xff, 0x00], false),
    );
    let run = run_open_stdin(&[&server.url], "");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("a compressed message does not inflate"),
        "{}",
        run.stderr
    );
    assert_eq!(code.recv_timeout(WAIT).unwrap(), 1007);
}

#[test]
fn rsv1_on_a_ping_or_without_the_extension_is_a_protocol_error() {
    let cases = [
        // RSV1 on a control frame, with the extension negotiated.
        (
            Some("permessage-deflate"),
            raw::frame(true, true, 9, b"hi", false),
        ),
        // RSV1 on a continuation frame.
        (Some("permessage-deflate"), {
            let mut f = raw::frame(false, false, 1, b"a", false);
            f.extend(raw::frame(true, true, 0, b"b", false));
            f
        }),
        // RSV1 when nothing was negotiated.
        (
            None,
            raw::frame(true, true, 1, &[0xf2, 0x48, 0x05, 0x00], false),
        ),
    ];
    for (answer, frames) in cases {
        let (server, code) = sending_server(answer, frames);
        let run = run_open_stdin(&[&server.url], "");
        assert_eq!(run.code, Some(1), "{answer:?}: {}", run.stderr);
        assert!(run.stderr.contains("wsprobe: error:"), "{}", run.stderr);
        assert_eq!(code.recv_timeout(WAIT).unwrap(), 1002, "{answer:?}");
    }
}

#[test]
fn an_answer_that_breaks_the_offer_fails_the_connection_with_a_hint() {
    for answer in [
        "permessage-deflate; foo=1",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate, permessage-deflate",
    ] {
        let server = Server::tcp(move |mut tcp| async move {
            raw::accept(&mut tcp, Some(answer), &[]).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        });
        let stderr = wsprobe()
            .args([&server.url, "-x", "hi"])
            .assert()
            .code(3)
            .get_output()
            .stderr
            .clone();
        let stderr = String::from_utf8_lossy(&stderr);
        assert!(
            stderr.contains("Sec-WebSocket-Extensions"),
            "{answer}: {stderr}"
        );
        assert!(stderr.contains("--no-deflate"), "{answer}: {stderr}");
    }
}

#[test]
fn the_offer_follows_no_deflate_and_deflate_params() {
    let cases: [(&[&str], Option<&str>); 4] = [
        (&[], Some("permessage-deflate; client_max_window_bits")),
        (&["--no-deflate"], None),
        (
            &["--deflate", "server_no_context_takeover"],
            Some("permessage-deflate; server_no_context_takeover; client_max_window_bits"),
        ),
        (
            &[
                "--deflate",
                "server_no_context_takeover; client_max_window_bits=10",
            ],
            Some("permessage-deflate; server_no_context_takeover; client_max_window_bits=10"),
        ),
    ];
    for (args, offer) in cases {
        let (tx, rx) = mpsc::channel();
        let server = Server::tcp(move |mut tcp| {
            let tx = tx.clone();
            async move {
                let head = raw::accept(&mut tcp, None, &[]).await;
                let _ = tx.send(raw::header(&head, "sec-websocket-extensions"));
                let mut c = default_codec();
                while let Some(m) = raw::read_message(&mut tcp, &mut c).await {
                    if m.opcode == 8 {
                        let _ = tcp
                            .write_all(&raw::frame(true, false, 8, &m.data, false))
                            .await;
                        break;
                    }
                }
            }
        });
        let mut cmd_args = vec![server.url.as_str(), "-x", "hi"];
        cmd_args.extend_from_slice(args);
        wsprobe().args(&cmd_args).assert().success();
        assert_eq!(rx.recv_timeout(WAIT).unwrap().as_deref(), offer, "{args:?}");
    }
}

#[test]
fn the_client_compresses_with_the_window_and_context_the_server_asked_for() {
    // A 9-bit window (512 bytes) and no context takeover: the server inflates every message
    // with a fresh 512-byte window, which fails on data that refers further back.
    fn codec() -> Codec {
        let mut c = Codec::new(15, 9);
        c.reset_in = true;
        c
    }
    let (server, seen) = echoing_server(
        "permessage-deflate; client_no_context_takeover; client_max_window_bits=9",
        codec,
    );
    let long = raw::compressible(30_000);
    let input = format!("{long}\n{long}\n");
    let out = wsprobe()
        .arg(&server.url)
        .write_stdin(input.clone())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8_lossy(&out), input);
    for _ in 0..2 {
        let (_, m) = seen.recv_timeout(WAIT).unwrap();
        assert!(m.frames[0].rsv1);
        assert_eq!(m.data, long.as_bytes());
    }
}

/// The data frames a raw server saw for each message wsprobe sent.
fn frames_sent(args: &[&str], input: &str, n: usize) -> Vec<Vec<Frame>> {
    let (server, seen) = echoing_server("permessage-deflate", default_codec);
    let mut all = vec![server.url.as_str()];
    all.extend_from_slice(args);
    wsprobe().args(&all).write_stdin(input).assert().success();
    (0..n)
        .map(|_| seen.recv_timeout(WAIT).unwrap().1.frames)
        .collect()
}

#[test]
fn fragment_cuts_compressed_messages_and_no_compress_leaves_them_plain() {
    let text = raw::compressible(3_000);
    let frames = frames_sent(&["--fragment", "16"], &format!("{text}\n"), 1).remove(0);
    assert!(frames.len() > 1, "{frames:?}");
    assert!(frames[0].rsv1 && frames[0].opcode == 1);
    for f in &frames[1..] {
        // RSV1 is on the first frame only (RFC 7692 §6.1); the rest are continuations.
        assert!(!f.rsv1 && f.opcode == 0, "{f:?}");
    }
    assert!(frames.iter().all(|f| f.payload.len() <= 16));
    assert!(frames.last().unwrap().fin);

    let frames = frames_sent(&["--no-compress"], "plain words\n", 1).remove(0);
    assert_eq!(
        frames,
        vec![Frame {
            fin: true,
            rsv1: false,
            opcode: 1,
            payload: b"plain words".to_vec()
        }]
    );
}

#[test]
fn the_repl_switches_fragmenting_and_compression_between_messages() {
    let input = "abcdefghij\n/fragment 4\nabcdefghij\n/compress off\nabcdefghij\n\
                 /fragment off\n/compress on\nabcdefghij\n";
    let sent = frames_sent(&["-i"], input, 4);
    let shape: Vec<(usize, bool)> = sent.iter().map(|m| (m.len(), m[0].rsv1)).collect();
    assert_eq!(shape[0], (1, true));
    assert!(shape[1].0 > 1 && shape[1].1, "{sent:?}");
    assert_eq!(shape[2], (3, false), "{sent:?}");
    assert_eq!(shape[3], (1, true));
}

/// `wsprobe listen ARGS` and a raw client offering `offer`: the response's extension and the
/// frames of the echo of each message in `msgs` (sent compressed when `compress`).
fn listen_echo(
    args: &[&str],
    offer: Option<&str>,
    codec: Codec,
    msgs: &[(&[u8], bool)],
) -> (Option<String>, Vec<Received>) {
    let listener = Listener::start(args);
    let addr = listener.url.trim_start_matches("ws://").to_owned();
    let offer = offer.map(str::to_owned);
    let msgs: Vec<(Vec<u8>, bool)> = msgs.iter().map(|(m, c)| (m.to_vec(), *c)).collect();
    crate::support::block_on(async move {
        let (mut tcp, head) = raw::connect(&addr, offer.as_deref()).await;
        let mut codec = codec;
        let mut echoes = Vec::new();
        for (m, compress) in msgs {
            let payload = if compress {
                codec.compress(&m)
            } else {
                m.clone()
            };
            tcp.write_all(&raw::frame(true, compress, 2, &payload, true))
                .await
                .unwrap();
            let echo = raw::read_message(&mut tcp, &mut codec).await.unwrap();
            assert_eq!(echo.data, m);
            echoes.push(echo);
        }
        tcp.write_all(&raw::frame(true, false, 8, &[3, 232], true))
            .await
            .unwrap();
        (raw::header(&head, "sec-websocket-extensions"), echoes)
    })
}

#[test]
fn listen_accepts_an_offer_and_echoes_compressed() {
    let long = raw::compressible(50_000);
    let msgs: [(&[u8], bool); 3] = [(b"hello", true), (long.as_bytes(), true), (b"plain", false)];
    let (answer, echoes) = listen_echo(
        &[],
        Some("permessage-deflate; client_max_window_bits"),
        Codec::new(15, 15),
        &msgs,
    );
    assert_eq!(answer.as_deref(), Some("permessage-deflate"));
    // Every echo is compressed, also of the message that came uncompressed.
    assert!(echoes.iter().all(|e| e.frames[0].rsv1), "{echoes:?}");
    assert!(echoes[1].frames[0].payload.len() < 10_000);
}

#[test]
fn listen_honours_the_clients_parameters_and_its_own() {
    // The server compresses with a 10-bit window and no context: the client inflates each
    // echo with a fresh 1 KiB window.
    let mut codec = Codec::new(9, 10);
    codec.reset_in = true;
    codec.reset_out = true;
    let long = raw::compressible(40_000);
    let msgs: [(&[u8], bool); 2] = [(long.as_bytes(), true), (long.as_bytes(), true)];
    let (answer, echoes) = listen_echo(
        &["--deflate", "server_no_context_takeover"],
        Some("permessage-deflate; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"),
        codec,
        &msgs,
    );
    assert_eq!(
        answer.as_deref(),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9")
    );
    assert!(echoes.iter().all(|e| e.frames[0].rsv1));
}

#[test]
fn listen_no_deflate_declines_and_fragment_cuts_the_echo() {
    let (answer, echoes) = listen_echo(
        &["--no-deflate", "--fragment", "3"],
        Some("permessage-deflate"),
        Codec::new(15, 15),
        &[(b"abcdefgh", false)],
    );
    assert_eq!(answer, None);
    let sizes: Vec<usize> = echoes[0].frames.iter().map(|f| f.payload.len()).collect();
    assert_eq!(sizes, [3, 3, 2]);
    assert!(echoes[0].frames.iter().all(|f| !f.rsv1));
}

#[test]
fn verbose_lines_show_the_compressed_size_both_ways() {
    let (server, _seen) = echoing_server("permessage-deflate", default_codec);
    let stderr = wsprobe()
        .args(["-v", &server.url, "-x", "hello hello hello hello"])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(stderr.contains("extensions=permessage-deflate"), "{stderr}");
    for arrow in ['>', '<'] {
        let line = stderr
            .lines()
            .find(|l| l.starts_with(arrow) && l.contains("text 23 B"))
            .unwrap_or_else(|| panic!("no {arrow} message line: {stderr}"));
        assert!(
            line.contains(" B compressed) hello hello hello hello"),
            "{line}"
        );
    }
}

#[test]
fn listen_closes_a_bomb_with_1009_and_garbage_with_1007() {
    let bomb = Codec::new(15, 15).compress(&vec![0u8; 64 << 20]);
    let garbage = vec![0xff, 0xff, 0xff, 0xff, 0x00];
    for (payload, code) in [(bomb, 1009), (garbage, 1007)] {
        let listener = Listener::start(&["--max-message-size", "1MiB"]);
        let addr = listener.url.trim_start_matches("ws://").to_owned();
        let got = crate::support::block_on(async move {
            let (mut tcp, _) = raw::connect(&addr, Some("permessage-deflate")).await;
            tcp.write_all(&raw::frame(true, true, 2, &payload, true))
                .await
                .unwrap();
            loop {
                let f = raw::read_frame(&mut tcp).await.expect("a close frame");
                if f.opcode == 8 {
                    break raw::close_code(&f.payload);
                }
            }
        });
        assert_eq!(got, Some(code));
    }
}
