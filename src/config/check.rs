//! `check` resolved.

use anyhow::Result;

use super::{client, OutputConfig};
use crate::check::{self, CheckPlan};
use crate::cli::CheckArgs;
use crate::error::Failure;

/// Everything `check` runs with: the probe's plan and how to show the result.
#[derive(Debug)]
pub struct CheckRun {
    pub plan: CheckPlan,
    pub json: bool,
    /// NON-STRICT and UNIMPLEMENTED fail too.
    pub strict: bool,
    /// `--report FILE.html`.
    pub report: Option<std::path::PathBuf>,
}

pub fn plan(args: CheckArgs, out: OutputConfig) -> Result<CheckRun> {
    if args.handshake.location {
        return Err(Failure::usage("check does not follow redirects (-L)")
            .hint("give check the URL the server upgrades on")
            .into());
    }
    if args.handshake.http2 {
        return Err(Failure::usage(
            "check runs its cases over HTTP/1.1 upgrades: --http2 is not supported by check yet",
        )
        .hint("leave out --http2")
        .into());
    }
    if args.handshake.deflate.is_some() || args.handshake.no_deflate {
        return Err(Failure::usage(
            "check makes its own permessage-deflate offers: Autobahn's, case by case in 12.x and 13.x (and none in the others)",
        )
        .hint("leave out --deflate and --no-deflate (--cases/--exclude '12.*,13.*' choose the compression cases)")
        .into());
    }
    if let Some(path) = &args.report {
        writable(path)?;
    }
    let mut settings = client::settings(&args.url, &args.handshake, client::DEFAULT_MAX_MESSAGE)?;
    // The prober makes its own offers (12.x/13.x: Autobahn's, per case; elsewhere none).
    settings.deflate = None;
    settings.check_tls()?;
    Ok(CheckRun {
        plan: CheckPlan {
            client: settings,
            cases: check::select(check::table::all(), &args.cases, &args.exclude)?,
            parallel: usize::from(args.parallel),
            case_timeout: args.case_timeout,
            progress: out.stderr_tty && !out.quiet && !out.json,
        },
        json: out.json,
        strict: args.strict,
        report: args.report,
    })
}

/// A `--report` path that cannot be written is found now, not after the run; nothing is
/// written to it (an earlier report stays as it is until this run's replaces it, and a run
/// that does not finish leaves no empty file).
fn writable(path: &std::path::Path) -> Result<()> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|e| Failure::usage(format!("cannot write --report {}: {e}", path.display())))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
