//! RFC 7644 over HTTP: endpoints, statuses, headers and error bodies.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{patch_ops, q, Adapter, Harness, Mounting, Setup};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "active": true,
           "emails": [{"value": format!("{name}@example.com"), "type": "work", "primary": true}]})
}

/// Discovery documents, with the SCIM media type.
pub async fn discovery<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let spc = h.get("/ServiceProviderConfig").await.expect(200);
    assert_eq!(spc.header("content-type"), Some("application/scim+json"));
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(spc.body["etag"]["supported"], true);
    assert_eq!(
        spc.body["meta"]["location"],
        format!("{}/ServiceProviderConfig", h.base)
    );
    let schemas = h.get("/Schemas").await.expect(200);
    // User, Group and EnterpriseUser, unless the store keeps none of the extension.
    let served = if A::keeps(ENTERPRISE) { 3 } else { 2 };
    assert_eq!(schemas.body["totalResults"], served);
    h.get(&format!("/Schemas/{USER}")).await.expect(200);
    let types = h.get("/ResourceTypes").await.expect(200);
    assert_eq!(types.body["totalResults"], 2);
    assert_eq!(
        h.get("/ResourceTypes/Group").await.expect(200).body["endpoint"],
        "/Groups"
    );
    h.get("/ResourceTypes/Nope").await.expect(404);
}

/// Missing, wrong and revoked tokens: 401 with a SCIM body and a Bearer challenge.
pub async fn unauthorized<A: Adapter>() {
    let h = Harness::start::<A>().await;
    for token in [None, Some("wrong")] {
        let r = h
            .send_as(token, Method::GET, "/Users", None)
            .await
            .expect(401);
        assert!(r
            .header("www-authenticate")
            .unwrap_or("")
            .starts_with("Bearer"));
        assert_eq!(r.header("content-type"), Some("application/scim+json"));
        assert_eq!(r.body["schemas"][0], ERROR);
        assert_eq!(r.body["status"], "401");
    }
}

/// A rotated token's old secret is refused at once, its new one admitted.
pub async fn regenerated_token<A: Adapter>() {
    let h = Harness::start::<A>().await;
    h.get("/Users").await.expect(200);
    let id = h.tokens.tokens(&scimkit_core::context::Tenant::new("acme"))[0]
        .id
        .clone();
    let fresh = h
        .tokens
        .rotate(&scimkit_core::context::Tenant::new("acme"), &id, None)
        .expect("rotate")
        .token;
    h.get("/Users").await.expect(401);
    h.send_as(Some(&fresh), Method::GET, "/Users", None)
        .await
        .expect(200);
}

/// Create, read, replace, delete, with Location, ETag and the error bodies of each step.
pub async fn user_lifecycle<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let created = h.post("/Users", &user("bjensen")).await.expect(201);
    let id = created.id();
    let location = format!("{}/Users/{id}", h.base);
    assert_eq!(created.header("location"), Some(location.as_str()));
    assert_eq!(created.body["meta"]["location"], location);
    assert_eq!(
        created.header("content-type"),
        Some("application/scim+json")
    );
    let etag = created.header("etag").expect("ETag").to_owned();
    assert_eq!(created.body["meta"]["version"], etag.as_str());

    let got = h.get(&format!("/Users/{id}")).await.expect(200);
    assert_eq!(got.header("etag"), Some(etag.as_str()));
    let not_modified = h
        .http
        .get(&location)
        .bearer_auth(&h.token)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("answer");
    assert_eq!(not_modified.status(), 304);

    let duplicate = h.post("/Users", &user("BJENSEN")).await.expect(409);
    assert_eq!(duplicate.scim_type(), Some("uniqueness"));
    assert_eq!(duplicate.body["status"], "409");

    let mut body = got.body.clone();
    body["displayName"] = json!("Babs");
    let replaced = h.put(&format!("/Users/{id}"), &body).await.expect(200);
    assert_ne!(replaced.header("etag"), Some(etag.as_str()));
    let stale = h
        .http
        .put(&location)
        .bearer_auth(&h.token)
        .header("if-match", &etag)
        .header("content-type", "application/scim+json")
        .body(serde_json::to_vec(&body).unwrap_or_default())
        .send()
        .await
        .expect("answer");
    assert_eq!(stale.status(), 412);

    h.delete(&format!("/Users/{id}")).await.expect(204);
    let gone = h.get(&format!("/Users/{id}")).await.expect(404);
    assert_eq!(gone.body["schemas"][0], ERROR);
    assert_eq!(gone.body["status"], "404");
    h.delete(&format!("/Users/{id}")).await.expect(404);
}

