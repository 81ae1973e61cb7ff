//! The sent side of Socket.IO: the mode's text messages (stdin lines, `-x`), each an event
//! as a JSON array, become EVENT packets (BINARY_EVENT and its attachments when the array
//! holds `{"$binary":…}`), with an ack id each under `--ack`. They are held until the
//! namespace accepted the CONNECT, as socket.io-client buffers its emits; a line that is no
//! event ends the input with an error naming it, after the lines before it went out.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::codec::{event_line, Kind, Packet};
use super::events::Emitted;
use super::{binary, Shared, Stage};
use crate::error::Failure;
use crate::session::driver::Batch;
use crate::session::Dir;

/// Passes what `input` carries to `out` as Socket.IO packets until `input` ends, then hands
/// on stdin's own failure (`stdin_err`), if any. Ends (dropping `out`, which ends the data)
/// when the namespace is refused or after a bad line, whose error goes to `errors`.
pub async fn relay(
    shared: Arc<Shared>,
    mut input: mpsc::Receiver<Batch>,
    out: mpsc::Sender<Batch>,
    stdin_err: Option<oneshot::Receiver<anyhow::Error>>,
    errors: oneshot::Sender<anyhow::Error>,
) {
    let mut stage = shared.stage.subscribe();
    if stage
        .wait_for(|s| *s != Stage::Waiting)
        .await
        .map_or(true, |s| *s == Stage::Over)
    {
        return;
    }
    let mut encoder = Encoder {
        shared: &shared,
        next_id: 0,
    };
    let mut line_no: u64 = 0;
    while let Some(batch) = input.recv().await {
        let mut packets = Vec::with_capacity(batch.len());
        for msg in batch {
            line_no += 1;
            match encoder.encode(&msg, line_no) {
                Ok(mut msgs) => packets.append(&mut msgs),
                Err(e) => {
                    if !packets.is_empty() {
                        let _ = out.send(packets).await;
                    }
                    let _ = errors.send(e);
                    return;
                }
            }
        }
        if !packets.is_empty() && out.send(packets).await.is_err() {
            return;
        }
    }
    if let Some(Ok(e)) = match stdin_err {
        Some(rx) => Some(rx.await),
        None => None,
    } {
        let _ = errors.send(e);
    }
}

/// Whether `text` is an event that can be sent: a JSON array, its name first, and every
/// `{"$binary":…}` in it base64 (`-x` and the interactive session check before sending).
pub fn check_event(text: &str) -> Result<(), String> {
    let mut data = event_line(text)?;
    binary::extract(&mut data).map(|_| ())
}

struct Encoder<'a> {
    shared: &'a Shared,
    next_id: u64,
}

impl Encoder<'_> {
    /// One event line → its packet and attachments.
    fn encode(&mut self, msg: &Message, line_no: u64) -> anyhow::Result<Vec<Message>> {
        let Message::Text(text) = msg else {
            return Ok(vec![msg.clone()]);
        };
        if text.trim().is_empty() {
            // A blank line (a file's last one, say) is no event and nothing to send.
            return Ok(Vec::new());
        }
        let bad = |why: String| -> anyhow::Error {
            Failure::usage(format!(
                "stdin line {line_no} is not a Socket.IO event: {why}: {}",
                crate::output::render::text_preview(text.as_str(), 60)
            ))
            .hint("write each event as a JSON array, its name first: [\"chat message\",\"hi\",{\"n\":1}]")
            .into()
        };
        let mut data = event_line(text.as_str()).map_err(bad)?;
        let attachments = binary::extract(&mut data).map_err(bad)?;
        let id = self.shared.plan.ack.then(|| {
            let id = self.next_id;
            self.next_id += 1;
            let name = data
                .get(0)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            self.shared.acks().insert(id, name);
            id
        });
        let namespace = self.shared.plan.namespace.clone();
        if let Some(conn) = self.shared.conn() {
            if conn.sink().wants_messages(Dir::Out) {
                // Shown with the attachments in place, as the user wrote it.
                let shown = event_line(text.as_str()).unwrap_or(Value::Null);
                self.shared.emit(&Emitted {
                    dir: Dir::Out,
                    namespace: &namespace,
                    id,
                    data: &shown,
                });
            }
        }
        let packet = Packet {
            kind: if attachments.is_empty() {
                Kind::Event
            } else {
                Kind::BinaryEvent
            },
            namespace,
            id,
            attachments: attachments.len(),
            data: Some(data),
        };
        let mut msgs = Vec::with_capacity(1 + attachments.len());
        msgs.push(Message::text(packet.encode()));
        msgs.extend(attachments.into_iter().map(Message::Binary));
        Ok(msgs)
    }
}
