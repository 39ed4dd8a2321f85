#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admin;
mod request;
mod response;
mod serve;

use axum::Router;
use scimkit_core::Scim;

pub use admin::admin_router;
pub use request::ScimRequest;
pub use response::ScimResponse;
pub use serve::serve;

/// A router that answers every path and method below the point where it is nested with the
/// SCIM engine.
///
/// Nest it with [`Router::nest`] under any prefix, with or without a tenant path parameter
/// (`/scim/v2`, `/scim/v2/{tenant}`); the tenant rule and the mount prefix are described on
/// [`ScimRequest`]. It is one fallback handler, so it is generic over the host's state and
/// never conflicts with the host's own routes outside the nested prefix.
///
/// Do not [`Router::merge`] it into a router that has its own fallback (axum refuses two
/// custom fallbacks); nest it instead.
pub fn router<S>(scim: Scim) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().fallback(move |request: ScimRequest| async move { request.handle(&scim).await })
}
