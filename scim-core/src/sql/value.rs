//! [`SqlValue`]: the typed values a translated query binds, in placeholder order.

use chrono::{DateTime, Utc};

/// One bind parameter of a translated query.
///
/// The type of every parameter follows from the statement's text, so a driver that caches
/// prepared statements by their text (sqlx does) never sees one text bound with two types.
///
/// There is no `Null`: a filter's `eq null` becomes `IS NULL`, never a bound null, so every
/// parameter has a type a driver can bind without guessing.
///
/// ```
/// use scimkit_core::sql::SqlValue;
/// let v = SqlValue::Text("bjensen".into());
/// assert_eq!(v.as_text(), Some("bjensen"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// A string (also a `LIKE`/`GLOB` pattern, already escaped).
    Text(String),
    /// A JSON number written as an integer that fits an `i64`, compared with an integer column.
    Integer(i64),
    /// Any other JSON number (compared as a float, like the in-memory evaluator does).
    Real(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A `dateTime` comparison value, parsed to an instant.
    Timestamp(DateTime<Utc>),
}

impl SqlValue {
    /// The text of a [`SqlValue::Text`].
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SqlValue::Text(text) => Some(text),
            _ => None,
        }
    }
}
