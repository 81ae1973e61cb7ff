//! The close codes of GraphQL over WebSocket (graphql-ws's PROTOCOL.md and its `CloseCode`),
//! in words: a server closes with them instead of sending an error message.

use super::codec::Flavor;
use super::events::Closed;
use super::{Shared, Stage};
use crate::session::{Conn, Event};

/// What a stock subscriptions-transport-ws server does when its WebSocket library picked the
/// first subprotocol offered, graphql-transport-ws.
pub(super) const LEGACY_REFUSAL: &str = "Protocol error before connection_ack: a subscriptions-transport-ws server closes so when the subprotocol picked is graphql-transport-ws; -s graphql-ws offers only the legacy one";

/// Tells what the connection's close code meant, when it is one of the protocol's.
pub fn explain(conn: &Conn, code: u16, shared: &Shared) {
    let before_ack = *shared.stage.borrow() == Stage::Waiting;
    let meaning = match meaning(code) {
        Some(m) => m,
        None if code == 1002 && before_ack && shared.flavor() == Flavor::TransportWs => {
            LEGACY_REFUSAL
        }
        None => return,
    };
    conn.emit(&Event::Proto(&Closed { code, meaning }));
}

/// What the server meant by closing with `code`, when it is one of the protocol's.
pub fn meaning(code: u16) -> Option<&'static str> {
    Some(match code {
        4400 => "Bad Request: the server could not make sense of a message (invalid JSON, an unknown type, a malformed payload)",
        4401 => "Unauthorized: an operation was sent before the server acknowledged connection_init",
        4403 => "Forbidden: the server refused connection_init (its onConnect said no): check --init",
        4406 => "Subprotocol not acceptable: the server speaks graphql-transport-ws only (-s graphql-transport-ws offers only it)",
        4408 => "Connection initialisation timeout: no connection_init reached the server in time",
        4409 => "Subscriber already exists: an operation id was used twice",
        4429 => "Too many initialisation requests: connection_init was sent more than once",
        4499 => "Terminated: the connection was ended without a close handshake",
        4500 => "Internal server error: the server failed while handling a message",
        4504 => "Connection acknowledgement timeout: the server did not acknowledge in time",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_protocols_codes_have_words() {
        for code in [4400, 4401, 4403, 4408, 4409, 4429] {
            assert!(super::meaning(code).is_some(), "{code}");
        }
        assert!(super::meaning(1000).is_none());
        assert!(super::meaning(4000).is_none());
    }
}
