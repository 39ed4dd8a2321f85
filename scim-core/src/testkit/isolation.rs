//! Check that one tenant never sees or changes another's resources.

use scimkit_filter::parse_filter;
use serde_json::json;

use crate::projection::Projection;
use crate::schema::ResourceType;
use crate::store::{ListQuery, ResourceStore, StoreError};
use crate::testkit::{
    fail, fresh_tenant, id_of, patch, patch_request, unexpected, user, version_of, Failure,
};

pub(super) const CHECK: &str = "tenant_isolation";

/// Tenant B cannot get, list, replace, patch or delete tenant A's resource by its id, lists
/// do not count it, and B may use the same `userName`.
pub async fn check_tenant_isolation(store: &dyn ResourceStore) -> Result<(), Failure> {
    let a = fresh_tenant("iso-a");
    let b = fresh_tenant("iso-b");
    let users = ResourceType::user();
    let created = store
        .create(&a, &users, user(CHECK, "shared")?)
        .await
        .map_err(|e| unexpected(CHECK, "create in tenant A", &e))?;
    let id = id_of(CHECK, &created)?;
    let version = version_of(CHECK, &created)?;

    if store
        .get(&b, &users, &id)
        .await
        .map_err(|e| unexpected(CHECK, "get from tenant B", &e))?
        .is_some()
    {
        return Err(fail(CHECK, "tenant B can get tenant A's resource by id"));
    }
    let push_down = store.push_down(&users);
    let filter = parse_filter(r#"userName eq "shared""#)
        .map_err(|e| fail(CHECK, format!("test filter: {e}")))?;
    let queries = [
        ListQuery::default(),
        ListQuery {
            filter: push_down
                .supports_filter(&users, &filter)
                .then(|| filter.clone()),
            projection: Projection::all(),
            ..ListQuery::default()
        },
    ];
    for query in &queries {
        let page = store
            .list(&b, &users, query)
            .await
            .map_err(|e| unexpected(CHECK, "list in tenant B", &e))?;
        if page.total_results != 0 || page.resources.iter().any(|r| r.id.as_deref() == Some(&id)) {
            return Err(fail(
                CHECK,
                format!("a list in tenant B counts or shows tenant A's user ({query:?})"),
            ));
        }
    }
    match store
        .replace(&b, &users, &id, user(CHECK, "hijacked")?, None)
        .await
    {
        Err(StoreError::NotFound) => {}
        other => {
            return Err(fail(
                CHECK,
                format!("replace from tenant B gave {other:?}, expected NotFound"),
            ))
        }
    }
    let request = patch_request(
        CHECK,
        &json!([{"op": "replace", "path": "displayName", "value": "hijacked"}]),
    )?;
    match patch(store, &b, &users, &id, &request, None).await {
        Err(err) if err.status() == 404 => {}
        other => {
            return Err(fail(
                CHECK,
                format!("patch from tenant B gave {other:?}, expected 404"),
            ))
        }
    }
    match store.delete(&b, &users, &id, None).await {
        Err(StoreError::NotFound) => {}
        other => {
            return Err(fail(
                CHECK,
                format!("delete from tenant B gave {other:?}, expected NotFound"),
            ))
        }
    }
    store
        .create(&b, &users, user(CHECK, "shared")?)
        .await
        .map_err(|e| unexpected(CHECK, "create of the same userName in tenant B", &e))?;
    let after = store
        .get(&a, &users, &id)
        .await
        .map_err(|e| unexpected(CHECK, "get in tenant A", &e))?
        .ok_or_else(|| fail(CHECK, "tenant A's user is gone after tenant B's calls"))?;
    if version_of(CHECK, &after)? != version {
        return Err(fail(CHECK, "tenant B's calls changed tenant A's user"));
    }
    Ok(())
}
