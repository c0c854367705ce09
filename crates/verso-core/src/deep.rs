//! Recursion over trees of any depth.
//!
//! Commit planning, assembly and diffs walk entity trees recursively, one
//! stack frame per level. A chain of owned children thousands of levels
//! deep would overflow a thread's stack, so each level first makes sure
//! enough stack is left, moving to a fresh heap-allocated segment when not.

/// Stack that must remain before descending one more level.
const RED_ZONE: usize = 64 * 1024;
/// Size of each new stack segment.
const SEGMENT: usize = 1024 * 1024;

/// Runs `step` (one level of a recursive walk) with enough stack.
pub(crate) fn descend<R>(step: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, step)
}

/// How many levels [`descend_at`] goes between two checks of the stack:
/// far fewer than [`RED_ZONE`] holds frames of any of Verso's walks.
const CHECK_EVERY: usize = 8;

/// [`descend`] for a walk that knows its depth: the stack is checked on
/// every [`CHECK_EVERY`]th level only, so the wide levels of a big tree
/// (thousands of children one level down) pay nothing for it.
pub(crate) fn descend_at<R>(depth: usize, step: impl FnOnce() -> R) -> R {
    if depth.is_multiple_of(CHECK_EVERY) {
        descend(step)
    } else {
        step()
    }
}
