//! SqlStore through the engine as several instances run it: two engines on two pools over one
//! database (and a third after a "restart"), sharing tokens and the cursor key through the
//! database; plus the limits a client meets (values a column cannot hold, ids that cannot
//! exist) and the members-only PATCH response. On PostgreSQL, MariaDB/MySQL and SQLite.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use bytes::Bytes;
use common::BACKENDS;
use http::{Method, Request};
use scimkit_core::context::Tenant;
use scimkit_core::engine::PatchResponse;
use scimkit_core::Scim;
use scimkit_sql::testkit::demo;
use scimkit_sql::{shared_cursor_key, Db, SqlTokens};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// An instance of the service over `db`: the demo store, tokens and cursor key from the
/// database.
async fn instance(db: &Db) -> Scim {
    Scim::builder()
        .store(demo::store(db).await.unwrap())
        .authenticator(SqlTokens::new(db.clone()))
        .cursor_key(shared_cursor_key(db).await.unwrap())
        .build()
        .unwrap()
}

/// A new token of tenant `acme`, labelled `label`.
async fn mint(db: &Db, label: &str) -> String {
    SqlTokens::new(db.clone())
        .mint(&Tenant::new("acme"), label, None)
        .await
        .unwrap()
        .token
}

async fn call(
    scim: &Scim,
    token: &str,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/scim+json")
        .body(body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())))
        .unwrap();
    let response = scim.handle(request).await;
    let status = response.status().as_u16();
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (status, body)
}

