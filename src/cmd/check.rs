//! `wsprobe check URL`: runs the conformance cases, prints the table (or the `--json` object)
//! on stdout, and picks the exit status: 5 when a case FAILED (with `--strict`, also when one
//! was NON-STRICT or UNIMPLEMENTED); Ctrl-C stops it (130, 143 for SIGTERM).

use anyhow::Result;

use crate::check::case::Behavior;
use crate::check::{self, report};
use crate::config::check::CheckRun;
use crate::error::ExitCode;
use crate::output::write_stdout;

pub async fn run(run: CheckRun) -> Result<ExitCode> {
    // Ctrl-C (or SIGTERM) stops the run: the cases under way end with their connections.
    let summary = tokio::select! {
        summary = check::run(&run.plan) => summary?,
        status = crate::signals::next() => return Ok(status),
    };
    if let Some(path) = &run.report {
        std::fs::write(path, check::page::html(&summary))
            .map_err(|e| anyhow::anyhow!("cannot write the report to {}: {e}", path.display()))?;
    }
    let mut text = if run.json {
        format!("{}\n", report::json(&summary))
    } else {
        report::human(&summary)
    }
    .into_bytes();
    write_stdout(&mut text);
    let fails = |b: Behavior| {
        b == Behavior::Failed
            || (run.strict && matches!(b, Behavior::NonStrict | Behavior::Unimplemented))
    };
    Ok(if summary.outcomes.iter().any(|o| fails(o.behavior)) {
        ExitCode::Expectation
    } else {
        ExitCode::Ok
    })
}
