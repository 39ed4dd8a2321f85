//! Microsoft Entra ID's provisioning flows, in both PATCH dialects, with its exact payloads
//! (../shared/IDP-NOTES.md).

use serde_json::{json, Value};

use crate::harness::{patch_ops, q, Adapter, Harness, Setup};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ADSCIM: &str = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Test Connection, then the create of a user as Entra sends it.
async fn connect_and_create(h: &Harness, suffix: &str) -> String {
    let probe = h
        .get(&format!(
            "/Users{suffix}filter={}",
            q(r#"userName eq "c3e6a1f0-46b8-4e4c-8b5d-2c2f5b0d9a71""#)
        ))
        .await
        .expect(200);
    assert_eq!(probe.body["totalResults"], 0);
    h.get("/Users/c3e6a1f0-46b8-4e4c-8b5d-2c2f5b0d9a71")
        .await
        .expect(404);
    h.get("/Groups/c3e6a1f0-46b8-4e4c-8b5d-2c2f5b0d9a71")
        .await
        .expect(404);

    let lookup = format!(
        "/Users{suffix}filter={}",
        q(r#"userName eq "Test_User@contoso.com""#)
    );
    assert_eq!(h.get(&lookup).await.expect(200).body["totalResults"], 0);
    let body = json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User@contoso.com",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Ann Lee", "familyName": "Lee", "givenName": "Ann"},
        "roles": [],
        "title": null,
        "phoneNumbers": null,
        "addresses": null,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": null}
    });
    let created = h
        .post(
            &format!("/Users{}", suffix.trim_end_matches(['?', '&'])),
            &body,
        )
        .await
        .expect(201);
    assert_eq!(created.body["active"], true);
    assert!(created.body.get("title").is_none());
    assert_eq!(h.get(&lookup).await.expect(200).body["totalResults"], 1);
    let by_external = format!(
        "/Users{suffix}filter={}",
        q(r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#)
    );
    assert_eq!(
        h.get(&by_external).await.expect(200).body["totalResults"],
        1
    );
    created.id()
}

/// Group create (with the ADSCIM schema), membership in batches, the membership probe, and
/// member removal in the given dialect.
async fn groups(h: &Harness, users: &[String], compliant: bool) {
    let lookup = format!(
        "/Groups?excludedAttributes=members&filter={}",
        q(r#"displayName eq "Engineering""#)
    );
    assert_eq!(h.get(&lookup).await.expect(200).body["totalResults"], 0);
    let created = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP, ADSCIM], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                    "displayName": "Engineering", "members": []}),
        )
        .await
        .expect(201);
    let gid = created.id();
    let add = patch_ops(
        json!([{"op": if compliant {"add"} else {"Add"}, "path": "members",
        "value": users.iter().map(|u| json!({"value": u, "$ref": null})).collect::<Vec<_>>()}]),
    );
    let r = h.patch(&format!("/Groups/{gid}"), &add).await;
    assert!(r.status == 200 || r.status == 204, "{}", r.body);
    let one = users.first().cloned().unwrap_or_default();
    let probe = format!(
        "/Groups?excludedAttributes=members&filter={}",
        q(&format!(r#"id eq "{gid}" and members[value eq "{one}"]"#))
    );
    let found = h.get(&probe).await.expect(200);
    assert_eq!(found.body["totalResults"], 1);
    assert!(found.body["Resources"][0].get("members").is_none());
    let g = h
        .get(&format!("/Groups/{gid}?excludedAttributes=members"))
        .await
        .expect(200);
    assert!(g.body.get("members").is_none());
    assert_eq!(g.body["displayName"], "Engineering");

    let remove = if compliant {
        patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{one}\"]")}]))
    } else {
        patch_ops(json!([{"op": "Remove", "path": "members", "value": [{"value": one}]}]))
    };
    h.patch(&format!("/Groups/{gid}"), &remove)
        .await
        .expect(200);
    assert_eq!(h.get(&probe).await.expect(200).body["totalResults"], 0);
    let g = h.get(&format!("/Groups/{gid}")).await.expect(200);
    assert_eq!(
        g.body["members"].as_array().map_or(0, Vec::len),
        users.len() - 1,
        "only the listed member is removed"
    );
    h.delete(&format!("/Groups/{gid}")).await.expect(204);
    h.get(&format!("/Groups/{gid}")).await.expect(404);
}

