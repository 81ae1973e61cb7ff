//! SockJS's events as the printer shows them: the open frame, heartbeats, the close frame.

use serde_json::{Map, Value};

use crate::session::{Dir, ProtoEvent, ProtoLine, Tone};

/// `o`: the SockJS session is open.
#[derive(Debug)]
pub struct Opened<'a> {
    pub session: &'a str,
}

/// `h`: the server's heartbeat.
#[derive(Debug)]
pub struct Heartbeat;

/// `c[code,"reason"]`: the server closes the SockJS session.
#[derive(Debug)]
pub struct Closed<'a> {
    pub code: u16,
    pub reason: &'a str,
}

impl ProtoEvent for Opened<'_> {
    fn name(&self) -> &'static str {
        "sockjs_open"
    }

    fn fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("session".into(), Value::from(self.session));
        m
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: None,
            label: "SOCKJS",
            tone: Tone::Good,
            text: format!("open (server/session {})", self.session),
        }
    }
}

impl ProtoEvent for Heartbeat {
    fn name(&self) -> &'static str {
        "sockjs_heartbeat"
    }

    fn fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("dir".into(), Value::from("in"));
        m
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: Some(Dir::In),
            label: "sockjs heartbeat",
            tone: Tone::Traffic,
            text: String::new(),
        }
    }

    fn hot(&self) -> bool {
        true
    }
}

impl ProtoEvent for Closed<'_> {
    fn name(&self) -> &'static str {
        "sockjs_close"
    }

    fn fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("code".into(), Value::from(self.code));
        m.insert("reason".into(), Value::from(self.reason));
        m
    }

    fn line(&self) -> ProtoLine {
        ProtoLine {
            dir: None,
            label: "SOCKJS",
            tone: Tone::Ending,
            text: format!("close frame {} {:?}", self.code, self.reason),
        }
    }
}
