//! A resource as a `resources` row and back: the document (the resource's JSON without `id`,
//! `meta`, `members` and `groups`), the version counter and the dates.

use chrono::{DateTime, Utc};
use scimkit_core::resource::format_time;
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{StoreError, Version};
use scimkit_core::{Meta, Resource};
use serde_json::Value;

use crate::error::corrupt;

/// The columns every read selects, in [`Row`]'s order.
pub(crate) const COLUMNS: &str =
    "resources.id, resources.version, resources.created, resources.last_modified, resources.doc";

/// One `resources` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Row {
    pub id: String,
    pub version: i64,
    pub created: String,
    pub last_modified: String,
    pub doc: String,
}

/// The document of a resource about to be written.
pub(crate) fn doc(resource: &Resource) -> Result<String, StoreError> {
    let Value::Object(mut map) = resource.to_json() else {
        return Err(corrupt("a resource is not a JSON object"));
    };
    map.retain(|key, _| {
        !["id", "meta", "members", "groups"]
            .iter()
            .any(|drop| key.eq_ignore_ascii_case(drop))
    });
    serde_json::to_string(&Value::Object(map)).map_err(StoreError::backend)
}

/// `meta.created` and `meta.lastModified` as stored (RFC 3339, milliseconds, as SCIM shows
/// them), defaulting to now.
pub(crate) fn dates(resource: &Resource) -> (String, String) {
    let now = Utc::now();
    let created = resource.meta.as_ref().map_or(now, |m| m.created);
    let modified = resource.meta.as_ref().map_or(now, |m| m.last_modified);
    (format_time(&created), format_time(&modified))
}

/// Now, as stored.
pub(crate) fn now() -> String {
    format_time(&Utc::now())
}

fn time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(format!("a stored date is not RFC 3339: {text:?}")))
}

/// The resource of a row (without members or groups).
pub(crate) fn resource(rt: &ResourceType, row: Row) -> Result<Resource, StoreError> {
    let body: Value = serde_json::from_str(&row.doc).map_err(StoreError::backend)?;
    let mut resource = Resource::from_json(body).map_err(|_| corrupt("a stored document"))?;
    resource.id = Some(row.id);
    let version = Version::new(row.version.to_string());
    resource.meta = Some(Meta::stored(
        rt.name.clone(),
        time(&row.created)?,
        time(&row.last_modified)?,
        &version,
    ));
    Ok(resource)
}

/// The `version` value an `If-Match` names; `-1` (no row has it) when it is not a number.
pub(crate) fn version_number(version: &Version) -> i64 {
    version.as_str().parse().unwrap_or(-1)
}
