//! Compiling a filter AST: resolving paths against the schema, typing comparison values and
//! refusing comparisons that make no sense. Everything that can fail fails here, so matching
//! cannot.

use std::borrow::Cow;

use scimkit_filter::{AttrPath, AttrTest, CompValue, CompareOp, Filter, SubAttrTest};

use crate::error::ScimError;
use crate::evaluate::Strictness;
use crate::scalar::{fold, parse_date_time, Scalar};
use crate::schema::{Attribute, AttributeType, Namespace, ResourceType, Target};

/// Deeper than any filter the parser accepts (its ceiling is 256), so only hand-built ASTs
/// reach it.
const MAX_DEPTH: usize = 300;

/// A compiled filter node.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    /// A test of the values found at one place.
    Test {
        access: Access,
        test: Test,
    },
    /// `attr[inner]` optionally followed by `.sub test`: some element matches `inner` (and
    /// its `sub` values pass the test).
    ValuePath {
        access: Access,
        inner: Box<Node>,
        sub: Option<(String, Test)>,
    },
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
}

/// Where the values of a path live.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Access {
    /// An unknown attribute in lenient mode: never has a value.
    Nowhere,
    Id,
    ExternalId,
    Schemas,
    /// `meta` or one of its fields.
    Meta(Option<MetaField>),
    /// A core-schema attribute (top-level key) and optionally a sub-attribute.
    Core {
        name: String,
        sub: Option<String>,
    },
    /// An extension attribute (key inside the extension object).
    Extension {
        urn: String,
        name: String,
        sub: Option<String>,
    },
    /// A whole extension object (`urn:…:enterprise:2.0:User pr`).
    ExtensionObject {
        urn: String,
    },
    /// A sub-attribute of the element a value filter is looking at.
    Element {
        name: String,
    },
}

/// The fields of `meta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MetaField {
    ResourceType,
    Created,
    LastModified,
    Location,
    Version,
}

/// What is checked on the values.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Test {
    /// `pr`, and `ne null`.
    Present,
    /// `eq null`.
    Absent,
    /// Some value passes `op`. For `ne` this is the multi-valued rule (RFC 7644 §3.4.2.2):
    /// some present value differs, so a path without values does not match.
    Compare {
        op: CompareOp,
        value: Scalar<'static>,
        kind: AttributeType,
        case_exact: bool,
    },
    /// `ne` on a single-valued path: no value is equal (`not eq`), so a path without a value
    /// matches.
    NotEqual {
        value: Scalar<'static>,
        kind: AttributeType,
        case_exact: bool,
    },
}

/// What paths are relative to.
pub(super) enum Scope<'a> {
    Resource(&'a ResourceType),
    Element(&'a Attribute),
}

/// A path resolved to where its values are and the attribute that types them (`None` for an
/// unknown attribute in lenient mode).
struct Resolved<'a> {
    access: Access,
    leaf: Option<&'a Attribute>,
    /// Whether the values are reached through a multi-valued attribute (`emails.type`,
    /// `emails`, `schemas`): comparisons then match when some value passes, `ne` included.
    multi_valued: bool,
}

pub(super) fn compile(
    filter: &Filter,
    scope: &Scope<'_>,
    strictness: Strictness,
    depth: usize,
) -> Result<Node, ScimError> {
    if depth > MAX_DEPTH {
        return Err(ScimError::InvalidFilter(format!(
            "the filter nests more than {MAX_DEPTH} levels deep"
        )));
    }
    let all = |operands: &[Filter]| {
        operands
            .iter()
            .map(|f| compile(f, scope, strictness, depth + 1))
            .collect::<Result<Vec<_>, _>>()
    };
    match filter {
        Filter::Attr { path, test } => {
            let resolved = resolve(path, scope, strictness)?;
            let (access, test) = typed_test(resolved, test, path)?;
            Ok(Node::Test { access, test })
        }
        Filter::ValuePath { path, filter, sub } => {
            let Scope::Resource(rt) = scope else {
                return Err(ScimError::InvalidFilter(format!(
                    "\"{path}[…]\": a value filter cannot contain another value filter"
                )));
            };
            value_path(rt, path, filter, sub.as_ref(), strictness, depth)
        }
        Filter::Not(inner) => Ok(Node::Not(Box::new(compile(
            inner,
            scope,
            strictness,
            depth + 1,
        )?))),
        Filter::And(operands) => Ok(Node::And(all(operands)?)),
        Filter::Or(operands) => Ok(Node::Or(all(operands)?)),
    }
}

