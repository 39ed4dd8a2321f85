//! A ready bearer-token [`Authenticator`]: per-tenant secret tokens that a host mints, lists,
//! rotates and revokes, as SCIM clients such as Entra ID and Okta expect ("Secret Token",
//! "API token").
//!
//! This module owns the token table: minting tokens from the operating system's random number
//! generator, keeping the SHA-256 hash of each one with its metadata ([`TokenInfo`]), and
//! checking a request's `Authorization: Bearer` header against it. It must never keep, log,
//! echo or print a token after handing it to the host once, never say why a token was refused,
//! and never panic. Persistence is the host's business: it stores [`MintedToken::hash`] and
//! [`TokenInfo`] and reloads them with [`BearerTokens::insert_hash`].

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AuthError, AuthRequest, Authenticator};
use crate::context::{Caller, Context, Tenant};

/// The prefix of every minted token, so secret scanners and people can recognise one.
const TOKEN_PREFIX: &str = "scim_";

/// Random bytes in a token: 256 bits.
const TOKEN_BYTES: usize = 32;

/// Random bytes in a [`TokenId`]: 64 bits, 16 hex characters.
const ID_BYTES: usize = 8;

/// The public id of a token: random, 16 hex characters, safe to log and show in a UI.
///
/// It names a token for listing, regenerating and revoking; it is not a secret and does not
/// authenticate anything.
///
/// ```
/// use scimkit_core::auth::TokenId;
/// let id = TokenId::new("0123456789abcdef");
/// assert_eq!(id.to_string(), "0123456789abcdef");
/// assert_eq!(id.as_str(), "0123456789abcdef");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(Arc<str>);

impl TokenId {
    /// A token id from its text, e.g. one a host persisted.
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        TokenId(id.into())
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fresh random id.
    fn random() -> Result<Self, TokenError> {
        let bytes: [u8; ID_BYTES] = random_bytes()?;
        Ok(TokenId(
            format!("{:016x}", u64::from_be_bytes(bytes)).into(),
        ))
    }
}

/// Looked up for a token no hash matches: never a random id (those are hex).
const DECOY_ID: &str = "~~~~decoy-id~~~~";

impl std::borrow::Borrow<str> for TokenId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({:?})", &*self.0)
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is known about a token, without its secret: safe to list, log and persist.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    /// The token's public id.
    pub id: TokenId,
    /// The tenant the token acts for.
    pub tenant: Tenant,
    /// A name the host gave it ("Entra ID production"), used as the [`Caller`] id when not
    /// empty.
    pub label: String,
    /// When its current secret was minted ([`BearerTokens::rotate`] gives a token a new secret
    /// and a new `created`).
    pub created: DateTime<Utc>,
    /// When it stops working (it is refused from this instant on), or `None` for never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it last authenticated a request, or `None` if its current secret never did. Kept
    /// to the second by [`BearerTokens`], to the minute by scimkit-sql's `SqlTokens` (which
    /// writes it at most once a minute per token).
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenInfo {
    /// Whether the token is expired at `now` (`expires_at <= now`).
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Whether a request for `tenant` (its tenant path segment, if any) may use this token at
    /// `now`: the token is not expired and, when the request names a tenant, was issued for it.
    ///
    /// ```
    /// use chrono::{Duration, Utc};
    /// use scimkit_core::auth::{TokenId, TokenInfo};
    /// use scimkit_core::context::Tenant;
    ///
    /// let now = Utc::now();
    /// let info = TokenInfo {
    ///     id: TokenId::new("0123456789abcdef"),
    ///     tenant: Tenant::new("acme"),
    ///     label: "Okta".into(),
    ///     created: now,
    ///     expires_at: Some(now + Duration::days(1)),
    ///     last_used_at: None,
    /// };
    /// assert!(info.admits(None, now));
    /// assert!(info.admits(Some("acme"), now));
    /// assert!(!info.admits(Some("globex"), now));
    /// assert!(!info.admits(None, now + Duration::days(1)));
    /// ```
    pub fn admits(&self, tenant: Option<&str>, now: DateTime<Utc>) -> bool {
        !self.is_expired_at(now) && tenant.is_none_or(|segment| segment == self.tenant.as_str())
    }

    /// The context of a request this token admits: its tenant, and as caller its label, or its
    /// id when the label is empty (never the token).
    pub fn context(&self) -> Context {
        Context::new(self.tenant.clone(), self.caller())
    }

    /// The caller a request with this token acts as: the label, or the token id when the label
    /// is empty. Never the token.
    fn caller(&self) -> Caller {
        if self.label.trim().is_empty() {
            Caller::new(self.id.as_str())
        } else {
            Caller::new(self.label.as_str())
        }
    }
}

