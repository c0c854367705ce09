//! What differs between the SQL databases Verso stores in.

use sea_query::SimpleExpr;
use verso_core::ColumnType;

/// The parts of Verso's statements that differ between databases; every
/// other part is the same everywhere and built by this crate.
pub trait Dialect {
    /// The declared type of a column storing values of `ty`, as the
    /// database reports it back to the driver's schema check.
    fn column_type(&self, ty: ColumnType) -> &'static str;

    /// What follows `NOT NULL` in the declaration of the `id` column to
    /// have the store number rows; `None` where an integer primary key
    /// numbers them by itself.
    fn row_numbering(&self) -> Option<&'static str>;

    /// Parameter number `n` (from 1) of a statement.
    fn parameter(&self, n: usize) -> SimpleExpr;

    /// Whether `column` holds one of the ids of the list bound as parameter
    /// number `n`.
    fn in_id_list(&self, column: &str, n: usize) -> SimpleExpr;
}
