//! [`Secret`]: a write-only attribute (`password`) kept as a one-way hash of its value in a
//! column of the resource's table.

use std::fmt;
use std::sync::Arc;

/// The function turning a secret's value into what its column keeps.
type HashFn = dyn Fn(&str) -> String + Send + Sync;

/// Where a write-only attribute (`returned: never`, such as a User's `password`) is kept: a
/// text column holding what `hash` makes of the value, never the value itself.
///
/// A create writes the hash (or `NULL` when the attribute is absent); a replace writes a new
/// hash when the resource carries the attribute and leaves the column alone when it does not
/// (a client cannot read a secret back, so a `PUT` without it keeps it). The column is never
/// read, filtered or sorted on.
///
/// ```
/// use scimkit_sql::store::{Secret, Table};
///
/// // Use the app's own password hashing (argon2, bcrypt…) with a salt.
/// let users = Table::new("accounts").secret(
///     "password",
///     Secret::new("password_hash", |password: &str| format!("hashed:{}", password.len())),
/// );
/// # let _ = users;
/// ```
#[derive(Clone)]
pub struct Secret {
    pub(crate) column: String,
    hash: Arc<HashFn>,
}

impl Secret {
    /// The hash of the value, kept in `column`.
    pub fn new(
        column: impl Into<String>,
        hash: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        Secret {
            column: column.into(),
            hash: Arc::new(hash),
        }
    }

    /// What the column keeps for `value`.
    pub(crate) fn hash(&self, value: &str) -> String {
        (self.hash)(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("column", &self.column)
            .finish_non_exhaustive()
    }
}

/// Two secrets are equal when they write the same column with the same function.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.column == other.column && Arc::ptr_eq(&self.hash, &other.hash)
    }
}

impl Eq for Secret {}
