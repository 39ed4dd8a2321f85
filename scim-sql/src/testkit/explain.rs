//! [`explain`]: the plan a database picks for a statement, to check which indexes it uses.

use scimkit_core::sql::SqlValue;

use crate::backend::Backend;
use crate::datum::{Datum, DatumKind};
use crate::db::Db;
use crate::error::Error;

/// The plan `db` picks for `sql` with `params` (as [`crate::store::SqlStore::list_statements`]
/// gives them), without running it, one line per step: PostgreSQL's `EXPLAIN` lines, SQLite's
/// `EXPLAIN QUERY PLAN` steps, MySQL/MariaDB's `EXPLAIN FORMAT=JSON` document as one line.
pub async fn explain(db: &Db, sql: &str, params: &[SqlValue]) -> Result<Vec<String>, Error> {
    let params: Vec<Datum> = params.iter().cloned().map(Datum::from).collect();
    let (statement, kinds, step) = match db.backend() {
        Backend::Postgres => (format!("EXPLAIN {sql}"), vec![DatumKind::Text], 0),
        Backend::MySql => (
            format!("EXPLAIN FORMAT=JSON {sql}"),
            vec![DatumKind::Text],
            0,
        ),
        // id, parent, (unused), detail.
        Backend::Sqlite => (
            format!("EXPLAIN QUERY PLAN {sql}"),
            vec![
                DatumKind::Integer,
                DatumKind::Integer,
                DatumKind::Integer,
                DatumKind::Text,
            ],
            3,
        ),
    };
    let rows = db.fetch(&statement, &params, &kinds).await?;
    rows.into_iter()
        .map(|row| {
            row.into_iter()
                .nth(step)
                .and_then(Datum::into_text)
                .ok_or_else(|| Error::Value {
                    field: "plan",
                    detail: format!("a step of {statement:?} is not text"),
                })
        })
        .collect()
}
