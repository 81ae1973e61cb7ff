//! The live progress line on a terminal (indicatif): connections open, messages received a
//! second over about the last second (and, in open loop, sent beside the rate asked), p50 and
//! p99 so far, errors. Nothing at all when stderr is not a terminal, or with `-q`.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Default)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A progress line on stderr when `show` and stderr is a terminal.
    pub fn new(show: bool) -> Progress {
        use std::io::IsTerminal;
        if !show || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress(Some(bar))
    }

    /// Whether the line is shown at all.
    pub fn shown(&self) -> bool {
        self.0.is_some()
    }

    pub fn update(&self, line: String) {
        if let Some(bar) = &self.0 {
            bar.set_message(line);
        }
    }

    /// A line of its own on stderr, above the progress line.
    pub fn println(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Takes the progress line away (before the summary is printed).
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
