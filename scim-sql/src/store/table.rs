//! [`Table`], [`Child`] and [`Members`]: where a resource type lives in the host's own tables,
//! declared once, and the translator's [`Mapping`] that follows from it.

use std::fmt::Write as _;

use scimkit_core::sql::{ChildTable, Column, Mapping, UnmappedPolicy};

use crate::backend::Backend;
use crate::store::secret::Secret;

/// The rows of one resource type: a table with a column per mapped attribute, child tables
/// for multi-valued attributes, a membership table for a group's members, and optionally a
/// JSON text column for every attribute without a column of its own.
///
/// Column names are plain identifiers of the host's schema, written into SQL as given: they
/// come from code, never from a request.
///
/// ```
/// use scimkit_core::sql::Column;
/// use scimkit_sql::store::{Child, Members, Table};
///
/// let users = Table::new("accounts")
///     .tenant("tenant")
///     .column("userName", Column::text("email").max_bytes(1024))
///     .column("name.givenName", Column::text("given_name"))
///     .column("active", Column::boolean("is_active"))
///     .child(
///         "emails",
///         Child::new("account_emails", "account_id")
///             .position("position")
///             .column("value", Column::text("email"))
///             .column("type", Column::text("kind")),
///     )
///     .extra("scim_extra");
/// let teams = Table::new("teams")
///     .tenant("tenant")
///     .column("displayName", Column::text("display_name"))
///     .members(Members::new("team_memberships", "team_id", "account_id"));
/// assert_eq!(users.name(), "accounts");
/// # let _ = teams;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) uuid_ids: bool,
    pub(crate) tenant: Option<String>,
    pub(crate) version: String,
    pub(crate) created: String,
    pub(crate) modified: String,
    pub(crate) columns: Vec<(String, Column)>,
    pub(crate) secrets: Vec<(String, Secret)>,
    pub(crate) children: Vec<(String, Child)>,
    pub(crate) members: Option<Members>,
    pub(crate) extra: Option<String>,
    pub(crate) extra_type: Option<String>,
}

impl Table {
    /// Rows of `table`, with the default column names for what every resource has: `id`
    /// (text, the resource id), `version` (an integer, the ETag), `created_at` and
    /// `updated_at` (timestamps, `meta.created` and `meta.lastModified`).
    pub fn new(table: impl Into<String>) -> Self {
        Table {
            name: table.into(),
            id: "id".to_owned(),
            uuid_ids: false,
            tenant: None,
            version: "version".to_owned(),
            created: "created_at".to_owned(),
            modified: "updated_at".to_owned(),
            columns: Vec::new(),
            secrets: Vec::new(),
            children: Vec::new(),
            members: None,
            extra: None,
            extra_type: None,
        }
    }

    /// The id column (default `id`). Ids are random UUIDs the store assigns, kept as text.
    #[must_use]
    pub fn id(mut self, column: impl Into<String>) -> Self {
        self.id = column.into();
        self
    }

    /// The id column is PostgreSQL's `uuid` type (elsewhere ids are text in any case).
    #[must_use]
    pub fn uuid_ids(mut self) -> Self {
        self.uuid_ids = true;
        self
    }

    /// The column holding the tenant id: every statement is restricted to the request's
    /// tenant. Without one the table holds a single tenant's rows, and every tenant sees them.
    #[must_use]
    pub fn tenant(mut self, column: impl Into<String>) -> Self {
        self.tenant = Some(column.into());
        self
    }

    /// The integer column counting writes (default `version`): the ETag.
    #[must_use]
    pub fn version(mut self, column: impl Into<String>) -> Self {
        self.version = column.into();
        self
    }

    /// The timestamp columns of `meta.created` and `meta.lastModified` (default `created_at`
    /// and `updated_at`).
    #[must_use]
    pub fn timestamps(mut self, created: impl Into<String>, modified: impl Into<String>) -> Self {
        self.created = created.into();
        self.modified = modified.into();
        self
    }

    /// Maps a single-valued attribute (`userName`, `name.givenName`, `externalId`, an
    /// extension attribute by its URN path) to a column of the table. The column's `expr` is
    /// the plain column name.
    #[must_use]
    pub fn column(mut self, attribute: impl Into<String>, column: Column) -> Self {
        self.columns.push((attribute.into(), column));
        self
    }

    /// Keeps a write-only attribute (`returned: never`, such as `password`) as a hash of its
    /// value in a column of the table (see [`Secret`]). Without one, such attributes are not
    /// kept, and the service does not advertise them.
    #[must_use]
    pub fn secret(mut self, attribute: impl Into<String>, secret: Secret) -> Self {
        self.secrets.push((attribute.into(), secret));
        self
    }

    /// Maps a multi-valued attribute (`emails`, `phoneNumbers`…) to rows of a child table.
    #[must_use]
    pub fn child(mut self, attribute: impl Into<String>, child: Child) -> Self {
        self.children.push((attribute.into(), child));
        self
    }

    /// Keeps a group's `members` as rows of a membership table. Members are resources of the
    /// store's User table.
    #[must_use]
    pub fn members(mut self, members: Members) -> Self {
        self.members = Some(members);
        self
    }

    /// A text column (PostgreSQL `text` or `jsonb`, MySQL `JSON` or `LONGTEXT`, SQLite
    /// `TEXT`) holding, as a JSON object, every attribute the other columns do not map, so
    /// nothing an identity provider sends is lost. Without it, only mapped attributes are kept
    /// and the service advertises only those.
    #[must_use]
    pub fn extra(mut self, column: impl Into<String>) -> Self {
        self.extra = Some(column.into());
        self
    }

