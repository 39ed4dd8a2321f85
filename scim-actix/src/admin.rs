//! `configure_admin`: scimkit-core's admin API ([`Admin`]) as the default service of an
//! actix-web scope. Glue only: the request's head (converted by [`ScimRequest`]) and unread
//! payload go to [`Admin::handle_stream`], which routes, reads the body under its limit and
//! answers.

use actix_web::web;
use scimkit_core::admin::Admin;

use crate::{ScimRequest, ScimResponse};

/// Mounts `admin` in an actix-web [`Scope`](actix_web::Scope) (or `App`): every path and
/// method below the scope goes to the admin API (`…/tenants/{tenant}/tokens`, …; see
/// [`scimkit_core::admin`]), through the scope's default service, like
/// [`configure`](crate::configure).
///
/// **The admin API does no authentication.** Mount it only in a scope wrapped in the host's
/// own administrator check (e.g. `.wrap(actix_web::middleware::from_fn(require_admin))`) that
/// refuses a request whose session may not manage the tenant in its path.
///
/// The path the API routes on is the part below the enclosing scopes (the mount prefix is
/// found as for [`configure`](crate::configure) and removed); the tenant is the API's own path
/// segment, so the scope needs no `{tenant}` parameter. The response is passed through
/// unchanged.
pub fn configure_admin(admin: Admin) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        let admin = admin.clone();
        // `web::Payload` is extracted first and takes the payload; `ScimRequest` then converts
        // the head and finds the mount prefix (its own payload is left empty and unused).
        cfg.default_service(web::to(
            move |payload: web::Payload, request: ScimRequest| {
                let admin = admin.clone();
                async move {
                    let response = admin
                        .handle_stream(request.parts().clone(), payload, request.prefix())
                        .await;
                    ScimResponse::from(response)
                }
            },
        ));
    }
}
