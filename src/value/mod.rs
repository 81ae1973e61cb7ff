//! The ground floor: value types and their parsers, for `cli`, `config` and everything above.
//!
//! Every `parse_*` function is a clap `value_parser`, so a bad value is a usage error (exit 2)
//! whose message says what was wrong and what is accepted. Nothing here imports another module
//! of wsprobe.

pub mod appproto;
mod certhash;
mod close;
pub mod deflate;
mod pattern;
mod template;
mod url;

use std::net::SocketAddr;
use std::time::Duration;

use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};

pub use certhash::CertHash;
pub use close::*;
pub use pattern::*;
pub use template::*;
pub use url::*;

/// One `-H 'Name: value'` request header.
#[derive(Debug, Clone)]
pub struct Header {
    pub name: HeaderName,
    pub value: HeaderValue,
}

/// A file's content as one text message: UTF-8, without its final line ending (`\n` or
/// `\r\n`), the way a line of stdin becomes a message and `$(cat FILE)` reads it. A file
/// that must end with a newline ends with two.
pub fn read_text_message(path: &str) -> std::io::Result<String> {
    let mut text = std::fs::read_to_string(path)?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

pub fn parse_header(s: &str) -> Result<Header, String> {
    let Some((name, value)) = s.split_once(':') else {
        return Err(format!("'{s}' is not a header: write it as 'Name: value'"));
    };
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("'{}' is not a valid header name", name.trim()))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("the value of header '{name}' has invalid characters"))?;
    Ok(Header { name, value })
}

/// The longest duration accepted anywhere: timers past it would overflow the clock, and no
/// test run needs more.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 86_400);

/// `5s`, `250ms`, `1m 30s` (humantime); `0` is allowed where it has a documented meaning.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim()).map_err(|e| match e {
        humantime::DurationError::NumberOverflow => {
            format!("'{s}' is too long: the limit is 365 days")
        }
        e => format!("'{s}' is not a duration ({e}); write e.g. 500ms, 5s, 2m"),
    })?;
    if d > MAX_DURATION {
        return Err(format!("'{s}' is too long: the limit is 365 days"));
    }
    Ok(d)
}

/// How often a repeating timer may fire at most: 1000 times a second.
pub const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// The period of a repeating timer (pings, pushes): at least 1ms, so that it cannot flood.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_positive_duration(s)?;
    if d < MIN_INTERVAL {
        return Err(format!(
            "'{s}' is too short for an interval: the shortest is 1ms"
        ));
    }
    Ok(d)
}

/// A duration that must be more than zero (intervals, timeouts).
pub fn parse_positive_duration(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err(format!(
            "'{s}' is zero; this needs a duration above zero, e.g. 500ms or 5s"
        ));
    }
    Ok(d)
}

/// `65536`, `64KiB`, `1MiB`, `10MB`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let n = parse_size::parse_size(s)
        .map_err(|e| format!("'{s}' is not a size ({e}); write e.g. 4096, 64KiB, 16MiB"))?;
    let n = usize::try_from(n).map_err(|_| format!("'{s}' is too large"))?;
    if n == 0 {
        return Err("the size must be at least 1 byte".into());
    }
    Ok(n)
}

/// `--execute-binary 00ff10` or `"00 ff 10"`.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!(
            "'{s}' is not hex bytes: it has an odd number of digits"
        ));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("'{s}' is not hex bytes (e.g. 00ff10)"))
        })
        .collect()
}

/// `--exec CMD`: a command line for `sh -c`. An empty one would run nothing (`sh -c ''` exits
/// at once), so every connection would be closed as soon as it opened.
pub fn parse_command(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err(
            "the command is empty: give the program to run for each connection, \
                    e.g. --exec cat"
                .into(),
        );
    }
    Ok(s.to_owned())
}

/// The longest user input an error line shows whole.
const CLIP_AT: usize = 200;

/// User input as an error line shows it: whole when short, else its first characters and its
/// length, so that a 100 KB argument does not fill the terminal.
pub fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= CLIP_AT {
        return s.into();
    }
    let head: String = s.chars().take(CLIP_AT / 2).collect();
    format!("{head}… ({} bytes)", s.len()).into()
}

