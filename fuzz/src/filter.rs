//! The checks of the `parse_filter` and `parse_path` targets, shared with
//! `scim-filter/tests/fuzz_corpus.rs`, which replays the committed corpora through them.
//!
//! Properties: the parser never panics; an error's offset lies inside the input and the error
//! prints; an accepted input prints as canonical text that parses back to an equal AST.

#![allow(clippy::panic)]

use std::fmt::{Debug, Display};

use scimkit_filter::{parse_filter, parse_path, ParseError};

/// Arbitrary bytes (ignored unless UTF-8) through `parse_filter`.
pub fn check_filter(data: &[u8]) {
    check_round_trip(data, parse_filter);
}

/// Arbitrary bytes (ignored unless UTF-8) through `parse_path`.
pub fn check_path(data: &[u8]) {
    check_round_trip(data, parse_path);
}

/// The properties above for one parser.
fn check_round_trip<T>(data: &[u8], parse: impl Fn(&str) -> Result<T, ParseError>)
where
    T: Display + PartialEq + Debug,
{
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse(input) {
        Ok(parsed) => {
            let printed = parsed.to_string();
            match parse(&printed) {
                Ok(reparsed) => assert_eq!(
                    reparsed, parsed,
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
