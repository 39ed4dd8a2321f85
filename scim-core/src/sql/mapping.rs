//! [`Mapping`]: which table and columns hold a resource type's attributes, declared by the
//! host, and the [`PushDown`] that follows from it.
//!
//! Every identifier in translated SQL comes from here, never from a request.

use scimkit_filter::{AttrPath, CompareOp};

use crate::schema::ResourceType;
use crate::store::push_down::same_attribute;
use crate::store::{FilterPushDown, FilterRule, PushDown};

/// The type of a mapped column, which decides how it is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text; compared case-folded unless `case_exact` (which must match the attribute's
    /// `caseExact` in the schema).
    Text {
        /// Whether comparisons are case-sensitive.
        case_exact: bool,
    },
    /// An integer column.
    Integer,
    /// A decimal or floating-point column.
    Decimal,
    /// A boolean column.
    Boolean,
    /// A timestamp (`timestamptz` in PostgreSQL, `DATETIME(3)` in MySQL/MariaDB) for a
    /// `dateTime` attribute.
    Timestamp,
}

impl ColumnKind {
    /// The SCIM type name, for error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Text { .. } => "string",
            ColumnKind::Integer => "integer",
            ColumnKind::Decimal => "decimal",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Timestamp => "dateTime",
        }
    }

    /// The operators supported on this kind (`pr` always is).
    pub fn operators(self) -> Vec<CompareOp> {
        use CompareOp::{Eq, Ge, Gt, Le, Lt, Ne};
        match self {
            ColumnKind::Text { .. } => CompareOp::ALL.to_vec(),
            ColumnKind::Integer | ColumnKind::Decimal | ColumnKind::Timestamp => {
                vec![Eq, Ne, Gt, Ge, Lt, Le]
            }
            ColumnKind::Boolean => vec![Eq, Ne],
        }
    }
}

/// A column holding one attribute's value: an SQL expression (a column name, or for a parent
/// table any expression over its row) and its kind.
///
/// Because the expression is free, attributes kept in a JSON document map too: extension
/// attributes in a PostgreSQL `jsonb` column (or SQLite JSON text) as `ext->>'costCenter'`,
/// a JSON timestamp as `(ext->>'hired')::timestamptz`. Index such expressions as they are
/// written (and `lower(…)` of them for case-insensitive text).
///
/// ```
/// use scimkit_core::sql::{Column, ColumnKind};
/// let c = Column::text("user_name");
/// assert_eq!(c.kind, ColumnKind::Text { case_exact: false });
/// let cost_center = Column::text("ext->>'costCenter'");
/// assert_eq!(cost_center.expr, "ext->>'costCenter'");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The SQL expression. In a [`ChildTable`] it must be a bare column name (the translator
    /// qualifies it with the child's alias).
    pub expr: String,
    /// How values compare.
    pub kind: ColumnKind,
    /// The longest text (in UTF-8 bytes) the column, or an index on it, holds; `None`: no
    /// limit. [`Mapping::check_fits`] refuses longer values before a write.
    pub max_bytes: Option<usize>,
    /// A stored column holding this text column's comparison key (see [`Column::key`]),
    /// compared and sorted on instead of the expression the dialect would compute per row.
    pub key: Option<String>,
}

impl Column {
    /// A column of `kind`.
    pub fn new(expr: impl Into<String>, kind: ColumnKind) -> Self {
        Column {
            expr: expr.into(),
            kind,
            max_bytes: None,
            key: None,
        }
    }

