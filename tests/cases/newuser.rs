//! Regression tests for what trying wsprobe as a new user found: each names what broke.

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use crate::support::proxy::http_responder;
use crate::support::{json_lines, wsprobe, Printed, Server};

/// A server that records the values of one request header, then echoes.
fn header_recorder(name: &'static str) -> (Server, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let server = Server::tcp(move |tcp| {
        let s = s.clone();
        async move {
            #[allow(clippy::result_large_err)]
            let cb = |req: &Request, resp: Response| {
                for v in req.headers().get_all(name) {
                    s.lock().unwrap().push(v.to_str().unwrap().to_owned());
                }
                Ok(resp)
            };
            if let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await {
                while let Some(Ok(_)) = ws.next().await {}
            }
        }
    });
    (server, seen)
}

#[test]
fn a_repeated_header_sends_every_value() {
    let (server, seen) = header_recorder("x-token");
    wsprobe()
        .args([&server.url, "-H", "X-Token: abc", "-H", "X-Token: def"])
        .args(["--reply-timeout", "0"])
        .write_stdin("")
        .assert()
        .success();
    assert_eq!(*seen.lock().unwrap(), ["abc", "def"]);
}

#[test]
fn verbose_never_prints_credentials() {
    let (server, seen) = header_recorder("authorization");
    let url = server.url.replace("ws://", "ws://ann:s3cret@");
    let err = wsprobe()
        .args(["-v", "--reply-timeout", "0", &url])
        .write_stdin("")
        .assert()
        .success()
        .stderr_text();
    assert!(err.contains("> authorization: Basic ****"), "{err}");
    assert!(!err.contains("YW5uOnMzY3JldA"), "{err}");
    // They were sent all the same.
    assert_eq!(*seen.lock().unwrap(), ["Basic YW5uOnMzY3JldA=="]);
}

#[test]
fn ping_shows_pongs_but_not_the_handshake_without_verbose() {
    let server = Server::echo();
    let err = wsprobe()
        .args(["ping", "-c", "2", "-i", "20ms", &server.url])
        .assert()
        .success()
        .stderr_text();
    assert!(err.contains("< pong"), "{err}");
    assert!(!err.contains("GET /"), "{err}");
    assert!(!err.contains("sec-websocket-key"), "{err}");
}

#[test]
fn a_json_error_event_carries_its_time() {
    let server = crate::support::Server::refusing(403, "no");
    let out = wsprobe()
        .args(["--json", &server.url])
        .write_stdin("")
        .assert()
        .code(3)
        .stdout_bytes();
    let error = json_lines(&out)
        .into_iter()
        .find(|e| e["event"] == "error")
        .expect("an error event");
    assert!(error["t"].as_f64().unwrap() > 0.0, "{error}");
}

#[test]
fn a_redirect_not_followed_is_shown_like_any_refusal() {
    let server = http_responder(
        "HTTP/1.1 301 Moved Permanently\r\nLocation: ws://127.0.0.1:9/elsewhere\r\n\
         Content-Length: 5\r\n\r\nmoved"
            .into(),
    );
    let err = wsprobe()
        .arg(&server.url)
        .write_stdin("")
        .assert()
        .code(3)
        .stderr_text();
    assert!(err.contains("< HTTP/1.1 301"), "{err}");
    assert!(
        err.contains("< location: ws://127.0.0.1:9/elsewhere"),
        "{err}"
    );
    assert!(err.contains("hint: use -L to follow redirects"), "{err}");
}

