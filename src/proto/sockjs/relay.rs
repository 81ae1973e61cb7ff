//! The sent side of SockJS: each of the layer above's messages (a STOMP frame, a raw line)
//! goes out as a JSON array of one string, once the server's `o` arrived. Binary
//! messages cannot travel in SockJS and are refused.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::codec::encode;
use super::{Shared, Stage};
use crate::error::ErrorKind;
use crate::session::driver::Batch;

pub async fn relay(
    shared: Arc<Shared>,
    mut input: mpsc::Receiver<Batch>,
    out: mpsc::Sender<Batch>,
) {
    let mut stage = shared.stage.subscribe();
    if stage
        .wait_for(|s| *s != Stage::Waiting)
        .await
        .map_or(true, |s| *s == Stage::Over)
    {
        return;
    }
    drop(stage);
    while let Some(batch) = input.recv().await {
        let mut texts = Vec::with_capacity(batch.len());
        for m in &batch {
            match m {
                Message::Text(t) => texts.push(t.as_str()),
                Message::Binary(_) => {
                    if let Some(c) = shared.conn() {
                        c.error(
                            ErrorKind::Unsent,
                            "a binary message cannot travel in SockJS (text only): not sent",
                        );
                    }
                }
                _ => {}
            }
        }
        if texts.is_empty() {
            continue;
        }
        // Each message its own array: one WebSocket message per message, as sockjs-client
        // sends them (and the driver's reply count stays one for one).
        let msgs: Batch = texts
            .into_iter()
            .map(|t| {
                shared.carried(crate::session::Dir::Out, t);
                Message::text(encode([t]))
            })
            .collect();
        if out.send(msgs).await.is_err() {
            return;
        }
    }
}
