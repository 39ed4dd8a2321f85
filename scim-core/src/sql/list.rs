//! [`ListSql`]: the statements of one `list` request for a store whose rows carry its own
//! scoping (tenant, resource type), and the in-memory finish for what SQL could not do.
//!
//! Generic SQL-store logic shared by every relational store: SQL filters always (the store
//! declared [`Mapping::push_down`]), and sorts and pages whenever the sort attribute (if any)
//! has a single-valued column: index pages with `LIMIT`/`OFFSET`, RFC 9865 cursor pages by
//! keyset (`(sort key, id)` after the cursor's position, `LIMIT count + 1`), so a page deep in
//! a large list costs what the first one does. A cursor is opened (MAC, scope, expiry) before
//! any statement is built, so a forged or stale one costs no query. Otherwise it returns every
//! match ordered by id and [`ListSql::page`] sorts and pages in memory. It runs nothing: the
//! store binds [`ListSql::params`] with its driver.

use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::sort::SortKey;
use crate::sql::{keyset, Dialect, Mapping, SqlError, SqlValue};
use crate::store::{CursorCodec, CursorScope, ListQuery, Page, Pagination};

/// The statements of one list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSql {
    /// `SELECT <columns> FROM <table> WHERE … ORDER BY … [LIMIT … [OFFSET …]]`.
    pub select: String,
    /// `SELECT count(*) …` when SQL pages (otherwise the number of rows is the total).
    pub count: Option<String>,
    /// The bind values of `select`, in placeholder order.
    pub params: Vec<SqlValue>,
    /// The bind values of `count`: the first of `params` (a cursor page binds its position
    /// after them, in `select` only).
    pub count_params: Vec<SqlValue>,
    /// Whether SQL does everything asked (filter, sort, page).
    pub complete: bool,
    /// For a keyset cursor page: how many resources the page holds (`select` asks for one
    /// more, to know whether another page follows).
    keyset_count: Option<usize>,
}

/// Who seals and opens a store's cursors, and the tenant they are bound to.
#[derive(Debug, Clone, Copy)]
pub struct CursorIssuer<'a> {
    /// The store's codec (its key decides which processes can open its cursors).
    pub codec: &'a CursorCodec,
    /// The tenant of the request.
    pub tenant: &'a str,
}

impl CursorIssuer<'_> {
    fn scope<'q>(&'q self, rt: &'q ResourceType, query: &'q ListQuery) -> CursorScope<'q> {
        CursorScope {
            tenant: self.tenant,
            resource_type: &rt.name,
            filter: query.filter.as_ref(),
            sort: query.sort.as_ref(),
        }
    }
}

/// The cursor of a cursor page, `None` for the first page (absent or empty).
fn cursor_of(query: &ListQuery) -> Option<(Option<&str>, usize)> {
    match &query.page {
        Some(Pagination::Cursor { cursor, count }) => {
            Some((cursor.as_deref().filter(|c| !c.is_empty()), *count))
        }
        _ => None,
    }
}

