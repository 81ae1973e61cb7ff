//! The shipped extras, generated from the command-line definition itself so they cannot drift:
//! shell completion scripts and the roff man page (committed under `completions/` and `man/`,
//! checked by a test against what this code generates).

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// The EXIT STATUS section: the same table as README's.
const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success: the connection closed cleanly (or listen was stopped with Ctrl-C)."),
    ("1", "Runtime error: I/O or protocol error, a message over --max-message-size, stdin that is not UTF-8 in text mode, queued messages that could not be sent."),
    ("2", "Usage error: unknown flag, malformed URL, invalid close code or reason, bad size or duration."),
    ("3", "Could not connect: DNS, TCP, timeout, or the server refused the WebSocket handshake."),
    ("4", "The connection ended abnormally (no close handshake, 1006) or the peer closed with an error code (anything but 1000, 1001, 1005)."),
    ("5", "A scripted expectation (-e, --expect-close) was not met before the deadline (-t) or the close; for ping, some pings got no pong."),
    ("130", "Interrupted by Ctrl-C, after closing politely."),
    ("143", "listen stopped by SIGTERM, after closing its clients with 1001 as Ctrl-C does."),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "When set to a non-empty value, event lines are not coloured (unless --color always).",
    ),
    (
        "TERM",
        "When `dumb`, event lines are not coloured (unless --color always).",
    ),
    (
        "https_proxy, HTTPS_PROXY",
        "The proxy for wss:// URLs (http://, socks5:// or socks5h://), unless --proxy or --noproxy.",
    ),
    (
        "http_proxy",
        "The proxy for ws:// URLs (lower case only, as with curl).",
    ),
    (
        "all_proxy, ALL_PROXY",
        "The proxy when the scheme-specific variable is not set.",
    ),
    (
        "no_proxy, NO_PROXY",
        "Hosts reached directly: names (with their subdomains), addresses, CIDR ranges, or *.",
    ),
    (
        "XDG_DATA_HOME",
        "The interactive session's history is $XDG_DATA_HOME/wsprobe/history (default ~/.local/share).",
    ),
    (
        "SSLKEYLOGFILE",
        "TLS session keys are appended to this file (for Wireshark).",
    ),
];

pub fn completions(shell: Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "wsprobe", out);
}

pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("wsprobe {}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        let sub_man = clap_mangen::Man::new(sub);
        let mut synopsis = Vec::new();
        sub_man.render_synopsis_section(&mut synopsis)?;
        let mut options = Vec::new();
        sub_man.render_options_section(&mut options)?;
        let synopsis = String::from_utf8_lossy(&synopsis).replacen(
            ".SH SYNOPSIS",
            &format!(".SH \"{}\"", name.to_uppercase()),
            1,
        );
        let options = String::from_utf8_lossy(&options).replacen(
            ".SH OPTIONS",
            &format!(".SS \"Options of {name}\""),
            1,
        );
        out.write_all(synopsis.as_bytes())?;
        if let Some(about) = sub_man_about(&cmd, &name) {
            writeln!(out, ".PP\n{about}")?;
        }
        out.write_all(options.as_bytes())?;
    }
    section(out, "EXIT STATUS", EXIT_STATUS)?;
    section(out, "ENVIRONMENT", ENVIRONMENT)?;
    man.render_version_section(out)?;
    Ok(())
}

fn sub_man_about(cmd: &clap::Command, name: &str) -> Option<String> {
    let sub = cmd.find_subcommand(name.strip_prefix("wsprobe ")?)?;
    Some(escape(&sub.get_about()?.to_string()))
}

fn section(out: &mut dyn Write, title: &str, items: &[(&str, &str)]) -> io::Result<()> {
    writeln!(out, ".SH \"{title}\"")?;
    for (term, text) in items {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", escape(term), escape(text))?;
    }
    Ok(())
}

/// Escapes text for roff: backslashes, and a leading dot or quote.
fn escape(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        format!("\\&{s}")
    } else {
        s
    }
}