/// A freshly minted token: the only time its secret text exists outside the client.
///
/// Show [`token`](Self::token) to the administrator once (to paste into the identity
/// provider) and drop it; persist [`hash`](Self::hash) and [`info`](Self::info) if tokens must
/// survive a restart. `Debug` prints neither the token nor the hash.
#[derive(Clone)]
pub struct MintedToken {
    /// The token's public id (the same as `info.id`).
    pub id: TokenId,
    /// The secret, `scim_` followed by 43 base64url characters (256 random bits). Shown once:
    /// it is not stored and cannot be recovered.
    pub token: String,
    /// The SHA-256 hash of [`token`](Self::token), for hosts that persist tokens (see
    /// [`BearerTokens::insert_hash`]).
    pub hash: [u8; 32],
    /// The token's metadata.
    pub info: TokenInfo,
}

impl MintedToken {
    /// A new token for `tenant`: 256 random bits from the operating system as its secret, a
    /// random [`TokenId`], created now. It is kept nowhere: a store of tokens persists
    /// [`hash`](Self::hash) and [`info`](Self::info) ([`BearerTokens::mint`] does, in memory).
    ///
    /// ```
    /// use scimkit_core::auth::{BearerTokens, MintedToken};
    /// use scimkit_core::context::Tenant;
    /// # fn main() -> Result<(), scimkit_core::auth::TokenError> {
    /// let minted = MintedToken::generate(Tenant::new("acme"), "Entra ID", None)?;
    /// assert!(minted.token.starts_with("scim_"));
    /// assert_eq!(minted.hash, BearerTokens::hash_token(&minted.token));
    /// assert_eq!(minted.info.id, minted.id);
    /// # Ok(())
    /// # }
    /// ```
    pub fn generate(
        tenant: Tenant,
        label: impl Into<String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenError> {
        let secret: [u8; TOKEN_BYTES] = random_bytes()?;
        let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
        let hash = sha256(&token);
        let id = TokenId::random()?;
        let info = TokenInfo {
            id: id.clone(),
            tenant,
            label: label.into(),
            created: Utc::now(),
            expires_at,
            last_used_at: None,
        };
        Ok(MintedToken {
            id,
            token,
            hash,
            info,
        })
    }
}

impl fmt::Debug for MintedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintedToken")
            .field("id", &self.id)
            .field("token", &"<redacted>")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Why a token could not be minted or regenerated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The operating system's random number generator failed; no token was made. Retrying
    /// later may work; a host must not fall back to a weaker source.
    #[error("the system random number generator failed, so no token was minted: {reason}")]
    Random {
        /// The generator's own description of the failure.
        reason: String,
    },
    /// No token has this id (it was revoked, removed as expired, or never existed), or, for
    /// the operations scoped to a tenant, none of that tenant has it.
    #[error("no token with id {0}: it was revoked, removed or never existed")]
    UnknownToken(TokenId),
}

/// The SHA-256 hash of a token's text: what [`BearerTokens`] stores and compares.
fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// `N` bytes from the operating system's random number generator.
fn random_bytes<const N: usize>() -> Result<[u8; N], TokenError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| TokenError::Random {
        reason: error.to_string(),
    })?;
    Ok(bytes)
}

/// `Entry::last_used` of a token that never authenticated.
const NEVER: i64 = i64::MIN;

