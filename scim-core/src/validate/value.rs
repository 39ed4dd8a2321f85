//! Type checks of one attribute's value: JSON type per SCIM type, canonical values, complex
//! sub-attributes, multi-valued arrays and their single `primary`.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::scalar::parse_date_time;
use crate::schema::{Attribute, AttributeType, Mutability};
use crate::validate::{unknown, ValidationOptions};

/// Checks `value` against `attribute`. `Ok(None)` means unassigned: `null`, `[]`, or a complex
/// value with nothing left in it.
pub(super) fn check_value(
    attribute: &Attribute,
    value: Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if !attribute.multi_valued {
        return check_single(attribute, value, path, options);
    }
    let Value::Array(items) = value else {
        return Err(ScimError::InvalidValue(format!(
            "\"{path}\" is multi-valued: its value must be a JSON array, not {}",
            json_kind(&value)
        )));
    };
    let mut out = Vec::with_capacity(items.len());
    let mut primaries = 0usize;
    for (n, item) in items.into_iter().enumerate() {
        let item_path = format!("{path}[{n}]");
        if let Some(checked) = check_single(attribute, item, &item_path, options)? {
            if checked.get("primary") == Some(&Value::Bool(true)) {
                primaries += 1;
            }
            out.push(checked);
        }
    }
    if primaries > 1 {
        return Err(ScimError::InvalidValue(format!(
            "\"{path}\" has {primaries} values with \"primary\": true; at most one may be primary"
        )));
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// One (non-array) value of an attribute.
fn check_single(
    attribute: &Attribute,
    value: Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if attribute.kind == AttributeType::Complex {
        return check_complex(attribute, value, path, options).map(|m| m.map(Value::Object));
    }
    check_scalar(attribute, &value, path)?;
    Ok(Some(value))
}

/// A complex value: an object of known sub-attributes (read-only ones dropped).
fn check_complex(
    attribute: &Attribute,
    value: Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<Option<Map<String, Value>>, ScimError> {
    let Value::Object(input) = value else {
        return Err(ScimError::InvalidValue(format!(
            "\"{path}\" is complex: its value must be a JSON object, not {}",
            json_kind(&value)
        )));
    };
    let mut out = Map::new();
    for (key, sub_value) in input {
        let Some(sub) = attribute.sub_attribute(&key) else {
            unknown(options, &format!("{path}.{key}"))?;
            continue;
        };
        if sub.mutability == Mutability::ReadOnly && attribute.mutability != Mutability::ReadOnly {
            continue;
        }
        let sub_path = format!("{path}.{}", sub.name);
        if let Some(checked) = check_value(sub, sub_value, &sub_path, options)? {
            out.insert(sub.name.clone(), checked);
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    if let Some(name) = missing_required(&attribute.sub_attributes, &out) {
        return Err(ScimError::InvalidValue(format!(
            "\"{path}\" is missing its required sub-attribute \"{name}\""
        )));
    }
    Ok(Some(out))
}

/// A simple value: its JSON type must fit the SCIM type; canonical values are enforced.
fn check_scalar(attribute: &Attribute, value: &Value, path: &str) -> Result<(), ScimError> {
    let ok = match attribute.kind {
        AttributeType::String | AttributeType::Reference => value.is_string(),
        AttributeType::Boolean => value.is_boolean(),
        AttributeType::Integer => value.is_i64() || value.is_u64(),
        AttributeType::Decimal => value.is_number(),
        AttributeType::DateTime => value.as_str().is_some_and(is_date_time),
        AttributeType::Binary => value.as_str().is_some_and(is_base64),
        AttributeType::Complex => value.is_object(),
    };
    if !ok {
        let expected = match attribute.kind {
            AttributeType::DateTime => "a dateTime string such as \"2026-01-23T04:56:22Z\"",
            AttributeType::Binary => "a base64-encoded string",
            AttributeType::Integer => "an integer",
            AttributeType::Decimal => "a number",
            AttributeType::Boolean => "true or false",
            AttributeType::Reference => "a URI string",
            AttributeType::String => "a string",
            AttributeType::Complex => "an object",
        };
        return Err(ScimError::InvalidValue(format!(
            "\"{path}\" must be {expected}, not {}",
            describe(value)
        )));
    }
    if let (false, Some(text)) = (attribute.canonical_values.is_empty(), value.as_str()) {
        let allowed = attribute.canonical_values.iter().any(|c| {
            if attribute.case_exact {
                c == text
            } else {
                c.to_lowercase() == text.to_lowercase()
            }
        });
        if !allowed {
            return Err(ScimError::InvalidValue(format!(
                "\"{path}\" must be one of {}, not {text:?}",
                attribute
                    .canonical_values
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(())
}

/// The first required, client-writable attribute missing from `values`.
pub(super) fn missing_required<'a>(
    attributes: &'a [Attribute],
    values: &Map<String, Value>,
) -> Option<&'a str> {
    attributes
        .iter()
        .filter(|a| a.required && a.mutability != Mutability::ReadOnly)
        .find(|a| crate::resource::get_ci(values, &a.name).is_none())
        .map(|a| a.name.as_str())
}

/// `xsd:dateTime`: RFC 3339, or the same without a zone offset (taken as UTC).
fn is_date_time(text: &str) -> bool {
    parse_date_time(text).is_some()
}

/// Base64 (standard or URL-safe alphabet, padding optional, whitespace allowed between lines).
fn is_base64(text: &str) -> bool {
    let mut padding = 0usize;
    for c in text.chars() {
        match c {
            '=' => padding += 1,
            c if c.is_ascii_whitespace() => {}
            c if padding == 0
                && (c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')) => {}
            _ => return false,
        }
    }
    padding <= 2
}

/// A short description of a JSON value for error details (strings quoted, long ones cut).
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() > 40 => {
            format!("the string {:?}…", s.chars().take(40).collect::<String>())
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        other => json_kind(other).to_owned(),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
