//! The host app both example servers share, whatever their web framework: the command-line
//! flags, the bearer token (given, or minted once), the store (in memory by default, or
//! scimkit-sql's `SqlStore` with `--database-url`: example-sqlite's tables in a SQLite file
//! with `sqlite://PATH`, the demo tables with `postgres://…` or `mysql://…`; tokens and the
//! cursor key live in the database, so a restart loses nothing and several instances can
//! serve it), the SCIM engine over it with an events hook that logs every provisioning
//! change, and the start-up banner.
//!
//! `example-axum`, `example-actix` and `example-hyper` only add their framework's routes and
//! server around it (`shutdown_signal` stops the axum and hyper servers on Ctrl-C/SIGTERM).

mod shutdown;

pub use shutdown::shutdown_signal;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use scimkit_core::activity::{ActivityLog, InMemoryActivityLog};
use scimkit_core::admin::{TokenAdmin, TokenAdminError};
use scimkit_core::auth::{
    AuthError, AuthRequest, Authenticator, BearerTokens, MintedToken, TokenError, TokenId,
    TokenInfo,
};
use scimkit_core::context::Context;
use scimkit_core::context::Tenant;
use scimkit_core::engine::{BuildError, PatchResponse};
use scimkit_core::events::Change;
use scimkit_core::schema::ResourceType;
use scimkit_core::{ConnectionLimits, InMemoryStore, Scim};
use scimkit_sql::store::{SqlStore, Table};
use scimkit_sql::testkit::demo;
use scimkit_sql::{shared_cursor_key, Backend, Db, SqlActivityLog, SqlTokens};
use tracing_subscriber::EnvFilter;

/// Where SCIM is served.
pub const SCIM_PATH: &str = "/scim/v2";

/// The one tenant of the examples (every token acts for it).
pub const TENANT: &str = "default";

/// The flags of both example servers (flatten into the binary's own `clap::Parser`).
#[derive(Debug, Clone, clap::Args)]
pub struct HostArgs {
    /// The address to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        env = "SCIM_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,

    /// The bearer token identity providers must send; without one a token is minted and
    /// printed once.
    #[arg(long, value_name = "TOKEN", env = "SCIM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// The log filter (`info`, `debug`, `scimkit_core=debug`…).
    #[arg(long, value_name = "FILTER", default_value = "info")]
    pub log_level: String,

    /// Seconds a client may take to send a request head, counted from when the server starts
    /// waiting for one; slower or idle connections are closed (1–3600).
    #[arg(
        long,
        value_name = "SECS",
        env = "SCIM_HEADER_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub header_timeout: u64,

    /// Connections served at once; more wait to be accepted. Keep it below the open-file
    /// limit (`ulimit -n`).
    #[arg(
        long,
        value_name = "N",
        env = "SCIM_MAX_CONNECTIONS",
        default_value_t = ConnectionLimits::DEFAULT_MAX_CONNECTIONS as u64,
        value_parser = clap::value_parser!(u64).range(1..=1_000_000)
    )]
    pub max_connections: u64,

    /// The secret sealing list cursors, 64 hex digits (`openssl rand -hex 32`), instead of the
    /// key kept in the database (`--database-url`), which every instance on it already
    /// shares; give every instance the same one. With the in-memory store, whose cursors die
    /// with the process, it changes nothing.
    #[arg(
        long,
        value_name = "HEX",
        env = "SCIM_CURSOR_KEY",
        hide_env_values = true,
        value_parser = parse_cursor_key
    )]
    pub cursor_key: Option<[u8; 32]>,
}

/// 64 hex digits as a cursor key.
fn parse_cursor_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let wrong = || {
        format!(
            "a cursor key is 64 hex digits (32 bytes); got {} characters",
            text.len()
        )
    };
    if text.len() != 64 || !text.is_ascii() {
        return Err(wrong());
    }
    let mut key = [0_u8; 32];
    for (byte, pair) in key.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| wrong())?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| wrong())?;
    }
    Ok(key)
}

/// The store flag of example-axum and example-actix (flatten next to [`HostArgs`]). Kept
/// apart from `HostArgs` because example-postgres flattens `HostArgs` and has its own
/// `--database-url` (a PostgreSQL URL, env `DATABASE_URL`).
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Where to keep resources, tokens and the cursor key: `sqlite://PATH` (the file is
    /// created if missing), `sqlite:PATH` or `sqlite::memory:` for example-sqlite's tables;
    /// `postgres://…`, `mysql://…` or `mariadb://…` for scimkit-sql's demo tables. The tables
    /// are created if missing. Without it, in memory (lost on exit).
    #[arg(long, value_name = "URL", env = "SCIM_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// Opens the store `--database-url` names ([`StoreChoice::open`]).
    pub async fn open(&self) -> Result<StoreChoice, OpenStoreError> {
        StoreChoice::open(self.database_url.as_deref()).await
    }
}

