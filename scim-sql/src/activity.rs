//! [`SqlActivityLog`]: scimkit-core's provisioning activity log kept in `scim_activity`, so it
//! survives restarts and every instance over the database reads the same entries.
//!
//! [`ActivityLog::record`] runs on the request path and must not wait: it hands the entry to a
//! bounded queue, and a background task writes what the queue holds in batches. This module
//! owns that queue, the task, the table's pruning to a per-tenant bound, and reading entries
//! back; it must not keep anything an [`ActivityEntry`] does not hold (no body, no header but
//! `User-Agent`, no token).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Timelike as _, Utc};
use scimkit_core::activity::{
    ActivityChange, ActivityEntry, ActivityError, ActivityLog, ActivityQuery,
    DEFAULT_ENTRIES_PER_TENANT, MAX_CHANGED_ATTRIBUTES, MAX_DETAIL_CHARS,
    MAX_IDENTITY_PROVIDER_CHARS, MAX_NAME_CHARS, MAX_PATH_CHARS,
};
use scimkit_core::context::Tenant;
use scimkit_core::events::ChangeKind;
use tokio::sync::{mpsc, oneshot};

use crate::datum::{Datum, DatumKind};
use crate::db::Db;
use crate::error::Error;
use crate::retry::retrying;
use crate::tokens::MAX_TEXT;

/// How many entries the queue between [`ActivityLog::record`] and the writing task holds by
/// default.
pub const DEFAULT_ACTIVITY_QUEUE: usize = 10_000;

/// The most rows one `INSERT` writes.
pub const ACTIVITY_BATCH: usize = 100;

/// How long [`ActivityLog::recent`] waits for this instance's earlier entries to be written
/// before it reads anyway.
pub const RECENT_FLUSH_WAIT: Duration = Duration::from_secs(2);

/// The least time between two warnings about entries dropped on a full queue.
const DROP_WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// The most tenants the writing task remembers as having rows, and the most it counts
/// unpruned rows for; past that it forgets them (the first) or prunes them all (the second).
const MAX_TRACKED_TENANTS: usize = 10_000;

/// The columns written, in the order of [`row`]'s values.
const COLUMNS: &str = "tenant, answered_at, authenticated, identity_provider, method, path, \
                       resource_type, resource_id, bulk_id, status, scim_type, detail, \
                       change_kind, change_attributes";
const WRITTEN: usize = 14;

/// The kinds of [`COLUMNS`], as [`ActivityLog::recent`] reads them.
const READ_KINDS: [DatumKind; WRITTEN] = [
    DatumKind::Text,
    DatumKind::Timestamp,
    DatumKind::Bool,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Integer,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Text,
    DatumKind::Text,
];

