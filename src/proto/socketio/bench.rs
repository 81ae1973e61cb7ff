//! Socket.IO in `wsprobe bench --socketio`: each request is an emit of the `--payload` event
//! (its JSON array, `{seq}` in place) and its reply is the server's ack (`--ack`, the ack id
//! being the request's number) or else the next event of the same name. Per connection: the
//! open packet answered with the namespace CONNECT, the namespace's answer awaited (a
//! CONNECT_ERROR is a refusal with the server's message), every Engine.IO ping answered.
//! The packets are `codec.rs`'s.

use anyhow::Result;
use serde_json::Value;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::codec::{event_line, Engine, Handshake, Kind, Packet};
use super::session::{not_socketio, refusal};
use super::{binary, Plan};
use crate::error::{ExitCode, Failure};
use crate::proto::bench::{BenchProtocol, Exchange, Heard, Replies, Step};
use crate::value::SeqTemplate;

/// `bench --socketio`, resolved against its payload.
#[derive(Debug, Clone)]
pub struct Run {
    namespace: String,
    auth: Option<Value>,
    ack: bool,
    /// The event each request emits (the payload's first element).
    event: String,
}

impl Run {
    pub fn new(plan: &Plan, payload: &SeqTemplate) -> Result<Run> {
        let bad = |why: String| {
            Failure::usage(format!("with --socketio the --payload must be an event: {why}"))
                .hint(r#"write the event as a JSON array, its name first: --payload '["add",1,2]' ({seq} may stand for a number or inside a string)"#)
        };
        let mut event = None;
        // {seq} becomes digits: the payload must be an event whatever their number.
        for seq in [0, u64::MAX] {
            let text = String::from_utf8(payload.render(seq))
                .map_err(|_| bad("it is not UTF-8".to_owned()))?;
            let mut data = event_line(&text).map_err(bad)?;
            if !binary::extract(&mut data).map_err(bad)?.is_empty() {
                return Err(bad(
                    "binary attachments ({\"$binary\":…}) are not sent by bench".to_owned()
                )
                .into());
            }
            event = data
                .get(0)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or(event);
        }
        Ok(Run {
            namespace: plan.namespace.clone(),
            auth: plan.auth.clone(),
            ack: plan.ack,
            event: event.unwrap_or_default(),
        })
    }
}

impl BenchProtocol for Run {
    fn name(&self) -> &'static str {
        "socket.io"
    }

    fn exchange(&self) -> String {
        let reply = if self.ack {
            "its ack"
        } else {
            "the next event of that name"
        };
        format!(
            "emit {:?} on namespace {} → {reply}",
            self.event, self.namespace
        )
    }

    fn replies(&self) -> Replies {
        if self.ack {
            Replies::ById
        } else {
            Replies::InOrder
        }
    }

    fn request(&self, seq: u64, body: Bytes) -> Message {
        // Checked in `new` to be an event whatever the number in it.
        let data = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let packet = Packet {
            kind: Kind::Event,
            namespace: self.namespace.clone(),
            id: self.ack.then_some(seq),
            attachments: 0,
            data: Some(data),
        };
        Message::text(packet.encode())
    }

    fn connection(&self) -> Box<dyn Exchange> {
        Box::new(Conn { run: self.clone() })
    }
}

/// One connection's Socket.IO.
struct Conn {
    run: Run,
}

impl Conn {
    fn ours(&self, p: &Packet) -> bool {
        p.namespace == self.run.namespace
    }
}

impl Exchange for Conn {
    fn hello(&mut self) -> Vec<Message> {
        // The server speaks first: its open packet.
        Vec::new()
    }

    fn handshake(&mut self, msg: Message) -> Result<Step> {
        let Message::Text(text) = msg else {
            return Ok(Step::More(Vec::new()));
        };
        let text = text.as_str();
        match Engine::decode(text).map_err(|e| not_socketio(text, &e))? {
            Engine::Open(json) => {
                Handshake::decode(json).map_err(|e| not_socketio(json, &e))?;
                let connect = Packet {
                    kind: Kind::Connect,
                    namespace: self.run.namespace.clone(),
                    id: None,
                    attachments: 0,
                    data: self.run.auth.clone(),
                };
                Ok(Step::More(vec![Message::text(connect.encode())]))
            }
            Engine::Ping(data) => Ok(Step::More(vec![Message::text(format!("3{data}"))])),
            Engine::Close => Err(Failure::connect(
                "the server closed the Engine.IO session before the namespace answered the CONNECT",
            )
            .into()),
            Engine::Message(m) => {
                let (p, _) = Packet::decode_raw(m).map_err(|e| not_socketio(text, &e))?;
                match p.kind {
                    Kind::Connect if self.ours(&p) => Ok(Step::Done(Vec::new())),
                    Kind::ConnectError if self.ours(&p) => {
                        Err(refusal(&p.namespace, &p.error_message()).into())
                    }
                    _ => Ok(Step::More(Vec::new())),
                }
            }
            Engine::Pong(_) | Engine::Upgrade | Engine::Noop => Ok(Step::More(Vec::new())),
        }
    }

