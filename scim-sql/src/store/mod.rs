//! [`SqlStore`]: a [`ResourceStore`] over the host's own tables, declared with [`Table`]
//! (columns per attribute), [`Child`] (a child table per multi-valued attribute) and
//! [`Members`] (a membership table for a group's members), on PostgreSQL, SQLite or
//! MySQL/MariaDB.
//!
//! - Lists run in SQL through scimkit-core's translator: filters on mapped attributes, sorts
//!   on mapped single-valued attributes, index pages with `LIMIT`/`OFFSET`, RFC 9865 cursor
//!   pages as keyset ranges (the cursor opened before any SQL runs). What SQL cannot do the
//!   engine finishes in memory.
//! - Attributes with `uniqueness: server` (`userName`) are checked in the write's
//!   transaction; a unique index on them (case-folded like the translator folds) closes the
//!   race between two concurrent creates, and its violation is answered `409 uniqueness`.
//! - A PATCH that only changes a group's members is row inserts and deletes in the
//!   membership table; the member list is never read, and the response leaves `members` out
//!   unless the request asked for it (see [`ResourceStore::patch_members`]). A read whose
//!   projection leaves out `members` (`excludedAttributes=members`) does not read them either.
//! - A value a column cannot hold (`Column::max_bytes`) is `400 invalidValue` naming the
//!   attribute, before any write.
//!
//! # Lock order
//!
//! Every write is one transaction that first locks the row it changes (`SELECT … FOR UPDATE`;
//! SQLite has one writer at a time). A group write reads its new members' rows (PostgreSQL
//! `FOR KEY SHARE`, the lock the membership table's foreign key would take) before it locks
//! the group's row, as a user delete (or a user replace changing the `displayName` its groups
//! show) locks the user's row before it deletes the user's memberships (bumps its groups'
//! versions); so the two never wait for each other in opposite orders. What deadlocks
//! remain (two writers adding the same new memberships in different orders) and
//! serialization failures are retried inside the store ([`crate::retrying`]) and never reach
//! the client as a 5xx.

mod fail;
mod list;
mod members;
mod plan;
mod read;
mod secret;
mod slot;
mod table;
mod write;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use scimkit_core::context::Context;
use scimkit_core::patch::Patched;
use scimkit_core::projection::Projection;
use scimkit_core::schema::ResourceType;
use scimkit_core::sql::ListSql;
use scimkit_core::store::{
    CursorCodec, Kept, ListQuery, MemberPatch, Page, PushDown, ResourceStore, StoreError, Version,
};
use scimkit_core::{Resource, ScimError};
use scimkit_filter::AttrPath;

pub use secret::Secret;
pub use table::{Child, Members, Table};

use crate::db::Db;
use plan::Plan;

/// How long a list cursor stays valid.
pub const CURSOR_TIMEOUT: Duration = Duration::from_secs(3600);

/// Why a [`SqlStore`] could not be built: a declaration that does not fit the resource type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A mapping does not fit its resource type's schema.
    #[error("the table of resource type {0}: {1}")]
    Mapping(String, String),
    /// Two tables were declared for one resource type.
    #[error("resource type {0} has two tables")]
    Duplicate(String),
    /// A membership table was declared but no resource type `User` is kept.
    #[error("{0} keeps members, which are Users, but no table is declared for User")]
    NoUsers(String),
    /// No randomness for the cursor key.
    #[error("cursors: {0}")]
    Cursor(String),
}

