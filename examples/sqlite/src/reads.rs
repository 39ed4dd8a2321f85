//! Reading resources: rows → resources, with a Group's `members` and a User's derived
//! `groups` added from `group_members` when asked for.

use std::collections::HashMap;

use scimkit_core::schema::ResourceType;
use scimkit_core::store::StoreError;
use scimkit_core::Resource;
use serde_json::Value;
use sqlx::SqlitePool;

use crate::document::{self, Row, COLUMNS};
use crate::error::db;
use crate::layout::Layout;
use crate::members;

/// What to add to the rows read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extras {
    /// A Group's `members`.
    pub members: bool,
    /// A User's derived `groups`.
    pub groups: bool,
}

impl Extras {
    /// Everything the type has (what `get` returns).
    pub fn all(layout: &Layout) -> Extras {
        Extras {
            members: layout.members.is_some(),
            groups: layout.groups,
        }
    }
}

/// One resource of `rt` in the tenant.
pub(crate) async fn get(
    pool: &SqlitePool,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
    extras: Extras,
) -> Result<Option<Resource>, StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM resources \
         WHERE resources.tenant = ? AND resources.resource_type = ? AND resources.id = ?"
    ))
    .bind(tenant)
    .bind(&rt.name)
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(load(pool, rt, vec![row], extras).await?.into_iter().next())
}

/// The resources of `rows`, in order, with the extras asked for.
pub(crate) async fn load(
    pool: &SqlitePool,
    rt: &ResourceType,
    rows: Vec<Row>,
    extras: Extras,
) -> Result<Vec<Resource>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let mut members = if extras.members {
        members::of_groups(pool, &ids).await?
    } else {
        HashMap::new()
    };
    let mut groups = if extras.groups {
        members::groups_of(pool, &ids).await?
    } else {
        HashMap::new()
    };
    rows.into_iter()
        .map(|row| {
            let id = row.id.clone();
            let mut resource = document::resource(rt, row)?;
            for (name, values) in [
                ("members", members.remove(&id)),
                ("groups", groups.remove(&id)),
            ] {
                if let Some(values) = values.filter(|v| !v.is_empty()) {
                    resource
                        .attributes
                        .insert(name.to_owned(), Value::Array(values));
                }
            }
            Ok(resource)
        })
        .collect()
}
