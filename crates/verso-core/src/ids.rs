//! Version identifiers and timestamps.

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::RwLock;
use uuid::Uuid;

/// A function producing fresh UUIDs for new versions and lineages.
pub type UuidGenerator = fn() -> Uuid;

static GENERATOR: RwLock<UuidGenerator> = RwLock::new(Uuid::now_v7);

/// Replaces the process-wide UUID generator.
///
/// Verso uses time-ordered UUID v7 by default, which keeps B-tree indexes
/// local. Distributed Postgres-compatible engines that shard on the key
/// prefer random ids:
///
/// ```
/// verso_core::set_uuid_generator(uuid::Uuid::new_v4);
/// assert_eq!(verso_core::new_uuid().get_version_num(), 4);
/// verso_core::set_uuid_generator(uuid::Uuid::now_v7);
/// ```
pub fn set_uuid_generator(generator: UuidGenerator) {
    *GENERATOR
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = generator;
}

/// A fresh UUID from the current generator.
pub fn new_uuid() -> Uuid {
    let generator = *GENERATOR
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    generator()
}

/// The current time, truncated to microseconds: the precision every backend
/// stores, so values round-trip exactly.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
