//! Verso's behaviour suite: every scenario runs unchanged on every backend.
//!
//! Each file in `tests/` instantiates the whole suite for one backend with
//! [`suite!`]; a scenario is an `async fn(&Store)` in [`scenarios`] that
//! reads as a specification of one behaviour.

pub mod harness;
pub mod model;
pub mod scenarios;

pub use harness::{Backend, Harness};

/// Generates one `#[tokio::test]` per scenario for a backend.
#[macro_export]
macro_rules! suite {
    ($backend:expr) => {
        $crate::suite!(@each $backend;
            round_trip_keeps_ids_and_fields,
            every_scalar_kind_round_trips,
            editing_a_field_forks_a_new_version,
            change_in_a_grandchild_forks_every_ancestor,
            commit_without_change_writes_nothing,
            fork_makes_a_version_without_change,
            reordering_children_forks_the_parent,
            removing_a_child_forks_the_parent,
            adding_a_child_forks_the_parent,
            appending_messages_keeps_each_history,
            a_message_shared_by_two_threads_is_stored_once,
            reference_cycles_round_trip,
            wrong_type_and_unknown_id_are_typed_errors,
            failed_commit_leaves_no_trace,
            two_working_copies_make_two_heads,
            loading_costs_the_same_queries_for_any_size,
            editing_one_message_costs_the_same_statements_for_any_size,
            lineage_latest_and_heads_follow_the_version_tree,
            clones_share_no_state_with_the_store,
        );
    };
    (@each $backend:expr; $($scenario:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                let Some(harness) = $crate::Harness::start($backend).await else {
                    return;
                };
                $crate::scenarios::$scenario(&harness.store).await;
                harness.finish().await;
            }
        )*
    };
}
