//! The resolve step: each subcommand's arguments become the plan it runs with, here and only
//! here (command files and network code never see clap's types). Terminal and colour
//! decisions are made here, once.

pub mod bench;
pub mod check;
pub mod client;
pub mod connect;
pub mod listen;
mod output;
pub mod ping;
mod proto;
pub mod wt_client;

pub use client::heartbeat;
pub use output::{OutputConfig, OutputTarget};
