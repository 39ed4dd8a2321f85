//! [`Version`]: a resource's version, shown as `meta.version` and the `ETag` header.

use std::fmt;

use crate::resource::Resource;

/// A resource version: the opaque value of a weak entity tag (`W/"<value>"`).
///
/// A store assigns a new version on every change (a counter, a row version, a hash) and writes
/// it with [`Version::set_on`] (or builds `meta` with it: [`crate::Meta::stored`]); the engine sends it as `ETag` and `meta.version` and compares
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

    /// Writes this version into `meta.version`. A resource without `meta` is refused with
    /// [`MissingMeta`] (a store's bug: the engine hands stores resources with `meta`, and a
    /// store building one from its rows uses [`crate::Meta::stored`]); in a store method,
    /// `?` turns it into a `500` whose cause is logged.
    ///
    /// ```
    /// use scimkit_core::store::{StoreError, Version};
    /// use scimkit_core::{Meta, Resource};
    ///
    /// let mut user = Resource::default();
    /// assert!(Version::new("1").set_on(&mut user).is_err());
    /// user.meta = Some(Meta::new("User", chrono::Utc::now()));
    /// Version::new("2").set_on(&mut user)?;
    /// assert_eq!(Version::of(&user), Some(Version::new("2")));
    /// # Ok::<(), StoreError>(())
    /// ```
    pub fn set_on(&self, resource: &mut Resource) -> Result<(), MissingMeta> {
        let meta = resource.meta.as_mut().ok_or(MissingMeta)?;
        meta.version = Some(self.to_etag());
        Ok(())
    }
}

/// [`Version::set_on`] was given a resource without `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a version was set on a resource without meta: build its meta with Meta::new or Meta::stored first")]
pub struct MissingMeta;

/// A counter as a version (`7` → `W/"7"`), for stores that count changes.
impl From<u64> for Version {
    fn from(counter: u64) -> Self {
        Version(counter.to_string())
    }
}

impl From<&Version> for Version {
    fn from(version: &Version) -> Self {
        version.clone()
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