    /// Names a stored (generated) column holding this text column's value exactly as the
    /// dialect compares it — for case-insensitive text `Dialect::exact(Dialect::fold(col))`,
    /// for case-exact text `Dialect::exact(col)`, in the order `Dialect::ordered_text` gives —
    /// so equality, `co`/`sw`/`ew`, `gt`…`le`, sorts and cursor pages compare that column
    /// bare, and an index on it serves them. For databases that cannot index the expression
    /// itself: in MariaDB before 11.8,
    /// `email_key VARBINARY(1536) AS (CAST(lower(email) AS BINARY)) STORED` with an index on
    /// `(tenant, email_key)`. The column must be `NULL` exactly when this one is; in a child
    /// table, a bare column name like [`Column::expr`]. Only text columns have keys
    /// ([`Mapping::verify`] refuses others).
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{Column, Mapping, MySql};
    /// use scimkit_filter::parse_filter;
    ///
    /// let mapping = Mapping::new("users", "id")
    ///     .column("userName", Column::text("users.email").key("users.email_key"));
    /// let filter = parse_filter(r#"userName eq "Bjensen""#)?;
    /// let (sql, _) = mapping.filter_sql(&ResourceType::user(), &filter, &MySql)?;
    /// assert_eq!(
    ///     sql,
    ///     "(users.email IS NOT NULL AND users.email_key = CAST(lower(?) AS BINARY))"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn key(mut self, column: impl Into<String>) -> Self {
        self.key = Some(column.into());
        self
    }

    /// Declares the longest text the column holds, in UTF-8 bytes: its type's length
    /// (`varchar(n)`, in bytes for MySQL's), or what an index on it accepts (a PostgreSQL
    /// B-tree entry is at most about 2 700 bytes).
    ///
    /// ```
    /// use scimkit_core::sql::Column;
    /// assert_eq!(Column::text("email").max_bytes(1024).max_bytes, Some(1024));
    /// ```
    #[must_use]
    pub fn max_bytes(mut self, n: usize) -> Self {
        self.max_bytes = Some(n);
        self
    }
    /// Case-insensitive text.
    pub fn text(expr: impl Into<String>) -> Self {
        Column::new(expr, ColumnKind::Text { case_exact: false })
    }
    /// Case-exact text (`id`, `externalId`, …).
    pub fn text_exact(expr: impl Into<String>) -> Self {
        Column::new(expr, ColumnKind::Text { case_exact: true })
    }
    /// An integer.
    pub fn integer(expr: impl Into<String>) -> Self {
        Column::new(expr, ColumnKind::Integer)
    }
    /// A decimal.
    pub fn decimal(expr: impl Into<String>) -> Self {
        Column::new(expr, ColumnKind::Decimal)
    }
    /// A boolean.
    pub fn boolean(expr: impl Into<String>) -> Self {
        Column::new(expr, ColumnKind::Boolean)
    }
    /// A timestamp.
    pub fn timestamp(expr: impl Into<String>) -> Self {
        Column::new(expr, ColumnKind::Timestamp)
    }
}

/// A multi-valued attribute stored one element per row of a child table.
///
/// ```
/// use scimkit_core::sql::{ChildTable, Column};
/// // emails → account_emails(account_id, email, kind, is_primary)
/// let emails = ChildTable::new("account_emails", "account_id")
///     .column("value", Column::text("email"))
///     .column("type", Column::text("kind"))
///     .column("primary", Column::boolean("is_primary"));
/// assert_eq!(emails.columns.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildTable {
    /// The child table.
    pub table: String,
    /// Its column referring to the parent row.
    pub foreign_key: String,
    /// The parent's column the foreign key refers to; `None` for the mapping's id column.
    pub parent_key: Option<String>,
    /// Sub-attribute name (case-insensitive) → column. A simple multi-valued attribute maps
    /// its values as the sub-attribute `value`.
    pub columns: Vec<(String, Column)>,
}

impl ChildTable {
    /// A child table whose `foreign_key` refers to the parent's id column.
    pub fn new(table: impl Into<String>, foreign_key: impl Into<String>) -> Self {
        ChildTable {
            table: table.into(),
            foreign_key: foreign_key.into(),
            parent_key: None,
            columns: Vec::new(),
        }
    }
    /// Refers to another parent column than the id.
    #[must_use]
    pub fn parent_key(mut self, column: impl Into<String>) -> Self {
        self.parent_key = Some(column.into());
        self
    }
    /// Maps a sub-attribute (`value`, `type`, `primary`, …) to a column of the child table.
    #[must_use]
    pub fn column(mut self, sub_attribute: impl Into<String>, column: Column) -> Self {
        self.columns.push((sub_attribute.into(), column));
        self
    }
    /// The column of a sub-attribute.
    pub fn sub(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|(sub, _)| sub.eq_ignore_ascii_case(name))
            .map(|(_, column)| column)
    }
}

