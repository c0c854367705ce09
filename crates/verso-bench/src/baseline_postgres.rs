//! The PostgreSQL baseline: the same commits, loads and lookups written by
//! hand with sqlx, on the tables Verso created, in Verso's layout.
//!
//! A commit is `BEGIN`, then one statement per table: the new message
//! version(s) (`UNNEST` of one array per column, `RETURNING id, ecs_id`),
//! the thread version (`RETURNING id`), the thread's list row (its entries
//! bound as one `uuid[]`), the new chunks (`UNNEST`, their entries as
//! `uuid[]` literals, `ON CONFLICT DO NOTHING`: chunks are shared by
//! content), the list changes, the replaced heads deleted and the new heads
//! inserted (`UNNEST`); then `COMMIT`. Which chunks are new the baseline
//! knows from the chunk ids of the version it replaces.
//!
//! A load is one select of the thread row, one recursive walk of its list
//! row and the chunks below it, and one select of the messages by id
//! (`= ANY($1)`), put in list order in Rust.

use crate::lists::{uuid_array_literal, Change, ReadList, StoredList};
use crate::pending::PendingCommit;
use crate::plain::{PlainMessage, PlainThread, PlainTick, VersionRow, HISTORY_FIELD, MESSAGE_TYPE};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Executor, PgPool, Row};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

const INSERT_MESSAGES: &str = "INSERT INTO chat_message \
    (ecs_id, lineage_id, parent_id, created_at, role, content, parent_message) \
    SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], \
    $6::text[], $7::uuid[]) RETURNING id, ecs_id";
const INSERT_THREAD: &str = "INSERT INTO chat_thread \
    (ecs_id, lineage_id, parent_id, created_at, name, use_history) \
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
const INSERT_LIST: &str = "INSERT INTO verso_lists \
    (parent_ecs_id, field, child_type, height, entries) VALUES ($1, $2, $3, $4, $5)";
const INSERT_CHUNKS: &str = "INSERT INTO verso_chunks (chunk_id, height, entries) \
    SELECT c, h, e::uuid[] FROM UNNEST($1::uuid[], $2::int8[], $3::text[]) AS batch(c, h, e) \
    ON CONFLICT (chunk_id) DO NOTHING";
const INSERT_CHANGES: &str = "INSERT INTO verso_list_changes \
    (child_ecs_id, parent_ecs_id, field, position, added) \
    SELECT c, $2, $3, p, a FROM UNNEST($1::uuid[], $4::int8[], $5::bool[]) AS batch(c, p, a)";
const DELETE_HEADS: &str = "DELETE FROM verso_heads WHERE (lineage_id, ecs_id) IN \
    (SELECT * FROM UNNEST($1::uuid[], $2::uuid[]))";
const INSERT_HEADS: &str = "INSERT INTO verso_heads (lineage_id, ecs_id) \
    SELECT * FROM UNNEST($1::uuid[], $2::uuid[])";

const SELECT_THREAD: &str = "SELECT id, ecs_id, lineage_id, parent_id, created_at, name, \
    use_history FROM chat_thread WHERE ecs_id = $1";
/// The list row of `$1`'s field `$2` and every chunk below it. A chunk
/// tree has no cycles and the walk starts from one list, so `UNION ALL`
/// (a chunk repeated in the list is read again, which is harmless).
const WALK_LIST: &str = "WITH RECURSIVE w(chunk_id, height, entries) AS (\
    SELECT NULL::uuid, height, entries FROM verso_lists \
    WHERE parent_ecs_id = $1 AND field = $2 \
    UNION ALL \
    SELECT c.chunk_id, c.height, c.entries FROM w CROSS JOIN LATERAL unnest(w.entries) AS e(value) \
    JOIN verso_chunks AS c ON c.chunk_id = e.value WHERE w.height > 0) \
    SELECT chunk_id, height, entries FROM w";
const SELECT_MESSAGES: &str = "SELECT id, ecs_id, lineage_id, parent_id, created_at, role, \
    content, parent_message FROM chat_message WHERE ecs_id = ANY($1)";

