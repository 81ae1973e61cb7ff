//! The upgrade: the policy decides on the request, the connection joins the hub before the
//! 101 goes out, and tungstenite answers (101, or the refusal the decision gave).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{
    Callback, ErrorResponse, Request, Response,
};
use tokio_tungstenite::tungstenite::http::{header, StatusCode};
use tokio_tungstenite::WebSocketStream;

use super::exec::RequestEnv;
use super::policy::{self, Decision};
use super::server::Server;
use super::stdio::{self, StdinLease};
use super::HANDSHAKE_TIMEOUT;
use crate::config::listen::Mode;
use crate::dial::handshake::{show_request_in as show_request, show_response};
use crate::error::ErrorKind;
use crate::session::driver::{Batch, ControlTx};
use crate::session::{Conn, Dir};
use crate::value::deflate as params;
use crate::wire::deflate::stream::{Decision as DeflateDecision, Deflate, Shared as DeflateShared};
use crate::wire::failfast::FailFast;
use crate::wire::gate::{Gate, Hold, Latch};
use crate::wire::readahead::ReadAhead;
use crate::wire::transport::Accepted;

/// The stream a server WebSocket runs over.
pub(super) type ServerStream = FailFast<Deflate<ReadAhead<Accepted>>>;

/// The connection asking to be upgraded, as the decision sees it.
pub(super) struct Candidate<'a> {
    pub server: &'a Server,
    pub conn: &'a Arc<Conn>,
    pub peer: SocketAddr,
    pub local: SocketAddr,
    /// How the hub reaches the connection once it has joined.
    pub control: &'a ControlTx,
    pub queue: Option<&'a mpsc::Sender<Batch>>,
}

/// What the decision gave an accepted connection.
#[derive(Default)]
pub(super) struct Admitted {
    /// The subprotocol selected.
    pub protocol: Option<String>,
    /// `--exec`: the request, for the program's environment.
    pub env: Option<RequestEnv>,
    /// `--stdio`: this client's hold on stdin.
    pub lease: Option<StdinLease>,
}

/// An OPEN WebSocket and what its upgrade decided.
pub(super) struct Upgraded {
    pub ws: WebSocketStream<ServerStream>,
    pub admitted: Admitted,
    /// `--exec`, `--close-after`: the latch of the gate that holds the client's frames back.
    pub latch: Option<Arc<Latch>>,
    /// What permessage-deflate negotiated, and its counts.
    pub deflate: Arc<DeflateShared>,
}

/// The WebSocket handshake over `stream`, within the handshake time; `None` when it failed
/// or was refused (logged, and the connection has left the hub again).
pub(super) async fn handshake(
    who: &Candidate<'_>,
    stream: ReadAhead<Accepted>,
) -> Option<Upgraded> {
    let deflate = DeflateShared::new(who.server.plan.sending);
    let limit = who.server.plan.drive.max_message_size;
    let stream = Deflate::server(stream, deflate.clone(), limit);
    let (stream, latch) = wrap(who.server, stream, false);
    let mut admitted = None;
    let decide = Decide {
        who,
        admitted: &mut admitted,
        deflate: &deflate,
    };
    let config = Some(who.server.plan.ws);
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, decide, config);
    let (server, conn, peer) = (who.server, who.conn, who.peer);
    let id = conn.id.unwrap_or_default();
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(ws)) => Some(Upgraded {
            ws,
            admitted: admitted.unwrap_or_default(),
            latch,
            deflate,
        }),
        // A refusal of ours was logged when it was decided.
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(_))) => {
            server.hub.leave(id);
            None
        }
        Ok(Err(e)) => {
            server.hub.leave(id);
            conn.error(
                ErrorKind::Handshake,
                &format!("handshake with {peer} failed: {e}"),
            );
            None
        }
        Err(_) => {
            server.hub.leave(id);
            conn.error(
                ErrorKind::Handshake,
                &format!("{peer} sent no upgrade request within {HANDSHAKE_TIMEOUT:?}"),
            );
            None
        }
    }
}

/// tungstenite's callback: hands the request to [`admit`] and keeps what it gave.
struct Decide<'a, 'b> {
    who: &'a Candidate<'b>,
    admitted: &'a mut Option<Admitted>,
    deflate: &'a DeflateShared,
}

