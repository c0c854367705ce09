//! Polymorphic entities: an enum of entity variants stored in one table
//! with a discriminator column (single-table inheritance).
//!
//! `#[derive(Entity)]` on an enum builds one [`Polymorphic`] layout per
//! type, on first use, from its variants' own [`EntityType`]s:
//!
//! - the table holds a `variant` text column (the discriminator), then
//!   every column of every variant, all nullable. Variants share a column
//!   when they have a field of the same name and type; a same-named field of
//!   another type (or a field named `variant`) gets its own column
//!   `<variant>_<field>`;
//! - child fields are shared when their name and child type agree; a
//!   same-named field of another child type is a field of its own under the
//!   same name (a version holds the children of one variant only, and each
//!   link records its child's type, so loading finds the right table).

use crate::driver::StoredRow;
use crate::entity::{Entity, Node};
use crate::error::{Error, Result};
use crate::load::Assembly;
use crate::schema::{ChildField, ChildKind, Column, EntityType, Origin, Variant};
use crate::value::{ColumnType, Value};

/// The name of the discriminator column.
pub const VARIANT_COLUMN: &str = "variant";

/// The stored layout of a polymorphic entity type.
#[derive(Debug)]
pub struct Polymorphic {
    entity_type: &'static EntityType,
    variants: Vec<VariantLayout>,
}

#[derive(Debug)]
struct VariantLayout {
    discriminator: &'static str,
    entity_type: &'static EntityType,
    /// For each column of the variant, its index in the shared row.
    column_slots: Vec<usize>,
    /// For each child field of the variant, its index among the shared ones.
    child_slots: Vec<usize>,
}

impl Polymorphic {
    /// The layout of type `name` stored in `table`, with these variants
    /// (discriminator value, variant entity type), in declaration order;
    /// `origin` says where the Rust type is declared.
    /// Built once per type; the layout lives for the whole program.
    pub fn new(
        name: &'static str,
        table: &'static str,
        origin: Origin,
        variants: &[(&'static str, &'static EntityType)],
    ) -> Self {
        let mut columns: Vec<Column> = vec![Column {
            name: VARIANT_COLUMN,
            ty: ColumnType::Text,
            nullable: false,
            references: None,
        }];
        let mut children: Vec<ChildField> = Vec::new();
        let mut layouts = Vec::with_capacity(variants.len());
        for &(discriminator, ty) in variants {
            let column_slots = ty
                .columns
                .iter()
                .map(|c| {
                    // Slot 0 is the discriminator: a field named like it is
                    // renamed as for a type clash.
                    let shared = columns.iter().position(|s| s.name == c.name);
                    match shared {
                        Some(slot) if slot > 0 && columns[slot].ty == c.ty => slot,
                        Some(_) => {
                            let renamed = format!("{discriminator}_{}", c.name);
                            columns.push(Column {
                                name: Box::leak(renamed.into_boxed_str()),
                                ty: c.ty,
                                nullable: true,
                                references: c.references,
                            });
                            columns.len() - 1
                        }
                        None => {
                            columns.push(Column {
                                name: c.name,
                                ty: c.ty,
                                nullable: true,
                                references: c.references,
                            });
                            columns.len() - 1
                        }
                    }
                })
                .collect();
            let child_slots = ty
                .children
                .iter()
                .map(|c| {
                    let shared = children.iter().position(|s| s.name == c.name);
                    match shared {
                        Some(slot) if children[slot].target.name() == c.target.name() => slot,
                        _ => {
                            children.push(ChildField {
                                name: c.name,
                                kind: ChildKind::Many,
                                target: c.target,
                            });
                            children.len() - 1
                        }
                    }
                })
                .collect();
            layouts.push(VariantLayout {
                discriminator,
                entity_type: ty,
                column_slots,
                child_slots,
            });
        }
        // A shared child field keeps its kind and target when only one
        // variant declares it.
        for (slot, field) in children.iter_mut().enumerate() {
            let declared: Vec<&ChildField> = layouts
                .iter()
                .flat_map(|l| {
                    l.child_slots
                        .iter()
                        .zip(l.entity_type.children)
                        .filter(move |(s, _)| **s == slot)
                        .map(|(_, c)| c)
                })
                .collect();
            if declared.len() == 1 {
                field.kind = declared[0].kind;
            }
        }
        let variants: Vec<Variant> = layouts
            .iter()
            .map(|layout| Variant {
                name: layout.discriminator,
                columns: Box::leak(
                    layout
                        .column_slots
                        .iter()
                        .map(|&slot| columns[slot].name)
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                ),
            })
            .collect();
        let entity_type = Box::leak(Box::new(EntityType {
            name,
            table,
            origin,
            columns: Box::leak(columns.into_boxed_slice()),
            children: Box::leak(children.into_boxed_slice()),
            variants: Box::leak(variants.into_boxed_slice()),
        }));
        Polymorphic {
            entity_type,
            variants: layouts,
        }
    }

