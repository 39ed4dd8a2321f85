//! [`Version`]: a resource's version, shown as `meta.version` and the `ETag` header.

use std::fmt;

use crate::resource::Resource;

/// A resource version: the opaque value of a weak entity tag (`W/"<value>"`).
///
/// A store assigns a new version on every change (a counter, a row version, a hash) and writes
/// it with [`Version::set_on`]; the engine sends it as `ETag` and `meta.version` and compares
/// `If-Match`/`If-None-Match` with it. Comparison is weak (RFC 9110 §8.8.3.2): `W/"3"` and
/// `"3"` name the same version.
///
/// ```
/// use scimkit_core::store::Version;
/// let v = Version::new("3");
/// assert_eq!(v.to_etag(), r#"W/"3""#);
/// assert_eq!(Version::from_etag(r#"W/"3""#), Some(v.clone()));
/// assert_eq!(Version::from_etag(r#""3""#), Some(v));
/// assert_eq!(Version::from_etag("3"), None);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    /// A version from its opaque value. Characters an entity tag cannot hold (`"`, control
    /// characters, anything outside visible ASCII) are replaced by `_`.
    pub fn new(value: impl Into<String>) -> Self {
        let value: String = value.into();
        if value.bytes().all(etag_char) {
            Version(value)
        } else {
            Version(
                value
                    .chars()
                    .map(|c| {
                        if c.is_ascii() && etag_char(c as u8) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect(),
            )
        }
    }

    /// The opaque value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The weak entity tag: `W/"<value>"`.
    pub fn to_etag(&self) -> String {
        format!("W/\"{}\"", self.0)
    }

    /// Parses one entity tag, weak (`W/"3"`) or strong (`"3"`). `None` when it is not one.
    pub fn from_etag(text: &str) -> Option<Version> {
        let text = text.trim();
        let quoted = text.strip_prefix("W/").unwrap_or(text);
        let value = quoted.strip_prefix('"')?.strip_suffix('"')?;
        value
            .bytes()
            .all(etag_char)
            .then(|| Version(value.to_owned()))
    }

    /// The version in a resource's `meta.version`, if any.
    pub fn of(resource: &Resource) -> Option<Version> {
        resource.version().and_then(Version::from_etag)
    }

    /// Writes this version into `meta.version` (when the resource has `meta`).
    pub fn set_on(&self, resource: &mut Resource) {
        if let Some(meta) = resource.meta.as_mut() {
            meta.version = Some(self.to_etag());
        }
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({:?})", self.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_etag())
    }
}

/// `etagc` of RFC 9110 §8.8.3: visible ASCII except `"`.
fn etag_char(b: u8) -> bool {
    b == 0x21 || (0x23..=0x7e).contains(&b)
}
