//! Authentication and tenancy: deciding, from a request's parts, who is calling and for which
//! tenant, before anything else happens.
//!
//! A host plugs in its own [`Authenticator`] (its API keys, its sessions), passes a closure for
//! the simple case, or uses the ready [`BearerTokens`]. This module decides identities; it does
//! not route or touch stores.

use async_trait::async_trait;
use http::{HeaderMap, Method};

mod bearer;

pub use bearer::{BearerTokens, MintedToken, TokenError, TokenId, TokenInfo};

use crate::context::Context;
use crate::error::ScimError;

/// The parts of a request an [`Authenticator`] sees.
#[derive(Debug, Clone, Copy)]
pub struct AuthRequest<'a> {
    /// The method.
    pub method: &'a Method,
    /// The path below the mount point (`/Users/2819c223`).
    pub path: &'a str,
    /// The headers (`Authorization`, …).
    pub headers: &'a HeaderMap,
    /// The tenant path segment, when the host mounts the service under one
    /// (`/scim/v2/{tenant}/…`).
    pub tenant: Option<&'a str>,
}

impl AuthRequest<'_> {
    /// The credentials of an `Authorization: Bearer <token>` header (scheme case-insensitive),
    /// or `None`.
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue, Method};
    /// use scimkit_core::auth::AuthRequest;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("authorization", HeaderValue::from_static("bearer abc123"));
    /// let req = AuthRequest { method: &Method::GET, path: "/Users", headers: &headers, tenant: None };
    /// assert_eq!(req.bearer_token(), Some("abc123"));
    /// ```
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self
            .headers
            .get(http::header::AUTHORIZATION)?
            .to_str()
            .ok()?;
        let (scheme, token) = value.trim().split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// 401 with `WWW-Authenticate: Bearer`: no credentials, or they are unknown, expired or
    /// revoked, or not valid for the tenant in the path. The detail must not say which.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 503: the credentials could not be checked (the token table's database did not answer).
    /// The request may succeed when retried; the detail must not carry the credentials.
    #[error("{0}")]
    Unavailable(String),
}

impl AuthError {
    /// The refusal of a bearer token that is missing, unknown, expired, revoked or of another
    /// tenant: one detail whatever the reason, so a caller cannot tell which.
    ///
    /// ```
    /// use scimkit_core::auth::AuthError;
    /// assert!(matches!(AuthError::bearer_refused(), AuthError::Unauthorized(_)));
    /// ```
    pub fn bearer_refused() -> Self {
        AuthError::Unauthorized(
            "a valid bearer token for this tenant is required (Authorization: Bearer <token>)"
                .to_owned(),
        )
    }
}

impl From<AuthError> for ScimError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Unauthorized(detail) => ScimError::Unauthorized(detail),
            AuthError::Forbidden(detail) => ScimError::Forbidden(detail),
            AuthError::Unavailable(detail) => ScimError::Unavailable(detail),
        }
    }
}

/// Decides the caller and tenant of a request, or refuses it.
///
/// Implemented for closures, so the simple case is one line:
///
/// ```
/// use scimkit_core::auth::{AuthError, AuthRequest, Authenticator};
/// use scimkit_core::context::{Caller, Context, Tenant};
///
/// // One tenant per path segment, one shared secret (a real host looks keys up).
/// let auth = |req: &AuthRequest<'_>| match (req.bearer_token(), req.tenant) {
///     (Some("s3cret"), Some(tenant)) => Ok(Context::new(Tenant::new(tenant), Caller::new("idp"))),
///     _ => Err(AuthError::Unauthorized("a valid bearer token is required".into())),
/// };
/// fn takes(_: impl Authenticator) {}
/// takes(auth);
/// ```
#[async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// The context of the request, or why it is refused.
    async fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Context, AuthError>;

    /// The schemes `/ServiceProviderConfig` advertises (default: an OAuth 2.0 bearer token,
    /// RFC 6750, which is what identity providers send).
    fn schemes(&self) -> Vec<AuthenticationScheme> {
        vec![AuthenticationScheme::oauth_bearer_token()]
    }
}

/// An entry of `/ServiceProviderConfig`'s `authenticationSchemes` (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationScheme {
    /// The scheme's type: `oauthbearertoken`, `httpbasic`, `oauth2`…
    #[serde(rename = "type")]
    pub kind: String,
    /// Its name.
    pub name: String,
    /// A description.
    pub description: String,
    /// The specification's URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// Where the host documents how to get credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// Whether it is the preferred scheme.
    pub primary: bool,
}

impl AuthenticationScheme {
    /// A bearer token in the `Authorization` header (RFC 6750).
    pub fn oauth_bearer_token() -> Self {
        AuthenticationScheme {
            kind: "oauthbearertoken".to_owned(),
            name: "OAuth Bearer Token".to_owned(),
            description: "Authentication with a bearer token in the Authorization header"
                .to_owned(),
            spec_uri: Some("https://www.rfc-editor.org/info/rfc6750".to_owned()),
            documentation_uri: None,
            primary: true,
        }
    }
}

#[async_trait]
impl<F> Authenticator for F
where
    F: Fn(&AuthRequest<'_>) -> Result<Context, AuthError> + Send + Sync + 'static,
{
    async fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Context, AuthError> {
        self(request)
    }
}
