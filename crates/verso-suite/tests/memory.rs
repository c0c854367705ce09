//! The behaviour suite on the memory backend.

verso_suite::suite!(verso_suite::Backend::Memory);