/// List responses: integer counts, `Resources` present when empty, stable paging.
pub async fn list_shapes_and_paging<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let empty = h
        .get(&format!("/Users?filter={}", q(r#"userName eq "nobody""#)))
        .await
        .expect(200);
    assert_eq!(empty.body["totalResults"], 0);
    assert_eq!(empty.body["Resources"], json!([]));
    assert!(empty.body["startIndex"].is_u64() && empty.body["itemsPerPage"].is_u64());
    for n in 0..25 {
        h.post("/Users", &user(&format!("user{n:02}")))
            .await
            .expect(201);
    }
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let page = h
            .get(&format!("/Users?startIndex={start}&count=10"))
            .await
            .expect(200);
        assert_eq!(page.body["totalResults"], 25);
        let names = page.names();
        if names.is_empty() {
            break;
        }
        start += names.len();
        seen.extend(names);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25, "paging loses or repeats nobody");
    let only_total = h.get("/Users?count=0").await.expect(200);
    assert_eq!(
        (
            only_total.body["totalResults"].clone(),
            only_total.body["Resources"].clone()
        ),
        (json!(25), json!([]))
    );
    let sorted = h
        .get("/Users?sortBy=userName&sortOrder=descending&count=2")
        .await
        .expect(200);
    assert_eq!(sorted.names(), ["user24", "user23"]);
    let bad = h
        .get(&format!("/Users?filter={}", q("userName eq")))
        .await
        .expect(400);
    assert_eq!(bad.scim_type(), Some("invalidFilter"));
    let search = h
        .post(
            "/Users/.search",
            &json!({"filter": "userName sw \"user1\"", "count": 3}),
        )
        .await
        .expect(200);
    assert_eq!(search.body["totalResults"], 10);
    assert_eq!(search.body["itemsPerPage"], 3);
}

/// The tenant URL as admins paste it: trailing slash (`//Users`), Entra's feature-flag query.
pub async fn tenant_url_forms<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let r = h
        .post(&format!("{}//Users", h.base), &user("slash"))
        .await
        .expect(201);
    h.get(&format!("{}//Users/{}", h.base, r.id()))
        .await
        .expect(200);
    let flagged = format!(
        "{}/Users?aadOptscim062020&filter={}",
        h.base,
        q(r#"userName eq "slash""#)
    );
    assert_eq!(h.get(&flagged).await.expect(200).body["totalResults"], 1);
    h.get(&format!("{}/?aadOptscim062020", h.base))
        .await
        .expect(404);
    h.get(&format!("{}/ServiceProviderConfig/", h.base))
        .await
        .expect(200);
}

/// `/scim/v2/{org}`: the path segment and the token must agree; tenants are isolated.
pub async fn tenant_in_path<A: Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        mounting: Mounting::PerTenant,
        ..Setup::default()
    })
    .await;
    let globex = h
        .tokens
        .mint(scimkit_core::context::Tenant::new("globex"), "idp", None)
        .expect("random")
        .token;
    let created = h.post("/Users", &user("ann")).await.expect(201);
    let id = created.id();
    assert!(created
        .header("location")
        .unwrap_or("")
        .contains("/scim/v2/acme/Users/"));
    let other = format!("{}/scim/v2/globex", h.root);
    h.send_as(
        Some(&globex),
        Method::GET,
        &format!("{other}/Users/{id}"),
        None,
    )
    .await
    .expect(404);
    let list = h
        .send_as(Some(&globex), Method::GET, &format!("{other}/Users"), None)
        .await
        .expect(200);
    assert_eq!(list.body["totalResults"], 0);
    h.send_as(
        Some(&globex),
        Method::GET,
        &format!("{}/Users", h.base),
        None,
    )
    .await
    .expect(401);
    h.send_as(Some(&h.token), Method::GET, &format!("{other}/Users"), None)
        .await
        .expect(401);
}

/// A body over the server's limit: `413` with a SCIM body.
pub async fn body_limit<A: Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        max_body_bytes: 4096,
        ..Setup::default()
    })
    .await;
    let mut big = user("big");
    big["displayName"] = json!("x".repeat(10_000));
    let r = h.post("/Users", &big).await.expect(413);
    assert_eq!(r.body["status"], "413");
}