/// An [`ActivityLog`] in the database's `scim_activity` table (created by
/// [`crate::migrations::run`]): the log survives restarts, and several instances over one
/// database share it.
///
/// **Recording never waits.** [`record`](ActivityLog::record) puts the entry in a bounded queue
/// (`queue_capacity`, default [`DEFAULT_ACTIVITY_QUEUE`]) and returns; when the queue is full
/// the entry is dropped and counted ([`dropped`](SqlActivityLog::dropped)), with a warning at
/// most once a minute. A background task, spawned on the current tokio runtime by
/// [`new`](SqlActivityLog::new) / [`SqlActivityLogBuilder::build`], writes what the queue holds
/// in batches (one `INSERT` of up to [`ACTIVITY_BATCH`] rows, retried on a deadlock or a busy
/// database). A batch the database refuses is logged and dropped. The task ends, after writing
/// what is still queued, when the last clone of the log is dropped.
///
/// **The bound.** Each tenant keeps its newest `entries_per_tenant` rows (default
/// [`DEFAULT_ENTRIES_PER_TENANT`], as [`scimkit_core::activity::InMemoryActivityLog`]). The
/// task deletes a tenant's older rows once it has written `max(1, entries_per_tenant / 10)`
/// rows for the tenant since it last did, at each [`flush`](SqlActivityLog::flush) (and so
/// each [`recent`](ActivityLog::recent)) for every tenant it wrote to since, and when it ends.
/// So once a batch is written, a tenant that `k` instances write to holds at most
/// `entries_per_tenant + k × (max(1, entries_per_tenant / 10) − 1)` rows (with the default
/// 1000, 1099 for one instance), and at most `entries_per_tenant` once a `flush` returns if no
/// other instance wrote to it meanwhile. A deletion that fails is logged and done at the
/// tenant's next pruning; an instance that stops without its task ending (a crash) leaves its
/// unpruned rows until the tenant's next pruning by any instance.
/// [`recent`](ActivityLog::recent) never returns more than `entries_per_tenant` entries; with
/// several instances writing, its filters may reach the few rows past the newest
/// `entries_per_tenant` not yet deleted.
///
/// **Made-up tenants.** An unauthenticated entry ([`ActivityEntry::authenticated`] is false: a
/// `401` for the tenant a URL names) is kept only for a tenant that already has rows, so
/// requests naming made-up tenants fill no table. The task remembers up to 10 000 tenants it
/// wrote or found rows for, and asks the database about the others (one query per batch that
/// holds unauthenticated entries for tenants it does not know). An entry whose tenant is
/// longer than [`MAX_TEXT`] characters or holds a NUL character is not kept; other texts are
/// cut to the entry's bounds (`scimkit_core::activity::MAX_*`), NUL characters replaced by
/// U+FFFD.
///
/// **Reading.** [`recent`](ActivityLog::recent) first waits (at most [`RECENT_FLUSH_WAIT`]) for
/// the entries this instance recorded before it, so an admin page read right after a request
/// shows it: reads are read-your-writes on one instance, eventual across instances (another
/// instance's entries show once its task wrote them). A database that does not answer is
/// [`ActivityError::Unavailable`], with a message that names no URL or credential (the cause
/// is logged).
///
/// Cloning is cheap: clones share the queue, the task and the counters.
///
/// ```
/// use std::sync::Arc;
/// use scimkit_core::activity::{ActivityLog, ActivityQuery};
/// use scimkit_core::auth::BearerTokens;
/// use scimkit_core::context::Tenant;
/// use scimkit_core::{InMemoryStore, Scim};
/// use scimkit_sql::{migrations, Db, SqlActivityLog};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let db = Db::connect("sqlite::memory:").await?;
/// migrations::run(&db).await?;
/// let activity = SqlActivityLog::builder(db).entries_per_tenant(500).build();
///
/// let tokens = BearerTokens::new();
/// let token = tokens.mint(Tenant::new("acme"), "okta", None)?;
/// let scim = Scim::builder()
///     .store(InMemoryStore::new())
///     .authenticator(tokens)
///     .shared_activity_log(Arc::new(activity.clone()))
///     .build()?;
///
/// let request = http::Request::post("/Users")
///     .header("authorization", format!("Bearer {}", token.token))
///     .header("content-type", "application/scim+json")
///     .body(r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#.into())?;
/// assert_eq!(scim.handle(request).await.status(), 201);
///
/// // Written by the background task; `recent` waits for it.
/// let recent = activity.recent(&Tenant::new("acme"), &ActivityQuery::default()).await?;
/// assert_eq!(recent.len(), 1);
/// assert_eq!(recent[0].status, 201);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqlActivityLog {
    inner: Arc<Inner>,
}

/// What the clones of a [`SqlActivityLog`] share. Its sender is the queue's only one: the
/// writing task ends when it is dropped.
#[derive(Debug)]
struct Inner {
    db: Db,
    sender: mpsc::Sender<Message>,
    entries_per_tenant: usize,
    dropped: AtomicU64,
    /// When the log was made, the origin of `warned_at`.
    started: Instant,
    /// Milliseconds after `started` of the last warning about dropped entries, or
    /// [`NEVER_WARNED`].
    warned_at: AtomicU64,
}

const NEVER_WARNED: u64 = u64::MAX;

/// What the queue carries.
#[derive(Debug)]
enum Message {
    /// An entry to write.
    Entry(Box<ActivityEntry>),
    /// Answered once everything queued before it is written (or dropped on an error).
    Flush(oneshot::Sender<()>),
}

/// Settings of a [`SqlActivityLog`]: [`SqlActivityLog::builder`].
#[derive(Debug, Clone)]
pub struct SqlActivityLogBuilder {
    db: Db,
    entries_per_tenant: usize,
    queue_capacity: usize,
}

