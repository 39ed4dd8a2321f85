//! [`ActivityLog`]: where the engine hands each answered request's [`ActivityEntry`], and how
//! an admin reads a tenant's recent ones back ([`ActivityQuery`]).

use async_trait::async_trait;

use crate::activity::ActivityEntry;
use crate::context::Tenant;

/// Which of a tenant's entries [`ActivityLog::recent`] returns.
///
/// ```
/// use scimkit_core::activity::ActivityQuery;
/// let query = ActivityQuery { refusals_only: true, ..ActivityQuery::default() };
/// assert_eq!(query.limit, 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActivityQuery {
    /// The most entries returned (default 100).
    pub limit: usize,
    /// Only refused requests (status 400 or more).
    pub refusals_only: bool,
    /// Only entries about this resource id.
    pub resource_id: Option<String>,
}

impl Default for ActivityQuery {
    fn default() -> Self {
        ActivityQuery {
            limit: 100,
            refusals_only: false,
            resource_id: None,
        }
    }
}

impl ActivityQuery {
    /// Whether `entry` passes the query's filters (not its limit).
    pub fn admits(&self, entry: &ActivityEntry) -> bool {
        (!self.refusals_only || entry.is_refusal())
            && self
                .resource_id
                .as_deref()
                .is_none_or(|id| entry.resource_id.as_deref() == Some(id))
    }
}

/// Why an activity log could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivityError {
    /// The log's storage did not answer (a database that is down).
    #[error("the activity log is unavailable: {0}")]
    Unavailable(String),
}

/// Keeps what the engine answered, per tenant, for the tenant's admin and the vendor's support
/// (install one with [`crate::engine::ScimBuilder::activity_log`]).
///
/// [`record`](ActivityLog::record) is synchronous and runs on the request path after the
/// response is made, so it must be cheap and must not block: keep the entry in memory (as
/// [`crate::activity::InMemoryActivityLog`] does) or hand it to a bounded queue that another
/// task writes to a database, dropping entries when the queue is full rather than waiting.
/// Losing an entry is better than slowing provisioning. A panic in `record` is caught and
/// logged; the response is sent as it was.
/// [`recent`](ActivityLog::recent) is async, for logs that read a database.
///
/// A query for one tenant never returns another tenant's entries.
#[async_trait]
pub trait ActivityLog: Send + Sync + 'static {
    /// Keeps `entry` (for `entry.tenant`), without blocking.
    fn record(&self, entry: ActivityEntry);

    /// The tenant's entries that pass `query`, newest first, at most `query.limit`.
    async fn recent(
        &self,
        tenant: &Tenant,
        query: &ActivityQuery,
    ) -> Result<Vec<ActivityEntry>, ActivityError>;
}
