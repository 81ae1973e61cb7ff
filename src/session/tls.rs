//! TLS with rustls (ring): the client configuration (platform trust store, `--ca`, `-k`,
//! `--cert/--key`, `SSLKEYLOGFILE`), the server configuration (`listen --tls-cert/--tls-key`),
//! and TLS failures turned into one line with a hint.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

use crate::error::{exit, Failure};

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub ca: Option<PathBuf>,
    pub insecure: bool,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn unreadable(what: &str, path: &Path, e: impl std::fmt::Display) -> anyhow::Error {
    Failure::new(
        exit::USAGE,
        format!("cannot read the {what} {}: {e}", path.display()),
    )
    .hint("give a PEM file (-----BEGIN …-----)")
    .into()
}

pub fn load_certs(path: &Path, what: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(what, path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable(what, path, e))?;
    if certs.is_empty() {
        return Err(unreadable(what, path, "it holds no CERTIFICATE block"));
    }
    Ok(certs)
}

pub fn load_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| unreadable("private key", path, e))
}

/// The client configuration; built once per run (reconnects reuse it).
pub fn client_config(opts: &TlsOptions) -> anyhow::Result<Arc<ClientConfig>> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))?;
    let builder = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Insecure(provider)))
    } else if let Some(ca) = &opts.ca {
        // Like curl's --cacert: these roots replace the system's.
        let mut roots = RootCertStore::empty();
        for cert in load_certs(ca, "CA bundle")? {
            roots
                .add(cert)
                .map_err(|e| unreadable("CA bundle", ca, e))?;
        }
        builder.with_root_certificates(roots)
    } else if rustls_native_certs::load_native_certs().certs.is_empty() {
        // No system trust store (a minimal container): Mozilla's roots, built in.
        let roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        builder.with_root_certificates(roots)
    } else {
        use rustls_platform_verifier::BuilderVerifierExt;
        builder
            .with_platform_verifier()
            .map_err(|e| anyhow::anyhow!("loading the system's trust store: {e}"))?
    };
    let mut config = match (&opts.cert, &opts.key) {
        (Some(cert), Some(key)) => {
            let chain = load_certs(cert, "client certificate")?;
            builder
                .with_client_auth_cert(chain, load_key(key)?)
                .map_err(|e| {
                    Failure::usage(format!(
                        "the client certificate {} and key {} do not work together: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?
        }
        _ => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.key_log = Arc::new(rustls::KeyLogFile::new());
    Ok(Arc::new(config))
}

/// The server configuration for `listen --tls-cert --tls-key`.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = load_certs(cert, "certificate")?;
    let key_der = load_key(key)?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| {
            Failure::usage(format!(
                "the certificate {} and key {} do not work together: {e}",
                cert.display(),
                key.display()
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.key_log = Arc::new(rustls::KeyLogFile::new());
    Ok(Arc::new(config))
}

/// `-k`: any certificate is accepted, but the handshake signatures are still verified (the
/// peer must hold the key of the certificate it sent).
#[derive(Debug)]
struct Insecure(Arc<CryptoProvider>);

impl ServerCertVerifier for Insecure {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A failed TLS handshake as one line and a hint (exit 3).
pub fn handshake_failure(host: &str, e: &std::io::Error) -> Failure {
    use rustls::{AlertDescription, CertificateError, Error as TlsError};
    let tls = e.get_ref().and_then(|i| i.downcast_ref::<TlsError>());
    let trust =
        "use --ca FILE to trust the CA that signed it, or -k to skip verification (testing only)";
    match tls {
        Some(TlsError::InvalidCertificate(c)) => {
            let what = match c {
                CertificateError::UnknownIssuer => {
                    "its certificate is signed by an unknown issuer".to_owned()
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "its certificate has expired".to_owned()
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "its certificate is not valid yet".to_owned()
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => {
                    format!("its certificate is not valid for the name '{host}'")
                }
                CertificateError::Revoked => "its certificate has been revoked".to_owned(),
                other => format!("its certificate is invalid ({other:?})"),
            };
            Failure::connect(format!("TLS: cannot verify {host}: {what}")).hint(trust)
        }
        Some(TlsError::AlertReceived(
            a @ (AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::HandshakeFailure),
        )) => Failure::connect(format!("TLS: {host} refused the handshake (alert: {a:?})")).hint(
            "the server may require a client certificate: give one with --cert FILE --key FILE",
        ),
        Some(other) => Failure::connect(format!("TLS handshake with {host} failed: {other}")),
        None => Failure::connect(format!("TLS handshake with {host} failed: {e}"))
            .hint("is this a TLS port? use ws:// for a plain one"),
    }
}

/// TLS version, cipher suite and ALPN of an established connection, for `-v`.
pub fn describe(conn: &rustls::CommonState) -> (String, String, Option<String>) {
    let version = conn
        .protocol_version()
        .map(|v| format!("{v:?}").replace("TLSv1_", "TLSv1."))
        .unwrap_or_default();
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()))
        .unwrap_or_default();
    let alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    (version, cipher, alpn)
}
