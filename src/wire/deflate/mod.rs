//! permessage-deflate (RFC 7692) below tungstenite, which knows no extension: the compression
//! itself ([`codec`]), the rewriting of frames ([`frames`]) and the stream that does it under
//! tungstenite ([`stream`]). The negotiation is a value type with its parsers:
//! [`crate::value::deflate`].

pub mod codec;
pub mod decision;
pub mod frames;
pub mod stream;
