//! [`InMemoryStore`]: the embedded default [`ResourceStore`], for single-process hosts, demos
//! and tests.
//!
//! It owns resources per tenant, the lookup indexes identity providers rely on (`userName`,
//! `externalId`, `displayName`, `emails.value`), uniqueness, and group membership. It must not
//! validate (the engine does), persist anything, or hold a lock across an `.await` (there is
//! none inside: every method completes synchronously).
//!
//! # Concurrency
//!
//! A map of tenants (`RwLock<HashMap<Tenant, Arc<RwLock<TenantState>>>>`, locked only to find
//! or add a tenant), and **one `RwLock` per tenant** over all its resource types. One lock per
//! tenant rather than per resource type because writes check across types (a group's members
//! must be users or groups of the tenant; deleting a user changes the groups it was in):
//! with one lock those checks are atomic and no lock ordering is needed, so no deadlock is
//! possible. Tenants never contend with each other.
//!
//! Resources are stored packed (`packed.rs`: one shared byte buffer per resource, about a
//! fifth of a dynamic `Resource`'s heap) and keyed by the 128 bits of their UUID (`id.rs`).
//! A read clones the buffer's `Arc` (plus a group's member values when asked) under the read
//! lock and releases it at once; unpacking, filtering, sorting and paging happen after
//! (filters and sorts look at a partial unpack, the returned page is unpacked whole). A write
//! prepares everything it can first (id, version, index keys, member extraction, packing) and
//! holds the write lock only to check (version, uniqueness, member existence) and swap. A
//! poisoned lock is recovered ([`std::sync::PoisonError::into_inner`]): every write checks
//! before it changes anything, so a panic cannot leave half-applied state behind.
//!
//! Each resource also keeps its [`crate::projection::Document`] (rendered when written) and a
//! user its derived `groups` rendered, so reads that show resources whole
//! ([`ResourceStore::get_rendered`], [`ResourceStore::list_rendered`]) copy bytes instead of
//! unpacking and serialising; a group's reference in those `groups` is kept per group, and a
//! change of membership or of a group's name renders the members' `groups` again under the
//! write lock.
//!
//! Memory: an Entra-shaped user (IDP-NOTES.md's create body) costs about 1.2 KiB of heap in
//! all: the packed resource, its document (about the size of its JSON), and its share of the
//! id map and the indexes (`tests/memory_footprint.rs` counts it and fails above 2 KiB).
//!
//! Versions come from one store-wide counter and change on every change and only then.
//! Ids are random UUIDs (v4).
//!
//! # Group membership
//!
//! For a resource type with a multi-valued complex `members` attribute (Group), members are
//! kept outside the stored resource in a per-group map (member id → value) and a tenant-wide
//! reverse index (member id → groups). Members must be users or groups of the tenant
//! (`invalidValue` otherwise); a missing member `type` is filled in. A User's `groups` (when its
//! type defines `groups`) is derived from the reverse index on read and never stored from input.
//! Deleting a resource removes it from every group, which gets a new version.
//!
//! [`ResourceStore::patch_members`] applies a PATCH that only changes members
//! ([`crate::patch::MemberDelta`]) to the member map directly, in O(changed members) whatever
//! the group's size. The group it returns carries `members` only when
//! [`MemberPatch::with_members`] asks for them. Every other PATCH is the engine's read → apply
//! → `replace`.
//!
//! # Cost of each operation (n resources of the type in the tenant, m members of a group)
//!
//! | operation | cost |
//! |---|---|
//! | `create`, `replace` | O(1) plus O(m) for a group's members |
//! | `get` | O(1); O(m) for a group (members are materialised) |
//! | `patch` of members only | O(changed members) |
//! | other `patch` (the engine's) | `get` + apply + `replace` |
//! | `delete` | O(1) plus O(m) for a group and O(groups it is in) for a member |
//! | `list` with `attr eq "text"` on an indexed attribute (alone or in an `and` chain) | O(candidates) |
//! | other `list` | O(n) scan with the compiled filter, O(k log k) to sort k matches |
//!
//! Cursor pagination (RFC 9865) uses opaque cursors holding an offset into the result order,
//! bound to the tenant and resource type (a cursor from elsewhere, or a malformed one, is
//! `invalidCursor`). The store keeps no snapshots, so resources created or deleted between two
//! pages can shift positions: a resource may then be skipped or seen twice.
//!
//! ```
//! use scimkit_core::context::{Caller, Context, Tenant};
//! use scimkit_core::schema::ResourceType;
//! use scimkit_core::store::{ResourceStore, Version};
//! use scimkit_core::{InMemoryStore, Meta, Resource};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! runtime.block_on(async {
//!     let store = InMemoryStore::new();
//!     let users = ResourceType::user();
//!     let ctx = Context::new(Tenant::new("acme"), Caller::new("okta"));
//!
//!     let mut user = Resource::from_json(json!({
//!         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!         "userName": "bjensen",
//!     }))?;
//!     user.meta = Some(Meta::new("User", chrono::Utc::now()));
//!
//!     let created = store.create(&ctx, &users, user.clone()).await?;
//!     let id = created.id.clone().unwrap_or_default();
//!     assert!(Version::of(&created).is_some());
//!     assert_eq!(store.get(&ctx, &users, &id).await?, Some(created));
//!
//!     // userName is unique per tenant, case-insensitively.
//!     user.attributes.insert("userName".into(), json!("BJENSEN"));
//!     assert!(store.create(&ctx, &users, user).await.is_err());
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })
//! # }
//! ```

