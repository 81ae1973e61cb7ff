//! The client side of the resolve step: what every client connection is made with (connect,
//! the REPL, ping), worked out once from the handshake flags.

use anyhow::Result;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::cli::{HandshakeArgs, HeartbeatArgs};
use crate::dial::handshake::{ClientSettings, TlsCache};
use crate::dial::proxy::ProxySetting;
use crate::error::Failure;
use crate::session::driver::Heartbeat;
use crate::tls::TlsOptions;
use crate::value::deflate::DeflateParams;
use crate::value::WsUrl;
use crate::wire::deflate::frames::Sending;

/// The largest message a connection takes when no `--max-message-size` applies.
pub const DEFAULT_MAX_MESSAGE: usize = 64 << 20;

/// tungstenite's limits for a connection that takes messages of up to `max_message` bytes:
/// one frame may carry all of it.
pub fn ws_config(max_message: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max_message))
        .max_frame_size(Some(max_message))
}

/// The heartbeat asked for, if any.
pub fn heartbeat(args: &HeartbeatArgs) -> Option<Heartbeat> {
    args.ping_interval.map(|interval| Heartbeat {
        interval,
        timeout: args.ping_timeout,
    })
}

/// The settings of a client connecting to `url`. TLS files are read here: a bad one is a
/// usage error before anything connects.
pub fn settings(url: &WsUrl, args: &HandshakeArgs, max_message: usize) -> Result<ClientSettings> {
    let settings = ClientSettings {
        url: url.clone(),
        headers: args.headers.clone(),
        origin: args.origin.clone(),
        protocols: args.protocols.clone(),
        connect_timeout: args.connect_timeout,
        ws_config: ws_config(max_message),
        auth: auth(args.auth.as_deref())?,
        redirects: args.location.then_some(args.max_redirs),
        tls: TlsOptions {
            ca: args.tls.ca.clone(),
            insecure: args.tls.insecure,
            cert: args.tls.cert.clone(),
            key: args.tls.key.clone(),
        },
        proxy: match (&args.proxy, args.noproxy) {
            (Some(u), _) => ProxySetting::Url(u.clone()),
            (None, true) => ProxySetting::Off,
            (None, false) => ProxySetting::Env,
        },
        tls_cache: TlsCache::default(),
        // Like a browser: permessage-deflate is offered unless --no-deflate.
        deflate: (!args.no_deflate).then(|| match args.deflate {
            // The bare client_max_window_bits says we can compress with any window the
            // server picks; some servers require it.
            Some(p) => DeflateParams {
                client_max_window_bits: p.client_max_window_bits.or(Some(15)),
                ..p
            },
            None => DeflateParams::browser(),
        }),
        sending: Sending::default(),
        sending_may_change: false,
        resolved: None,
        http2: args.http2,
    };
    settings.check_tls()?;
    Ok(settings)
}

/// `--auth USER:PASS`.
fn auth(given: Option<&str>) -> Result<Option<(String, String)>> {
    let Some(a) = given else { return Ok(None) };
    match a.split_once(':') {
        Some((u, p)) => Ok(Some((u.to_owned(), p.to_owned()))),
        None => {
            Err(Failure::usage(format!("--auth '{a}' has no password: write USER:PASS")).into())
        }
    }
}