impl HostArgs {
    /// The connection limits `--header-timeout` and `--max-connections` give.
    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(self.header_timeout),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
        }
    }

    /// Starts logging with `--log-level` and sets up the credentials, refusing an empty
    /// `--token` and an invalid log filter with a message a person can act on.
    pub fn start(&self) -> Result<Credentials, Box<dyn std::error::Error>> {
        let filter = EnvFilter::try_new(&self.log_level)
            .map_err(|error| format!("invalid --log-level {:?}: {error}", self.log_level))?;
        tracing_subscriber::fmt().with_env_filter(filter).init();
        if self
            .token
            .as_deref()
            .is_some_and(|token| token.trim().is_empty())
        {
            return Err(
                "--token / SCIM_TOKEN is empty: give a long random secret, or none to mint one"
                    .into(),
            );
        }
        Ok(credentials(self.token.as_deref())?)
    }
}

/// The store the engine keeps resources in.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    /// [`InMemoryStore`]: the default; everything is lost on exit.
    Memory,
    /// scimkit-sql's [`SqlStore`] over a database's tables — example-sqlite's in SQLite, the
    /// demo tables in PostgreSQL or MySQL/MariaDB — with the tokens and the cursor key every
    /// instance on the database shares.
    Sql {
        /// The database URL given (shown without its password).
        url: String,
        /// The store.
        store: SqlStore,
        /// The bearer tokens in the database.
        tokens: SqlTokens,
        /// The key sealing list cursors: the database's, or `--cursor-key`.
        cursor_key: [u8; 32],
    },
}

/// Why `--database-url` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenStoreError {
    /// The database refused, or its tables could not be made.
    #[error(transparent)]
    Sql(#[from] scimkit_sql::Error),
    /// The SQLite database could not be opened or its tables made.
    #[error(transparent)]
    Sqlite(#[from] example_sqlite::OpenError),
    /// The tables do not fit the resource types.
    #[error(transparent)]
    Tables(#[from] scimkit_sql::store::BuildError),
    /// The URL names no database the examples use.
    #[error(
        "unsupported database URL scheme {0:?}: use sqlite://PATH, sqlite:PATH, \
         sqlite::memory:, postgres://…, mysql://… or mariadb://…"
    )]
    Url(String),
}

impl StoreChoice {
    /// `None` → [`StoreChoice::Memory`]; a `sqlite:` URL → example-sqlite's tables in that
    /// file (or in-memory database); a `postgres://`, `mysql://` or `mariadb://` URL → the
    /// demo tables there. Both are [`StoreChoice::Sql`]: the tables and scimkit-sql's own
    /// (tokens, settings) are created when missing, and the store's cursors are sealed with
    /// the database's key. Anything else → [`OpenStoreError::Url`], naming the accepted forms.
    pub async fn open(url: Option<&str>) -> Result<StoreChoice, OpenStoreError> {
        let Some(url) = url else {
            return Ok(StoreChoice::Memory);
        };
        let db = match Backend::from_url(url) {
            Ok(Backend::Sqlite) => example_sqlite::connect(url).await?,
            Ok(Backend::Postgres | Backend::MySql) => {
                let db = Db::connect(url).await?;
                demo::create(&db).await?;
                db
            }
            Err(_) => {
                let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
                return Err(OpenStoreError::Url(scheme.chars().take(32).collect()));
            }
        };
        let cursor_key = shared_cursor_key(&db).await?;
        Ok(StoreChoice::Sql {
            url: without_password(url),
            store: sql_store(&db, cursor_key)?,
            tokens: SqlTokens::new(db),
            cursor_key,
        })
    }

    /// The choice with its cursors sealed by `key` when one is given (`--cursor-key`), in
    /// place of the database's key; the in-memory store's cursors die with the process, so
    /// there it changes nothing.
    #[must_use]
    pub fn with_cursor_key(self, key: Option<[u8; 32]>) -> StoreChoice {
        let (
            StoreChoice::Sql {
                url, store, tokens, ..
            },
            Some(key),
        ) = (&self, key)
        else {
            return self;
        };
        // The tables were checked when the store was built; only the key differs.
        match sql_store(store.db(), key) {
            Ok(keyed) => StoreChoice::Sql {
                url: url.clone(),
                store: keyed,
                tokens: tokens.clone(),
                cursor_key: key,
            },
            Err(error) => {
                tracing::warn!(%error, "--cursor-key not applied: the database's key is kept");
                self
            }
        }
    }

    /// For the banner: `in-memory store`, or `<database> store at <url>` (`SQLite store at
    /// sqlite://scim.db`).
    pub fn describe(&self) -> String {
        match self {
            StoreChoice::Memory => "in-memory store".to_owned(),
            StoreChoice::Sql { url, store, .. } => {
                format!("{} store at {url}", store.db().backend())
            }
        }
    }

