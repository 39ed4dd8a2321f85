//! [`Slot`]: where a mapped attribute's value sits in a resource (top level, an extension's
//! object, a complex attribute's sub-attribute, or `externalId`), and the conversions between
//! its JSON value and a column's [`Datum`].

use chrono::{DateTime, SubsecRound as _, Utc};
use scimkit_core::resource::{format_time, get_ci};
use scimkit_core::schema::{Attribute, Namespace, ResourceType, Target};
use scimkit_core::sql::ColumnKind;
use scimkit_core::{Resource, ScimError, StoreError};
use serde_json::{Map, Value};

use crate::datum::Datum;

/// Where a mapped attribute lives, with the schema's spelling of every name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    /// `None`: top level; `Some(urn)`: inside the extension's object.
    pub extension: Option<String>,
    /// The attribute (`externalId` is the resource's own field).
    pub attribute: String,
    /// The sub-attribute of a complex attribute.
    pub sub: Option<String>,
    /// The whole path as written in the mapping, for messages.
    pub path: String,
}

impl Slot {
    /// Resolves `path` against `rt`, with the attribute definition it ends at (the
    /// sub-attribute's when it names one); `None` when it names no attribute, a whole
    /// extension, or what the store manages itself (`id`, `meta`, `schemas`).
    pub fn resolve<'r>(rt: &'r ResourceType, path: &str) -> Option<(Slot, &'r Attribute)> {
        let parsed = scimkit_filter::parse_path(path).ok()?;
        let Target::Attribute(resolved) = rt.resolve(parsed.attr())? else {
            return None;
        };
        let extension = match resolved.namespace {
            Namespace::Common if resolved.attribute.name == "externalId" => None,
            Namespace::Common => return None,
            Namespace::Core => None,
            Namespace::Extension(schema) => Some(schema.id.clone()),
        };
        let slot = Slot {
            extension,
            attribute: resolved.attribute.name.clone(),
            sub: resolved.sub_attribute.map(|sub| sub.name.clone()),
            path: path.to_owned(),
        };
        Some((slot, resolved.leaf()))
    }

    /// Whether this is the resource's `externalId`.
    fn is_external_id(&self) -> bool {
        self.extension.is_none() && self.attribute == "externalId"
    }

    /// The value in `resource`, if any (names matched case-insensitively).
    pub fn get(&self, resource: &Resource) -> Option<Value> {
        if self.is_external_id() {
            return resource.external_id.clone().map(Value::String);
        }
        let scope = match &self.extension {
            None => &resource.attributes,
            Some(urn) => get_ci(&resource.attributes, urn)?.as_object()?,
        };
        let value = get_ci(scope, &self.attribute)?;
        match &self.sub {
            None => Some(value.clone()),
            Some(sub) => get_ci(value.as_object()?, sub).cloned(),
        }
    }

    /// Sets the value in `resource` (`Null` sets nothing).
    pub fn put(&self, resource: &mut Resource, value: Value) {
        if value.is_null() {
            return;
        }
        if self.is_external_id() {
            resource.external_id = value.as_str().map(str::to_owned);
            return;
        }
        let place = |scope: &mut Map<String, Value>| match &self.sub {
            None => {
                let key = key_ci(scope, &self.attribute).unwrap_or_else(|| self.attribute.clone());
                scope.insert(key, value);
            }
            Some(sub) => with_object(scope, &self.attribute, |object| {
                object.insert(sub.clone(), value);
            }),
        };
        match &self.extension {
            None => place(&mut resource.attributes),
            Some(urn) => with_object(&mut resource.attributes, urn, place),
        }
    }

    /// Removes the value from a resource's attributes (for what the extra column keeps),
    /// dropping objects it leaves empty.
    pub fn remove(&self, attributes: &mut Map<String, Value>) {
        if self.is_external_id() {
            return;
        }
        match &self.extension {
            None => self.remove_from(attributes),
            Some(urn) => {
                let Some(key) = key_ci(attributes, urn) else {
                    return;
                };
                if let Some(scope) = attributes.get_mut(&key).and_then(Value::as_object_mut) {
                    self.remove_from(scope);
                    if scope.is_empty() {
                        attributes.remove(&key);
                    }
                }
            }
        }
    }

    /// Removes the attribute (or its sub-attribute) from the object holding it.
    fn remove_from(&self, scope: &mut Map<String, Value>) {
        let Some(key) = key_ci(scope, &self.attribute) else {
            return;
        };
        match &self.sub {
            None => {
                scope.remove(&key);
            }
            Some(sub) => {
                if let Some(object) = scope.get_mut(&key).and_then(Value::as_object_mut) {
                    if let Some(sub_key) = key_ci(object, sub) {
                        object.remove(&sub_key);
                    }
                    if object.is_empty() {
                        scope.remove(&key);
                    }
                }
            }
        }
    }
}

/// The key spelling `name` in `map`.
fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.keys()
        .find(|key| key.eq_ignore_ascii_case(name))
        .cloned()
}

/// Runs `change` on the object under `name` (made when missing or not an object).
fn with_object(
    map: &mut Map<String, Value>,
    name: &str,
    change: impl FnOnce(&mut Map<String, Value>),
) {
    let key = key_ci(map, name).unwrap_or_else(|| name.to_owned());
    let mut object = match map.remove(&key) {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    change(&mut object);
    map.insert(key, Value::Object(object));
}

/// A validated value as the column of `kind` takes it; `None` and JSON `null` are the kind's
/// `NULL`. A value of another type is refused naming `path` (validation makes that rare: a
/// mapping whose kind does not match the schema).
pub(crate) fn datum(
    value: Option<&Value>,
    kind: ColumnKind,
    path: &str,
) -> Result<Datum, StoreError> {
    let wrong = || {
        StoreError::Rejected(ScimError::InvalidValue(format!(
            "{path}: expected a {} value",
            kind.as_str()
        )))
    };
    let value = value.filter(|v| !v.is_null());
    Ok(match kind {
        ColumnKind::Text { .. } => Datum::Text(match value {
            None => None,
            Some(v) => Some(v.as_str().ok_or_else(wrong)?.to_owned()),
        }),
        ColumnKind::Integer => Datum::Integer(match value {
            None => None,
            Some(v) => Some(v.as_i64().ok_or_else(wrong)?),
        }),
        ColumnKind::Decimal => Datum::Real(match value {
            None => None,
            Some(v) => Some(v.as_f64().ok_or_else(wrong)?),
        }),
        ColumnKind::Boolean => Datum::Bool(match value {
            None => None,
            Some(v) => Some(v.as_bool().ok_or_else(wrong)?),
        }),
        ColumnKind::Timestamp => Datum::Timestamp(match value {
            None => None,
            Some(v) => Some(
                DateTime::parse_from_rfc3339(v.as_str().ok_or_else(wrong)?)
                    .map_err(|_| wrong())?
                    .with_timezone(&Utc)
                    .trunc_subsecs(3),
            ),
        }),
    })
}

/// A column's value as JSON; `None` for `NULL`.
pub(crate) fn json(datum: Datum) -> Option<Value> {
    match datum {
        Datum::Text(v) => v.map(Value::String),
        Datum::Integer(v) => v.map(Value::from),
        Datum::Real(v) => v.and_then(serde_json::Number::from_f64).map(Value::Number),
        Datum::Bool(v) => v.map(Value::Bool),
        Datum::Timestamp(v) => v.map(|at| Value::String(format_time(&at))),
    }
}
