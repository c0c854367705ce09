//! The scenarios: each one behaviour of Verso, written against `&Store`
//! only, so it holds on every backend.

mod core;
mod history;
mod relationships;
mod review;
mod review_history;
mod schema;

pub use self::core::*;
pub use self::history::*;
pub use self::relationships::*;
pub use self::review::*;
pub use self::review_history::*;
pub use self::schema::*;

/// Runs `work` and returns what it cost in statements and rows.
#[macro_export]
macro_rules! cost {
    ($store:expr, $work:expr) => {{
        let before: verso::Stats = $store.stats();
        let result = $work;
        ($store.stats() - before, result)
    }};
}
