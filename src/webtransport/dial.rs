//! Opening a client session: the QUIC endpoint (TLS from `tls::webtransport`), the HTTP/3
//! extended CONNECT (`:protocol webtransport`) that `wtransport` sends, within
//! `--connect-timeout`, and every way it can fail put into words (exit 3), as `dial` does for
//! a WebSocket.

use std::time::Duration;

use wtransport::endpoint::endpoint_side::Client;
use wtransport::endpoint::ConnectOptions;
use wtransport::error::{ConnectingError, ConnectionError};
use wtransport::{ClientConfig, Connection, Endpoint};

use crate::dial::handshake::ClientSettings;
use crate::error::Failure;
use crate::tls::failure::{handshake_failure, Peer};
use crate::tls::webtransport::{client_config, Refusal, Refused};
use crate::value::CertHash;

/// How long a quiet session lives: QUIC's idle timeout, with keep-alives well inside it so
/// that a session the user leaves idle (the REPL) stays open, as a browser's does.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// An open session and the endpoint it lives on (kept to let the close reach the peer).
pub struct Dialed {
    pub endpoint: Endpoint<Client>,
    pub connection: Connection,
}

/// Opens the session at `url` (https://).
pub async fn open(
    url: &str,
    settings: &ClientSettings,
    hashes: &[CertHash],
) -> anyhow::Result<Dialed> {
    let (tls, refused) = client_config(&settings.tls, hashes)?;
    let config = ClientConfig::builder()
        .with_bind_default()
        .with_custom_tls(tls)
        .max_idle_timeout(Some(IDLE_TIMEOUT))
        .map_err(|e| anyhow::anyhow!("QUIC setup: {e}"))?
        .keep_alive_interval(Some(KEEP_ALIVE))
        .build();
    let endpoint = Endpoint::client(config)
        .map_err(|e| Failure::connect(format!("cannot open a UDP socket: {e}")))?;
    let mut options = ConnectOptions::builder(url);
    if let Some(origin) = &settings.origin {
        options = options.add_header("origin", origin);
    }
    for h in &settings.headers {
        options = options.add_header(
            h.name.as_str(),
            String::from_utf8_lossy(h.value.as_bytes()).into_owned(),
        );
    }
    let connecting = endpoint.connect(options.build());
    let limit = settings.connect_timeout;
    let connection = match tokio::time::timeout(limit, connecting).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(failure(url, settings, hashes, &refused, e).into()),
        Err(_) => {
            return Err(Failure::connect(format!(
                "the WebTransport handshake with {url} did not complete within {}",
                humantime::format_duration(limit)
            ))
            .hint(format!(
                "is an HTTP/3 server listening on UDP port {}? QUIC runs over UDP, which a \
                 firewall may drop (raise --connect-timeout if it is just slow)",
                settings.url.port()
            ))
            .into())
        }
    };
    Ok(Dialed {
        endpoint,
        connection,
    })
}

/// Why the session could not be opened, in words.
fn failure(
    url: &str,
    settings: &ClientSettings,
    hashes: &[CertHash],
    refused: &Refused,
    e: ConnectingError,
) -> Failure {
    let host = settings.url.host();
    let refusal = refused.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(r) = refusal {
        return certificate(settings, hashes, r);
    }
    match e {
        ConnectingError::SessionRejected => Failure::connect(format!(
            "{url} refused the WebTransport session (its CONNECT was answered with an error \
             status)"
        ))
        .hint(
            "is the path right (404), and is the origin allowed (403)? -o ORIGIN sets the origin",
        ),
        ConnectingError::DnsLookup(_) | ConnectingError::DnsNotFound => {
            Failure::connect(format!("cannot resolve {host}"))
                .hint("check the host name, or give an address")
        }
        ConnectingError::InvalidUrl(why) => Failure::usage(format!("{url} is not usable: {why}")),
        ConnectingError::ReservedHeader(h) => Failure::usage(format!(
            "-H {h}: that header is the WebTransport request's own and cannot be set"
        )),
        ConnectingError::ConnectionError(c) => connection(url, host, &c),
        other => Failure::connect(format!(
            "cannot open a WebTransport session to {url}: {other}"
        )),
    }
}

/// The connection failed or was closed during the handshake.
fn connection(url: &str, host: &str, c: &ConnectionError) -> Failure {
    let text = c.to_string();
    // A TLS alert from the server arrives as a QUIC CRYPTO_ERROR: 0x100 + the alert.
    if let Some(alert) = alert_of(&text) {
        let what = match alert {
            120 => "it does not speak HTTP/3 (no h3 in ALPN)".to_owned(),
            40 => "it refused the handshake (alert: handshake failure)".to_owned(),
            42 | 48 | 116 => format!(
                "it refused the handshake (alert {alert}: it may require a client certificate: \
                 --cert FILE --key FILE)"
            ),
            n => format!("it ended the handshake (TLS alert {n})"),
        };
        return Failure::connect(format!("TLS with {host} failed: {what}"));
    }
    match c {
        ConnectionError::TimedOut => Failure::connect(format!(
            "{url}: no answer over QUIC (the connection timed out)"
        ))
        .hint("is an HTTP/3 server listening on that UDP port?"),
        ConnectionError::ApplicationClosed(close) => Failure::connect(format!(
            "{host} closed the connection during the WebTransport handshake (code {}{})",
            close.code(),
            reason(close.reason())
        ))
        .hint("does the server support WebTransport (SETTINGS_ENABLE_WEBTRANSPORT)?"),
        _ => Failure::connect(format!("WebTransport handshake with {host} failed: {text}")),
    }
}

fn reason(r: &[u8]) -> String {
    if r.is_empty() {
        String::new()
    } else {
        format!(
            ": {}",
            crate::output::render::sanitize(&String::from_utf8_lossy(r), false)
        )
    }
}

/// The TLS alert in a QUIC close's text (`… cryptographic handshake failed: error 120 …`).
fn alert_of(text: &str) -> Option<u8> {
    let (_, rest) = text.split_once("handshake failed: error ")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Our side refused the server's certificate.
fn certificate(settings: &ClientSettings, hashes: &[CertHash], r: Refusal) -> Failure {
    let host = settings.url.host();
    match r.pinned {
        Some(false) => Failure::connect(format!(
            "TLS: {host}'s certificate is not the one pinned: its SHA-256 is {}",
            r.hash
        ))
        .hint(format!(
            "--cert-hash gave {}; pass the hash listen --webtransport printed (or this one, \
             if you trust it)",
            hashes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(true) => Failure::connect(format!(
            "TLS: {host}'s certificate has the pinned SHA-256 but is not one \
             serverCertificateHashes accepts"
        ))
        .hint(
            "such a certificate must be ECDSA P-256 and valid for at most 14 days, and valid now \
             (listen --webtransport generates one)",
        ),
        None => {
            let peer = Peer {
                url: &settings.url,
                ca: settings.tls.ca.as_deref(),
                cert: settings.tls.cert.as_deref(),
            };
            let io = std::io::Error::new(std::io::ErrorKind::InvalidData, r.error);
            handshake_failure(&peer, &io).hint(format!(
                "or pin this certificate by its SHA-256: --cert-hash {}",
                r.hash
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_is_read_from_the_close_text() {
        assert_eq!(
            alert_of("aborted by peer: the cryptographic handshake failed: error 120"),
            Some(120)
        );
        assert_eq!(alert_of("timed out"), None);
    }
}
