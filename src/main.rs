//! wsprobe: parse the command line, run the subcommand, map the outcome to an exit status.

/// `impl AsyncWrite for Wrapper<S>` by forwarding every call to its `inner` stream (for
/// wrappers that only change how bytes are read).
macro_rules! forward_write {
    ($ty:ident) => {
        impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for $ty<S> {
            fn poll_write(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
            }

            fn poll_flush(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.inner).poll_flush(cx)
            }

            fn poll_shutdown(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
            }

            fn poll_write_vectored(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                self.inner.is_write_vectored()
            }
        }
    };
}

mod bench;
mod check;
mod cli;
mod cmd;
mod config;
mod dial;
mod docs;
mod error;
mod expect;
mod listen;
mod output;
mod pipe;
mod proto;
mod repl;
mod session;
mod signals;
mod tls;
mod value;
mod webtransport;
mod wire;

use crate::cli::Command;
use crate::config::OutputConfig;
use crate::error::{ErrorKind, ExitCode};
use crate::output::Printer;

fn main() {
    output::since_start();
    let cli = match cli::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(e) => usage_error(e),
    };
    // The generated documents need neither a runtime nor the output settings.
    match &cli.command {
        Command::Completions { shell } => {
            let mut text = Vec::new();
            docs::completions(*shell, &mut text);
            print_document(&mut text);
        }
        Command::Man => {
            let mut text = Vec::new();
            // Rendering into memory cannot fail.
            let _ = docs::man(&mut text);
            print_document(&mut text);
        }
        _ => {}
    }
    let out = OutputConfig::resolve(&cli.output);
    if writes_stdout(&cli.command, &cli.output) && output::stdout_was_closed() {
        // Received messages (or the JSON events) would be lost without a word.
        eprintln!("wsprobe: error: stdout is closed, so what wsprobe prints would be lost");
        eprintln!(
            "hint: send it to a file or to /dev/null (> /dev/null) instead of closing it (>&-)"
        );
        exit(ExitCode::Runtime);
    }
    // bench runs on every CPU it may use (or --threads); the other commands need two.
    let threads = match &cli.command {
        Command::Bench(b) if b.merge.is_none() => config::bench::threads(&b.run),
        _ => 2,
    };
    let command_line = command_line();
    // One thread: the current-thread scheduler, which has no cross-thread machinery to pay for.
    let mut builder = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wsprobe: error: cannot start the async runtime: {e}");
            exit(ExitCode::Runtime);
        }
    };
    let result = runtime.block_on(async move {
        let command = async move {
            match cli.command {
                Command::Connect(args) => {
                    cmd::connect::run(config::connect::plan(*args, out)?).await
                }
                Command::Listen(args) => cmd::listen::run(config::listen::plan(args, out)?).await,
                Command::Ping(args) => cmd::ping::run(config::ping::plan(args, out)?).await,
                Command::Bench(b) => match b.merge {
                    Some(cli::BenchSub::Merge(args)) => {
                        cmd::bench::merge(config::bench::merge_plan(args, out)).await
                    }
                    None => cmd::bench::run(config::bench::plan(b.run, out, command_line)?).await,
                },
                Command::Check(args) => cmd::check::run(config::check::plan(*args, out)?).await,
                Command::Completions { .. } | Command::Man => unreachable!("handled above"),
            }
        };
        tokio::select! {
            r = command => r,
            // A second Ctrl-C (or SIGTERM) does not wait for the polite close: the command is
            // dropped (its guards restore the terminal) and the process ends.
            status = signals::insisted() => Ok(status),
        }
    });
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            let (status, message, hints) = error::report(&e);
            Printer::new(out).fatal(ErrorKind::of_exit(status), &message, &hints);
            status
        }
    };
    // Don't wait for the stdin thread, which may be blocked in a read nobody will finish.
    runtime.shutdown_background();
    exit(status);
}

/// The command line as typed, quoted where a shell would need it (the bench report shows it).
fn command_line() -> String {
    std::env::args_os()
        .enumerate()
        .map(|(i, a)| {
            let a = if i == 0 {
                "wsprobe".to_owned()
            } else {
                a.to_string_lossy().into_owned()
            };
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%^".contains(c));
            if plain {
                a
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ends the process with this exit code: the only place that does.
fn exit(code: ExitCode) -> ! {
    std::process::exit(code.status())
}

/// Prints a command-line error as wsprobe's one `error:` line with `hint:` lines, exit 2.
/// `--help` and `--version` are printed by clap as they are.
fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let mut text = e.render().to_string();
    // A 100 KB argument is shown by its start and its length, wherever clap quotes it.
    for kind in [
        clap::error::ContextKind::InvalidValue,
        clap::error::ContextKind::InvalidArg,
    ] {
        if let Some(clap::error::ContextValue::String(v)) = e.get(kind) {
            let clipped = value::clip(v);
            if clipped != v.as_str() {
                text = text.replace(v.as_str(), &clipped);
            }
        }
    }
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("error: invalid command line");
    let mut out = format!(
        "wsprobe: error: {}",
        first.strip_prefix("error: ").unwrap_or(first)
    );
    // The usage block may have several forms (`wsprobe bench <URL>`, `wsprobe bench <COMMAND>`),
    // one a line: they end up in one hint, never glued to the message.
    let mut usage: Vec<&str> = Vec::new();
    // `-c -5`: clap takes `-5` for an option that does not exist.
    let negative = matches!(
        e.get(clap::error::ContextKind::InvalidArg),
        Some(clap::error::ContextValue::String(a)) if a.parse::<f64>().is_ok_and(|n| n < 0.0)
    );
    for line in lines {
        if let Some(tip) = line.strip_prefix("tip: ") {
            if negative && tip.starts_with("to pass ") {
                // `-- -5` would make it the URL: the number is refused whatever is done.
                out.push_str("\nhint: no value here may be negative");
            } else {
                out.push_str(&format!("\nhint: {tip}"));
            }
        } else if let Some(u) = line.strip_prefix("Usage: ") {
            usage.push(u);
        } else if line.starts_with("For more information") {
        } else if !usage.is_empty() {
            usage.push(line);
        } else {
            // A continuation of the message (e.g. the list of missing arguments).
            out.push_str(&format!(" {line}"));
        }
    }
    if !usage.is_empty() {
        out.push_str(&format!(
            "\nhint: usage: {} (see --help)",
            usage.join(" or ")
        ));
    }
    eprintln!("{out}");
    exit(ExitCode::Usage);
}

/// Prints a generated document; `| head` is fine, a failing stdout is an error.
fn print_document(text: &mut Vec<u8>) -> ! {
    output::write_stdout(text);
    if let Some(output::StdoutTrouble::Failed(e)) = output::stdout_trouble() {
        eprintln!("wsprobe: error: cannot write to stdout: {e}");
        exit(ExitCode::Runtime);
    }
    exit(ExitCode::Ok);
}

/// Whether the command's output goes to stdout (listen prints its events on stderr unless
/// --json, and only `--stdio` writes messages to stdout).
fn writes_stdout(command: &Command, output: &cli::OutputArgs) -> bool {
    match command {
        Command::Listen(args) => output.json || args.stdio,
        _ => true,
    }
}
