//! The shipped extras, generated from the command-line definition itself so they cannot drift:
//! shell completion scripts and the roff man page (committed under `completions/` and `man/`,
//! checked by a test against what this code generates).

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::EXIT_STATUSES;

/// The EXAMPLES section: each runs as shown against `wsprobe listen 9000`.
const EXAMPLES: &[(&str, &str)] = &[
    ("wsprobe listen 9000", "An echo server on 127.0.0.1:9000 for the examples below (Ctrl-C stops it)."),
    ("wsprobe ws://127.0.0.1:9000/", "On a terminal: the interactive session (type messages, /help for commands)."),
    ("echo hi | wsprobe ws://127.0.0.1:9000/", "Send one message, print the reply, close; the exit status says how the connection ended."),
    ("wsprobe ws://127.0.0.1:9000/ -x '{\"op\":\"ping\"}' -e 'json:op=ping' -t 5s", "A smoke test for CI: send, expect a matching answer within 5 s, exit 5 if it does not come."),
    ("wsprobe ws://127.0.0.1:9000/feed --no-close > feed.log", "Keep printing what the server sends until it closes (for scripts and cron jobs)."),
    ("wsprobe --json ws://127.0.0.1:9000/ < requests.txt", "Every event (open, message, close...) as a JSON line on stdout."),
    ("wsprobe ws://127.0.0.1:9000/ -s chat -s v2.chat -H 'Authorization: Bearer abc'", "Offer subprotocols and send a header with the handshake."),
    ("wsprobe ping -c 3 ws://127.0.0.1:9000/", "Three pings with round-trip times, then the statistics."),
    ("wsprobe -v ws://127.0.0.1:9000/ --fragment 100", "permessage-deflate is offered like a browser does; -v shows each message's size on the wire, --fragment sends frames of at most 100 bytes (--no-deflate offers nothing, --no-compress sends uncompressed)."),
    ("wsprobe listen 9000 --broadcast --page", "A broadcast server with a browser test page at http://127.0.0.1:9000/."),
    ("wsprobe bench ws://127.0.0.1:9000/ -c 50 -d 30s --report run.html", "Load test: 50 connections, each with one message awaiting its echo, for 30 s; latency percentiles, and a page with the charts."),
    ("wsprobe bench ws://127.0.0.1:9000/ -c 200 --rate 5000 --ramp 10s -d 1m --max-p99 50ms", "Open loop: 5,000 messages a second in all, latency counted from when each was due; exit 5 if p99 is above 50 ms."),
    ("wsprobe bench merge run-*.json", "Add up runs made side by side (bench --json on several machines): exact merged percentiles."),
];

