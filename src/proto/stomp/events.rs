//! STOMP's events as the printer shows them: each one's JSON record (the keys listed under
//! JSON OUTPUT in GUIDE.md) and human line. Built only when they are shown.

use serde_json::{Map, Value};

use super::codec::Frame;
use crate::proto::fields::{dir, map};
use crate::session::{Dir, ProtoEvent, ProtoLine, Tone};

/// The longest body shown on a human line, in characters.
const PREVIEW: usize = 100;

fn opt(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

/// The body as text (lossy for bytes that are not UTF-8), cut to [`PREVIEW`] characters.
fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(PREVIEW) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

/// All headers as a JSON object (the first of a repeated header, as STOMP 1.2 reads it).
fn headers(f: &Frame) -> Value {
    let mut m = Map::new();
    for (k, v) in &f.headers {
        m.entry(k.clone())
            .or_insert_with(|| Value::from(v.as_str()));
    }
    Value::Object(m)
}

fn header_words(f: &Frame, skip: &[&str]) -> String {
    f.headers
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| format!(" {k}:{v}"))
        .collect()
}

/// CONNECTED: the version, server, heart-beat and session.
#[derive(Debug)]
pub struct Connected<'a> {
    pub frame: &'a Frame,
    pub version: &'static str,
    /// Negotiated: ours out, the server's in (milliseconds, 0: none).
    pub send_ms: u64,
    pub expect_ms: u64,
}

impl ProtoEvent for Connected<'_> {
    fn name(&self) -> &'static str {
        "stomp_connected"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("version", Value::from(self.version)),
            ("server", opt(self.frame.get("server"))),
            ("session", opt(self.frame.get("session"))),
            ("heart_beat", opt(self.frame.get("heart-beat"))),
            ("send_every_ms", self.send_ms.into()),
            ("expect_every_ms", self.expect_ms.into()),
        ])
    }

    fn line(&self) -> ProtoLine {
        let ms = |m: u64| {
            if m == 0 {
                "off".to_owned()
            } else {
                format!(
                    "every {}",
                    humantime::format_duration(std::time::Duration::from_millis(m))
                )
            }
        };
        let mut text = format!("version={}", self.version);
        if let Some(s) = self.frame.get("server") {
            text += &format!(" server={s}");
        }
        if let Some(s) = self.frame.get("session") {
            text += &format!(" session={s}");
        }
        text += &format!(
            " heart-beat={} (ours {}, the server's {})",
            self.frame.get("heart-beat").unwrap_or("0,0"),
            ms(self.send_ms),
            ms(self.expect_ms)
        );
        ProtoLine {
            dir: None,
            label: "CONNECTED",
            tone: Tone::Good,
            text,
        }
    }
}

/// A frame that carries a body to or from a destination: MESSAGE in, SEND out.
#[derive(Debug)]
pub struct Traffic<'a> {
    pub dir: Dir,
    pub frame: &'a Frame,
}