mod id;
mod index;
mod list;
mod members;
mod packed;
mod tenant;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use chrono::Utc;
use scimkit_filter::AttrPath;

use crate::context::{Context, Tenant};
use crate::patch::Patched;
use crate::projection::{Document, Fragment, Projection};
use crate::resource::{Meta, Resource};
use crate::schema::ResourceType;
use crate::store::{
    CursorCodec, CursorScope, ListQuery, MemberPatch, Page, PushDown, RenderedPage,
    RenderedResource, ResourceStore, StoreError, Version,
};

use id::Id;
use index::Layout;
use members::{group_ref, has_groups, has_members, take_attribute, take_members};
use packed::Packed;
use tenant::{next_version, Prepared, Snapshot, TenantState};

type Shared = Arc<RwLock<TenantState>>;

/// What [`InMemoryStore::select`] found.
enum Selected {
    /// A cursor page, finished.
    Page(Page),
    /// The page's snapshots, the total, the tenant's data (`None`: no such tenant).
    Snapshots(Vec<Snapshot>, usize, Option<Shared>),
}

/// The embedded default store: concurrent, indexed, multi-tenant, in memory. See the
/// [module documentation](self) for its design and costs.
#[derive(Debug)]
pub struct InMemoryStore {
    tenants: RwLock<HashMap<Tenant, Shared>>,
    versions: AtomicU64,
    /// Seals this store's cursors; `None` only if the system had no randomness at start.
    cursors: Option<CursorCodec>,
}

impl Default for InMemoryStore {
    fn default() -> Self {
        InMemoryStore {
            tenants: RwLock::default(),
            versions: AtomicU64::default(),
            cursors: CursorCodec::new(CURSOR_TIMEOUT).ok(),
        }
    }
}

