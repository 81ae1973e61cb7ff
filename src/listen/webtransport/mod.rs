//! `listen --webtransport`: WebTransport sessions over HTTP/3 (QUIC, UDP) on the same port
//! number as the TCP listener, beside the WebSocket server, with the same policy, hub and log.
//!
//! - [`identity`]: the certificate (`--tls-cert`/`--tls-key`, or one generated for
//!   `serverCertificateHashes`) and its SHA-256.
//! - [`session`]: one session from its CONNECT request (path and origin policy, 404/403) to
//!   its close; datagrams are echoed or fanned out through the hub, pushes are datagrams.
//! - [`streams`]: the client's streams, echoed (or run through `--exec`).
//!
//! wtransport (on quinn) runs QUIC; a session is a [`Conn`](crate::session::Conn) with the
//! WebTransport events of `session::webtransport`, printed as WebSocket connections are.

pub mod identity;
mod session;
mod streams;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Result;
use wtransport::endpoint::endpoint_side;
use wtransport::{Endpoint, ServerConfig};

use super::hub::Hub;
use super::policy::Policy;
use crate::error::{ExitCode, Failure};
use crate::output::Printer;

/// What the sessions share with the rest of the server (built by `server.rs` from the plan):
/// the printer, the hub (broadcast, pushes, Ctrl-C's close), the policy and the mode's parts.
pub(super) struct Context {
    pub printer: Arc<Printer>,
    pub hub: Arc<Hub>,
    pub policy: Policy,
    /// Numbers connections and sessions in one sequence.
    pub number: Box<dyn Fn() -> u64 + Send + Sync>,
    /// Sessions get a queue from the hub (`--broadcast`, pushes).
    pub queues: bool,
    /// `--broadcast`: datagrams are fanned out (`true`: to the sender too, `--all`).
    pub broadcast: Option<bool>,
    /// `--exec`: the command each bidirectional stream runs.
    pub exec: Option<String>,
    /// `--max-message-size`: the most a unidirectional stream may carry.
    pub max_size: usize,
}

/// A bound WebTransport endpoint.
pub(super) type WtEndpoint = Endpoint<endpoint_side::Server>;

/// Binds UDP on `addr` (the TCP listener's address and port).
pub(super) fn bind(addr: SocketAddr, identity: &identity::WtIdentity) -> Result<WtEndpoint> {
    let tls = (*identity.tls).clone();
    let config = ServerConfig::builder()
        .with_bind_address(addr)
        .with_custom_tls(tls)
        .keep_alive_interval(Some(std::time::Duration::from_secs(3)))
        .build();
    Endpoint::server(config).map_err(|e| {
        Failure::new(
            ExitCode::Runtime,
            format!("cannot listen for WebTransport on udp {addr}: {e}"),
        )
        .hint("another program uses this UDP port; pick another port, or 0 for a free one")
        .into()
    })
}

/// Accepts sessions until the server stops (the caller drops this future).
pub(super) async fn accept(server: Arc<Context>, endpoint: Arc<WtEndpoint>) {
    loop {
        let incoming = endpoint.accept().await;
        tokio::spawn(session::serve(server.clone(), incoming));
    }
}
