//! Okta's provisioning flows: the OIN PATCH flow, custom apps' full PUTs, group push and
//! import paging, with its exact payloads (../shared/IDP-NOTES.md).

use serde_json::json;

use crate::harness::{member_ids, patch_ops, q, Adapter, Harness};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn okta_user(login: &str) -> serde_json::Value {
    json!({
        "schemas": [USER],
        "userName": login,
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"primary": true, "value": login, "type": "work"}],
        "displayName": "Ann Lee",
        "locale": "en-US",
        "externalId": "00u1esetn1RbTWC9U0h8",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

/// Lookup, create (password never returned), case-insensitive lookup, path-less
/// deactivation, and import paging.
pub async fn okta_users<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let login = "ann.lee@example.com";
    let lookup = |name: &str| {
        format!(
            "/Users?filter={}&startIndex=1&count=100",
            q(&format!("userName eq \"{name}\""))
        )
    };
    assert_eq!(
        h.get(&lookup(login)).await.expect(200).body["totalResults"],
        0
    );
    let created = h.post("/Users", &okta_user(login)).await.expect(201);
    assert!(created.body.get("password").is_none());
    let id = created.id();
    h.post("/Users", &okta_user(login)).await.expect(409);
    let upper = h.get(&lookup(&login.to_uppercase())).await.expect(200);
    assert_eq!(upper.names(), [login]);

    let deactivate = patch_ops(json!([{"op": "replace", "value": {"active": false}}]));
    let r = h
        .patch(&format!("/Users/{id}"), &deactivate)
        .await
        .expect(200);
    assert_eq!(r.body["active"], false);
    assert!(r.body.get("password").is_none());

    for n in 0..205 {
        h.post("/Users", &okta_user(&format!("import{n}@example.com")))
            .await
            .expect(201);
    }
    let mut seen = 0;
    let mut start = 1;
    loop {
        let page = h
            .get(&format!("/Users?startIndex={start}&count=100"))
            .await
            .expect(200);
        assert_eq!(page.body["totalResults"], 206);
        let n = page.names().len();
        if n == 0 {
            break;
        }
        seen += n;
        start += n;
    }
    assert_eq!(seen, 206);
}

/// Custom apps: a full PUT of the object last read (with `id`, `meta`, `groups: []`).
pub async fn okta_custom_app_put<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let created = h
        .post("/Users", &okta_user("put@example.com"))
        .await
        .expect(201);
    let id = created.id();
    let mut body = h.get(&format!("/Users/{id}")).await.expect(200).body;
    body["active"] = json!(false);
    body["groups"] = json!([]);
    body["name"]["familyName"] = json!("Lee-Smith");
    let r = h.put(&format!("/Users/{id}"), &body).await.expect(200);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["name"]["familyName"], "Lee-Smith");
    assert_eq!(r.body["id"], id.as_str());

    let a = h
        .post("/Users", &okta_user("a@example.com"))
        .await
        .expect(201)
        .id();
    let b = h
        .post("/Users", &okta_user("b@example.com"))
        .await
        .expect(201)
        .id();
    let g = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Custom", "members": []}),
        )
        .await
        .expect(201);
    let gid = g.id();
    let mut gbody = g.body.clone();
    gbody["members"] =
        json!([{"value": a, "display": "a@example.com"}, {"value": b, "display": "b@example.com"}]);
    let r = h.put(&format!("/Groups/{gid}"), &gbody).await.expect(200);
    assert_eq!(r.body["members"].as_array().map_or(0, Vec::len), 2);
}

/// Group push: create with no members, rename with `id` in the value, membership changes in
/// one PATCH, full sync with `replace members`.
pub async fn okta_group_push<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            h.post("/Users", &okta_user(&format!("u{n}@example.com")))
                .await
                .expect(201)
                .id(),
        );
    }
    let g = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []}),
        )
        .await
        .expect(201);
    let gid = g.id();
    let rename = patch_ops(
        json!([{"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2 renamed"}}]),
    );
    let r = h
        .patch(&format!("/Groups/{gid}"), &rename)
        .await
        .expect(200);
    assert_eq!(r.body["displayName"], "Test SCIMv2 renamed");

    let add = patch_ops(json!([{"op": "add", "path": "members", "value": [
        {"value": ids[0], "display": "u0@example.com"}, {"value": ids[1], "display": "u1@example.com"}]}]));
    h.patch(&format!("/Groups/{gid}"), &add).await.expect(200);
    let swap = patch_ops(json!([
        {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])},
        {"op": "add", "path": "members", "value": [{"value": ids[2], "display": "u2@example.com"}]}
    ]));
    let r = h.patch(&format!("/Groups/{gid}"), &swap).await.expect(200);
    let members = member_ids(&r.body);
    let mut expected = vec![ids[1].clone(), ids[2].clone()];
    expected.sort();
    assert_eq!(members, expected);

    let sync = patch_ops(
        json!([{"op": "replace", "path": "members", "value": [{"value": ids[0], "display": "u0@example.com"}]}]),
    );
    let r = h.patch(&format!("/Groups/{gid}"), &sync).await.expect(200);
    assert_eq!(r.body["members"].as_array().map_or(0, Vec::len), 1);
    let user = h.get(&format!("/Users/{}", ids[0])).await.expect(200);
    assert_eq!(user.body["groups"][0]["value"], gid.as_str());
}