/// How long this store's cursors stay valid.
pub const CURSOR_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryStore::default()
    }

    fn tenant(&self, tenant: &Tenant) -> Option<Shared> {
        read(&self.tenants).get(tenant).cloned()
    }

    fn tenant_or_create(&self, tenant: &Tenant) -> Shared {
        if let Some(shared) = self.tenant(tenant) {
            return shared;
        }
        Arc::clone(write(&self.tenants).entry(tenant.clone()).or_default())
    }

    /// The matches of `query`: a finished page (cursor paging), or the snapshots of the page
    /// (without derived `groups` unless the filter or sort needed them), the total, and the
    /// tenant's data to derive the rest from.
    fn select(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<Selected, StoreError> {
        let compiled = query.compiled_filter(rt).map_err(StoreError::Rejected)?;
        let with_members = list::needs_members(rt, query);
        let with_groups = list::needs_groups(rt, query);
        let shared = self.tenant(ctx.tenant());
        // No filter, no sort, index paging: read only the page (creation order).
        if let Some((start, count)) = list::plain_page(query) {
            let (snapshots, total) = shared.as_ref().map_or((Vec::new(), 0), |shared| {
                read(shared).page_snapshots(rt, start, count, with_members, with_groups)
            });
            return Ok(Selected::Snapshots(snapshots, total, shared));
        }
        let snapshots = match &shared {
            None => Vec::new(),
            Some(shared) => {
                let state = read(shared);
                let ids = query.filter.as_ref().and_then(|f| state.candidates(rt, f));
                state.snapshots(rt, ids.as_deref(), with_members, with_groups)
            }
        };
        let scope = CursorScope {
            tenant: ctx.tenant().as_str(),
            resource_type: &rt.name,
            filter: query.filter.as_ref(),
            sort: query.sort.as_ref(),
        };
        Ok(
            match list::finish(
                rt,
                &scope,
                self.cursors.as_ref(),
                snapshots,
                compiled.as_deref(),
                query,
            )? {
                list::Finished::Page(page) => Selected::Page(page),
                list::Finished::Snapshots(snapshots, total) => {
                    Selected::Snapshots(snapshots, total, shared)
                }
            },
        )
    }

    /// Prepares a resource for writing, outside any lock: `id`, version, `meta` if missing,
    /// `members` taken out, `groups` dropped, index keys computed. Also gives back the
    /// resource as prepared (what reading it again would give, but for derived `groups` and
    /// kept-apart `members`).
    fn prepare(
        &self,
        rt: &ResourceType,
        shared: Option<&Shared>,
        id: Id,
        mut resource: Resource,
    ) -> Result<(Prepared, Resource), StoreError> {
        resource.id = Some(id.text());
        if resource.meta.is_none() {
            resource.meta = Some(Meta::new(rt.name.clone(), Utc::now()));
        }
        next_version(&self.versions).set_on(&mut resource)?;
        if has_groups(rt) {
            take_attribute(&mut resource, "groups");
        }
        let members = if has_members(rt) {
            Some(take_members(&mut resource)?)
        } else {
            None
        };
        // The tenant's layout of `rt` when it has one (the same as `Layout::of`, made once).
        let stored = shared.and_then(|shared| read(shared).layout(rt));
        let keys = match stored {
            Some(layout) => layout.keys(rt, &resource),
            None => Layout::of(rt).keys(rt, &resource),
        };
        let reference = members
            .is_some()
            .then(|| Fragment::of(&group_ref(id, resource.get("displayName").cloned())).ok())
            .flatten();
        let prepared = Prepared {
            id,
            packed: Packed::pack(&resource),
            document: Document::render(rt, &resource),
            reference,
            members,
            keys,
        };
        Ok((prepared, resource))
    }
}

