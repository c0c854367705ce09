//! Checking a version's values before anything is written, so every
//! backend accepts and refuses the same values.

use crate::error::{Error, Result};
use crate::schema::EntityType;
use crate::value::{ColumnType, Value};
use chrono::Datelike;
use uuid::Uuid;

/// Years every backend stores and orders correctly (SQLite keeps
/// timestamps as fixed-width text).
const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// Checks the values of a version of `ty` (working-copy id `id`) against
/// its columns: the value kind, `NULL` only where allowed, no NUL character
/// in text or JSON strings (PostgreSQL cannot store one), timestamps within
/// years 1 to 9999.
pub(crate) fn check_values(ty: &EntityType, id: Uuid, values: &[Value]) -> Result<()> {
    let invalid = |detail: String| Error::InvalidInput {
        type_name: ty.name.to_string(),
        id,
        detail,
    };
    if values.len() != ty.columns.len() {
        return Err(invalid(format!(
            "{} values for {} columns",
            values.len(),
            ty.columns.len()
        )));
    }
    for (column, value) in ty.columns.iter().zip(values) {
        let problem = match (column.ty, value) {
            (_, Value::Null) if column.nullable => None,
            (_, Value::Null) => Some("is required, but the value is null".to_string()),
            (ColumnType::Text, Value::Text(text)) if text.contains('\0') => {
                Some("contains a NUL character, which PostgreSQL cannot store".into())
            }
            (ColumnType::Json, Value::Json(doc)) if json_has_nul(doc) => {
                Some("contains a NUL character, which PostgreSQL cannot store".into())
            }
            (ColumnType::Timestamp, Value::Timestamp(time)) if !YEARS.contains(&time.year()) => {
                Some(format!(
                    "holds {time}, outside the years 1 to 9999 Verso stores"
                ))
            }
            (ColumnType::Bool, Value::Bool(_))
            | (ColumnType::Int, Value::Int(_))
            | (ColumnType::Float, Value::Float(_))
            | (ColumnType::Text, Value::Text(_))
            | (ColumnType::Uuid, Value::Uuid(_))
            | (ColumnType::Timestamp, Value::Timestamp(_))
            | (ColumnType::Json, Value::Json(_)) => None,
            (expected, found) => Some(format!(
                "is a {} column, but the value is a {}",
                expected.name(),
                found.kind()
            )),
        };
        if let Some(problem) = problem {
            return Err(invalid(format!("column {} {problem}", column.name)));
        }
    }
    Ok(())
}

fn json_has_nul(doc: &serde_json::Value) -> bool {
    match doc {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(json_has_nul),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.contains('\0') || json_has_nul(value)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Column;

    static COLUMNS: [Column; 3] = [
        Column {
            name: "label",
            ty: ColumnType::Text,
            nullable: false,
            references: None,
        },
        Column {
            name: "note",
            ty: ColumnType::Text,
            nullable: true,
            references: None,
        },
        Column {
            name: "doc",
            ty: ColumnType::Json,
            nullable: true,
            references: None,
        },
    ];
    static TYPE: EntityType = EntityType {
        name: "Thing",
        table: "thing",
        origin: crate::Origin::UNKNOWN,
        columns: &COLUMNS,
        children: &[],
        variants: &[],
    };

    fn check(values: Vec<Value>) -> Result<(), String> {
        check_values(&TYPE, Uuid::nil(), &values).map_err(|e| e.to_string())
    }

    #[test]
    fn values_of_the_column_kinds_pass() {
        let doc = Value::Json(serde_json::json!({"a": [1, "b"]}));
        assert!(check(vec![Value::Text("x".into()), Value::Null, doc]).is_ok());
    }

    #[test]
    fn each_problem_names_the_type_and_the_column() {
        let error = check(vec![Value::Null, Value::Null, Value::Null]).unwrap_err();
        assert!(
            error.contains("Thing") && error.contains("column label is required"),
            "{error}"
        );
        let error = check(vec![Value::Int(1), Value::Null, Value::Null]).unwrap_err();
        assert!(
            error.contains("label is a text column, but the value is a int"),
            "{error}"
        );
        let error = check(vec![Value::Text("a\0b".into()), Value::Null, Value::Null]).unwrap_err();
        assert!(error.contains("NUL"), "{error}");
        let nul_key = Value::Json(serde_json::json!({"k\u{0}": 1}));
        let error = check(vec![Value::Text("a".into()), Value::Null, nul_key]).unwrap_err();
        assert!(error.contains("column doc"), "{error}");
    }
}
