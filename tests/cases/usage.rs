//! Usage errors: one clear line and exit status 2, before any connection is attempted.

use crate::support::{wsprobe, Printed, Server};

fn usage_error(args: &[&str]) -> String {
    let out = wsprobe().args(args).assert().code(2).get_output().clone();
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn malformed_urls_are_usage_errors() {
    assert!(usage_error(&["connect", "127.0.0.1:9000"])
        .contains("it has no scheme (try ws://127.0.0.1:9000)"));
    assert!(usage_error(&["connect", "ftp://example.test/"]).contains("unsupported scheme 'ftp:'"));
    assert!(usage_error(&["connect", "ws://"]).contains("not a valid URL"));
    assert!(usage_error(&["connect", "ws://[::1/"]).contains("not a valid URL"));
    assert!(usage_error(&["connect", "ws://h/#x"]).contains("fragment"));
    // The shorthand form reports the same way.
    assert!(usage_error(&["not-a-url"]).contains("no scheme"));
}

#[test]
fn invalid_close_codes_are_refused() {
    for (code, why) in [
        ("1004", "reserved"),
        ("1005", "never sent"),
        ("1006", "never sent"),
        ("1015", "never sent"),
        ("999", "outside the valid ranges"),
        ("2000", "reserved for future"),
        ("5000", "outside the valid ranges"),
        ("abc", "must be a number"),
    ] {
        let err = usage_error(&["connect", "--close-code", code, "ws://127.0.0.1:1/"]);
        assert!(err.contains(why), "{code}: {err}");
        assert!(
            err.contains("1000-1003, 1007-1014 or 3000-4999") || code == "abc",
            "{err}"
        );
    }
}

#[test]
fn a_close_reason_over_123_bytes_is_refused() {
    let long = "r".repeat(124);
    let err = usage_error(&["connect", "--close-reason", &long, "ws://127.0.0.1:1/"]);
    assert!(err.contains("at most 123 bytes"), "{err}");
}

#[test]
fn bad_sizes_durations_and_headers_are_refused() {
    assert!(
        usage_error(&["connect", "--max-message-size", "lots", "ws://h/"]).contains("not a size")
    );
    assert!(
        usage_error(&["connect", "--close-timeout", "soon", "ws://h/"]).contains("not a duration")
    );
    assert!(usage_error(&["connect", "-H", "nocolon", "ws://h/"]).contains("'Name: value'"));
    assert!(usage_error(&["listen", "nowhere"]).contains("not an address to listen on"));
}

#[test]
fn an_extensions_header_is_refused_before_connecting() {
    let server = Server::echo().unreached();
    let out = wsprobe()
        .args([
            "-H",
            "Sec-WebSocket-Extensions: permessage-deflate",
            &server.url,
        ])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr_text();
    assert!(out.contains("Sec-WebSocket-Extensions"));
    assert_eq!(server.hits(), 0);
}

#[test]
fn http_urls_are_aliases_and_the_url_alone_means_connect() {
    let server = Server::echo();
    let http = server.url.replace("ws://", "http://");
    let out = wsprobe()
        .args(["-q", &http])
        .write_stdin("via http alias\n")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"via http alias\n");
}

#[test]
fn help_and_version() {
    let help =
        String::from_utf8(wsprobe().arg("--help").assert().success().stdout_bytes()).unwrap();
    assert!(
        help.contains("connect") && help.contains("listen"),
        "{help}"
    );
    assert!(help.contains("Exit status"), "{help}");
    let out = wsprobe().arg("--version").assert().success().stdout_bytes();
    assert!(out.starts_with(b"wsprobe "));
}

#[test]
fn a_host_and_port_without_a_scheme_get_the_ws_hint() {
    for arg in ["localhost:9000", "127.0.0.1:9000", "echo.example:80/chat"] {
        let err = usage_error(&["connect", arg]);
        assert!(
            err.contains(&format!("it has no scheme (try ws://{arg})")),
            "{arg}: {err}"
        );
    }
}

/// The options listed under each heading of a `--help` text.
fn sections(help: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in help.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            out.push((line.trim_end_matches(':').to_owned(), Vec::new()));
        } else if let Some(flag) = line
            .split_whitespace()
            .find(|w| w.starts_with("--"))
            .filter(|_| line.trim_start().starts_with('-'))
        {
            if let Some(last) = out.last_mut() {
                last.1.push(flag.trim_end_matches(',').to_owned());
            }
        }
    }
    out
}

fn heading_of(help: &str, flag: &str) -> String {
    sections(help)
        .into_iter()
        .find(|(_, flags)| flags.iter().any(|f| f == flag))
        .map(|(h, _)| h)
        .unwrap_or_else(|| panic!("{flag} not in the help:\n{help}"))
}

fn help_of(subcommand: &str) -> String {
    let out = wsprobe().args([subcommand, "-h"]).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn help_headings_hold_what_they_say() {
    let connect = help_of("connect");
    for flag in ["--ca", "--insecure", "--cert", "--key"] {
        assert_eq!(heading_of(&connect, flag), "TLS", "{flag}");
    }
    for flag in ["--binary", "--null", "--binary-output", "--echo"] {
        assert_eq!(heading_of(&connect, flag), "Messages", "{flag}");
    }
    for flag in [
        "--close-code",
        "--close-reason",
        "--close-timeout",
        "--no-close",
    ] {
        assert_eq!(heading_of(&connect, flag), "Closing", "{flag}");
    }
    for flag in ["--ping-interval", "--ping-timeout"] {
        assert_eq!(heading_of(&connect, flag), "Heartbeat", "{flag}");
    }
    for flag in ["--header", "--origin", "--protocol"] {
        assert_eq!(heading_of(&connect, flag), "Handshake", "{flag}");
    }
    let ping = help_of("ping");
    for flag in ["--count", "--interval", "--ping-timeout", "--close-timeout"] {
        assert_eq!(heading_of(&ping, flag), "Pings", "{flag}");
    }
    assert_eq!(heading_of(&ping, "--ca"), "TLS");
    // The URL's help names every scheme.
    for scheme in ["ws://", "wss://", "http://", "https://", "ws+unix://"] {
        assert!(connect.contains(scheme), "{scheme} missing from connect -h");
    }
}

#[test]
fn max_retries_zero_is_refused() {
    let err = usage_error(&["ws://127.0.0.1:9/", "--reconnect", "--max-retries", "0"]);
    assert!(err.contains("--max-retries"), "{err}");
}

#[test]
fn usage_errors_are_one_error_line_and_hints() {
    for args in [
        &["connect", "--close-code", "1005", "ws://h/"][..],
        &["--bogus"],
        &["connect"],
        &["listen", "--stdoi", "0"],
        &["ws://h/", "--ping-interval", "0s"],
        &["ws://h/", "-w", "2s"],
        &["localhost:9000"],
    ] {
        let err = usage_error(args);
        let mut lines = err.lines();
        let first = lines.next().unwrap_or_default();
        assert!(first.starts_with("wsprobe: error: "), "{args:?}: {err}");
        assert!(
            lines.all(|l| l.starts_with("hint: ")),
            "{args:?}: every further line is a hint: {err}"
        );
    }
}
