//! A peer shaped like a SockJS server's websocket transport (sockjs-node, Spring's SockJS
//! service), built on tokio-tungstenite (not wsprobe): it takes the WebSocket at
//! `/<prefix>/<server>/<session>/websocket` only, writes the open frame `o` in the same write
//! as its 101, sends `h` heartbeats, carries messages as `a[…]` (several per frame when they
//! queue up) and ends sessions with `c[code,"reason"]`.
//!
//! Two services: `/echo` sends every message back (sockjs-node's echo example; the message
//! `close` is answered with `c[3000,"Go away!"]` and the close), and `/stomp` runs the
//! Spring-shaped broker of `support::stomp` inside SockJS.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::stomp::{broker, Out, Shape};
use super::Server;

/// The SockJS server; its `url` is `http://127.0.0.1:PORT/` (add `echo` or `stomp`).
pub fn server(heartbeat: Duration, stomp: Shape) -> Server {
    let mut s = Server::tcp(move |mut tcp| async move {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let path = text
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let key = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("sec-websocket-key")
                    .then(|| v.trim().to_owned())
            })
            .unwrap_or_default();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let good = parts.len() == 4
            && parts[1].len() == 3
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && !parts[2].is_empty()
            && parts[3] == "websocket";
        if !good || !(parts[0] == "echo" || parts[0] == "stomp") {
            let _ = tcp
                .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\n\r\nNot Found")
                .await;
            return;
        }
        // The 101 and the open frame in one write.
        let mut out = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
            derive_accept_key(key.as_bytes())
        )
        .into_bytes();
        out.extend_from_slice(&[0x81, 1, b'o']);
        if tcp.write_all(&out).await.is_err() {
            return;
        }
        let ws = WebSocketStream::from_raw_socket(tcp, Role::Server, None).await;
        session(ws, parts[0] == "stomp", heartbeat, stomp).await;
    });
    s.url = s.url.replace("ws://", "http://");
    s
}

fn array(msgs: &[String]) -> String {
    format!("a{}", serde_json::to_string(msgs).unwrap())
}

async fn session<S>(ws: WebSocketStream<S>, stomp: bool, heartbeat: Duration, shape: Shape)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let (link, mut rx) = mpsc::unbounded_channel::<Out>();
    let writer = tokio::spawn(async move {
        let mut beat = tokio::time::interval(heartbeat);
        beat.tick().await;
        loop {
            let first = tokio::select! {
                m = rx.recv() => match m { Some(m) => m, None => break },
                _ = beat.tick() => {
                    if sink.send(Message::text("h")).await.is_err() { break; }
                    continue;
                }
            };
            // What has queued up meanwhile goes in the same a[…] frame.
            let mut texts = Vec::new();
            let mut close = None;
            let mut next = Some(first);
            while let Some(m) = next {
                match m {
                    Out::Text(t) => texts.push(t),
                    Out::Close => {
                        close = Some(());
                        break;
                    }
                }
                next = rx.try_recv().ok();
            }
            if !texts.is_empty() && sink.send(Message::text(array(&texts))).await.is_err() {
                break;
            }
            if close.is_some() {
                let _ = sink.send(Message::text("c[3000,\"Go away!\"]")).await;
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
        }
    });
    let (frames, inbox) = mpsc::unbounded_channel::<String>();
    if stomp {
        tokio::spawn(broker(shape, inbox, link.clone()));
    } else {
        drop(inbox);
    }
    while let Some(Ok(msg)) = stream.next().await {
        let Message::Text(t) = msg else { continue };
        let msgs: Vec<String> = serde_json::from_str(t.as_str()).unwrap_or_default();
        for m in msgs {
            if stomp {
                let _ = frames.send(m);
            } else if m == "close" {
                let _ = link.send(Out::Close);
            } else {
                let _ = link.send(Out::Text(m));
            }
        }
    }
    drop((frames, link));
    let _ = writer.await;
}
