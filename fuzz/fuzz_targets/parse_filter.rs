//! Arbitrary bytes into `parse_filter`: it must never panic, errors must point inside the input,
//! and every filter it accepts must print as canonical text that parses back to an equal AST.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scimkit_filter::parse_filter;

fuzz_target!(|data: &[u8]| {
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
});
