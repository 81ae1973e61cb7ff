//! The received side of SockJS: an [`Inbound`] layer between the driver and the layer above
//! (STOMP's session, or the mode's handler). Each `a[…]` frame's messages are handed up one
//! by one, and what the layer above answers goes back as one JSON array; `o` and `h` are
//! shown; `c[code,"reason"]` is the SockJS close, shown as CLOSING and CLOSED with its code
//! and reason (the WebSocket close that follows is SockJS's transport, not the session).

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Message;

use super::codec::{encode, Frame};
use super::events::{Closed, Heartbeat, Opened};
use super::{Shared, Stage};
use crate::error::{ExitCode, Failure};
use crate::session::driver::{Control, ControlTx, Inbound};
use crate::session::Side;
use crate::value::Close;

pub struct Session<H> {
    inner: H,
    shared: Arc<Shared>,
    control: ControlTx,
    /// The layer above's farewell (STOMP's DISCONNECT) is wrapped in a SockJS array.
    farewell_wrapped: bool,
}

impl<H> Session<H> {
    pub fn new(inner: H, shared: Arc<Shared>, control: ControlTx) -> Session<H> {
        Session {
            inner,
            shared,
            control,
            farewell_wrapped: false,
        }
    }

    pub fn inner_mut(&mut self) -> &mut H {
        &mut self.inner
    }

    pub fn into_inner(self) -> H {
        self.inner
    }

    /// The layer above's farewell, once set, goes out inside SockJS as everything else does.
    fn wrap_farewell(&mut self) {
        if self.farewell_wrapped {
            return;
        }
        if let Some(c) = self.shared.conn() {
            let mut st = c.state();
            if let Some(Message::Text(t)) = st.farewell.take() {
                st.farewell = Some(Message::text(encode([t.as_str()])));
                self.farewell_wrapped = true;
            }
        }
    }

    /// A frame that carries nothing for the layer above: no reply to what was sent.
    fn not_a_reply(&self) {
        if let Some(c) = self.shared.conn() {
            c.not_a_reply();
        }
    }
}

impl<H: Inbound> Session<H> {
    fn text(&mut self, text: &str) -> anyhow::Result<Option<Message>> {
        let frame = Frame::decode(text).map_err(|e| {
            let shown = crate::output::render::text_preview(text, 60);
            Failure::new(
                ExitCode::Runtime,
                format!("the server sent a message that is not SockJS ({e}): {shown}"),
            )
            .hint("is this a SockJS endpoint (http://HOST/PATH as SockJS('…') takes it)? without --sockjs, messages are shown as they are")
        })?;
        match frame {
            Frame::Open => {
                self.shared.emit(&Opened {
                    session: &self.shared.session,
                });
                self.shared.set_stage(Stage::Open);
                self.not_a_reply();
                Ok(None)
            }
            Frame::Heartbeat => {
                if self.shared.conn().is_some_and(|c| c.sink().wants_control()) {
                    self.shared.emit(&Heartbeat);
                }
                self.not_a_reply();
                Ok(None)
            }
            Frame::Messages(msgs) => {
                let mut replies = Vec::new();
                for m in msgs {
                    self.shared.carried(crate::session::Dir::In, &m);
                    if let Some(Message::Text(r)) = self.inner.message(Message::text(m))? {
                        replies.push(r.as_str().to_owned());
                    }
                }
                self.wrap_farewell();
                Ok((!replies.is_empty())
                    .then(|| Message::text(encode(replies.iter().map(String::as_str)))))
            }
            Frame::Close(code, reason) => {
                self.shared.emit(&Closed {
                    code,
                    reason: &reason,
                });
                self.shared.set_stage(Stage::Over);
                if let Some(c) = self.shared.conn() {
                    c.closing(Side::Remote, code, &reason);
                    c.state().above_close = Some(Box::new((code, reason)));
                }
                // The session is over; the WebSocket under it is closed too.
                self.control.send(Control::Close(Close::normal()));
                Ok(None)
            }
        }
    }
}

impl<H: Inbound> Inbound for Session<H> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match msg {
            Message::Text(t) => self.text(t.as_str()),
            _ => Ok(None),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }

    fn opened(&mut self) {
        self.shared.set_stage(Stage::Waiting);
        self.inner.opened();
    }
}
