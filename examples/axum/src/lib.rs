//! A small host app around SCIM: the pieces `main.rs` serves, built here so tests can build
//! the same app.
//!
//! - [`credentials`], [`engine`], [`engine_with_activity`]: the token and the engine, shared
//!   with example-actix (`example-host`);
//! - [`app`]: the host's router: `/healthz` and SCIM nested at [`SCIM_PATH`];
//! - [`settings`]: the settings page at `/admin` (tokens, Tenant URL, activity log), served
//!   when the server has an admin token ([`app_with_settings`]).

pub mod settings;

use axum::routing::get;
use axum::Router;
use scimkit_core::Scim;

pub use example_host::{credentials, engine, engine_with_activity, Credentials, SCIM_PATH, TENANT};
pub use settings::Settings;

/// The host app: `GET /healthz` answers `ok`, SCIM is nested at [`SCIM_PATH`].
pub fn app(scim: Scim) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest(SCIM_PATH, scimkit_axum::router(scim))
}

/// [`app`] with the settings page at `/admin` ([`settings`]).
pub fn app_with_settings(scim: Scim, settings: Settings) -> Router {
    app(scim).merge(settings.router())
}
