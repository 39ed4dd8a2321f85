//! The admin API as a host's settings page uses it (the vendors' set-up guides: generate a
//! token shown once, copy the base URL, regenerate, revoke; see what the identity provider
//! sent): mounted by the adapter next to the SCIM server, over the server's own tokens and
//! the activity log its engine records into.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{Adapter, Harness, Setup};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// An admin API call: its status and JSON body (`Null` when empty), and the body's text.
async fn call(h: &Harness, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}{path}", h.admin.as_deref().expect("an admin API"));
    let mut request = h.http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the admin API answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, body)
}

/// Mint, use, list (no secret), rotate (the old secret refused at once), revoke, another
/// tenant's token out of reach, and the tenant's activity with its refusals.
pub async fn admin_token_lifecycle<A: Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        admin: true,
        ..Setup::default()
    })
    .await;
    let mut secrets = vec![h.token.clone()];

    let (status, minted) = call(
        &h,
        Method::POST,
        "/tenants/acme/tokens",
        Some(json!({"label": "Okta", "expiresInDays": 365})),
    )
    .await;
    assert_eq!(status, 201, "{minted}");
    let secret = minted["secret"].as_str().expect("the secret").to_owned();
    let id = minted["token"]["id"].as_str().expect("an id").to_owned();
    assert_eq!(minted["scimUrl"], h.base.as_str());
    secrets.push(secret.clone());

    let user = json!({"schemas": [USER], "userName": h.unique("ann")});
    h.send_as(Some(&secret), Method::POST, "/Users", Some(&user))
        .await
        .expect(201);
    h.send_as(Some(&secret), Method::POST, "/Users", Some(&user))
        .await
        .expect(409);

    let (status, list) = call(&h, Method::GET, "/tenants/acme/tokens", None).await;
    assert_eq!(status, 200, "{list}");
    let okta = list["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["id"] == id.as_str())
        .expect("the minted token is listed")
        .clone();
    assert_eq!(okta["label"], "Okta");
    assert!(okta["lastUsed"].is_string(), "{okta}");
    assert!(okta["expires"].is_string(), "{okta}");

    let (status, rotated) = call(
        &h,
        Method::POST,
        &format!("/tenants/acme/tokens/{id}/rotate"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(rotated["token"]["id"], id.as_str());
    let fresh = rotated["secret"].as_str().expect("a new secret").to_owned();
    secrets.push(fresh.clone());
    h.send_as(Some(&secret), Method::GET, "/Users", None)
        .await
        .expect(401);
    h.send_as(Some(&fresh), Method::GET, "/Users", None)
        .await
        .expect(200);

    // Another tenant's token: not listed, and out of reach through acme's path.
    let (status, globex) = call(
        &h,
        Method::POST,
        "/tenants/globex/tokens",
        Some(json!({"label": "Entra"})),
    )
    .await;
    assert_eq!(status, 201, "{globex}");
    secrets.push(globex["secret"].as_str().expect("a secret").to_owned());
    let globex_id = globex["token"]["id"].as_str().expect("an id").to_owned();
    let (_, list) = call(&h, Method::GET, "/tenants/acme/tokens", None).await;
    assert!(!list.to_string().contains(&globex_id), "{list}");
    for (method, path) in [
        (Method::DELETE, format!("/tenants/acme/tokens/{globex_id}")),
        (
            Method::POST,
            format!("/tenants/acme/tokens/{globex_id}/rotate"),
        ),
    ] {
        let (status, body) = call(&h, method, &path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }

    let (status, _) = call(
        &h,
        Method::DELETE,
        &format!("/tenants/acme/tokens/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    h.send_as(Some(&fresh), Method::GET, "/Users", None)
        .await
        .expect(401);

    // The tenant's activity: its requests, newest first; the refusals alone on request.
    let (status, activity) = call(&h, Method::GET, "/tenants/acme/activity", None).await;
    assert_eq!(status, 200, "{activity}");
    let entries = activity["entries"].as_array().expect("entries");
    assert!(entries.len() >= 3, "{activity}");
    assert!(entries.iter().all(|e| e["tenant"] == "acme"), "{activity}");
    let (_, refusals) = call(
        &h,
        Method::GET,
        "/tenants/acme/activity?refusals=true",
        None,
    )
    .await;
    let refusals = refusals["entries"].as_array().expect("entries").clone();
    assert!(
        refusals
            .iter()
            .any(|e| e["status"] == 409 && e["scimType"] == "uniqueness"),
        "{refusals:?}"
    );
    assert!(refusals.iter().all(|e| e["status"].as_u64() >= Some(400)));

    // After minting, no answer of the admin API holds a secret.
    let (_, summary) = call(&h, Method::GET, "/tenants/acme", None).await;
    assert_eq!(summary["scimUrl"], h.base.as_str());
    let (_, globex_list) = call(&h, Method::GET, "/tenants/globex/tokens", None).await;
    for body in [&list, &activity, &summary, &globex_list] {
        let text = body.to_string();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret in {text}");
        }
    }
}
