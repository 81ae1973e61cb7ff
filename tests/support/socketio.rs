//! A peer shaped like a socket.io 4 server, built on tokio-tungstenite (not wsprobe): the
//! Engine.IO open packet, pings on a fast interval, namespaces (`/admin` wants the auth
//! `{"token":"secret"}` and refuses anything else with CONNECT_ERROR), events answered from
//! another task, acks, binary attachments, and a server-side DISCONNECT.
//!
//! Events it understands (from the client, in any namespace it accepted):
//! - `["bye"]`: DISCONNECT (`41`), then the WebSocket close;
//! - `["ask"]`: emits `["question"]` with ack id 7, then `["answered", ARGS]` when the ack comes;
//! - `["file"]`: emits a binary event `["file", <bytes 00 01 02 ff>]`;
//! - anything else: emitted back as it came (binary attachments too), and acked with its
//!   arguments when it asked for an ack (`["add", 1, 2]` is acked with `[3]`).
//!
//! With `count_pongs`, it emits `["pongs", 3]` after its third pong. With `drop_first`, its
//! first connection is closed with 1012 (service restart) once a client connected the
//! namespace and had its first event echoed, as a restarting server does. As socket.io does,
//! it answers a CONNECT after its middleware ran (20 ms later, from another task), and drops
//! a client whose event comes before that ("invalid state").

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::{http, Bytes, Message};

use super::Server;

/// How the peer behaves.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub ping_interval: Duration,
    pub ping_timeout: Duration,
    /// Never pings after the open packet (a server that has gone silent).
    pub silent: bool,
    /// Emits `["pongs", 3]` after its third pong.
    pub count_pongs: bool,
    /// Closes its first connection with 1012 after echoing its first event.
    pub drop_first: bool,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            ping_interval: Duration::from_millis(150),
            ping_timeout: Duration::from_millis(500),
            silent: false,
            count_pongs: false,
            drop_first: false,
        }
    }
}

/// How long the namespace middleware takes before the CONNECT is answered.
const MIDDLEWARE: Duration = Duration::from_millis(20);

/// The request path a client must use.
const PATH: &str = "/socket.io/";

pub fn server(shape: Shape) -> Server {
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut s = Server::tcp(move |tcp| {
        let connections = connections.clone();
        async move {
            #[allow(clippy::result_large_err)]
            let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
                let uri = req.uri();
                let query = uri.query().unwrap_or_default();
                if uri.path() == PATH
                    && query.contains("EIO=4")
                    && query.contains("transport=websocket")
                {
                    return Ok(resp);
                }
                let mut err =
                    ErrorResponse::new(Some(format!("not the Engine.IO endpoint: {uri}")));
                *err.status_mut() = http::StatusCode::BAD_REQUEST;
                Err(err)
            };
            if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await {
                let n = connections.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                session(ws, shape, shape.drop_first && n == 0).await;
            }
        }
    });
    s.url = s.url.replace("ws://", "http://");
    s
}

