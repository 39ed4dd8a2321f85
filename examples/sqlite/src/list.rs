//! `list`: the filter (and the sort and page when SQL can) through the scim-core translator
//! with the SQLite dialect ([`Mapping::list_sql`](scimkit_core::sql::Mapping::list_sql)),
//! restricted to the tenant and the type; the rest in memory by
//! [`ListSql::page`](scimkit_core::sql::ListSql::page).

use scimkit_core::schema::ResourceType;
use scimkit_core::sql::{CursorIssuer, SqlValue, Sqlite};
use scimkit_core::store::{ListQuery, Page, StoreError};
use scimkit_filter::AttrPath;
use sqlx::query::QueryAs;
use sqlx::sqlite::{Sqlite as Driver, SqliteArguments};

use crate::document::{Row, COLUMNS};
use crate::error::db;
use crate::layout::Layout;
use crate::mapping::mapping;
use crate::reads::{load, Extras};
use crate::store::SqliteStore;

/// Binds translated values in placeholder order.
fn bind_all<'q, O>(
    mut query: QueryAs<'q, Driver, O, SqliteArguments<'q>>,
    params: &'q [SqlValue],
) -> QueryAs<'q, Driver, O, SqliteArguments<'q>> {
    for param in params {
        query = match param {
            SqlValue::Text(text) => query.bind(text.as_str()),
            SqlValue::Integer(int) => query.bind(*int),
            SqlValue::Real(real) => query.bind(*real),
            SqlValue::Bool(flag) => query.bind(*flag),
            SqlValue::Timestamp(time) => query.bind(time.to_rfc3339()),
        };
    }
    query
}

pub(crate) async fn list(
    store: &SqliteStore,
    tenant: &str,
    rt: &ResourceType,
    query: &ListQuery,
) -> Result<Page, StoreError> {
    let layout = Layout::of(rt);
    let scope = [
        ("resources.tenant", SqlValue::Text(tenant.to_owned())),
        ("resources.resource_type", SqlValue::Text(rt.name.clone())),
    ];
    let cursors = CursorIssuer {
        codec: &store.cursors,
        tenant,
    };
    let plan = mapping(rt, &layout)
        .list_sql(rt, query, &Sqlite, COLUMNS, &scope, cursors)
        .map_err(|e| StoreError::Rejected(e.into()))?;
    let rows: Vec<Row> = bind_all(sqlx::query_as(&plan.select), &plan.params)
        .fetch_all(&store.pool)
        .await
        .map_err(db)?;
    let total = match &plan.count {
        None => rows.len(),
        Some(count) => {
            let (n,): (i64,) = bind_all(sqlx::query_as(count), &plan.count_params)
                .fetch_one(&store.pool)
                .await
                .map_err(db)?;
            usize::try_from(n).unwrap_or_default()
        }
    };
    // The engine filters or sorts what it was not given on every row returned (no page
    // given), and the in-memory finish may sort: then everything is read.
    let everything = query.page.is_none() || !plan.complete;
    let extras = Extras {
        members: layout.members.is_some()
            && (everything || query.projection.requests(rt, &AttrPath::new("members"))),
        groups: layout.groups
            && (everything || query.projection.requests(rt, &AttrPath::new("groups"))),
    };
    let resources = load(&store.pool, rt, rows, extras).await?;
    plan.page(rt, query, cursors, resources, total)
        .map_err(StoreError::Rejected)
}
