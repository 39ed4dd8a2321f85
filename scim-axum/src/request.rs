//! `ScimRequest`: the axum extractor that turns a request into what the engine takes.
//!
//! It only converts: the mount prefix and tenant come from axum's routing, the body is read
//! under the engine's limit. Everything SCIM happens in [`Scim::handle_with`].

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
#[derive(Debug)]
pub struct ScimRequest {
    parts: Parts,
    body: Body,
    prefix: String,
    tenant: Result<Option<String>, InvalidPath>,
}

/// A path parameter that is not UTF-8 once percent-decoded: no tenant can be named so.
#[derive(Debug)]
struct InvalidPath;

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
        self.tenant.as_ref().ok()?.as_deref()
    }

    /// Decides the request on its head with [`Scim::admit`] (an unknown path or a caller that is
    /// not authenticated is refused without reading the body), then reads the body with
    /// [`Scim::read_body`] (the endpoint's size limit, `413` without reading the rest; the body
    /// timeout, `408` for a slow or stalled client), and answers the request with the engine.
    ///
    /// A path parameter that is not UTF-8 once percent-decoded is answered with the SCIM `404`
    /// (it could be the tenant, and no tenant is named so).
    pub async fn handle(self, scim: &Scim) -> ScimResponse {
        let Ok(tenant) = self.tenant else {
            return ScimResponse(scim.error_response(&ScimError::NotFound(
                "a path segment is not valid UTF-8 once percent-decoded".to_owned(),
            )));
        };
        let mount = Mount {
            prefix: &self.prefix,
            tenant: tenant.as_deref(),
        };
        // Route and caller are decided on the head: a refused request's body is never read.
        let admitted = match scim.admit(&self.parts, mount).await {
            Ok(admitted) => admitted,
            Err(refused) => return ScimResponse(refused),
        };
        let declared = self
            .parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok());
        let body = match scim
            .read_body(
                self.parts.uri.path(),
                declared,
                self.body.into_data_stream(),
            )
            .await
        {
            Ok(body) => body,
            Err(refused) => return ScimResponse(refused),
        };
        let request = http::Request::from_parts(self.parts, body);
        ScimResponse(scim.handle_admitted(request, mount, admitted).await)
    }
}

impl<S> FromRequest<S> for ScimRequest
where
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let tenant = match RawPathParams::from_request_parts(&mut parts, state).await {
            Ok(params) => Ok(tenant_param(&params).map(str::to_owned)),
            Err(RawPathParamsRejection::InvalidUtf8InPathParam(_)) => Err(InvalidPath),
            Err(_) => Ok(None),
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
        })
    }
}
