//! `ping` resolved.

use std::time::Duration;

use anyhow::Result;

use super::{client, OutputConfig};
use crate::cli::PingArgs;
use crate::dial::handshake::ClientSettings;
use crate::session::driver::DriveOpts;

/// Everything `ping` runs with.
#[derive(Debug)]
pub struct PingPlan {
    pub client: ClientSettings,
    pub out: OutputConfig,
    pub drive: DriveOpts,
    /// How many pings (0: until Ctrl-C).
    pub count: u64,
    pub interval: Duration,
    /// A pong later than this counts as lost.
    pub ping_timeout: Duration,
}

pub fn plan(args: PingArgs, out: OutputConfig) -> Result<PingPlan> {
    let out = out.for_ping();
    Ok(PingPlan {
        client: client::settings(&args.url, &args.handshake, client::DEFAULT_MAX_MESSAGE)?,
        out,
        drive: DriveOpts {
            close_on_eof: None,
            reply_wait: Duration::ZERO,
            close_timeout: args.close_timeout,
            max_message_size: client::DEFAULT_MAX_MESSAGE,
            heartbeat: None,
            keep_unsent: false,
            hold_data: false,
        },
        count: args.count,
        interval: args.interval,
        ping_timeout: args.ping_timeout,
    })
}
