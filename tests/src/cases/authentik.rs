//! authentik's outgoing SCIM provider, with its exact payloads (../shared/IDP-NOTES.md, "More
//! identity providers"): it reads `/ServiceProviderConfig` first and validates it as its
//! pydantic model does; users are POSTed, then every change (deactivation too) is a PUT of the
//! whole user, and a `409` on create makes it look the user up with a `+`-encoded filter;
//! groups are created without members, get one PATCH op per member added or removed, and are
//! renamed by a path-less replace of the whole group in a body without `schemas`; lists are
//! walked with `startIndex` and no `count`; a write to an id the server no longer has is `404`.

use serde_json::{json, Value};

use crate::harness::{member_ids, patch_ops, q_plus, Adapter, Harness};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const CONFIG: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// Walks `endpoint` as authentik's discovery does: no `count`, `startIndex` after what was seen,
/// until `totalResults` (of the first page) resources were seen. Returns the resources seen and
/// that total.
pub(crate) async fn walk(h: &Harness, endpoint: &str) -> (Vec<Value>, usize) {
    let first = h.get(endpoint).await.expect(200);
    let total =
        usize::try_from(first.body["totalResults"].as_u64().expect("an integer")).expect("a count");
    let mut seen: Vec<Value> = Vec::with_capacity(total);
    let mut page = first.body;
    loop {
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        assert!(
            !resources.is_empty() || seen.len() >= total,
            "{endpoint}: an empty page after {} of {total}",
            seen.len()
        );
        seen.extend(resources);
        if seen.len() >= total {
            break;
        }
        page = h
            .get(&format!("{endpoint}?startIndex={}", seen.len() + 1))
            .await
            .expect(200)
            .body;
    }
    (seen, total)
}

/// The ids of a list of resources.
pub(crate) fn ids(resources: &[Value]) -> Vec<&str> {
    resources.iter().filter_map(|r| r["id"].as_str()).collect()
}

/// `/ServiceProviderConfig` as authentik's `ServiceProviderConfiguration` model validates it:
/// every member it requires, with the JSON type it requires.
fn validate_config(config: &Value) {
    let urns = config["schemas"].as_array().expect("schemas");
    assert!(urns.iter().any(|s| s == CONFIG), "{config}");
    for feature in ["patch", "bulk", "filter", "changePassword", "sort", "etag"] {
        assert!(
            config[feature]["supported"].is_boolean(),
            "{feature}.supported must be a boolean: {config}"
        );
    }
    assert!(config["bulk"]["maxOperations"].is_u64(), "{config}");
    assert!(config["bulk"]["maxPayloadSize"].is_u64(), "{config}");
    let max_results = &config["filter"]["maxResults"];
    assert!(max_results.is_null() || max_results.is_u64(), "{config}");
    let schemes = config["authenticationSchemes"]
        .as_array()
        .expect("authenticationSchemes is a list");
    assert!(!schemes.is_empty(), "{config}");
    for scheme in schemes {
        let kind = scheme["type"].as_str().expect("a type");
        assert!(
            [
                "oauth",
                "oauth2",
                "oauthbearertoken",
                "httpbasic",
                "httpdigest"
            ]
            .contains(&kind),
            "authenticationSchemes[].type {kind:?} is not one authentik knows"
        );
        assert!(scheme["name"].is_string() && scheme["description"].is_string());
        for uri in ["specUri", "documentationUri"] {
            let value = &scheme[uri];
            assert!(
                value.is_null() || value.as_str().is_some_and(|u| u.starts_with("http")),
                "{uri} must be a URL: {scheme}"
            );
        }
        assert!(scheme["primary"].is_null() || scheme["primary"].is_boolean());
    }
}

/// A user as authentik's default property mappings write it.
fn authentik_user(login: &str, name: &str, active: bool, uid: &str) -> Value {
    let (given, family) = name.split_once(' ').unwrap_or((name, ""));
    json!({
        "schemas": [USER],
        "userName": login,
        "name": {"formatted": name, "givenName": given, "familyName": family},
        "displayName": name,
        "active": active,
        "emails": [{"type": "other", "value": login, "primary": true}],
        "externalId": uid
    })
}

