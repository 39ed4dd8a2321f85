//! `scim_settings`: named values every instance shares (the cursor key, the schema version),
//! each written once by whichever instance comes first and read by all.

use crate::backend::Backend;
use crate::datum::{Datum, DatumKind};
use crate::db::{Db, Tx};
use crate::error::Error;

/// Inserts `(name, value)` unless `name` is there already (`?` placeholders).
pub(crate) fn insert_if_absent_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres | Backend::Sqlite => {
            "INSERT INTO scim_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"
        }
        Backend::MySql => "INSERT IGNORE INTO scim_settings (name, value) VALUES (?, ?)",
    }
}

const SELECT: &str = "SELECT value FROM scim_settings WHERE name = ?";

/// The value stored under `name` after offering `value`: `value` if `name` was absent, else
/// the value an earlier writer stored.
pub(crate) async fn insert_if_absent(db: &Db, name: &str, value: &str) -> Result<String, Error> {
    let backend = db.backend();
    let params = [Datum::text(name), Datum::text(value)];
    db.execute(&backend.statement(insert_if_absent_sql(backend)), &params)
        .await?;
    let rows = db
        .fetch(&backend.statement(SELECT), &params[..1], &[DatumKind::Text])
        .await?;
    stored(rows, name)
}

/// [`insert_if_absent`] inside a transaction.
pub(crate) async fn insert_if_absent_in(
    tx: &mut Tx,
    name: &str,
    value: &str,
) -> Result<String, Error> {
    let backend = tx.backend();
    let params = [Datum::text(name), Datum::text(value)];
    tx.execute(&backend.statement(insert_if_absent_sql(backend)), &params)
        .await?;
    let rows = tx
        .fetch(&backend.statement(SELECT), &params[..1], &[DatumKind::Text])
        .await?;
    stored(rows, name)
}

/// The one value read back after an insert.
fn stored(rows: Vec<Vec<Datum>>, name: &str) -> Result<String, Error> {
    rows.into_iter()
        .next()
        .and_then(|row| row.into_iter().next())
        .and_then(Datum::into_text)
        .ok_or_else(|| Error::Corrupt {
            table: "scim_settings",
            detail: format!("{name} was written but cannot be read back"),
        })
}
