//! A resource type of the host's own: `Device` at `/Devices`, with its schema, its table and
//! the function adding it to a store — what a host writes for each type it adds.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use example_sqlite::{devices, tables};
//! use scimkit_core::schema::ResourceType;
//!
//! let db = example_sqlite::connect("sqlite::memory:").await?;
//! devices::create(&db).await?;
//! let store = devices::add(tables::builder(&db))
//!     .cursor_key(scimkit_sql::shared_cursor_key(&db).await?)
//!     .build()?;
//! let tokens = std::sync::Arc::new(scimkit_core::auth::BearerTokens::new());
//! let scim = scimkit_core::Scim::builder()
//!     .store(store)
//!     .resource_type(ResourceType::user())
//!     .resource_type(ResourceType::group())
//!     .resource_type(devices::resource_type())
//!     .authenticator(tokens)
//!     .build()?;
//! # let _ = scim; Ok(()) }
//! ```

use scimkit_core::schema::{Attribute, ResourceType, Schema, Uniqueness};
use scimkit_core::sql::Column;
use scimkit_sql::store::{SqlStoreBuilder, Table};
use scimkit_sql::Db;

use crate::tables::INDEXED_TEXT;

/// The Device schema's URN.
pub const SCHEMA: &str = "urn:example:scim:schemas:core:1.0:Device";

/// The `devices` table (idempotent), with a unique index on the serial number folded as
/// the store compares it (`serialNumber` is not `caseExact`).
pub const STATEMENTS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS devices (
        id TEXT PRIMARY KEY NOT NULL,
        tenant TEXT NOT NULL,
        serial_number TEXT NOT NULL,
        model TEXT,
        managed BOOLEAN,
        external_id TEXT,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        scim_extra TEXT
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS devices_tenant_serial_number_key
        ON devices (tenant, lower(serial_number))",
    "CREATE INDEX IF NOT EXISTS devices_tenant_id_idx ON devices (tenant, id)",
];

/// `Device` at `/Devices`: a required `serialNumber` unique in the tenant, a `model`, and
/// whether it is `managed`.
pub fn resource_type() -> ResourceType {
    ResourceType::new(
        "Device",
        "/Devices",
        Schema::new(SCHEMA)
            .name("Device")
            .description("A device enrolled for a user")
            .attribute(
                Attribute::string("serialNumber")
                    .required()
                    .uniqueness(Uniqueness::Server),
            )
            .attribute(Attribute::string("model"))
            .attribute(Attribute::boolean("managed")),
    )
    .description("Device")
}

/// Devices in `devices`: a column per attribute, and `scim_extra` for anything a later
/// version of the schema adds.
pub fn table() -> Table {
    Table::new("devices")
        .tenant("tenant")
        .column(
            "serialNumber",
            Column::text("serial_number").max_bytes(INDEXED_TEXT),
        )
        .column("model", Column::text("model"))
        .column("managed", Column::boolean("managed"))
        .column(
            "externalId",
            Column::text_exact("external_id").max_bytes(INDEXED_TEXT),
        )
        .extra("scim_extra")
}

/// Creates the `devices` table when missing.
pub async fn create(db: &Db) -> Result<(), scimkit_sql::Error> {
    for statement in STATEMENTS {
        db.execute(statement, &[]).await?;
    }
    Ok(())
}

/// `builder` keeping Devices too (the engine must serve [`resource_type`]).
pub fn add(builder: SqlStoreBuilder) -> SqlStoreBuilder {
    builder.resource(resource_type(), table())
}
