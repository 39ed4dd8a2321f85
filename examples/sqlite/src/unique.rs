//! Uniqueness (`uniqueness: server|global` strings of the core schema, such as User
//! `userName`) through the primary key of `unique_values`: a write claims its values inside
//! its transaction, and a value another resource holds is [`StoreError::Uniqueness`].

use scimkit_core::store::StoreError;
use scimkit_core::Resource;
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::error::db;
use crate::layout::Layout;

/// Replaces the values `id` holds with those of `resource`; fails naming the first value
/// held by another resource of the tenant and type (the transaction is then dropped).
pub(crate) async fn claim(
    conn: &mut SqliteConnection,
    tenant: &str,
    resource_type: &str,
    layout: &Layout,
    id: &str,
    resource: &Resource,
) -> Result<(), StoreError> {
    if layout.unique.is_empty() {
        return Ok(());
    }
    sqlx::query("DELETE FROM unique_values WHERE resource_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    for attribute in &layout.unique {
        let Some(value) = resource.get(&attribute.name).and_then(Value::as_str) else {
            continue;
        };
        let inserted = sqlx::query(
            "INSERT INTO unique_values (tenant, resource_type, attribute, value_key, resource_id) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(tenant)
        .bind(resource_type)
        .bind(&attribute.name)
        .bind(attribute.key(value))
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Uniqueness(format!(
                "{} \"{value}\" is already taken",
                attribute.name
            )));
        }
    }
    Ok(())
}
