//! The provisioning activity log: what identity providers sent and what was refused, per
//! tenant, for the customer's admin and the vendor's support.
//!
//! This module owns [`ActivityEntry`] (one answered request: time, tenant, identity provider,
//! method, path, resource, status, the refusal's `scimType` and `detail`, the change made),
//! the [`ActivityLog`] trait the engine records into ([`ActivityLog::record`] is synchronous
//! and must not block; [`ActivityLog::recent`] is async, newest first, one tenant at a time),
//! and [`InMemoryActivityLog`], a bounded ring buffer per tenant.
//!
//! The engine records when a log is installed with
//! [`ScimBuilder::activity_log`](crate::engine::ScimBuilder::activity_log) (there is none by
//! default, and then nothing is gathered): once per answered request whose tenant is known —
//! the authenticated caller's, or for a request refused before authentication (`401`, `404`
//! of an unknown path, public discovery) the tenant segment of the mount, else the tenant given
//! to [`ScimBuilder::activity_tenant`](crate::engine::ScimBuilder::activity_tenant) (a
//! single-tenant host at a fixed path); a request with none of these (a `401` at a mount
//! without a tenant segment) is not recorded. Refusals on a request's
//! head and body by [`Scim::handle_stream`](crate::Scim::handle_stream) are recorded the same
//! way. A `/Bulk` request is one entry per operation of its response (method, `bulkId`,
//! resource from its `location`, status, error), recorded in the response's order, then one
//! for the request; read newest first, the request comes before its operations. A write's
//! change kind follows from its method and a `2xx` status (a PATCH that changed nothing is
//! still `patched`); its attribute names are known only for a PATCH.
//!
//! What it must not do: keep a secret. An entry is built from the request line, the
//! `User-Agent` header and the response (status, `Location`, error body, a `/Bulk` response's
//! operations) — never from a request body, the `Authorization` header or any other header.
//! The one body it reads is a PATCH's, and only for its operations' paths and its path-less
//! values' keys (attribute names; values are skipped unread). Error details and query strings
//! that name a `returned: never` attribute (`password`) are left out, as a detail may quote
//! the value refused. Entries recorded before authentication can be caused by anyone who
//! knows the mount's URL; they say so ([`ActivityEntry::authenticated`] is `false`), and
//! [`InMemoryActivityLog`] keeps them only for tenants it already holds.

mod entry;
mod log;
mod memory;
pub(crate) mod observe;

pub use entry::{
    ActivityChange, ActivityEntry, MAX_CHANGED_ATTRIBUTES, MAX_DETAIL_CHARS,
    MAX_IDENTITY_PROVIDER_CHARS, MAX_NAME_CHARS, MAX_PATH_CHARS,
};
pub use log::{ActivityError, ActivityLog, ActivityQuery};
pub use memory::{InMemoryActivityLog, DEFAULT_ENTRIES_PER_TENANT, DEFAULT_MAX_TENANTS};