impl SqlActivityLogBuilder {
    /// Keeps each tenant's newest `entries_per_tenant` entries (at least one; default
    /// [`DEFAULT_ENTRIES_PER_TENANT`]).
    #[must_use]
    pub fn entries_per_tenant(mut self, entries_per_tenant: usize) -> Self {
        self.entries_per_tenant = entries_per_tenant.max(1);
        self
    }

    /// Holds at most `queue_capacity` entries not yet written (at least one; default
    /// [`DEFAULT_ACTIVITY_QUEUE`]); entries recorded when it is full are dropped.
    #[must_use]
    pub fn queue_capacity(mut self, queue_capacity: usize) -> Self {
        self.queue_capacity = queue_capacity.max(1);
        self
    }

    /// The log, its writing task spawned on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime (as [`tokio::spawn`]).
    pub fn build(self) -> SqlActivityLog {
        let (sender, receiver) = mpsc::channel(self.queue_capacity);
        let writer = Writer {
            db: self.db.clone(),
            entries_per_tenant: self.entries_per_tenant,
            prune_every: (self.entries_per_tenant / 10).max(1),
            known: HashSet::new(),
            unpruned: HashMap::new(),
        };
        tokio::spawn(writer.run(receiver));
        SqlActivityLog {
            inner: Arc::new(Inner {
                db: self.db,
                sender,
                entries_per_tenant: self.entries_per_tenant,
                dropped: AtomicU64::new(0),
                started: Instant::now(),
                warned_at: AtomicU64::new(NEVER_WARNED),
            }),
        }
    }
}

impl SqlActivityLog {
    /// A log in `db`'s `scim_activity` with the default settings; see
    /// [`SqlActivityLog::builder`].
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime: its writing task is spawned on the current one.
    pub fn new(db: Db) -> SqlActivityLog {
        SqlActivityLog::builder(db).build()
    }

    /// Settings for a log in `db`'s `scim_activity`.
    pub fn builder(db: Db) -> SqlActivityLogBuilder {
        SqlActivityLogBuilder {
            db,
            entries_per_tenant: DEFAULT_ENTRIES_PER_TENANT,
            queue_capacity: DEFAULT_ACTIVITY_QUEUE,
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The most entries kept per tenant.
    pub fn entries_per_tenant(&self) -> usize {
        self.inner.entries_per_tenant
    }

    /// How many entries were dropped because the queue was full (or the writing task had
    /// ended with its runtime), since the log was made.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Returns once every entry recorded before the call is written, or dropped on a database
    /// error; on return, every tenant this instance wrote to holds at most
    /// `entries_per_tenant` rows (unless another instance wrote meanwhile). Waits for room in
    /// the queue when it is full. Returns at once when the writing task has ended.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.inner.sender.send(Message::Flush(done)).await.is_ok() {
            // An error means the task ended: nothing more will be written.
            let _ = written.await;
        }
    }

    /// Counts a dropped entry and warns, at most once per [`DROP_WARNING_INTERVAL`].
    fn count_drop(&self, why: &'static str) {
        let total = self.inner.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        let now = u64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        let last = self.inner.warned_at.load(Ordering::Relaxed);
        let interval = u64::try_from(DROP_WARNING_INTERVAL.as_millis()).unwrap_or(u64::MAX);
        let due = last == NEVER_WARNED || now.saturating_sub(last) >= interval;
        if due
            && self
                .inner
                .warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                dropped_in_total = total,
                "activity log: entries dropped ({why}); the database is slower than the requests"
            );
        }
    }
}

#[async_trait]
impl ActivityLog for SqlActivityLog {
    fn record(&self, entry: ActivityEntry) {
        match self.inner.sender.try_send(Message::Entry(Box::new(entry))) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => self.count_drop("the queue is full"),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.count_drop("the writing task has ended");
            }
        }
    }

    async fn recent(
        &self,
        tenant: &Tenant,
        query: &ActivityQuery,
    ) -> Result<Vec<ActivityEntry>, ActivityError> {
        // Read-your-writes on this instance; past the bound, read what is there.
        let _ = tokio::time::timeout(RECENT_FLUSH_WAIT, self.flush()).await;
        let limit = query.limit.min(self.inner.entries_per_tenant);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut sql = format!("SELECT {COLUMNS} FROM scim_activity WHERE tenant = ?");
        let mut params = vec![Datum::text(tenant.as_str())];
        if query.refusals_only {
            sql.push_str(" AND status >= 400");
        }
        if let Some(id) = &query.resource_id {
            sql.push_str(" AND resource_id = ?");
            params.push(Datum::text(id.as_str()));
        }
        let _ = write!(sql, " ORDER BY seq DESC LIMIT {limit}");
        let sql = self.inner.db.backend().statement(&sql);
        let rows = self
            .inner
            .db
            .fetch(&sql, &params, &READ_KINDS)
            .await
            .map_err(read_error)?;
        rows.into_iter()
            .map(entry)
            .collect::<Result<_, _>>()
            .map_err(read_error)
    }
}