    /// [`Table::extra`] for a PostgreSQL column of another type than `text` (`jsonb`, `json`):
    /// values are written as `CAST(… AS sql_type)`.
    #[must_use]
    pub fn extra_typed(mut self, column: impl Into<String>, sql_type: impl Into<String>) -> Self {
        self.extra = Some(column.into());
        self.extra_type = Some(sql_type.into());
        self
    }

    /// The placeholder of the extra column's value.
    pub(crate) fn extra_param(&self, backend: Backend) -> String {
        match (&self.extra_type, backend) {
            (Some(sql_type), Backend::Postgres) => format!("CAST(? AS {sql_type})"),
            _ => "?".to_owned(),
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `table.column`.
    pub(crate) fn qualified(&self, column: &str) -> String {
        format!("{}.{column}", self.name)
    }

    /// The id column as text, for reading and comparing.
    pub(crate) fn id_text(&self, backend: Backend) -> String {
        if self.uuid_ids && backend == Backend::Postgres {
            format!("CAST({} AS text)", self.qualified(&self.id))
        } else {
            self.qualified(&self.id)
        }
    }

    /// A placeholder bound to an id, as the id column takes it.
    pub(crate) fn id_param(&self, backend: Backend, placeholder: &str) -> String {
        if self.uuid_ids && backend == Backend::Postgres {
            format!("CAST({placeholder} AS uuid)")
        } else {
            placeholder.to_owned()
        }
    }

    /// A column holding ids (this table's or another's referring to them), read as text.
    pub(crate) fn text_of_id_column(&self, backend: Backend, expr: &str) -> String {
        if self.uuid_ids && backend == Backend::Postgres {
            format!("CAST({expr} AS text)")
        } else {
            expr.to_owned()
        }
    }

    /// Whether `id` can be an id of this table: anything for text ids, a UUID's text for
    /// PostgreSQL `uuid` ids (anything else names no row, and must not reach a cast).
    pub(crate) fn accepts_id(&self, backend: Backend, id: &str) -> bool {
        !(self.uuid_ids && backend == Backend::Postgres) || is_uuid(id)
    }

    /// The condition selecting row `id` of `tenant` (`?` placeholders) and its parameters.
    pub(crate) fn row_condition(
        &self,
        backend: Backend,
        tenant: &str,
        id: &str,
    ) -> (String, Vec<crate::Datum>) {
        let mut condition = format!(
            "{} = {}",
            self.qualified(&self.id),
            self.id_param(backend, "?")
        );
        let mut params = vec![crate::Datum::text(id)];
        if let Some(column) = &self.tenant {
            let _ = write!(condition, " AND {} = ?", self.qualified(column));
            params.push(crate::Datum::text(tenant));
        }
        (condition, params)
    }

    /// The translator's mapping: every column qualified with the table, the id as text, the
    /// timestamps as `meta.created` / `meta.lastModified`; filters on unmapped attributes are
    /// evaluated by the engine.
    pub(crate) fn mapping(&self, backend: Backend) -> Mapping {
        let mut mapping = Mapping::new(self.name.clone(), self.id.clone())
            .unmapped(UnmappedPolicy::Evaluate)
            .column("id", Column::text_exact(self.id_text(backend)))
            .column(
                "meta.created",
                Column::timestamp(self.qualified(&self.created)),
            )
            .column(
                "meta.lastModified",
                Column::timestamp(self.qualified(&self.modified)),
            );
        if self.uuid_ids && backend == Backend::Postgres {
            mapping = mapping.id_type("uuid");
        }
        for (attribute, column) in &self.columns {
            let mut qualified = column.clone();
            qualified.expr = self.qualified(&column.expr);
            qualified.key = column.key.as_deref().map(|key| self.qualified(key));
            mapping = mapping.column(attribute, qualified);
        }
        for (attribute, child) in &self.children {
            let mut table = ChildTable::new(child.table.clone(), child.parent.clone());
            for (sub, column) in &child.columns {
                table = table.column(sub.clone(), column.clone());
            }
            mapping = mapping.child(attribute, table);
        }
        mapping
    }
}

/// A multi-valued attribute kept one element per row of a child table whose `parent` column
/// holds the resource's id (a text column, or `uuid` like the parent's id).
///
/// Sub-attributes without a column are not kept (the service does not advertise them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub(crate) table: String,
    pub(crate) parent: String,
    pub(crate) position: Option<String>,
    pub(crate) columns: Vec<(String, Column)>,
}

impl Child {
    /// Rows of `table` referring to their resource by `parent`.
    pub fn new(table: impl Into<String>, parent: impl Into<String>) -> Self {
        Child {
            table: table.into(),
            parent: parent.into(),
            position: None,
            columns: Vec::new(),
        }
    }

    /// An integer column keeping the elements' order (without one, the order is the
    /// database's).
    #[must_use]
    pub fn position(mut self, column: impl Into<String>) -> Self {
        self.position = Some(column.into());
        self
    }

    /// Maps a sub-attribute (`value`, `type`, `primary`…) to a column. A multi-valued
    /// attribute of simple values maps its values as `value`.
    #[must_use]
    pub fn column(mut self, sub_attribute: impl Into<String>, column: Column) -> Self {
        self.columns.push((sub_attribute.into(), column));
        self
    }
}

/// A group's members as rows of a membership table `(group, member)`, which must have a
/// unique key over both columns (a member is added once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members {
    pub(crate) table: String,
    pub(crate) group: String,
    pub(crate) member: String,
}

impl Members {
    /// Rows of `table`, `group` holding the group's id and `member` the User's.
    pub fn new(
        table: impl Into<String>,
        group: impl Into<String>,
        member: impl Into<String>,
    ) -> Self {
        Members {
            table: table.into(),
            group: group.into(),
            member: member.into(),
        }
    }
}

/// Whether `text` is a UUID in its hyphenated text form (any case).
pub(crate) fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}
