//! A failed TLS handshake as one line in words and a hint that fits it (exit 3).
//!
//! rustls and webpki describe failures with their Rust names (`CaUsedAsEndEntity`,
//! `InvalidContentType`…); nothing of that kind reaches the user: every case gets a sentence,
//! and an unknown case a generic one.

use std::path::Path;
use std::time::{Duration, SystemTime};

use rustls::pki_types::UnixTime;
use rustls::{AlertDescription, CertificateError, Error as TlsError, InvalidMessage};

use crate::error::Failure;
use crate::tls;
use crate::value::WsUrl;

const SKIP: &str = "-k skips verification (testing only)";

/// The connection the handshake was for.
pub struct Peer<'a> {
    pub url: &'a WsUrl,
    /// `--ca FILE`, when given.
    pub ca: Option<&'a Path>,
    /// `--cert FILE`, when given.
    pub cert: Option<&'a Path>,
}

/// `url` with ws:// and wss:// swapped, for "try ws://…" hints.
pub fn other_scheme(url: &WsUrl) -> String {
    let shown = url.as_str();
    let (scheme, rest) = shown.split_once("://").unwrap_or(("ws", shown));
    let other = if scheme.eq_ignore_ascii_case("wss") || scheme.eq_ignore_ascii_case("https") {
        "ws"
    } else {
        "wss"
    };
    format!("{other}://{rest}")
}

/// A date as `2001-01-01 00:00:00 UTC`.
fn date(t: UnixTime) -> String {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(t.as_secs());
    humantime::format_rfc3339_seconds(at)
        .to_string()
        .replace('T', " ")
        .replace('Z', " UTC")
}

/// A failed TLS handshake (the error the TLS stream returned).
pub fn handshake_failure(peer: &Peer<'_>, e: &std::io::Error) -> Failure {
    let host = peer.url.host();
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<TlsError>()) else {
        // Not a TLS error: the connection ended or failed. A plain server often just closes
        // when it gets a ClientHello (tungstenite does); nothing says more than that.
        let why = if e.kind() == std::io::ErrorKind::UnexpectedEof {
            "the server closed the connection during the TLS handshake".to_owned()
        } else {
            tls::io_words(e)
        };
        return Failure::connect(format!("TLS handshake with {host} failed: {why}")).hint(format!(
            "does the server speak TLS? if not, try {}",
            other_scheme(peer.url)
        ));
    };
    match tls {
        TlsError::InvalidCertificate(c) => certificate_failure(peer, tls, c),
        TlsError::AlertReceived(
            a @ (AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::HandshakeFailure),
        ) => refused(peer, *a),
        // A certificate whose issuer has the name of a CA the server trusts, but another key.
        TlsError::AlertReceived(a @ AlertDescription::DecryptError) if peer.cert.is_some() => {
            refused(peer, *a)
        }
        TlsError::AlertReceived(a) => Failure::connect(format!(
            "TLS: {host} ended the handshake (alert: {})",
            alert_words(*a)
        )),
        TlsError::InvalidMessage(
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion,
        ) => Failure::connect(format!(
            "TLS handshake with {host} failed: the server does not speak TLS"
        ))
        .hint(format!("try {}", other_scheme(peer.url))),
        other => Failure::connect(format!(
            "TLS handshake with {host} failed: {}",
            tls_words(other)
        )),
    }
}

/// The server refused the handshake with an alert about the client's certificate.
fn refused(peer: &Peer<'_>, a: AlertDescription) -> Failure {
    let host = peer.url.host();
    let refused = Failure::connect(format!(
        "TLS: {host} refused the handshake (alert: {})",
        alert_words(a)
    ));
    match peer.cert {
        Some(cert) if a != AlertDescription::CertificateRequired => refused.hint(format!(
            "the server may not accept the client certificate {}: is it signed by a CA the \
             server trusts?",
            cert.display()
        )),
        _ => refused.hint(
            "the server may require a client certificate: give one with --cert FILE --key FILE",
        ),
    }
}

