//! What differs between the SQL databases Verso stores in.

use sea_query::Expr;
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
    fn parameter(&self, n: usize) -> Expr;

    /// Whether `column` holds one of the ids of the list bound as parameter
    /// number `n`.
    fn in_id_list(&self, column: &str, n: usize) -> Expr;

    /// Whether the list of references in `column` (a JSON array of ids,
    /// see `verso_core`'s `Vec<Ref<T>>`) holds one of the ids of the list
    /// bound as parameter number `n`.
    fn list_holds_any(&self, column: &str, n: usize) -> Expr;

    /// Parameter number `n` (from 1), as statement text.
    fn param(&self, n: usize) -> String;

    /// `column` holds one of the ids of the list bound as parameter `n`,
    /// as statement text.
    fn in_ids(&self, column: &str, n: usize) -> String;

    /// `column` holds one of the texts of the list bound as parameter `n`,
    /// as statement text.
    fn in_texts(&self, column: &str, n: usize) -> String;

    /// The declared type of a column holding an ordered list of ids.
    fn id_list_type(&self) -> &'static str;

    /// A `FROM` item expanding the id list `list` (a column of a preceding
    /// `FROM` item) into rows `alias.value` (the id) and `alias.key` (its
    /// position, increasing).
    fn each_id(&self, list: &str, alias: &str) -> String;

    /// What follows the definition of a table that is read and written
    /// only by its primary key (`WITHOUT ROWID` on SQLite).
    fn keyed_table_suffix(&self) -> &'static str;

    /// How the database writes a recursive walk over arrays.
    fn recursion(&self) -> crate::storage::Recursion;

    /// The function giving the 1-based position of text `$2` in text `$1`
    /// (0 when absent), counted in characters and case-sensitive.
    fn text_position(&self) -> &'static str;

    /// The collation that compares and sorts text by its bytes, where the
    /// default one does not (`None`: the default does).
    fn byte_collation(&self) -> Option<&'static str>;
}
