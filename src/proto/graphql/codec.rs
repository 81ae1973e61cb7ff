//! GraphQL over WebSocket as text: the messages of `graphql-transport-ws` (graphql-ws's
//! protocol) and of the legacy `graphql-ws` (subscriptions-transport-ws), each one JSON
//! object `{"id":…,"type":…,"payload":…}` per WebSocket text message. Pure: any text decodes
//! to a message of the flavor or a [`CodecError`] saying what is wrong; what is encoded
//! decodes to itself.
//!
//! Also the user's side: [`operation`] reads a line (a GraphQL document, or a JSON object
//! with `query`, `variables`, `operationName`) into a subscribe payload.

use serde_json::{Map, Value};

/// A selection set's braces (named, so that no line holds one unpaired).
const BRACES: (char, char) = ('{', '}');
/// The pairs a document's brackets must balance in.
const PAIRS: [(char, char); 3] = [BRACES, ('(', ')'), ('[', ']')];

/// Which of the two protocols the server picked (its `Sec-WebSocket-Protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `graphql-transport-ws`: graphql-ws 5+, Apollo Server 4, Hasura, Yoga…
    TransportWs,
    /// `graphql-ws`: subscriptions-transport-ws, the legacy protocol.
    Legacy,
}

impl Flavor {
    /// The subprotocols offered, in order of preference.
    pub const OFFERED: [&'static str; 2] = ["graphql-transport-ws", "graphql-ws"];

    pub fn subprotocol(self) -> &'static str {
        match self {
            Flavor::TransportWs => "graphql-transport-ws",
            Flavor::Legacy => "graphql-ws",
        }
    }

    pub fn from_subprotocol(p: &str) -> Option<Flavor> {
        match p {
            "graphql-transport-ws" => Some(Flavor::TransportWs),
            "graphql-ws" => Some(Flavor::Legacy),
            _ => None,
        }
    }
}

/// One message of either protocol. Operation ids are strings on the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    ConnectionInit(Option<Value>),
    ConnectionAck(Option<Value>),
    /// Legacy only: the server refused `connection_init`.
    ConnectionError(Option<Value>),
    /// Legacy only: the client ends the session.
    ConnectionTerminate,
    /// Legacy only: the server's keep-alive (`ka`).
    KeepAlive,
    /// `graphql-transport-ws` only, either way.
    Ping(Option<Value>),
    Pong(Option<Value>),
    /// `subscribe` (legacy: `start`): an operation, its payload `{query, variables, …}`.
    Subscribe {
        id: String,
        payload: Value,
    },
    /// `next` (legacy: `data`): one ExecutionResult.
    Next {
        id: String,
        payload: Value,
    },
    /// `error`: the operation failed before it ran (GraphQL errors, an array; legacy: an
    /// object or an array).
    Error {
        id: String,
        payload: Value,
    },
    /// `complete`: the operation is over (from the client too in `graphql-transport-ws`).
    Complete {
        id: String,
    },
    /// Legacy only: the client stops an operation.
    Stop {
        id: String,
    },
}

