//! [`ScimBuilder`]: configuring an engine, and what can be wrong with a configuration.

use std::sync::Arc;

use crate::activity::observe::Recording;
use crate::activity::ActivityLog;
use crate::auth::Authenticator;
use crate::compat::CompatOptions;
use crate::context::Tenant;
use crate::engine::{Inner, Scim};
use crate::events::EventSink;
use crate::schema::ResourceType;
use crate::store::ResourceStore;
use crate::validate::ValidationOptions;

/// How a successful PATCH is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PatchResponse {
    /// `200 OK` with the resource (honouring `attributes`/`excludedAttributes`). The default.
    #[default]
    Resource,
    /// `204 No Content` (RFC 7644 §3.5.2 allows it; Entra ID accepts it), unless the request
    /// asks for attributes. Lets a store add one member to a huge group without rendering it.
    NoContent,
    /// `204 No Content` for a PATCH that changes a group's `members` and nothing else (how
    /// Entra ID and Okta add and remove members, one request at a time; both accept `204`),
    /// unless the request asks for attributes; `200` with the resource for every other PATCH.
    /// With a store that applies member changes as row changes
    /// ([`crate::store::ResourceStore::patch_members`]), a member add then costs the same for
    /// a group of ten members as for one of a hundred thousand.
    NoContentForMembers,
}

/// The limits of `/Bulk` (RFC 7644 §3.7), advertised in `/ServiceProviderConfig`.
///
/// ```
/// use scimkit_core::engine::BulkLimits;
/// let limits = BulkLimits { max_operations: 500, ..BulkLimits::default() };
/// assert_eq!(limits.max_payload_size, 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BulkLimits {
    /// The most operations one bulk request may carry (default 1000); more are refused
    /// with `413` before any runs.
    pub max_operations: usize,
    /// The largest bulk request body in bytes (default 1 MiB); a larger one is refused with
    /// `413`. It replaces [`ScimBuilder::max_body_bytes`] for `/Bulk` only.
    pub max_payload_size: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        BulkLimits {
            max_operations: 1000,
            max_payload_size: 1024 * 1024,
        }
    }
}

/// The engine's settings, with the defaults of [`Settings::default`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) external_url: Option<String>,
    pub(crate) max_page_size: usize,
    pub(crate) default_page_size: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_query_bytes: usize,
    pub(crate) patch_response: PatchResponse,
    pub(crate) compat: CompatOptions,
    pub(crate) validation: ValidationOptions,
    pub(crate) public_discovery: bool,
    pub(crate) change_password: bool,
    pub(crate) cursor_timeout: std::time::Duration,
    /// The key of the engine's cursors; `None`: a random one per process.
    pub(crate) cursor_key: Option<CursorKey>,
    /// How long a request body may take to arrive; `None`: no limit.
    pub(crate) body_timeout: Option<std::time::Duration>,
    /// `None` when `/Bulk` is disabled (answered `501`).
    pub(crate) bulk: Option<BulkLimits>,
    /// How long a contended write keeps trying before it answers `503`.
    pub(crate) write_deadline: std::time::Duration,
}

/// A cursor key, shown redacted in `Debug` output.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            external_url: None,
            max_page_size: 1000,
            default_page_size: 100,
            max_body_bytes: 1024 * 1024,
            max_query_bytes: 32 * 1024,
            patch_response: PatchResponse::Resource,
            compat: CompatOptions::default(),
            validation: ValidationOptions::default(),
            public_discovery: false,
            change_password: false,
            cursor_timeout: std::time::Duration::from_secs(3600),
            cursor_key: None,
            body_timeout: Some(std::time::Duration::from_secs(30)),
            bulk: Some(BulkLimits::default()),
            write_deadline: std::time::Duration::from_secs(5),
        }
    }
}

/// Why [`ScimBuilder::build`] refused a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// No store was given.
    #[error("no store: call ScimBuilder::store (InMemoryStore or your own ResourceStore)")]
    MissingStore,
    /// No authenticator was given.
    #[error("no authenticator: call ScimBuilder::authenticator (BearerTokens or your own)")]
    MissingAuthenticator,
    /// Two resource types share a name or an endpoint.
    #[error("two resource types use the name or endpoint \"{0}\"")]
    DuplicateResourceType(String),
    /// An endpoint is not `/` followed by one path segment, or collides with a protocol
    /// endpoint (`/Schemas`, `/Bulk`, `/.search`…).
    #[error("resource type endpoint \"{0}\" must be \"/\" and one segment that is not a protocol endpoint")]
    InvalidEndpoint(String),
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// The system gave no randomness for the cursor key.
    #[error("no randomness for the cursor key: {0}")]
    NoRandomness(String),
    /// The store's [`crate::store::ResourceStore::keeps`] does not fit a resource type.
    #[error("{0}")]
    Kept(#[from] crate::store::KeptError),
    /// The external URL is not an absolute http(s) URL.
    #[error("external URL \"{0}\" must start with http:// or https://")]
    InvalidExternalUrl(String),
}

