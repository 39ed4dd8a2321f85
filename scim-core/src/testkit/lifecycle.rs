//! Checks of single-resource writes: create and get, uniqueness, versions, delete.

use serde_json::json;

use crate::schema::ResourceType;
use crate::store::{ResourceStore, StoreError, Version};
use crate::testkit::{
    fail, fresh_tenant, id_of, patch, patch_request, unexpected, user, version_of, Failure,
};

pub(super) const CREATE_GET: &str = "create_get";
pub(super) const UNIQUENESS: &str = "uniqueness";
pub(super) const VERSIONS: &str = "versions";
pub(super) const DELETE: &str = "delete";

/// `create` assigns an id and a version, and `get` returns what `create` returned.
pub async fn check_create_get(store: &dyn ResourceStore) -> Result<(), Failure> {
    const CHECK: &str = CREATE_GET;
    let ctx = fresh_tenant("create");
    let users = ResourceType::user();
    let created = store
        .create(&ctx, &users, user(CHECK, "bjensen")?)
        .await
        .map_err(|e| unexpected(CHECK, "create", &e))?;
    let id = id_of(CHECK, &created)?;
    version_of(CHECK, &created)?;
    if created.get("userName") != Some(&json!("bjensen")) {
        return Err(fail(CHECK, "create did not keep userName"));
    }
    let second = store
        .create(&ctx, &users, user(CHECK, "ajensen")?)
        .await
        .map_err(|e| unexpected(CHECK, "create", &e))?;
    if id_of(CHECK, &second)? == id {
        return Err(fail(CHECK, "two creates were given the same id"));
    }
    let read = store
        .get(&ctx, &users, &id)
        .await
        .map_err(|e| unexpected(CHECK, "get", &e))?
        .ok_or_else(|| fail(CHECK, format!("get of the created id {id} returned None")))?;
    if read.to_json() != created.to_json() {
        return Err(fail(
            CHECK,
            format!(
                "get returned {} but create returned {}",
                read.to_json(),
                created.to_json()
            ),
        ));
    }
    let missing = store
        .get(&ctx, &users, "scimkit-testkit-no-such-id")
        .await
        .map_err(|e| unexpected(CHECK, "get", &e))?;
    if missing.is_some() {
        return Err(fail(CHECK, "get of an unknown id returned a resource"));
    }
    Ok(())
}

/// `userName` is unique per tenant, case-insensitively, on create and on replace; replacing a
/// user that keeps its own `userName` succeeds.
pub async fn check_uniqueness(store: &dyn ResourceStore) -> Result<(), Failure> {
    const CHECK: &str = UNIQUENESS;
    let ctx = fresh_tenant("unique");
    let users = ResourceType::user();
    let first = store
        .create(&ctx, &users, user(CHECK, "bjensen")?)
        .await
        .map_err(|e| unexpected(CHECK, "create", &e))?;
    match store.create(&ctx, &users, user(CHECK, "BJensen")?).await {
        Err(StoreError::Uniqueness(_)) => {}
        other => {
            return Err(fail(
                CHECK,
                format!(
                    "create of \"BJensen\" next to \"bjensen\" gave {other:?}, expected Uniqueness"
                ),
            ))
        }
    }
    let other = store
        .create(&ctx, &users, user(CHECK, "other")?)
        .await
        .map_err(|e| unexpected(CHECK, "create", &e))?;
    let other_id = id_of(CHECK, &other)?;
    match store
        .replace(&ctx, &users, &other_id, user(CHECK, "BJENSEN")?, None)
        .await
    {
        Err(StoreError::Uniqueness(_)) => {}
        other => {
            return Err(fail(
                CHECK,
                format!(
                "replace renaming a user to a taken userName gave {other:?}, expected Uniqueness"
            ),
            ))
        }
    }
    let first_id = id_of(CHECK, &first)?;
    store
        .replace(&ctx, &users, &first_id, user(CHECK, "BJensen")?, None)
        .await
        .map_err(|e| unexpected(CHECK, "replace keeping the user's own userName", &e))?;
    Ok(())
}

