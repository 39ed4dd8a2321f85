//! Persistence: the [`ResourceStore`] trait host applications implement, and what passes
//! through it.
//!
//! The engine does the protocol (parsing, compatibility, validation, PATCH semantics,
//! projection, errors); a store only keeps resources. This module defines the contract; it
//! holds no storage itself (the in-memory store lives in [`crate::memory`]).
//!
//! # Writing a store
//!
//! Implement the five required methods. Every call carries a [`Context`]: a store keeps each
//! tenant's resources apart and must never return, change or count another tenant's resources,
//! whatever id it is given.
//!
//! The contract:
//! - **What the engine checks before a call**: the caller is authenticated; bodies are
//!   normalised and validated against the resource type (types, required and read-only
//!   attributes, `schemas`); filters compile; `meta.resourceType`, `created` and
//!   `lastModified` are set. A store does not validate.
//! - **`create`** assigns a new unique `id` (never reusing one), a [`Version`]
//!   ([`Version::set_on`]), and enforces uniqueness of attributes whose `uniqueness` is
//!   `server` or `global` (for User, `userName`, case-insensitively since it is not
//!   `caseExact`): a duplicate is [`StoreError::Uniqueness`], decided atomically so two
//!   concurrent creates of one `userName` give one success and one conflict.
//! - **`replace`** stores the validated resource in place of the current one with a new
//!   version; with `if_match`, it fails with [`StoreError::VersionMismatch`] unless the current
//!   version is that one, checked atomically with the write. Uniqueness as for `create`.
//! - **PATCH is the engine's**: it reads the resource with `get`, applies the request, and
//!   writes the result with `replace` conditioned on the version it read, serialising writers
//!   of one resource inside the process and retrying a write that lost to another process. A
//!   store that implements `get` and `replace` correctly has correct PATCH. A store may
//!   implement [`ResourceStore::patch_members`] to apply a group's member changes as row
//!   changes instead.
//! - **`delete`**: as `replace` for `if_match`; deleting a user also removes it from groups.
//! - **`get`** returns the whole stored resource (the engine projects it), `None` if absent.
//! - **`list`** follows [`ListQuery`]: only what [`ResourceStore::push_down`] declares is ever
//!   passed; `total_results` counts every match, not just the page.
//! - **`get_rendered`** and **`list_rendered`** (optional) answer reads whose response shows
//!   resources whole (no `attributes`/`excludedAttributes`). Their defaults render what `get`
//!   and `list` return; a store that keeps each resource's [`crate::projection::Document`]
//!   overrides them to skip decoding and serialising. What they write must be what rendering
//!   `get`/`list` would write (the test kit checks it).
//! - A resource's `meta.version` changes on every change and only then.
//! - Errors: [`StoreError`]; a backend failure's cause is logged by the engine, never sent.
//!
//! The store test kit (`scimkit_core::testkit`, feature `testkit`) checks this contract against any
//! implementation.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Mutex;
//!
//! use async_trait::async_trait;
//! use scimkit_core::context::Context;
//! use scimkit_core::schema::ResourceType;
//! use scimkit_core::store::{ListQuery, Page, ResourceStore, StoreError, Version};
//! use scimkit_core::Resource;
//!
//! /// Resources by (tenant, resource type, id), with a counter for ids and versions.
//! #[derive(Default)]
//! struct MapStore {
//!     rows: Mutex<(u64, HashMap<(String, String, String), Resource>)>,
//! }
//!
//! fn key(ctx: &Context, rt: &ResourceType, id: &str) -> (String, String, String) {
//!     (ctx.tenant().as_str().to_owned(), rt.name.clone(), id.to_owned())
//! }
//!
//! fn user_name(r: &Resource) -> Option<String> {
//!     r.get("userName").and_then(|v| v.as_str()).map(str::to_lowercase)
//! }
//!
//! #[async_trait]
//! impl ResourceStore for MapStore {
//!     async fn create(&self, ctx: &Context, rt: &ResourceType, mut r: Resource) -> Result<Resource, StoreError> {
//!         let mut rows = self.rows.lock().map_err(|_| StoreError::Unavailable("poisoned".into()))?;
//!         let name = user_name(&r);
//!         let taken = name.is_some() && rows.1.iter().any(|((t, k, _), other)| {
//!             t == ctx.tenant().as_str() && *k == rt.name && user_name(other) == name
//!         });
//!         if taken {
//!             return Err(StoreError::Uniqueness("userName is already taken".into()));
//!         }
//!         rows.0 += 1;
//!         let id = rows.0.to_string();
//!         r.id = Some(id.clone());
//!         Version::new(rows.0.to_string()).set_on(&mut r);
//!         rows.1.insert(key(ctx, rt, &id), r.clone());
//!         Ok(r)
//!     }
//!
//!     async fn get(&self, ctx: &Context, rt: &ResourceType, id: &str) -> Result<Option<Resource>, StoreError> {
//!         let rows = self.rows.lock().map_err(|_| StoreError::Unavailable("poisoned".into()))?;
//!         Ok(rows.1.get(&key(ctx, rt, id)).cloned())
//!     }
//!
//!     async fn list(&self, ctx: &Context, rt: &ResourceType, _q: &ListQuery) -> Result<Page, StoreError> {
//!         // Nothing is pushed down (the default `push_down`): return every resource of the
//!         // tenant and type; the engine filters, sorts, counts and pages.
//!         let rows = self.rows.lock().map_err(|_| StoreError::Unavailable("poisoned".into()))?;
//!         let all = rows.1.iter()
//!             .filter(|((t, k, _), _)| t == ctx.tenant().as_str() && *k == rt.name)
//!             .map(|(_, r)| r.clone())
//!             .collect();
//!         Ok(Page::all(all))
//!     }
//!
//!     async fn replace(&self, ctx: &Context, rt: &ResourceType, id: &str, mut r: Resource, if_match: Option<&Version>) -> Result<Resource, StoreError> {
//!         let mut rows = self.rows.lock().map_err(|_| StoreError::Unavailable("poisoned".into()))?;
//!         let current = rows.1.get(&key(ctx, rt, id)).ok_or(StoreError::NotFound)?;
//!         if if_match.is_some_and(|v| Version::of(current).as_ref() != Some(v)) {
//!             return Err(StoreError::VersionMismatch);
//!         }
//!         let name = user_name(&r);
//!         let taken = name.is_some() && rows.1.iter().any(|((t, k, other_id), other)| {
//!             t == ctx.tenant().as_str() && *k == rt.name && other_id != id && user_name(other) == name
//!         });
//!         if taken {
//!             return Err(StoreError::Uniqueness("userName is already taken".into()));
//!         }
//!         rows.0 += 1;
//!         Version::new(rows.0.to_string()).set_on(&mut r);
//!         rows.1.insert(key(ctx, rt, id), r.clone());
//!         Ok(r)
//!     }
//!
//!     async fn delete(&self, ctx: &Context, rt: &ResourceType, id: &str, if_match: Option<&Version>) -> Result<(), StoreError> {
//!         let mut rows = self.rows.lock().map_err(|_| StoreError::Unavailable("poisoned".into()))?;
//!         let current = rows.1.get(&key(ctx, rt, id)).ok_or(StoreError::NotFound)?;
//!         if if_match.is_some_and(|v| Version::of(current).as_ref() != Some(v)) {
//!             return Err(StoreError::VersionMismatch);
//!         }
//!         rows.1.remove(&key(ctx, rt, id));
//!         Ok(())
//!     }
//! }
//!
//! let store: std::sync::Arc<dyn ResourceStore> = std::sync::Arc::new(MapStore::default());
//! # let _ = store;
//! ```