/// Why a text is not a message of the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not a JSON object")]
    NotObject,
    #[error("no \"type\" string")]
    NoType,
    #[error("\"{0}\" is no message type of {1}")]
    Type(String, &'static str),
    #[error("a \"{0}\" message needs an \"id\" string")]
    Id(&'static str),
    #[error("a \"{0}\" message needs a \"payload\" {1}")]
    Payload(&'static str, &'static str),
}

impl Msg {
    /// The message's `type` in `flavor`.
    pub fn kind(&self, flavor: Flavor) -> &'static str {
        let legacy = flavor == Flavor::Legacy;
        match self {
            Msg::ConnectionInit(_) => "connection_init",
            Msg::ConnectionAck(_) => "connection_ack",
            Msg::ConnectionError(_) => "connection_error",
            Msg::ConnectionTerminate => "connection_terminate",
            Msg::KeepAlive => "ka",
            Msg::Ping(_) => "ping",
            Msg::Pong(_) => "pong",
            Msg::Subscribe { .. } if legacy => "start",
            Msg::Subscribe { .. } => "subscribe",
            Msg::Next { .. } if legacy => "data",
            Msg::Next { .. } => "next",
            Msg::Error { .. } => "error",
            Msg::Complete { .. } => "complete",
            Msg::Stop { .. } => "stop",
        }
    }

    /// The message that cancels operation `id` from the client's side.
    pub fn cancel(flavor: Flavor, id: String) -> Msg {
        match flavor {
            Flavor::TransportWs => Msg::Complete { id },
            Flavor::Legacy => Msg::Stop { id },
        }
    }

    /// The JSON text of the message in `flavor` (keys in the order id, type, payload).
    pub fn encode(&self, flavor: Flavor) -> String {
        let mut m = Map::new();
        let (id, payload) = match self {
            Msg::ConnectionInit(p)
            | Msg::ConnectionAck(p)
            | Msg::ConnectionError(p)
            | Msg::Ping(p)
            | Msg::Pong(p) => (None, p.as_ref()),
            Msg::ConnectionTerminate | Msg::KeepAlive => (None, None),
            Msg::Subscribe { id, payload }
            | Msg::Next { id, payload }
            | Msg::Error { id, payload } => (Some(id), Some(payload)),
            Msg::Complete { id } | Msg::Stop { id } => (Some(id), None),
        };
        if let Some(id) = id {
            m.insert("id".into(), Value::from(id.as_str()));
        }
        m.insert("type".into(), Value::from(self.kind(flavor)));
        if let Some(p) = payload {
            m.insert("payload".into(), p.clone());
        }
        Value::Object(m).to_string()
    }

    /// A message of `flavor` from its JSON text.
    pub fn decode(flavor: Flavor, text: &str) -> Result<Msg, CodecError> {
        let v: Value = serde_json::from_str(text).map_err(|e| CodecError::Json(e.to_string()))?;
        let Value::Object(mut m) = v else {
            return Err(CodecError::NotObject);
        };
        let kind = match m.get("type") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(CodecError::NoType),
        };
        // A payload of null is no payload (graphql-ws writes none; some servers write null).
        let payload = match m.remove("payload") {
            Some(Value::Null) | None => None,
            Some(p) => Some(p),
        };
        let id = |name: &'static str| match m.get("id") {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(CodecError::Id(name)),
        };
        let legacy = flavor == Flavor::Legacy;
        let transport = !legacy;
        Ok(match kind.as_str() {
            "connection_init" => Msg::ConnectionInit(payload),
            "connection_ack" => Msg::ConnectionAck(payload),
            "connection_error" if legacy => Msg::ConnectionError(payload),
            "connection_terminate" if legacy => Msg::ConnectionTerminate,
            "ka" if legacy => Msg::KeepAlive,
            "ping" if transport => Msg::Ping(payload),
            "pong" if transport => Msg::Pong(payload),
            "subscribe" | "start" if (kind == "start") == legacy => Msg::Subscribe {
                id: id("subscribe")?,
                payload: object(payload, "subscribe")?,
            },
            "next" | "data" if (kind == "data") == legacy => Msg::Next {
                id: id("next")?,
                payload: object(payload, "next")?,
            },
            "error" => Msg::Error {
                id: id("error")?,
                payload: payload.ok_or(CodecError::Payload("error", "(the errors)"))?,
            },
            "complete" => Msg::Complete {
                id: id("complete")?,
            },
            "stop" if legacy => Msg::Stop { id: id("stop")? },
            _ => return Err(CodecError::Type(kind, flavor.subprotocol())),
        })
    }
}

fn object(payload: Option<Value>, name: &'static str) -> Result<Value, CodecError> {
    match payload {
        Some(p @ Value::Object(_)) => Ok(p),
        _ => Err(CodecError::Payload(name, "object")),
    }
}

/// The errors of a result or an `error` message, as one line: their `message`s joined.
pub fn error_messages(errors: &Value) -> String {
    let one = |e: &Value| match e.get("message").and_then(Value::as_str) {
        Some(m) => m.to_owned(),
        None => e.to_string(),
    };
    match errors {
        Value::Array(a) if !a.is_empty() => a.iter().map(one).collect::<Vec<_>>().join("; "),
        Value::Array(_) => "(an empty list of errors)".to_owned(),
        other => one(other),
    }
}

/// The `errors` of an ExecutionResult, when it has any.
pub fn result_errors(payload: &Value) -> Option<&Value> {
    payload
        .get("errors")
        .filter(|e| !e.is_null() && e.as_array().is_none_or(|a| !a.is_empty()))
}