#[test]
fn unclear_values_get_clear_errors() {
    for (args, says) in [
        (
            &["ws://h/", "--close-code", "99999"][..],
            "close code 99999 is out of range",
        ),
        (&["ws://h/", "-t", "99999999999999999999s"], "too long"),
        (
            &["ws://h/", "--ping-interval", "1ns"],
            "the shortest is 1ms",
        ),
        (&["ping", "-i", "100us", "ws://h/"], "the shortest is 1ms"),
        (&["not a url"], "write ws://HOST[:PORT]/PATH"),
    ] {
        let err = wsprobe().args(args).assert().code(2).stderr_text();
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn a_full_stdout_still_gets_a_clean_closing_handshake() {
    let server = Server::echo();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = crate::support::wsprobe_std()
        .arg(&server.url)
        .stdin(std::process::Stdio::piped())
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = out;
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"hello\n").unwrap();
    drop(child.stdin.take());
    let code = crate::support::wait_timeout(&mut child, std::time::Duration::from_secs(20));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("CLOSED 1011 \"internal error\" clean (local)"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn listen_says_when_a_tls_client_comes_to_its_plain_port() {
    let l = crate::support::Listener::start(&[]);
    let wss = l.url.replace("ws://", "wss://");
    wsprobe()
        .args([&wss, "-x", "hi"])
        .assert()
        .code(3)
        .stderr_text();
    let (_, log) = l.interrupt();
    assert!(
        log.contains("the client speaks TLS (a wss:// URL?) to this plain ws:// port"),
        "{log}"
    );
    assert!(!log.contains("HTTP ? ?"), "{log}");
}

#[test]
fn an_ipv6_address_without_brackets_gets_the_bracketed_url_in_the_hint() {
    for (url, fixed) in [
        ("ws://::1:9/", "(try ws://[::1]:9/)"),
        ("::1:9", "(try ws://[::1]:9)"),
    ] {
        let err = wsprobe().arg(url).assert().code(2).stderr_text();
        assert!(err.contains(fixed), "{url}: {err}");
        assert!(!err.contains("empty host"), "{url}: {err}");
    }
}

#[test]
fn port_zero_is_a_usage_error_for_a_client() {
    let server = Server::echo().unreached();
    let url = server.url.replace(&format!(":{}/", server.port), ":0/");
    for args in [&[url.as_str()][..], &["ping", &url], &["bench", &url]] {
        let err = wsprobe().args(args).assert().code(2).stderr_text();
        assert!(
            err.contains("has port 0, which no server can listen on"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("CONNECTING"), "{args:?}: {err}");
    }
    // For a server, port 0 still means "any free port".
    let l = crate::support::Listener::start(&[]);
    assert!(!l.url.ends_with(":0"), "{}", l.url);
}

#[test]
fn an_empty_exec_command_is_a_usage_error() {
    for cmd in ["", "  "] {
        let err = wsprobe()
            .args(["listen", "127.0.0.1:0", "--exec", cmd])
            .assert()
            .code(2)
            .stderr_text();
        assert!(err.contains("the command is empty"), "{cmd:?}: {err}");
        assert!(!err.contains("listening on"), "{cmd:?}: {err}");
    }
}

/// Each line of a usage error is the error or a hint: nothing glued to another line.
fn assert_clean_lines(err: &str) {
    let mut lines = err.lines();
    assert!(
        lines.next().unwrap().starts_with("wsprobe: error: "),
        "{err}"
    );
    for l in lines {
        assert!(l.starts_with("hint: "), "{err}");
        assert!(
            l.starts_with("hint: usage: ") || !l.contains("wsprobe "),
            "{err}"
        );
    }
}

#[test]
fn a_negative_bench_rate_gets_one_clear_line() {
    let err = wsprobe()
        .args(["bench", "ws://127.0.0.1:1/", "--rate", "-5"])
        .assert()
        .code(2)
        .stderr_text();
    assert_eq!(
        err,
        "wsprobe: error: invalid value '-5' for '--rate <MSGS_PER_S>': '-5' is not a rate: \
         write messages a second above zero, e.g. 1000 or 2.5\n"
    );
    // A usage with several forms (bench and bench merge) is one hint, not glued to the tip.
    let err = wsprobe()
        .args(["bench", "ws://127.0.0.1:1/", "-c", "-5"])
        .assert()
        .code(2)
        .stderr_text();
    assert_clean_lines(&err);
    assert!(
        err.contains("hint: usage: wsprobe bench [OPTIONS] <URL> or wsprobe bench <COMMAND>"),
        "{err}"
    );
}

#[test]
fn an_argument_that_is_not_utf8_is_named() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let bad = |s: &[u8]| OsString::from_vec(s.to_vec());
    for (args, name) in [
        (
            vec![bad(b"ws://h/\xff")],
            "<URL> is not valid UTF-8: 'ws://h/\u{FFFD}'",
        ),
        (
            vec!["ws://h/".into(), "-H".into(), bad(b"a: \xff")],
            "the value of --header is not valid UTF-8: 'a: \u{FFFD}'",
        ),
        (
            vec![
                "listen".into(),
                "0".into(),
                "--exec".into(),
                bad(b"c\xffat"),
            ],
            "the value of --exec is not valid UTF-8",
        ),
    ] {
        let err = wsprobe().args(&args).assert().code(2).stderr_text();
        assert!(
            err.starts_with(&format!("wsprobe: error: {name}")),
            "{args:?}: {err}"
        );
        assert!(!err.contains("one or more arguments"), "{args:?}: {err}");
    }
}

#[test]
fn a_100_kb_argument_is_clipped_in_error_lines() {
    let long = "a".repeat(100_000);
    let server = Server::echo().unreached();
    for args in [
        vec![format!("ws://h/{long}#x")],
        vec!["ws://h/".to_owned(), format!("--{long}")],
        vec![format!("{}{long}", server.url), "-x".into(), "hi".into()],
    ] {
        let err = wsprobe().args(&args).assert().failure().stderr_text();
        let error = err
            .lines()
            .find(|l| l.starts_with("wsprobe: error: "))
            .unwrap_or_else(|| panic!("no error line in {}", &err[..200]));
        assert!(error.len() < 500, "{}", &error[..500]);
        assert!(error.contains(" bytes)"), "{error}");
        assert!(err.lines().all(|l| l.len() < 500), "{}", &err[..500]);
    }
}
