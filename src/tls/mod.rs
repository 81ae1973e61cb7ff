//! TLS with rustls (ring): the client configuration (platform trust store, `--ca`, `-k`,
//! `--cert/--key`, `SSLKEYLOGFILE`) and the server configuration (`listen --tls-cert/--tls-key`,
//! and `--tls-client-ca` to demand client certificates).
//! Handshake failures are put into words by [`crate::tls::failure`].
//!
//! `--ca FILE` trusts the certificates in FILE the way curl and `openssl s_client -CAfile` do:
//! as CAs that sign the server's certificate, and also as the server's certificate itself. The
//! second case is the self-signed certificate `openssl req -x509` makes, which OpenSSL 3 marks
//! CA:TRUE and webpki therefore refuses as a server certificate; [`CaFile`] accepts exactly
//! those bytes, still checking the name, the validity period, the key usage and the handshake
//! signatures.

pub mod failure;
pub mod webtransport;
pub mod x509;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, DistinguishedName, RootCertStore,
    ServerConfig, SignatureScheme,
};

use crate::error::Failure;

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

/// A TLS file that cannot be used (exit 2): it names the file and says why.
fn unreadable(what: &str, path: &Path, why: &str) -> anyhow::Error {
    unreadable_hinted(what, path, why, "give a PEM file (-----BEGIN …-----)")
}

fn unreadable_hinted(what: &str, path: &Path, why: &str, hint: &str) -> anyhow::Error {
    Failure::usage(format!("cannot read the {what} {}: {why}", path.display()))
        .hint(hint)
        .into()
}

/// A PEM file that could not be read: a missing file asks to check the path, the rest for PEM.
fn pem_failure(what: &str, path: &Path, e: &pem::Error, block: &str) -> anyhow::Error {
    let why = pem_words(e, block);
    match e {
        pem::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            unreadable_hinted(what, path, &why, "check the path")
        }
        _ => unreadable(what, path, &why),
    }
}

/// An I/O error in words, without Rust's "(os error N)".
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file".to_owned(),
        ErrorKind::PermissionDenied => "permission denied".to_owned(),
        ErrorKind::IsADirectory => "it is a directory".to_owned(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}

/// A PEM reading error in words (rustls' own text shows the bytes of the marker it missed).
fn pem_words(e: &pem::Error, block: &str) -> String {
    match e {
        pem::Error::Io(io) => io_words(io),
        pem::Error::NoItemsFound => format!("it holds no {block} block"),
        pem::Error::MissingSectionEnd { .. } => "a PEM block has no -----END line".to_owned(),
        pem::Error::IllegalSectionStart { .. } => "a -----BEGIN line is malformed".to_owned(),
        pem::Error::Base64Decode(_) => "a PEM block is not valid base64".to_owned(),
        pem::Error::SectionTooLarge => "a PEM block is too large".to_owned(),
        _ => "it is not a valid PEM file".to_owned(),
    }
}

pub fn load_certs(path: &Path, what: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let words = |e: pem::Error| pem_failure(what, path, &e, "CERTIFICATE");
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(words)?
        .collect::<Result<_, _>>()
        .map_err(words)?;
    if certs.is_empty() {
        return Err(unreadable(what, path, "it holds no CERTIFICATE block"));
    }
    Ok(certs)
}

pub fn load_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| pem_failure("private key", path, &e, "PRIVATE KEY"))
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
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(CaFile::load(ca, provider.clone())?))
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

/// The server configuration for `listen --tls-cert --tls-key`, demanding a client certificate
/// signed by a CA in `client_ca` (`--tls-client-ca`) when given.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = load_certs(cert, "certificate")?;
    let key_der = load_key(key)?;
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS setup: {e}"))?;
    let builder = match client_ca {
        Some(path) => builder.with_client_cert_verifier(client_verifier(path, provider)?),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key_der).map_err(|e| {
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

/// `--tls-client-ca FILE`: a client must present a certificate signed by a CA in FILE.
fn client_verifier(
    path: &Path,
    provider: Arc<CryptoProvider>,
) -> anyhow::Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    const WHAT: &str = "client CA bundle";
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path, WHAT)? {
        roots.add(cert).map_err(|_| {
            unreadable(WHAT, path, "a CERTIFICATE block is not a valid certificate")
        })?;
    }
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| unreadable(WHAT, path, &e.to_string()))
}

/// `--ca FILE`: webpki with the certificates in FILE as roots, plus a server certificate that
/// is byte for byte one of them even when it is marked CA:TRUE (see the module comment).
#[derive(Debug)]
struct CaFile {
    webpki: Arc<WebPkiServerVerifier>,
    trusted: Vec<CertificateDer<'static>>,
}

impl CaFile {
    fn load(path: &Path, provider: Arc<CryptoProvider>) -> anyhow::Result<CaFile> {
        let trusted = load_certs(path, "CA bundle")?;
        let mut roots = RootCertStore::empty();
        for cert in &trusted {
            roots.add(cert.clone()).map_err(|_| {
                unreadable(
                    "CA bundle",
                    path,
                    "a CERTIFICATE block is not a valid certificate",
                )
            })?;
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| unreadable("CA bundle", path, &e.to_string()))?;
        Ok(CaFile { webpki, trusted })
    }
}

/// Whether webpki refused a certificate because it is marked CA:TRUE.
pub fn is_ca_used_as_leaf(e: &rustls::Error) -> bool {
    matches!(webpki_error(e), Some(webpki::Error::CaUsedAsEndEntity))
}

/// The webpki error that rustls passes on as `CertificateError::Other`, if it is one.
pub fn webpki_error(e: &rustls::Error) -> Option<&webpki::Error> {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => {
            other.0.downcast_ref::<webpki::Error>()
        }
        _ => None,
    }
}

/// The checks webpki would make on a server certificate that is its own trust anchor: it
/// parses (no unknown critical extension), is valid now, may serve TLS, and names the server.
fn verify_trusted_leaf(
    cert: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let parsed = ParsedCertificate::try_from(cert)?;
    let facts = x509::read(cert.as_ref()).ok_or(CertificateError::BadEncoding)?;
    if facts.not_before > facts.not_after {
        return Err(CertificateError::Expired.into());
    }
    if now < facts.not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: facts.not_before,
        }
        .into());
    }
    if now > facts.not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: facts.not_after,
        }
        .into());
    }
    if let Some(purposes) = &facts.eku {
        if !purposes.iter().any(|p| p == x509::SERVER_AUTH) {
            return Err(CertificateError::InvalidPurpose.into());
        }
    }
    rustls::client::verify_server_name(&parsed, server_name)
}

impl ServerCertVerifier for CaFile {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(e) if is_ca_used_as_leaf(&e) && self.trusted.iter().any(|t| t == end_entity) => {
                verify_trusted_leaf(end_entity, server_name, now)?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.webpki.root_hint_subjects()
    }
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
