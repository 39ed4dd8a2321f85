//! Persistence: the [`ResourceStore`] trait host applications implement, and what passes
//! through it.
//!
//! The engine does the protocol (parsing, compatibility, validation, PATCH, projection,
//! contention, errors); a store only keeps resources. This module defines the contract; it
//! holds no storage itself (the in-memory store lives in [`crate::memory`]).
//!
//! # Writing a store
//!
//! Implement five methods: `create`, `get`, `list`, `replace`, `delete`. Everything a store
//! needs is in [`crate::prelude`]. A store over the app's own structs maps them to and from
//! [`Resource`] through the typed views ([`crate::resource::typed::User`], `Group`, `Member`,
//! `Name`) and builds `meta` with [`crate::Meta::stored`]; `examples/custom-store` in the
//! repository does that for `Account`/`Team` structs in under 150 lines.
//!
//! The store test kit (`scimkit_core::testkit`, feature `testkit`) checks every rule below;
//! each rule names the check that fails when it is broken. Run `testkit::check_store(&store)`
//! and `testkit::stress(&scim, ..)` in your tests, as the example at the end of this page does.
//!
//! **What the engine does before a store is called**: the caller is authenticated and every
//! call carries its tenant in the [`Context`]; bodies are normalised and validated against
//! the resource type (types, required and read-only attributes, `schemas`); `meta` is set
//! (`resourceType`, `created`, `lastModified`); filters compile. A store does not validate.
//!
//! **The rules**:
//! - **Tenants** (`tenant_isolation`): a store keeps each tenant's resources apart; it never
//!   returns, changes, counts or deletes another tenant's resource, whatever id it is given
//!   (that is [`StoreError::NotFound`]), and two tenants may use the same `userName`.
//! - **`create`** (`create_get`): assigns a new `id` that is never reused and a [`Version`]
//!   ([`Version::set_on`]); returns the resource exactly as `get` will return it.
//! - **`create_many`** (optional): a `/Bulk` request's run of creates of one type at once;
//!   each result must be what `create` alone would answer. The default calls `create` for each.
//! - **`get`** (`create_get`): the whole stored resource, or `None` for an id the tenant does
//!   not have (any string: ids come from the URL).
//! - **Uniqueness** (`uniqueness`, `concurrent_creates`): attributes whose `uniqueness` is
//!   `server` or `global` are unique per tenant (for User, `userName`, case-insensitively since
//!   it is not `caseExact`), on `create` and on `replace` (a user keeping its own `userName` is
//!   not a conflict). A duplicate is [`StoreError::Uniqueness`], decided atomically: of sixteen
//!   concurrent creates of one `userName` exactly one succeeds.
//! - **Versions** (`versions`): `meta.version` changes on every change and only then. `replace`
//!   with `if_match` fails with [`StoreError::VersionMismatch`] unless the current version is
//!   that one, checked atomically with the write: this is what makes the engine's PATCH and PUT
//!   safe, so a store must never write over a version it was not given.
//! - **`delete`** (`delete`): `if_match` as for `replace`; a deleted resource is gone and a
//!   second delete is `NotFound`.
//! - **Groups** (`groups`), for a resource type with `members`: members are kept as given
//!   (`value`, and `display`/`type` when present); a member id naming no User or Group of the
//!   tenant is refused with [`StoreError::Rejected`] (`400 invalidValue`) and nothing changes;
//!   deleting a resource removes it from every group, and each group it left gets a new
//!   version. A User's `groups` (read-only in the schema) is derived on every read from the
//!   groups it is a member of, as `{"value": group id, "display": group displayName}`; input
//!   never sets it.
//! - **`list`** (`list`): follows [`ListQuery`]; only what [`ResourceStore::push_down`]
//!   declares is ever passed, so a store that declares nothing returns every resource of the
//!   tenant and type and the engine filters, sorts and pages. `total_results` counts every
//!   match, not just the page. A store that pages with cursors refuses a malformed cursor with
//!   `invalidCursor`.
//! - **Rendered reads** (`rendered_reads`): `get_rendered` and `list_rendered` are optional;
//!   their defaults render what `get` and `list` return. A store that keeps each resource's
//!   [`crate::projection::Document`] overrides them, and what they write must be what rendering
//!   `get`/`list` would write, also after member changes, renames and deletes.
//! - **PATCH is the engine's** (`groups`, `versions`, and `stress`): it reads the resource with
//!   `get`, applies the request, validates the result and writes it with `replace` on the
//!   version it read; writers of one resource take turns inside the process, and a replace that
//!   lost to another process is retried until [`crate::ScimBuilder::write_deadline`]. So a store
//!   whose `get` and `replace` follow the rules above has correct PATCH. A store may implement
//!   [`ResourceStore::patch_members`] to apply a group's member changes as row changes.
//! - **Concurrency** (`stress`): under concurrent clients nothing is lost or duplicated, and no
//!   request fails with a `5xx` (a deadlock between a user delete and member changes of its
//!   groups is one). `stress` writes `userName`, `displayName`, `emails` and Group
//!   `displayName`/`members`, so a store must keep those to run it.
//! - **What is kept**: a store that keeps only some attributes (fixed columns) declares them
//!   in [`ResourceStore::keeps`]; the engine then advertises only those and drops the rest
//!   from writes before the store sees them. A store that declares nothing keeps everything it
//!   is given.
//! - **Errors**: [`StoreError`]; a backend failure's cause is logged by the engine, never sent.
//!
//! # Example
//!
//! A store keeping whole resources in a map, for every resource type, passing the test kit
//! and its stress run:
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::sync::{Mutex, MutexGuard};
//!
//! use scimkit_core::prelude::*;
//! use serde_json::{json, Value};
//!
//! /// Resources by (tenant, resource type, id), and the last version given.
//! #[derive(Default)]
//! struct MapStore {
//!     rows: Mutex<Rows>,
//! }
//!
//! #[derive(Default)]
//! struct Rows {
//!     version: u64,
//!     all: BTreeMap<(String, String, String), Resource>,
//! }
//!
//! fn key(ctx: &Context, rt: &str, id: &str) -> (String, String, String) {
//!     (ctx.tenant().as_str().to_owned(), rt.to_owned(), id.to_owned())
//! }
//!
//! /// The member ids of a group.
//! fn members(r: &Resource) -> Vec<&str> {
//!     let list = r.get("members").and_then(Value::as_array).into_iter().flatten();
//!     list.filter_map(|m| m.get("value")?.as_str()).collect()
//! }
//!
//! impl Rows {
//!     fn next_version(&mut self) -> Version {
//!         self.version += 1;
//!         Version::new(self.version.to_string())
//!     }
//!
//!     /// A stored resource as read: a User with the groups it is in.
//!     fn read(&self, ctx: &Context, rt: &ResourceType, mut r: Resource) -> Resource {
//!         let id = r.id.clone().unwrap_or_default();
//!         let groups: Vec<Value> = self.all.iter()
//!             .filter(|((t, k, _), g)| t == ctx.tenant().as_str() && k == "Group" && members(g).contains(&id.as_str()))
//!             .map(|((_, _, gid), g)| json!({"value": gid, "display": g.get("displayName")}))
//!             .collect();
//!         if rt.schema.get("groups").is_some() && !groups.is_empty() {
//!             r.attributes.insert("groups".into(), Value::Array(groups));
//!         }
//!         r
//!     }
//!
//!     /// Stores `r` as `id` with a new version, after the uniqueness and member checks.
//!     fn write(&mut self, ctx: &Context, rt: &ResourceType, id: &str, mut r: Resource) -> Result<Resource, StoreError> {
//!         let tenant = ctx.tenant().as_str();
//!         r.attributes.remove("groups"); // derived on read, never stored
//!         if let Some(name) = r.get("userName").and_then(Value::as_str).map(str::to_lowercase) {
//!             let taken = self.all.iter().any(|((t, k, other), o)| {
//!                 t == tenant && *k == rt.name && other != id
//!                     && o.get("userName").and_then(Value::as_str).map(str::to_lowercase) == Some(name.clone())
//!             });
//!             if taken {
//!                 return Err(StoreError::Uniqueness(format!("userName \"{name}\" is already taken")));
//!             }
//!         }
//!         for member in members(&r) {
//!             if !["User", "Group"].iter().any(|k| self.all.contains_key(&key(ctx, k, member))) {
//!                 return Err(ScimError::InvalidValue(format!("member \"{member}\" is no user or group")).into());
//!             }
//!         }
//!         r.id = Some(id.to_owned());
//!         self.next_version().set_on(&mut r)?;
//!         self.all.insert(key(ctx, &rt.name, id), r.clone());
//!         Ok(self.read(ctx, rt, r))
//!     }
//!
//!     /// Checks that the resource exists and that `if_match` (when given) is its version.
//!     fn current(&self, ctx: &Context, rt: &ResourceType, id: &str, if_match: Option<&Version>) -> Result<(), StoreError> {
//!         let current = self.all.get(&key(ctx, &rt.name, id)).ok_or(StoreError::NotFound)?;
//!         Version::of(current).unwrap_or_else(|| Version::new("")).require(if_match)
//!     }
//! }
//!
//! impl MapStore {
//!     fn rows(&self) -> Result<MutexGuard<'_, Rows>, StoreError> {
//!         self.rows.lock().map_err(|_| StoreError::Unavailable("a writer panicked".into()))
//!     }
//! }
//!
//! #[async_trait]
//! impl ResourceStore for MapStore {
//!     async fn create(&self, ctx: &Context, rt: &ResourceType, r: Resource) -> Result<Resource, StoreError> {
//!         self.rows()?.write(ctx, rt, &new_id()?, r)
//!     }
//!
//!     async fn get(&self, ctx: &Context, rt: &ResourceType, id: &str) -> Result<Option<Resource>, StoreError> {
//!         let rows = self.rows()?;
//!         Ok(rows.all.get(&key(ctx, &rt.name, id)).map(|r| rows.read(ctx, rt, r.clone())))
//!     }
//!
//!     async fn list(&self, ctx: &Context, rt: &ResourceType, _: &ListQuery) -> Result<Page, StoreError> {
//!         // Nothing is pushed down (the default `push_down`): every resource of the tenant
//!         // and type; the engine filters, sorts, counts and pages.
//!         let rows = self.rows()?;
//!         let all = rows.all.iter()
//!             .filter(|((t, k, _), _)| t == ctx.tenant().as_str() && *k == rt.name)
//!             .map(|(_, r)| rows.read(ctx, rt, r.clone()))
//!             .collect();
//!         Ok(Page::all(all))
//!     }
//!
//!     async fn replace(&self, ctx: &Context, rt: &ResourceType, id: &str, r: Resource, if_match: Option<&Version>) -> Result<Resource, StoreError> {
//!         let mut rows = self.rows()?;
//!         rows.current(ctx, rt, id, if_match)?;
//!         rows.write(ctx, rt, id, r)
//!     }
//!
//!     async fn delete(&self, ctx: &Context, rt: &ResourceType, id: &str, if_match: Option<&Version>) -> Result<(), StoreError> {
//!         let mut rows = self.rows()?;
//!         rows.current(ctx, rt, id, if_match)?;
//!         rows.all.remove(&key(ctx, &rt.name, id));
//!         // The groups it was in lose it, each with a new version.
//!         let left: Vec<_> = rows.all.iter()
//!             .filter(|((t, _, _), g)| t == ctx.tenant().as_str() && members(g).contains(&id))
//!             .map(|(k, _)| k.clone())
//!             .collect();
//!         for k in left {
//!             let version = rows.next_version();
//!             if let Some(group) = rows.all.get_mut(&k) {
//!                 if let Some(Value::Array(list)) = group.attributes.get_mut("members") {
//!                     list.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
//!                 }
//!                 if let Some(meta) = group.meta.as_mut() {
//!                     meta.last_modified = Utc::now();
//!                 }
//!                 version.set_on(group)?;
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # #[cfg(feature = "testkit")]
//! # {
//! use std::sync::Arc;
//! use scimkit_core::testkit::{check_store, stress, StressOptions};
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
//! runtime.block_on(async {
//!     let store = MapStore::default();
//!     check_store(&store).await?; // every rule above
//!
//!     let tokens = Arc::new(BearerTokens::new());
//!     let okta = tokens.mint(Tenant::new("acme"), "okta", None)?;
//!     let scim = Scim::builder().store(store).shared_authenticator(tokens).build()?;
//!     let options = StressOptions { clients: 8, rounds: 20, ..StressOptions::new(okta.token) };
//!     stress(&scim, &options).await?; // concurrent clients: nothing lost, no 5xx
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # }
//! # Ok(())
//! # }
//! ```

