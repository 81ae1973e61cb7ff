//! `connect --webtransport` resolved: the session's https:// URL, how its certificate is
//! trusted (`--ca`, `-k`, `--cert-hash`), and whether stdin goes to a stream or to datagrams.
//! Everything else (`-x`, `-e`, `-n`, `-t`, `--binary`, `-0`, `--json`, headers, timeouts) is
//! the WebSocket plan's, shared.

use anyhow::Result;

use crate::cli::ConnectArgs;
use crate::error::Failure;
use crate::value::CertHash;

/// What only a WebTransport session needs.
#[derive(Debug, Clone)]
pub struct WtPlan {
    /// The session's URL, https://.
    pub url: String,
    /// `--cert-hash`: trust exactly these certificates (and no CA).
    pub cert_hashes: Vec<CertHash>,
    /// `--datagrams`: stdin lines are datagrams, not one stream's lines.
    pub datagrams: bool,
}

/// The WebTransport part of `connect`'s plan, or `None` without `--webtransport`; the
/// WebSocket-only options it cannot honour are usage errors.
pub fn plan(args: &ConnectArgs) -> Result<Option<WtPlan>> {
    let wt = &args.webtransport;
    if !wt.webtransport {
        return Ok(None);
    }
    let shown = args.url.as_str();
    let Some(rest) = shown.strip_prefix("wss://") else {
        return Err(
            Failure::usage(format!("--webtransport needs an https:// URL, not {shown}"))
                .hint(
                    "WebTransport runs over HTTP/3, always with TLS: write https://HOST:PORT/PATH",
                )
                .into(),
        );
    };
    let refused: [(bool, &str); 7] = [
        (args.script.expect_close.is_some(), "--expect-close"),
        (args.handshake.http2, "--http2"),
        (args.proto.socketio, "--socketio"),
        (args.reconnect.reconnect, "--reconnect"),
        (args.fragment.is_some(), "--fragment"),
        (args.handshake.proxy.is_some(), "--proxy"),
        (!args.handshake.protocols.is_empty(), "-s/--protocol"),
    ];
    if let Some((_, flag)) = refused.iter().find(|(given, _)| *given) {
        return Err(Failure::usage(format!(
            "{flag} is a WebSocket option and does not apply to --webtransport"
        ))
        .hint("leave it out, or connect with ws:// or wss:// without --webtransport")
        .into());
    }
    if args.handshake.tls.insecure && !wt.cert_hash.is_empty() {
        return Err(Failure::usage("-k and --cert-hash contradict each other")
            .hint("--cert-hash trusts exactly the certificates given; -k trusts any")
            .into());
    }
    Ok(Some(WtPlan {
        url: format!("https://{rest}"),
        cert_hashes: wt.cert_hash.clone(),
        datagrams: wt.datagrams,
    }))
}