/// What [`Mapping::push_down`] declares about attributes without a column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnmappedPolicy {
    /// Push down only the mapped tests; the engine evaluates the rest in memory on the
    /// rows SQL returns (the default). Value filters (`emails[…]`) are then evaluated by the
    /// engine too, because `FilterPushDown::Only` never passes them.
    #[default]
    Evaluate,
    /// Push down every filter; a filter naming an unmapped attribute is refused with
    /// `400 invalidFilter` naming it ([`crate::sql::SqlError::Unmapped`]). Value filters are
    /// translated.
    Reject,
}

/// Where a resource type's attributes live in SQL. Built by the host, once.
///
/// ```
/// use scimkit_core::sql::{ChildTable, Column, Mapping};
///
/// let users = Mapping::new("users", "id")
///     .column("id", Column::text_exact("id"))
///     .column("userName", Column::text("user_name"))
///     .column("name.givenName", Column::text("given_name"))
///     .column("meta.lastModified", Column::timestamp("updated_at"))
///     .column(
///         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
///         Column::text("employee_number"),
///     )
///     .child(
///         "emails",
///         ChildTable::new("user_emails", "user_id")
///             .column("value", Column::text("email"))
///             .column("type", Column::text("kind")),
///     );
/// assert_eq!(users.table(), "users");
/// // Check it against the schema once, at start-up:
/// users.verify(&scimkit_core::schema::ResourceType::user())?;
/// # Ok::<(), scimkit_core::sql::MappingError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    table: String,
    id_column: String,
    id_type: Option<String>,
    columns: Vec<(AttrPath, Column)>,
    children: Vec<(AttrPath, ChildTable)>,
    unmapped: UnmappedPolicy,
    /// Names given to `column`/`child` that are not attribute paths (reported by `verify`).
    unparsed: Vec<String>,
}

impl Mapping {
    /// A mapping for rows of `table` identified by `id_column`; the query selects that column.
    pub fn new(table: impl Into<String>, id_column: impl Into<String>) -> Self {
        Mapping {
            table: table.into(),
            id_column: id_column.into(),
            id_type: None,
            columns: Vec::new(),
            children: Vec::new(),
            unmapped: UnmappedPolicy::default(),
            unparsed: Vec::new(),
        }
    }

    /// Maps a single-valued attribute (`"userName"`, `"name.givenName"`, `"meta.created"`,
    /// URN-qualified extension attributes) to a column of the table. A path that does not
    /// parse maps nothing ([`Mapping::verify`] reports it).
    #[must_use]
    pub fn column(mut self, attribute: &str, column: Column) -> Self {
        match parse_attr(attribute) {
            Some(path) => self.columns.push((path, column)),
            None => self.unparsed.push(attribute.to_owned()),
        }
        self
    }

    /// Maps a multi-valued attribute (`"emails"`) to a child table.
    #[must_use]
    pub fn child(mut self, attribute: &str, child: ChildTable) -> Self {
        match parse_attr(attribute) {
            Some(path) => self.children.push((path, child)),
            None => self.unparsed.push(attribute.to_owned()),
        }
        self
    }

    /// Names given to [`Mapping::column`] or [`Mapping::child`] that are not attribute paths.
    pub fn unparsed(&self) -> &[String] {
        &self.unparsed
    }

    /// Sets what [`Mapping::push_down`] declares for unmapped attributes.
    #[must_use]
    pub fn unmapped(mut self, policy: UnmappedPolicy) -> Self {
        self.unmapped = policy;
        self
    }

    /// The table.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The id column.
    pub fn id_column(&self) -> &str {
        &self.id_column
    }

    /// Declares the SQL type of the id column when it is not text (`uuid`, `bigint`): a cursor
    /// page compares the column with the position's id bound as text and cast to this type
    /// (`id > CAST($3 AS uuid)`), which keeps the comparison on the column's own order and
    /// index.
    ///
    /// ```
    /// use scimkit_core::sql::Mapping;
    /// let accounts = Mapping::new("accounts", "id").id_type("uuid");
    /// assert_eq!(accounts.id_type_name(), Some("uuid"));
    /// ```
    #[must_use]
    pub fn id_type(mut self, sql_type: impl Into<String>) -> Self {
        self.id_type = Some(sql_type.into());
        self
    }

