//! A peer shaped like Spring's STOMP broker (`@EnableWebSocketMessageBroker` with the simple
//! broker), built on tokio-tungstenite (not wsprobe): it picks `v12.stomp` from the offered
//! subprotocols, answers CONNECT with CONNECTED (version, server, session, heart-beat), sends
//! its heart-beats as `\n` text messages, handles each frame in another task (as Spring's
//! inbound channel does), and writes several frames to one WebSocket message when `packed`
//! (Spring's buffering under load).
//!
//! Destinations it understands:
//! - SEND `/app/hello` with body `NAME`: MESSAGE `Hello, NAME!` to `/topic/greetings`
//!   subscribers (the getting-started guide's shape);
//! - SEND `/app/fail`: an ERROR frame (`message:Failed to handle /app/fail`, a body), then
//!   the WebSocket close, as Spring does;
//! - SEND anywhere else: a MESSAGE to that destination's subscribers (a broker).
//!
//! CONNECT with a `login` other than `guest`/`guest` is answered with ERROR `Bad
//! credentials`. Any frame with a `receipt` header gets its RECEIPT; DISCONNECT's is the last
//! frame (the client closes). The broker speaks over plain WebSocket messages here, and through SockJS frames
//! in `support::sockjs` (`Link` is how it sends).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::{http, Message};

use super::Server;

/// How the broker behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// Its CONNECTED heart-beat (sx, sy) in milliseconds.
    pub heart_beat: (u64, u64),
    /// Promises heart-beats but never sends any (nor anything else after CONNECTED).
    pub silent: bool,
    /// Writes a MESSAGE and its RECEIPT (or two MESSAGEs) in one WebSocket message, and the
    /// next one split across two.
    pub packed: bool,
    /// Answers anything with a line that is not STOMP.
    pub garbage: bool,
}

/// The STOMP broker over plain WebSocket, at `ws://127.0.0.1:PORT/stomp`.
pub fn server(shape: Shape) -> Server {
    let mut s = Server::tcp(move |tcp| async move {
        #[allow(clippy::result_large_err)]
        let check = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
            let offered = req
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if let Some(p) = ["v12.stomp", "v11.stomp", "v10.stomp"]
                .into_iter()
                .find(|p| offered.split(',').any(|o| o.trim() == *p))
            {
                resp.headers_mut()
                    .insert("sec-websocket-protocol", p.parse().unwrap());
                return Ok(resp);
            }
            let mut err = ErrorResponse::new(Some(format!("no STOMP subprotocol in {offered:?}")));
            *err.status_mut() = http::StatusCode::BAD_REQUEST;
            Err(err)
        };
        if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await {
            let (mut sink, mut stream) = ws.split();
            let (link, mut rx) = mpsc::unbounded_channel::<Out>();
            let writer = tokio::spawn(async move {
                while let Some(m) = rx.recv().await {
                    let msg = match m {
                        Out::Text(t) => Message::text(t),
                        Out::Close => Message::Close(None),
                    };
                    let close = matches!(msg, Message::Close(_));
                    if sink.send(msg).await.is_err() || close {
                        break;
                    }
                }
            });
            let (frames, inbox) = mpsc::unbounded_channel::<String>();
            tokio::spawn(broker(shape, inbox, link.clone()));
            while let Some(Ok(msg)) = stream.next().await {
                match msg {
                    Message::Text(t) => {
                        let _ = frames.send(t.as_str().to_owned());
                    }
                    Message::Binary(b) => {
                        let _ = frames.send(String::from_utf8_lossy(&b).into_owned());
                    }
                    // Reading on writes tungstenite's answer to a close, then ends.
                    _ => {}
                }
            }
            drop((frames, link));
            let _ = writer.await;
        }
    });
    s.url = format!("{}stomp", s.url);
    s
}

/// What the broker sends: a WebSocket message's text, or the close.
#[derive(Debug)]
pub enum Out {
    Text(String),
    Close,
}

pub type Link = mpsc::UnboundedSender<Out>;