fn ids(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn cursors_and_tokens_hold_across_instances_and_restarts() {
    for backend in BACKENDS {
        let (test, _) = demo::fresh(backend, "instances").await.unwrap();
        let a_db = test.connect_again().await.unwrap();
        let b_db = test.connect_again().await.unwrap();
        let a = instance(&a_db).await;
        let b = instance(&b_db).await;
        let tokens = SqlTokens::new(a_db.clone());
        let token = tokens
            .mint(&Tenant::new("acme"), "Okta", None)
            .await
            .unwrap();
        let mut created = Vec::new();
        for n in 0..10 {
            // Alternate instances: each sees the other's writes.
            let scim = if n % 2 == 0 { &a } else { &b };
            let (status, body) = call(
                scim,
                &token.token,
                Method::POST,
                "/Users",
                Some(json!({"schemas": [USER], "userName": format!("user{n:02}@example.com")})),
            )
            .await;
            assert_eq!(status, 201, "{backend}: {body}");
            created.push(body["id"].as_str().unwrap().to_owned());
        }
        // Page 1 on A, page 2 on B, then A and B stop; page 3 and 4 on a restarted instance.
        let (status, first) = call(
            &a,
            &token.token,
            Method::GET,
            "/Users?cursor&count=3&sortBy=userName",
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {first}");
        let mut seen = ids(&first);
        let next = first["nextCursor"].as_str().unwrap().to_owned();
        let (status, second) = call(
            &b,
            &token.token,
            Method::GET,
            &format!("/Users?cursor={next}&count=3&sortBy=userName"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {second}");
        seen.extend(ids(&second));
        let mut cursor = second["nextCursor"].as_str().unwrap().to_owned();
        drop((a, b));
        a_db.close().await;
        b_db.close().await;
        let c_db = test.connect_again().await.unwrap();
        let c = instance(&c_db).await;
        loop {
            let (status, page) = call(
                &c,
                &token.token,
                Method::GET,
                &format!("/Users?cursor={cursor}&count=3&sortBy=userName"),
                None,
            )
            .await;
            assert_eq!(status, 200, "{backend}: {page}");
            seen.extend(ids(&page));
            match page["nextCursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        // In userName order, each user once.
        assert_eq!(seen, created, "{backend}");

        // A token rotated through C's database is refused by a fresh instance at once.
        let d_db = test.connect_again().await.unwrap();
        let d = instance(&d_db).await;
        assert_eq!(
            call(&d, &token.token, Method::GET, "/Users?count=1", None)
                .await
                .0,
            200
        );
        let rotated = SqlTokens::new(c_db.clone())
            .rotate(&token.info.tenant, &token.id, None)
            .await
            .unwrap();
        assert_eq!(
            call(&d, &token.token, Method::GET, "/Users?count=1", None)
                .await
                .0,
            401,
            "{backend}"
        );
        assert_eq!(
            call(&d, &rotated.token, Method::GET, "/Users?count=1", None)
                .await
                .0,
            200
        );
        c_db.close().await;
        d_db.close().await;
        test.remove().await.unwrap();
    }
}

#[tokio::test]
async fn values_a_column_cannot_hold_and_ids_that_cannot_exist_are_client_errors() {
    for backend in BACKENDS {
        let (test, _) = demo::fresh(backend, "limits").await.unwrap();
        let scim = instance(&test.db).await;
        let token = mint(&test.db, "Entra").await;
        // Declared limits name the attribute.
        let long = format!("{}@example.com", "a".repeat(3000));
        for (body, attribute) in [
            (json!({"schemas": [USER], "userName": long}), "userName"),
            (
                json!({"schemas": [USER], "userName": "ok@example.com", "externalId": "x".repeat(5000)}),
                "externalId",
            ),
            (
                json!({"schemas": [USER], "userName": "ok@example.com", "emails": [{"value": long}]}),
                "emails.value",
            ),
        ] {
            let (status, error) = call(&scim, &token, Method::POST, "/Users", Some(body)).await;
            assert_eq!(status, 400, "{backend}: {error}");
            assert_eq!(error["scimType"], "invalidValue", "{backend}");
            assert!(
                error["detail"].as_str().unwrap().contains(attribute),
                "{backend}: {error}"
            );
        }
        // A long value a text column holds is kept whole.
        let title = "t".repeat(100_000);
        let (status, user) = call(
            &scim,
            &token,
            Method::POST,
            "/Users",
            Some(json!({"schemas": [USER], "userName": "long@example.com", "title": title})),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {user}");
        assert_eq!(user["title"].as_str().map(str::len), Some(100_000));
        // A value over a limit the mapping did not declare (the e-mail type column is
        // varchar(255) in MySQL) is still a 400, never a 500.
        let (status, error) = call(&scim, &token, Method::POST, "/Users", Some(json!({"schemas": [USER], "userName": "k@example.com", "emails": [{"value": "k@example.com", "type": "k".repeat(300)}]}))).await;
        assert!(
            status == 201 || status == 400,
            "{backend}: {status} {error}"
        );
        if status == 400 {
            assert_eq!(error["scimType"], "invalidValue", "{backend}");
        }
        // Ids that are not UUIDs name nothing (no cast error on PostgreSQL's uuid column).
        for uri in [
            "/Users/not-a-uuid",
            "/Groups/1",
            "/Users/00000000-0000-0000-0000-00000000000g",
        ] {
            assert_eq!(
                call(&scim, &token, Method::GET, uri, None).await.0,
                404,
                "{backend}: {uri}"
            );
            assert_eq!(
                call(&scim, &token, Method::DELETE, uri, None).await.0,
                404,
                "{backend}: {uri}"
            );
        }
        let (status, error) = call(&scim, &token, Method::POST, "/Groups", Some(json!({"schemas": [GROUP], "displayName": "g", "members": [{"value": "not-a-uuid"}]}))).await;
        assert_eq!(status, 400, "{backend}: {error}");
        assert!(
            error["detail"].as_str().unwrap().contains("not-a-uuid"),
            "{backend}: {error}"
        );
        test.remove().await.unwrap();
    }
}

/// Entra adds members one PATCH at a time: with `PatchResponse::NoContentForMembers` (or a request
/// excluding `members`) the answer does not carry the member list, and the group holds every
/// member after.
#[tokio::test]
async fn member_patches_answer_without_the_member_list() {
    for backend in BACKENDS {
        let (test, _) = demo::fresh(backend, "members").await.unwrap();
        let scim = Scim::builder()
            .store(demo::store(&test.db).await.unwrap())
            .authenticator(SqlTokens::new(test.db.clone()))
            .patch_response(PatchResponse::NoContentForMembers)
            .build()
            .unwrap();
        let default_response = instance(&test.db).await;
        let token = mint(&test.db, "Entra").await;
        let mut users = Vec::new();
        for n in 0..30 {
            let (status, body) = call(
                &scim,
                &token,
                Method::POST,
                "/Users",
                Some(json!({"schemas": [USER], "userName": format!("m{n}@example.com")})),
            )
            .await;
            assert_eq!(status, 201, "{backend}: {body}");
            users.push(body["id"].as_str().unwrap().to_owned());
        }
        let (status, group) = call(&scim, &token, Method::POST, "/Groups", Some(json!({"schemas": [GROUP], "displayName": "Everyone", "members": users[..20].iter().map(|id| json!({"value": id})).collect::<Vec<_>>()}))).await;
        assert_eq!(status, 201, "{backend}: {group}");
        let id = group["id"].as_str().unwrap().to_owned();
        let version = group["meta"]["version"].clone();
        for (n, user) in users[20..].iter().enumerate() {
            let add = json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Add", "path": "members", "value": [{"value": user}]}]
            });
            let (status, body) = if n % 2 == 0 {
                call(
                    &scim,
                    &token,
                    Method::PATCH,
                    &format!("/Groups/{id}"),
                    Some(add),
                )
                .await
            } else {
                let uri = format!("/Groups/{id}?excludedAttributes=members");
                call(&default_response, &token, Method::PATCH, &uri, Some(add)).await
            };
            assert_eq!(
                status,
                if n % 2 == 0 { 204 } else { 200 },
                "{backend}: {body}"
            );
            assert!(body.get("members").is_none(), "{backend}: {body}");
        }
        // Adding a member twice and removing one that is not there change nothing.
        let (_, before) = call(
            &scim,
            &token,
            Method::GET,
            &format!("/Groups/{id}?attributes=meta"),
            None,
        )
        .await;
        let (status, _) = call(
            &scim,
            &token,
            Method::PATCH,
            &format!("/Groups/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": users[0]}]}]
            })),
        )
        .await;
        assert_eq!(status, 204, "{backend}");
        let (_, after) = call(
            &scim,
            &token,
            Method::GET,
            &format!("/Groups/{id}?attributes=meta"),
            None,
        )
        .await;
        assert_eq!(
            before["meta"]["version"], after["meta"]["version"],
            "{backend}"
        );
        assert_ne!(after["meta"]["version"], version, "{backend}");
        let (_, whole) = call(&scim, &token, Method::GET, &format!("/Groups/{id}"), None).await;
        assert_eq!(
            whole["members"].as_array().map(Vec::len),
            Some(30),
            "{backend}"
        );
        // A user's groups are derived from the memberships.
        let (_, user) = call(
            &scim,
            &token,
            Method::GET,
            &format!("/Users/{}", users[25]),
            None,
        )
        .await;
        assert_eq!(user["groups"][0]["value"], id.as_str(), "{backend}: {user}");
        assert_eq!(user["groups"][0]["display"], "Everyone", "{backend}");
        test.remove().await.unwrap();
    }
}

