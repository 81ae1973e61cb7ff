//! A peer shaped like a GraphQL over WebSocket server, built on tokio-tungstenite (not
//! wsprobe): graphql-ws's `graphql-transport-ws` (picked when offered, as graphql-ws's
//! `handleProtocols` does) or, with `legacy`, subscriptions-transport-ws's `graphql-ws`
//! (with a keep-alive `ka` every 100 ms). Operations are answered from a task of their own,
//! as both libraries run resolvers, by what their document holds:
//! - `hello`: one result `{"data":{"hello":"world"}}`, then complete;
//! - `greetings`: Hi, Bonjour, Hola 20 ms apart, then complete;
//! - `fail`: an `error` message `[{"message":"boom"}]` (the operation is over);
//! - `partial`: a result with `errors` (`{"data":{"partial":null},"errors":[…]}`), complete;
//! - `forever`: a result every 50 ms until the client stops it (legacy: then complete);
//! - `pongs`: one result, the number of pongs received (once there is one, or after 2 s).
//!
//! `connection_init` with `{"token":"bad"}` is refused: close 4403 (legacy: `connection_error`
//! then close 1011), as the libraries do when onConnect says no.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::Server;

/// How the peer behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// Speaks subscriptions-transport-ws's `graphql-ws`.
    pub legacy: bool,
    /// Never answers `connection_init`.
    pub never_ack: bool,
    /// Sends a `ping` right after `connection_ack`.
    pub ping: bool,
    /// Closes with this code (and the reason graphql-ws gives) at the first operation.
    pub close_at_subscribe: Option<u16>,
    /// Answers `connection_init` with a text that is no message of the protocol.
    pub garbage: bool,
}

pub fn server(shape: Shape) -> Server {
    Server::tcp(move |tcp| async move {
        let want = if shape.legacy {
            "graphql-ws"
        } else {
            "graphql-transport-ws"
        };
        #[allow(clippy::result_large_err)]
        let pick = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
            let offered = req
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if offered.split(',').any(|p| p.trim() == want) {
                resp.headers_mut()
                    .insert("sec-websocket-protocol", HeaderValue::from_static(want));
            }
            Ok(resp)
        };
        if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, pick).await {
            session(ws, shape).await;
        }
    })
}

type Tx = mpsc::UnboundedSender<Message>;

fn send(tx: &Tx, v: Value) {
    let _ = tx.send(Message::text(v.to_string()));
}

fn close(tx: &Tx, code: u16, reason: &str) {
    let _ = tx.send(Message::Close(Some(CloseFrame {
        code: code.into(),
        reason: reason.to_owned().into(),
    })));
}

async fn session(ws: super::Ws, shape: Shape) {
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
    let pongs = Arc::new(AtomicU64::new(0));
    let mut stops: Vec<(String, mpsc::UnboundedSender<()>)> = Vec::new();
    while let Some(Ok(msg)) = stream.next().await {
        let Message::Text(t) = msg else { continue };
        let Ok(m) = serde_json::from_str::<Value>(t.as_str()) else {
            close(&tx, 4400, "Invalid message received");
            continue;
        };
        let id = m["id"].as_str().unwrap_or_default().to_owned();
        match m["type"].as_str().unwrap_or_default() {
            "connection_init" => init(&tx, &m["payload"], shape),
            "pong" => {
                pongs.fetch_add(1, Ordering::SeqCst);
            }
            "subscribe" | "start" => {
                if let Some(code) = shape.close_at_subscribe {
                    close(&tx, code, reason(code));
                    continue;
                }
                let query = m["payload"]["query"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let (stop_tx, stop_rx) = mpsc::unbounded_channel();
                stops.push((id.clone(), stop_tx));
                tokio::spawn(operation(
                    tx.clone(),
                    id,
                    query,
                    shape.legacy,
                    pongs.clone(),
                    stop_rx,
                ));
            }
            "complete" | "stop" => {
                for (_, stop) in stops.iter().filter(|(i, _)| *i == id) {
                    let _ = stop.send(());
                }
            }
            _ => {}
        }
    }
    drop(tx);
    let _ = writer.await;
}

fn init(tx: &Tx, payload: &Value, shape: Shape) {
    if shape.never_ack {
        return;
    }
    if shape.garbage {
        let _ = tx.send(Message::text("hello from a chat server"));
        return;
    }
    if payload.get("token") == Some(&json!("bad")) {
        if shape.legacy {
            send(
                tx,
                json!({"type":"connection_error","payload":{"message":"a valid token is required"}}),
            );
            close(tx, 1011, "");
        } else {
            close(tx, 4403, "Forbidden");
        }
        return;
    }
    send(
        tx,
        json!({"type":"connection_ack","payload":{"server":"peer"}}),
    );
    if shape.legacy {
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                if tx.send(Message::text(r#"{"type":"ka"}"#)).is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    } else if shape.ping {
        send(tx, json!({"type":"ping"}));
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        4400 => "Invalid message received",
        4401 => "Unauthorized",
        4409 => "Subscriber for 1 already exists",
        4429 => "Too many initialisation requests",
        _ => "",
    }
}

async fn operation(
    tx: Tx,
    id: String,
    query: String,
    legacy: bool,
    pongs: Arc<AtomicU64>,
    mut stop: mpsc::UnboundedReceiver<()>,
) {
    let next = if legacy { "data" } else { "next" };
    let result = |payload: Value| send(&tx, json!({"id": id, "type": next, "payload": payload}));
    let complete = || send(&tx, json!({"id": id, "type": "complete"}));
    if query.contains("greetings") {
        for hi in ["Hi", "Bonjour", "Hola"] {
            tokio::time::sleep(Duration::from_millis(20)).await;
            result(json!({"data":{"greetings": hi}}));
        }
        complete();
    } else if query.contains("fail") {
        send(
            &tx,
            json!({"id": id, "type": "error", "payload": [{"message":"boom","path":["fail"]}]}),
        );
    } else if query.contains("partial") {
        result(json!({"data":{"partial":null},"errors":[{"message":"half of it failed"}]}));
        complete();
    } else if query.contains("forever") {
        let mut n = 0;
        loop {
            tokio::select! {
                _ = stop.recv() => break,
                () = tokio::time::sleep(Duration::from_millis(50)) => {
                    n += 1;
                    result(json!({"data":{"forever": n}}));
                }
            }
        }
        if legacy {
            complete();
        }
    } else if query.contains("pongs") {
        // The pong may reach us after this operation: wait for it a while.
        for _ in 0..100 {
            if pongs.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        result(json!({"data":{"pongs": pongs.load(Ordering::SeqCst)}}));
        complete();
    } else {
        result(json!({"data":{"hello":"world"}}));
        complete();
    }
}
