//! `create`, `replace`, `delete` and the members-only PATCH, each one `BEGIN IMMEDIATE`
//! transaction (SQLite's write lock is taken first, so two writers queue on the busy timeout
//! instead of failing on a lock upgrade). `If-Match` is part of the `UPDATE`/`DELETE`'s
//! `WHERE`, so the check and the write are one statement.

use scimkit_core::patch::Patched;
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{new_id, MemberPatch, StoreError, Version};
use scimkit_core::Resource;
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::document::{dates, doc, now, version_number};
use crate::error::db;
use crate::layout::Layout;
use crate::reads::{get, Extras};
use crate::store::SqliteStore;
use crate::{members, unique, values};

async fn begin(store: &SqliteStore) -> Result<Transaction<'static, Sqlite>, StoreError> {
    store.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
}

/// `NotFound` when the resource is not there, else `VersionMismatch` (after a conditional
/// statement matched no row).
async fn missing_or_changed(
    conn: &mut SqliteConnection,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
) -> StoreError {
    let found = sqlx::query_scalar::<_, i64>(
        "SELECT 1 FROM resources WHERE tenant = ? AND resource_type = ? AND id = ?",
    )
    .bind(tenant)
    .bind(&rt.name)
    .bind(id)
    .fetch_optional(conn)
    .await;
    match found {
        Ok(Some(_)) => StoreError::VersionMismatch,
        Ok(None) => StoreError::NotFound,
        Err(error) => db(error),
    }
}

/// The rows besides `resources` that follow a resource's content.
async fn write_rows(
    conn: &mut SqliteConnection,
    tenant: &str,
    rt: &ResourceType,
    layout: &Layout,
    id: &str,
    resource: &Resource,
    fresh: bool,
) -> Result<(), StoreError> {
    unique::claim(conn, tenant, &rt.name, layout, id, resource).await?;
    values::write(conn, layout, id, resource, fresh).await?;
    if layout.members.is_some() {
        let list = members::of_resource(resource)?;
        members::admit(conn, tenant, &list).await?;
        members::set(conn, tenant, id, &list).await?;
    }
    Ok(())
}

pub(crate) async fn create(
    store: &SqliteStore,
    tenant: &str,
    rt: &ResourceType,
    resource: &Resource,
) -> Result<Resource, StoreError> {
    let layout = Layout::of(rt);
    let id = new_id()?;
    let (created, modified) = dates(resource);
    let mut tx = begin(store).await?;
    sqlx::query(
        "INSERT INTO resources (id, tenant, resource_type, is_group, version, created, \
         last_modified, doc) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(&rt.name)
    .bind(layout.members.is_some())
    .bind(created)
    .bind(modified)
    .bind(doc(resource)?)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    write_rows(&mut tx, tenant, rt, &layout, &id, resource, true).await?;
    tx.commit().await.map_err(db)?;
    get(&store.pool, tenant, rt, &id, Extras::all(&layout))
        .await?
        .ok_or(StoreError::NotFound)
}

pub(crate) async fn replace(
    store: &SqliteStore,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
    resource: &Resource,
    if_match: Option<&Version>,
) -> Result<Resource, StoreError> {
    let layout = Layout::of(rt);
    let (_, modified) = dates(resource);
    let mut tx = begin(store).await?;
    let done = sqlx::query(
        "UPDATE resources SET doc = ?, last_modified = ?, version = version + 1 \
         WHERE tenant = ? AND resource_type = ? AND id = ? AND (? IS NULL OR version = ?)",
    )
    .bind(doc(resource)?)
    .bind(modified)
    .bind(tenant)
    .bind(&rt.name)
    .bind(id)
    .bind(if_match.map(version_number))
    .bind(if_match.map(version_number))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(missing_or_changed(&mut tx, tenant, rt, id).await);
    }
    write_rows(&mut tx, tenant, rt, &layout, id, resource, false).await?;
    tx.commit().await.map_err(db)?;
    get(&store.pool, tenant, rt, id, Extras::all(&layout))
        .await?
        .ok_or(StoreError::NotFound)
}

/// Deletes a resource; the groups it was in get a new version, and its rows in the other
/// tables go with it (`ON DELETE CASCADE`).
pub(crate) async fn delete(
    store: &SqliteStore,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
    if_match: Option<&Version>,
) -> Result<(), StoreError> {
    let mut tx = begin(store).await?;
    // Rolled back with the transaction when the DELETE below matches nothing.
    sqlx::query(
        "UPDATE resources SET last_modified = ?, version = version + 1 WHERE id IN \
         (SELECT group_id FROM group_members WHERE tenant = ? AND member_id = ?)",
    )
    .bind(now())
    .bind(tenant)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let done = sqlx::query(
        "DELETE FROM resources WHERE tenant = ? AND resource_type = ? AND id = ? \
         AND (? IS NULL OR version = ?)",
    )
    .bind(tenant)
    .bind(&rt.name)
    .bind(id)
    .bind(if_match.map(version_number))
    .bind(if_match.map(version_number))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(missing_or_changed(&mut tx, tenant, rt, id).await);
    }
    tx.commit().await.map_err(db)
}

/// A PATCH that only changes members, as row inserts and deletes: the version bump (with
/// `If-Match` in its `WHERE`) first, then the rows; rolled back when no row changed (a no-op
/// keeps its version).
pub(crate) async fn patch_members(
    store: &SqliteStore,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
    change: MemberPatch<'_>,
) -> Result<Patched, StoreError> {
    let delta = change.delta;
    let mut tx = begin(store).await?;
    let done = sqlx::query(
        "UPDATE resources SET last_modified = ?, version = version + 1 \
         WHERE tenant = ? AND resource_type = ? AND id = ? AND (? IS NULL OR version = ?)",
    )
    .bind(now())
    .bind(tenant)
    .bind(&rt.name)
    .bind(id)
    .bind(change.if_match.map(version_number))
    .bind(change.if_match.map(version_number))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(missing_or_changed(&mut tx, tenant, rt, id).await);
    }
    let mut changed = 0;
    if let Some(replaced) = &delta.replaced {
        members::admit(&mut tx, tenant, replaced).await?;
        changed += members::set(&mut tx, tenant, id, replaced).await?;
    }
    changed += members::remove(&mut tx, id, &delta.removed).await?;
    members::admit(&mut tx, tenant, &delta.added).await?;
    changed += members::add(&mut tx, tenant, id, &delta.added).await?;
    if changed == 0 {
        tx.rollback().await.map_err(db)?;
    } else {
        tx.commit().await.map_err(db)?;
    }
    let extras = Extras {
        members: change.with_members,
        groups: false,
    };
    let resource = get(&store.pool, tenant, rt, id, extras)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Patched {
        resource,
        changed: changed > 0,
    })
}