/// A line with every overlong word (a URL, a path, a value) clipped as [`clip`] does.
pub fn clip_words(line: &str) -> String {
    if line.len() <= CLIP_AT {
        return line.to_owned();
    }
    line.split(' ')
        .map(|word| {
            // The punctuation after a word is the sentence's, not the word's.
            let (word, after) = match word.strip_suffix([':', ',', ';']) {
                Some(w) => (w, &word[w.len()..]),
                None => (word, ""),
            };
            format!("{}{after}", clip(word))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `PORT`, `ADDR:PORT` or `[V6]:PORT`. A bare port listens on 127.0.0.1 only, on purpose: a
/// test server should not be reachable from the network unless asked (`0.0.0.0:PORT`).
pub fn parse_listen_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Some(port) = s
        .strip_prefix("localhost:")
        .and_then(|p| p.parse::<u16>().ok())
    {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    Err(format!(
        "'{s}' is not an address to listen on: write PORT, ADDR:PORT or [IPV6]:PORT (e.g. 9000, 0.0.0.0:9000)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_aliases_and_errors() {
        assert_eq!(
            WsUrl::parse_arg("http://h:1/x?y").unwrap().as_str(),
            "ws://h:1/x?y"
        );
        assert_eq!(WsUrl::parse_arg("https://h/").unwrap().as_str(), "wss://h/");
        assert_eq!(WsUrl::parse_arg("ws://h").unwrap().as_str(), "ws://h/");
        assert!(WsUrl::parse_arg("ftp://h/")
            .unwrap_err()
            .contains("unsupported scheme"));
        assert!(WsUrl::parse_arg("localhost:9000")
            .unwrap_err()
            .contains("no scheme (try ws://localhost:9000)"));
        assert!(WsUrl::parse_arg("echo.example:80/chat")
            .unwrap_err()
            .contains("try ws://echo.example:80/chat"));
        assert!(WsUrl::parse_arg("127.0.0.1:9000")
            .unwrap_err()
            .contains("no scheme"));
        assert!(WsUrl::parse_arg("ws://").is_err());
        assert!(WsUrl::parse_arg("ws://h/#frag")
            .unwrap_err()
            .contains("fragment"));
        assert!(WsUrl::parse_arg("ws://[::1:9000/").is_err());
    }

    #[test]
    fn close_codes_follow_rfc6455() {
        for ok in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4000, 4999] {
            assert_eq!(parse_close_code(&ok.to_string()), Ok(ok));
        }
        for bad in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            assert!(parse_close_code(&bad.to_string()).is_err(), "{bad}");
        }
        assert!(parse_close_code("abc").is_err());
    }

    #[test]
    fn close_reason_limit_is_in_bytes() {
        assert!(parse_close_reason(&"a".repeat(123)).is_ok());
        assert!(parse_close_reason(&"a".repeat(124)).is_err());
        // 62 two-byte characters = 124 bytes
        assert!(parse_close_reason(&"é".repeat(62)).is_err());
    }

    #[test]
    fn sizes_and_headers() {
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        let h = parse_header("X-Token:  abc ").unwrap();
        assert_eq!(h.name.as_str(), "x-token");
        assert_eq!(h.value, "abc");
        assert!(parse_header("nocolon").is_err());
        assert!(parse_header("bad name: x").is_err());
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(parse_listen_addr("0").unwrap().to_string(), "127.0.0.1:0");
        assert_eq!(
            parse_listen_addr("0.0.0.0:80").unwrap().to_string(),
            "0.0.0.0:80"
        );
        assert_eq!(parse_listen_addr("[::1]:9").unwrap().to_string(), "[::1]:9");
        assert!(parse_listen_addr("nope").is_err());
    }

    use proptest::prelude::*;

    /// Strings near the accepted forms as well as arbitrary ones.
    fn inputs() -> impl Strategy<Value = String> {
        prop_oneof![
            ".*",
            "(ws|wss|http|https|ws\\+unix|ftp)://[^ ]{0,30}",
            "(wss?://)?\\[?[0-9a-f:.]{0,16}\\]?(:[0-9]{0,6})?(/[a-z]*)?",
            "[a-z0-9.:-]{0,20}:[0-9]{0,8}(/[a-z]*)?",
            "[0-9]{0,25}[a-zA-Z ]{0,4}[0-9]{0,5}[a-z]{0,3}",
            "[ -~]{0,12}:[ -~]{0,20}",
            "(re:|json:)[ -~]{0,24}",
            "((server|client)_(no_context_takeover|max_window_bits(=[0-9\"]{0,3})?)|[a-z]{1,4})(; ?[a-z_=0-9\"]{0,30}){0,3}",
        ]
    }

    proptest! {
        #[test]
        fn every_parser_gives_a_value_or_a_one_line_error(s in inputs()) {
            // The messages quote the input (at most twice); any line break comes from there.
            let input_lines = 2 * s.matches('\n').count();
            fn lines_ok<T>(r: Result<T, String>, max: usize) -> Result<(), TestCaseError> {
                if let Err(e) = r {
                    prop_assert!(!e.is_empty());
                    prop_assert!(e.matches('\n').count() <= max, "error: {e:?}");
                }
                Ok(())
            }
            let one_line = |r: Result<(), String>| lines_ok(r, input_lines);
            one_line(WsUrl::parse_arg(&s).map(|u| {
                // A parsed URL is usable everywhere it goes.
                let _ = (u.as_str(), u.request_url(), u.host(), u.port(), u.follow(&s));
            }))?;
            one_line(parse_header(&s).map(drop))?;
            one_line(parse_command(&s).map(drop))?;
            one_line(parse_duration(&s).map(drop))?;
            one_line(parse_positive_duration(&s).map(|d| assert!(!d.is_zero())))?;
            one_line(parse_interval(&s).map(|d| assert!(d >= MIN_INTERVAL)))?;
            one_line(parse_size(&s).map(drop))?;
            one_line(parse_hex(&s).map(drop))?;
            one_line(parse_close_code(&s).map(|c| assert!(close_code_sendable(c))))?;
            one_line(parse_close_reason(&s).map(drop))?;
            one_line(parse_listen_addr(&s).map(drop))?;
            one_line(crate::value::parse_proxy(&s).map(drop))?;
            one_line(deflate::DeflateParams::parse_user(&s).map(|p| {
                // What parses can be offered, and the offer reads back the same.
                let again = deflate::parse_header(&p.offer()).map(|e| e.len());
                assert_eq!(again, Ok(1), "{p:?}");
            }))?;
            one_line(deflate::parse_header(&s).map(drop))?;
            one_line(crate::value::parse_pattern(&s).map(|p| {
                p.matches(&s);
            }))?;
        }

        #[test]
        fn accepted_durations_never_overflow_a_deadline(s in "[0-9]{1,12}(ns|ms|s|m|h|d|w|y)") {
            if let Ok(d) = parse_duration(&s) {
                prop_assert!(d <= MAX_DURATION);
                let _ = std::time::Instant::now() + d;
            }
        }
    }
}
