//! The app's tables in SQLite — accounts with their e-mails, teams with their memberships —
//! created when missing: every statement is idempotent (`IF NOT EXISTS`), so [`create`] runs
//! at every start.
//!
//! - `accounts`: a user account. A column for each attribute the app reads itself (`email` is
//!   the SCIM `userName`), `password_hash`, `version` (the ETag), `created_at`/`updated_at`
//!   (RFC 3339 text) and `scim_extra`, a JSON object holding every attribute without a column
//!   of its own (the enterprise extension, `phoneNumbers`, `addresses`, the rest of `name`…).
//! - `account_emails`: one row per element of a user's `emails`, in order (`position`).
//! - `teams`: a group, with its own `scim_extra`.
//! - `team_memberships`: one row per member of a team; a member added or removed is one row.
//!
//! Deleting an account or a team deletes its rows in the other tables (foreign keys, which
//! [`crate::connect`] turns on for every connection).
//!
//! The indexes make the lookups identity providers run before every create index searches
//! (`userName`, `externalId`, a group's `displayName`, `emails.value`): each begins with the
//! tenant, the translator folds case-insensitive text with `lower()`, and each ends with `id`,
//! the order of a page without `sortBy`, so a lookup needs no sort step (`tests/explain.rs`).
//! The unique index on `(tenant, lower(email))` makes two concurrent creates of one `userName`
//! a conflict, folded as the store compares it.

use scimkit_sql::Db;

/// The statements creating the tables and indexes, in order.
pub const STATEMENTS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS accounts (
        id TEXT PRIMARY KEY NOT NULL,
        tenant TEXT NOT NULL,
        email TEXT NOT NULL,
        given_name TEXT,
        family_name TEXT,
        display_name TEXT,
        title TEXT,
        is_active BOOLEAN,
        external_id TEXT,
        password_hash TEXT,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        scim_extra TEXT
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS accounts_tenant_email_key
        ON accounts (tenant, lower(email))",
    "CREATE INDEX IF NOT EXISTS accounts_tenant_id_idx ON accounts (tenant, id)",
    "CREATE INDEX IF NOT EXISTS accounts_tenant_email_idx
        ON accounts (tenant, lower(email), id)",
    "CREATE INDEX IF NOT EXISTS accounts_tenant_external_id_idx
        ON accounts (tenant, external_id, id)",
    "CREATE TABLE IF NOT EXISTS account_emails (
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        email TEXT,
        kind TEXT,
        is_primary BOOLEAN,
        display TEXT
    )",
    "CREATE INDEX IF NOT EXISTS account_emails_account_idx
        ON account_emails (account_id, position)",
    "CREATE INDEX IF NOT EXISTS account_emails_email_idx
        ON account_emails (lower(email), account_id)",
    "CREATE TABLE IF NOT EXISTS teams (
        id TEXT PRIMARY KEY NOT NULL,
        tenant TEXT NOT NULL,
        display_name TEXT NOT NULL,
        external_id TEXT,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        scim_extra TEXT
    )",
    "CREATE INDEX IF NOT EXISTS teams_tenant_id_idx ON teams (tenant, id)",
    "CREATE INDEX IF NOT EXISTS teams_tenant_display_name_idx
        ON teams (tenant, lower(display_name), id)",
    "CREATE INDEX IF NOT EXISTS teams_tenant_external_id_idx
        ON teams (tenant, external_id, id)",
    "CREATE TABLE IF NOT EXISTS team_memberships (
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        PRIMARY KEY (team_id, account_id)
    )",
    "CREATE INDEX IF NOT EXISTS team_memberships_account_idx
        ON team_memberships (account_id)",
];

/// Creates the tables and indexes that are missing.
pub async fn create(db: &Db) -> Result<(), scimkit_sql::Error> {
    for statement in STATEMENTS {
        db.execute(statement, &[]).await?;
    }
    Ok(())
}
