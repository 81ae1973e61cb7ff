//! GraphQL over WebSocket's events as the printer shows them: each one's JSON record (the
//! keys listed under JSON OUTPUT) and human line. Built only when they are shown.

use serde_json::{Map, Value};

use super::codec::error_messages;
use crate::proto::fields::{dir, map, side};
use crate::session::{Dir, ProtoEvent, ProtoLine, Side, Tone};

/// The longest payload shown on a human line, in characters.
const PREVIEW: usize = 100;

/// The server acknowledged `connection_init`.
#[derive(Debug)]
pub struct Acked<'a> {
    pub protocol: &'a str,
    pub payload: Option<&'a Value>,
}

/// Legacy `connection_error`: the server refused `connection_init`.
#[derive(Debug)]
pub struct Refused<'a> {
    pub payload: Option<&'a Value>,
}

/// An operation sent (`subscribe`, legacy `start`).
#[derive(Debug)]
pub struct Subscribed<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub payload: &'a Value,
}

/// A result (`next`, legacy `data`).
#[derive(Debug)]
pub struct Next<'a> {
    pub id: &'a str,
    pub payload: &'a Value,
}

/// An operation's errors: an `error` message (the operation is over) or a result's `errors`.
#[derive(Debug)]
pub struct Failed<'a> {
    pub id: &'a str,
    pub errors: &'a Value,
    /// An `error` message rather than a result carrying `errors`.
    pub ended: bool,
}

/// An operation completed (by the server, or stopped by us).
#[derive(Debug)]
pub struct Completed<'a> {
    pub id: &'a str,
    pub initiator: Side,
    pub results: u64,
}

/// A ping, pong or keep-alive (`ka`).
#[derive(Debug)]
pub struct Pinged {
    pub dir: Dir,
    pub kind: &'static str,
}

/// The server closed with one of the protocol's codes: what it means.
#[derive(Debug)]
pub struct Closed<'a> {
    pub code: u16,
    pub meaning: &'a str,
}

fn opt(v: Option<&Value>) -> Value {
    v.cloned().unwrap_or(Value::Null)
}

/// Compact JSON, cut to [`PREVIEW`] characters.
fn preview(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(PREVIEW) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

impl ProtoEvent for Acked<'_> {
    fn name(&self) -> &'static str {
        "graphql_ack"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("protocol", Value::from(self.protocol)),
            ("payload", opt(self.payload)),
        ])
    }

    fn line(&self) -> ProtoLine {
        let payload = self
            .payload
            .map(|p| format!(" payload={}", preview(p)))
            .unwrap_or_default();
        ProtoLine {
            dir: None,
            label: "GRAPHQL",
            tone: Tone::Good,
            text: format!("connection_ack protocol={}{payload}", self.protocol),
        }
    }
}

impl ProtoEvent for Refused<'_> {
    fn name(&self) -> &'static str {
        "graphql_connection_error"
    }

    fn fields(&self) -> Map<String, Value> {
        map([("payload", opt(self.payload))])
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: None,
            label: "REFUSED",
            tone: Tone::Bad,
            text: format!(
                "connection_error {}",
                self.payload.map_or("(no payload)".into(), error_messages)
            ),
        }
    }
}

impl ProtoEvent for Subscribed<'_> {
    fn name(&self) -> &'static str {
        "graphql_subscribe"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("dir", dir(Dir::Out)),
            ("id", Value::from(self.id)),
            ("operation", Value::from(self.kind)),
            ("payload", self.payload.clone()),
        ])
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: Some(Dir::Out),
            label: "subscribe",
            tone: Tone::Traffic,
            text: format!("id={} {} {}", self.id, self.kind, preview(self.payload)),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

impl ProtoEvent for Next<'_> {
    fn name(&self) -> &'static str {
        "graphql_next"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("dir", dir(Dir::In)),
            ("id", Value::from(self.id)),
            ("payload", self.payload.clone()),
        ])
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: Some(Dir::In),
            label: "next",
            tone: Tone::Traffic,
            text: format!("id={} {}", self.id, preview(self.payload)),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

impl ProtoEvent for Failed<'_> {
    fn name(&self) -> &'static str {
        "graphql_error"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("id", Value::from(self.id)),
            ("ended", self.ended.into()),
            ("errors", self.errors.clone()),
        ])
    }

    fn line(&self) -> ProtoLine {
        let what = if self.ended {
            "failed"
        } else {
            "has errors in a result"
        };
        ProtoLine {
            dir: None,
            label: "GRAPHQL ERROR",
            tone: Tone::Bad,
            text: format!(
                "operation {} {what}: {}",
                self.id,
                error_messages(self.errors)
            ),
        }
    }
}

impl ProtoEvent for Completed<'_> {
    fn name(&self) -> &'static str {
        "graphql_complete"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("id", Value::from(self.id)),
            ("initiator", side(self.initiator)),
            ("results", self.results.into()),
        ])
    }

    fn line(&self) -> ProtoLine {
        let by = match self.initiator {
            Side::Local => "stopped by us",
            Side::Remote => "completed by the server",
        };
        ProtoLine {
            dir: None,
            label: "COMPLETE",
            tone: Tone::Ending,
            text: format!(
                "operation {} {by} after {} result(s)",
                self.id, self.results
            ),
        }
    }
}

impl ProtoEvent for Pinged {
    fn name(&self) -> &'static str {
        "graphql_ping"
    }

    fn fields(&self) -> Map<String, Value> {
        map([("dir", dir(self.dir)), ("type", Value::from(self.kind))])
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: Some(self.dir),
            label: self.kind,
            tone: Tone::Traffic,
            text: match (self.kind, self.dir) {
                ("ping", Dir::In) => "(answered with a pong)".into(),
                ("ka", _) => "(the server's keep-alive)".into(),
                _ => String::new(),
            },
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

impl ProtoEvent for Closed<'_> {
    fn name(&self) -> &'static str {
        "graphql_close"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("code", self.code.into()),
            ("meaning", Value::from(self.meaning)),
        ])
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: None,
            label: "GRAPHQL",
            tone: Tone::Bad,
            text: format!("the server closed with {}: {}", self.code, self.meaning),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_in_words_and_in_json() {
        let errors = json!([{"message":"boom","path":["fail"]}]);
        let ev = Failed {
            id: "2",
            errors: &errors,
            ended: true,
        };
        assert_eq!(ev.line().text, "operation 2 failed: boom");
        assert_eq!(
            Value::Object(ev.fields()),
            json!({"id":"2","ended":true,"errors":errors})
        );
    }

    #[test]
    fn the_ack_names_the_protocol() {
        let p = json!({"server":"x"});
        let ev = Acked {
            protocol: "graphql-ws",
            payload: Some(&p),
        };
        assert_eq!(
            ev.line().text,
            r#"connection_ack protocol=graphql-ws payload={"server":"x"}"#
        );
    }
}