#[async_trait]
impl ResourceStore for InMemoryStore {
    fn push_down(&self, _rt: &ResourceType) -> PushDown {
        PushDown::everything()
    }

    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resource: Resource,
    ) -> Result<Resource, StoreError> {
        let existing = self.tenant(ctx.tenant());
        let (prepared, resource) = self.prepare(rt, existing.as_ref(), Id::random()?, resource)?;
        let shared = existing.unwrap_or_else(|| self.tenant_or_create(ctx.tenant()));
        let snapshot = write(&shared).create(rt, prepared)?;
        Ok(snapshot.into_written(resource))
    }

    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        let (Some(shared), Some(id)) = (self.tenant(ctx.tenant()), Id::parse(id)) else {
            return Ok(None);
        };
        let snapshot = read(&shared).snapshot(rt, id, true);
        snapshot.map(Snapshot::into_resource).transpose()
    }

    /// The stored document, with `groups` from each group's kept reference: nothing is
    /// decoded or serialised but a group's members.
    async fn get_rendered(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<RenderedResource>, StoreError> {
        let (Some(shared), Some(id)) = (self.tenant(ctx.tenant()), Id::parse(id)) else {
            return Ok(None);
        };
        let with_members =
            has_members(rt) && Projection::all().requests(rt, &AttrPath::new("members"));
        let parts = read(&shared).rendered_parts(rt, id, with_members);
        Ok(parts.map(tenant::Parts::into_rendered))
    }

    /// Filters with the indexes or a scan, sorts (stable; creation order without a sort),
    /// counts and pages. Cursors are opaque offsets bound to the tenant and resource type;
    /// resources created or deleted between two pages can shift the positions.
    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        let (snapshots, total, shared) = match self.select(ctx, rt, query)? {
            Selected::Page(page) => return Ok(page),
            Selected::Snapshots(snapshots, total, shared) => (snapshots, total, shared),
        };
        let mut resources = snapshots
            .into_iter()
            .map(Snapshot::into_resource)
            .collect::<Result<Vec<Resource>, _>>()?;
        // Derived `groups` for the returned page only, unless selection already needed them.
        if let Some(shared) = shared.filter(|_| {
            has_groups(rt)
                && !list::needs_groups(rt, query)
                && query.projection.requests(rt, &AttrPath::new("groups"))
        }) {
            let state = read(&shared);
            for resource in &mut resources {
                let groups = resource
                    .id
                    .as_deref()
                    .and_then(Id::parse)
                    .and_then(|id| state.groups_of(id));
                if let Some(groups) = groups.filter(|g| !g.is_empty()) {
                    resource
                        .attributes
                        .insert("groups".to_owned(), serde_json::Value::Array(groups));
                }
            }
        }
        Ok(Page {
            resources,
            total_results: total,
            next_cursor: None,
        })
    }

    /// As `list`, with the page's stored documents and rendered `groups`.
    async fn list_rendered(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<RenderedPage, StoreError> {
        // No filter, no sort, index paging: the page's documents, without snapshots.
        if let Some((start, count)) = list::plain_page(query) {
            let with_members = list::needs_members(rt, query);
            let (parts, total) = self.tenant(ctx.tenant()).map_or((Vec::new(), 0), |shared| {
                read(&shared).page_parts(rt, start, count, with_members)
            });
            return Ok(RenderedPage {
                resources: parts
                    .into_iter()
                    .map(tenant::Parts::into_rendered)
                    .collect(),
                total_results: total,
                next_cursor: None,
            });
        }
        let (snapshots, total) = match self.select(ctx, rt, query)? {
            Selected::Page(page) => {
                return Ok(RenderedPage {
                    resources: page
                        .resources
                        .iter()
                        .map(|r| RenderedResource::render(rt, r))
                        .collect(),
                    total_results: page.total_results,
                    next_cursor: page.next_cursor,
                })
            }
            Selected::Snapshots(snapshots, total, _) => (snapshots, total),
        };
        let resources = snapshots.into_iter().map(Snapshot::into_rendered).collect();
        Ok(RenderedPage {
            resources,
            total_results: total,
            next_cursor: None,
        })
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        resource: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError> {
        let (Some(shared), Some(id)) = (self.tenant(ctx.tenant()), Id::parse(id)) else {
            return Err(StoreError::NotFound);
        };
        let (prepared, resource) = self.prepare(rt, Some(&shared), id, resource)?;
        let snapshot = write(&shared).replace(rt, id, prepared, if_match)?;
        Ok(snapshot.into_written(resource))
    }

    /// Applied to the member map in place, in O(changed members); the group returned has
    /// `members` only when `change.with_members`.
    async fn patch_members(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        change: MemberPatch<'_>,
    ) -> Result<Option<Patched>, StoreError> {
        let (Some(shared), Some(id)) = (self.tenant(ctx.tenant()), Id::parse(id)) else {
            return Err(StoreError::NotFound);
        };
        let (snapshot, changed) = write(&shared).patch_members(
            rt,
            id,
            change.delta,
            change.if_match,
            &self.versions,
            change.with_members,
        )?;
        Ok(Some(Patched {
            resource: snapshot.into_resource()?,
            changed,
        }))
    }

    async fn delete(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
    ) -> Result<(), StoreError> {
        let (Some(shared), Some(id)) = (self.tenant(ctx.tenant()), Id::parse(id)) else {
            return Err(StoreError::NotFound);
        };
        let result = write(&shared).delete(rt, id, if_match, &self.versions);
        result
    }
}
