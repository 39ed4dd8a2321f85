//! The provisioning activity log through `Scim::handle`: what each answered request leaves in
//! the log, the log's filters, tenant isolation, the ring buffer's bound, and that no secret
//! (token, password, `Authorization` header) reaches any entry.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use scimkit_core::activity::{ActivityEntry, ActivityLog, ActivityQuery, InMemoryActivityLog};
use scimkit_core::auth::BearerTokens;
use scimkit_core::context::Tenant;
use scimkit_core::events::ChangeKind;
use scimkit_core::{InMemoryStore, Mount, Scim};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const IDP: &str = "Okta SCIM Client 1.0.0";

struct Setup {
    scim: Scim,
    log: Arc<InMemoryActivityLog>,
    acme: String,
    globex: String,
}

fn setup(entries_per_tenant: usize) -> Setup {
    let tokens = BearerTokens::new();
    let acme = tokens
        .mint(Tenant::new("acme"), "okta", None)
        .unwrap()
        .token;
    let globex = tokens
        .mint(Tenant::new("globex"), "entra", None)
        .unwrap()
        .token;
    let log = Arc::new(InMemoryActivityLog::new(entries_per_tenant));
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(tokens)
        .shared_activity_log(log.clone())
        .build()
        .unwrap();
    Setup {
        scim,
        log,
        acme,
        globex,
    }
}

fn request(method: Method, uri: &str, token: &str, body: Option<&Value>) -> Request<Bytes> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "scim.example.test")
        .header("user-agent", IDP)
        .header("authorization", format!("Bearer {token}"));
    match body {
        Some(body) => builder
            .header("content-type", "application/scim+json")
            .body(Bytes::from(serde_json::to_vec(body).unwrap()))
            .unwrap(),
        None => builder.body(Bytes::new()).unwrap(),
    }
}

async fn send(
    scim: &Scim,
    method: Method,
    uri: &str,
    token: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let response = scim.handle(request(method, uri, token, body)).await;
    let status = response.status();
    let body = response.into_body();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    (status, body)
}

async fn recent(
    log: &InMemoryActivityLog,
    tenant: &str,
    query: &ActivityQuery,
) -> Vec<ActivityEntry> {
    log.recent(&Tenant::new(tenant), query).await.unwrap()
}

fn all() -> ActivityQuery {
    ActivityQuery::default()
}

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "active": true})
}