impl Callback for Decide<'_, '_> {
    fn on_request(self, req: &Request, mut resp: Response) -> Result<Response, ErrorResponse> {
        let admitted = admit(self.who, req)?;
        if let Some(value) = admitted.protocol.as_ref().and_then(|p| p.parse().ok()) {
            resp.headers_mut()
                .insert(header::SEC_WEBSOCKET_PROTOCOL, value);
        }
        negotiate(self.who.server, req, resp.headers_mut(), self.deflate);
        if self.who.server.printer.wants_handshake() {
            show_response(self.who.conn, Dir::Out, &resp, None);
        }
        *self.admitted = Some(admitted);
        Ok(resp)
    }
}

/// permessage-deflate: the client's offer against the server's policy, the answer added to
/// the response's headers and the decision given to the stream.
pub(super) fn negotiate(
    server: &Server,
    req: &Request,
    answer: &mut header::HeaderMap,
    deflate: &DeflateShared,
) {
    let negotiated = server.plan.deflate.as_ref().and_then(|policy| {
        let offers = req
            .headers()
            .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(", ");
        // An offer that does not parse is declined, like one with unknown parameters.
        let offers = params::parse_header(&offers).ok()?;
        params::accept_offer(&offers, policy)
    });
    match negotiated.and_then(|a| Some((a.negotiated, a.answer.parse().ok()?))) {
        Some((n, value)) => {
            answer.insert(header::SEC_WEBSOCKET_EXTENSIONS, value);
            deflate.decide(DeflateDecision::On(n));
        }
        None => deflate.decide(DeflateDecision::Off),
    }
}

/// Decides on an upgrade request (logging it, and the refusal if it is one): the policy, then
/// `--stdio`'s one client at a time. An accepted connection joins the hub here, before the 101
/// goes out, so a client that has its answer gets every broadcast.
#[allow(clippy::result_large_err)] // tungstenite's callback answers with an ErrorResponse
pub(super) fn admit(who: &Candidate<'_>, req: &Request) -> Result<Admitted, ErrorResponse> {
    let Candidate { server, conn, .. } = who;
    let target = req.uri().to_string();
    conn.connecting(&target, Some(&who.peer.to_string()));
    let verbose = server.printer.wants_handshake();
    if verbose {
        show_request(conn, req);
    }
    let refuse = |status: StatusCode, why: &str| {
        conn.error(ErrorKind::Refused, &format!("{} {why}", status.as_u16()));
        let mut answer = policy::refusal(status, why);
        // HTTP/2's refusals go out in frames; shown with their version.
        *answer.version_mut() = req.version();
        if verbose {
            let body = answer.body().as_deref().map(str::as_bytes);
            show_response(conn, Dir::Out, &answer, body);
        }
        answer
    };
    let protocol = match server.plan.policy.decide(req, server.hub.len()) {
        Decision::Refuse(status, why) => return Err(refuse(status, &why)),
        Decision::Accept(protocol) => protocol,
    };
    let env = matches!(server.plan.mode, Mode::Exec(_))
        .then(|| RequestEnv::new(req, who.peer, who.local, conn.id.unwrap_or_default()));
    let lease = match &server.stdin {
        None => None,
        Some(queue) => match stdio::lease(queue) {
            Some(lease) => Some(lease),
            None => {
                let why = "busy: --stdio serves one client at a time";
                return Err(refuse(StatusCode::SERVICE_UNAVAILABLE, why));
            }
        },
    };
    server
        .hub
        .join((*conn).clone(), who.control.clone(), who.queue.cloned());
    Ok(Admitted {
        protocol,
        env,
        lease,
    })
}

/// The stream tungstenite reads: UTF-8 checked as it arrives and, for `--close-after` and
/// `--exec`, with a gate (and the latch the program's side holds).
pub(super) fn wrap<S>(
    server: &Server,
    stream: S,
    past_head: bool,
) -> (FailFast<S>, Option<Arc<Latch>>) {
    // `--close-after` sends its close before anything read after the Nth message is handed
    // to tungstenite; `--exec` forwards the program's last words before answering a close.
    let hold = Hold {
        after_messages: server.plan.close_after.as_ref().map(|(n, _)| *n),
        at_close: matches!(server.plan.mode, Mode::Exec(_)),
    };
    if hold.after_messages.is_none() && !hold.at_close {
        return match past_head {
            true => (FailFast::past_head(stream, None), None),
            false => (FailFast::new(stream), None),
        };
    }
    let latch = Arc::new(Latch::default());
    // The program's last words are bounded in time; --close-after's close is bounded by the
    // driver (it gives up on a peer that does not take the close frame).
    let limit = hold.at_close.then_some(server.plan.drive.close_timeout);
    let gate = Gate::new(hold, latch.clone(), limit);
    match past_head {
        true => (FailFast::past_head(stream, Some(gate)), Some(latch)),
        false => (FailFast::with_gate(stream, gate), Some(latch)),
    }
}
