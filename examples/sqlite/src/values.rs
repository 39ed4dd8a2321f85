//! The rows of `multi_values`: one per element of each multi-valued attribute the
//! [`Layout`] lists, rewritten with the resource, so filters on `emails.value` or
//! `emails[type eq "work"]` run in SQL.

use scimkit_core::store::StoreError;
use scimkit_core::Resource;
use serde_json::{Map, Value};
use sqlx::SqliteConnection;

use crate::error::db;
use crate::layout::{Layout, MultiAttr};

/// A member of a JSON object, whatever the spelling of its name.
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// The elements of `multi` in `resource`.
fn elements<'a>(resource: &'a Resource, multi: &MultiAttr) -> &'a [Value] {
    let value = match &multi.urn {
        None => resource.get(&multi.name),
        Some(urn) => resource
            .extension(urn)
            .and_then(|ext| field(ext, &multi.name)),
    };
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// One row's columns: `value`, `type`, `display`, `is_primary`.
type Element = (Option<String>, Option<String>, Option<String>, Option<bool>);

fn element(multi: &MultiAttr, item: &Value) -> Element {
    let text = |name: &str, wanted: bool| -> Option<String> {
        let object = item.as_object()?;
        wanted
            .then(|| {
                field(object, name)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .flatten()
    };
    if !multi.complex {
        return (item.as_str().map(str::to_owned), None, None, None);
    }
    let primary = item
        .as_object()
        .filter(|_| multi.primary)
        .and_then(|o| field(o, "primary"))
        .and_then(Value::as_bool);
    (
        text("value", multi.value.is_some()),
        text("type", multi.kind.is_some()),
        text("display", multi.display.is_some()),
        primary,
    )
}

/// Replaces the rows of `id` with the elements of `resource`.
pub(crate) async fn write(
    conn: &mut SqliteConnection,
    layout: &Layout,
    id: &str,
    resource: &Resource,
    fresh: bool,
) -> Result<(), StoreError> {
    if layout.multi.is_empty() {
        return Ok(());
    }
    if !fresh {
        sqlx::query("DELETE FROM multi_values WHERE resource_id = ?")
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    }
    for multi in &layout.multi {
        for item in elements(resource, multi) {
            let (value, kind, display, primary) = element(multi, item);
            sqlx::query(
                "INSERT INTO multi_values (resource_id, attribute, value, type, display, is_primary) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(&multi.key)
            .bind(value)
            .bind(kind)
            .bind(display)
            .bind(primary)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
    }
    Ok(())
}
