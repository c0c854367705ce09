//! The behaviour suite on the postgres backend.

verso_suite::suite!(verso_suite::Backend::Postgres);