/// A line the user wrote as an operation: a GraphQL document (`{ hello }`, `subscription {
/// greetings }`, `query Q($n: Int) { … }`) or a JSON object with `query` and optionally
/// `variables`, `operationName`, `extensions` (what a GraphQL client POSTs). Returns the
/// subscribe payload, or why the line is neither.
pub fn operation(text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("an empty line is no operation".into());
    }
    if t.starts_with(BRACES.0) {
        match serde_json::from_str::<Value>(t) {
            Ok(Value::Object(m)) => return request(m),
            // `{ hello }` is a document; `{"…"}` can only have been meant as JSON.
            Err(e) if t[1..].trim_start().starts_with('"') => return Err(format!("not JSON: {e}")),
            _ => {}
        }
    }
    document(t)?;
    let mut m = Map::new();
    m.insert("query".into(), Value::from(t));
    Ok(Value::Object(m))
}

/// A JSON request object: `query` a string, the rest of the known keys of the right kind.
fn request(m: Map<String, Value>) -> Result<Value, String> {
    match m.get("query") {
        Some(Value::String(q)) => document(q.trim())?,
        Some(_) => return Err("\"query\" must be a string holding the document".into()),
        None => return Err("a JSON operation needs \"query\" (the document)".into()),
    }
    for (k, v) in &m {
        match (k.as_str(), v) {
            ("query", _) => {}
            ("variables" | "extensions", Value::Object(_) | Value::Null) => {}
            ("operationName", Value::String(_) | Value::Null) => {}
            ("variables" | "extensions", _) => return Err(format!("\"{k}\" must be an object")),
            ("operationName", _) => return Err("\"operationName\" must be a string".into()),
            _ => {
                return Err(format!(
                    "\"{k}\" is not a key of an operation (query, variables, operationName, extensions)"
                ))
            }
        }
    }
    Ok(Value::Object(m))
}

/// Whether `t` looks like a GraphQL executable document: it opens with a selection set or an
/// operation/fragment keyword, and its braces, brackets and parentheses balance outside
/// strings and comments. (The server parses it for real; this catches lines that are not
/// GraphQL at all before they are sent.)
fn document(t: &str) -> Result<(), String> {
    let body = skip_ignored(t);
    let starts = body.starts_with(BRACES.0)
        || ["query", "mutation", "subscription", "fragment"]
            .iter()
            .any(|k| {
                body.strip_prefix(k)
                    .is_some_and(|r| r.starts_with(|c: char| !c.is_alphanumeric() && c != '_'))
            });
    if !starts {
        return Err(
            "not a GraphQL document: it must start with a selection set { … }, query, mutation, subscription or fragment"
                .into(),
        );
    }
    let mut open: Vec<char> = Vec::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => skip_string(&mut chars)?,
            c if PAIRS.iter().any(|p| p.0 == c) => open.push(c),
            c => {
                if let Some(p) = PAIRS.iter().find(|p| p.1 == c) {
                    if open.pop() != Some(p.0) {
                        return Err(format!("not a GraphQL document: an unmatched '{c}'"));
                    }
                }
            }
        }
    }
    match open.last() {
        Some(c) => Err(format!("not a GraphQL document: '{c}' is never closed")),
        None if !t.contains(BRACES.0) => {
            Err("not a GraphQL document: it has no selection set { … }".into())
        }
        None => Ok(()),
    }
}

/// Skips whitespace, commas and comments at the start (GraphQL's ignored tokens).
fn skip_ignored(mut t: &str) -> &str {
    loop {
        t = t.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '\u{feff}');
        match t.strip_prefix('#') {
            Some(rest) => t = rest.find(['\n', '\r']).map_or("", |i| &rest[i..]),
            None => return t,
        }
    }
}

/// After an opening `"`: a string (`"…"` with escapes) or a block string (`"""…"""`).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<(), String> {
    let unterminated = || "not a GraphQL document: a string is never closed".to_owned();
    if chars.peek() == Some(&'"') {
        chars.next();
        if chars.peek() != Some(&'"') {
            return Ok(()); // "" — an empty string
        }
        chars.next();
        let mut quotes = 0;
        for c in chars.by_ref() {
            match c {
                '"' => {
                    quotes += 1;
                    if quotes == 3 {
                        return Ok(());
                    }
                }
                _ => quotes = 0,
            }
        }
        return Err(unterminated());
    }
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return Ok(()),
            '\n' | '\r' => return Err(unterminated()),
            _ => {}
        }
    }
    Err(unterminated())
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