mod cursor;
mod error;
mod id;
mod members;
pub(crate) mod push_down;
mod query;
mod rendered;
mod version;

use async_trait::async_trait;

pub use cursor::{CursorCodec, CursorPage, CursorScope};
pub use error::StoreError;
pub use id::new_id;
pub use members::MemberPatch;
pub use push_down::{FilterPushDown, FilterRule, ListPlan, PushDown};
pub use query::{ListQuery, Page, Pagination};
pub(crate) use rendered::DerivedShowing;
pub use rendered::{RenderedPage, RenderedResource};
pub use version::Version;

use crate::context::Context;
use crate::patch::Patched;
use crate::resource::Resource;
use crate::schema::ResourceType;

/// Persistence for SCIM resources, implemented by the host application (or use
/// [`crate::memory::InMemoryStore`]). Object-safe: the engine holds an
/// `Arc<dyn ResourceStore>`. See the [module documentation](self) for the contract and a
/// complete example.
#[async_trait]
pub trait ResourceStore: Send + Sync + 'static {
    /// What this store does itself in [`ResourceStore::list`] for resources of `rt`. The
    /// default pushes nothing down: `list` gets no filter, sort or page and returns every
    /// resource, which is correct but scans.
    fn push_down(&self, rt: &ResourceType) -> PushDown {
        let _ = rt;
        PushDown::default()
    }

    /// Stores a new, validated resource: assigns `id` and the version, enforces uniqueness.
    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resource: Resource,
    ) -> Result<Resource, StoreError>;

    /// The whole stored resource, or `None` when the tenant has no resource of `rt` with this id.
    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError>;

    /// The resources matching `query` (see [`ListQuery`] for what each field obliges).
    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<Page, StoreError>;

    /// [`ResourceStore::get`] for a response that shows the resource whole: its
    /// [`crate::projection::Document`] and derived attributes. The default renders what `get`
    /// returns; override it in a store that keeps documents.
    async fn get_rendered(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<RenderedResource>, StoreError> {
        let resource = self.get(ctx, rt, id).await?;
        Ok(resource.map(|r| RenderedResource::render(rt, &r)))
    }

    /// [`ResourceStore::list`] for a response that shows resources whole. The engine calls it
    /// only when the store does all of the query (its filter, sort and page; see
    /// [`ResourceStore::push_down`]). The default renders what `list` returns.
    async fn list_rendered(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<RenderedPage, StoreError> {
        let page = self.list(ctx, rt, query).await?;
        Ok(RenderedPage {
            resources: page
                .resources
                .iter()
                .map(|r| RenderedResource::render(rt, r))
                .collect(),
            total_results: page.total_results,
            next_cursor: page.next_cursor,
        })
    }

    /// Replaces a resource with a validated one, with a version check when `if_match` is given.
    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        resource: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError>;

    /// Optional: applies a PATCH that changes only a group's members as row changes, without
    /// reading or rewriting the member list, atomically. Return `Ok(None)` (the default) to
    /// leave it to the engine, which then reads the group, applies the request and writes it
    /// back with [`ResourceStore::replace`]: correct for any store, but O(members).
    ///
    /// The engine calls it only for a resource type with a multi-valued complex `members`
    /// attribute, and only when every operation of the request changes members (see
    /// [`MemberPatch`]). An implementation, in one atomic step:
    /// - answers [`StoreError::NotFound`] for a group the tenant does not have, and
    ///   [`StoreError::VersionMismatch`] when `change.if_match` is not its version;
    /// - refuses a member id naming no resource of the tenant with [`StoreError::Rejected`]
    ///   (`400 invalidValue`), changing nothing;
    /// - applies [`crate::patch::MemberDelta`] (replaced, then removed, then added; adding a
    ///   member already there and removing one that is not are no-ops);
    /// - gives the group a new version and `meta.lastModified` when a membership changed, and
    ///   keeps both when none did ([`Patched::changed`] says which);
    /// - returns the group as stored, with `members` when `change.with_members`.
    async fn patch_members(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        change: MemberPatch<'_>,
    ) -> Result<Option<Patched>, StoreError> {
        let _ = (ctx, rt, id, change);
        Ok(None)
    }

    /// Deletes a resource, with a version check when `if_match` is given.
    async fn delete(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
    ) -> Result<(), StoreError>;
}
