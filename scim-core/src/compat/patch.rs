//! Quirks in PATCH requests: a body without `schemas`, op case, pre-RFC URNs in paths, values
//! by the type of the attribute their path names, path-less values with qualified keys and
//! read-only members, and Entra's remove-by-value-list.

use scimkit_filter::{parse_path, AttrPath, CompareOp, Filter, PatchPath};
use serde_json::{Map, Value};

use crate::compat::body::{
    boolean_text, drop_schemas_key, normalize_attributes, normalize_single, normalize_value,
};
use crate::compat::{legacy, CompatOptions, Quirk};
use crate::patch::PATCH_SCHEMA;
use crate::schema::{Attribute, AttributeType, Mutability, Namespace, ResourceType, Target};

/// Normalises a PATCH request body in place and returns the quirks it met. Malformed parts are
/// left as they are for the PATCH parser to report.
///
/// ```
/// use scimkit_core::compat::{normalize_patch, CompatOptions};
/// use scimkit_core::schema::ResourceType;
/// use serde_json::json;
///
/// // Entra's default dialect removes only the listed members.
/// let mut body = json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]}]
/// });
/// normalize_patch(&ResourceType::group(), &mut body, &CompatOptions::default());
/// assert_eq!(body["Operations"], json!([
///     {"op": "remove", "path": "members[value eq \"u1\"]"},
///     {"op": "remove", "path": "members[value eq \"u2\"]"},
/// ]));
/// ```
pub fn normalize_patch(rt: &ResourceType, body: &mut Value, options: &CompatOptions) -> Vec<Quirk> {
    let mut quirks = Vec::new();
    let Some(map) = body.as_object_mut() else {
        return quirks;
    };
    if options.patch_without_schemas {
        supply_schemas(map, &mut quirks);
    }
    let Some(Value::Array(operations)) = map
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .map(|(_, v)| v)
    else {
        return quirks;
    };
    let mut out = Vec::with_capacity(operations.len());
    for mut operation in std::mem::take(operations) {
        if let Value::Object(op) = &mut operation {
            if options.op_case {
                lower_case_op(op, &mut quirks);
            }
            if options.legacy_schema_urns {
                modernise_path(rt, op, &mut quirks);
            }
            if let Some(split) = split_listed_removes(rt, op, options, &mut quirks) {
                out.extend(split);
                continue;
            }
            normalize_operation_value(rt, op, options, &mut quirks);
        }
        out.push(operation);
    }
    *operations = out;
    quirks
}

/// Gives a PatchOp message without `schemas` (its `Operations` an array of objects) the PatchOp
/// URN.
fn supply_schemas(map: &mut Map<String, Value>, quirks: &mut Vec<Quirk>) {
    let has_schemas = map.keys().any(|k| k.eq_ignore_ascii_case("schemas"));
    let has_operations = map.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("Operations")
            && v.as_array()
                .is_some_and(|ops| !ops.is_empty() && ops.iter().all(Value::is_object))
    });
    if has_schemas || !has_operations {
        return;
    }
    map.insert(
        "schemas".to_owned(),
        Value::Array(vec![Value::from(PATCH_SCHEMA)]),
    );
    quirks.push(Quirk::PatchWithoutSchemas);
}

/// A `path` that starts with a pre-RFC schema URN gets the resource type's.
fn modernise_path(rt: &ResourceType, op: &mut Map<String, Value>, quirks: &mut Vec<Quirk>) {
    if let Some(Value::String(path)) = op.get_mut("path") {
        if let Some(rfc) = legacy::modern(rt, path) {
            *path = rfc;
            quirks.push(Quirk::LegacySchemaUrn);
        }
    }
}

fn lower_case_op(op: &mut Map<String, Value>, quirks: &mut Vec<Quirk>) {
    if let Some(Value::String(name)) = op.get_mut("op") {
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            *name = name.to_ascii_lowercase();
            quirks.push(Quirk::CapitalisedOp);
        }
    }
}

/// The attribute definition a PATCH path's value is written to: the sub-attribute for
/// `a.b` and `a[f].b`, the attribute (one element of it for `a[f]`) otherwise.
fn value_target<'r>(rt: &'r ResourceType, path: &PatchPath) -> Option<(&'r Attribute, bool)> {
    let (attr_path, sub, filtered) = match path {
        PatchPath::Attr(a) => (a, None, false),
        PatchPath::Filtered { attr, sub_attr, .. } => (attr, sub_attr.as_deref(), true),
    };
    let Some(Target::Attribute(resolved)) = rt.resolve(attr_path) else {
        return None;
    };
    match sub {
        Some(sub) => resolved.attribute.sub_attribute(sub).map(|a| (a, false)),
        None => Some((resolved.leaf(), filtered)),
    }
}

