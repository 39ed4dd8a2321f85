//! The one error type of the protocol layer, mapped to RFC 7644 §3.12: an HTTP status, an optional
//! `scimType` and a `detail` a person can act on.
//!
//! Every variant carries its `detail` text. The engine turns a [`ScimError`] into the JSON error
//! body with [`ScimError::to_json`]; nothing else in the crate formats error bodies.

use serde_json::{json, Value};

/// The URN of a SCIM error response.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM protocol error (RFC 7644 §3.12, RFC 9865 §4 for cursors).
///
/// ```
/// use scimkit_core::ScimError;
///
/// let err = ScimError::Uniqueness("userName \"bjensen\" is already taken".into());
/// assert_eq!(err.status(), 409);
/// assert_eq!(err.scim_type(), Some("uniqueness"));
/// assert_eq!(err.to_json()["status"], "409");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScimError {
    /// 400 `invalidFilter`: the filter syntax is invalid or it makes no sense for the attribute.
    #[error("{0}")]
    InvalidFilter(String),
    /// 400 `tooMany`: the request would return more results than the server allows.
    #[error("{0}")]
    TooMany(String),
    /// 409 `uniqueness`: a value that must be unique is already used.
    #[error("{0}")]
    Uniqueness(String),
    /// 400 `mutability`: the change is incompatible with an attribute's mutability.
    #[error("{0}")]
    Mutability(String),
    /// 400 `invalidSyntax`: the request body is not valid JSON or not a valid SCIM message.
    #[error("{0}")]
    InvalidSyntax(String),
    /// 400 `invalidPath`: a PATCH `path` is invalid or names no known attribute.
    #[error("{0}")]
    InvalidPath(String),
    /// 400 `noTarget`: a PATCH `path` matched nothing where a match is required.
    #[error("{0}")]
    NoTarget(String),
    /// 400 `invalidValue`: a required value is missing or a value is of the wrong type.
    #[error("{0}")]
    InvalidValue(String),
    /// 400 `invalidVers`: the SCIM protocol version is not supported.
    #[error("{0}")]
    InvalidVersion(String),
    /// 403 `sensitive`: the request cannot be completed as given (e.g. secrets in a URL).
    #[error("{0}")]
    Sensitive(String),
    /// 400 `invalidCursor` (RFC 9865): the cursor is unknown, malformed or not the caller's.
    #[error("{0}")]
    InvalidCursor(String),
    /// 400 `expiredCursor` (RFC 9865): the cursor was valid but has expired.
    #[error("{0}")]
    ExpiredCursor(String),
    /// 400 without a `scimType`: any other malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the caller may not perform this operation.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the resource or endpoint does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 405: the endpoint does not support the method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409 without a `scimType`: the resource changed in a conflicting way.
    #[error("{0}")]
    Conflict(String),
    /// 408: the request body did not arrive in time (a slow or stalled client).
    #[error("{0}")]
    RequestTimeout(String),
    /// 412: the `If-Match` version does not match the resource's current version.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: the request body is larger than allowed.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 414: the request's query string is longer than the server reads.
    #[error("{0}")]
    UriTooLong(String),
    /// 415: the request body's media type is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 500: the server failed; the detail never carries internals.
    #[error("{0}")]
    Internal(String),
    /// 501: the operation is not implemented by this service provider.
    #[error("{0}")]
    NotImplemented(String),
    /// 503: the service is temporarily unable to answer.
    #[error("{0}")]
    Unavailable(String),
}

