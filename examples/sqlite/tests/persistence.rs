//! Users, a group and its membership created through `Scim::handle` survive dropping the
//! engine and the pool and reopening the same file; so do uniqueness, versions and list
//! cursors (the cursor key is in the file). What has no column of its own — the enterprise
//! extension of a user, a group extension's attributes — is kept in `scim_extra`.
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
use example_sqlite::tables;
use http::Method;
use scimkit_core::schema::{Attribute, ResourceType, Schema};
use scimkit_core::Scim;
use scimkit_sql::store::SqlStore;
use scimkit_sql::{Datum, DatumKind, Db};
use serde_json::{json, Value};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[tokio::test]
async fn resources_and_membership_survive_a_restart() {
    let db = TempDb::new("restart");
    let (alice, bob, group, etag, cursor) = {
        let (pool, store) = db.open().await;
        let scim = engine(store);
        let mut ids = Vec::new();
        for name in ["alice@example.com", "bob@example.com"] {
            let (status, body) = call(
                &scim,
                Method::POST,
                "/Users",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name,
                    "emails": [{"value": name, "type": "work", "primary": true}],
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42"}
                })),
            )
            .await;
            assert_eq!(status, 201, "{body}");
            ids.push(body["id"].as_str().unwrap().to_owned());
        }
        let (status, body) = call(
            &scim,
            Method::POST,
            "/Groups",
            Some(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Ops",
                "members": [{"value": ids[0]}]
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let group = body["id"].as_str().unwrap().to_owned();
        let (status, body) = call(
            &scim,
            Method::PATCH,
            &format!("/Groups/{group}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[1]}]}]
            })),
        )
        .await;
        assert!(status == 200 || status == 204, "{status} {body}");
        let (_, body) = call(&scim, Method::GET, &format!("/Groups/{group}"), None).await;
        let etag = body["meta"]["version"].as_str().unwrap().to_owned();
        let (status, page) = call(
            &scim,
            Method::GET,
            "/Users?cursor&count=1&sortBy=userName",
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let cursor = page["nextCursor"].as_str().unwrap().to_owned();
        drop(scim);
        pool.close().await;
        (ids[0].clone(), ids[1].clone(), group, etag, cursor)
    };

    let (pool, store) = db.open().await;
    let scim = engine(store);
    let (status, body) = call(&scim, Method::GET, &format!("/Users/{alice}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userName"], "alice@example.com");
    assert_eq!(body["emails"][0]["value"], "alice@example.com");
    assert_eq!(
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        "42"
    );
    assert_eq!(body["groups"][0]["value"], group.as_str());
    assert_eq!(body["groups"][0]["display"], "Ops");

    let (status, body) = call(&scim, Method::GET, &format!("/Groups/{group}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["meta"]["version"], etag.as_str());
    let mut members: Vec<&str> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let mut expected = vec![alice.as_str(), bob.as_str()];
    expected.sort_unstable();
    assert_eq!(members, expected);

    let (status, body) = call(
        &scim,
        Method::GET,
        "/Users?filter=userName%20eq%20%22BOB%40example.com%22",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["id"], bob.as_str());

    // Uniqueness still holds against what was stored before the restart.
    let (status, body) = call(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ALICE@example.com"
        })),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["scimType"], "uniqueness");

    // A cursor from before the restart continues where it was.
    let (status, page) = call(
        &scim,
        Method::GET,
        &format!("/Users?cursor={cursor}&count=1&sortBy=userName"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["Resources"][0]["id"], bob.as_str());

    // The rows: the enterprise extension in the JSON column, each e-mail a row.
    let rows = pool
        .fetch(
            "SELECT scim_extra FROM accounts WHERE id = ?",
            &[Datum::text(alice.as_str())],
            &[DatumKind::Text],
        )
        .await
        .unwrap();
    let Datum::Text(Some(extra)) = &rows[0][0] else {
        panic!("{rows:?}");
    };
    let extra: Value = serde_json::from_str(extra).unwrap();
    assert_eq!(extra[ENTERPRISE]["employeeNumber"], "42", "{extra}");
    let emails = pool
        .fetch(
            "SELECT email, kind, is_primary FROM account_emails WHERE account_id = ?",
            &[Datum::text(alice.as_str())],
            &[DatumKind::Text, DatumKind::Text, DatumKind::Bool],
        )
        .await
        .unwrap();
    assert_eq!(
        emails,
        [vec![
            Datum::text("alice@example.com"),
            Datum::text("work"),
            Datum::Bool(Some(true))
        ]]
    );
}