/// A read that leaves out `members` does not need them, and a filter on members still finds
/// its groups when the response leaves them out.
#[tokio::test]
async fn reads_without_members_still_filter_on_them() {
    for backend in BACKENDS {
        let (test, _) = demo::fresh(backend, "excluded").await.unwrap();
        let scim = instance(&test.db).await;
        let token = mint(&test.db, "Okta").await;
        let (_, user) = call(
            &scim,
            &token,
            Method::POST,
            "/Users",
            Some(json!({"schemas": [USER], "userName": "x@example.com"})),
        )
        .await;
        let uid = user["id"].as_str().unwrap().to_owned();
        let (_, group) = call(
            &scim,
            &token,
            Method::POST,
            "/Groups",
            Some(json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": uid}]})),
        )
        .await;
        let gid = group["id"].as_str().unwrap().to_owned();
        let (status, read) = call(
            &scim,
            &token,
            Method::GET,
            &format!("/Groups/{gid}?excludedAttributes=members"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{backend}: {read}");
        assert!(read.get("members").is_none(), "{backend}: {read}");
        assert_eq!(read["displayName"], "G");
        let (_, read) = call(
            &scim,
            &token,
            Method::GET,
            &format!("/Groups/{gid}?attributes=members"),
            None,
        )
        .await;
        assert_eq!(
            read["members"][0]["value"],
            uid.as_str(),
            "{backend}: {read}"
        );
        for uri in [
            format!("/Groups?filter=members.value+eq+%22{uid}%22&excludedAttributes=members"),
            format!("/Groups?filter=members.value+eq+%22{uid}%22&excludedAttributes=members&cursor&count=5"),
            "/Groups?filter=displayName+eq+%22G%22&excludedAttributes=members&count=5".to_owned(),
            "/Groups?excludedAttributes=members&sortBy=displayName".to_owned(),
        ] {
            let (status, page) = call(&scim, &token, Method::GET, &uri, None).await;
            assert_eq!(status, 200, "{backend}: {uri}: {page}");
            assert_eq!(page["totalResults"], 1, "{backend}: {uri}: {page}");
            assert!(page["Resources"][0].get("members").is_none(), "{backend}: {uri}");
        }
        test.remove().await.unwrap();
    }
}

/// A password an identity provider sets (Okta's password sync) is never written into the JSON
/// column as text: the demo tables have no column for it, so it is not kept at all.
#[tokio::test]
async fn passwords_are_never_stored_as_text() {
    for backend in BACKENDS {
        let (test, _) = demo::fresh(backend, "password").await.unwrap();
        let scim = Scim::builder()
            .store(demo::store(&test.db).await.unwrap())
            .authenticator(SqlTokens::new(test.db.clone()))
            .change_password(true)
            .build()
            .unwrap();
        let token = mint(&test.db, "Okta").await;
        let secret = "correct horse battery staple 7f3a";
        let (status, user) = call(
            &scim,
            &token,
            Method::POST,
            "/Users",
            Some(json!({
                "schemas": [USER], "userName": "pw@example.com", "password": secret, "title": "Kept"
            })),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {user}");
        let id = user["id"].as_str().unwrap().to_owned();
        let (status, _) = call(
            &scim,
            &token,
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "password", "value": secret}]
            })),
        )
        .await;
        assert_eq!(status, 200, "{backend}");
        let sql = match backend {
            scimkit_sql::Backend::Postgres => "SELECT CAST(scim_extra AS text) FROM accounts",
            _ => "SELECT scim_extra FROM accounts",
        };
        let rows = test
            .db
            .fetch(sql, &[], &[scimkit_sql::DatumKind::Text])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        let stored = rows[0][0].as_text().unwrap_or_default().to_owned();
        assert!(
            !stored.contains(secret) && !stored.contains("password"),
            "{backend}: {stored}"
        );
        assert!(
            stored.is_empty() || stored.starts_with('{'),
            "{backend}: {stored}"
        );
        test.remove().await.unwrap();
    }
}

