//! A SCIM 2.0 service provider whose [`ResourceStore`](scimkit_core::store::ResourceStore) is an
//! existing app's relational PostgreSQL tables (`accounts`, `account_emails`, `teams`,
//! `team_memberships`). See README.md.
//!
//! - [`schema`]: the tables and the migration creating them;
//! - [`mapping`]: the scim-core SQL mappings (SCIM attribute → column);
//! - [`PgStore`] (`store.rs`) with `users.rs`, `groups.rs`, `list.rs`, `db.rs`;
//! - [`engine`], [`app`]: the SCIM engine over the store and the axum router;
//! - [`test_db`]: a throw-away schema per test (this crate's tests, its benchmark, the
//!   conformance suite).

mod db;
mod groups;
pub mod list;
pub mod mapping;
pub mod schema;
mod store;
pub mod test_db;
mod users;

use axum::routing::get;
use axum::Router;
use scimkit_core::auth::Authenticator;
use scimkit_core::engine::BuildError;
use scimkit_core::schema::ResourceType;
use scimkit_core::Scim;

pub use example_host::{credentials, Credentials, SCIM_PATH, TENANT};
pub use groups::{ADD_MEMBERS_SQL, ADMIT_SQL, REMOVE_MEMBERS_SQL};
pub use store::{PgStore, StartError, CURSOR_TIMEOUT, GROUP_COLUMNS, USER_COLUMNS};

/// The default `--database-url`.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The SCIM engine over `store`: User (with the core `role`) and Group, bearer tokens, and
/// a log line per change.
pub fn engine(store: PgStore, tokens: impl Authenticator) -> Result<Scim, BuildError> {
    Scim::builder()
        .store(store)
        .resource_type(mapping::user_type())
        .resource_type(ResourceType::group())
        .authenticator(tokens)
        .events(|change: &scimkit_core::events::Change| {
            tracing::info!(
                kind = ?change.kind,
                resource_type = %change.resource_type,
                id = %change.id,
                "provisioning change"
            );
        })
        .build()
}

/// The host app: `GET /healthz` answers `ok`, SCIM is nested at [`SCIM_PATH`].
pub fn app(scim: Scim) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest(SCIM_PATH, scimkit_axum::router(scim))
}
