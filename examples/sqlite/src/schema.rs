//! The tables and indexes, created when missing (every statement is idempotent).
//!
//! - `resources`: one row per resource of any type: the tenant, the type, the id (a random
//!   UUID, unique in the whole file), the version counter, `created`/`last_modified` (RFC 3339
//!   text, read by SQLite's date functions) and the document (the resource's JSON without
//!   `id`, `meta`, `members` and `groups`). `is_group` marks types with members.
//! - `unique_values`: one row per value of a `uniqueness: server|global` attribute, folded
//!   unless `caseExact`; its primary key is what makes a duplicate `userName` a conflict.
//! - `multi_values`: one row per element of a multi-valued attribute (`emails`,
//!   `phoneNumbers`…), so filters on `emails.value` run in SQL.
//! - `group_members`: one row per membership; a member add/remove is a row insert/delete and
//!   a User's `groups` is read from it.
//!
//! The lookup indexes end with `id`, the order every page is read in, so an `eq` lookup is
//! an index search with no sort step.
//!
//! Foreign keys cascade a resource's deletion to its rows in the other tables.

/// The statements creating the tables and indexes, in order.
pub const MIGRATION: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS resources (
        id TEXT PRIMARY KEY NOT NULL,
        tenant TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        is_group INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL,
        created TEXT NOT NULL,
        last_modified TEXT NOT NULL,
        doc TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS resources_type_idx
        ON resources (tenant, resource_type, id)",
    "CREATE INDEX IF NOT EXISTS resources_user_name_idx
        ON resources (tenant, resource_type, lower(json_extract(doc, '$.userName')), id)",
    "CREATE INDEX IF NOT EXISTS resources_external_id_idx
        ON resources (tenant, resource_type, json_extract(doc, '$.externalId'), id)",
    "CREATE INDEX IF NOT EXISTS resources_display_name_idx
        ON resources (tenant, resource_type, lower(json_extract(doc, '$.displayName')), id)",
    "CREATE TABLE IF NOT EXISTS unique_values (
        tenant TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        attribute TEXT NOT NULL,
        value_key TEXT NOT NULL,
        resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
        PRIMARY KEY (tenant, resource_type, attribute, value_key)
    )",
    "CREATE INDEX IF NOT EXISTS unique_values_resource_idx ON unique_values (resource_id)",
    "CREATE TABLE IF NOT EXISTS multi_values (
        resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
        attribute TEXT NOT NULL,
        value TEXT,
        type TEXT,
        display TEXT,
        is_primary INTEGER
    )",
    "CREATE INDEX IF NOT EXISTS multi_values_resource_idx
        ON multi_values (resource_id, attribute)",
    "CREATE INDEX IF NOT EXISTS multi_values_value_idx
        ON multi_values (attribute, lower(value))",
    "CREATE TABLE IF NOT EXISTS group_members (
        tenant TEXT NOT NULL,
        group_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
        member_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
        member_type TEXT,
        display TEXT,
        ref TEXT,
        PRIMARY KEY (group_id, member_id)
    )",
    "CREATE INDEX IF NOT EXISTS group_members_member_idx ON group_members (member_id)",
];
