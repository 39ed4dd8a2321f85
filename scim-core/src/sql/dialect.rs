//! [`Dialect`]: the few places where SQL databases disagree, and the [`Postgres`] and
//! [`Sqlite`] implementations.
//!
//! The translator only ever asks a dialect for small pieces of text around expressions it
//! built itself; a dialect never sees request text except as a bound value. A MySQL/MariaDB
//! dialect would answer `?` placeholders, keep the default `lower()` folding, and spell
//! [`Dialect::order_by`] as `(x IS NULL), x` because it has no `NULLS LAST`.

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
