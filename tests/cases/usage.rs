//! Usage errors: one clear line and exit status 2, before any connection is attempted.

use std::io::Read;

use crate::support::{wsprobe, Listener, Printed, Server};

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

/// `wsprobe ARGS` where ARGS start a server on 127.0.0.1:0: its URL (from the first line on
/// stderr), then, after `client` ran against it and Ctrl-C, its exit status, stdout and the rest
/// of stderr.
fn serve_then_interrupt(args: &[&str], client: impl FnOnce(&str)) -> (Option<i32>, String, String) {
    let mut server = Listener::spawn(args);
    client(&server.url);
    let mut out = String::new();
    let mut stdout = server.child.stdout.take().unwrap();
    let (status, rest) = server.interrupt();
    stdout.read_to_string(&mut out).unwrap();
    (status, out, rest)
}

fn say_hi(url: &str) {
    let out = wsprobe()
        .args(["-q", url])
        .write_stdin("hi\n")
        .assert()
        .success()
        .stdout_bytes();
    assert_eq!(out, b"hi\n");
}

/// A regression: `wsprobe --timestamps listen 0` was taken for `connect listen 0`.
#[test]
fn global_flags_work_before_a_subcommand() {
    let (status, _, log) = serve_then_interrupt(&["--timestamps", "listen", "127.0.0.1:0"], say_hi);
    assert_eq!(status, Some(0), "{log}");
    let open = log
        .lines()
        .find(|l| l.contains("#1 OPEN"))
        .unwrap_or_else(|| panic!("no OPEN line: {log}"));
    let stamp = open.split(' ').next().unwrap();
    assert!(
        stamp.len() == 12 && stamp.as_bytes()[2] == b':' && stamp.as_bytes()[8] == b'.',
        "not timestamped: {open}"
    );
    let ping = wsprobe()
        .args(["--color", "never", "-q", "ping", "-c", "1", "-i", "10ms"])
        .arg(&Server::echo().url)
        .assert()
        .success()
        .stderr_text();
    assert!(ping.is_empty(), "-q before ping: {ping}");
}

#[test]
fn global_flags_work_after_a_subcommand() {
    let (status, out, _) = serve_then_interrupt(&["listen", "127.0.0.1:0", "--json"], say_hi);
    assert_eq!(status, Some(0));
    let events = crate::support::json_lines(out.as_bytes());
    assert_eq!(events[0]["event"], "listening", "{out}");
}

#[test]
fn global_flags_work_before_and_after_the_url_alone() {
    for args in [["-q", "URL"], ["URL", "-q"]] {
        let server = Server::echo();
        let args = args.map(|a| if a == "URL" { server.url.as_str() } else { a });
        let out = wsprobe()
            .args(args)
            .write_stdin("quiet\n")
            .assert()
            .success();
        let out = out.get_output();
        assert_eq!(out.stdout, b"quiet\n", "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}: events printed with -q");
    }
    let server = Server::echo();
    let out = wsprobe()
        .args(["--json", &server.url, "--timestamps"])
        .write_stdin("j\n")
        .assert()
        .success()
        .stdout_bytes();
    let events = crate::support::json_lines(&out);
    assert!(events.iter().any(|e| e["event"] == "open"), "{events:?}");
}

/// `wsprobe bemch URL` is not `wsprobe connect bemch URL`: the unknown word is named.
#[test]
fn an_unknown_subcommand_is_a_usage_error() {
    let err = usage_error(&["bemch", "ws://127.0.0.1:1/"]);
    assert!(
        err.starts_with("wsprobe: error: 'bemch' is not a subcommand"),
        "{err}"
    );
    assert!(err.contains("connect, listen, ping, bench"), "{err}");
    assert!(!err.contains("wsprobe connect [OPTIONS]"), "{err}");
    // After a URL, a subcommand's name is an argument too many, not a subcommand.
    let err = usage_error(&["ws://127.0.0.1:1/", "listen"]);
    assert!(err.contains("unexpected argument 'listen'"), "{err}");
}

#[test]
fn no_arguments_print_the_help_on_stderr_and_exit_2() {
    let out = wsprobe().assert().code(2);
    let out = out.get_output();
    assert!(out.stdout.is_empty());
    let help = String::from_utf8_lossy(&out.stderr);
    assert!(
        help.contains("Usage: wsprobe [OPTIONS] <COMMAND>"),
        "{help}"
    );
    assert!(
        help.contains("connect") && help.contains("listen"),
        "{help}"
    );
}

#[test]
fn the_help_lists_the_subcommands_and_the_url_shorthand() {
    let help =
        String::from_utf8(wsprobe().arg("--help").assert().success().stdout_bytes()).unwrap();
    assert!(
        help.contains("`wsprobe URL` is short for `wsprobe connect URL`"),
        "{help}"
    );
    for sub in ["connect", "listen", "ping", "completions", "man"] {
        assert!(help.contains(&format!("\n  {sub} ")), "{sub}: {help}");
    }
    // Connect's flags belong to connect's help, not to the top level's.
    assert!(!help.contains("--close-code"), "{help}");
    // The URL alone, then --help: connect's help.
    let connect = wsprobe()
        .args(["ws://127.0.0.1:1/", "--help"])
        .assert()
        .success()
        .stdout_bytes();
    assert!(String::from_utf8(connect).unwrap().contains("--close-code"));
}

/// The exact text of representative usage errors, in tests/snapshots/usage-errors.md.
#[test]
fn usage_errors_match_their_snapshots() {
    trycmd::TestCases::new()
        .register_bin(
            "wsprobe",
            std::path::Path::new(env!("CARGO_BIN_EXE_wsprobe")),
        )
        .env("RUST_BACKTRACE", "0")
        .case("tests/snapshots/usage-errors.md");
}
