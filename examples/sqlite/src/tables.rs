//! Where SCIM's User and Group live in the app's tables ([`crate::schema`]): the [`Table`]
//! declarations scimkit-sql's [`SqlStore`] works from (the crate docs' "Mapping" shows them
//! as a table). An attribute with a column is filtered and sorted in SQL; everything without
//! one is kept in the `scim_extra` JSON column and filtered by the engine on the rows SQL
//! returns. This module only declares; it runs no SQL.

use std::fmt::Write as _;

use scimkit_core::schema::ResourceType;
use scimkit_core::sql::Column;
use scimkit_sql::store::{Child, Members, Secret, SqlStore, SqlStoreBuilder, Table};
use scimkit_sql::Db;
use sha2::{Digest as _, Sha256};

/// The longest value an indexed text column takes (`userName`, `externalId`, a group's
/// `displayName`, an e-mail address); a longer one is `400 invalidValue`.
pub const INDEXED_TEXT: usize = 1024;

/// User accounts: `accounts` (`password` hashed into `password_hash`), `account_emails`, and
/// `scim_extra` for the rest.
pub fn users() -> Table {
    Table::new("accounts")
        .tenant("tenant")
        .column("userName", Column::text("email").max_bytes(INDEXED_TEXT))
        .column("name.givenName", Column::text("given_name"))
        .column("name.familyName", Column::text("family_name"))
        .column("displayName", Column::text("display_name"))
        .column("title", Column::text("title"))
        .column("active", Column::boolean("is_active"))
        .column(
            "externalId",
            Column::text_exact("external_id").max_bytes(INDEXED_TEXT),
        )
        .secret("password", Secret::new("password_hash", hash_password))
        .child(
            "emails",
            Child::new("account_emails", "account_id")
                .position("position")
                .column("value", Column::text("email").max_bytes(INDEXED_TEXT))
                .column("type", Column::text("kind"))
                .column("primary", Column::boolean("is_primary"))
                .column("display", Column::text("display")),
        )
        .extra("scim_extra")
}

/// Groups: `teams`, their members in `team_memberships`, and `scim_extra` for the rest.
pub fn groups() -> Table {
    Table::new("teams")
        .tenant("tenant")
        .column(
            "displayName",
            Column::text("display_name").max_bytes(INDEXED_TEXT),
        )
        .column(
            "externalId",
            Column::text_exact("external_id").max_bytes(INDEXED_TEXT),
        )
        .members(Members::new("team_memberships", "team_id", "account_id"))
        .extra("scim_extra")
}

/// A stand-in for the app's password hashing: use argon2 or bcrypt with a salt in a real app.
pub fn hash_password(password: &str) -> String {
    Sha256::digest(password.as_bytes())
        .iter()
        .fold(String::from("sha256:"), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// A store builder over `db` (whose tables exist) keeping Users (with the EnterpriseUser
/// extension) and Groups; add a host's own types (see [`crate::devices`]) and a cursor key,
/// then build.
pub fn builder(db: &Db) -> SqlStoreBuilder {
    SqlStore::builder(db.clone())
        .resource(ResourceType::user(), users())
        .resource(ResourceType::group(), groups())
}