/// The default dialect: capitalised ops, string booleans, one op per path, bare manager ids,
/// `Add` on a work e-mail that does not exist yet, `Remove` with a member list.
pub async fn entra_default_dialect<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let id = connect_and_create(&h, "?").await;
    let manager = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "boss@contoso.com"}),
        )
        .await
        .expect(201)
        .id();
    let ops = patch_ops(json!([
        {"op": "Replace", "path": "displayName", "value": "Ann B. Lee"},
        {"op": "Replace", "path": "name.givenName", "value": "Annie"},
        {"op": "Replace", "path": "name.formatted", "value": "Annie Lee"},
        {"op": "Replace", "path": "userName", "value": "ann.lee@contoso.com"},
        {"op": "Add", "path": "emails[type eq \"other\"].value", "value": "ann@home.example"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "701984"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": manager},
    ]));
    let patched = h.patch(&format!("/Users/{id}"), &ops).await.expect(200);
    let b = &patched.body;
    assert_eq!(b["userName"], "ann.lee@contoso.com");
    assert_eq!(b["name"]["givenName"], "Annie");
    assert_eq!(b["emails"].as_array().map_or(0, Vec::len), 2);
    if A::keeps(ENTERPRISE) {
        assert_eq!(b[ENTERPRISE]["employeeNumber"], "701984");
        assert_eq!(b[ENTERPRISE]["manager"]["value"], manager.as_str());
    }

    for (value, expected) in [("False", false), ("True", true), ("false", false)] {
        let op = patch_ops(json!([{"op": "Replace", "path": "active", "value": value}]));
        let r = h.patch(&format!("/Users/{id}"), &op).await.expect(200);
        assert_eq!(r.body["active"], expected);
    }
    groups(&h, &[id.clone(), manager.clone()], false).await;
    h.delete(&format!("/Users/{id}")).await.expect(204);
    h.get(&format!("/Users/{id}")).await.expect(404);
}

/// The compliant dialect (`?aadOptscim062020` in the tenant URL): lower-case ops, real
/// booleans, path-less values with dotted and URN-qualified keys, filtered member removal.
pub async fn entra_compliant_dialect<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let id = connect_and_create(&h, "?aadOptscim062020&").await;
    let ops = patch_ops(json!([{"op": "replace", "value": {
        "displayName": "B",
        "name.givenName": "K",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "A",
        "active": false
    }}]));
    let r = h
        .patch(&format!("/Users/{id}?aadOptscim062020"), &ops)
        .await
        .expect(200);
    let b: &Value = &r.body;
    assert_eq!(b["displayName"], "B");
    assert_eq!(b["name"]["givenName"], "K");
    assert_eq!(b["name"]["familyName"], "Lee");
    if A::keeps(ENTERPRISE) {
        assert_eq!(b[ENTERPRISE]["employeeNumber"], "A");
    }
    assert_eq!(b["active"], false);
    let other = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "second@contoso.com"}),
        )
        .await
        .expect(201)
        .id();
    groups(&h, &[id, other], true).await;
}

/// Group PATCH answered 204 when the host prefers it: Entra accepts both.
pub async fn entra_group_patch_no_content<A: Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        patch_response: scimkit_core::engine::PatchResponse::NoContent,
        ..Setup::default()
    })
    .await;
    let u = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "x@contoso.com"}),
        )
        .await
        .expect(201)
        .id();
    let g = h
        .post("/Groups", &json!({"schemas": [GROUP], "displayName": "G"}))
        .await
        .expect(201)
        .id();
    let add = patch_ops(json!([{"op": "Add", "path": "members", "value": [{"value": u}]}]));
    let r = h.patch(&format!("/Groups/{g}"), &add).await.expect(204);
    assert!(r.header("etag").is_some());
    assert_eq!(r.body, Value::Null);
}
