//! Resource types (RFC 7643 §6): an endpoint, a core schema and its extensions, and the
//! resolution of attribute paths against them.

use std::sync::Arc;

use scimkit_filter::AttrPath;
use serde_json::{json, Value};

use crate::schema::attribute::Attribute;
use crate::schema::builtin::{enterprise_user_schema, group_schema, user_schema};
use crate::schema::common::common_attribute;
use crate::schema::definition::Schema;

/// The URN of a resource type representation served by `/ResourceTypes`.
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// An extension schema attached to a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaExtension {
    /// The extension schema.
    pub schema: Arc<Schema>,
    /// Whether every resource of the type must carry the extension.
    pub required: bool,
}

/// A resource type: its name, endpoint, core schema and extension schemas.
///
/// Hosts add a custom attribute to the core namespace (Zulip's `role`, which Okta sends as a
/// top-level `"role"` with namespace `urn:ietf:params:scim:schemas:core:2.0:User`) or a whole
/// extension schema without forking the crate:
///
/// ```
/// use scimkit_core::schema::{Attribute, ResourceType, Schema};
///
/// let users = ResourceType::user()
///     .with_core_attribute(
///         Attribute::string("role")
///             .canonical_values(["owner", "administrator", "moderator", "member", "guest"]),
///     )
///     .with_extension(
///         Schema::new("urn:example:scim:schemas:extension:acme:1.0:User")
///             .attribute(Attribute::string("badge")),
///         false,
///     );
/// assert!(users.schema.get("ROLE").is_some());
/// assert_eq!(users.extensions.len(), 2); // enterprise + acme
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// The resource type's name and id, e.g. `User`; also `meta.resourceType` of its resources.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    pub description: Option<String>,
    /// The core schema.
    pub schema: Arc<Schema>,
    /// Extension schemas.
    pub extensions: Vec<SchemaExtension>,
}

/// Where a resolved attribute's value lives in a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace<'a> {
    /// A common attribute (`id`, `externalId`, `meta`, `schemas`).
    Common,
    /// An attribute of the core schema, at the top level of the resource.
    Core,
    /// An attribute of an extension, inside the object under the extension's URN.
    Extension(&'a Schema),
}

/// An attribute path resolved against a resource type's schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedAttr<'a> {
    /// Where the value lives.
    pub namespace: Namespace<'a>,
    /// The top-level attribute.
    pub attribute: &'a Attribute,
    /// The sub-attribute, when the path names one.
    pub sub_attribute: Option<&'a Attribute>,
}

impl<'a> ResolvedAttr<'a> {
    /// The definition the path finally points at: the sub-attribute if any, else the attribute.
    pub fn leaf(&self) -> &'a Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }
}

