//! The schema model (RFC 7643 §2, §6, §7): attribute definitions, schemas, resource types, the
//! built-in User, Group and EnterpriseUser schemas, and attribute-path resolution.
//!
//! Everything here is data: it validates nothing by itself and knows nothing of HTTP.

mod attribute;
mod builtin;
mod common;
mod definition;
mod resource_type;

pub use attribute::{Attribute, AttributeType, Mutability, Returned, Uniqueness};
pub use builtin::{
    enterprise_user_schema, group_schema, user_schema, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA,
    USER_SCHEMA,
};
pub use common::{common_attribute, common_attributes};
pub use definition::{Schema, SCHEMA_SCHEMA};
pub use resource_type::{
    Namespace, ResolvedAttr, ResourceType, SchemaExtension, Target, RESOURCE_TYPE_SCHEMA,
};
