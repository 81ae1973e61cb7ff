//! Who `listen` lets in: `--path`, `--origin-allow`, `--protocol` (subprotocol selection) and
//! `--max-connections`, decided on the upgrade request before the 101 goes out.

use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request};
use tokio_tungstenite::tungstenite::http::{header, StatusCode};

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub origins: Vec<String>,
    pub paths: Vec<String>,
    pub protocols: Vec<String>,
    pub protocol_optional: bool,
    pub max_connections: Option<usize>,
}

/// The answer to one upgrade request.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// 101, with this subprotocol selected (if any).
    Accept(Option<String>),
    Refuse(StatusCode, String),
}

impl Policy {
    pub fn decide(&self, req: &Request, open_now: usize) -> Decision {
        let path = req.uri().path();
        if !self.paths.is_empty() && !self.paths.iter().any(|p| p == path) {
            return Decision::Refuse(
                StatusCode::NOT_FOUND,
                format!(
                    "no WebSocket endpoint at {path} (served: {})",
                    self.paths.join(", ")
                ),
            );
        }
        if !self.origins.is_empty() {
            // No Origin: not a browser, and Origin checks only protect browsers' users.
            if let Some(origin) = req.headers().get(header::ORIGIN) {
                let origin = String::from_utf8_lossy(origin.as_bytes());
                let allowed = self
                    .origins
                    .iter()
                    .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&origin));
                if !allowed {
                    return Decision::Refuse(
                        StatusCode::FORBIDDEN,
                        format!("origin not allowed: {origin}"),
                    );
                }
            }
        }
        if let Some(max) = self.max_connections {
            if open_now >= max {
                return Decision::Refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("connection limit reached ({max}, --max-connections)"),
                );
            }
        }
        let offered: Vec<String> = req
            .headers()
            .get_all(header::SEC_WEBSOCKET_PROTOCOL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        if self.protocols.is_empty() {
            // Like Node's ws: without --protocol, the client's first offer is accepted, so a
            // client that insists on a subprotocol can still be tested.
            return Decision::Accept(offered.into_iter().next());
        }
        match offered.iter().find(|p| self.protocols.contains(p)) {
            Some(p) => Decision::Accept(Some(p.clone())),
            None if self.protocol_optional => Decision::Accept(None),
            None => Decision::Refuse(
                StatusCode::BAD_REQUEST,
                format!(
                    "no supported subprotocol offered ({}); this server speaks: {}",
                    if offered.is_empty() {
                        "none".to_owned()
                    } else {
                        offered.join(", ")
                    },
                    self.protocols.join(", ")
                ),
            ),
        }
    }
}

/// An HTTP error answer to an upgrade request, with a one-line body.
pub fn refusal(status: StatusCode, why: &str) -> ErrorResponse {
    let body = format!("{why}\n");
    let len = body.len();
    let mut resp = ErrorResponse::new(Some(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // tungstenite writes the headers as given: without these, the client could only find
    // the end of the body by the connection closing.
    headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    headers.insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(path: &str, headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().uri(path);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn decisions() {
        let p = Policy {
            origins: vec!["https://app.example".into()],
            paths: vec!["/ws".into()],
            protocols: vec!["v2".into(), "v1".into()],
            protocol_optional: false,
            max_connections: Some(2),
        };
        let ok = |h: &[(&str, &str)]| p.decide(&req("/ws?x=1", h), 0);
        assert_eq!(
            ok(&[("sec-websocket-protocol", "v1, v2")]),
            Decision::Accept(Some("v1".into()))
        );
        assert!(matches!(
            p.decide(&req("/other", &[]), 0),
            Decision::Refuse(StatusCode::NOT_FOUND, _)
        ));
        assert!(matches!(
            ok(&[
                ("origin", "https://evil.example"),
                ("sec-websocket-protocol", "v1")
            ]),
            Decision::Refuse(StatusCode::FORBIDDEN, _)
        ));
        assert!(matches!(
            ok(&[("sec-websocket-protocol", "v3")]),
            Decision::Refuse(StatusCode::BAD_REQUEST, _)
        ));
        assert!(matches!(
            p.decide(&req("/ws", &[("sec-websocket-protocol", "v1")]), 2),
            Decision::Refuse(StatusCode::SERVICE_UNAVAILABLE, _)
        ));
        let optional = Policy {
            protocol_optional: true,
            ..p.clone()
        };
        assert_eq!(optional.decide(&req("/ws", &[]), 0), Decision::Accept(None));
    }
}
