//! The SQLite baseline: the same commits, loads and lookups written by hand
//! with rusqlite, on the tables Verso created, in Verso's layout.
//!
//! A commit is `BEGIN IMMEDIATE`, then one execution of a cached prepared
//! statement per row: the new message version(s) and the thread version
//! (`RETURNING id`), the thread's list row, each new chunk (`INSERT OR
//! IGNORE`: chunks are shared by content), each list change, each replaced
//! head deleted and each new head inserted; then `COMMIT`. Which chunks are
//! new the baseline knows from the chunk ids of the version it replaces.
//!
//! A load is one select of the thread row, one recursive walk of its list
//! row and the chunks below it, and one select of the messages by id
//! (`json_each` of the children), put in list order in Rust.

use crate::lists::{id_array_text, ReadList, StoredList};
use crate::pending::PendingCommit;
use crate::plain::{PlainMessage, PlainThread, PlainTick, VersionRow, HISTORY_FIELD, MESSAGE_TYPE};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

const INSERT_MESSAGE: &str = "INSERT INTO chat_message \
    (ecs_id, lineage_id, parent_id, created_at, role, content, parent_message) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id";
const INSERT_THREAD: &str = "INSERT INTO chat_thread \
    (ecs_id, lineage_id, parent_id, created_at, name, use_history) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";
const INSERT_LIST: &str = "INSERT INTO verso_lists \
    (parent_ecs_id, field, child_type, height, entries) VALUES (?1, ?2, ?3, ?4, ?5)";
const INSERT_CHUNK: &str =
    "INSERT OR IGNORE INTO verso_chunks (chunk_id, height, entries) VALUES (?1, ?2, ?3)";
const INSERT_CHANGE: &str = "INSERT INTO verso_list_changes \
    (child_ecs_id, parent_ecs_id, field, position, added) VALUES (?1, ?2, ?3, ?4, ?5)";
const DELETE_HEAD: &str = "DELETE FROM verso_heads WHERE lineage_id = ?1 AND ecs_id = ?2";
const INSERT_HEAD: &str = "INSERT INTO verso_heads (lineage_id, ecs_id) VALUES (?1, ?2)";

const SELECT_THREAD: &str = "SELECT id, ecs_id, lineage_id, parent_id, created_at, name, \
    use_history FROM chat_thread WHERE ecs_id = ?1";
/// The list row of `?1`'s field `?2` and every chunk below it. A chunk
/// tree has no cycles and the walk starts from one list, so `UNION ALL`
/// (a chunk repeated in the list is read again, which is harmless).
const WALK_LIST: &str = "WITH RECURSIVE w(chunk_id, height, entries) AS (\
    SELECT NULL, height, entries FROM verso_lists WHERE parent_ecs_id = ?1 AND field = ?2 \
    UNION ALL \
    SELECT c.chunk_id, c.height, c.entries FROM w, json_each(w.entries) AS e \
    JOIN verso_chunks AS c ON c.chunk_id = e.value WHERE w.height > 0) \
    SELECT chunk_id, height, entries FROM w";
const SELECT_MESSAGES: &str = "SELECT id, ecs_id, lineage_id, parent_id, created_at, role, \
    content, parent_message FROM chat_message \
    WHERE ecs_id IN (SELECT value FROM json_each(?1))";