/// Media type, malformed JSON, wrong method, unknown endpoint, unknown id.
pub async fn bad_requests<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let raw = |ct: &'static str, body: &'static str| {
        h.http
            .post(format!("{}/Users", h.base))
            .bearer_auth(&h.token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let r = raw("application/scim+json", "{\"userName\": ")
        .await
        .expect("answer");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["scimType"], "invalidSyntax");
    let r = raw("text/plain", "{}").await.expect("answer");
    assert_eq!(r.status(), 415);
    let plain = h.unique("plainjson");
    let r = h
        .http
        .post(format!("{}/Users", h.base))
        .bearer_auth(&h.token)
        .header("content-type", "application/json; charset=utf-8")
        .body(json!({"schemas": [USER], "userName": plain}).to_string())
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    h.delete(&format!(
        "/Users/{}",
        created["id"].as_str().expect("an id")
    ))
    .await
    .expect(204);
    h.send(Method::PUT, "/Users", Some(&user("x")))
        .await
        .expect(405);
    h.get("/Widgets").await.expect(404);
    let r = h
        .patch(
            "/Users/nope",
            &patch_ops(json!([{"op": "replace", "path": "active", "value": false}])),
        )
        .await
        .expect(404);
    assert_eq!(r.body["status"], "404");
}

/// Many clients creating the same user at once: one 201, the rest 409.
pub async fn concurrent_duplicate_creates<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let attempts = (0..24).map(|n| {
        let h = h.clone();
        let name = if n % 2 == 0 {
            "Race@Example.com"
        } else {
            "race@example.com"
        };
        async move { h.post("/Users", &user(name)).await.status.as_u16() }
    });
    let mut statuses = futures_util::future::join_all(attempts.map(tokio::spawn))
        .await
        .into_iter()
        .map(|r| r.unwrap_or(0))
        .collect::<Vec<_>>();
    statuses.sort_unstable();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        23,
        "{statuses:?}"
    );
}

/// Many clients adding different members to one group at once: no member is lost.
pub async fn concurrent_member_additions<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let mut ids = Vec::new();
    for n in 0..40 {
        ids.push(
            h.post("/Users", &user(&format!("m{n}")))
                .await
                .expect(201)
                .id(),
        );
    }
    let group = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Everyone", "members": []}),
        )
        .await
        .expect(201)
        .id();
    let adds = ids.iter().map(|id| {
        let h = h.clone();
        let url = format!("/Groups/{group}");
        let body = patch_ops(json!([{"op": "Add", "path": "members", "value": [{"value": id}]}]));
        tokio::spawn(async move { h.patch(&url, &body).await.status.as_u16() })
    });
    for status in futures_util::future::join_all(adds).await {
        assert_eq!(status.unwrap_or(0), 200);
    }
    let g = h.get(&format!("/Groups/{group}")).await.expect(200);
    assert_eq!(g.body["members"].as_array().map_or(0, Vec::len), 40);
}

/// 32 PATCHes without `If-Match` at once on one user (each adds its own e-mail) and 32 on one
/// group (each adds its own member; every fourth also sets the name to what it is, so it is
/// not a members-only change): every one is answered 200 and every change is there after.
/// Identity providers do not retry a 409 on PATCH, so contention must never reach them.
pub async fn concurrent_patches_without_if_match<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let uid = h.post("/Users", &user("busy")).await.expect(201).id();
    let adds = (0..32).map(|n| {
        patch_ops(json!([
            {"op": "add", "path": "emails", "value": [{"value": format!("busy{n:02}@example.com"), "type": "work"}]}
        ]))
    });
    all_answer_200(&h, &format!("/Users/{uid}"), adds).await;
    let read = h.get(&format!("/Users/{uid}")).await.expect(200);
    let mut emails: Vec<&str> = read.body["emails"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["value"].as_str())
        .filter(|v| v.starts_with("busy") && *v != "busy@example.com")
        .collect();
    emails.sort_unstable();
    let expected: Vec<String> = (0..32).map(|n| format!("busy{n:02}@example.com")).collect();
    assert_eq!(emails, expected);

    let mut ids = Vec::new();
    for n in 0..32 {
        ids.push(
            h.post("/Users", &user(&format!("crowd{n}")))
                .await
                .expect(201)
                .id(),
        );
    }
    let group = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "Crowd"}),
        )
        .await
        .expect(201)
        .id();
    let adds = ids.iter().enumerate().map(|(n, id)| {
        let mut operations =
            vec![json!({"op": "add", "path": "members", "value": [{"value": id}]})];
        if n % 4 == 3 {
            operations.push(json!({"op": "replace", "path": "displayName", "value": "Crowd"}));
        }
        patch_ops(Value::Array(operations))
    });
    all_answer_200(&h, &format!("/Groups/{group}"), adds).await;
    let g = h.get(&format!("/Groups/{group}")).await.expect(200);
    let mut members: Vec<&str> = g.body["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["value"].as_str())
        .collect();
    members.sort_unstable();
    let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(members, expected);
}

