//! Filter → `WHERE` condition, with the in-memory evaluator's semantics.
//!
//! SQL compares with three-valued logic (`NULL = 'x'` is unknown, and so is its `NOT`), SCIM
//! with two. Every condition built here is two-valued: a comparison is guarded as
//! `(col IS NOT NULL AND col = $1)`, so `NOT (…)` is exactly the evaluator's negation and a row
//! without a title matches `not (title eq "x")` and `title ne "x"`.
//!
//! A multi-valued attribute (a child table) matches when some row does, for every operator
//! (RFC 7644 §3.4.2.2): `emails.type ne "work"` is `EXISTS` of a row whose `type` is not
//! `NULL` and differs, not the negation of `emails.type eq "work"`.
//!
//! Text is compared by code point: every text operand goes through the dialect's
//! [`Dialect::exact`] (equality, patterns, `pr`'s `<> ''`) or [`Dialect::ordered_text`]
//! (`gt`/`ge`/`lt`/`le`), so a collation folding accents or padding spaces changes no result.

use scimkit_filter::{AttrPath, AttrTest, CompValue, CompareOp, Filter, SubAttrTest};

use crate::scalar::parse_date_time;
use crate::schema::{ResourceType, Target};
use crate::sql::dialect::{Dialect, PatternKind};
use crate::sql::error::SqlError;
use crate::sql::mapping::{ChildTable, Column, ColumnKind, Mapping};
use crate::sql::value::SqlValue;

/// Deeper than any filter the parser accepts (its ceiling is 256): only hand-built trees
/// reach it.
const MAX_DEPTH: usize = 300;

/// What attribute paths are relative to.
enum Scope<'m> {
    /// The resource's row.
    Row,
    /// One row of a child table inside a value filter.
    Element {
        child: &'m ChildTable,
        alias: String,
        attribute: &'m AttrPath,
    },
}

/// Builds one condition, numbering the parameters it binds in the order they appear.
pub(crate) struct FilterSql<'a> {
    mapping: &'a Mapping,
    rt: &'a ResourceType,
    dialect: &'a dyn Dialect,
    pub(crate) params: Vec<SqlValue>,
    aliases: usize,
}

impl<'a> FilterSql<'a> {
    pub(crate) fn new(
        mapping: &'a Mapping,
        rt: &'a ResourceType,
        dialect: &'a dyn Dialect,
    ) -> Self {
        FilterSql {
            mapping,
            rt,
            dialect,
            params: Vec::new(),
            aliases: 0,
        }
    }

    /// The condition for `filter` on the mapping's table.
    pub(crate) fn condition(&mut self, filter: &Filter) -> Result<String, SqlError> {
        self.node(filter, &Scope::Row, 0)
    }

    fn bind(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        self.dialect.placeholder(self.params.len())
    }

    fn node(
        &mut self,
        filter: &Filter,
        scope: &Scope<'_>,
        depth: usize,
    ) -> Result<String, SqlError> {
        if depth > MAX_DEPTH {
            return Err(SqlError::TooDeep(MAX_DEPTH));
        }
        match filter {
            Filter::Attr { path, test } => self.attr(path, test, scope),
            Filter::ValuePath { path, filter, sub } => match scope {
                Scope::Row => self.value_path(path, filter, sub.as_ref(), depth),
                // The parser never nests value filters; a hand-built tree may.
                Scope::Element { .. } => Err(SqlError::ValueFilter(path.to_string())),
            },
            Filter::Not(inner) => Ok(format!("NOT ({})", self.node(inner, scope, depth + 1)?)),
            Filter::And(operands) => self.chain(operands, " AND ", scope, depth),
            Filter::Or(operands) => self.chain(operands, " OR ", scope, depth),
        }
    }

    fn chain(
        &mut self,
        operands: &[Filter],
        joint: &str,
        scope: &Scope<'_>,
        depth: usize,
    ) -> Result<String, SqlError> {
        let mut parts = Vec::with_capacity(operands.len());
        for operand in operands {
            parts.push(format!("({})", self.node(operand, scope, depth + 1)?));
        }
        if parts.is_empty() {
            // An empty chain (only hand-built): `and` of nothing is true, `or` false.
            return Ok(self.dialect.boolean(joint == " AND ").to_owned());
        }
        Ok(parts.join(joint))
    }

