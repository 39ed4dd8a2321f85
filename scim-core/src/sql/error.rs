//! [`SqlError`]: why a filter or sort cannot be translated to SQL, and its SCIM error.

use crate::error::ScimError;

/// Why [`crate::sql::Mapping::translate`] refused a query. Every variant names the attribute
/// the client wrote, so the `400` tells the client what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The filter names an attribute the mapping has no column for.
    #[error("the filter names \"{0}\", which this server cannot filter on")]
    Unmapped(String),
    /// The operator does not apply to the attribute's type (`gt` on a boolean, `co` on a number).
    #[error("\"{attribute}\" is a {kind} attribute: the operator {op} does not apply to it")]
    Operator {
        /// The attribute as the client wrote it.
        attribute: String,
        /// The operator (`co`, `gt`, …).
        op: String,
        /// The column's kind (`boolean`, `integer`, …).
        kind: &'static str,
    },
    /// The comparison value does not fit the attribute (a number for a string, a bad dateTime).
    #[error("\"{attribute}\" is a {kind} attribute: compare it with {expected}, not {value}")]
    Value {
        /// The attribute as the client wrote it.
        attribute: String,
        /// The column's kind.
        kind: &'static str,
        /// What would fit.
        expected: &'static str,
        /// The value the client sent.
        value: String,
    },
    /// A value filter (`name[…]`) on an attribute that is not mapped to a child table.
    #[error("\"{0}[…]\": this server filters elements only of multi-valued attributes")]
    ValueFilter(String),
    /// The filter nests deeper than the translator follows.
    #[error("the filter nests more than {0} levels deep")]
    TooDeep(usize),
    /// `sortBy` names an attribute without a single-valued column.
    #[error("sortBy \"{0}\": this server cannot sort by it")]
    Sort(String),
    /// The cursor is not one this issuer sealed for this query, or has expired (the SCIM
    /// error says which).
    #[error("{0}")]
    Cursor(ScimError),
}

impl From<SqlError> for ScimError {
    /// Filter problems are `400 invalidFilter`, a sort this store cannot do `400 invalidValue`, a
    /// cursor its own `invalidCursor` or `expiredCursor`.
    fn from(err: SqlError) -> Self {
        match err {
            SqlError::Sort(_) => ScimError::InvalidValue(err.to_string()),
            SqlError::Cursor(error) => error,
            other => ScimError::InvalidFilter(other.to_string()),
        }
    }
}

/// What [`crate::sql::Mapping::verify`] found wrong with a mapping: each entry names the
/// attribute and the mismatch with the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the SQL mapping does not fit the resource type: {}", .problems.join("; "))]
pub struct MappingError {
    /// One line per problem.
    pub problems: Vec<String>,
}