/// One stored token: its hash and metadata.
struct Entry {
    hash: [u8; 32],
    /// The metadata; its `last_used_at` is not kept up to date (see `last_used`).
    info: TokenInfo,
    /// `info.caller()`, made once: every request it authenticates gets a copy.
    caller: Caller,
    /// When the token last authenticated, in milliseconds since the Unix epoch, or [`NEVER`]:
    /// written under the table's read lock, so admitting a request takes no write lock.
    last_used: AtomicI64,
}

impl Entry {
    /// The metadata with `last_used_at` as it is now.
    fn info(&self) -> TokenInfo {
        let millis = self.last_used.load(Ordering::Relaxed);
        TokenInfo {
            last_used_at: (millis != NEVER)
                .then(|| DateTime::from_timestamp_millis(millis))
                .flatten(),
            ..self.info.clone()
        }
    }

    /// Records a use at `now`, when the recorded one is a second or more older (so the
    /// granularity is a second and a busy token's entry is written about once a second).
    fn touch(&self, now: DateTime<Utc>) {
        let millis = now.timestamp_millis();
        if millis.saturating_sub(self.last_used.load(Ordering::Relaxed)) >= 1000 {
            self.last_used.fetch_max(millis, Ordering::Relaxed);
        }
    }
}

/// The token table, indexed both ways. Invariant: `by_hash` and `by_id` describe the same
/// tokens (`by_hash[e.hash] == e.info.id` for every entry `e` of `by_id`).
#[derive(Default)]
struct Table {
    by_id: HashMap<TokenId, Entry>,
    by_hash: HashMap<[u8; 32], TokenId>,
}

impl Table {
    /// Removes a token by id, returning its entry.
    fn remove(&mut self, id: &TokenId) -> Option<Entry> {
        let entry = self.by_id.remove(id)?;
        self.by_hash.remove(&entry.hash);
        Some(entry)
    }

    /// Inserts a token, first removing any token with the same id or the same hash so both
    /// indexes stay consistent.
    fn insert(&mut self, info: TokenInfo, hash: [u8; 32]) {
        self.remove(&info.id);
        if let Some(other) = self.by_hash.get(&hash).cloned() {
            self.remove(&other);
        }
        self.by_hash.insert(hash, info.id.clone());
        let caller = info.caller();
        let last_used = AtomicI64::new(info.last_used_at.map_or(NEVER, |at| at.timestamp_millis()));
        self.by_id.insert(
            info.id.clone(),
            Entry {
                hash,
                info,
                caller,
                last_used,
            },
        );
    }

    /// Removes every token matching `remove`, returning how many.
    fn remove_where(&mut self, remove: impl Fn(&TokenInfo) -> bool) -> usize {
        let ids: Vec<TokenId> = self
            .by_id
            .values()
            .filter(|entry| remove(&entry.info))
            .map(|entry| entry.info.id.clone())
            .collect();
        for id in &ids {
            self.remove(id);
        }
        ids.len()
    }
}

