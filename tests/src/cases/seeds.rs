//! The five vendors' integrations (../shared/seeds/): each replays the attribute mapping the
//! vendor documents, through the identity provider it documents, and checks the resources.

use chrono::{Duration, Utc};
use reqwest::Method;
use scimkit_core::context::Tenant;
use scimkit_core::schema::{Attribute, ResourceType};
use serde_json::json;

use crate::harness::{patch_ops, q, Adapter, Harness, Mounting, Setup};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Chalk (Entra ID): userName, active, displayName, title, name.givenName, name.familyName;
/// groups with displayName and members.
pub async fn chalk<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let user = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "ann@chalk.example", "active": true,
                    "displayName": "Ann Lee", "title": "Data Engineer",
                    "name": {"givenName": "Ann", "familyName": "Lee"}}),
        )
        .await
        .expect(201);
    let id = user.id();
    let ops = patch_ops(json!([
        {"op": "Replace", "path": "title", "value": "Staff Data Engineer"},
        {"op": "Replace", "path": "name.familyName", "value": "Lee-Park"}
    ]));
    let r = h.patch(&format!("/Users/{id}"), &ops).await.expect(200);
    assert_eq!(r.body["title"], "Staff Data Engineer");
    assert_eq!(
        r.body["name"],
        json!({"givenName": "Ann", "familyName": "Lee-Park"})
    );
    let g = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "chalk-admins"}),
        )
        .await
        .expect(201)
        .id();
    let add = patch_ops(json!([{"op": "Add", "path": "members", "value": [{"value": id}]}]));
    h.patch(&format!("/Groups/{g}"), &add).await.expect(200);
    let off = patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    assert_eq!(
        h.patch(&format!("/Users/{id}"), &off)
            .await
            .expect(200)
            .body["active"],
        false
    );
    let u = h.get(&format!("/Users/{id}")).await.expect(200);
    assert_eq!(u.body["groups"][0]["display"], "chalk-admins");
}

/// ConfigCat (Entra ID): externalId = objectId, userName, displayName, `active` from
/// `Switch([IsSoftDeleted], , "False", "True", "True", "False")` — strings; groups with
/// externalId, displayName, members.
pub async fn configcat<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let object_id = "5b6c7a08-3f3e-4c1e-9f0a-2d1b7c9e8f10";
    let user = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "externalId": object_id, "userName": "dev@configcat.example",
                    "displayName": "Dev One", "active": "True"}),
        )
        .await
        .expect(201);
    assert_eq!(user.body["active"], true);
    let id = user.id();
    let found = h
        .get(&format!(
            "/Users?filter={}",
            q(&format!("externalId eq \"{object_id}\""))
        ))
        .await
        .expect(200);
    assert_eq!(found.names(), ["dev@configcat.example"]);
    let group = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "externalId": "a0b1c2d3-0000-4000-8000-000000000001",
                    "displayName": "ConfigCat Admins", "members": [{"value": id}]}),
        )
        .await
        .expect(201);
    assert_eq!(
        group.body["externalId"],
        "a0b1c2d3-0000-4000-8000-000000000001"
    );
    let soft_deleted = patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let r = h
        .patch(&format!("/Users/{id}"), &soft_deleted)
        .await
        .expect(200);
    assert_eq!(r.body["active"], false);
}

/// Zulip: Okta with the custom core-namespace `role` attribute (owner, administrator,
/// moderator, member, guest), and Entra ID with `?aadOptscim062020`, userName = mail, active
/// and name.formatted. Groups are not provisioned.
pub async fn zulip<A: Adapter>() {
    let users =
        ResourceType::user().with_core_attribute(Attribute::string("role").canonical_values([
            "owner",
            "administrator",
            "moderator",
            "member",
            "guest",
        ]));
    let h = Harness::start_with::<A>(Setup {
        resource_types: vec![users],
        ..Setup::default()
    })
    .await;
    // Okta: userName, givenName, familyName, role.
    let created = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "iago@zulip.example",
                    "name": {"givenName": "Iago", "familyName": "Zulip"}, "role": "member"}),
        )
        .await
        .expect(201);
    assert_eq!(created.body["role"], "member");
    let id = created.id();
    let promote = patch_ops(json!([{"op": "replace", "value": {"role": "administrator"}}]));
    assert_eq!(
        h.patch(&format!("/Users/{id}"), &promote)
            .await
            .expect(200)
            .body["role"],
        "administrator"
    );
    let bad = patch_ops(json!([{"op": "replace", "path": "role", "value": "superuser"}]));
    let r = h.patch(&format!("/Users/{id}"), &bad).await.expect(400);
    assert_eq!(r.scim_type(), Some("invalidValue"));
    let schema = h.get(&format!("/Schemas/{USER}")).await.expect(200);
    assert!(schema.body["attributes"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["name"] == "role")));
    let unassign = patch_ops(json!([{"op": "replace", "value": {"active": false}}]));
    assert_eq!(
        h.patch(&format!("/Users/{id}"), &unassign)
            .await
            .expect(200)
            .body["active"],
        false
    );

    // Entra ID with the compliance flag in the tenant URL.
    let base = format!("{}/?aadOptscim062020", h.base);
    let users_url = base.replace("/?", "//Users?");
    let r = h
        .post(
            &users_url,
            &json!({"schemas": [USER], "userName": "cordelia@zulip.example", "active": true,
                    "name": {"formatted": "Cordelia Lear"}}),
        )
        .await
        .expect(201);
    let eid = r.id();
    let ops = patch_ops(
        json!([{"op": "replace", "value": {"name.formatted": "Cordelia, Lear's daughter", "active": false}}]),
    );
    let r = h
        .patch(&format!("{}//Users/{eid}?aadOptscim062020", h.base), &ops)
        .await
        .expect(200);
    if A::keeps("name.formatted") {
        assert_eq!(r.body["name"]["formatted"], "Cordelia, Lear's daughter");
    }
    assert_eq!(r.body["active"], false);
    h.get("/Groups").await.expect(404);
}

