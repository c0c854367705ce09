//! Statements rendered once per entity type and reused: building a
//! statement's text costs as much as running a small query.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use verso_core::EntityType;

/// Names a rendered statement: its dialect (`"sqlite"`) and what it does
/// (`"select_by_ids"`).
pub type StatementKind = (&'static str, &'static str);

/// Statement `kind` for `ty` (its text, or its text with what describes its
/// parameters), rendered by `render` the first time it is asked for and
/// kept for the life of the process. A type is known by the address of its
/// static description.
///
/// # Panics
///
/// When one `kind` is rendered as two different Rust types.
pub fn rendered<T: Any + Send + Sync>(
    kind: StatementKind,
    ty: &'static EntityType,
    render: impl FnOnce() -> T,
) -> Arc<T> {
    type Cache = Mutex<HashMap<(StatementKind, usize), Arc<dyn Any + Send + Sync>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (kind, ty as *const EntityType as usize);
    let cache = CACHE.get_or_init(Default::default);
    let found = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .cloned();
    let entry = match found {
        Some(entry) => entry,
        None => {
            let made: Arc<dyn Any + Send + Sync> = Arc::new(render());
            cache
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(key)
                .or_insert(made)
                .clone()
        }
    };
    entry
        .downcast::<T>()
        .unwrap_or_else(|_| panic!("statement {kind:?} rendered as two types"))
}