/// Builds a [`Scim`] engine.
///
/// ```
/// use scimkit_core::auth::{AuthError, AuthRequest};
/// use scimkit_core::context::{Caller, Context, Tenant};
/// use scimkit_core::engine::{PatchResponse, Scim};
/// # use scimkit_core::store::{ListQuery, Page, ResourceStore, StoreError, Version};
/// # use scimkit_core::{schema::ResourceType, Resource};
/// # struct NoStore;
/// # #[async_trait::async_trait]
/// # impl ResourceStore for NoStore {
/// #     async fn create(&self, _: &Context, _: &ResourceType, _: Resource) -> Result<Resource, StoreError> { Err(StoreError::Unavailable("x".into())) }
/// #     async fn get(&self, _: &Context, _: &ResourceType, _: &str) -> Result<Option<Resource>, StoreError> { Ok(None) }
/// #     async fn list(&self, _: &Context, _: &ResourceType, _: &ListQuery) -> Result<Page, StoreError> { Ok(Page::default()) }
/// #     async fn replace(&self, _: &Context, _: &ResourceType, _: &str, _: Resource, _: Option<&Version>) -> Result<Resource, StoreError> { Err(StoreError::NotFound) }
/// #     async fn delete(&self, _: &Context, _: &ResourceType, _: &str, _: Option<&Version>) -> Result<(), StoreError> { Err(StoreError::NotFound) }
/// # }
/// # let my_store = NoStore;
///
/// let scim = Scim::builder()
///     .store(my_store)
///     .authenticator(|req: &AuthRequest<'_>| match req.bearer_token() {
///         Some("s3cret") => Ok(Context::new(Tenant::new("default"), Caller::new("idp"))),
///         _ => Err(AuthError::Unauthorized("a valid bearer token is required".into())),
///     })
///     .external_url("https://app.example.com")
///     .patch_response(PatchResponse::NoContent)
///     .build()?;
/// assert_eq!(scim.resource_types().len(), 2); // User and Group by default
/// # Ok::<(), scimkit_core::engine::BuildError>(())
/// ```
#[must_use]
#[derive(Default)]
pub struct ScimBuilder {
    store: Option<Arc<dyn ResourceStore>>,
    authenticator: Option<Arc<dyn Authenticator>>,
    events: Option<Arc<dyn EventSink>>,
    activity: Option<Arc<dyn ActivityLog>>,
    activity_tenant: Option<Tenant>,
    resource_types: Vec<ResourceType>,
    settings: Settings,
}

impl std::fmt::Debug for ScimBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimBuilder")
            .field("store", &self.store.is_some())
            .field("authenticator", &self.authenticator.is_some())
            .field("events", &self.events.is_some())
            .field("activity", &self.activity.is_some())
            .field("activity_tenant", &self.activity_tenant)
            .field("resource_types", &self.resource_types.len())
            .field("settings", &self.settings)
            .finish()
    }
}

