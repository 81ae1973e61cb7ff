//! The terminal shared by the prompt and the session's output: every line the session prints
//! reaches the screen exactly once, whole, on its own row, and in the order it was printed.
//!
//! rustyline's external printer alone cannot promise that: it writes straight to the terminal,
//! without a newline, whenever the prompt is not in raw mode (before the first prompt, between
//! two prompts, after the last), so the next prompt drawn there erased the line or the next
//! line was glued to it; and a line handed to it just as a prompt ends waits in its pipe until
//! the next prompt. So the screen keeps its own queue, emptied by one printer thread:
//!
//! - no prompt yet, or the session is over: the line is written directly, with its newline,
//!   while holding the lock that the prompt thread needs before it draws its first prompt
//!   (the [`Screen::prompt_drawn`] hook runs just before rustyline draws it);
//! - a prompt is up: the line goes through rustyline's printer, which prints it above the
//!   prompt and redraws the prompt;
//! - between two prompts (a line was just entered): lines wait for the next prompt, so they
//!   come after anything still in rustyline's pipe.
//!
//! At the end, [`Screen::finish`] waits (bounded) until everything handed over was drawn,
//! erases the prompt, and from then on lines are written directly.
//!
//! The terminal's mode is held by a [`Terminal`] guard: when it is dropped — at the normal
//! end, on an early return or in a panic — the mode saved at the start is put back if a
//! prompt was ever drawn (the prompt thread may still be in raw mode at that moment).

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::output::LineSink;

/// How long a prompt that is ending waits for a line being handed to rustyline.
const HANDOFF_WAIT: Duration = Duration::from_millis(200);

/// How long a prompt redraw that was composed before the end may take to reach the terminal.
const SETTLE: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No prompt has been drawn yet: lines are written directly.
    NoPrompt,
    /// rustyline shows the prompt: lines go through its external printer.
    Prompt,
    /// Between two prompts: lines wait for the next one.
    Away,
    /// The session is over (or the prompt thread is gone): lines are written directly.
    Done,
}

struct State {
    mode: Mode,
    queue: VecDeque<String>,
    /// A prompt thread's `readline` has started and not yet drawn its prompt.
    entering: bool,
    /// The printer thread is handing a line to rustyline's printer.
    handing: bool,
    /// Lines handed to rustyline's printer, and prompt redraws that followed one (each such
    /// redraw comes after the line was written).
    handed: u64,
    drawn: u64,
    /// The last prompt refresh was a full one (rustyline asks for a hint first); a redraw
    /// without one follows an external print.
    hinted: bool,
    /// No more lines are coming to the printer thread once its queue is empty.
    closing: bool,
    /// The connection is closing: the prompt is drawn empty from now on.
    blank: bool,
    /// A printer thread runs (rustyline could make an external printer: a real terminal).
    attached: bool,
    /// A prompt was drawn at some point: the terminal's mode has been changed.
    prompted: bool,
}

pub struct Screen {
    state: Mutex<State>,
    changed: Condvar,
}

