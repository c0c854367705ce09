//! The statements of a load, in order, decided without I/O: every driver
//! runs the same steps and only executes each one.
//!
//! ```text
//! 1. the roots' versions (by id, or those a query selects)
//! 2. one walk over every list and chunk below the roots (when the roots
//!    were found and their type has child fields)
//! 3. the children's versions, one step per child type present
//! ```
//!
//! A driver asks for [`LoadRun::next_step`], runs it, adds what it read to
//! [`LoadRun::rows`], and asks again until there is no step left.

use crate::driver::{LoadRequest, LoadedRows, StoredRow};
use crate::error::Result;
use crate::query::EntityQuery;
use crate::schema::EntityType;
use std::collections::VecDeque;
use uuid::Uuid;

/// One statement of a load.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadStep {
    /// The versions of `ty` with these ids (those that exist).
    Versions {
        /// Their type (and so their table).
        ty: &'static EntityType,
        /// Their ids, each once.
        ids: Vec<Uuid>,
    },
    /// The versions of `ty` that `query` selects, whole and in its order.
    Query {
        /// The queried type (and so its table).
        ty: &'static EntityType,
        /// The query.
        query: EntityQuery,
    },
    /// Every list below `roots` with every chunk below those lists.
    Walk {
        /// The versions whose lists to read, each once, in id order.
        roots: Vec<Uuid>,
        /// Follow children whose type is in `parent_types` into their own
        /// lists ([`LoadRequest::nests`]); else read the roots' lists only.
        nested: bool,
        /// The types whose versions have child lists.
        parent_types: Vec<&'static str>,
    },
}

/// A load under way: which step comes next, and the rows read so far.
#[derive(Debug)]
pub struct LoadRun<'r> {
    request: &'r LoadRequest,
    rows: LoadedRows,
    stage: Stage,
    query: Option<EntityQuery>,
    children: VecDeque<(&'static EntityType, Vec<Uuid>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Roots,
    Walk,
    Children,
    Done,
}

impl<'r> LoadRun<'r> {
    /// The load of `request`, before its first step.
    pub fn new(request: &'r LoadRequest) -> Self {
        LoadRun {
            request,
            rows: LoadedRows::default(),
            stage: Stage::Roots,
            query: None,
            children: VecDeque::new(),
        }
    }

    /// The load of the trees of the versions `query` selects among those
    /// of `request.root_type` (the request's `roots` are not read): its
    /// first step is the query. A driver adds the rows the query returned
    /// with [`add_selected`](Self::add_selected).
    pub fn for_query(request: &'r LoadRequest, query: &EntityQuery) -> Self {
        LoadRun {
            query: Some(query.clone()),
            ..LoadRun::new(request)
        }
    }

    /// Adds `row`, selected by the run's query, keeping the query's order.
    pub fn add_selected(&mut self, row: StoredRow) {
        self.rows.selected.push(row.meta.ecs_id);
        self.rows.rows.insert(row.meta.ecs_id, row);
    }

    /// The next statement to run, given what was read so far; `None` when
    /// the load is complete.
    ///
    /// Errors: lists whose chunks are missing or malformed, or that hold
    /// children of a type the request cannot contain (see
    /// [`LoadRequest::missing_children`]).
    pub fn next_step(&mut self) -> Result<Option<LoadStep>> {
        loop {
            match self.stage {
                Stage::Roots => {
                    self.stage = Stage::Walk;
                    if let Some(query) = self.query.take() {
                        return Ok(Some(LoadStep::Query {
                            ty: self.request.root_type,
                            query,
                        }));
                    }
                    let mut ids = self.request.roots.clone();
                    ids.sort_unstable();
                    ids.dedup();
                    if !ids.is_empty() {
                        self.rows.rows.reserve(ids.len());
                        return Ok(Some(LoadStep::Versions {
                            ty: self.request.root_type,
                            ids,
                        }));
                    }
                }
                Stage::Walk => {
                    self.stage = Stage::Children;
                    if self.request.has_lists(&self.rows) {
                        let mut roots: Vec<Uuid> = self.rows.rows.keys().copied().collect();
                        roots.sort_unstable();
                        return Ok(Some(LoadStep::Walk {
                            roots,
                            nested: self.request.nests(),
                            parent_types: self.request.parent_types(),
                        }));
                    }
                    self.stage = Stage::Done;
                }
                Stage::Children => {
                    self.children = self.request.missing_children(&self.rows)?.into();
                    self.stage = Stage::Done;
                }
                Stage::Done => {
                    // The children of one type after another.
                    return Ok(self.children.pop_front().map(|(ty, ids)| {
                        self.rows.rows.reserve(ids.len());
                        LoadStep::Versions { ty, ids }
                    }));
                }
            }
        }
    }

