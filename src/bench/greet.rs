//! A protocol's handshake on a freshly opened connection of a run (`bench --socketio`), before
//! the driver takes it: what the protocol says first goes out, and each message is handed to
//! it until it says the handshake is over, within `--connect-timeout`. Its time counts in the
//! connect time; a failure is a `connect` error in the protocol's words. A raw run never
//! comes here. The protocol's own counters (`Spoken`) live in the load handler, so a raw
//! connection carries none of them.

use std::time::Duration;

use anyhow::Result;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::dial::handshake::ClientStream;
use crate::error::Failure;
use crate::proto::bench::{Exchange, Heard, Step};

/// Runs the protocol's handshake on `ws`; on failure the WebSocket is closed (1000) first.
pub async fn greet(
    ws: &mut WebSocketStream<ClientStream>,
    x: &mut dyn Exchange,
    name: &str,
    limit: Duration,
) -> Result<()> {
    let talk = async {
        send(ws, x.hello()).await?;
        loop {
            let msg = match ws.next().await {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    return Err(Failure::connect(format!(
                        "the connection failed during the {name} handshake: {e}"
                    ))
                    .into())
                }
                None => {
                    return Err(Failure::connect(format!(
                        "the server ended the connection during the {name} handshake"
                    ))
                    .into())
                }
            };
            let msg = match msg {
                Message::Text(_) | Message::Binary(_) => msg,
                Message::Close(f) => {
                    let code = f.map_or(1005, |f| u16::from(f.code));
                    let meaning = x
                        .close_meaning(code)
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default();
                    return Err(Failure::connect(format!(
                        "the server closed the connection ({code}) during the {name} handshake{meaning}"
                    ))
                    .into());
                }
                // tungstenite answers pings itself.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            };
            match x.handshake(msg)? {
                Step::More(out) => send(ws, out).await?,
                Step::Done(out) => return send(ws, out).await,
            }
        }
    };
    let result = match tokio::time::timeout(limit, talk).await {
        Ok(r) => r,
        Err(_) => Err(Failure::connect(format!(
            "the {name} handshake did not complete within {} (--connect-timeout)",
            humantime::format_duration(limit)
        ))
        .into()),
    };
    if result.is_err() {
        let bye = ws.close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        }));
        let _ = tokio::time::timeout(Duration::from_secs(1), bye).await;
    }
    result
}

async fn send(ws: &mut WebSocketStream<ClientStream>, out: Vec<Message>) -> Result<()> {
    if out.is_empty() {
        return Ok(());
    }
    for m in out {
        ws.feed(m).await?;
    }
    ws.flush().await?;
    Ok(())
}

/// What the load handler asks of the connection's protocol: nothing for a raw run (`Raw`,
/// which the compiler removes), the protocol's [`Exchange`] and its counts otherwise.
pub trait Speaks: Send {
    fn heard(&mut self, msg: &Message) -> Option<Result<Heard>>;
    /// How the load handler counted a message the protocol heard.
    fn count(&mut self, heard: Counted);
    /// What the protocol counted (`None`: raw).
    fn counts(&self) -> Option<ProtoCounts>;
}

/// How a message the protocol heard was counted.
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    /// The reply to one of ours.
    Reply,
    Push {
        answered: bool,
    },
    Own {
        answered: bool,
    },
}

pub struct Raw;

impl Speaks for Raw {
    #[inline(always)]
    fn heard(&mut self, _msg: &Message) -> Option<Result<Heard>> {
        None
    }

    #[inline(always)]
    fn count(&mut self, _heard: Counted) {}

    fn counts(&self) -> Option<ProtoCounts> {
        None
    }
}

/// A connection's protocol and what it counted (the summary's numbers are the load's own:
/// heartbeats and their answers come off them).
pub struct Spoken {
    pub x: Box<dyn Exchange>,
    pub counts: ProtoCounts,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct ProtoCounts {
    /// The protocol's own messages received (heartbeats, attachments).
    pub own_in: u64,
    /// Answers sent (pongs, acks the server asked for).
    pub own_out: u64,
    pub pushes: u64,
    /// Replies matched to a request of ours.
    pub replies: u64,
}

impl Speaks for Spoken {
    fn heard(&mut self, msg: &Message) -> Option<Result<Heard>> {
        Some(self.x.heard(msg))
    }

    fn counts(&self) -> Option<ProtoCounts> {
        Some(self.counts)
    }

    fn count(&mut self, heard: Counted) {
        let c = &mut self.counts;
        match heard {
            Counted::Reply => c.replies += 1,
            Counted::Push { answered } => {
                c.pushes += 1;
                c.own_out += u64::from(answered);
            }
            Counted::Own { answered } => {
                c.own_in += 1;
                c.own_out += u64::from(answered);
            }
        }
    }
}
