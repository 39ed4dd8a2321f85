//! `list` through the scim-core SQL translator ([`Mapping::list_sql`]: what runs in SQL, and
//! [`ListSql::page`]: the in-memory finish for sorts the mapping cannot do and RFC 9865
//! cursors); this file only adds the tenant and runs the count.

use scimkit_core::schema::ResourceType;
use scimkit_core::sql::{CursorIssuer, ListSql, Mapping, Postgres, SqlValue};
use scimkit_core::store::{ListQuery, Page, StoreError};
use scimkit_core::Resource;

use crate::db::{bind_all, db};
use crate::store::PgStore;

/// Translates `query` for `mapping`'s table, restricted to `tenant`.
pub fn plan(
    store: &PgStore,
    mapping: &Mapping,
    rt: &ResourceType,
    query: &ListQuery,
    tenant: &str,
    columns: &str,
) -> Result<ListSql, StoreError> {
    let scope = [(
        format!("{}.tenant", mapping.table()),
        SqlValue::Text(tenant.to_owned()),
    )];
    let scope: Vec<(&str, SqlValue)> = scope
        .iter()
        .map(|(expr, value)| (expr.as_str(), value.clone()))
        .collect();
    mapping
        .list_sql(rt, query, &Postgres, columns, &scope, issuer(store, tenant))
        .map_err(|e| StoreError::Rejected(e.into()))
}

/// How many resources match: the plan's `count` query when SQL paged, else `rows`.
pub async fn total(store: &PgStore, plan: &ListSql, rows: usize) -> Result<usize, StoreError> {
    let Some(count) = &plan.count else {
        return Ok(rows);
    };
    let (n,): (i64,) = bind_all(sqlx::query_as(count), &plan.count_params)
        .fetch_one(&store.pool)
        .await
        .map_err(db)?;
    Ok(usize::try_from(n).unwrap_or_default())
}

/// The page for what SQL returned ([`ListSql::page`] with this store's cursors).
pub fn page(
    store: &PgStore,
    rt: &ResourceType,
    tenant: &str,
    query: &ListQuery,
    plan: &ListSql,
    resources: Vec<Resource>,
    total: usize,
) -> Result<Page, StoreError> {
    plan.page(rt, query, issuer(store, tenant), resources, total)
        .map_err(StoreError::Rejected)
}

/// The store's cursor codec, for `tenant`.
fn issuer<'a>(store: &'a PgStore, tenant: &'a str) -> CursorIssuer<'a> {
    CursorIssuer {
        codec: &store.cursors,
        tenant,
    }
}
