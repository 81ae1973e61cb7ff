//! STOMP in `wsprobe bench --stomp`: each request is a SEND of the `--payload` (its `{seq}` in
//! place) to `--destination` with a receipt named by the request's number, and its reply is
//! the server's RECEIPT (SEND → RECEIPT latency). Per connection: CONNECT (no heart-beats),
//! CONNECTED awaited (an ERROR is a refusal with the server's message). MESSAGE frames are
//! pushes; heart-beats the protocol's own. The frames are `codec.rs`'s.

use anyhow::Result;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::codec::{Decoder, Frame, Item, Version};
use crate::error::{ExitCode, Failure};
use crate::proto::bench::{BenchProtocol, Exchange, Heard, Replies, Step};

/// `bench --stomp`, resolved.
#[derive(Debug, Clone)]
pub struct Run {
    host: String,
    connect_headers: Vec<(String, String)>,
    destination: String,
    max_frame: usize,
}

impl Run {
    pub fn new(plan: &super::Plan) -> Result<Run> {
        let destination = plan.destination.clone().ok_or_else(|| {
            Failure::usage("bench --stomp SENDs each request to --destination, and none is given")
                .hint("add --destination DEST (e.g. --destination /app/hello)")
        })?;
        Ok(Run {
            host: plan.host.clone(),
            connect_headers: plan.connect_headers.clone(),
            destination,
            max_frame: plan.max_frame,
        })
    }
}

impl BenchProtocol for Run {
    fn name(&self) -> &'static str {
        "stomp"
    }

    fn exchange(&self) -> String {
        format!("SEND to {} with a receipt → its RECEIPT", self.destination)
    }

    fn replies(&self) -> Replies {
        Replies::ById
    }

    fn request(&self, seq: u64, body: Bytes) -> Message {
        let frame = Frame::new("SEND")
            .header("destination", &self.destination)
            .header("receipt", &seq.to_string())
            .body(body.to_vec());
        // Connections speak 1.2 escaping at most; these headers hold nothing to escape.
        match String::from_utf8(frame.encode(Version::V12)) {
            Ok(t) => Message::text(t),
            Err(e) => Message::binary(e.into_bytes()),
        }
    }

    fn connection(&self) -> Box<dyn Exchange> {
        Box::new(Conn {
            run: self.clone(),
            decoder: Decoder::new(Version::V12, self.max_frame),
        })
    }
}

/// One connection's STOMP.
struct Conn {
    run: Run,
    decoder: Decoder,
}

fn not_stomp(e: &super::codec::CodecError) -> anyhow::Error {
    Failure::new(
        ExitCode::Runtime,
        format!("the server sent a message that is not STOMP ({e})"),
    )
    .into()
}

fn bytes(msg: &Message) -> &[u8] {
    match msg {
        Message::Text(t) => t.as_bytes(),
        Message::Binary(b) => b,
        _ => &[],
    }
}

impl Conn {
    /// The frames in `msg` (heart-beats left out).
    fn frames(&mut self, msg: &Message) -> Result<Vec<Frame>> {
        self.decoder.push(bytes(msg));
        let mut frames = Vec::new();
        while let Some(item) = self.decoder.next().map_err(|e| not_stomp(&e))? {
            if let Item::Frame(f) = item {
                frames.push(f);
            }
        }
        Ok(frames)
    }
}

fn error(f: &Frame, before: bool) -> anyhow::Error {
    let message = f.get("message").unwrap_or("(no message header)");
    if before {
        Failure::connect(format!("the STOMP server refused the CONNECT: {message}")).into()
    } else {
        Failure::new(
            ExitCode::Runtime,
            format!("the STOMP server sent an ERROR: {message}"),
        )
        .into()
    }
}

impl Exchange for Conn {
    fn hello(&mut self) -> Vec<Message> {
        let mut f = Frame::new("CONNECT")
            .header("accept-version", "1.2,1.1,1.0")
            .header("host", &self.run.host)
            .header("heart-beat", "0,0");
        for (k, v) in &self.run.connect_headers {
            f = f.header(k, v);
        }
        vec![Message::text(
            String::from_utf8_lossy(&f.encode(Version::V12)).into_owned(),
        )]
    }

    fn handshake(&mut self, msg: Message) -> Result<Step> {
        for f in self.frames(&msg)? {
            match f.command.as_str() {
                "CONNECTED" => {
                    let v = f
                        .get("version")
                        .and_then(Version::parse)
                        .unwrap_or(Version::V10);
                    self.decoder.set_version(v);
                    return Ok(Step::Done(Vec::new()));
                }
                "ERROR" => return Err(error(&f, true)),
                _ => {}
            }
        }
        Ok(Step::More(Vec::new()))
    }

    fn heard(&mut self, msg: &Message) -> Result<Heard> {
        // One answer per WebSocket message: the first RECEIPT in it (a server that packs
        // two receipts in one message has the second counted as unanswered).
        let mut heard = Heard::Own(None);
        for f in self.frames(msg)? {
            match f.command.as_str() {
                "RECEIPT" => {
                    if let Some(seq) = f.get("receipt-id").and_then(|r| r.parse().ok()) {
                        if !matches!(heard, Heard::Reply(_)) {
                            heard = Heard::Reply(seq);
                        }
                    }
                }
                "MESSAGE" if matches!(heard, Heard::Own(_)) => heard = Heard::Push(None),
                "ERROR" => return Err(error(&f, false)),
                _ => {}
            }
        }
        Ok(heard)
    }
}
