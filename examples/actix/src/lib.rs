//! A small host app around SCIM on actix-web: the pieces `main.rs` serves, built here so tests
//! can build the same app.
//!
//! - [`credentials`], [`engine`]: the token and the engine, shared with example-axum
//!   (`example-host`);
//! - [`configure_app`]: the host's routes: `/healthz` and SCIM in a scope at [`SCIM_PATH`].

use actix_web::web;
use scimkit_core::Scim;

pub use example_host::{credentials, engine, Credentials, SCIM_PATH, TENANT};

/// The host's routes: `GET /healthz` answers `ok`, SCIM is mounted in a scope at
/// [`SCIM_PATH`]. Use it as `App::new().configure(|cfg| configure_app(cfg, scim.clone()))`.
pub fn configure_app(cfg: &mut web::ServiceConfig, scim: Scim) {
    cfg.route("/healthz", web::get().to(|| async { "ok" }))
        .service(web::scope(SCIM_PATH).configure(scimkit_actix::configure(scim)));
}