/// Compiles a value filter's inner filter on its own, for PATCH paths.
pub(super) fn compile_element(
    filter: &Filter,
    attribute: &Attribute,
    strictness: Strictness,
) -> Result<Node, ScimError> {
    compile(filter, &Scope::Element(attribute), strictness, 0)
}

fn value_path(
    rt: &ResourceType,
    path: &AttrPath,
    filter: &Filter,
    sub: Option<&SubAttrTest>,
    strictness: Strictness,
    depth: usize,
) -> Result<Node, ScimError> {
    let resolved = resolve(path, &Scope::Resource(rt), strictness)?;
    let Some(attribute) = resolved.leaf else {
        // Unknown attribute, lenient: no element exists, so nothing inside can match.
        return Ok(Node::ValuePath {
            access: Access::Nowhere,
            inner: Box::new(compile(
                filter,
                &Scope::Element(&NO_ATTRIBUTE),
                Strictness::Lenient,
                depth + 1,
            )?),
            sub: None,
        });
    };
    if !attribute.is_complex() || matches!(resolved.access, Access::ExtensionObject { .. }) {
        return Err(ScimError::InvalidFilter(format!(
            "\"{path}\" is not a complex attribute, so it cannot take a value filter \"[…]\""
        )));
    }
    let inner = compile(filter, &Scope::Element(attribute), strictness, depth + 1)?;
    let sub = match sub {
        None => None,
        Some(SubAttrTest { name, test }) => {
            let shown = AttrPath::new(path.name.clone()).with_sub_attr(name.clone());
            match attribute.sub_attribute(name) {
                Some(leaf) => {
                    let (_, test) = typed_test(
                        Resolved {
                            access: Access::Element {
                                name: leaf.name.clone(),
                            },
                            leaf: Some(leaf),
                            multi_valued: leaf.multi_valued,
                        },
                        test,
                        &shown,
                    )?;
                    Some((leaf.name.clone(), test))
                }
                None if strictness == Strictness::Lenient => {
                    Some((name.clone(), untyped_test(test)))
                }
                None => return Err(unknown(&shown)),
            }
        }
    };
    Ok(Node::ValuePath {
        access: resolved.access,
        inner: Box::new(inner),
        sub,
    })
}

/// Stands in for the attribute of an unknown value path in lenient mode.
static NO_ATTRIBUTE: std::sync::LazyLock<Attribute> =
    std::sync::LazyLock::new(|| Attribute::complex("unknown", Vec::new()));

fn unknown(path: &AttrPath) -> ScimError {
    ScimError::InvalidFilter(format!(
        "the filter names \"{path}\", which is not an attribute of this resource type"
    ))
}

fn resolve<'a>(
    path: &AttrPath,
    scope: &Scope<'a>,
    strictness: Strictness,
) -> Result<Resolved<'a>, ScimError> {
    let found = match scope {
        Scope::Resource(rt) => resolve_in_resource(rt, path),
        Scope::Element(attribute) => match (
            path.sub_attr.as_deref(),
            attribute.sub_attribute(&path.name),
        ) {
            (None, Some(leaf)) => Some(Resolved {
                access: Access::Element {
                    name: leaf.name.clone(),
                },
                leaf: Some(leaf),
                multi_valued: leaf.multi_valued,
            }),
            _ => None,
        },
    };
    match found {
        Some(resolved) => Ok(resolved),
        None if strictness == Strictness::Lenient => Ok(Resolved {
            access: Access::Nowhere,
            leaf: None,
            multi_valued: false,
        }),
        None => Err(match scope {
            Scope::Resource(_) => unknown(path),
            Scope::Element(attribute) => {
                unknown(&AttrPath::new(attribute.name.clone()).with_sub_attr(path.to_string()))
            }
        }),
    }
}

