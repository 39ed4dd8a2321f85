//! [`Mapping::verify`]: checks a host's mapping against the resource type's schema at start-up,
//! so a column declared with the wrong kind or case sensitivity cannot make SQL disagree with
//! the in-memory evaluator.

use crate::schema::{Attribute, AttributeType, ResourceType, Target};
use crate::sql::error::MappingError;
use crate::sql::mapping::{Column, ColumnKind, Mapping};

impl Mapping {
    /// Checks that every mapped attribute exists in `rt`, that columns have the kind of their
    /// attribute (`string`/`reference` → text with the same `caseExact`, `binary` → case-exact
    /// text, `integer`, `decimal` (or an integer column), `boolean`, `dateTime` → timestamp),
    /// that single-valued columns map single-valued attributes and child tables multi-valued
    /// ones with existing sub-attributes.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::sql::{Column, Mapping};
    ///
    /// let users = ResourceType::user();
    /// assert!(Mapping::new("users", "id")
    ///     .column("userName", Column::text("user_name"))
    ///     .verify(&users)
    ///     .is_ok());
    /// let wrong = Mapping::new("users", "id").column("externalId", Column::text("ext"));
    /// let err = wrong.verify(&users).unwrap_err();
    /// assert!(err.to_string().contains("externalId"));
    /// ```
    pub fn verify(&self, rt: &ResourceType) -> Result<(), MappingError> {
        let mut problems: Vec<String> = self
            .unparsed()
            .iter()
            .map(|text| format!("\"{text}\" is not an attribute path"))
            .collect();
        for (path, column) in self.columns() {
            match rt.resolve(path) {
                Some(Target::Attribute(resolved)) => {
                    if resolved.attribute.multi_valued {
                        problems.push(format!(
                            "\"{path}\" is multi-valued: map it with a child table"
                        ));
                    } else if let Some(problem) = kind_problem(resolved.leaf(), column.kind) {
                        problems.push(format!("\"{path}\": {problem}"));
                    } else if let Some(problem) = key_problem(column) {
                        problems.push(format!("\"{path}\": {problem}"));
                    }
                }
                _ => problems.push(format!("\"{path}\" is not an attribute of {}", rt.name)),
            }
        }
        for (path, child) in self.children() {
            let attribute = match rt.resolve(path) {
                Some(Target::Attribute(resolved)) if resolved.sub_attribute.is_none() => {
                    resolved.attribute
                }
                _ => {
                    problems.push(format!("\"{path}\" is not an attribute of {}", rt.name));
                    continue;
                }
            };
            if !attribute.multi_valued {
                problems.push(format!(
                    "\"{path}\" is single-valued: map it with columns, not a child table"
                ));
                continue;
            }
            for (sub, column) in &child.columns {
                let leaf = if attribute.is_complex() {
                    attribute.sub_attribute(sub)
                } else {
                    sub.eq_ignore_ascii_case("value").then_some(attribute)
                };
                match leaf {
                    Some(leaf) => {
                        if let Some(problem) =
                            kind_problem(leaf, column.kind).or_else(|| key_problem(column))
                        {
                            problems.push(format!("\"{path}.{sub}\": {problem}"));
                        }
                    }
                    None => problems.push(format!("\"{path}\" has no sub-attribute \"{sub}\"")),
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(MappingError { problems })
        }
    }
}

/// Why the column's comparison key cannot be, if it cannot: only text is compared by key.
fn key_problem(column: &Column) -> Option<String> {
    match (&column.key, column.kind) {
        (Some(key), kind) if !matches!(kind, ColumnKind::Text { .. }) => Some(format!(
            "the key column {key} is for text columns; this one holds {} values",
            kind.as_str()
        )),
        _ => None,
    }
}

/// Why `kind` does not fit `attribute`, if it does not.
fn kind_problem(attribute: &Attribute, kind: ColumnKind) -> Option<String> {
    let fits = match (attribute.kind, kind) {
        (AttributeType::String | AttributeType::Reference, ColumnKind::Text { case_exact }) => {
            case_exact == attribute.case_exact
        }
        (AttributeType::Binary, ColumnKind::Text { case_exact }) => case_exact,
        (AttributeType::Integer, ColumnKind::Integer)
        | (AttributeType::Decimal, ColumnKind::Decimal | ColumnKind::Integer)
        | (AttributeType::Boolean, ColumnKind::Boolean)
        | (AttributeType::DateTime, ColumnKind::Timestamp) => true,
        _ => false,
    };
    (!fits).then(|| {
        let expected = match attribute.kind {
            AttributeType::String | AttributeType::Reference => {
                if attribute.case_exact {
                    "a case-exact text column (Column::text_exact)"
                } else {
                    "a case-insensitive text column (Column::text)"
                }
            }
            AttributeType::Binary => "a case-exact text column (Column::text_exact)",
            AttributeType::Integer => "an integer column",
            AttributeType::Decimal => "a decimal or integer column",
            AttributeType::Boolean => "a boolean column",
            AttributeType::DateTime => "a timestamp column",
            AttributeType::Complex => "a sub-attribute, not the complex attribute itself",
        };
        format!(
            "its schema type is {}{}, so it needs {expected}",
            attribute.kind.as_str(),
            if attribute.case_exact {
                " (caseExact)"
            } else {
                ""
            }
        )
    })
}
