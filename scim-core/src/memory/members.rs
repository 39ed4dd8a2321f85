//! Group membership held outside the stored group: a per-group map from member id to the
//! member's value, and the tenant-wide reverse index from member id to the groups it is in.
//!
//! Adding or removing one member is O(1) amortised (`IndexMap::insert`/`swap_remove`; member
//! order is not significant in SCIM), whatever the size of the group. This module does not
//! lock or version anything: the tenant's write lock is held by its caller.

use std::collections::HashMap;

use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::memory::id::{Id, IdHasher};
use crate::resource::get_ci;
use crate::resource::typed::Member;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::StoreError;

/// A group's members: member id → the member's JSON object (`value`, `type`, `display`, …).
pub(super) type Members = IndexMap<Id, Value, IdHasher>;

/// Member id → ids of the groups it is a direct member of, for the whole tenant.
pub(super) type MemberOf = HashMap<Id, IndexSet<Id, IdHasher>, IdHasher>;

/// Whether resources of `rt` have a multi-valued complex `members` attribute kept here.
pub(super) fn has_members(rt: &ResourceType) -> bool {
    rt.schema
        .get("members")
        .is_some_and(|a| a.multi_valued && a.is_complex())
}

/// Whether resources of `rt` have a `groups` attribute derived from memberships.
pub(super) fn has_groups(rt: &ResourceType) -> bool {
    rt.schema.get("groups").is_some()
}

/// Removes the attribute `name` (any spelling) from `resource`, returning its value.
pub(super) fn take_attribute(resource: &mut Resource, name: &str) -> Option<Value> {
    let key = resource
        .attributes
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()?;
    resource.attributes.shift_remove(&key)
}

/// The error for a member `value` that names no User or Group of the tenant.
pub(super) fn no_such_member(value: &str) -> StoreError {
    StoreError::Rejected(ScimError::InvalidValue(format!(
        "members: \"{value}\" is not a User or Group of this tenant"
    )))
}

/// The stored id a member `value` names (text that is no id of this store names nothing).
pub(super) fn member_id(value: &str) -> Result<Id, StoreError> {
    Id::parse(value).ok_or_else(|| no_such_member(value))
}

/// Takes `members` out of a resource about to be stored. Every element must be an object with
/// a string `value`; duplicates collapse to the first.
pub(super) fn take_members(resource: &mut Resource) -> Result<Members, StoreError> {
    let mut members = Members::default();
    let items = match take_attribute(resource, "members") {
        None | Some(Value::Null) => return Ok(members),
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
    };
    for item in items {
        let id = item
            .as_object()
            .and_then(|object| get_ci(object, "value"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                StoreError::Rejected(ScimError::InvalidValue(
                    "members: every member needs a string \"value\" (the member's id)".to_owned(),
                ))
            })
            .and_then(member_id)?;
        members.entry(id).or_insert(item);
    }
    Ok(members)
}

/// A typed member as stored JSON.
pub(super) fn member_value(member: &Member) -> Result<Value, StoreError> {
    serde_json::to_value(member).map_err(StoreError::backend)
}

/// Checks that `id` names a member-able resource of the tenant (its type name is `User`, or its
/// type has members), and fills the member's missing `type` from it.
pub(super) fn admit<'k>(
    id: Id,
    value: &mut Value,
    kind_of: impl Fn(Id) -> Option<(&'k str, bool)>,
) -> Result<(), StoreError> {
    let not_found = || no_such_member(&id.text());
    let (kind, is_group) = kind_of(id).ok_or_else(not_found)?;
    if kind != "User" && !is_group {
        return Err(not_found());
    }
    if let Value::Object(object) = value {
        let missing = get_ci(object, "type").is_none_or(Value::is_null);
        if missing {
            object.retain(|k, _| !k.eq_ignore_ascii_case("type"));
            object.insert("type".to_owned(), Value::String(kind.to_owned()));
        }
    }
    Ok(())
}

/// Records that `member` is in `group`.
pub(super) fn link(member_of: &mut MemberOf, member: Id, group: Id) {
    member_of.entry(member).or_default().insert(group);
}

/// Forgets that `member` is in `group`.
pub(super) fn unlink(member_of: &mut MemberOf, member: Id, group: Id) {
    if let Some(groups) = member_of.get_mut(&member) {
        groups.swap_remove(&group);
        if groups.is_empty() {
            member_of.remove(&member);
        }
    }
}

/// Whether two member maps hold the same members with the same values (order aside).
pub(super) fn same_members(a: &Members, b: &Members) -> bool {
    a.len() == b.len() && a.iter().all(|(id, value)| b.get(id) == Some(value))
}

/// One element of a user's derived `groups`.
pub(super) fn group_ref(group_id: Id, display: Option<Value>) -> Value {
    let mut object = Map::with_capacity(3);
    object.insert("value".to_owned(), Value::String(group_id.text()));
    if let Some(display) = display.filter(Value::is_string) {
        object.insert("display".to_owned(), display);
    }
    object.insert("type".to_owned(), Value::String("direct".to_owned()));
    Value::Object(object)
}
