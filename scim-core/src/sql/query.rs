//! [`SqlQuery`]: a translated list request, and [`Mapping::translate`] which builds it.

use scimkit_filter::Filter;

use crate::schema::ResourceType;
use crate::sql::dialect::Dialect;
use crate::sql::error::SqlError;
use crate::sql::filter::FilterSql;
use crate::sql::mapping::Mapping;
use crate::sql::order::{limit_offset, order_sql};
use crate::sql::value::SqlValue;
use crate::store::ListQuery;

/// A list request as SQL: a condition, an order, a page and the values to bind, in
/// placeholder order. [`SqlQuery::select_sql`] and [`SqlQuery::count_sql`] assemble whole
/// statements; both bind [`SqlQuery::params`].
#[derive(Debug, Clone, PartialEq)]
pub struct SqlQuery {
    /// The condition, without `WHERE`; the dialect's true literal when there is no filter.
    pub where_sql: String,
    /// The `ORDER BY` items, without the keywords.
    pub order_sql: Option<String>,
    /// `LIMIT` (index pagination's `count`). With cursor pagination the translator leaves
    /// `limit` and `offset` empty: the host decodes its cursor and sets them (whenever a page
    /// is asked for the order ends with the id, so offsets are stable while the data is).
    pub limit: Option<u64>,
    /// `OFFSET` (index pagination's `startIndex - 1`).
    pub offset: Option<u64>,
    /// The bind values, in placeholder order.
    pub params: Vec<SqlValue>,
    table: String,
    id_column: String,
}

impl SqlQuery {
    /// `SELECT <table>.<id> FROM <table> WHERE … ORDER BY … LIMIT … OFFSET …`.
    pub fn select_sql(&self, dialect: &dyn Dialect) -> String {
        let mut sql = format!(
            "SELECT {table}.{id} FROM {table} WHERE {cond}",
            table = self.table,
            id = self.id_column,
            cond = self.where_sql
        );
        if let Some(order) = &self.order_sql {
            sql.push_str(" ORDER BY ");
            sql.push_str(order);
        }
        let page = dialect.limit_offset(self.limit, self.offset);
        if !page.is_empty() {
            sql.push(' ');
            sql.push_str(&page);
        }
        sql
    }

    /// `SELECT count(*) FROM <table> WHERE …`: the total of every match, for `totalResults`.
    pub fn count_sql(&self) -> String {
        format!(
            "SELECT count(*) FROM {} WHERE {}",
            self.table, self.where_sql
        )
    }

    /// Adds `AND <expr> = <placeholder>` to the condition, binding `value` — for the host's
    /// own scoping such as the tenant: `query.restrict("users.tenant_id", tenant, &Postgres)`.
    /// `expr` is the host's SQL, never request text.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{Column, Mapping, Postgres, SqlValue};
    /// use scimkit_core::store::ListQuery;
    /// use scimkit_filter::parse_filter;
    ///
    /// let mapping = Mapping::new("users", "id").column("userName", Column::text("user_name"));
    /// let query = ListQuery {
    ///     filter: Some(parse_filter(r#"userName eq "bjensen""#)?),
    ///     ..ListQuery::default()
    /// };
    /// let mut sql = mapping.translate(&ResourceType::user(), &query, &Postgres)?;
    /// sql.restrict("users.tenant_id", SqlValue::Text("acme".into()), &Postgres);
    /// assert_eq!(
    ///     sql.where_sql,
    ///     "((user_name IS NOT NULL AND lower(user_name) = lower($1))) AND users.tenant_id = $2"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restrict(&mut self, expr: &str, value: SqlValue, dialect: &dyn Dialect) {
        self.params.push(value);
        let placeholder = dialect.placeholder(self.params.len());
        self.where_sql = format!("({}) AND {expr} = {placeholder}", self.where_sql);
    }
}

impl Mapping {
    /// Translates a store's list request for resources of `rt`.
    ///
    /// Fails when the filter names an attribute without a column, an operator does not apply
    /// to a column's kind, a value does not fit (a bad dateTime), or the sort attribute has no
    /// single-valued column; `ScimError::from` turns each into a `400` naming the attribute.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{ChildTable, Column, Mapping, Sqlite, SqlValue};
    /// use scimkit_core::store::{ListQuery, Pagination};
    /// use scimkit_core::{SortOrder, SortSpec};
    /// use scimkit_filter::{parse_filter, AttrPath};
    ///
    /// let users = ResourceType::user();
    /// let mapping = Mapping::new("users", "id")
    ///     .column("title", Column::text("title"))
    ///     .child("emails", ChildTable::new("emails", "user_id")
    ///         .column("value", Column::text("address"))
    ///         .column("type", Column::text("kind")));
    /// let query = ListQuery {
    ///     filter: Some(parse_filter(r#"emails[type eq "work"] and not (title eq "boss")"#)?),
    ///     sort: Some(SortSpec::new(&users, AttrPath::new("title"), SortOrder::Ascending)?),
    ///     page: Some(Pagination::Index { start_index: 11, count: 10 }),
    ///     ..ListQuery::default()
    /// };
    /// let sql = mapping.translate(&users, &query, &Sqlite)?;
    /// assert_eq!(
    ///     sql.select_sql(&Sqlite),
    ///     "SELECT users.id FROM users WHERE \
    ///      (EXISTS (SELECT 1 FROM emails AS c1 WHERE c1.user_id = users.id \
    ///      AND ((c1.kind IS NOT NULL AND lower(c1.kind) = lower(?))))) \
    ///      AND (NOT ((title IS NOT NULL AND lower(title) = lower(?)))) \
    ///      ORDER BY lower(title) ASC NULLS LAST, users.id ASC LIMIT 10 OFFSET 10"
    /// );
    /// assert_eq!(sql.params, [SqlValue::Text("work".into()), SqlValue::Text("boss".into())]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn translate(
        &self,
        rt: &ResourceType,
        query: &ListQuery,
        dialect: &dyn Dialect,
    ) -> Result<SqlQuery, SqlError> {
        let (where_sql, params) = match &query.filter {
            Some(filter) => self.filter_sql(rt, filter, dialect)?,
            None => (dialect.boolean(true).to_owned(), Vec::new()),
        };
        let (limit, offset) = limit_offset(query.page.as_ref());
        let order_sql = order_sql(self, rt, query.sort.as_ref(), query.page.is_some(), dialect)?;
        Ok(SqlQuery {
            where_sql,
            order_sql,
            limit,
            offset,
            params,
            table: self.table().to_owned(),
            id_column: self.id_column().to_owned(),
        })
    }

    /// The condition for `filter` alone and its bind values (placeholders from 1).
    pub fn filter_sql(
        &self,
        rt: &ResourceType,
        filter: &Filter,
        dialect: &dyn Dialect,
    ) -> Result<(String, Vec<SqlValue>), SqlError> {
        let mut builder = FilterSql::new(self, rt, dialect);
        let condition = builder.condition(filter)?;
        Ok((condition, builder.params))
    }

    /// Whether `filter` translates: `Ok` or the error naming what does not (for a store that
    /// refuses rather than evaluates what it cannot push down).
    pub fn check(&self, rt: &ResourceType, filter: &Filter) -> Result<(), SqlError> {
        self.filter_sql(rt, filter, &crate::sql::Postgres)
            .map(|_| ())
    }
}