/// What an attribute path designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// An attribute or a sub-attribute.
    Attribute(ResolvedAttr<'a>),
    /// A whole extension (the path is exactly the extension's URN).
    Extension(&'a Schema),
}

impl ResourceType {
    /// A resource type with no extensions.
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        schema: impl Into<Arc<Schema>>,
    ) -> Self {
        ResourceType {
            name: name.into(),
            endpoint: endpoint.into(),
            description: None,
            schema: schema.into(),
            extensions: Vec::new(),
        }
    }

    /// The `User` resource type at `/Users` with the optional EnterpriseUser extension.
    pub fn user() -> Self {
        let mut rt = ResourceType::new("User", "/Users", user_schema());
        rt.description = Some("User Account".to_owned());
        rt.with_extension(enterprise_user_schema(), false)
    }

    /// The `Group` resource type at `/Groups`.
    pub fn group() -> Self {
        let mut rt = ResourceType::new("Group", "/Groups", group_schema());
        rt.description = Some("Group".to_owned());
        rt
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Attaches an extension schema.
    #[must_use]
    pub fn with_extension(mut self, schema: impl Into<Arc<Schema>>, required: bool) -> Self {
        self.extensions.push(SchemaExtension {
            schema: schema.into(),
            required,
        });
        self
    }

    /// Adds an attribute to the core schema's namespace (replacing one of the same name).
    #[must_use]
    pub fn with_core_attribute(mut self, attribute: Attribute) -> Self {
        let schema = Arc::make_mut(&mut self.schema);
        schema
            .attributes
            .retain(|a| !a.name.eq_ignore_ascii_case(&attribute.name));
        schema.attributes.push(attribute);
        self
    }

    /// The core schema or the extension with this URN (case-insensitive).
    pub fn schema_by_urn(&self, urn: &str) -> Option<&Schema> {
        if self.schema.id.eq_ignore_ascii_case(urn) {
            return Some(&self.schema);
        }
        self.extension(urn)
    }

    /// The extension schema with this URN (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&Schema> {
        self.extensions
            .iter()
            .map(|e| &*e.schema)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Every schema URN of the type: the core schema first, then the extensions.
    pub fn schema_urns(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.schema.id.as_str())
            .chain(self.extensions.iter().map(|e| e.schema.id.as_str()))
    }

    /// Resolves an attribute path (names case-insensitive).
    ///
    /// A URN-qualified path looks only in that schema; an unqualified one looks in the common
    /// attributes, then the core schema, then the extensions in order. A path whose text is an
    /// extension's URN designates the whole extension.
    ///
    /// ```
    /// use scimkit_core::schema::{Namespace, ResourceType, Target};
    /// use scimkit_filter::AttrPath;
    ///
    /// let users = ResourceType::user();
    /// let path: AttrPath = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
    ///     .parse::<scimkit_filter::PatchPath>().unwrap().attr().clone();
    /// let Some(Target::Attribute(r)) = users.resolve(&path) else { panic!() };
    /// assert!(matches!(r.namespace, Namespace::Extension(_)));
    /// assert_eq!(r.leaf().name, "value");
    /// assert!(users.resolve(&AttrPath::new("noSuchThing")).is_none());
    /// ```
    pub fn resolve(&self, path: &AttrPath) -> Option<Target<'_>> {
        let Some(urn) = path.urn.as_deref() else {
            return self.resolve_unqualified(&path.name, path.sub_attr.as_deref());
        };
        if let Some(schema) = self.schema_by_urn(urn) {
            let namespace = if schema.id == self.schema.id {
                Namespace::Core
            } else {
                Namespace::Extension(schema)
            };
            let attribute = schema.get(&path.name)?;
            return resolve_sub(namespace, attribute, path.sub_attr.as_deref())
                .map(Target::Attribute);
        }
        if path.sub_attr.is_none() {
            if let Some(ext) = self.extension(&path.full_name()) {
                return Some(Target::Extension(ext));
            }
        }
        None
    }

    /// Resolves a name with no URN: common attributes, then core, then extensions.
    pub fn resolve_unqualified(&self, name: &str, sub_attr: Option<&str>) -> Option<Target<'_>> {
        if let Some(attribute) = common_attribute(name) {
            return resolve_sub(Namespace::Common, attribute, sub_attr).map(Target::Attribute);
        }
        if let Some(attribute) = self.schema.get(name) {
            return resolve_sub(Namespace::Core, attribute, sub_attr).map(Target::Attribute);
        }
        self.extensions.iter().find_map(|ext| {
            let attribute = ext.schema.get(name)?;
            resolve_sub(Namespace::Extension(&ext.schema), attribute, sub_attr)
                .map(Target::Attribute)
        })
    }

    /// The RFC 7643 §6 JSON representation, as `/ResourceTypes` serves it.
    ///
    /// ```
    /// let json = scimkit_core::schema::ResourceType::user().to_json(None);
    /// assert_eq!(json["endpoint"], "/Users");
    /// assert_eq!(json["schemaExtensions"][0]["required"], false);
    /// ```
    pub fn to_json(&self, location: Option<&str>) -> Value {
        let mut value = json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "schema": self.schema.id,
        });
        if let Some(map) = value.as_object_mut() {
            if let Some(description) = &self.description {
                map.insert("description".to_owned(), Value::from(description.as_str()));
            }
            if !self.extensions.is_empty() {
                let extensions = self
                    .extensions
                    .iter()
                    .map(|e| json!({ "schema": e.schema.id, "required": e.required }))
                    .collect();
                map.insert("schemaExtensions".to_owned(), Value::Array(extensions));
            }
            let mut meta = json!({ "resourceType": "ResourceType" });
            if let (Some(location), Some(meta_map)) = (location, meta.as_object_mut()) {
                meta_map.insert("location".to_owned(), Value::from(location));
            }
            map.insert("meta".to_owned(), meta);
        }
        value
    }
}

/// The attribute with its sub-attribute resolved, if the path names one.
fn resolve_sub<'a>(
    namespace: Namespace<'a>,
    attribute: &'a Attribute,
    sub_attr: Option<&str>,
) -> Option<ResolvedAttr<'a>> {
    let sub_attribute = match sub_attr {
        None => None,
        Some(name) => Some(attribute.sub_attribute(name)?),
    };
    Some(ResolvedAttr {
        namespace,
        attribute,
        sub_attribute,
    })
}
