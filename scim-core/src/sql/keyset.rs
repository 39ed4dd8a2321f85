//! Keyset paging for RFC 9865 cursors: the condition "after this position" in the order
//! [`super::order::order_sql`] sorts by (the sort expression, missing values last ascending and
//! first descending, then the id ascending), so a cursor page reads only its own rows, however
//! deep it is. Without a sort, and ascending on an attribute every resource has (`userName`),
//! it is one comparison (`id > ?`, `(expr, id) > (?, ?)`) that a B-tree index on the same
//! expressions answers as a range; otherwise it is an `OR` of cases (values after, equal values
//! with a later id, missing values), which the database filters in index order.

use crate::error::ScimError;
use crate::scalar::Scalar;
use crate::schema::ResourceType;
use crate::sort::{SortOrder, SortSpec};
use crate::sql::dialect::Dialect;
use crate::sql::error::SqlError;
use crate::sql::mapping::{ColumnKind, Mapping};
use crate::sql::order::{ordered_column, ordered_param};
use crate::sql::value::SqlValue;
use crate::store::CursorPosition;

/// The condition matching the rows after `position`; `bind` binds a value and returns its
/// placeholder. A position whose key does not fit the sort column (a cursor sealed under
/// another mapping) is [`SqlError::Cursor`] (`invalidCursor`).
pub(crate) fn after(
    mapping: &Mapping,
    rt: &ResourceType,
    sort: Option<&SortSpec>,
    position: &CursorPosition,
    dialect: &dyn Dialect,
    bind: &mut dyn FnMut(SqlValue) -> String,
) -> Result<String, SqlError> {
    let id = format!("{}.{}", mapping.table(), mapping.id_column());
    let id_param = |bind: &mut dyn FnMut(SqlValue) -> String| {
        let param = bind(SqlValue::Text(position.id.clone()));
        match mapping.id_type_name() {
            Some(sql_type) => format!("CAST({param} AS {sql_type})"),
            None => param,
        }
    };
    let Some(sort) = sort else {
        return Ok(format!("{id} > {}", id_param(bind)));
    };
    let column = mapping
        .column_of(rt, &sort.by)
        .ok_or_else(|| SqlError::Sort(sort.by.to_string()))?;
    let raw = &column.expr;
    let expr = ordered_column(dialect, column);
    let descending = sort.order == SortOrder::Descending;
    let Some(scalar) = position.key.scalar() else {
        // After a row without a value: those come last ascending, first descending.
        let rest = format!("{id} > {}", id_param(bind));
        return Ok(if descending {
            format!("({raw} IS NOT NULL OR ({raw} IS NULL AND {rest}))")
        } else {
            format!("({raw} IS NULL AND {rest})")
        });
    };
    let mut value = || -> Result<String, SqlError> {
        let param = bind(sql_value(scalar, column.kind)?);
        Ok(match (column.kind, scalar) {
            (ColumnKind::Integer, Scalar::Number(n)) if !is_integer(*n) => dialect.real(&param),
            _ => ordered_param(dialect, column.kind, &param),
        })
    };
    if !descending && sort.always_present(rt) {
        // No row lacks the value, so "after" is one row comparison, which a B-tree index on
        // (…, sort expression, id) answers as a range: a deep page costs what the first does.
        // The redundant `expr >= value` in front gives MySQL/MariaDB, which do not turn a row
        // comparison into a range, the range's start.
        let from = value()?;
        let beyond = value()?;
        return Ok(format!(
            "({expr} >= {from} AND ({expr}, {id}) > ({beyond}, {}))",
            id_param(bind)
        ));
    }
    let beyond = value()?;
    let equal = value()?;
    let rest = format!("{id} > {}", id_param(bind));
    Ok(if descending {
        format!("({expr} < {beyond} OR ({expr} = {equal} AND {rest}))")
    } else {
        format!("({expr} > {beyond} OR ({expr} = {equal} AND {rest}) OR {raw} IS NULL)")
    })
}

/// Whether `n` is an integer an `i64` holds.
fn is_integer(n: f64) -> bool {
    n.fract() == 0.0 && (-9_007_199_254_740_992.0..=9_007_199_254_740_992.0).contains(&n)
}

/// The bind value of a sort key for a column of `kind`.
fn sql_value(scalar: &Scalar<'_>, kind: ColumnKind) -> Result<SqlValue, SqlError> {
    Ok(match (kind, scalar) {
        (ColumnKind::Text { .. }, Scalar::Text(text)) => SqlValue::Text(text.to_string()),
        (ColumnKind::Integer, Scalar::Number(n)) if is_integer(*n) =>
        {
            #[allow(clippy::cast_possible_truncation)]
            SqlValue::Integer(*n as i64)
        }
        (ColumnKind::Integer | ColumnKind::Decimal, Scalar::Number(n)) => SqlValue::Real(*n),
        (ColumnKind::Timestamp, Scalar::Time(time)) => SqlValue::Timestamp(*time),
        (ColumnKind::Boolean, Scalar::Bool(flag)) => SqlValue::Bool(*flag),
        _ => {
            return Err(SqlError::Cursor(ScimError::InvalidCursor(
                "the cursor does not fit this list's sort; start again without a cursor".to_owned(),
            )))
        }
    })
}
