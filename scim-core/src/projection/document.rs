//! [`Document`] and [`Fragment`]: a resource's default rendering, made once when it is written
//! and copied into every response that shows it whole, so reads skip decoding and
//! serialising.
//!
//! A response with no `attributes`/`excludedAttributes` shows what [`Projection::all`] shows.
//! Two parts of it are not the stored resource's own and are written per response: its
//! `meta.location` (the request's base URL) and attributes a store derives when it reads (a
//! user's `groups`, a group's `members` kept apart). A document leaves a place for each: the
//! derived attributes go after the resource's own attributes, `location` after
//! `meta.lastModified`, where [`Projected`](super::Projected) writes them, so a response is the
//! same bytes whichever way it is made.

use std::sync::Arc;

use serde::Serialize;

use super::Projection;
use crate::resource::{Meta, Resource};
use crate::schema::ResourceType;

/// A piece of JSON text, valid by construction (only made by serialising a value or joining
/// fragments), cheap to clone (shared). Stores use it for values derived at read time.
///
/// ```
/// use scimkit_core::projection::Fragment;
/// use serde_json::json;
///
/// let a = Fragment::of(&json!({"value": "1"}))?;
/// let b = Fragment::of(&json!({"value": "2"}))?;
/// let both = Fragment::array([a, b]);
/// assert_eq!(both.to_bytes(), br#"[{"value":"1"},{"value":"2"}]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment(Repr);

/// A fragment's text, or an array of fragments joined when written (no copy when made).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    Text(Arc<[u8]>),
    Array(Arc<[Fragment]>),
}

impl Fragment {
    /// `value` as JSON. Fails only where `serde_json` does (a map with non-string keys).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Result<Fragment, serde_json::Error> {
        serde_json::to_vec(value).map(|bytes| Fragment(Repr::Text(bytes.into())))
    }

    /// A JSON array of `items`, in order, written when the array is (nothing is copied).
    pub fn array(items: impl IntoIterator<Item = Fragment>) -> Fragment {
        Fragment(Repr::Array(items.into_iter().collect()))
    }

    /// The JSON text.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// Appends the JSON text to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        match &self.0 {
            Repr::Text(text) => out.extend_from_slice(text),
            Repr::Array(items) => {
                out.push(b'[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
        }
    }

    /// Whether this is an empty JSON array (`[]`), which a response leaves out.
    pub fn is_empty_array(&self) -> bool {
        match &self.0 {
            Repr::Text(text) => &**text == b"[]",
            Repr::Array(items) => items.is_empty(),
        }
    }
}

/// A resource rendered with the default projection ([`Projection::all`]), without
/// `meta.location`, with places for it and for derived attributes. Made by
/// [`Document::render`]; written into a response by [`Document::write`].
///
/// ```
/// use scimkit_core::projection::{Document, Fragment, Projection};
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::{Meta, Resource};
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let mut user = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223",
///     "userName": "bjensen",
///     "password": "never shown",
/// }))?;
/// user.meta = Some(Meta::new("User", chrono::Utc::now()));
/// let doc = Document::render(&users, &user);
/// assert_eq!(doc.id(), Some("2819c223"));
///
/// let groups = Fragment::of(&json!([{"value": "g1", "display": "Admins"}]))?;
/// let location = "https://example.com/scim/v2/Users/2819c223";
/// let mut bytes = Vec::new();
/// doc.write(&mut bytes, Some(location), [("groups", &groups)]);
///
/// // The same bytes as projecting the whole resource.
/// user.attributes.insert("groups".into(), json!([{"value": "g1", "display": "Admins"}]));
/// user.meta.as_mut().unwrap().location = Some(location.into());
/// assert_eq!(bytes, serde_json::to_vec(&Projection::all().view(&users, &user))?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// One allocation, read together: the JSON (`{` … own attributes … `,"meta":{` …
    /// `lastModified` … `,"version":…}` `}`), then the id's text, then the version's.
    /// Text, so the id and version are read without checking their UTF-8 on every request.
    bytes: Arc<str>,
    /// Where the JSON ends.
    json_end: usize,
    /// Where derived attributes go: after the last own attribute.
    attributes_end: usize,
    /// Where `,"location":…` goes (after `lastModified`); `None` without `meta`.
    location_at: Option<usize>,
    /// Where the id's text ends (it starts at `json_end`); `None` without an id.
    id_end: Option<usize>,
    /// Whether the version's text follows the id.
    has_version: bool,
}

