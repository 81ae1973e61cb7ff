//! Certificates made for one test: a CA, a server certificate for localhost and 127.0.0.1
//! signed by it, a client certificate, and a server certificate for another name.

use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

pub struct Pki {
    _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// Signed by the CA for localhost, but expired in 2001.
    pub expired_cert: PathBuf,
    pub expired_key: PathBuf,
    /// Signed by the CA, but only for `other.example`.
    pub wrong_name_cert: PathBuf,
    pub wrong_name_key: PathBuf,
}

pub fn pki() -> Pki {
    pki_of("wsprobe test CA")
}

/// The same set of certificates under a CA of this name (another CA than [`pki`]'s).
pub fn pki_of(ca_name: &str) -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let leaf = |names: &[&str]| {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server, server_key) = leaf(&["localhost", "127.0.0.1", "::1"]);
    let (client, client_key) = leaf(&["client.test"]);
    let (wrong, wrong_key) = leaf(&["other.example"]);
    let (expired, expired_key) = {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        (
            params.signed_by(&key, &ca).unwrap().pem(),
            key.serialize_pem(),
        )
    };
    Pki {
        ca: write("ca.pem", ca.pem()),
        server_cert: write("server.pem", server),
        server_key: write("server-key.pem", server_key),
        client_cert: write("client.pem", client),
        client_key: write("client-key.pem", client_key),
        expired_cert: write("expired.pem", expired),
        expired_key: write("expired-key.pem", expired_key),
        wrong_name_cert: write("wrong.pem", wrong),
        wrong_name_key: write("wrong-key.pem", wrong_key),
        _dir: dir,
    }
}

/// A rustls server configuration that requires a client certificate signed by the test CA.
pub fn mtls_server_config(pki: &Pki) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&pki.ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let chain: Vec<_> = CertificateDer::pem_file_iter(&pki.server_cert)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&pki.server_key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    Arc::new(config)
}

/// A self-signed certificate marked CA:TRUE, as `openssl req -x509` makes one, with its key.
pub struct SelfSigned {
    _dir: tempfile::TempDir,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl SelfSigned {
    pub fn cert_arg(&self) -> &str {
        self.cert.to_str().unwrap()
    }
}

/// A self-signed CA:TRUE certificate for `names`, valid from `from` to `until` (years).
pub fn self_signed_ca(names: &[&str], from: i32, until: i32) -> SelfSigned {
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        names.first().copied().unwrap_or("x"),
    );
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(until, 1, 1);
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    SelfSigned {
        _dir: dir,
        cert: cert_path,
        key: key_path,
    }
}

/// The certificate most people make first, by the real `openssl` command:
/// `openssl req -x509 -newkey rsa:2048 -nodes … -subj /CN=localhost
/// -addext subjectAltName=DNS:localhost,IP:127.0.0.1`. `None` when openssl is not on PATH.
pub fn openssl_self_signed() -> Option<SelfSigned> {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args([
            "-days",
            "30",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Some(SelfSigned {
            _dir: dir,
            cert,
            key,
        }),
        Ok(s) => panic!("openssl req -x509 failed: {s}"),
        Err(_) => None,
    }
}
