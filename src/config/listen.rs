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
use crate::value::deflate::ServerPolicy;
use crate::value::Close;
use crate::wire::deflate::frames::Sending;

/// The WebSocket's own read buffer, which a connection keeps for its whole life: small, so
/// idle connections are cheap (tungstenite's default is 128 KiB each). It is also the most
/// tungstenite reads at a time; while data flows, the stream below it reads ahead in larger
/// pieces (`wire::readahead`). Larger frames grow the buffer as they arrive.
pub const READ_BUFFER: usize = 512;

/// Everything `listen` runs with.
#[derive(Debug)]
pub struct ListenPlan {
    pub addr: SocketAddr,
    pub out: OutputConfig,
    pub mode: Mode,
    /// `--tls-cert/--tls-key` (and `--tls-client-ca`): serve wss:// with this configuration.
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
    /// permessage-deflate offers are accepted with this policy (`None`: `--no-deflate`).
    pub deflate: Option<ServerPolicy>,
    /// How messages are sent (`--fragment`, `--no-compress`).
    pub sending: Sending,
    /// WebSockets over HTTP/2 are accepted too (not `--no-http2`).
    pub http2: bool,
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
        (Some(cert), Some(key)) => Some(crate::tls::server_config(
            cert,
            key,
            args.tls_client_ca.as_deref(),
        )?),
        _ => None,
    };
    let tls = tls.map(|mut c| {
        if !args.no_http2 {
            // A browser then opens its WebSocket on the HTTP/2 connection it loaded the page on.
            Arc::make_mut(&mut c).alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        c
    });
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
        hold_data: false,
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
        sending: Sending {
            compress: !args.no_compress,
            fragment: args.fragment,
        },
        deflate: (!args.no_deflate).then(|| ServerPolicy {
            wanted: args.deflate.unwrap_or_default(),
        }),
        http2: !args.no_http2,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn args_of(argv: &[&str]) -> (ListenArgs, OutputConfig) {
        let cli = Cli::try_parse_from([&["wsprobe", "listen"], argv].concat()).unwrap();
        let out = OutputConfig::resolve(&cli.output);
        match cli.command {
            Command::Listen(args) => (args, out),
            _ => unreachable!(),
        }
    }

    fn plan_of(argv: &[&str]) -> Result<ListenPlan> {
        let (args, out) = args_of(argv);
        plan(args, out)
    }

    fn usage_error(res: Result<impl std::fmt::Debug>) -> String {
        let e = res.unwrap_err();
        let failure = e.downcast_ref::<Failure>().expect("a usage error");
        assert_eq!(failure.status, crate::error::ExitCode::Usage);
        format!("{e}")
    }

    #[test]
    fn the_mode_and_its_queues() {
        let echo = plan_of(&["0"]).unwrap();
        assert!(matches!(echo.mode, Mode::Echo) && !echo.queues());
        assert_eq!(echo.scheme(), "ws");
        let b = plan_of(&["0", "--broadcast", "--all"]).unwrap();
        assert!(matches!(b.mode, Mode::Broadcast { all: true }) && b.queues());
        let pushed = plan_of(&["0", "--send-interval", "1s", "--send", "hi"]).unwrap();
        assert!(pushed.queues());
        assert_eq!(pushed.push, Some((Duration::from_secs(1), "hi".to_owned())));
        let exec = plan_of(&["0", "--exec", "cat", "--binary"]).unwrap();
        assert!(matches!(
            exec.mode,
            Mode::Exec(ExecConfig { binary: true, .. })
        ));
        assert!(matches!(
            plan_of(&["0", "--stdio"]).unwrap().mode,
            Mode::Stdio
        ));
    }

    #[test]
    fn close_after_limits_and_drive() {
        let p = plan_of(&[
            "0",
            "--close-after",
            "3",
            "--close-code",
            "4000",
            "--close-reason",
            "bye",
            "--max-message-size",
            "1KiB",
        ])
        .unwrap();
        assert_eq!(p.close_after, Some((3, Close::new(4000, "bye"))));
        assert_eq!(p.ws.max_message_size, Some(1024));
        assert_eq!(p.ws.max_frame_size, Some(1024));
        assert_eq!(p.ws.read_buffer_size, READ_BUFFER);
        assert_eq!(p.drive.max_message_size, 1024);
        assert!(p.drive.close_on_eof.is_none() && p.drive.heartbeat.is_none());
    }

    #[test]
    fn options_clap_cannot_check_are_usage_errors() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap();
        assert!(usage_error(plan_of(&["0", "--static", path])).contains("not a directory"));
        // clap refuses zero intervals already; the plan does not rely on it.
        let (mut args, _) = args_of(&["0", "--send-interval", "1s", "--send", "x"]);
        args.send_interval = Some(Duration::ZERO);
        assert!(usage_error(validate(&args)).contains("--send-interval 0"));
        let (mut args, _) = args_of(&["0", "--ping-interval", "1s"]);
        args.heartbeat.ping_interval = Some(Duration::ZERO);
        assert!(usage_error(validate(&args)).contains("--ping-interval 0"));
    }
}