mod cursor;
mod error;
mod id;
mod kept;
mod members;
pub(crate) mod push_down;
mod query;
mod rendered;

use async_trait::async_trait;

pub use crate::resource::Version;
pub use cursor::{CursorCodec, CursorPage, CursorPosition, CursorScope};
pub use error::StoreError;
pub use id::new_id;
pub(crate) use kept::KeptShape;
pub use kept::{Kept, KeptError};
pub use members::MemberPatch;
pub use push_down::{FilterPushDown, FilterRule, ListPlan, PushDown};
pub use query::{ListQuery, Page, Pagination};
pub(crate) use rendered::DerivedShowing;
pub use rendered::{RenderedPage, RenderedResource};

use crate::context::Context;
use crate::patch::Patched;
use crate::projection::Projection;
use crate::resource::Resource;
use crate::schema::ResourceType;

/// The most resources the engine hands [`ResourceStore::create_many`] at once.
pub const CREATE_BATCH: usize = 200;

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

    /// What this store keeps of `rt`'s attributes: [`Kept::all`] by default. The engine asks
    /// once, when it is built, advertises exactly what is kept in `/Schemas` and
    /// `/ResourceTypes`, and drops what a write carries beyond it before calling the store (it
    /// is then not returned). A declaration naming no attribute of `rt`, or leaving out a
    /// required one, fails [`crate::ScimBuilder::build`].
    fn keeps(&self, rt: &ResourceType) -> Kept {
        let _ = rt;
        Kept::all()
    }

    /// Stores a new, validated resource: assigns `id` and the version, enforces uniqueness.
    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resource: Resource,
    ) -> Result<Resource, StoreError>;

    /// Stores several new, validated resources of `rt`, each as [`ResourceStore::create`]
    /// would: one refused (a `uniqueness` conflict, a value a column cannot hold) does not
    /// stop the others. Returns one result per resource, in order. The engine calls it for a
    /// run of independent `POST`s in one `/Bulk` request (at most [`CREATE_BATCH`] at a time).
    ///
    /// The default creates them one after another. A store may do better — a database store
    /// can write them in a few statements and one commit — as long as each result is what
    /// `create` alone would have answered.
    async fn create_many(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resources: Vec<Resource>,
    ) -> Vec<Result<Resource, StoreError>> {
        let mut results = Vec::with_capacity(resources.len());
        for resource in resources {
            results.push(self.create(ctx, rt, resource).await);
        }
        results
    }

    /// The whole stored resource, or `None` when the tenant has no resource of `rt` with this id.
    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError>;

    /// [`ResourceStore::get`] for a response showing only what `projection` selects: the
    /// engine calls it for a `GET` with `attributes` or `excludedAttributes`. A store may leave
    /// out what the projection does not show and is costly to read (a group's `members` when
    /// `excludedAttributes=members`); the default returns [`ResourceStore::get`].
    async fn get_projected(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        projection: &Projection,
    ) -> Result<Option<Resource>, StoreError> {
        let _ = projection;
        self.get(ctx, rt, id).await
    }

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