    fn heard(&mut self, msg: &Message) -> Result<Heard> {
        let Message::Text(text) = msg else {
            // A binary packet's attachment: its packet was counted.
            return Ok(Heard::Own(None));
        };
        let text = text.as_str();
        let m = match Engine::decode(text).map_err(|e| not_socketio(text, &e))? {
            Engine::Ping(data) => return Ok(Heard::Own(Some(Message::text(format!("3{data}"))))),
            Engine::Close => {
                return Err(Failure::new(
                    ExitCode::Connect,
                    "the server closed the Engine.IO session",
                )
                .into())
            }
            Engine::Message(m) => m,
            Engine::Open(_) | Engine::Pong(_) | Engine::Upgrade | Engine::Noop => {
                return Ok(Heard::Own(None))
            }
        };
        let (p, _) = Packet::decode_raw(m).map_err(|e| not_socketio(text, &e))?;
        if !self.ours(&p) {
            return Ok(Heard::Push(None));
        }
        Ok(match p.kind {
            Kind::Ack | Kind::BinaryAck if self.run.ack => match p.id {
                Some(id) => Heard::Reply(id),
                None => Heard::Push(None),
            },
            Kind::Event | Kind::BinaryEvent
                if !self.run.ack
                    && p.id.is_none()
                    && p.data
                        .as_ref()
                        .and_then(|d| d.get(0))
                        .and_then(Value::as_str)
                        == Some(self.run.event.as_str()) =>
            {
                Heard::Next
            }
            // The server asks for an ack: an empty one, as `connect` answers.
            Kind::Event | Kind::BinaryEvent => Heard::Push(p.id.map(|id| {
                Message::text(
                    Packet {
                        kind: Kind::Ack,
                        namespace: p.namespace.clone(),
                        id: Some(id),
                        attachments: 0,
                        data: Some(Value::Array(Vec::new())),
                    }
                    .encode(),
                )
            })),
            Kind::Ack | Kind::BinaryAck => Heard::Push(None),
            Kind::Disconnect => {
                return Err(Failure::new(
                    ExitCode::Connect,
                    format!(
                        "the server disconnected the Socket.IO namespace {}",
                        p.namespace
                    ),
                )
                .into())
            }
            Kind::Connect | Kind::ConnectError => Heard::Own(None),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(payload: &str, ack: bool, namespace: &str) -> Run {
        let plan = Plan {
            namespace: namespace.to_owned(),
            auth: None,
            ack,
            handshake_timeout: std::time::Duration::from_secs(1),
        };
        Run::new(&plan, &SeqTemplate::new(payload.as_bytes())).unwrap()
    }

    fn text(m: &Message) -> &str {
        match m {
            Message::Text(t) => t.as_str(),
            _ => panic!("not text"),
        }
    }

    #[test]
    fn a_request_is_an_emit_with_its_number_as_the_ack_id() {
        let r = run(r#"["add",{seq},2]"#, true, "/calc");
        let m = r.request(7, Bytes::from_static(br#"["add",7,2]"#));
        assert_eq!(text(&m), r#"42/calc,7["add",7,2]"#);
        assert_eq!(r.replies(), Replies::ById);
        let plain = run(r#"["echo","x"]"#, false, "/");
        let m = plain.request(3, Bytes::from_static(br#"["echo","x"]"#));
        assert_eq!(text(&m), r#"42["echo","x"]"#);
        assert_eq!(plain.replies(), Replies::InOrder);
    }

    #[test]
    fn the_handshake_answers_the_open_packet_and_ends_at_the_namespace_answer() {
        let mut c = run(r#"["a"]"#, true, "/").connection();
        assert!(c.hello().is_empty());
        let open = r#"0{"sid":"s","pingInterval":25000,"pingTimeout":20000}"#;
        let Step::More(out) = c.handshake(Message::text(open)).unwrap() else {
            panic!("over too soon")
        };
        assert_eq!(text(&out[0]), "40");
        assert!(matches!(
            c.handshake(Message::text(r#"40{"sid":"x"}"#)).unwrap(),
            Step::Done(_)
        ));
        let mut refused = run(r#"["a"]"#, true, "/").connection();
        let e = refused
            .handshake(Message::text(r#"44{"message":"not authorized"}"#))
            .unwrap_err();
        assert!(e
            .to_string()
            .contains("refused the Socket.IO namespace /: not authorized"));
        assert!(refused.handshake(Message::text("hello")).is_err());
    }

    #[test]
    fn replies_pushes_and_heartbeats_are_told_apart() {
        let mut acks = run(r#"["add",1]"#, true, "/").connection();
        assert!(matches!(
            acks.heard(&Message::text("435[3]")).unwrap(),
            Heard::Reply(5)
        ));
        assert!(matches!(
            acks.heard(&Message::text(r#"42["add",1]"#)).unwrap(),
            Heard::Push(None)
        ));
        let Heard::Own(Some(pong)) = acks.heard(&Message::text("2")).unwrap() else {
            panic!("a ping is the protocol's own")
        };
        assert_eq!(text(&pong), "3");
        let Heard::Push(Some(ack)) = acks.heard(&Message::text(r#"429["ask"]"#)).unwrap() else {
            panic!("an event asking for an ack is answered")
        };
        assert_eq!(text(&ack), "439[]");
        assert!(acks.heard(&Message::text("41")).is_err());

        let mut events = run(r#"["add",1]"#, false, "/").connection();
        assert!(matches!(
            events.heard(&Message::text(r#"42["add",3]"#)).unwrap(),
            Heard::Next
        ));
        assert!(matches!(
            events.heard(&Message::text(r#"42["other",3]"#)).unwrap(),
            Heard::Push(None)
        ));
        assert!(matches!(
            events
                .heard(&Message::text(r#"42/admin,["add",3]"#))
                .unwrap(),
            Heard::Push(None)
        ));
    }

    #[test]
    fn a_payload_that_is_no_event_is_refused() {
        let plan = Plan {
            namespace: "/".to_owned(),
            auth: None,
            ack: false,
            handshake_timeout: std::time::Duration::from_secs(1),
        };
        for bad in [r#"{"a":1}"#, "[1,2]", "[]", r#"["a",0{seq}]"#] {
            assert!(
                Run::new(&plan, &SeqTemplate::new(bad.as_bytes())).is_err(),
                "{bad}"
            );
        }
    }
}
