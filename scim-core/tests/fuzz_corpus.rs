//! Replays the committed fuzz inputs of the `validate`, `patch` and `handle` targets — seeds,
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
#[path = "../../fuzz/src/validate.rs"]
mod validate;

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
