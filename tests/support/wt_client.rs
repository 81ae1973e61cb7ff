//! A WebTransport client on wtransport (not wsprobe's code) for the tests of
//! `wsprobe listen --webtransport`, and the listener started with it: its https URL and the
//! certificate hash it printed, and its log read line by line as it comes (JSON with `--json`).

use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use wtransport::tls::{Sha256Digest, Sha256DigestFmt};
use wtransport::{ClientConfig, Connection, Endpoint};

use super::{signal, wait_timeout, wsprobe_std};

impl Drop for WtListener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a test waits for a line of the listener's log.
const LOG_WAIT: Duration = Duration::from_secs(10);

/// `wsprobe [--json] listen --webtransport 127.0.0.1:0 EXTRA…`, its URLs and hash.
pub struct WtListener {
    pub child: Child,
    /// `ws://127.0.0.1:PORT` (the first line).
    pub ws_url: String,
    /// `https://127.0.0.1:PORT/`
    pub url: String,
    /// The SHA-256 from the start-up line (`ab:cd:…`).
    pub hash: String,
    /// stdout's lines (`--json` events) as they come.
    stdout: mpsc::Receiver<String>,
    /// stderr's lines after the start-up lines, as they come.
    stderr: mpsc::Receiver<String>,
}

fn lines_of<R: std::io::Read + Send + 'static>(r: R) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

impl WtListener {
    /// Starts the listener; `json` puts `--json` before `listen`.
    pub fn start(json: bool, extra: &[&str]) -> WtListener {
        let mut args = Vec::new();
        if json {
            args.push("--json");
        }
        args.extend(["listen", "--webtransport"]);
        args.extend_from_slice(extra);
        args.push("127.0.0.1:0");
        let mut child = wsprobe_std()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wsprobe listen");
        let stderr = lines_of(child.stderr.take().unwrap());
        let stdout = lines_of(child.stdout.take().unwrap());
        let mut this = WtListener {
            child,
            ws_url: String::new(),
            url: String::new(),
            hash: String::new(),
            stdout,
            stderr,
        };
        let first = this.log_line("");
        this.ws_url = first
            .strip_prefix("listening on ")
            .expect(&first)
            .to_owned();
        let line = this.log_line("serving WebTransport on ");
        let rest = line.strip_prefix("serving WebTransport on ").unwrap();
        let (url, rest) = rest.split_once(' ').unwrap();
        this.url = url.to_owned();
        this.hash = rest
            .rsplit(' ')
            .next()
            .unwrap()
            .trim_end_matches(')')
            .to_owned();
        this
    }

    /// Sends SIGINT and waits (bounded) for the exit status.
    pub fn interrupt(&mut self) -> Option<i32> {
        signal(self.child.id(), "INT");
        wait_timeout(&mut self.child, Duration::from_secs(10))
    }

    /// The next stderr line containing `text` (panics after 10 s, with what came).
    pub fn log_line(&self, text: &str) -> String {
        wait_for(&self.stderr, |l| l.contains(text), text)
    }

    /// The next `--json` event for which `pred` holds.
    pub fn event(
        &self,
        what: &str,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let line = wait_for(
            &self.stdout,
            |l| serde_json::from_str(l).is_ok_and(|v: serde_json::Value| pred(&v)),
            what,
        );
        serde_json::from_str(&line).unwrap()
    }
}

fn wait_for(rx: &mpsc::Receiver<String>, pred: impl Fn(&str) -> bool, what: &str) -> String {
    let deadline = std::time::Instant::now() + LOG_WAIT;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if pred(&line) => return line,
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "no line with {what:?} in the listener's log; it said:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// A client endpoint on 127.0.0.1 that accepts exactly the certificate with this SHA-256
/// (what a page's `serverCertificateHashes` does).
pub fn client(hash: &str) -> Endpoint<wtransport::endpoint::endpoint_side::Client> {
    let digest = Sha256Digest::from_str_fmt(hash, Sha256DigestFmt::DottedHex).expect("a hash");
    let config = ClientConfig::builder()
        .with_bind_address("127.0.0.1:0".parse().unwrap())
        .with_server_certificate_hashes([digest])
        .build();
    Endpoint::client(config).expect("a client endpoint")
}

/// A client endpoint on 127.0.0.1 that trusts the CA in `ca` (PEM), as a page does for a
/// certificate signed by a CA it knows (hashes only pin certificates of two weeks or less).
pub fn client_trusting(
    ca: &std::path::Path,
) -> Endpoint<wtransport::endpoint::endpoint_side::Client> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h3".to_vec()];
    let config = ClientConfig::builder()
        .with_bind_address("127.0.0.1:0".parse().unwrap())
        .with_custom_tls(tls)
        .build();
    Endpoint::client(config).expect("a client endpoint")
}

/// Opens a session at `url` pinned to `hash`.
pub async fn connect(
    url: &str,
    hash: &str,
) -> Result<Connection, wtransport::error::ConnectingError> {
    client(hash).connect(url).await
}

/// Reads a stream to its end.
pub async fn read_all(recv: &mut wtransport::RecvStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    while let Some(n) = recv.read(&mut buf).await.expect("stream read") {
        all.extend_from_slice(&buf[..n]);
    }
    all
}