/// The JSON OUTPUT section: the keys of --json events (GUIDE.md has the same table).
const JSON_KEYS: &[(&str, &str)] = &[
    ("t, conn, event", "Every line: seconds since the connection (or server) started; the connection number (listen, --reconnect); the event: listening, connecting, open, message, ping, pong, error, closing, close, result, ping_summary, reconnect, http, stderr, exit, request, response, tls, redirect; with --socketio also socketio_open, socketio_connect, socketio_connect_error, socketio_event, socketio_ack, socketio_disconnect, socketio_ping; with --graphql also graphql_ack, graphql_connection_error, graphql_subscribe, graphql_next, graphql_error, graphql_complete, graphql_ping, graphql_close; with --webtransport session_open, stream_open, stream_data, stream_finish, stream_reset, datagram, session_closing, session_close."),
    ("state", "connecting, open, closing, close: the readyState entered (CONNECTING, OPEN, CLOSING, CLOSED)."),
    ("url, peer", "listening, connecting: the URL (for listen connections the request target); the client's address."),
    ("cert_sha256", "listening (listen --webtransport): the SHA-256 of the WebTransport certificate, hex with colons."),
    ("status, http_version, protocol, extensions, handshake_ms", "open: HTTP status (101; 200 over HTTP/2), \"1.1\" or \"2\" (a WebSocket over HTTP/2, RFC 8441), the selected subprotocol or null, the accepted extensions, the handshake time."),
    ("dir, type, len, compressed_len, data", "message: in or out (out only with -v); text or binary; byte length; with permessage-deflate, the length on the wire of a message that was compressed; the text, or base64 of the bytes."),
    ("dir, len, data, rtt_ms", "ping, pong: payload length and payload; rtt_ms when a pong answers our ping."),
    ("kind, message", "error: what failed (usage, connect, runtime, protocol, too-large, invalid-utf8, io, unsent, close-timeout, dead, ...) and why."),
    ("initiator, code, reason, was_clean", "closing, close: local or remote (who closed first), the close code and reason (1005: no code; 1006: no close frame), whether the closing handshake completed."),
    ("ok, met, expected, received, failed", "result: the outcome of -e, -n and --expect-close (checks met of expected, messages received, what failed)."),
    ("sent, received, loss_pct, min_ms, avg_ms, max_ms, stddev_ms, dns_ms, tcp_ms, tls_ms, upgrade_ms", "ping_summary: the statistics of wsprobe ping."),
    ("method, target, headers; status, reason, body; http_version", "request, response (-v): the handshake as sent or received (over HTTP/2 the extended CONNECT and its answer); body (first 2 KiB) for refusals; \"1.1\" or \"2\"."),
    ("version, cipher, alpn; status, location; attempt, delay_ms, reason", "tls, redirect, reconnect."),
    ("method, path, status, len; text; status, signal", "http (listen --page/--static), stderr and exit (listen --exec)."),
    ("sid, ping_interval_ms, ping_timeout_ms, max_payload, upgrades", "socketio_open (--socketio): the Engine.IO open packet."),
    ("namespace, sid; namespace, message, data", "socketio_connect, socketio_connect_error: the namespace's answer to the CONNECT (the server's message and data when refused)."),
    ("dir, namespace, id, answers, data", "socketio_event, socketio_ack: an event (in, or out with -v) and its ack id or null; an ack, its id and the name of the emit it answers; the arguments as a JSON array, binary attachments as {\"$binary\":\"<base64>\"}."),
    ("namespace, initiator, engine; dir", "socketio_disconnect: who ended the namespace (engine: the whole Engine.IO session); socketio_ping: a server ping, answered."),
    ("protocol, payload; payload", "graphql_ack (--graphql): the subprotocol the server picked and connection_ack's payload; graphql_connection_error: the legacy server's refusal."),
    ("dir, id, operation, payload", "graphql_subscribe (out, with -v), graphql_next: an operation sent (its kind and payload: query, variables, …) or a result (the ExecutionResult)."),
    ("id, ended, errors; id, initiator, results", "graphql_error: an operation's errors (ended: an error message, else a result's errors); graphql_complete: who completed it and its number of results."),
    ("dir, type; code, meaning", "graphql_ping: a ping (answered), pong or legacy ka; graphql_close: one of the protocol's close codes (4400, 4401, 4403, …) in words."),
    ("state, status, http_version, draft, session_id, max_datagram_size, handshake_ms", "session_open (--webtransport): OPEN; the CONNECT's status when known, \"3\", the WebTransport draft (draft-02), the session's id, the largest datagram the path takes, the handshake time."),
    ("stream, kind, opened_by; stream, dir, len, data; stream, dir, code", "stream_open: a stream's id, bidi or uni, local or remote; stream_data: bytes read (in) or written (out, with -v); stream_finish, stream_reset: a side ended with a FIN, or reset with a WebTransport code (in: the peer's)."),
    ("dir, len, data; initiator, code, reason, was_clean", "datagram: in or out (out with -v); session_closing, session_close: who closed, the u32 code and reason, whether the session was closed on purpose (not lost)."),
    ("version, server, session, heart_beat, send_every_ms, expect_every_ms", "stomp_connected (--stomp): CONNECTED, and the heart-beats negotiated each way (0: none). The STOMP events are stomp_connected, stomp_message, stomp_send, stomp_subscribe, stomp_unsubscribe, stomp_receipt, stomp_disconnect, stomp_error, stomp_heartbeat."),
    ("dir, destination, subscription, message_id, receipt, headers, body", "stomp_message, stomp_send: a MESSAGE received (its body is also the stdout line) or a SEND (with -v); all headers as an object."),
    ("dir, command, headers, answers", "stomp_subscribe, stomp_unsubscribe, stomp_disconnect (sent, with -v), stomp_receipt (answers: what asked for it, e.g. SEND /app/hello)."),
    ("message, receipt_id, headers, body; dir", "stomp_error: an ERROR frame, which fails the run (exit 3 before CONNECTED, 1 after); stomp_heartbeat: a heart-beat either way."),
    ("session; code, reason; dir", "sockjs_open (--sockjs): the open frame (server/session ids); sockjs_close: the SockJS close frame, whose code and reason CLOSING and CLOSED carry; sockjs_heartbeat: an h frame."),
];

