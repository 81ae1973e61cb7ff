//! `wsprobe listen`'s arguments resolved into a [`ListenPlan`]: the mode, the TLS server
//! configuration (certificate and key loaded), who may connect, what plain HTTP gets and how
//! connections are driven. Every usage error is found here, before the server binds its port
//! and prints `listening on`: a script waiting for that line must never see it from a server
//! that is about to exit 2.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::{client, OutputConfig};
use crate::cli::ListenArgs;
use crate::error::Failure;
use crate::listen::exec::ExecConfig;
use crate::listen::http::Site;
use crate::listen::policy::Policy;
use crate::session::driver::DriveOpts;
use crate::value::Close;

/// The WebSocket's own read buffer, which a connection keeps for its whole life: small, so
/// idle connections are cheap (tungstenite's default is 128 KiB each). It is also the most
/// tungstenite reads at a time; while data flows, the stream below it reads ahead in larger
/// pieces (`listen::readahead`). Larger frames grow the buffer as they arrive.
pub const READ_BUFFER: usize = 512;

/// Everything `listen` runs with.
#[derive(Debug)]
pub struct ListenPlan {
    pub addr: SocketAddr,
    pub out: OutputConfig,
    pub mode: Mode,
    /// `--tls-cert/--tls-key`: serve wss:// with this configuration.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Which upgrades are accepted.
    pub policy: Policy,
    /// What plain HTTP requests get (`--page`, `--static`, or 426).
    pub site: Site,
    /// `--send-interval` with `--send`: push this text to every client this often.
    pub push: Option<(Duration, String)>,
    /// `--close-after N`: close each connection after N messages, with this close.
    pub close_after: Option<(u64, Close)>,
    /// Every connection's WebSocket settings (message and frame size, read buffer).
    pub ws: WebSocketConfig,
    /// How each connection is driven (close timeout, heartbeat, message size).
    pub drive: DriveOpts,
}

/// What a connection does with the messages it receives.
#[derive(Debug, Clone)]
pub enum Mode {
    Echo,
    Broadcast { all: bool },
    Stdio,
    Exec(ExecConfig),
}

impl ListenPlan {
    /// Connections get an outgoing queue (broadcast, periodic sends).
    pub fn queues(&self) -> bool {
        matches!(self.mode, Mode::Broadcast { .. }) || self.push.is_some()
    }

    /// The scheme of the WebSocket URL: `wss` with TLS.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "wss"
        } else {
            "ws"
        }
    }
}

/// Resolves the arguments; the errors are usage errors (exit 2), or a TLS setup failure.
pub fn plan(args: ListenArgs, out: OutputConfig) -> Result<ListenPlan> {
    validate(&args)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::server_config(cert, key)?),
        _ => None,
    };
    let mode = mode(&args);
    let site = match (&args.static_dir, args.page) {
        (Some(dir), _) => Site::Static(dir.clone()),
        (None, true) => Site::Page,
        (None, false) => Site::None,
    };
    let drive = DriveOpts {
        close_on_eof: None,
        reply_wait: Duration::ZERO,
        close_timeout: args.close_timeout,
        max_message_size: args.max_message_size,
        heartbeat: super::heartbeat(&args.heartbeat),
        keep_unsent: false,
    };
    let close_after = args
        .close_after
        .map(|n| (n, Close::new(args.close_code, args.close_reason.clone())));
    Ok(ListenPlan {
        addr: args.addr,
        out,
        tls,
        site,
        push: args.send_interval.zip(args.send),
        close_after,
        ws: client::ws_config(args.max_message_size).read_buffer_size(READ_BUFFER),
        drive,
        policy: Policy {
            origins: args.origin_allow,
            paths: args.paths,
            protocols: args.protocols,
            protocol_optional: args.protocol_optional,
            max_connections: args.max_connections,
        },
        mode,
    })
}

fn mode(args: &ListenArgs) -> Mode {
    if args.broadcast {
        Mode::Broadcast { all: args.all }
    } else if args.stdio {
        Mode::Stdio
    } else if let Some(command) = args.exec.clone() {
        Mode::Exec(ExecConfig {
            command,
            binary: args.binary,
        })
    } else {
        Mode::Echo
    }
}

/// The checks on options that clap cannot make; each failure is a usage error (exit 2).
fn validate(args: &ListenArgs) -> Result<()> {
    if let Some(dir) = &args.static_dir {
        check_static_dir(dir)?;
    }
    if args.send_interval.is_some_and(|d| d.is_zero()) {
        return Err(zero_interval("--send-interval"));
    }
    if args.heartbeat.ping_interval.is_some_and(|d| d.is_zero()) {
        return Err(zero_interval("--ping-interval"));
    }
    Ok(())
}

fn check_static_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(
            Failure::usage(format!("--static {}: not a directory", dir.display()))
                .hint("give the directory whose files should be served")
                .into(),
        );
    }
    if let Err(e) = std::fs::read_dir(dir) {
        return Err(
            Failure::usage(format!("--static {}: cannot be read: {e}", dir.display()))
                .hint("give a directory this user may list")
                .into(),
        );
    }
    Ok(())
}

/// A zero period would make the timers spin (tokio refuses it outright).
fn zero_interval(flag: &str) -> anyhow::Error {
    Failure::usage(format!("{flag} 0: the interval must be longer than zero"))
        .hint("write e.g. 500ms, 1s")
        .into()
}
