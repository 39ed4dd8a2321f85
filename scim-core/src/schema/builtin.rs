//! The schemas of RFC 7643 §8.7.1, loaded from their JSON representation: core User, core Group
//! and the EnterpriseUser extension.

use std::sync::{Arc, LazyLock};

use crate::schema::definition::Schema;

/// URN of the core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the EnterpriseUser extension schema.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Parses one of the compiled-in schema documents. They are constants checked by this crate's
/// tests, so a failure is a build defect, not a runtime condition.
#[allow(clippy::expect_used)]
fn load(json: &str) -> Arc<Schema> {
    Arc::new(serde_json::from_str(json).expect("built-in schema JSON is valid"))
}

static USER: LazyLock<Arc<Schema>> = LazyLock::new(|| load(include_str!("builtin/user.json")));
static GROUP: LazyLock<Arc<Schema>> = LazyLock::new(|| load(include_str!("builtin/group.json")));
static ENTERPRISE_USER: LazyLock<Arc<Schema>> =
    LazyLock::new(|| load(include_str!("builtin/enterprise_user.json")));

/// The core User schema (RFC 7643 §4.1).
///
/// ```
/// let user = scimkit_core::schema::user_schema();
/// assert!(user.get("userName").unwrap().required);
/// ```
pub fn user_schema() -> Arc<Schema> {
    Arc::clone(&USER)
}

/// The core Group schema (RFC 7643 §4.2).
///
/// `displayName` is required, as §4.2 says; the §8.7.1 listing marks it optional, but identity
/// providers match groups by it and a group without one cannot be provisioned.
pub fn group_schema() -> Arc<Schema> {
    Arc::clone(&GROUP)
}

/// The EnterpriseUser extension schema (RFC 7643 §4.3).
pub fn enterprise_user_schema() -> Arc<Schema> {
    Arc::clone(&ENTERPRISE_USER)
}
