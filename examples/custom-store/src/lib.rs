//! Write your own store: SCIM 2.0 over an app's own data, mounted in an axum app.
//!
//! - [`model`]: the app's `Account`, `Team` and `Org` structs (no SCIM in them);
//! - [`store`]: [`AppStore`], the `ResourceStore` over them;
//! - [`app`], [`engine`]: the engine over the store, nested at `/scim/v2` beside the app's own
//!   routes.

pub mod model;
pub mod store;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use scimkit_core::engine::BuildError;
use scimkit_core::prelude::*;

pub use store::{AppStore, ACCOUNT_FIELDS, TEAM_FIELDS};

/// The engine over `store`, authenticating with `tokens` (each token acts for its tenant).
pub fn engine(tokens: Arc<BearerTokens>, store: AppStore) -> Result<Scim, BuildError> {
    Scim::builder()
        .store(store)
        .shared_authenticator(tokens)
        .build()
}

/// The host app: its own `/healthz` route, and SCIM at `/scim/v2`.
pub fn app(scim: Scim) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest("/scim/v2", scimkit_axum::router(scim))
}
