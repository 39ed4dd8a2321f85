//! A small host app around SCIM: the pieces `main.rs` serves, built here so tests can build
//! the same app.
//!
//! - [`credentials`], [`engine`]: the token and the engine, shared with example-actix
//!   (`example-host`);
//! - [`app`]: the host's router: `/healthz` and SCIM nested at [`SCIM_PATH`].

use axum::routing::get;
use axum::Router;
use scimkit_core::Scim;

pub use example_host::{credentials, engine, Credentials, SCIM_PATH, TENANT};

/// The host app: `GET /healthz` answers `ok`, SCIM is nested at [`SCIM_PATH`].
pub fn app(scim: Scim) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest(SCIM_PATH, scimkit_axum::router(scim))
}
