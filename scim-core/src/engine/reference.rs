//! Relative resource references (RFC 7643 §2.3.7 allows them): a `$ref` such as the Keycloak
//! SCIM plugin's group member `"Users/<id>"` is resolved against the tenant URL, taken as a
//! directory, before validation. What is stored, and returned, is then this server's absolute
//! URL of the resource, whichever form the client sent.
//!
//! Only `$ref` sub-attributes that name resources (reference types other than `external` and
//! `uri`) are touched, in POST/PUT bodies and in PATCH values; absolute references are left as
//! they are. Nothing here looks the referenced resource up: the store checks members.

use scimkit_filter::{parse_path, PatchPath};
use serde_json::{Map, Value};

use crate::schema::{Attribute, AttributeType, ResourceType, Schema, Target};

/// Resolves the relative references of a POST or PUT body against `base`.
pub(crate) fn resolve_in_resource(rt: &ResourceType, body: &mut Value, base: &str) {
    if let Value::Object(map) = body {
        resolve_attributes(rt, map, base);
    }
}

/// Resolves the relative references in the values of a PATCH body's operations.
pub(crate) fn resolve_in_patch(rt: &ResourceType, body: &mut Value, base: &str) {
    let Some(Value::Array(operations)) = body.as_object_mut().and_then(|map| {
        map.iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
            .map(|(_, v)| v)
    }) else {
        return;
    };
    for operation in operations {
        let Value::Object(op) = operation else {
            continue;
        };
        let path = op.get("path").and_then(Value::as_str).map(parse_path);
        let Some(value) = op.get_mut("value") else {
            continue;
        };
        match path {
            None => {
                if let Value::Object(map) = value {
                    resolve_attributes(rt, map, base);
                }
            }
            Some(Ok(path)) => resolve_at_path(rt, &path, value, base),
            Some(Err(_)) => {}
        }
    }
}

/// A PATCH value written where `path` points.
fn resolve_at_path(rt: &ResourceType, path: &PatchPath, value: &mut Value, base: &str) {
    let (attr, sub, element) = match path {
        PatchPath::Attr(attr) => (attr, None, false),
        PatchPath::Filtered { attr, sub_attr, .. } => (attr, sub_attr.as_deref(), true),
    };
    match rt.resolve(attr) {
        Some(Target::Extension(schema)) => {
            if let Value::Object(map) = value {
                resolve_in_schema(schema, map, base);
            }
        }
        Some(Target::Attribute(resolved)) => {
            let sub = sub.and_then(|name| resolved.attribute.sub_attribute(name));
            match sub.or(resolved.sub_attribute) {
                Some(leaf) if names_resources(leaf) => resolve_text(value, base),
                Some(_) => {}
                None if element => resolve_element(resolved.attribute, value, base),
                None => resolve_value(resolved.attribute, value, base),
            }
        }
        None => {}
    }
}

/// The attributes of a resource body (or a path-less PATCH value), extensions included.
fn resolve_attributes(rt: &ResourceType, map: &mut Map<String, Value>, base: &str) {
    for (key, value) in map.iter_mut() {
        if let Some(attribute) = rt.schema.get(key) {
            resolve_value(attribute, value, base);
        } else if let (Some(ext), Value::Object(ext_map)) = (rt.extension(key), value) {
            resolve_in_schema(ext, ext_map, base);
        }
    }
}

/// The attributes of one schema's object.
fn resolve_in_schema(schema: &Schema, map: &mut Map<String, Value>, base: &str) {
    for (key, value) in map.iter_mut() {
        if let Some(attribute) = schema.get(key) {
            resolve_value(attribute, value, base);
        }
    }
}

/// An attribute's value: each element of a multi-valued one, or the single value.
fn resolve_value(attribute: &Attribute, value: &mut Value, base: &str) {
    match value {
        Value::Array(items) => {
            for item in items {
                resolve_element(attribute, item, base);
            }
        }
        single => resolve_element(attribute, single, base),
    }
}

/// One complex value: its `$ref`, when that names resources.
fn resolve_element(attribute: &Attribute, value: &mut Value, base: &str) {
    if attribute.kind != AttributeType::Complex
        || !attribute.sub_attribute("$ref").is_some_and(names_resources)
    {
        return;
    }
    if let Value::Object(members) = value {
        for (key, member) in members.iter_mut() {
            if key.eq_ignore_ascii_case("$ref") {
                resolve_text(member, base);
            }
        }
    }
}

