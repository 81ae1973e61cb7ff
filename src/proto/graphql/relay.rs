//! The sent side of GraphQL over WebSocket: `connection_init` first (it goes out at OPEN),
//! then the mode's text messages (stdin lines, `-x`), each an operation with its own id
//! (1, 2, …), held until the server acknowledged, as graphql-ws's client does. `/complete ID`
//! stops one. Once the input has ended and every operation has completed, the data ends,
//! which closes the connection as the end of input does. A line that is no operation ends
//! the input with an error naming it, after the lines before it went out.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::codec::{operation, Flavor, Msg};
use super::events::{Completed, Subscribed};
use super::{Op, Shared, Stage};
use crate::error::Failure;
use crate::session::driver::{Batch, Control, ControlTx};
use crate::session::{Dir, Side};

/// Whether `text` is an operation that can be sent (`-x` and the interactive session check
/// before sending).
pub fn check_operation(text: &str) -> Result<(), String> {
    operation(text).map(|_| ())
}

/// The relay's channels: the mode's messages in, the driver's data channel out, and the
/// connection's control (the close once everything is answered).
pub struct Sending {
    pub input: mpsc::Receiver<Batch>,
    pub out: mpsc::Sender<Batch>,
    pub control: ControlTx,
}

/// Passes what `input` carries to `out` as operations until `input` ends and no operation
/// is active, then closes (`Plan::close_at_end`) and hands on stdin's own failure
/// (`stdin_err`), if any. Ends early (dropping `out`, which ends the data) when the server
/// refused, or after a bad line.
pub async fn relay(
    shared: Arc<Shared>,
    sending: Sending,
    stdin_err: Option<oneshot::Receiver<anyhow::Error>>,
) {
    let Sending {
        mut input,
        out,
        control,
    } = sending;
    let mut cancels = super::lock(&shared.cancels.1).take();
    // connection_init reads the same in both protocols: it can go before the server picked.
    let init = Msg::ConnectionInit(shared.plan.init.clone()).encode(Flavor::TransportWs);
    if out.send(vec![Message::text(init)]).await.is_err() {
        return;
    }
    let mut stage = shared.stage.subscribe();
    if stage
        .wait_for(|s| *s != Stage::Waiting)
        .await
        .map_or(true, |s| *s == Stage::Over)
    {
        return;
    }
    let mut active = shared.active.subscribe();
    let mut encoder = Encoder {
        shared: &shared,
        next_id: 1,
        line_no: 0,
    };
    let mut input_open = true;
    loop {
        tokio::select! {
            // What was typed before a /complete is sent before it.
            biased;
            batch = input.recv(), if input_open => {
                let Some(batch) = batch else {
                    input_open = false;
                    continue;
                };
                let (msgs, bad) = encoder.batch(batch);
                if !msgs.is_empty() && out.send(msgs).await.is_err() {
                    return;
                }
                if let Some(e) = bad {
                    shared.fail(e);
                    return;
                }
            }
            Some(id) = recv(&mut cancels) => {
                if !cancel(&shared, &out, id).await {
                    return;
                }
            }
            done = async { active.wait_for(|n| *n == 0).await.is_ok() }, if !input_open => {
                if done {
                    break;
                }
            }
            () = async { let _ = stage.wait_for(|s| *s == Stage::Over).await; } => return,
        }
    }
    // Every answer is in: no wait for replies (as the end of the data alone would do).
    if let Some(close) = &shared.plan.close_at_end {
        control.send(Control::Finish(close.clone()));
    }
    drop(out);
    if let Some(Ok(e)) = match stdin_err {
        Some(rx) => Some(rx.await),
        None => None,
    } {
        shared.fail(e);
    }
}

/// `/complete ID`: the protocol's stop for an active operation, or an error line saying
/// which are active. Returns whether the data channel is still open.
async fn cancel(shared: &Shared, out: &mpsc::Sender<Batch>, id: String) -> bool {
    let Some(op) = shared.stop(&id) else {
        if let Some(c) = shared.conn() {
            let active = match shared.active_ids() {
                ids if ids.is_empty() => "none is".to_owned(),
                ids => format!("active: {ids}"),
            };
            c.error(
                crate::error::ErrorKind::Usage,
                &format!("/complete {id}: no operation {id} is active ({active})"),
            );
        }
        return true;
    };
    let flavor = shared.flavor();
    shared.emit(&Completed {
        id: &id,
        initiator: Side::Local,
        results: op.results,
    });
    let msg = Msg::cancel(flavor, id).encode(flavor);
    out.send(vec![Message::text(msg)]).await.is_ok()
}

async fn recv(rx: &mut Option<mpsc::UnboundedReceiver<String>>) -> Option<String> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

struct Encoder<'a> {
    shared: &'a Shared,
    next_id: u64,
    line_no: u64,
}

impl Encoder<'_> {
    /// A batch of lines → their messages, and the error of the first bad line (the lines
    /// after it are not sent).
    fn batch(&mut self, batch: Batch) -> (Vec<Message>, Option<anyhow::Error>) {
        let mut msgs = Vec::with_capacity(batch.len());
        for msg in batch {
            self.line_no += 1;
            match self.encode(&msg) {
                Ok(Some(m)) => msgs.push(m),
                Ok(None) => {}
                Err(e) => return (msgs, Some(e)),
            }
        }
        (msgs, None)
    }

    /// One line → its subscribe message (`None`: a blank line, nothing to send).
    fn encode(&mut self, msg: &Message) -> anyhow::Result<Option<Message>> {
        let Message::Text(text) = msg else {
            return Ok(Some(msg.clone()));
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        let payload = operation(text.as_str()).map_err(|why| -> anyhow::Error {
            Failure::usage(format!(
                "stdin line {} is not a GraphQL operation: {why}: {}",
                self.line_no,
                crate::output::render::text_preview(text.as_str(), 60)
            ))
            .hint("write each operation on one line: a document ({ hello }, subscription { greetings }) or {\"query\":…,\"variables\":{…}}")
            .into()
        })?;
        let id = self.next_id.to_string();
        self.next_id += 1;
        let query = payload
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let kind = kind_of(&query);
        if self
            .shared
            .conn()
            .is_some_and(|c| c.sink().wants_messages(Dir::Out))
        {
            self.shared.emit(&Subscribed {
                id: &id,
                kind,
                payload: &payload,
            });
        }
        self.shared.started(
            id.clone(),
            Op {
                kind,
                query,
                results: 0,
            },
        );
        let flavor = self.shared.flavor();
        Ok(Some(Message::text(
            Msg::Subscribe { id, payload }.encode(flavor),
        )))
    }
}

/// The operation's kind by the document's first word (a bare selection set is a query).
fn kind_of(query: &str) -> &'static str {
    let first = query
        .trim_start()
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    match first {
        "mutation" => "mutation",
        "subscription" => "subscription",
        _ => "query",
    }
}
