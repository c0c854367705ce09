//! Fuzz target: see [`verso_fuzz::cli_args`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verso_fuzz::cli_args(data));
