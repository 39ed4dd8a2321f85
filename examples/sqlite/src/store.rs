//! [`SqliteStore`]: opening the database (WAL, busy timeout, foreign keys, the migration)
//! and the [`ResourceStore`] impl over `reads.rs`, `list.rs` and `writes.rs`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use scimkit_core::context::Context;
use scimkit_core::patch::Patched;
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{
    CursorCodec, ListQuery, MemberPatch, Page, PushDown, ResourceStore, StoreError, Version,
};
use scimkit_core::Resource;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Executor;

use crate::error::OpenError;
use crate::layout::Layout;
use crate::mapping::mapping;
use crate::reads::{get, Extras};
use crate::schema::MIGRATION;
use crate::{list, writes};

/// How long list cursors stay valid.
pub const CURSOR_TIMEOUT: Duration = Duration::from_secs(3600);

/// How long a statement waits for another connection's write lock before `503`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`ResourceStore`] in one SQLite file (or in memory), for every resource type the engine
/// has. Clones share the pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    pub(crate) cursors: CursorCodec,
}

/// Whether a URL names an in-memory database (one per connection: the pool keeps one).
fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

impl SqliteStore {
    /// Opens `url` (`sqlite://PATH`, created if missing; `sqlite:PATH`; `sqlite::memory:`),
    /// in WAL mode with a busy timeout and foreign keys on, and creates the tables when
    /// missing.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        if !url.starts_with("sqlite:") {
            return Err(OpenError::Url {
                url: url.to_owned(),
            });
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| OpenError::Url {
                url: url.to_owned(),
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = if in_memory(url) {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(4)
        }
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options)
        .await?;
        SqliteStore::new(pool).await
    }

    /// A store over an open pool (its connections need `foreign_keys` on, as
    /// [`SqliteStore::open`] sets): creates the tables when missing.
    pub async fn new(pool: SqlitePool) -> Result<Self, OpenError> {
        let mut tx = pool.begin().await?;
        for statement in MIGRATION {
            tx.execute(*statement).await?;
        }
        tx.commit().await?;
        Ok(SqliteStore {
            pool,
            cursors: CursorCodec::new(CURSOR_TIMEOUT)?,
        })
    }

    /// Seals and opens this store's cursors with `key` instead of a random per-process key,
    /// so a cursor survives a restart (and opens in every process on the file). Keep it secret.
    #[must_use]
    pub fn with_cursor_key(mut self, key: [u8; 32]) -> Self {
        self.cursors = CursorCodec::with_key(key, CURSOR_TIMEOUT);
        self
    }

    /// The connection pool (for the host's own queries and for closing it).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait]
impl ResourceStore for SqliteStore {
    /// The attributes [`crate::mapping`] maps, filtered, sorted and paged in SQL.
    fn push_down(&self, rt: &ResourceType) -> PushDown {
        mapping(rt, &Layout::of(rt)).push_down()
    }

    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        resource: Resource,
    ) -> Result<Resource, StoreError> {
        writes::create(self, ctx.tenant().as_str(), rt, &resource).await
    }

    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        let extras = Extras::all(&Layout::of(rt));
        get(&self.pool, ctx.tenant().as_str(), rt, id, extras).await
    }

    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        list::list(self, ctx.tenant().as_str(), rt, query).await
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        resource: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError> {
        writes::replace(self, ctx.tenant().as_str(), rt, id, &resource, if_match).await
    }

    /// A PATCH that only changes members becomes row inserts and deletes
    /// ([`writes::patch_members`]).
    async fn patch_members(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        change: MemberPatch<'_>,
    ) -> Result<Option<Patched>, StoreError> {
        writes::patch_members(self, ctx.tenant().as_str(), rt, id, change)
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
        writes::delete(self, ctx.tenant().as_str(), rt, id, if_match).await
    }
}
