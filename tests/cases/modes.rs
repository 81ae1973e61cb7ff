//! `listen` modes: broadcast, periodic sends, server-initiated closes.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{block_on, client, next_text, Listener};

#[test]
fn three_broadcast_clients_see_each_other_and_not_themselves() {
    let l = Listener::start(&["--broadcast"]);
    block_on(async {
        let mut a = client(&l.url).await;
        let mut b = client(&l.url).await;
        let mut c = client(&l.url).await;
        a.send(Message::text("from a")).await.unwrap();
        assert_eq!(next_text(&mut b).await, "from a");
        assert_eq!(next_text(&mut c).await, "from a");
        b.send(Message::text("from b")).await.unwrap();
        assert_eq!(next_text(&mut a).await, "from b");
        assert_eq!(next_text(&mut c).await, "from b");
        // a never got its own message: the next thing it sees is c's.
        c.send(Message::text("from c")).await.unwrap();
        assert_eq!(next_text(&mut a).await, "from c");
        assert_eq!(next_text(&mut b).await, "from c");
    });
}

#[test]
fn broadcast_all_includes_the_sender() {
    let l = Listener::start(&["--broadcast", "--all"]);
    block_on(async {
        let mut a = client(&l.url).await;
        a.send(Message::text("me too")).await.unwrap();
        assert_eq!(next_text(&mut a).await, "me too");
    });
}

#[test]
fn a_client_that_stops_reading_does_not_stall_the_others() {
    let l = Listener::start(&["--broadcast"]);
    block_on(async {
        // A raw TCP client that completes the handshake and then never reads.
        let stalled = tokio_tungstenite::connect_async(&l.url).await.unwrap().0;
        let mut sender = client(&l.url).await;
        let mut reader = client(&l.url).await;
        let payload = "x".repeat(16 * 1024);
        // Far more than the stalled client's socket buffers and queue can hold; the reader
        // keeps up (one message at a time), so only the stalled client falls behind.
        for _ in 0..3000 {
            sender.send(Message::text(payload.clone())).await.unwrap();
            assert_eq!(next_text(&mut reader).await.len(), payload.len());
        }
        drop(stalled);
    });
    let (_, log) = l.interrupt();
    assert!(log.contains("ERROR slow:"), "{log}");
    assert!(
        log.contains("CLOSING (local) 1013 \"too slow: send queue full\""),
        "{log}"
    );
}

#[test]
fn periodic_sends_arrive_at_their_cadence() {
    let l = Listener::start(&["--send-interval", "100ms", "--send", "tick"]);
    block_on(async {
        let mut a = client(&l.url).await;
        let start = Instant::now();
        for _ in 0..4 {
            assert_eq!(next_text(&mut a).await, "tick");
        }
        let elapsed = start.elapsed();
        // Four ticks at 100 ms: loosely bounded, the machine is shared.
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    });
}

#[test]
fn close_after_n_messages_with_a_custom_code_reaches_the_client() {
    let l = Listener::start(&[
        "--close-after",
        "2",
        "--close-code",
        "4001",
        "--close-reason",
        "enough",
    ]);
    block_on(async {
        let mut a = client(&l.url).await;
        a.send(Message::text("1")).await.unwrap();
        a.send(Message::text("2")).await.unwrap();
        let mut texts = Vec::new();
        let mut close = None;
        while let Some(Ok(msg)) = a.next().await {
            match msg {
                Message::Text(t) => texts.push(t.to_string()),
                Message::Close(Some(f)) => close = Some((u16::from(f.code), f.reason.to_string())),
                _ => {}
            }
        }
        // Both echoes arrive before the close.
        assert_eq!(texts, ["1", "2"]);
        assert_eq!(close, Some((4001, "enough".to_owned())));
    });
}

/// A client frame (masked), as a raw socket writes it.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut f = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// Splits what a server sent into (opcode, payload) frames (unmasked, short lengths).
fn frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 2 {
        let len = usize::from(bytes[1] & 0x7f);
        assert!(
            len < 126 && bytes[1] & 0x80 == 0,
            "unexpected frame {bytes:?}"
        );
        out.push((bytes[0] & 0x0f, bytes[2..2 + len].to_vec()));
        bytes = &bytes[2 + len..];
    }
    assert!(bytes.is_empty(), "a partial frame: {bytes:?}");
    out
}