impl ProtoEvent for Traffic<'_> {
    fn name(&self) -> &'static str {
        match self.dir {
            Dir::In => "stomp_message",
            Dir::Out => "stomp_send",
        }
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("dir", dir(self.dir)),
            ("destination", opt(self.frame.get("destination"))),
            ("subscription", opt(self.frame.get("subscription"))),
            ("message_id", opt(self.frame.get("message-id"))),
            ("receipt", opt(self.frame.get("receipt"))),
            ("headers", headers(self.frame)),
            (
                "body",
                Value::from(String::from_utf8_lossy(&self.frame.body).into_owned()),
            ),
        ])
    }

    fn line(&self) -> ProtoLine {
        let skip = ["destination", "content-length"];
        ProtoLine {
            dir: Some(self.dir),
            label: match self.dir {
                Dir::In => "MESSAGE",
                Dir::Out => "SEND",
            },
            tone: Tone::Traffic,
            text: format!(
                "{}{} | {}",
                self.frame.get("destination").unwrap_or("-"),
                header_words(self.frame, &skip),
                preview(&self.frame.body)
            ),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

/// A frame without a body worth showing: SUBSCRIBE, UNSUBSCRIBE, DISCONNECT (out), RECEIPT
/// (in, with what asked for it).
#[derive(Debug)]
pub struct Control<'a> {
    pub dir: Dir,
    pub frame: &'a Frame,
    pub answers: Option<&'a str>,
}

impl ProtoEvent for Control<'_> {
    fn name(&self) -> &'static str {
        match self.frame.command.as_str() {
            "SUBSCRIBE" => "stomp_subscribe",
            "UNSUBSCRIBE" => "stomp_unsubscribe",
            "DISCONNECT" => "stomp_disconnect",
            "RECEIPT" => "stomp_receipt",
            _ => "stomp_frame",
        }
    }

    fn fields(&self) -> Map<String, Value> {
        let mut m = map([
            ("dir", dir(self.dir)),
            ("command", Value::from(self.frame.command.as_str())),
            ("headers", headers(self.frame)),
        ]);
        if self.frame.command == "RECEIPT" {
            m.insert("answers".into(), opt(self.answers));
        }
        m
    }

    fn line(&self) -> ProtoLine {
        let answers = self
            .answers
            .map(|a| format!(" (answers {a})"))
            .unwrap_or_default();
        ProtoLine {
            dir: Some(self.dir),
            label: match self.frame.command.as_str() {
                "SUBSCRIBE" => "SUBSCRIBE",
                "UNSUBSCRIBE" => "UNSUBSCRIBE",
                "DISCONNECT" => "DISCONNECT",
                "RECEIPT" => "RECEIPT",
                _ => "frame",
            },
            tone: Tone::Traffic,
            text: format!("{}{answers}", header_words(self.frame, &[]).trim_start()),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

/// An ERROR frame: its `message` header and body.
#[derive(Debug)]
pub struct Error<'a>(pub &'a Frame);

impl ProtoEvent for Error<'_> {
    fn name(&self) -> &'static str {
        "stomp_error"
    }

    fn fields(&self) -> Map<String, Value> {
        map([
            ("message", opt(self.0.get("message"))),
            ("receipt_id", opt(self.0.get("receipt-id"))),
            ("headers", headers(self.0)),
            (
                "body",
                Value::from(String::from_utf8_lossy(&self.0.body).into_owned()),
            ),
        ])
    }

    fn line(&self) -> ProtoLine {
        let body = preview(&self.0.body);
        let body = body.trim();
        ProtoLine {
            dir: None,
            label: "ERROR",
            tone: Tone::Bad,
            text: match (self.0.get("message"), body.is_empty()) {
                (Some(m), true) => m.to_owned(),
                (Some(m), false) => format!("{m} | {body}"),
                (None, _) => body.to_owned(),
            },
        }
    }
}

/// A heart-beat (a lone EOL), in either direction.
#[derive(Debug)]
pub struct HeartBeat(pub Dir);

impl ProtoEvent for HeartBeat {
    fn name(&self) -> &'static str {
        "stomp_heartbeat"
    }

    fn fields(&self) -> Map<String, Value> {
        map([("dir", dir(self.0))])
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: Some(self.0),
            label: "heart-beat",
            tone: Tone::Traffic,
            text: String::new(),
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
    fn a_message_shows_its_headers_in_words_and_in_json() {
        let f = Frame::new("MESSAGE")
            .header("destination", "/topic/greetings")
            .header("subscription", "sub-0")
            .header("message-id", "7")
            .body(b"Hello, Ada!".to_vec());
        let ev = Traffic {
            dir: Dir::In,
            frame: &f,
        };
        assert_eq!(
            ev.line().text,
            "/topic/greetings subscription:sub-0 message-id:7 | Hello, Ada!"
        );
        let fields = Value::Object(ev.fields());
        assert_eq!(fields["destination"], json!("/topic/greetings"));
        assert_eq!(fields["headers"]["message-id"], json!("7"));
        assert_eq!(fields["body"], json!("Hello, Ada!"));
    }

    #[test]
    fn an_error_shows_its_message_and_body() {
        let f = Frame::new("ERROR")
            .header("message", "Bad login")
            .body(b"wrong passcode\n".to_vec());
        assert_eq!(Error(&f).line().text, "Bad login | wrong passcode");
    }
}