/// Aptible (Entra ID): userName = userPrincipalName, name.givenName, name.familyName, active
/// from the IsSoftDeleted switch, externalId = mailNickname; the SCIM token is valid one year.
pub async fn aptible<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let yearly = h
        .tokens
        .mint(
            Tenant::new("acme"),
            "entra",
            Some(Utc::now() + Duration::days(365)),
        )
        .expect("random")
        .token;
    let expired = h
        .tokens
        .mint(
            Tenant::new("acme"),
            "old",
            Some(Utc::now() - Duration::days(1)),
        )
        .expect("random")
        .token;
    let body = json!({"schemas": [USER], "userName": "ops@aptible.example", "externalId": "ops",
                      "name": {"givenName": "Op", "familyName": "Erator"}, "active": "True"});
    let r = h
        .send_as(Some(&yearly), Method::POST, "/Users", Some(&body))
        .await
        .expect(201);
    let id = r.id();
    h.send_as(Some(&expired), Method::GET, "/Users", None)
        .await
        .expect(401);
    let found = h
        .send_as(
            Some(&yearly),
            Method::GET,
            &format!("/Users?filter={}", q("externalId eq \"ops\"")),
            None,
        )
        .await
        .expect(200);
    assert_eq!(found.body["totalResults"], 1);
    let off = patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let r = h
        .send_as(
            Some(&yearly),
            Method::PATCH,
            &format!("/Users/{id}"),
            Some(&off),
        )
        .await
        .expect(200);
    assert_eq!(r.body["active"], false);
    h.send_as(Some(&yearly), Method::DELETE, &format!("/Users/{id}"), None)
        .await
        .expect(204);
}

/// Pulumi (Entra ID): `/scim/v2/{orgName}`, userName = mailNickname, active, displayName,
/// `emails[type eq "work"].value` (required), name.givenName, name.familyName; groups without
/// externalId; regenerating the token invalidates the previous one.
pub async fn pulumi<A: Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        mounting: Mounting::PerTenant,
        ..Setup::default()
    })
    .await;
    let body = json!({"schemas": [USER], "userName": "alee", "active": true, "displayName": "Ann Lee",
                      "emails": [{"type": "work", "value": "alee@pulumi.example", "primary": true}],
                      "name": {"givenName": "Ann", "familyName": "Lee"}});
    let created = h.post("/Users", &body).await.expect(201);
    let id = created.id();
    assert!(created
        .header("location")
        .unwrap_or("")
        .contains("/scim/v2/acme/Users/"));
    let by_mail = format!(
        "/Users?filter={}",
        q(r#"emails[type eq "work"].value eq "ALEE@pulumi.example""#)
    );
    assert_eq!(h.get(&by_mail).await.expect(200).body["totalResults"], 1);
    let ops = patch_ops(
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ann.lee@pulumi.example"}]),
    );
    let r = h.patch(&format!("/Users/{id}"), &ops).await.expect(200);
    assert_eq!(
        r.body["emails"],
        json!([{"type": "work", "value": "ann.lee@pulumi.example", "primary": true}])
    );
    let g = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "platform", "members": [{"value": id}]}),
        )
        .await
        .expect(201);
    assert!(g.body.get("externalId").is_none());

    let token_id = h.tokens.tokens(&Tenant::new("acme"))[0].id.clone();
    let fresh = h
        .tokens
        .rotate(&Tenant::new("acme"), &token_id, None)
        .expect("rotate")
        .token;
    h.get("/Users").await.expect(401);
    let list = h
        .send_as(Some(&fresh), Method::GET, "/Users", None)
        .await
        .expect(200);
    assert_eq!(list.body["totalResults"], 1);
}
