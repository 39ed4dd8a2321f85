//! [`InMemoryActivityLog`]: the last entries of each tenant, in a ring buffer per tenant.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use async_trait::async_trait;

use crate::activity::{ActivityEntry, ActivityError, ActivityLog, ActivityQuery};
use crate::context::Tenant;

/// The most entries kept per tenant by default.
pub const DEFAULT_ENTRIES_PER_TENANT: usize = 1000;
/// The most tenants kept by default.
pub const DEFAULT_MAX_TENANTS: usize = 10_000;

/// An [`ActivityLog`] in memory: the last `entries_per_tenant` entries of each tenant (default
/// [`DEFAULT_ENTRIES_PER_TENANT`]), older ones dropped as new ones come, for at most
/// `max_tenants` tenants (default [`DEFAULT_MAX_TENANTS`]); entries for a tenant beyond that
/// are not kept. A tenant's buffer is made by its first authenticated entry: an
/// unauthenticated one ([`ActivityEntry::authenticated`], a `401` for the tenant a URL names)
/// is kept only for a tenant already in the log, so requests naming made-up tenants take no
/// memory. It holds at most `entries_per_tenant × max_tenants` entries, each at most a few
/// KiB (its texts are bounded). Each tenant's
/// buffer has its own lock, held only to push or copy entries; [`record`](ActivityLog::record)
/// never waits on another tenant's readers. Lost on restart.
///
/// ```
/// use scimkit_core::activity::{ActivityLog, ActivityQuery, InMemoryActivityLog};
/// use scimkit_core::auth::BearerTokens;
/// use scimkit_core::context::Tenant;
/// use scimkit_core::{InMemoryStore, Scim};
/// use std::sync::Arc;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tokens = BearerTokens::new();
/// let token = tokens.mint(Tenant::new("acme"), "okta", None)?;
/// let activity = Arc::new(InMemoryActivityLog::new(500));
/// let scim = Scim::builder()
///     .store(InMemoryStore::new())
///     .authenticator(tokens)
///     .shared_activity_log(activity.clone())
///     .build()?;
///
/// let request = http::Request::post("/Users")
///     .header("authorization", format!("Bearer {}", token.token))
///     .header("content-type", "application/scim+json")
///     .header("user-agent", "Okta SCIM Client 1.0.0")
///     .body(r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#.into())?;
/// assert_eq!(scim.handle(request).await.status(), 201);
///
/// let recent = activity.recent(&Tenant::new("acme"), &ActivityQuery::default()).await?;
/// assert_eq!(recent.len(), 1);
/// assert_eq!(recent[0].status, 201);
/// assert_eq!(recent[0].identity_provider.as_deref(), Some("Okta SCIM Client 1.0.0"));
/// assert!(recent[0].resource_id.is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct InMemoryActivityLog {
    entries_per_tenant: usize,
    max_tenants: usize,
    tenants: RwLock<HashMap<String, Arc<Mutex<VecDeque<ActivityEntry>>>>>,
}

impl Default for InMemoryActivityLog {
    fn default() -> Self {
        InMemoryActivityLog::new(DEFAULT_ENTRIES_PER_TENANT)
    }
}

impl InMemoryActivityLog {
    /// A log keeping the last `entries_per_tenant` entries of each tenant (at least one).
    pub fn new(entries_per_tenant: usize) -> Self {
        InMemoryActivityLog {
            entries_per_tenant: entries_per_tenant.max(1),
            max_tenants: DEFAULT_MAX_TENANTS,
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// Keeps entries for at most `max_tenants` tenants (at least one; default
    /// [`DEFAULT_MAX_TENANTS`]); entries for further tenants are dropped.
    #[must_use]
    pub fn max_tenants(mut self, max_tenants: usize) -> Self {
        self.max_tenants = max_tenants.max(1);
        self
    }

    /// The most entries kept per tenant.
    pub fn entries_per_tenant(&self) -> usize {
        self.entries_per_tenant
    }

    /// The buffer of `tenant`, created if `create` and there is room for it.
    fn buffer(&self, tenant: &str, create: bool) -> Option<Arc<Mutex<VecDeque<ActivityEntry>>>> {
        let tenants = self.tenants.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(buffer) = tenants.get(tenant) {
            return Some(Arc::clone(buffer));
        }
        drop(tenants);
        if !create {
            return None;
        }
        let mut tenants = self.tenants.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(buffer) = tenants.get(tenant) {
            return Some(Arc::clone(buffer));
        }
        if tenants.len() >= self.max_tenants {
            return None;
        }
        let buffer = Arc::new(Mutex::new(VecDeque::new()));
        tenants.insert(tenant.to_owned(), Arc::clone(&buffer));
        Some(buffer)
    }
}

#[async_trait]
impl ActivityLog for InMemoryActivityLog {
    fn record(&self, entry: ActivityEntry) {
        let Some(buffer) = self.buffer(&entry.tenant, entry.authenticated) else {
            tracing::debug!(
                "activity log: an entry for a tenant not kept (new and unauthenticated, or beyond max_tenants) was dropped"
            );
            return;
        };
        let mut buffer = buffer.lock().unwrap_or_else(PoisonError::into_inner);
        while buffer.len() >= self.entries_per_tenant {
            buffer.pop_front();
        }
        buffer.push_back(entry);
    }

    async fn recent(
        &self,
        tenant: &Tenant,
        query: &ActivityQuery,
    ) -> Result<Vec<ActivityEntry>, ActivityError> {
        let buffer = {
            let tenants = self.tenants.read().unwrap_or_else(PoisonError::into_inner);
            match tenants.get(tenant.as_str()) {
                Some(buffer) => Arc::clone(buffer),
                None => return Ok(Vec::new()),
            }
        };
        let buffer = buffer.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(buffer
            .iter()
            .rev()
            .filter(|entry| query.admits(entry))
            .take(query.limit)
            .cloned()
            .collect())
    }
}
