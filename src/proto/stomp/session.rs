//! The received side of STOMP: an [`Inbound`] handler between the driver and the mode's
//! handler. It cuts what arrives into frames (`codec::Decoder`, whatever the split or
//! packing), reports CONNECTED, RECEIPTs and heart-beats, hands the mode each MESSAGE's body
//! as one message (text when it is UTF-8), and fails the run on an ERROR frame (exit 3 before
//! CONNECTED: the server refused us; exit 1 after). A server whose heart-beats stop for twice
//! the negotiated time is dead (exit 4).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio_tungstenite::tungstenite::Message;

use super::codec::{CodecError, Decoder, Frame, Item, Version};
use super::events::{Connected, Control as ControlEvent, Error, HeartBeat, Traffic};
use super::{lock, Shared, Stage};
use crate::error::{ExitCode, Failure};
use crate::proto::watchdog::Watchdog;
use crate::session::driver::{ControlTx, Inbound};
use crate::session::Dir;

/// STOMP on one connection, wrapping the mode's handler `H`.
pub struct Session<H> {
    inner: H,
    shared: Arc<Shared>,
    control: ControlTx,
    decoder: Decoder,
    /// CONNECTED is due within the handshake timeout.
    handshake: Watchdog,
    /// The server's heart-beats (or any frame) are due as negotiated.
    heartbeat: Watchdog,
}

impl<H> Session<H> {
    pub fn new(inner: H, shared: Arc<Shared>, control: ControlTx) -> Session<H> {
        let max = shared.plan.max_frame;
        Session {
            inner,
            shared,
            control,
            decoder: Decoder::new(Version::V12, max),
            handshake: Watchdog::default(),
            heartbeat: Watchdog::default(),
        }
    }

    pub fn inner_mut(&mut self) -> &mut H {
        &mut self.inner
    }

    pub fn into_inner(self) -> H {
        self.inner
    }

    fn over(&mut self) {
        self.shared.set_stage(Stage::Over);
        self.handshake.disarm();
        self.heartbeat.disarm();
        self.shared.arrived.notify_one();
    }

    /// CONNECTED: the version and the heart-beats both ways.
    fn connected(&mut self, f: &Frame) {
        let version = f
            .get("version")
            .and_then(Version::parse)
            .unwrap_or(Version::V10);
        self.decoder.set_version(version);
        *lock(&self.shared.version) = version;
        // Should the run end before its goodbye (-e met, -t, Ctrl-C), the driver says
        // DISCONNECT before its close frame.
        if let Some(conn) = self.shared.conn() {
            let bye = Frame::new("DISCONNECT").encode(version);
            conn.state().farewell = Some(Message::text(String::from_utf8_lossy(&bye).into_owned()));
        }
        let (sx, sy) = f.get("heart-beat").map_or((0, 0), parse_heart_beat);
        let (cx, cy) = self.shared.plan.heart_beat;
        let send_ms = if cx == 0 || sy == 0 { 0 } else { cx.max(sy) };
        let expect_ms = if cy == 0 || sx == 0 { 0 } else { cy.max(sx) };
        self.shared.emit(&Connected {
            frame: f,
            version: version.as_str(),
            send_ms,
            expect_ms,
        });
        *lock(&self.shared.session) = super::Session {
            server: f.get("server").map(str::to_owned),
            session: f.get("session").map(str::to_owned),
            send_every: Duration::from_millis(send_ms),
        };
        self.handshake.disarm();
        if expect_ms > 0 {
            // Twice the time, as stomp.js allows: a beat delayed by the network is no death.
            let limit = Duration::from_millis(expect_ms.saturating_mul(2));
            let why = format!(
                "no STOMP heart-beat or frame from the server within {} (twice the negotiated {}): the connection is dead",
                humantime::format_duration(limit),
                humantime::format_duration(Duration::from_millis(expect_ms))
            );
            self.heartbeat.arm(limit, why, self.control.clone());
        }
        self.shared.set_stage(Stage::Connected);
    }