/// A [`ResourceStore`] over the host's own tables (see the [module docs](self)).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::sql::Column;
/// use scimkit_sql::store::{Members, SqlStore, Table};
/// use scimkit_sql::{migrations, shared_cursor_key, Db};
///
/// let db = Db::connect("postgres://postgres@127.0.0.1/app").await?;
/// migrations::run(&db).await?;
/// let store = SqlStore::builder(db.clone())
///     .resource(
///         ResourceType::user(),
///         Table::new("accounts")
///             .tenant("org_id")
///             .column("userName", Column::text("email").max_bytes(1024))
///             .column("active", Column::boolean("is_active"))
///             .extra("scim_extra"),
///     )
///     .resource(
///         ResourceType::group(),
///         Table::new("teams")
///             .tenant("org_id")
///             .column("displayName", Column::text("name"))
///             .members(Members::new("team_members", "team_id", "account_id")),
///     )
///     .cursor_key(shared_cursor_key(&db).await?)
///     .build()?;
/// # let _ = store; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqlStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub db: Db,
    pub plans: Vec<Plan>,
    pub cursors: CursorCodec,
    /// The plan of `User`, the resources groups' members are.
    pub users: Option<usize>,
    /// The plan of the type whose table keeps members (`Group`).
    pub groups: Option<usize>,
}

/// Builds a [`SqlStore`].
#[derive(Debug)]
pub struct SqlStoreBuilder {
    db: Db,
    resources: Vec<(ResourceType, Table)>,
    cursor_key: Option<[u8; 32]>,
}

