//! Verso's behaviour suite: every scenario runs unchanged on every backend.
//!
//! Each file in `tests/` instantiates the whole suite for one backend with
//! [`suite!`]; a scenario is an `async fn(&Store)` in [`scenarios`] that
//! reads as a specification of one behaviour.

pub mod gate;
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
            appending_to_a_long_thread_writes_a_bounded_number_of_rows,
            the_versions_holding_a_child_are_found_by_index,
            a_long_lineage_is_read_page_by_page,
            ids_are_found_among_hundreds_of_types,
            clones_of_a_store_share_its_backend,
            lineage_latest_and_heads_follow_the_version_tree,
            clones_share_no_state_with_the_store,
            a_second_copy_of_a_new_entity_is_an_error_naming_it,
            committing_on_the_head_refuses_to_branch,
            concurrent_commits_on_the_head_let_exactly_one_win,
            polymorphic_tools_round_trip_in_order,
            editing_a_variant_field_forks_tool_and_thread,
            a_tool_changing_variant_stays_in_its_lineage,
            an_association_links_message_and_usage_both_ways,
            a_branched_conversation_round_trips_as_a_tree,
            loading_a_rich_thread_costs_the_same_queries_for_any_size,
            json_fields_compare_by_value,
            a_plain_enum_is_stored_as_its_variant_name,
            a_lineage_reference_follows_the_head_and_a_ref_stays_pinned,
            a_traced_edit_versions_what_the_code_changed,
            an_async_traced_edit_versions_what_the_code_changed,
            a_traced_edit_that_changes_nothing_makes_no_version,
            a_failing_traced_edit_stores_nothing,
            children_across_versions_returns_each_lineage_once,
            listing_a_type_gives_newest_or_all_versions,
            a_new_optional_field_adds_its_column,
            mismatched_tables_are_reported_at_registration,
            a_diff_of_non_adjacent_versions_reports_every_kind_of_change,
            a_diff_needs_two_versions_of_one_lineage,
            as_of_a_time_between_two_versions_returns_the_earlier_one,
            revert_makes_a_new_head_equal_to_the_old_version,
            the_lineage_tree_shows_each_branch,
            the_catalog_reads_a_store_without_its_rust_types,
            infinities_round_trip_required_and_optional,
            nan_round_trips_or_is_refused_naming_the_entity,
            negative_zero_is_stored_as_zero_everywhere,
            every_finite_float_and_integer_round_trips_bit_for_bit,
            long_and_unusual_unicode_text_round_trips,
            a_nul_character_in_text_round_trips_or_is_invalid_input,
            a_nul_character_in_a_json_string_round_trips_or_is_invalid_input,
            a_json_value_that_cannot_be_read_back_is_refused_at_commit,
            json_numbers_keep_their_value,
            timestamps_of_every_year_round_trip,
            sub_microsecond_digits_are_dropped_and_are_no_change,
            a_field_made_optional_over_a_not_null_column_is_a_schema_mismatch,
            a_not_null_column_the_type_no_longer_has_is_a_schema_mismatch,
            children_that_do_not_fit_the_field_are_a_decode_error,
            variants_may_hold_different_child_types_under_one_field_name,
            a_variant_child_is_linked_under_its_own_type,
            a_lineage_of_another_type_is_a_wrong_type_error,
            a_null_in_a_required_column_is_invalid_input,
            a_value_of_another_kind_than_its_column_is_invalid_input,
            a_commit_failing_at_any_statement_leaves_no_trace,
            every_structural_edit_forks_exactly_its_ancestors,
            one_edit_of_every_copy_of_a_shared_child_makes_one_version,
            empty_id_lists_find_nothing,
            a_json_key_holding_null_is_kept,
            a_tree_ten_thousand_levels_deep_commits_and_loads,
            a_stored_variant_the_type_no_longer_has_is_a_decode_error,
            a_long_table_name_is_checked_like_any_other,
            swapping_two_children_reports_those_two_as_moved,
            reordering_two_versions_of_one_child_lineage_is_a_move_not_two_changes,
            a_diff_two_levels_deep_reports_each_level,
            an_optional_child_added_replaced_edited_and_removed,
            a_diff_across_a_variant_change_names_the_variant,
            as_of_follows_every_branch_of_a_lineage,
            revert_to_a_version_of_another_branch,
            revert_brings_back_the_earlier_variant_of_a_tool,
            referencing_skips_links_that_moved_to_another_target,
            a_traced_edit_that_panics_stores_nothing,
            an_async_traced_edit_may_await_the_same_store,
            the_lineage_tree_of_a_fan_out,
            a_commit_cancelled_before_sending_is_made_by_the_next_commit,
            a_commit_cancelled_after_it_landed_is_taken_as_committed,
            an_edit_after_a_cancelled_commit_continues_the_landed_history,
            a_commit_cut_off_after_it_landed_is_settled_by_the_retry,
            a_cancelled_commit_landing_between_lookups_is_taken_whole,
            a_cancelled_commit_landing_during_the_retry_is_stored_once,
            two_types_of_one_name_in_different_modules_are_refused_naming_both,
            a_renamed_type_reads_the_versions_of_its_old_name,
            a_field_name_longer_than_63_bytes_is_refused_naming_it,
            a_commit_records_its_author_message_and_key_values,
            a_commit_without_change_stores_no_commit_row,
            the_versions_a_commit_wrote_are_found_by_its_id,
            the_commits_of_a_lineage_come_oldest_first_with_their_metadata,
            commit_metadata_holding_a_nul_character_is_refused_and_nothing_is_stored,
            several_roots_commit_together_under_one_commit_id,
            a_set_of_roots_failing_at_any_statement_stores_nothing,
            a_set_of_roots_on_the_head_refuses_to_branch_as_a_whole,
            a_set_of_roots_interrupted_after_landing_is_taken_as_committed,
            a_transaction_reads_decides_and_writes_a_counter,
            a_transaction_commit_costs_the_statements_of_a_plain_commit,
            racing_transactions_on_one_lineage_never_branch,
            a_dropped_transaction_stores_nothing_and_its_roots_commit_afterwards,
            a_transaction_failing_at_any_statement_stores_nothing,
            a_transaction_reads_one_snapshot_while_others_commit,
            a_transaction_interrupted_after_it_landed_is_taken_as_committed,
            a_transaction_interrupted_before_sending_is_made_by_the_next_commit,
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
