//! `admin_router`: scimkit-core's admin API ([`Admin`]) as an axum router. Glue only: the
//! request's head and unread body go to [`Admin::handle_stream`], which routes, reads the body
//! under its limit and answers.

use axum::extract::Request;
use axum::Router;
use scimkit_core::admin::Admin;

use crate::ScimResponse;

/// A router answering every path and method below where it is nested with the admin API
/// (`…/tenants/{tenant}/tokens`, …; see [`scimkit_core::admin`]).
///
/// **The admin API does no authentication.** Nest this router only behind the host's own
/// administrator check, e.g. a [`Router::layer`] with `axum::middleware::from_fn` that refuses
/// a request whose session may not manage the tenant in its path. Use `layer`, not
/// `route_layer`: the router is one fallback handler, which `route_layer` does not wrap.
///
/// The nested router sees the path below the nest point, which is the path the admin API
/// routes on; the host's nest path needs no `{tenant}` parameter (the tenant is the API's own
/// path segment). The response (JSON, `Allow`, `Cache-Control`) is passed through unchanged.
pub fn admin_router<S>(admin: Admin) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().fallback(move |request: Request| async move {
        let (parts, body) = request.into_parts();
        ScimResponse(
            admin
                .handle_stream(parts, body.into_data_stream(), "")
                .await,
        )
    })
}
