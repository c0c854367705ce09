//! What a writer reports, one line each, so that a worker process can tell
//! its parent over stdout. Every line ends with ` .`: a line cut short by a
//! kill is not a report.

use crate::model::Thread;
use uuid::Uuid;

/// An acknowledged commit: the store said yes, and this is what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The lineage of the committed root.
    pub lineage: Uuid,
    /// The version the commit made.
    pub version: Uuid,
    /// How many messages the version holds.
    pub messages: i64,
    /// [`Thread::fingerprint`] of the version as committed.
    pub fingerprint: u64,
}

impl Ack {
    /// The acknowledgment of `thread` as it is right after its commit.
    pub fn of(thread: &Thread) -> Ack {
        Ack {
            lineage: thread.meta.lineage_id(),
            version: thread.meta.ecs_id(),
            messages: thread.messages.len() as i64,
            fingerprint: thread.fingerprint(),
        }
    }
}

/// One report of a writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The writer is about to commit the first version of this lineage
    /// (it may be killed before that commit is acknowledged).
    Lineage(Uuid),
    /// A commit succeeded.
    Ack(Ack),
    /// The writer is done; it made this many commit attempts in all.
    Tries(u64),
}

const END: &str = " .";

impl Event {
    /// The event as one line (without the newline).
    pub fn to_line(&self) -> String {
        let body = match self {
            Event::Lineage(id) => format!("LINEAGE {id}"),
            Event::Ack(ack) => format!(
                "ACK {} {} {} {:016x}",
                ack.lineage, ack.version, ack.messages, ack.fingerprint
            ),
            Event::Tries(tries) => format!("TRIES {tries}"),
        };
        body + END
    }

    /// The event a complete line reports; `None` for anything else (a line
    /// cut short, or other output).
    pub fn parse(line: &str) -> Option<Event> {
        let body = line.strip_suffix(END)?;
        let words: Vec<&str> = body.split(' ').collect();
        match words.as_slice() {
            ["LINEAGE", id] => Some(Event::Lineage(id.parse().ok()?)),
            ["ACK", lineage, version, messages, fingerprint] => Some(Event::Ack(Ack {
                lineage: lineage.parse().ok()?,
                version: version.parse().ok()?,
                messages: messages.parse().ok()?,
                fingerprint: u64::from_str_radix(fingerprint, 16).ok()?,
            })),
            ["TRIES", tries] => Some(Event::Tries(tries.parse().ok()?)),
            _ => None,
        }
    }

    /// Prints the event on stdout as one write, flushed at once.
    pub fn print(&self) {
        use std::io::Write;
        let line = self.to_line() + "\n";
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(line.as_bytes());
        let _ = stdout.flush();
    }
}

/// The acknowledgments among `events`.
pub fn acks(events: &[Event]) -> Vec<Ack> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Ack(ack) => Some(*ack),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_from_its_line() {
        let ack = Ack {
            lineage: Uuid::new_v4(),
            version: Uuid::new_v4(),
            messages: 12,
            fingerprint: u64::MAX - 5,
        };
        for event in [
            Event::Lineage(Uuid::new_v4()),
            Event::Ack(ack),
            Event::Tries(7),
        ] {
            assert_eq!(Event::parse(&event.to_line()), Some(event));
        }
    }

    #[test]
    fn a_line_cut_short_is_no_report() {
        let line = Event::Tries(42).to_line();
        assert_eq!(Event::parse(&line[..line.len() - 1]), None);
        assert_eq!(Event::parse("TRIES 4"), None);
    }
}
