//! The resolve step: command-line arguments → the settings each subcommand runs with.
//! Terminal and colour decisions are made here, once.

mod output;

pub use output::{OutputConfig, OutputTarget};

/// The heartbeat asked for, if any.
pub fn heartbeat(args: &crate::cli::HeartbeatArgs) -> Option<crate::session::driver::Heartbeat> {
    args.ping_interval
        .map(|interval| crate::session::driver::Heartbeat {
            interval,
            timeout: args.ping_timeout,
        })
}
