#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod admin;
mod request;
mod response;
mod serve;

use actix_web::web;
use scimkit_core::Scim;

pub use admin::configure_admin;
#[allow(deprecated)]
pub use request::ScimRejection;
pub use request::ScimRequest;
pub use response::ScimResponse;
pub use serve::limit_connections;

/// Mounts `scim` in an actix-web [`App`](actix_web::App) or [`Scope`](actix_web::Scope): every
/// path and method below the scope goes to the engine, through the scope's default service.
///
/// Use it with [`Scope::configure`](actix_web::Scope::configure) (or `App::configure` to serve at
/// the root). The closure is `Fn + Clone`, so it can be built once outside the
/// `HttpServer::new` factory and cloned into it.
///
/// - **Mount prefix**: the part of the request path matched by the enclosing scopes
///   (`/scim/v2`, `/scim/v2/acme`), so `Location` and `meta.location` are right wherever the
///   engine is mounted.
/// - **Tenant**: the path parameter named `tenant` if an enclosing scope has one
///   (`web::scope("/scim/v2/{tenant}")`), else the only path parameter if there is exactly
///   one, else none. It is handed to the authenticator as `AuthRequest::tenant`.
/// - **Body**: read only once the engine has admitted the head, streamed and limited to the
///   endpoint's [`Scim::body_limit`] while it is read; a larger body (or `Content-Length`) is
///   answered with the SCIM `413` error. actix-web's own payload limits do not apply (no
///   buffering extractor is used).
pub fn configure(scim: Scim) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        let scim = scim.clone();
        cfg.default_service(web::to(move |request: ScimRequest| {
            let scim = scim.clone();
            async move { request.handle(&scim).await }
        }));
    }
}