/// A create, a refused duplicate, a PATCH and a DELETE; returns the created id.
async fn provision(setup: &Setup) -> String {
    let (status, created) = send(
        &setup.scim,
        Method::POST,
        "/Users",
        &setup.acme,
        Some(&user("bjensen")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, _) = send(
        &setup.scim,
        Method::POST,
        "/Users",
        &setup.acme,
        Some(&user("bjensen")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let patch = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "displayName", "value": "Babs"},
        {"op": "replace", "value": {"active": false, "title": "Tour Guide"}}
    ]});
    let (status, _) = send(
        &setup.scim,
        Method::PATCH,
        &format!("/Users/{id}"),
        &setup.acme,
        Some(&patch),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(
        &setup.scim,
        Method::DELETE,
        &format!("/Users/{id}"),
        &setup.acme,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    id
}

#[tokio::test]
async fn writes_and_refusals_are_logged_newest_first() {
    let setup = setup(100);
    let id = provision(&setup).await;
    let entries = recent(&setup.log, "acme", &all()).await;
    assert_eq!(entries.len(), 4, "{entries:#?}");
    let [deleted, patched, refused, created] = &entries[..] else {
        panic!("four entries");
    };
    assert!(entries.windows(2).all(|w| w[0].time >= w[1].time));
    for entry in &entries {
        assert_eq!(entry.tenant, "acme");
        assert!(entry.authenticated);
        assert_eq!(entry.identity_provider.as_deref(), Some(IDP));
        assert_eq!(entry.resource_type.as_deref(), Some("User"));
        assert_eq!(entry.bulk_id, None);
    }

    assert_eq!(created.method, "POST");
    assert_eq!(created.path, "/Users");
    assert_eq!(created.status, 201);
    assert_eq!(created.resource_id.as_deref(), Some(id.as_str()));
    let change = created.change.as_ref().unwrap();
    assert_eq!(change.kind, ChangeKind::Created);
    assert_eq!(change.attributes, None);
    assert_eq!(
        (created.scim_type.as_deref(), created.detail.as_deref()),
        (None, None)
    );

    assert_eq!(refused.method, "POST");
    assert_eq!(refused.status, 409);
    assert_eq!(refused.scim_type.as_deref(), Some("uniqueness"));
    assert!(
        refused
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("userName")),
        "{refused:?}"
    );
    assert_eq!(refused.resource_id, None);
    assert_eq!(refused.change, None);
    assert!(refused.is_refusal());

    assert_eq!(patched.method, "PATCH");
    assert_eq!(patched.path, format!("/Users/{id}"));
    assert_eq!(patched.status, 200);
    assert_eq!(patched.resource_id.as_deref(), Some(id.as_str()));
    let change = patched.change.as_ref().unwrap();
    assert_eq!(change.kind, ChangeKind::Patched);
    assert_eq!(
        change.attributes.as_deref(),
        Some(
            &[
                "displayName".to_owned(),
                "active".to_owned(),
                "title".to_owned()
            ][..]
        )
    );

    assert_eq!(deleted.method, "DELETE");
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.resource_id.as_deref(), Some(id.as_str()));
    assert_eq!(deleted.change.as_ref().unwrap().kind, ChangeKind::Deleted);

    let json = serde_json::to_value(created).unwrap();
    assert_eq!(json["change"]["kind"], "created");
    assert_eq!(json["identityProvider"], IDP);
    assert_eq!(json["resourceId"], id.as_str());
}

#[tokio::test]
async fn refusals_only_resource_id_and_limit_filter() {
    let setup = setup(100);
    let id = provision(&setup).await;

    let refusals = ActivityQuery {
        refusals_only: true,
        ..all()
    };
    let entries = recent(&setup.log, "acme", &refusals).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status, 409);

    let about = ActivityQuery {
        resource_id: Some(id.clone()),
        ..all()
    };
    let entries = recent(&setup.log, "acme", &about).await;
    let statuses: Vec<u16> = entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [204, 200, 201]);
    assert!(entries
        .iter()
        .all(|e| e.resource_id.as_deref() == Some(id.as_str())));

    let other = ActivityQuery {
        resource_id: Some("no-such-id".to_owned()),
        ..all()
    };
    assert!(recent(&setup.log, "acme", &other).await.is_empty());

    let two = ActivityQuery { limit: 2, ..all() };
    let statuses: Vec<u16> = recent(&setup.log, "acme", &two)
        .await
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, [204, 200]);
}

