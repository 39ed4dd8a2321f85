//! A SCIM 2.0 service provider whose [`ResourceStore`](scimkit_core::store::ResourceStore) is an
//! existing app's relational PostgreSQL tables (`accounts`, `account_emails`, `teams`,
//! `team_memberships`): a configuration of scimkit-sql's
//! [`SqlStore`]. See README.md.
//!
//! - [`schema`]: the app's tables and the migration creating them;
//! - [`mapping`]: the [`Table`](scimkit_sql::store::Table) declarations (SCIM attribute →
//!   column) and the User type with the app's `role`;
//! - [`open`]: the database, both migrations and the store; [`engine`], [`app`]: the SCIM
//!   engine over it and the axum router;
//! - [`test_db`]: a throw-away schema per test (this crate's tests, its benchmark, the
//!   conformance suite).

pub mod mapping;
pub mod schema;
pub mod test_db;

use axum::routing::get;
use axum::Router;
use scimkit_core::auth::Authenticator;
use scimkit_core::engine::BuildError;
use scimkit_core::schema::ResourceType;
use scimkit_core::Scim;
use scimkit_sql::store::SqlStore;
use scimkit_sql::{migrations, shared_cursor_key, Db};

pub use example_host::{credentials, Credentials, SCIM_PATH, TENANT};

/// The default `--database-url`.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Why the store could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The schema name is not a plain identifier (it is written into SQL).
    #[error(
        "invalid schema name {0:?}: use lowercase ASCII letters, digits and `_`, \
         not starting with a digit, at most 63 bytes"
    )]
    Schema(String),
    /// PostgreSQL refused: unreachable, or a migration failed.
    #[error(transparent)]
    Database(#[from] scimkit_sql::Error),
    /// The tables do not fit the resource types (a mistake in [`mapping`]).
    #[error(transparent)]
    Mapping(#[from] scimkit_sql::store::BuildError),
}

/// The database at `url` with the app's tables in `schema` (created with its tables when
/// missing) and scimkit-sql's own tables, and the store over them, its cursors sealed with
/// `cursor_key` when given, else with the key every instance on the database shares.
pub async fn open(
    url: &str,
    schema: &str,
    cursor_key: Option<[u8; 32]>,
) -> Result<(Db, SqlStore), StartError> {
    if !schema::valid_schema_name(schema) {
        return Err(StartError::Schema(schema.to_owned()));
    }
    let admin = Db::connect_with(url, 1).await?;
    let created = admin
        .execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""), &[])
        .await;
    admin.close().await;
    created?;
    let db = Db::connect(&in_schema(url, schema)).await?;
    migrations::run(&db).await?;
    for statement in schema::MIGRATION {
        db.execute(statement, &[]).await?;
    }
    let store = store(&db, cursor_key).await?;
    Ok((db, store))
}

/// `url` with every connection's `search_path` set to `schema` (a valid schema name).
fn in_schema(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}")
}

/// The store over `db`, whose tables exist: [`mapping::user_type`] in `accounts`, Group in
/// `teams`, cursors sealed with `cursor_key`, else with the database's shared key.
pub async fn store(db: &Db, cursor_key: Option<[u8; 32]>) -> Result<SqlStore, StartError> {
    let key = match cursor_key {
        Some(key) => key,
        None => shared_cursor_key(db).await?,
    };
    Ok(SqlStore::builder(db.clone())
        .resource(mapping::user_type(), mapping::users())
        .resource(ResourceType::group(), mapping::groups())
        .cursor_key(key)
        .build()?)
}

/// The SCIM engine over `store`: User (with the core `role`) and Group, bearer tokens, and
/// a log line per change.
pub fn engine(store: SqlStore, tokens: impl Authenticator) -> Result<Scim, BuildError> {
    Scim::builder()
        .store(store)
        .resource_type(mapping::user_type())
        .resource_type(ResourceType::group())
        .authenticator(tokens)
        .change_password(true)
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
