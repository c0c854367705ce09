//! The SQLite baseline: the same commit and load written by hand with
//! rusqlite, on the tables Verso created.
//!
//! A commit is `BEGIN IMMEDIATE`, one insert for the message version, one
//! for the thread version, one execution of a cached prepared statement
//! per link, `COMMIT`. A load is one select of the thread row and one join
//! of its links (in position order) with the message rows.

use crate::plain::{PlainMessage, PlainThread, VersionRow, HISTORY_FIELD, MESSAGE_TYPE};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Row, TransactionBehavior};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

const INSERT_MESSAGE: &str = "INSERT INTO chat_message \
    (ecs_id, lineage_id, parent_id, created_at, role, content, parent_message) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id";
const INSERT_THREAD: &str = "INSERT INTO chat_thread \
    (ecs_id, lineage_id, parent_id, created_at, name, use_history) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
const INSERT_LINK: &str = "INSERT INTO verso_links \
    (parent_ecs_id, field, position, child_ecs_id, child_type) VALUES (?1, ?2, ?3, ?4, ?5)";
const SELECT_THREAD: &str = "SELECT id, ecs_id, lineage_id, parent_id, created_at, name, \
    use_history FROM chat_thread WHERE ecs_id = ?1";
const SELECT_MESSAGES: &str = "SELECT m.id, m.ecs_id, m.lineage_id, m.parent_id, \
    m.created_at, m.role, m.content, m.parent_message \
    FROM verso_links AS l JOIN chat_message AS m ON m.ecs_id = l.child_ecs_id \
    WHERE l.parent_ecs_id = ?1 AND l.field = ?2 ORDER BY l.position";

/// A hand-written data layer on one rusqlite connection, counting the
/// statements it sends and the rows it inserts.
pub struct SqliteBaseline {
    conn: Connection,
    /// Statements sent so far (`BEGIN` and `COMMIT` included).
    pub statements: u64,
    /// Rows inserted so far.
    pub rows_written: u64,
}

/// Errors of the baseline: rusqlite's, or a value that does not parse.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

impl SqliteBaseline {
    /// Opens the database file with the settings Verso's driver uses
    /// (WAL, `synchronous=NORMAL`, a busy timeout).
    pub fn open(path: &Path) -> Result<Self, Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Ok(SqliteBaseline {
            conn,
            statements: 0,
            rows_written: 0,
        })
    }

    /// Loads the thread version `ecs_id` with its messages in order.
    pub fn load_thread(&mut self, ecs_id: Uuid) -> Result<PlainThread, Error> {
        let mut buf = Uuid::encode_buffer();
        let key = ecs_id.hyphenated().encode_lower(&mut buf);
        self.statements += 1;
        let mut statement = self.conn.prepare_cached(SELECT_THREAD)?;
        let mut rows = statement.query([&*key])?;
        let row = rows.next()?.ok_or_else(|| format!("no thread {ecs_id}"))?;
        let mut thread = PlainThread {
            version: version_row(row)?,
            name: row.get(5)?,
            use_history: row.get(6)?,
            history: Vec::new(),
        };
        drop(rows);
        self.statements += 1;
        let mut statement = self.conn.prepare_cached(SELECT_MESSAGES)?;
        let mut rows = statement.query(params![&*key, HISTORY_FIELD])?;
        while let Some(row) = rows.next()? {
            thread.history.push(PlainMessage {
                version: version_row(row)?,
                role: row.get(5)?,
                content: row.get(6)?,
                parent_message: optional_uuid(row, 7)?,
            });
        }
        Ok(thread)
    }

    /// Stores a new version of message `index` (whose content the caller
    /// changed) and a new version of the thread with all its links, in one
    /// transaction, and updates `thread` to the new versions.
    pub fn commit_edited_message(
        &mut self,
        thread: &mut PlainThread,
        index: usize,
    ) -> Result<(), Error> {
        let message_version = thread.history[index].version.fork();
        let thread_version = thread.version.fork();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        self.statements += 1;

        let message = &thread.history[index];
        let message_id: i64 = tx.prepare_cached(INSERT_MESSAGE)?.query_row(
            params![
                uuid_text(&message_version.ecs_id),
                uuid_text(&message_version.lineage_id),
                message_version.parent_id.as_ref().map(uuid_text),
                timestamp_text(&message_version.created_at),
                message.role,
                message.content,
                message.parent_message.as_ref().map(uuid_text),
            ],
            |row| row.get(0),
        )?;
        let thread_id: i64 = tx.prepare_cached(INSERT_THREAD)?.query_row(
            params![
                uuid_text(&thread_version.ecs_id),
                uuid_text(&thread_version.lineage_id),
                thread_version.parent_id.as_ref().map(uuid_text),
                timestamp_text(&thread_version.created_at),
                thread.name,
                thread.use_history,
            ],
            |row| row.get(0),
        )?;
        self.statements += 2;

        let mut parent_buf = Uuid::encode_buffer();
        let parent = thread_version
            .ecs_id
            .hyphenated()
            .encode_lower(&mut parent_buf);
        let mut insert_link = tx.prepare_cached(INSERT_LINK)?;
        let mut child_buf = Uuid::encode_buffer();
        for (position, child) in thread.history.iter().enumerate() {
            let child_id = if position == index {
                message_version.ecs_id
            } else {
                child.version.ecs_id
            };
            let child_text = child_id.hyphenated().encode_lower(&mut child_buf);
            insert_link.execute(params![
                &*parent,
                HISTORY_FIELD,
                position as i64,
                &*child_text,
                MESSAGE_TYPE
            ])?;
        }
        drop(insert_link);
        self.statements += thread.history.len() as u64;

        tx.commit()?;
        self.statements += 1;
        self.rows_written += 2 + thread.history.len() as u64;

        thread.history[index].version = VersionRow {
            id: message_id,
            ..message_version
        };
        thread.version = VersionRow {
            id: thread_id,
            ..thread_version
        };
        Ok(())
    }
}

/// The five metadata columns at the start of `row`.
fn version_row(row: &Row<'_>) -> Result<VersionRow, Error> {
    Ok(VersionRow {
        id: row.get(0)?,
        ecs_id: Uuid::parse_str(row.get_ref(1)?.as_str()?)?,
        lineage_id: Uuid::parse_str(row.get_ref(2)?.as_str()?)?,
        parent_id: optional_uuid(row, 3)?,
        created_at: DateTime::parse_from_rfc3339(row.get_ref(4)?.as_str()?)?.with_timezone(&Utc),
    })
}

/// A nullable UUID column.
fn optional_uuid(row: &Row<'_>, index: usize) -> Result<Option<Uuid>, Error> {
    Ok(row
        .get_ref(index)?
        .as_str_or_null()?
        .map(Uuid::parse_str)
        .transpose()?)
}

/// Lowercase hyphenated text, as Verso stores UUIDs in SQLite.
fn uuid_text(id: &Uuid) -> String {
    id.hyphenated().to_string()
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as Verso stores timestamps in SQLite.
fn timestamp_text(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}
