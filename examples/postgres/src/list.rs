//! `list` through the scim-core SQL translator: what runs in SQL, and the in-memory finish
//! (sorts the mapping cannot do, and RFC 9865 cursors through [`CursorCodec`]).

use scimkit_core::schema::ResourceType;
use scimkit_core::sql::{Dialect, Mapping, Postgres, SqlQuery, SqlValue};
use scimkit_core::store::{CursorScope, ListQuery, Page, Pagination, StoreError};
use scimkit_core::Resource;

use crate::db::{bind_all, db};
use crate::store::PgStore;

/// The statements of one list request.
pub struct Plan {
    /// `SELECT <columns> FROM <table> WHERE … ORDER BY … [LIMIT … OFFSET …]`.
    pub select: String,
    /// `SELECT count(*) …` when SQL pages (else the number of rows is the total).
    pub count: Option<String>,
    /// Bind values of both.
    pub params: Vec<SqlValue>,
    /// Whether SQL did everything asked (filter, sort, page).
    pub complete: bool,
}

/// Translates `query` for `mapping`'s table, restricted to `tenant`. SQL sorts and pages
/// unless the sort attribute has no column or the page is a cursor: then it returns every
/// match ordered by id and [`finish`] does the rest.
pub fn plan(
    mapping: &Mapping,
    rt: &ResourceType,
    query: &ListQuery,
    tenant: &str,
    columns: &str,
) -> Result<Plan, StoreError> {
    let sortable = query
        .sort
        .as_ref()
        .is_none_or(|sort| mapping.sorts_by(rt, &sort.by));
    let cursor = matches!(query.page, Some(Pagination::Cursor { .. }));
    let complete = sortable && !cursor;
    let sql_query = if complete {
        query.clone()
    } else {
        ListQuery {
            filter: query.filter.clone(),
            sort: None,
            page: None,
            projection: query.projection.clone(),
        }
    };
    let mut sql: SqlQuery = mapping
        .translate(rt, &sql_query, &Postgres)
        .map_err(|e| StoreError::Rejected(e.into()))?;
    let table = mapping.table();
    sql.restrict(
        &format!("{table}.tenant"),
        SqlValue::Text(tenant.to_owned()),
        &Postgres,
    );
    let order = sql
        .order_sql
        .clone()
        .unwrap_or_else(|| format!("{table}.{}", mapping.id_column()));
    let mut select = format!(
        "SELECT {columns} FROM {table} WHERE {} ORDER BY {order}",
        sql.where_sql
    );
    let page = Postgres.limit_offset(sql.limit, sql.offset);
    if !page.is_empty() {
        select.push(' ');
        select.push_str(&page);
    }
    let count = (complete && query.page.is_some()).then(|| sql.count_sql());
    Ok(Plan {
        select,
        count,
        params: sql.params,
        complete,
    })
}

/// How many resources match: the plan's `count` query when SQL paged, else `rows`.
pub async fn total(store: &PgStore, plan: &Plan, rows: usize) -> Result<usize, StoreError> {
    let Some(count) = &plan.count else {
        return Ok(rows);
    };
    let (n,): (i64,) = bind_all(sqlx::query_as(count), &plan.params)
        .fetch_one(&store.pool)
        .await
        .map_err(db)?;
    Ok(usize::try_from(n).unwrap_or_default())
}

/// The page for what SQL returned: as it is when the plan was complete, else sorted and paged
/// in memory by [`finish`].
pub fn page(
    store: &PgStore,
    rt: &ResourceType,
    tenant: &str,
    query: &ListQuery,
    plan: &Plan,
    resources: Vec<Resource>,
    total: usize,
) -> Result<Page, StoreError> {
    if plan.complete {
        return Ok(Page {
            resources,
            total_results: total,
            next_cursor: None,
        });
    }
    finish(store, rt, tenant, query, resources)
}

/// Sorts and pages in memory what SQL returned when the plan was not complete.
fn finish(
    store: &PgStore,
    rt: &ResourceType,
    tenant: &str,
    query: &ListQuery,
    mut resources: Vec<Resource>,
) -> Result<Page, StoreError> {
    match &query.page {
        Some(Pagination::Cursor { cursor, count }) => {
            let scope = CursorScope {
                tenant,
                resource_type: &rt.name,
                filter: query.filter.as_ref(),
                sort: query.sort.as_ref(),
            };
            let page = store
                .cursors
                .page(
                    rt,
                    &scope,
                    resources,
                    cursor.as_deref().filter(|c| !c.is_empty()),
                    *count,
                )
                .map_err(StoreError::Rejected)?;
            Ok(Page {
                resources: page.resources,
                total_results: page.total,
                next_cursor: page.next_cursor,
            })
        }
        page => {
            if let Some(sort) = &query.sort {
                sort.sort(rt, &mut resources);
            }
            let total = resources.len();
            let resources = match page {
                Some(Pagination::Index { start_index, count }) => resources
                    .into_iter()
                    .skip(start_index.saturating_sub(1))
                    .take(*count)
                    .collect(),
                _ => resources,
            };
            Ok(Page {
                resources,
                total_results: total,
                next_cursor: None,
            })
        }
    }
}
