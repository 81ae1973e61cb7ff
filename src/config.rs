//! Command-line values → resolved settings: URLs, headers, sizes, durations and close codes are
//! checked here, once, and terminal/colour decisions are made here, once.
//!
//! Every `parse_*` function is a clap `value_parser`, so a bad value is a usage error (exit 2)
//! whose message says what was wrong and what is accepted.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::Duration;

use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use url::Url;

use crate::cli::{ColorChoice, OutputArgs};

/// A validated WebSocket URL (`ws://` or `wss://` after alias resolution, or `ws+unix://`).
/// Credentials in it (`ws://user:pass@host/`) are taken out: they become a Basic
/// `Authorization` header and never appear in output or in the Host header.
#[derive(Debug, Clone)]
pub struct WsUrl {
    url: Url,
    /// `ws+unix:///path/to.sock[:/request/path]`: the socket to connect to.
    unix: Option<std::path::PathBuf>,
    credentials: Option<(String, String)>,
    /// The URL as shown (without credentials).
    shown: String,
}

impl WsUrl {
    /// Parses a URL given on the command line. `http://` is accepted as an alias of `ws://`,
    /// `https://` of `wss://`; anything else is refused with the reason.
    pub fn parse_arg(s: &str) -> Result<WsUrl, String> {
        let mut url = match Url::parse(s) {
            Ok(u) => u,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                return Err(if s.contains(char::is_whitespace) {
                    format!("'{s}' is not a URL: write ws://HOST[:PORT]/PATH")
                } else {
                    format!("'{s}' is not a URL: it has no scheme (try ws://{s})")
                });
            }
            Err(url::ParseError::InvalidPort) => {
                return Err(format!("'{s}' has an invalid port (1-65535)"))
            }
            Err(e) => return Err(format!("'{s}' is not a valid URL: {e}")),
        };
        if url.scheme() == "ws+unix" {
            return Self::unix(s, &url);
        }
        if looks_like_host_port(s) {
            // `localhost:9000` parses as the scheme "localhost"; it is a host and a port.
            return Err(format!(
                "'{s}' is not a URL: it has no scheme (try ws://{s})"
            ));
        }
        let scheme = match url.scheme() {
            "ws" | "http" => "ws",
            "wss" | "https" => "wss",
            other => {
                return Err(format!(
                    "unsupported scheme '{other}:' (use ws://, wss://, http://, https:// or ws+unix://)"
                ))
            }
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("'{s}' has no host"));
        }
        if url.scheme() != scheme {
            // Switching between these "special" schemes is always allowed by the url crate.
            url.set_scheme(scheme)
                .map_err(|()| format!("cannot use '{s}' as a {scheme}:// URL"))?;
        }
        if url.fragment().is_some() {
            return Err(format!(
                "'{s}' has a #fragment, which WebSocket URLs must not have (RFC 6455 §3)"
            ));
        }
        let credentials = (!url.username().is_empty()).then(|| {
            (
                crate::exec::percent_decode(url.username()),
                crate::exec::percent_decode(url.password().unwrap_or("")),
            )
        });
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Ok(WsUrl {
            shown: url.to_string(),
            url,
            unix: None,
            credentials,
        })
    }

    /// `ws+unix:///run/app.sock` or `ws+unix:///run/app.sock:/chat?room=1` (the part after the
    /// first `:` in the path is the request path, as in Node's ws).
    fn unix(s: &str, url: &Url) -> Result<WsUrl, String> {
        let path = crate::exec::percent_decode(url.path());
        let (socket, target) = match path.split_once(':') {
            Some((socket, target)) => (socket.to_owned(), target.to_owned()),
            None => (path.clone(), "/".to_owned()),
        };
        if socket.is_empty() || !socket.starts_with('/') {
            return Err(format!(
                "'{s}' has no socket path: write ws+unix:///path/to.sock or ws+unix:///path/to.sock:/request/path"
            ));
        }
        let target = if target.starts_with('/') {
            target
        } else {
            format!("/{target}")
        };
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        let request = Url::parse(&format!("ws://localhost{target}{query}"))
            .map_err(|e| format!("'{s}': the request path is not valid: {e}"))?;
        Ok(WsUrl {
            url: request,
            unix: Some(socket.into()),
            credentials: None,
            shown: s.to_owned(),
        })
    }

    /// The URL as shown to the user (credentials removed).
    pub fn as_str(&self) -> &str {
        &self.shown
    }

    /// The URL the upgrade request is made for (`ws://localhost/…` for a Unix socket).
    pub fn request_url(&self) -> &str {
        self.url.as_str()
    }

    pub fn unix_socket(&self) -> Option<&std::path::Path> {
        self.unix.as_deref()
    }

    pub fn credentials(&self) -> Option<&(String, String)> {
        self.credentials.as_ref()
    }

    pub fn is_tls(&self) -> bool {
        self.url.scheme() == "wss"
    }

    /// The host name or address, without IPv6 brackets.
    pub fn host(&self) -> &str {
        self.url
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
    }

    pub fn port(&self) -> u16 {
        self.url
            .port_or_known_default()
            .unwrap_or(if self.is_tls() { 443 } else { 80 })
    }

    /// A redirect target (`Location`), resolved against this URL; http(s) become ws(s).
    pub fn follow(&self, location: &str) -> Result<WsUrl, String> {
        if self.unix.is_some() {
            return Err("redirects are not followed over a Unix socket".into());
        }
        let next = self
            .url
            .join(location)
            .map_err(|e| format!("the redirect target '{location}' is not a URL: {e}"))?;
        let mut next = WsUrl::parse_arg(next.as_str())?;
        // Credentials go along only to the same host and port, as with curl.
        if next.credentials.is_none() && next.host() == self.host() && next.port() == self.port() {
            next.credentials = self.credentials.clone();
        }
        Ok(next)
    }
}

