//! What a store keeps of a resource type ([`Kept`], declared by
//! [`crate::store::ResourceStore::keeps`]), and what the engine makes of it ([`KeptShape`]):
//! the resource type as advertised by `/Schemas` and `/ResourceTypes`, and the stripping of
//! what a write carries that the store does not keep.
//!
//! This module decides which attributes are kept; it does not validate or store resources.

use std::collections::BTreeMap;
use std::sync::Arc;

use scimkit_filter::parse_path;
use serde_json::{Map, Value};

use crate::resource::Resource;
use crate::schema::{Attribute, Namespace, ResourceType, Schema, SchemaExtension, Target};

/// The attributes a store keeps of one resource type; the engine advertises exactly those.
///
/// A store over fixed columns (an `accounts` table with a user name, a display name and an
/// e-mail) declares what it maps, so `/Schemas` and `/ResourceTypes` advertise only that
/// (no EnterpriseUser extension when none of it is kept) and identity providers do not send
/// attributes that would vanish. A write that still carries an attribute not kept is
/// accepted and the attribute is dropped before the store sees it, so it is not returned
/// (RFC 7643 §7 lets a service provider ignore attributes it does not support); filters and
/// PATCH paths naming it stay valid and find nothing.
///
/// Names are attribute paths as in a filter, case-insensitive: a core attribute (`title`), a
/// sub-attribute (`name.givenName`, `emails.value`), an extension attribute by its full URN
/// path (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`), a whole
/// extension by its URN, and the common `externalId`. A complex attribute named whole keeps
/// all its sub-attributes. `id`, `meta` and `schemas` are always kept; so are required
/// attributes (the engine refuses to build when a declaration leaves one out).
///
/// ```
/// use scimkit_core::store::Kept;
///
/// let kept = Kept::only(["userName", "displayName", "active", "emails.value", "externalId"]);
/// assert!(!kept.is_all());
/// assert!(Kept::default().is_all());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Kept {
    /// `None`: everything.
    only: Option<Vec<String>>,
}

impl Kept {
    /// Every attribute of the resource type (the default).
    pub fn all() -> Self {
        Kept { only: None }
    }

    /// Only these attributes (see the type's docs for the names).
    pub fn only<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Kept {
            only: Some(names.into_iter().map(Into::into).collect()),
        }
    }

    /// Whether every attribute is kept.
    pub fn is_all(&self) -> bool {
        self.only.is_none()
    }

    /// The declared names (`None` for all).
    pub fn names(&self) -> Option<&[String]> {
        self.only.as_deref()
    }

    /// What the engine drops from `resource` (of type `rt`) before a store keeping this sees
    /// it, as attribute paths: for a store author checking a mapping, or a test.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::store::Kept;
    /// use scimkit_core::Resource;
    /// use serde_json::json;
    ///
    /// let user = Resource::from_json(json!({
    ///     "userName": "bjensen", "title": "Boss",
    ///     "emails": [{"value": "b@example.com", "type": "work"}],
    /// }))?;
    /// let kept = Kept::only(["userName", "emails.value"]);
    /// let mut dropped = kept.dropped_from(&ResourceType::user(), &user)?;
    /// dropped.sort();
    /// assert_eq!(dropped, ["emails.type", "title"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dropped_from(
        &self,
        rt: &ResourceType,
        resource: &Resource,
    ) -> Result<Vec<String>, KeptError> {
        let shape = KeptShape::new(&Arc::new(rt.clone()), self)?;
        Ok(shape.strip(&mut resource.clone()))
    }
}

/// Why a [`Kept`] declaration does not fit its resource type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeptError {
    /// A name that is no attribute of the resource type.
    #[error("the store declares it keeps \"{name}\", which {resource_type} does not define")]
    Unknown {
        /// The resource type.
        resource_type: String,
        /// The name.
        name: String,
    },
    /// A required attribute left out: every create would lose it.
    #[error("the store does not keep \"{name}\", which {resource_type} requires")]
    RequiredNotKept {
        /// The resource type.
        resource_type: String,
        /// The attribute.
        name: String,
    },
}

/// What is kept of one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// The attribute with every sub-attribute.
    Whole,
    /// Only these sub-attributes (lowercase names).
    Subs(Vec<String>),
}

impl Part {
    fn add(&mut self, sub: Option<&Attribute>) {
        match (self, sub) {
            (Part::Subs(subs), Some(sub)) => {
                let name = sub.name.to_ascii_lowercase();
                if !subs.contains(&name) {
                    subs.push(name);
                }
            }
            (part, None) => *part = Part::Whole,
            (Part::Whole, Some(_)) => {}
        }
    }

