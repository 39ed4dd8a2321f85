//! Arbitrary bytes as a POST/PUT body: see `src/validate.rs` for the properties checked.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scimkit_fuzz::validate::check_validate(data));