    fn attr(
        &mut self,
        path: &AttrPath,
        test: &AttrTest,
        scope: &Scope<'_>,
    ) -> Result<String, SqlError> {
        match scope {
            Scope::Element {
                child,
                alias,
                attribute,
            } => {
                let shown = || format!("{attribute}.{path}");
                let column = match path.sub_attr {
                    None => child.sub(&path.name),
                    Some(_) => None,
                }
                .ok_or_else(|| SqlError::Unmapped(shown()))?;
                let each = sub_multi_valued(self.rt, attribute, &path.name);
                self.single(column, Some(alias), test, &shown(), each)
            }
            Scope::Row => {
                if let Some(column) = self.mapping.column_of(self.rt, path) {
                    // A column holds at most one value. For an attribute the schema makes
                    // multi-valued (a mapping `Mapping::verify` refuses) it is taken as the
                    // only value, so `ne` needs it there and different.
                    let each = multi_valued(self.rt, path);
                    return self.single(column, None, test, &path.to_string(), each);
                }
                let Some(child) = self.mapping.child_of(self.rt, path) else {
                    return Err(SqlError::Unmapped(path.to_string()));
                };
                self.multi(child, path, test)
            }
        }
    }

    /// A test on a multi-valued attribute: true when one element passes, `ne` included (an
    /// element whose value is not `NULL` and differs); `eq null` negates the existence of an
    /// element with a present value.
    fn multi(
        &mut self,
        child: &ChildTable,
        path: &AttrPath,
        test: &AttrTest,
    ) -> Result<String, SqlError> {
        let shown = path.to_string();
        let alias = self.alias();
        let (negated, test) = match test {
            AttrTest::Compare(CompareOp::Eq, CompValue::Null) => (true, AttrTest::Present),
            AttrTest::Compare(CompareOp::Ne, CompValue::Null) | AttrTest::Present => {
                (false, AttrTest::Present)
            }
            other @ AttrTest::Compare(..) => (false, other.clone()),
        };
        let condition = match (&path.sub_attr, &test) {
            (Some(sub), _) => {
                let column = child
                    .sub(sub)
                    .ok_or_else(|| SqlError::Unmapped(shown.clone()))?;
                self.single(column, Some(&alias), &test, &shown, true)?
            }
            // `emails pr`: some element has a non-empty sub-attribute.
            (None, AttrTest::Present) => {
                let parts: Vec<String> = child
                    .columns
                    .iter()
                    .map(|(_, column)| {
                        present(
                            self.dialect,
                            &format!("{alias}.{}", column.expr),
                            column.kind,
                        )
                    })
                    .collect();
                if parts.is_empty() {
                    self.dialect.boolean(false).to_owned()
                } else {
                    format!("({})", parts.join(" OR "))
                }
            }
            // `emails co "x"` compares the `value` sub-attribute.
            (None, _) => {
                let column = child
                    .sub("value")
                    .ok_or_else(|| SqlError::Unmapped(format!("{shown}.value")))?;
                self.single(column, Some(&alias), &test, &shown, true)?
            }
        };
        let exists = self.exists(child, &alias, &condition);
        Ok(if negated {
            format!("NOT {exists}")
        } else {
            exists
        })
    }

    fn value_path(
        &mut self,
        path: &AttrPath,
        filter: &Filter,
        sub: Option<&SubAttrTest>,
        depth: usize,
    ) -> Result<String, SqlError> {
        let child = match path.sub_attr {
            None => self.mapping.child_of(self.rt, path),
            Some(_) => None,
        }
        .ok_or_else(|| SqlError::ValueFilter(path.to_string()))?;
        let alias = self.alias();
        let scope = Scope::Element {
            child,
            alias: alias.clone(),
            attribute: path,
        };
        let mut condition = format!("({})", self.node(filter, &scope, depth + 1)?);
        if let Some(SubAttrTest { name, test }) = sub {
            let shown = format!("{path}.{name}");
            let column = child
                .sub(name)
                .ok_or_else(|| SqlError::Unmapped(shown.clone()))?;
            let each = sub_multi_valued(self.rt, path, name);
            let test_sql = self.single(column, Some(&alias), test, &shown, each)?;
            condition = format!("{condition} AND ({test_sql})");
        }
        Ok(self.exists(child, &alias, &condition))
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("c{}", self.aliases)
    }

