//! The Keycloak SCIM plugin (over its SCIM-SDK client), with its exact payloads
//! (../shared/IDP-NOTES.md, "More identity providers"): a create must answer exactly `201`;
//! users carry `roles: [{"value": …}]`; group members carry a relative `$ref`
//! (`"Users/<id>"`); replace is PUT. In its optional PATCH mode it sends `active` as the
//! string `"true"`/`"false"`, and `{"op":"remove","path":"members"}` without a value when a
//! group has no members left.

use serde_json::{json, Value};

use crate::harness::{member_ids, patch_ops, Adapter, Harness};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A user as the plugin sends it.
fn keycloak_user(login: &str, family: &str, active: bool) -> Value {
    json!({
        "schemas": [USER],
        "userName": login,
        "externalId": "9d4f3a56-0b8c-4f4e-9a7e-1b3c5d7e9f10",
        "name": {"givenName": "Ann", "familyName": family},
        "displayName": format!("Ann {family}"),
        "active": active,
        "emails": [{"value": format!("{login}@keycloak.example"), "primary": true}],
        "roles": [{"value": "offline_access"}, {"value": "uma_authorization"}]
    })
}

/// A member as the plugin sends it: a relative `$ref`.
fn member(id: &str) -> Value {
    json!({"value": id, "$ref": format!("Users/{id}")})
}

/// Checks each member's `$ref`, when the server returns one: the member's own URL on this
/// server (the relative reference resolved against the tenant URL), never the client's text.
fn check_refs(h: &Harness, group: &Value) {
    for m in group["members"].as_array().into_iter().flatten() {
        if let Some(reference) = m.get("$ref").and_then(Value::as_str) {
            let id = m["value"].as_str().unwrap_or_default();
            assert_eq!(reference, format!("{}/Users/{id}", h.base), "{group}");
        }
    }
}

/// Users with roles, groups with relative member references, PUT replaces, the PATCH mode's
/// string booleans and its value-less removal of all members.
pub async fn keycloak_plugin<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let login = h.unique("kc-ann");
    let created = h.post("/Users", &keycloak_user(&login, "Lee", true)).await;
    assert_eq!(
        created.status.as_u16(),
        201,
        "exactly 201: {}",
        created.body
    );
    let id = created.id();
    if A::keeps("roles") {
        assert_eq!(
            created.body["roles"],
            json!([{"value": "offline_access"}, {"value": "uma_authorization"}])
        );
    }
    let other = h
        .post("/Users", &keycloak_user(&h.unique("kc-bo"), "Kim", true))
        .await
        .expect(201)
        .id();

    // Replace is PUT.
    let r = h
        .put(
            &format!("/Users/{id}"),
            &keycloak_user(&login, "Lee-Park", true),
        )
        .await
        .expect(200);
    assert_eq!(r.body["displayName"], "Ann Lee-Park");

    // Groups with relative member references, on create, PUT and PATCH.
    let name = h.unique("kc-admins");
    let g = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": name, "members": [member(&id)]}),
        )
        .await;
    assert_eq!(g.status.as_u16(), 201, "exactly 201: {}", g.body);
    let gid = g.id();
    assert_eq!(member_ids(&g.body), std::slice::from_ref(&id));
    check_refs(&h, &g.body);
    let mut both = vec![id.clone(), other.clone()];
    both.sort();
    let r = h
        .put(
            &format!("/Groups/{gid}"),
            &json!({"schemas": [GROUP], "id": gid, "displayName": name,
                    "members": [member(&id), member(&other)]}),
        )
        .await
        .expect(200);
    assert_eq!(member_ids(&r.body), both);
    check_refs(&h, &r.body);
    let remove =
        patch_ops(json!([{"op": "remove", "path": format!("members[value eq \"{other}\"]")}]));
    h.patch(&format!("/Groups/{gid}"), &remove)
        .await
        .expect(200);
    let add = patch_ops(json!([{"op": "add", "path": "members", "value": [member(&other)]}]));
    let r = h.patch(&format!("/Groups/{gid}"), &add).await.expect(200);
    assert_eq!(member_ids(&r.body), both);
    check_refs(&h, &r.body);
    let read = h.get(&format!("/Groups/{gid}")).await.expect(200);
    check_refs(&h, &read.body);

    // The PATCH mode: `active` as a string.
    for (text, active) in [("false", false), ("true", true)] {
        let ops = patch_ops(json!([{"op": "replace", "path": "active", "value": text}]));
        let r = h.patch(&format!("/Users/{id}"), &ops).await.expect(200);
        assert_eq!(r.body["active"], active);
    }

    // No members left: a remove of `members` without a value removes them all.
    let clear = patch_ops(json!([{"op": "remove", "path": "members"}]));
    let r = h.patch(&format!("/Groups/{gid}"), &clear).await.expect(200);
    assert!(member_ids(&r.body).is_empty(), "{}", r.body);
    let read = h.get(&format!("/Groups/{gid}")).await.expect(200);
    assert!(member_ids(&read.body).is_empty(), "{}", read.body);
    let user = h.get(&format!("/Users/{id}")).await.expect(200);
    assert!(
        user.body["groups"]
            .as_array()
            .is_none_or(|groups| groups.iter().all(|g| g["value"] != gid.as_str())),
        "{}",
        user.body
    );

    h.delete(&format!("/Groups/{gid}")).await.expect(204);
    for user in [&id, &other] {
        h.delete(&format!("/Users/{user}")).await.expect(204);
    }
}
