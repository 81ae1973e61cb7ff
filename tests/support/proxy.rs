//! Proxies for the tests, on 127.0.0.1: an HTTP CONNECT proxy (optionally demanding Basic
//! credentials) and a SOCKS5 proxy. Each records the targets it was asked for, so a test can
//! tell that the traffic really went through it.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Server;

pub type Targets = Arc<Mutex<Vec<String>>>;

async fn read_head(tcp: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.ok()?);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// An HTTP CONNECT proxy; with `auth`, requests without `Proxy-Authorization: Basic <auth>`
/// get 407.
pub fn http_proxy(auth: Option<&'static str>) -> (Server, Targets) {
    let targets: Targets = Arc::default();
    let t = targets.clone();
    let server = Server::tcp(move |mut client| {
        let t = t.clone();
        async move {
            let Some(head) = read_head(&mut client).await else {
                return;
            };
            let target = head
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            if let Some(token) = auth {
                let expected = format!("proxy-authorization: basic {token}");
                if !head
                    .to_ascii_lowercase()
                    .contains(&expected.to_ascii_lowercase())
                {
                    let _ = client
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
            }
            t.lock().unwrap().push(target.clone());
            let Ok(mut upstream) = TcpStream::connect(&target).await else {
                let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                return;
            };
            let _ = client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
    });
    (server, targets)
}

/// A SOCKS5 proxy; with `auth` (user, password) it demands RFC 1929 credentials. Records
/// `host:port` for name targets and `ip:port` for address targets.
pub fn socks5_proxy(auth: Option<(&'static str, &'static str)>) -> (Server, Targets) {
    let targets: Targets = Arc::default();
    let t = targets.clone();
    let server = Server::tcp(move |mut client| {
        let t = t.clone();
        async move {
            let mut hello = [0u8; 2];
            if client.read_exact(&mut hello).await.is_err() || hello[0] != 5 {
                return;
            }
            let mut methods = vec![0u8; hello[1] as usize];
            let _ = client.read_exact(&mut methods).await;
            match auth {
                None => {
                    let _ = client.write_all(&[5, 0]).await;
                }
                Some((user, pass)) => {
                    if !methods.contains(&2) {
                        let _ = client.write_all(&[5, 0xff]).await;
                        return;
                    }
                    let _ = client.write_all(&[5, 2]).await;
                    let ver = client.read_u8().await.unwrap_or(0);
                    let ulen = client.read_u8().await.unwrap_or(0);
                    let mut u = vec![0u8; ulen as usize];
                    let _ = client.read_exact(&mut u).await;
                    let plen = client.read_u8().await.unwrap_or(0);
                    let mut p = vec![0u8; plen as usize];
                    let _ = client.read_exact(&mut p).await;
                    let ok = ver == 1 && u == user.as_bytes() && p == pass.as_bytes();
                    let _ = client.write_all(&[1, if ok { 0 } else { 1 }]).await;
                    if !ok {
                        return;
                    }
                }
            }
            let mut req = [0u8; 4];
            if client.read_exact(&mut req).await.is_err() || req[1] != 1 {
                return;
            }
            let host = match req[3] {
                1 => {
                    let mut a = [0u8; 4];
                    let _ = client.read_exact(&mut a).await;
                    std::net::Ipv4Addr::from(a).to_string()
                }
                3 => {
                    let len = client.read_u8().await.unwrap_or(0);
                    let mut name = vec![0u8; len as usize];
                    let _ = client.read_exact(&mut name).await;
                    String::from_utf8_lossy(&name).into_owned()
                }
                4 => {
                    let mut a = [0u8; 16];
                    let _ = client.read_exact(&mut a).await;
                    format!("[{}]", std::net::Ipv6Addr::from(a))
                }
                _ => return,
            };
            let port = client.read_u16().await.unwrap_or(0);
            let target = format!("{host}:{port}");
            t.lock().unwrap().push(target.clone());
            let Ok(mut upstream) = TcpStream::connect(&target).await else {
                let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
                return;
            };
            let _ = client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
    });
    (server, targets)
}

/// A server that answers every request with this raw HTTP response (redirects and such).
pub fn http_responder(response: String) -> Server {
    Server::tcp(move |mut tcp| {
        let response = response.clone();
        async move {
            if read_head(&mut tcp).await.is_some() {
                let _ = tcp.write_all(response.as_bytes()).await;
                let _ = tcp.shutdown().await;
            }
        }
    })
}