    fn exists(&self, child: &ChildTable, alias: &str, condition: &str) -> String {
        let parent_key = child
            .parent_key
            .as_deref()
            .unwrap_or(self.mapping.id_column());
        format!(
            "EXISTS (SELECT 1 FROM {} AS {alias} WHERE {alias}.{} = {}.{parent_key} AND {condition})",
            child.table,
            child.foreign_key,
            self.mapping.table()
        )
    }

    /// A test on one value: a column of the row, or of the child row `alias`. `ne` is
    /// `not eq` (a `NULL` column matches), unless `each`: then the column is one value of a
    /// multi-valued attribute, and `ne` needs a value that differs.
    fn single(
        &mut self,
        column: &Column,
        alias: Option<&str>,
        test: &AttrTest,
        shown: &str,
        each: bool,
    ) -> Result<String, SqlError> {
        let qualify = |name: &str| match alias {
            Some(alias) => format!("{alias}.{name}"),
            None => name.to_owned(),
        };
        let expr = qualify(&column.expr);
        let expr = expr.as_str();
        let key = column.key.as_deref().map(qualify);
        let kind = column.kind;
        let (op, value) = match test {
            AttrTest::Present => return Ok(present(self.dialect, expr, kind)),
            AttrTest::Compare(op, CompValue::Null) => {
                return match op {
                    CompareOp::Eq => Ok(format!("NOT {}", present(self.dialect, expr, kind))),
                    CompareOp::Ne => Ok(present(self.dialect, expr, kind)),
                    _ => Err(SqlError::Value {
                        attribute: shown.to_owned(),
                        kind: kind.as_str(),
                        expected: "a value (null only with eq or ne)",
                        value: "null".to_owned(),
                    }),
                }
            }
            AttrTest::Compare(op, value) => (*op, value),
        };
        if !kind.operators().contains(&op) {
            return Err(SqlError::Operator {
                attribute: shown.to_owned(),
                op: op.as_str().to_owned(),
                kind: kind.as_str(),
            });
        }
        if op == CompareOp::Ne && !each {
            let equal = self.compare(expr, key.as_deref(), kind, CompareOp::Eq, value, shown)?;
            return Ok(format!("NOT ({expr} IS NOT NULL AND {equal})"));
        }
        let comparison = self.compare(expr, key.as_deref(), kind, op, value, shown)?;
        Ok(format!("({expr} IS NOT NULL AND {comparison})"))
    }

