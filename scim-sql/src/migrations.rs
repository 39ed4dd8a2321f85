//! The crate's own tables — `scim_tokens` (bearer token hashes), `scim_settings` (the shared
//! cursor key, the schema version) and `scim_activity` (the provisioning activity log of
//! [`crate::SqlActivityLog`]) — and their migration: idempotent, safe to run from
//! several instances starting at once, runnable at start ([`run`]) or emitted as SQL for the
//! host's migration tool ([`script`]).
//!
//! A database an older build migrated is brought up to [`SCHEMA_VERSION`] by [`run`], one
//! version step at a time ([`upgrades`]; [`upgrade_script`] for a migration tool):
//! version 2 adds `scim_tokens.last_used_at`, version 3 the table `scim_activity`.
//!
//! The host's own tables (users, groups, …) are the host's: this crate never creates or alters
//! them.
//!
//! ```
//! use scimkit_sql::{migrations, Backend};
//!
//! // For a migration tool: one file per database.
//! let sql = migrations::script(Backend::Postgres);
//! assert!(sql.contains("CREATE TABLE IF NOT EXISTS scim_tokens"));
//! assert!(migrations::script(Backend::MySql).contains("DATETIME(3)"));
//! assert!(sql.contains("CREATE TABLE IF NOT EXISTS scim_activity"));
//! ```

use crate::backend::Backend;
use crate::datum::{Datum, DatumKind};
use crate::db::{Db, Tx};
use crate::error::Error;
use crate::retry::retrying;
use crate::settings;

/// The version of the crate's tables this build creates and expects. A database migrated by a
/// newer build (a higher version in `scim_settings`) is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 3;

/// The `scim_settings` key holding [`SCHEMA_VERSION`].
const VERSION_KEY: &str = "schema_version";

/// `scim_activity` on PostgreSQL: one row per [`scimkit_core::activity::ActivityEntry`], `seq`
/// the order they were written in. Text columns are as long as the entry's bounds
/// (`scimkit_core::activity::MAX_*`); `tenant` as `scim_tokens.tenant`.
const PG_ACTIVITY: &str = "CREATE TABLE IF NOT EXISTS scim_activity (
    seq bigserial PRIMARY KEY,
    tenant varchar(255) NOT NULL,
    answered_at timestamptz NOT NULL,
    authenticated boolean NOT NULL,
    identity_provider varchar(200),
    method varchar(256) NOT NULL,
    path varchar(1024) NOT NULL,
    resource_type varchar(256),
    resource_id varchar(256),
    bulk_id varchar(256),
    status integer NOT NULL,
    scim_type varchar(256),
    detail varchar(1024),
    change_kind varchar(16),
    change_attributes text
)";
const PG_ACTIVITY_TENANT: &str =
    "CREATE INDEX IF NOT EXISTS scim_activity_tenant_idx ON scim_activity (tenant, seq)";
const PG_ACTIVITY_RESOURCE: &str = "CREATE INDEX IF NOT EXISTS scim_activity_resource_idx \
     ON scim_activity (tenant, resource_id, seq)";

/// `scim_activity` on SQLite (see [`PG_ACTIVITY`]).
const SQLITE_ACTIVITY: &str = "CREATE TABLE IF NOT EXISTS scim_activity (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    authenticated BOOLEAN NOT NULL,
    identity_provider TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    bulk_id TEXT,
    status INTEGER NOT NULL,
    scim_type TEXT,
    detail TEXT,
    change_kind TEXT,
    change_attributes TEXT
)";
const SQLITE_ACTIVITY_TENANT: &str =
    "CREATE INDEX IF NOT EXISTS scim_activity_tenant_idx ON scim_activity (tenant, seq)";
const SQLITE_ACTIVITY_RESOURCE: &str = "CREATE INDEX IF NOT EXISTS scim_activity_resource_idx \
     ON scim_activity (tenant, resource_id, seq)";

