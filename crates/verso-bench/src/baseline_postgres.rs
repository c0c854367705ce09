//! The PostgreSQL baseline: the same commit and load written by hand with
//! sqlx, on the tables Verso created.
//!
//! A commit is `BEGIN`, one insert for the message version, one for the
//! thread version, one `UNNEST ... WITH ORDINALITY` insert for all the
//! links, `COMMIT`. A load is one select of the thread row and one join of
//! its links (in position order) with the message rows.

use crate::plain::{PlainMessage, PlainThread, VersionRow, HISTORY_FIELD, MESSAGE_TYPE};
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::{Executor, PgPool, Row};
use uuid::Uuid;

const INSERT_MESSAGE: &str = "INSERT INTO chat_message \
    (ecs_id, lineage_id, parent_id, created_at, role, content, parent_message) \
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
const INSERT_THREAD: &str = "INSERT INTO chat_thread \
    (ecs_id, lineage_id, parent_id, created_at, name, use_history) \
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
const INSERT_LINKS: &str = "INSERT INTO verso_links \
    (parent_ecs_id, field, position, child_ecs_id, child_type) \
    SELECT $1, $2, t.ordinality - 1, t.child, $3 \
    FROM UNNEST($4::uuid[]) WITH ORDINALITY AS t(child, ordinality)";
const SELECT_THREAD: &str = "SELECT id, ecs_id, lineage_id, parent_id, created_at, name, \
    use_history FROM chat_thread WHERE ecs_id = $1";
const SELECT_MESSAGES: &str = "SELECT m.id, m.ecs_id, m.lineage_id, m.parent_id, \
    m.created_at, m.role, m.content, m.parent_message \
    FROM verso_links AS l JOIN chat_message AS m ON m.ecs_id = l.child_ecs_id \
    WHERE l.parent_ecs_id = $1 AND l.field = $2 ORDER BY l.position";

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
    /// to `schema` (where Verso's tables are).
    pub async fn connect(url: &str, schema: &str) -> Result<Self, Error> {
        let set_path = format!("SET search_path TO \"{}\"", schema.replace('"', "\"\""));
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .after_connect(move |conn, _| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    conn.execute(set_path.as_str()).await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Ok(PostgresBaseline {
            pool,
            statements: 0,
            rows_written: 0,
        })
    }

    /// Closes the pool.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Loads the thread version `ecs_id` with its messages in order.
    pub async fn load_thread(&mut self, ecs_id: Uuid) -> Result<PlainThread, Error> {
        self.statements += 1;
        let row = sqlx::query(SELECT_THREAD)
            .bind(ecs_id)
            .fetch_one(&self.pool)
            .await?;
        let mut thread = PlainThread {
            version: version_row(&row)?,
            name: row.try_get(5)?,
            use_history: row.try_get(6)?,
            history: Vec::new(),
        };
        self.statements += 1;
        let rows = sqlx::query(SELECT_MESSAGES)
            .bind(ecs_id)
            .bind(HISTORY_FIELD)
            .fetch_all(&self.pool)
            .await?;
        thread.history.reserve_exact(rows.len());
        for row in &rows {
            thread.history.push(PlainMessage {
                version: version_row(row)?,
                role: row.try_get(5)?,
                content: row.try_get(6)?,
                parent_message: row.try_get(7)?,
            });
        }
        Ok(thread)
    }

    /// Stores a new version of message `index` (whose content the caller
    /// changed) and a new version of the thread with all its links, in one
    /// transaction, and updates `thread` to the new versions.
    pub async fn commit_edited_message(
        &mut self,
        thread: &mut PlainThread,
        index: usize,
    ) -> Result<(), Error> {
        let message_version = thread.history[index].version.fork();
        let thread_version = thread.version.fork();
        let children: Vec<Uuid> = thread
            .history
            .iter()
            .enumerate()
            .map(|(position, m)| {
                if position == index {
                    message_version.ecs_id
                } else {
                    m.version.ecs_id
                }
            })
            .collect();

        let mut tx = self.pool.begin().await?;
        self.statements += 1;
        let message = &thread.history[index];
        let message_id: i64 = sqlx::query_scalar(INSERT_MESSAGE)
            .bind(message_version.ecs_id)
            .bind(message_version.lineage_id)
            .bind(message_version.parent_id)
            .bind(message_version.created_at)
            .bind(&message.role)
            .bind(&message.content)
            .bind(message.parent_message)
            .fetch_one(&mut *tx)
            .await?;
        let thread_id: i64 = sqlx::query_scalar(INSERT_THREAD)
            .bind(thread_version.ecs_id)
            .bind(thread_version.lineage_id)
            .bind(thread_version.parent_id)
            .bind(thread_version.created_at)
            .bind(&thread.name)
            .bind(thread.use_history)
            .fetch_one(&mut *tx)
            .await?;
        let links = sqlx::query(INSERT_LINKS)
            .bind(thread_version.ecs_id)
            .bind(HISTORY_FIELD)
            .bind(MESSAGE_TYPE)
            .bind(&children)
            .execute(&mut *tx)
            .await?;
        self.statements += 3;
        tx.commit().await?;
        self.statements += 1;
        self.rows_written += 2 + links.rows_affected();

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
fn version_row(row: &PgRow) -> Result<VersionRow, Error> {
    Ok(VersionRow {
        id: row.try_get(0)?,
        ecs_id: row.try_get(1)?,
        lineage_id: row.try_get(2)?,
        parent_id: row.try_get(3)?,
        created_at: row.try_get(4)?,
    })
}
