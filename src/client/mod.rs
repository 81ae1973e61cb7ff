//! The client's dialling: the opening handshake over TCP, TLS, a proxy or a Unix socket
//! ([`handshake`]), the subprotocol offer as a browser makes it ([`offer`]), proxies from flags
//! and the environment ([`proxy`]) and the delays between reconnects ([`backoff`]).

pub mod backoff;
pub mod handshake;
pub mod lifecycle;
pub mod offer;
pub mod proxy;