    fn error(&mut self, f: &Frame) -> anyhow::Error {
        self.shared.emit(&Error(f));
        let before = self.shared.stage() == Stage::Waiting;
        self.over();
        let message = f.get("message").unwrap_or("(no message header)");
        let body = String::from_utf8_lossy(&f.body);
        let body = crate::output::render::text_preview(body.trim(), 200);
        let what = if before {
            format!("the STOMP server refused the CONNECT: {message}")
        } else {
            format!("the STOMP server sent an ERROR: {message}")
        };
        let mut failure = Failure::new(
            if before {
                ExitCode::Connect
            } else {
                ExitCode::Runtime
            },
            what,
        );
        if !body.is_empty() {
            failure = failure.hint(format!("its body: {body}"));
        }
        if before {
            failure = failure.hint(
                "--init JSON adds CONNECT headers (e.g. --init '{\"login\":\"guest\",\"passcode\":\"guest\"}')",
            );
        }
        anyhow::Error::from(failure).context(crate::error::PeerEnded)
    }
}

/// `heart-beat: sx,sy` (garbage reads as no heart-beat).
fn parse_heart_beat(v: &str) -> (u64, u64) {
    let mut parts = v.split(',').map(|p| p.trim().parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

impl<H: Inbound> Session<H> {
    fn bytes(&mut self, data: &[u8]) -> anyhow::Result<Option<Message>> {
        self.heartbeat.kick();
        self.decoder.push(data);
        let mut replies = 0;
        loop {
            let item = self.decoder.next().map_err(|e| {
                self.decoder.clear();
                not_stomp(data, &e)
            })?;
            match item {
                None => break,
                Some(Item::HeartBeat) => {
                    if self.shared.shows_control() {
                        self.shared.emit(&HeartBeat(Dir::In));
                    }
                }
                Some(Item::Frame(f)) => replies += u64::from(self.frame(f)?),
            }
        }
        if replies == 0 {
            if let Some(conn) = self.shared.conn() {
                // Heart-beats, CONNECTED, receipts: no reply to what the user sent.
                conn.not_a_reply();
            }
        }
        Ok(None)
    }

    /// One frame; whether it is a reply to what the user sent (a MESSAGE).
    fn frame(&mut self, f: Frame) -> anyhow::Result<bool> {
        match f.command.as_str() {
            "CONNECTED" => {
                self.connected(&f);
                Ok(false)
            }
            "MESSAGE" => {
                if self.shared.shows(Dir::In) {
                    self.shared.emit(&Traffic {
                        dir: Dir::In,
                        frame: &f,
                    });
                }
                self.shared.messages.fetch_add(1, Ordering::Relaxed);
                self.shared.arrived.notify_one();
                let msg = match String::from_utf8(f.body) {
                    Ok(text) => Message::text(text),
                    Err(e) => Message::binary(e.into_bytes()),
                };
                let _ = self.inner.message(msg)?;
                Ok(true)
            }
            "RECEIPT" => {
                let answers = f
                    .get("receipt-id")
                    .and_then(|id| lock(&self.shared.receipts).remove(id));
                if self.shared.shows(Dir::In) {
                    self.shared.emit(&ControlEvent {
                        dir: Dir::In,
                        frame: &f,
                        answers: answers.as_deref(),
                    });
                }
                self.shared.arrived.notify_one();
                Ok(false)
            }
            "ERROR" => Err(self.error(&f)),
            _ => {
                if let Some(c) = self.shared.conn() {
                    c.error(
                        crate::error::ErrorKind::Protocol,
                        &format!("a STOMP {} frame from the server (ignored)", f.command),
                    );
                }
                Ok(false)
            }
        }
    }
}

/// Bytes that are not STOMP end the run: the server speaks something else.
fn not_stomp(data: &[u8], e: &CodecError) -> anyhow::Error {
    let shown = crate::output::render::text_preview(&String::from_utf8_lossy(data), 60);
    Failure::new(
        ExitCode::Runtime,
        format!("the server sent a message that is not STOMP ({e}): {shown}"),
    )
    .hint("is this a STOMP endpoint? without --stomp, messages are shown as they are (behind SockJS, add --sockjs)")
    .into()
}

impl<H: Inbound> Inbound for Session<H> {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        match msg {
            Message::Text(t) => self.bytes(t.as_bytes()),
            Message::Binary(b) => self.bytes(&b),
            _ => Ok(None),
        }
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }

    fn opened(&mut self) {
        self.decoder.clear();
        self.decoder.set_version(Version::V12);
        self.shared.set_stage(Stage::Waiting);
        let limit = self.shared.plan.handshake_timeout;
        let why = format!(
            "no STOMP CONNECTED from the server within {} (--connect-timeout)",
            humantime::format_duration(limit)
        );
        self.handshake.arm(limit, why, self.control.clone());
        self.inner.opened();
    }
}
