//! The certificate `listen --webtransport` serves: `--tls-cert`/`--tls-key`, or one generated
//! at start-up that a browser accepts through `serverCertificateHashes` (ECDSA P-256, valid
//! for less than 14 days: the WebTransport API refuses a pinned certificate that lives
//! longer). Its SHA-256 is what a page or `connect --cert-hash` pins.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::Failure;

/// How long a generated certificate is valid: under the 14 days `serverCertificateHashes`
/// allows (counted from its notBefore, which is now).
const GENERATED_DAYS: u32 = 13;

/// The TLS side of the WebTransport endpoint, decided before `listening on`.
#[derive(Clone)]
pub struct WtIdentity {
    /// TLS 1.3 only, ALPN `h3`, as QUIC and WebTransport require.
    pub tls: Arc<rustls::ServerConfig>,
    /// SHA-256 of the leaf certificate, lowercase hex with colons (`ab:cd:…`).
    pub cert_hash: String,
    /// The certificate was generated for this run (not `--tls-cert`).
    pub generated: bool,
}

impl fmt::Debug for WtIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WtIdentity")
            .field("cert_hash", &self.cert_hash)
            .field("generated", &self.generated)
            .finish()
    }
}

impl WtIdentity {
    /// `--tls-cert`/`--tls-key`: the same files the TCP listener serves.
    pub fn from_files(cert: &Path, key: &Path) -> Result<WtIdentity> {
        let chain = crate::tls::load_certs(cert, "certificate")?;
        let key_der = crate::tls::load_key(key)?;
        let what = format!("{} and {}", cert.display(), key.display());
        WtIdentity::build(chain, key_der, false, &what)
    }

    /// A fresh self-signed ECDSA P-256 certificate for localhost and the listening address.
    pub fn generated(addr: SocketAddr) -> Result<WtIdentity> {
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
        if !addr.ip().is_unspecified() && !addr.ip().is_loopback() {
            names.push(addr.ip().to_string());
        }
        let identity = wtransport::Identity::self_signed_builder()
            .subject_alt_names(&names)
            .from_now_utc()
            .validity_days(GENERATED_DAYS)
            .build()
            .map_err(|e| anyhow::anyhow!("generating a certificate: {e}"))?;
        let chain = identity
            .certificate_chain()
            .as_slice()
            .iter()
            .map(|c| CertificateDer::from(c.der().to_vec()))
            .collect();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            identity.private_key().secret_der().to_vec(),
        ));
        WtIdentity::build(chain, key, true, "the generated certificate")
    }

    fn build(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        generated: bool,
        what: &str,
    ) -> Result<WtIdentity> {
        let cert_hash = hash_hex(&chain[0], what)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| Failure::usage(format!("{what} do not work together: {e}")))?;
        tls.alpn_protocols = vec![b"h3".to_vec()];
        Ok(WtIdentity {
            tls: Arc::new(tls),
            cert_hash,
            generated,
        })
    }
}

/// SHA-256 of a certificate's DER, as `serverCertificateHashes` and `--cert-hash` take it.
fn hash_hex(cert: &[u8], what: &str) -> Result<String> {
    let cert = wtransport::tls::Certificate::from_der(cert.to_vec())
        .map_err(|e| Failure::usage(format!("{what}: the certificate cannot be read: {e}")))?;
    Ok(cert.hash().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_is_pinnable() {
        let id = WtIdentity::generated("127.0.0.1:0".parse().unwrap()).unwrap();
        assert!(id.generated);
        assert_eq!(id.cert_hash.len(), 32 * 3 - 1);
        assert!(id
            .cert_hash
            .chars()
            .all(|c| c == ':' || c.is_ascii_hexdigit()));
        assert_eq!(id.tls.alpn_protocols, vec![b"h3".to_vec()]);
    }
}
