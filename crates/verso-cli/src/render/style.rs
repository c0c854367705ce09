//! Colours, only for a terminal and only without `NO_COLOR`.

use std::io::IsTerminal;

/// How text is painted: ANSI colours, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// Colours when standard output is a terminal and `NO_COLOR` is unset
    /// or empty (<https://no-color.org>).
    pub fn for_stdout() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style::new(std::io::stdout().is_terminal() && !no_color)
    }

    /// Colours on or off.
    pub fn new(colour: bool) -> Style {
        Style { colour }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Headings and version headers.
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    /// Additions.
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    /// Removals.
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
    /// Changes and version ids.
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    /// Moves.
    pub fn cyan(self, text: &str) -> String {
        self.paint("36", text)
    }
    /// Secondary information.
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

#[cfg(test)]
mod tests {
    use super::Style;

    #[test]
    fn plain_text_has_no_escape_codes() {
        assert_eq!(Style::new(false).green("+"), "+");
        assert_eq!(Style::new(true).green("+"), "\x1b[32m+\x1b[0m");
    }
}