/// The whole flow, in the order authentik's sync runs it.
pub async fn authentik_sync<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let config = h.get("/ServiceProviderConfig").await.expect(200).body;
    validate_config(&config);
    assert_eq!(config["patch"]["supported"], true, "else no PATCH is sent");
    assert_eq!(config["filter"]["supported"], true, "else no lookup");

    // Users: create; a duplicate is 409 and the lookup with `+` for spaces finds the user.
    let login = format!("{}@authentik.example", h.unique("akadmin"));
    let uid = h.unique("5f3a0a8e");
    let created = h
        .post("/Users", &authentik_user(&login, "Ann Lee", true, &uid))
        .await
        .expect(201);
    let id = created.id();
    let duplicate = h
        .post("/Users", &authentik_user(&login, "Ann Lee", true, &uid))
        .await
        .expect(409);
    assert_eq!(duplicate.scim_type(), Some("uniqueness"));
    let lookup = format!(
        "/Users?filter={}",
        q_plus(&format!("userName eq \"{login}\""))
    );
    assert!(lookup.contains("userName+eq+%22"), "{lookup}");
    let found = h.get(&lookup).await.expect(200);
    assert_eq!(
        ids(found.body["Resources"].as_array().unwrap()),
        [id.as_str()]
    );

    // Every change is a PUT of the whole user, with its id.
    let mut body = authentik_user(&login, "Ann Lee-Park", true, &uid);
    body["id"] = json!(id);
    let r = h.put(&format!("/Users/{id}"), &body).await.expect(200);
    assert_eq!(r.body["displayName"], "Ann Lee-Park");
    if A::keeps("name.familyName") {
        assert_eq!(r.body["name"]["familyName"], "Lee-Park");
    }
    let mut body = authentik_user(&login, "Ann Lee-Park", false, &uid);
    body["id"] = json!(id);
    let r = h.put(&format!("/Users/{id}"), &body).await.expect(200);
    assert_eq!(r.body["active"], false);
    assert_eq!(
        h.get(&format!("/Users/{id}")).await.expect(200).body["active"],
        false
    );

    // Groups: created without members (and found by a `+`-encoded displayName when it exists).
    let name = format!("Engineering team {}", h.unique("ak"));
    let g = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": name, "externalId": h.unique("group-pk")}),
        )
        .await
        .expect(201);
    let gid = g.id();
    assert!(g.body.get("members").is_none_or(|m| m == &json!([])));
    let by_name = format!(
        "/Groups?filter={}",
        q_plus(&format!("displayName eq \"{name}\""))
    );
    let found = h.get(&by_name).await.expect(200);
    assert_eq!(
        ids(found.body["Resources"].as_array().unwrap()),
        [gid.as_str()]
    );

    let mut others = Vec::new();
    for n in 0..2 {
        let login = format!("{}@authentik.example", h.unique(&format!("member{n}")));
        let uid = h.unique(&format!("uid{n}"));
        others.push(
            h.post("/Users", &authentik_user(&login, "Bo Kim", true, &uid))
                .await
                .expect(201)
                .id(),
        );
    }
    // One op per member, in one request (chunked by bulk.maxOperations).
    let add = patch_ops(json!([
        {"op": "add", "path": "members", "value": [{"value": id}]},
        {"op": "add", "path": "members", "value": [{"value": others[0]}]},
        {"op": "add", "path": "members", "value": [{"value": others[1]}]},
    ]));
    h.patch(&format!("/Groups/{gid}"), &add).await.expect(200);
    let mut all = vec![id.clone(), others[0].clone(), others[1].clone()];
    all.sort();
    let g = h.get(&format!("/Groups/{gid}")).await.expect(200);
    assert_eq!(member_ids(&g.body), all);
    // Removal has the same shape and removes only the listed member.
    let remove = patch_ops(json!([
        {"op": "remove", "path": "members", "value": [{"value": others[0]}]},
    ]));
    h.patch(&format!("/Groups/{gid}"), &remove)
        .await
        .expect(200);
    let g = h.get(&format!("/Groups/{gid}")).await.expect(200);
    let mut left = vec![id.clone(), others[1].clone()];
    left.sort();
    assert_eq!(member_ids(&g.body), left);

    // Rename: a path-less replace of the whole group, in a body without `schemas`.
    let renamed = format!("Platform team {}", h.unique("ak"));
    let rename = json!({"Operations": [{"op": "replace", "value": {
        "id": gid,
        "schemas": [GROUP],
        "displayName": renamed,
        "externalId": h.unique("group-pk")
    }}]});
    let r = h
        .patch(&format!("/Groups/{gid}"), &rename)
        .await
        .expect(200);
    assert_eq!(r.body["displayName"], renamed.as_str());
    assert_eq!(r.body["id"], gid.as_str());
    let g = h.get(&format!("/Groups/{gid}")).await.expect(200);
    assert_eq!(g.body["displayName"], renamed.as_str());
    assert_eq!(member_ids(&g.body), left, "a rename keeps the members");

    // Discovery: lists walked with startIndex and no count, across pages where the server
    // pages below what this case creates.
    let page_size = config["pagination"]["defaultPageSize"]
        .as_u64()
        .filter(|n| *n <= 150)
        .map_or(3, |n| n + 1);
    let mut extra = Vec::new();
    for n in 0..page_size {
        extra.push(
            h.post(
                "/Groups",
                &json!({"schemas": [GROUP], "displayName": h.unique(&format!("ak-walk-{n}"))}),
            )
            .await
            .expect(201)
            .id(),
        );
    }
    let (groups, total) = walk(&h, "/Groups").await;
    assert_eq!(groups.len(), total);
    let seen = ids(&groups);
    for wanted in extra.iter().chain([&gid]) {
        assert!(seen.contains(&wanted.as_str()), "{wanted} not listed");
    }
    let (users, total) = walk(&h, "/Users").await;
    assert_eq!(users.len(), total);
    assert!(ids(&users).contains(&id.as_str()));

    // Deletes; a write to an id the server no longer has is 404.
    for extra in &extra {
        h.delete(&format!("/Groups/{extra}")).await.expect(204);
    }
    h.delete(&format!("/Groups/{gid}")).await.expect(204);
    h.patch(&format!("/Groups/{gid}"), &add).await.expect(404);
    h.put(
        &format!("/Groups/{gid}"),
        &json!({"schemas": [GROUP], "id": gid, "displayName": renamed}),
    )
    .await
    .expect(404);
    h.delete(&format!("/Groups/{gid}")).await.expect(404);
    for user in others.iter().chain([&id]) {
        h.delete(&format!("/Users/{user}")).await.expect(204);
    }
    let mut body = authentik_user(&login, "Ann Lee-Park", true, &uid);
    body["id"] = json!(id);
    let gone = h.put(&format!("/Users/{id}"), &body).await.expect(404);
    assert_eq!(gone.body["status"], "404");
    h.delete(&format!("/Users/{id}")).await.expect(404);
}