impl Screen {
    pub fn new() -> Arc<Screen> {
        Arc::new(Screen {
            state: Mutex::new(State {
                mode: Mode::NoPrompt,
                queue: VecDeque::new(),
                entering: false,
                handing: false,
                handed: 0,
                drawn: 0,
                hinted: false,
                closing: false,
                blank: false,
                attached: false,
                prompted: false,
            }),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, st: MutexGuard<'a, State>, until: Option<Instant>) -> MutexGuard<'a, State> {
        match until {
            None => self.changed.wait(st).unwrap_or_else(|e| e.into_inner()),
            Some(t) => {
                let left = t.saturating_duration_since(Instant::now());
                self.changed
                    .wait_timeout(st, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        }
    }

    /// Says that [`Screen::run_printer`] is about to run: the prompt is a real one, whose
    /// hooks tell where it is.
    pub fn attach(&self) {
        self.lock().attached = true;
    }

    /// The printer thread: empties the queue for as long as the session runs.
    pub fn run_printer(&self, mut external: Box<dyn rustyline::ExternalPrinter + Send>) {
        let mut st = self.lock();
        loop {
            match (st.queue.is_empty(), st.mode) {
                (true, _) if st.closing => return,
                (true, _) | (false, Mode::Away) => st = self.wait(st, None),
                // The connection is closing: its last lines (CLOSING, CLOSED, errors) are not
                // handed to rustyline, whose pipe may not be emptied before the process ends;
                // finish() writes them itself once the prompt is erased.
                (false, Mode::Prompt) if st.blank => st = self.wait(st, None),
                (false, Mode::NoPrompt | Mode::Done) => {
                    let line = st.queue.pop_front().unwrap_or_default();
                    write_direct(&line);
                }
                (false, Mode::Prompt) => {
                    let mut line = st.queue.pop_front().unwrap_or_default();
                    line.push('\n');
                    // The next redraw without a hint is the one after this line.
                    st.hinted = false;
                    st.handing = true;
                    st.handed += 1;
                    drop(st);
                    // This can block while rustyline shows a completion list; the lock is not
                    // held meanwhile.
                    let _ = external.print(line);
                    st = self.lock();
                    st.handing = false;
                    self.changed.notify_all();
                }
            }
        }
    }

    /// The prompt thread is about to call `readline`; false once the session is over.
    pub fn entering(&self) -> bool {
        let mut st = self.lock();
        if st.mode == Mode::Done {
            return false;
        }
        if st.mode == Mode::Prompt {
            st.mode = Mode::Away;
        }
        st.entering = true;
        true
    }

    /// rustyline is about to draw the prompt (it asks for a hint first); it is in raw mode.
    pub fn prompt_drawn(&self) {
        let mut st = self.lock();
        st.hinted = true;
        if st.entering {
            st.entering = false;
            if st.mode != Mode::Done {
                st.mode = Mode::Prompt;
                st.prompted = true;
                self.changed.notify_all();
            }
        }
    }

    /// rustyline is drawing the prompt: after an external print when no hint was asked for.
    /// Returns whether the prompt is to be drawn empty.
    pub fn redrawn(&self) -> bool {
        let mut st = self.lock();
        if !std::mem::take(&mut st.hinted) {
            st.drawn += 1;
            self.changed.notify_all();
        }
        st.blank
    }

    /// Whether the prompt and the line being typed are drawn empty.
    pub fn blank(&self) -> bool {
        self.lock().blank
    }

    /// The line is being accepted (Enter, Ctrl-C): the prompt is about to go, so no line may
    /// be handed to rustyline now; one being handed is let through first.
    pub fn leaving(&self) {
        let mut st = self.lock();
        let until = Instant::now() + HANDOFF_WAIT;
        while st.handing && Instant::now() < until {
            st = self.wait(st, Some(until));
        }
        if st.mode == Mode::Prompt {
            st.mode = Mode::Away;
        }
    }

    /// `readline` returned.
    pub fn left(&self) {
        let mut st = self.lock();
        st.entering = false;
        if st.mode == Mode::Prompt {
            st.mode = Mode::Away;
        }
    }

    /// The prompt thread ended: no prompt will come back.
    pub fn prompt_gone(&self) {
        let mut st = self.lock();
        st.entering = false;
        if st.mode != Mode::Done {
            st.mode = Mode::Done;
            self.changed.notify_all();
        }
    }

    /// Ends the session's use of the prompt: waits (at most `patience`) until every line was
    /// drawn, erases the prompt if one is up, and from then on writes lines directly. The
    /// terminal's mode is the [`Terminal`] guard's to restore.
    pub fn finish(&self, patience: Duration) {
        let until = Instant::now() + patience;
        let mut st = self.lock();
        st.closing = true;
        self.changed.notify_all();
        let was_blank = std::mem::replace(&mut st.blank, true);
        if !was_blank && st.attached && (st.mode != Mode::NoPrompt || st.entering) {
            // A redraw that rustyline composed before this lands within moments: let it land
            // before the prompt is erased; any later one is empty.
            let settled = Instant::now() + SETTLE;
            while Instant::now() < settled {
                st = self.wait(st, Some(settled));
            }
        }
        // Lines held between two prompts go out with the next prompt; a prompt that is being
        // drawn is let finish, so that it can be erased.
        while st.attached
            && (st.entering
                || st.mode == Mode::Away
                || st.handing
                || (st.mode == Mode::Prompt && st.drawn < st.handed))
            && Instant::now() < until
        {
            st = self.wait(st, Some(until));
        }
        if st.mode == Mode::Prompt && std::io::stderr().is_terminal() {
            // Erase the prompt and what was typed after it.
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(b"\r\x1b[J");
            let _ = err.flush();
        }
        st.mode = Mode::Done;
        while let Some(line) = st.queue.pop_front() {
            write_direct(&line);
        }
        self.changed.notify_all();
    }
}

/// The terminal's mode when the session started, put back when the guard is dropped if a
/// prompt was drawn since (rustyline changes the mode while its prompt is up, and the prompt
/// thread may still be waiting in raw mode when the session ends); bracketed paste, which
/// the prompt switched on, is switched off too.
pub struct Terminal {
    saved: Option<rustix::termios::Termios>,
    screen: Arc<Screen>,
}

impl Terminal {
    /// Saves the mode of the terminal on stdin, before the prompt changes it.
    pub fn save(screen: Arc<Screen>) -> Terminal {
        Terminal {
            saved: rustix::termios::tcgetattr(std::io::stdin()).ok(),
            screen,
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if !self.screen.lock().prompted {
            return;
        }
        if let Some(t) = &self.saved {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                t,
            );
        }
        let mut err = std::io::stderr().lock();
        if err.is_terminal() {
            let _ = err.write_all(b"\x1b[?2004l");
            let _ = err.flush();
        }
    }
}

impl LineSink for Screen {
    /// The connection started closing (or closed): nothing more can be typed that matters,
    /// so from now on the prompt is drawn empty and the end finds nothing to erase.
    fn closing(&self) {
        self.lock().blank = true;
    }

    fn line(&self, text: String) {
        let mut st = self.lock();
        if st.mode == Mode::Done && st.queue.is_empty() {
            write_direct(&text);
            return;
        }
        st.queue.push_back(text);
        self.changed.notify_all();
    }
}

fn write_direct(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}