    /// The SQL type given with [`Mapping::id_type`], `None` for a text id.
    pub fn id_type_name(&self) -> Option<&str> {
        self.id_type.as_deref()
    }

    /// The single-valued attribute mappings, in declaration order.
    pub fn columns(&self) -> &[(AttrPath, Column)] {
        &self.columns
    }

    /// The child-table mappings, in declaration order.
    pub fn children(&self) -> &[(AttrPath, ChildTable)] {
        &self.children
    }

    /// The policy for unmapped attributes.
    pub fn unmapped_policy(&self) -> UnmappedPolicy {
        self.unmapped
    }

    /// The column of a single-valued attribute path (compared by schema, so `userName` and its
    /// URN-qualified form are one).
    pub fn column_of(&self, rt: &ResourceType, path: &AttrPath) -> Option<&Column> {
        self.columns
            .iter()
            .find(|(mapped, _)| same_attribute(rt, mapped, path))
            .map(|(_, column)| column)
    }

    /// The child table of a multi-valued attribute (`path` without sub-attribute).
    pub fn child_of(&self, rt: &ResourceType, path: &AttrPath) -> Option<&ChildTable> {
        let whole = AttrPath {
            urn: path.urn.clone(),
            name: path.name.clone(),
            sub_attr: None,
        };
        self.children
            .iter()
            .find(|(mapped, _)| same_attribute(rt, mapped, &whole))
            .map(|(_, child)| child)
    }

    /// Whether [`Mapping::translate`](crate::sql::Mapping::translate) can sort by `path`:
    /// it has a single-valued column.
    pub fn sorts_by(&self, rt: &ResourceType, path: &AttrPath) -> bool {
        self.column_of(rt, path).is_some()
    }

    /// What a store built on this mapping declares: the mapped attributes with the operators
    /// of their kinds (or every filter under [`UnmappedPolicy::Reject`]), sorting and paging.
    ///
    /// Sorting is declared because the engine cannot ask per attribute: a store checks
    /// [`Mapping::sorts_by`] and sorts in memory by [`crate::SortSpec`] otherwise.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{Column, Mapping};
    /// use scimkit_filter::parse_filter;
    ///
    /// let users = ResourceType::user();
    /// let mapping = Mapping::new("users", "id").column("userName", Column::text("user_name"));
    /// let filter = parse_filter(r#"userName sw "b" and nickName eq "Babs""#)?;
    /// let plan = mapping.push_down().plan(&users, Some(&filter), false);
    /// assert_eq!(plan.store_filter.unwrap().to_string(), r#"userName sw "b""#);
    /// assert_eq!(plan.residual.unwrap().to_string(), r#"nickName eq "Babs""#);
    /// # Ok::<(), scimkit_filter::ParseError>(())
    /// ```
    pub fn push_down(&self) -> PushDown {
        let filter = match self.unmapped {
            UnmappedPolicy::Reject => FilterPushDown::Everything,
            UnmappedPolicy::Evaluate => FilterPushDown::Only(self.rules()),
        };
        PushDown {
            filter,
            sort: true,
            paging: true,
        }
    }

    /// One [`FilterRule`] per mapped attribute (and per child column; the child attribute
    /// itself when it maps `value`).
    fn rules(&self) -> Vec<FilterRule> {
        let mut rules = Vec::new();
        for (path, column) in &self.columns {
            rules.push(rule(path.clone(), column.kind));
        }
        for (path, child) in &self.children {
            for (sub, column) in &child.columns {
                let mut sub_path = path.clone();
                sub_path.sub_attr = Some(sub.clone());
                rules.push(rule(sub_path, column.kind));
            }
            if let Some(value) = child.sub("value") {
                rules.push(rule(path.clone(), value.kind));
            }
        }
        rules
    }
}

fn rule(attribute: AttrPath, kind: ColumnKind) -> FilterRule {
    FilterRule {
        attribute,
        operators: kind.operators(),
        present: true,
    }
}

fn parse_attr(text: &str) -> Option<AttrPath> {
    match scimkit_filter::parse_path(text).ok()? {
        scimkit_filter::PatchPath::Attr(path) => Some(path),
        scimkit_filter::PatchPath::Filtered { .. } => None,
    }
}