/// A hand-written data layer on an sqlx pool, counting the statements it
/// sends and the rows it inserts.
pub struct PostgresBaseline {
    pool: PgPool,
    /// Statements sent so far (`BEGIN` and `COMMIT` included).
    pub statements: u64,
    /// Rows inserted so far.
    pub rows_written: u64,
}

/// Errors of the baseline.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

impl PostgresBaseline {
    /// Connects to `url` with every pooled connection's `search_path` set
    /// to `schema` (where Verso's tables are), with JIT off as Verso's
    /// driver has it, and the settings of [`session_settings`].
    pub async fn connect(url: &str, schema: &str) -> Result<Self, Error> {
        Ok(PostgresBaseline {
            pool: schema_pool(url, schema, &session_settings(), 2).await?,
            statements: 0,
            rows_written: 0,
        })
    }

    /// Closes the pool.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Bytes the tables of the current schema occupy: the sum of their
    /// `pg_total_relation_size` (heap, indexes, TOAST, free space maps);
    /// not counted as a statement.
    pub async fn stored_bytes(&self) -> Result<u64, Error> {
        let bytes: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class AS c \
             JOIN pg_namespace AS n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(bytes as u64)
    }

    /// Loads the thread version `ecs_id` with its messages in order.
    pub async fn load_thread(&mut self, ecs_id: Uuid) -> Result<PlainThread, Error> {
        let mut conn = self.pool.acquire().await?;
        self.statements += 1;
        let row = sqlx::query(SELECT_THREAD)
            .bind(ecs_id)
            .fetch_one(&mut *conn)
            .await?;
        let mut thread = PlainThread {
            version: version_row(&row)?,
            name: row.try_get(5)?,
            use_history: row.try_get(6)?,
            history: Vec::new(),
            stored_chunks: Default::default(),
        };

        self.statements += 1;
        let rows = sqlx::query(WALK_LIST)
            .bind(ecs_id)
            .bind(HISTORY_FIELD)
            .fetch_all(&mut *conn)
            .await?;
        let mut list = ReadList::default();
        let mut found = false;
        for row in rows {
            let chunk: Option<Uuid> = row.try_get(0)?;
            let height: i64 = row.try_get(1)?;
            let entries: Vec<Uuid> = row.try_get(2)?;
            match chunk {
                None => {
                    found = true;
                    list.height = height;
                    list.root = entries;
                }
                Some(id) => {
                    list.chunks.insert(id, (height, entries));
                }
            }
        }
        if !found {
            return Ok(thread);
        }
        let children = list.children()?;
        thread.stored_chunks = list.chunk_ids();

        self.statements += 1;
        let rows = sqlx::query(SELECT_MESSAGES)
            .bind(&children)
            .fetch_all(&mut *conn)
            .await?;
        let mut by_id = HashMap::with_capacity(rows.len());
        for row in &rows {
            let message = PlainMessage {
                version: version_row(row)?,
                role: row.try_get(5)?,
                content: row.try_get(6)?,
                parent_message: row.try_get(7)?,
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
    pub async fn commit_new_thread(&mut self, thread: &mut PlainThread) -> Result<(), Error> {
        let pending = PendingCommit::create(thread);
        self.store(thread, pending).await
    }

    /// Stores a new version of message `index` (whose content the caller
    /// changed) and a new version of the thread, and updates `thread`.
    pub async fn commit_edited_message(
        &mut self,
        thread: &mut PlainThread,
        index: usize,
    ) -> Result<(), Error> {
        let pending = PendingCommit::edit(thread, index);
        self.store(thread, pending).await
    }

    /// Stores `message` (a new message) appended to `thread`, and a new
    /// version of the thread, and updates `thread`.
    pub async fn commit_appended_message(
        &mut self,
        thread: &mut PlainThread,
        message: PlainMessage,
    ) -> Result<(), Error> {
        let pending = PendingCommit::append(thread, message);
        self.store(thread, pending).await
    }

    /// Writes `pending` in one transaction, then updates `thread`.
    async fn store(
        &mut self,
        thread: &mut PlainThread,
        pending: PendingCommit,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let mut statements = 1;

        let messages = &pending.messages;
        let column = |f: fn(&PlainMessage) -> Uuid| messages.iter().map(f).collect::<Vec<_>>();
        let rows = if messages.is_empty() {
            Vec::new()
        } else {
            statements += 1;
            sqlx::query(INSERT_MESSAGES)
                .bind(column(|m| m.version.ecs_id))
                .bind(column(|m| m.version.lineage_id))
                .bind(
                    messages
                        .iter()
                        .map(|m| m.version.parent_id)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    messages
                        .iter()
                        .map(|m| m.version.created_at)
                        .collect::<Vec<_>>(),
                )
                .bind(messages.iter().map(|m| m.role.as_str()).collect::<Vec<_>>())
                .bind(
                    messages
                        .iter()
                        .map(|m| m.content.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    messages
                        .iter()
                        .map(|m| m.parent_message)
                        .collect::<Vec<_>>(),
                )
                .fetch_all(&mut *tx)
                .await?
        };
        let mut ids = HashMap::with_capacity(rows.len());
        for row in rows {
            ids.insert(row.try_get::<Uuid, _>(1)?, row.try_get::<i64, _>(0)?);
        }
        let message_ids: Vec<i64> = messages.iter().map(|m| ids[&m.version.ecs_id]).collect();

        let v = &pending.thread;
        let thread_id: i64 = sqlx::query_scalar(INSERT_THREAD)
            .bind(v.ecs_id)
            .bind(v.lineage_id)
            .bind(v.parent_id)
            .bind(v.created_at)
            .bind(&thread.name)
            .bind(thread.use_history)
            .fetch_one(&mut *tx)
            .await?;
        statements += 1;

        let list = &pending.list;
        if pending.has_list() {
            sqlx::query(INSERT_LIST)
                .bind(v.ecs_id)
                .bind(HISTORY_FIELD)
                .bind(MESSAGE_TYPE)
                .bind(list.height)
                .bind(&list.entries)
                .execute(&mut *tx)
                .await?;
            statements += 1;
        }
        let mut chunks_written = 0;
        if !list.new_chunks.is_empty() {
            chunks_written = sqlx::query(INSERT_CHUNKS)
                .bind(list.new_chunks.iter().map(|c| c.id).collect::<Vec<_>>())
                .bind(list.new_chunks.iter().map(|c| c.height).collect::<Vec<_>>())
                .bind(
                    list.new_chunks
                        .iter()
                        .map(|c| uuid_array_literal(&c.entries))
                        .collect::<Vec<_>>(),
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
            statements += 1;
        }
        if !pending.changes.is_empty() {
            let changes = &pending.changes;
            sqlx::query(INSERT_CHANGES)
                .bind(changes.iter().map(|c| c.child).collect::<Vec<_>>())
                .bind(v.ecs_id)
                .bind(HISTORY_FIELD)
                .bind(changes.iter().map(|c| c.position).collect::<Vec<_>>())
                .bind(changes.iter().map(|c| c.added).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await?;
            statements += 1;
        }
        if !pending.replaced_heads.is_empty() {
            let (lineages, versions): (Vec<Uuid>, Vec<Uuid>) =
                pending.replaced_heads.iter().copied().unzip();
            sqlx::query(DELETE_HEADS)
                .bind(lineages)
                .bind(versions)
                .execute(&mut *tx)
                .await?;
            statements += 1;
        }
        let (lineages, versions): (Vec<Uuid>, Vec<Uuid>) = pending.new_heads().unzip();
        sqlx::query(INSERT_HEADS)
            .bind(lineages)
            .bind(versions)
            .execute(&mut *tx)
            .await?;
        statements += 1;

        tx.commit().await?;
        statements += 1;
        self.statements += statements;
        self.rows_written += pending.rows_besides_chunks() + chunks_written;
        pending.apply(thread, &message_ids, thread_id);
        Ok(())
    }

    /// The list row of version `ecs_id` and every chunk below it, as stored,
    /// entries as the text of their `uuid[]` (for the cross-check; not
    /// counted).
    pub async fn stored_list(&self, ecs_id: Uuid) -> Result<StoredList, Error> {
        let row = sqlx::query(
            "SELECT child_type, height, entries::text FROM verso_lists \
             WHERE parent_ecs_id = $1 AND field = $2",
        )
        .bind(ecs_id)
        .bind(HISTORY_FIELD)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "WITH RECURSIVE w(chunk_id, height, entries) AS (\
             SELECT NULL::uuid, height, entries FROM verso_lists \
             WHERE parent_ecs_id = $1 AND field = $2 \
             UNION SELECT c.chunk_id, c.height, c.entries FROM w \
             CROSS JOIN LATERAL unnest(w.entries) AS e(value) \
             JOIN verso_chunks AS c ON c.chunk_id = e.value WHERE w.height > 0) \
             SELECT DISTINCT chunk_id, height, entries::text FROM w WHERE chunk_id IS NOT NULL",
        )
        .bind(ecs_id)
        .bind(HISTORY_FIELD)
        .fetch_all(&self.pool)
        .await?;
        let mut chunks = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect::<Result<Vec<(Uuid, i64, String)>, sqlx::Error>>()?;
        chunks.sort();
        Ok(StoredList {
            child_type: row.try_get(0)?,
            height: row.try_get(1)?,
            entries: row.try_get(2)?,
            chunks,
        })
    }

    /// The `(child, position, added)` change rows of version `ecs_id`,
    /// sorted (for the cross-check; not counted).
    pub async fn stored_changes(&self, ecs_id: Uuid) -> Result<Vec<Change>, Error> {
        let rows = sqlx::query(
            "SELECT child_ecs_id, position, added FROM verso_list_changes \
             WHERE parent_ecs_id = $1 AND field = $2",
        )
        .bind(ecs_id)
        .bind(HISTORY_FIELD)
        .fetch_all(&self.pool)
        .await?;
        let mut changes = rows
            .iter()
            .map(|r| {
                Ok(Change {
                    child: r.try_get(0)?,
                    position: r.try_get(1)?,
                    added: r.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        changes.sort();
        Ok(changes)
    }

    /// The newest version of the tick lineage, at or before `at` if given.
    pub async fn newest_tick(
        &mut self,
        lineage_id: Uuid,
        at: Option<DateTime<Utc>>,
    ) -> Result<PlainTick, Error> {
        self.statements += 1;
        let row = match at {
            None => {
                sqlx::query(
                    "SELECT id, ecs_id, lineage_id, parent_id, created_at, step FROM tick \
                     WHERE lineage_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(lineage_id)
                .fetch_one(&self.pool)
                .await?
            }
            Some(at) => {
                sqlx::query(
                    "SELECT id, ecs_id, lineage_id, parent_id, created_at, step FROM tick \
                     WHERE lineage_id = $1 AND created_at <= $2 \
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(lineage_id)
                .bind(at)
                .fetch_one(&self.pool)
                .await?
            }
        };
        tick_row(&row)
    }

    /// The heads of the tick lineage, oldest first.
    pub async fn tick_heads(&mut self, lineage_id: Uuid) -> Result<Vec<PlainTick>, Error> {
        self.statements += 1;
        let rows = sqlx::query(
            "SELECT v.id, v.ecs_id, v.lineage_id, v.parent_id, v.created_at, v.step \
             FROM verso_heads AS h JOIN tick AS v ON v.ecs_id = h.ecs_id \
             WHERE h.lineage_id = $1 ORDER BY v.created_at, v.id",
        )
        .bind(lineage_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(tick_row).collect()
    }

    /// One page of the tick lineage's versions (metadata), oldest first,
    /// after the `(created_at, id)` cursor.
    pub async fn tick_versions_page(
        &mut self,
        lineage_id: Uuid,
        after: Option<(DateTime<Utc>, i64)>,
        limit: u64,
    ) -> Result<Vec<VersionRow>, Error> {
        self.statements += 1;
        let rows = match after {
            None => {
                sqlx::query(
                    "SELECT id, ecs_id, lineage_id, parent_id, created_at FROM tick \
                     WHERE lineage_id = $1 ORDER BY created_at, id LIMIT $2",
                )
                .bind(lineage_id)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?
            }
            Some((at, id)) => {
                sqlx::query(
                    "SELECT id, ecs_id, lineage_id, parent_id, created_at FROM tick \
                     WHERE lineage_id = $1 AND (created_at, id) > ($2, $3) \
                     ORDER BY created_at, id LIMIT $4",
                )
                .bind(lineage_id)
                .bind(at)
                .bind(id)
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(version_row).collect()
    }

    /// Every earlier version id on the path from the first version of the
    /// lineage to `ecs_id`, oldest first: one walk up `parent_id`.
    pub async fn tick_old_ids(&mut self, ecs_id: Uuid) -> Result<Vec<Uuid>, Error> {
        self.statements += 1;
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "WITH RECURSIVE up(ecs_id, depth) AS (\
             SELECT parent_id, 1 FROM tick WHERE ecs_id = $1 AND parent_id IS NOT NULL \
             UNION ALL SELECT s.parent_id, up.depth + 1 FROM tick AS s \
             JOIN up ON s.ecs_id = up.ecs_id WHERE s.parent_id IS NOT NULL) \
             SELECT ecs_id FROM up ORDER BY depth DESC",
        )
        .bind(ecs_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }
}

/// The session settings of every measured PostgreSQL connection, Verso's
/// and the baseline's: `jit = off` (as Verso's driver sets it), and
/// `synchronous_commit` from `VERSO_BENCH_PG_SYNCHRONOUS_COMMIT` when set
/// (`off` takes the WAL flush out of every commit; the server's setting
/// otherwise).
pub fn session_settings() -> Vec<(&'static str, String)> {
    let mut settings = vec![("jit", "off".to_string())];
    if let Ok(value) = std::env::var("VERSO_BENCH_PG_SYNCHRONOUS_COMMIT") {
        if !value.is_empty() {
            settings.push(("synchronous_commit", value));
        }
    }
    settings
}

/// A pool on `url` whose connections have `settings` and `schema` as their
/// `search_path`.
pub async fn schema_pool(
    url: &str,
    schema: &str,
    settings: &[(&'static str, String)],
    max_connections: u32,
) -> Result<PgPool, Error> {
    use std::str::FromStr;
    let options = sqlx::postgres::PgConnectOptions::from_str(url)?
        .options(settings.iter().map(|(k, v)| (*k, v.as_str())));
    let set_path: Arc<str> =
        format!("SET search_path TO \"{}\"", schema.replace('"', "\"\"")).into();
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            let set_path = AssertSqlSafe(Arc::clone(&set_path));
            Box::pin(async move {
                conn.execute(set_path).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

/// `VACUUM ANALYZE` of every table of `schema`, as autovacuum would do in
/// time (it may be off on a test server).
pub async fn vacuum_analyze(url: &str, schema: &str) -> Result<(), Error> {
    let pool = schema_pool(url, schema, &[], 1).await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()",
    )
    .fetch_all(&pool)
    .await?;
    if !tables.is_empty() {
        pool.execute(AssertSqlSafe(format!(
            "VACUUM ANALYZE {}",
            tables.join(", ")
        )))
        .await?;
    }
    pool.close().await;
    Ok(())
}

fn tick_row(row: &PgRow) -> Result<PlainTick, Error> {
    Ok(PlainTick {
        version: version_row(row)?,
        step: row.try_get(5)?,
    })
}

/// The five metadata columns at the start of `row`.
fn version_row(row: &PgRow) -> Result<VersionRow, Error> {
    Ok(VersionRow {
        id: row.try_get(0)?,
        ecs_id: row.try_get(1)?,
        lineage_id: row.try_get(2)?,
        parent_id: row.try_get(3)?,
        created_at: row.try_get(4)?,
    })
}
