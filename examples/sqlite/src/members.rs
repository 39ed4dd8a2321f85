//! Group membership as rows of `group_members` (tenant, group, member, and the member's
//! `type`, `display` and `$ref`): a Group's `members` and a User's derived `groups` are read
//! from them, and a PATCH that only adds or removes members is row inserts and deletes plus
//! a version bump, whatever the group's size.

use std::collections::HashMap;

use scimkit_core::resource::typed::Member;
use scimkit_core::store::StoreError;
use scimkit_core::Resource;
use serde_json::{Map, Value};
use sqlx::{SqliteConnection, SqlitePool};

use crate::error::{db, invalid};

/// The members of a validated Group.
pub(crate) fn of_resource(resource: &Resource) -> Result<Vec<Member>, StoreError> {
    let items = match resource.get("members") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => std::slice::from_ref(other),
    };
    items
        .iter()
        .map(|item| {
            serde_json::from_value::<Member>(item.clone()).map_err(|_| {
                invalid("members: every member needs a string \"value\" (the member's id)")
            })
        })
        .collect()
}

/// One `group_members` row as `of_groups` reads it: group, member, type, display, `$ref`.
type MemberRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn as_json(members: &[Member]) -> Result<String, StoreError> {
    serde_json::to_string(members).map_err(StoreError::backend)
}

/// Checks that every member names a User or a Group of the tenant.
pub(crate) async fn admit(
    conn: &mut SqliteConnection,
    tenant: &str,
    members: &[Member],
) -> Result<(), StoreError> {
    if members.is_empty() {
        return Ok(());
    }
    let missing: Option<String> = sqlx::query_scalar(
        "SELECT json_extract(j.value, '$.value') FROM json_each(?) AS j \
         WHERE NOT EXISTS (SELECT 1 FROM resources AS r WHERE r.tenant = ? \
           AND r.id = json_extract(j.value, '$.value') \
           AND (r.resource_type = 'User' OR r.is_group = 1)) LIMIT 1",
    )
    .bind(as_json(members)?)
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    match missing {
        Some(id) => Err(invalid(format!(
            "members: \"{id}\" is not a User or Group of this tenant"
        ))),
        None => Ok(()),
    }
}

/// Adds members (already admitted) that are not in the group; a missing `type` is the
/// member's resource type. Returns how many were added.
pub(crate) async fn add(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    members: &[Member],
) -> Result<u64, StoreError> {
    if members.is_empty() {
        return Ok(0);
    }
    sqlx::query(
        "INSERT OR IGNORE INTO group_members (tenant, group_id, member_id, member_type, display, ref) \
         SELECT ?1, ?2, r.id, coalesce(json_extract(j.value, '$.type'), r.resource_type), \
                json_extract(j.value, '$.display'), json_extract(j.value, '$.\"$ref\"') \
         FROM json_each(?3) AS j JOIN resources AS r \
           ON r.tenant = ?1 AND r.id = json_extract(j.value, '$.value') \
         ORDER BY j.key",
    )
    .bind(tenant)
    .bind(group)
    .bind(as_json(members)?)
    .execute(conn)
    .await
    .map(|done| done.rows_affected())
    .map_err(db)
}

/// Removes members by id; returns how many there were.
pub(crate) async fn remove(
    conn: &mut SqliteConnection,
    group: &str,
    ids: &[String],
) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let ids = serde_json::to_string(ids).map_err(StoreError::backend)?;
    sqlx::query(
        "DELETE FROM group_members WHERE group_id = ? \
         AND member_id IN (SELECT value FROM json_each(?))",
    )
    .bind(group)
    .bind(ids)
    .execute(conn)
    .await
    .map(|done| done.rows_affected())
    .map_err(db)
}

/// Makes the member list exactly `members` (admitted): removes the others, adds the
/// missing, updates a changed `display`/`type`/`$ref`. Returns how many rows changed.
pub(crate) async fn set(
    conn: &mut SqliteConnection,
    tenant: &str,
    group: &str,
    members: &[Member],
) -> Result<u64, StoreError> {
    let list = as_json(members)?;
    let removed = sqlx::query(
        "DELETE FROM group_members WHERE group_id = ? AND member_id NOT IN \
         (SELECT json_extract(value, '$.value') FROM json_each(?))",
    )
    .bind(group)
    .bind(&list)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    let upserted = sqlx::query(
        "INSERT INTO group_members (tenant, group_id, member_id, member_type, display, ref) \
         SELECT ?1, ?2, r.id, coalesce(json_extract(j.value, '$.type'), r.resource_type), \
                json_extract(j.value, '$.display'), json_extract(j.value, '$.\"$ref\"') \
         FROM json_each(?3) AS j JOIN resources AS r \
           ON r.tenant = ?1 AND r.id = json_extract(j.value, '$.value') \
         WHERE true ORDER BY j.key \
         ON CONFLICT (group_id, member_id) DO UPDATE SET \
           member_type = excluded.member_type, display = excluded.display, ref = excluded.ref \
         WHERE member_type IS NOT excluded.member_type OR display IS NOT excluded.display \
           OR ref IS NOT excluded.ref",
    )
    .bind(tenant)
    .bind(group)
    .bind(&list)
    .execute(conn)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(removed + upserted)
}

/// The `members` of each of `groups`, in the order they were added.
pub(crate) async fn of_groups(
    pool: &SqlitePool,
    groups: &[&str],
) -> Result<HashMap<String, Vec<Value>>, StoreError> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    if groups.is_empty() {
        return Ok(out);
    }
    let rows: Vec<MemberRow> = sqlx::query_as(
        "SELECT group_id, member_id, member_type, display, ref FROM group_members \
             WHERE group_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
    )
    .bind(serde_json::to_string(groups).map_err(StoreError::backend)?)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    for (group, member, kind, display, reference) in rows {
        let mut object = Map::new();
        object.insert("value".to_owned(), Value::String(member));
        for (key, value) in [("$ref", reference), ("display", display), ("type", kind)] {
            if let Some(value) = value {
                object.insert(key.to_owned(), Value::String(value));
            }
        }
        out.entry(group).or_default().push(Value::Object(object));
    }
    Ok(out)
}

/// The derived `groups` of each of `members` (direct memberships).
pub(crate) async fn groups_of(
    pool: &SqlitePool,
    members: &[&str],
) -> Result<HashMap<String, Vec<Value>>, StoreError> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    if members.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT m.member_id, m.group_id, json_extract(g.doc, '$.displayName') \
         FROM group_members AS m JOIN resources AS g ON g.id = m.group_id \
         WHERE m.member_id IN (SELECT value FROM json_each(?)) ORDER BY m.rowid",
    )
    .bind(serde_json::to_string(members).map_err(StoreError::backend)?)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    for (member, group, display) in rows {
        let mut object = Map::new();
        object.insert("value".to_owned(), Value::String(group));
        if let Some(display) = display {
            object.insert("display".to_owned(), Value::String(display));
        }
        object.insert("type".to_owned(), Value::String("direct".to_owned()));
        out.entry(member).or_default().push(Value::Object(object));
    }
    Ok(out)
}