    /// The shared table's entity type.
    pub fn entity_type(&self) -> &'static EntityType {
        self.entity_type
    }

    /// The discriminator values, in variant order.
    pub fn discriminators(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.variants.iter().map(|v| v.discriminator)
    }

    /// The shared row of variant number `variant`, whose value is `node`.
    pub fn column_values(&self, variant: usize, node: &dyn Node) -> Result<Vec<Value>> {
        let layout = &self.variants[variant];
        let mut values = vec![Value::Null; self.entity_type.columns.len()];
        values[0] = Value::Text(layout.discriminator.to_string());
        for (value, &slot) in node.column_values()?.into_iter().zip(&layout.column_slots) {
            values[slot] = value;
        }
        Ok(values)
    }

    /// Visits the children of `node` (variant `variant`) under their shared
    /// field indexes.
    pub fn for_each_child(
        &self,
        variant: usize,
        node: &dyn Node,
        visit: &mut dyn FnMut(usize, &dyn Node),
    ) {
        let slots = &self.variants[variant].child_slots;
        node.for_each_child(&mut |field, child| visit(slots[field], child));
    }

    /// Mutable counterpart of [`for_each_child`](Self::for_each_child).
    pub fn for_each_child_mut(
        &self,
        variant: usize,
        node: &mut dyn Node,
        visit: &mut dyn FnMut(usize, &mut dyn Node),
    ) {
        let slots = &self.variants[variant].child_slots;
        node.for_each_child_mut(&mut |field, child| visit(slots[field], child));
    }

    /// Which variant a stored row holds.
    pub fn variant_of(&self, row: &StoredRow) -> Result<usize> {
        let found = match row.values.first() {
            Some(Value::Text(name)) => name.as_str(),
            _ => "",
        };
        self.variants
            .iter()
            .position(|v| v.discriminator == found)
            .ok_or_else(|| Error::Decode {
                type_name: self.entity_type.name.to_string(),
                id: row.meta.ecs_id,
                column: VARIANT_COLUMN.to_string(),
                detail: format!(
                    "unknown variant {found:?}; expected one of {:?}",
                    self.discriminators().collect::<Vec<_>>()
                ),
            })
    }

    /// Decodes the row as variant number `variant`, of type `V`.
    pub fn decode<V: Entity>(
        &self,
        variant: usize,
        row: &StoredRow,
        assembly: &mut Assembly<'_>,
    ) -> Result<V> {
        let layout = &self.variants[variant];
        let projected = StoredRow {
            entity_type: layout.entity_type,
            meta: row.meta.clone(),
            values: layout
                .column_slots
                .iter()
                .map(|&slot| row.values.get(slot).cloned().unwrap_or(Value::Null))
                .collect(),
        };
        V::decode(&projected, assembly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Meta;
    use verso_derive::Entity;

    #[derive(Clone, Debug, Entity)]
    #[verso(crate = "crate")]
    struct Circle {
        meta: Meta,
        name: String,
        radius: f64,
    }

    #[derive(Clone, Debug, Entity)]
    #[verso(crate = "crate")]
    struct Label {
        meta: Meta,
        name: String,
        radius: String,
        variant: String,
    }

    fn layout() -> Polymorphic {
        Polymorphic::new(
            "Shape",
            "shape",
            Origin::UNKNOWN,
            &[
                ("circle", Circle::entity_type()),
                ("label", Label::entity_type()),
            ],
        )
    }

    #[test]
    fn variants_share_same_named_columns_of_one_type() {
        let names: Vec<&str> = layout()
            .entity_type()
            .columns
            .iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names,
            ["variant", "name", "radius", "label_radius", "label_variant"]
        );
    }

    #[test]
    fn a_row_shows_only_the_fields_of_its_variant() {
        let layout = layout();
        let circle = Circle {
            meta: Meta::new(),
            name: "c".into(),
            radius: 2.0,
        };
        let values = layout.column_values(0, &circle).unwrap();
        let names: Vec<&str> = layout
            .entity_type()
            .fields_of(&values)
            .iter()
            .map(|(c, _)| c.name)
            .collect();
        assert_eq!(names, ["variant", "name", "radius"]);
        let definition = layout.entity_type().definition();
        assert_eq!(definition["variants"][1]["columns"][1], "label_radius");
    }

    #[test]
    fn every_variant_column_is_nullable_but_the_discriminator() {
        let layout = layout();
        let columns = layout.entity_type().columns;
        assert!(!columns[0].nullable);
        assert!(columns[1..].iter().all(|c| c.nullable));
    }

    #[test]
    fn a_row_holds_its_discriminator_and_its_own_columns() {
        let layout = layout();
        let label = Label {
            meta: Meta::new(),
            name: "tag".into(),
            radius: "wide".into(),
            variant: "v".into(),
        };
        let values = layout.column_values(1, &label).unwrap();
        assert_eq!(
            values,
            [
                Value::Text("label".into()),
                Value::Text("tag".into()),
                Value::Null,
                Value::Text("wide".into()),
                Value::Text("v".into()),
            ]
        );
    }
}