    fn of(sub: Option<&Attribute>) -> Part {
        sub.map_or(Part::Whole, |sub| {
            Part::Subs(vec![sub.name.to_ascii_lowercase()])
        })
    }
}

/// Kept attributes of one schema, by lowercase name.
type Parts = BTreeMap<String, Part>;

/// A [`Kept`] declaration resolved against its resource type, once, when the engine is built.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeptShape {
    /// The resource type as advertised: only kept attributes and extensions.
    advertised: Arc<ResourceType>,
    /// Whether everything is kept (then nothing is ever stripped).
    all: bool,
    external_id: bool,
}

impl KeptShape {
    /// Resolves `kept` against `rt`.
    pub(crate) fn new(rt: &Arc<ResourceType>, kept: &Kept) -> Result<KeptShape, KeptError> {
        let Some(names) = kept.names() else {
            return Ok(KeptShape {
                advertised: Arc::clone(rt),
                all: true,
                external_id: true,
            });
        };
        let unknown = |name: &str| KeptError::Unknown {
            resource_type: rt.name.clone(),
            name: name.to_owned(),
        };
        let mut core = Parts::new();
        let mut extensions: BTreeMap<String, Option<Parts>> = BTreeMap::new();
        let mut external_id = false;
        for name in names {
            let path = parse_path(name).map_err(|_| unknown(name))?;
            let scimkit_filter::PatchPath::Attr(path) = path else {
                return Err(unknown(name));
            };
            match rt.resolve(&path).ok_or_else(|| unknown(name))? {
                Target::Extension(schema) => {
                    extensions.insert(schema.id.to_ascii_lowercase(), None);
                }
                Target::Attribute(resolved) => {
                    let key = resolved.attribute.name.to_ascii_lowercase();
                    let parts = match resolved.namespace {
                        Namespace::Common if key == "externalid" => {
                            external_id = true;
                            continue;
                        }
                        Namespace::Common => continue,
                        Namespace::Core => &mut core,
                        Namespace::Extension(schema) => {
                            let entry = extensions
                                .entry(schema.id.to_ascii_lowercase())
                                .or_insert_with(|| Some(Parts::new()));
                            match entry {
                                Some(parts) => parts,
                                None => continue,
                            }
                        }
                    };
                    parts
                        .entry(key)
                        .and_modify(|part| part.add(resolved.sub_attribute))
                        .or_insert_with(|| Part::of(resolved.sub_attribute));
                }
            }
        }
        if let Some(required) = rt
            .schema
            .attributes
            .iter()
            .find(|a| a.required && !core.contains_key(&a.name.to_ascii_lowercase()))
        {
            return Err(KeptError::RequiredNotKept {
                resource_type: rt.name.clone(),
                name: required.name.clone(),
            });
        }
        let advertised_extensions = rt
            .extensions
            .iter()
            .filter_map(|ext| {
                let schema = match extensions.get(&ext.schema.id.to_ascii_lowercase())? {
                    None => Arc::clone(&ext.schema),
                    Some(parts) => Arc::new(narrow(&ext.schema, parts)),
                };
                Some(SchemaExtension {
                    schema,
                    required: ext.required,
                })
            })
            .collect();
        let advertised = ResourceType {
            schema: Arc::new(narrow(&rt.schema, &core)),
            extensions: advertised_extensions,
            ..ResourceType::clone(rt)
        };
        Ok(KeptShape {
            advertised: Arc::new(advertised),
            all: false,
            external_id,
        })
    }

    /// The resource type as `/Schemas` and `/ResourceTypes` show it.
    pub(crate) fn advertised(&self) -> &Arc<ResourceType> {
        &self.advertised
    }

    /// Drops from a validated resource what the store does not keep (and the URNs of
    /// extensions left empty from `schemas`). Returns the names dropped, for the log.
    pub(crate) fn strip(&self, resource: &mut Resource) -> Vec<String> {
        let mut dropped = Vec::new();
        if self.all {
            return dropped;
        }
        if !self.external_id && resource.external_id.take().is_some() {
            dropped.push("externalId".to_owned());
        }
        let rt = &*self.advertised;
        resource.attributes.retain(|key, value| {
            let kept = if key.contains(':') {
                rt.extension(key).is_some_and(|schema| {
                    if let Value::Object(object) = value {
                        strip_object(schema.attributes.as_slice(), object, key, &mut dropped);
                    }
                    true
                })
            } else {
                rt.schema.get(key).is_some_and(|attribute| {
                    strip_value(attribute, value, key, &mut dropped);
                    true
                })
            };
            if !kept {
                dropped.push(key.clone());
            }
            kept
        });
        let attributes = &resource.attributes;
        resource.schemas.retain(|urn| {
            urn.eq_ignore_ascii_case(&rt.schema.id)
                || attributes.keys().any(|k| k.eq_ignore_ascii_case(urn))
        });
        dropped
    }
}

