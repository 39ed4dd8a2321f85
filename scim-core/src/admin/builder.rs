//! [`AdminBuilder`]: what an [`Admin`] serves (a token store, how a tenant's SCIM URL is built,
//! optionally the provisioning activity log) and its limits.

use std::sync::Arc;
use std::time::Duration;

use super::{Admin, Inner, ScimUrl, TokenAdmin};
use crate::activity::ActivityLog;

/// The default body limit of the admin API: 16 KiB (its bodies are a label and a number).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

/// The default body timeout of [`Admin::handle_stream`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds an [`Admin`]; from [`Admin::builder`].
pub struct AdminBuilder {
    tokens: Option<Arc<dyn TokenAdmin>>,
    scim_url: Option<Arc<dyn ScimUrl>>,
    activity: Option<Arc<dyn ActivityLog>>,
    max_body_bytes: usize,
    body_timeout: Option<Duration>,
}

impl Default for AdminBuilder {
    fn default() -> Self {
        AdminBuilder {
            tokens: None,
            scim_url: None,
            activity: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_timeout: Some(DEFAULT_BODY_TIMEOUT),
        }
    }
}

impl std::fmt::Debug for AdminBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminBuilder")
            .field("tokens", &self.tokens.is_some())
            .field("scim_url", &self.scim_url.is_some())
            .field("activity", &self.activity.is_some())
            .field("max_body_bytes", &self.max_body_bytes)
            .field("body_timeout", &self.body_timeout)
            .finish()
    }
}

/// Why an [`Admin`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminBuildError {
    /// [`AdminBuilder::tokens`] was not called.
    #[error("the admin API needs a token store: call AdminBuilder::tokens")]
    MissingTokens,
}

impl AdminBuilder {
    /// The token store the API lists, mints, rotates and revokes in: the engine's authenticator
    /// itself, shared (an `Arc<BearerTokens>`, or scimkit-sql's `SqlTokens`), so a change is
    /// seen by the engine on its next request.
    #[must_use]
    pub fn tokens(mut self, tokens: impl TokenAdmin) -> Self {
        self.tokens = Some(Arc::new(tokens));
        self
    }

    /// How a tenant's SCIM base URL is built: a closure `Fn(&Tenant) -> String` or a
    /// [`UrlTemplate`](super::UrlTemplate). Without one, `scimUrl` is `null`.
    #[must_use]
    pub fn scim_url(mut self, scim_url: impl ScimUrl) -> Self {
        self.scim_url = Some(Arc::new(scim_url));
        self
    }

    /// The largest request body read, in bytes (default [`DEFAULT_MAX_BODY_BYTES`]); a larger
    /// one is answered `413` without reading the rest.
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long [`Admin::handle_stream`] waits for a whole body (default
    /// [`DEFAULT_BODY_TIMEOUT`]; `None`: no limit); a slower one is answered `408`.
    #[must_use]
    pub fn body_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The provisioning activity log `GET /tenants/{tenant}/activity` serves: the same log the
    /// engine records into (`ScimBuilder::shared_activity_log`), so pass the same `Arc`.
    /// Without one, that path is `404`.
    #[must_use]
    pub fn activity_log(mut self, log: Arc<dyn ActivityLog>) -> Self {
        self.activity = Some(log);
        self
    }

    /// The admin API.
    pub fn build(self) -> Result<Admin, AdminBuildError> {
        let tokens = self.tokens.ok_or(AdminBuildError::MissingTokens)?;
        Ok(Admin {
            inner: Arc::new(Inner {
                tokens,
                scim_url: self.scim_url,
                activity: self.activity,
                max_body_bytes: self.max_body_bytes,
                body_timeout: self.body_timeout,
            }),
        })
    }
}
