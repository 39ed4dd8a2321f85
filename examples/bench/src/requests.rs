//! What the load client sends: the bearer token, Entra-shaped bodies, and the requests of the
//! scenarios both modes share (a userName lookup, a member toggle), built for the driver.
//! Knows nothing of the servers behind the addresses.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::http::header;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request};
use serde_json::{json, Value};

use crate::driver::MakeRequest;
use crate::BoxError;

/// The bearer token of both modes' SCIM engines (and of the SQL ceiling).
pub const TOKEN: &str = "bench-token-0123456789abcdef";
pub const SCIM_JSON: &str = "application/scim+json";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// An Entra ID create body (IDP-NOTES.md), `login` before `@contoso.com`.
pub fn entra_user(login: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": format!("0a21f0f2-8d2a-4f8e-bf98-{login}"),
        "userName": format!("{login}@contoso.com"),
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("{login}@contoso.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("Ann {login}"), "familyName": login, "givenName": "Ann"},
        "roles": [],
    })
}

/// A user index spread over `0..len` so connections do not read the same few users.
pub fn pick(connection: usize, seq: u64, len: usize) -> usize {
    let seq = usize::try_from(seq % 1_000_003).unwrap_or(0);
    seq.wrapping_mul(7919)
        .wrapping_add(connection.wrapping_mul(104_729))
        .checked_rem(len)
        .unwrap_or(0)
}

/// `GET …/Users?filter=userName eq "user{n}@contoso.com"` for users spread over `0..users`.
pub fn lookup_hit(users: usize) -> Arc<MakeRequest> {
    Arc::new(move |c: usize, seq: u64| {
        let n = pick(c, seq, users);
        scim_get(&format!(
            "/Users?filter=userName%20eq%20%22user{n}%40contoso.com%22"
        ))
    })
}

/// A userName lookup of a fresh name each time.
pub fn lookup_miss() -> Arc<MakeRequest> {
    Arc::new(|c: usize, seq: u64| {
        scim_get(&format!(
            "/Users?filter=userName%20eq%20%22nobody{c}-{seq}%40contoso.com%22"
        ))
    })
}

/// PATCH adding the connection's outsider to `group`, then removing it (Entra's default dialect).
pub fn member_toggle(group: &str, outsiders: &Arc<Vec<String>>) -> Arc<MakeRequest> {
    let uri = format!("/Groups/{group}");
    let outsiders = Arc::clone(outsiders);
    Arc::new(move |c: usize, seq: u64| {
        let member = outsiders.get(c).map_or("", String::as_str);
        let op = if seq.is_multiple_of(2) {
            "Add"
        } else {
            "Remove"
        };
        let body = json!({"schemas": [PATCH_SCHEMA],
            "Operations": [{"op": op, "path": "members", "value": [{"value": member}]}]});
        scim_body(Method::PATCH, &uri, &body)
    })
}

/// `POST /Users` of a new user each time (`new0`, `new1`…): one counter for both sides and
/// every round, so no request names a user that exists.
pub fn post_new_user() -> Arc<MakeRequest> {
    let counter = Arc::new(AtomicU64::new(0));
    Arc::new(move |_: usize, _: u64| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        scim_body(Method::POST, "/Users", &entra_user(&format!("new{n}")))
    })
}

/// `GET /Users/{id}` of users spread over `ids`.
pub fn get_by_id(ids: &Arc<Vec<String>>) -> Arc<MakeRequest> {
    let ids = Arc::clone(ids);
    Arc::new(move |c: usize, seq: u64| {
        let id = ids.get(pick(c, seq, ids.len())).map_or("", String::as_str);
        scim_get(&format!("/Users/{id}"))
    })
}

/// Entra's deactivation PATCH of users spread over `ids`: one counter for both sides and
/// every round, so consecutive requests name different users.
pub fn deactivate_each(ids: &Arc<Vec<String>>) -> Arc<MakeRequest> {
    let ids = Arc::clone(ids);
    let counter = Arc::new(AtomicU64::new(0));
    let body = deactivation();
    Arc::new(move |c: usize, _: u64| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let id = ids.get(pick(c, n, ids.len())).map_or("", String::as_str);
        scim_body(Method::PATCH, &format!("/Users/{id}"), &body)
    })
}

/// Entra's deactivation: `{"op":"Replace","path":"active","value":"False"}`.
pub fn deactivation() -> Value {
    json!({"schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})
}

pub fn client_request(method: Method, uri: &str, body: Bytes) -> Request<Full<Bytes>> {
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method;
    if let Ok(uri) = uri.parse() {
        *request.uri_mut() = uri;
    }
    let headers = request.headers_mut();
    headers.insert(header::HOST, header::HeaderValue::from_static("127.0.0.1"));
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(SCIM_JSON),
    );
    if let Ok(value) = header::HeaderValue::from_str(&format!("Bearer {TOKEN}")) {
        headers.insert(header::AUTHORIZATION, value);
    }
    request
}

/// A GET of `path` under the SCIM mount.
pub fn scim_get(path: &str) -> Request<Full<Bytes>> {
    client_request(
        Method::GET,
        &format!("{}{path}", example_axum::SCIM_PATH),
        Bytes::new(),
    )
}

/// A request with a JSON body to `path` under the SCIM mount.
pub fn scim_body(method: Method, path: &str, body: &Value) -> Request<Full<Bytes>> {
    let bytes = serde_json::to_vec(body)
        .map(Bytes::from)
        .unwrap_or_default();
    client_request(method, &format!("{}{path}", example_axum::SCIM_PATH), bytes)
}

/// `text` percent-encoded for a query string value (unreserved characters kept).
pub fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A request to `Scim::handle` (in process, no HTTP) with the bearer token.
pub fn engine_request(
    method: Method,
    uri: &str,
    body: Option<&Value>,
) -> Result<Request<Bytes>, BoxError> {
    let bytes = match body {
        Some(body) => Bytes::from(serde_json::to_vec(body)?),
        None => Bytes::new(),
    };
    Ok(Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, SCIM_JSON)
        .header(header::HOST, "127.0.0.1")
        .body(bytes)?)
}
