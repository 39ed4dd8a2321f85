//! Group membership changes described on their own, so a store can add or remove one member
//! of a group with 100 000 members without loading or rewriting the member list.

use scimkit_filter::{AttrTest, CompValue, CompareOp, Filter, PatchPath};
use serde_json::{Map, Value};

use crate::patch::request::{PatchOp, PatchOperation, PatchRequest};
use crate::resource::typed::Member;
use crate::schema::{ResourceType, Target};

/// The net effect of a PATCH request on a resource's `members`: first `replaced` (when set),
/// then `removed`, then `added`. `added` and `removed` never share an id, so their order does
/// not matter; operations are folded in request order (`remove u1` then `add u1` leaves `u1`
/// added).
///
/// ```
/// use scimkit_core::patch::{MemberDelta, PatchRequest};
/// use scimkit_core::schema::ResourceType;
/// use serde_json::json;
///
/// // Okta's membership push: one remove, one add, and a rename in the same request.
/// let request = PatchRequest::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "remove", "path": "members[value eq \"u1\"]"},
///         {"op": "add", "path": "members", "value": [{"value": "u2", "display": "x@y"}]},
///         {"op": "replace", "value": {"displayName": "Ops"}},
///     ]
/// }))?;
/// let (delta, rest) = MemberDelta::extract(&ResourceType::group(), &request).unwrap();
/// assert_eq!(delta.removed, vec!["u1".to_owned()]);
/// assert_eq!(delta.added[0].value, "u2");
/// assert_eq!(rest.operations.len(), 1); // the rename, for the generic PATCH path
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemberDelta {
    /// When set, the member list becomes exactly this list before `removed`/`added` apply.
    pub replaced: Option<Vec<Member>>,
    /// Members to add (if not already members).
    pub added: Vec<Member>,
    /// Ids of members to remove (absent ids are ignored).
    pub removed: Vec<String>,
}

impl MemberDelta {
    /// Splits `request` into its effect on `members` and the remaining operations (other
    /// attributes, in their original order), for a resource type with a multi-valued complex
    /// `members` attribute.
    ///
    /// `None` when the resource type has no `members`, or some operation changes members in a
    /// way a delta cannot express (a sub-attribute such as `members[value eq "u1"].display`, a
    /// filter on anything but `value eq`, a member without a string `value`): the caller then
    /// applies the whole request with [`crate::patch::apply_patch`], which also reports the
    /// precise error for malformed values.
    pub fn extract(
        rt: &ResourceType,
        request: &PatchRequest,
    ) -> Option<(MemberDelta, PatchRequest)> {
        let members = rt.schema.get("members")?;
        if !members.multi_valued || !members.is_complex() {
            return None;
        }
        let mut delta = MemberDelta::default();
        let mut rest = Vec::new();
        for operation in &request.operations {
            match &operation.path {
                None => {
                    let Some(Value::Object(values)) = &operation.value else {
                        rest.push(operation.clone());
                        continue;
                    };
                    let mut others = Map::new();
                    for (key, value) in values {
                        if is_members(rt, key) {
                            delta.fold_whole(operation.op, Some(value))?;
                        } else {
                            others.insert(key.clone(), value.clone());
                        }
                    }
                    if !others.is_empty() {
                        rest.push(PatchOperation::new(
                            operation.op,
                            None,
                            Some(Value::Object(others)),
                        ));
                    }
                }
                Some(PatchPath::Attr(path)) if names_members(rt, path) => {
                    if path.sub_attr.is_some() {
                        return None;
                    }
                    delta.fold_whole(operation.op, operation.value.as_ref())?;
                }
                Some(PatchPath::Filtered {
                    attr,
                    filter,
                    sub_attr,
                }) if names_members(rt, attr) => {
                    if sub_attr.is_some() || operation.op != PatchOp::Remove {
                        return None;
                    }
                    let mut ids = Vec::new();
                    value_ids(filter, &mut ids)?;
                    for id in ids {
                        delta.remove(id);
                    }
                }
                Some(_) => rest.push(operation.clone()),
            }
        }
        Some((delta, PatchRequest::new(rest)))
    }

