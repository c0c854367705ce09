//! Fuzz target: see [`verso_fuzz::list_decoding`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| verso_fuzz::list_decoding(data));
