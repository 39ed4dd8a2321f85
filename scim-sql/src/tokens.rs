//! [`SqlTokens`]: per-tenant bearer tokens kept as hashes in `scim_tokens`, so every instance
//! over the database sees a mint, rotation or revocation on its next request; and their
//! [`TokenAdmin`] operations for scimkit-core's admin API.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use scimkit_core::admin::{TokenAdmin, TokenAdminError};
use scimkit_core::auth::{
    AuthError, AuthRequest, Authenticator, BearerTokens, MintedToken, TokenError, TokenId,
    TokenInfo,
};
use scimkit_core::context::{Context, Tenant};
use subtle::ConstantTimeEq as _;

use crate::backend::Backend;
use crate::cursor_key::hex;
use crate::datum::{Datum, DatumKind};
use crate::db::Db;
use crate::error::Error;
use crate::retry::retrying;

/// The longest tenant id and label, in characters (the columns are `varchar(255)`).
pub const MAX_TEXT: usize = 255;

/// How stale a token's `last_used_at` may be: an admitted request writes it only when the
/// stored value is older than this (or absent), so a token in use costs one `UPDATE` a minute,
/// whatever the request rate and the number of instances.
pub const LAST_USED_RESOLUTION: std::time::Duration = std::time::Duration::from_secs(60);

/// The columns a [`TokenInfo`] is read from, and their kinds.
const INFO_COLUMNS: &str = "id, tenant, label, created_at, expires_at, last_used_at";
const INFO_KINDS: [DatumKind; 6] = [
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Timestamp,
    DatumKind::Timestamp,
    DatumKind::Timestamp,
];

/// Bearer tokens in the database, ready to use as the service's [`Authenticator`].
///
/// The same contract as the in-memory [`BearerTokens`]: only the SHA-256 hash of each token is
/// stored; a tenant may hold several tokens; a request is admitted when its token is known,
/// not expired and (when the path names a tenant) issued for that tenant, and every refusal
/// carries one detail that does not say why. Nothing is cached: each request reads its token's
/// row by the hash's unique index, so a token minted, rotated or revoked on one instance is
/// seen by every other on its next request. A database that does not answer makes the request
/// a `503`, not a `401`.
///
/// "Last used" ([`TokenInfo::last_used_at`]) is kept to the minute: an admitted request
/// updates it only when the stored time is older than [`LAST_USED_RESOLUTION`], so it may lag
/// the latest use by up to a minute, and a failed update is logged without refusing the
/// request.
///
/// Needs [`crate::migrations::run`] first.
///
/// ```no_run
/// # async fn run() -> Result<(), scimkit_sql::Error> {
/// use scimkit_core::context::Tenant;
/// use scimkit_sql::{migrations, Db, SqlTokens};
///
/// let db = Db::connect("postgres://postgres@127.0.0.1/app").await?;
/// migrations::run(&db).await?;
/// let tokens = SqlTokens::new(db);
/// let minted = tokens.mint(&Tenant::new("acme"), "Entra ID", None).await?;
/// println!("paste into Entra ID once: {}", minted.token);
/// // Later, "regenerate": a new secret, the old one refused from now on, on every instance.
/// let rotated = tokens.rotate(&Tenant::new("acme"), &minted.id, None).await?;
/// # let _ = rotated; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqlTokens {
    db: Db,
}