#[tokio::test]
async fn tenants_never_see_each_others_entries() {
    let setup = setup(100);
    provision(&setup).await;
    let (status, _) = send(
        &setup.scim,
        Method::POST,
        "/Users",
        &setup.globex,
        Some(&user("globex-user")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let acme = recent(&setup.log, "acme", &all()).await;
    let globex = recent(&setup.log, "globex", &all()).await;
    assert_eq!(acme.len(), 4);
    assert!(acme.iter().all(|e| e.tenant == "acme"));
    assert_eq!(globex.len(), 1);
    assert_eq!(globex[0].tenant, "globex");
    assert_eq!(globex[0].status, 201);
    assert!(recent(&setup.log, "initech", &all()).await.is_empty());
}

#[tokio::test]
async fn no_secret_reaches_any_entry() {
    let setup = setup(100);
    let password = "Sup3r-S3cret-Passw0rd";
    let mut body = user("alice");
    body["password"] = json!(password);
    let (status, _) = send(
        &setup.scim,
        Method::POST,
        "/Users",
        &setup.acme,
        Some(&body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // A password of the wrong type is refused with a detail that quotes it.
    let mut body = user("bob");
    body["password"] = json!(987_654_321);
    let (status, reply) = send(
        &setup.scim,
        Method::POST,
        "/Users",
        &setup.acme,
        Some(&body),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["detail"].as_str().unwrap().contains("987654321"),
        "{reply}"
    );

    // A filter on the password: its query is left out.
    let (status, _) = send(
        &setup.scim,
        Method::GET,
        "/Users?filter=password%20eq%20%22Qu3ry-S3cret%22",
        &setup.acme,
        None,
    )
    .await;
    assert!(status.is_client_error() || status.is_success());

    // A refused token at a mount with a tenant segment is recorded for that tenant.
    let mount = Mount {
        prefix: "/scim/v2/acme",
        tenant: Some("acme"),
    };
    let wrong = "wrong-but-secret-token-value";
    let response = setup
        .scim
        .handle_with(
            request(Method::GET, "/scim/v2/acme/Users", wrong, None),
            mount,
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // At the root a refused token names no tenant: nothing is recorded.
    let response = setup
        .scim
        .handle(request(Method::GET, "/Users", wrong, None))
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let entries = recent(&setup.log, "acme", &all()).await;
    assert_eq!(entries.len(), 4, "{entries:#?}");
    assert_eq!(entries[0].status, 401);
    assert!(!entries[0].authenticated);
    assert_eq!(entries[0].path, "/Users");
    assert_eq!(entries[2].status, 400);
    assert_eq!(entries[2].scim_type.as_deref(), Some("invalidValue"));
    assert_eq!(
        entries[2].detail, None,
        "a detail naming the password is left out"
    );
    assert!(!entries[1].path.contains('?'), "{:?}", entries[1].path);

    let text = serde_json::to_string(&entries).unwrap();
    for secret in [
        password,
        "987654321",
        "Qu3ry-S3cret",
        wrong,
        setup.acme.as_str(),
    ] {
        assert!(
            !text.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} in {text}"
        );
    }
    assert!(!format!("{entries:?}").contains(password));
}

#[tokio::test]
async fn the_ring_buffer_keeps_only_the_last_n() {
    let setup = setup(3);
    for n in 0..5 {
        let (status, _) = send(
            &setup.scim,
            Method::POST,
            "/Users",
            &setup.acme,
            Some(&user(&format!("user{n}"))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = send(
        &setup.scim,
        Method::GET,
        "/Users/missing",
        &setup.acme,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let entries = recent(&setup.log, "acme", &all()).await;
    let statuses: Vec<u16> = entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [404, 201, 201]);
    assert_eq!(entries[0].resource_id.as_deref(), Some("missing"));
}

#[tokio::test]
async fn bulk_is_one_entry_plus_one_per_operation() {
    let setup = setup(100);
    let bulk = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("carol")},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("carol")}
    ]});
    let (status, reply) = send(&setup.scim, Method::POST, "/Bulk", &setup.acme, Some(&bulk)).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let entries = recent(&setup.log, "acme", &all()).await;
    assert_eq!(entries.len(), 3, "{entries:#?}");
    let request = &entries[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/Bulk")
    );
    assert_eq!(request.status, 200);
    // Newest first: the request, then its operations from the last to the first.
    let (b, a) = (&entries[1], &entries[2]);
    assert_eq!(a.bulk_id.as_deref(), Some("a"));
    assert_eq!(a.status, 201);
    assert_eq!(a.resource_type.as_deref(), Some("User"));
    assert!(a.resource_id.is_some());
    assert_eq!(a.change.as_ref().unwrap().kind, ChangeKind::Created);
    assert_eq!(a.identity_provider.as_deref(), Some(IDP));
    assert_eq!(b.bulk_id.as_deref(), Some("b"));
    assert_eq!(b.status, 409);
    assert_eq!(b.scim_type.as_deref(), Some("uniqueness"));
    assert_eq!(b.change, None);
}

#[tokio::test]
async fn the_in_memory_log_bounds_its_tenants() {
    let log = InMemoryActivityLog::new(10).max_tenants(1);
    let setup = setup(10);
    provision(&setup).await;
    let entry = recent(&setup.log, "acme", &all()).await.remove(0);
    log.record(entry.clone());
    log.record(ActivityEntry {
        tenant: "other".to_owned(),
        ..entry
    });
    assert_eq!(recent(&log, "acme", &all()).await.len(), 1);
    assert!(recent(&log, "other", &all()).await.is_empty());
}

#[tokio::test]
async fn refusals_before_the_body_is_read_are_recorded() {
    let setup = setup(100);
    let mount = Mount {
        prefix: "/scim/v2/acme",
        tenant: Some("acme"),
    };
    let stream = |body: &'static str| {
        futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))])
    };
    // Refused on its body: larger than the limit.
    let (head, ()) = Request::post("/scim/v2/acme/Users")
        .header("authorization", format!("Bearer {}", setup.acme))
        .header("content-length", "4194304")
        .body(())
        .unwrap()
        .into_parts();
    let response = setup.scim.handle_stream(head, stream("{}"), mount).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Refused on its head: no token.
    let no_token = |path: &str| {
        Request::post(path)
            .header("user-agent", IDP)
            .header("content-length", "2")
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    let response = (setup.scim)
        .handle_stream(no_token("/scim/v2/acme/Users"), stream("{}"), mount)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The same for a tenant the log does not hold: not kept.
    let nobody = Mount {
        prefix: "/scim/v2/nobody",
        tenant: Some("nobody"),
    };
    let response = (setup.scim)
        .handle_stream(no_token("/scim/v2/nobody/Users"), stream("{}"), nobody)
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let entries = recent(&setup.log, "acme", &all()).await;
    let statuses: Vec<u16> = entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [401, 413]);
    assert!(entries
        .iter()
        .all(|e| e.path == "/Users" && e.method == "POST"));
    assert_eq!(entries[0].identity_provider.as_deref(), Some(IDP));
    assert!(!entries[0].authenticated);
    assert!(entries[1].authenticated);
    assert!(recent(&setup.log, "nobody", &all()).await.is_empty());
}

