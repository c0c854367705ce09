//! Colours, as ANSI escape codes (`anstyle`). Text is always painted;
//! [`crate::output`] writes it through `anstream`, which removes the codes
//! unless colours are wanted (a terminal, `NO_COLOR`, `CLICOLOR`,
//! `CLICOLOR_FORCE`, `TERM=dumb`).

use anstyle::{AnsiColor, Effects};

/// How text is painted: ANSI colours, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// Painted with escape codes, for a stream that keeps or strips them.
    pub fn ansi() -> Style {
        Style { colour: true }
    }

    /// Never painted.
    #[cfg(test)]
    pub fn plain() -> Style {
        Style { colour: false }
    }

    fn paint(self, style: anstyle::Style, text: &str) -> String {
        if self.colour {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn colour(self, colour: AnsiColor, text: &str) -> String {
        self.paint(anstyle::Style::new().fg_color(Some(colour.into())), text)
    }

    /// Headings and version headers.
    pub fn bold(self, text: &str) -> String {
        self.paint(anstyle::Style::new().effects(Effects::BOLD), text)
    }
    /// Additions.
    pub fn green(self, text: &str) -> String {
        self.colour(AnsiColor::Green, text)
    }
    /// Removals.
    pub fn red(self, text: &str) -> String {
        self.colour(AnsiColor::Red, text)
    }
    /// Changes and version ids.
    pub fn yellow(self, text: &str) -> String {
        self.colour(AnsiColor::Yellow, text)
    }
    /// Moves.
    pub fn cyan(self, text: &str) -> String {
        self.colour(AnsiColor::Cyan, text)
    }
    /// Secondary information.
    pub fn dim(self, text: &str) -> String {
        self.paint(anstyle::Style::new().effects(Effects::DIMMED), text)
    }
}

#[cfg(test)]
mod tests {
    use super::Style;

    #[test]
    fn plain_text_has_no_escape_codes() {
        assert_eq!(Style::plain().green("+"), "+");
        assert_eq!(Style::ansi().green("+"), "\x1b[32m+\x1b[0m");
        assert_eq!(Style::ansi().bold("h"), "\x1b[1mh\x1b[0m");
    }
}
