//! Statement counting, shared by every driver, and (with the
//! `fault-injection` feature, for tests only) failing a commit part-way.

#[cfg(feature = "fault-injection")]
use crate::error::Error;
use crate::error::Result;
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "fault-injection")]
use std::sync::Mutex;

/// Counters a driver keeps of the work it sends to its database; with the
/// `fault-injection` feature (tests only), also a switch to make a commit
/// fail part-way, to test atomicity.
#[derive(Debug, Default)]
pub struct Instrument {
    statements: AtomicU64,
    rows_written: AtomicU64,
    #[cfg(feature = "fault-injection")]
    fault: Mutex<Option<Fault>>,
}

/// A failure to inject into the next commit (`fault-injection` feature).
#[cfg(feature = "fault-injection")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// Fail when the commit is about to run its statement number
    /// `fail_at_statement` (counted from 1, `BEGIN` included).
    pub fail_at_statement: u64,
}

/// A snapshot of an [`Instrument`]'s counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// SQL statements sent (queries, inserts, `BEGIN`, `COMMIT`, ...).
    pub statements: u64,
    /// Rows inserted.
    pub rows_written: u64,
}

impl std::ops::Sub for Stats {
    type Output = Stats;
    fn sub(self, earlier: Stats) -> Stats {
        Stats {
            statements: self.statements - earlier.statements,
            rows_written: self.rows_written - earlier.rows_written,
        }
    }
}

impl Instrument {
    /// The counters so far.
    pub fn stats(&self) -> Stats {
        Stats {
            statements: self.statements.load(Ordering::Relaxed),
            rows_written: self.rows_written.load(Ordering::Relaxed),
        }
    }

    /// Counts one statement outside a commit (a query).
    pub fn query(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts statement number `index` (from 1) of a commit; with the
    /// `fault-injection` feature, fails it if a fault is armed for that
    /// statement.
    pub fn commit_statement(&self, index: u64) -> Result<()> {
        #[cfg(feature = "fault-injection")]
        {
            let mut fault = self.fault.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(armed) = *fault {
                if armed.fail_at_statement == index {
                    *fault = None;
                    return Err(Error::InjectedFault { statement: index });
                }
            }
        }
        #[cfg(not(feature = "fault-injection"))]
        let _ = index;
        self.statements.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Counts `rows` inserted rows.
    pub fn rows_written(&self, rows: u64) {
        self.rows_written.fetch_add(rows, Ordering::Relaxed);
    }

    /// Arms a fault for the next commit that reaches its statement
    /// (`fault-injection` feature, for tests).
    #[cfg(feature = "fault-injection")]
    pub fn inject(&self, fault: Fault) {
        *self.fault.lock().unwrap_or_else(|p| p.into_inner()) = Some(fault);
    }
}
