//! wss:// with real certificates made in the test: trust via --ca, refusal with a hint, -k,
//! name mismatch, client certificates (mTLS), `listen --tls-*`, -v and SSLKEYLOGFILE.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};

use crate::support::tls::{mtls_server_config, pki};
use crate::support::{wsprobe, Listener, Printed, Server, RUN_TIMEOUT};

fn tls_listener(cert: &std::path::Path, key: &std::path::Path) -> Listener {
    Listener::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ])
}

/// Connects with `--ca` to a listener with this certificate; expects exit 3 and returns stderr.
fn refused_with_ca(cert: &std::path::Path, key: &std::path::Path) -> String {
    let pki_ca = cert.with_file_name("ca.pem");
    let l = tls_listener(cert, key);
    wsprobe()
        .args([&l.url, "--ca", pki_ca.to_str().unwrap(), "-x", "hi"])
        .timeout(RUN_TIMEOUT)
        .assert()
        .code(3)
        .stderr_text()
}

#[test]
fn listen_serves_wss_and_connect_trusts_it_with_ca() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    assert!(l.url.starts_with("wss://127.0.0.1:"), "{}", l.url);
    let out = wsprobe()
        .args([
            &l.url,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-x",
            "secret",
            "-n",
            "1",
        ])
        .timeout(RUN_TIMEOUT)
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"secret\n");
    // By name too: the certificate is for localhost.
    let by_name = l.url.replace("127.0.0.1", "localhost");
    wsprobe()
        .args([
            &by_name,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-x",
            "hi",
            "-n",
            "1",
        ])
        .timeout(RUN_TIMEOUT)
        .assert()
        .success();
}

#[test]
fn an_untrusted_certificate_is_refused_with_a_hint() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let err = wsprobe()
        .args([&l.url, "-x", "hi"])
        .timeout(RUN_TIMEOUT)
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        err.contains("cannot verify 127.0.0.1: its certificate is signed by an unknown issuer"),
        "{err}"
    );
    assert!(err.contains("use --ca FILE"), "{err}");
    assert!(err.contains("-k"), "{err}");
}

#[test]
fn insecure_accepts_any_certificate_and_says_so() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let assert = wsprobe()
        .args([&l.url, "-k", "-x", "hi", "-n", "1"])
        .timeout(RUN_TIMEOUT)
        .assert()
        .success();
    let err = assert.stderr_text();
    assert!(
        err.contains("warning: -k: the certificate of 127.0.0.1 was not verified"),
        "{err}"
    );
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let pki = pki();
    let err = refused_with_ca(&pki.wrong_name_cert, &pki.wrong_name_key);
    assert!(err.contains("not valid for the name '127.0.0.1'"), "{err}");
}

#[test]
fn ping_measures_the_tls_handshake_over_wss() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let out = wsprobe()
        .args([
            "ping",
            &l.url,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-c",
            "2",
            "-i",
            "10ms",
            "--json",
        ])
        .timeout(RUN_TIMEOUT)
        .assert()
        .success()
        .stdout_bytes();
    let events = crate::support::json_lines(&out);
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "ping_summary");
    assert_eq!(summary["received"], 2);
    assert!(summary["tls_ms"].as_f64().unwrap() > 0.0, "{summary}");
}

#[test]
fn an_expired_certificate_is_refused() {
    let pki = pki();
    let err = refused_with_ca(&pki.expired_cert, &pki.expired_key);
    assert!(err.contains("its certificate has expired"), "{err}");
    assert!(err.contains("-k"), "{err}");
}

#[test]
fn wss_goes_through_an_http_connect_proxy() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let (proxy, targets) = crate::support::proxy::http_proxy(None);
    let out = wsprobe()
        .env("https_proxy", format!("http://127.0.0.1:{}", proxy.port))
        .args([
            &l.url,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-x",
            "tunnelled",
            "-n",
            "1",
        ])
        .timeout(RUN_TIMEOUT)
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"tunnelled\n");
    let port = l.url.rsplit(':').next().unwrap().to_owned();
    assert_eq!(*targets.lock().unwrap(), vec![format!("127.0.0.1:{port}")]);
}

/// A wss server (tokio-rustls + tokio-tungstenite, not wsprobe) that requires a client
/// certificate; records whether one was presented.
fn mtls_server(pki: &crate::support::tls::Pki) -> (Server, Arc<AtomicBool>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(mtls_server_config(pki));
    let saw_cert = Arc::new(AtomicBool::new(false));
    let saw = saw_cert.clone();
    let server = Server::tcp(move |tcp| {
        let acceptor = acceptor.clone();
        let saw = saw.clone();
        async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            if tls
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|c| !c.is_empty())
            {
                saw.store(true, Ordering::SeqCst);
            }
            let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
                return;
            };
            while let Some(Ok(m)) = ws.next().await {
                if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                    break;
                }
            }
        }
    });
    (server, saw_cert)
}

#[test]
fn a_server_that_requires_a_client_certificate_gets_one_from_cert_and_key() {
    let pki = pki();
    let (server, saw_cert) = mtls_server(&pki);
    let url = server.url.replace("ws://", "wss://");
    let ca = pki.ca.to_str().unwrap();
    let err = wsprobe()
        .args([&url, "--ca", ca, "-x", "hi", "-n", "1"])
        .timeout(RUN_TIMEOUT)
        .assert()
        .code(3)
        .stderr_text();
    assert!(err.contains("--cert FILE --key FILE"), "{err}");
    assert!(!saw_cert.load(Ordering::SeqCst));

    let out = wsprobe()
        .args([
            &url,
            "--ca",
            ca,
            "--cert",
            pki.client_cert.to_str().unwrap(),
            "--key",
            pki.client_key.to_str().unwrap(),
            "-x",
            "with cert",
            "-n",
            "1",
        ])
        .timeout(RUN_TIMEOUT)
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"with cert\n");
    assert!(saw_cert.load(Ordering::SeqCst));
}

#[test]
fn verbose_shows_the_tls_session_and_keylog_is_written() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let dir = tempfile::tempdir().unwrap();
    let keylog = dir.path().join("keys.log");
    let err = wsprobe()
        .env("SSLKEYLOGFILE", &keylog)
        .args([
            &l.url,
            "--ca",
            pki.ca.to_str().unwrap(),
            "-v",
            "-x",
            "hi",
            "-n",
            "1",
        ])
        .timeout(RUN_TIMEOUT)
        .assert()
        .success()
        .stderr_text();
    assert!(err.contains("TLS TLSv1.3 TLS13_"), "{err}");
    assert!(err.contains("alpn=http/1.1"), "{err}");
    let keys = std::fs::read_to_string(&keylog).unwrap();
    assert!(keys.contains("CLIENT_TRAFFIC_SECRET_0"), "{keys}");
}

#[test]
fn unreadable_tls_files_are_usage_errors() {
    let err = wsprobe()
        .args(["wss://127.0.0.1:1/", "--ca", "/nonexistent/ca.pem"])
        .timeout(RUN_TIMEOUT)
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        err.contains("cannot read the CA bundle /nonexistent/ca.pem"),
        "{err}"
    );
    let err = wsprobe()
        .args([
            "listen",
            "0",
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ])
        .timeout(RUN_TIMEOUT)
        .assert()
        .code(2)
        .stderr_text();
    assert!(
        err.contains("cannot read the certificate /nonexistent/c.pem"),
        "{err}"
    );
}
