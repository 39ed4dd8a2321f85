//! Where the SCIM attributes live: the scimkit-sql [`Table`]s of `accounts` (User) and `teams`
//! (Group), and the User type with the app's core `role`.

use std::fmt::Write as _;

use scimkit_core::schema::{Attribute, ResourceType};
use scimkit_core::sql::Column;
use scimkit_sql::store::{Child, Members, Secret, Table};
use sha2::{Digest as _, Sha256};

/// The longest value of an indexed text column: a PostgreSQL B-tree entry holds at most about
/// 2 700 bytes, so anything longer would fail the write with a database error. 1 024 bytes is
/// far beyond any real e-mail address (254), external id or group name.
pub const INDEXED_TEXT: usize = 1024;

/// The app's roles, a core `role` attribute of User (Zulip-style).
pub const ROLES: [&str; 4] = ["owner", "admin", "member", "guest"];

/// The User resource type this app serves: RFC 7643 User plus a core `role`.
pub fn user_type() -> ResourceType {
    ResourceType::user().with_core_attribute(Attribute::string("role").canonical_values(ROLES))
}

/// User → `accounts` (+ `account_emails` for `emails`, `password` hashed into
/// `password_hash`). Nothing else is kept: the service advertises only these attributes.
pub fn users() -> Table {
    Table::new("accounts")
        .uuid_ids()
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
        .column("role", Column::text("role"))
        .secret("password", Secret::new("password_hash", hash_password))
        .child(
            "emails",
            Child::new("account_emails", "account_id")
                .position("position")
                .column("value", Column::text("email").max_bytes(INDEXED_TEXT))
                .column("type", Column::text("kind"))
                .column("primary", Column::boolean("is_primary")),
        )
}

/// Group → `teams`, its members → `team_memberships`.
pub fn groups() -> Table {
    Table::new("teams")
        .uuid_ids()
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
