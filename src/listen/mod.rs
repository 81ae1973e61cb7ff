//! The server side: `wsprobe listen` runs a [`ListenPlan`](crate::config::listen::ListenPlan).
//!
//! A connection goes through these stages, each in its own file:
//!
//! 1. [`server`]: bind, say `listening on`, accept (each TCP connection gets a number and a
//!    task), periodic pushes, and on Ctrl-C/SIGTERM close everyone with 1001.
//! 2. [`opening`]: TLS (`--tls-*`) and the request head: plain HTTP is answered there
//!    ([`http`]: `--page`, `--static`, 426), an idle socket is let go, an upgrade goes on.
//!    HTTP/2 (h2 in TLS, or the h2c preface) is served by [`http2`]: each extended CONNECT
//!    goes through stages 3 and 4 as an upgrade does, on a task of its own.
//! 3. [`upgrade`]: the [`policy`] decides on the upgrade request (path, origin, subprotocol,
//!    `--max-connections`, `--stdio`'s one client), the connection joins the [`hub`], and
//!    tungstenite answers 101 over the [`readahead`](crate::wire::readahead) stream.
//! 4. [`connection`]: the OPEN connection gets its [`handler`] (echo, broadcast, stdout, or a
//!    program per connection, [`exec`]) and is driven by the shared driver until CLOSED; then it
//!    leaves the hub. `--stdio`'s stdin is in [`stdio`].
//!
//! With `--webtransport`, [`webtransport`] serves HTTP/3 sessions on UDP at the same port
//! number: the same policy, hub and events, its own stages (session, streams).

mod connection;
pub mod exec;
mod handler;
pub mod http;
mod http2;
pub mod hub;
mod opening;
pub mod policy;
mod server;
mod stdio;
mod upgrade;
pub mod webtransport;

pub use server::run;

/// How long a client may take to send its upgrade request (and to finish TLS).
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