/// `name:1234` or `name:1234/path`: a host and port written without a scheme.
fn looks_like_host_port(s: &str) -> bool {
    let Some((host, rest)) = s.split_once(':') else {
        return false;
    };
    let port = rest.split(['/', '?']).next().unwrap_or_default();
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
}

/// One `-H 'Name: value'` request header.
#[derive(Debug, Clone)]
pub struct Header {
    pub name: HeaderName,
    pub value: HeaderValue,
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
    if digits.len() % 2 != 0 {
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

/// The close codes an endpoint may put in a close frame (RFC 6455 §7.4.1, §7.4.2).
pub fn close_code_sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

pub fn parse_close_code(s: &str) -> Result<u16, String> {
    let wide: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a close code: it must be a number"))?;
    let Ok(code) = u16::try_from(wide) else {
        return Err(format!(
            "close code {wide} is out of range: use 1000-1003, 1007-1014 or 3000-4999"
        ));
    };
    if close_code_sendable(code) {
        return Ok(code);
    }
    let why = match code {
        1004 => "1004 is reserved",
        1005 => "1005 (no status) is only reported, never sent",
        1006 => "1006 (abnormal closure) is only reported, never sent",
        1015 => "1015 (TLS failure) is only reported, never sent",
        1016..=2999 => "1016-2999 are reserved for future RFCs",
        _ => "it is outside the valid ranges",
    };
    Err(format!(
        "close code {code} cannot be sent: {why}; use 1000-1003, 1007-1014 or 3000-4999"
    ))
}

/// The largest close reason: a control frame's payload is at most 125 bytes, 2 of them the code.
pub const MAX_CLOSE_REASON: usize = 123;

pub fn parse_close_reason(s: &str) -> Result<String, String> {
    if s.len() > MAX_CLOSE_REASON {
        return Err(format!(
            "the close reason is {} bytes; at most {MAX_CLOSE_REASON} bytes of UTF-8 fit in a close frame",
            s.len()
        ));
    }
    Ok(s.to_owned())
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

/// The heartbeat asked for, if any.
pub fn heartbeat(args: &crate::cli::HeartbeatArgs) -> Option<crate::session::driver::Heartbeat> {
    args.ping_interval
        .map(|interval| crate::session::driver::Heartbeat {
            interval,
            timeout: args.ping_timeout,
        })
}

/// Output decisions, made once from the flags and the environment.
#[derive(Debug, Clone, Copy)]
pub struct OutputConfig {
    pub json: bool,
    pub verbose: bool,
    pub quiet: bool,
    /// Colour the human event lines on stderr.
    pub color: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// Prefix event lines with the wall-clock time.
    pub timestamps: bool,
    /// Interactive session: received messages are shown by the REPL itself, pongs that
    /// answer our pings are always shown, and ping/pong frames with `-P`.
    pub repl: bool,
    pub show_ping_pong: bool,
}

impl OutputConfig {
    pub fn resolve(args: &OutputArgs) -> OutputConfig {
        let stderr_tty = std::io::stderr().is_terminal();
        let stdout_tty = std::io::stdout().is_terminal();
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stderr_tty
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        };
        OutputConfig {
            json: args.json,
            verbose: args.verbose,
            quiet: args.quiet,
            color,
            stdout_tty,
            stderr_tty,
            timestamps: args.timestamps,
            repl: false,
            show_ping_pong: false,
        }
    }
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
            "[a-z0-9.:-]{0,20}:[0-9]{0,8}(/[a-z]*)?",
            "[0-9]{0,25}[a-zA-Z ]{0,4}[0-9]{0,5}[a-z]{0,3}",
            "[ -~]{0,12}:[ -~]{0,20}",
            "(re:|json:)[ -~]{0,24}",
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
            one_line(parse_duration(&s).map(drop))?;
            one_line(parse_positive_duration(&s).map(|d| assert!(!d.is_zero())))?;
            one_line(parse_interval(&s).map(|d| assert!(d >= MIN_INTERVAL)))?;
            one_line(parse_size(&s).map(drop))?;
            one_line(parse_hex(&s).map(drop))?;
            one_line(parse_close_code(&s).map(|c| assert!(close_code_sendable(c))))?;
            one_line(parse_close_reason(&s).map(drop))?;
            one_line(parse_listen_addr(&s).map(drop))?;
            one_line(crate::session::proxy::parse_proxy(&s).map(drop))?;
            one_line(crate::expect::parse_pattern(&s).map(|p| {
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