    /// The credentials to serve with: `memory` (what [`HostArgs::start`] set up) for the
    /// in-memory store; with a database, its `scim_tokens` table: there `token` (the
    /// operator's `--token`) is stored, or, when none is given and the tenant has no token
    /// yet, one is minted (printed once); a later start or instance adopts the stored ones.
    pub async fn credentials(
        &self,
        memory: Credentials,
        token: Option<&str>,
    ) -> Result<Credentials, scimkit_sql::Error> {
        let StoreChoice::Sql { tokens, .. } = self else {
            return Ok(memory);
        };
        let tenant = Tenant::new(TENANT);
        let minted = match token {
            Some(token) => {
                tokens
                    .insert_hash(&configured(), BearerTokens::hash_token(token))
                    .await?;
                None
            }
            None if tokens.tokens(&tenant).await?.is_empty() => {
                Some(tokens.mint(&tenant, "identity provider", None).await?.token)
            }
            None => None,
        };
        Ok(Credentials {
            tokens: Tokens::Database(tokens.clone()),
            minted,
        })
    }

    /// Where the activity log is kept: in memory (the last 1000 requests) for the in-memory
    /// store; with a database, in its `scim_activity` table (the last 1000 per tenant,
    /// shared by every instance on it, kept across restarts). Call it inside the runtime: the
    /// database's log writes from a task of its own.
    pub fn activity_log(&self) -> Arc<dyn ActivityLog> {
        match self {
            StoreChoice::Memory => Arc::new(InMemoryActivityLog::default()),
            StoreChoice::Sql { store, .. } => Arc::new(SqlActivityLog::new(store.db().clone())),
        }
    }

    /// The cursor key the engine seals its own cursors with: the store's, for a database.
    pub fn cursor_key(&self) -> Option<[u8; 32]> {
        match self {
            StoreChoice::Sql { cursor_key, .. } => Some(*cursor_key),
            StoreChoice::Memory => None,
        }
    }
}

/// The store over `db`'s tables for its database (example-sqlite's in SQLite, the demo
/// tables elsewhere), its cursors sealed with `cursor_key`.
fn sql_store(db: &Db, cursor_key: [u8; 32]) -> Result<SqlStore, scimkit_sql::store::BuildError> {
    let (users, groups): (Table, Table) = match db.backend() {
        Backend::Sqlite => (
            example_sqlite::tables::users(),
            example_sqlite::tables::groups(),
        ),
        Backend::Postgres | Backend::MySql => demo::tables(db.backend()),
    };
    SqlStore::builder(db.clone())
        .resource(ResourceType::user(), users)
        .resource(ResourceType::group(), groups)
        .cursor_key(cursor_key)
        .build()
}

/// `url` with any password replaced by `***`, for printing.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Where the engine checks bearer tokens: a table in memory, or the database's.
#[derive(Debug, Clone)]
pub enum Tokens {
    /// [`BearerTokens`] in this process.
    Memory(Arc<BearerTokens>),
    /// [`SqlTokens`]: shared by every instance over the database.
    Database(SqlTokens),
}

#[async_trait]
impl Authenticator for Tokens {
    async fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Context, AuthError> {
        match self {
            Tokens::Memory(tokens) => tokens.authenticate(request).await,
            Tokens::Database(tokens) => tokens.authenticate(request).await,
        }
    }
}

