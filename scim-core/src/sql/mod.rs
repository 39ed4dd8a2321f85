//! SQL translation (feature `sql`): list requests — filter, sort, page — as SQL text plus typed
//! bind values, for stores kept in a relational database.
//!
//! This module owns the translation only: it depends on no database driver, and hosts run the
//! statements with sqlx or anything else. The host declares a [`Mapping`] per resource type
//! (table, id column, attribute → [`Column`], multi-valued attribute → [`ChildTable`]); every
//! identifier in the SQL comes from it and every value from the request is a bind parameter.
//!
//! Three dialects ([`Dialect`]) spell the differences: [`Postgres`], [`Sqlite`] and [`MySql`]
//! (MySQL 8 and MariaDB ≥ 10.6). The translated SQL matches the in-memory evaluator
//! ([`crate::evaluate`]) exactly, on each of them:
//! - every condition is two-valued (`(col IS NOT NULL AND col = $1)`), so `not`, and `ne` on a
//!   single-valued attribute, match rows where the column is `NULL`, as the evaluator matches
//!   resources without it;
//! - `pr` is `IS NOT NULL` (and `<> ''` for text); `eq null` is its negation;
//! - case-insensitive text compares `lower(col)` with `lower($n)`: create indexes on
//!   `lower(col)`. Folding is the database's (SQLite's `lower` folds ASCII only, PostgreSQL's
//!   follows the database's `LC_CTYPE`, MySQL's the column's character set); the evaluator
//!   folds all of Unicode;
//! - text compares by code point, never by a collation: equal means the same code points
//!   (no accent folding, trailing spaces count), and `gt`/`ge`/`lt`/`le` and sorting order by
//!   code point (`COLLATE "C"` in PostgreSQL; in MySQL/MariaDB, whose collations fold accents
//!   and pad spaces, every text operand is `CAST(… AS BINARY)`);
//! - `co`/`sw`/`ew` use `LIKE` with `%`, `_` and the escape character escaped (SQLite's
//!   case-exact ones `GLOB`);
//! - a multi-valued attribute matches when one child row does (`EXISTS`), for every operator:
//!   `emails.type ne "work"` is a row whose `type` is not `NULL` and differs (RFC 7644
//!   §3.4.2.2), not `NOT EXISTS` of an equal one; a value filter
//!   `emails[type eq "work" and value co "@x"]` tests all its conditions on the same row;
//! - sorting puts `NULL` last ascending and first descending (`NULLS LAST`/`NULLS FIRST`, in
//!   MySQL/MariaDB `(expr IS NULL), expr`), then orders by id;
//! - timestamp columns compare and sort at milliseconds, the precision SCIM shows (PostgreSQL:
//!   `date_trunc('milliseconds', col)`; SQLite's `julianday` has it already, and so do
//!   MySQL/MariaDB's `DATETIME(3)` columns), so a value read back matches its row;
//! - an RFC 9865 cursor page is a keyset range in that order (`(sort key, id)` after the
//!   cursor's position, `LIMIT count + 1`), its cursor opened before any SQL is built
//!   ([`Mapping::list_sql`], [`CursorIssuer`]).
//!
//! Indexes a host wants: the child tables' foreign keys (every multi-valued test is an
//! `EXISTS` on them), and the expressions the translation compares for the text it filters or
//! sorts on: `lower(col)` (PostgreSQL and SQLite), in PostgreSQL also `(lower(col) COLLATE
//! "C")` for sorts and `gt`/`lt` and `date_trunc('milliseconds', col)` for timestamps it sorts
//! on; in MySQL/MariaDB `CAST(lower(col) AS BINARY)` (a functional index in MySQL, an indexed
//! generated column in MariaDB: [`MySql`] says which versions use it).
//!
//! A store uses it in `list` on the filter the engine hands it: declare
//! [`Mapping::push_down`] as the store's `push_down`, call [`Mapping::translate`], add its own
//! scoping with [`SqlQuery::restrict`] (the tenant), then run [`SqlQuery::select_sql`] and
//! [`SqlQuery::count_sql`] with [`SqlQuery::params`].
//!
//! ```
//! use scimkit_core::schema::ResourceType;
//! use scimkit_core::sql::{Column, Mapping, Postgres, SqlValue};
//! use scimkit_core::store::ListQuery;
//! use scimkit_filter::parse_filter;
//!
//! let mapping = Mapping::new("users", "id").column("title", Column::text("title"));
//! let query = ListQuery {
//!     filter: Some(parse_filter(r#"title ne "Boss""#)?),
//!     ..ListQuery::default()
//! };
//! let sql = mapping.translate(&ResourceType::user(), &query, &Postgres)?;
//! assert_eq!(sql.where_sql, "NOT (title IS NOT NULL AND lower(title) = lower($1))");
//! assert_eq!(sql.params, [SqlValue::Text("Boss".into())]);
//! assert_eq!(sql.count_sql(), format!("SELECT count(*) FROM users WHERE {}", sql.where_sql));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dialect;
mod error;
mod filter;
mod fits;
mod keyset;
mod list;
mod mapping;
mod order;
mod query;
mod value;
mod verify;

pub use dialect::{like_pattern, Dialect, MySql, PatternKind, Postgres, Sqlite, LIKE_ESCAPE};
pub use error::{MappingError, SqlError};
pub use list::{CursorIssuer, ListSql};
pub use mapping::{ChildTable, Column, ColumnKind, Mapping, UnmappedPolicy};
pub use query::SqlQuery;
pub use value::SqlValue;
