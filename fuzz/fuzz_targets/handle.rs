//! Arbitrary requests through `Scim::handle`: see `src/handle.rs` for the properties checked.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scimkit_fuzz::handle::check_handle(data));
