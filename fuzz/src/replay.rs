//! Replaying a target's committed inputs in the stable test suite: every file under
//! `fuzz/{seeds,corpus,regressions}/<target>/`, each through the target's check.
//!
//! Not part of the fuzz library: only the `fuzz_corpus` tests of scim-filter and scim-core
//! include it by path (`#[path = "../../fuzz/src/replay.rs"] mod replay;`), so the fuzz
//! directory is found from the including crate's manifest directory.

use std::path::{Path, PathBuf};

/// Every file under `fuzz/{seeds,corpus,regressions}/<target>/`, sorted.
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

/// Runs `check` on every committed input of `target` (at least 10 must exist), naming the
/// file that fails.
pub fn replay(target: &str, check: fn(&[u8])) {
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
