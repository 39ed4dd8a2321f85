//! [`Layout`]: where each attribute of a resource type is kept, read from its schema once per
//! call: the unique strings (`unique_values`), the multi-valued attributes copied into
//! `multi_values`, and whether the type has `members` (rows of `group_members`) or a derived
//! `groups`. The mapping (`mapping.rs`) and the writers (`values.rs`, `unique.rs`) both
//! follow it, so what is written is exactly what filters read.

use scimkit_core::schema::{Attribute, AttributeType, ResourceType, Uniqueness};

/// A multi-valued attribute whose elements are rows of `multi_values`.
#[derive(Debug, Clone)]
pub(crate) struct MultiAttr {
    /// The `multi_values.attribute` key: the name, URN-qualified for an extension.
    pub key: String,
    /// The extension URN, `None` in the core schema.
    pub urn: Option<String>,
    /// The attribute's name as the schema spells it.
    pub name: String,
    /// Whether the elements are objects (`emails`) rather than plain strings.
    pub complex: bool,
    /// `caseExact` of the `value` (the element itself when not complex); `None` when it is
    /// not a string.
    pub value: Option<bool>,
    /// `caseExact` of the string sub-attribute `type`, when there is one.
    pub kind: Option<bool>,
    /// `caseExact` of the string sub-attribute `display`, when there is one.
    pub display: Option<bool>,
    /// Whether there is a boolean `primary`.
    pub primary: bool,
}

/// A unique singular string of the core schema.
#[derive(Debug, Clone)]
pub(crate) struct UniqueAttr {
    /// The attribute's name.
    pub name: String,
    /// Whether values compare case-sensitively (else they are folded).
    pub case_exact: bool,
}

impl UniqueAttr {
    /// The value as kept in `unique_values.value_key`.
    pub fn key(&self, value: &str) -> String {
        if self.case_exact {
            value.to_owned()
        } else {
            value.to_lowercase()
        }
    }
}

/// Where the attributes of one resource type are kept.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Multi-valued attributes copied to `multi_values`.
    pub multi: Vec<MultiAttr>,
    /// Unique strings.
    pub unique: Vec<UniqueAttr>,
    /// The `members` attribute, when the type has members (Group).
    pub members: Option<Attribute>,
    /// Whether the type has a derived `groups` (User).
    pub groups: bool,
}

fn string_case(attribute: Option<&Attribute>) -> Option<bool> {
    attribute
        .filter(|a| {
            !a.multi_valued && matches!(a.kind, AttributeType::String | AttributeType::Reference)
        })
        .map(|a| a.case_exact)
}

fn sub<'a>(attribute: &'a Attribute, name: &str) -> Option<&'a Attribute> {
    attribute
        .sub_attributes
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
}

impl Layout {
    /// The layout of `rt`.
    pub fn of(rt: &ResourceType) -> Layout {
        let members = rt
            .schema
            .get("members")
            .filter(|a| a.multi_valued && a.is_complex())
            .cloned();
        let groups = rt.schema.get("groups").is_some();
        let unique = rt
            .schema
            .attributes
            .iter()
            .filter(|a| {
                a.uniqueness != Uniqueness::None
                    && !a.multi_valued
                    && a.kind == AttributeType::String
            })
            .map(|a| UniqueAttr {
                name: a.name.clone(),
                case_exact: a.case_exact,
            })
            .collect();
        let core = rt.schema.attributes.iter().map(|a| (None, a));
        let extensions = rt.extensions.iter().flat_map(|ext| {
            ext.schema
                .attributes
                .iter()
                .map(move |a| (Some(ext.schema.id.clone()), a))
        });
        let multi = core
            .chain(extensions)
            .filter(|(urn, a)| {
                a.multi_valued
                    && !(urn.is_none()
                        && (a.name.eq_ignore_ascii_case("members")
                            || a.name.eq_ignore_ascii_case("groups")))
            })
            .filter_map(|(urn, a)| multi_attr(urn, a))
            .collect();
        Layout {
            multi,
            unique,
            members,
            groups,
        }
    }
}

fn multi_attr(urn: Option<String>, a: &Attribute) -> Option<MultiAttr> {
    let key = match &urn {
        Some(urn) => format!("{urn}:{}", a.name),
        None => a.name.clone(),
    };
    let attr = if a.is_complex() {
        MultiAttr {
            key,
            urn,
            name: a.name.clone(),
            complex: true,
            value: string_case(sub(a, "value")),
            kind: string_case(sub(a, "type")),
            display: string_case(sub(a, "display")),
            primary: sub(a, "primary").is_some_and(|p| p.kind == AttributeType::Boolean),
        }
    } else {
        MultiAttr {
            key,
            urn,
            name: a.name.clone(),
            complex: false,
            value: matches!(a.kind, AttributeType::String | AttributeType::Reference)
                .then_some(a.case_exact),
            kind: None,
            display: None,
            primary: false,
        }
    };
    let useful = attr.value.is_some() || attr.kind.is_some() || attr.display.is_some();
    useful.then_some(attr)
}