    /// `expr op value` for a non-null `expr` (the caller guards it); text compares `key`
    /// bare when the column has one.
    fn compare(
        &mut self,
        expr: &str,
        key: Option<&str>,
        kind: ColumnKind,
        op: CompareOp,
        value: &CompValue,
        shown: &str,
    ) -> Result<String, SqlError> {
        let wrong = |expected: &'static str| SqlError::Value {
            attribute: shown.to_owned(),
            kind: kind.as_str(),
            expected,
            value: value_text(value),
        };
        let d = self.dialect;
        match kind {
            ColumnKind::Text { case_exact } => {
                let CompValue::String(text) = value else {
                    return Err(wrong("a \"quoted string\""));
                };
                let pattern = match op {
                    CompareOp::Co => Some(PatternKind::Contains),
                    CompareOp::Sw => Some(PatternKind::StartsWith),
                    CompareOp::Ew => Some(PatternKind::EndsWith),
                    _ => None,
                };
                let param = match pattern {
                    Some(pattern) => d.pattern(pattern, text, case_exact),
                    None => text.clone(),
                };
                let param = self.bind(SqlValue::Text(param));
                let (left, right) = if case_exact {
                    (expr.to_owned(), param)
                } else {
                    (d.fold(expr), d.fold(&param))
                };
                let (exact_left, ordered_left) = match key {
                    Some(key) => (key.to_owned(), key.to_owned()),
                    None => (d.exact(&left), d.ordered_text(&left)),
                };
                let right = d.exact(&right);
                if pattern.is_some() {
                    return Ok(d.pattern_match(&exact_left, &right, case_exact));
                }
                Ok(match op {
                    CompareOp::Eq | CompareOp::Ne => {
                        format!("{exact_left} {} {right}", symbol(op))
                    }
                    _ => format!("{ordered_left} {} {right}", symbol(op)),
                })
            }
            ColumnKind::Integer | ColumnKind::Decimal => {
                let CompValue::Number(number) = value else {
                    return Err(wrong("a number"));
                };
                // The parameter's type must follow from the SQL text (drivers cache prepared
                // statements by text): an integer column compares with an integer, or with an
                // explicitly typed float; a decimal column always with a float.
                let param = match number.as_i64() {
                    Some(int) if number.is_integer() && kind == ColumnKind::Integer => {
                        self.bind(SqlValue::Integer(int))
                    }
                    _ if kind == ColumnKind::Integer => {
                        let param = self.bind(SqlValue::Real(number.as_f64()));
                        d.real(&param)
                    }
                    _ => self.bind(SqlValue::Real(number.as_f64())),
                };
                Ok(format!("{expr} {} {param}", symbol(op)))
            }
            ColumnKind::Boolean => {
                let CompValue::Bool(flag) = value else {
                    return Err(wrong("true or false"));
                };
                let param = self.bind(SqlValue::Bool(*flag));
                Ok(format!("{expr} {} {param}", symbol(op)))
            }
            ColumnKind::Timestamp => {
                let time = match value {
                    CompValue::String(text) => parse_date_time(text),
                    _ => None,
                }
                .ok_or_else(|| wrong("a dateTime such as \"2011-05-13T04:42:34Z\""))?;
                let param = self.bind(SqlValue::Timestamp(time));
                Ok(format!(
                    "{} {} {}",
                    d.timestamp_column(expr),
                    symbol(op),
                    d.timestamp(&param)
                ))
            }
        }
    }
}

/// Present and non-empty (`pr`), two-valued. Text is compared exactly: under a `PAD SPACE`
/// collation `' ' <> ''` is false, and the evaluator calls `" "` present.
fn present(dialect: &dyn Dialect, expr: &str, kind: ColumnKind) -> String {
    match kind {
        ColumnKind::Text { .. } => {
            format!("({expr} IS NOT NULL AND {} <> '')", dialect.exact(expr))
        }
        _ => format!("({expr} IS NOT NULL)"),
    }
}

fn symbol(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        _ => "=",
    }
}

/// Whether `path` reaches its values through a multi-valued attribute or sub-attribute.
fn multi_valued(rt: &ResourceType, path: &AttrPath) -> bool {
    match rt.resolve(path) {
        Some(Target::Attribute(resolved)) => {
            resolved.attribute.multi_valued
                || resolved.sub_attribute.is_some_and(|sub| sub.multi_valued)
        }
        _ => false,
    }
}

/// Whether the sub-attribute `sub` of `attribute` is itself multi-valued (one element of
/// `attribute` then holds several values of it).
fn sub_multi_valued(rt: &ResourceType, attribute: &AttrPath, sub: &str) -> bool {
    let path = AttrPath {
        urn: attribute.urn.clone(),
        name: attribute.name.clone(),
        sub_attr: Some(sub.to_owned()),
    };
    match rt.resolve(&path) {
        Some(Target::Attribute(resolved)) => {
            resolved.sub_attribute.is_some_and(|sub| sub.multi_valued)
        }
        _ => false,
    }
}

fn value_text(value: &CompValue) -> String {
    match value {
        CompValue::String(text) => format!("\"{text}\""),
        CompValue::Number(number) => number.to_string(),
        CompValue::Bool(flag) => flag.to_string(),
        CompValue::Null => "null".to_owned(),
    }
}
