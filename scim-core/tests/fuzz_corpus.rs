//! Replays the committed fuzz inputs of the `validate`, `patch`, `handle` and `strict` targets — seeds,
//! minimised corpora and crash reproducers under `fuzz/` — through the targets' own checks
//! (`fuzz/src/*.rs`, compiled in here by path), so every input the fuzzers found interesting
//! stays a regression test on the stable toolchain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

#[allow(dead_code)]
#[path = "../../fuzz/src/fixtures.rs"]
mod fixtures;
#[allow(dead_code)]
#[path = "../../fuzz/src/handle.rs"]
mod handle;
#[path = "../../fuzz/src/patch.rs"]
mod patch;
#[path = "../../fuzz/src/replay.rs"]
mod replay;
#[path = "../../fuzz/src/strict.rs"]
mod strict;
#[path = "../../fuzz/src/validate.rs"]
mod validate;

use replay::replay;

#[test]
fn validate_corpus() {
    replay("validate", validate::check_validate);
}

#[test]
fn patch_corpus() {
    replay("patch", patch::check_patch);
}

#[test]
fn handle_corpus() {
    replay("handle", handle::check_handle);
}

#[test]
fn strict_corpus() {
    replay("strict", strict::check_strict);
}
