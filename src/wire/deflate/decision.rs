//! What the handshake decided about permessage-deflate, read from the server's answer:
//! one reading for HTTP/1.1 (the response head) and HTTP/2 (the header value).

use crate::value::deflate::{self as params, DeflateParams, Negotiated};

/// What the handshake decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Not known yet (the head has not gone by).
    Undecided,
    /// No compression.
    Off,
    On(Negotiated),
    /// The server's answer broke the rules: the connection must fail (client only).
    Refused(String),
}

/// The client's reading of the response head: what the server accepted, checked against
/// the offer.
pub(super) fn client_decision(head: &[u8], offer: &DeflateParams) -> Decision {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    if !matches!(resp.parse(head), Ok(httparse::Status::Complete(_))) || resp.code != Some(101) {
        // Not an upgrade: tungstenite reports it.
        return Decision::Off;
    }
    let value = resp
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
        .map(|h| String::from_utf8_lossy(h.value).into_owned())
        .collect::<Vec<_>>()
        .join(", ");
    answer_decision(&value, offer)
}

/// What the server's `Sec-WebSocket-Extensions` (its values joined with ", ") accepted of
/// our offer: the one reading of an answer, whichever HTTP version carried it.
pub fn answer_decision(value: &str, offer: &DeflateParams) -> Decision {
    let checked = params::parse_header(value).and_then(|exts| params::check_response(&exts, offer));
    match checked {
        Ok(Some(n)) => Decision::On(n),
        Ok(None) => Decision::Off,
        Err(why) => Decision::Refused(format!(
            "the server's Sec-WebSocket-Extensions ({value}): {why}"
        )),
    }
}