fn resolve_in_resource<'a>(rt: &'a ResourceType, path: &AttrPath) -> Option<Resolved<'a>> {
    match rt.resolve(path)? {
        Target::Extension(schema) => Some(Resolved {
            access: Access::ExtensionObject {
                urn: schema.id.clone(),
            },
            leaf: None,
            multi_valued: false,
        }),
        Target::Attribute(resolved) => {
            let name = resolved.attribute.name.clone();
            let sub = resolved.sub_attribute.map(|s| s.name.clone());
            let access = match resolved.namespace {
                Namespace::Common => match (name.as_str(), sub.as_deref()) {
                    ("id", _) => Access::Id,
                    ("externalId", _) => Access::ExternalId,
                    ("schemas", _) => Access::Schemas,
                    (_, None) => Access::Meta(None),
                    (_, Some(field)) => Access::Meta(Some(meta_field(field)?)),
                },
                Namespace::Core => Access::Core { name, sub },
                Namespace::Extension(schema) => Access::Extension {
                    urn: schema.id.clone(),
                    name,
                    sub,
                },
            };
            Some(Resolved {
                access,
                leaf: Some(resolved.leaf()),
                multi_valued: resolved.attribute.multi_valued
                    || resolved.sub_attribute.is_some_and(|sub| sub.multi_valued),
            })
        }
    }
}

fn meta_field(name: &str) -> Option<MetaField> {
    Some(match name {
        "resourceType" => MetaField::ResourceType,
        "created" => MetaField::Created,
        "lastModified" => MetaField::LastModified,
        "location" => MetaField::Location,
        "version" => MetaField::Version,
        _ => return None,
    })
}

/// Types the test by the attribute; a complex attribute named without a sub-attribute is
/// compared through its `value` sub-attribute. `ne` on a multi-valued path is "some value
/// differs", on a single-valued one "not equal".
fn typed_test(
    resolved: Resolved<'_>,
    test: &AttrTest,
    path: &AttrPath,
) -> Result<(Access, Test), ScimError> {
    let Resolved {
        access,
        leaf,
        multi_valued,
    } = resolved;
    let whole_extension = matches!(access, Access::ExtensionObject { .. });
    let (op, value) = match test {
        AttrTest::Present => return Ok((access, Test::Present)),
        AttrTest::Compare(op, CompValue::Null) => {
            return match op {
                CompareOp::Eq => Ok((access, Test::Absent)),
                CompareOp::Ne => Ok((access, Test::Present)),
                _ => Err(ScimError::InvalidFilter(format!(
                    "\"{path} {op} null\": null can only be compared with eq or ne"
                ))),
            }
        }
        AttrTest::Compare(op, value) => (*op, value),
    };
    let Some(mut leaf) = leaf else {
        if whole_extension {
            return Err(ScimError::InvalidFilter(format!(
                "\"{path}\" is a schema extension, not an attribute: only pr applies to it"
            )));
        }
        return Ok((access, untyped_test(test)));
    };
    let mut access = access;
    if leaf.is_complex() {
        let Some(value_sub) = leaf.sub_attribute("value") else {
            return Err(ScimError::InvalidFilter(format!(
                "\"{path}\" is complex: compare one of its sub-attributes (\"{path}.<name>\") \
                 or use pr"
            )));
        };
        access = with_value_sub(access, &value_sub.name);
        leaf = value_sub;
    }
    let kind = leaf.kind;
    check_operator(op, kind, path)?;
    let value = comparand(value, leaf, path)?;
    let case_exact = leaf.case_exact || kind == AttributeType::Binary;
    let test = if op == CompareOp::Ne && !multi_valued {
        Test::NotEqual {
            value,
            kind,
            case_exact,
        }
    } else {
        Test::Compare {
            op,
            value,
            kind,
            case_exact,
        }
    };
    Ok((access, test))
}