#[tokio::test]
async fn a_single_tenant_host_records_refused_tokens_for_its_tenant() {
    let tokens = BearerTokens::new();
    let token = tokens
        .mint(Tenant::new("default"), "entra", None)
        .unwrap()
        .token;
    let tokens = Arc::new(tokens);
    let build = |activity_tenant: Option<&str>| {
        let log = Arc::new(InMemoryActivityLog::new(10));
        let mut builder = Scim::builder()
            .store(InMemoryStore::new())
            .shared_authenticator(tokens.clone())
            .shared_activity_log(log.clone());
        if let Some(tenant) = activity_tenant {
            builder = builder.activity_tenant(Tenant::new(tenant));
        }
        (builder.build().unwrap(), log)
    };
    for activity_tenant in [None, Some("default")] {
        let (scim, log) = build(activity_tenant);
        // SCIM at a fixed path: the URL names no tenant.
        let mount = Mount {
            prefix: "/scim/v2",
            tenant: None,
        };
        let response = scim
            .handle_with(request(Method::GET, "/scim/v2/Users", &token, None), mount)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let response = scim
            .handle_with(
                request(Method::GET, "/scim/v2/Groups", "rotated-away", None),
                mount,
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

        let entries = recent(&log, "default", &all()).await;
        let statuses: Vec<u16> = entries.iter().map(|entry| entry.status).collect();
        match activity_tenant {
            None => assert_eq!(statuses, [200], "{entries:#?}"),
            Some(_) => {
                assert_eq!(statuses, [401, 200], "{entries:#?}");
                assert!(!entries[0].authenticated);
                assert_eq!(entries[0].path, "/Groups");
            }
        }
        // Another tenant's log never receives them.
        assert!(recent(&log, "acme", &all()).await.is_empty());
    }
}
