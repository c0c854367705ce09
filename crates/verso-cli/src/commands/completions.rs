//! `verso completions SHELL`: a completion script for a shell, written by
//! `clap_complete` from the command-line definition itself.

use crate::cli::{Cli, Shell};
use clap::CommandFactory;

/// The completion script of `verso` for `shell`.
pub fn script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "verso", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_completes_the_commands_and_options() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let text = script(shell);
            for word in ["lineages", "completions", "no-pager", "limit", "mermaid"] {
                assert!(text.contains(word), "{shell:?} completes {word}");
            }
        }
    }
}
