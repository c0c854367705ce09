//! Writing a command's output: colours kept or removed by `anstream`, and
//! long output on a terminal shown through a pager, as `git` does.
//!
//! Colours are decided once, for standard output, by
//! [`anstream::AutoStream::choice`]: on a terminal unless `NO_COLOR` is
//! set, `CLICOLOR=0` or `TERM=dumb`, and anywhere with `CLICOLOR_FORCE`.
//! They reach the pager when standard output is a terminal.
//!
//! The pager is `$VERSO_PAGER`, else `$PAGER`, else `less`, run by the
//! shell; `less` gets `LESS=FRX` (quit if one screen, keep colours, leave
//! the text on the screen) unless `LESS` is set. An empty pager or `cat`
//! means none. It is used only when standard output is a terminal, the
//! output does not fit on the screen, and `--no-pager` was not given.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};

/// Writes `text` to standard output, through a pager when `may_page` and
/// [`pages`] says so.
pub fn write(text: &str, may_page: bool) -> io::Result<()> {
    let stdout = io::stdout();
    let choice = anstream::AutoStream::choice(&stdout);
    let screen = terminal_size::terminal_size().map(|(w, h)| (w.0 as usize, h.0 as usize));
    if pages(may_page, stdout.is_terminal(), text, screen) {
        let command = pager_command(std::env::var_os("VERSO_PAGER"), std::env::var_os("PAGER"));
        if let Some(command) = command {
            if let Some(result) = through_pager(&command, text, choice) {
                return result;
            }
        }
    }
    let mut out = anstream::AutoStream::new(stdout.lock(), choice);
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether output goes through a pager: it may, standard output is a
/// terminal, and `text` takes more rows than the screen (`(columns,
/// rows)`, or unknown: then the pager decides, as `less -F` does).
pub fn pages(may_page: bool, terminal: bool, text: &str, screen: Option<(usize, usize)>) -> bool {
    if !may_page || !terminal {
        return false;
    }
    let Some((columns, rows)) = screen else {
        return true;
    };
    let columns = columns.max(1);
    let plain = anstream::adapter::strip_str(text).to_string();
    let needed: usize = plain
        .lines()
        .map(|line| line.chars().count().max(1).div_ceil(columns))
        .sum();
    needed > rows
}

/// The pager to run: the first of `verso_pager` and `pager` that is set,
/// else `less`; `None` when the one set is empty or `cat`.
pub fn pager_command(verso_pager: Option<OsString>, pager: Option<OsString>) -> Option<OsString> {
    let chosen = verso_pager.or(pager).unwrap_or_else(|| "less".into());
    let trimmed = chosen.to_string_lossy().trim().to_string();
    if trimmed.is_empty() || trimmed == "cat" {
        None
    } else {
        Some(chosen)
    }
}

/// Sends `text` to the pager `command` and waits for it; `None` when the
/// pager cannot be started (the caller then writes to standard output).
/// A pager that quits before reading everything is no error.
fn through_pager(
    command: &OsString,
    text: &str,
    choice: anstream::ColorChoice,
) -> Option<io::Result<()>> {
    let mut child = shell(command)
        .env(
            "LESS",
            std::env::var_os("LESS").unwrap_or_else(|| "FRX".into()),
        )
        .stdin(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take().expect("piped");
    let sink: &mut dyn Write = &mut stdin;
    let mut input = anstream::AutoStream::new(sink, choice);
    let written = input
        .write_all(text.as_bytes())
        .and_then(|()| input.flush());
    // Closing the pager's input lets it see the end of the text.
    drop(stdin);
    let waited = child.wait().map(drop);
    Some(match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => waited,
        other => other.and(waited),
    })
}

/// `command` run by the shell, so that a pager may carry options
/// (`PAGER="less -S"`).
fn shell(command: &OsString) -> Command {
    if cfg!(windows) {
        let mut run = Command::new("cmd");
        run.arg("/C").arg(command);
        run
    } else {
        let mut run = Command::new("sh");
        run.arg("-c").arg(command);
        run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_terminal_pages_and_only_what_does_not_fit() {
        let five_lines = "a\nb\nc\nd\ne\n";
        assert!(pages(true, true, five_lines, Some((80, 4))));
        assert!(!pages(true, true, five_lines, Some((80, 5))), "it fits");
        assert!(
            !pages(true, false, five_lines, Some((80, 4))),
            "not a terminal"
        );
        assert!(!pages(false, true, five_lines, Some((80, 4))), "--no-pager");
        assert!(
            pages(true, true, "a\n", None),
            "an unknown screen: the pager decides"
        );
    }

    #[test]
    fn long_lines_take_several_rows_and_colours_none() {
        let wide = format!("{}\n", "x".repeat(25));
        assert!(
            pages(true, true, &wide, Some((10, 2))),
            "25 columns are 3 rows of 10"
        );
        assert!(!pages(true, true, &wide, Some((10, 3))));
        let painted = "\x1b[32mxxxxxxxxxx\x1b[0m\n";
        assert!(
            !pages(true, true, painted, Some((10, 1))),
            "escape codes take no room"
        );
    }

    #[test]
    fn the_pager_is_verso_pager_then_pager_then_less() {
        let some = |s: &str| Some(OsString::from(s));
        assert_eq!(pager_command(some("most"), some("more")), some("most"));
        assert_eq!(pager_command(None, some("less -S")), some("less -S"));
        assert_eq!(pager_command(None, None), some("less"));
        assert_eq!(
            pager_command(some(""), some("more")),
            None,
            "empty: no pager"
        );
        assert_eq!(pager_command(None, some("cat")), None);
    }
}
