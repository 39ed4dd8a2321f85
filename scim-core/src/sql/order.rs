//! Sort and page → `ORDER BY` and `LIMIT`/`OFFSET`, with the in-memory sort's rules.

use crate::schema::ResourceType;
use crate::sort::{SortOrder, SortSpec};
use crate::sql::dialect::Dialect;
use crate::sql::error::SqlError;
use crate::sql::mapping::{Column, ColumnKind, Mapping};
use crate::store::Pagination;

/// `ORDER BY` items (without the keywords): the sort column compared like the evaluator
/// (case-folded unless `caseExact`, by code point, timestamps as instants), missing values
/// last ascending and first descending, then the id so equal keys keep a stable order.
/// Without a sort, the id alone when `paged` (pages need a stable order), else nothing.
pub(crate) fn order_sql(
    mapping: &Mapping,
    rt: &ResourceType,
    sort: Option<&SortSpec>,
    paged: bool,
    dialect: &dyn Dialect,
) -> Result<Option<String>, SqlError> {
    let id = format!("{}.{} ASC", mapping.table(), mapping.id_column());
    let Some(sort) = sort else {
        return Ok(paged.then_some(id));
    };
    let column = mapping
        .column_of(rt, &sort.by)
        .ok_or_else(|| SqlError::Sort(sort.by.to_string()))?;
    let expr = ordered_column(dialect, column);
    let descending = sort.order == SortOrder::Descending;
    // An attribute every resource has (`userName`) has no missing values to place, so the
    // plain order, which an index on (…, expr, id) gives without sorting, is the same.
    let item = match (sort.always_present(rt), descending) {
        (true, false) => format!("{expr} ASC"),
        (true, true) => format!("{expr} DESC"),
        (false, _) => dialect.order_by(&expr, descending),
    };
    Ok(Some(format!("{item}, {id}")))
}

/// A mapped column as the sort orders it: its key bare when it has one.
pub(crate) fn ordered_column(dialect: &dyn Dialect, column: &Column) -> String {
    match &column.key {
        Some(key) => key.clone(),
        None => ordered(dialect, column.kind, &column.expr),
    }
}

/// A column of `kind` as the sort orders it: text by code point, folded unless case-exact;
/// timestamps as instants at the precision SCIM shows.
pub(crate) fn ordered(dialect: &dyn Dialect, kind: ColumnKind, column: &str) -> String {
    match kind {
        ColumnKind::Timestamp => dialect.timestamp_column(column),
        _ => ordered_param(dialect, kind, column),
    }
}

/// A parameter compared with a column of `kind` in that order.
pub(crate) fn ordered_param(dialect: &dyn Dialect, kind: ColumnKind, param: &str) -> String {
    match kind {
        ColumnKind::Text { case_exact: true } => dialect.ordered_text(param),
        ColumnKind::Text { case_exact: false } => dialect.ordered_text(&dialect.fold(param)),
        ColumnKind::Timestamp => dialect.timestamp(param),
        ColumnKind::Integer | ColumnKind::Decimal | ColumnKind::Boolean => param.to_owned(),
    }
}

/// `(limit, offset)` of index pagination; cursors are the host's to decode.
pub(crate) fn limit_offset(page: Option<&Pagination>) -> (Option<u64>, Option<u64>) {
    match page {
        Some(Pagination::Index { start_index, count }) => (
            Some(u64::try_from(*count).unwrap_or(u64::MAX)),
            Some(u64::try_from(start_index.saturating_sub(1)).unwrap_or(u64::MAX)),
        ),
        Some(Pagination::Cursor { .. }) | None => (None, None),
    }
}
