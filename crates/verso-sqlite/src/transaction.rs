//! A transaction on the writing connection (`Driver::begin`).
//!
//! The writing connection sits behind a std mutex, which cannot be held
//! across awaits; so a transaction runs on a thread of its own, which takes
//! the writing connection, sends `BEGIN IMMEDIATE`, and then runs the
//! transaction's statements as they come, in order. When the transaction
//! ends (its commit, or the handle dropped) the thread rolls back whatever
//! is still open and lets the connection go.
//!
//! Holding the writing connection means commits of the same driver wait
//! for the transaction to end, and so do the next transactions; reads keep
//! running on the reader connections of a file database (they see the
//! last committed state), and wait too on an in-memory database, whose
//! only connection is the writer.

use crate::error::db_error;
use rusqlite::Connection;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use verso_core::{Error, Instrument, Result};

/// Work for the transaction's thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// An open transaction: the channel to its thread. Closing the channel
/// ends the transaction.
pub(crate) struct Session {
    jobs: Mutex<Option<Sender<Job>>>,
}

impl Session {
    /// Takes the writing connection (waiting while another commit or
    /// transaction holds it) on a new thread and begins a transaction
    /// there with `BEGIN IMMEDIATE`. The statement is counted by the
    /// transaction's commit, as its first (see `commit::run`), so a
    /// transaction costs the statements of a commit.
    pub(crate) async fn begin(connection: Arc<Mutex<Connection>>) -> Result<Session> {
        let (jobs, received) = channel::<Job>();
        let (ready, begun) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("verso-sqlite-transaction".into())
            .spawn(move || {
                let mut conn = connection.lock().unwrap_or_else(|p| p.into_inner());
                let outcome = conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error);
                let open = outcome.is_ok();
                if ready.send(outcome).is_err() || !open {
                    // The caller left before the transaction began.
                    rollback(&mut conn);
                    return;
                }
                while let Ok(job) = received.recv() {
                    job(&mut conn);
                }
                rollback(&mut conn);
            })
            .map_err(|e| Error::database(verso_core::DbErrorKind::Other, e.to_string()))?;
        begun.await.map_err(|_| Error::transaction_ended())??;
        Ok(Session {
            jobs: Mutex::new(Some(jobs)),
        })
    }

    /// Runs `job` on the transaction's connection and returns its answer.
    /// With `last`, the transaction ends after it (its commit): whatever
    /// `job` left open is rolled back, and later jobs fail.
    pub(crate) async fn run<T, F>(
        &self,
        instrument: Arc<Instrument>,
        last: bool,
        job: F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &Instrument) -> Result<T> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = answer.send(job(conn, &instrument));
        });
        {
            let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let sender = jobs.as_ref().ok_or_else(Error::transaction_ended)?;
            sender.send(job).map_err(|_| Error::transaction_ended())?;
            if last {
                jobs.take();
            }
        }
        answered.await.map_err(|_| Error::transaction_ended())?
    }
}

/// Rolls back the transaction still open on `conn`, if any.
fn rollback(conn: &mut Connection) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
}

#[cfg(test)]
mod tests {
    use crate::SqliteDriver;
    use verso_core::{CommitPlan, Driver};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn a_transaction_holds_the_writer_while_reads_of_a_file_go_on() {
        let dir = std::env::temp_dir().join(format!("verso-tx-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let driver = SqliteDriver::open(dir.join("db.sqlite")).unwrap();
        let runtime = runtime();
        let tx = runtime.block_on(driver.begin()).unwrap();
        assert!(
            driver.connection.try_lock().is_err(),
            "commits wait: the writing connection is the transaction's"
        );
        let outside = runtime.block_on(driver.catalog());
        assert!(outside.unwrap().is_none(), "a reader answers beside it");
        assert!(runtime.block_on(tx.catalog()).unwrap().is_none());
        drop(tx);
        // Taking the writer waits for the transaction's thread to let it go.
        runtime
            .block_on(driver.wait_for_abandoned_commits())
            .unwrap();
        assert!(driver.connection.try_lock().is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_transaction_ends_with_its_commit_and_refuses_what_follows() {
        let driver = SqliteDriver::open_in_memory().unwrap();
        let runtime = runtime();
        let tx = runtime.block_on(driver.begin()).unwrap();
        let plan = CommitPlan::default();
        assert!(runtime.block_on(tx.commit(&plan)).unwrap().is_empty());
        let again = runtime.block_on(tx.commit(&plan)).unwrap_err();
        assert!(
            again.to_string().contains("transaction has ended"),
            "{again}"
        );
        assert!(
            runtime.block_on(tx.catalog()).is_err(),
            "reads are refused too"
        );
        // The writer is free again: a second transaction begins.
        let next = runtime.block_on(driver.begin()).unwrap();
        assert!(runtime.block_on(next.catalog()).unwrap().is_none());
    }
}
