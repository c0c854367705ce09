//! Test support: hand-written entity types (the derive is not used here)
//! and a fresh schema per test on the local PostgreSQL server.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use uuid::Uuid;
use verso_core::{
    ChildField, ChildKind, Column, ColumnType, CommitPlan, DbErrorKind, EntityType, Error, Meta,
    Node, RefKind, Reference, Result, TypeRef, Value,
};
use verso_postgres::PostgresDriver;

/// Default server; override with `VERSO_POSTGRES_URL`.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server URL for this run.
pub fn url() -> String {
    std::env::var("VERSO_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// A driver on a fresh schema, dropped (best effort) with the value, even
/// when the test panics.
pub struct TestDb {
    pub driver: PostgresDriver,
    pub schema: String,
    url: String,
}

/// Connects to a fresh schema `verso_t_<uuid>`; `None` (after a loud
/// message) when the server cannot be reached, unless
/// `VERSO_REQUIRE_POSTGRES=1`, which makes that a failure.
pub async fn setup() -> Option<TestDb> {
    let url = url();
    let schema = format!("verso_t_{}", Uuid::new_v4().simple());
    match PostgresDriver::connect_in_schema(&url, &schema).await {
        Ok(driver) => Some(TestDb {
            driver,
            schema,
            url,
        }),
        Err(Error::Database {
            kind: DbErrorKind::ConnectionLost,
            message,
            ..
        }) => {
            if std::env::var("VERSO_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PostgreSQL required (VERSO_REQUIRE_POSTGRES=1) but not reachable at {url}: {message}");
            }
            eprintln!("SKIPPED: PostgreSQL not reachable at {url}: {message}");
            None
        }
        Err(other) => panic!("cannot set up a test schema on {url}: {other}"),
    }
}

impl TestDb {
    /// A pool of one connection to the test schema: its prepared statements
    /// can be read back from `pg_prepared_statements` and explained.
    pub async fn single_connection_pool(&self) -> sqlx::PgPool {
        let set_path = format!("SET search_path TO \"{}\"", self.schema);
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .after_connect(move |conn, _| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    sqlx::Executor::execute(conn, AssertSqlSafe(set_path)).await?;
                    Ok(())
                })
            })
            .connect(&self.url)
            .await
            .unwrap()
    }

    /// `SELECT count(*)` of a table of the test schema.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(self.driver.pool())
            .await
            .unwrap()
    }

    /// Whether a table exists in the test schema.
    pub async fn table_exists(&self, table: &str) -> bool {
        sqlx::query_scalar::<_, bool>("SELECT to_regclass($1) IS NOT NULL")
            .bind(table)
            .fetch_one(self.driver.pool())
            .await
            .unwrap()
    }

    /// Runs a statement in the test schema.
    pub async fn execute(&self, sql: &str) {
        self.driver
            .pool()
            .execute(AssertSqlSafe(sql))
            .await
            .unwrap();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let url = self.url.clone();
        let drop_schema = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        // A runtime of its own: this may run while the test's runtime is
        // unwinding from a panic.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&url).await {
                    let _ = conn.execute(AssertSqlSafe(drop_schema)).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

pub static THREAD: EntityType = EntityType {
    name: "Thread",
    table: "threads",
    origin: verso_core::Origin::UNKNOWN,
    columns: &[Column {
        name: "title",
        ty: ColumnType::Text,
        nullable: false,
        references: None,
    }],
    children: &[ChildField {
        name: "messages",
        kind: ChildKind::Many,
        target: TypeRef::Static(message_type),
    }],
    variants: &[],
};

/// Every column type, nullable and not; replies make trees of any depth.
pub static MESSAGE: EntityType = EntityType {
    name: "Message",
    table: "messages",
    origin: verso_core::Origin::UNKNOWN,
    columns: &[
        Column {
            name: "body",
            ty: ColumnType::Text,
            nullable: false,
            references: None,
        },
        Column {
            name: "n",
            ty: ColumnType::Int,
            nullable: false,
            references: None,
        },
        Column {
            name: "score",
            ty: ColumnType::Float,
            nullable: true,
            references: None,
        },
        Column {
            name: "flag",
            ty: ColumnType::Bool,
            nullable: false,
            references: None,
        },
        Column {
            name: "at",
            ty: ColumnType::Timestamp,
            nullable: false,
            references: None,
        },
        Column {
            name: "payload",
            ty: ColumnType::Json,
            nullable: true,
            references: None,
        },
        Column {
            name: "author",
            ty: ColumnType::Uuid,
            nullable: true,
            references: Some(Reference::one(
                TypeRef::Static(thread_type),
                RefKind::Version,
            )),
        },
    ],
    children: &[ChildField {
        name: "replies",
        kind: ChildKind::Many,
        target: TypeRef::Static(message_type),
    }],
    variants: &[],
};

pub fn thread_type() -> &'static EntityType {
    &THREAD
}

