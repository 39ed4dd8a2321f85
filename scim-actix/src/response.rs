//! The engine's `http::Response<Bytes>` as an actix-web response.

use actix_web::body::BoxBody;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use bytes::Bytes;

/// A SCIM response, returned from a handler: status, every header (repeated ones included) and
/// the body are passed to actix-web unchanged.
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

    /// Converts to an actix-web response.
    pub fn into_http_response(self) -> HttpResponse {
        let (parts, body) = self.0.into_parts();
        let status = StatusCode::from_u16(parts.status.as_u16())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = HttpResponse::with_body(status, body);
        // actix-web writes `Connection` from the head's connection type, not the header map.
        if parts
            .headers
            .get(http::header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"))
        {
            response
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
        }
        let headers = response.headers_mut();
        for (name, value) in &parts.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_str().as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.append(name, value);
            }
        }
        response.map_into_boxed_body()
    }
}

impl From<http::Response<Bytes>> for ScimResponse {
    fn from(response: http::Response<Bytes>) -> Self {
        ScimResponse(response)
    }
}

impl Responder for ScimResponse {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse<BoxBody> {
        self.into_http_response()
    }
}
