//! The URLs wsprobe takes: the server's WebSocket URL (aliases, `ws+unix://`, credentials taken
//! out) and a proxy's URL, with the percent-decoding both need.

use url::Url;

use super::clip;

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
        let shown = clip(s);
        let mut url = match Url::parse(s) {
            Ok(u) => u,
            Err(_)
                if s.split_once("://")
                    .is_some_and(|(_, rest)| bare_ipv6(rest).is_some()) =>
            {
                let (scheme, rest) = s.split_once("://").unwrap_or_default();
                return Err(format!(
                    "'{shown}' is not a valid URL: an IPv6 address goes in brackets (try {})",
                    clip(&with_brackets(&format!("{scheme}://"), rest))
                ));
            }
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                return Err(if s.contains(char::is_whitespace) {
                    format!("'{shown}' is not a URL: write ws://HOST[:PORT]/PATH")
                } else {
                    format!(
                        "'{shown}' is not a URL: it has no scheme (try {})",
                        clip(&with_brackets("ws://", s))
                    )
                });
            }
            Err(url::ParseError::InvalidPort) => {
                return Err(format!("'{shown}' has an invalid port (1-65535)"))
            }
            Err(e) => return Err(format!("'{shown}' is not a valid URL: {e}")),
        };
        if url.scheme() == "ws+unix" {
            return Self::unix(s, &url);
        }
        if bare_ipv6(s).is_some() {
            // `::1:9000` parses as an empty scheme's URL; it is an address without brackets.
            return Err(format!(
                "'{shown}' is not a URL: it has no scheme, and an IPv6 address goes in \
                 brackets (try {})",
                clip(&with_brackets("ws://", s))
            ));
        }
        if looks_like_host_port(s) {
            // `localhost:9000` parses as the scheme "localhost"; it is a host and a port.
            return Err(format!(
                "'{shown}' is not a URL: it has no scheme (try ws://{shown})"
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
            return Err(format!("'{shown}' has no host"));
        }
        if url.port() == Some(0) {
            // Port 0 means "any free port" to a server binding one; no server listens on it.
            return Err(format!(
                "'{shown}' has port 0, which no server can listen on: give the server's port \
                 (1-65535), or leave it out for {}",
                if scheme == "wss" { "443" } else { "80" }
            ));
        }
        if url.scheme() != scheme {
            // Switching between these "special" schemes is always allowed by the url crate.
            url.set_scheme(scheme)
                .map_err(|()| format!("cannot use '{shown}' as a {scheme}:// URL"))?;
        }
        if url.fragment().is_some() {
            return Err(format!(
                "'{shown}' has a #fragment, which WebSocket URLs must not have (RFC 6455 §3)"
            ));
        }
        let credentials = (!url.username().is_empty()).then(|| {
            (
                crate::value::percent_decode(url.username()),
                crate::value::percent_decode(url.password().unwrap_or("")),
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
        let shown = clip(s);
        let path = crate::value::percent_decode(url.path());
        let (socket, target) = match path.split_once(':') {
            Some((socket, target)) => (socket.to_owned(), target.to_owned()),
            None => (path.clone(), "/".to_owned()),
        };
        if socket.is_empty() || !socket.starts_with('/') {
            return Err(format!(
                "'{shown}' has no socket path: write ws+unix:///path/to.sock or ws+unix:///path/to.sock:/request/path"
            ));
        }
        let target = if target.starts_with('/') {
            target
        } else {
            format!("/{target}")
        };
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        let request = Url::parse(&format!("ws://localhost{target}{query}"))
            .map_err(|e| format!("'{shown}': the request path is not valid: {e}"))?;
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

    /// The path (percent-encoded, `/` at least) and the query, if any.
    pub fn path_and_query(&self) -> (&str, Option<&str>) {
        (self.url.path(), self.url.query())
    }

    /// The same server (and credentials, and Unix socket) with another request path and
    /// query (`--socketio`: the Engine.IO endpoint).
    pub fn with_target(&self, path: &str, query: Option<&str>) -> WsUrl {
        let mut next = self.clone();
        next.url.set_path(path);
        next.url.set_query(query);
        if self.unix.is_none() {
            next.shown = next.url.to_string();
        }
        next
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

/// `::1:9000/chat` (what follows `ws://`, or the whole argument): an IPv6 address written
/// without brackets. Gives the address and what follows it (`:port` and the path), taking a
/// last group of digits as the port when what precedes it is an address on its own.
fn bare_ipv6(s: &str) -> Option<(&str, &str)> {
    use std::net::Ipv6Addr;
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    let (authority, path) = s.split_at(end);
    if authority.starts_with('[') || authority.matches(':').count() < 2 {
        return None;
    }
    if let Some((addr, port)) = authority.rsplit_once(':') {
        let port_like =
            !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        if port_like && addr.parse::<Ipv6Addr>().is_ok() {
            return Some((addr, &s[addr.len()..]));
        }
    }
    authority
        .parse::<Ipv6Addr>()
        .is_ok()
        .then_some((authority, path))
}

/// `scheme` and `rest` with the IPv6 address at the start of `rest` in brackets.
fn with_brackets(scheme: &str, rest: &str) -> String {
    match bare_ipv6(rest) {
        Some((addr, tail)) => format!("{scheme}[{addr}]{tail}"),
        None => format!("{scheme}{rest}"),
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

/// Parses `--proxy`: `http://[user:pass@]host:port`, `socks5://…`, `socks5h://…`; a bare
/// `host:port` means http://.
pub fn parse_proxy(s: &str) -> Result<Url, String> {
    let with_scheme = if s.contains("://") {
        s.to_owned()
    } else {
        format!("http://{s}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("'{s}' is not a proxy URL: {e}"))?;
    match url.scheme() {
        "http" | "socks5" | "socks5h" => {}
        "https" => {
            return Err(format!(
                "'{s}': TLS to the proxy itself (https://) is not supported; use http://, socks5:// or socks5h://"
            ))
        }
        other => {
            return Err(format!(
                "'{s}': unsupported proxy scheme '{other}' (use http://, socks5:// or socks5h://)"
            ))
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("'{s}' has no host"));
    }
    Ok(url)
}

/// Decodes `%XX` escapes (CGI's PATH_INFO is decoded); invalid escapes stay as they are.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        assert_eq!(parse_proxy("127.0.0.1:3128").unwrap().scheme(), "http");
        assert!(parse_proxy("socks5h://p:1080").is_ok());
        assert!(parse_proxy("ftp://p").is_err());
        assert!(parse_proxy("https://p").is_err());
    }

    #[test]
    fn an_ipv6_address_without_brackets_gets_them_in_the_hint() {
        let hint = |s: &str| WsUrl::parse_arg(s).unwrap_err();
        assert!(
            hint("ws://::1:9/").ends_with("(try ws://[::1]:9/)"),
            "{}",
            hint("ws://::1:9/")
        );
        assert!(hint("wss://fe80::1:443").ends_with("(try wss://[fe80::1]:443)"));
        assert!(
            hint("ws://::1/x").ends_with("(try ws://[::1]/x)"),
            "{}",
            hint("ws://::1/x")
        );
        assert!(
            hint("::1:9000").ends_with("(try ws://[::1]:9000)"),
            "{}",
            hint("::1:9000")
        );
        assert!(WsUrl::parse_arg("ws://[::1]:9/").is_ok());
        assert_eq!(hint("ws://"), "'ws://' is not a valid URL: empty host");
    }

    #[test]
    fn port_zero_is_refused() {
        let e = WsUrl::parse_arg("ws://127.0.0.1:0/").unwrap_err();
        assert!(e.contains("port 0"), "{e}");
        assert!(WsUrl::parse_arg("ws://127.0.0.1:1/").is_ok());
    }

    #[test]
    fn long_input_is_clipped() {
        let long = format!("ws://h/{}#x", "a".repeat(100_000));
        let e = WsUrl::parse_arg(&long).unwrap_err();
        assert!(e.len() < 400, "{e}");
        assert!(e.contains("… (100009 bytes)"), "{e}");
        assert_eq!(clip("short"), "short");
        let line = format!(
            "cannot build a request for ws://h/{}: too long",
            "a".repeat(300)
        );
        assert!(
            crate::value::clip_words(&line).ends_with("… (307 bytes): too long"),
            "{line}"
        );
        assert_eq!(
            clip(&"é".repeat(200)),
            format!("{}… (400 bytes)", "é".repeat(100))
        );
    }

    #[test]
    fn paths_are_decoded() {
        assert_eq!(percent_decode("/a%20b/%zz%4"), "/a b/%zz%4");
    }
}
