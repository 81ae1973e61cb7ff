//! How the interactive session shows what it receives: text sanitised for the terminal (and
//! pretty-printed JSON on request), binary as a compact hex dump with its length.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossterm::style::Stylize;
use tokio_tungstenite::tungstenite::Message;

use crate::output::render;
use crate::output::Printer;
use crate::session::driver::Inbound;

/// Bytes of a binary message shown in the dump; the rest is counted.
const DUMP_MAX: usize = 256;

pub struct View {
    pub printer: Arc<Printer>,
    pub pretty: Arc<AtomicBool>,
}

impl View {
    fn arrow(&self) -> String {
        if self.printer.config().color {
            "<".cyan().bold().to_string()
        } else {
            "<".to_owned()
        }
    }

    pub fn render(&self, msg: &Message) -> Option<String> {
        let arrow = self.arrow();
        match msg {
            Message::Text(t) => {
                let text = t.as_str();
                let pretty = self
                    .pretty
                    .load(Ordering::Relaxed)
                    .then(|| pretty_json(text))
                    .flatten();
                let shown = pretty.as_deref().unwrap_or(text);
                let lines: Vec<String> = shown
                    .split('\n')
                    .map(|l| format!("{arrow} {}", render::sanitize(l, false)))
                    .collect();
                Some(lines.join("\n"))
            }
            Message::Binary(b) => {
                let mut dump = Vec::new();
                render::hexdump(&b[..b.len().min(DUMP_MAX)], &mut dump);
                let mut out = format!("{arrow} binary {}", render::size(b.len()));
                for line in String::from_utf8_lossy(&dump).lines() {
                    out.push_str(&format!("\n{arrow}   {line}"));
                }
                if b.len() > DUMP_MAX {
                    out.push_str(&format!("\n{arrow}   … {} more bytes", b.len() - DUMP_MAX));
                }
                Some(out)
            }
            _ => None,
        }
    }
}

/// JSON objects and arrays, indented; anything else is shown as it came.
fn pretty_json(text: &str) -> Option<String> {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') && !trimmed.starts_with('[') {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

impl Inbound for View {
    fn message(&mut self, msg: Message) -> anyhow::Result<Option<Message>> {
        if let Some(text) = self.render(&msg) {
            self.printer.line(&text);
        }
        Ok(None)
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_pretty_only_when_it_is_an_object_or_array() {
        assert_eq!(
            pretty_json(r#"{"a":1}"#).as_deref(),
            Some("{\n  \"a\": 1\n}")
        );
        // Key order is the sender's.
        assert_eq!(
            pretty_json(r#"{"z":1,"a":2}"#).as_deref(),
            Some("{\n  \"z\": 1,\n  \"a\": 2\n}")
        );
        assert_eq!(pretty_json("42"), None);
        assert_eq!(pretty_json("{not json"), None);
    }
}