const TICK_COLUMNS: &str = "id, ecs_id, lineage_id, parent_id, created_at, step";

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
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteBaseline {
            conn,
            statements: 0,
            rows_written: 0,
        })
    }

    /// Bytes the database file holds once the WAL is checkpointed into it:
    /// `page_count * page_size` (not counted as statements).
    pub fn stored_bytes(&self) -> Result<u64, Error> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok((pages * size) as u64)
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
            stored_chunks: Default::default(),
        };
        drop(rows);

        self.statements += 1;
        let mut list = ReadList::default();
        let mut statement = self.conn.prepare_cached(WALK_LIST)?;
        let mut rows = statement.query(params![&*key, HISTORY_FIELD])?;
        let mut root_text = None;
        while let Some(row) = rows.next()? {
            let height: i64 = row.get(1)?;
            let entries = row.get_ref(2)?.as_str()?;
            match row.get_ref(0)?.as_str_or_null()? {
                None => {
                    list.height = height;
                    list.root = parse_ids(entries)?;
                    root_text = Some(entries.to_string());
                }
                Some(id) => {
                    list.chunks
                        .insert(Uuid::parse_str(id)?, (height, parse_ids(entries)?));
                }
            }
        }
        drop(rows);
        let Some(root_text) = root_text else {
            return Ok(thread);
        };
        let children = list.children()?;
        thread.stored_chunks = list.chunk_ids();

        self.statements += 1;
        // A root of height 0 lists the children already, as a JSON array.
        let wanted = if list.height == 0 {
            root_text
        } else {
            id_array_text(&children)
        };
        let mut statement = self.conn.prepare_cached(SELECT_MESSAGES)?;
        let mut rows = statement.query([wanted])?;
        let mut by_id = HashMap::with_capacity(children.len());
        while let Some(row) = rows.next()? {
            let message = PlainMessage {
                version: version_row(row)?,
                role: row.get(5)?,
                content: row.get(6)?,
                parent_message: optional_uuid(row, 7)?,
            };
            by_id.insert(message.version.ecs_id, message);
        }
        thread.history.reserve_exact(children.len());
        for child in &children {
            let message = by_id
                .get(child)
                .ok_or_else(|| format!("no message {child}"))?;
            thread.history.push(message.clone());
        }
        Ok(thread)
    }

    /// Stores the first version of `thread` and of all its messages.
    pub fn commit_new_thread(&mut self, thread: &mut PlainThread) -> Result<(), Error> {
        let pending = PendingCommit::create(thread);
        self.store(thread, pending)
    }

    /// Stores a new version of message `index` (whose content the caller
    /// changed) and a new version of the thread, and updates `thread`.
    pub fn commit_edited_message(
        &mut self,
        thread: &mut PlainThread,
        index: usize,
    ) -> Result<(), Error> {
        let pending = PendingCommit::edit(thread, index);
        self.store(thread, pending)
    }

    /// Stores `message` (a new message) appended to `thread`, and a new
    /// version of the thread, and updates `thread`.
    pub fn commit_appended_message(
        &mut self,
        thread: &mut PlainThread,
        message: PlainMessage,
    ) -> Result<(), Error> {
        let pending = PendingCommit::append(thread, message);
        self.store(thread, pending)
    }

    /// Writes `pending` in one transaction, then updates `thread`.
    fn store(&mut self, thread: &mut PlainThread, pending: PendingCommit) -> Result<(), Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut statements = 1;
        let mut chunks_written = 0;
        let mut message_ids = Vec::with_capacity(pending.messages.len());
        let thread_id: i64;
        {
            let mut insert = tx.prepare_cached(INSERT_MESSAGE)?;
            for message in &pending.messages {
                let v = &message.version;
                message_ids.push(insert.query_row(
                    params![
                        uuid_text(&v.ecs_id),
                        uuid_text(&v.lineage_id),
                        v.parent_id.as_ref().map(uuid_text),
                        timestamp_text(&v.created_at),
                        message.role,
                        message.content,
                        message.parent_message.as_ref().map(uuid_text),
                    ],
                    |row| row.get::<_, i64>(0),
                )?);
            }
            statements += pending.messages.len() as u64;

            let v = &pending.thread;
            thread_id = tx.prepare_cached(INSERT_THREAD)?.query_row(
                params![
                    uuid_text(&v.ecs_id),
                    uuid_text(&v.lineage_id),
                    v.parent_id.as_ref().map(uuid_text),
                    timestamp_text(&v.created_at),
                    thread.name,
                    thread.use_history,
                ],
                |row| row.get(0),
            )?;
            statements += 1;

            let parent = uuid_text(&v.ecs_id);
            let list = &pending.list;
            if pending.has_list() {
                tx.prepare_cached(INSERT_LIST)?.execute(params![
                    parent,
                    HISTORY_FIELD,
                    MESSAGE_TYPE,
                    list.height,
                    id_array_text(&list.entries),
                ])?;
                statements += 1;
            }
            let mut insert = tx.prepare_cached(INSERT_CHUNK)?;
            for chunk in &list.new_chunks {
                chunks_written += insert.execute(params![
                    uuid_text(&chunk.id),
                    chunk.height,
                    id_array_text(&chunk.entries),
                ])? as u64;
            }
            statements += list.new_chunks.len() as u64;

            let mut insert = tx.prepare_cached(INSERT_CHANGE)?;
            let mut child_buf = Uuid::encode_buffer();
            for change in &pending.changes {
                let child = change.child.hyphenated().encode_lower(&mut child_buf);
                insert.execute(params![
                    &*child,
                    parent,
                    HISTORY_FIELD,
                    change.position,
                    change.added
                ])?;
            }
            statements += pending.changes.len() as u64;

            let mut delete = tx.prepare_cached(DELETE_HEAD)?;
            for (lineage, ecs_id) in &pending.replaced_heads {
                delete.execute(params![uuid_text(lineage), uuid_text(ecs_id)])?;
            }
            statements += pending.replaced_heads.len() as u64;
            let mut insert = tx.prepare_cached(INSERT_HEAD)?;
            for (lineage, ecs_id) in pending.new_heads() {
                insert.execute(params![uuid_text(&lineage), uuid_text(&ecs_id)])?;
                statements += 1;
            }
        }
        tx.commit()?;
        statements += 1;
        self.statements += statements;
        self.rows_written += pending.rows_besides_chunks() + chunks_written;
        pending.apply(thread, &message_ids, thread_id);
        Ok(())
    }

    /// The list row of version `ecs_id` and every chunk below it, as stored
    /// (for the cross-check; not counted).
    pub fn stored_list(&self, ecs_id: Uuid) -> Result<StoredList, Error> {
        let (child_type, height, entries): (String, i64, String) = self.conn.query_row(
            "SELECT child_type, height, entries FROM verso_lists \
             WHERE parent_ecs_id = ?1 AND field = ?2 AND typeof(entries) = 'text'",
            params![uuid_text(&ecs_id), HISTORY_FIELD],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut statement = self.conn.prepare(
            "SELECT chunk_id, height, entries FROM (SELECT DISTINCT chunk_id, height, entries \
             FROM (WITH RECURSIVE w(chunk_id, height, entries) AS (\
             SELECT NULL, height, entries FROM verso_lists WHERE parent_ecs_id = ?1 AND field = ?2 \
             UNION SELECT c.chunk_id, c.height, c.entries FROM w, json_each(w.entries) AS e \
             JOIN verso_chunks AS c ON c.chunk_id = e.value WHERE w.height > 0) \
             SELECT * FROM w WHERE chunk_id IS NOT NULL AND typeof(entries) = 'text'))",
        )?;
        let mut chunks = statement
            .query_map(params![uuid_text(&ecs_id), HISTORY_FIELD], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
            })?
            .map(|row| {
                let (id, height, entries) = row?;
                Ok((Uuid::parse_str(&id)?, height, entries))
            })
            .collect::<Result<Vec<(Uuid, i64, String)>, Error>>()?;
        chunks.sort();
        Ok(StoredList {
            child_type,
            height,
            entries,
            chunks,
        })
    }

    /// The `(child, position, added)` change rows of version `ecs_id`,
    /// sorted (for the cross-check; not counted).
    pub fn stored_changes(&self, ecs_id: Uuid) -> Result<Vec<crate::lists::Change>, Error> {
        let mut statement = self.conn.prepare(
            "SELECT child_ecs_id, position, added FROM verso_list_changes \
             WHERE parent_ecs_id = ?1 AND field = ?2 AND typeof(added) = 'integer'",
        )?;
        let mut changes = statement
            .query_map(params![uuid_text(&ecs_id), HISTORY_FIELD], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
            })?
            .map(|row| {
                let (child, position, added) = row?;
                Ok(crate::lists::Change {
                    child: Uuid::parse_str(&child)?,
                    position,
                    added,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        changes.sort();
        Ok(changes)
    }

    /// The newest version of the tick lineage, at or before `at` if given.
    pub fn newest_tick(
        &mut self,
        lineage_id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> Result<PlainTick, Error> {
        self.statements += 1;
        let lineage = uuid_text(&lineage_id);
        let found = match at {
            None => self
                .conn
                .prepare_cached(&format!(
                    "SELECT {TICK_COLUMNS} FROM tick WHERE lineage_id = ?1 \
                     ORDER BY created_at DESC, id DESC LIMIT 1"
                ))?
                .query_row([lineage], tick_row)
                .optional()?,
            Some(at) => self
                .conn
                .prepare_cached(&format!(
                    "SELECT {TICK_COLUMNS} FROM tick WHERE lineage_id = ?1 AND created_at <= ?2 \
                     ORDER BY created_at DESC, id DESC LIMIT 1"
                ))?
                .query_row(params![lineage, timestamp_text(&at)], tick_row)
                .optional()?,
        };
        found.ok_or_else(|| format!("no tick in lineage {lineage_id}").into())
    }

    /// The heads of the tick lineage, oldest first.
    pub fn tick_heads(&mut self, lineage_id: Uuid) -> Result<Vec<PlainTick>, Error> {
        self.statements += 1;
        let mut statement = self.conn.prepare_cached(
            "SELECT v.id, v.ecs_id, v.lineage_id, v.parent_id, v.created_at, v.step \
             FROM verso_heads AS h JOIN tick AS v ON v.ecs_id = h.ecs_id \
             WHERE h.lineage_id = ?1 ORDER BY v.created_at, v.id",
        )?;
        let rows = statement.query_map([uuid_text(&lineage_id)], tick_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One page of the tick lineage's versions (metadata), oldest first,
    /// after the `(created_at, id)` cursor.
    pub fn tick_versions_page(
        &mut self,
        lineage_id: Uuid,
        after: Option<(DateTime<Utc>, i64)>,
        limit: u64,
    ) -> Result<Vec<VersionRow>, Error> {
        self.statements += 1;
        let lineage = uuid_text(&lineage_id);
        let mut out = Vec::with_capacity(limit as usize);
        match after {
            None => {
                let mut statement = self.conn.prepare_cached(
                    "SELECT id, ecs_id, lineage_id, parent_id, created_at FROM tick \
                     WHERE lineage_id = ?1 ORDER BY created_at, id LIMIT ?2",
                )?;
                let mut rows = statement.query(params![lineage, limit as i64])?;
                while let Some(row) = rows.next()? {
                    out.push(version_row(row)?);
                }
            }
            Some((at, id)) => {
                let mut statement = self.conn.prepare_cached(
                    "SELECT id, ecs_id, lineage_id, parent_id, created_at FROM tick \
                     WHERE lineage_id = ?1 AND (created_at, id) > (?2, ?3) \
                     ORDER BY created_at, id LIMIT ?4",
                )?;
                let mut rows =
                    statement.query(params![lineage, timestamp_text(&at), id, limit as i64])?;
                while let Some(row) = rows.next()? {
                    out.push(version_row(row)?);
                }
            }
        }
        Ok(out)
    }

    /// Every earlier version id on the path from the first version of the
    /// lineage to `ecs_id`, oldest first: one walk up `parent_id`.
    pub fn tick_old_ids(&mut self, ecs_id: Uuid) -> Result<Vec<Uuid>, Error> {
        self.statements += 1;
        let mut statement = self.conn.prepare_cached(
            "WITH RECURSIVE up(ecs_id) AS (\
             SELECT parent_id FROM tick WHERE ecs_id = ?1 AND parent_id IS NOT NULL \
             UNION ALL SELECT s.parent_id FROM tick AS s JOIN up ON s.ecs_id = up.ecs_id \
             WHERE s.parent_id IS NOT NULL) SELECT ecs_id FROM up",
        )?;
        let mut rows = statement.query([uuid_text(&ecs_id)])?;
        let mut ids = Vec::new();
        while let Some(row) = rows.next()? {
            ids.push(Uuid::parse_str(row.get_ref(0)?.as_str()?)?);
        }
        ids.reverse();
        Ok(ids)
    }
}

fn tick_row(row: &Row<'_>) -> rusqlite::Result<PlainTick> {
    let parse = |i: usize| -> rusqlite::Result<Uuid> {
        let text: String = row.get(i)?;
        Uuid::parse_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        })
    };
    let parent: Option<String> = row.get(3)?;
    let created: String = row.get(4)?;
    Ok(PlainTick {
        version: VersionRow {
            id: row.get(0)?,
            ecs_id: parse(1)?,
            lineage_id: parse(2)?,
            parent_id: parent
                .map(|p| Uuid::parse_str(&p))
                .transpose()
                .map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        3,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })?,
            created_at: DateTime::parse_from_rfc3339(&created)
                .map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        4,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })?
                .with_timezone(&Utc),
        },
        step: row.get(5)?,
    })
}

/// The ids of a JSON array of UUID texts.
fn parse_ids(text: &str) -> Result<Vec<Uuid>, Error> {
    let texts: Vec<&str> = serde_json::from_str(text)?;
    Ok(texts
        .into_iter()
        .map(Uuid::parse_str)
        .collect::<Result<_, _>>()?)
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
