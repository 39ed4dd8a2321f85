//! Attribute definitions with every characteristic of RFC 7643 §2 and §7, as data.
//!
//! An [`Attribute`] serialises to (and loads from) the RFC's JSON representation, so the same value
//! drives validation and the `/Schemas` endpoint. Builders make host-defined attributes short to
//! write.

use serde::{Deserialize, Serialize};

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A JSON string.
    #[default]
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number, with or without a fraction.
    Decimal,
    /// A whole number.
    Integer,
    /// An `xsd:dateTime` string such as `2008-01-23T04:56:22Z`.
    DateTime,
    /// Base64-encoded binary data.
    Binary,
    /// A URI referencing a resource (see `referenceTypes`).
    Reference,
    /// A JSON object whose members are the sub-attributes.
    Complex,
}

impl AttributeType {
    /// The RFC's name for the type (`"dateTime"`, …), as used in `detail` texts.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Decimal => "decimal",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Binary => "binary",
            AttributeType::Reference => "reference",
            AttributeType::Complex => "complex",
        }
    }
}

/// Whether and how an attribute may be changed (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the service provider only; client values are ignored.
    ReadOnly,
    /// Freely updated.
    #[default]
    ReadWrite,
    /// Set once (at creation or when first assigned), never changed after.
    Immutable,
    /// Accepted on input, never returned (e.g. `password`).
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always returned, even when excluded.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded, or unless `attributes` lists others.
    #[default]
    Default,
    /// Returned only when requested through `attributes`.
    Request,
}

/// The scope in which values must be unique (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness.
    #[default]
    None,
    /// Unique within the service provider (per tenant, here).
    Server,
    /// Globally unique.
    Global,
}

/// One attribute definition (RFC 7643 §7): a top-level attribute or a sub-attribute.
///
/// ```
/// use scimkit_core::schema::{Attribute, Mutability, Uniqueness};
///
/// let role = Attribute::string("role")
///     .canonical_values(["owner", "administrator", "moderator", "member", "guest"])
///     .description("The user's role in the organization.");
/// assert_eq!(role.canonical_values.len(), 5);
///
/// let badge = Attribute::complex("badge", vec![
///     Attribute::string("value").required(),
///     Attribute::integer("level"),
/// ])
/// .multi_valued();
/// assert!(badge.sub_attribute("VALUE").is_some());
/// assert_eq!(serde_json::to_value(&badge).unwrap()["multiValued"], true);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    /// The attribute's name, in the spelling used for output.
    pub name: String,
    /// The data type.
    #[serde(rename = "type", default)]
    pub kind: AttributeType,
    /// Whether the attribute holds a JSON array of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a value must be present.
    #[serde(default)]
    pub required: bool,
    /// Whether string comparisons are case-sensitive.
    #[serde(default)]
    pub case_exact: bool,
    /// Mutability.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// Uniqueness scope.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// Suggested (and, here, enforced) values for a string attribute; empty means any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// For a reference: the resource types or `external`/`uri` it may point to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For a complex attribute: its sub-attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// A single-valued, optional, read-write attribute of `kind` with the RFC's defaults.
    pub fn new(name: impl Into<String>, kind: AttributeType) -> Self {
        Attribute {
            name: name.into(),
            kind,
            multi_valued: false,
            description: None,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// A string attribute.
    pub fn string(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::String)
    }

    /// A boolean attribute.
    pub fn boolean(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::Boolean)
    }

    /// An integer attribute.
    pub fn integer(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::Integer)
    }

    /// A decimal attribute.
    pub fn decimal(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::Decimal)
    }

    /// A dateTime attribute.
    pub fn date_time(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::DateTime)
    }

    /// A binary (base64) attribute.
    pub fn binary(name: impl Into<String>) -> Self {
        Self::new(name, AttributeType::Binary)
    }

    /// A reference attribute pointing to the given reference types.
    pub fn reference<I, S>(name: impl Into<String>, reference_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut attr = Self::new(name, AttributeType::Reference);
        attr.reference_types = reference_types.into_iter().map(Into::into).collect();
        attr
    }

    /// A complex attribute with the given sub-attributes.
    pub fn complex(name: impl Into<String>, sub_attributes: Vec<Attribute>) -> Self {
        let mut attr = Self::new(name, AttributeType::Complex);
        attr.sub_attributes = sub_attributes;
        attr
    }

    /// Makes the attribute multi-valued.
    #[must_use]
    pub fn multi_valued(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Makes the attribute required.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets whether string comparisons are case-sensitive.
    #[must_use]
    pub fn case_exact(mut self, case_exact: bool) -> Self {
        self.case_exact = case_exact;
        self
    }

    /// Sets the mutability.
    #[must_use]
    pub fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    /// Sets when the attribute is returned.
    #[must_use]
    pub fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    /// Sets the uniqueness scope.
    #[must_use]
    pub fn uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the canonical values; validation then accepts only these (compared per `caseExact`).
    #[must_use]
    pub fn canonical_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// The sub-attribute called `name`, compared case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether the attribute is complex.
    pub fn is_complex(&self) -> bool {
        self.kind == AttributeType::Complex
    }
}
