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