/// Points a complex attribute's access at its `value` sub-attribute.
fn with_value_sub(access: Access, value: &str) -> Access {
    match access {
        Access::Core { name, sub: None } => Access::Core {
            name,
            sub: Some(value.to_owned()),
        },
        Access::Extension {
            urn,
            name,
            sub: None,
        } => Access::Extension {
            urn,
            name,
            sub: Some(value.to_owned()),
        },
        other => other,
    }
}

/// A test on an attribute nothing is known about (lenient mode): it never has values, so the
/// comparand only needs to exist. Nothing says it is multi-valued, so `ne` is `not eq` and
/// matches.
fn untyped_test(test: &AttrTest) -> Test {
    let scalar = |value: &CompValue| match value {
        CompValue::String(s) => Scalar::Text(Cow::Owned(s.clone())),
        CompValue::Number(n) => Scalar::Number(n.as_f64()),
        CompValue::Bool(b) => Scalar::Bool(*b),
        CompValue::Null => Scalar::Bool(false),
    };
    match test {
        AttrTest::Present | AttrTest::Compare(CompareOp::Ne, CompValue::Null) => Test::Present,
        AttrTest::Compare(CompareOp::Eq, CompValue::Null) => Test::Absent,
        AttrTest::Compare(CompareOp::Ne, value) => Test::NotEqual {
            value: scalar(value),
            kind: AttributeType::String,
            case_exact: false,
        },
        AttrTest::Compare(op, value) => Test::Compare {
            op: *op,
            value: scalar(value),
            kind: AttributeType::String,
            case_exact: false,
        },
    }
}

fn check_operator(op: CompareOp, kind: AttributeType, path: &AttrPath) -> Result<(), ScimError> {
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
    );
    let textual = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let refused = match kind {
        AttributeType::Boolean | AttributeType::Binary => ordering,
        AttributeType::Complex => true,
        _ => false,
    } || (textual
        && !matches!(
            kind,
            AttributeType::String | AttributeType::Reference | AttributeType::Binary
        ));
    if refused {
        return Err(ScimError::InvalidFilter(format!(
            "\"{path}\" is a {} attribute: the operator {op} does not apply to it{}",
            kind.as_str(),
            if textual {
                " (co, sw and ew compare strings)"
            } else {
                " (use eq or ne)"
            }
        )));
    }
    Ok(())
}

/// Converts the filter's value to the attribute's type.
fn comparand(
    value: &CompValue,
    leaf: &Attribute,
    path: &AttrPath,
) -> Result<Scalar<'static>, ScimError> {
    let wrong = |expected: &str| {
        ScimError::InvalidFilter(format!(
            "\"{path}\" is a {} attribute: compare it with {expected}, not {value}",
            leaf.kind.as_str()
        ))
    };
    match (leaf.kind, value) {
        (
            AttributeType::String | AttributeType::Reference | AttributeType::Binary,
            CompValue::String(s),
        ) => Ok(Scalar::Text(
            if leaf.case_exact || leaf.kind == AttributeType::Binary {
                Cow::Owned(s.clone())
            } else {
                Cow::Owned(fold(s).into_owned())
            },
        )),
        (AttributeType::String | AttributeType::Reference | AttributeType::Binary, _) => {
            Err(wrong("a \"quoted string\""))
        }
        (AttributeType::Integer | AttributeType::Decimal, CompValue::Number(n)) => {
            Ok(Scalar::Number(n.as_f64()))
        }
        (AttributeType::Integer | AttributeType::Decimal, _) => Err(wrong("a number")),
        (AttributeType::Boolean, CompValue::Bool(b)) => Ok(Scalar::Bool(*b)),
        (AttributeType::Boolean, _) => Err(wrong("true or false")),
        (AttributeType::DateTime, CompValue::String(s)) => parse_date_time(s)
            .map(Scalar::Time)
            .ok_or_else(|| wrong("a dateTime such as \"2011-05-13T04:42:34Z\"")),
        (AttributeType::DateTime, _) => Err(wrong("a dateTime such as \"2011-05-13T04:42:34Z\"")),
        (AttributeType::Complex, _) => Err(wrong("nothing (use a sub-attribute)")),
    }
}