/// `password` is write-only: its hash is kept in `password_hash`, never returned, and a PUT
/// without it keeps it.
#[tokio::test]
async fn a_password_is_kept_as_its_hash() {
    let db = TempDb::new("password");
    let (pool, store) = db.open().await;
    let scim = engine(store);
    let user = |password: Option<&str>| {
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "dana@example.com"
        });
        if let Some(password) = password {
            user["password"] = json!(password);
        }
        user
    };
    let (status, created) = call(&scim, Method::POST, "/Users", Some(user(Some("s3cret!")))).await;
    assert_eq!(status, 201, "{created}");
    assert!(created.get("password").is_none(), "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let stored = || async {
        pool.fetch(
            "SELECT password_hash, scim_extra FROM accounts WHERE id = ?",
            &[Datum::text(id.as_str())],
            &[DatumKind::Text, DatumKind::Text],
        )
        .await
        .unwrap()
        .remove(0)
    };
    let row = stored().await;
    assert_eq!(row[0], Datum::text(tables::hash_password("s3cret!")));
    assert!(
        !format!("{:?}", row[1]).contains("s3cret"),
        "never in the JSON column: {row:?}"
    );
    let (status, _) = call(
        &scim,
        Method::PUT,
        &format!("/Users/{id}"),
        Some(user(None)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        stored().await[0],
        Datum::text(tables::hash_password("s3cret!"))
    );
}

/// A Group type with an extension of the host's: its attributes have no column, so
/// `teams.scim_extra` keeps them.
#[tokio::test]
async fn a_group_extension_is_kept_in_the_teams_json_column() {
    const TEAM: &str = "urn:example:scim:schemas:extension:team:1.0:Group";
    let teams = ResourceType::group().with_extension(
        Schema::new(TEAM)
            .name("Team")
            .attribute(Attribute::string("costCenter"))
            .attribute(Attribute::integer("headcount")),
        false,
    );
    let db = TempDb::new("team_extension");
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", TEAM],
        "displayName": "Ops",
        TEAM: {"costCenter": "CC-7", "headcount": 12}
    });
    let id = {
        let (pool, scim) = team_engine(&db, &teams).await;
        let (status, body) = call(&scim, Method::POST, "/Groups", Some(group)).await;
        assert_eq!(status, 201, "{body}");
        drop(scim);
        pool.close().await;
        body["id"].as_str().unwrap().to_owned()
    };
    let (pool, scim) = team_engine(&db, &teams).await;
    let (status, body) = call(&scim, Method::GET, &format!("/Groups/{id}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[TEAM]["costCenter"], "CC-7", "{body}");
    assert_eq!(body[TEAM]["headcount"], 12, "{body}");
    assert!(
        body["schemas"].as_array().unwrap().contains(&json!(TEAM)),
        "{body}"
    );
    // Filtered by the engine on the rows SQL returns (the attribute has no column).
    let (status, list) = call(
        &scim,
        Method::GET,
        "/Groups?filter=urn%3Aexample%3Ascim%3Aschemas%3Aextension%3Ateam%3A1.0%3AGroup%3AcostCenter%20eq%20%22CC-7%22",
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["totalResults"], 1);
    let rows = pool
        .fetch("SELECT scim_extra FROM teams", &[], &[DatumKind::Text])
        .await
        .unwrap();
    let Datum::Text(Some(extra)) = &rows[0][0] else {
        panic!("{rows:?}");
    };
    assert!(extra.contains("CC-7"), "{extra}");
}

/// An engine serving `teams` as the Group type, over a store declaring the same type.
async fn team_engine(db: &TempDb, teams: &ResourceType) -> (Db, Scim) {
    let pool = example_sqlite::connect(&db.url()).await.unwrap();
    let store = SqlStore::builder(pool.clone())
        .resource(ResourceType::user(), tables::users())
        .resource(teams.clone(), tables::groups())
        .build()
        .unwrap();
    let scim = Scim::builder()
        .store(store)
        .resource_type(ResourceType::user())
        .resource_type(teams.clone())
        .authenticator(common::tokens())
        .build()
        .unwrap();
    (pool, scim)
}

#[tokio::test]
async fn if_match_is_checked_by_the_write() {
    let db = TempDb::new("ifmatch");
    let (_pool, store) = db.open().await;
    let scim = engine(store);
    let (_, user) = call(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "carol"
        })),
    )
    .await;
    let id = user["id"].as_str().unwrap();
    let version = user["meta"]["version"].as_str().unwrap();
    let request = |etag: &str| {
        http::Request::builder()
            .method(Method::PUT)
            .uri(format!("http://localhost/Users/{id}"))
            .header(
                http::header::AUTHORIZATION,
                format!("Bearer {}", common::TOKEN),
            )
            .header(http::header::CONTENT_TYPE, "application/scim+json")
            .header(http::header::IF_MATCH, etag)
            .body(bytes::Bytes::from(
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "carol",
                    "title": "Boss"
                })
                .to_string(),
            ))
            .unwrap()
    };
    assert_eq!(scim.handle(request(version)).await.status(), 200);
    // The version just used is stale now.
    assert_eq!(scim.handle(request(version)).await.status(), 412);
}
