//! Resource metadata (RFC 7643 §3.1 `meta`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::resource::Version;

/// A resource's `meta`: its type, timestamps, location and version (ETag value).
///
/// Timestamps serialise as RFC 3339 in UTC with milliseconds, e.g. `2026-01-23T04:56:22.000Z`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let meta = scimkit_core::Meta::new("User", Utc.with_ymd_and_hms(2026, 1, 23, 4, 56, 22).unwrap());
/// let json = serde_json::to_value(&meta).unwrap();
/// assert_eq!(json["created"], "2026-01-23T04:56:22.000Z");
/// assert_eq!(json["resourceType"], "User");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// The resource type's name (`User`, `Group`, …).
    pub resource_type: String,
    /// When the resource was created.
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub created: DateTime<Utc>,
    /// When the resource was last changed.
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub last_modified: DateTime<Utc>,
    /// The resource's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The version, as a weak or strong ETag value (e.g. `W/"3"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Meta {
    /// Metadata for a resource created at `at` (`lastModified` = `created`).
    pub fn new(resource_type: impl Into<String>, at: DateTime<Utc>) -> Self {
        Meta {
            resource_type: resource_type.into(),
            created: at,
            last_modified: at,
            location: None,
            version: None,
        }
    }
}

impl Meta {
    /// The metadata of a stored resource, as a store builds it from its own rows: its type,
    /// when it was created and last changed, and its version (a [`Version`], `&Version` or a
    /// `u64` counter).
    ///
    /// ```
    /// use scimkit_core::store::Version;
    /// use scimkit_core::Meta;
    /// use chrono::{TimeZone, Utc};
    ///
    /// let created = Utc.with_ymd_and_hms(2026, 1, 23, 4, 56, 22).unwrap();
    /// let meta = Meta::stored("User", created, Utc::now(), &Version::new("7"));
    /// assert_eq!(meta.version.as_deref(), Some(r#"W/"7""#));
    /// // A counter is a version too.
    /// assert_eq!(Meta::stored("User", created, created, 8).version.as_deref(), Some(r#"W/"8""#));
    /// ```
    pub fn stored(
        resource_type: impl Into<String>,
        created: DateTime<Utc>,
        last_modified: DateTime<Utc>,
        version: impl Into<Version>,
    ) -> Self {
        Meta {
            resource_type: resource_type.into(),
            created,
            last_modified,
            location: None,
            version: Some(version.into().to_etag()),
        }
    }
}

/// Formats a timestamp the way SCIM output shows it.
pub fn format_time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn ser_time<S: Serializer>(time: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(time))
}

fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(serde::de::Error::custom)
}
