//! A store that keeps only some attributes (`ResourceStore::keeps`): discovery advertises
//! exactly those, writes carrying others are accepted and the others not returned, and a PATCH
//! of an attribute not kept changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use http::{Method, StatusCode};
use scimkit_core::engine::BuildError;
use scimkit_core::store::Kept;
use scimkit_core::Scim;
use serde_json::{json, Value};
use support::{auth, send, RefStore, PATCH_OP, USER};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn engine(users: Kept) -> Result<Scim, BuildError> {
    let store = RefStore::default().keeping(move |rt| match rt.name.as_str() {
        "User" => users.clone(),
        _ => Kept::only(["displayName", "members"]),
    });
    Scim::builder().store(store).authenticator(auth).build()
}

fn columns() -> Kept {
    Kept::only([
        "userName",
        "displayName",
        "active",
        "emails.value",
        "groups",
    ])
}

fn names(attributes: &Value) -> Vec<String> {
    attributes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn discovery_advertises_only_what_the_store_keeps() {
    let scim = engine(columns()).unwrap();
    let schemas = send(&scim, Method::GET, "/Schemas", None).await;
    assert_eq!(schemas.status, StatusCode::OK);
    let ids: Vec<&str> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(!ids.contains(&ENTERPRISE), "{ids:?}");
    let user = send(&scim, Method::GET, &format!("/Schemas/{USER}"), None).await;
    assert_eq!(
        names(&user.body["attributes"]),
        ["userName", "displayName", "active", "emails", "groups"]
    );
    let emails = &user.body["attributes"][3];
    assert_eq!(names(&emails["subAttributes"]), ["value"]);
    let missing = send(&scim, Method::GET, &format!("/Schemas/{ENTERPRISE}"), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let rt = send(&scim, Method::GET, "/ResourceTypes/User", None).await;
    assert!(
        rt.body.get("schemaExtensions").is_none()
            || rt.body["schemaExtensions"]
                .as_array()
                .is_some_and(Vec::is_empty),
        "{}",
        rt.body
    );

    // Everything kept: the enterprise extension is advertised.
    let all = engine(Kept::all()).unwrap();
    let enterprise = send(&all, Method::GET, &format!("/Schemas/{ENTERPRISE}"), None).await;
    assert_eq!(enterprise.status, StatusCode::OK);
}

#[tokio::test]
async fn writes_carrying_attributes_not_kept_are_accepted_without_them() {
    let scim = engine(columns()).unwrap();
    let created = send(
        &scim,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [USER, ENTERPRISE],
            "userName": "bjensen",
            "displayName": "Barbara",
            "title": "Boss",
            "externalId": "e-1",
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            ENTERPRISE: {"department": "Sales"},
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body = &created.body;
    assert_eq!(body["userName"], "bjensen");
    assert_eq!(body["emails"], json!([{"value": "b@example.com"}]));
    for gone in ["title", "externalId", ENTERPRISE] {
        assert!(body.get(gone).is_none(), "{gone} returned: {body}");
    }
    assert_eq!(body["schemas"], json!([USER]));
    let uri = format!("/Users/{}", body["id"].as_str().unwrap());
    let version = created.header("etag").unwrap().to_owned();

    // A PATCH of an attribute not kept is accepted and changes nothing.
    let patched = send(
        &scim,
        Method::PATCH,
        &uri,
        Some(json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "title", "value": "Chief"},
            {"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Ops"},
        ]})),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.header("etag"), Some(version.as_str()));
    assert!(patched.body.get("title").is_none());

    // A kept attribute still changes.
    let patched = send(
        &scim,
        Method::PATCH,
        &uri,
        Some(json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "displayName", "value": "Babs"},
            {"op": "replace", "path": "title", "value": "Chief"},
        ]})),
    )
    .await;
    assert_eq!(patched.body["displayName"], "Babs");
    assert_ne!(patched.header("etag"), Some(version.as_str()));

    // Filters on an attribute not kept are valid and find nothing.
    let found = send(
        &scim,
        Method::GET,
        "/Users?filter=title%20eq%20%22Boss%22",
        None,
    )
    .await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.body["totalResults"], 0);
}

#[test]
fn declarations_that_do_not_fit_fail_the_build() {
    let unknown = engine(Kept::only(["userName", "shoeSize"])).unwrap_err();
    assert!(unknown.to_string().contains("shoeSize"), "{unknown}");
    let required = engine(Kept::only(["displayName"])).unwrap_err();
    assert!(required.to_string().contains("userName"), "{required}");
}
