//! What the compiler says when an entity is misused: a missing derive, a
//! field with no column type, a plain struct asked of the store, a query
//! naming a misspelt field, a field of another entity or a value of the
//! wrong type. The
//! expected messages are in `tests/ui/*.stderr`; `TRYBUILD=overwrite cargo
//! test -p verso --test compile_fail` writes them anew.

#[test]
fn misuses_explain_themselves() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
