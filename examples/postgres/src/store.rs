//! [`PgStore`]: the pool, the migration, and the [`ResourceStore`] impl dispatching User to
//! [`crate::users`] and Group to [`crate::groups`].

use std::time::Duration;

use async_trait::async_trait;
use scimkit_core::context::Context;
use scimkit_core::patch::Patched;
use scimkit_core::schema::ResourceType;
use scimkit_core::sql::Mapping;
use scimkit_core::store::{
    CursorCodec, Kept, ListQuery, MemberPatch, Page, PushDown, ResourceStore, StoreError, Version,
};
use scimkit_core::{Resource, ScimError};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Executor;

use crate::schema::{valid_schema_name, MIGRATION};
use crate::{groups, mapping, users};

/// How long list cursors stay valid.
pub const CURSOR_TIMEOUT: Duration = Duration::from_secs(3600);

/// A [`ResourceStore`] over the app's `accounts`/`teams` tables in one PostgreSQL schema.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    pub(crate) users: Mapping,
    pub(crate) groups: Mapping,
    pub(crate) cursors: CursorCodec,
}

/// Why [`PgStore`] could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The schema name is not a plain lowercase identifier.
    #[error("invalid schema name {0:?}: use lowercase letters, digits and _")]
    SchemaName(String),
    /// The database refused a connection or a migration statement.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A mapping does not fit the schema (a programming error in `mapping.rs`).
    #[error("mapping: {0}")]
    Mapping(#[from] scimkit_core::sql::MappingError),
    /// The pool's connections do not resolve tables in the schema.
    #[error(
        "the pool's search_path resolves to schema {found:?}, not {schema:?}: set it in \
         PgPoolOptions::after_connect (PgStore::connect does)"
    )]
    SearchPath {
        /// The schema asked for.
        schema: String,
        /// The pool's `current_schema()`.
        found: String,
    },
    /// No randomness for the cursor key.
    #[error("cursors: {0}")]
    Cursor(#[from] ScimError),
}

impl PgStore {
    /// Connects to `url` with every connection's `search_path` set to `schema`.
    pub async fn connect(url: &str, schema: &str) -> Result<Self, StartError> {
        if !valid_schema_name(schema) {
            return Err(StartError::SchemaName(schema.to_owned()));
        }
        let set_path = format!("SET search_path TO \"{schema}\"");
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    conn.execute(set_path.as_str()).await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        PgStore::new(pool, schema).await
    }

    /// A store over `pool`, whose connections must have `search_path` set to `schema`
    /// ([`PgStore::connect`] does): creates the schema and its tables when missing.
    pub async fn new(pool: PgPool, schema: &str) -> Result<Self, StartError> {
        if !valid_schema_name(schema) {
            return Err(StartError::SchemaName(schema.to_owned()));
        }
        let mut tx = pool.begin().await?;
        tx.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str())
            .await?;
        tx.execute(format!("SET LOCAL search_path TO \"{schema}\"").as_str())
            .await?;
        for statement in MIGRATION {
            tx.execute(*statement).await?;
        }
        tx.commit().await?;
        let found: Option<String> = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&pool)
            .await?;
        if found.as_deref() != Some(schema) {
            return Err(StartError::SearchPath {
                schema: schema.to_owned(),
                found: found.unwrap_or_default(),
            });
        }
        let users = mapping::users();
        users.verify(&mapping::user_type())?;
        let groups = mapping::groups();
        groups.verify(&ResourceType::group())?;
        Ok(PgStore {
            pool,
            users,
            groups,
            cursors: CursorCodec::new(CURSOR_TIMEOUT)?,
        })
    }

    /// Seals and opens this store's cursors with `key` instead of a random per-process key,
    /// so several processes on one database (or one after a restart) continue each other's
    /// cursors. Keep it secret.
    #[must_use]
    pub fn with_cursor_key(mut self, key: [u8; 32]) -> Self {
        self.cursors = CursorCodec::with_key(key, CURSOR_TIMEOUT);
        self
    }

    /// The mapping of `kind`'s table.
    fn mapping(&self, kind: Kind) -> &Mapping {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The statements `list` runs for a User `query` of `tenant` (for `EXPLAIN`).
    pub fn user_list_plan(
        &self,
        rt: &ResourceType,
        query: &ListQuery,
        tenant: &str,
    ) -> Result<scimkit_core::sql::ListSql, StoreError> {
        crate::list::plan(self, &self.users, rt, query, tenant, users::COLUMNS)
    }
}

