//! Ids as the command line takes them: a whole UUID in any spelling, or
//! its leading hex digits (a short id, as `git` takes short hashes).

use std::fmt;
use verso::{IdPrefix, Uuid};

/// The fewest hex digits a short id may have: fewer would match too much
/// of any database to be useful.
pub const MIN_PREFIX_DIGITS: usize = 4;

/// An id given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdArg {
    /// A whole UUID (hyphenated or not, braced, as a URN, in either case).
    Whole(Uuid),
    /// The leading hex digits of a version or lineage id.
    Prefix(IdPrefix),
}

impl IdArg {
    /// Parses an id argument (clap's value parser for every `ID`).
    pub fn parse(text: &str) -> Result<IdArg, String> {
        if let Ok(id) = Uuid::parse_str(text) {
            return Ok(IdArg::Whole(id));
        }
        match IdPrefix::parse(text) {
            Some(prefix) if prefix.is_whole() => Ok(IdArg::Whole(prefix.low())),
            Some(prefix) if prefix.digits() >= MIN_PREFIX_DIGITS => Ok(IdArg::Prefix(prefix)),
            _ => Err(format!(
                "expected a UUID, or at least {MIN_PREFIX_DIGITS} of its leading hex digits"
            )),
        }
    }
}

/// The whole id, hyphenated; a prefix as its digits.
impl fmt::Display for IdArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdArg::Whole(id) => id.fmt(f),
            IdArg::Prefix(prefix) => prefix.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_in_any_spelling_is_whole() {
        let id: Uuid = "0190a1b2-7abc-7000-8000-00000000000f".parse().unwrap();
        for text in [
            id.to_string(),
            id.simple().to_string().to_uppercase(),
            id.braced().to_string(),
            id.urn().to_string(),
            "0190-a1b2-7abc-7000-8000-0000-0000-000f".to_string(),
        ] {
            assert_eq!(IdArg::parse(&text), Ok(IdArg::Whole(id)), "{text}");
        }
    }

    #[test]
    fn four_or_more_leading_digits_are_a_prefix() {
        let prefix = IdArg::parse("0190-A1").unwrap();
        assert_eq!(prefix, IdArg::Prefix(IdPrefix::parse("0190a1").unwrap()));
        assert_eq!(prefix.to_string(), "0190a1");
        assert!(IdArg::parse("0190").is_ok());
    }

    #[test]
    fn fewer_digits_or_other_characters_are_refused() {
        for text in ["", "019", "01-9", "0190g", "not-a-uuid", &"0".repeat(33)] {
            let error = IdArg::parse(text).unwrap_err();
            assert!(
                error.contains("at least 4 of its leading hex digits"),
                "{text}: {error}"
            );
        }
    }
}