#[test]
fn close_after_is_exact_when_a_burst_and_the_clients_close_share_one_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = Listener::start(&[
        "--close-after",
        "3",
        "--close-code",
        "4000",
        "--close-reason",
        "done",
    ]);
    let addr = l.url.strip_prefix("ws://").unwrap().to_owned();
    for with_close in [false, true] {
        let addr = addr.clone();
        let got = block_on(async move {
            let mut tcp = crate::support::raw_upgrade(&addr).await;
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                head.push(tcp.read_u8().await.unwrap());
            }
            assert!(head.starts_with(b"HTTP/1.1 101"));
            // Ten messages, and maybe the client's own close, in one write.
            let mut burst: Vec<u8> = (1..=10)
                .flat_map(|i| masked(1, i.to_string().as_bytes()))
                .collect();
            if with_close {
                burst.extend(masked(8, &1000u16.to_be_bytes()));
            }
            tcp.write_all(&burst).await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = tcp.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                // Answer the server's close, once it is here.
                if !with_close && frames_complete(&got).iter().any(|(op, _)| *op == 8) {
                    let _ = tcp.write_all(&masked(8, &4000u16.to_be_bytes())).await;
                }
            }
            got
        });
        let frames = frames(&got);
        let texts: Vec<String> = frames
            .iter()
            .filter(|(op, _)| *op == 1)
            .map(|(_, p)| String::from_utf8(p.clone()).unwrap())
            .collect();
        assert_eq!(texts, ["1", "2", "3"], "with_close={with_close}");
        let (op, payload) = frames.last().unwrap();
        assert_eq!(*op, 8, "with_close={with_close}: {frames:?}");
        assert_eq!(
            &payload[..2],
            &4000u16.to_be_bytes(),
            "with_close={with_close}"
        );
        assert_eq!(&payload[2..], b"done");
        assert_eq!(frames.len(), 4, "with_close={with_close}: {frames:?}");
    }
}

/// The complete frames at the start of `bytes`.
fn frames_complete(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut end = 0;
    while bytes.len() >= end + 2 && bytes.len() >= end + 2 + usize::from(bytes[end + 1] & 0x7f) {
        end += 2 + usize::from(bytes[end + 1] & 0x7f);
    }
    frames(&bytes[..end])
}

#[test]
fn wsprobe_connect_sees_the_servers_close_code() {
    let l = Listener::start(&[
        "--close-after",
        "0",
        "--close-code",
        "4002",
        "--close-reason",
        "bye",
    ]);
    let run = crate::support::run_open_stdin(&[&l.url], "");
    assert_eq!(run.code, Some(4));
    assert!(
        run.stderr.contains("CLOSED 4002 \"bye\" clean (remote)"),
        "{}",
        run.stderr
    );
}

#[test]
fn stdio_bridges_one_client_to_the_servers_stdin_and_stdout() {
    use std::io::{Read, Write};
    let mut l = Listener::start(&["--stdio"]);
    let url = l.url.clone();
    let mut stdin = l.child.stdin.take().unwrap();
    let (close, second_status) = block_on(async {
        let mut a = client(&url).await;
        // A second client is refused while the first one holds the terminal.
        let second = tokio_tungstenite::connect_async(&url).await.unwrap_err();
        let second_status = match second {
            tokio_tungstenite::tungstenite::Error::Http(resp) => resp.status().as_u16(),
            other => panic!("expected an HTTP refusal, got {other}"),
        };
        stdin.write_all(b"hello client\n").unwrap();
        stdin.flush().unwrap();
        assert_eq!(next_text(&mut a).await, "hello client");
        a.send(Message::text("hello server")).await.unwrap();
        // End of the server's stdin closes the client with 1000.
        drop(stdin);
        let mut close = None;
        while let Some(Ok(msg)) = a.next().await {
            if let Message::Close(Some(f)) = msg {
                close = Some(u16::from(f.code));
            }
        }
        (close, second_status)
    });
    assert_eq!(second_status, 503);
    assert_eq!(close, Some(1000));
    let status = crate::support::wait_timeout(&mut l.child, Duration::from_secs(10));
    assert_eq!(status, Some(0));
    let mut out = String::new();
    l.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "hello server\n");
}
