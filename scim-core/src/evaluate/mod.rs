//! Filter evaluation (RFC 7644 §3.4.2.2) against resources, schema-aware.
//!
//! A [`Filter`] is compiled once per request into a [`CompiledFilter`]: attribute paths are
//! resolved against the resource type, comparison values converted to the attribute's type
//! (dateTime strings parsed, case-insensitive strings folded), and filters that make no sense
//! (`gt` on a boolean, `co` on a number, an unknown attribute in strict mode) refused with
//! `400 invalidFilter`. Matching a resource is then cheap and cannot fail.
//!
//! Semantics, for every store to follow:
//! - strings compare case-insensitively unless the attribute is `caseExact`; `dateTime` values
//!   compare as instants; numbers as numbers;
//! - a multi-valued attribute matches when any of its values matches; a complex attribute named
//!   without a sub-attribute (`emails co "x"`) is compared through its `value` sub-attribute;
//! - this holds for every operator on a path through a multi-valued attribute (`emails.type`,
//!   `emails`, `schemas`, a multi-valued simple attribute), `ne` included: `emails.type ne
//!   "work"` matches when some e-mail has a `type` (not `null`) other than `"work"`, so it
//!   matches work and home e-mails, and neither work e-mails only, nor no e-mails, nor e-mails
//!   without `type`. `not (emails.type eq "work")` is the negation of the match, a different
//!   filter;
//! - on a single-valued path `ne` is exactly `not eq`: a resource without the attribute matches
//!   `title ne "x"`, and inside a value path an element without the sub-attribute matches
//!   `emails[type ne "work"]`;
//! - a value path (`emails[type eq "work" and value co "@x"]`) matches when one element matches
//!   the whole inner filter;
//! - `pr` means present and non-empty (not `null`, `""`, `[]` or an object of empty values);
//! - `eq null` matches an absent attribute and `ne null` a present one;
//! - an absent attribute matches no other comparison.
//!
//! This module evaluates; it does not parse filters (`scimkit-filter` does) or decide what a
//! store pushes down.

mod compile;
mod run;

use scimkit_filter::Filter;
use serde_json::Value;

use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::{ResourceType, Target};

use compile::{compile, compile_element, Node, Scope};

/// How to treat attribute names the resource type does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strictness {
    /// Refuse the filter with `400 invalidFilter` naming the attribute (the default).
    #[default]
    Strict,
    /// Treat the attribute as absent: `x eq 1` matches nothing, `not (x eq 1)` everything.
    Lenient,
}

/// A filter compiled against a resource type, ready to match resources.
///
/// ```
/// use scimkit_core::evaluate::{CompiledFilter, Strictness};
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::Resource;
/// use scimkit_filter::parse_filter;
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let filter = parse_filter(r#"userName eq "BJENSEN" and emails[type eq "work"]"#)?;
/// let compiled = CompiledFilter::new(&filter, &users, Strictness::Strict)?;
///
/// let user = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen",
///     "emails": [{"value": "b@example.com", "type": "work"}],
/// }))?;
/// assert!(compiled.matches(&user));
///
/// // `gt` on a boolean makes no sense:
/// let bad = parse_filter("active gt true")?;
/// let err = CompiledFilter::new(&bad, &users, Strictness::Strict).unwrap_err();
/// assert_eq!(err.scim_type(), Some("invalidFilter"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledFilter {
    root: Node,
}

impl CompiledFilter {
    /// Compiles `filter` for resources of `rt`.
    ///
    /// Fails with [`ScimError::InvalidFilter`] when the filter names an unknown attribute (in
    /// [`Strictness::Strict`]), compares a value of the wrong type (`userName eq 5`), uses an
    /// operator the attribute's type does not support (`gt`/`ge`/`lt`/`le` on booleans, binary
    /// or complex values; `co`/`sw`/`ew` on anything but strings and references), or nests
    /// deeper than the parser allows.
    pub fn new(
        filter: &Filter,
        rt: &ResourceType,
        strictness: Strictness,
    ) -> Result<CompiledFilter, ScimError> {
        let root = compile(filter, &Scope::Resource(rt), strictness, 0)?;
        Ok(CompiledFilter { root })
    }

    /// Whether `resource` matches.
    pub fn matches(&self, resource: &Resource) -> bool {
        run::matches(&self.root, &run::Subject::Resource(resource))
    }
}

/// A value filter compiled for the elements of one multi-valued (or complex) attribute: the
/// `[type eq "work"]` of a PATCH path `emails[type eq "work"].value`. Paths inside it name
/// sub-attributes of that attribute.
///
/// ```
/// use scimkit_core::evaluate::{ElementFilter, Strictness};
/// use scimkit_core::schema::ResourceType;
/// use scimkit_filter::{parse_filter, AttrPath};
/// use serde_json::json;
///
/// let filter = parse_filter(r#"value eq "2819c223" and display eq "BABS""#)?;
/// let members = ElementFilter::new(
///     &filter,
///     &ResourceType::group(),
///     &AttrPath::new("members"),
///     Strictness::Strict,
/// )?;
/// assert!(members.matches(&json!({"value": "2819c223", "display": "Babs"})));
/// // A member's `value` is an id: case-exact, unlike `display`.
/// assert!(!members.matches(&json!({"value": "2819C223", "display": "Babs"})));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ElementFilter {
    root: Node,
}

impl ElementFilter {
    /// Compiles `filter` for elements of the attribute `attr` of `rt`.
    ///
    /// Fails with [`ScimError::InvalidPath`] when `attr` is not a complex attribute of `rt`, and
    /// with [`ScimError::InvalidFilter`] for the reasons of [`CompiledFilter::new`].
    pub fn new(
        filter: &Filter,
        rt: &ResourceType,
        attr: &scimkit_filter::AttrPath,
        strictness: Strictness,
    ) -> Result<ElementFilter, ScimError> {
        let attribute = match rt.resolve(attr) {
            Some(Target::Attribute(resolved))
                if resolved.sub_attribute.is_none() && resolved.attribute.is_complex() =>
            {
                resolved.attribute
            }
            _ => {
                return Err(ScimError::InvalidPath(format!(
                    "\"{attr}\" is not a complex attribute of {}, so it cannot take a value \
                     filter \"[…]\"",
                    rt.name
                )))
            }
        };
        let root = compile_element(filter, attribute, strictness)?;
        Ok(ElementFilter { root })
    }

    /// Whether one element (a JSON object) matches.
    pub fn matches(&self, element: &Value) -> bool {
        run::matches(&self.root, &run::Subject::Element(element))
    }
}
