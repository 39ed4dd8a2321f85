//! Stored resources packed into one shared byte buffer, unpacked into a [`Resource`] on read.
//!
//! A dynamic `Resource` of an Entra-shaped user is about 30 allocations and 2 KiB (every JSON
//! value is a `serde_json::Value` of 80 bytes, every object an `IndexMap`, every key an owned
//! `String`); packed it is one allocation of about 400 bytes. A read clones what it returns
//! anyway (the store API hands out owned resources), and unpacking one contiguous buffer costs
//! about what cloning ~30 scattered allocations would. The id is not packed: it is the entry's
//! key.
//!
//! Format (lengths and counts as LEB128): `meta` (0, or 1 then `resourceType`, `created` and
//! `lastModified` as seconds and nanoseconds, optional `location` and `version`),
//! `externalId` (optional string), `schemas` (count, strings), attributes (count, then key and
//! value each). A value is a tag (null, false, true, u64, i64, f64, string, array, object) and
//! its content. Only this module reads or writes the format; the bytes never leave the store.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Number, Value};

use crate::resource::{Meta, Resource};
use crate::store::StoreError;

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const UNSIGNED: u8 = 3;
const SIGNED: u8 = 4;
const FLOAT: u8 = 5;
const STRING: u8 = 6;
const ARRAY: u8 = 7;
const OBJECT: u8 = 8;

/// A resource without its id, packed.
#[derive(Debug, Clone)]
pub(super) struct Packed(Arc<[u8]>);

/// The bytes did not unpack: a bug in this module, reported as a backend failure.
#[derive(Debug, thiserror::Error)]
#[error("a stored resource could not be unpacked")]
struct Unreadable;

fn unreadable() -> StoreError {
    StoreError::backend(Unreadable)
}

impl Packed {
    /// Packs `resource` (its `id` is left out).
    pub(super) fn pack(resource: &Resource) -> Packed {
        let mut out = Vec::with_capacity(256);
        match &resource.meta {
            None => out.push(0),
            Some(meta) => {
                out.push(1);
                put_str(&mut out, &meta.resource_type);
                put_time(&mut out, meta.created);
                put_time(&mut out, meta.last_modified);
                put_opt_str(&mut out, meta.location.as_deref());
                put_opt_str(&mut out, meta.version.as_deref());
            }
        }
        put_opt_str(&mut out, resource.external_id.as_deref());
        put_len(&mut out, resource.schemas.len());
        for schema in &resource.schemas {
            put_str(&mut out, schema);
        }
        put_object(&mut out, &resource.attributes);
        Packed(Arc::from(out))
    }

    /// The resource with `id`, every attribute unpacked.
    pub(super) fn unpack(&self, id: String) -> Result<Resource, StoreError> {
        self.unpack_where(Some(id), |_| true)
    }

