//! Socket.IO's events as the printer shows them: each one's JSON record (the keys listed
//! under JSON OUTPUT) and human line. Built only when they are shown.

use serde_json::{Map, Value};

use super::codec::Handshake;
use crate::proto::fields::{dir, map, side};
use crate::session::{Dir, ProtoEvent, ProtoLine, Side, Tone};

/// The longest event payload shown on a human line, in characters.
const PREVIEW: usize = 100;

/// The Engine.IO open packet: the session id and the server's heartbeat.
#[derive(Debug)]
pub struct Opened<'a>(pub &'a Handshake);

/// A namespace accepted the CONNECT.
#[derive(Debug)]
pub struct Connected<'a> {
    pub namespace: &'a str,
    pub sid: Option<&'a str>,
}

/// A namespace refused the CONNECT (CONNECT_ERROR).
#[derive(Debug)]
pub struct Refused<'a> {
    pub namespace: &'a str,
    pub message: &'a str,
    /// The error's `data`, when the server gave one.
    pub data: Option<&'a Value>,
}

/// The namespace (`41`) or the whole Engine.IO session (`1`) was ended by the server.
#[derive(Debug)]
pub struct Disconnected<'a> {
    pub namespace: &'a str,
    pub initiator: Side,
    /// The Engine.IO close packet rather than the namespace's DISCONNECT.
    pub engine: bool,
}

/// An event emitted or received.
#[derive(Debug)]
pub struct Emitted<'a> {
    pub dir: Dir,
    pub namespace: &'a str,
    pub id: Option<u64>,
    pub data: &'a Value,
}

/// An acknowledgement, with the name of the emit it answers when we know it.
#[derive(Debug)]
pub struct Acked<'a> {
    pub dir: Dir,
    pub namespace: &'a str,
    pub id: u64,
    pub data: &'a Value,
    pub answers: Option<&'a str>,
}

/// An Engine.IO ping from the server (answered with a pong).
#[derive(Debug)]
pub struct Pinged;

/// Compact JSON, cut to [`PREVIEW`] characters.
fn preview(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(PREVIEW) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn secs(ms: u64) -> String {
    humantime::format_duration(std::time::Duration::from_millis(ms)).to_string()
}

impl ProtoEvent for Opened<'_> {
    fn name(&self) -> &'static str {
        "socketio_open"
    }

    fn fields(&self) -> Map<String, Value> {
        let h = self.0;
        map([
            ("sid", Value::from(h.sid.as_str())),
            ("ping_interval_ms", h.ping_interval_ms.into()),
            ("ping_timeout_ms", h.ping_timeout_ms.into()),
            ("max_payload", h.max_payload.into()),
            ("upgrades", h.upgrades.clone().into()),
        ])
    }

    fn line(&self) -> ProtoLine {
        let h = self.0;
        ProtoLine {
            dir: None,
            label: "SOCKET.IO",
            tone: Tone::Good,
            text: format!(
                "sid={} pingInterval={} pingTimeout={} maxPayload={}",
                h.sid,
                secs(h.ping_interval_ms),
                secs(h.ping_timeout_ms),
                h.max_payload
            ),
        }
    }
}

impl ProtoEvent for Connected<'_> {
    fn name(&self) -> &'static str {
        "socketio_connect"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("namespace", Value::from(self.namespace)),
            ("sid", self.sid.map_or(Value::Null, Value::from)),
        ])
    }

    fn line(&self) -> ProtoLine {
        let sid = self.sid.map(|s| format!(" sid={s}")).unwrap_or_default();
        ProtoLine {
            dir: None,
            label: "CONNECTED",
            tone: Tone::Good,
            text: format!("namespace {}{sid}", self.namespace),
        }
    }
}

impl ProtoEvent for Refused<'_> {
    fn name(&self) -> &'static str {
        "socketio_connect_error"
    }

    fn fields(&self) -> Map<String, Value> {
        let mut m = map([
            ("namespace", Value::from(self.namespace)),
            ("message", Value::from(self.message)),
        ]);
        if let Some(d) = self.data {
            m.insert("data".into(), d.clone());
        }
        m
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: None,
            label: "CONNECT_ERROR",
            tone: Tone::Bad,
            text: format!("namespace {}: {}", self.namespace, self.message),
        }
    }
}