/// The admin API's token operations (the settings page of example-axum) on whichever table
/// the engine checks.
#[async_trait]
impl TokenAdmin for Tokens {
    async fn list(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>, TokenAdminError> {
        match self {
            Tokens::Memory(tokens) => tokens.list(tenant).await,
            Tokens::Database(tokens) => tokens.list(tenant).await,
        }
    }

    async fn mint(
        &self,
        tenant: &Tenant,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        match self {
            Tokens::Memory(tokens) => TokenAdmin::mint(tokens, tenant, label, expires_at).await,
            Tokens::Database(tokens) => TokenAdmin::mint(tokens, tenant, label, expires_at).await,
        }
    }

    async fn rotate(
        &self,
        tenant: &Tenant,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        match self {
            Tokens::Memory(tokens) => TokenAdmin::rotate(tokens, tenant, id, expires_at).await,
            Tokens::Database(tokens) => TokenAdmin::rotate(tokens, tenant, id, expires_at).await,
        }
    }

    async fn revoke(&self, tenant: &Tenant, id: &TokenId) -> Result<(), TokenAdminError> {
        match self {
            Tokens::Memory(tokens) => TokenAdmin::revoke(tokens, tenant, id).await,
            Tokens::Database(tokens) => TokenAdmin::revoke(tokens, tenant, id).await,
        }
    }
}

/// The token table and, when it was minted here, the token's text (to print once).
#[derive(Debug)]
pub struct Credentials {
    /// Where the engine checks tokens.
    pub tokens: Tokens,
    /// The freshly minted token, `None` when the operator gave one (or, with a database, one
    /// was minted by an earlier start).
    pub minted: Option<String>,
}

/// The metadata of the operator's `--token`.
fn configured() -> TokenInfo {
    TokenInfo {
        id: TokenId::new("configured"),
        tenant: Tenant::new(TENANT),
        label: "identity provider".to_owned(),
        created: chrono::Utc::now(),
        expires_at: None,
        last_used_at: None,
    }
}

/// Registers `token` (only its hash is kept), or mints a new token when there is none.
pub fn credentials(token: Option<&str>) -> Result<Credentials, TokenError> {
    let tokens = Arc::new(BearerTokens::new());
    let minted = match token {
        Some(token) => {
            tokens.insert_hash(configured(), BearerTokens::hash_token(token));
            None
        }
        None => {
            Some(BearerTokens::mint(&tokens, Tenant::new(TENANT), "identity provider", None)?.token)
        }
    };
    Ok(Credentials {
        tokens: Tokens::Memory(tokens),
        minted,
    })
}

/// The SCIM engine: the chosen store, bearer tokens, a hook logging each change, and password
/// changes enabled (Okta's password sync; off by default in the library — a real host stores a
/// hash, never the password).
pub fn engine(tokens: Tokens, store: StoreChoice) -> Result<Scim, BuildError> {
    builder(tokens, store).build()
}

/// [`engine`] recording every answered request in `activity` (the settings page's log), the
/// refusals of unknown or rotated tokens included (for [`TENANT`]: the examples' SCIM URL
/// names no tenant).
pub fn engine_with_activity(
    tokens: Tokens,
    store: StoreChoice,
    activity: Arc<dyn ActivityLog>,
) -> Result<Scim, BuildError> {
    builder(tokens, store)
        .shared_activity_log(activity)
        .activity_tenant(Tenant::new(TENANT))
        .build()
}

/// The engine's builder: the store, the tokens, the events hook, password changes.
fn builder(tokens: Tokens, store: StoreChoice) -> scimkit_core::engine::ScimBuilder {
    let builder = match store {
        StoreChoice::Memory => Scim::builder().store(InMemoryStore::new()),
        // Groups in a database may be large: a members-only PATCH (Entra's and Okta's member
        // add and remove) is answered 204, so it never renders the member list.
        StoreChoice::Sql {
            store, cursor_key, ..
        } => Scim::builder()
            .store(store)
            .cursor_key(cursor_key)
            .patch_response(PatchResponse::NoContentForMembers),
    };
    builder
        .authenticator(tokens)
        .events(log_change)
        .change_password(true)
}

/// The events hook: one log line per committed provisioning change. A real host would revoke
/// the sessions of a deactivated user here, or queue a welcome e-mail.
fn log_change(change: &Change) {
    tracing::info!(
        kind = ?change.kind,
        resource_type = %change.resource_type,
        id = %change.id,
        deactivated = change.deactivated,
        "provisioning change"
    );
}

/// Prints where to point the identity provider, and the token when it was minted here.
pub fn print_banner(
    framework: &str,
    addr: SocketAddr,
    credentials: &Credentials,
    store: &StoreChoice,
) {
    println!(
        "SCIM 2.0 service provider on {framework} ({})",
        store.describe()
    );
    println!("  Tenant URL:   http://{addr}{SCIM_PATH}");
    match (&credentials.minted, &credentials.tokens) {
        (Some(token), _) => println!("  Secret token: {token}   (shown once)"),
        (None, Tokens::Database(_)) => println!(
            "  Secret token: the one given with --token / SCIM_TOKEN, or minted by an earlier \
             start (kept as a hash in scim_tokens)"
        ),
        (None, Tokens::Memory(_)) => {
            println!("  Secret token: the one given with --token / SCIM_TOKEN");
        }
    }
    println!(
        "Paste both into Entra ID (Provisioning → Admin credentials) or Okta (SCIM connection)."
    );
    tracing::info!(%addr, "listening");
}

#[cfg(test)]
mod tests {
    use super::parse_cursor_key;

    #[test]
    fn cursor_keys_are_64_hex_digits() {
        let key = parse_cursor_key(&"0f".repeat(32)).unwrap_or_default();
        assert_eq!(key, [0x0f; 32]);
        assert!(parse_cursor_key("abc").is_err());
        assert!(parse_cursor_key(&"zz".repeat(32)).is_err());
        assert!(parse_cursor_key(&"é".repeat(32)).is_err());
    }
}