impl Document {
    /// Renders `resource` as a response with neither `attributes` nor `excludedAttributes`
    /// shows it, leaving out `meta.location` (whatever the resource holds there).
    pub fn render(rt: &ResourceType, resource: &Resource) -> Document {
        let all = Projection::all();
        let mut out = Vec::with_capacity(768);
        // Serialising borrowed JSON values into a Vec cannot fail: every key is a string.
        let _ = serde_json::to_writer(&mut out, &all.view_without_meta(rt, resource));
        // The object always has `schemas`: reopen it before its closing brace.
        reopen(&mut out);
        let attributes_end = out.len();
        let mut location_at = None;
        let version = resource.meta.as_ref().and_then(|m| m.version.as_deref());
        if let Some(meta) = &resource.meta {
            out.extend_from_slice(br#","meta":"#);
            let bare = Meta {
                location: None,
                version: None,
                ..meta.clone()
            };
            let _ = serde_json::to_writer(&mut out, &bare);
            reopen(&mut out);
            location_at = Some(out.len());
            if let Some(version) = version {
                out.extend_from_slice(br#","version":"#);
                let _ = serde_json::to_writer(&mut out, version);
            }
            out.push(b'}');
        }
        out.push(b'}');
        let json_end = out.len();
        let id_end = resource.id.as_deref().map(|id| {
            out.extend_from_slice(id.as_bytes());
            out.len()
        });
        if let Some(version) = version {
            out.extend_from_slice(version.as_bytes());
        }
        Document {
            // JSON written by serde_json, an id and a version: UTF-8 throughout.
            bytes: String::from_utf8(out)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
                .into(),
            json_end,
            attributes_end,
            location_at,
            id_end,
            has_version: version.is_some(),
        }
    }

    /// The resource's `id`.
    pub fn id(&self) -> Option<&str> {
        let end = self.id_end?;
        self.bytes.get(self.json_end..end)
    }

    /// The resource's `meta.version` (its ETag).
    pub fn version(&self) -> Option<&str> {
        if !self.has_version {
            return None;
        }
        let start = self.id_end.unwrap_or(self.json_end);
        self.bytes.get(start..)
    }

    /// The size of the rendered JSON, in bytes (a response adds `location` and derived
    /// attributes).
    pub fn len(&self) -> usize {
        self.json_end
    }

    /// Never true: a document holds at least `{"schemas":…}`.
    pub fn is_empty(&self) -> bool {
        self.json_end == 0
    }

    /// The JSON, without `location` or derived attributes.
    fn json(&self) -> &[u8] {
        self.bytes
            .as_bytes()
            .get(..self.json_end)
            .unwrap_or_default()
    }

    /// Appends the resource's JSON to `out`: the document with `derived` attributes after its
    /// own (each a name and its value; an empty array is left out) and `location` in `meta`.
    pub fn write<'a>(
        &self,
        out: &mut Vec<u8>,
        location: Option<&str>,
        derived: impl IntoIterator<Item = (&'a str, &'a Fragment)>,
    ) {
        self.write_with(out, location.map(json_string), derived);
    }

    /// As [`Document::write`], with `location` writing the location's JSON string.
    pub(crate) fn write_with<'a>(
        &self,
        out: &mut Vec<u8>,
        location: Option<impl FnOnce(&mut Vec<u8>)>,
        derived: impl IntoIterator<Item = (&'a str, &'a Fragment)>,
    ) {
        let json = self.json();
        let (head, rest) = json.split_at(self.attributes_end.min(json.len()));
        out.extend_from_slice(head);
        for (name, value) in derived {
            if value.is_empty_array() {
                continue;
            }
            out.push(b',');
            let _ = serde_json::to_writer(&mut *out, name);
            out.push(b':');
            value.write(out);
        }
        match (self.location_at, location) {
            (Some(at), Some(location)) => {
                let split = at.saturating_sub(self.attributes_end).min(rest.len());
                let (meta_head, meta_rest) = rest.split_at(split);
                out.extend_from_slice(meta_head);
                out.extend_from_slice(br#","location":"#);
                location(out);
                out.extend_from_slice(meta_rest);
            }
            _ => out.extend_from_slice(rest),
        }
    }
}

/// Drops the closing brace of the JSON object just written, to add members to it.
fn reopen(out: &mut Vec<u8>) {
    if out.last() == Some(&b'}') {
        out.pop();
    }
}

/// Writes `text` as a JSON string: the location writer of [`Document::write`] and
/// [`crate::store::RenderedResource::write`].
pub(crate) fn json_string(text: &str) -> impl FnOnce(&mut Vec<u8>) + '_ {
    move |out: &mut Vec<u8>| {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(out, text);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    fn user() -> Resource {
        let mut user = Resource::from_json(json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "id": "a\"b",
            "externalId": "ext",
            "userName": "bjensen",
            "password": "secret",
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"},
        }))
        .unwrap();
        let mut meta = Meta::new("User", chrono::Utc::now());
        meta.version = Some("W/\"3\"".into());
        meta.location = Some("http://stale/Users/x".into());
        user.meta = Some(meta);
        user
    }

    fn projected(rt: &ResourceType, r: &Resource) -> Vec<u8> {
        serde_json::to_vec(&Projection::all().view(rt, r)).unwrap()
    }

    #[test]
    fn writes_what_the_default_projection_writes() {
        let rt = ResourceType::user();
        let mut r = user();
        let doc = Document::render(&rt, &r);
        assert_eq!(doc.id(), Some("a\"b"));
        assert_eq!(doc.version(), Some("W/\"3\""));

        let groups = Fragment::of(&json!([{"value": "g", "display": "G \"1\""}])).unwrap();
        let mut out = Vec::new();
        doc.write(
            &mut out,
            Some("http://h/Users/a%22b"),
            [("groups", &groups)],
        );
        r.attributes.insert(
            "groups".into(),
            json!([{"value": "g", "display": "G \"1\""}]),
        );
        r.meta.as_mut().unwrap().location = Some("http://h/Users/a%22b".into());
        assert_eq!(out, projected(&rt, &r));
        assert!(!String::from_utf8(out).unwrap().contains("secret"));
    }

    #[test]
    fn without_meta_location_or_derived_values() {
        let rt = ResourceType::user();
        let mut r = user();
        r.meta = None;
        let doc = Document::render(&rt, &r);
        let empty = Fragment::array([]);
        let mut out = Vec::new();
        doc.write(&mut out, Some("ignored: no meta"), [("groups", &empty)]);
        assert_eq!(out, projected(&rt, &r));

        let mut r = user();
        let doc = Document::render(&rt, &r);
        let mut out = Vec::new();
        doc.write(&mut out, None, []);
        r.meta.as_mut().unwrap().location = None;
        assert_eq!(out, projected(&rt, &r));
        assert_eq!(doc.len(), out.len());
    }
}