/// `scim_activity` on MySQL/MariaDB (see [`PG_ACTIVITY`]), its indexes inside: the key
/// `(tenant, resource_id, seq)` is at most 2 052 bytes, within InnoDB's 3 072.
/// `change_attributes` is `MEDIUMTEXT`: 64 names of 256 characters, JSON-escaped, may pass
/// `TEXT`'s 64 KiB.
const MYSQL_ACTIVITY: &str = "CREATE TABLE IF NOT EXISTS scim_activity (
    seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    tenant varchar(255) NOT NULL,
    answered_at DATETIME(3) NOT NULL,
    authenticated BOOLEAN NOT NULL,
    identity_provider varchar(200) NULL,
    method varchar(256) NOT NULL,
    path varchar(1024) NOT NULL,
    resource_type varchar(256) NULL,
    resource_id varchar(256) NULL,
    bulk_id varchar(256) NULL,
    status INT NOT NULL,
    scim_type varchar(256) NULL,
    detail varchar(1024) NULL,
    change_kind varchar(16) NULL,
    change_attributes MEDIUMTEXT NULL,
    KEY scim_activity_tenant_idx (tenant, seq),
    KEY scim_activity_resource_idx (tenant, resource_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// The statements that create the crate's tables on `backend`, each idempotent.
pub fn statements(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Postgres => &[
            "CREATE TABLE IF NOT EXISTS scim_settings (
    name varchar(64) PRIMARY KEY,
    value text NOT NULL
)",
            "CREATE TABLE IF NOT EXISTS scim_tokens (
    id varchar(64) PRIMARY KEY,
    tenant varchar(255) NOT NULL,
    label varchar(255) NOT NULL,
    hash char(64) NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    last_used_at timestamptz
)",
            "CREATE INDEX IF NOT EXISTS scim_tokens_tenant_idx ON scim_tokens (tenant, created_at)",
            PG_ACTIVITY,
            PG_ACTIVITY_TENANT,
            PG_ACTIVITY_RESOURCE,
        ],
        Backend::Sqlite => &[
            "CREATE TABLE IF NOT EXISTS scim_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)",
            "CREATE TABLE IF NOT EXISTS scim_tokens (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    label TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT
)",
            "CREATE INDEX IF NOT EXISTS scim_tokens_tenant_idx ON scim_tokens (tenant, created_at)",
            SQLITE_ACTIVITY,
            SQLITE_ACTIVITY_TENANT,
            SQLITE_ACTIVITY_RESOURCE,
        ],
        // Indexes inside CREATE TABLE: MySQL has no CREATE INDEX IF NOT EXISTS. Binary
        // collations, so ids, tenants and hashes compare exactly.
        Backend::MySql => &[
            "CREATE TABLE IF NOT EXISTS scim_settings (
    name varchar(64) NOT NULL PRIMARY KEY,
    value text NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE TABLE IF NOT EXISTS scim_tokens (
    id varchar(64) NOT NULL PRIMARY KEY,
    tenant varchar(255) NOT NULL,
    label varchar(255) NOT NULL,
    hash char(64) NOT NULL,
    created_at DATETIME(3) NOT NULL,
    expires_at DATETIME(3) NULL,
    last_used_at DATETIME(3) NULL,
    UNIQUE KEY scim_tokens_hash_key (hash),
    KEY scim_tokens_tenant_idx (tenant, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            MYSQL_ACTIVITY,
        ],
    }
}

/// The statements that bring a database at each older version one step up on `backend`:
/// `(from, statements)`, in order. [`statements`] already creates the newest tables, so these
/// run only on a database an older build migrated.
pub fn upgrades(backend: Backend) -> &'static [(i64, &'static [&'static str])] {
    match backend {
        Backend::Postgres => &[
            (
                1,
                &["ALTER TABLE scim_tokens ADD COLUMN IF NOT EXISTS last_used_at timestamptz"],
            ),
            (2, &[PG_ACTIVITY, PG_ACTIVITY_TENANT, PG_ACTIVITY_RESOURCE]),
        ],
        Backend::Sqlite => &[
            (1, &["ALTER TABLE scim_tokens ADD COLUMN last_used_at TEXT"]),
            (
                2,
                &[
                    SQLITE_ACTIVITY,
                    SQLITE_ACTIVITY_TENANT,
                    SQLITE_ACTIVITY_RESOURCE,
                ],
            ),
        ],
        Backend::MySql => &[
            (
                1,
                &["ALTER TABLE scim_tokens ADD COLUMN last_used_at DATETIME(3) NULL"],
            ),
            (2, &[MYSQL_ACTIVITY]),
        ],
    }
}

/// The SQL script that brings a database at version `from` (what `scim_settings` records under
/// `schema_version`) to [`SCHEMA_VERSION`] on `backend`, for a host that runs migrations with
/// its own tool; empty when there is nothing to do.
///
/// ```
/// use scimkit_sql::{migrations, Backend};
/// let sql = migrations::upgrade_script(Backend::Sqlite, 1);
/// assert!(sql.contains("ADD COLUMN last_used_at"));
/// assert!(sql.contains("CREATE TABLE IF NOT EXISTS scim_activity"));
/// assert!(sql.contains("schema_version"));
/// let from_2 = migrations::upgrade_script(Backend::Sqlite, 2);
/// assert!(!from_2.contains("last_used_at") && from_2.contains("scim_activity"));
/// assert!(migrations::upgrade_script(Backend::Sqlite, migrations::SCHEMA_VERSION).is_empty());
/// ```
pub fn upgrade_script(backend: Backend, from: i64) -> String {
    let mut out = String::new();
    for (_, statements) in upgrades(backend).iter().filter(|(at, _)| *at >= from) {
        for statement in *statements {
            out.push_str(statement);
            out.push_str(";\n\n");
        }
    }
    if !out.is_empty() {
        out.push_str("UPDATE scim_settings SET value = '");
        out.push_str(&SCHEMA_VERSION.to_string());
        out.push_str("' WHERE name = '");
        out.push_str(VERSION_KEY);
        out.push_str("';\n");
    }
    out
}

