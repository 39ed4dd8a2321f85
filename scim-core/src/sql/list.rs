//! [`ListSql`]: the statements of one `list` request for a store whose rows carry its own
//! scoping (tenant, resource type), and the in-memory finish for what SQL could not do.
//!
//! Generic SQL-store logic shared by every relational store: SQL filters always (the store
//! declared [`Mapping::push_down`]); it also sorts and pages unless the sort attribute has no
//! single-valued column or the page is an RFC 9865 cursor, in which case it returns every
//! match ordered by id and [`ListSql::page`] sorts and pages in memory (cursors through
//! [`CursorCodec`]). It runs nothing: the store binds [`ListSql::params`] with its driver.

use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::sql::{Dialect, Mapping, SqlError, SqlValue};
use crate::store::{CursorCodec, CursorScope, ListQuery, Page, Pagination};

/// The statements of one list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSql {
    /// `SELECT <columns> FROM <table> WHERE … ORDER BY … [LIMIT … OFFSET …]`.
    pub select: String,
    /// `SELECT count(*) …` when SQL pages (otherwise the number of rows is the total).
    pub count: Option<String>,
    /// The bind values of both statements, in placeholder order.
    pub params: Vec<SqlValue>,
    /// Whether SQL does everything asked (filter, sort, page).
    pub complete: bool,
}

impl Mapping {
    /// The statements for `query`, selecting `columns` (the store's own list, e.g.
    /// `"users.id, users.doc"`) and restricted by `scope` (`[("users.tenant", tenant)]`: the
    /// host's expressions, each `= value`).
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{Column, Mapping, Sqlite, SqlValue};
    /// use scimkit_core::store::{ListQuery, Pagination};
    /// use scimkit_filter::parse_filter;
    ///
    /// let mapping = Mapping::new("users", "id").column("userName", Column::text("user_name"));
    /// let query = ListQuery {
    ///     filter: Some(parse_filter(r#"userName eq "bjensen""#)?),
    ///     page: Some(Pagination::Index { start_index: 1, count: 10 }),
    ///     ..ListQuery::default()
    /// };
    /// let tenant = SqlValue::Text("acme".into());
    /// let sql = mapping.list_sql(&ResourceType::user(), &query, &Sqlite, "users.id", &[("users.tenant", tenant)])?;
    /// assert!(sql.complete);
    /// assert_eq!(
    ///     sql.select,
    ///     "SELECT users.id FROM users WHERE ((user_name IS NOT NULL AND lower(user_name) = lower(?))) \
    ///      AND users.tenant = ? ORDER BY users.id ASC LIMIT 10 OFFSET 0"
    /// );
    /// assert_eq!(sql.params.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_sql(
        &self,
        rt: &ResourceType,
        query: &ListQuery,
        dialect: &dyn Dialect,
        columns: &str,
        scope: &[(&str, SqlValue)],
    ) -> Result<ListSql, SqlError> {
        let sortable = query
            .sort
            .as_ref()
            .is_none_or(|sort| self.sorts_by(rt, &sort.by));
        let cursor = matches!(query.page, Some(Pagination::Cursor { .. }));
        let complete = sortable && !cursor;
        let mut sql = if complete {
            self.translate(rt, query, dialect)?
        } else {
            let unpaged = ListQuery {
                filter: query.filter.clone(),
                sort: None,
                page: None,
                projection: query.projection.clone(),
                compiled: None,
            };
            self.translate(rt, &unpaged, dialect)?
        };
        for (expr, value) in scope {
            sql.restrict(expr, value.clone(), dialect);
        }
        let table = self.table();
        let order = sql
            .order_sql
            .clone()
            .unwrap_or_else(|| format!("{table}.{}", self.id_column()));
        let mut select = format!(
            "SELECT {columns} FROM {table} WHERE {} ORDER BY {order}",
            sql.where_sql
        );
        let page = dialect.limit_offset(sql.limit, sql.offset);
        if !page.is_empty() {
            select.push(' ');
            select.push_str(&page);
        }
        let count = (complete && query.page.is_some()).then(|| sql.count_sql());
        Ok(ListSql {
            select,
            count,
            params: sql.params,
            complete,
        })
    }
}

impl ListSql {
    /// The page for the resources `select` returned (in its order) and the total (the
    /// `count` statement's answer, or the number of rows when there is none): as they are
    /// when SQL did everything, else sorted and paged here — cursors sealed by `cursors` and
    /// bound to `tenant`, the type, the filter and the sort.
    pub fn page(
        &self,
        rt: &ResourceType,
        query: &ListQuery,
        cursors: &CursorCodec,
        tenant: &str,
        mut resources: Vec<Resource>,
        total: usize,
    ) -> Result<Page, ScimError> {
        if self.complete {
            return Ok(Page {
                resources,
                total_results: total,
                next_cursor: None,
            });
        }
        if let Some(Pagination::Cursor { cursor, count }) = &query.page {
            let scope = CursorScope {
                tenant,
                resource_type: &rt.name,
                filter: query.filter.as_ref(),
                sort: query.sort.as_ref(),
            };
            let cursor = cursor.as_deref().filter(|c| !c.is_empty());
            let page = cursors.page(rt, &scope, resources, cursor, *count)?;
            return Ok(Page {
                resources: page.resources,
                total_results: page.total,
                next_cursor: page.next_cursor,
            });
        }
        if let Some(sort) = &query.sort {
            sort.sort(rt, &mut resources);
        }
        let total = resources.len();
        if let Some(Pagination::Index { start_index, count }) = &query.page {
            resources = resources
                .into_iter()
                .skip(start_index.saturating_sub(1))
                .take(*count)
                .collect();
        }
        Ok(Page {
            resources,
            total_results: total,
            next_cursor: None,
        })
    }
}
