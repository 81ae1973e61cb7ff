//! wss:// with real certificates made in the test: trust via --ca (CA-signed, and the
//! self-signed CA:TRUE certificate `openssl req -x509` makes), refusal with a hint, -k, name
//! mismatch, client certificates (mTLS), `listen --tls-*`, -v and SSLKEYLOGFILE. Each failure
//! is checked word for word, and for the absence of Rust debug output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};

use crate::support::tls::{mtls_server_config, openssl_self_signed, pki, self_signed_ca};
use crate::support::{wsprobe, Listener, Printed, Server, RUN_TIMEOUT};

fn tls_listener(cert: &std::path::Path, key: &std::path::Path) -> Listener {
    Listener::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ])
}

/// The `wsprobe: error:` line and the `hint:` lines of a failed run; asserts that nothing in
/// stderr looks like Rust debug output (`Name(`, `Name {`, `os error`).
fn error_lines(stderr: &str) -> (String, Vec<String>) {
    let debug_like = stderr.char_indices().any(|(i, c)| {
        (c == '(' || stderr[i..].starts_with(" {"))
            && stderr[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_alphanumeric())
    });
    assert!(!debug_like, "debug output in stderr:\n{stderr}");
    for word in ["OtherError", "InvalidCertificate", "os error", "Context"] {
        assert!(!stderr.contains(word), "{word} in stderr:\n{stderr}");
    }
    let error = stderr
        .lines()
        .find(|l| l.starts_with("wsprobe: error: "))
        .unwrap_or_else(|| panic!("no error line in:\n{stderr}"))
        .to_owned();
    let hints = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("hint: "))
        .map(str::to_owned)
        .collect();
    (error, hints)
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
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate is signed by an unknown issuer"
    );
    assert_eq!(
        hints,
        ["use --ca FILE to trust the CA that signed it, or -k to skip verification (testing only)"]
    );
}

#[test]
fn a_ca_file_that_did_not_sign_the_certificate_is_named_in_the_hint() {
    let pki = pki();
    let other = self_signed_ca(&["unrelated.example"], 2020, 2090);
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let err = wsprobe()
        .args([&l.url, "--ca", other.cert_arg(), "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate is signed by an unknown issuer"
    );
    assert_eq!(
        hints,
        [format!(
            "no certificate in {} signed it: give the CA that did with --ca FILE, or -k to skip \
             verification (testing only)",
            other.cert_arg()
        )]
    );
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
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate is not valid for the name '127.0.0.1'"
    );
    assert_eq!(
        hints,
        ["the certificate is for other.example; connect by that name"]
    );
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
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate has expired \
         (valid until 2001-01-01 00:00:00 UTC)"
    );
    assert_expired_hint(&hints);
}

/// The hint of an expired certificate: the time here, what to do, and -k.
fn assert_expired_hint(hints: &[String]) {
    assert_eq!(hints.len(), 1, "{hints:?}");
    let rest = hints[0]
        .strip_prefix("it is now ")
        .unwrap_or_else(|| panic!("{hints:?}"));
    assert!(
        rest.ends_with(
            " UTC here: renew the certificate, or fix this machine's clock; -k skips \
             verification (testing only)"
        ),
        "{hints:?}"
    );
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
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: TLS: 127.0.0.1 refused the handshake (alert: certificate required)"
    );
    assert_eq!(
        hints,
        ["the server may require a client certificate: give one with --cert FILE --key FILE"]
    );
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
fn unreadable_tls_files_are_usage_errors_that_name_the_file_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let dir_arg = dir.path().to_str().unwrap().to_owned();
    let not_pem = write("notes.txt", "hello\n");
    let no_end = write("cut.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n");
    let not_cert = write(
        "junk.pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    let cases = [
        ("/nonexistent/ca.pem", "no such file", "check the path"),
        (
            &dir_arg,
            "it is a directory",
            "give a PEM file (-----BEGIN …-----)",
        ),
        (
            &not_pem,
            "it holds no CERTIFICATE block",
            "give a PEM file (-----BEGIN …-----)",
        ),
        (
            &no_end,
            "a PEM block has no -----END line",
            "give a PEM file (-----BEGIN …-----)",
        ),
        (
            &not_cert,
            "a CERTIFICATE block is not a valid certificate",
            "give a PEM file (-----BEGIN …-----)",
        ),
    ];
    for (file, why, hint) in cases {
        // Read before anything connects: port 1 is never reached.
        let err = wsprobe()
            .args(["wss://127.0.0.1:1/", "--ca", file])
            .assert()
            .code(2)
            .stderr_text();
        let (error, hints) = error_lines(&err);
        assert_eq!(
            error,
            format!("wsprobe: error: cannot read the CA bundle {file}: {why}")
        );
        assert_eq!(hints, [hint], "{file}");
    }
    let err = wsprobe()
        .args([
            "listen",
            "0",
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ])
        .assert()
        .code(2)
        .stderr_text();
    let (error, _) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: cannot read the certificate /nonexistent/c.pem: no such file"
    );
}

