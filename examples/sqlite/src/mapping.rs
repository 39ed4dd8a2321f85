//! The scim-core SQL [`Mapping`] of any resource type onto the tables of `schema.rs`, built
//! from the schema: singular attributes are `json_extract` expressions over the document,
//! `id` and `meta` dates are columns, multi-valued attributes are child rows of
//! `multi_values`, and a Group's `members` the rows of `group_members`. A User's `groups`,
//! binary and `returned: never` attributes are not mapped: filters on them are evaluated by
//! the engine.

use scimkit_core::schema::{Attribute, AttributeType, ResourceType, Returned};
use scimkit_core::sql::{ChildTable, Column, ColumnKind, Mapping};

use crate::layout::{Layout, MultiAttr};

/// The `json_extract` path of a member of the document (`$.userName`, `$.name.givenName`,
/// `$."urn:…:User".employeeNumber`). Plain names stay unquoted so the expressions are the
/// ones the indexes of `schema.rs` are built on.
fn json_path(parts: &[&str]) -> String {
    let mut path = String::from("$");
    for part in parts {
        path.push('.');
        if part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            path.push_str(part);
        } else {
            path.push('"');
            path.push_str(part);
            path.push('"');
        }
    }
    path
}

/// Whether a name can be written into SQL text (schema names always can; a host's custom
/// schema with quotes in a name is left to the engine).
fn safe(name: &str) -> bool {
    !name.is_empty() && !name.contains(['\'', '"', '\\']) && !name.contains(char::is_control)
}

/// The column kind of a singular, non-complex attribute; `None` for binary.
fn kind(attribute: &Attribute) -> Option<ColumnKind> {
    match attribute.kind {
        AttributeType::String | AttributeType::Reference => Some(ColumnKind::Text {
            case_exact: attribute.case_exact,
        }),
        AttributeType::Boolean => Some(ColumnKind::Boolean),
        AttributeType::Integer => Some(ColumnKind::Integer),
        AttributeType::Decimal => Some(ColumnKind::Decimal),
        AttributeType::DateTime => Some(ColumnKind::Timestamp),
        AttributeType::Binary | AttributeType::Complex => None,
    }
}

fn text(case_exact: bool) -> ColumnKind {
    ColumnKind::Text { case_exact }
}

/// The mapping of `rt` onto the tables of [`crate::schema`] (what `list` translates with).
pub fn mapping_of(rt: &ResourceType) -> Mapping {
    mapping(rt, &Layout::of(rt))
}

/// The mapping of `rt` with its layout.
pub(crate) fn mapping(rt: &ResourceType, layout: &Layout) -> Mapping {
    let mut mapping = Mapping::new("resources", "id")
        .column("id", Column::text_exact("resources.id"))
        .column(
            "externalId",
            Column::text_exact("json_extract(doc, '$.externalId')"),
        )
        .column("meta.created", Column::timestamp("resources.created"))
        .column(
            "meta.lastModified",
            Column::timestamp("resources.last_modified"),
        );
    let core = rt.schema.attributes.iter().map(|a| (None, a));
    let extensions = rt.extensions.iter().flat_map(|ext| {
        ext.schema
            .attributes
            .iter()
            .map(move |a| (Some(ext.schema.id.as_str()), a))
    });
    for (urn, attribute) in core.chain(extensions) {
        if attribute.multi_valued
            || attribute.returned == Returned::Never
            || !safe(&attribute.name)
            || !urn.is_none_or(safe)
        {
            continue;
        }
        let prefix: Vec<&str> = urn.into_iter().chain([attribute.name.as_str()]).collect();
        let name = match urn {
            Some(urn) => format!("{urn}:{}", attribute.name),
            None => attribute.name.clone(),
        };
        if attribute.is_complex() {
            for sub in &attribute.sub_attributes {
                let Some(kind) = kind(sub).filter(|_| !sub.multi_valued && safe(&sub.name)) else {
                    continue;
                };
                let mut parts = prefix.clone();
                parts.push(&sub.name);
                let expr = format!("json_extract(doc, '{}')", json_path(&parts));
                mapping = mapping.column(&format!("{name}.{}", sub.name), Column::new(expr, kind));
            }
        } else if let Some(kind) = kind(attribute) {
            let expr = format!("json_extract(doc, '{}')", json_path(&prefix));
            mapping = mapping.column(&name, Column::new(expr, kind));
        }
    }
    for multi in layout.multi.iter().filter(|m| safe(&m.key)) {
        mapping = mapping.child(&multi.key, multi_child(multi));
    }
    if let Some(members) = &layout.members {
        let mut child = ChildTable::new("group_members", "group_id");
        let string = |name: &str| {
            members
                .sub_attributes
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(name))
                .filter(|s| matches!(s.kind, AttributeType::String | AttributeType::Reference))
                .map(|s| s.case_exact)
        };
        for (sub, column) in [
            ("value", "member_id"),
            ("type", "member_type"),
            ("display", "display"),
        ] {
            if let Some(case_exact) = string(sub) {
                child = child.column(sub, Column::new(column, text(case_exact)));
            }
        }
        mapping = mapping.child("members", child);
    }
    mapping
}

/// The child "table" of one multi-valued attribute: its rows of `multi_values`.
fn multi_child(multi: &MultiAttr) -> ChildTable {
    let table = format!(
        "(SELECT resource_id, value, type, display, is_primary FROM multi_values \
         WHERE attribute = '{}')",
        multi.key
    );
    let mut child = ChildTable::new(table, "resource_id");
    if let Some(case_exact) = multi.value {
        child = child.column("value", Column::new("value", text(case_exact)));
    }
    if let Some(case_exact) = multi.kind {
        child = child.column("type", Column::new("type", text(case_exact)));
    }
    if let Some(case_exact) = multi.display {
        child = child.column("display", Column::new("display", text(case_exact)));
    }
    if multi.primary {
        child = child.column("primary", Column::boolean("is_primary"));
    }
    child
}

#[cfg(test)]
mod tests {
    use scimkit_core::schema::ResourceType;

    use super::{json_path, mapping};
    use crate::layout::Layout;

    #[test]
    fn json_paths_quote_only_what_needs_it() {
        assert_eq!(json_path(&["userName"]), "$.userName");
        assert_eq!(
            json_path(&[
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "manager",
                "value"
            ]),
            "$.\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\".manager.value"
        );
    }

    #[test]
    fn mappings_fit_their_schemas() {
        for rt in [ResourceType::user(), ResourceType::group()] {
            let layout = Layout::of(&rt);
            let mapped = mapping(&rt, &layout);
            assert_eq!(mapped.verify(&rt), Ok(()), "{}", rt.name);
        }
    }
}
