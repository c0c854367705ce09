//! The store's catalog: the entity types a database holds, readable
//! without the Rust types.
//!
//! Drivers record [`EntityType::definition`] of every type they create a
//! table for (`verso_catalog`, see `docs/storage.md`) and read it back with
//! [`Driver::catalog`](crate::Driver::catalog). [`CatalogEntry::entity_type`]
//! turns a definition back into an [`EntityType`] that drivers can load and
//! select with, so tools such as the `verso` command-line program work on
//! any Verso database.

use crate::error::{Error, Result};
use crate::schema::{
    ChildField, ChildKind, Column, EntityType, Origin, RefKind, Reference, TypeRef, Variant,
};
use crate::value::ColumnType;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// One row of the catalog: a stored entity type and its table.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogEntry {
    /// The entity type's name.
    pub type_name: String,
    /// The table holding its versions.
    pub table_name: String,
    /// The JSON written by [`EntityType::definition`].
    pub definition: serde_json::Value,
}

#[derive(Deserialize)]
struct Definition {
    name: String,
    table: String,
    columns: Vec<ColumnDefinition>,
    children: Vec<ChildDefinition>,
    #[serde(default)]
    variants: Vec<VariantDefinition>,
}

#[derive(Deserialize)]
struct VariantDefinition {
    name: String,
    columns: Vec<String>,
}

#[derive(Deserialize)]
struct ColumnDefinition {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    nullable: bool,
    references: Option<String>,
    /// Absent from catalogs written before reference kinds were recorded.
    #[serde(default)]
    reference_kind: Option<String>,
    #[serde(default)]
    reference_many: Option<bool>,
}

#[derive(Deserialize)]
struct ChildDefinition {
    name: String,
    kind: String,
    target: String,
}

/// Types built from definitions so far, by definition text: each distinct
/// definition is leaked once per process, however often it is read.
static BUILT: Mutex<Option<HashMap<String, &'static EntityType>>> = Mutex::new(None);

