//! A 100 000-member group (accounts and memberships inserted with direct SQL, as an app would
//! already have them): adding and removing one member through the engine's PATCH is a row
//! insert/delete in `team_memberships`, and the group reads back whole.
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
use scimkit_sql::{Datum, DatumKind};
use serde_json::json;

const MEMBERS: i64 = 100_000;

#[tokio::test]
async fn a_member_is_added_to_and_removed_from_a_100_000_member_group() {
    let db = TempDb::new("large");
    let (pool, store) = db.open().await;
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

    // The accounts and memberships an app would already have, in the app's own tables.
    pool.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) \
         INSERT INTO accounts (id, tenant, email, version, created_at, updated_at) \
         SELECT 'bulk-' || i, 'acme', 'bulk' || i || '@example.com', 1, \
                '2024-01-01T00:00:00+00:00', '2024-01-01T00:00:00+00:00' FROM n",
        &[Datum::Integer(Some(MEMBERS))],
    )
    .await
    .unwrap();
    pool.execute(
        "INSERT INTO team_memberships (team_id, account_id) \
         SELECT ?, id FROM accounts WHERE id LIKE 'bulk-%'",
        &[Datum::text(group_id.as_str())],
    )
    .await
    .unwrap();

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

    let count = |condition: &'static str, params: Vec<Datum>| {
        let pool = pool.clone();
        async move {
            let sql = format!("SELECT count(*) FROM team_memberships WHERE {condition}");
            pool.fetch(&sql, &params, &[DatumKind::Integer])
                .await
                .unwrap()[0][0]
                .clone()
        }
    };
    let member = |id: &str| vec![Datum::text(group_id.as_str()), Datum::text(id)];
    let pair = "team_id = ? AND account_id = ?";
    assert_eq!(
        count(pair, member(&newcomer)).await,
        Datum::Integer(Some(1))
    );
    assert_eq!(
        count(pair, member("bulk-777")).await,
        Datum::Integer(Some(0))
    );
    assert_eq!(
        count("team_id = ?", vec![Datum::text(group_id.as_str())]).await,
        Datum::Integer(Some(MEMBERS))
    );

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
