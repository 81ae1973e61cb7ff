//! Socket.IO v5 over Engine.IO v4 as text: Engine.IO packets (a type digit and its data, one
//! per WebSocket text message) and the Socket.IO packets inside Engine.IO messages
//! (`<type>[<attachments>-][<namespace>,][<id>][<JSON>]`). Pure: any text decodes to a packet
//! or a [`CodecError`] that says what is wrong; what is encoded decodes to itself.
//!
//! Binary attachments travel as separate WebSocket binary messages; `binary.rs` puts them in
//! place of their placeholders.

use std::fmt::Write as _;

use serde_json::Value;

/// Why a text is not a packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("an empty message is no Engine.IO packet")]
    Empty,
    #[error("'{0}' is no Engine.IO packet type (0-6)")]
    EngineType(char),
    #[error("'{0}' is no Socket.IO packet type (0-6)")]
    SocketType(char),
    #[error("the attachment count has no '-' after it")]
    Attachments,
    #[error("the ack id is too large")]
    Id,
    #[error("the payload is not JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Shape(&'static str),
}

/// An Engine.IO packet, borrowing its data from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine<'a> {
    /// `0{…}`: the handshake (sid, pingInterval, …), as JSON text.
    Open(&'a str),
    /// `1`: the server closes the session.
    Close,
    Ping(&'a str),
    Pong(&'a str),
    /// `4…`: a Socket.IO packet.
    Message(&'a str),
    Upgrade,
    Noop,
}

impl<'a> Engine<'a> {
    pub fn decode(text: &'a str) -> Result<Engine<'a>, CodecError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(CodecError::Empty)?;
        let data = chars.as_str();
        Ok(match kind {
            '0' => Engine::Open(data),
            '1' => Engine::Close,
            '2' => Engine::Ping(data),
            '3' => Engine::Pong(data),
            '4' => Engine::Message(data),
            '5' => Engine::Upgrade,
            '6' => Engine::Noop,
            other => return Err(CodecError::EngineType(other)),
        })
    }
}

/// The open packet's handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub sid: String,
    pub ping_interval_ms: u64,
    pub ping_timeout_ms: u64,
    /// The largest packet the server takes, in bytes (0: not said).
    pub max_payload: u64,
    pub upgrades: Vec<String>,
}

impl Handshake {
    pub fn decode(json: &str) -> Result<Handshake, CodecError> {
        let v: Value = serde_json::from_str(json).map_err(|e| CodecError::Json(e.to_string()))?;
        let sid = v
            .get("sid")
            .and_then(Value::as_str)
            .ok_or(CodecError::Shape("the open packet has no \"sid\" string"))?;
        let ms = |key| {
            v.get(key).and_then(Value::as_u64).ok_or(CodecError::Shape(
                "the open packet's pingInterval and pingTimeout must be numbers",
            ))
        };
        Ok(Handshake {
            sid: sid.to_owned(),
            ping_interval_ms: ms("pingInterval")?,
            ping_timeout_ms: ms("pingTimeout")?,
            max_payload: v.get("maxPayload").and_then(Value::as_u64).unwrap_or(0),
            upgrades: v
                .get("upgrades")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|u| u.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// The Socket.IO packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Connect,
    Disconnect,
    Event,
    Ack,
    ConnectError,
    BinaryEvent,
    BinaryAck,
}

impl Kind {
    fn digit(self) -> char {
        match self {
            Kind::Connect => '0',
            Kind::Disconnect => '1',
            Kind::Event => '2',
            Kind::Ack => '3',
            Kind::ConnectError => '4',
            Kind::BinaryEvent => '5',
            Kind::BinaryAck => '6',
        }
    }

    fn binary(self) -> bool {
        matches!(self, Kind::BinaryEvent | Kind::BinaryAck)
    }
}

/// A Socket.IO packet.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    pub kind: Kind,
    /// `/` unless the packet names another.
    pub namespace: String,
    /// The ack id: an event that asks for an acknowledgement, or the ack answering it.
    pub id: Option<u64>,
    /// How many binary messages follow (binary events and acks only).
    pub attachments: usize,
    pub data: Option<Value>,
}

impl Packet {
    /// Decodes the text of an Engine.IO message (after its `4`).
    #[cfg(test)]
    pub fn decode(text: &str) -> Result<Packet, CodecError> {
        Packet::decode_raw(text).map(|(p, _)| p)
    }

    /// [`Packet::decode`], also giving the payload's JSON text as the peer wrote it.
    pub fn decode_raw(text: &str) -> Result<(Packet, &str), CodecError> {
        let mut rest = text;
        let first = rest.chars().next().ok_or(CodecError::Empty)?;
        let kind = match first {
            '0' => Kind::Connect,
            '1' => Kind::Disconnect,
            '2' => Kind::Event,
            '3' => Kind::Ack,
            '4' => Kind::ConnectError,
            '5' => Kind::BinaryEvent,
            '6' => Kind::BinaryAck,
            other => return Err(CodecError::SocketType(other)),
        };
        rest = &rest[1..];
        let mut attachments = 0;
        if kind.binary() {
            let (count, after) = rest.split_once('-').ok_or(CodecError::Attachments)?;
            if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CodecError::Attachments);
            }
            attachments = count.parse().map_err(|_| CodecError::Attachments)?;
            rest = after;
        }
        let mut namespace = "/".to_owned();
        if rest.starts_with('/') {
            let end = rest.find(',').unwrap_or(rest.len());
            namespace = rest[..end].to_owned();
            rest = rest.get(end + 1..).unwrap_or("");
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let id = if digits > 0 {
            Some(rest[..digits].parse().map_err(|_| CodecError::Id)?)
        } else {
            None
        };
        rest = &rest[digits..];
        let data = if rest.is_empty() {
            None
        } else {
            Some(serde_json::from_str(rest).map_err(|e| CodecError::Json(e.to_string()))?)
        };
        let packet = Packet {
            kind,
            namespace,
            id,
            attachments,
            data,
        };
        packet.check()?;
        Ok((packet, rest))
    }

    /// The payload rules of each type (socket.io-parser's `isPayloadValid`).
    fn check(&self) -> Result<(), CodecError> {
        let ok = match (self.kind, &self.data) {
            (Kind::Connect, None | Some(Value::Object(_))) => true,
            (Kind::Disconnect, None) => true,
            (Kind::ConnectError, Some(Value::Object(_) | Value::String(_))) => true,
            (Kind::Event | Kind::BinaryEvent, Some(Value::Array(a))) => {
                matches!(a.first(), Some(Value::String(_)))
            }
            (Kind::Ack | Kind::BinaryAck, Some(Value::Array(_))) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(CodecError::Shape(match self.kind {
                Kind::Connect => "a CONNECT payload must be an object",
                Kind::Disconnect => "a DISCONNECT has no payload",
                Kind::ConnectError => "a CONNECT_ERROR payload must be an object or a string",
                Kind::Event | Kind::BinaryEvent => {
                    "an EVENT payload must be an array starting with the event name"
                }
                Kind::Ack | Kind::BinaryAck => "an ACK payload must be an array",
            }))
        }
    }

    /// The Engine.IO message text (with its leading `4`).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(16);
        out.push('4');
        out.push(self.kind.digit());
        if self.kind.binary() {
            let _ = write!(out, "{}-", self.attachments);
        }
        if self.namespace != "/" {
            out.push_str(&self.namespace);
            out.push(',');
        }
        if let Some(id) = self.id {
            let _ = write!(out, "{id}");
        }
        if let Some(data) = &self.data {
            // Serialising a JSON value into a String cannot fail.
            out.push_str(&serde_json::to_string(data).unwrap_or_default());
        }
        out
    }

    /// A CONNECT_ERROR's message (`{"message": …}`, or a string as older servers send).
    pub fn error_message(&self) -> String {
        match &self.data {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(o)) => match o.get("message") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => Value::Object(o.clone()).to_string(),
            },
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }
}

/// An event as the user writes it (a stdin line, `-x`): a JSON array whose first element is
/// the event name.
pub fn event_line(text: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?;
    match &v {
        Value::Array(a) if matches!(a.first(), Some(Value::String(_))) => Ok(v),
        Value::Array(a) if a.is_empty() => {
            Err("the array is empty: it needs the event name first".into())
        }
        Value::Array(_) => Err("its first element must be the event name, a string".into()),
        _ => Err("it is not a JSON array".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn engine_packets_by_type() {
        assert_eq!(Engine::decode("0{}"), Ok(Engine::Open("{}")));
        assert_eq!(Engine::decode("2"), Ok(Engine::Ping("")));
        assert_eq!(Engine::decode("3probe"), Ok(Engine::Pong("probe")));
        assert_eq!(Engine::decode("42[\"a\"]"), Ok(Engine::Message("2[\"a\"]")));
        assert_eq!(Engine::decode(""), Err(CodecError::Empty));
        assert_eq!(Engine::decode("x"), Err(CodecError::EngineType('x')));
        assert_eq!(Engine::decode("é"), Err(CodecError::EngineType('é')));
    }

    #[test]
    fn the_handshake_of_a_stock_server() {
        let h = Handshake::decode(
            r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#,
        )
        .unwrap();
        assert_eq!(h.sid, "lv_VI97HAXpY6yYWAAAC");
        assert_eq!((h.ping_interval_ms, h.ping_timeout_ms), (25000, 20000));
        assert_eq!(h.max_payload, 1_000_000);
        assert!(Handshake::decode(r#"{"pingInterval":1}"#).is_err());
    }

    #[test]
    fn the_examples_of_the_protocol() {
        let p = Packet::decode(r#"2["hello",1]"#).unwrap();
        assert_eq!(
            (p.kind, p.namespace.as_str(), p.id),
            (Kind::Event, "/", None)
        );
        assert_eq!(p.data, Some(json!(["hello", 1])));
        let p = Packet::decode(r#"2/admin,456["project:delete",123]"#).unwrap();
        assert_eq!((p.namespace.as_str(), p.id), ("/admin", Some(456)));
        let p = Packet::decode(r#"3/admin,456[]"#).unwrap();
        assert_eq!((p.kind, p.id), (Kind::Ack, Some(456)));
        let p = Packet::decode(r#"51-["hello",{"_placeholder":true,"num":0}]"#).unwrap();
        assert_eq!((p.kind, p.attachments), (Kind::BinaryEvent, 1));
        let p = Packet::decode(r#"4{"message":"Not authorized"}"#).unwrap();
        assert_eq!(p.error_message(), "Not authorized");
        let p = Packet::decode(r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#).unwrap();
        assert_eq!((p.kind, p.namespace.as_str()), (Kind::Connect, "/admin"));
        assert_eq!(Packet::decode("1").unwrap().kind, Kind::Disconnect);
    }

    #[test]
    fn bad_packets_say_why() {
        assert_eq!(Packet::decode("9"), Err(CodecError::SocketType('9')));
        assert_eq!(Packet::decode("51[\"a\"]"), Err(CodecError::Attachments));
        assert!(matches!(Packet::decode("2[1]"), Err(CodecError::Shape(_))));
        assert!(matches!(Packet::decode("2{"), Err(CodecError::Json(_))));
        assert_eq!(
            Packet::decode("299999999999999999999999[\"a\"]"),
            Err(CodecError::Id)
        );
    }

    #[test]
    fn encoding_adds_namespace_id_and_attachments() {
        let p = Packet {
            kind: Kind::BinaryEvent,
            namespace: "/admin".into(),
            id: Some(7),
            attachments: 2,
            data: Some(json!(["x"])),
        };
        assert_eq!(p.encode(), r#"452-/admin,7["x"]"#);
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            ".{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-z]{1,4}", inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn packet() -> impl Strategy<Value = Packet> {
        let kind = prop_oneof![
            Just(Kind::Connect),
            Just(Kind::Disconnect),
            Just(Kind::Event),
            Just(Kind::Ack),
            Just(Kind::ConnectError),
            Just(Kind::BinaryEvent),
            Just(Kind::BinaryAck),
        ];
        (
            kind,
            prop_oneof![Just("/".to_owned()), "/[a-z0-9_/-]{1,8}"],
            proptest::option::of(0u64..u64::MAX),
            0usize..5,
            prop::collection::vec(value(), 0..3),
            ".{0,6}",
        )
            .prop_map(|(kind, namespace, id, n, args, name)| {
                let data = match kind {
                    Kind::Connect => Some(json!({ "token": name })),
                    Kind::Disconnect => None,
                    Kind::ConnectError => Some(json!({ "message": name })),
                    Kind::Event | Kind::BinaryEvent => {
                        let mut a = vec![Value::String(name)];
                        a.extend(args);
                        Some(Value::Array(a))
                    }
                    Kind::Ack | Kind::BinaryAck => Some(Value::Array(args)),
                };
                let id = matches!(
                    kind,
                    Kind::Event | Kind::BinaryEvent | Kind::Ack | Kind::BinaryAck
                )
                .then_some(id)
                .flatten();
                Packet {
                    kind,
                    namespace,
                    id,
                    attachments: if kind.binary() { n } else { 0 },
                    data,
                }
            })
    }

    proptest! {
        #[test]
        fn any_text_is_a_packet_or_a_clean_error(s in "\\PC{0,40}") {
            if let Ok(Engine::Message(m)) = Engine::decode(&s) {
                let _ = Packet::decode(m);
            }
            let _ = Packet::decode(&s);
            let _ = Handshake::decode(&s);
        }

        #[test]
        fn packet_shaped_text_decodes_or_fails_cleanly(
            kind in "[0-6]", att in "([0-9]{1,3}-)?", ns in "(/[a-z,]{0,4},?)?",
            id in "[0-9]{0,22}", json in "(\\[|\\{|\"|[0-9a-z,:\\]\\}]){0,12}",
        ) {
            let _ = Packet::decode(&format!("{kind}{att}{ns}{id}{json}"));
        }

        #[test]
        fn any_user_line_is_an_event_or_a_reason(s in "\\PC{0,30}") {
            if let Ok(v) = event_line(&s) {
                prop_assert!(v.as_array().and_then(|a| a.first()).is_some_and(Value::is_string));
            }
        }

        #[test]
        fn encoded_packets_decode_to_themselves(p in packet()) {
            let text = p.encode();
            let Ok(Engine::Message(m)) = Engine::decode(&text) else {
                panic!("not a message: {text}");
            };
            prop_assert_eq!(Packet::decode(m), Ok(p));
        }
    }
}
