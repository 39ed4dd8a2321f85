//! [`Projected`]: a resource as a projection shows it, serialised straight from the stored
//! values.
//!
//! This is the one place that walks a resource under a projection's actions; both
//! [`Projection::apply`] (a `Value`, for callers that edit it) and the engine's responses
//! (bytes, with no `Value` in between) go through it, so the two cannot disagree. Nothing is
//! cloned: keys and values are borrowed from the resource and written to the serializer.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use super::{find_attribute, find_extension, Action, Projection, Slot};
use crate::resource::Resource;
use crate::schema::{common_attributes, Attribute, ResourceType};

/// A resource as a [`Projection`] shows it; serialising it writes the response JSON.
///
/// Made by [`Projection::view`]. The output is exactly [`Projection::apply`]'s, without
/// building a `Value` first:
///
/// ```
/// use scimkit_core::projection::Projection;
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::Resource;
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let user = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223",
///     "userName": "bjensen",
///     "emails": [{"value": "bjensen@example.com", "type": "work"}],
/// }))?;
/// let p = Projection::from_query(&users, Some("emails.value"), None)?;
/// let bytes = serde_json::to_vec(&p.view(&users, &user))?;
/// assert_eq!(
///     String::from_utf8(bytes)?,
///     r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","emails":[{"value":"bjensen@example.com"}]}"#
/// );
/// assert_eq!(serde_json::to_value(p.view(&users, &user))?, p.apply(&users, &user));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Projected<'a> {
    projection: &'a Projection,
    rt: &'a ResourceType,
    resource: &'a Resource,
    /// Whether `meta` is written ([`super::Document`] writes its own).
    meta: bool,
}

impl Projection {
    /// `resource` as this projection shows it, to serialise (see [`Projected`]).
    ///
    /// `rt` must be the resource type the projection was made for.
    pub fn view<'a>(&'a self, rt: &'a ResourceType, resource: &'a Resource) -> Projected<'a> {
        Projected {
            projection: self,
            rt,
            resource,
            meta: true,
        }
    }

    /// As [`Projection::view`], without `meta`.
    pub(crate) fn view_without_meta<'a>(
        &'a self,
        rt: &'a ResourceType,
        resource: &'a Resource,
    ) -> Projected<'a> {
        Projected {
            meta: false,
            ..self.view(rt, resource)
        }
    }
}

impl Serialize for Projected<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Projected {
            projection,
            rt,
            resource,
            meta: with_meta,
        } = *self;
        let common = common_attributes();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("schemas", &resource.schemas)?;
        let fields = [
            ("id", resource.id.as_ref()),
            ("externalId", resource.external_id.as_ref()),
        ];
        for (i, (key, field)) in fields.into_iter().enumerate() {
            let (Some(text), Some(attribute)) = (field, common.get(i)) else {
                continue;
            };
            if *projection.action(Slot::Common(i), attribute) != Action::Drop {
                map.serialize_entry(key, text)?;
            }
        }

        for (key, value) in &resource.attributes {
            if let Some(i) = find_attribute(&rt.schema.attributes, key) {
                let Some(attribute) = rt.schema.attributes.get(i) else {
                    continue;
                };
                let action = projection.action(Slot::Core(i), attribute);
                if let Some(view) = Shown::new(attribute, value, &action) {
                    map.serialize_entry(key, &view)?;
                }
            } else if let Some(e) = find_extension(rt, key) {
                let extension = ExtensionView {
                    projection,
                    rt,
                    e,
                    value,
                };
                if extension.shows_anything() {
                    map.serialize_entry(key, &extension)?;
                }
            }
        }

        let meta = resource.meta.as_ref().filter(|_| with_meta);
        if let (Some(meta), Some(attribute)) = (meta, common.get(2)) {
            match &*projection.action(Slot::Common(2), attribute) {
                Action::Drop => {}
                Action::Keep => map.serialize_entry("meta", meta)?,
                action @ Action::Subs(_) => {
                    // Rare (`attributes=meta.lastModified`): trim meta's JSON form.
                    if let Ok(value) = serde_json::to_value(meta) {
                        if let Some(view) = Shown::new(attribute, &value, action) {
                            map.serialize_entry("meta", &view)?;
                        }
                    }
                }
            }
        }
        map.end()
    }
}