/// The reader's error for `error`: a database that did not answer says only that (the cause,
/// which may name the server, is logged); a row that cannot be read says which table.
fn read_error(error: Error) -> ActivityError {
    match error {
        Error::Corrupt { table, detail } => {
            ActivityError::Unavailable(format!("table {table}: {detail}"))
        }
        other => {
            tracing::warn!(error = %other, "the activity table did not answer");
            ActivityError::Unavailable("the service's database did not answer".to_owned())
        }
    }
}

/// The writing task's state.
struct Writer {
    db: Db,
    entries_per_tenant: usize,
    /// A tenant is pruned once this many of its rows were written since its last pruning.
    prune_every: usize,
    /// Tenants known to have rows: written by this task, or found in the table.
    known: HashSet<String>,
    /// Rows written per tenant since the tenant was last pruned.
    unpruned: HashMap<String, usize>,
}

impl Writer {
    /// Writes what `queue` carries until every sender is dropped and the queue is empty.
    async fn run(mut self, mut queue: mpsc::Receiver<Message>) {
        let mut messages = Vec::with_capacity(ACTIVITY_BATCH);
        let mut batch = Vec::with_capacity(ACTIVITY_BATCH);
        while queue.recv_many(&mut messages, ACTIVITY_BATCH).await > 0 {
            for message in messages.drain(..) {
                match message {
                    Message::Entry(entry) => batch.push(*entry),
                    Message::Flush(done) => {
                        self.write(std::mem::take(&mut batch)).await;
                        self.prune_all().await;
                        // The flusher may have stopped waiting.
                        let _ = done.send(());
                    }
                }
            }
            self.write(std::mem::take(&mut batch)).await;
        }
        self.prune_all().await;
    }

