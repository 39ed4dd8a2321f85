//! The complex value types shared by the typed views.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A `name` (RFC 7643 §4.1.1).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    /// The full name, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Family (last) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given (first) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Honorific prefix, e.g. `Ms.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// Honorific suffix, e.g. `III`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
}

/// One value of a multi-valued attribute with the standard sub-attributes (`emails`,
/// `phoneNumbers`, `ims`, `photos`, `entitlements`, `roles`, `x509Certificates`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiValue {
    /// The value (an address, a number, a URL…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The label, e.g. `work`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the preferred value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Sub-attributes without a field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MultiValue {
    /// A value with no label, display or `primary` flag.
    ///
    /// ```
    /// use scimkit_core::resource::typed::MultiValue;
    /// assert_eq!(MultiValue::new("b@example.com").value.as_deref(), Some("b@example.com"));
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        MultiValue {
            value: Some(value.into()),
            ..MultiValue::default()
        }
    }
}

/// One `addresses` value (RFC 7643 §4.1.2).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// The full address, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City or locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The label, e.g. `work`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the preferred address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Sub-attributes without a field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `groups` value of a User (read-only, derived from group memberships).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroupRef {
    /// The group's id.
    pub value: String,
    /// The group's URI.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The group's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `direct` or `indirect`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl GroupRef {
    /// A reference to the group `id` shown as `display` (what a store derives a User's `groups`
    /// from).
    ///
    /// ```
    /// use scimkit_core::resource::typed::GroupRef;
    /// let g = GroupRef::new("e9e30dba", "Engineering");
    /// assert_eq!((g.value.as_str(), g.display.as_deref()), ("e9e30dba", Some("Engineering")));
    /// ```
    pub fn new(id: impl Into<String>, display: impl Into<String>) -> Self {
        GroupRef {
            value: id.into(),
            display: Some(display.into()),
            ..GroupRef::default()
        }
    }
}