/// Per-tenant bearer tokens, ready to use as the service's [`Authenticator`].
///
/// Only the SHA-256 hash of each token is kept. A tenant may have several active tokens at
/// once, so a host can rotate without downtime (mint the new one, update the identity
/// provider, revoke the old one) or [`rotate`](Self::rotate) in one step (a new secret for the
/// same token, the old one refused at once), as Pulumi's "regenerate" does. Revocation
/// takes effect on the next request. Each token's last use ([`TokenInfo::last_used_at`]) is
/// recorded to the second without taking the write lock.
///
/// All methods take `&self` (the table sits behind a [`RwLock`]), so a host keeps an
/// `Arc<BearerTokens>` to mint and revoke from its admin API while the engine holds a clone of
/// the same `Arc` as its authenticator: `Authenticator` is implemented for both
/// `BearerTokens` and `Arc<BearerTokens>`.
///
/// A request is accepted when its `Authorization: Bearer` token is known, not expired
/// (`expires_at <= now` is expired) and, when the request names a tenant in its path, issued
/// for that tenant. Everything else is refused with [`AuthError::Unauthorized`] and one
/// generic detail that does not say why. The [`Caller`] is the token's label, or its id when
/// the label is empty.
///
/// ```
/// use std::sync::Arc;
/// use chrono::{Duration, Utc};
/// use scimkit_core::auth::{Authenticator, BearerTokens};
/// use scimkit_core::context::Tenant;
///
/// # fn main() -> Result<(), scimkit_core::auth::TokenError> {
/// let tokens = Arc::new(BearerTokens::new());
/// let acme = Tenant::new("acme");
///
/// // Show `minted.token` to the administrator once; it is not kept.
/// let minted = tokens.mint(acme.clone(), "Entra ID", Some(Utc::now() + Duration::days(365)))?;
/// assert!(minted.token.starts_with("scim_"));
/// assert!(!format!("{minted:?}").contains(&minted.token));
///
/// // Rotation: a new secret for the same token; the old secret is refused at once.
/// let rotated = tokens.rotate(&acme, &minted.id, None)?;
/// assert_eq!(tokens.tokens(&acme).len(), 1);
/// assert_eq!(tokens.tokens(&acme)[0].id, minted.id);
/// assert_ne!(rotated.token, minted.token);
///
/// // The engine takes a clone of the handle; the host keeps the other.
/// fn engine(_: impl Authenticator) {}
/// engine(Arc::clone(&tokens));
///
/// assert_eq!(tokens.revoke_tenant(&acme), 1);
/// assert!(tokens.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct BearerTokens {
    table: RwLock<Table>,
}

impl fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = self.read();
        let mut tenants: Vec<&Tenant> = table.by_id.values().map(|e| &e.info.tenant).collect();
        tenants.sort_unstable();
        tenants.dedup();
        f.debug_struct("BearerTokens")
            .field("tokens", &table.by_id.len())
            .field("tenants", &tenants.len())
            .finish()
    }
}

impl BearerTokens {
    /// An empty table: every request is refused until a token is minted or inserted.
    pub fn new() -> Self {
        Self::default()
    }

    /// The SHA-256 hash of a token's text, as stored and as returned in
    /// [`MintedToken::hash`].
    ///
    /// ```
    /// use scimkit_core::auth::BearerTokens;
    /// let hash = BearerTokens::hash_token("scim_example");
    /// assert_eq!(hash, BearerTokens::hash_token("scim_example"));
    /// assert_ne!(hash, BearerTokens::hash_token("scim_examplf"));
    /// ```
    pub fn hash_token(token: &str) -> [u8; 32] {
        sha256(token)
    }