pub fn message_type() -> &'static EntityType {
    &MESSAGE
}

/// A working-copy thread.
#[derive(Clone, Debug)]
pub struct ThreadNode {
    pub meta: Meta,
    pub title: String,
    pub messages: Vec<MessageNode>,
}

/// A working-copy message.
#[derive(Clone, Debug)]
pub struct MessageNode {
    pub meta: Meta,
    pub body: String,
    pub n: i64,
    pub score: Option<f64>,
    pub flag: bool,
    pub at: DateTime<Utc>,
    pub payload: Option<serde_json::Value>,
    pub author: Option<Uuid>,
    pub replies: Vec<MessageNode>,
}

impl MessageNode {
    /// Message number `n`, its optional fields set for odd `n` only.
    pub fn new(n: i64) -> Self {
        MessageNode {
            meta: Meta::new(),
            body: format!("message {n} — «quoted» \"text\""),
            n,
            score: (n % 2 == 1).then_some(n as f64 / 3.0),
            flag: n % 3 == 0,
            at: verso_core::now(),
            payload: (n % 2 == 1).then(|| serde_json::json!({"n": n, "tags": ["a", null]})),
            author: (n % 2 == 1).then(Uuid::new_v4),
            replies: Vec::new(),
        }
    }
}

impl ThreadNode {
    /// A thread with `messages` messages.
    pub fn new(title: &str, messages: usize) -> Self {
        ThreadNode {
            meta: Meta::new(),
            title: title.to_string(),
            messages: (0..messages as i64).map(MessageNode::new).collect(),
        }
    }
}

impl Node for ThreadNode {
    fn node_type(&self) -> &'static EntityType {
        &THREAD
    }
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn column_values(&self) -> Result<Vec<Value>> {
        Ok(vec![Value::Text(self.title.clone())])
    }
    fn for_each_child(&self, visit: &mut dyn FnMut(usize, &dyn Node)) {
        for message in &self.messages {
            visit(0, message);
        }
    }
    fn for_each_child_mut(&mut self, visit: &mut dyn FnMut(usize, &mut dyn Node)) {
        for message in &mut self.messages {
            visit(0, message);
        }
    }
}

impl Node for MessageNode {
    fn node_type(&self) -> &'static EntityType {
        &MESSAGE
    }
    fn meta(&self) -> &Meta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut Meta {
        &mut self.meta
    }
    fn column_values(&self) -> Result<Vec<Value>> {
        Ok(vec![
            Value::Text(self.body.clone()),
            Value::Int(self.n),
            self.score.map_or(Value::Null, Value::Float),
            Value::Bool(self.flag),
            Value::Timestamp(self.at),
            self.payload.clone().map_or(Value::Null, Value::Json),
            self.author.map_or(Value::Null, Value::Uuid),
        ])
    }
    fn for_each_child(&self, visit: &mut dyn FnMut(usize, &dyn Node)) {
        for reply in &self.replies {
            visit(0, reply);
        }
    }
    fn for_each_child_mut(&mut self, visit: &mut dyn FnMut(usize, &mut dyn Node)) {
        for reply in &mut self.replies {
            visit(0, reply);
        }
    }
}

/// The commit plan of `root`'s tree (everything new or changed).
pub fn plan_of(root: &dyn Node) -> CommitPlan {
    verso_core::plan_commit(root, false).unwrap().plan
}
