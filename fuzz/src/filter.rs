//! The checks of the `parse_filter` and `parse_path` targets, shared with
//! `scim-filter/tests/fuzz_corpus.rs`, which replays the committed corpora through them.
//!
//! Properties: the parser never panics; an error's offset lies inside the input and the error
//! prints; an accepted input prints as canonical text that parses back to an equal AST.

#![allow(clippy::panic)]

use scimkit_filter::{parse_filter, parse_path};

/// Arbitrary bytes (ignored unless UTF-8) through `parse_filter`.
pub fn check_filter(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse_filter(input) {
        Ok(filter) => {
            let printed = filter.to_string();
            match parse_filter(&printed) {
                Ok(reparsed) => assert_eq!(
                    reparsed, filter,
                    "round trip changed the AST\n input: {input:?}\nprinted: {printed:?}"
                ),
                Err(e) => panic!(
                    "canonical text does not parse: {e}\n input: {input:?}\nprinted: {printed:?}"
                ),
            }
        }
        Err(e) => {
            assert!(e.offset <= input.len(), "offset past the end: {e:?}");
            let _ = e.to_string();
        }
    }
}

/// Arbitrary bytes (ignored unless UTF-8) through `parse_path`.
pub fn check_path(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse_path(input) {
        Ok(path) => {
            let printed = path.to_string();
            match parse_path(&printed) {
                Ok(reparsed) => assert_eq!(
                    reparsed, path,
                    "round trip changed the AST\n input: {input:?}\nprinted: {printed:?}"
                ),
                Err(e) => panic!(
                    "canonical text does not parse: {e}\n input: {input:?}\nprinted: {printed:?}"
                ),
            }
        }
        Err(e) => {
            assert!(e.offset <= input.len(), "offset past the end: {e:?}");
            let _ = e.to_string();
        }
    }
}
