//! The checks behind the cargo-fuzz targets of scim-rs, one module per target family.
//!
//! Each module is also compiled into the normal test suite by path (`#[path = …] mod …;` in
//! `scim-filter/tests/fuzz_corpus.rs`, `scim-core/tests/fuzz_corpus.rs` and
//! `scim-core/tests/random_requests.rs`), which replays the committed corpora and regression
//! inputs through exactly the code the fuzzers run. Modules therefore refer to each other only
//! through `super::`. `replay.rs` (walking a target's committed inputs) is used only by those
//! tests and is not a module of this library.

pub mod filter;
pub mod fixtures;
pub mod handle;
pub mod patch;
pub mod strict;
pub mod validate;
