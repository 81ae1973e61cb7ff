//! What a terminal shows after a byte stream: a tiny emulator of the escapes line editors use
//! (carriage return, erase in line/display, cursor moves), so a test sees a line that was
//! erased by a prompt redraw as gone, and two events written on one row as one line — which
//! merely stripping the escapes would hide.
//!
//! The screen is as wide as it needs to be (no wrapping) and keeps every row (no scrolling
//! off); colours, modes and other sequences that do not move text are ignored.

/// The rows of text the terminal shows once `bytes` have been written to it, with trailing
/// blanks removed.
pub fn render(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut screen = Screen::default();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => screen.col = 0,
            '\n' => screen.row += 1,
            '\x08' => screen.col = screen.col.saturating_sub(1),
            '\x07' => {}
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut params = String::new();
                    let mut last = None;
                    for p in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&p) {
                            last = Some(p);
                            break;
                        }
                        params.push(p);
                    }
                    if let Some(f) = last {
                        screen.csi(&params, f);
                    }
                }
                // OSC: up to BEL or ST.
                Some(']') => {
                    while let Some(p) = chars.next() {
                        if p == '\x07' || (p == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            c if c.is_control() => {}
            c => screen.put(c),
        }
    }
    screen
        .rows
        .iter()
        .map(|r| r.iter().collect::<String>().trim_end().to_owned())
        .collect()
}

#[derive(Default)]
struct Screen {
    rows: Vec<Vec<char>>,
    row: usize,
    col: usize,
}

impl Screen {
    fn line(&mut self) -> &mut Vec<char> {
        while self.rows.len() <= self.row {
            self.rows.push(Vec::new());
        }
        &mut self.rows[self.row]
    }

    fn put(&mut self, c: char) {
        let col = self.col;
        let line = self.line();
        while line.len() <= col {
            line.push(' ');
        }
        line[col] = c;
        self.col += 1;
    }

    fn csi(&mut self, params: &str, f: char) {
        // Private modes (`?2004h`) and the like change no text.
        if params.starts_with(['?', '>', '=']) {
            return;
        }
        let nums: Vec<usize> = params.split(';').map(|p| p.parse().unwrap_or(0)).collect();
        let n = nums.first().copied().unwrap_or(0);
        let count = n.max(1);
        match f {
            'A' => self.row = self.row.saturating_sub(count),
            'B' => self.row += count,
            'C' => self.col += count,
            'D' => self.col = self.col.saturating_sub(count),
            'G' => self.col = count - 1,
            'K' => {
                let col = self.col;
                let line = self.line();
                match n {
                    0 => line.truncate(col),
                    1 => line.iter_mut().take(col + 1).for_each(|c| *c = ' '),
                    _ => line.clear(),
                }
            }
            'J' => {
                let (row, col) = (self.row, self.col);
                match n {
                    0 => {
                        self.line().truncate(col);
                        self.rows.truncate(row + 1);
                    }
                    _ => self.rows.iter_mut().for_each(Vec::clear),
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn a_redrawn_prompt_erases_the_row_it_is_drawn_on() {
        assert_eq!(
            render(b"OPEN 1ms\r\n> \r\x1b[Kuptime 1s\r> \x1b[K"),
            ["OPEN 1ms", ">"]
        );
        assert_eq!(
            render(b"\x1b[1mCLOSING\x1b[0m 1000CLOSED 1000\r\n"),
            ["CLOSING 1000CLOSED 1000"]
        );
        assert_eq!(render(b"a\r\nbc\x1b[1A\rx\x1b[2K"), ["", "bc"]);
    }
}