/// A failed TLS accept on the server side (`listen --tls-*`), in words for its log line.
pub fn accept_failure(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<TlsError>()) {
        Some(TlsError::AlertReceived(
            a @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired),
        )) => format!(
            "the client refused the certificate (alert: {})",
            alert_words(*a)
        ),
        Some(TlsError::AlertReceived(a)) => {
            format!(
                "the client ended the handshake (alert: {})",
                alert_words(*a)
            )
        }
        Some(TlsError::InvalidMessage(
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion,
        )) => "the client does not speak TLS (plain HTTP on a TLS port?)".to_owned(),
        Some(TlsError::NoCertificatesPresented) => {
            "the client sent no certificate (--tls-client-ca requires one)".to_owned()
        }
        Some(TlsError::InvalidCertificate(c)) => client_certificate_words(c),
        Some(other) => tls_words(other).replace("the server", "the client"),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the client closed the connection".to_owned()
        }
        None => tls::io_words(e),
    }
}

/// Why `--tls-client-ca` refused the certificate a client presented.
fn client_certificate_words(c: &CertificateError) -> String {
    let why = match c {
        CertificateError::UnknownIssuer => "it is not signed by a CA in --tls-client-ca",
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired",
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet"
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "it is not meant for TLS clients (no clientAuth key usage)"
        }
        CertificateError::BadSignature => "the signature on it is invalid",
        CertificateError::BadEncoding => "it is malformed",
        CertificateError::Revoked => "it has been revoked",
        _ => "it was rejected",
    };
    format!("the client's certificate was refused: {why}")
}

fn certificate_failure(peer: &Peer<'_>, error: &TlsError, c: &CertificateError) -> Failure {
    let host = peer.url.host();
    let ca = peer.ca.map(|p| p.display().to_string());
    let fail = |what: &str| Failure::connect(format!("TLS: cannot verify {host}: {what}"));
    if tls::is_ca_used_as_leaf(error) {
        let hint = match &ca {
            Some(file) => format!(
                "it is not one of the certificates in {file}: to trust it, give that very \
                 certificate with --ca; {SKIP}"
            ),
            None => format!("to trust this very certificate, give it with --ca FILE; {SKIP}"),
        };
        return fail("its certificate is a CA certificate (CA:TRUE) that is not trusted")
            .hint(hint);
    }
    let clock = |now: UnixTime| format!("it is now {} here", date(now));
    match c {
        CertificateError::UnknownIssuer => fail("its certificate is signed by an unknown issuer")
            .hint(match &ca {
                Some(file) => format!(
                    "no certificate in {file} signed it: give the CA that did with --ca FILE, \
                     or -k to skip verification (testing only)"
                ),
                None => "use --ca FILE to trust the CA that signed it, or -k to skip \
                         verification (testing only)"
                    .to_owned(),
            }),
        CertificateError::ExpiredContext { time, not_after } => fail(&format!(
            "its certificate has expired (valid until {})",
            date(*not_after)
        ))
        .hint(format!(
            "{}: renew the certificate, or fix this machine's clock; {SKIP}",
            clock(*time)
        )),
        CertificateError::Expired => fail("its certificate has expired").hint(format!(
            "renew the certificate, or fix this machine's clock; {SKIP}"
        )),
        CertificateError::NotValidYetContext { time, not_before } => fail(&format!(
            "its certificate is not valid yet (valid from {})",
            date(*not_before)
        ))
        .hint(format!(
            "{}: fix this machine's clock, or wait; {SKIP}",
            clock(*time)
        )),
        CertificateError::NotValidYet => fail("its certificate is not valid yet")
            .hint(format!("fix this machine's clock, or wait; {SKIP}")),
        CertificateError::NotValidForNameContext { presented, .. } => {
            let names: Vec<String> = presented.iter().map(|n| presented_name(n)).collect();
            let f = fail(&format!(
                "its certificate is not valid for the name '{host}'"
            ));
            match names.as_slice() {
                [] => f.hint("the certificate names no host (it has no subjectAltName)"),
                [one] => f.hint(format!(
                    "the certificate is for {one}; connect by that name"
                )),
                many => f.hint(format!(
                    "the certificate is for {}; connect by one of those names",
                    many.join(", ")
                )),
            }
        }
        CertificateError::NotValidForName => fail(&format!(
            "its certificate is not valid for the name '{host}'"
        ))
        .hint("check the host name in the URL"),
        CertificateError::Revoked => fail("its certificate has been revoked"),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            fail("its certificate is not meant for TLS servers (no serverAuth key usage)")
        }
        CertificateError::BadSignature => fail("the signature on its certificate is invalid"),
        CertificateError::BadEncoding => fail("its certificate is malformed"),
        CertificateError::UnhandledCriticalExtension => {
            fail("its certificate has a critical extension wsprobe does not understand")
        }
        CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            fail("its certificate is signed with an algorithm wsprobe does not support")
        }
        _ => fail(webpki_words(tls::webpki_error(error))).hint(match &ca {
            Some(_) => format!("check the certificate and the CA; {SKIP}"),
            None => SKIP.to_owned(),
        }),
    }
}

