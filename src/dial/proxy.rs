//! Proxies: `--proxy URL` or, as curl does, the `https_proxy`/`http_proxy`/`all_proxy`
//! environment variables with `no_proxy` exceptions; HTTP CONNECT tunnels (with Basic auth)
//! and SOCKS5 (`socks5://` resolves names here, `socks5h://` lets the proxy resolve them).

use std::net::IpAddr;

use anyhow::Result;
use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

use crate::error::Failure;

/// Where the proxy choice comes from.
#[derive(Debug, Clone)]
pub enum ProxySetting {
    /// The environment, as curl reads it.
    Env,
    /// `--noproxy`: never.
    Off,
    /// `--proxy URL`.
    Url(Url),
}

/// The proxy to use for `host` (with TLS or not), if any.
pub fn choose(setting: &ProxySetting, host: &str, tls: bool) -> Result<Option<Url>> {
    let var = |names: &[&str]| {
        names
            .iter()
            .filter_map(|n| std::env::var(n).ok())
            .find(|v| !v.trim().is_empty())
    };
    match setting {
        ProxySetting::Off => Ok(None),
        ProxySetting::Url(u) => Ok(Some(u.clone())),
        ProxySetting::Env => {
            // curl reads http_proxy in lower case only (an HTTP_PROXY header of a CGI request
            // must not become the proxy).
            let found = if tls {
                var(&["https_proxy", "HTTPS_PROXY"])
            } else {
                var(&["http_proxy"])
            }
            .or_else(|| var(&["all_proxy", "ALL_PROXY"]));
            let Some(value) = found else {
                return Ok(None);
            };
            if let Some(list) = var(&["no_proxy", "NO_PROXY"]) {
                if bypass(&list, host) {
                    return Ok(None);
                }
            }
            crate::value::parse_proxy(value.trim())
                .map(Some)
                .map_err(|e| Failure::usage(format!("proxy from the environment: {e}")).into())
        }
    }
}

/// Whether `no_proxy` exempts `host`: `*`, a name and its subdomains (`example.com`,
/// `.example.com`), an IP address, or an IP range in CIDR form (`10.0.0.0/8`).
pub fn bypass(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let ip: Option<IpAddr> = host.parse().ok();
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.to_ascii_lowercase();
        if entry.is_empty() {
            return false;
        }
        if entry == "*" {
            return true;
        }
        if let (Some(ip), Some((net, bits))) = (ip, entry.split_once('/')) {
            return in_cidr(ip, net, bits);
        }
        let name = entry.trim_start_matches('.');
        host == name || host.ends_with(&format!(".{name}"))
    })
}

fn in_cidr(ip: IpAddr, net: &str, bits: &str) -> bool {
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn credentials(proxy: &Url) -> Option<(String, String)> {
    if proxy.username().is_empty() {
        return None;
    }
    let decode = |s: &str| crate::value::percent_decode(s);
    Some((
        decode(proxy.username()),
        decode(proxy.password().unwrap_or("")),
    ))
}

/// Opens a TCP connection to `host:port` through `proxy`.
pub async fn connect(proxy: &Url, host: &str, port: u16) -> Result<TcpStream> {
    let proxy_host = proxy
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let proxy_port = proxy.port().unwrap_or(1080);
    let shown = format!("{}://{proxy_host}:{proxy_port}", proxy.scheme());
    let unreachable = |e: std::io::Error| {
        Failure::connect(format!("could not connect to the proxy {shown}: {e}"))
            .hint("check --proxy, or the https_proxy/http_proxy/all_proxy variables (--noproxy ignores them)")
    };
    match proxy.scheme() {
        "socks5" | "socks5h" => {
            let remote_dns = proxy.scheme() == "socks5h";
            let target = if remote_dns {
                tokio_socks::TargetAddr::Domain(host.to_owned().into(), port)
            } else {
                let addr = tokio::net::lookup_host((host, port))
                    .await
                    .map_err(|e| Failure::connect(format!("could not resolve host '{host}': {e}")))?
                    .next()
                    .ok_or_else(|| Failure::connect(format!("host '{host}' has no addresses")))?;
                tokio_socks::TargetAddr::Ip(addr)
            };
            let tcp = TcpStream::connect((proxy_host.as_str(), proxy_port))
                .await
                .map_err(unreachable)?;
            let stream = match credentials(proxy) {
                Some((user, pass)) => {
                    tokio_socks::tcp::Socks5Stream::connect_with_password_and_socket(
                        tcp, target, &user, &pass,
                    )
                    .await
                }
                None => tokio_socks::tcp::Socks5Stream::connect_with_socket(tcp, target).await,
            }
            .map_err(|e| {
                Failure::connect(format!(
                    "the SOCKS5 proxy {shown} could not connect to {host}:{port}: {e}"
                ))
            })?;
            Ok(stream.into_inner())
        }
        _ => {
            let mut tcp = TcpStream::connect((proxy_host.as_str(), proxy_port))
                .await
                .map_err(unreachable)?;
            let authority = if host.contains(':') {
                format!("[{host}]:{port}")
            } else {
                format!("{host}:{port}")
            };
            let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
            if let Some((user, pass)) = credentials(proxy) {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                req.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
            }
            req.push_str("\r\n");
            tcp.write_all(req.as_bytes()).await.map_err(unreachable)?;
            let head = read_head(&mut tcp).await.map_err(|e| {
                Failure::connect(format!("the proxy {shown} did not answer CONNECT: {e}"))
            })?;
            let status_line = head.lines().next().unwrap_or_default().to_owned();
            let status: u16 = status_line
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            if !(200..300).contains(&status) {
                let mut f = Failure::connect(format!(
                    "the proxy {shown} refused to connect to {authority}: {status_line}"
                ));
                if status == 407 {
                    f = f.hint("the proxy wants credentials: --proxy http://USER:PASS@HOST:PORT");
                }
                return Err(f.into());
            }
            Ok(tcp)
        }
    }
}

/// Reads an HTTP response head (up to the blank line), byte by byte so that nothing of the
/// tunnel behind it is consumed.
async fn read_head(tcp: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err(std::io::Error::other("response head over 16 KiB"));
        }
        let b = tcp.read_u8().await?;
        head.push(b);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        assert!(bypass("*", "example.com"));
        assert!(bypass("example.com", "example.com"));
        assert!(bypass("example.com", "api.example.com"));
        assert!(bypass(".example.com", "api.example.com"));
        assert!(!bypass("example.com", "notexample.com"));
        assert!(bypass("localhost, 127.0.0.1", "127.0.0.1"));
        assert!(bypass("10.0.0.0/8", "10.1.2.3"));
        assert!(!bypass("10.0.0.0/8", "11.1.2.3"));
        assert!(bypass("::1", "[::1]"));
        assert!(bypass("fd00::/8", "[fd12::1]"));
    }
}