impl ScimBuilder {
    /// The store (required).
    pub fn store(mut self, store: impl ResourceStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// A store already shared with the host (required, unless [`ScimBuilder::store`] is used).
    pub fn shared_store(mut self, store: Arc<dyn ResourceStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The authenticator (required).
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// An authenticator already shared with the host (a `BearerTokens` it mints tokens into).
    pub fn shared_authenticator(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// The hook that hears of every committed change.
    pub fn events(mut self, events: impl EventSink) -> Self {
        self.events = Some(Arc::new(events));
        self
    }

    /// The activity log that keeps each answered request of a known tenant (none by default,
    /// and then nothing is gathered for it); see [`crate::activity`] for what is recorded.
    pub fn activity_log(mut self, log: impl ActivityLog) -> Self {
        self.activity = Some(Arc::new(log));
        self
    }

    /// An activity log already shared with the host, which reads it back (an admin API).
    pub fn shared_activity_log(mut self, log: Arc<dyn ActivityLog>) -> Self {
        self.activity = Some(log);
        self
    }

    /// The tenant whose activity log receives the requests refused before their caller is
    /// known (a `401` for a wrong, revoked or rotated token) when the mount path names no
    /// tenant: a single-tenant host serving SCIM at a fixed path such as `/scim/v2`. Without
    /// it, such refusals are recorded only under a mount with a tenant segment
    /// (`/scim/v2/{tenant}`), for the tenant the URL names. Requests whose caller is
    /// authenticated are always recorded for the caller's tenant.
    pub fn activity_tenant(mut self, tenant: Tenant) -> Self {
        self.activity_tenant = Some(tenant);
        self
    }

    /// Serves a resource type. Without any, the engine serves [`ResourceType::user`] (with
    /// the EnterpriseUser extension) and [`ResourceType::group`].
    pub fn resource_type(mut self, rt: ResourceType) -> Self {
        self.resource_types.push(rt);
        self
    }

    /// The URL clients reach the host at (`https://app.example.com`), used with the mount
    /// prefix in `Location` and `meta.location`. Without it, the request's `Host` header is
    /// used with `http://`; set it when TLS terminates in front of the host.
    pub fn external_url(mut self, url: impl Into<String>) -> Self {
        self.settings.external_url = Some(url.into());
        self
    }

    /// The largest page a list returns (default 1000); larger `count`s are clamped. It is the
    /// `filter.maxResults` of `/ServiceProviderConfig`.
    pub fn max_page_size(mut self, n: usize) -> Self {
        self.settings.max_page_size = n;
        self
    }

    /// The page size when a list gives no `count` (default 100).
    pub fn default_page_size(mut self, n: usize) -> Self {
        self.settings.default_page_size = n;
        self
    }

    /// The largest request body accepted (default 1 MiB); larger ones get `413`.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.settings.max_body_bytes = n;
        self
    }

    /// The longest query string read (default 32 KiB); a longer one gets the SCIM `414`,
    /// whose detail points to `POST .search` for long filters. HTTP servers have their own,
    /// larger limits on the request line (hyper: 64 KiB, answered `414` without a SCIM body;
    /// actix-web: 128 KiB for the whole head, `431`), so below this one every refusal of a
    /// long URL is a SCIM error.
    pub fn max_query_bytes(mut self, n: usize) -> Self {
        self.settings.max_query_bytes = n;
        self
    }

    /// How long a request body may take to arrive once the request head is in (default 30 s;
    /// `None` for no limit). A client that sends its body slower (slow-loris style) or stalls
    /// gets `408` and nothing it sent is applied. Applied by [`Scim::read_body`], which the
    /// adapters use; it needs a tokio runtime with its timer, as axum and actix-web run on.
    ///
    /// [`Scim::read_body`]: crate::Scim::read_body
    pub fn body_timeout(mut self, timeout: impl Into<Option<std::time::Duration>>) -> Self {
        self.settings.body_timeout = timeout.into();
        self
    }

    /// How a successful PATCH is answered (default `200` with the resource).
    pub fn patch_response(mut self, response: PatchResponse) -> Self {
        self.settings.patch_response = response;
        self
    }

    /// Which identity-provider quirks are normalised (default: all of them).
    pub fn compat(mut self, compat: CompatOptions) -> Self {
        self.settings.compat = compat;
        self
    }

    /// Validation settings (default: unknown attributes are refused).
    pub fn validation(mut self, validation: ValidationOptions) -> Self {
        self.settings.validation = validation;
        self
    }

    /// Serve `/ServiceProviderConfig`, `/Schemas` and `/ResourceTypes` without
    /// authentication (RFC 7644 §4 allows it; default off).
    pub fn public_discovery(mut self, public: bool) -> Self {
        self.settings.public_discovery = public;
        self
    }

    /// Let PUT and PATCH change `password` (`changePassword` in `/ServiceProviderConfig`;
    /// default off). A password can always be given when a user is created; it is never
    /// returned, logged or passed to the events hook. The store should hash it.
    pub fn change_password(mut self, enabled: bool) -> Self {
        self.settings.change_password = enabled;
        self
    }

    /// How long the engine's cursors stay valid (RFC 9865 `cursorTimeout`; default one hour).
    /// Stores that page themselves issue their own cursors.
    pub fn cursor_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.settings.cursor_timeout = timeout;
        self
    }

    /// The key sealing the engine's cursors (default: random per process). Several processes
    /// serving one store (instances behind a load balancer, or one process after a restart)
    /// give the same secret key, so a cursor from one opens on another. Stores that page
    /// themselves hold their own key. Keep it secret: with it anyone can forge a cursor for
    /// any tenant's list.
    pub fn cursor_key(mut self, key: [u8; 32]) -> Self {
        self.settings.cursor_key = Some(CursorKey(key));
        self
    }

    /// How long a PATCH or PUT of a contended resource keeps trying (default 5 s). Writers of
    /// one resource take turns inside the process; a write that loses to another process (or
    /// to a store's own member change) is read, applied and written again after a short,
    /// growing pause. Only once this much time has passed since the request started waiting
    /// does the client get `503` (retryable). Must be more than zero.
    pub fn write_deadline(mut self, deadline: std::time::Duration) -> Self {
        self.settings.write_deadline = deadline;
        self
    }

    /// Serves `/Bulk` with these limits (it is served with [`BulkLimits::default`] unless
    /// [`ScimBuilder::disable_bulk`] is called).
    pub fn bulk(mut self, limits: BulkLimits) -> Self {
        self.settings.bulk = Some(limits);
        self
    }

    /// Does not serve `/Bulk`: it answers `501` and `/ServiceProviderConfig` says
    /// `bulk.supported: false`.
    pub fn disable_bulk(mut self) -> Self {
        self.settings.bulk = None;
        self
    }

    /// The engine, or what is wrong with the configuration.
    pub fn build(self) -> Result<Scim, BuildError> {
        let store = self.store.ok_or(BuildError::MissingStore)?;
        let authenticator = self.authenticator.ok_or(BuildError::MissingAuthenticator)?;
        let settings = self.settings;
        if settings.max_page_size == 0 {
            return Err(BuildError::InvalidSetting(
                "max_page_size must be at least 1".to_owned(),
            ));
        }
        if settings.default_page_size == 0 || settings.default_page_size > settings.max_page_size {
            return Err(BuildError::InvalidSetting(format!(
                "default_page_size must be between 1 and max_page_size ({})",
                settings.max_page_size
            )));
        }
        if let Some(bulk) = &settings.bulk {
            if bulk.max_operations == 0 || bulk.max_payload_size == 0 {
                return Err(BuildError::InvalidSetting(
                    "bulk max_operations and max_payload_size must be at least 1 (or call disable_bulk)"
                        .to_owned(),
                ));
            }
        }
        if settings.write_deadline.is_zero() {
            return Err(BuildError::InvalidSetting(
                "write_deadline must be more than zero".to_owned(),
            ));
        }
        if let Some(url) = &settings.external_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(BuildError::InvalidExternalUrl(url.clone()));
            }
        }
        let resource_types = if self.resource_types.is_empty() {
            vec![ResourceType::user(), ResourceType::group()]
        } else {
            self.resource_types
        };
        for (n, rt) in resource_types.iter().enumerate() {
            let segment = rt.endpoint.strip_prefix('/').unwrap_or("");
            if segment.is_empty()
                || segment.contains('/')
                || segment.starts_with('.')
                || crate::engine::route::is_protocol_segment(segment)
            {
                return Err(BuildError::InvalidEndpoint(rt.endpoint.clone()));
            }
            for other in resource_types.iter().skip(n + 1) {
                if other.name.eq_ignore_ascii_case(&rt.name) {
                    return Err(BuildError::DuplicateResourceType(rt.name.clone()));
                }
                if other.endpoint.eq_ignore_ascii_case(&rt.endpoint) {
                    return Err(BuildError::DuplicateResourceType(rt.endpoint.clone()));
                }
            }
        }
        let resource_types: Vec<Arc<ResourceType>> =
            resource_types.into_iter().map(Arc::new).collect();
        let kept = resource_types
            .iter()
            .map(|rt| crate::store::KeptShape::new(rt, &store.keeps(rt)))
            .collect::<Result<Vec<_>, _>>()?;
        let cursors = match settings.cursor_key {
            Some(CursorKey(key)) => {
                crate::store::CursorCodec::with_key(key, settings.cursor_timeout)
            }
            None => crate::store::CursorCodec::new(settings.cursor_timeout)
                .map_err(|e| BuildError::NoRandomness(e.detail().to_owned()))?,
        };
        Ok(Scim {
            inner: Arc::new(Inner {
                cursors,
                turns: crate::engine::contention::WriteTurns::new(settings.write_deadline),
                store,
                authenticator,
                events: self.events,
                activity: self
                    .activity
                    .map(|log| Recording::new(log, &resource_types)),
                activity_tenant: self
                    .activity_tenant
                    .map(|tenant| tenant.as_str().to_owned()),
                resource_types,
                kept,
                settings,
            }),
        })
    }
}
