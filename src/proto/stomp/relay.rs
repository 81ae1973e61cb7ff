//! The sent side of STOMP: CONNECT as soon as the connection is open, the `--subscribe`
//! SUBSCRIBEs once CONNECTED, then each of the mode's messages (stdin lines, `-x`) SENT to
//! `--destination`, the REPL's requests, and our heart-beats as negotiated. At the end of
//! input it waits for the replies (`--reply-timeout`, as the driver does for raw messages),
//! sends DISCONNECT with a receipt, waits for the RECEIPT (`--close-timeout`) and asks for
//! the WebSocket close.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::codec::Frame;
use super::events::{Control as ControlEvent, HeartBeat, Traffic};
use super::{lock, Queued, Shared, Stage, Subscription};
use crate::error::Failure;
use crate::session::driver::{deadline_after, Batch, Control, ControlTx};
use crate::session::Dir;

/// What the relay needs besides its channels.
pub struct Ends {
    pub stdin_err: Option<oneshot::Receiver<anyhow::Error>>,
    pub errors: oneshot::Sender<anyhow::Error>,
    pub control: ControlTx,
}

/// Relays until the input ends (then says goodbye) or the session is over.
pub async fn relay(
    shared: Arc<Shared>,
    mut input: mpsc::Receiver<Batch>,
    out: mpsc::Sender<Batch>,
    ends: Ends,
) {
    let mut requests = lock(&shared.requests_rx).take();
    let r = Relay {
        shared: &shared,
        out: &out,
    };
    if r.send(vec![connect_frame(&shared)]).await.is_err() {
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
    drop(stage);
    let subs: Vec<Frame> = shared
        .plan
        .subscribe
        .iter()
        .map(|d| r.subscribe_frame(&shared.subscribe(d)))
        .collect();
    if r.send(subs).await.is_err() {
        return;
    }
    let every = lock(&shared.session).send_every;
    let mut beats = (!every.is_zero()).then(|| {
        // Half a period out of step with the watchdog of the server's beats (twice their
        // interval, often ours): a beat is never queued just as a silent server is found
        // dead (it would be reported as unsent).
        let mut t = tokio::time::interval_at(Instant::now() + every / 2, every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    let mut line_no: u64 = 0;
    let mut input_open = true;
    loop {
        tokio::select! {
            // The REPL's requests first: all typed before the input ended go out before it.
            biased;
            Some(req) = recv(&mut requests) => {
                if let Some(f) = r.request(req) {
                    if r.send(vec![f]).await.is_err() {
                        return;
                    }
                }
            }
            batch = input.recv(), if input_open => match batch {
                Some(batch) => {
                    let mut frames = Vec::with_capacity(batch.len());
                    for msg in batch {
                        line_no += 1;
                        match r.send_frame(&msg, line_no) {
                            Ok(Some(f)) => frames.push(f),
                            Ok(None) => {}
                            Err(e) => {
                                let _ = r.send(frames).await;
                                let _ = ends.errors.send(e);
                                return;
                            }
                        }
                    }
                    if r.send(frames).await.is_err() {
                        return;
                    }
                }
                None => {
                    input_open = false;
                    if shared.plan.close.is_some() {
                        break;
                    }
                }
            },
            () = tick(&mut beats) => {
                if shared.shows_control() {
                    shared.emit(&HeartBeat(Dir::Out));
                }
                if out.send(vec![Message::text("\n")]).await.is_err() {
                    return;
                }
            }
        }
        if shared.stage() == Stage::Over {
            return;
        }
    }
    r.goodbye(&ends.control).await;
    if let Some(Ok(e)) = match ends.stdin_err {
        Some(rx) => Some(rx.await),
        None => None,
    } {
        let _ = ends.errors.send(e);
    }
}

async fn recv<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn tick(t: &mut Option<tokio::time::Interval>) {
    match t {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn connect_frame(shared: &Shared) -> Frame {
    let p = &shared.plan;
    let mut f = Frame::new("CONNECT")
        .header("accept-version", "1.2,1.1,1.0")
        .header("host", &p.host)
        .header(
            "heart-beat",
            &format!("{},{}", p.heart_beat.0, p.heart_beat.1),
        );
    for (k, v) in &p.connect_headers {
        f = f.header(k, v);
    }
    f
}

struct Relay<'a> {
    shared: &'a Shared,
    out: &'a mpsc::Sender<Batch>,
}

impl Relay<'_> {
    /// Frames out, each its own WebSocket message (text when it is UTF-8, as browsers'
    /// clients send it).
    async fn send(&self, frames: Vec<Frame>) -> Result<(), ()> {
        if frames.is_empty() {
            return Ok(());
        }
        let v = self.shared.version();
        let batch = frames
            .iter()
            .map(|f| {
                let bytes = f.encode(v);
                match String::from_utf8(bytes) {
                    Ok(t) => Message::text(t),
                    Err(e) => Message::binary(e.into_bytes()),
                }
            })
            .collect();
        self.out.send(batch).await.map_err(|_| ())
    }

    fn with_receipt(&self, f: Frame, what: String) -> Frame {
        if self.shared.plan.receipt {
            let id = self.shared.receipt_for(what);
            f.header("receipt", &id)
        } else {
            f
        }
    }

    fn subscribe_frame(&self, s: &Subscription) -> Frame {
        let destination = &s.destination;
        let f = Frame::new("SUBSCRIBE")
            .header("id", &s.id)
            .header("destination", destination)
            .header("ack", "auto");
        let f = self.with_receipt(f, format!("SUBSCRIBE {destination}"));
        if self.shared.shows(Dir::Out) {
            self.shared.emit(&ControlEvent {
                dir: Dir::Out,
                frame: &f,
                answers: None,
            });
        }
        f
    }

    fn sent(&self, f: Frame) -> Frame {
        self.shared.sends.fetch_add(1, Ordering::Relaxed);
        if self.shared.shows(Dir::Out) {
            self.shared.emit(&Traffic {
                dir: Dir::Out,
                frame: &f,
            });
        }
        f
    }

    /// One of the mode's messages → a SEND to `--destination`.
    fn send_frame(&self, msg: &Message, line_no: u64) -> anyhow::Result<Option<Frame>> {
        let body = match msg {
            Message::Text(t) if t.trim().is_empty() => return Ok(None),
            Message::Text(t) => t.as_bytes().to_vec(),
            Message::Binary(b) => b.to_vec(),
            _ => return Ok(None),
        };
        let Some(dest) = &self.shared.plan.destination else {
            return Err(Failure::usage(format!(
                "stdin line {line_no} has nowhere to go: no --destination"
            ))
            .hint("--destination DEST sends each line there as a STOMP SEND (e.g. --destination /app/hello)")
            .into());
        };
        let mut f = Frame::new("SEND").header("destination", dest);
        if matches!(msg, Message::Text(_)) {
            f = f.header("content-type", "text/plain;charset=UTF-8");
        }
        let f = self.with_receipt(f.body(body), format!("SEND {dest}"));
        Ok(Some(self.sent(f)))
    }

    /// A REPL request → its frame.
    fn request(&self, req: Queued) -> Option<Frame> {
        match req {
            Queued::Subscribe(s) => Some(self.subscribe_frame(&s)),
            Queued::Unsubscribe(s) => {
                let f = Frame::new("UNSUBSCRIBE").header("id", &s.id);
                let f = self.with_receipt(f, format!("UNSUBSCRIBE {}", s.destination));
                if self.shared.shows(Dir::Out) {
                    self.shared.emit(&ControlEvent {
                        dir: Dir::Out,
                        frame: &f,
                        answers: None,
                    });
                }
                Some(f)
            }
            Queued::Send {
                destination,
                headers,
                body,
            } => {
                let mut f = Frame::new("SEND").header("destination", &destination);
                let typed = headers.iter().any(|(k, _)| k == "content-type");
                for (k, v) in &headers {
                    f = f.header(k, v);
                }
                if !typed {
                    f = f.header("content-type", "text/plain;charset=UTF-8");
                }
                let f = self.with_receipt(f.body(body.into_bytes()), format!("SEND {destination}"));
                Some(self.sent(f))
            }
        }
    }

    /// The end of input: the replies awaited, DISCONNECT with a receipt, its RECEIPT
    /// awaited, then the WebSocket close.
    async fn goodbye(&self, control: &ControlTx) {
        let p = &self.shared.plan;
        self.wait(p.reply_wait, || {
            self.shared.messages.load(Ordering::Relaxed)
                >= self.shared.sends.load(Ordering::Relaxed)
        })
        .await;
        if self.shared.stage() == Stage::Over {
            return;
        }
        if let Some(c) = self.shared.conn() {
            // Said here, with a receipt: not again before the close.
            c.state().farewell = None;
        }
        let id = self.shared.receipt_for("DISCONNECT".into());
        let f = Frame::new("DISCONNECT").header("receipt", &id);
        if self.shared.shows(Dir::Out) {
            self.shared.emit(&ControlEvent {
                dir: Dir::Out,
                frame: &f,
                answers: None,
            });
        }
        if self.send(vec![f]).await.is_ok() {
            let receipts = &self.shared.receipts;
            self.wait(p.close_timeout, || !lock(receipts).contains_key(&id))
                .await;
        }
        self.shared.set_stage(Stage::Over);
        if let Some(close) = &p.close {
            control.send(Control::Close(close.clone()));
        }
    }

    /// Until `done` or the session is over, or nothing arrived for `quiet`.
    async fn wait(&self, quiet: Duration, done: impl Fn() -> bool) {
        let mut by = deadline_after(quiet);
        while !done() && self.shared.stage() != Stage::Over {
            tokio::select! {
                () = self.shared.arrived.notified() => by = deadline_after(quiet),
                () = tokio::time::sleep_until(by) => return,
            }
        }
    }
}
