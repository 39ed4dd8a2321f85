//! [`Datum`]: one typed value crossing the driver boundary, bound as a parameter or read from a
//! column, possibly `NULL`, the same for every database.

use chrono::{DateTime, Utc};
use scimkit_core::sql::{ColumnKind, SqlValue};

/// The type of a [`Datum`]: what a parameter binds as, and what a column is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatumKind {
    /// Text (`text`, `varchar`, …).
    Text,
    /// A signed integer (`bigint`, `integer`, `smallint`; read as `i64`).
    Integer,
    /// A floating-point number (`double precision`, `real`; read as `f64`).
    Real,
    /// A boolean (`boolean`; MySQL's `tinyint(1)`; SQLite's 0/1).
    Bool,
    /// An instant in UTC (`timestamptz` or `timestamp` in UTC; MySQL `DATETIME(3)`/
    /// `TIMESTAMP(3)`; SQLite text its date functions read).
    Timestamp,
}

impl From<ColumnKind> for DatumKind {
    fn from(kind: ColumnKind) -> Self {
        match kind {
            ColumnKind::Text { .. } => DatumKind::Text,
            ColumnKind::Integer => DatumKind::Integer,
            ColumnKind::Decimal => DatumKind::Real,
            ColumnKind::Boolean => DatumKind::Bool,
            ColumnKind::Timestamp => DatumKind::Timestamp,
        }
    }
}

/// One value of a [`DatumKind`], or that kind's `NULL`. A `NULL` keeps its kind because
/// PostgreSQL types every parameter: a text `NULL` is refused by a `timestamptz` column.
///
/// ```
/// use scimkit_core::sql::SqlValue;
/// use scimkit_sql::{Datum, DatumKind};
///
/// assert_eq!(Datum::from(SqlValue::Integer(7)), Datum::Integer(Some(7)));
/// assert_eq!(Datum::null(DatumKind::Text), Datum::Text(None));
/// assert_eq!(Datum::text("acme").as_text(), Some("acme"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    /// Text.
    Text(Option<String>),
    /// An integer.
    Integer(Option<i64>),
    /// A floating-point number.
    Real(Option<f64>),
    /// A boolean.
    Bool(Option<bool>),
    /// An instant.
    Timestamp(Option<DateTime<Utc>>),
}

impl Datum {
    /// The `NULL` of `kind`.
    pub fn null(kind: DatumKind) -> Self {
        match kind {
            DatumKind::Text => Datum::Text(None),
            DatumKind::Integer => Datum::Integer(None),
            DatumKind::Real => Datum::Real(None),
            DatumKind::Bool => Datum::Bool(None),
            DatumKind::Timestamp => Datum::Timestamp(None),
        }
    }

    /// Non-null text.
    pub fn text(value: impl Into<String>) -> Self {
        Datum::Text(Some(value.into()))
    }

    /// Its kind.
    pub fn kind(&self) -> DatumKind {
        match self {
            Datum::Text(_) => DatumKind::Text,
            Datum::Integer(_) => DatumKind::Integer,
            Datum::Real(_) => DatumKind::Real,
            Datum::Bool(_) => DatumKind::Bool,
            Datum::Timestamp(_) => DatumKind::Timestamp,
        }
    }

    /// Whether it is `NULL`.
    pub fn is_null(&self) -> bool {
        match self {
            Datum::Text(v) => v.is_none(),
            Datum::Integer(v) => v.is_none(),
            Datum::Real(v) => v.is_none(),
            Datum::Bool(v) => v.is_none(),
            Datum::Timestamp(v) => v.is_none(),
        }
    }

    /// The text, when it is non-null text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Datum::Text(Some(text)) => Some(text),
            _ => None,
        }
    }

    /// The text, when it is non-null text, taken.
    pub fn into_text(self) -> Option<String> {
        match self {
            Datum::Text(text) => text,
            _ => None,
        }
    }

    /// The instant, when it is a non-null timestamp.
    pub fn as_timestamp(&self) -> Option<DateTime<Utc>> {
        match self {
            Datum::Timestamp(at) => *at,
            _ => None,
        }
    }

    /// The integer, when it is a non-null integer.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Datum::Integer(n) => *n,
            _ => None,
        }
    }
}

impl From<SqlValue> for Datum {
    fn from(value: SqlValue) -> Self {
        match value {
            SqlValue::Text(text) => Datum::Text(Some(text)),
            SqlValue::Integer(n) => Datum::Integer(Some(n)),
            SqlValue::Real(x) => Datum::Real(Some(x)),
            SqlValue::Bool(b) => Datum::Bool(Some(b)),
            SqlValue::Timestamp(at) => Datum::Timestamp(Some(at)),
        }
    }
}