    /// The rows read so far, for the driver to add a step's rows to.
    pub fn rows(&mut self) -> &mut LoadedRows {
        &mut self.rows
    }

    /// Everything the load read.
    pub fn finish(self) -> LoadedRows {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::ListRow;
    use crate::schema::{ChildField, ChildKind, TypeRef};
    use crate::RowMeta;
    use std::borrow::Cow;

    static LEAF: EntityType = EntityType {
        name: "Leaf",
        table: "leaf",
        origin: crate::Origin::UNKNOWN,
        columns: &[],
        children: &[],
        variants: &[],
    };
    static NODE_CHILDREN: [ChildField; 1] = [ChildField {
        name: "leaves",
        kind: ChildKind::Many,
        target: TypeRef::Named("Leaf"),
    }];
    static NODE: EntityType = EntityType {
        name: "Node",
        table: "node",
        origin: crate::Origin::UNKNOWN,
        columns: &[],
        children: &NODE_CHILDREN,
        variants: &[],
    };

    fn row(ty: &'static EntityType, id: Uuid) -> StoredRow {
        StoredRow {
            entity_type: ty,
            meta: RowMeta {
                id: 1,
                ecs_id: id,
                lineage_id: id,
                parent_id: None,
                created_at: chrono::DateTime::UNIX_EPOCH,
            },
            values: Vec::new(),
        }
    }

    #[test]
    fn roots_then_one_walk_then_one_step_per_child_type() {
        let (root, a, b) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let request = LoadRequest {
            root_type: &NODE,
            roots: vec![root, root],
            types: vec![&NODE, &LEAF],
        };
        let mut run = LoadRun::new(&request);
        assert_eq!(
            run.next_step().unwrap(),
            Some(LoadStep::Versions {
                ty: &NODE,
                ids: vec![root]
            })
        );
        run.rows().rows.insert(root, row(&NODE, root));
        match run.next_step().unwrap() {
            Some(LoadStep::Walk {
                roots,
                parent_types,
                ..
            }) => assert_eq!((roots, parent_types), (vec![root], vec!["Node"])),
            other => panic!("expected the walk, got {other:?}"),
        }
        run.rows().lists.push(ListRow {
            parent: root,
            field: Cow::Borrowed("leaves"),
            child_type: Cow::Borrowed("Leaf"),
            height: 0,
            entries: vec![b, a],
        });
        assert_eq!(
            run.next_step().unwrap(),
            Some(LoadStep::Versions {
                ty: &LEAF,
                ids: vec![a, b]
            })
        );
        assert_eq!(run.next_step().unwrap(), None);
    }

    #[test]
    fn a_missing_root_or_a_childless_type_is_one_step() {
        let request = LoadRequest {
            root_type: &NODE,
            roots: vec![Uuid::from_u128(9)],
            types: vec![&NODE, &LEAF],
        };
        let mut run = LoadRun::new(&request);
        assert!(matches!(
            run.next_step().unwrap(),
            Some(LoadStep::Versions { .. })
        ));
        assert_eq!(
            run.next_step().unwrap(),
            None,
            "no root found: nothing to walk"
        );

        let request = LoadRequest {
            root_type: &LEAF,
            roots: vec![],
            types: vec![&LEAF],
        };
        assert_eq!(LoadRun::new(&request).next_step().unwrap(), None);
    }
}
