//! Check of the rendered reads: `get_rendered` and `list_rendered` write what projecting
//! `get` and `list` writes, before and after changes (a member added, a user renamed, a member
//! deleted), so a store that keeps documents never serves a stale one.

use scimkit_filter::parse_filter;
use serde_json::json;

use crate::context::Context;
use crate::projection::Projection;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::{ListQuery, Pagination, RenderedResource, ResourceStore};
use crate::testkit::{
    fail, fresh_tenant, group, id_of, patch, patch_request, resource, unexpected, Failure,
};

pub(super) const CHECK: &str = "rendered_reads";

const LOCATION: &str = "https://example.com/scim/v2/Resources/x";

/// What a response shows of `resource`: the default projection, `meta.location` set.
fn projected(rt: &ResourceType, mut resource: Resource) -> Result<String, Failure> {
    if let Some(meta) = resource.meta.as_mut() {
        meta.location = Some(LOCATION.to_owned());
    }
    let bytes = serde_json::to_vec(&Projection::all().view(rt, &resource))
        .map_err(|e| fail(CHECK, format!("projecting failed: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn written(rt: &ResourceType, rendered: &RenderedResource) -> String {
    let mut out = Vec::new();
    rendered.write(rt, &mut out, Some(LOCATION));
    String::from_utf8_lossy(&out).into_owned()
}

/// `get_rendered` against `get`, for each id.
async fn same_gets(
    store: &dyn ResourceStore,
    ctx: &Context,
    rt: &ResourceType,
    ids: &[&str],
    when: &str,
) -> Result<(), Failure> {
    for id in ids {
        let plain = store
            .get(ctx, rt, id)
            .await
            .map_err(|e| unexpected(CHECK, "get", &e))?
            .ok_or_else(|| fail(CHECK, format!("get of {} {id} returned None", rt.name)))?;
        let rendered = store
            .get_rendered(ctx, rt, id)
            .await
            .map_err(|e| unexpected(CHECK, "get_rendered", &e))?
            .ok_or_else(|| {
                fail(
                    CHECK,
                    format!("get_rendered of {} {id} returned None", rt.name),
                )
            })?;
        let (expected, got) = (projected(rt, plain)?, written(rt, &rendered));
        if expected != got {
            return Err(fail(
                CHECK,
                format!(
                    "{when}: get_rendered of {} {id} writes {got}, get projects to {expected}",
                    rt.name
                ),
            ));
        }
    }
    Ok(())
}

/// `list_rendered` against `list` for `query`, as far as the store does the query itself.
async fn same_lists(
    store: &dyn ResourceStore,
    ctx: &Context,
    rt: &ResourceType,
    query: &ListQuery,
    when: &str,
) -> Result<(), Failure> {
    let push_down = store.push_down(rt);
    let plan = push_down.plan(rt, query.filter.as_ref(), query.sort.is_some());
    if plan.residual.is_some() || !plan.store_pages {
        // The engine reads such lists through `list`: nothing to compare.
        return Ok(());
    }
    let listed = store
        .list(ctx, rt, query)
        .await
        .map_err(|e| unexpected(CHECK, "list", &e))?;
    let rendered = store
        .list_rendered(ctx, rt, query)
        .await
        .map_err(|e| unexpected(CHECK, "list_rendered", &e))?;
    if listed.total_results != rendered.total_results
        || listed.resources.len() != rendered.resources.len()
    {
        return Err(fail(
            CHECK,
            format!(
                "{when}: list gives {} of {}, list_rendered {} of {}",
                listed.resources.len(),
                listed.total_results,
                rendered.resources.len(),
                rendered.total_results
            ),
        ));
    }
    for (resource, rendered) in listed.resources.into_iter().zip(&rendered.resources) {
        let (expected, got) = (projected(rt, resource)?, written(rt, rendered));
        if expected != got {
            return Err(fail(
                CHECK,
                format!("{when}: list_rendered writes {got} where list projects to {expected}"),
            ));
        }
    }
    Ok(())
}

/// Users (one with an extension and a write-only password) and groups with members, read
/// rendered and plain after create, after a member add, a rename and a deleted member.
pub async fn check_rendered_reads(store: &dyn ResourceStore) -> Result<(), Failure> {
    let ctx = fresh_tenant("rendered");
    let users = ResourceType::user();
    let groups = ResourceType::group();
    let mut ids = Vec::new();
    for (n, name) in ["ann", "bob", "cid"].into_iter().enumerate() {
        let mut body = json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "userName": format!("{name}@example.com"),
            "externalId": format!("ext-{name}"),
            "name": {"givenName": name, "familyName": "Rendered \"q\""},
            "emails": [{"value": format!("{name}@example.com"), "type": "work", "primary": true}],
        });
        if n == 0 {
            if let Some(object) = body.as_object_mut() {
                object.insert("password".into(), json!("write-only"));
                object.insert(
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into(),
                    json!({"employeeNumber": "701", "manager": {"value": "x"}}),
                );
            }
        }
        let created = store
            .create(&ctx, &users, resource(CHECK, "User", body)?)
            .await
            .map_err(|e| unexpected(CHECK, "create user", &e))?;
        ids.push(id_of(CHECK, &created)?);
    }
    let [ann, bob, cid] =
        <[String; 3]>::try_from(ids).map_err(|_| fail(CHECK, "three users were not created"))?;
    let mut group_ids = Vec::new();
    for (name, members) in [
        ("Both", vec![ann.as_str(), bob.as_str()]),
        ("One", vec![ann.as_str()]),
    ] {
        let created = store
            .create(&ctx, &groups, group(CHECK, name, &members)?)
            .await
            .map_err(|e| unexpected(CHECK, "create group", &e))?;
        group_ids.push(id_of(CHECK, &created)?);
    }
    let [both, one] = <[String; 2]>::try_from(group_ids)
        .map_err(|_| fail(CHECK, "two groups were not created"))?;

    let all_users = [ann.as_str(), bob.as_str(), cid.as_str()];
    let all_groups = [both.as_str(), one.as_str()];
    let page = |start_index, filter: Option<&str>| ListQuery {
        filter: filter.and_then(|f| parse_filter(f).ok()),
        page: Some(Pagination::Index {
            start_index,
            count: 2,
        }),
        ..ListQuery::default()
    };
    let reads = |when: &'static str| {
        let (users, groups, all_users, all_groups) = (&users, &groups, &all_users, &all_groups);
        let ctx = &ctx;
        let page = &page;
        async move {
            same_gets(store, ctx, users, all_users, when).await?;
            same_gets(store, ctx, groups, all_groups, when).await?;
            for start in [1, 2, 3] {
                same_lists(store, ctx, users, &page(start, None), when).await?;
            }
            same_lists(store, ctx, groups, &page(1, None), when).await?;
            let lookup = page(1, Some(r#"userName eq "BOB@example.com""#));
            same_lists(store, ctx, users, &lookup, when).await
        }
    };
    reads("after create").await?;

    let add = patch_request(
        CHECK,
        &json!([{"op": "add", "path": "members", "value": [{"value": cid}]}]),
    )?;
    patch(store, &ctx, &groups, &one, &add, None)
        .await
        .map_err(|e| unexpected(CHECK, "patch (add member)", &e))?;
    reads("after a member add").await?;

    let rename = patch_request(
        CHECK,
        &json!([{"op": "replace", "path": "displayName", "value": "Renamed"}]),
    )?;
    patch(store, &ctx, &groups, &both, &rename, None)
        .await
        .map_err(|e| unexpected(CHECK, "patch (rename group)", &e))?;
    reads("after a group rename").await?;

    store
        .delete(&ctx, &users, &ann, None)
        .await
        .map_err(|e| unexpected(CHECK, "delete member", &e))?;
    let (users, groups) = (&users, &groups);
    same_gets(
        store,
        &ctx,
        users,
        &[bob.as_str(), cid.as_str()],
        "after a delete",
    )
    .await?;
    same_gets(store, &ctx, groups, &all_groups, "after a delete").await?;
    same_lists(store, &ctx, users, &page(1, None), "after a delete").await
}