/// Which table keeps resources of `rt`.
#[derive(Clone, Copy)]
enum Kind {
    User,
    Group,
}

fn kind(rt: &ResourceType) -> Result<Kind, StoreError> {
    match rt.name.as_str() {
        "User" => Ok(Kind::User),
        "Group" => Ok(Kind::Group),
        other => Err(StoreError::Rejected(ScimError::InvalidValue(format!(
            "this store keeps Users and Groups, not {other}"
        )))),
    }
}

/// What the tables keep of a User: the `accounts` columns, its `account_emails` rows, the
/// derived `groups`, and `role` when the resource type has it.
pub const USER_COLUMNS: &[&str] = &[
    "userName",
    "externalId",
    "name.givenName",
    "name.familyName",
    "displayName",
    "title",
    "active",
    "password",
    "emails.value",
    "emails.type",
    "emails.primary",
    "groups",
];

/// What the `teams` table and its memberships keep of a Group.
pub const GROUP_COLUMNS: &[&str] = &["displayName", "externalId", "members"];

#[async_trait]
impl ResourceStore for PgStore {
    /// Exactly what the tables map, so discovery advertises nothing that would be dropped.
    fn keeps(&self, rt: &ResourceType) -> Kept {
        match kind(rt) {
            Ok(Kind::User) => {
                let role = rt.schema.get("role").map(|_| "role");
                Kept::only(USER_COLUMNS.iter().copied().chain(role))
            }
            Ok(Kind::Group) => Kept::only(GROUP_COLUMNS.iter().copied()),
            Err(_) => Kept::all(),
        }
    }

    fn push_down(&self, rt: &ResourceType) -> PushDown {
        match kind(rt) {
            Ok(Kind::User) => self.users.push_down(),
            Ok(Kind::Group) => self.groups.push_down(),
            Err(_) => PushDown::default(),
        }
    }

    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resource: Resource,
    ) -> Result<Resource, StoreError> {
        let tenant = ctx.tenant().as_str();
        let kind = kind(rt)?;
        self.mapping(kind)
            .check_fits(rt, &resource)
            .map_err(StoreError::Rejected)?;
        match kind {
            Kind::User => users::create(self, tenant, rt, &resource).await,
            Kind::Group => groups::create(self, tenant, rt, &resource).await,
        }
    }

    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        let tenant = ctx.tenant().as_str();
        match kind(rt)? {
            Kind::User => users::get(self, tenant, rt, id).await,
            Kind::Group => groups::get(self, tenant, rt, id, true).await,
        }
    }

    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        let tenant = ctx.tenant().as_str();
        match kind(rt)? {
            Kind::User => users::list(self, tenant, rt, query).await,
            Kind::Group => groups::list(self, tenant, rt, query).await,
        }
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        resource: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError> {
        let tenant = ctx.tenant().as_str();
        let kind = kind(rt)?;
        self.mapping(kind)
            .check_fits(rt, &resource)
            .map_err(StoreError::Rejected)?;
        match kind {
            Kind::User => users::replace(self, tenant, rt, id, &resource, if_match).await,
            Kind::Group => groups::replace(self, tenant, rt, id, &resource, if_match).await,
        }
    }

    /// A Group PATCH that only changes members becomes row inserts and deletes
    /// ([`groups::patch_members`]); Users have no members.
    async fn patch_members(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        change: MemberPatch<'_>,
    ) -> Result<Option<Patched>, StoreError> {
        match kind(rt)? {
            Kind::Group => groups::patch_members(self, ctx.tenant().as_str(), rt, id, change)
                .await
                .map(Some),
            Kind::User => Ok(None),
        }
    }

    async fn delete(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
    ) -> Result<(), StoreError> {
        let tenant = ctx.tenant().as_str();
        match kind(rt)? {
            Kind::User => users::delete(self, tenant, id, if_match).await,
            Kind::Group => groups::delete(self, tenant, id, if_match).await,
        }
    }
}
