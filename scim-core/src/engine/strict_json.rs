//! Request bodies read strictly: JSON that `serde_json` would accept, except that an object may
//! not name a member twice (`{"userName": "a", "USERNAME": "b"}`: SCIM attribute names are
//! case-insensitive, so which one counts would be a guess) and no string may hold a NUL
//! character (values that look alike once a C library, a database or a log cuts them there).
//! Both are refused here, once, so every store sees the same input.
//!
//! This module reads bytes into a `serde_json::Value`; it does not know SCIM schemas.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::ScimError;

/// Objects with more members than this check for duplicates with a set, not a scan.
const SCAN_LIMIT: usize = 16;

/// Parses a request body. Duplicate member names (compared without regard to ASCII case) are
/// `invalidSyntax` naming the member; a NUL in any string is `invalidValue` naming where.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, ScimError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let mut refusal = None;
    let value = Strict {
        path: Path::Root,
        refusal: &mut refusal,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    match (value, refusal) {
        (_, Some(refusal)) => Err(refusal),
        (Ok(value), None) => Ok(value),
        (Err(e), None) => Err(ScimError::InvalidSyntax(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// Where a value is: the member names leading to it (array positions are not named, so a path
/// reads like an attribute path: `emails.value`).
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'a str),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("the body"),
            Path::Member(Path::Root, name) => f.write_str(name),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
        }
    }
}

/// Deserialises one value at `path`; a refusal is recorded in `refusal` (serde's own error
/// type cannot carry a `ScimError`) and stops the parse.
struct Strict<'p, 'r> {
    path: Path<'p>,
    refusal: &'r mut Option<ScimError>,
}

impl Strict<'_, '_> {
    fn refuse<E: de::Error>(self, error: ScimError) -> E {
        *self.refusal = Some(error);
        E::custom("refused")
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.visit_string(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        if v.contains('\0') {
            let detail = format!(
                "{} holds a NUL character (\\u0000), which no value may contain",
                self.path
            );
            return Err(self.refuse(ScimError::InvalidValue(detail)));
        }
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let item = Strict {
                path: self.path,
                refusal: &mut *self.refusal,
            };
            match seq.next_element_seed(item)? {
                Some(value) => items.push(value),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut folded: HashSet<String> = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            let duplicate = if object.len() < SCAN_LIMIT {
                object.keys().any(|k| k.eq_ignore_ascii_case(&name))
            } else {
                if folded.is_empty() {
                    folded.extend(object.keys().map(|k| k.to_ascii_lowercase()));
                }
                !folded.insert(name.to_ascii_lowercase())
            };
            if duplicate {
                let detail = match self.path {
                    Path::Root => format!("the body names \"{name}\" twice"),
                    path @ Path::Member(..) => format!("{path} names \"{name}\" twice"),
                };
                return Err(self.refuse(ScimError::InvalidSyntax(format!(
                    "{detail}; send each attribute once"
                ))));
            }
            if name.contains('\0') {
                let detail = format!(
                    "a member name in {} holds a NUL character (\\u0000)",
                    self.path
                );
                return Err(self.refuse(ScimError::InvalidValue(detail)));
            }
            let value = map.next_value_seed(Strict {
                path: Path::Member(&self.path, &name),
                refusal: &mut *self.refusal,
            })?;
            object.insert(name, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn valid_json_reads_as_serde_json_does() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "x", {"b": {}}], "c": "é\u00e9"}"#;
        let strict = parse(text.as_bytes()).ok();
        let plain: Value = serde_json::from_str(text).unwrap_or_default();
        assert_eq!(strict, Some(plain));
    }

    #[test]
    fn duplicate_names_are_refused_naming_them() {
        let err = parse(br#"{"userName": "a@x", "userName": "b@x"}"#).unwrap_err();
        assert_eq!(err.status(), 400);
        assert_eq!(err.scim_type(), Some("invalidSyntax"));
        assert!(err.detail().contains("\"userName\" twice"), "{err:?}");
        let err = parse(br#"{"name": {"givenName": "a", "GIVENNAME": "b"}}"#).unwrap_err();
        assert!(
            err.detail().starts_with("name names \"GIVENNAME\" twice"),
            "{err:?}"
        );
    }

    #[test]
    fn duplicates_in_large_objects_are_found_too() {
        let members: Vec<String> = (0..100).map(|n| format!("\"k{n}\": {n}")).collect();
        let text = format!("{{{}, \"K57\": 0}}", members.join(", "));
        let err = parse(text.as_bytes()).unwrap_err();
        assert!(err.detail().contains("\"K57\" twice"), "{err:?}");
    }

    #[test]
    fn nul_in_a_string_is_refused_naming_the_attribute() {
        let err = parse(br#"{"emails": [{"value": "a@x\u0000evil"}]}"#).unwrap_err();
        assert_eq!(err.scim_type(), Some("invalidValue"));
        assert!(
            err.detail().starts_with("emails.value holds a NUL"),
            "{err:?}"
        );
        let err = parse(br#""\u0000""#).unwrap_err();
        assert!(err.detail().starts_with("the body holds"), "{err:?}");
        assert!(parse(br#"{"a\u0000": 1}"#).is_err());
        assert_eq!(
            parse(br#"{"a": "\u0001"}"#).ok(),
            Some(json!({"a": "\u{1}"}))
        );
    }

    #[test]
    fn syntax_errors_and_trailing_bytes_are_invalid_syntax() {
        for bad in [&b"{"[..], b"{} {}", b"[1,]", b"{\"a\" 1}"] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.scim_type(), Some("invalidSyntax"), "{bad:?}");
            assert!(err.detail().contains("not valid JSON"), "{err:?}");
        }
    }
}