/// Whether a reference attribute points at SCIM resources.
fn names_resources(attribute: &Attribute) -> bool {
    attribute.kind == AttributeType::Reference
        && attribute
            .reference_types
            .iter()
            .any(|kind| !kind.eq_ignore_ascii_case("external") && !kind.eq_ignore_ascii_case("uri"))
}

/// A JSON string holding a relative reference becomes the absolute one.
fn resolve_text(value: &mut Value, base: &str) {
    if let Value::String(text) = value {
        if let Some(absolute) = absolute(text, base) {
            *text = absolute;
        }
    }
}

/// `reference` resolved against the tenant URL `base`, or `None` when it is absolute (has a
/// scheme or an authority), empty, climbs with `..` (kept as sent rather than guessed), or is
/// absolute-path with a `base` that has no origin.
///
/// `Users/2819c223` → `{base}/Users/2819c223`; `/scim/v2/Users/2819c223` → the origin of
/// `base` followed by it.
fn absolute(reference: &str, base: &str) -> Option<String> {
    if reference.is_empty()
        || has_scheme(reference)
        || reference.starts_with("//")
        || reference.split('/').any(|segment| segment == "..")
    {
        return None;
    }
    if reference.starts_with('/') {
        let (scheme, rest) = base.split_once("://")?;
        let authority = rest.split('/').next().unwrap_or(rest);
        return Some(format!("{scheme}://{authority}{reference}"));
    }
    let relative = reference.strip_prefix("./").unwrap_or(reference);
    Some(format!("{}/{relative}", base.trim_end_matches('/')))
}

/// Whether `text` starts with a URI scheme (RFC 3986 §3.1: a letter, then letters, digits,
/// `+`, `-` or `.`, then `:`).
fn has_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_references_are_resolved_against_the_tenant_url() {
        let base = "https://app.example.com/scim/v2/acme";
        for (sent, resolved) in [
            (
                "Users/2819c223",
                Some("https://app.example.com/scim/v2/acme/Users/2819c223"),
            ),
            (
                "./Users/2819c223",
                Some("https://app.example.com/scim/v2/acme/Users/2819c223"),
            ),
            (
                "/scim/v2/acme/Users/1",
                Some("https://app.example.com/scim/v2/acme/Users/1"),
            ),
            ("https://other.example/Users/1", None),
            ("urn:example:1", None),
            ("//other.example/Users/1", None),
            ("", None),
            ("../Users/1", None),
        ] {
            assert_eq!(absolute(sent, base).as_deref(), resolved, "{sent}");
        }
        assert_eq!(absolute("/Users/1", "/scim/v2"), None);
        assert_eq!(absolute("Users/1", "").as_deref(), Some("/Users/1"));
    }

    #[test]
    fn only_references_to_resources_are_touched() {
        let rt = ResourceType::group();
        let mut body = serde_json::json!({
            "displayName": "G",
            "members": [{"value": "1", "$ref": "Users/1"}, {"value": "2", "$ref": "https://x/Users/2"}]
        });
        resolve_in_resource(&rt, &mut body, "http://h/scim");
        assert_eq!(body["members"][0]["$ref"], "http://h/scim/Users/1");
        assert_eq!(body["members"][1]["$ref"], "https://x/Users/2");

        let mut patch = serde_json::json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "1", "$ref": "Users/1"}]},
            {"op": "replace", "path": "members[value eq \"1\"].$ref", "value": "Users/1"},
            {"op": "replace", "value": {"members": [{"value": "3", "$ref": "Groups/3"}]}},
            {"op": "replace", "path": "displayName", "value": "Users/1"},
        ]});
        resolve_in_patch(&rt, &mut patch, "http://h/scim");
        assert_eq!(
            patch["Operations"][0]["value"][0]["$ref"],
            "http://h/scim/Users/1"
        );
        assert_eq!(patch["Operations"][1]["value"], "http://h/scim/Users/1");
        assert_eq!(
            patch["Operations"][2]["value"]["members"][0]["$ref"],
            "http://h/scim/Groups/3"
        );
        assert_eq!(patch["Operations"][3]["value"], "Users/1");
    }
}
