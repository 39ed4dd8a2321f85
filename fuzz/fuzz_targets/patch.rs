//! Arbitrary bytes as a PATCH request body: see `src/patch.rs` for the properties checked.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scimkit_fuzz::patch::check_patch(data));
