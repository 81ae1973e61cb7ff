//! The client side of a connection: dialling — the opening handshake over TCP, TLS, a proxy
//! or a Unix socket ([`handshake`]; as an extended CONNECT over HTTP/2 with `--http2`:
//! [`http2`]), the subprotocol offer as a browser makes it ([`offer`]), proxies from flags and the environment ([`proxy`]) — and keeping a client connected: the
//! connect → drive → reconnect loop that `connect`, the REPL and `ping` share, with the one
//! rule for the exit status ([`lifecycle`]), and the delays between reconnects ([`backoff`]).

pub mod backoff;
pub mod handshake;
pub mod http2;
pub mod lifecycle;
pub mod offer;
pub mod proxy;
