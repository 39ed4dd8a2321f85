//! A 100 000-member group (built with direct SQL inserts for speed): adding and removing one
//! member through the engine's PATCH is a row insert/delete, and the group reads back whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::needless_raw_string_hashes
)]

mod common;

use common::{call, engine, TempDb};
use http::Method;
use serde_json::json;

const MEMBERS: i64 = 100_000;

#[tokio::test]
async fn a_member_is_added_to_and_removed_from_a_100_000_member_group() {
    let db = TempDb::new("large");
    let store = db.open().await;
    let pool = store.pool().clone();
    let scim = engine(store);
    let (status, group) = call(
        &scim,
        Method::POST,
        "/Groups",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Everyone"
        })),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();

    let mut tx = pool.begin().await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) \
         INSERT INTO resources (id, tenant, resource_type, is_group, version, created, last_modified, doc) \
         SELECT 'bulk-' || i, 'acme', 'User', 0, 1, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', \
                json_object('schemas', json_array('urn:ietf:params:scim:schemas:core:2.0:User'), \
                            'userName', 'bulk' || i || '@example.com') FROM n",
    )
    .bind(MEMBERS)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO group_members (tenant, group_id, member_id, member_type) \
         SELECT 'acme', ?, id, 'User' FROM resources WHERE id LIKE 'bulk-%'",
    )
    .bind(&group_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let (_, newcomer) = call(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "newcomer@example.com"
        })),
    )
    .await;
    let newcomer = newcomer["id"].as_str().unwrap().to_owned();

    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": newcomer}]},
            {"op": "remove", "path": "members[value eq \"bulk-777\"]"}
        ]
    });
    let (status, body) = call(
        &scim,
        Method::PATCH,
        &format!("/Groups/{group_id}?excludedAttributes=members"),
        Some(patch),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("members").is_none());
    assert_ne!(body["meta"]["version"], group["meta"]["version"]);

    let count = |member: &str| {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM group_members WHERE group_id = ? AND member_id = ?",
        )
        .bind(group_id.clone())
        .bind(member.to_owned())
    };
    assert_eq!(count(&newcomer).fetch_one(&pool).await.unwrap(), 1);
    assert_eq!(count("bulk-777").fetch_one(&pool).await.unwrap(), 0);
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM group_members WHERE group_id = ?")
        .bind(&group_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(total, MEMBERS);

    // The whole group reads back, and the newcomer's derived groups show it.
    let (status, body) = call(&scim, Method::GET, &format!("/Groups/{group_id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["members"].as_array().unwrap().len(), 100_000);
    let (_, user) = call(&scim, Method::GET, &format!("/Users/{newcomer}"), None).await;
    assert_eq!(user["groups"][0]["value"], group_id.as_str());

    // Removing a member that is not there is a no-op: same version.
    let (_, before) = call(
        &scim,
        Method::GET,
        &format!("/Groups/{group_id}?attributes=id"),
        None,
    )
    .await;
    let (status, after) = call(
        &scim,
        Method::PATCH,
        &format!("/Groups/{group_id}?attributes=id"),
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": "members[value eq \"bulk-777\"]"}]
        })),
    )
    .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["meta"]["version"], before["meta"]["version"]);
}
