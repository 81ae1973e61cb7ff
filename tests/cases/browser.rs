//! The test page in a real browser: headless Chromium, driven over its DevTools protocol (a
//! WebSocket, spoken here with tokio-tungstenite), loads the page from `listen --page`,
//! connects, sends, and the page's own log is checked.
//!
//! Over https/wss too: Chromium trusts the self-signed CA:TRUE certificate `listen` serves
//! through an NSS database in a temporary HOME, made with `certutil` — as a user trusts a
//! certificate they made with `openssl req -x509`.
//!
//! Chromium is Debian's `chromium` package and `certutil` comes from `libnss3-tools`;
//! `.ci/run` installs both and sets `WSPROBE_REQUIRE_BROWSER=1`, so CI fails rather than skips
//! when one is missing. A plain `cargo test` on a machine without them says so on stderr and
//! passes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{block_on, ClientWs, Listener};

pub(super) fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WSPROBE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    on_path(&["chromium", "chromium-browser", "google-chrome"])
}

fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// `exe` found on PATH, or `None` after saying on stderr that the test does not run — unless
/// `WSPROBE_REQUIRE_BROWSER` is set, then the test fails.
pub(super) fn required(exe: Option<PathBuf>, what: &str, package: &str) -> Option<PathBuf> {
    if exe.is_none() {
        assert!(
            std::env::var_os("WSPROBE_REQUIRE_BROWSER").is_none(),
            "WSPROBE_REQUIRE_BROWSER is set but no {what} was found (apt-get install {package})"
        );
        eprintln!("browser test not run: no {what} on PATH (apt-get install {package})");
    }
    exe
}

/// A HOME whose NSS database (`~/.pki/nssdb`, where Chromium on Linux looks) trusts `cert`
/// as a CA, made with NSS's own `certutil`.
fn home_trusting(certutil: &Path, cert: &Path) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join(".pki/nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let db_arg = format!("sql:{}", db.display());
    let run = |args: &[&std::ffi::OsStr]| {
        let out = Command::new(certutil)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run certutil");
        assert!(
            out.status.success(),
            "certutil {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "-N".as_ref(),
        "-d".as_ref(),
        db_arg.as_ref(),
        "--empty-password".as_ref(),
    ]);
    run(&[
        "-A".as_ref(),
        "-d".as_ref(),
        db_arg.as_ref(),
        "-t".as_ref(),
        "C,,".as_ref(),
        "-n".as_ref(),
        "wsprobe test".as_ref(),
        "-i".as_ref(),
        cert.as_os_str(),
    ]);
    home
}

/// Headless Chromium with its DevTools endpoint on a free port; killed on drop.
pub(super) struct Browser {
    child: Child,
    devtools: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Chromium with `home` as HOME (its NSS database), or the test's own environment.
    fn start(exe: &PathBuf, home: Option<&Path>) -> Browser {
        Browser::launch(exe, home, &["--disable-quic"])
    }

    /// Chromium with QUIC on (WebTransport runs over it).
    pub(super) fn with_quic(exe: &PathBuf) -> Browser {
        Browser::launch(exe, None, &[])
    }

    fn launch(exe: &PathBuf, home: Option<&Path>, extra: &[&str]) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(exe);
        if let Some(home) = home {
            cmd.env("HOME", home);
        }
        let mut child = cmd
            .args(extra)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", exe.display()));
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let devtools = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("Chromium did not print its DevTools address within 60 s");
        Browser {
            child,
            devtools,
            _profile: profile,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A DevTools protocol session over one WebSocket.
struct Cdp {
    ws: ClientWs,
    next_id: u64,
}

impl Cdp {
    /// Sends a command and returns its result, skipping events; `None` waits for an event.
    async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::text(msg.to_string())).await.unwrap();
        loop {
            let reply = self.next().await;
            if reply["id"] == json!(id) {
                assert!(reply.get("error").is_none(), "{method} failed: {reply}");
                return reply["result"].clone();
            }
        }
    }

    async fn wait_event(&mut self, method: &str) -> Value {
        loop {
            let msg = self.next().await;
            if msg["method"] == json!(method) {
                return msg;
            }
        }
    }

    async fn next(&mut self) -> Value {
        match tokio::time::timeout(Duration::from_secs(30), self.ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str(&t).unwrap(),
            other => panic!("DevTools connection: {other:?}"),
        }
    }
}

