//! Verso's statement texts, handed to sqlx.
//!
//! sqlx takes a statement's text as a `&'static str`, or wrapped in
//! [`AssertSqlSafe`]: its caller's word that nothing was injected into the
//! text. Verso's texts are made of its own layout's names, the entity
//! types' table and column names, the catalog's table names and a
//! schema's name, each quoted (by sea-query, [`ident`](crate::sql::ident)
//! or [`quoted`](verso_sql::storage::quoted)); every value stored or
//! asked for is a bound parameter, and the only literals are integers
//! (a table's index in a union, a rank, a row limit). This is the one
//! place where that word is given.

use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr};

/// The statement `text` (built as this module says), for `sqlx::query`
/// and `Executor::execute`. An owned or shared text is taken as it is; a
/// borrowed one is copied.
pub(crate) fn audited<T>(text: T) -> SqlStr
where
    AssertSqlSafe<T>: SqlSafeStr,
{
    AssertSqlSafe(text).into_sql_str()
}
