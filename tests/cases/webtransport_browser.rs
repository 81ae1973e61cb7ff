//! Headless Chromium against `wsprobe listen --webtransport --page`: the page's WebTransport
//! panel connects with `serverCertificateHashes` (the hash listen serves beside the page),
//! waits for `ready`, gets a bidirectional stream and a datagram echoed, and closes with a
//! code and reason that listen's log shows. QUIC stays on in this browser (WebTransport is
//! HTTP/3). Skipped without Chromium unless `WSPROBE_REQUIRE_BROWSER` is set, as browser.rs.

use super::browser::{chromium, open_page, required, Browser};
use crate::support::wt_client::WtListener;

/// What a person does in the panel: connect, a stream, a datagram (resent until its echo
/// comes: datagrams may be lost), close with a code and reason.
const SCRIPT: &str = r#"(async () => {
  const $ = (id) => document.getElementById(id);
  const wait = async (ok, what) => {
    for (let i = 0; i < 200; i++) {
      if (ok()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("timed out waiting for " + what + "; log: " + $("log").innerText);
  };
  await wait(() => $("wt-hash").value !== "", "the certificate hash");
  $("wt-connect").click();
  await wait(() => $("wt-state").textContent === "OPEN", "OPEN");
  $("wt-message").value = "hello over a stream";
  $("wt-bidi").click();
  await wait(() => $("log").innerText.includes("< bidi stream: hello over a stream (finished)"), "the stream's echo");
  $("wt-message").value = "hello as a datagram";
  for (let i = 0; i < 20 && !$("log").innerText.includes("< datagram hello as a datagram"); i++) {
    $("wt-datagram").click();
    await new Promise((r) => setTimeout(r, 250));
  }
  await wait(() => $("log").innerText.includes("< datagram hello as a datagram"), "the datagram's echo");
  $("wt-code").value = "4002";
  $("wt-reason").value = "browser done";
  $("wt-close").click();
  await wait(() => $("wt-state").textContent === "CLOSED", "CLOSED");
  return $("log").innerText;
})()"#;

#[test]
fn chromium_talks_webtransport_to_listen_with_the_certificate_hash() {
    let Some(exe) = required(chromium(), "Chromium", "chromium") else {
        return;
    };
    let l = WtListener::start(false, &["--page"]);
    let page = l.ws_url.replacen("ws://", "http://", 1) + "/";
    let browser = Browser::with_quic(&exe);
    let (log, _) = open_page(&browser, &page, SCRIPT, false);
    drop(browser);
    assert!(log.contains("WebTransport OPEN"), "{log}");
    assert!(
        log.contains("WebTransport CLOSED 4002 \"browser done\""),
        "{log}"
    );
    let closing = l.log_line("CLOSING (remote)");
    assert!(closing.contains("4002 \"browser done\""), "{closing}");
}
