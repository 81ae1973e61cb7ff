//! SockJS frames of the websocket transport ⇄ text: pure, no I/O. From the server: `o`
//! (open), `h` (heartbeat), `a["…","…"]` (messages), `m"…"` (one message, older servers),
//! `c[code,"reason"]` (close). From the client: a JSON array of strings.

use std::fmt;

use serde_json::Value;

/// One frame from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Open,
    Heartbeat,
    Messages(Vec<String>),
    Close(u16, String),
}

/// Text that is no SockJS frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSockJs(pub String);

impl fmt::Display for NotSockJs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Frame {
    pub fn decode(text: &str) -> Result<Frame, NotSockJs> {
        let bad = |why: &str| NotSockJs(why.to_owned());
        // The frame's letter, and what follows it (a first character of several bytes is
        // no letter of SockJS's, and must not be cut inside).
        let mut chars = text.chars();
        let kind = chars.next();
        let rest = chars.as_str();
        match kind {
            Some('o') if rest.is_empty() => Ok(Frame::Open),
            Some('h') if rest.is_empty() => Ok(Frame::Heartbeat),
            Some('a') => match serde_json::from_str::<Value>(rest) {
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s),
                        _ => Err(bad("an a[…] frame holds something that is not a string")),
                    })
                    .collect::<Result<_, _>>()
                    .map(Frame::Messages),
                _ => Err(bad("an a frame is not followed by a JSON array")),
            },
            Some('m') => match serde_json::from_str::<Value>(rest) {
                Ok(Value::String(s)) => Ok(Frame::Messages(vec![s])),
                _ => Err(bad("an m frame is not followed by a JSON string")),
            },
            Some('c') => match serde_json::from_str::<Value>(rest) {
                Ok(Value::Array(v)) if v.len() == 2 => {
                    let code = v[0].as_u64().and_then(|c| u16::try_from(c).ok());
                    match (code, v[1].as_str()) {
                        (Some(code), Some(reason)) => Ok(Frame::Close(code, reason.to_owned())),
                        _ => Err(bad("a c frame is not [code,\"reason\"]")),
                    }
                }
                _ => Err(bad("a c frame is not [code,\"reason\"]")),
            },
            None => Err(bad("an empty message")),
            _ => Err(bad("not an o, h, a, m or c frame")),
        }
    }
}

/// What the client sends: its messages as one JSON array of strings.
pub fn encode<'a>(messages: impl IntoIterator<Item = &'a str>) -> String {
    Value::Array(messages.into_iter().map(Value::from).collect()).to_string()
}

/// The server and session ids of a new SockJS session, as sockjs-client makes them: three
/// digits, and eight characters of [a-z0-9].
pub fn session_path() -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let server = rand::random::<u32>() % 1000;
    let session: String = rand::random::<[u8; 8]>()
        .iter()
        .map(|b| char::from(CHARS[usize::from(*b) % CHARS.len()]))
        .collect();
    format!("{server:03}/{session}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_frames_of_the_websocket_transport() {
        assert_eq!(Frame::decode("o"), Ok(Frame::Open));
        assert_eq!(Frame::decode("h"), Ok(Frame::Heartbeat));
        assert_eq!(
            Frame::decode(r#"a["CONNECTED\nversion:1.2\n\n\u0000","b"]"#),
            Ok(Frame::Messages(vec![
                "CONNECTED\nversion:1.2\n\n\0".into(),
                "b".into()
            ]))
        );
        assert_eq!(
            Frame::decode(r#"m"x""#),
            Ok(Frame::Messages(vec!["x".into()]))
        );
        assert_eq!(
            Frame::decode(r#"c[3000,"Go away!"]"#),
            Ok(Frame::Close(3000, "Go away!".into()))
        );
        assert!(Frame::decode("hello").is_err());
        // A first character of several bytes (found by the property test: it panicked).
        assert!(Frame::decode("é").is_err());
        assert!(Frame::decode("😀a[]").is_err());
        assert!(Frame::decode("a[1]").is_err());
        assert!(Frame::decode("c[99999,\"x\"]").is_err());
    }

    #[test]
    fn session_paths_look_like_sockjs_clients() {
        let p = session_path();
        let (server, session) = p.split_once('/').unwrap();
        assert_eq!(server.len(), 3);
        assert!(server.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(session.len(), 8);
    }

    proptest! {
        #[test]
        fn any_text_is_a_frame_or_a_clean_error(s in "\\PC{0,40}|[oahmc]\\[.{0,20}") {
            let _ = Frame::decode(&s);
        }

        #[test]
        fn what_is_sent_reads_back_as_messages(msgs in prop::collection::vec("\\PC{0,20}|[\\x00-\\x1f\"\\\\]{0,5}", 0..4)) {
            let text = format!("a{}", encode(msgs.iter().map(String::as_str)));
            prop_assert_eq!(Frame::decode(&text), Ok(Frame::Messages(msgs)));
        }
    }
}
