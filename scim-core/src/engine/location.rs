//! Where a resource lives: `{base}/{endpoint}/{id}`, the id percent-encoded as one path
//! segment. [`Locations`] writes it straight into a response for each resource of a page.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::schema::ResourceType;

/// What stays as it is in an id written into a path segment (RFC 3986 unreserved).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Which bytes stay as they are in a path segment (the complement of [`PATH_SEGMENT`]), as a
/// table: checking every id of a page byte by byte is on the hot path.
#[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)] // b < 256, in a const
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// Whether `byte` stays as it is in a path segment.
fn unreserved(byte: u8) -> bool {
    UNRESERVED.get(usize::from(byte)).copied().unwrap_or(false)
}

/// `{base}{endpoint}/{id}` as text.
pub(crate) fn location(base: &str, rt: &ResourceType, id: &str) -> String {
    let encoded: String = utf8_percent_encode(id, PATH_SEGMENT).collect();
    format!("{base}{}/{encoded}", rt.endpoint)
}

/// The locations of one resource type's resources, written as JSON strings straight into a
/// response: the base URL and endpoint are copied as they are when JSON needs no escape in
/// them (the usual case), and each id is percent-encoded, which leaves only ASCII that JSON
/// needs no escape for.
pub(crate) struct Locations<'a> {
    base: &'a str,
    rt: &'a ResourceType,
    /// Whether `base` and the endpoint can be copied into a JSON string as they are.
    plain: bool,
}

impl<'a> Locations<'a> {
    pub(crate) fn new(base: &'a str, rt: &'a ResourceType) -> Locations<'a> {
        let json_safe = |text: &str| text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
        Locations {
            base,
            rt,
            plain: json_safe(base) && json_safe(&rt.endpoint),
        }
    }

    /// Appends the JSON string of `id`'s location.
    pub(crate) fn write(&self, out: &mut Vec<u8>, id: &str) {
        if !self.plain {
            // Writing a string into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, &location(self.base, self.rt, id));
            return;
        }
        out.push(b'"');
        out.extend_from_slice(self.base.as_bytes());
        out.extend_from_slice(self.rt.endpoint.as_bytes());
        out.push(b'/');
        if id.bytes().all(unreserved) {
            // Ids are nearly always plain (UUIDs): nothing to encode.
            out.extend_from_slice(id.as_bytes());
        } else {
            for piece in utf8_percent_encode(id, PATH_SEGMENT) {
                out.extend_from_slice(piece.as_bytes());
            }
        }
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_unreserved_table_is_the_complement_of_the_encode_set() {
        for byte in 0..=255u8 {
            let text = [byte];
            let encoded = match std::str::from_utf8(&text) {
                Ok(text) => utf8_percent_encode(text, PATH_SEGMENT).to_string() != text,
                Err(_) => true,
            };
            assert_eq!(unreserved(byte), !encoded, "byte {byte}");
        }
    }

    #[test]
    fn a_written_location_is_the_json_string_of_the_text_one() {
        let rt = ResourceType::user();
        for (base, id) in [
            ("https://example.com/scim/v2", "2819c223-7f76"),
            ("http://h\"x/scim", "a b/c\"d\u{e9}"),
        ] {
            let mut out = Vec::new();
            Locations::new(base, &rt).write(&mut out, id);
            assert_eq!(out, serde_json::to_vec(&location(base, &rt, id)).unwrap());
        }
    }
}
