//! `connect --webtransport`: a WebTransport session over HTTP/3 instead of a WebSocket.

use clap::Args;

use crate::value::CertHash;

#[derive(Debug, Args)]
#[command(next_help_heading = "WebTransport")]
pub struct WtClientArgs {
    /// Open a WebTransport session (HTTP/3 over QUIC) to an https:// URL instead of a WebSocket
    ///
    /// stdin lines go to one bidirectional stream, finished at the end of input; what the
    /// server writes on it goes to stdout until it finishes it, then the session closes with
    /// code 0. Streams the server opens are shown and their data written to stdout too.
    #[arg(long, visible_alias = "wt")]
    pub webtransport: bool,

    /// With --webtransport: each stdin line is a datagram, each received datagram a line
    #[arg(long, requires = "webtransport")]
    pub datagrams: bool,

    /// With --webtransport: trust the server certificate with this SHA-256 (64 hex digits,
    /// colons allowed), as a page's serverCertificateHashes does; repeatable
    ///
    /// As in a browser, the certificate must be ECDSA P-256 and valid for at most 14 days;
    /// no CA is consulted.
    #[arg(long, value_name = "HEX", value_parser = CertHash::parse_arg, requires = "webtransport")]
    pub cert_hash: Vec<CertHash>,
}
