//! Small helpers shared by `users.rs` and `groups.rs`: errors, ids, versions, bind values.

use chrono::{DateTime, Utc};
use scimkit_core::schema::ResourceType;
use scimkit_core::sql::SqlValue;
use scimkit_core::store::{StoreError, Version};
use scimkit_core::{Meta, Resource, ScimError};
use serde_json::{Map, Value};
use sqlx::postgres::{PgArguments, Postgres};
use sqlx::query::QueryAs;

/// SQLSTATE of a unique-index violation.
pub const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE of a foreign-key violation (a member deleted while being added).
pub const FOREIGN_KEY_VIOLATION: &str = "23503";

/// The SQLSTATE of a database error, if it is one.
pub fn sqlstate(error: &sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(sqlx::error::DatabaseError::code)
        .map(std::borrow::Cow::into_owned)
}

/// A driver error as a store error: pool exhaustion is retryable, the rest is a backend failure.
pub fn db(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            StoreError::Unavailable("the database is busy; retry the request".to_owned())
        }
        other => StoreError::backend(other),
    }
}

/// Whether `id` is a UUID in text form (ids that are not cannot name a row: no query needed).
pub fn is_uuid(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The `version` column value an `If-Match` names; `-1` (no row has it) when it is not ours.
pub fn version_number(version: &Version) -> i64 {
    version.as_str().parse().unwrap_or(-1)
}

/// Sets `meta` from a row: its type, the `created_at`/`updated_at` columns, and the `version`
/// column as `meta.version`.
pub fn set_meta(
    resource: &mut Resource,
    rt: &ResourceType,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    version: i64,
) {
    let mut meta = Meta::new(rt.name.clone(), created);
    meta.last_modified = updated;
    resource.meta = Some(meta);
    Version::new(version.to_string()).set_on(resource);
}

/// An `invalidValue` rejection.
pub fn invalid(detail: impl Into<String>) -> StoreError {
    StoreError::Rejected(ScimError::InvalidValue(detail.into()))
}

/// A top-level attribute of a resource, whatever the spelling of its name (`null` is none).
pub fn attr<'a>(resource: &'a Resource, name: &str) -> Option<&'a Value> {
    resource.get(name).filter(|value| !value.is_null())
}

/// A member of a JSON object, whatever the spelling of its name.
pub fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| !value.is_null())
}

/// A string attribute.
pub fn text(resource: &Resource, name: &str) -> Option<String> {
    attr(resource, name)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Binds translated values in placeholder order.
pub fn bind_all<'q, O>(
    mut query: QueryAs<'q, Postgres, O, PgArguments>,
    params: &'q [SqlValue],
) -> QueryAs<'q, Postgres, O, PgArguments> {
    for param in params {
        query = match param {
            SqlValue::Text(text) => query.bind(text.as_str()),
            SqlValue::Integer(int) => query.bind(*int),
            SqlValue::Real(real) => query.bind(*real),
            SqlValue::Bool(flag) => query.bind(*flag),
            SqlValue::Timestamp(time) => query.bind(*time),
        };
    }
    query
}

/// Inserts `(key, value)` when the value is present.
pub fn put(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::is_uuid;

    #[test]
    fn uuids_are_recognised_before_any_query() {
        assert!(is_uuid("515b4adc-d9a1-40b8-84f7-b39401177f13"));
        assert!(is_uuid("515B4ADC-D9A1-40B8-84F7-B39401177F13"));
        assert!(!is_uuid("scimkit-testkit-nobody"));
        assert!(!is_uuid("515b4adc-d9a1-40b8-84f7-b39401177f1"));
        assert!(!is_uuid("515b4adcxd9a1-40b8-84f7-b39401177f13"));
    }
}
