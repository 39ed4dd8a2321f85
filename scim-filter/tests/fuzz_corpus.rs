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

use std::path::{Path, PathBuf};

/// Every file under `fuzz/{seeds,corpus,regressions}/<target>/`.
fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for kind in ["seeds", "corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(fuzz.join(kind).join(target)) else {
            continue;
        };
        files.extend(
            dir.map(|entry| entry.unwrap().path())
                .filter(|p| p.is_file()),
        );
    }
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        files.len() >= 10,
        "{target}: only {} inputs found",
        files.len()
    );
    for file in files {
        let data = std::fs::read(&file).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            panic!(
                "{target}: {} fails: {:?}",
                file.display(),
                panic.downcast_ref::<String>()
            );
        }
    }
}

#[test]
fn parse_filter_corpus() {
    replay("parse_filter", filter::check_filter);
}

#[test]
fn parse_path_corpus() {
    replay("parse_path", filter::check_path);
}
