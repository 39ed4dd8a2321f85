//! The demo tables — accounts with e-mails, teams with memberships, as a SaaS app would
//! already have them — on each backend, and a [`SqlStore`] over them: what the crate's tests,
//! the conformance suite and the examples map.

use scimkit_core::schema::ResourceType;
use scimkit_core::sql::Column;

use crate::backend::Backend;
use crate::db::Db;
use crate::error::Error;
use crate::store::{BuildError, Child, Members, SqlStore, Table};
use crate::testkit::TestDb;
use crate::{migrations, shared_cursor_key};

/// The demo tables, one statement each, every one idempotent (`IF NOT EXISTS`).
pub fn schema(backend: Backend) -> Vec<&'static str> {
    match backend {
        Backend::Postgres => vec![
            "CREATE TABLE IF NOT EXISTS accounts (
                id uuid PRIMARY KEY,
                tenant varchar(255) NOT NULL,
                email text NOT NULL,
                given_name text,
                family_name text,
                display_name text,
                title text,
                is_active boolean,
                external_id text,
                version bigint NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                scim_extra jsonb
            )",
            "CREATE UNIQUE INDEX IF NOT EXISTS accounts_tenant_email_key ON accounts (tenant, lower(email))",
            // Cursor and index pages: by id (no sort), and by userName in the order the
            // translator sorts text.
            "CREATE INDEX IF NOT EXISTS accounts_tenant_id_idx ON accounts (tenant, id)",
            "CREATE INDEX IF NOT EXISTS accounts_tenant_email_order_idx \
             ON accounts (tenant, (lower(email) COLLATE \"C\"), id)",
            "CREATE INDEX IF NOT EXISTS accounts_tenant_external_id_idx ON accounts (tenant, external_id)",
            "CREATE TABLE IF NOT EXISTS account_emails (
                account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                position integer NOT NULL,
                email text NOT NULL,
                kind text,
                is_primary boolean
            )",
            "CREATE INDEX IF NOT EXISTS account_emails_account_idx ON account_emails (account_id)",
            "CREATE TABLE IF NOT EXISTS teams (
                id uuid PRIMARY KEY,
                tenant varchar(255) NOT NULL,
                display_name text NOT NULL,
                external_id text,
                version bigint NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL
            )",
            "CREATE INDEX IF NOT EXISTS teams_tenant_id_idx ON teams (tenant, id)",
            "CREATE TABLE IF NOT EXISTS team_memberships (
                team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
                account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                PRIMARY KEY (team_id, account_id)
            )",
            "CREATE INDEX IF NOT EXISTS team_memberships_account_idx ON team_memberships (account_id)",
        ],
        // MariaDB before 11.8 cannot index an expression: the text compared case-folded
        // or exactly has stored key columns (`Column::key`), indexed. `email` holds at most
        // 1 024 bytes, so its folded key at most 1 536 (lower-casing grows a character by
        // half at most), and (tenant, key) fits InnoDB's 3 072-byte index entries.
        Backend::MySql => vec![
            "CREATE TABLE IF NOT EXISTS accounts (
                id char(36) NOT NULL PRIMARY KEY,
                tenant varchar(255) NOT NULL,
                email varchar(1024) NOT NULL,
                email_key varbinary(1536) AS (CAST(lower(email) AS BINARY)) STORED,
                given_name longtext,
                family_name longtext,
                display_name longtext,
                title longtext,
                is_active boolean,
                external_id varchar(1024),
                external_id_key varbinary(1024) AS (CAST(external_id AS BINARY)) STORED,
                version bigint NOT NULL,
                created_at datetime(3) NOT NULL,
                updated_at datetime(3) NOT NULL,
                scim_extra longtext,
                UNIQUE KEY accounts_tenant_email_key (tenant, email_key),
                KEY accounts_tenant_email_order_idx (tenant, email_key, id),
                KEY accounts_tenant_external_id_idx (tenant, external_id_key),
                KEY accounts_tenant_id_idx (tenant, id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS account_emails (
                account_id char(36) NOT NULL,
                position integer NOT NULL,
                email varchar(1024) NOT NULL,
                email_key varbinary(1536) AS (CAST(lower(email) AS BINARY)) STORED,
                kind varchar(255),
                is_primary boolean,
                KEY account_emails_account_idx (account_id),
                KEY account_emails_email_idx (email_key),
                FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS teams (
                id char(36) NOT NULL PRIMARY KEY,
                tenant varchar(255) NOT NULL,
                display_name varchar(1024) NOT NULL,
                display_name_key varbinary(1536) AS (CAST(lower(display_name) AS BINARY)) STORED,
                external_id varchar(1024),
                external_id_key varbinary(1024) AS (CAST(external_id AS BINARY)) STORED,
                version bigint NOT NULL,
                created_at datetime(3) NOT NULL,
                updated_at datetime(3) NOT NULL,
                KEY teams_tenant_display_name_idx (tenant, display_name_key),
                KEY teams_tenant_external_id_idx (tenant, external_id_key),
                KEY teams_tenant_id_idx (tenant, id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE IF NOT EXISTS team_memberships (
                team_id char(36) NOT NULL,
                account_id char(36) NOT NULL,
                PRIMARY KEY (team_id, account_id),
                KEY team_memberships_account_idx (account_id),
                FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
                FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        ],
        Backend::Sqlite => vec![
            "CREATE TABLE IF NOT EXISTS accounts (
                id TEXT PRIMARY KEY,
                tenant TEXT NOT NULL,
                email TEXT NOT NULL,
                given_name TEXT,
                family_name TEXT,
                display_name TEXT,
                title TEXT,
                is_active BOOLEAN,
                external_id TEXT,
                version INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                scim_extra TEXT
            )",
            "CREATE UNIQUE INDEX IF NOT EXISTS accounts_tenant_email_key ON accounts (tenant, lower(email))",
            "CREATE INDEX IF NOT EXISTS accounts_tenant_id_idx ON accounts (tenant, id)",
            "CREATE TABLE IF NOT EXISTS account_emails (
                account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                email TEXT NOT NULL,
                kind TEXT,
                is_primary BOOLEAN
            )",
            "CREATE INDEX IF NOT EXISTS account_emails_account_idx ON account_emails (account_id)",
            "CREATE TABLE IF NOT EXISTS teams (
                id TEXT PRIMARY KEY,
                tenant TEXT NOT NULL,
                display_name TEXT NOT NULL,
                external_id TEXT,
                version INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )",
            "CREATE TABLE IF NOT EXISTS team_memberships (
                team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
                account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                PRIMARY KEY (team_id, account_id)
            )",
            "CREATE INDEX IF NOT EXISTS team_memberships_account_idx ON team_memberships (account_id)",
        ],
    }
}