/// Normalises an operation's `value` by what its path names, or as attributes when path-less.
fn normalize_operation_value(
    rt: &ResourceType,
    op: &mut Map<String, Value>,
    options: &CompatOptions,
    quirks: &mut Vec<Quirk>,
) {
    let path = op.get("path").and_then(Value::as_str).map(parse_path);
    let Some(value) = op.get_mut("value") else {
        return;
    };
    match path {
        Some(Ok(path)) => {
            if let (PatchPath::Attr(attr), Value::Object(ext_map)) = (&path, &mut *value) {
                if options.schemas_in_extension_objects
                    && matches!(rt.resolve(attr), Some(Target::Extension(_)))
                {
                    drop_schemas_key(ext_map, quirks);
                }
            }
            let Some((attribute, element)) = value_target(rt, &path) else {
                return;
            };
            if attribute.kind == AttributeType::Boolean && options.boolean_strings {
                if let Some(b) = value.as_str().and_then(boolean_text) {
                    *value = Value::Bool(b);
                    quirks.push(Quirk::BooleanString);
                }
            } else if element {
                normalize_single(attribute, value, options, quirks);
            } else {
                normalize_value(attribute, value, options, quirks);
            }
        }
        Some(Err(_)) => {}
        None => {
            if let Value::Object(map) = value {
                if options.legacy_schema_urns {
                    legacy::modernise_keys(rt, map, quirks);
                }
                normalize_attributes(rt, map, options, quirks);
                if options.read_only_in_patch_values {
                    drop_read_only(rt, map, quirks);
                }
            }
        }
    }
}

/// Drops read-only attributes (common ones other than `externalId`, and read-only schema
/// attributes) from a path-less PATCH value.
fn drop_read_only(rt: &ResourceType, map: &mut Map<String, Value>, quirks: &mut Vec<Quirk>) {
    let read_only = |rt: &ResourceType, key: &str| match rt.resolve(&AttrPath::new(key)) {
        Some(Target::Attribute(r)) => {
            r.attribute.mutability == Mutability::ReadOnly
                || (r.namespace == Namespace::Common && !r.attribute.name.eq("externalId"))
        }
        _ => false,
    };
    let before = map.len();
    map.retain(|key, _| rt.extension(key).is_some() || !read_only(rt, key));
    for ext in &rt.extensions {
        if let Some(Value::Object(ext_map)) = map.get_mut(&ext.schema.id) {
            let ext_before = ext_map.len();
            ext_map.retain(|key, _| {
                ext.schema
                    .get(key)
                    .is_none_or(|a| a.mutability != Mutability::ReadOnly)
            });
            if ext_map.len() != ext_before {
                quirks.push(Quirk::ReadOnlyInPatchValue);
            }
        }
    }
    if map.len() != before {
        quirks.push(Quirk::ReadOnlyInPatchValue);
    }
}

/// `{"op":"remove","path":"members","value":[{"value":"u1"},…]}` becomes one
/// `remove members[value eq "u1"]` per listed value. `None` when the operation is not of that
/// shape (or the quirk is off).
fn split_listed_removes(
    rt: &ResourceType,
    op: &Map<String, Value>,
    options: &CompatOptions,
    quirks: &mut Vec<Quirk>,
) -> Option<Vec<Value>> {
    if !options.remove_listed_values || op.get("op").and_then(Value::as_str) != Some("remove") {
        return None;
    }
    let Ok(PatchPath::Attr(attr)) = parse_path(op.get("path")?.as_str()?) else {
        return None;
    };
    if attr.sub_attr.is_some() {
        return None;
    }
    let Some(Target::Attribute(resolved)) = rt.resolve(&attr) else {
        return None;
    };
    if !resolved.attribute.multi_valued || resolved.attribute.sub_attribute("value").is_none() {
        return None;
    }
    let listed: Vec<&Value> = match op.get("value")? {
        Value::Array(items) => items.iter().collect(),
        single @ Value::Object(_) => vec![single],
        _ => return None,
    };
    if listed.is_empty() {
        return None;
    }
    let mut ops = Vec::with_capacity(listed.len());
    for item in listed {
        let id = item.get("value")?.as_str()?;
        let path = PatchPath::Filtered {
            attr: attr.clone(),
            filter: Filter::compare(AttrPath::new("value"), CompareOp::Eq, id),
            sub_attr: None,
        };
        let mut remove = Map::new();
        remove.insert("op".to_owned(), Value::from("remove"));
        remove.insert("path".to_owned(), Value::from(path.to_string()));
        ops.push(Value::Object(remove));
    }
    quirks.push(Quirk::RemoveListedValues);
    Some(ops)
}
