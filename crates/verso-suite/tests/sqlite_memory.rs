//! The behaviour suite on the sqlite_memory backend.

verso_suite::suite!(verso_suite::Backend::SqliteMemory);
