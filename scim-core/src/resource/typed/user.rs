//! The core User (RFC 7643 §4.1) as a typed struct.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::resource::meta::Meta;
use crate::resource::typed::conversion::typed_conversions;
use crate::resource::typed::enterprise::EnterpriseUser;
use crate::resource::typed::multi_valued::{Address, GroupRef, MultiValue, Name};
use crate::schema::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};

/// A User for host code, converting to and from [`Resource`](crate::Resource) without loss.
///
/// ```
/// use scimkit_core::resource::typed::{EnterpriseUser, User};
/// use scimkit_core::Resource;
/// use serde_json::json;
///
/// let resource = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
///                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
///     "userName": "bjensen",
///     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
///     "role": "member",
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"},
///     "urn:example:acme:1.0:User": {"badge": 7}
/// }))?;
/// let user = User::try_from(&resource)?;
/// assert_eq!(user.user_name, "bjensen");
/// assert_eq!(user.emails[0].value.as_deref(), Some("bjensen@example.com"));
/// assert_eq!(user.enterprise.as_ref().and_then(|e| e.employee_number.as_deref()), Some("701984"));
/// assert_eq!(user.extra["role"], "member"); // a host's custom attribute is kept
///
/// let back = Resource::try_from(&user)?;
/// assert_eq!(back, resource); // nothing lost
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Schema URNs.
    #[serde(default = "user_schemas")]
    pub schemas: Vec<String>,
    /// Server-issued id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's id for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The unique user name.
    pub user_name: String,
    /// The user's name components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Casual name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// Profile URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Relationship to the organization (`Employee`, `Contractor`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// Preferred language, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// Locale, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Olson time zone, e.g. `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Administrative status; `false` is a deactivated account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Password (write-only: set on input, never returned by the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// E-mail addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<MultiValue>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<MultiValue>,
    /// Instant-messaging addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ims: Vec<MultiValue>,
    /// Photo URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<MultiValue>,
    /// Postal addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Groups the user belongs to (read-only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupRef>,
    /// Entitlements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<MultiValue>,
    /// Roles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<MultiValue>,
    /// X.509 certificates (base64 DER in `value`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x509_certificates: Vec<MultiValue>,
    /// The EnterpriseUser extension.
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Every other attribute and extension (custom attributes such as Zulip's `role`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// A user with just a user name and the core schema.
    ///
    /// ```
    /// let user = scimkit_core::resource::typed::User::new("bjensen");
    /// assert_eq!(user.schemas, ["urn:ietf:params:scim:schemas:core:2.0:User"]);
    /// ```
    pub fn new(user_name: impl Into<String>) -> Self {
        User {
            schemas: user_schemas(),
            user_name: user_name.into(),
            ..User::default()
        }
    }

    /// Sets the enterprise extension and lists its schema URN.
    #[must_use]
    pub fn with_enterprise(mut self, enterprise: EnterpriseUser) -> Self {
        if !self.schemas.iter().any(|s| s == ENTERPRISE_USER_SCHEMA) {
            self.schemas.push(ENTERPRISE_USER_SCHEMA.to_owned());
        }
        self.enterprise = Some(enterprise);
        self
    }
}

fn user_schemas() -> Vec<String> {
    vec![USER_SCHEMA.to_owned()]
}

typed_conversions!(User, "User");
