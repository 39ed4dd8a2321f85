//! [`Dialect`]: the few places where SQL databases disagree, and the [`Postgres`], [`Sqlite`]
//! and [`MySql`] implementations.
//!
//! The translator only ever asks a dialect for small pieces of text around expressions it
//! built itself; a dialect never sees request text except as a bound value. What differs:
//! - placeholders: `$n` in PostgreSQL, `?` in SQLite and MySQL/MariaDB;
//! - text compared by code point: PostgreSQL and SQLite compare equal text by its bytes
//!   already and order it by code point with `COLLATE "C"` (SQLite's default `BINARY`);
//!   MySQL/MariaDB's collations ignore case and accents and pad trailing spaces, so every
//!   comparison there goes through `CAST(… AS BINARY)` ([`Dialect::exact`],
//!   [`Dialect::ordered_text`]);
//! - case-exact patterns: SQLite's `LIKE` ignores ASCII case, so they are `GLOB` there;
//! - where `NULL` sorts: PostgreSQL and SQLite say `NULLS LAST`/`NULLS FIRST`, MySQL/MariaDB
//!   sort by `(expr IS NULL)` first;
//! - timestamps at milliseconds: PostgreSQL truncates `timestamptz`, SQLite compares through
//!   `julianday`, MySQL/MariaDB columns are `DATETIME(3)` and need nothing;
//! - a float bound against an integer column, boolean literals, and `OFFSET` without `LIMIT`.

/// The escape character of every `LIKE` pattern the translator builds (`ESCAPE '!'`): not a
/// backslash, whose meaning inside string literals differs between databases.
pub const LIKE_ESCAPE: char = '!';

/// Where a `co`/`sw`/`ew` pattern is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// `co`: anywhere.
    Contains,
    /// `sw`: at the start.
    StartsWith,
    /// `ew`: at the end.
    EndsWith,
}

/// How one SQL database spells what the translator needs. Object-safe, so a store can hold a
/// `Box<dyn Dialect>` chosen at run time.
pub trait Dialect: Send + Sync {
    /// The placeholder of the `n`-th bind parameter, counting from 1 (`$1`, or `?`).
    fn placeholder(&self, n: usize) -> String;

    /// The expression folded for a case-insensitive comparison. The translator folds both
    /// sides the same way (`lower(col) = lower($1)`), so a host creates its indexes on
    /// `lower(col)`.
    fn fold(&self, expr: &str) -> String {
        format!("lower({expr})")
    }

    /// A text expression (a column or a parameter, folded or not) as compared for equality,
    /// matched by a pattern, tested for `<> ''`, and on the right of an ordering comparison
    /// whose left is [`Dialect::ordered_text`]: by its code points, like the in-memory
    /// evaluator, whatever the column's collation (no accent or case folding beyond the
    /// translator's own [`Dialect::fold`], no padding of trailing spaces). The identity where
    /// equal text is equal code points already (PostgreSQL's deterministic collations,
    /// SQLite).
    fn exact(&self, expr: &str) -> String {
        expr.to_owned()
    }

    /// A text expression as used by `gt`/`ge`/`lt`/`le` and sorting, which must order by
    /// code point like the in-memory evaluator (not by a locale's collation).
    fn ordered_text(&self, expr: &str) -> String {
        expr.to_owned()
    }

    /// A timestamp parameter as compared and sorted.
    fn timestamp(&self, expr: &str) -> String {
        expr.to_owned()
    }

    /// A timestamp column as compared and sorted: at the precision SCIM shows (milliseconds),
    /// so a value a client read back compares equal to the row it came from, and a cursor
    /// position sealed from a resource's rendered value lands exactly on its row.
    fn timestamp_column(&self, expr: &str) -> String {
        self.timestamp(expr)
    }

    /// A placeholder bound to a [`crate::sql::SqlValue::Real`] where the other side is an
    /// integer column, typed in the text so one statement text always binds one type.
    fn real(&self, placeholder: &str) -> String {
        format!("CAST({placeholder} AS DOUBLE PRECISION)")
    }

    /// The pattern to bind for `value` (escaped for [`Dialect::pattern_match`]).
    fn pattern(&self, kind: PatternKind, value: &str, case_exact: bool) -> String {
        let _ = case_exact;
        like_pattern(kind, value)
    }

    /// `expr` matches the bound pattern `param`; `expr` and `param` are already folded
    /// when the comparison is case-insensitive.
    fn pattern_match(&self, expr: &str, param: &str, case_exact: bool) -> String {
        let _ = case_exact;
        format!("{expr} LIKE {param} ESCAPE '{LIKE_ESCAPE}'")
    }

