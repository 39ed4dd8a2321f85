//! The host app both example servers share, whatever their web framework: the command-line
//! flags, the bearer token (given, or minted once), the store (in memory by default, or a
//! SQLite file with `--database-url sqlite://PATH`), the SCIM engine over it with an events
//! hook that logs every provisioning change, and the start-up banner.
//!
//! `example-axum` and `example-actix` only add their framework's routes and server around it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use example_sqlite::{OpenError, SqliteStore};
use scimkit_core::auth::{BearerTokens, TokenError, TokenId, TokenInfo};
use scimkit_core::context::Tenant;
use scimkit_core::engine::BuildError;
use scimkit_core::events::Change;
use scimkit_core::{ConnectionLimits, InMemoryStore, Scim};
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

    /// The secret sealing list cursors, 64 hex digits (`openssl rand -hex 32`). Give every
    /// instance on one database the same key, so a cursor continues on another instance and
    /// after a restart; without it each process draws a random key.
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
    /// Where to keep resources: `sqlite://PATH` (the file is created if missing),
    /// `sqlite:PATH` or `sqlite::memory:`. Without it, in memory (lost on exit).
    #[arg(long, value_name = "URL", env = "SCIM_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// Opens the store `--database-url` names ([`StoreChoice::open`]).
    pub async fn open(&self) -> Result<StoreChoice, OpenError> {
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
    /// [`SqliteStore`] on the file (or in-memory database) of `url`.
    Sqlite {
        /// The database URL given.
        url: String,
        /// The open store.
        store: SqliteStore,
    },
}

impl StoreChoice {
    /// `None` → [`StoreChoice::Memory`]; a SQLite URL → the opened [`SqliteStore`] (the file
    /// and tables are created when missing); anything else → [`OpenError::Url`], naming the
    /// accepted forms.
    pub async fn open(url: Option<&str>) -> Result<StoreChoice, OpenError> {
        match url {
            None => Ok(StoreChoice::Memory),
            Some(url) => Ok(StoreChoice::Sqlite {
                url: url.to_owned(),
                store: SqliteStore::open(url).await?,
            }),
        }
    }

    /// The store with its cursors sealed by `key` when one is given (the SQLite store pages
    /// itself; the in-memory store dies with the process, and its cursors with it).
    #[must_use]
    pub fn with_cursor_key(self, key: Option<[u8; 32]>) -> StoreChoice {
        match (self, key) {
            (StoreChoice::Sqlite { url, store }, Some(key)) => StoreChoice::Sqlite {
                url,
                store: store.with_cursor_key(key),
            },
            (choice, _) => choice,
        }
    }

    /// For the banner: `in-memory store` or `SQLite store at <url>`.
    pub fn describe(&self) -> String {
        match self {
            StoreChoice::Memory => "in-memory store".to_owned(),
            StoreChoice::Sqlite { url, .. } => format!("SQLite store at {url}"),
        }
    }
}

/// The token table and, when it was minted here, the token's text (to print once).
#[derive(Debug)]
pub struct Credentials {
    /// The token table the engine checks.
    pub tokens: Arc<BearerTokens>,
    /// The freshly minted token, `None` when the operator gave one.
    pub minted: Option<String>,
}

/// Registers `token` (only its hash is kept), or mints a new token when there is none.
pub fn credentials(token: Option<&str>) -> Result<Credentials, TokenError> {
    let tokens = Arc::new(BearerTokens::new());
    let minted = match token {
        Some(token) => {
            let info = TokenInfo {
                id: TokenId::new("configured"),
                tenant: Tenant::new(TENANT),
                label: "identity provider".to_owned(),
                created: chrono::Utc::now(),
                expires_at: None,
            };
            tokens.insert_hash(info, BearerTokens::hash_token(token));
            None
        }
        None => Some(
            tokens
                .mint(Tenant::new(TENANT), "identity provider", None)?
                .token,
        ),
    };
    Ok(Credentials { tokens, minted })
}

/// The SCIM engine: the chosen store, bearer tokens, a hook logging each change, and password
/// changes enabled (Okta's password sync; off by default in the library — a real host stores a
/// hash, never the password).
pub fn engine(tokens: Arc<BearerTokens>, store: StoreChoice) -> Result<Scim, BuildError> {
    let builder = match store {
        StoreChoice::Memory => Scim::builder().store(InMemoryStore::new()),
        StoreChoice::Sqlite { store, .. } => Scim::builder().store(store),
    };
    builder
        .authenticator(tokens)
        .events(log_change)
        .change_password(true)
        .build()
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
    match &credentials.minted {
        Some(token) => println!("  Secret token: {token}   (shown once)"),
        None => println!("  Secret token: the one given with --token / SCIM_TOKEN"),
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
