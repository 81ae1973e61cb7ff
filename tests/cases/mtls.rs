//! `listen --tls-client-ca`: mutual TLS. A client with a certificate signed by the CA connects;
//! one without a certificate, or with one from another CA, is refused in the TLS handshake,
//! in words on both sides; a CA file that cannot be used is a usage error before `listening on`.

use crate::support::tls::{pki, pki_of, Pki};
use crate::support::{wsprobe, Listener, Printed};

fn arg(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// `listen` serving wss:// and demanding client certificates signed by `pki`'s CA.
fn mtls_listener(pki: &Pki) -> Listener {
    Listener::start(&[
        "--tls-cert",
        arg(&pki.server_cert),
        "--tls-key",
        arg(&pki.server_key),
        "--tls-client-ca",
        arg(&pki.ca),
    ])
}

/// The listener's log lines about failed TLS handshakes: what follows "failed: ".
fn tls_failures(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(" ERROR tls: TLS handshake with 127.0.0.1:"))
        .map(|l| l.split_once(" failed: ").unwrap().1)
        .collect()
}

#[test]
fn a_client_with_a_certificate_signed_by_the_client_ca_connects() {
    let pki = pki();
    let l = mtls_listener(&pki);
    assert!(l.url.starts_with("wss://"), "{}", l.url);
    let out = wsprobe()
        .args([&l.url, "--ca", arg(&pki.ca)])
        .args([
            "--cert",
            arg(&pki.client_cert),
            "--key",
            arg(&pki.client_key),
        ])
        .args(["-x", "with cert", "-n", "1"])
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"with cert\n");
    let (_, log) = l.interrupt();
    assert!(tls_failures(&log).is_empty(), "{log}");
}

#[test]
fn a_client_without_a_certificate_is_refused_and_told_to_give_one() {
    let pki = pki();
    let l = mtls_listener(&pki);
    let err = wsprobe()
        .args([&l.url, "--ca", arg(&pki.ca), "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        err.contains(
            "wsprobe: error: TLS: 127.0.0.1 refused the handshake (alert: certificate required)"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "hint: the server may require a client certificate: give one with --cert FILE --key FILE"
        ),
        "{err}"
    );
    let (_, log) = l.interrupt();
    assert_eq!(
        tls_failures(&log),
        ["the client sent no certificate (--tls-client-ca requires one)"],
        "{log}"
    );
}

#[test]
fn a_client_certificate_from_another_ca_is_refused() {
    let (pki, other) = (pki(), pki_of("another CA"));
    let l = mtls_listener(&pki);
    let err = wsprobe()
        .args([&l.url, "--ca", arg(&pki.ca)])
        .args([
            "--cert",
            arg(&other.client_cert),
            "--key",
            arg(&other.client_key),
        ])
        .args(["-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        err.contains("wsprobe: error: TLS: 127.0.0.1 refused the handshake (alert: unknown CA)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "hint: the server may not accept the client certificate {}: is it signed by a CA \
             the server trusts?",
            other.client_cert.display()
        )),
        "{err}"
    );
    // A CA of the same name but another key (its signature does not verify).
    let same_name = crate::support::tls::pki();
    let err = wsprobe()
        .args([&l.url, "--ca", arg(&pki.ca)])
        .args(["--cert", arg(&same_name.client_cert)])
        .args(["--key", arg(&same_name.client_key), "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    assert!(
        err.contains("hint: the server may not accept the client certificate"),
        "{err}"
    );
    let (_, log) = l.interrupt();
    assert_eq!(
        tls_failures(&log),
        [
            "the client's certificate was refused: it is not signed by a CA in --tls-client-ca",
            "the client's certificate was refused: the signature on it is invalid"
        ],
        "{log}"
    );
}

#[test]
fn a_client_ca_file_that_cannot_be_used_is_a_usage_error() {
    let pki = pki();
    let garbage = pki.ca.with_file_name("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let missing = pki.ca.with_file_name("missing.pem");
    for (file, why) in [
        (&missing, "no such file"),
        (&garbage, "it holds no CERTIFICATE block"),
        (&pki.client_key, "it holds no CERTIFICATE block"),
    ] {
        let err = wsprobe()
            .args(["listen", "127.0.0.1:0"])
            .args([
                "--tls-cert",
                arg(&pki.server_cert),
                "--tls-key",
                arg(&pki.server_key),
            ])
            .args(["--tls-client-ca", arg(file)])
            .assert()
            .code(2)
            .stderr_text();
        assert!(
            err.starts_with(&format!(
                "wsprobe: error: cannot read the client CA bundle {}: {why}\n",
                file.display()
            )),
            "{err}"
        );
        assert!(!err.contains("listening on"), "{err}");
    }
    // Without a certificate of its own, listen serves no TLS to ask one from the client.
    let err = wsprobe()
        .args(["listen", "127.0.0.1:0", "--tls-client-ca", arg(&pki.ca)])
        .assert()
        .code(2)
        .stderr_text();
    assert!(err.contains("--tls-cert <FILE>"), "{err}");
}
