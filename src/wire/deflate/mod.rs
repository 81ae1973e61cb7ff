//! permessage-deflate (RFC 7692) below tungstenite, which knows no extension: the negotiation
//! ([`params`]), the compression itself ([`codec`]) and the rewriting of frames ([`frames`]).

pub mod codec;
pub mod frames;
pub mod params;