/// The longest indexed text a value may have.
pub const INDEXED_TEXT: usize = 1024;

/// The store's tables for Users and Groups on `backend`: on MySQL/MariaDB, text compares
/// through the stored key columns (`Column::key`).
pub fn tables(backend: Backend) -> (Table, Table) {
    let keys = backend == Backend::MySql;
    let keyed = |column: Column, key: &str| if keys { column.key(key) } else { column };
    let users = Table::new("accounts")
        .uuid_ids()
        .tenant("tenant")
        .column(
            "userName",
            keyed(Column::text("email").max_bytes(INDEXED_TEXT), "email_key"),
        )
        .column("name.givenName", Column::text("given_name"))
        .column("name.familyName", Column::text("family_name"))
        .column("displayName", Column::text("display_name"))
        .column("title", Column::text("title"))
        .column("active", Column::boolean("is_active"))
        .column(
            "externalId",
            keyed(
                Column::text_exact("external_id").max_bytes(INDEXED_TEXT),
                "external_id_key",
            ),
        )
        .child(
            "emails",
            Child::new("account_emails", "account_id")
                .position("position")
                .column(
                    "value",
                    keyed(Column::text("email").max_bytes(INDEXED_TEXT), "email_key"),
                )
                .column("type", Column::text("kind"))
                .column("primary", Column::boolean("is_primary")),
        )
        .extra_typed("scim_extra", "jsonb");
    let groups = Table::new("teams")
        .uuid_ids()
        .tenant("tenant")
        .column(
            "displayName",
            keyed(
                Column::text("display_name").max_bytes(INDEXED_TEXT),
                "display_name_key",
            ),
        )
        .column(
            "externalId",
            keyed(
                Column::text_exact("external_id").max_bytes(INDEXED_TEXT),
                "external_id_key",
            ),
        )
        .members(Members::new("team_memberships", "team_id", "account_id"));
    (users, groups)
}

/// The store over `db` (whose demo tables exist), with the database's shared cursor key.
pub async fn store(db: &Db) -> Result<SqlStore, Error> {
    let (users, groups) = tables(db.backend());
    SqlStore::builder(db.clone())
        .resource(ResourceType::user(), users)
        .resource(ResourceType::group(), groups)
        .cursor_key(shared_cursor_key(db).await?)
        .build()
        .map_err(|error: BuildError| Error::Value {
            field: "demo tables",
            detail: error.to_string(),
        })
}

/// Creates the crate's tables and the demo tables in `db`.
pub async fn create(db: &Db) -> Result<(), Error> {
    migrations::run(db).await?;
    for statement in schema(db.backend()) {
        db.execute(statement, &[]).await?;
    }
    Ok(())
}

/// A fresh database with the crate's and the demo tables, and the store over it.
pub async fn fresh(backend: Backend, label: &str) -> Result<(TestDb, SqlStore), Error> {
    let test = TestDb::fresh(backend, label).await?;
    create(&test.db).await?;
    let store = store(&test.db).await?;
    Ok((test, store))
}