/// Sends every body as a PATCH of `url` at once; each must be answered 200.
async fn all_answer_200(h: &Harness, url: &str, bodies: impl Iterator<Item = Value>) {
    let patches = bodies.map(|body| {
        let (h, url) = (h.clone(), url.to_owned());
        tokio::spawn(async move {
            let r = h.patch(&url, &body).await;
            (r.status.as_u16(), r.body.to_string())
        })
    });
    for reply in futures_util::future::join_all(patches).await {
        let (status, body) = reply.unwrap_or((0, String::new()));
        assert_eq!(status, 200, "{body}");
    }
}

/// A host-defined resource type (`Device`, its own schema) gets every endpoint, filter, PATCH
/// and discovery entry with no more code.
pub async fn custom_resource_type<A: Adapter>() {
    use scimkit_core::schema::{Attribute, ResourceType, Schema, Uniqueness};
    const DEVICE: &str = "urn:example:scim:schemas:core:1.0:Device";
    let devices = ResourceType::new(
        "Device",
        "/Devices",
        Schema::new(DEVICE)
            .name("Device")
            .attribute(
                Attribute::string("serialNumber")
                    .required()
                    .uniqueness(Uniqueness::Server),
            )
            .attribute(Attribute::string("model"))
            .attribute(Attribute::boolean("managed")),
    );
    let h = Harness::start_with::<A>(Setup {
        resource_types: vec![ResourceType::user(), ResourceType::group(), devices],
        ..Setup::default()
    })
    .await;
    let created = h
        .post(
            "/Devices",
            &json!({"schemas": [DEVICE], "serialNumber": "SN-1", "model": "X1", "managed": true}),
        )
        .await
        .expect(201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("{}/Devices/{id}", h.base).as_str())
    );
    h.post(
        "/Devices",
        &json!({"schemas": [DEVICE], "serialNumber": "sn-1"}),
    )
    .await
    .expect(409);
    let found = h
        .get(&format!(
            "/Devices?filter={}",
            q(r#"model eq "X1" and managed eq true"#)
        ))
        .await
        .expect(200);
    assert_eq!(found.body["totalResults"], 1);
    let off = patch_ops(json!([{"op": "replace", "path": "managed", "value": false}]));
    assert_eq!(
        h.patch(&format!("/Devices/{id}"), &off)
            .await
            .expect(200)
            .body["managed"],
        false
    );
    assert_eq!(
        h.get("/ResourceTypes").await.expect(200).body["totalResults"],
        3
    );
    h.get(&format!("/Schemas/{DEVICE}")).await.expect(200);
    h.delete(&format!("/Devices/{id}")).await.expect(204);
}

/// RFC 9865 cursor pagination over 10 000 users, with users created between pages: every user
/// that existed at the start is seen exactly once.
pub async fn cursor_pagination<A: Adapter>() {
    let h = Harness::start::<A>().await;
    for n in 0..1000 {
        h.post(
            "/Users",
            &json!({"schemas": [USER], "userName": format!("c{n:04}")}),
        )
        .await
        .expect(201);
    }
    let spc = h.get("/ServiceProviderConfig").await.expect(200);
    assert_eq!(spc.body["pagination"]["cursor"], true);
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for page in 0..100 {
        let r = h
            .get(&format!("/Users?count=100&cursor={cursor}"))
            .await
            .expect(200);
        seen.extend(r.names());
        h.post(
            "/Users",
            &json!({"schemas": [USER], "userName": format!("late{page:03}")}),
        )
        .await
        .expect(201);
        match r.body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no user repeated");
    assert_eq!(
        unique.iter().filter(|n| n.starts_with('c')).count(),
        1000,
        "no user skipped"
    );
    let bad = h
        .get("/Users?count=10&cursor=forged.cursor")
        .await
        .expect(400);
    assert_eq!(bad.scim_type(), Some("invalidCursor"));
}

/// `/Me`: 501 until the authenticator names the caller's User, then an alias of it.
pub async fn me_alias<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let r = h.get("/Me").await.expect(501);
    assert_eq!(r.body["status"], "501");
    let id = h.post("/Users", &user("self")).await.expect(201).id();
    *h.me.lock().expect("lock") = Some(id.clone());
    let me = h.get("/Me").await.expect(200);
    assert_eq!(me.body["id"], id.as_str());
    assert_eq!(
        me.body["meta"]["location"],
        format!("{}/Users/{id}", h.base)
    );
    let r = h
        .patch(
            "/Me",
            &patch_ops(json!([{"op": "replace", "path": "displayName", "value": "Me"}])),
        )
        .await
        .expect(200);
    assert_eq!(r.body["displayName"], "Me");
    h.delete("/Me").await.expect(204);
    h.get(&format!("/Users/{id}")).await.expect(404);
}
