//! Fuzz target: see [`verso_fuzz::catalog_json`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verso_fuzz::catalog_json(data));