/// Connects with `--ca CERT` to `listen` serving that same self-signed CA:TRUE certificate.
fn connect_to_own_certificate(cert: &std::path::Path, key: &std::path::Path) {
    let l = tls_listener(cert, key);
    for url in [l.url.clone(), l.url.replace("127.0.0.1", "localhost")] {
        let out = wsprobe()
            .args([
                &url,
                "--ca",
                cert.to_str().unwrap(),
                "-x",
                "mine",
                "-n",
                "1",
            ])
            .assert()
            .success()
            .stdout_bytes();
        assert_eq!(out, b"mine\n", "{url}");
    }
}

#[test]
fn a_self_signed_ca_true_certificate_given_with_ca_is_trusted() {
    let own = self_signed_ca(&["localhost", "127.0.0.1"], 2020, 2090);
    connect_to_own_certificate(&own.cert, &own.key);
}

#[test]
fn the_certificate_openssl_req_x509_makes_is_trusted_with_ca() {
    let Some(own) = openssl_self_signed() else {
        eprintln!("openssl test not run: no openssl on PATH");
        return;
    };
    let text = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in", own.cert_arg()])
        .output()
        .unwrap()
        .stdout;
    assert!(
        String::from_utf8_lossy(&text).contains("CA:TRUE"),
        "this openssl no longer marks it CA:TRUE; the test would prove nothing"
    );
    connect_to_own_certificate(&own.cert, &own.key);
}

#[test]
fn another_self_signed_ca_true_certificate_is_still_refused() {
    let served = self_signed_ca(&["localhost", "127.0.0.1"], 2020, 2090);
    let trusted = self_signed_ca(&["localhost", "127.0.0.1"], 2020, 2090);
    let l = tls_listener(&served.cert, &served.key);
    for ca in [Some(trusted.cert_arg()), None] {
        let mut cmd = wsprobe();
        cmd.args([&l.url, "-x", "hi"]);
        if let Some(ca) = ca {
            cmd.args(["--ca", ca]);
        }
        let err = cmd.assert().code(3).stderr_text();
        let (error, hints) = error_lines(&err);
        assert_eq!(
            error,
            "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate is a CA certificate \
             (CA:TRUE) that is not trusted"
        );
        let hint = match ca {
            Some(file) => format!(
                "it is not one of the certificates in {file}: to trust it, give that very \
                 certificate with --ca; -k skips verification (testing only)"
            ),
            None => "to trust this very certificate, give it with --ca FILE; -k skips \
                     verification (testing only)"
                .to_owned(),
        };
        assert_eq!(hints, [hint]);
    }
}

