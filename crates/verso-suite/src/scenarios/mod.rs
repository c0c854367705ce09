//! The scenarios: each one behaviour of Verso, written against `&Store`
//! only, so it holds on every backend.

mod cancellation;
mod commits;
mod core;
mod edge_cases;
mod history;
mod history_edge_cases;
mod many_types;
mod queries;
mod reference_lists;
mod relationships;
mod schema;
mod transactions;
mod type_identity;
mod unsigned;

pub use self::cancellation::*;
pub use self::commits::*;
pub use self::core::*;
pub use self::edge_cases::*;
pub use self::history::*;
pub use self::history_edge_cases::*;
pub use self::many_types::*;
pub use self::queries::*;
pub use self::reference_lists::*;
pub use self::relationships::*;
pub use self::schema::*;
pub use self::transactions::*;
pub use self::type_identity::*;
pub use self::unsigned::*;

/// How many versions of threads, messages and usages the store holds.
pub(crate) async fn census(store: &verso::Store) -> [usize; 3] {
    use crate::model::{ChatMessage, ChatThread, Usage};
    use verso::Versions;
    [
        store.list::<ChatThread>(Versions::All).await.unwrap().len(),
        store
            .list::<ChatMessage>(Versions::All)
            .await
            .unwrap()
            .len(),
        store.list::<Usage>(Versions::All).await.unwrap().len(),
    ]
}

/// Runs `work` and returns what it cost in statements and rows.
#[macro_export]
macro_rules! cost {
    ($store:expr, $work:expr) => {{
        let before: verso::Stats = $store.stats();
        let result = $work;
        ($store.stats() - before, result)
    }};
}