impl ProtoEvent for Disconnected<'_> {
    fn name(&self) -> &'static str {
        "socketio_disconnect"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("namespace", Value::from(self.namespace)),
            ("initiator", side(self.initiator)),
            ("engine", self.engine.into()),
        ])
    }

    fn line(&self) -> ProtoLine {
        let by = match self.initiator {
            Side::Local => "by us",
            Side::Remote => "by the server",
        };
        let what = if self.engine {
            "the Engine.IO session closed"
        } else {
            "namespace"
        };
        ProtoLine {
            dir: None,
            label: "DISCONNECT",
            tone: Tone::Ending,
            text: if self.engine {
                format!("{what} {by}")
            } else {
                format!("{what} {} {by}", self.namespace)
            },
        }
    }
}

impl ProtoEvent for Emitted<'_> {
    fn name(&self) -> &'static str {
        "socketio_event"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("dir", dir(self.dir)),
            ("namespace", Value::from(self.namespace)),
            ("id", self.id.map_or(Value::Null, Value::from)),
            ("data", self.data.clone()),
        ])
    }

    fn line(&self) -> ProtoLine {
        let id = self.id.map(|i| format!("id={i} ")).unwrap_or_default();
        ProtoLine {
            dir: Some(self.dir),
            label: "event",
            tone: Tone::Traffic,
            text: format!("{id}{}", preview(self.data)),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

impl ProtoEvent for Acked<'_> {
    fn name(&self) -> &'static str {
        "socketio_ack"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("dir", dir(self.dir)),
            ("namespace", Value::from(self.namespace)),
            ("id", self.id.into()),
            ("answers", self.answers.map_or(Value::Null, Value::from)),
            ("data", self.data.clone()),
        ])
    }

    fn line(&self) -> ProtoLine {
        let answers = self
            .answers
            .map(|a| format!(" (answers emit {})", Value::from(a)))
            .unwrap_or_default();
        ProtoLine {
            dir: Some(self.dir),
            label: "ack",
            tone: Tone::Traffic,
            text: format!("id={}{answers} {}", self.id, preview(self.data)),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

impl ProtoEvent for Pinged {
    fn name(&self) -> &'static str {
        "socketio_ping"
    }

    fn fields(&self) -> Map<String, Value> {
        map([("dir", dir(Dir::In))])
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: Some(Dir::In),
            label: "engine.io ping",
            tone: Tone::Traffic,
            text: "(answered with a pong)".into(),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_ack_names_the_emit_it_answers_in_json_and_in_words() {
        let data = json!([3]);
        let ack = Acked {
            dir: Dir::In,
            namespace: "/",
            id: 0,
            data: &data,
            answers: Some("add"),
        };
        assert_eq!(
            Value::Object(ack.fields()),
            json!({"dir": "in", "namespace": "/", "id": 0, "answers": "add", "data": [3]})
        );
        assert_eq!(ack.line().text, r#"id=0 (answers emit "add") [3]"#);
        assert!(ack.hot());
    }

    #[test]
    fn the_open_packet_in_words() {
        let h = Handshake {
            sid: "abc".into(),
            ping_interval_ms: 25_000,
            ping_timeout_ms: 20_000,
            max_payload: 1_000_000,
            upgrades: vec![],
        };
        assert_eq!(
            Opened(&h).line().text,
            "sid=abc pingInterval=25s pingTimeout=20s maxPayload=1000000"
        );
        assert!(!Opened(&h).hot());
    }

    #[test]
    fn long_events_are_cut_on_their_line_but_whole_in_json() {
        let data = json!(["big", "x".repeat(500)]);
        let ev = Emitted {
            dir: Dir::Out,
            namespace: "/",
            id: None,
            data: &data,
        };
        assert!(ev.line().text.ends_with('…'));
        assert_eq!(ev.fields()["data"], data);
    }
}