/// The error and hint lines of `-x hi` against a server whose self-signed certificate, valid
/// from the start of year `from` to the start of `until`, is given with `--ca` (exit 3).
fn refusal_of_own_certificate(from: i32, until: i32) -> (String, Vec<String>) {
    let own = self_signed_ca(&["localhost", "127.0.0.1"], from, until);
    let l = tls_listener(&own.cert, &own.key);
    let err = wsprobe()
        .args([&l.url, "--ca", own.cert_arg(), "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    error_lines(&err)
}

#[test]
fn an_expired_self_signed_certificate_in_ca_is_refused_with_its_date() {
    let (error, hints) = refusal_of_own_certificate(2000, 2001);
    assert_eq!(
        error,
        "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate has expired \
         (valid until 2001-01-01 00:00:00 UTC)"
    );
    assert_expired_hint(&hints);
}

#[test]
fn a_certificate_not_valid_yet_is_refused_with_its_date() {
    let (error, hints) = refusal_of_own_certificate(2090, 2091);
    assert_eq!(
        error,
        "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate is not valid yet \
         (valid from 2090-01-01 00:00:00 UTC)"
    );
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert!(hints[0].starts_with("it is now "), "{hints:?}");
    assert!(
        hints[0].ends_with(
            " UTC here: fix this machine's clock, or wait; -k skips verification (testing only)"
        ),
        "{hints:?}"
    );
}

#[test]
fn a_self_signed_certificate_in_ca_for_other_names_is_refused_with_them() {
    let own = self_signed_ca(&["a.example", "b.example"], 2020, 2090);
    let l = tls_listener(&own.cert, &own.key);
    let err = wsprobe()
        .args([&l.url, "--ca", own.cert_arg(), "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: TLS: cannot verify 127.0.0.1: its certificate is not valid for the name '127.0.0.1'"
    );
    assert_eq!(
        hints,
        ["the certificate is for a.example, b.example; connect by one of those names"]
    );
}

/// A third-party server process, killed and reaped when the test ends (or fails).
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// wss:// to a server that speaks plain HTTP/WebSocket: its error and hint lines.
fn wss_to_plain(port: u16) -> (String, Vec<String>) {
    let url = format!("wss://127.0.0.1:{port}/");
    let err = wsprobe()
        .args([&url, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    error_lines(&err)
}

#[test]
fn wss_to_a_plain_server_says_it_does_not_speak_tls() {
    // wsprobe answers the ClientHello with an HTTP 400: bytes that are not TLS.
    let l = Listener::start(&[]);
    let port: u16 = l.url.rsplit(':').next().unwrap().parse().unwrap();
    let (error, hints) = wss_to_plain(port);
    assert_eq!(
        error,
        "wsprobe: error: TLS handshake with 127.0.0.1 failed: the server does not speak TLS"
    );
    assert_eq!(hints, [format!("try ws://127.0.0.1:{port}/")]);
    // Python's http.server answers with an HTTP 400 too.
    match std::process::Command::new("python3")
        .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(child) => {
            let mut child = Reaped(child);
            let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
            let mut line = String::new();
            let _ = std::io::BufRead::read_line(&mut out, &mut line);
            let port = line
                .split(" port ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or_else(|| panic!("python3 -m http.server said {line:?}"));
            let (error, hints) = wss_to_plain(port);
            assert_eq!(
                error,
                "wsprobe: error: TLS handshake with 127.0.0.1 failed: the server does not speak TLS"
            );
            assert_eq!(hints, [format!("try ws://127.0.0.1:{port}/")]);
        }
        Err(_) => eprintln!("python http.server test not run: no python3 on PATH"),
    }
    // tungstenite (not wsprobe) closes without a word: wsprobe cannot know more than that.
    let server = Server::echo();
    let (error, hints) = wss_to_plain(server.port);
    assert_eq!(
        error,
        "wsprobe: error: TLS handshake with 127.0.0.1 failed: the server closed the connection \
         during the TLS handshake"
    );
    assert_eq!(
        hints,
        [format!(
            "does the server speak TLS? if not, try ws://127.0.0.1:{}/",
            server.port
        )]
    );
}

/// ws:// to a TLS port: the answer is a TLS alert record, not HTTP.
fn ws_to_tls(port: u16) {
    let url = format!("ws://127.0.0.1:{port}/");
    let err = wsprobe()
        .args([&url, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        format!(
            "wsprobe: error: the WebSocket handshake with {url} failed: the server answered \
             with TLS, not HTTP"
        )
    );
    assert_eq!(hints, [format!("try wss://127.0.0.1:{port}/")]);
}

#[test]
fn ws_to_a_tls_port_says_the_server_answered_with_tls() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let port: u16 = l.url.rsplit(':').next().unwrap().parse().unwrap();
    ws_to_tls(port);
    // A TLS server that is not wsprobe: tokio-rustls with tungstenite behind it.
    let (server, _) = mtls_server(&pki);
    ws_to_tls(server.port);
}

#[test]
fn ws_to_a_tls_server_that_just_closes_suggests_wss() {
    // OpenSSL's s_server closes on a plain request without a byte of answer.
    let pki = pki();
    let Ok(child) = std::process::Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0", "-www", "-cert"])
        .arg(&pki.server_cert)
        .arg("-key")
        .arg(&pki.server_key)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        eprintln!("openssl test not run: no openssl on PATH");
        return;
    };
    let mut child = Reaped(child);
    let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        if std::io::BufRead::read_line(&mut out, &mut line).unwrap() == 0 {
            panic!("openssl s_server did not say where it listens");
        }
        if let Some(addr) = line.trim().strip_prefix("ACCEPT ") {
            break addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
        }
    };
    let url = format!("ws://127.0.0.1:{port}/");
    let err = wsprobe()
        .args([&url, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        format!(
            "wsprobe: error: the WebSocket handshake with {url} failed: the server closed the \
             connection without answering"
        )
    );
    assert_eq!(
        hints,
        [format!(
            "is this a WebSocket server? if the port is a TLS port, try wss://127.0.0.1:{port}/"
        )]
    );
}

/// Answers one upgrade request with `answer` (bytes as the server sends them), then closes.
fn answering(answer: &'static str) -> Server {
    Server::tcp(move |mut tcp| async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            match tcp.read_u8().await {
                Ok(b) => head.push(b),
                Err(_) => return,
            }
        }
        let _ = tcp.write_all(answer.as_bytes()).await;
        let _ = tcp.shutdown().await;
    })
}

#[test]
fn ws_to_a_tls_port_that_answers_http_400_suggests_wss() {
    // What nginx answers to plain HTTP on its TLS ports, byte for byte.
    let server = answering(
        "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n\
         Content-Length: 103\r\nConnection: close\r\n\r\n<html>\r\n<head><title>400 The \
         plain HTTP request was sent to HTTPS port</title></head>\r\n</html>\r\n",
    );
    let url = format!("ws://127.0.0.1:{}/", server.port);
    let err = wsprobe()
        .args([&url, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        "wsprobe: error: the server refused the WebSocket handshake: HTTP 400 Bad Request"
    );
    assert_eq!(
        hints,
        [format!(
            "the server expects TLS: try wss://127.0.0.1:{}/",
            server.port
        )]
    );

    // What Go's net/http answers: HTTP/1.0, which tungstenite refuses before the status.
    let server = answering(
        "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
    );
    let url = format!("ws://127.0.0.1:{}/", server.port);
    let err = wsprobe()
        .args([&url, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        format!(
            "wsprobe: error: the WebSocket handshake with {url} failed: the server answered \
             with HTTP/1.0, which cannot upgrade to WebSocket"
        )
    );
    assert_eq!(
        hints,
        [format!(
            "is this a WebSocket server? if the port is a TLS port, try wss://127.0.0.1:{}/",
            server.port
        )]
    );
}

#[test]
fn listen_logs_failed_tls_handshakes_in_words() {
    let pki = pki();
    let l = tls_listener(&pki.server_cert, &pki.server_key);
    let port = l.url.rsplit(':').next().unwrap().to_owned();
    // A client that does not trust the certificate, then one that speaks plain HTTP.
    wsprobe().args([&l.url, "-x", "hi"]).assert().code(3);
    wsprobe()
        .args([&format!("ws://127.0.0.1:{port}/"), "-x", "hi"])
        .assert()
        .code(3);
    let (_, log) = l.interrupt();
    let mut failures: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once(" ERROR tls: TLS handshake with 127.0.0.1:"))
        .map(|(_, rest)| rest.split_once(" failed: ").unwrap().1)
        .collect();
    // Each is logged when its connection fails; they need not come in order.
    failures.sort_unstable();
    assert_eq!(
        failures,
        [
            "the client does not speak TLS (plain HTTP on a TLS port?)",
            "the client refused the certificate (alert: unknown CA)",
        ],
        "{log}"
    );
}

#[test]
fn wss_to_a_closed_port_is_refused_without_os_error_numbers() {
    // A port that was just free: bind, read the port, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = wsprobe()
        .args([&format!("wss://127.0.0.1:{port}/"), "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (error, hints) = error_lines(&err);
    assert_eq!(
        error,
        format!("wsprobe: error: could not connect to 127.0.0.1:{port}: Connection refused")
    );
    assert_eq!(
        hints,
        [format!("is a server listening on 127.0.0.1:{port}?")]
    );
}
