//! Arbitrary bytes into `parse_filter`: see `src/filter.rs` for the properties checked.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scimkit_fuzz::filter::check_filter(data));