    /// The boolean literal (`TRUE`, or `1`).
    fn boolean(&self, value: bool) -> &'static str {
        if value {
            "TRUE"
        } else {
            "FALSE"
        }
    }

    /// One `ORDER BY` item: missing values (SQL `NULL`) last ascending, first descending.
    fn order_by(&self, expr: &str, descending: bool) -> String {
        if descending {
            format!("{expr} DESC NULLS FIRST")
        } else {
            format!("{expr} ASC NULLS LAST")
        }
    }

    /// The `LIMIT … OFFSET …` clause (empty when both are `None`). The numbers come from the
    /// engine's checked pagination, never from request text.
    fn limit_offset(&self, limit: Option<u64>, offset: Option<u64>) -> String {
        match (limit, offset) {
            (None, None) => String::new(),
            (Some(limit), None) => format!("LIMIT {limit}"),
            (None, Some(offset)) => format!("OFFSET {offset}"),
            (Some(limit), Some(offset)) => format!("LIMIT {limit} OFFSET {offset}"),
        }
    }
}

/// PostgreSQL: `$n` placeholders, `COLLATE "C"` for ordering text by code point, timestamp
/// columns truncated to milliseconds (`timestamptz` keeps microseconds; SCIM shows
/// milliseconds): index them as `date_trunc('milliseconds', col)` to sort on an index.
///
/// ```
/// use scimkit_core::sql::{Dialect, Postgres};
/// assert_eq!(Postgres.placeholder(2), "$2");
/// assert_eq!(Postgres.order_by("title", false), "title ASC NULLS LAST");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Postgres;

impl Dialect for Postgres {
    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    fn ordered_text(&self, expr: &str) -> String {
        format!("({expr} COLLATE \"C\")")
    }

    fn timestamp_column(&self, expr: &str) -> String {
        format!("date_trunc('milliseconds', {expr})")
    }
}

/// SQLite: `?` placeholders; `LIKE` is ASCII-case-insensitive there, so case-exact `co`/`sw`/`ew`
/// use `GLOB`; timestamps compare through `julianday` (millisecond precision), so they may be
/// stored as any text SQLite's date functions read.
///
/// ```
/// use scimkit_core::sql::{Dialect, Sqlite};
/// assert_eq!(Sqlite.placeholder(2), "?");
/// assert_eq!(Sqlite.boolean(true), "1");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn placeholder(&self, _n: usize) -> String {
        "?".to_owned()
    }

    fn timestamp(&self, expr: &str) -> String {
        format!("julianday({expr})")
    }

    fn real(&self, placeholder: &str) -> String {
        placeholder.to_owned()
    }

    fn pattern(&self, kind: PatternKind, value: &str, case_exact: bool) -> String {
        if case_exact {
            glob_pattern(kind, value)
        } else {
            like_pattern(kind, value)
        }
    }

    fn pattern_match(&self, expr: &str, param: &str, case_exact: bool) -> String {
        if case_exact {
            format!("{expr} GLOB {param}")
        } else {
            format!("{expr} LIKE {param} ESCAPE '{LIKE_ESCAPE}'")
        }
    }

    fn boolean(&self, value: bool) -> &'static str {
        if value {
            "1"
        } else {
            "0"
        }
    }
}

