//! A schema (RFC 7643 §7): an id (URN), a name, a description and attribute definitions.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::schema::attribute::Attribute;

/// The URN of a schema representation served by `/Schemas`.
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// A schema: a URN and the attributes it defines.
///
/// ```
/// use scimkit_core::schema::{Attribute, Schema};
///
/// let schema = Schema::new("urn:example:params:scim:schemas:extension:acme:2.0:User")
///     .name("AcmeUser")
///     .attribute(Attribute::string("badgeNumber"));
/// assert!(schema.get("BADGENUMBER").is_some());
///
/// // Schemas load from and serialise to the RFC's JSON representation.
/// let json = schema.to_json(None);
/// assert_eq!(Schema::from_json(&json).unwrap(), schema);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The attribute definitions.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// An empty schema with the given URN.
    pub fn new(id: impl Into<String>) -> Self {
        Schema {
            id: id.into(),
            name: None,
            description: None,
            attributes: Vec::new(),
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds an attribute definition.
    #[must_use]
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The attribute called `name`, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Loads a schema from its RFC 7643 §7 JSON representation (extra members such as `meta` and
    /// `schemas` are ignored).
    pub fn from_json(value: &Value) -> Result<Schema, serde_json::Error> {
        Schema::deserialize(value)
    }

    /// The RFC 7643 §7 JSON representation, as `/Schemas` serves it, with `meta.location` when
    /// given.
    pub fn to_json(&self, location: Option<&str>) -> Value {
        let mut value = json!({ "schemas": [SCHEMA_SCHEMA] });
        if let (Some(map), Ok(Value::Object(own))) =
            (value.as_object_mut(), serde_json::to_value(self))
        {
            map.extend(own);
            let mut meta = json!({ "resourceType": "Schema" });
            if let (Some(location), Some(meta_map)) = (location, meta.as_object_mut()) {
                meta_map.insert("location".to_owned(), Value::from(location));
            }
            map.insert("meta".to_owned(), meta);
        }
        value
    }
}