impl CatalogEntry {
    /// The entity type this entry describes. Child targets and references
    /// are [`TypeRef::Named`]; the type lives for the rest of the program
    /// and is built once per distinct definition.
    ///
    /// A definition that cannot be read is an [`Error::SchemaMismatch`] on
    /// `verso_catalog.definition` naming the type.
    ///
    /// ```
    /// # use verso_core::{CatalogEntry, ChildField, ChildKind, Column, ColumnType, EntityType, Origin, TypeRef};
    /// static COLUMNS: [Column; 1] = [Column { name: "title", ty: ColumnType::Text, nullable: false, references: None }];
    /// static CHILDREN: [ChildField; 1] = [ChildField { name: "pages", kind: ChildKind::Many, target: TypeRef::Named("Page") }];
    /// static BOOK: EntityType = EntityType { name: "Book", table: "book", origin: Origin::UNKNOWN, columns: &COLUMNS, children: &CHILDREN, variants: &[] };
    /// let entry = CatalogEntry {
    ///     type_name: "Book".into(),
    ///     table_name: "book".into(),
    ///     definition: BOOK.definition(),
    /// };
    /// let read = entry.entity_type()?;
    /// assert_eq!(read.definition(), BOOK.definition());
    /// assert!(std::ptr::eq(read, entry.entity_type()?), "built once");
    /// # Ok::<(), verso_core::Error>(())
    /// ```
    pub fn entity_type(&self) -> Result<&'static EntityType> {
        let key = self.definition.to_string();
        let mut built = BUILT.lock().unwrap_or_else(|p| p.into_inner());
        let built = built.get_or_insert_with(HashMap::new);
        if let Some(ty) = built.get(&key) {
            return Ok(ty);
        }
        let ty: &'static EntityType = Box::leak(Box::new(self.parse()?));
        built.insert(key, ty);
        Ok(ty)
    }

    fn parse(&self) -> Result<EntityType> {
        let invalid = |detail: String| Error::SchemaMismatch {
            table: "verso_catalog".into(),
            column: "definition".into(),
            detail: format!("the definition of {}: {detail}", self.type_name),
        };
        let definition = Definition::deserialize(&self.definition)
            .map_err(|e| invalid(format!("cannot be read: {e}")))?;
        let columns = definition
            .columns
            .into_iter()
            .map(|c| {
                let ty = ColumnType::from_name(&c.ty).ok_or_else(|| {
                    invalid(format!("column {} has unknown type {:?}", c.name, c.ty))
                })?;
                let kind = match c.reference_kind.as_deref() {
                    None => None,
                    Some(name) => Some(RefKind::from_name(name).ok_or_else(|| {
                        invalid(format!(
                            "column {} has unknown reference kind {name:?}",
                            c.name
                        ))
                    })?),
                };
                let references = c.references.map(|target| Reference {
                    target: TypeRef::Named(leak(target)),
                    kind,
                    many: c.reference_many.unwrap_or(false),
                });
                Ok(Column {
                    name: leak(c.name),
                    ty,
                    nullable: c.nullable,
                    references,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let children = definition
            .children
            .into_iter()
            .map(|c| {
                let kind = match c.kind.as_str() {
                    "one" => ChildKind::One,
                    "optional" => ChildKind::Optional,
                    "many" => ChildKind::Many,
                    other => {
                        return Err(invalid(format!(
                            "child field {} has unknown kind {other:?}",
                            c.name
                        )))
                    }
                };
                Ok(ChildField {
                    name: leak(c.name),
                    kind,
                    target: TypeRef::Named(leak(c.target)),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(EntityType {
            name: leak(definition.name),
            table: leak(definition.table),
            origin: Origin::UNKNOWN,
            columns: Box::leak(columns.into_boxed_slice()),
            children: Box::leak(children.into_boxed_slice()),
            variants: Box::leak(
                definition
                    .variants
                    .into_iter()
                    .map(|v| Variant {
                        name: leak(v.name),
                        columns: Box::leak(
                            v.columns
                                .into_iter()
                                .map(leak)
                                .collect::<Vec<_>>()
                                .into_boxed_slice(),
                        ),
                    })
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
        })
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(definition: serde_json::Value) -> CatalogEntry {
        CatalogEntry {
            type_name: "Thread".into(),
            table_name: "thread".into(),
            definition,
        }
    }

    #[test]
    fn a_definition_round_trips_with_references_and_child_kinds() {
        let definition = serde_json::json!({
            "name": "Thread",
            "table": "thread",
            "columns": [
                {"name": "title", "type": "text", "nullable": false, "references": null,
                 "reference_kind": null, "reference_many": null},
                {"name": "reply_to", "type": "uuid", "nullable": true, "references": "Message",
                 "reference_kind": "version", "reference_many": false},
                {"name": "prompts", "type": "json", "nullable": false, "references": "Prompt",
                 "reference_kind": "lineage", "reference_many": true},
            ],
            "children": [
                {"name": "history", "kind": "many", "target": "Message"},
                {"name": "prompt", "kind": "optional", "target": "Prompt"},
                {"name": "owner", "kind": "one", "target": "User"},
            ],
        });
        let ty = entry(definition.clone()).entity_type().unwrap();
        assert_eq!(ty.definition(), definition);
        let reply_to = ty.columns[1].references.unwrap();
        assert_eq!(reply_to.target.name(), "Message");
        assert_eq!(
            (reply_to.kind, reply_to.many),
            (Some(RefKind::Version), false)
        );
        let prompts = ty.columns[2].references.unwrap();
        assert_eq!((prompts.kind, prompts.many), (Some(RefKind::Lineage), true));
        assert!(ty.children[0].target.resolve().is_none(), "named only");
        assert_eq!(ty.children[1].kind, ChildKind::Optional);
    }

    #[test]
    fn a_catalog_written_before_reference_kinds_reads_them_as_unrecorded() {
        let definition = serde_json::json!({
            "name": "Thread",
            "table": "thread",
            "columns": [
                {"name": "reply_to", "type": "uuid", "nullable": true, "references": "Message"},
            ],
            "children": [],
        });
        let ty = entry(definition).entity_type().unwrap();
        let reply_to = ty.columns[0].references.unwrap();
        assert_eq!(reply_to.target.name(), "Message");
        assert_eq!((reply_to.kind, reply_to.many), (None, false));
    }

    #[test]
    fn an_unreadable_definition_names_the_type() {
        let error = entry(serde_json::json!({"name": "Thread"}))
            .entity_type()
            .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("verso_catalog"), "{message}");
        assert!(message.contains("Thread"), "{message}");

        let bad_type = serde_json::json!({
            "name": "Thread", "table": "thread", "children": [],
            "columns": [{"name": "x", "type": "money", "nullable": false, "references": null}],
        });
        let message = entry(bad_type).entity_type().unwrap_err().to_string();
        assert!(message.contains("unknown type \"money\""), "{message}");
    }
}