    /// The resource with `id`, with only the attributes whose key `keep` accepts (`schemas`,
    /// `externalId` and `meta` by those names).
    pub(super) fn unpack_where(
        &self,
        id: Option<String>,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Resource, StoreError> {
        let mut reader = Reader::new(&self.0);
        let meta = if keep("meta") {
            reader.meta().map_err(StoreError::backend)?
        } else {
            reader.skip_meta().ok_or_else(unreadable)?;
            None
        };
        let external_id = if keep("externalId") {
            reader.opt_str().map_err(StoreError::backend)?
        } else {
            reader.skip_opt_str().ok_or_else(unreadable)?;
            None
        };
        let count = reader.len().ok_or_else(unreadable)?;
        let mut schemas = Vec::with_capacity(if keep("schemas") { count } else { 0 });
        for _ in 0..count {
            let schema = reader.str().ok_or_else(unreadable)?;
            if schemas.capacity() > 0 {
                schemas.push(schema.to_owned());
            }
        }
        let count = reader.len().ok_or_else(unreadable)?;
        let mut attributes = Map::with_capacity(count);
        for _ in 0..count {
            let key = reader.str().ok_or_else(unreadable)?;
            if keep(key) {
                let value = reader.value().ok_or_else(unreadable)?;
                attributes.insert(key.to_owned(), value);
            } else {
                reader.skip().ok_or_else(unreadable)?;
            }
        }
        Ok(Resource {
            schemas,
            id,
            external_id,
            meta,
            attributes,
        })
    }

    /// `meta` alone.
    pub(super) fn meta(&self) -> Result<Option<Meta>, StoreError> {
        Reader::new(&self.0).meta().map_err(StoreError::backend)
    }

    /// The top-level attribute `name` (exact key), without unpacking the others.
    pub(super) fn attribute(&self, name: &str) -> Option<Value> {
        let mut reader = Reader::new(&self.0);
        reader.skip_meta()?;
        reader.skip_opt_str()?;
        for _ in 0..reader.len()? {
            reader.str()?;
        }
        for _ in 0..reader.len()? {
            if reader.str()? == name {
                return reader.value();
            }
            reader.skip()?;
        }
        None
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    let mut n = n as u64;
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(text) => {
            out.push(1);
            put_str(out, text);
        }
    }
}

fn put_time(out: &mut Vec<u8>, at: DateTime<Utc>) {
    out.extend_from_slice(&at.timestamp().to_le_bytes());
    out.extend_from_slice(&at.timestamp_subsec_nanos().to_le_bytes());
}

fn put_object(out: &mut Vec<u8>, map: &Map<String, Value>) {
    put_len(out, map.len());
    for (key, value) in map {
        put_str(out, key);
        put_value(out, value);
    }
}

fn put_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(n) => put_number(out, n),
        Value::String(text) => {
            out.push(STRING);
            put_str(out, text);
        }
        Value::Array(items) => {
            out.push(ARRAY);
            put_len(out, items.len());
            for item in items {
                put_value(out, item);
            }
        }
        Value::Object(map) => {
            out.push(OBJECT);
            put_object(out, map);
        }
    }
}

fn put_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(u) = n.as_u64() {
        out.push(UNSIGNED);
        out.extend_from_slice(&u.to_le_bytes());
    } else if let Some(i) = n.as_i64() {
        out.push(SIGNED);
        out.extend_from_slice(&i.to_le_bytes());
    } else {
        // A JSON number that is neither u64 nor i64 is a finite f64.
        out.push(FLOAT);
        out.extend_from_slice(&n.as_f64().unwrap_or_default().to_bits().to_le_bytes());
    }
}