/// A name webpki lists in a certificate, from its `DnsName("x")` / `IpAddress(x)` form.
fn presented_name(n: &str) -> String {
    n.strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
        .or_else(|| {
            n.strip_prefix("IpAddress(")
                .and_then(|r| r.strip_suffix(')'))
        })
        .unwrap_or(n)
        .to_owned()
}

/// The webpki failures rustls does not translate, in words.
fn webpki_words(e: Option<&webpki::Error>) -> &'static str {
    use webpki::Error as W;
    match e {
        Some(W::EndEntityUsedAsCa) => "a certificate in its chain is not a CA certificate",
        Some(W::PathLenConstraintViolated) => "its chain is longer than a CA in it allows",
        Some(W::NameConstraintViolation) => "its name is outside what its CA may certify",
        Some(W::UnsupportedCertVersion) => "its certificate is of an old X.509 version (v1)",
        Some(W::MaximumPathDepthExceeded | W::MaximumPathBuildCallsExceeded) => {
            "its certificate chain is too long to verify"
        }
        Some(W::EmptyEkuExtension) => "its certificate's extended key usage is empty",
        Some(W::CertDistrusted) => "its certificate's key is distrusted",
        _ => "its certificate was rejected",
    }
}

/// An alert's name in words: `CertificateRequired` → "certificate required".
fn alert_words(a: AlertDescription) -> String {
    if let AlertDescription::Unknown(n) = a {
        return format!("unknown alert {n}");
    }
    let mut words = String::new();
    let mut after_lower = false;
    for ch in format!("{a:?}").chars() {
        if ch.is_ascii_uppercase() && after_lower {
            words.push(' ');
        }
        after_lower = ch.is_ascii_lowercase();
        words.push(ch.to_ascii_lowercase());
    }
    words.replace("unknown ca", "unknown CA")
}

/// Other rustls failures in words.
fn tls_words(e: &TlsError) -> String {
    match e {
        TlsError::InvalidMessage(_) => "the server sent a malformed TLS message".into(),
        TlsError::InappropriateMessage { .. } | TlsError::InappropriateHandshakeMessage { .. } => {
            "the server sent a TLS message out of order".into()
        }
        TlsError::PeerIncompatible(_) => {
            "the server and wsprobe have no TLS version or cipher suite in common \
             (wsprobe speaks TLS 1.2 and 1.3)"
                .into()
        }
        TlsError::PeerMisbehaved(_) => "the server broke the TLS protocol".into(),
        TlsError::NoCertificatesPresented => "the server sent no certificate".into(),
        TlsError::DecryptError => "a TLS message could not be decrypted".into(),
        TlsError::PeerSentOversizedRecord => "the server sent an oversized TLS record".into(),
        TlsError::NoApplicationProtocol => "the server accepts no protocol wsprobe offers".into(),
        TlsError::General(s) => s.clone(),
        _ => "the TLS handshake failed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_are_words() {
        assert_eq!(
            alert_words(AlertDescription::CertificateRequired),
            "certificate required"
        );
        assert_eq!(alert_words(AlertDescription::UnknownCA), "unknown CA");
        assert_eq!(
            alert_words(AlertDescription::ProtocolVersion),
            "protocol version"
        );
        assert_eq!(
            alert_words(AlertDescription::Unknown(200)),
            "unknown alert 200"
        );
    }

    #[test]
    fn presented_names_lose_their_rust_form() {
        assert_eq!(presented_name("DnsName(\"a.example\")"), "a.example");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(presented_name("IpAddress(::1)"), "::1");
    }

    #[test]
    fn dates_are_utc() {
        let t = UnixTime::since_unix_epoch(Duration::from_secs(978_307_200));
        assert_eq!(date(t), "2001-01-01 00:00:00 UTC");
    }
}