async fn session(ws: super::Ws, shape: Shape, drop_after_echo: bool) {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    let writer = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            let close = matches!(m, Message::Close(_));
            if sink.send(m).await.is_err() || close {
                break;
            }
        }
    });
    let open = json!({"sid": "engine-sid-1", "upgrades": [], "pingInterval": shape.ping_interval.as_millis() as u64,
                      "pingTimeout": shape.ping_timeout.as_millis() as u64, "maxPayload": 1_000_000});
    let _ = tx.send(Message::text(format!("0{open}")));
    if !shape.silent {
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(shape.ping_interval).await;
                if tx.send(Message::text("2")).is_err() {
                    break;
                }
            }
        });
    }
    // Events are answered in order by another task, as socket.io's handlers run.
    let (jobs, mut todo) = mpsc::unbounded_channel::<(String, Vec<Bytes>)>();
    let answers = tx.clone();
    tokio::spawn(async move {
        while let Some((text, parts)) = todo.recv().await {
            if parts.is_empty() {
                event(&text, &answers).await;
            } else {
                let _ = answers.send(Message::text(text));
                for p in parts {
                    let _ = answers.send(Message::Binary(p));
                }
            }
        }
    });
    let mut pongs = 0;
    // The namespaces this client connected (`ns,`, empty for `/`), each from when its
    // middleware has run.
    let mut namespaces: Vec<(String, tokio::time::Instant)> = Vec::new();
    // A binary packet waiting for its attachments.
    let mut partial: Option<(String, usize, Vec<Bytes>)> = None;
    while let Some(Ok(msg)) = stream.next().await {
        match msg {
            Message::Text(t) if t.as_str() == "3" => {
                pongs += 1;
                if pongs == 3 && shape.count_pongs {
                    let _ = tx.send(Message::text(r#"42["pongs",3]"#));
                }
            }
            Message::Text(t) if t.starts_with("40") => {
                let ready = tokio::time::Instant::now() + MIDDLEWARE;
                if connect(&t[2..], &tx) {
                    namespaces.push((split(&t[2..]).0, ready));
                }
            }
            Message::Text(t)
                if (t.starts_with("42") || t.starts_with("45"))
                    && !namespaces.iter().any(|(ns, ready)| {
                        *ns == split(&t[2..]).0 && *ready <= tokio::time::Instant::now()
                    }) =>
            {
                // socket.io: "invalid state", the client is dropped.
                let _ = tx.send(Message::Close(None));
                break;
            }
            Message::Text(t) if t.starts_with("45") => {
                let rest = &t[2..];
                let (n, _) = rest.split_once('-').unwrap();
                partial = Some((t.to_string(), n.parse().unwrap(), Vec::new()));
            }
            Message::Binary(b) => {
                if let Some((text, n, mut parts)) = partial.take() {
                    parts.push(b);
                    if parts.len() == n {
                        let _ = jobs.send((text, parts));
                    } else {
                        partial = Some((text, n, parts));
                    }
                }
            }
            Message::Text(t) if t.starts_with("42") => {
                let _ = jobs.send((t[2..].to_owned(), Vec::new()));
                if drop_after_echo {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let _ = tx.send(Message::Close(Some(
                        tokio_tungstenite::tungstenite::protocol::CloseFrame {
                            code: 1012.into(),
                            reason: "restarting".into(),
                        },
                    )));
                    break;
                }
            }
            Message::Text(t) if t.starts_with("43") => {
                let (ns, _, payload) = split(&t[2..]);
                let _ = tx.send(Message::text(format!(r#"42{ns}["answered",{payload}]"#)));
            }
            _ => {}
        }
    }
    drop((tx, jobs));
    let _ = writer.await;
}

/// `ns,` (empty for `/`), the ack id, and the JSON payload of a packet's text.
fn split(text: &str) -> (String, Option<u64>, String) {
    let (ns, rest) = match text.strip_prefix('/') {
        Some(_) => {
            let (ns, rest) = text.split_once(',').unwrap_or((text, ""));
            (format!("{ns},"), rest)
        }
        None => (String::new(), text),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = (digits > 0).then(|| rest[..digits].parse().unwrap());
    (ns, id, rest[digits..].to_owned())
}

/// Answers a CONNECT; whether the namespace accepted it.
fn connect(text: &str, tx: &mpsc::UnboundedSender<Message>) -> bool {
    let (ns, _, payload) = split(text);
    let auth: Value = serde_json::from_str(&payload).unwrap_or(Value::Null);
    let refused = ns == "/admin," && auth.get("token") != Some(&json!("secret"));
    let reply = if refused {
        format!(r#"44{ns}{{"message":"not authorized","data":{{"need":"token"}}}}"#)
    } else {
        format!(r#"40{ns}{{"sid":"socket-sid-2"}}"#)
    };
    let tx = tx.clone();
    tokio::spawn(async move {
        tokio::time::sleep(MIDDLEWARE).await;
        let _ = tx.send(Message::text(reply));
    });
    !refused
}

async fn event(text: &str, tx: &mpsc::UnboundedSender<Message>) {
    let (ns, id, payload) = split(text);
    let args: Vec<Value> = serde_json::from_str(&payload).unwrap();
    let name = args[0].as_str().unwrap_or_default().to_owned();
    {
        match name.as_str() {
            "bye" => {
                let _ = tx.send(Message::text(format!("41{ns}")));
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = tx.send(Message::Close(None));
            }
            "ask" => {
                let _ = tx.send(Message::text(format!(r#"42{ns}7["question"]"#)));
            }
            // Heard, never answered (its pings go on).
            "quiet" => {}
            "file" => {
                let _ = tx.send(Message::text(format!(
                    r#"451-{ns}["file",{{"_placeholder":true,"num":0}}]"#
                )));
                let _ = tx.send(Message::Binary(Bytes::from_static(&[0, 1, 2, 255])));
            }
            _ => {
                let _ = tx.send(Message::text(format!("42{ns}{payload}")));
            }
        }
        if let Some(id) = id {
            let ack = if name == "add" {
                json!([args[1].as_i64().unwrap_or(0) + args[2].as_i64().unwrap_or(0)])
            } else {
                Value::Array(args[1..].to_vec())
            };
            let _ = tx.send(Message::text(format!("43{ns}{id}{ack}")));
        }
    }
}