impl Mapping {
    /// The statements for `query`, selecting `columns` (the store's own list, e.g.
    /// `"users.id, users.doc"`) and restricted by `scope` (`[("users.tenant", tenant)]`: the
    /// host's expressions, each `= value`). A cursor in `query` is opened with `cursors` first:
    /// a forged, foreign or expired one is [`SqlError::Cursor`] before any SQL exists.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use std::time::Duration;
    /// use scimkit_core::sql::{Column, CursorIssuer, Mapping, Sqlite, SqlValue};
    /// use scimkit_core::store::{CursorCodec, ListQuery, Pagination};
    /// use scimkit_filter::parse_filter;
    ///
    /// let codec = CursorCodec::with_key([1; 32], Duration::from_secs(3600));
    /// let cursors = CursorIssuer { codec: &codec, tenant: "acme" };
    /// let mapping = Mapping::new("users", "id").column("userName", Column::text("user_name"));
    /// let query = ListQuery {
    ///     filter: Some(parse_filter(r#"userName eq "bjensen""#)?),
    ///     page: Some(Pagination::Index { start_index: 1, count: 10 }),
    ///     ..ListQuery::default()
    /// };
    /// let tenant = SqlValue::Text("acme".into());
    /// let scope = [("users.tenant", tenant)];
    /// let sql = mapping.list_sql(&ResourceType::user(), &query, &Sqlite, "users.id", &scope, cursors)?;
    /// assert!(sql.complete);
    /// assert_eq!(
    ///     sql.select,
    ///     "SELECT users.id FROM users WHERE ((user_name IS NOT NULL AND lower(user_name) = lower(?))) \
    ///      AND users.tenant = ? ORDER BY users.id ASC LIMIT 10 OFFSET 0"
    /// );
    /// assert_eq!(sql.params.len(), 2);
    ///
    /// // A cursor page by userName: a keyset range and one row more than the page.
    /// let query = ListQuery {
    ///     sort: Some(scimkit_core::SortSpec::from_query(&ResourceType::user(), "userName", None)?),
    ///     page: Some(Pagination::Cursor { cursor: None, count: 2 }),
    ///     ..ListQuery::default()
    /// };
    /// let first = mapping.list_sql(&ResourceType::user(), &query, &Sqlite, "users.id", &scope, cursors)?;
    /// assert!(first.select.ends_with("ORDER BY lower(user_name) ASC, users.id ASC LIMIT 3"));
    /// let page = first.page(&ResourceType::user(), &query, cursors, vec![
    ///     scimkit_core::Resource::from_json(serde_json::json!({"id": "1", "userName": "Ann"}))?,
    ///     scimkit_core::Resource::from_json(serde_json::json!({"id": "2", "userName": "bob"}))?,
    ///     scimkit_core::Resource::from_json(serde_json::json!({"id": "3", "userName": "Cy"}))?,
    /// ], 7)?;
    /// assert_eq!((page.resources.len(), page.total_results), (2, 7));
    /// let next = ListQuery {
    ///     page: Some(Pagination::Cursor { cursor: page.next_cursor, count: 2 }),
    ///     ..query
    /// };
    /// let second = mapping.list_sql(&ResourceType::user(), &next, &Sqlite, "users.id", &scope, cursors)?;
    /// // userName is required, so "after" is one row comparison (an index range).
    /// assert!(second.select.contains("(lower(user_name), users.id) > (lower(?), ?)"));
    /// assert_eq!(&second.params[2..], [SqlValue::Text("bob".into()), SqlValue::Text("2".into())]);
    /// assert_eq!(second.count_params.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_sql(
        &self,
        rt: &ResourceType,
        query: &ListQuery,
        dialect: &dyn Dialect,
        columns: &str,
        scope: &[(&str, SqlValue)],
        cursors: CursorIssuer<'_>,
    ) -> Result<ListSql, SqlError> {
        let cursor_page = cursor_of(query);
        let position = match cursor_page {
            Some((Some(cursor), _)) => Some(
                cursors
                    .codec
                    .position(&cursors.scope(rt, query), cursor)
                    .map_err(SqlError::Cursor)?,
            ),
            _ => None,
        };
        let complete = query
            .sort
            .as_ref()
            .is_none_or(|sort| self.sorts_by(rt, &sort.by));
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
        let count = (complete && query.page.is_some()).then(|| sql.count_sql());
        let count_params = sql.params.clone();
        let mut keyset_count = None;
        if let (true, Some((_, page_size))) = (complete, cursor_page) {
            if let Some(position) = &position {
                let mut params = std::mem::take(&mut sql.params);
                let after = keyset::after(
                    self,
                    rt,
                    query.sort.as_ref(),
                    position,
                    dialect,
                    &mut |value| {
                        params.push(value);
                        dialect.placeholder(params.len())
                    },
                )?;
                sql.params = params;
                sql.where_sql = format!("({}) AND {after}", sql.where_sql);
            }
            sql.limit = Some(
                u64::try_from(page_size)
                    .unwrap_or(u64::MAX)
                    .saturating_add(1),
            );
            keyset_count = Some(page_size);
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
        Ok(ListSql {
            select,
            count,
            params: sql.params,
            count_params,
            complete,
            keyset_count,
        })
    }
}