/// What the test does on the page, as a user would: connect, send, wait for the echo, close.
const SCRIPT: &str = r#"(async () => {
  const $ = (id) => document.getElementById(id);
  const wait = async (ok, what) => {
    for (let i = 0; i < 200; i++) {
      if (ok()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("timed out waiting for " + what + "; log: " + $("log").innerText);
  };
  $("connect").click();
  await wait(() => $("state").textContent === "OPEN", "OPEN");
  $("message").value = "hello from chromium";
  $("send").click();
  await wait(() => $("log").innerText.includes("< hello from chromium"), "the echo");
  // A large message that compresses well: with permessage-deflate it goes compressed both ways.
  $("message").value = "chromium compresses this ".repeat(4000);
  $("send").click();
  await wait(() => $("log").innerText.includes("< chromium compresses this chromium"), "the large echo");
  $("code").value = "4001";
  $("reason").value = "test done";
  $("close").click();
  await wait(() => $("state").textContent === "CLOSED", "CLOSED");
  return $("log").innerText;
})()"#;

/// Has Chromium load `page`, run [`SCRIPT`] on it, and returns the page's log.
fn drive_page(browser: &Browser, page: &str) -> String {
    let (value, _) = open_page(browser, page, SCRIPT, false);
    value
}

/// Opens `page` in a new tab (1100 px wide), runs `script` on it once it has loaded and
/// returns what the script returned (a string), and a PNG screenshot of the whole page if
/// asked for.
pub(super) fn open_page(
    browser: &Browser,
    page: &str,
    script: &str,
    shot: bool,
) -> (String, Vec<u8>) {
    block_on(async {
        let ws = tokio_tungstenite::connect_async(&browser.devtools)
            .await
            .expect("connect to Chromium's DevTools")
            .0;
        let mut cdp = Cdp { ws, next_id: 0 };
        let target = cdp
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let session = cdp
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await["sessionId"]
            .as_str()
            .unwrap()
            .to_owned();
        cdp.call(Some(&session), "Page.enable", json!({})).await;
        cdp.call(
            Some(&session),
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
        let nav = cdp
            .call(Some(&session), "Page.navigate", json!({ "url": page }))
            .await;
        // A page that cannot load (a refused certificate) says so here, not by timing out.
        assert!(nav.get("errorText").is_none(), "loading {page}: {nav}");
        cdp.wait_event("Page.loadEventFired").await;
        let result = cdp
            .call(
                Some(&session),
                "Runtime.evaluate",
                json!({ "expression": script, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "the page script failed: {result}"
        );
        let value = result["result"]["value"].as_str().unwrap().to_owned();
        let mut png = Vec::new();
        if shot {
            let data = cdp
                .call(
                    Some(&session),
                    "Page.captureScreenshot",
                    json!({ "format": "png", "captureBeyondViewport": true }),
                )
                .await;
            use base64::Engine;
            png = base64::engine::general_purpose::STANDARD
                .decode(data["data"].as_str().unwrap())
                .unwrap();
        }
        (value, png)
    })
}

/// The page's log shows the readyState cycle and the messages in order, for `ws_url`.
fn assert_page_log(log: &str, ws_url: &str) {
    let lines: Vec<&str> = log.lines().collect();
    let find = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not in the page's log:\n{log}"))
    };
    let order = [
        find(&format!("CONNECTING {ws_url}")),
        find("OPEN "),
        find("> hello from chromium"),
        find("< hello from chromium"),
        find("CLOSING (local) 4001 \"test done\""),
        find("CLOSED 4001 \"test done\" clean"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{log}");
    // Chromium offers permessage-deflate and `listen` accepts it.
    assert!(
        lines[order[1]].contains("extensions=permessage-deflate"),
        "{}",
        lines[order[1]]
    );
}

/// What `listen` logged about the page and the connection: over TLS, Chromium loads the page
/// over HTTP/2 (listen offers h2) and opens its WebSocket on that connection (RFC 8441).
fn assert_server_log(l: Listener) {
    let (_, server_log) = l.interrupt();
    assert!(server_log.contains("HTTP GET / 200"), "{server_log}");
    assert!(
        server_log.contains("CLOSED 4001 \"test done\" clean (remote)"),
        "{server_log}"
    );
    assert!(server_log.contains(": HTTP/2 connection"), "{server_log}");
    let open = server_log
        .lines()
        .find(|l| l.contains(" OPEN "))
        .unwrap_or_else(|| panic!("no OPEN line:\n{server_log}"));
    assert!(open.ends_with(" over HTTP/2"), "{open}");
}

#[test]
fn chromium_uses_the_test_page_to_talk_to_the_server() {
    let Some(exe) = required(chromium(), "Chromium", "chromium") else {
        return;
    };
    let l = Listener::start(&["--page", "-v"]);
    let page = l.url.replacen("ws://", "http://", 1) + "/";
    let browser = Browser::start(&exe, None);
    let log = drive_page(&browser, &page);
    drop(browser);
    assert_page_log(&log, &(l.url.clone() + "/"));
    let (_, server_log) = l.interrupt();
    // The 100,000-byte message came compressed and its echo went compressed.
    for arrow in ["< text 97.7 KiB (", "> text 97.7 KiB ("] {
        let line = server_log
            .lines()
            .find(|l| l.contains(arrow))
            .unwrap_or_else(|| panic!("no {arrow:?} line:\n{server_log}"));
        assert!(
            line.contains(" compressed) chromium compresses this"),
            "{line}"
        );
    }
    assert!(server_log.contains("HTTP GET / 200"), "{server_log}");
    assert!(
        server_log.contains("CLOSED 4001 \"test done\" clean (remote)"),
        "{server_log}"
    );
}

#[test]
fn chromium_trusts_a_self_signed_ca_true_certificate_and_talks_wss() {
    let Some(exe) = required(chromium(), "Chromium", "chromium") else {
        return;
    };
    let Some(certutil) = required(on_path(&["certutil"]), "certutil", "libnss3-tools") else {
        return;
    };
    let own = crate::support::tls::self_signed_ca(&["localhost", "127.0.0.1"], 2020, 2090);
    let home = home_trusting(&certutil, &own.cert);
    let l = Listener::start(&[
        "--page",
        "-v",
        "--tls-cert",
        own.cert.to_str().unwrap(),
        "--tls-key",
        own.key.to_str().unwrap(),
    ]);
    assert!(l.url.starts_with("wss://"), "{}", l.url);
    let page = l.url.replacen("wss://", "https://", 1) + "/";
    let browser = Browser::start(&exe, Some(home.path()));
    let log = drive_page(&browser, &page);
    drop(browser);
    assert_page_log(&log, &(l.url.clone() + "/"));
    assert_server_log(l);
}

/// What the bench report test reads off the rendered page: each chart's drawn size and how
/// many lines, bars and labels it drew, and the page's text.
const REPORT_SCRIPT: &str = r#"(() => {
  const charts = [...document.querySelectorAll("svg.chart")].map((svg) => {
    const r = svg.getBoundingClientRect();
    return { id: svg.id, width: r.width, height: r.height,
             paths: svg.querySelectorAll("path").length, bars: svg.querySelectorAll("rect").length,
             labels: svg.querySelectorAll("text").length };
  });
  return JSON.stringify({ charts, text: document.body.innerText, height: document.body.scrollHeight });
})()"#;

#[test]
fn chromium_renders_the_bench_report_with_every_chart() {
    let Some(exe) = required(chromium(), "Chromium", "chromium") else {
        return;
    };
    let l = Listener::start(&["-q"]);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("run.html");
    let json = crate::support::wsprobe()
        .args([
            "bench", &l.url, "-c", "4", "--ramp", "500ms", "-d", "1500ms", "--json",
        ])
        .arg("--report")
        .arg(&report)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let summary: Value =
        serde_json::from_str(String::from_utf8(json).unwrap().lines().last().unwrap()).unwrap();
    let browser = Browser::start(&exe, None);
    let page = format!("file://{}", report.display());
    let (found, png) = open_page(&browser, &page, REPORT_SCRIPT, true);
    drop(browser);
    // The screenshot: a PNG of the page, 1100 px wide and as tall as the page.
    let shot = dir.path().join("run.png");
    std::fs::write(&shot, &png).unwrap();
    assert_eq!(
        &png[..8],
        b"\x89PNG\r\n\x1a\n",
        "not a PNG: {}",
        shot.display()
    );
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    let found: Value = serde_json::from_str(&found).unwrap();
    // (Less a scrollbar's width, if the page has one.)
    assert!(
        (1000..=1100).contains(&width),
        "{width}: {}",
        shot.display()
    );
    assert!(
        u64::from(height) >= found["height"].as_u64().unwrap().min(5000) - 1,
        "{height}"
    );
    // Every chart drew, at a readable size, with something in it.
    let charts = found["charts"].as_array().unwrap();
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["percentiles", "throughput", "latency", "open", "connect"]
    );
    for c in charts {
        assert!(c["width"].as_f64().unwrap() > 800.0, "{c}");
        assert!(c["height"].as_f64().unwrap() > 200.0, "{c}");
        assert!(c["labels"].as_u64().unwrap() > 5, "axes and ticks: {c}");
        let drawn = if c["id"] == "connect" {
            "bars"
        } else {
            "paths"
        };
        assert!(c[drawn].as_u64().unwrap() >= 1, "{c}");
    }
    // The text a reader needs: the command line as run, and the p99 the summary gives.
    let text = found["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("wsprobe bench {} -c 4", l.url)),
        "{text}"
    );
    let p99 = summary["latency_ms"]["p99"].as_f64().unwrap();
    assert!(text.contains("p99 latency"), "{text}");
    let shown = if p99 >= 10.0 {
        format!("{p99:.1} ms")
    } else if p99 >= 1.0 {
        format!("{p99:.2} ms")
    } else {
        format!("{p99:.3} ms")
    };
    assert!(text.contains(&shown), "{shown} not in {text}");
}