/// A group shows its members' `display` (the users' `displayName` column): a user replace
/// that changes it gives each of the user's groups a new version (ETag) and `lastModified`;
/// one that leaves it (a deactivation) leaves them alone.
#[tokio::test]
async fn renaming_a_member_gives_its_groups_a_new_version() {
    for backend in BACKENDS {
        let (test, _) = demo::fresh(backend, "rename").await.unwrap();
        let scim = instance(&test.db).await;
        let token = mint(&test.db, "Entra").await;
        let user = |name: &str, active: bool| {
            json!({"schemas": [USER], "userName": "kim@example.com",
                   "displayName": name, "active": active})
        };
        let (_, created) = call(
            &scim,
            &token,
            Method::POST,
            "/Users",
            Some(user("Kim Lee", true)),
        )
        .await;
        let uid = created["id"].as_str().unwrap().to_owned();
        let mut versions = Vec::new();
        for name in ["Ops", "Support", "Bystanders"] {
            let members = if name == "Bystanders" {
                json!([])
            } else {
                json!([{"value": uid}])
            };
            let (status, group) = call(
                &scim,
                &token,
                Method::POST,
                "/Groups",
                Some(json!({"schemas": [GROUP], "displayName": name, "members": members})),
            )
            .await;
            assert_eq!(status, 201, "{backend}: {group}");
            versions.push((
                group["id"].as_str().unwrap().to_owned(),
                group["meta"]["version"].clone(),
            ));
        }
        let read = |gid: String| {
            let scim = scim.clone();
            let token = token.clone();
            async move {
                call(&scim, &token, Method::GET, &format!("/Groups/{gid}"), None)
                    .await
                    .1
            }
        };
        // A deactivation: the name stays, so do the groups' versions.
        let path = format!("/Users/{uid}");
        let (status, _) = call(
            &scim,
            &token,
            Method::PUT,
            &path,
            Some(user("Kim Lee", false)),
        )
        .await;
        assert_eq!(status, 200, "{backend}");
        for (gid, version) in &versions {
            assert_eq!(
                &read(gid.clone()).await["meta"]["version"],
                version,
                "{backend}"
            );
        }
        // A rename: the groups Kim is in show the new name under a new version.
        let (status, _) = call(
            &scim,
            &token,
            Method::PUT,
            &path,
            Some(user("Kim Lee-Park", false)),
        )
        .await;
        assert_eq!(status, 200, "{backend}");
        for (index, (gid, version)) in versions.iter().enumerate() {
            let group = read(gid.clone()).await;
            if index < 2 {
                assert_ne!(&group["meta"]["version"], version, "{backend}: {group}");
                assert_eq!(group["members"][0]["display"], "Kim Lee-Park", "{backend}");
            } else {
                assert_eq!(&group["meta"]["version"], version, "{backend}: {group}");
            }
        }
        test.remove().await.unwrap();
    }
}
