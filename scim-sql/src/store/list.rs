//! `list` through scimkit-core's translator ([`Mapping::list_sql`]: filter, sort and page in
//! SQL, cursors opened first), restricted to the tenant, and [`ListSql::page`] for what SQL
//! could not do. The `count(*)` runs only when the page's rows do not already tell the total
//! (a lookup's one match does).
//!
//! [`Mapping::list_sql`]: scimkit_core::sql::Mapping::list_sql
//! [`ListSql::page`]: scimkit_core::sql::ListSql::page

use scimkit_core::schema::ResourceType;
use scimkit_core::sql::{CursorIssuer, ListSql, SqlValue};
use scimkit_core::store::{ListQuery, Page, StoreError};
use scimkit_filter::AttrPath;

use crate::datum::{Datum, DatumKind};
use crate::store::fail::{Exec, Fail};
use crate::store::read::assemble;
use crate::store::Inner;

/// The page of `query` among resources of plan `index` of `tenant`.
pub(crate) async fn list(
    inner: &Inner,
    index: usize,
    rt: &ResourceType,
    tenant: &str,
    query: &ListQuery,
) -> Result<Page, StoreError> {
    let plan = inner.plans.get(index).ok_or(StoreError::NotFound)?;
    let sql = statements(inner, index, rt, tenant, query)?;
    let issuer = CursorIssuer {
        codec: &inner.cursors,
        tenant,
    };
    let fetched: Result<_, Fail> = async {
        let mut db = inner.db.acquire().await?;
        let params: Vec<Datum> = sql.params.iter().cloned().map(Datum::from).collect();
        let rows = db.rows(&sql.select, &params, &plan.kinds).await?;
        let total = match (&sql.count, sql.total_without_count(query, rows.len())) {
            (_, Some(total)) => Some(total),
            (Some(count), None) => {
                let params: Vec<Datum> =
                    sql.count_params.iter().cloned().map(Datum::from).collect();
                db.rows(count, &params, &[DatumKind::Integer])
                    .await?
                    .into_iter()
                    .next()
                    .and_then(|row| row.into_iter().next())
                    .and_then(|d| d.as_integer())
                    .and_then(|n| usize::try_from(n).ok())
            }
            (None, None) => None,
        };
        let n = rows.len();
        // Members are read unless nothing needs them: the engine left the whole query to the
        // store (it pages only when no filter is left for it to run), SQL did all of it (no
        // sort in memory), and the response does not show them.
        let final_answer = query.page.is_some() && sql.complete;
        let with_members =
            !final_answer || query.projection.requests(rt, &AttrPath::new("members"));
        let resources = assemble(&mut db, inner, index, rows, with_members).await?;
        Ok((resources, total.unwrap_or(n)))
    }
    .await;
    let (resources, total) = fetched.map_err(|fail| fail.into_store_error("value"))?;
    sql.page(rt, query, issuer, resources, total)
        .map_err(StoreError::Rejected)
}

/// The statements [`list`] runs for `query` among resources of plan `index` of `tenant`.
pub(crate) fn statements(
    inner: &Inner,
    index: usize,
    rt: &ResourceType,
    tenant: &str,
    query: &ListQuery,
) -> Result<ListSql, StoreError> {
    let plan = inner.plans.get(index).ok_or(StoreError::NotFound)?;
    let scope: Vec<(String, SqlValue)> = plan
        .table
        .tenant
        .iter()
        .map(|column| {
            (
                plan.table.qualified(column),
                SqlValue::Text(tenant.to_owned()),
            )
        })
        .collect();
    let scope: Vec<(&str, SqlValue)> = scope
        .iter()
        .map(|(expr, value)| (expr.as_str(), value.clone()))
        .collect();
    let issuer = CursorIssuer {
        codec: &inner.cursors,
        tenant,
    };
    plan.mapping
        .list_sql(
            rt,
            query,
            inner.db.backend().dialect(),
            &plan.select,
            &scope,
            issuer,
        )
        .map_err(|error| StoreError::Rejected(error.into()))
}
