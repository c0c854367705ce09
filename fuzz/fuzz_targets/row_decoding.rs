//! Fuzz target: see [`verso_fuzz::row_decoding`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verso_fuzz::row_decoding(data));
