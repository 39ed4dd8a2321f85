//! `ScimRequest`: the axum extractor that turns a request into what the engine takes.
//!
//! It only converts: the mount prefix and tenant come from axum's routing, and the head and the
//! unread body go to [`Scim::handle_stream`], where everything SCIM happens (the body is read
//! there, under the engine's limits). scimkit-actix's `ScimRequest` has the same shape.

use axum::body::Body;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, RawPathParams, Request};
use http::request::Parts;
use scimkit_core::engine::{mount_prefix, tenant_param, Mount};
use scimkit_core::{Scim, ScimError};

use crate::ScimResponse;

/// A request for the SCIM engine, extracted in an axum handler: the request's head, its body
/// (not yet read), the mount prefix and the tenant path parameter.
///
/// [`crate::router`] is one handler built from it; a host writes its own when it wants to
/// do something around the engine call:
///
/// ```
/// use axum::Router;
/// use scimkit_axum::{ScimRequest, ScimResponse};
/// use scimkit_core::Scim;
///
/// fn scim_routes(scim: Scim) -> Router {
///     Router::new().fallback(move |request: ScimRequest| async move {
///         let response: ScimResponse = request.handle(&scim).await;
///         // e.g. count response.0.status() in the host's metrics
///         response
///     })
/// }
/// ```
///
/// **Mount prefix**: the part of the original path ([`OriginalUri`]) before the path the
/// nested router sees, so `Location` and `meta.location` are right wherever the router is
/// nested (`/scim/v2`, `/api/scim/v2/{tenant}`, or the root).
///
/// **Tenant**: the path parameter named `tenant` if the enclosing route has one, else the only
/// path parameter if there is exactly one, else none. A router nested with
/// [`axum::Router::nest`] sees the parameters of the nest path (axum merges the parent's
/// captures into its own), so `nest("/scim/v2/{org}", router)` hands `org` to the
/// [`scimkit_core::auth::Authenticator`] as `AuthRequest::tenant`.
///
/// **Body**: the extractor never reads it and never rejects, so it needs no engine in the
/// host's state; [`handle`](Self::handle) reads it, after the engine has admitted the head.
#[derive(Debug)]
pub struct ScimRequest {
    parts: Parts,
    body: Body,
    prefix: String,
    tenant: Option<String>,
    /// Why the request is refused before the engine sees it, when it is.
    refusal: Option<ScimError>,
}

impl ScimRequest {
    /// The request's head (method, URI as the nested router sees it, headers, extensions).
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// The mount prefix, e.g. `/scim/v2/acme` (empty at the root).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The tenant path parameter, if the route has one (see the type's documentation).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// Replaces the mount prefix and tenant, for handlers mounted where the rule does not fit
    /// (a route with a tail parameter, a tenant taken from elsewhere). A path parameter that
    /// was not UTF-8 no longer counts: the tenant is the one given here.
    #[must_use]
    pub fn with_mount(mut self, prefix: impl Into<String>, tenant: Option<String>) -> Self {
        self.prefix = prefix.into();
        self.tenant = tenant;
        self.refusal = None;
        self
    }

    /// Answers the request with the engine, through [`Scim::handle_stream`]: the head is
    /// decided by [`Scim::admit`] (an unknown path or a caller that is not authenticated is
    /// refused without reading the body), then the body is read with [`Scim::read_body`] (the
    /// endpoint's size limit, `413` without reading the rest; the body timeout, `408` for a
    /// slow or stalled client), and the engine answers.
    ///
    /// A path parameter that is not UTF-8 once percent-decoded is answered with the SCIM `404`
    /// (it could be the tenant, and no tenant is named so).
    pub async fn handle(self, scim: &Scim) -> ScimResponse {
        if let Some(error) = &self.refusal {
            return ScimResponse(scim.error_response(error));
        }
        let mount = Mount {
            prefix: &self.prefix,
            tenant: self.tenant.as_deref(),
        };
        let body = self.body.into_data_stream();
        ScimResponse(scim.handle_stream(self.parts, body, mount).await)
    }
}

impl<S> FromRequest<S> for ScimRequest
where
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let (tenant, refusal) = match RawPathParams::from_request_parts(&mut parts, state).await {
            Ok(params) => (tenant_param(&params).map(str::to_owned), None),
            Err(RawPathParamsRejection::InvalidUtf8InPathParam(_)) => (
                None,
                Some(ScimError::NotFound(
                    "a path segment is not valid UTF-8 once percent-decoded".to_owned(),
                )),
            ),
            Err(_) => (None, None),
        };
        let prefix = match parts.extensions.get::<OriginalUri>() {
            Some(OriginalUri(original)) => mount_prefix(original.path(), parts.uri.path()),
            None => "",
        }
        .to_owned();
        Ok(ScimRequest {
            parts,
            body,
            prefix,
            tenant,
            refusal,
        })
    }
}
