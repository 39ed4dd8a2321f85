//! Building responses: SCIM JSON bodies with their headers, and error bodies (RFC 7644 §3.12).

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE, ETAG, LOCATION, WWW_AUTHENTICATE};
use http::{Response, StatusCode};
use serde::Serialize;

use crate::error::ScimError;

/// The SCIM media type.
pub const SCIM_JSON: &str = "application/scim+json";

/// A response with a JSON body and, when given, `ETag` and `Location`.
pub(crate) fn json<T: Serialize + ?Sized>(
    status: StatusCode,
    body: &T,
    etag: Option<&str>,
    location: Option<&str>,
) -> Response<Bytes> {
    let mut bytes = Vec::with_capacity(1024);
    if serde_json::to_writer(&mut bytes, body).is_err() {
        return error(&ScimError::Internal(
            "the response could not be encoded".into(),
        ));
    }
    json_bytes(status, bytes, etag, location)
}

/// A SCIM JSON response of an already encoded body, with `ETag` and `Location` when given.
pub(crate) fn json_bytes(
    status: StatusCode,
    bytes: Vec<u8>,
    etag: Option<&str>,
    location: Option<&str>,
) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(ETAG, value);
    }
    if let Some(value) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        headers.insert(LOCATION, value);
    }
    response
}

/// A response without a body (`204`, `304`), with an `ETag` when given.
pub(crate) fn empty(status: StatusCode, etag: Option<&str>) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    if let Some(value) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}

/// The error response: the status, a SCIM error body, and `WWW-Authenticate: Bearer` on 401.
pub(crate) fn error(err: &ScimError) -> Response<Bytes> {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let bytes = serde_json::to_vec(&err.to_json()).unwrap_or_default();
    let mut response = Response::new(Bytes::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"SCIM\""),
        );
    }
    response
}

/// `405` with the `Allow` header.
pub(crate) fn method_not_allowed(method: &http::Method, allowed: &str) -> Response<Bytes> {
    let mut response = error(&ScimError::MethodNotAllowed(format!(
        "{method} is not supported here; use {allowed}"
    )));
    if let Ok(value) = HeaderValue::from_str(allowed) {
        response.headers_mut().insert(http::header::ALLOW, value);
    }
    response
}