impl SqlTokens {
    /// Tokens in `db`'s `scim_tokens`.
    pub fn new(db: Db) -> Self {
        SqlTokens { db }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    fn sql(&self, text: &str) -> String {
        self.db.backend().statement(text)
    }

    /// Mints a token for `tenant` and stores its hash. Show [`MintedToken::token`] to the
    /// administrator once: it is not stored and cannot be recovered.
    pub async fn mint(
        &self,
        tenant: &Tenant,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, Error> {
        check_text("tenant", tenant.as_str())?;
        check_text("label", label)?;
        let minted = MintedToken::generate(tenant.clone(), label, expires_at)?;
        let insert = self.sql(INSERT);
        let params = insert_params(&minted.info, &minted.hash);
        retrying(|| async { self.db.execute(&insert, &params).await }).await?;
        Ok(minted)
    }

    /// Stores a token the host made elsewhere (its [`TokenInfo`] and the SHA-256 hash of its
    /// text, [`BearerTokens::hash_token`]), e.g. one an operator configured; a stored token
    /// with the same id or hash is replaced.
    pub async fn insert_hash(&self, info: &TokenInfo, hash: [u8; 32]) -> Result<(), Error> {
        check_text("tenant", info.tenant.as_str())?;
        check_text("label", &info.label)?;
        let delete = self.sql("DELETE FROM scim_tokens WHERE id = ? OR hash = ?");
        let insert = self.sql(INSERT);
        let params = insert_params(info, &hash);
        retrying(|| async {
            let mut tx = self.db.begin().await?;
            tx.execute(&delete, &[params[0].clone(), params[3].clone()])
                .await?;
            tx.execute(&insert, &params).await?;
            tx.commit().await
        })
        .await
    }

    /// Replaces token `id` by a new one with the same tenant and label, in one transaction:
    /// from its commit on, every instance refuses the old token and admits the new one.
    /// [`TokenError::UnknownToken`] when there is no token `id`.
    #[deprecated(
        note = "use `rotate`: it keeps the token's id (a host's records of it stay valid), is \
                scoped to a tenant, and refuses the old secret at once just the same"
    )]
    pub async fn regenerate(
        &self,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, Error> {
        let lock = match self.db.backend() {
            // SQLite has one writer at a time; the delete below is the lock.
            Backend::Sqlite => "",
            Backend::Postgres | Backend::MySql => " FOR UPDATE",
        };
        let select = self.sql(&format!(
            "SELECT tenant, label FROM scim_tokens WHERE id = ?{lock}"
        ));
        let insert = self.sql(INSERT);
        let delete = self.sql("DELETE FROM scim_tokens WHERE id = ?");
        retrying(|| async {
            let mut tx = self.db.begin().await?;
            let key = [Datum::text(id.as_str())];
            let rows = tx
                .fetch(&select, &key, &[DatumKind::Text, DatumKind::Text])
                .await?;
            let Some([Datum::Text(Some(tenant)), Datum::Text(Some(label))]) = rows
                .into_iter()
                .next()
                .map(<[Datum; 2]>::try_from)
                .and_then(Result::ok)
            else {
                return Err(Error::Token(TokenError::UnknownToken(id.clone())));
            };
            let minted = MintedToken::generate(Tenant::new(tenant), label, expires_at)?;
            tx.execute(&insert, &insert_params(&minted.info, &minted.hash))
                .await?;
            tx.execute(&delete, &key).await?;
            tx.commit().await?;
            Ok(minted)
        })
        .await
    }

    /// Revokes token `id`: refused from now on by every instance. Whether there was one.
    pub async fn revoke(&self, id: &TokenId) -> Result<bool, Error> {
        let delete = self.sql("DELETE FROM scim_tokens WHERE id = ?");
        let key = [Datum::text(id.as_str())];
        let removed = retrying(|| async { self.db.execute(&delete, &key).await }).await?;
        Ok(removed > 0)
    }

    /// Gives `tenant`'s token `id` a new secret, keeping its id and label, in one transaction:
    /// from its commit on, every instance refuses the old secret. Its `created` becomes now,
    /// its expiry `expires_at`, and `last_used_at` is cleared. [`TokenError::UnknownToken`]
    /// when `tenant` has no token `id` (a token of another tenant is not touched).
    pub async fn rotate(
        &self,
        tenant: &Tenant,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, Error> {
        let lock = match self.db.backend() {
            // SQLite has one writer at a time; the update below is the lock.
            Backend::Sqlite => "",
            Backend::Postgres | Backend::MySql => " FOR UPDATE",
        };
        let select = self.sql(&format!(
            "SELECT label FROM scim_tokens WHERE id = ? AND tenant = ?{lock}"
        ));
        let update = self.sql(
            "UPDATE scim_tokens SET hash = ?, created_at = ?, expires_at = ?, last_used_at = NULL \
             WHERE id = ? AND tenant = ?",
        );
        retrying(|| async {
            let mut tx = self.db.begin().await?;
            let key = [Datum::text(id.as_str()), Datum::text(tenant.as_str())];
            let rows = tx.fetch(&select, &key, &[DatumKind::Text]).await?;
            let Some(label) = rows
                .into_iter()
                .next()
                .and_then(|row| row.into_iter().next())
                .and_then(Datum::into_text)
            else {
                return Err(Error::Token(TokenError::UnknownToken(id.clone())));
            };
            let mut minted = MintedToken::generate(tenant.clone(), label, expires_at)?;
            minted.id = id.clone();
            minted.info.id = id.clone();
            let [key_id, key_tenant] = key;
            let params = [
                Datum::text(hex(&minted.hash)),
                Datum::Timestamp(Some(minted.info.created)),
                Datum::Timestamp(expires_at),
                key_id,
                key_tenant,
            ];
            tx.execute(&update, &params).await?;
            tx.commit().await?;
            Ok(minted)
        })
        .await
    }

    /// Revokes `tenant`'s token `id`: refused from now on by every instance. Whether the
    /// tenant had it (a token of another tenant is not touched).
    pub async fn revoke_for(&self, tenant: &Tenant, id: &TokenId) -> Result<bool, Error> {
        let delete = self.sql("DELETE FROM scim_tokens WHERE id = ? AND tenant = ?");
        let key = [Datum::text(id.as_str()), Datum::text(tenant.as_str())];
        let removed = retrying(|| async { self.db.execute(&delete, &key).await }).await?;
        Ok(removed > 0)
    }

    /// Revokes every token of `tenant`, returning how many there were.
    pub async fn revoke_tenant(&self, tenant: &Tenant) -> Result<u64, Error> {
        let delete = self.sql("DELETE FROM scim_tokens WHERE tenant = ?");
        let key = [Datum::text(tenant.as_str())];
        retrying(|| async { self.db.execute(&delete, &key).await }).await
    }

    /// Deletes the tokens expired at `now` (they are refused already; this frees their rows).
    pub async fn remove_expired(&self, now: DateTime<Utc>) -> Result<u64, Error> {
        let dialect = self.db.backend().dialect();
        let delete = self.sql(&format!(
            "DELETE FROM scim_tokens WHERE expires_at IS NOT NULL AND {} <= {}",
            dialect.timestamp_column("expires_at"),
            dialect.timestamp("?"),
        ));
        let at = [Datum::Timestamp(Some(now))];
        retrying(|| async { self.db.execute(&delete, &at).await }).await
    }

    /// The tokens of `tenant`, oldest first, without their secrets.
    pub async fn tokens(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>, Error> {
        let select = self.sql(&format!(
            "SELECT {INFO_COLUMNS} FROM scim_tokens WHERE tenant = ? ORDER BY created_at, id"
        ));
        let rows = self
            .db
            .fetch(&select, &[Datum::text(tenant.as_str())], &INFO_KINDS)
            .await?;
        rows.into_iter().map(info).collect()
    }

    /// Token `id`'s metadata, or `None`.
    pub async fn get(&self, id: &TokenId) -> Result<Option<TokenInfo>, Error> {
        let select = self.sql(&format!(
            "SELECT {INFO_COLUMNS} FROM scim_tokens WHERE id = ?"
        ));
        let rows = self
            .db
            .fetch(&select, &[Datum::text(id.as_str())], &INFO_KINDS)
            .await?;
        rows.into_iter().next().map(info).transpose()
    }

    /// The context of `request` at `now`, or its refusal.
    pub async fn authenticate_at(
        &self,
        request: &AuthRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<Context, AuthError> {
        // No header and a malformed one are refused at once: they carry no secret to probe.
        let token = request
            .bearer_token()
            .ok_or_else(AuthError::bearer_refused)?;
        let hash = hex(&BearerTokens::hash_token(token));
        let select = self.sql(&format!(
            "SELECT {INFO_COLUMNS}, hash FROM scim_tokens WHERE hash = ?"
        ));
        let mut kinds = INFO_KINDS.to_vec();
        kinds.push(DatumKind::Text);
        let rows = self
            .db
            .fetch(&select, &[Datum::text(hash.as_str())], &kinds)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "the token table did not answer");
                AuthError::Unavailable(
                    "credentials cannot be checked now: the service's database did not answer; \
                     retry later"
                        .to_owned(),
                )
            })?;
        let Some(mut row) = rows.into_iter().next() else {
            return Err(AuthError::bearer_refused());
        };
        let stored = row.pop().and_then(Datum::into_text).unwrap_or_default();
        // The row was found by this hash; the decision still rests on a constant-time
        // comparison of all of it (see `BearerTokens` on what the lookup's timing can tell).
        let hash_ok: bool = stored.as_bytes().ct_eq(hash.as_bytes()).into();
        match info(row) {
            Ok(info) if hash_ok && info.admits(request.tenant, now) => {
                self.touch(&info, now).await;
                Ok(info.context())
            }
            Ok(_) => Err(AuthError::bearer_refused()),
            Err(error) => {
                tracing::warn!(%error, "a token row cannot be read");
                Err(AuthError::bearer_refused())
            }
        }
    }
}

impl SqlTokens {
    /// Records that `info`'s token was used at `now`, when the stored time is older than
    /// [`LAST_USED_RESOLUTION`]. The condition is repeated in the statement, so instances
    /// admitting the same token at once write it about once. A failure is logged: the request
    /// is admitted all the same.
    async fn touch(&self, info: &TokenInfo, now: DateTime<Utc>) {
        let resolution =
            chrono::Duration::from_std(LAST_USED_RESOLUTION).unwrap_or(chrono::Duration::MAX);
        let stale = now - resolution;
        if info.last_used_at.is_some_and(|at| at > stale) {
            return;
        }
        let dialect = self.db.backend().dialect();
        let update = self.sql(&format!(
            "UPDATE scim_tokens SET last_used_at = ? \
             WHERE id = ? AND (last_used_at IS NULL OR {} <= {})",
            dialect.timestamp_column("last_used_at"),
            dialect.timestamp("?"),
        ));
        let params = [
            Datum::Timestamp(Some(now)),
            Datum::text(info.id.as_str()),
            Datum::Timestamp(Some(stale)),
        ];
        if let Err(error) = self.db.execute(&update, &params).await {
            tracing::warn!(%error, token = %info.id, "a token's last use could not be recorded");
        }
    }
}

#[async_trait]
impl TokenAdmin for SqlTokens {
    async fn list(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>, TokenAdminError> {
        self.tokens(tenant)
            .await
            .map_err(|error| admin_error(tenant, error))
    }

    async fn mint(
        &self,
        tenant: &Tenant,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        SqlTokens::mint(self, tenant, label, expires_at)
            .await
            .map_err(|error| admin_error(tenant, error))
    }

    async fn rotate(
        &self,
        tenant: &Tenant,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        SqlTokens::rotate(self, tenant, id, expires_at)
            .await
            .map_err(|error| admin_error(tenant, error))
    }

    async fn revoke(&self, tenant: &Tenant, id: &TokenId) -> Result<(), TokenAdminError> {
        match self.revoke_for(tenant, id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(TokenAdminError::UnknownToken {
                tenant: tenant.clone(),
                id: id.clone(),
            }),
            Err(error) => Err(admin_error(tenant, error)),
        }
    }
}

/// The admin API's error for an [`Error`] met on `tenant`'s tokens: a value that does not fit
/// is `400`, a database that did not answer `503`; the cause of a `500` is logged.
fn admin_error(tenant: &Tenant, error: Error) -> TokenAdminError {
    match error {
        Error::Token(error) => TokenAdminError::from_token_error(tenant, error),
        Error::Value { field, detail } => TokenAdminError::Invalid { field, detail },
        Error::Database(error) => {
            tracing::warn!(%error, "the token table did not answer");
            TokenAdminError::Unavailable("the service's database did not answer".to_owned())
        }
        other => TokenAdminError::Internal(other.to_string()),
    }
}

#[async_trait]
impl Authenticator for SqlTokens {
    async fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Context, AuthError> {
        self.authenticate_at(request, Utc::now()).await
    }
}

const INSERT: &str = "INSERT INTO scim_tokens \
                      (id, tenant, label, hash, created_at, expires_at, last_used_at) \
                      VALUES (?, ?, ?, ?, ?, ?, ?)";

/// The parameters of [`INSERT`] for a token's metadata and hash.
fn insert_params(info: &TokenInfo, hash: &[u8; 32]) -> [Datum; 7] {
    [
        Datum::text(info.id.as_str()),
        Datum::text(info.tenant.as_str()),
        Datum::text(info.label.as_str()),
        Datum::text(hex(hash)),
        Datum::Timestamp(Some(info.created)),
        Datum::Timestamp(info.expires_at),
        Datum::Timestamp(info.last_used_at),
    ]
}

/// A [`TokenInfo`] from a row of [`INFO_COLUMNS`].
fn info(row: Vec<Datum>) -> Result<TokenInfo, Error> {
    let corrupt = || Error::Corrupt {
        table: "scim_tokens",
        detail: "a row has a NULL id, tenant, label or created_at".to_owned(),
    };
    let [id, tenant, label, created, expires, last_used] =
        <[Datum; 6]>::try_from(row).map_err(|_| corrupt())?;
    Ok(TokenInfo {
        id: TokenId::new(id.into_text().ok_or_else(corrupt)?),
        tenant: Tenant::new(tenant.into_text().ok_or_else(corrupt)?),
        label: label.into_text().ok_or_else(corrupt)?,
        created: created.as_timestamp().ok_or_else(corrupt)?,
        expires_at: expires.as_timestamp(),
        last_used_at: last_used.as_timestamp(),
    })
}

/// Refuses a tenant id or label the columns cannot hold.
fn check_text(field: &'static str, value: &str) -> Result<(), Error> {
    let chars = value.chars().count();
    if chars > MAX_TEXT {
        return Err(Error::Value {
            field,
            detail: format!("{chars} characters; at most {MAX_TEXT} are kept"),
        });
    }
    if value.contains('\0') {
        return Err(Error::Value {
            field,
            detail: "contains a NUL character, which PostgreSQL text cannot hold".to_owned(),
        });
    }
    Ok(())
}
