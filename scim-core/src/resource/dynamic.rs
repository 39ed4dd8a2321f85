//! The dynamic [`Resource`]: what the engine, validation, filtering and PATCH work on.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::resource::meta::Meta;
use scimkit_filter::AttrPath;

use crate::schema::{Namespace, ResolvedAttr, ResourceType, Target};

/// A SCIM resource of any type: the common attributes as fields, every other attribute as JSON.
///
/// `attributes` holds the core schema's attributes at the top level and each extension's
/// attributes in an object under the extension's URN, exactly as on the wire. After validation
/// the keys use the schema's spelling, so lookups can be exact.
///
/// ```
/// use scimkit_core::Resource;
/// use serde_json::json;
///
/// let r = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen",
///     "externalId": "701984",
/// }))?;
/// assert_eq!(r.external_id.as_deref(), Some("701984"));
/// assert_eq!(r.get("userName"), Some(&json!("bjensen")));
/// assert_eq!(r.to_json()["userName"], "bjensen");
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource {
    /// The schema URNs present in the resource (core first).
    pub schemas: Vec<String>,
    /// The server-issued id.
    pub id: Option<String>,
    /// The client's identifier for the resource.
    pub external_id: Option<String>,
    /// Metadata, set by the service provider.
    pub meta: Option<Meta>,
    /// Core attributes, and extension objects under their URNs.
    pub attributes: Map<String, Value>,
}

impl Resource {
    /// Reads a resource from a JSON object. `schemas`, `id`, `externalId` and `meta` are found
    /// whatever their letter case; `meta` that is not valid metadata is dropped (it is read-only
    /// on input). Nothing else is checked: that is validation's job.
    pub fn from_json(value: Value) -> Result<Resource, ScimError> {
        let Value::Object(map) = value else {
            return Err(ScimError::InvalidSyntax(
                "the request body must be a JSON object".to_owned(),
            ));
        };
        let mut resource = Resource::default();
        for (key, value) in map {
            if key.eq_ignore_ascii_case("schemas") {
                resource.schemas = schemas_from(value)?;
            } else if key.eq_ignore_ascii_case("id") {
                resource.id = match value {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    other => Some(other.to_string()),
                };
            } else if key.eq_ignore_ascii_case("externalId") {
                resource.external_id = match value {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    _ => {
                        return Err(ScimError::InvalidValue(
                            "externalId must be a string".to_owned(),
                        ))
                    }
                };
            } else if key.eq_ignore_ascii_case("meta") {
                resource.meta = serde_json::from_value(value).ok();
            } else {
                resource.attributes.insert(key, value);
            }
        }
        Ok(resource)
    }

    /// The JSON representation: `schemas`, `id`, `externalId`, the attributes, then `meta`.
    pub fn to_json(&self) -> Value {
        let mut map = Map::with_capacity(self.attributes.len() + 4);
        map.insert(
            "schemas".to_owned(),
            Value::Array(self.schemas.iter().cloned().map(Value::String).collect()),
        );
        if let Some(id) = &self.id {
            map.insert("id".to_owned(), Value::String(id.clone()));
        }
        if let Some(external_id) = &self.external_id {
            map.insert("externalId".to_owned(), Value::String(external_id.clone()));
        }
        for (key, value) in &self.attributes {
            map.insert(key.clone(), value.clone());
        }
        if let Some(meta) = &self.meta {
            if let Ok(meta) = serde_json::to_value(meta) {
                map.insert("meta".to_owned(), meta);
            }
        }
        Value::Object(map)
    }

    /// A core attribute's value by name (exact spelling first, then case-insensitive).
    pub fn get(&self, name: &str) -> Option<&Value> {
        get_ci(&self.attributes, name)
    }

    /// An extension's object by URN (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&Map<String, Value>> {
        get_ci(&self.attributes, urn).and_then(Value::as_object)
    }

    /// The value of a resolved top-level attribute (its sub-attribute, if any, is not applied):
    /// common attributes are materialised from the fields.
    pub fn value_of(&self, resolved: &ResolvedAttr<'_>) -> Option<Cow<'_, Value>> {
        let name = resolved.attribute.name.as_str();
        match resolved.namespace {
            Namespace::Common => match name {
                "id" => self
                    .id
                    .as_ref()
                    .map(|s| Cow::Owned(Value::String(s.clone()))),
                "externalId" => self
                    .external_id
                    .as_ref()
                    .map(|s| Cow::Owned(Value::String(s.clone()))),
                "meta" => self
                    .meta
                    .as_ref()
                    .and_then(|m| serde_json::to_value(m).ok())
                    .map(Cow::Owned),
                "schemas" => Some(Cow::Owned(Value::Array(
                    self.schemas.iter().cloned().map(Value::String).collect(),
                ))),
                _ => None,
            },
            Namespace::Core => self.get(name).map(Cow::Borrowed),
            Namespace::Extension(schema) => self
                .extension(&schema.id)
                .and_then(|ext| get_ci(ext, name))
                .map(Cow::Borrowed),
        }
    }

    /// The string values at `path`: the attribute's, each element's for a multi-valued one,
    /// the sub-attribute's when the path names one; nothing when `rt` does not resolve it.
    pub(crate) fn strings_at(&self, rt: &ResourceType, path: &AttrPath) -> Vec<String> {
        let Some(Target::Attribute(resolved)) = rt.resolve(path) else {
            return Vec::new();
        };
        let Some(value) = self.value_of(&resolved) else {
            return Vec::new();
        };
        let elements: Vec<&Value> = match value.as_ref() {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        elements
            .into_iter()
            .filter_map(|element| match resolved.sub_attribute {
                None => element.as_str(),
                Some(sub) => element
                    .as_object()
                    .and_then(|object| get_ci(object, &sub.name))
                    .and_then(Value::as_str),
            })
            .map(str::to_owned)
            .collect()
    }

    /// The resource's version (`meta.version`), if any.
    pub fn version(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.version.as_deref())
    }
}

/// A map entry by exact key, else by case-insensitive key (SCIM attribute names are
/// case-insensitive; stores reading a resource's attributes look them up this way).
///
/// ```
/// use scimkit_core::resource::get_ci;
/// let map = serde_json::json!({"userName": "bjensen"});
/// let map = map.as_object().unwrap();
/// assert_eq!(get_ci(map, "USERNAME").and_then(|v| v.as_str()), Some("bjensen"));
/// ```
pub fn get_ci<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn schemas_from(value: Value) -> Result<Vec<String>, ScimError> {
    let invalid =
        || ScimError::InvalidSyntax("schemas must be an array of schema URN strings".to_owned());
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                _ => Err(invalid()),
            })
            .collect(),
        _ => Err(invalid()),
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Resource::from_json(value).map_err(serde::de::Error::custom)
    }
}