/// One attribute's value under a non-`Drop` action: whole, or trimmed to some
/// sub-attributes. Only made when something is left to show.
enum Shown<'a> {
    Whole(&'a Value),
    Trimmed(Trimmed<'a>),
    TrimmedList(&'a Attribute, &'a [Value], &'a [bool]),
}

impl<'a> Shown<'a> {
    fn new(attribute: &'a Attribute, value: &'a Value, action: &'a Action) -> Option<Shown<'a>> {
        match action {
            Action::Drop => None,
            Action::Keep => Some(Shown::Whole(value)),
            Action::Subs(flags) if attribute.multi_valued => {
                let Value::Array(items) = value else {
                    return None;
                };
                items
                    .iter()
                    .any(|item| Trimmed::of(attribute, item, flags).is_some())
                    .then_some(Shown::TrimmedList(attribute, items, flags))
            }
            Action::Subs(flags) => Trimmed::of(attribute, value, flags).map(Shown::Trimmed),
        }
    }
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Whole(value) => value.serialize(serializer),
            Shown::Trimmed(trimmed) => trimmed.serialize(serializer),
            Shown::TrimmedList(attribute, items, flags) => {
                let mut seq = serializer.serialize_seq(None)?;
                for item in *items {
                    if let Some(trimmed) = Trimmed::of(attribute, item, flags) {
                        seq.serialize_element(&trimmed)?;
                    }
                }
                seq.end()
            }
        }
    }
}

/// A complex value with only its flagged sub-attributes; only made when one is present.
struct Trimmed<'a> {
    attribute: &'a Attribute,
    object: &'a Map<String, Value>,
    flags: &'a [bool],
}

impl<'a> Trimmed<'a> {
    fn of(attribute: &'a Attribute, value: &'a Value, flags: &'a [bool]) -> Option<Trimmed<'a>> {
        let Value::Object(object) = value else {
            return None;
        };
        let trimmed = Trimmed {
            attribute,
            object,
            flags,
        };
        let any = trimmed.kept().next().is_some();
        any.then_some(trimmed)
    }

    fn kept(&self) -> impl Iterator<Item = (&'a String, &'a Value)> + '_ {
        self.object.iter().filter(|(key, _)| {
            find_attribute(&self.attribute.sub_attributes, key)
                .and_then(|i| self.flags.get(i))
                .copied()
                .unwrap_or(false)
        })
    }
}

impl Serialize for Trimmed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.kept() {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The object of the extension at index `e` of `rt`, trimmed by the projection.
struct ExtensionView<'a> {
    projection: &'a Projection,
    rt: &'a ResourceType,
    e: usize,
    value: &'a Value,
}

impl ExtensionView<'_> {
    /// Each shown attribute of the extension, with its key, in the resource's order.
    fn each_shown(
        &self,
        mut visit: impl FnMut(&str, &Shown<'_>) -> Result<bool, ()>,
    ) -> Result<(), ()> {
        let Some(extension) = self.rt.extensions.get(self.e) else {
            return Ok(());
        };
        let schema = &extension.schema;
        let Value::Object(input) = self.value else {
            return Ok(());
        };
        for (key, value) in input {
            let Some(i) = find_attribute(&schema.attributes, key) else {
                continue;
            };
            let Some(attribute) = schema.attributes.get(i) else {
                continue;
            };
            let action = self
                .projection
                .action(Slot::Extension(self.e, i), attribute);
            if let Some(shown) = Shown::new(attribute, value, &action) {
                if !visit(key, &shown)? {
                    break;
                }
            }
        }
        Ok(())
    }

    fn shows_anything(&self) -> bool {
        let mut any = false;
        let _ = self.each_shown(|_, _| {
            any = true;
            Ok(false)
        });
        any
    }
}

impl Serialize for ExtensionView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let mut failure = None;
        let _ = self.each_shown(|key, shown| match map.serialize_entry(key, shown) {
            Ok(()) => Ok(true),
            Err(err) => {
                failure = Some(err);
                Err(())
            }
        });
        if let Some(err) = failure {
            return Err(err);
        }
        map.end()
    }
}
