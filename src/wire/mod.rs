//! Below the message layer, for both roles: the byte streams a WebSocket runs over
//! ([`transport`]; one HTTP/2 stream as a byte stream: [`http2`]), what is read from them before tungstenite sees it ([`failfast`] checks
//! frames as they arrive, [`sniff`] names what a non-WebSocket peer sent) and what may be
//! written ([`gate`] holds frames for exact `--close-after` counts), and [`readahead`], which
//! lets a connection with a small WebSocket read buffer read large pieces while data flows.

pub mod deflate;
pub mod failfast;
pub mod gate;
pub mod http2;
pub mod readahead;
pub mod sniff;
pub mod transport;