impl SqlStore {
    /// A builder over `db`.
    pub fn builder(db: Db) -> SqlStoreBuilder {
        SqlStoreBuilder {
            db,
            resources: Vec::new(),
            cursor_key: None,
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The statements `list` runs for `query` among resources of `rt` of `tenant` (for
    /// `EXPLAIN`, to check which indexes a host's tables need). A cursor in `query` is opened
    /// first, as `list` opens it.
    pub fn list_statements(
        &self,
        rt: &ResourceType,
        tenant: &str,
        query: &ListQuery,
    ) -> Result<ListSql, StoreError> {
        let (index, _) = self.plan(rt)?;
        list::statements(&self.inner, index, rt, tenant, query)
    }

    fn plan(&self, rt: &ResourceType) -> Result<(usize, &Plan), StoreError> {
        self.inner
            .plans
            .iter()
            .enumerate()
            .find(|(_, plan)| plan.rt.name == rt.name)
            .ok_or_else(|| {
                StoreError::Rejected(ScimError::NotImplemented(format!(
                    "this store keeps no {} resources",
                    rt.name
                )))
            })
    }
}

impl SqlStoreBuilder {
    /// Keeps resources of `rt` in `table`.
    #[must_use]
    pub fn resource(mut self, rt: ResourceType, table: Table) -> Self {
        self.resources.push((rt, table));
        self
    }

    /// Seals and opens list cursors with `key` (use [`crate::shared_cursor_key`] so every
    /// instance shares it); by default a random key per process.
    #[must_use]
    pub fn cursor_key(mut self, key: [u8; 32]) -> Self {
        self.cursor_key = Some(key);
        self
    }

    /// Checks every table against its resource type's schema.
    pub fn build(self) -> Result<SqlStore, BuildError> {
        let backend = self.db.backend();
        let mut plans: Vec<Plan> = Vec::new();
        for (rt, table) in self.resources {
            if plans.iter().any(|p| p.rt.name == rt.name) {
                return Err(BuildError::Duplicate(rt.name));
            }
            plans.push(Plan::new(&rt, table, backend)?);
        }
        let users = plans.iter().position(|p| p.rt.name == "User");
        let groups = plans.iter().position(|p| p.table.members.is_some());
        if let (Some(groups), None) = (groups, users) {
            let name = plans
                .get(groups)
                .map(|p| p.rt.name.clone())
                .unwrap_or_default();
            return Err(BuildError::NoUsers(name));
        }
        let cursors = match self.cursor_key {
            Some(key) => CursorCodec::with_key(key, CURSOR_TIMEOUT),
            None => {
                CursorCodec::new(CURSOR_TIMEOUT).map_err(|e| BuildError::Cursor(e.to_string()))?
            }
        };
        Ok(SqlStore {
            inner: Arc::new(Inner {
                db: self.db,
                plans,
                cursors,
                users,
                groups,
            }),
        })
    }
}

#[async_trait]
impl ResourceStore for SqlStore {
    fn push_down(&self, rt: &ResourceType) -> PushDown {
        self.plan(rt)
            .map(|(_, plan)| plan.mapping.push_down())
            .unwrap_or_default()
    }

    fn keeps(&self, rt: &ResourceType) -> Kept {
        let Ok((index, plan)) = self.plan(rt) else {
            return Kept::all();
        };
        let mut derived = Vec::new();
        if plan.table.members.is_some() {
            derived.push("members");
        }
        if Some(index) == self.inner.users
            && self.inner.groups.is_some()
            && rt.schema.get("groups").is_some()
        {
            derived.push("groups");
        }
        plan.kept(rt, &derived)
    }

    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resource: Resource,
    ) -> Result<Resource, StoreError> {
        let (index, plan) = self.plan(rt)?;
        plan.mapping
            .check_fits(rt, &resource)
            .map_err(StoreError::Rejected)?;
        write::create(&self.inner, index, ctx.tenant().as_str(), &resource).await
    }

    /// Writes the batch with a few statements and one commit (see the crate's README).
    async fn create_many(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resources: Vec<Resource>,
    ) -> Vec<Result<Resource, StoreError>> {
        let (index, plan) = match self.plan(rt) {
            Ok(found) => found,
            Err(error) => return resources.iter().map(|_| Err(error.clone())).collect(),
        };
        let mut results: Vec<Option<Result<Resource, StoreError>>> = Vec::new();
        let mut fitting = Vec::with_capacity(resources.len());
        for resource in resources {
            match plan.mapping.check_fits(rt, &resource) {
                Ok(()) => {
                    fitting.push(resource);
                    results.push(None);
                }
                Err(error) => results.push(Some(Err(StoreError::Rejected(error)))),
            }
        }
        let mut created = write::create_many(&self.inner, index, ctx.tenant().as_str(), &fitting)
            .await
            .into_iter();
        results
            .into_iter()
            .map(|result| {
                result.unwrap_or_else(|| {
                    created.next().unwrap_or_else(|| {
                        Err(StoreError::backend(std::io::Error::other(
                            "a batch created fewer resources",
                        )))
                    })
                })
            })
            .collect()
    }

    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        let (index, _) = self.plan(rt)?;
        read::get(&self.inner, index, ctx.tenant().as_str(), id).await
    }

    /// Leaves a group's members unread when the projection does not show them.
    async fn get_projected(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        projection: &Projection,
    ) -> Result<Option<Resource>, StoreError> {
        let (index, _) = self.plan(rt)?;
        let with_members = projection.requests(rt, &AttrPath::new("members"));
        read::get_with(&self.inner, index, ctx.tenant().as_str(), id, with_members).await
    }

    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        let (index, _) = self.plan(rt)?;
        list::list(&self.inner, index, rt, ctx.tenant().as_str(), query).await
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        resource: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError> {
        let (index, plan) = self.plan(rt)?;
        plan.mapping
            .check_fits(rt, &resource)
            .map_err(StoreError::Rejected)?;
        write::replace(
            &self.inner,
            index,
            ctx.tenant().as_str(),
            id,
            &resource,
            if_match,
        )
        .await
    }

    async fn patch_members(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        change: MemberPatch<'_>,
    ) -> Result<Option<Patched>, StoreError> {
        let (index, plan) = self.plan(rt)?;
        if plan.table.members.is_none() {
            return Ok(None);
        }
        members::patch(&self.inner, index, ctx.tenant().as_str(), id, change)
            .await
            .map(Some)
    }

    async fn delete(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
    ) -> Result<(), StoreError> {
        let (index, _) = self.plan(rt)?;
        write::delete(&self.inner, index, ctx.tenant().as_str(), id, if_match).await
    }
}