impl ListSql {
    /// The total that `rows` rows returned by `select` for `query` imply, when they do, so
    /// the `count` statement need not run: every row when SQL does not page; an index page
    /// that is not full (and not empty beyond the first) ends the list; a first cursor page
    /// that has no row beyond its count holds the whole list. `None`: run `count`.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{Column, CursorIssuer, Mapping, Sqlite};
    /// use scimkit_core::store::{CursorCodec, ListQuery, Pagination};
    /// use std::time::Duration;
    ///
    /// let mapping = Mapping::new("users", "id").column("userName", Column::text("user_name"));
    /// let codec = CursorCodec::with_key([7; 32], Duration::from_secs(60));
    /// let cursors = CursorIssuer { codec: &codec, tenant: "t" };
    /// let page = |start_index| ListQuery {
    ///     page: Some(Pagination::Index { start_index, count: 10 }),
    ///     ..ListQuery::default()
    /// };
    /// let sql = mapping.list_sql(&ResourceType::user(), &page(1), &Sqlite, "users.id", &[], cursors)?;
    /// assert_eq!(sql.total_without_count(&page(1), 1), Some(1)); // a lookup's one match
    /// assert_eq!(sql.total_without_count(&page(1), 10), None); // a full page: count
    /// assert_eq!(sql.total_without_count(&page(21), 3), Some(23));
    /// assert_eq!(sql.total_without_count(&page(21), 0), None); // past the end: count
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn total_without_count(&self, query: &ListQuery, rows: usize) -> Option<usize> {
        if self.count.is_none() {
            return Some(rows);
        }
        match (&query.page, cursor_of(query)) {
            (Some(Pagination::Index { start_index, count }), _) => {
                let before = start_index.saturating_sub(1);
                (rows < *count && (rows > 0 || before == 0)).then_some(before + rows)
            }
            (_, Some((None, count))) => (rows <= count).then_some(rows),
            _ => None,
        }
    }

    /// The page for the resources `select` returned (in its order) and the total (the
    /// `count` statement's answer, or the number of rows when there is none): as they are
    /// when SQL did everything (a keyset cursor page keeps the page's count and seals the
    /// position of its last resource), else sorted and paged here — cursors sealed by
    /// `cursors`' codec and bound to its tenant, the type, the filter and the sort.
    pub fn page(
        &self,
        rt: &ResourceType,
        query: &ListQuery,
        cursors: CursorIssuer<'_>,
        mut resources: Vec<Resource>,
        total: usize,
    ) -> Result<Page, ScimError> {
        if let Some(count) = self.keyset_count {
            let next_cursor = if resources.len() > count {
                resources.truncate(count);
                match resources.last() {
                    Some(last) => {
                        let key = match &query.sort {
                            Some(sort) => sort.stored_key(rt, last),
                            None => SortKey::missing(),
                        };
                        let id = last.id.as_deref().unwrap_or("");
                        Some(cursors.codec.seal(&cursors.scope(rt, query), &key, id)?)
                    }
                    None => None,
                }
            } else {
                None
            };
            return Ok(Page {
                resources,
                total_results: total,
                next_cursor,
            });
        }
        if self.complete {
            return Ok(Page {
                resources,
                total_results: total,
                next_cursor: None,
            });
        }
        if let Some((cursor, count)) = cursor_of(query) {
            let page =
                cursors
                    .codec
                    .page(rt, &cursors.scope(rt, query), resources, cursor, count)?;
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
