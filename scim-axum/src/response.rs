//! `ScimResponse`: the engine's `http::Response<Bytes>` as an axum response.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// An engine response (status, headers such as `ETag`, `Location`, `WWW-Authenticate`, and
/// the `application/scim+json` body), returned from an axum handler unchanged.
#[derive(Debug, Clone)]
pub struct ScimResponse(pub http::Response<Bytes>);

impl ScimResponse {
    /// The engine's response.
    pub fn into_inner(self) -> http::Response<Bytes> {
        self.0
    }

    /// The status code.
    pub fn status(&self) -> http::StatusCode {
        self.0.status()
    }
}

impl From<http::Response<Bytes>> for ScimResponse {
    fn from(response: http::Response<Bytes>) -> Self {
        ScimResponse(response)
    }
}

impl IntoResponse for ScimResponse {
    fn into_response(self) -> Response {
        self.0.map(Body::from)
    }
}