/// `replace` checks `if_match` and changes the version; a PATCH that changes nothing keeps it.
pub async fn check_versions(store: &dyn ResourceStore) -> Result<(), Failure> {
    const CHECK: &str = VERSIONS;
    let ctx = fresh_tenant("versions");
    let users = ResourceType::user();
    let created = store
        .create(&ctx, &users, user(CHECK, "versioned")?)
        .await
        .map_err(|e| unexpected(CHECK, "create", &e))?;
    let id = id_of(CHECK, &created)?;
    let v1 = version_of(CHECK, &created)?;
    let stale = Version::new("scimkit-testkit-stale");
    match store
        .replace(&ctx, &users, &id, user(CHECK, "versioned")?, Some(&stale))
        .await
    {
        Err(StoreError::VersionMismatch) => {}
        other => {
            return Err(fail(
                CHECK,
                format!("replace with a stale if_match gave {other:?}, expected VersionMismatch"),
            ))
        }
    }
    let replaced = store
        .replace(&ctx, &users, &id, user(CHECK, "versioned")?, Some(&v1))
        .await
        .map_err(|e| unexpected(CHECK, "replace with the current if_match", &e))?;
    let v2 = version_of(CHECK, &replaced)?;
    if v2 == v1 {
        return Err(fail(CHECK, "replace did not change the version"));
    }
    let same = patch_request(
        CHECK,
        &json!([{"op": "replace", "path": "displayName", "value": "Test versioned"}]),
    )?;
    let patched = patch(store, &ctx, &users, &id, &same, None)
        .await
        .map_err(|e| unexpected(CHECK, "patch that changes nothing", &e))?
        .resource;
    if version_of(CHECK, &patched)? != v2 {
        return Err(fail(
            CHECK,
            "a PATCH that changed nothing changed the version",
        ));
    }
    let change = patch_request(
        CHECK,
        &json!([{"op": "replace", "path": "displayName", "value": "Changed"}]),
    )?;
    match patch(store, &ctx, &users, &id, &change, Some(&v1)).await {
        Err(err) if err.status() == 412 => {}
        other => {
            return Err(fail(
                CHECK,
                format!("patch with a stale if_match gave {other:?}, expected 412"),
            ))
        }
    }
    let changed = patch(store, &ctx, &users, &id, &change, Some(&v2))
        .await
        .map_err(|e| unexpected(CHECK, "patch with the current if_match", &e))?
        .resource;
    if version_of(CHECK, &changed)? == v2 {
        return Err(fail(
            CHECK,
            "a PATCH that changed displayName kept the version",
        ));
    }
    Ok(())
}

/// `delete` checks `if_match`; a deleted resource is gone and deleting it again is NotFound.
pub async fn check_delete(store: &dyn ResourceStore) -> Result<(), Failure> {
    const CHECK: &str = DELETE;
    let ctx = fresh_tenant("delete");
    let users = ResourceType::user();
    let created = store
        .create(&ctx, &users, user(CHECK, "doomed")?)
        .await
        .map_err(|e| unexpected(CHECK, "create", &e))?;
    let id = id_of(CHECK, &created)?;
    let stale = Version::new("scimkit-testkit-stale");
    match store.delete(&ctx, &users, &id, Some(&stale)).await {
        Err(StoreError::VersionMismatch) => {}
        other => {
            return Err(fail(
                CHECK,
                format!("delete with a stale if_match gave {other:?}, expected VersionMismatch"),
            ))
        }
    }
    store
        .delete(&ctx, &users, &id, Some(&version_of(CHECK, &created)?))
        .await
        .map_err(|e| unexpected(CHECK, "delete", &e))?;
    let read = store
        .get(&ctx, &users, &id)
        .await
        .map_err(|e| unexpected(CHECK, "get after delete", &e))?;
    if read.is_some() {
        return Err(fail(CHECK, "get after delete returned the resource"));
    }
    match store.delete(&ctx, &users, &id, None).await {
        Err(StoreError::NotFound) => {}
        other => {
            return Err(fail(
                CHECK,
                format!("a second delete gave {other:?}, expected NotFound"),
            ))
        }
    }
    // The userName is free again.
    store
        .create(&ctx, &users, user(CHECK, "doomed")?)
        .await
        .map_err(|e| unexpected(CHECK, "create of a deleted user's userName", &e))?;
    Ok(())
}