    /// Writes `batch` (the entries kept of it) in one statement, then prunes the tenants due.
    async fn write(&mut self, batch: Vec<ActivityEntry>) {
        if batch.is_empty() {
            return;
        }
        let batch = self.kept(batch).await;
        if batch.is_empty() {
            return;
        }
        let mut params = Vec::with_capacity(batch.len() * WRITTEN);
        for entry in &batch {
            params.extend(row(entry));
        }
        let placeholders =
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; batch.len()].join(", ");
        let insert = self.db.backend().statement(&format!(
            "INSERT INTO scim_activity ({COLUMNS}) VALUES {placeholders}"
        ));
        let written = retrying(|| async { self.db.execute(&insert, &params).await }).await;
        if let Err(error) = written {
            tracing::warn!(
                %error,
                entries = batch.len(),
                "activity log: a batch could not be written and is dropped"
            );
            return;
        }
        let mut due = Vec::new();
        for entry in batch {
            let count = self.unpruned.entry(entry.tenant.clone()).or_insert(0);
            *count += 1;
            if *count == self.prune_every {
                due.push(entry.tenant.clone());
            }
            self.remember(entry.tenant);
        }
        for tenant in due {
            self.prune(&tenant).await;
        }
        if self.unpruned.len() > MAX_TRACKED_TENANTS {
            self.prune_all().await;
        }
    }

    /// The entries of `batch` to keep: those whose tenant fits the column, and of those
    /// unauthenticated only for tenants that have rows (or an authenticated entry earlier in
    /// the batch).
    async fn kept(&mut self, batch: Vec<ActivityEntry>) -> Vec<ActivityEntry> {
        let fits = |entry: &ActivityEntry| {
            entry.tenant.chars().count() <= MAX_TEXT && !entry.tenant.contains('\0')
        };
        let unknown: HashSet<&str> = batch
            .iter()
            .filter(|entry| !entry.authenticated && fits(entry))
            .map(|entry| entry.tenant.as_str())
            .filter(|tenant| !self.known.contains(*tenant))
            .collect();
        let mut found = HashSet::new();
        if !unknown.is_empty() {
            match self.having_rows(&unknown).await {
                Ok(having) => found = having,
                Err(error) => {
                    tracing::warn!(
                        %error,
                        "activity log: tenants could not be checked for rows; \
                         their unauthenticated entries are dropped"
                    );
                }
            }
        }
        let mut authenticated_here: HashSet<String> = HashSet::new();
        let mut kept = Vec::with_capacity(batch.len());
        for entry in batch {
            if !fits(&entry) {
                tracing::debug!(
                    "activity log: an entry whose tenant does not fit the table was dropped"
                );
                continue;
            }
            if entry.authenticated {
                authenticated_here.insert(entry.tenant.clone());
            } else if !self.known.contains(&entry.tenant)
                && !found.contains(&entry.tenant)
                && !authenticated_here.contains(&entry.tenant)
            {
                tracing::debug!(
                    "activity log: an unauthenticated entry for a tenant without rows was dropped"
                );
                continue;
            }
            kept.push(entry);
        }
        for tenant in found {
            self.remember(tenant);
        }
        kept
    }

    /// Which of `tenants` have rows.
    async fn having_rows(&self, tenants: &HashSet<&str>) -> Result<HashSet<String>, Error> {
        let marks = vec!["?"; tenants.len()].join(", ");
        let select = self.db.backend().statement(&format!(
            "SELECT DISTINCT tenant FROM scim_activity WHERE tenant IN ({marks})"
        ));
        let params: Vec<Datum> = tenants.iter().map(|tenant| Datum::text(*tenant)).collect();
        let rows = self.db.fetch(&select, &params, &[DatumKind::Text]).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| row.into_iter().next().and_then(Datum::into_text))
            .collect())
    }

    /// Remembers that `tenant` has rows, forgetting every other one when there are too many.
    fn remember(&mut self, tenant: String) {
        if self.known.len() >= MAX_TRACKED_TENANTS && !self.known.contains(&tenant) {
            self.known.clear();
        }
        self.known.insert(tenant);
    }

    /// Prunes every tenant written to since its last pruning.
    async fn prune_all(&mut self) {
        let tenants: Vec<String> = self.unpruned.keys().cloned().collect();
        for tenant in tenants {
            self.prune(&tenant).await;
        }
    }

    /// Deletes `tenant`'s rows older than its newest `entries_per_tenant`. A failure is logged;
    /// the rows go at the tenant's next pruning.
    async fn prune(&mut self, tenant: &str) {
        self.unpruned.remove(tenant);
        let offset = self.entries_per_tenant - 1;
        let backend = self.db.backend();
        let oldest_kept = backend.statement(&format!(
            "SELECT seq FROM scim_activity WHERE tenant = ? \
             ORDER BY seq DESC LIMIT 1 OFFSET {offset}"
        ));
        let delete = backend.statement("DELETE FROM scim_activity WHERE tenant = ? AND seq < ?");
        let key = [Datum::text(tenant)];
        let pruned = retrying(|| async {
            let rows = self
                .db
                .fetch(&oldest_kept, &key, &[DatumKind::Integer])
                .await?;
            let Some(seq) = rows
                .into_iter()
                .next()
                .and_then(|row| row.into_iter().next())
                .and_then(|seq| seq.as_integer())
            else {
                return Ok(0);
            };
            self.db
                .execute(&delete, &[Datum::text(tenant), Datum::Integer(Some(seq))])
                .await
        })
        .await;
        if let Err(error) = pruned {
            tracing::warn!(%error, "activity log: a tenant's older entries could not be deleted");
        }
    }
}

