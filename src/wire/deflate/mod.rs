//! permessage-deflate (RFC 7692) below tungstenite, which knows no extension: the negotiation
//! ([`params`]), the compression itself ([`codec`]) the rewriting of frames ([`frames`]) and the stream that
//! does it under tungstenite ([`stream`]).

pub mod codec;
pub mod frames;
pub mod params;
pub mod stream;
