//! Arbitrary bytes into `parse_path`: it must never panic, errors must point inside the input,
//! and every path it accepts must print as canonical text that parses back to an equal AST.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scimkit_filter::parse_path;

fuzz_target!(|data: &[u8]| {
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
});
