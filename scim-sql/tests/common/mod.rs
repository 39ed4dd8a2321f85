//! What the store tests share: the three databases, and requests through an engine that
//! admits everyone as tenant `t`.

#![allow(dead_code)]

use bytes::Bytes;
use http::{header, Method, Request};
use scimkit_core::auth::{AuthError, AuthRequest};
use scimkit_core::Scim;
use scimkit_core::{Caller, Context, Tenant};
use scimkit_sql::Backend;
use serde_json::Value;

pub const BACKENDS: [Backend; 3] = [Backend::Postgres, Backend::MySql, Backend::Sqlite];

/// The authenticator of these tests: every request acts as tenant `t`, caller `c` (an
/// `Authenticator` is a function returning a `Result`).
#[allow(clippy::unnecessary_wraps)]
pub fn tenant_t(_: &AuthRequest<'_>) -> Result<Context, AuthError> {
    Ok(Context::new(Tenant::new("t"), Caller::new("c")))
}

/// One request through `Scim::handle`: the status and the JSON body (`Null` when none).
pub async fn call(scim: &Scim, method: Method, uri: &str, body: Option<&Value>) -> (u16, Value) {
    let builder = Request::builder()
        .method(method)
        .uri(format!("http://localhost{uri}"));
    let request = match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(Bytes::from(body.to_string())),
        None => builder.body(Bytes::new()),
    }
    .expect("a valid request");
    let response = scim.handle(request).await;
    let status = response.status().as_u16();
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (status, body)
}
