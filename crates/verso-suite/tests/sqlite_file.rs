//! The behaviour suite on the sqlite_file backend.

verso_suite::suite!(verso_suite::Backend::SqliteFile);
