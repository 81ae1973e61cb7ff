//! `--report FILE.html`: one self-contained page per run, in the spirit of Autobahn's report:
//! the totals, every case's verdicts in a table, and for each case what was sent, expected and
//! received, and its wire log (the frames both ways and the prober's objections).

use std::fmt::Write;

use super::case::{Behavior, CloseBehavior};
use super::machine::Wire;
use super::Summary;
use crate::output::render;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn opcode_name(op: u8) -> String {
    match op {
        0 => "continuation".into(),
        1 => "text".into(),
        2 => "binary".into(),
        8 => "close".into(),
        9 => "ping".into(),
        10 => "pong".into(),
        n => format!("opcode {n} (reserved)"),
    }
}

/// One line of a wire log, in words.
pub fn wire_line(w: &Wire) -> String {
    let frame = |arrow: &str, op: u8, fin: bool, rsv: u8, len: u64| {
        let rsv = if rsv == 0 {
            String::new()
        } else {
            format!(" rsv={rsv}")
        };
        let fin = if fin { "" } else { " (not final)" };
        format!(
            "{arrow} {}{fin}{rsv}, {}",
            opcode_name(op),
            render::size(len as usize)
        )
    };
    match w {
        Wire::Sent {
            opcode,
            fin,
            rsv,
            len,
        } => frame("→", *opcode, *fin, *rsv, *len as u64),
        Wire::Received {
            opcode,
            fin,
            rsv,
            len,
        } => frame("←", *opcode, *fin, *rsv, *len),
        Wire::Violation(why) => format!("! the prober objects: {why}"),
    }
}

fn class(b: Behavior) -> &'static str {
    match b {
        Behavior::Ok => "ok",
        Behavior::NonStrict | Behavior::Unimplemented => "warn",
        Behavior::Informational => "info",
        Behavior::Failed => "fail",
    }
}

fn close_class(c: CloseBehavior) -> &'static str {
    match c {
        CloseBehavior::Ok => "ok",
        CloseBehavior::Informational => "info",
        CloseBehavior::WrongCode | CloseBehavior::Unclean | CloseBehavior::FailedByClient => "warn",
        CloseBehavior::Failed => "fail",
    }
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}\
.ok{background:#cfc}.warn{background:#fe9}.info{background:#cdf}.fail{background:#f99}\
pre{background:#f6f6f6;padding:8px;overflow-x:auto}h2{margin-top:2em}dt{font-weight:bold}";

/// The page.
pub fn html(s: &Summary) -> String {
    let mut out = String::new();
    let title = format!("wsprobe check {}", s.url);
    let _ = write!(
        out,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    let totals: Vec<String> = Behavior::ALL
        .iter()
        .map(|b| {
            let n = s.outcomes.iter().filter(|o| o.behavior == *b).count();
            format!("<span class=\"{}\">{} {n}</span>", class(*b), b.word())
        })
        .collect();
    let _ = write!(
        out,
        "<p>{} cases in {}: {}</p><table><tr><th>case</th><th>behavior</th><th>behaviorClose</th><th>duration</th><th>server's close code</th></tr>",
        s.outcomes.len(),
        render::duration(s.elapsed),
        totals.join(" · ")
    );
    for o in &s.outcomes {
        let code = o
            .remote_close_code
            .map_or("–".to_owned(), |c| c.to_string());
        let _ = write!(
            out,
            "<tr><td><a href=\"#case-{id}\">{id}</a></td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td>{} ms</td><td>{code}</td></tr>",
            class(o.behavior),
            o.behavior.word(),
            close_class(o.close),
            o.close.word(),
            o.duration.as_millis(),
            id = esc(&o.id),
        );
    }
    out.push_str("</table>");
    for o in &s.outcomes {
        let _ = write!(
            out,
            "<h2 id=\"case-{id}\">{id}: <span class=\"{}\">{}</span> / <span class=\"{}\">{}</span></h2><dl><dt>sent</dt><dd>{}</dd><dt>expected</dt><dd>{}</dd><dt>received</dt><dd>{}</dd><dt>close</dt><dd>{}</dd></dl><pre>",
            class(o.behavior),
            o.behavior.word(),
            close_class(o.close),
            o.close.word(),
            esc(&o.sends),
            esc(&o.expected),
            esc(&o.received),
            esc(&o.close_words),
            id = esc(&o.id),
        );
        for line in &o.wire {
            let _ = writeln!(out, "{}", esc(line));
        }
        if o.wire_left_out > 0 {
            let _ = writeln!(out, "… and {} more", o.wire_left_out);
        }
        out.push_str("</pre>");
    }
    out.push_str("</body></html>\n");
    out
}
