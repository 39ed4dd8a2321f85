//! Replays the committed fuzz inputs of the `parse_filter` and `parse_path` targets — seeds,
//! minimised corpora and crash reproducers under `fuzz/` — through the targets' own checks
//! (`fuzz/src/filter.rs`), so every input the fuzzers found interesting stays a regression test
//! on the stable toolchain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

#[path = "../../fuzz/src/filter.rs"]
mod filter;
#[path = "../../fuzz/src/replay.rs"]
mod replay;

use replay::replay;

#[test]
fn parse_filter_corpus() {
    replay("parse_filter", filter::check_filter);
}

#[test]
fn parse_path_corpus() {
    replay("parse_path", filter::check_path);
}
