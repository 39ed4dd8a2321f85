//! The core Group (RFC 7643 §4.2) as a typed struct.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::resource::meta::Meta;
use crate::resource::typed::conversion::typed_conversions;
use crate::schema::GROUP_SCHEMA;

/// A Group for host code, converting to and from [`Resource`](crate::Resource) without loss.
///
/// ```
/// use scimkit_core::resource::typed::{Group, Member};
/// use scimkit_core::Resource;
///
/// let group = Group::new("Engineering").with_member(Member::new("2819c223"));
/// let resource = Resource::try_from(&group)?;
/// assert_eq!(resource.get("members").unwrap()[0]["value"], "2819c223");
/// assert_eq!(Group::try_from(&resource)?, group);
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Schema URNs.
    #[serde(default = "group_schemas")]
    pub schemas: Vec<String>,
    /// Server-issued id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's id for the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The group's name.
    pub display_name: String,
    /// Members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Every other attribute and extension.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A group member.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Member {
    /// The member's id.
    pub value: String,
    /// The member's URI.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A display name (Okta sends the user's e-mail here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `User` or `Group`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Member {
    /// A member by id.
    pub fn new(value: impl Into<String>) -> Self {
        Member {
            value: value.into(),
            ..Member::default()
        }
    }
}

impl Group {
    /// A group with a display name and the core schema.
    pub fn new(display_name: impl Into<String>) -> Self {
        Group {
            schemas: group_schemas(),
            display_name: display_name.into(),
            ..Group::default()
        }
    }

    /// Adds a member.
    #[must_use]
    pub fn with_member(mut self, member: Member) -> Self {
        self.members.push(member);
        self
    }
}

fn group_schemas() -> Vec<String> {
    vec![GROUP_SCHEMA.to_owned()]
}

typed_conversions!(Group, "Group");
