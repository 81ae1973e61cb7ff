//! GraphQL over WebSocket in `wsprobe bench --graphql`: each request subscribes to the
//! `--payload` operation (`{seq}` in place) with the request's number as its id, and its
//! reply is the operation's completion (subscribe → complete) or, with `--first-result`, its
//! first result. Per connection: `connection_init` first, `connection_ack` awaited (a legacy
//! `connection_error` is a refusal with the server's message), pings answered. Bench offers
//! one subprotocol (`graphql-transport-ws`, or the one `-s` names), so every request is
//! written before the server answers. The messages are `codec.rs`'s.

use std::collections::HashSet;

use anyhow::Result;
use serde_json::Value;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::codec::{error_messages, operation, Flavor, Msg};
use super::Plan;
use crate::error::{ExitCode, Failure};
use crate::proto::bench::{BenchProtocol, Exchange, Heard, Replies, Step};
use crate::value::SeqTemplate;

/// `bench --graphql`, resolved against its payload.
#[derive(Debug, Clone)]
pub struct Run {
    flavor: Flavor,
    init: Option<Value>,
    /// The reply is the first result rather than the completion.
    first_result: bool,
    /// The operation's document, for the summary.
    query: String,
}

impl Run {
    pub fn new(plan: &Plan, payload: &SeqTemplate) -> Result<Run> {
        let bad = |why: String| {
            Failure::usage(format!("with --graphql the --payload must be an operation: {why}"))
                .hint(r#"write a document, --payload 'subscription { greetings }', or a request, --payload '{"query":"query($n: Int) { item(n: $n) }","variables":{"n":{seq}}}'"#)
        };
        let mut query = String::new();
        // {seq} becomes digits: the payload must be an operation whatever their number.
        for seq in [0, u64::MAX] {
            let text = String::from_utf8(payload.render(seq))
                .map_err(|_| bad("it is not UTF-8".to_owned()))?;
            let p = operation(&text).map_err(bad)?;
            query = p
                .get("query")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
        }
        let flavor = plan
            .offered
            .first()
            .and_then(|p| Flavor::from_subprotocol(p))
            .unwrap_or(Flavor::TransportWs);
        Ok(Run {
            flavor,
            init: plan.init.clone(),
            first_result: plan.first_result,
            query,
        })
    }
}

impl BenchProtocol for Run {
    fn name(&self) -> &'static str {
        self.flavor.subprotocol()
    }

    fn exchange(&self) -> String {
        let reply = if self.first_result {
            "its first result"
        } else {
            "its completion"
        };
        format!(
            "subscribe {} → {reply}",
            crate::output::render::text_preview(&self.query, 60)
        )
    }

    fn replies(&self) -> Replies {
        Replies::ById
    }

    fn request(&self, seq: u64, body: Bytes) -> Message {
        // Checked in `new` to be an operation whatever the number in it.
        let text = String::from_utf8_lossy(&body);
        let payload = operation(&text).unwrap_or(Value::Null);
        Message::text(
            Msg::Subscribe {
                id: seq.to_string(),
                payload,
            }
            .encode(self.flavor),
        )
    }

    fn connection(&self) -> Box<dyn Exchange> {
        Box::new(Conn {
            run: self.clone(),
            answered: HashSet::new(),
        })
    }
}

/// One connection's GraphQL.
struct Conn {
    run: Run,
    /// With `--first-result`: the operations whose first result came.
    answered: HashSet<u64>,
}

impl Conn {
    fn decode(&self, text: &str) -> Result<Msg> {
        Msg::decode(self.run.flavor, text).map_err(|e| {
            Failure::new(
                ExitCode::Runtime,
                format!(
                    "the server sent a message that is not {} ({e}): {}",
                    self.run.flavor.subprotocol(),
                    crate::output::render::text_preview(text, 60)
                ),
            )
            .into()
        })
    }

    fn pong(&self, payload: Option<Value>) -> Message {
        Message::text(Msg::Pong(payload).encode(self.run.flavor))
    }
}

