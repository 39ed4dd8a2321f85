//! Validation of a create (POST) or replace (PUT) body against its resource type (RFC 7643 §2,
//! §7; RFC 7644 §3.3, §3.5.1), and of a PATCH result.
//!
//! Input is expected to be RFC-clean: identity-provider quirks (`"True"` for booleans, a bare
//! manager id, extra schema URNs…) are normalised by the compat layer before this runs.
//!
//! What it does, in order: checks `schemas`; maps every attribute name to the schema's spelling;
//! drops read-only input and explicit `null`s (unassigned); checks each value's type, canonical
//! values and the single `primary`; applies mutability against the existing resource on replace;
//! checks required attributes; and rebuilds `schemas` from the data actually present.
//! It never checks uniqueness: that needs the store.

mod value;

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::resource::{get_ci, Resource};
use crate::schema::{Attribute, Mutability, ResourceType, Schema};

use value::{check_value, missing_required};

/// What to do with attributes and schema URNs the resource type does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UnknownAttributes {
    /// Fail with `400 invalidValue` naming the attribute (the default).
    #[default]
    Reject,
    /// Drop them silently.
    Ignore,
}

/// Validation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValidationOptions {
    /// Attributes and schema URNs the resource type does not define.
    pub unknown_attributes: UnknownAttributes,
}

/// Whether a body creates a resource or replaces an existing one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode<'a> {
    /// POST: there is no existing resource; `id` and `meta` in the input are ignored.
    Create,
    /// PUT, or the result of a PATCH: `id` and `meta` come from `existing`; immutable attributes
    /// must keep their value; read-only and write-only attributes absent from the input keep
    /// their existing values (a PUT of what a client last read never erases a password).
    Replace {
        /// The resource as currently stored.
        existing: &'a Resource,
    },
}

/// Validates `input` against `rt` and returns the resource to store: attribute names in the
/// schema's spelling, unassigned values removed, `schemas` consistent with the data.
///
/// ```
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::validate::{validate, Mode, ValidationOptions};
/// use scimkit_core::{Resource, ScimError};
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let input = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "USERNAME": "bjensen",
///     "title": null,
///     "id": "ignored-on-create",
/// }))?;
/// let user = validate(&users, input, Mode::Create, &ValidationOptions::default())?;
/// assert_eq!(user.get("userName"), Some(&json!("bjensen")));
/// assert!(user.get("title").is_none());
/// assert!(user.id.is_none());
///
/// let missing = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "B"
/// }))?;
/// let err = validate(&users, missing, Mode::Create, &ValidationOptions::default()).unwrap_err();
/// assert!(matches!(err, ScimError::InvalidValue(ref d) if d.contains("userName")));
/// # Ok::<(), ScimError>(())
/// ```
pub fn validate(
    rt: &ResourceType,
    input: Resource,
    mode: Mode<'_>,
    options: &ValidationOptions,
) -> Result<Resource, ScimError> {
    check_declared_schemas(rt, &input.schemas, options)?;
    let existing = match mode {
        Mode::Create => None,
        Mode::Replace { existing } => Some(existing),
    };

    let mut core = Map::new();
    let mut extensions: Vec<(&Schema, Map<String, Value>)> = Vec::new();
    for (key, value) in input.attributes {
        if let Some(attribute) = rt.schema.get(&key) {
            if let Some(checked) = check_top(attribute, value, &attribute.name, options)? {
                core.insert(attribute.name.clone(), checked);
            }
        } else if let Some(ext) = rt.extension(&key) {
            let Value::Object(ext_input) = value else {
                if value.is_null() {
                    continue;
                }
                return Err(ScimError::InvalidValue(format!(
                    "the extension \"{}\" must be a JSON object of its attributes",
                    ext.id
                )));
            };
            let mut ext_out = Map::new();
            for (ext_key, ext_value) in ext_input {
                let Some(attribute) = ext.get(&ext_key) else {
                    unknown(options, &format!("{}:{ext_key}", ext.id))?;
                    continue;
                };
                let path = format!("{}:{}", ext.id, attribute.name);
                if let Some(checked) = check_top(attribute, ext_value, &path, options)? {
                    ext_out.insert(attribute.name.clone(), checked);
                }
            }
            extensions.push((ext, ext_out));
        } else {
            unknown(options, &key)?;
        }
    }

    if let Some(existing) = existing {
        carry_over(&rt.schema, existing.attributes.iter(), &mut core, "")?;
        for ext in &rt.extensions {
            let Some(existing_ext) = existing.extension(&ext.schema.id) else {
                continue;
            };
            let found = extensions.iter().position(|(s, _)| s.id == ext.schema.id);
            let position = found.unwrap_or_else(|| {
                extensions.push((&ext.schema, Map::new()));
                extensions.len() - 1
            });
            if let Some((_, ext_out)) = extensions.get_mut(position) {
                let prefix = format!("{}:", ext.schema.id);
                carry_over(&ext.schema, existing_ext.iter(), ext_out, &prefix)?;
            }
        }
    }

    if let Some(name) = missing_required(&rt.schema.attributes, &core) {
        return Err(ScimError::InvalidValue(format!(
            "the required attribute \"{name}\" is missing"
        )));
    }
    let mut attributes = core;
    let mut schemas = vec![rt.schema.id.clone()];
    for ext in &rt.extensions {
        let data = extensions
            .iter_mut()
            .find(|(s, _)| s.id == ext.schema.id)
            .map(|(_, data)| std::mem::take(data))
            .filter(|data| !data.is_empty());
        match data {
            Some(data) => {
                if let Some(name) = missing_required(&ext.schema.attributes, &data) {
                    return Err(ScimError::InvalidValue(format!(
                        "the required attribute \"{}:{name}\" is missing",
                        ext.schema.id
                    )));
                }
                schemas.push(ext.schema.id.clone());
                attributes.insert(ext.schema.id.clone(), Value::Object(data));
            }
            None if ext.required => {
                return Err(ScimError::InvalidValue(format!(
                    "the required extension \"{}\" is missing",
                    ext.schema.id
                )));
            }
            None => {}
        }
    }

    Ok(Resource {
        schemas,
        id: existing.and_then(|e| e.id.clone()),
        external_id: input.external_id,
        meta: existing.and_then(|e| e.meta.clone()),
        attributes,
    })
}