/// The migration as one SQL script for `backend` (statements ended by `;`), for a host that
/// runs migrations with its own tool. It also records [`SCHEMA_VERSION`].
pub fn script(backend: Backend) -> String {
    let mut out = String::new();
    for statement in statements(backend) {
        out.push_str(statement);
        out.push_str(";\n\n");
    }
    let record = settings::insert_if_absent_sql(backend)
        .replacen('?', &format!("'{VERSION_KEY}'"), 1)
        .replacen('?', &format!("'{SCHEMA_VERSION}'"), 1);
    out.push_str(&record);
    out.push_str(";\n");
    out
}

/// Creates the crate's tables where missing and records [`SCHEMA_VERSION`]; refuses a
/// database a newer build migrated. Several instances may run it at once: it holds a lock
/// while it works (PostgreSQL `pg_advisory_xact_lock`, MySQL `GET_LOCK`, SQLite's write lock).
pub async fn run(db: &Db) -> Result<(), Error> {
    retrying(|| async {
        let mut tx = db.begin().await?;
        lock(&mut tx).await?;
        let created = create(&mut tx).await;
        // MySQL's lock belongs to the connection, not the transaction: release it whatever
        // happened, or the pooled connection would keep it.
        let unlocked = unlock(&mut tx).await;
        let version = created?;
        unlocked?;
        tx.commit().await?;
        match version.parse::<i64>() {
            Ok(found) if found <= SCHEMA_VERSION => Ok(()),
            _ => Err(Error::Corrupt {
                table: "scim_settings",
                detail: format!(
                    "schema_version is {version:?}: migrated by a newer scimkit-sql than this \
                     one (which knows version {SCHEMA_VERSION})"
                ),
            }),
        }
    })
    .await
}

/// Runs the statements and records the version, then the [`upgrades`] from the version an
/// earlier run recorded; returns the version recorded now (this one's, or a newer build's).
async fn create(tx: &mut Tx) -> Result<String, Error> {
    let backend = tx.backend();
    for statement in statements(backend) {
        tx.execute(statement, &[]).await?;
    }
    let recorded =
        settings::insert_if_absent_in(tx, VERSION_KEY, &SCHEMA_VERSION.to_string()).await?;
    let Ok(mut version) = recorded.parse::<i64>() else {
        return Ok(recorded);
    };
    if version >= SCHEMA_VERSION {
        return Ok(recorded);
    }
    for (from, steps) in upgrades(backend) {
        if *from < version {
            continue;
        }
        for statement in *steps {
            tx.execute(statement, &[]).await?;
        }
        version = from + 1;
    }
    let update = backend.statement("UPDATE scim_settings SET value = ? WHERE name = ?");
    tx.execute(
        &update,
        &[Datum::text(version.to_string()), Datum::text(VERSION_KEY)],
    )
    .await?;
    Ok(version.to_string())
}

/// Takes the migration lock for the transaction's connection.
async fn lock(tx: &mut Tx) -> Result<(), Error> {
    match tx.backend() {
        // An arbitrary constant naming this crate's migration, released at commit.
        Backend::Postgres => {
            tx.fetch(
                "SELECT pg_advisory_xact_lock(7426031595176104115)::text",
                &[],
                &[DatumKind::Text],
            )
            .await?;
        }
        Backend::MySql => {
            let got = tx
                .fetch(
                    "SELECT GET_LOCK('scimkit_sql_migrate', 60)",
                    &[],
                    &[DatumKind::Integer],
                )
                .await?;
            if got.first().and_then(|row| row.first()) != Some(&Datum::Integer(Some(1))) {
                return Err(Error::MigrationLocked);
            }
        }
        // Creating a table takes SQLite's one write lock; waiting for it is the busy timeout.
        Backend::Sqlite => {}
    }
    Ok(())
}

/// Releases what [`lock`] took when the transaction's end does not.
async fn unlock(tx: &mut Tx) -> Result<(), Error> {
    if tx.backend() == Backend::MySql {
        tx.fetch(
            "SELECT RELEASE_LOCK('scimkit_sql_migrate')",
            &[],
            &[DatumKind::Integer],
        )
        .await?;
    }
    Ok(())
}