    /// Whether the delta changes nothing.
    pub fn is_empty(&self) -> bool {
        self.replaced.is_none() && self.added.is_empty() && self.removed.is_empty()
    }

    /// Applies the delta to a member list (what a store that keeps the list in memory does).
    pub fn apply_to(&self, members: &mut Vec<Member>) {
        if let Some(replaced) = &self.replaced {
            members.clone_from(replaced);
        }
        if !self.removed.is_empty() {
            members.retain(|m| !self.removed.contains(&m.value));
        }
        for member in &self.added {
            if !members.iter().any(|m| m.value == member.value) {
                members.push(member.clone());
            }
        }
    }

    fn fold_whole(&mut self, op: PatchOp, value: Option<&Value>) -> Option<()> {
        let list = match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .filter(|v| !v.is_null())
                .map(member)
                .collect::<Option<Vec<_>>>()?,
            Some(single) => vec![member(single)?],
        };
        match op {
            PatchOp::Add => {
                for m in list {
                    self.add(m);
                }
            }
            PatchOp::Replace => {
                self.replaced = Some(dedup(list));
                self.added.clear();
                self.removed.clear();
            }
            PatchOp::Remove => {
                self.replaced = Some(Vec::new());
                self.added.clear();
                self.removed.clear();
            }
        }
        Some(())
    }

    fn add(&mut self, member: Member) {
        self.removed.retain(|id| *id != member.value);
        if let Some(replaced) = &mut self.replaced {
            if !replaced.iter().any(|m| m.value == member.value) {
                replaced.push(member);
            }
            return;
        }
        if !self.added.iter().any(|m| m.value == member.value) {
            self.added.push(member);
        }
    }

    fn remove(&mut self, id: String) {
        self.added.retain(|m| m.value != id);
        if let Some(replaced) = &mut self.replaced {
            replaced.retain(|m| m.value != id);
            return;
        }
        if !self.removed.contains(&id) {
            self.removed.push(id);
        }
    }
}

fn dedup(list: Vec<Member>) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::with_capacity(list.len());
    for m in list {
        if !out.iter().any(|o| o.value == m.value) {
            out.push(m);
        }
    }
    out
}

fn member(value: &Value) -> Option<Member> {
    let object = value.as_object()?;
    let mut clean = Map::new();
    for (key, value) in object {
        if value.is_null() {
            continue;
        }
        let key = match key.to_ascii_lowercase().as_str() {
            "value" => "value",
            "display" => "display",
            "type" => "type",
            "$ref" => "$ref",
            _ => return None,
        };
        clean.insert(key.to_owned(), value.clone());
    }
    serde_json::from_value(Value::Object(clean)).ok()
}

fn names_members(rt: &ResourceType, path: &scimkit_filter::AttrPath) -> bool {
    matches!(rt.resolve(path), Some(Target::Attribute(r)) if r.attribute.name == "members" && r.namespace == crate::schema::Namespace::Core)
}

fn is_members(rt: &ResourceType, key: &str) -> bool {
    match scimkit_filter::parse_path(key) {
        Ok(PatchPath::Attr(path)) => path.sub_attr.is_none() && names_members(rt, &path),
        _ => false,
    }
}

/// The ids of `value eq "id"` tests joined by `or`.
fn value_ids(filter: &Filter, ids: &mut Vec<String>) -> Option<()> {
    match filter {
        Filter::Attr {
            path,
            test: AttrTest::Compare(CompareOp::Eq, CompValue::String(id)),
        } if path.urn.is_none() && path.is("value", None) => {
            ids.push(id.clone());
            Some(())
        }
        Filter::Or(operands) => operands.iter().try_for_each(|f| value_ids(f, ids)),
        _ => None,
    }
}
