//! Matching compiled filters against a resource or one element of a multi-valued attribute.
//! Nothing here can fail: every check happened at compile time.

use std::cmp::Ordering;

use scimkit_filter::CompareOp;
use serde_json::Value;

use crate::evaluate::compile::{Access, MetaField, Node, Test};
use crate::resource::format_time;
use crate::resource::get_ci;
use crate::resource::Resource;
use crate::scalar::{fold, scalar_of_kind, Scalar};
use crate::schema::AttributeType;

/// What a filter is matched against.
pub(super) enum Subject<'r> {
    Resource(&'r Resource),
    /// One element of a multi-valued complex attribute (or a single complex value).
    Element(&'r Value),
}

pub(super) fn matches(node: &Node, subject: &Subject<'_>) -> bool {
    match node {
        Node::Test { access, test } => passes(access, subject, test),
        Node::ValuePath { access, inner, sub } => {
            // `visit` flattens arrays, so each element is seen once.
            visit(access, subject, &mut |element| {
                let element_subject = Subject::Element(element);
                matches(inner, &element_subject)
                    && sub.as_ref().is_none_or(|(name, test)| {
                        let access = Access::Element { name: name.clone() };
                        passes(&access, &element_subject, test)
                    })
            })
        }
        Node::Not(inner) => !matches(inner, subject),
        Node::And(operands) => operands.iter().all(|n| matches(n, subject)),
        Node::Or(operands) => operands.iter().any(|n| matches(n, subject)),
    }
}

fn passes(access: &Access, subject: &Subject<'_>, test: &Test) -> bool {
    match test {
        Test::Present => visit(access, subject, &mut |v| !is_empty(v)),
        Test::Absent => !visit(access, subject, &mut |v| !is_empty(v)),
        Test::NotEqual {
            value,
            kind,
            case_exact,
        } => !visit(access, subject, &mut |v| {
            compare(CompareOp::Eq, *kind, *case_exact, value, v)
        }),
        // `ne` included: some value that is there differs (`null` and values of another
        // type compare with nothing).
        Test::Compare {
            op,
            value,
            kind,
            case_exact,
        } => visit(access, subject, &mut |v| {
            compare(*op, *kind, *case_exact, value, v)
        }),
    }
}

/// Calls `f` on each value at `access` (array elements one by one) until it returns true;
/// returns whether it did.
fn visit(access: &Access, subject: &Subject<'_>, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    match (access, subject) {
        (Access::Element { name }, Subject::Element(element)) => element
            .as_object()
            .and_then(|o| get_ci(o, name))
            .is_some_and(|v| each(v, f)),
        (Access::Element { .. }, Subject::Resource(_))
        | (Access::Nowhere, _)
        | (_, Subject::Element(_)) => false,
        (Access::Id, Subject::Resource(r)) => {
            r.id.as_ref()
                .is_some_and(|id| f(&Value::String(id.clone())))
        }
        (Access::ExternalId, Subject::Resource(r)) => r
            .external_id
            .as_ref()
            .is_some_and(|id| f(&Value::String(id.clone()))),
        (Access::Schemas, Subject::Resource(r)) => {
            r.schemas.iter().any(|s| f(&Value::String(s.clone())))
        }
        (Access::Meta(field), Subject::Resource(r)) => r.meta.as_ref().is_some_and(|meta| {
            let value = match field {
                None => serde_json::to_value(meta).unwrap_or(Value::Null),
                Some(MetaField::ResourceType) => Value::String(meta.resource_type.clone()),
                Some(MetaField::Created) => Value::String(format_time(&meta.created)),
                Some(MetaField::LastModified) => Value::String(format_time(&meta.last_modified)),
                Some(MetaField::Location) => match &meta.location {
                    Some(location) => Value::String(location.clone()),
                    None => return false,
                },
                Some(MetaField::Version) => match &meta.version {
                    Some(version) => Value::String(version.clone()),
                    None => return false,
                },
            };
            f(&value)
        }),
        (Access::Core { name, sub }, Subject::Resource(r)) => r
            .get(name)
            .is_some_and(|top| each_sub(top, sub.as_deref(), f)),
        (Access::Extension { urn, name, sub }, Subject::Resource(r)) => r
            .extension(urn)
            .and_then(|ext| get_ci(ext, name))
            .is_some_and(|top| each_sub(top, sub.as_deref(), f)),
        (Access::ExtensionObject { urn }, Subject::Resource(r)) => r.get(urn).is_some_and(f),
    }
}

/// `value` itself, or each element when it is an array.
fn each(value: &Value, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    match value {
        Value::Array(items) => items.iter().any(&mut *f),
        single => f(single),
    }
}

/// The values of `sub` inside each element of `top`, or `top`'s values when `sub` is `None`.
fn each_sub(top: &Value, sub: Option<&str>, f: &mut dyn FnMut(&Value) -> bool) -> bool {
    match sub {
        None => each(top, f),
        Some(sub) => each(top, &mut |element| {
            element
                .as_object()
                .and_then(|o| get_ci(o, sub))
                .is_some_and(|v| each(v, f))
        }),
    }
}

/// Present and non-empty (RFC 7644 §3.4.2.2 `pr`).
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.iter().all(is_empty),
        Value::Object(members) => members.values().all(is_empty),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn compare(
    op: CompareOp,
    kind: AttributeType,
    case_exact: bool,
    comparand: &Scalar<'_>,
    value: &Value,
) -> bool {
    // The hot path (userName eq "…"): no allocation for ASCII text.
    if let (CompareOp::Eq, Scalar::Text(want), Value::String(have)) = (op, comparand, value) {
        if kind != AttributeType::DateTime {
            return if case_exact {
                have == want.as_ref()
            } else {
                eq_folded(have, want)
            };
        }
    }
    let Some(have) = scalar_of_kind(kind, case_exact, value) else {
        return false;
    };
    match op {
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            let (Scalar::Text(have), Scalar::Text(want)) = (&have, comparand) else {
                return false;
            };
            match op {
                CompareOp::Co => have.contains(want.as_ref()),
                CompareOp::Sw => have.starts_with(want.as_ref()),
                _ => have.ends_with(want.as_ref()),
            }
        }
        _ => {
            let Some(ordering) = have.compare(comparand) else {
                return false;
            };
            match op {
                CompareOp::Eq => ordering == Ordering::Equal,
                CompareOp::Ne => ordering != Ordering::Equal,
                CompareOp::Gt => ordering == Ordering::Greater,
                CompareOp::Ge => ordering != Ordering::Less,
                CompareOp::Lt => ordering == Ordering::Less,
                _ => ordering != Ordering::Greater,
            }
        }
    }
}

/// `have` equals the already folded `want`, ignoring case.
fn eq_folded(have: &str, want: &str) -> bool {
    if have.is_ascii() {
        have.len() == want.len()
            && have
                .bytes()
                .zip(want.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        fold(have) == want
    }
}