    /// Mints a new token for `tenant`, active at once alongside the tenant's other tokens.
    ///
    /// The token is 32 bytes from the operating system's random number generator, written as
    /// `scim_` and base64url without padding. `expires_at` of `None` never expires; a time in
    /// the past makes a token that is always refused.
    pub fn mint(
        &self,
        tenant: Tenant,
        label: impl Into<String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenError> {
        let label = label.into();
        let mut table = self.write();
        Self::mint_into(&mut table, tenant, label, expires_at)
    }

    /// Reloads a token a host persisted (its [`MintedToken::hash`] and [`TokenInfo`]), e.g. at
    /// start-up. A stored token with the same id or the same hash is replaced.
    pub fn insert_hash(&self, info: TokenInfo, hash: [u8; 32]) {
        self.write().insert(info, hash);
    }

    /// Mints a new token with the tenant and label of token `id` and revokes `id`, in one step:
    /// no request sees both or neither. The old token is refused from now on.
    ///
    /// Works on expired tokens too (until [`remove_expired`](Self::remove_expired) drops
    /// them). Fails with [`TokenError::UnknownToken`] when `id` is not stored, and with
    /// [`TokenError::Random`] (leaving the old token active) when no randomness is available.
    #[deprecated(
        note = "use `rotate`: it keeps the token's id (a host's records of it stay valid), is \
                scoped to a tenant, and refuses the old secret at once just the same"
    )]
    pub fn regenerate(
        &self,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenError> {
        let mut table = self.write();
        let (tenant, label) = match table.by_id.get(id) {
            Some(entry) => (entry.info.tenant.clone(), entry.info.label.clone()),
            None => return Err(TokenError::UnknownToken(id.clone())),
        };
        let minted = Self::mint_into(&mut table, tenant, label, expires_at)?;
        table.remove(id);
        Ok(minted)
    }

    /// Gives token `id` of `tenant` a new secret, keeping its id and label: the old secret is
    /// refused from now on. The token's `created` becomes now, its expiry `expires_at`, and its
    /// `last_used_at` is cleared (the new secret has not been used).
    ///
    /// The id stays, so a host's records of it stay valid (the deprecated `regenerate`
    /// replaced the token by one with a new id). Fails with
    /// [`TokenError::UnknownToken`] when `tenant` has no token `id` (a token of another tenant
    /// included), and with [`TokenError::Random`] (leaving the old secret active) when no
    /// randomness is available.
    ///
    /// ```
    /// use scimkit_core::auth::BearerTokens;
    /// use scimkit_core::context::Tenant;
    /// # fn main() -> Result<(), scimkit_core::auth::TokenError> {
    /// let tokens = BearerTokens::new();
    /// let acme = Tenant::new("acme");
    /// let minted = tokens.mint(acme.clone(), "Okta", None)?;
    /// let rotated = tokens.rotate(&acme, &minted.id, None)?;
    /// assert_eq!(rotated.id, minted.id);
    /// assert_ne!(rotated.token, minted.token);
    /// assert!(tokens.rotate(&Tenant::new("globex"), &minted.id, None).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn rotate(
        &self,
        tenant: &Tenant,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenError> {
        let mut table = self.write();
        let label = match table.by_id.get(id) {
            Some(entry) if &entry.info.tenant == tenant => entry.info.label.clone(),
            _ => return Err(TokenError::UnknownToken(id.clone())),
        };
        let mut minted = MintedToken::generate(tenant.clone(), label, expires_at)?;
        if table.by_hash.contains_key(&minted.hash) {
            return Err(TokenError::Random {
                reason: "it returned a token that already exists".to_owned(),
            });
        }
        minted.id = id.clone();
        minted.info.id = id.clone();
        // `insert` drops the entry with this id, and with it the old hash.
        table.insert(minted.info.clone(), minted.hash);
        Ok(minted)
    }

    /// Revokes token `id` at once. Returns whether it was stored.
    pub fn revoke(&self, id: &TokenId) -> bool {
        self.write().remove(id).is_some()
    }

    /// Revokes token `id` at once if `should_revoke` holds for its metadata (e.g. "it is this
    /// tenant's"), checked under the same lock. Returns whether it was revoked.
    pub fn revoke_if(&self, id: &TokenId, should_revoke: impl FnOnce(&TokenInfo) -> bool) -> bool {
        let mut table = self.write();
        match table.by_id.get(id) {
            Some(entry) if should_revoke(&entry.info) => table.remove(id).is_some(),
            _ => false,
        }
    }

    /// Revokes every token of `tenant` (offboarding a customer). Returns how many.
    pub fn revoke_tenant(&self, tenant: &Tenant) -> usize {
        self.write().remove_where(|info| &info.tenant == tenant)
    }

    /// Drops the tokens that are expired now (they are already refused; this frees them).
    /// Returns how many.
    pub fn remove_expired(&self) -> usize {
        let now = Utc::now();
        self.write().remove_where(|info| info.is_expired_at(now))
    }

    /// The metadata of `tenant`'s tokens, expired ones included, oldest first. No secrets.
    pub fn tokens(&self, tenant: &Tenant) -> Vec<TokenInfo> {
        let mut infos: Vec<TokenInfo> = self
            .read()
            .by_id
            .values()
            .filter(|entry| &entry.info.tenant == tenant)
            .map(Entry::info)
            .collect();
        infos.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        infos
    }

    /// The metadata of token `id`, if stored.
    pub fn get(&self, id: &TokenId) -> Option<TokenInfo> {
        self.read().by_id.get(id).map(Entry::info)
    }

    /// How many tokens are stored, over all tenants (expired ones included).
    pub fn len(&self) -> usize {
        self.read().by_id.len()
    }

    /// Whether no token is stored.
    pub fn is_empty(&self) -> bool {
        self.read().by_id.is_empty()
    }

    /// The synchronous check behind the [`Authenticator`] impl, at a given time: the request's
    /// context, or [`AuthError::Unauthorized`] with one generic detail.
    ///
    /// Useful to compose in a closure authenticator, or to test expiry at a fixed instant.
    pub fn authenticate_at(
        &self,
        request: &AuthRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<Context, AuthError> {
        let refuse = AuthError::bearer_refused;
        // No header and a malformed one are refused at once: they carry no secret to probe.
        let token = request.bearer_token().ok_or_else(refuse)?;
        let hash = sha256(token);
        let table = self.read();
        // The same steps whether the token is unknown, expired or of another tenant, and no
        // copy of the metadata before the decision: a failure takes the same time whatever
        // the reason (see `benches/auth.rs`).
        // An unknown token still makes the second lookup (with a decoy id of the minted ids'
        // length that random ids, being hex, never take) and the 32-byte comparison, so it costs
        // what a stored but refused token costs.
        let id = table.by_hash.get(&hash).map_or(DECOY_ID, TokenId::as_str);
        let entry = table.by_id.get(id);
        let stored = entry.map_or(&[0_u8; 32], |entry| &entry.hash);
        let hash_ok = stored.ct_eq(&hash) & subtle::Choice::from(u8::from(entry.is_some()));
        let admitted = entry.is_some_and(|entry| entry.info.admits(request.tenant, now));
        match entry {
            Some(entry) if bool::from(hash_ok) & admitted => {
                entry.touch(now);
                Ok(Context::new(
                    entry.info.tenant.clone(),
                    entry.caller.clone(),
                ))
            }
            _ => Err(refuse()),
        }
    }

    // The lookup compares hashes with ordinary, variable-time equality. That leaks nothing
    // useful: what it compares is the SHA-256 of the attacker's own guess, so timing can tell
    // them at most how their guess's hash relates to stored hashes, and knowing bits of a
    // token's hash does not help find a token (that would be a SHA-256 preimage). The final
    // decision is still a constant-time comparison of the full 32 bytes, so no accepted
    // request rests on a shortcut comparison.

    /// Mints a token into an already locked table.
    fn mint_into(
        table: &mut Table,
        tenant: Tenant,
        label: String,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenError> {
        let mut minted = MintedToken::generate(tenant, label, expires_at)?;
        for _ in 0..4 {
            if table.by_hash.contains_key(&minted.hash) {
                // 256 random bits repeating means the generator is broken; never replace a
                // token.
                return Err(TokenError::Random {
                    reason: "it returned a token that already exists".to_owned(),
                });
            }
            // 64-bit ids practically never collide, so repeated collisions mean the generator
            // is broken: give up rather than loop.
            if !table.by_id.contains_key(&minted.id) {
                table.insert(minted.info.clone(), minted.hash);
                return Ok(minted);
            }
            minted = MintedToken::generate(
                minted.info.tenant.clone(),
                minted.info.label.clone(),
                expires_at,
            )?;
        }
        Err(TokenError::Random {
            reason: "it kept returning ids already in use".to_owned(),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The table for writing, recovering a poisoned lock.
    fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.table.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Authenticator for BearerTokens {
    async fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Context, AuthError> {
        self.authenticate_at(request, Utc::now())
    }
}

// No conflict with the blanket impl for closures: `Fn` is a `#[fundamental]` trait, so the
// compiler may rely on `Arc<BearerTokens>` not implementing it.
#[async_trait]
impl Authenticator for Arc<BearerTokens> {
    async fn authenticate(&self, request: &AuthRequest<'_>) -> Result<Context, AuthError> {
        self.authenticate_at(request, Utc::now())
    }
}
