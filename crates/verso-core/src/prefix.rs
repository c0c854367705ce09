//! Short ids: the leading hex digits of a version or lineage id, as `git`
//! takes the leading digits of a commit hash (see [`Driver::find_prefix`]).
//!
//! A prefix of a UUID names a contiguous range of UUIDs, from the prefix
//! followed by zeros to the prefix followed by `f`s, so a backend finds
//! every id that starts with it by a range scan on an index of ids.
//!
//! [`Driver::find_prefix`]: crate::Driver::find_prefix

use crate::schema::EntityType;
use std::fmt;
use uuid::Uuid;

/// The leading hex digits of a UUID (1 to 32 of them): the range of ids
/// that start with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPrefix {
    /// The digits, left-aligned: the smallest id of the range.
    low: u128,
    /// How many hex digits were given.
    digits: u32,
}

impl IdPrefix {
    /// The prefix written as `text`: hex digits in either case, with any
    /// dashes (`0190a1b2`, `0190A1B2-7c`, `0190-a1b2`); `None` for anything
    /// else, for no digit and for more than 32.
    pub fn parse(text: &str) -> Option<IdPrefix> {
        let mut low: u128 = 0;
        let mut digits = 0u32;
        for c in text.chars().filter(|&c| c != '-') {
            let digit = c.to_digit(16)?;
            if digits == 32 {
                return None;
            }
            low |= u128::from(digit) << (4 * (31 - digits));
            digits += 1;
        }
        (digits > 0).then_some(IdPrefix { low, digits })
    }

    /// The prefix made of every digit of `id`: it matches `id` alone.
    pub fn whole(id: Uuid) -> IdPrefix {
        IdPrefix {
            low: id.as_u128(),
            digits: 32,
        }
    }

    /// How many hex digits the prefix has.
    pub fn digits(&self) -> usize {
        self.digits as usize
    }

    /// Whether the prefix has all 32 digits: it names one id.
    pub fn is_whole(&self) -> bool {
        self.digits == 32
    }

    /// The smallest id that starts with the prefix (the prefix, then `0`s).
    pub fn low(&self) -> Uuid {
        Uuid::from_u128(self.low)
    }

    /// The largest id that starts with the prefix (the prefix, then `f`s).
    pub fn high(&self) -> Uuid {
        let rest = 4 * (32 - self.digits);
        let fill = if rest == 0 {
            0
        } else {
            u128::MAX >> (128 - rest)
        };
        Uuid::from_u128(self.low | fill)
    }

    /// Whether `id` starts with the prefix.
    pub fn matches(&self, id: Uuid) -> bool {
        (self.low()..=self.high()).contains(&id)
    }
}

/// The digits of the prefix, in lower case, without dashes.
impl fmt::Display for IdPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all = format!("{:032x}", self.low);
        f.write_str(&all[..self.digits()])
    }
}

/// What an id found by [`Driver::find_prefix`](crate::Driver::find_prefix)
/// is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdKind {
    /// The `ecs_id` of a version.
    Version,
    /// The `lineage_id` shared by the versions of a lineage.
    Lineage,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Version => "version",
            IdKind::Lineage => "lineage",
        })
    }
}

/// One id that starts with a prefix (see
/// [`Driver::find_prefix`](crate::Driver::find_prefix)).
#[derive(Debug, Clone, Copy)]
pub struct PrefixMatch {
    /// The type whose table holds the id.
    pub entity_type: &'static EntityType,
    /// Whether it is a version id or a lineage id.
    pub kind: IdKind,
    /// The whole id.
    pub id: Uuid,
}

impl PartialEq for PrefixMatch {
    fn eq(&self, other: &Self) -> bool {
        self.entity_type.name == other.entity_type.name
            && self.kind == other.kind
            && self.id == other.id
    }
}
impl Eq for PrefixMatch {}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> Uuid {
        text.parse().unwrap()
    }

    #[test]
    fn a_prefix_is_the_range_from_zeros_to_fs() {
        let prefix = IdPrefix::parse("0190a1B2-7").unwrap();
        assert_eq!(prefix.digits(), 9);
        assert_eq!(prefix.to_string(), "0190a1b27");
        assert_eq!(prefix.low(), id("0190a1b2-7000-0000-0000-000000000000"));
        assert_eq!(prefix.high(), id("0190a1b2-7fff-ffff-ffff-ffffffffffff"));
        assert!(prefix.matches(id("0190a1b2-7abc-7000-8000-000000000001")));
        assert!(!prefix.matches(id("0190a1b2-8000-0000-0000-000000000000")));
        assert!(!prefix.matches(id("0190a1b2-6fff-ffff-ffff-ffffffffffff")));
    }

    #[test]
    fn dashes_anywhere_are_ignored() {
        assert_eq!(IdPrefix::parse("01-90-a1"), IdPrefix::parse("0190a1"));
    }

    #[test]
    fn a_whole_id_is_a_prefix_of_itself_alone() {
        let whole = id("0190a1b2-7abc-7000-8000-00000000000f");
        let prefix = IdPrefix::parse(&whole.to_string()).unwrap();
        assert_eq!(prefix, IdPrefix::whole(whole));
        assert!(prefix.is_whole());
        assert_eq!((prefix.low(), prefix.high()), (whole, whole));
    }

    #[test]
    fn other_text_is_no_prefix() {
        for text in ["", "-", "01g0", "0190 a1", &"0".repeat(33), "{0190}"] {
            assert_eq!(IdPrefix::parse(text), None, "{text:?}");
        }
        assert_eq!(IdPrefix::parse("f").unwrap().high(), Uuid::max());
    }
}