/// A copy of `schema` with only the kept attributes (and sub-attributes).
fn narrow(schema: &Schema, parts: &Parts) -> Schema {
    let attributes = schema
        .attributes
        .iter()
        .filter_map(|attribute| {
            let mut attribute = attribute.clone();
            match parts.get(&attribute.name.to_ascii_lowercase())? {
                Part::Whole => {}
                Part::Subs(subs) => attribute
                    .sub_attributes
                    .retain(|sub| subs.contains(&sub.name.to_ascii_lowercase())),
            }
            Some(attribute)
        })
        .collect();
    Schema {
        attributes,
        ..schema.clone()
    }
}

/// Keeps the sub-attributes `attribute` defines in a complex value (each element of a
/// multi-valued one).
fn strip_value(attribute: &Attribute, value: &mut Value, path: &str, dropped: &mut Vec<String>) {
    if !attribute.is_complex() {
        return;
    }
    match value {
        Value::Object(object) => strip_object(&attribute.sub_attributes, object, path, dropped),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(object) = item {
                    strip_object(&attribute.sub_attributes, object, path, dropped);
                }
            }
        }
        _ => {}
    }
}

fn strip_object(
    attributes: &[Attribute],
    object: &mut Map<String, Value>,
    path: &str,
    dropped: &mut Vec<String>,
) {
    object.retain(|key, value| {
        match attributes.iter().find(|a| a.name.eq_ignore_ascii_case(key)) {
            Some(attribute) => {
                strip_value(attribute, value, key, dropped);
                true
            }
            None => {
                let name = format!("{path}.{key}");
                if !dropped.contains(&name) {
                    dropped.push(name);
                }
                false
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn shape(kept: &Kept) -> Result<KeptShape, KeptError> {
        KeptShape::new(&Arc::new(ResourceType::user()), kept)
    }

    #[test]
    fn the_advertised_type_has_only_what_is_kept() {
        let shape = shape(&Kept::only([
            "userName",
            "NAME.givenName",
            "emails.value",
            "emails",
            "externalId",
            &format!("{ENTERPRISE}:department"),
        ]))
        .unwrap();
        let rt = shape.advertised();
        let names: Vec<&str> = rt
            .schema
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, ["userName", "name", "emails"]);
        let name = rt.schema.get("name").unwrap();
        assert_eq!(name.sub_attributes.len(), 1);
        // `emails` named whole after `emails.value`: all its sub-attributes.
        assert!(rt.schema.get("emails").unwrap().sub_attributes.len() > 1);
        let enterprise = rt.extension(ENTERPRISE).unwrap();
        assert_eq!(enterprise.attributes.len(), 1);

        let without = self::shape(&Kept::only(["userName"])).unwrap();
        assert!(without.advertised().extensions.is_empty());
    }

    #[test]
    fn unknown_names_and_missing_required_attributes_are_refused() {
        assert!(matches!(
            shape(&Kept::only(["userName", "shoeSize"])),
            Err(KeptError::Unknown { .. })
        ));
        assert!(matches!(
            shape(&Kept::only(["displayName"])),
            Err(KeptError::RequiredNotKept { name, .. }) if name == "userName"
        ));
    }

    #[test]
    fn strip_drops_what_is_not_kept_and_names_it() {
        let shape = shape(&Kept::only(["userName", "name.givenName", "emails.value"])).unwrap();
        let mut r = Resource::from_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "externalId": "e1",
            "userName": "bjensen",
            "title": "Boss",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@x", "type": "work"}],
            ENTERPRISE: {"department": "Sales"},
        }))
        .unwrap();
        let mut dropped = shape.strip(&mut r);
        dropped.sort();
        assert_eq!(
            dropped,
            [
                "emails.type",
                "externalId",
                "name.familyName",
                "title",
                ENTERPRISE
            ]
        );
        assert_eq!(
            r.to_json(),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bjensen",
                "name": {"givenName": "Barbara"},
                "emails": [{"value": "b@x"}],
            })
        );
    }

    #[test]
    fn keeping_all_strips_nothing() {
        let shape = shape(&Kept::all()).unwrap();
        let mut r = Resource::from_json(json!({"userName": "x", "anything": 1})).unwrap();
        assert!(shape.strip(&mut r).is_empty());
        assert_eq!(r.get("anything"), Some(&json!(1)));
    }
}