/// The values of `entry` for [`COLUMNS`], texts cut to their columns.
fn row(entry: &ActivityEntry) -> [Datum; WRITTEN] {
    let text = |value: &str, max: usize| Datum::text(clean(value, max));
    let optional =
        |value: Option<&String>, max: usize| Datum::Text(value.map(|value| clean(value, max)));
    let (kind, attributes) = match &entry.change {
        Some(change) => (
            Datum::text(change.kind.as_str()),
            Datum::Text(change.attributes.as_ref().map(|names| {
                let names: Vec<String> = names
                    .iter()
                    .take(MAX_CHANGED_ATTRIBUTES)
                    .map(|name| clean(name, MAX_NAME_CHARS))
                    .collect();
                serde_json::Value::from(names).to_string()
            })),
        ),
        None => (Datum::Text(None), Datum::Text(None)),
    };
    [
        Datum::text(entry.tenant.as_str()),
        Datum::Timestamp(Some(to_millis(entry.time))),
        Datum::Bool(Some(entry.authenticated)),
        optional(
            entry.identity_provider.as_ref(),
            MAX_IDENTITY_PROVIDER_CHARS,
        ),
        text(&entry.method, MAX_NAME_CHARS),
        text(&entry.path, MAX_PATH_CHARS),
        optional(entry.resource_type.as_ref(), MAX_NAME_CHARS),
        optional(entry.resource_id.as_ref(), MAX_NAME_CHARS),
        optional(entry.bulk_id.as_ref(), MAX_NAME_CHARS),
        Datum::Integer(Some(i64::from(entry.status))),
        optional(entry.scim_type.as_ref(), MAX_NAME_CHARS),
        optional(entry.detail.as_ref(), MAX_DETAIL_CHARS),
        kind,
        attributes,
    ]
}

/// An [`ActivityEntry`] from a row of [`COLUMNS`].
fn entry(row: Vec<Datum>) -> Result<ActivityEntry, Error> {
    let corrupt = |detail: &str| Error::Corrupt {
        table: "scim_activity",
        detail: detail.to_owned(),
    };
    let [tenant, time, authenticated, identity_provider, method, path, resource_type, resource_id, bulk_id, status, scim_type, detail, change_kind, change_attributes] =
        <[Datum; WRITTEN]>::try_from(row).map_err(|_| corrupt("a row has too few columns"))?;
    let status = status
        .as_integer()
        .and_then(|status| u16::try_from(status).ok())
        .ok_or_else(|| corrupt("a row's status is not an HTTP status"))?;
    let Datum::Bool(Some(authenticated)) = authenticated else {
        return Err(corrupt("a row has a NULL authenticated"));
    };
    let change = match change_kind.into_text() {
        None => None,
        Some(kind) => {
            let kind = ChangeKind::from_name(&kind).ok_or_else(|| {
                corrupt("a row's change_kind is not created, replaced, patched or deleted")
            })?;
            let attributes = match change_attributes.into_text() {
                None => None,
                Some(json) => Some(serde_json::from_str::<Vec<String>>(&json).map_err(|_| {
                    corrupt("a row's change_attributes is not a JSON array of names")
                })?),
            };
            Some(ActivityChange { kind, attributes })
        }
    };
    Ok(ActivityEntry {
        time: time
            .as_timestamp()
            .ok_or_else(|| corrupt("a row has a NULL answered_at"))?,
        tenant: tenant
            .into_text()
            .ok_or_else(|| corrupt("a row has a NULL tenant"))?,
        authenticated,
        identity_provider: identity_provider.into_text(),
        method: method
            .into_text()
            .ok_or_else(|| corrupt("a row has a NULL method"))?,
        path: path
            .into_text()
            .ok_or_else(|| corrupt("a row has a NULL path"))?,
        resource_type: resource_type.into_text(),
        resource_id: resource_id.into_text(),
        bulk_id: bulk_id.into_text(),
        status,
        scim_type: scim_type.into_text(),
        detail: detail.into_text(),
        change,
    })
}

/// `text` cut to at most `max` characters, NUL characters (which PostgreSQL text cannot hold)
/// replaced by U+FFFD.
fn clean(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .map(|c| {
            if c == '\0' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

/// `at` cut to the millisecond, the precision every backend's column keeps.
fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(at.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::clean;
    use scimkit_core::events::ChangeKind;

    #[test]
    fn change_kinds_round_trip() {
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(ChangeKind::from_name("Created"), None);
    }

    #[test]
    fn texts_are_cut_and_hold_no_nul() {
        assert_eq!(clean("a\0b", 10), "a\u{fffd}b");
        assert_eq!(clean("ééé", 2), "éé");
    }
}
