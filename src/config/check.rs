//! `check` resolved.

use anyhow::Result;

use super::{client, OutputConfig};
use crate::check::CheckPlan;
use crate::cli::CheckArgs;

/// Everything `check` runs with: the probe's plan and how to show the result.
#[derive(Debug)]
pub struct CheckRun {
    pub plan: CheckPlan,
    pub json: bool,
    /// NON-STRICT and UNIMPLEMENTED fail too.
    pub strict: bool,
}

pub fn plan(args: CheckArgs, out: OutputConfig) -> Result<CheckRun> {
    let mut settings = client::settings(&args.url, &args.handshake, client::DEFAULT_MAX_MESSAGE)?;
    // The prober speaks plain RFC 6455: no extension is offered (12.x/13.x are not run).
    settings.deflate = None;
    settings.check_tls()?;
    Ok(CheckRun {
        plan: CheckPlan {
            client: settings,
            cases: args.cases,
            exclude: args.exclude,
            parallel: usize::from(args.parallel),
            case_timeout: args.case_timeout,
            progress: out.stderr_tty && !out.quiet && !out.json,
        },
        json: out.json,
        strict: args.strict,
    })
}