impl Exchange for Conn {
    fn close_meaning(&self, code: u16) -> Option<&'static str> {
        super::closes::meaning(code).or(
            // A stock subscriptions-transport-ws server, offered graphql-transport-ws.
            (code == 1002 && self.run.flavor == Flavor::TransportWs)
                .then_some(super::closes::LEGACY_REFUSAL),
        )
    }

    fn hello(&mut self) -> Vec<Message> {
        // The client speaks first.
        vec![Message::text(
            Msg::ConnectionInit(self.run.init.clone()).encode(self.run.flavor),
        )]
    }

    fn handshake(&mut self, msg: Message) -> Result<Step> {
        let Message::Text(text) = msg else {
            return Ok(Step::More(Vec::new()));
        };
        match self.decode(text.as_str())? {
            Msg::ConnectionAck(_) => Ok(Step::Done(Vec::new())),
            Msg::Ping(p) => Ok(Step::More(vec![self.pong(p)])),
            Msg::ConnectionError(p) => Err(Failure::connect(format!(
                "the GraphQL server refused connection_init: {}",
                p.as_ref()
                    .map_or("(no reason given)".into(), error_messages)
            ))
            .into()),
            _ => Ok(Step::More(Vec::new())),
        }
    }

    fn heard(&mut self, msg: &Message) -> Result<Heard> {
        let Message::Text(text) = msg else {
            return Ok(Heard::Push(None));
        };
        let (id, done) = match self.decode(text.as_str())? {
            Msg::Ping(p) => return Ok(Heard::Own(Some(self.pong(p)))),
            Msg::Pong(_) | Msg::KeepAlive | Msg::ConnectionAck(_) => return Ok(Heard::Own(None)),
            Msg::Error { id, payload } => {
                return Ok(Heard::Failed(
                    Failure::new(
                        ExitCode::Runtime,
                        format!(
                            "GraphQL operation {id} failed: {}",
                            error_messages(&payload)
                        ),
                    )
                    .into(),
                ))
            }
            Msg::Next { id, .. } => (id, false),
            Msg::Complete { id } => (id, true),
            _ => return Ok(Heard::Push(None)),
        };
        let Ok(seq) = id.parse::<u64>() else {
            return Ok(Heard::Push(None));
        };
        Ok(match (self.run.first_result, done) {
            // Subscribe → complete: the results on the way are the protocol's.
            (false, true) => Heard::Reply(seq),
            (false, false) => Heard::Own(None),
            // Subscribe → first result (or the completion, when there was none).
            (true, false) if self.answered.insert(seq) => Heard::Reply(seq),
            (true, false) => Heard::Own(None),
            (true, true) if self.answered.remove(&seq) => Heard::Own(None),
            (true, true) => Heard::Reply(seq),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn run(payload: &str, first_result: bool, offered: &str) -> Run {
        let plan = Plan {
            init: Some(serde_json::json!({"token":"t"})),
            handshake_timeout: Duration::from_secs(1),
            close_at_end: None,
            offered: vec![offered.to_owned()],
            first_result,
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
    fn a_request_subscribes_with_its_number_as_the_id() {
        let r = run("{ hello }", false, "graphql-transport-ws");
        let m = r.request(7, Bytes::from_static(b"{ hello }"));
        assert_eq!(
            text(&m),
            r#"{"id":"7","type":"subscribe","payload":{"query":"{ hello }"}}"#
        );
        let legacy = run("{ hello }", false, "graphql-ws");
        let m = legacy.request(0, Bytes::from_static(b"{ hello }"));
        assert_eq!(
            text(&m),
            r#"{"id":"0","type":"start","payload":{"query":"{ hello }"}}"#
        );
        assert_eq!(legacy.name(), "graphql-ws");
        assert_eq!(r.exchange(), "subscribe { hello } → its completion");
    }

    #[test]
    fn the_handshake_is_connection_init_then_ack() {
        let mut c = run("{ hello }", false, "graphql-transport-ws").connection();
        assert_eq!(
            text(&c.hello()[0]),
            r#"{"type":"connection_init","payload":{"token":"t"}}"#
        );
        assert!(matches!(
            c.handshake(Message::text(r#"{"type":"connection_ack"}"#))
                .unwrap(),
            Step::Done(_)
        ));
        assert!(c.handshake(Message::text("hello")).is_err());
        let mut legacy = run("{ hello }", false, "graphql-ws").connection();
        let e = legacy
            .handshake(Message::text(
                r#"{"type":"connection_error","payload":{"message":"no"}}"#,
            ))
            .unwrap_err();
        assert!(e.to_string().contains("refused connection_init: no"));
    }

    #[test]
    fn the_reply_is_the_completion_or_the_first_result() {
        let next = Message::text(r#"{"id":"3","type":"next","payload":{"data":{}}}"#);
        let complete = Message::text(r#"{"id":"3","type":"complete"}"#);
        let mut whole = run("{ hello }", false, "graphql-transport-ws").connection();
        assert!(matches!(whole.heard(&next).unwrap(), Heard::Own(None)));
        assert!(matches!(whole.heard(&complete).unwrap(), Heard::Reply(3)));
        let mut first = run("{ hello }", true, "graphql-transport-ws").connection();
        assert!(matches!(first.heard(&next).unwrap(), Heard::Reply(3)));
        assert!(matches!(first.heard(&next).unwrap(), Heard::Own(None)));
        assert!(matches!(first.heard(&complete).unwrap(), Heard::Own(None)));
        // A completion with no result before it answers the request.
        assert!(matches!(first.heard(&complete).unwrap(), Heard::Reply(3)));
        let Heard::Own(Some(pong)) = first.heard(&Message::text(r#"{"type":"ping"}"#)).unwrap()
        else {
            panic!("a ping is the protocol's own")
        };
        assert_eq!(text(&pong), r#"{"type":"pong"}"#);
        let err = Message::text(r#"{"id":"4","type":"error","payload":[{"message":"boom"}]}"#);
        let Heard::Failed(e) = first.heard(&err).unwrap() else {
            panic!("an error message is a failed answer")
        };
        assert!(e.to_string().contains("GraphQL operation 4 failed: boom"));
    }

    #[test]
    fn a_payload_that_is_no_operation_is_refused() {
        let plan = Plan {
            init: None,
            handshake_timeout: Duration::from_secs(1),
            close_at_end: None,
            offered: vec!["graphql-transport-ws".to_owned()],
            first_result: false,
        };
        for bad in ["hello", "{ a", r#"{"variables":{}}"#, "[1]"] {
            assert!(
                Run::new(&plan, &SeqTemplate::new(bad.as_bytes())).is_err(),
                "{bad}"
            );
        }
    }
}
