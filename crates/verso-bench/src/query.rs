//! The query benchmark's fixture and its hand-written baseline: articles,
//! one lineage each (every tenth edited once, so it has two versions),
//! queried for the newest version of each lineage, filtered, ordered and
//! limited, through the same driver crate Verso uses.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use verso::{Entity, Meta};

/// One article: the queried entity.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct Article {
    /// Version metadata.
    pub meta: Meta,
    /// Title.
    pub title: String,
    /// Score, the sort key.
    pub score: i64,
    /// Whether it is published, a filter.
    pub published: bool,
}

/// The articles, owned by one shelf so that the fixture is one commit.
#[derive(Clone, Debug, PartialEq, Entity)]
pub struct ArticleShelf {
    /// Version metadata.
    pub meta: Meta,
    /// The articles, one lineage each.
    #[verso(child)]
    pub articles: Vec<Article>,
}

/// An article version as the baseline reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct PlainArticle {
    /// Row id.
    pub id: i64,
    /// Version id.
    pub ecs_id: Uuid,
    /// Lineage id.
    pub lineage_id: Uuid,
    /// Parent version.
    pub parent_id: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Title.
    pub title: String,
    /// Score.
    pub score: i64,
    /// Published.
    pub published: bool,
}

/// The `n` articles of the fixture: scores spread over 0..1000, about
/// half published.
pub fn articles(n: usize) -> Vec<Article> {
    (0..n)
        .map(|i| Article {
            meta: Meta::new(),
            title: format!("article {i}"),
            score: ((i * 7919) % 1000) as i64,
            published: i % 2 == 0,
        })
        .collect()
}

/// The score a query asks for at least.
pub const MIN_SCORE: i64 = 500;

/// The hand-written query: published articles scoring at least `?2`
/// (`$2`), newest version of each lineage, best first, `?3` of them;
/// with `after`, only those after the cursor `(score, id)` (`?4`, `?5`).
pub fn hand_written_sql(placeholder: fn(usize) -> String, after: bool) -> String {
    let p = placeholder;
    let cursor = if after {
        format!(
            " AND (v.score < {a} OR (v.score = {a} AND v.id < {b}))",
            a = p(4),
            b = p(5)
        )
    } else {
        String::new()
    };
    format!(
        "SELECT v.id, v.ecs_id, v.lineage_id, v.parent_id, v.created_at, v.title, v.score, \
         v.published FROM article AS v \
         WHERE NOT EXISTS (SELECT 1 FROM article AS n WHERE n.lineage_id = v.lineage_id \
         AND (n.created_at, n.id) > (v.created_at, v.id)) \
         AND v.published = {} AND v.score >= {}{cursor} \
         ORDER BY v.score DESC, v.id DESC LIMIT {}",
        p(1),
        p(2),
        p(3)
    )
}

/// The hand-written count of the same versions.
pub fn hand_written_count_sql(placeholder: fn(usize) -> String) -> String {
    let p = placeholder;
    format!(
        "SELECT COUNT(*) FROM article AS v \
         WHERE NOT EXISTS (SELECT 1 FROM article AS n WHERE n.lineage_id = v.lineage_id \
         AND (n.created_at, n.id) > (v.created_at, v.id)) \
         AND v.published = {} AND v.score >= {}",
        p(1),
        p(2)
    )
}

/// `?n`.
pub fn sqlite_placeholder(n: usize) -> String {
    format!("?{n}")
}

/// `$n`.
pub fn postgres_placeholder(n: usize) -> String {
    format!("${n}")
}

/// The hand-written baseline through rusqlite.
#[cfg(feature = "sqlite")]
pub mod sqlite {
    use super::*;
    use rusqlite::{params, Connection, Row};

    /// Runs the query (`after`: the cursor `(score, id)`).
    pub fn page(
        conn: &Connection,
        limit: i64,
        after: Option<(i64, i64)>,
    ) -> rusqlite::Result<Vec<PlainArticle>> {
        let sql = hand_written_sql(sqlite_placeholder, after.is_some());
        let mut statement = conn.prepare_cached(&sql)?;
        let rows = match after {
            None => statement.query_map(params![true, MIN_SCORE, limit], article)?,
            Some((score, id)) => {
                statement.query_map(params![true, MIN_SCORE, limit, score, id], article)?
            }
        };
        rows.collect()
    }

    /// Runs the count.
    pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
        let sql = hand_written_count_sql(sqlite_placeholder);
        conn.prepare_cached(&sql)?
            .query_row(params![true, MIN_SCORE], |row| row.get(0))
    }

    fn article(row: &Row<'_>) -> rusqlite::Result<PlainArticle> {
        let uuid = |index: usize| -> rusqlite::Result<Uuid> {
            let text: String = row.get(index)?;
            Uuid::parse_str(&text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    index,
                    rusqlite::types::Type::Text,
                    e.into(),
                )
            })
        };
        let parent: Option<String> = row.get(3)?;
        let created: String = row.get(4)?;
        Ok(PlainArticle {
            id: row.get(0)?,
            ecs_id: uuid(1)?,
            lineage_id: uuid(2)?,
            parent_id: parent.and_then(|p| Uuid::parse_str(&p).ok()),
            created_at: DateTime::parse_from_rfc3339(&created)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        4,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })?,
            title: row.get(5)?,
            score: row.get(6)?,
            published: row.get(7)?,
        })
    }
}

/// The hand-written baseline through sqlx.
#[cfg(feature = "postgres")]
pub mod postgres {
    use super::*;
    use sqlx::{AssertSqlSafe, PgPool, Row};

    /// Runs the query (`after`: the cursor `(score, id)`).
    pub async fn page(
        pool: &PgPool,
        limit: i64,
        after: Option<(i64, i64)>,
    ) -> sqlx::Result<Vec<PlainArticle>> {
        let sql = hand_written_sql(postgres_placeholder, after.is_some());
        let query = sqlx::query(AssertSqlSafe(sql))
            .bind(true)
            .bind(MIN_SCORE)
            .bind(limit);
        let query = match after {
            None => query,
            Some((score, id)) => query.bind(score).bind(id),
        };
        let rows = query.fetch_all(pool).await?;
        rows.iter()
            .map(|row| {
                Ok(PlainArticle {
                    id: row.try_get(0)?,
                    ecs_id: row.try_get(1)?,
                    lineage_id: row.try_get(2)?,
                    parent_id: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    title: row.try_get(5)?,
                    score: row.try_get(6)?,
                    published: row.try_get(7)?,
                })
            })
            .collect()
    }

    /// Runs the count.
    pub async fn count(pool: &PgPool) -> sqlx::Result<i64> {
        let sql = hand_written_count_sql(postgres_placeholder);
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(true)
            .bind(MIN_SCORE)
            .fetch_one(pool)
            .await
    }
}