/// MySQL 8 and MariaDB ≥ 10.6: `?` placeholders, text compared as its UTF-8 bytes, `NULL`
/// placed by `(expr IS NULL)`, no bare `OFFSET`.
///
/// The collations of MySQL and MariaDB fold case and accents (`'é' = 'e'` under
/// `utf8mb4_general_ci` and `utf8mb4_0900_ai_ci`), and the `PAD SPACE` ones, `utf8mb4_bin`
/// included, ignore trailing spaces (`'a' = 'a '`, `' ' <> ''` is false, `'a\t' < 'a'`).
/// The evaluator does neither, so every text comparison goes through `CAST(… AS BINARY)`:
/// UTF-8 bytes compare as code points do, without padding, whatever the column's collation.
/// The translated conditions are
/// - case-insensitive: `CAST(lower(col) AS BINARY) = CAST(lower(?) AS BINARY)` (the same
///   for `LIKE … ESCAPE '!'`, `>`, `<` and sorting);
/// - case-exact: `CAST(col AS BINARY) = CAST(? AS BINARY)`;
/// - present: `(col IS NOT NULL AND CAST(col AS BINARY) <> '')`.
///
/// What a host does:
/// - text columns in `CHARACTER SET utf8mb4` (any collation; the connection too, as sqlx
///   sets it), so a column's bytes and a parameter's agree;
/// - `dateTime` attributes in `DATETIME(3)` or `TIMESTAMP(3)` columns holding UTC (sqlx's
///   driver sets the session's `time_zone` to `+00:00`): they keep milliseconds, the precision
///   SCIM shows, so they compare and sort as they are and a plain index serves them. Write
///   values already truncated to milliseconds (`DateTime::trunc_subsecs(3)`): MySQL rounds
///   extra digits where MariaDB truncates them;
/// - JSON attributes as `JSON_VALUE(doc, '$.costCenter')` (MariaDB has no `->>`);
/// - indexes on the expressions as translated, for the text it filters or sorts on. MySQL
///   (8.0.13 on): a functional index, `INDEX ((CAST(lower(user_name) AS BINARY)))`, used for
///   `=`, `<` and `>` (not `LIKE`), on a `VARCHAR` column (the cast of a `TEXT` one is a
///   `BLOB`, which MySQL does not index). MariaDB, which cannot index an expression before
///   11.8: a stored generated column holding it,
///   `user_name_key VARBINARY(1536) AS (CAST(lower(user_name) AS BINARY)) STORED` with an
///   index on `(tenant, user_name_key, id)`, declared as the column's key
///   (`Column::text("user_name").key("user_name_key")`), which the translator then compares
///   and sorts bare — lookups, patterns, sorts and cursor pages read through the index;
/// - ids compare in their column's collation (the sort's tie-break, a cursor's `id > ?`):
///   lower-case UUIDs, as the bundled stores issue, order by their bytes in the usual ones.
///
/// Sorting by `(expr IS NULL), expr` is a sort of the matching rows (bounded by the page's
/// `LIMIT`), not an index scan; cursor pages still find their start through the index.
///
/// ```
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::sql::{Column, Dialect, Mapping, MySql};
/// use scimkit_filter::parse_filter;
///
/// assert_eq!(MySql.placeholder(2), "?");
/// assert_eq!(MySql.exact("external_id"), "CAST(external_id AS BINARY)");
/// assert_eq!(MySql.order_by("title", false), "(title IS NULL), title ASC");
/// assert_eq!(MySql.order_by("title", true), "(title IS NULL) DESC, title DESC");
/// assert_eq!(MySql.limit_offset(None, Some(20)), "LIMIT 18446744073709551615 OFFSET 20");
///
/// let mapping = Mapping::new("users", "id").column("userName", Column::text("user_name"));
/// let filter = parse_filter(r#"userName eq "bjensen""#)?;
/// let (sql, _) = mapping.filter_sql(&ResourceType::user(), &filter, &MySql)?;
/// assert_eq!(
///     sql,
///     "(user_name IS NOT NULL AND CAST(lower(user_name) AS BINARY) = CAST(lower(?) AS BINARY))"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MySql;

impl Dialect for MySql {
    fn placeholder(&self, _n: usize) -> String {
        "?".to_owned()
    }

    fn exact(&self, expr: &str) -> String {
        format!("CAST({expr} AS BINARY)")
    }

    fn ordered_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS BINARY)")
    }

    fn real(&self, placeholder: &str) -> String {
        format!("CAST({placeholder} AS DOUBLE)")
    }

    fn order_by(&self, expr: &str, descending: bool) -> String {
        // `NULL` sorts first ascending and last descending in MySQL: the evaluator wants
        // the opposite, and there is no `NULLS LAST`.
        if descending {
            format!("({expr} IS NULL) DESC, {expr} DESC")
        } else {
            format!("({expr} IS NULL), {expr} ASC")
        }
    }

    fn limit_offset(&self, limit: Option<u64>, offset: Option<u64>) -> String {
        match (limit, offset) {
            (None, None) => String::new(),
            (Some(limit), None) => format!("LIMIT {limit}"),
            // MySQL has no `OFFSET` without `LIMIT`; its manual's spelling of "no limit".
            (None, Some(offset)) => format!("LIMIT {} OFFSET {offset}", u64::MAX),
            (Some(limit), Some(offset)) => format!("LIMIT {limit} OFFSET {offset}"),
        }
    }
}

/// A `LIKE` pattern matching `value` literally (`%`, `_` and [`LIKE_ESCAPE`] escaped).
///
/// ```
/// use scimkit_core::sql::{like_pattern, PatternKind};
/// assert_eq!(like_pattern(PatternKind::Contains, "50%_off!"), "%50!%!_off!!%");
/// assert_eq!(like_pattern(PatternKind::StartsWith, "a"), "a%");
/// ```
pub fn like_pattern(kind: PatternKind, value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    if kind != PatternKind::StartsWith {
        out.push('%');
    }
    for c in value.chars() {
        if matches!(c, '%' | '_') || c == LIKE_ESCAPE {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    if kind != PatternKind::EndsWith {
        out.push('%');
    }
    out
}

/// A SQLite `GLOB` pattern matching `value` literally (`*`, `?` and `[` in brackets).
fn glob_pattern(kind: PatternKind, value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    if kind != PatternKind::StartsWith {
        out.push('*');
    }
    for c in value.chars() {
        match c {
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    if kind != PatternKind::EndsWith {
        out.push('*');
    }
    out
}