/// Reads the format back; every method is `None` on bytes that do not follow it.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        let (first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(*first)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// A length or count; never more than the bytes left, so no corrupt count can make a
    /// reader reserve more than the buffer's size.
    fn len(&mut self) -> Option<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                let n = usize::try_from(n).ok()?;
                return (n <= self.bytes.len()).then_some(n);
            }
        }
        None
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn opt_str(&mut self) -> Result<Option<String>, Unreadable> {
        match self.byte().ok_or(Unreadable)? {
            0 => Ok(None),
            1 => Ok(Some(self.str().ok_or(Unreadable)?.to_owned())),
            _ => Err(Unreadable),
        }
    }

    fn skip_opt_str(&mut self) -> Option<()> {
        match self.byte()? {
            0 => Some(()),
            1 => self.str().map(|_| ()),
            _ => None,
        }
    }

    fn skip_meta(&mut self) -> Option<()> {
        match self.byte()? {
            0 => Some(()),
            1 => {
                self.str()?;
                self.take(24)?;
                self.skip_opt_str()?;
                self.skip_opt_str()
            }
            _ => None,
        }
    }

    fn time(&mut self) -> Option<DateTime<Utc>> {
        let seconds = i64::from_le_bytes(self.array()?);
        let nanos = u32::from_le_bytes(self.array()?);
        DateTime::from_timestamp(seconds, nanos)
    }

    fn meta(&mut self) -> Result<Option<Meta>, Unreadable> {
        match self.byte().ok_or(Unreadable)? {
            0 => Ok(None),
            1 => Ok(Some(Meta {
                resource_type: self.str().ok_or(Unreadable)?.to_owned(),
                created: self.time().ok_or(Unreadable)?,
                last_modified: self.time().ok_or(Unreadable)?,
                location: self.opt_str()?,
                version: self.opt_str()?,
            })),
            _ => Err(Unreadable),
        }
    }

    fn value(&mut self) -> Option<Value> {
        Some(match self.byte()? {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            UNSIGNED => Value::Number(u64::from_le_bytes(self.array()?).into()),
            SIGNED => Value::Number(i64::from_le_bytes(self.array()?).into()),
            FLOAT => Value::Number(Number::from_f64(f64::from_bits(u64::from_le_bytes(
                self.array()?,
            )))?),
            STRING => Value::String(self.str()?.to_owned()),
            ARRAY => {
                let count = self.len()?;
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            OBJECT => {
                let count = self.len()?;
                let mut map = Map::with_capacity(count);
                for _ in 0..count {
                    let key = self.str()?.to_owned();
                    map.insert(key, self.value()?);
                }
                Value::Object(map)
            }
            _ => return None,
        })
    }

    /// Steps over one value without building it.
    fn skip(&mut self) -> Option<()> {
        match self.byte()? {
            NULL | FALSE | TRUE => {}
            UNSIGNED | SIGNED | FLOAT => {
                self.take(8)?;
            }
            STRING => {
                self.str()?;
            }
            ARRAY => {
                for _ in 0..self.len()? {
                    self.skip()?;
                }
            }
            OBJECT => {
                for _ in 0..self.len()? {
                    self.str()?;
                    self.skip()?;
                }
            }
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Packed;
    use crate::resource::{Meta, Resource};

    fn sample() -> Resource {
        let mut resource = Resource::from_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "e-1",
            "userName": "bjensen@example.com",
            "active": true,
            "nickName": null,
            "x-count": 18_446_744_073_709_551_615_u64,
            "x-negative": -42,
            "x-float": 2.5,
            "x-text": "naïve \u{1F600} \"quoted\"\n",
            "emails": [{"value": "b@example.com", "primary": true}, {"value": "c@example.com"}],
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "m"}, "costCenter": "4130", "nested": [[1, [2, {}]], []],
            },
        }))
        .unwrap_or_default();
        let mut meta = Meta::new("User", chrono::Utc::now());
        meta.version = Some("W/\"7\"".to_owned());
        meta.location = Some("https://example.com/Users/1".to_owned());
        resource.meta = Some(meta);
        resource.id = Some("1".to_owned());
        resource
    }

    #[test]
    fn a_resource_unpacks_to_itself() {
        let resource = sample();
        let packed = Packed::pack(&resource);
        assert_eq!(packed.unpack("1".to_owned()).ok(), Some(resource.clone()));
        assert_eq!(packed.meta().ok(), Some(resource.meta.clone()));
        assert_eq!(
            packed.attribute("name"),
            resource.attributes.get("name").cloned()
        );
        assert_eq!(packed.attribute("title"), None);
        let bare = Resource {
            id: Some("2".to_owned()),
            ..Resource::default()
        };
        assert_eq!(Packed::pack(&bare).unpack("2".to_owned()).ok(), Some(bare));
    }

    #[test]
    fn unpacking_some_attributes_keeps_the_order_of_the_rest() {
        let resource = sample();
        let packed = Packed::pack(&resource);
        let some = packed
            .unpack_where(Some("1".to_owned()), |key| {
                key.starts_with('e') || key == "name"
            })
            .unwrap_or_default();
        let mut expected = resource.clone();
        expected
            .attributes
            .retain(|key, _| key.starts_with('e') || key == "name");
        expected.meta = None;
        expected.schemas.clear();
        assert_eq!(some, expected);
        let common = packed
            .unpack_where(Some("1".to_owned()), |key| {
                matches!(key, "meta" | "schemas" | "externalId")
            })
            .unwrap_or_default();
        assert_eq!(
            common,
            Resource {
                attributes: serde_json::Map::new(),
                ..resource
            }
        );
    }

    #[test]
    fn truncated_bytes_are_an_error_not_a_panic() {
        let packed = Packed::pack(&sample());
        for end in 0..packed.0.len() {
            let cut = Packed(packed.0.get(..end).unwrap_or_default().into());
            assert!(cut.unpack("1".to_owned()).is_err(), "cut at {end}");
        }
    }
}
