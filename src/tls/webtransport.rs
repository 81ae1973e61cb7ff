//! The client's TLS for WebTransport (QUIC): the same trust choices as wss (`--ca`, `-k`, the
//! system's store) plus `--cert-hash`, which trusts exactly the certificates with those
//! SHA-256 digests as a page's `serverCertificateHashes` does (ECDSA P-256, valid at most 14
//! days, no CA consulted). ALPN is `h3`.
//!
//! QUIC hands a refused certificate back as a connection error with a string; the verifier
//! here keeps what it refused and why ([`Refusal`]) so that the failure is put into words as
//! for wss ([`super::failure`]).

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use wtransport::tls::client::ServerHashVerification;
use wtransport::tls::Sha256Digest;

use super::{provider, CaFile, Insecure, TlsOptions};
use crate::value::CertHash;

/// Why the certificate was refused, kept for the error message.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub error: rustls::Error,
    /// The certificate's SHA-256.
    pub hash: CertHash,
    /// With `--cert-hash`: the digest matched, so something else was wrong (the validity
    /// period or the key type).
    pub pinned: Option<bool>,
}

/// Where the verifier leaves its refusal.
pub type Refused = Arc<Mutex<Option<Refusal>>>;

/// The client configuration for a WebTransport session, and where a refusal will be told.
pub fn client_config(
    opts: &TlsOptions,
    hashes: &[CertHash],
) -> anyhow::Result<(ClientConfig, Refused)> {
    let provider = provider();
    let inner = verifier(opts, hashes, provider.clone())?;
    let refused = Refused::default();
    let recording = Recording {
        inner,
        refused: refused.clone(),
        pins: (!hashes.is_empty()).then(|| hashes.to_vec()),
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(recording));
    let mut config = match (&opts.cert, &opts.key) {
        (Some(cert), Some(key)) => {
            let chain = super::load_certs(cert, "client certificate")?;
            builder
                .with_client_auth_cert(chain, super::load_key(key)?)
                .map_err(|e| {
                    crate::error::Failure::usage(format!(
                        "the client certificate {} and key {} do not work together: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?
        }
        _ => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![wtransport::tls::WEBTRANSPORT_ALPN.to_vec()];
    config.key_log = Arc::new(rustls::KeyLogFile::new());
    Ok((config, refused))
}

fn verifier(
    opts: &TlsOptions,
    hashes: &[CertHash],
    provider: Arc<CryptoProvider>,
) -> anyhow::Result<Arc<dyn ServerCertVerifier>> {
    if !hashes.is_empty() {
        let digests = hashes.iter().map(|h| Sha256Digest::new(h.0));
        return Ok(Arc::new(ServerHashVerification::new(digests)));
    }
    if opts.insecure {
        return Ok(Arc::new(Insecure(provider)));
    }
    if let Some(ca) = &opts.ca {
        return Ok(Arc::new(CaFile::load(ca, provider)?));
    }
    if rustls_native_certs::load_native_certs().certs.is_empty() {
        let roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider,
        )
        .build()?);
    }
    Ok(Arc::new(
        rustls_platform_verifier::Verifier::new(provider)
            .map_err(|e| anyhow::anyhow!("loading the system's trust store: {e}"))?,
    ))
}

/// The SHA-256 of a certificate.
pub fn sha256(der: &[u8]) -> CertHash {
    let digest = wtransport::tls::Certificate::from_der(der.to_vec())
        .map(|c| *c.hash().as_ref())
        .unwrap_or_else(|_| ring_sha256(der));
    CertHash(digest)
}

/// For bytes that are not a certificate at all (the hash is still what a page would pin).
fn ring_sha256(der: &[u8]) -> [u8; 32] {
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let hash = suite
        .tls13()
        .map(|s| s.common.hash_provider.hash(der))
        .expect("a TLS 1.3 suite");
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.as_ref());
    out
}

/// Passes every question to the verifier chosen, and keeps its refusal.
#[derive(Debug)]
struct Recording {
    inner: Arc<dyn ServerCertVerifier>,
    refused: Refused,
    pins: Option<Vec<CertHash>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if let Err(error) = &verdict {
            let hash = sha256(end_entity.as_ref());
            let pinned = self.pins.as_ref().map(|p| p.contains(&hash));
            *self.refused.lock().unwrap_or_else(|e| e.into_inner()) = Some(Refusal {
                error: error.clone(),
                hash,
                pinned,
            });
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}
