//! Check of group membership: members on create, PATCH add/remove, a deleted member leaving
//! its groups, a user's derived `groups`, unknown members refused.

use serde_json::json;

use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::ResourceStore;
use crate::testkit::{
    fail, fresh_tenant, group, id_of, ids_in, patch, patch_request, unexpected, user, version_of,
    Failure,
};

pub(super) const CHECK: &str = "groups";

async fn read(
    store: &dyn ResourceStore,
    ctx: &crate::context::Context,
    rt: &ResourceType,
    id: &str,
) -> Result<Resource, Failure> {
    store
        .get(ctx, rt, id)
        .await
        .map_err(|e| unexpected(CHECK, "get", &e))?
        .ok_or_else(|| fail(CHECK, format!("get of {} {id} returned None", rt.name)))
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// Members on create, PATCH add and remove of one member (a no-op add keeps the version), a
/// user's derived `groups`, a deleted user leaving its groups (which get a new version), and a
/// member id that names nothing refused.
pub async fn check_groups(store: &dyn ResourceStore) -> Result<(), Failure> {
    let ctx = fresh_tenant("groups");
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let mut user_ids = Vec::new();
    for name in ["member-one", "member-two"] {
        let created = store
            .create(&ctx, &users, user(CHECK, name)?)
            .await
            .map_err(|e| unexpected(CHECK, "create user", &e))?;
        user_ids.push(id_of(CHECK, &created)?);
    }
    let [one, two] =
        <[String; 2]>::try_from(user_ids).map_err(|_| fail(CHECK, "two users were not created"))?;

    let created = store
        .create(&ctx, &groups, group(CHECK, "Engineering", &[&one])?)
        .await
        .map_err(|e| unexpected(CHECK, "create group with a member", &e))?;
    let gid = id_of(CHECK, &created)?;
    if ids_in(&read(store, &ctx, &groups, &gid).await?, "members") != [one.clone()] {
        return Err(fail(
            CHECK,
            "get of a group created with one member does not show it",
        ));
    }
    if ids_in(&read(store, &ctx, &users, &one).await?, "groups") != [gid.clone()] {
        return Err(fail(CHECK, "a member's groups do not show its group"));
    }

    let add = patch_request(
        CHECK,
        &json!([{"op": "add", "path": "members", "value": [{"value": two}]}]),
    )?;
    patch(store, &ctx, &groups, &gid, &add, None)
        .await
        .map_err(|e| unexpected(CHECK, "patch adding a member", &e))?;
    let after_add = read(store, &ctx, &groups, &gid).await?;
    if ids_in(&after_add, "members") != sorted(vec![one.clone(), two.clone()]) {
        return Err(fail(
            CHECK,
            "after a PATCH add, the group does not hold both members",
        ));
    }
    let again = patch(store, &ctx, &groups, &gid, &add, None)
        .await
        .map_err(|e| unexpected(CHECK, "patch adding a member again", &e))?
        .resource;
    if version_of(CHECK, &again)? != version_of(CHECK, &after_add)? {
        return Err(fail(
            CHECK,
            "adding a member that is already in the group changed the version",
        ));
    }

    let remove = patch_request(
        CHECK,
        &json!([{"op": "remove", "path": format!("members[value eq \"{one}\"]")}]),
    )?;
    patch(store, &ctx, &groups, &gid, &remove, None)
        .await
        .map_err(|e| unexpected(CHECK, "patch removing a member", &e))?;
    let after_remove = read(store, &ctx, &groups, &gid).await?;
    if ids_in(&after_remove, "members") != [two.clone()] {
        return Err(fail(
            CHECK,
            "after a PATCH remove, the removed member is still there",
        ));
    }
    if !ids_in(&read(store, &ctx, &users, &one).await?, "groups").is_empty() {
        return Err(fail(
            CHECK,
            "a removed member's groups still show the group",
        ));
    }

    store
        .delete(&ctx, &users, &two, None)
        .await
        .map_err(|e| unexpected(CHECK, "delete of a member", &e))?;
    let after_delete = read(store, &ctx, &groups, &gid).await?;
    if !ids_in(&after_delete, "members").is_empty() {
        return Err(fail(CHECK, "a deleted user is still a member of its group"));
    }
    if version_of(CHECK, &after_delete)? == version_of(CHECK, &after_remove)? {
        return Err(fail(
            CHECK,
            "a group that lost a deleted member kept its version",
        ));
    }

    let unknown = patch_request(
        CHECK,
        &json!([{"op": "add", "path": "members", "value": [{"value": "scimkit-testkit-nobody"}]}]),
    )?;
    match patch(store, &ctx, &groups, &gid, &unknown, None).await {
        Err(err) if err.status() == 400 => {}
        other => {
            return Err(fail(
                CHECK,
                format!("adding a member id that names nothing gave {other:?}, expected 400"),
            ))
        }
    }
    Ok(())
}