/// `schemas` must name the core schema, and only schemas the resource type knows.
fn check_declared_schemas(
    rt: &ResourceType,
    schemas: &[String],
    options: &ValidationOptions,
) -> Result<(), ScimError> {
    if !schemas
        .iter()
        .any(|s| s.eq_ignore_ascii_case(&rt.schema.id))
    {
        return Err(ScimError::InvalidSyntax(format!(
            "\"schemas\" must list \"{}\" for a {} resource",
            rt.schema.id, rt.name
        )));
    }
    for urn in schemas {
        if rt.schema_by_urn(urn).is_none()
            && options.unknown_attributes == UnknownAttributes::Reject
        {
            return Err(ScimError::InvalidValue(format!(
                "\"schemas\" lists \"{urn}\", which is not a schema of the {} resource type (it has {})",
                rt.name,
                rt.schema_urns().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(())
}

/// An unknown attribute: an error or nothing, as configured.
fn unknown(options: &ValidationOptions, path: &str) -> Result<(), ScimError> {
    match options.unknown_attributes {
        UnknownAttributes::Reject => Err(ScimError::InvalidValue(format!(
            "unknown attribute \"{path}\""
        ))),
        UnknownAttributes::Ignore => Ok(()),
    }
}

/// A top-level attribute's input: read-only input is dropped, the value is type-checked.
fn check_top(
    attribute: &Attribute,
    value: Value,
    path: &str,
    options: &ValidationOptions,
) -> Result<Option<Value>, ScimError> {
    if attribute.mutability == Mutability::ReadOnly {
        return Ok(None);
    }
    check_value(attribute, value, path, options)
}

/// On replace: read-only and write-only values absent from the input are kept, and immutable
/// values must not change.
fn carry_over<'e>(
    schema: &Schema,
    existing: impl Iterator<Item = (&'e String, &'e Value)>,
    out: &mut Map<String, Value>,
    prefix: &str,
) -> Result<(), ScimError> {
    for (key, old) in existing {
        let Some(attribute) = schema.get(key) else {
            continue;
        };
        let name = &attribute.name;
        match attribute.mutability {
            Mutability::ReadOnly => {
                out.insert(name.clone(), old.clone());
            }
            Mutability::WriteOnly => {
                if get_ci(out, name).is_none() {
                    out.insert(name.clone(), old.clone());
                }
            }
            Mutability::Immutable => match get_ci(out, name) {
                None => {
                    out.insert(name.clone(), old.clone());
                }
                Some(new) if new != old => {
                    return Err(ScimError::Mutability(format!(
                        "\"{prefix}{name}\" is immutable and already set; it cannot be changed"
                    )));
                }
                Some(_) => {}
            },
            Mutability::ReadWrite => {}
        }
    }
    Ok(())
}
