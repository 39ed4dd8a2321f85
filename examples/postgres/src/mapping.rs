//! Where the SCIM attributes live: the scim-core [`Mapping`]s of `accounts` (User) and `teams`
//! (Group), used to translate list filters and sorts into SQL.

use scimkit_core::schema::{Attribute, ResourceType};
use scimkit_core::sql::{ChildTable, Column, Mapping};

/// The longest value of an indexed text column: a PostgreSQL B-tree entry holds at most about
/// 2 700 bytes, so anything longer would fail the write with a database error. 1 024 bytes is
/// far beyond any real e-mail address (254), external id or group name.
pub const INDEXED_TEXT: usize = 1024;

/// The app's roles, a core `role` attribute of User (Zulip-style).
pub const ROLES: [&str; 4] = ["owner", "admin", "member", "guest"];

/// The User resource type this store serves: RFC 7643 User plus a core `role`.
pub fn user_type() -> ResourceType {
    ResourceType::user().with_core_attribute(Attribute::string("role").canonical_values(ROLES))
}

/// User → `accounts` (+ `account_emails` for `emails`).
pub fn users() -> Mapping {
    Mapping::new("accounts", "id")
        .id_type("uuid")
        .column("id", Column::text_exact("accounts.id::text"))
        .column(
            "userName",
            Column::text("accounts.email").max_bytes(INDEXED_TEXT),
        )
        .column("name.givenName", Column::text("accounts.given_name"))
        .column("name.familyName", Column::text("accounts.family_name"))
        .column("displayName", Column::text("accounts.display_name"))
        .column("title", Column::text("accounts.title"))
        .column("active", Column::boolean("accounts.is_active"))
        .column(
            "externalId",
            Column::text_exact("accounts.external_id").max_bytes(INDEXED_TEXT),
        )
        .column("role", Column::text("accounts.role"))
        .column("meta.created", Column::timestamp("accounts.created_at"))
        .column(
            "meta.lastModified",
            Column::timestamp("accounts.updated_at"),
        )
        .child(
            "emails",
            ChildTable::new("account_emails", "account_id")
                .column("value", Column::text("email").max_bytes(INDEXED_TEXT))
                .column("type", Column::text("kind"))
                .column("primary", Column::boolean("is_primary")),
        )
}

/// Group → `teams`. `members` is not mapped (its ids are `uuid`s): a filter on it is
/// evaluated by the engine on the rows returned.
pub fn groups() -> Mapping {
    Mapping::new("teams", "id")
        .id_type("uuid")
        .column("id", Column::text_exact("teams.id::text"))
        .column(
            "displayName",
            Column::text("teams.display_name").max_bytes(INDEXED_TEXT),
        )
        .column(
            "externalId",
            Column::text_exact("teams.external_id").max_bytes(INDEXED_TEXT),
        )
        .column("meta.created", Column::timestamp("teams.created_at"))
        .column("meta.lastModified", Column::timestamp("teams.updated_at"))
}
