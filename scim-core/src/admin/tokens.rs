//! [`TokenAdmin`]: the token operations the admin API runs, scoped to one tenant, and
//! [`TokenAdminError`], why one failed. Implemented here for [`BearerTokens`] (and for an
//! `Arc` of any implementation); scimkit-sql implements it for its `SqlTokens`.
//!
//! Every operation names the tenant: a token of another tenant is [`TokenAdminError::UnknownToken`],
//! exactly as a token that does not exist, so no tenant can see or touch another's tokens.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::auth::{BearerTokens, MintedToken, TokenError, TokenId, TokenInfo};
use crate::context::Tenant;

/// Why a token operation failed, each with the status the admin API answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenAdminError {
    /// `404`: the tenant has no token with this id (it never existed, was revoked, or belongs
    /// to another tenant: the same error, so a tenant learns nothing about others' tokens).
    #[error("tenant {tenant} has no token with id {id}: it was revoked, or never existed")]
    UnknownToken {
        /// The tenant asked about.
        tenant: Tenant,
        /// The id asked for.
        id: TokenId,
    },
    /// `400`: a value the token store cannot keep (a label or tenant too long, a NUL
    /// character), with what to change.
    #[error("{field}: {detail}")]
    Invalid {
        /// What the value is (`label`, `tenant`, `expiresInDays`).
        field: &'static str,
        /// Why it is refused and what would be accepted.
        detail: String,
    },
    /// `503`: the token store did not answer (its database is down); retrying may work.
    #[error("the token store did not answer; retry later: {0}")]
    Unavailable(String),
    /// `500`: the operation failed for a reason retrying will not fix (the system random
    /// number generator failed, a stored row cannot be read).
    #[error("{0}")]
    Internal(String),
}

impl TokenAdminError {
    /// The HTTP status the admin API answers with.
    pub fn status(&self) -> http::StatusCode {
        match self {
            TokenAdminError::UnknownToken { .. } => http::StatusCode::NOT_FOUND,
            TokenAdminError::Invalid { .. } => http::StatusCode::BAD_REQUEST,
            TokenAdminError::Unavailable(_) => http::StatusCode::SERVICE_UNAVAILABLE,
            TokenAdminError::Internal(_) => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error of a [`TokenError`] met while working on `tenant`'s tokens.
    pub fn from_token_error(tenant: &Tenant, error: TokenError) -> Self {
        match error {
            TokenError::UnknownToken(id) => TokenAdminError::UnknownToken {
                tenant: tenant.clone(),
                id,
            },
            TokenError::Random { .. } => TokenAdminError::Internal(error.to_string()),
        }
    }
}

/// The token operations of the admin API, for one tenant at a time.
///
/// Implementations must scope every operation to `tenant`: `rotate` and `revoke` of a token
/// that exists but belongs to another tenant fail with [`TokenAdminError::UnknownToken`] and
/// change nothing; `list` returns only `tenant`'s tokens. No method returns a stored secret or
/// hash: [`TokenInfo`] has neither, and the [`MintedToken`] of `mint` and `rotate` carries the
/// secret this one time.
#[async_trait]
pub trait TokenAdmin: Send + Sync + 'static {
    /// `tenant`'s tokens, expired ones included, oldest first.
    async fn list(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>, TokenAdminError>;

    /// A new token for `tenant`, active at once alongside its others.
    async fn mint(
        &self,
        tenant: &Tenant,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError>;

    /// A new secret for `tenant`'s token `id`, same id and label, expiring at `expires_at`;
    /// the old secret is refused from the moment this returns.
    async fn rotate(
        &self,
        tenant: &Tenant,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError>;

    /// Revokes `tenant`'s token `id`: refused from the moment this returns.
    async fn revoke(&self, tenant: &Tenant, id: &TokenId) -> Result<(), TokenAdminError>;
}

#[async_trait]
impl TokenAdmin for BearerTokens {
    async fn list(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>, TokenAdminError> {
        Ok(self.tokens(tenant))
    }

    async fn mint(
        &self,
        tenant: &Tenant,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        BearerTokens::mint(self, tenant.clone(), label, expires_at)
            .map_err(|error| TokenAdminError::from_token_error(tenant, error))
    }

    async fn rotate(
        &self,
        tenant: &Tenant,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        BearerTokens::rotate(self, tenant, id, expires_at)
            .map_err(|error| TokenAdminError::from_token_error(tenant, error))
    }

    async fn revoke(&self, tenant: &Tenant, id: &TokenId) -> Result<(), TokenAdminError> {
        // Checked and removed under one lock, so a token of another tenant is never removed.
        if self.revoke_if(id, |info| &info.tenant == tenant) {
            Ok(())
        } else {
            Err(TokenAdminError::UnknownToken {
                tenant: tenant.clone(),
                id: id.clone(),
            })
        }
    }
}

#[async_trait]
impl<T: TokenAdmin + ?Sized> TokenAdmin for Arc<T> {
    async fn list(&self, tenant: &Tenant) -> Result<Vec<TokenInfo>, TokenAdminError> {
        (**self).list(tenant).await
    }

    async fn mint(
        &self,
        tenant: &Tenant,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        (**self).mint(tenant, label, expires_at).await
    }

    async fn rotate(
        &self,
        tenant: &Tenant,
        id: &TokenId,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<MintedToken, TokenAdminError> {
        (**self).rotate(tenant, id, expires_at).await
    }

    async fn revoke(&self, tenant: &Tenant, id: &TokenId) -> Result<(), TokenAdminError> {
        (**self).revoke(tenant, id).await
    }
}