/// The BENCH SUMMARY section: the keys of `wsprobe bench --json` (GUIDE.md has the same table).
const BENCH_KEYS: &[(&str, &str)] = &[
    ("connections, connected, compressed", "Connections asked for, those that reached OPEN, and of those the ones that negotiated permessage-deflate."),
    ("duration_s, sent, received", "The time the figures cover (from the start, --ramp included, to the last connection's end; a merge: the time at least one of its runs ran), messages sent and received in it (the sums of series)."),
    ("msgs_per_s, bytes_per_s, send_rate", "Received messages, received payload bytes and sent messages a second, over the steady part (a merge adds them for runs that overlapped in time, and averages them over the time covered for runs that did not)."),
    ("steady_from_s, steady_to_s", "The steady part, in seconds since the start: from the end of the --ramp to the end of the load."),
    ("fell_behind, backlog, send_lag_ms", "Open loop: the generator could not keep to rate (more than 10 ms worth of it still due at the end); the messages due by the end that were never sent; how late messages were handed to the connection after they were due (as latency_ms; null in closed loop)."),
    ("pushes", "Messages that answered none of ours (the server's own), counted apart, not errors."),
    ("errors, error_messages", "Error kind (connect, not-opened, no-reply, io, protocol, too-large, close-timeout, ...) → count, and the first of each kind in words; {} when there were none."),
    ("closes", "Close code → how many connections ended with it (1006: no close frame)."),
    ("latency_ms, connect_ms", "count, p50, p90, p99, p999, max, mean, min in milliseconds, and histogram: the HdrHistogram itself (V2, compressed, base64; microseconds), which bench merge adds exactly. latency_ms is null when no reply was timed (--no-echo)."),
    ("pace, in_flight, rate, size, binary", "closed (in_flight per connection), open (rate a second in all) or silent (--no-echo without --rate); a merge of runs paced differently: mixed (with neither); the message size (with {seq}, the first message's) and type."),
    ("protocol, exchange", "With --socketio: socket.io, and each request and its reply in words (emit \"add\" on namespace / → its ack); absent in a raw run (a merge of different protocols: mixed, no exchange)."),
    ("match", "How replies were matched to their requests: json:PATH with --match, null otherwise (by the send stamp an echo returns, or in order); a merge of runs matched differently: null."),
    ("wsprobe, command, url, started_unix_ms, runs", "The version, the command line(s), the URL, the start time, and how many runs were merged (1 for a run)."),
    ("run_id, run_ids", "The run's own id (32 hex digits, random, made as it starts); a merge has none and lists its runs' ids in run_ids. bench merge refuses a run it is given twice."),
    ("interval_s, series", "One point a interval: t_s (its end), sent, received, bytes_in, errors, open (connections), latency_ms (p50, p99, max, histogram) or null."),
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

/// The end of the loop in clap's bash script that finds the subcommand among the words typed.
const BASH_LOOP_END: &str = "            *)\n                ;;\n        esac\n    done\n";

/// `wsprobe URL …` is `wsprobe connect URL …`: a URL where a subcommand may stand completes
/// as connect (clap_complete knows nothing of the shorthand).
const BASH_SHORTHAND: &str = "            \
wsprobe,ws://*|wsprobe,wss://*|wsprobe,http://*|wsprobe,https://*|wsprobe,ws+unix://*)
                cmd=\"wsprobe__subcmd__connect\"
                ;;
";

pub fn completions(shell: Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut cmd, "wsprobe", &mut text);
    if shell == Shell::Bash {
        // If clap_complete's script changes shape, the test that completes after a URL fails.
        text = String::from_utf8_lossy(&text)
            .replacen(
                BASH_LOOP_END,
                &format!("{BASH_SHORTHAND}{BASH_LOOP_END}"),
                1,
            )
            .into_bytes();
    }
    // Written to memory by main, which checks stdout afterwards.
    let _ = out.write_all(&text);
}

pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    subcommands(out, &cmd)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("wsprobe {}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        let sub_man = clap_mangen::Man::new(sub.clone());
        let mut synopsis = Vec::new();
        sub_man.render_synopsis_section(&mut synopsis)?;
        let mut options = Vec::new();
        sub_man.render_options_section(&mut options)?;
        let synopsis = String::from_utf8_lossy(&synopsis).replacen(
            ".SH SYNOPSIS",
            &format!(".SH \"{}\"", name.to_uppercase()),
            1,
        );
        // Its help headings (Handshake, TLS, ...) become subsections of its own section.
        let options = String::from_utf8_lossy(&options)
            .lines()
            .map(|l| match l.strip_prefix(".SH ") {
                Some("OPTIONS") => format!(".SS \"Options of {name}\""),
                Some(h) => format!(".SS \"{} ({name})\"", title_case(h.trim_matches('"'))),
                None => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        out.write_all(synopsis.as_bytes())?;
        if let Some(about) = sub_man_about(&cmd, &name) {
            writeln!(out, ".PP\n{about}")?;
        }
        out.write_all(options.as_bytes())?;
        if let Some(more) = sub.get_after_long_help() {
            for para in more.to_string().split("\n\n") {
                writeln!(out, ".PP\n{}", escape(&para.replace('\n', " ")))?;
            }
        }
        nested(out, &sub, &name)?;
    }
    section(out, "JSON OUTPUT", JSON_KEYS)?;
    section(out, "BENCH SUMMARY", BENCH_KEYS)?;
    exit_status(out)?;
    section(out, "ENVIRONMENT", ENVIRONMENT)?;
    section(out, "EXAMPLES", EXAMPLES)?;
    man.render_version_section(out)?;
    Ok(())
}

/// A subcommand's own subcommands (`bench merge`), as subsections of its section.
fn nested(out: &mut dyn Write, sub: &clap::Command, name: &str) -> io::Result<()> {
    for inner in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
        let full = format!("{name} {}", inner.get_name());
        let mut synopsis = Vec::new();
        clap_mangen::Man::new(inner.clone().name(full.clone()))
            .render_synopsis_section(&mut synopsis)?;
        let mut options = Vec::new();
        clap_mangen::Man::new(inner.clone().name(full.clone()))
            .render_options_section(&mut options)?;
        let synopsis = String::from_utf8_lossy(&synopsis).replacen(
            ".SH SYNOPSIS",
            &format!(".SS \"{full}\""),
            1,
        );
        out.write_all(synopsis.as_bytes())?;
        if let Some(about) = inner.get_about() {
            writeln!(out, ".PP\n{}", escape(&about.to_string()))?;
        }
        let options: String = String::from_utf8_lossy(&options)
            .lines()
            .filter(|l| !l.starts_with(".SH "))
            .map(|l| format!("{l}\n"))
            .collect();
        out.write_all(options.as_bytes())?;
    }
    Ok(())
}

/// The subcommands, each described in its own section of this page (there are no separate
/// pages per subcommand).
fn subcommands(out: &mut dyn Write, cmd: &clap::Command) -> io::Result<()> {
    writeln!(out, ".SH SUBCOMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        let aliases: Vec<&str> = sub.get_visible_aliases().collect();
        let alias = if aliases.is_empty() {
            String::new()
        } else {
            format!(" (alias {})", aliases.join(", "))
        };
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        let more = if sub.get_arguments().any(|a| !a.is_hide_set()) {
            format!(" See WSPROBE {} below.", name.to_uppercase())
        } else {
            String::new()
        };
        writeln!(
            out,
            ".TP\n\\fB{}\\fR{}\n{}.{}",
            escape(name),
            escape(&alias),
            escape(&about),
            more
        )?;
    }
    Ok(())
}

/// `HANDSHAKE` → `Handshake`; acronyms (TLS, HTTP) stay as they are.
fn title_case(h: &str) -> String {
    if h.len() <= 4 {
        return h.to_owned();
    }
    let lower = h.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
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

/// The EXIT STATUS section, from the one table of exit statuses (README has the same).
fn exit_status(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for s in EXIT_STATUSES {
        // Markdown code spans are plain text here; the description starts a sentence.
        let text = s.description.replace('`', "");
        let mut chars = text.chars();
        let text: String = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        writeln!(out, ".TP\n\\fB{}\\fR\n{}.", s.code.status(), escape(&text))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// The error kinds the JSON OUTPUT section names are ones the error events use.
    #[test]
    fn the_man_pages_error_kinds_exist() {
        let (_, text) = JSON_KEYS
            .iter()
            .find(|(keys, _)| *keys == "kind, message")
            .expect("the error row");
        let list = text.split('(').nth(1).unwrap().split(')').next().unwrap();
        for word in list.split(", ").filter(|w| *w != "...") {
            assert!(
                ErrorKind::ALL.iter().any(|k| k.as_str() == word),
                "{word} is not an error kind"
            );
        }
    }
}
