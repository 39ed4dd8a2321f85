//! Raw bodies and precondition headers through `Scim::handle`: see `src/strict.rs` for the
//! properties checked.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scimkit_fuzz::strict::check_strict(data));
