//! [`Problem`]: an admin API error as its response: a status, a short machine-readable code
//! and a detail a person can act on, as `application/json`. The one place error bodies of the
//! admin API are written.

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};

use super::tokens::TokenAdminError;

/// The media type of every admin API response body.
pub const ADMIN_JSON: &str = "application/json";

/// An admin API error: `{"status": 404, "error": "unknownToken", "detail": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) status: StatusCode,
    /// A short camelCase code (`notFound`, `invalidValue`, …).
    pub(crate) error: &'static str,
    pub(crate) detail: String,
    /// The `Allow` header of a `405`.
    pub(crate) allow: Option<&'static str>,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, error: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            error,
            detail: detail.into(),
            allow: None,
        }
    }

    pub(crate) fn not_found(path: &str) -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "notFound",
            format!(
                "no admin endpoint at \"{path}\"; the endpoints are /tenants/{{tenant}}, \
                 /tenants/{{tenant}}/tokens, /tenants/{{tenant}}/tokens/{{id}} and \
                 /tenants/{{tenant}}/tokens/{{id}}/rotate"
            ),
        )
    }

    pub(crate) fn method_not_allowed(method: &http::Method, allow: &'static str) -> Self {
        Problem {
            allow: Some(allow),
            ..Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "methodNotAllowed",
                format!("{method} is not allowed here; use {allow}"),
            )
        }
    }

    pub(crate) fn invalid(field: &str, detail: impl std::fmt::Display) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalidValue",
            format!("{field}: {detail}"),
        )
    }

    pub(crate) fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed while handling the request",
        )
    }

    /// The response.
    pub(crate) fn response(&self) -> Response<Bytes> {
        let body = serde_json::json!({
            "status": self.status.as_u16(),
            "error": self.error,
            "detail": self.detail,
        });
        let mut response = super::json_response(self.status, &body);
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

impl From<TokenAdminError> for Problem {
    fn from(error: TokenAdminError) -> Self {
        let code = match &error {
            TokenAdminError::UnknownToken { .. } => "unknownToken",
            TokenAdminError::Invalid { .. } => "invalidValue",
            TokenAdminError::Unavailable(_) => "unavailable",
            TokenAdminError::Internal(_) => "internal",
        };
        if let TokenAdminError::Internal(detail) = &error {
            // The cause is for the log, not the response.
            tracing::error!(%detail, "a token operation failed");
            return Problem::internal();
        }
        Problem::new(error.status(), code, error.to_string())
    }
}
