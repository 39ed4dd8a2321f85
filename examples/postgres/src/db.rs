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

/// SQLSTATE of a transaction the server aborted to break a deadlock.
pub const DEADLOCK_DETECTED: &str = "40P01";
/// SQLSTATE of a transaction aborted because it could not be serialized with another.
pub const SERIALIZATION_FAILURE: &str = "40001";

/// A driver error as a store error: pool exhaustion and transactions the server aborted
/// because of another (a deadlock, a serialization failure) are retryable (`503`); the rest
/// is a backend failure. The store takes its locks in one order (accounts, then teams) so
/// that it causes no deadlock itself; this keeps one caused by other writers of the same
/// tables retryable rather than a `500`.
pub fn db(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            StoreError::Unavailable("the database is busy; retry the request".to_owned())
        }
        other => match sqlstate(&other).as_deref() {
            Some(DEADLOCK_DETECTED | SERIALIZATION_FAILURE) => StoreError::Unavailable(
                "the database aborted this change because of a concurrent one; retry the request"
                    .to_owned(),
            ),
            _ => StoreError::backend(other),
        },
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
    let version = Version::new(version.to_string());
    resource.meta = Some(Meta::stored(rt.name.clone(), created, updated, &version));
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
    use std::time::Duration;

    use scimkit_core::store::StoreError;
    use sqlx::{Connection, PgConnection};

    use super::{db, is_uuid};
    use crate::test_db::database_url;

    /// Two transactions each holding the advisory lock the other wants: PostgreSQL aborts one
    /// with SQLSTATE 40P01 (after `deadlock_timeout`), which the store answers `503`.
    #[tokio::test]
    async fn a_deadlock_the_server_breaks_is_retryable() {
        let url = database_url();
        let mut a = PgConnection::connect(&url).await.unwrap();
        let mut b = PgConnection::connect(&url).await.unwrap();
        let first = i64::from(std::process::id()) << 20;
        let second = first + 1;
        let lock = "SELECT pg_advisory_xact_lock($1)";
        let mut ta = a.begin().await.unwrap();
        let mut tb = b.begin().await.unwrap();
        sqlx::query(lock)
            .bind(first)
            .execute(&mut *ta)
            .await
            .unwrap();
        sqlx::query(lock)
            .bind(second)
            .execute(&mut *tb)
            .await
            .unwrap();
        let (ra, rb) = tokio::join!(sqlx::query(lock).bind(second).execute(&mut *ta), async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sqlx::query(lock).bind(first).execute(&mut *tb).await
        });
        let error = match (ra, rb) {
            (Err(error), Ok(_)) | (Ok(_), Err(error)) => error,
            other => panic!("expected exactly one deadlock error, got {other:?}"),
        };
        let mapped = db(error);
        assert!(
            matches!(&mapped, StoreError::Unavailable(detail) if detail.contains("retry")),
            "{mapped:?}"
        );
    }

    #[test]
    fn uuids_are_recognised_before_any_query() {
        assert!(is_uuid("515b4adc-d9a1-40b8-84f7-b39401177f13"));
        assert!(is_uuid("515B4ADC-D9A1-40B8-84F7-B39401177F13"));
        assert!(!is_uuid("scimkit-testkit-nobody"));
        assert!(!is_uuid("515b4adc-d9a1-40b8-84f7-b39401177f1"));
        assert!(!is_uuid("515b4adcxd9a1-40b8-84f7-b39401177f13"));
    }
}