/// One received frame (the test's own parsing, not wsprobe's).
struct Frame {
    command: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Frame {
    fn get(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

fn parse(msg: &str) -> Vec<Frame> {
    msg.split('\0')
        .map(|f| f.trim_start_matches(['\n', '\r']))
        .filter(|f| !f.is_empty())
        .filter_map(|f| {
            let (head, body) = f.split_once("\n\n")?;
            let mut lines = head.lines();
            let command = lines.next()?.to_owned();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.to_owned(), v.replace("\\c", ":").replace("\\\\", "\\")))
                .collect();
            Some(Frame {
                command,
                headers,
                body: body.to_owned(),
            })
        })
        .collect()
}

fn frame(command: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut s = format!("{command}\n");
    for (k, v) in headers {
        s += &format!("{k}:{v}\n");
    }
    if !body.is_empty() {
        s += &format!("content-length:{}\n", body.len());
    }
    s + "\n" + body + "\0"
}

static SESSIONS: AtomicU64 = AtomicU64::new(0);

/// The broker: frames in (`inbox`: each WebSocket message's text), messages out (`link`).
pub async fn broker(shape: Shape, mut inbox: mpsc::UnboundedReceiver<String>, link: Link) {
    // destination → subscription ids of this session.
    let mut subs: HashMap<String, Vec<String>> = HashMap::new();
    let mut beats: Option<tokio::task::JoinHandle<()>> = None;
    let mut message_id = 0u64;
    while let Some(msg) = inbox.recv().await {
        if shape.garbage {
            let _ = link.send(Out::Text("{\"hello\":\"this is not STOMP\"}".into()));
            continue;
        }
        for f in parse(&msg) {
            // Handled in another task, a moment later, as Spring's channel executor does.
            tokio::time::sleep(Duration::from_millis(2)).await;
            let mut reply: Vec<String> = Vec::new();
            let receipt = f
                .get("receipt")
                .map(|r| frame("RECEIPT", &[("receipt-id", r)], ""));
            match f.command.as_str() {
                "CONNECT" | "STOMP" => {
                    let login = f.get("login");
                    if login.is_some_and(|l| l != "guest")
                        || f.get("passcode").is_some_and(|p| p != "guest")
                    {
                        let _ = link.send(Out::Text(frame(
                            "ERROR",
                            &[("message", "Bad credentials")],
                            "login refused for this user\n",
                        )));
                        let _ = link.send(Out::Close);
                        return;
                    }
                    let (sx, sy) = shape.heart_beat;
                    let session = format!("sess-{}", SESSIONS.fetch_add(1, Ordering::Relaxed));
                    let hb = format!("{sx},{sy}");
                    reply.push(frame(
                        "CONNECTED",
                        &[
                            ("version", "1.2"),
                            ("heart-beat", &hb),
                            ("server", "test-broker/1.0"),
                            ("session", &session),
                        ],
                        "",
                    ));
                    let (cx, _) = parse_hb(f.get("heart-beat").unwrap_or("0,0"));
                    let every = if sx == 0 || cx == 0 { 0 } else { sx.max(cx) };
                    if every > 0 && !shape.silent {
                        let link = link.clone();
                        beats = Some(tokio::spawn(async move {
                            loop {
                                tokio::time::sleep(Duration::from_millis(every)).await;
                                if link.send(Out::Text("\n".into())).is_err() {
                                    break;
                                }
                            }
                        }));
                    }
                }
                "SUBSCRIBE" => {
                    let d = f.get("destination").unwrap_or_default().to_owned();
                    subs.entry(d)
                        .or_default()
                        .push(f.get("id").unwrap_or_default().to_owned());
                }
                "UNSUBSCRIBE" => {
                    let id = f.get("id").unwrap_or_default();
                    for ids in subs.values_mut() {
                        ids.retain(|i| i != id);
                    }
                }
                "SEND" => {
                    let dest = f.get("destination").unwrap_or_default();
                    if dest == "/app/fail" {
                        let _ = link.send(Out::Text(frame(
                            "ERROR",
                            &[("message", "Failed to handle /app/fail")],
                            "java.lang.IllegalStateException: no handler\n",
                        )));
                        let _ = link.send(Out::Close);
                        return;
                    }
                    let (to, body) = if dest == "/app/hello" {
                        ("/topic/greetings".to_owned(), format!("Hello, {}!", f.body))
                    } else {
                        (dest.to_owned(), f.body.clone())
                    };
                    for id in subs.get(&to).cloned().unwrap_or_default() {
                        message_id += 1;
                        let mid = message_id.to_string();
                        reply.push(frame(
                            "MESSAGE",
                            &[
                                ("destination", &to),
                                ("subscription", &id),
                                ("message-id", &mid),
                                ("content-type", "text/plain;charset=UTF-8"),
                            ],
                            &body,
                        ));
                    }
                }
                "DISCONNECT" => {
                    // The RECEIPT; the client closes the WebSocket.
                    if let Some(r) = receipt {
                        let _ = link.send(Out::Text(r));
                    }
                    if let Some(b) = beats.take() {
                        b.abort();
                    }
                    continue;
                }
                _ => {}
            }
            reply.extend(receipt);
            if shape.silent && f.command != "CONNECT" {
                continue;
            }
            if shape.packed && reply.len() > 1 {
                let _ = link.send(Out::Text(reply.concat()));
                continue;
            }
            if shape.packed && f.command == "SEND" && reply.len() == 1 {
                // One frame split across two WebSocket messages.
                let r = reply.remove(0);
                let cut = r.len() / 2;
                let _ = link.send(Out::Text(r[..cut].to_owned()));
                let _ = link.send(Out::Text(r[cut..].to_owned()));
                continue;
            }
            for r in reply {
                let _ = link.send(Out::Text(r));
            }
        }
    }
    if let Some(b) = beats {
        b.abort();
    }
}

fn parse_hb(v: &str) -> (u64, u64) {
    let mut p = v.split(',').map(|x| x.trim().parse().unwrap_or(0));
    (p.next().unwrap_or(0), p.next().unwrap_or(0))
}
