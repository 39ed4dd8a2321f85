//! Quirks in resource bodies (POST, PUT) and in the attribute objects of path-less PATCH values.

use scimkit_filter::{parse_path, PatchPath};
use serde_json::{Map, Value};

use crate::compat::{legacy, CompatOptions, Quirk};
use crate::schema::{Attribute, AttributeType, Namespace, ResourceType, Target};

/// Normalises a POST or PUT body in place and returns the quirks it met.
///
/// ```
/// use scimkit_core::compat::{normalize_resource, CompatOptions};
/// use scimkit_core::schema::ResourceType;
/// use serde_json::json;
///
/// let mut body = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
///                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
///     "userName": "ann@contoso.com",
///     "active": "True",
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "26118915"}
/// });
/// normalize_resource(&ResourceType::user(), &mut body, &CompatOptions::default());
/// assert_eq!(body["active"], true);
/// assert_eq!(
///     body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"],
///     json!({"value": "26118915"})
/// );
/// ```
pub fn normalize_resource(
    rt: &ResourceType,
    body: &mut Value,
    options: &CompatOptions,
) -> Vec<Quirk> {
    let mut quirks = Vec::new();
    let Value::Object(map) = body else {
        return quirks;
    };
    if options.legacy_schema_urns {
        legacy::modernise_resource(rt, map, &mut quirks);
    }
    if options.attributeless_schema_urns {
        drop_attributeless_urns(rt, map, &mut quirks);
    }
    normalize_attributes(rt, map, options, &mut quirks);
    quirks
}

/// Expands qualified keys, then normalises each attribute's value by its definition.
pub(super) fn normalize_attributes(
    rt: &ResourceType,
    map: &mut Map<String, Value>,
    options: &CompatOptions,
    quirks: &mut Vec<Quirk>,
) {
    if options.qualified_keys {
        expand_qualified_keys(rt, map, quirks);
    }
    for (key, value) in map.iter_mut() {
        if let Some(attribute) = rt.schema.get(key) {
            normalize_value(attribute, value, options, quirks);
        } else if let (Some(ext), Value::Object(ext_map)) = (rt.extension(key), value) {
            if options.schemas_in_extension_objects {
                drop_schemas_key(ext_map, quirks);
            }
            for (ext_key, ext_value) in ext_map.iter_mut() {
                if let Some(attribute) = ext.get(ext_key) {
                    normalize_value(attribute, ext_value, options, quirks);
                }
            }
        }
    }
}

/// Drops a `schemas` member from an extension's object.
pub(super) fn drop_schemas_key(ext_map: &mut Map<String, Value>, quirks: &mut Vec<Quirk>) {
    let before = ext_map.len();
    ext_map.retain(|key, _| !key.eq_ignore_ascii_case("schemas"));
    if ext_map.len() != before {
        quirks.push(Quirk::SchemasInExtensionObject);
    }
}

/// Normalises the value of one attribute (an array for a multi-valued one, or a single value).
pub(super) fn normalize_value(
    attribute: &Attribute,
    value: &mut Value,
    options: &CompatOptions,
    quirks: &mut Vec<Quirk>,
) {
    match value {
        Value::Array(items) if attribute.multi_valued => {
            for item in items {
                normalize_single(attribute, item, options, quirks);
            }
        }
        _ => normalize_single(attribute, value, options, quirks),
    }
}

/// One value: boolean strings become booleans, bare complex values are wrapped, complex values
/// are normalised member by member.
pub(super) fn normalize_single(
    attribute: &Attribute,
    value: &mut Value,
    options: &CompatOptions,
    quirks: &mut Vec<Quirk>,
) {
    match attribute.kind {
        AttributeType::Boolean if options.boolean_strings => {
            if let Some(b) = value.as_str().and_then(boolean_text) {
                *value = Value::Bool(b);
                quirks.push(Quirk::BooleanString);
            }
        }
        AttributeType::Complex => match value {
            Value::Object(members) => {
                for (key, member) in members.iter_mut() {
                    if let Some(sub) = attribute.sub_attribute(key) {
                        normalize_value(sub, member, options, quirks);
                    }
                }
            }
            Value::String(_) | Value::Number(_)
                if options.bare_complex_value
                    && !attribute.multi_valued
                    && attribute.sub_attribute("value").is_some() =>
            {
                let bare = std::mem::take(value);
                let mut wrapped = Map::new();
                wrapped.insert("value".to_owned(), bare);
                *value = Value::Object(wrapped);
                quirks.push(Quirk::BareComplexValue);
            }
            _ => {}
        },
        _ => {}
    }
}

/// `"True"`/`"False"` in any letter case.
pub(super) fn boolean_text(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Moves `"name.givenName": v` to `"name": {"givenName": v}` and
/// `"urn:…:enterprise:2.0:User:employeeNumber": v` into the extension's object.
fn expand_qualified_keys(rt: &ResourceType, map: &mut Map<String, Value>, quirks: &mut Vec<Quirk>) {
    let qualified: Vec<String> = map
        .keys()
        .filter(|k| (k.contains('.') || k.contains(':')) && rt.extension(k).is_none())
        .cloned()
        .collect();
    for key in qualified {
        let Ok(PatchPath::Attr(path)) = parse_path(&key) else {
            continue;
        };
        let Some(Target::Attribute(resolved)) = rt.resolve(&path) else {
            continue;
        };
        let Some(value) = map.remove(&key) else {
            continue;
        };
        let container = match resolved.namespace {
            Namespace::Extension(ext) => {
                let slot = map
                    .entry(ext.id.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                match slot.as_object_mut() {
                    Some(ext_map) => ext_map,
                    None => continue,
                }
            }
            Namespace::Core | Namespace::Common => &mut *map,
        };
        let name = resolved.attribute.name.clone();
        match resolved.sub_attribute {
            None => {
                container.insert(name, value);
            }
            Some(sub) => {
                let parent = container
                    .entry(name)
                    .or_insert_with(|| Value::Object(Map::new()));
                if !parent.is_object() {
                    *parent = Value::Object(Map::new());
                }
                if let Some(parent) = parent.as_object_mut() {
                    parent.insert(sub.name.clone(), value);
                }
            }
        }
        quirks.push(Quirk::QualifiedKey);
    }
}

/// Drops from `schemas` the URNs the resource type does not know and the body has no data for.
fn drop_attributeless_urns(
    rt: &ResourceType,
    map: &mut Map<String, Value>,
    quirks: &mut Vec<Quirk>,
) {
    let has_data =
        |urn: &str, map: &Map<String, Value>| map.keys().any(|k| k.eq_ignore_ascii_case(urn));
    let Some(schemas_key) = map
        .keys()
        .find(|k| k.eq_ignore_ascii_case("schemas"))
        .cloned()
    else {
        return;
    };
    let Some(Value::Array(schemas)) = map.get(&schemas_key) else {
        return;
    };
    let keep: Vec<Value> = schemas
        .iter()
        .filter(|urn| match urn.as_str() {
            Some(urn) => rt.schema_by_urn(urn).is_some() || has_data(urn, map),
            None => true,
        })
        .cloned()
        .collect();
    if keep.len() != schemas.len() {
        quirks.push(Quirk::AttributelessSchemaUrn);
        map.insert(schemas_key, Value::Array(keep));
    }
}