impl ScimError {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            ScimError::InvalidFilter(_)
            | ScimError::TooMany(_)
            | ScimError::Mutability(_)
            | ScimError::InvalidSyntax(_)
            | ScimError::InvalidPath(_)
            | ScimError::NoTarget(_)
            | ScimError::InvalidValue(_)
            | ScimError::InvalidVersion(_)
            | ScimError::InvalidCursor(_)
            | ScimError::ExpiredCursor(_)
            | ScimError::BadRequest(_) => 400,
            ScimError::Unauthorized(_) => 401,
            ScimError::Sensitive(_) | ScimError::Forbidden(_) => 403,
            ScimError::NotFound(_) => 404,
            ScimError::MethodNotAllowed(_) => 405,
            ScimError::Uniqueness(_) | ScimError::Conflict(_) => 409,
            ScimError::RequestTimeout(_) => 408,
            ScimError::PreconditionFailed(_) => 412,
            ScimError::PayloadTooLarge(_) => 413,
            ScimError::UriTooLong(_) => 414,
            ScimError::UnsupportedMediaType(_) => 415,
            ScimError::Internal(_) => 500,
            ScimError::NotImplemented(_) => 501,
            ScimError::Unavailable(_) => 503,
        }
    }

    /// The `scimType` keyword, where RFC 7644 §3.12 or RFC 9865 defines one.
    pub fn scim_type(&self) -> Option<&'static str> {
        Some(match self {
            ScimError::InvalidFilter(_) => "invalidFilter",
            ScimError::TooMany(_) => "tooMany",
            ScimError::Uniqueness(_) => "uniqueness",
            ScimError::Mutability(_) => "mutability",
            ScimError::InvalidSyntax(_) => "invalidSyntax",
            ScimError::InvalidPath(_) => "invalidPath",
            ScimError::NoTarget(_) => "noTarget",
            ScimError::InvalidValue(_) => "invalidValue",
            ScimError::InvalidVersion(_) => "invalidVers",
            ScimError::Sensitive(_) => "sensitive",
            ScimError::InvalidCursor(_) => "invalidCursor",
            ScimError::ExpiredCursor(_) => "expiredCursor",
            _ => return None,
        })
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        match self {
            ScimError::InvalidFilter(d)
            | ScimError::TooMany(d)
            | ScimError::Uniqueness(d)
            | ScimError::Mutability(d)
            | ScimError::InvalidSyntax(d)
            | ScimError::InvalidPath(d)
            | ScimError::NoTarget(d)
            | ScimError::InvalidValue(d)
            | ScimError::InvalidVersion(d)
            | ScimError::Sensitive(d)
            | ScimError::InvalidCursor(d)
            | ScimError::ExpiredCursor(d)
            | ScimError::BadRequest(d)
            | ScimError::Unauthorized(d)
            | ScimError::Forbidden(d)
            | ScimError::NotFound(d)
            | ScimError::MethodNotAllowed(d)
            | ScimError::Conflict(d)
            | ScimError::RequestTimeout(d)
            | ScimError::PreconditionFailed(d)
            | ScimError::PayloadTooLarge(d)
            | ScimError::UriTooLong(d)
            | ScimError::UnsupportedMediaType(d)
            | ScimError::Internal(d)
            | ScimError::NotImplemented(d)
            | ScimError::Unavailable(d) => d,
        }
    }

    /// The same error with its detail rewritten (to add context such as `Operations[2]: `).
    #[must_use]
    pub fn map_detail(self, f: impl FnOnce(String) -> String) -> ScimError {
        match self {
            ScimError::InvalidFilter(d) => ScimError::InvalidFilter(f(d)),
            ScimError::TooMany(d) => ScimError::TooMany(f(d)),
            ScimError::Uniqueness(d) => ScimError::Uniqueness(f(d)),
            ScimError::Mutability(d) => ScimError::Mutability(f(d)),
            ScimError::InvalidSyntax(d) => ScimError::InvalidSyntax(f(d)),
            ScimError::InvalidPath(d) => ScimError::InvalidPath(f(d)),
            ScimError::NoTarget(d) => ScimError::NoTarget(f(d)),
            ScimError::InvalidValue(d) => ScimError::InvalidValue(f(d)),
            ScimError::InvalidVersion(d) => ScimError::InvalidVersion(f(d)),
            ScimError::Sensitive(d) => ScimError::Sensitive(f(d)),
            ScimError::InvalidCursor(d) => ScimError::InvalidCursor(f(d)),
            ScimError::ExpiredCursor(d) => ScimError::ExpiredCursor(f(d)),
            ScimError::BadRequest(d) => ScimError::BadRequest(f(d)),
            ScimError::Unauthorized(d) => ScimError::Unauthorized(f(d)),
            ScimError::Forbidden(d) => ScimError::Forbidden(f(d)),
            ScimError::NotFound(d) => ScimError::NotFound(f(d)),
            ScimError::MethodNotAllowed(d) => ScimError::MethodNotAllowed(f(d)),
            ScimError::Conflict(d) => ScimError::Conflict(f(d)),
            ScimError::RequestTimeout(d) => ScimError::RequestTimeout(f(d)),
            ScimError::PreconditionFailed(d) => ScimError::PreconditionFailed(f(d)),
            ScimError::PayloadTooLarge(d) => ScimError::PayloadTooLarge(f(d)),
            ScimError::UriTooLong(d) => ScimError::UriTooLong(f(d)),
            ScimError::UnsupportedMediaType(d) => ScimError::UnsupportedMediaType(f(d)),
            ScimError::Internal(d) => ScimError::Internal(f(d)),
            ScimError::NotImplemented(d) => ScimError::NotImplemented(f(d)),
            ScimError::Unavailable(d) => ScimError::Unavailable(f(d)),
        }
    }

    /// The RFC 7644 §3.12 error body: `status` is a JSON string, `scimType` only where defined.
    ///
    /// ```
    /// let body = scimkit_core::ScimError::NotFound("User 42 not found".into()).to_json();
    /// assert_eq!(
    ///     body,
    ///     serde_json::json!({
    ///         "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
    ///         "status": "404",
    ///         "detail": "User 42 not found"
    ///     })
    /// );
    /// ```
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status().to_string(),
        });
        if let (Some(scim_type), Some(map)) = (self.scim_type(), body.as_object_mut()) {
            map.insert("scimType".to_owned(), Value::from(scim_type));
        }
        if let Some(map) = body.as_object_mut() {
            map.insert("detail".to_owned(), Value::from(self.detail()));
        }
        body
    }
}

impl From<scimkit_filter::ParseError> for ScimError {
    /// A filter that does not parse is `invalidFilter`; a PATCH path that does not parse is
    /// `invalidPath`.
    fn from(err: scimkit_filter::ParseError) -> Self {
        match err.input {
            scimkit_filter::InputKind::Filter => ScimError::InvalidFilter(err.to_string()),
            scimkit_filter::InputKind::Path => ScimError::InvalidPath(err.to_string()),
        }
    }
}
