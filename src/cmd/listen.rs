//! `wsprobe listen [ADDR:]PORT`: a server for testing clients: echo (default), broadcast,
//! stdio or a program per connection, with optional periodic pushes and server-initiated
//! closes. The arguments were resolved into a plan (`config::listen`); the server is
//! [`crate::listen`].
//!
//! Ctrl-C (or SIGTERM) closes every open connection with 1001 (going away), waits for their
//! close frames up to `--close-timeout`, and exits 0 (143 for SIGTERM).

use anyhow::Result;

use crate::config::listen::ListenPlan;
use crate::error::ExitCode;

pub async fn run(plan: ListenPlan) -> Result<ExitCode> {
    crate::listen::run(plan).await
}
