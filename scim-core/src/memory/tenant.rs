//! One tenant's data: every resource type's resources, indexes and group memberships, behind
//! the tenant's single lock (held by the caller, [`super::InMemoryStore`]).
//!
//! Every method here runs under that lock and does only checks and swaps: resources arrive
//! prepared (id, version, index keys and members computed by the caller) and leave as
//! [`Snapshot`]s (an `Arc` plus the member values), materialised after the lock is released.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;

use crate::memory::index::{Indexes, Keys, Layout};
use crate::memory::members::{
    self, admit, group_ref, link, same_members, unlink, MemberOf, Members,
};
use crate::patch::MemberDelta;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::{StoreError, Version};

/// The next store-wide version.
pub(super) fn next_version(counter: &AtomicU64) -> Version {
    let n = counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    Version::new(n.to_string())
}

/// A resource about to be written, prepared outside the lock.
pub(super) struct Prepared {
    /// The resource without `members` and `groups`, with its id and version set.
    pub resource: Resource,
    /// Its members, when its type has members.
    pub members: Option<Members>,
    /// Its index and uniqueness keys.
    pub keys: Keys,
}

/// A stored resource read under the lock, to be materialised after it is released.
pub(super) struct Snapshot {
    seq: u64,
    resource: Arc<Resource>,
    members: Option<Vec<Value>>,
    groups: Option<Vec<Value>>,
}

impl Snapshot {
    /// Creation order in the tenant.
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    /// Whether materialising adds anything to the stored resource.
    fn is_bare(&self) -> bool {
        self.members.is_none() && self.groups.is_none()
    }

    /// The resource with `members`/`groups` put in (an empty list stays unassigned).
    pub(super) fn into_arc(self) -> Arc<Resource> {
        if self.is_bare() {
            return self.resource;
        }
        let mut resource = Arc::unwrap_or_clone(self.resource);
        for (name, values) in [("members", self.members), ("groups", self.groups)] {
            if let Some(values) = values.filter(|v| !v.is_empty()) {
                resource
                    .attributes
                    .insert(name.to_owned(), Value::Array(values));
            }
        }
        Arc::new(resource)
    }

    /// The materialised resource, owned.
    pub(super) fn into_resource(self) -> Resource {
        Arc::unwrap_or_clone(self.into_arc())
    }
}

/// One stored resource.
#[derive(Debug)]
struct Entry {
    seq: u64,
    resource: Arc<Resource>,
    members: Option<Members>,
    keys: Keys,
}

/// The resources of one resource type in one tenant.
#[derive(Debug)]
struct TypeData {
    entries: HashMap<String, Entry>,
    /// Ids in creation order, with positional access so an unfiltered page is found without
    /// walking the resources before it (a delete shifts the rest: O(n), deletes are rare).
    order: indexmap::IndexSet<String>,
    indexes: Indexes,
    has_members: bool,
    has_groups: bool,
}

impl TypeData {
    fn new(rt: &ResourceType) -> TypeData {
        TypeData {
            entries: HashMap::new(),
            order: indexmap::IndexSet::new(),
            indexes: Indexes::new(Layout::of(rt)),
            has_members: members::has_members(rt),
            has_groups: members::has_groups(rt),
        }
    }
}

/// Everything one tenant holds.
#[derive(Debug, Default)]
pub(super) struct TenantState {
    types: HashMap<String, TypeData>,
    /// Every id of the tenant → its resource type's name.
    kinds: HashMap<String, String>,
    member_of: MemberOf,
    next_seq: u64,
}

/// Fails unless `resource`'s version is `if_match` (when given).
fn check_version(resource: &Resource, if_match: Option<&Version>) -> Result<(), StoreError> {
    match if_match {
        Some(expected) if Version::of(resource).as_ref() != Some(expected) => {
            Err(StoreError::VersionMismatch)
        }
        _ => Ok(()),
    }
}

impl TenantState {
    /// The type name and whether it has members, of the resource `id`.
    fn kind_of(&self, id: &str) -> Option<(String, bool)> {
        let kind = self.kinds.get(id)?;
        let is_group = self.types.get(kind).is_some_and(|t| t.has_members);
        Some((kind.clone(), is_group))
    }

    /// Checks every member and fills missing `type`s.
    fn admit_all(&self, members: &mut Members) -> Result<(), StoreError> {
        for (id, value) in members.iter_mut() {
            admit(id, value, |id| self.kind_of(id))?;
        }
        Ok(())
    }

    /// A snapshot of `id` of type `rt`, with members when `with_members`.
    pub(super) fn snapshot(
        &self,
        rt: &ResourceType,
        id: &str,
        with_members: bool,
    ) -> Option<Snapshot> {
        let data = self.types.get(&rt.name)?;
        let entry = data.entries.get(id)?;
        Some(self.snapshot_of(data, id, entry, with_members, true))
    }

    /// A user's derived `groups` (RFC 7643 §4.1.2), `None` when it belongs to none.
    pub(super) fn groups_of(&self, id: &str) -> Option<Vec<Value>> {
        self.member_of.get(id).map(|groups| {
            groups
                .iter()
                .map(|gid| {
                    let display = self
                        .kinds
                        .get(gid)
                        .and_then(|kind| self.types.get(kind))
                        .and_then(|t| t.entries.get(gid))
                        .and_then(|e| e.resource.get("displayName"));
                    group_ref(gid, display)
                })
                .collect()
        })
    }

    fn snapshot_of(
        &self,
        data: &TypeData,
        id: &str,
        entry: &Entry,
        with_members: bool,
        with_groups: bool,
    ) -> Snapshot {
        let members = if with_members {
            entry
                .members
                .as_ref()
                .map(|m| m.values().cloned().collect())
        } else {
            None
        };
        let groups = if data.has_groups && with_groups {
            self.groups_of(id)
        } else {
            None
        };
        Snapshot {
            seq: entry.seq,
            resource: Arc::clone(&entry.resource),
            members,
            groups,
        }
    }

    /// Snapshots of the resources of `rt` among `ids` (every one when `None`), in creation
    /// order.
    pub(super) fn snapshots(
        &self,
        rt: &ResourceType,
        ids: Option<&[String]>,
        with_members: bool,
        with_groups: bool,
    ) -> Vec<Snapshot> {
        let Some(data) = self.types.get(&rt.name) else {
            return Vec::new();
        };
        match ids {
            None => data
                .order
                .iter()
                .filter_map(|id| {
                    let entry = data.entries.get(id)?;
                    Some(self.snapshot_of(data, id, entry, with_members, with_groups))
                })
                .collect(),
            Some(ids) => {
                let mut found: Vec<Snapshot> = ids
                    .iter()
                    .filter_map(|id| {
                        let entry = data.entries.get(id)?;
                        Some(self.snapshot_of(data, id, entry, with_members, with_groups))
                    })
                    .collect();
                found.sort_by_key(Snapshot::seq);
                found
            }
        }
    }

    /// One page of `rt` in creation order, without looking at the other resources, and how
    /// many there are in all (for a list with no filter and no sort).
    pub(super) fn page_snapshots(
        &self,
        rt: &ResourceType,
        start: usize,
        count: usize,
        with_members: bool,
    ) -> (Vec<Snapshot>, usize) {
        let Some(data) = self.types.get(&rt.name) else {
            return (Vec::new(), 0);
        };
        let page = (start..start.saturating_add(count).min(data.order.len()))
            .filter_map(|i| {
                let id = data.order.get_index(i)?;
                let entry = data.entries.get(id)?;
                Some(self.snapshot_of(data, id, entry, with_members, true))
            })
            .collect();
        (page, data.order.len())
    }

    /// The ids an index gives for `filter` on `rt` (`None`: scan).
    pub(super) fn candidates(
        &self,
        rt: &ResourceType,
        filter: &scimkit_filter::Filter,
    ) -> Option<Vec<String>> {
        match self.types.get(&rt.name) {
            Some(data) => data.indexes.candidates(rt, filter),
            None => Some(Vec::new()),
        }
    }

    /// Stores a new resource, checking uniqueness and members atomically.
    pub(super) fn create(
        &mut self,
        rt: &ResourceType,
        prepared: Prepared,
    ) -> Result<Snapshot, StoreError> {
        let Prepared {
            resource,
            mut members,
            keys,
        } = prepared;
        let id = resource.id.clone().ok_or(StoreError::NotFound)?;
        if let Some(members) = members.as_mut() {
            self.admit_all(members)?;
        }
        let data = self
            .types
            .entry(rt.name.clone())
            .or_insert_with(|| TypeData::new(rt));
        data.indexes.check_unique(&keys, None)?;
        self.next_seq += 1;
        let seq = self.next_seq;
        data.indexes.insert(&id, &keys);
        data.order.insert(id.clone());
        if let Some(members) = &members {
            for member in members.keys() {
                link(&mut self.member_of, member, &id);
            }
        }
        data.entries.insert(
            id.clone(),
            Entry {
                seq,
                resource: Arc::new(resource),
                members,
                keys,
            },
        );
        self.kinds.insert(id.clone(), rt.name.clone());
        self.snapshot(rt, &id, true).ok_or(StoreError::NotFound)
    }

    /// Replaces a stored resource, checking the version, uniqueness and members atomically.
    pub(super) fn replace(
        &mut self,
        rt: &ResourceType,
        id: &str,
        prepared: Prepared,
        if_match: Option<&Version>,
    ) -> Result<Snapshot, StoreError> {
        let Prepared {
            resource,
            mut members,
            keys,
        } = prepared;
        {
            let data = self.types.get(&rt.name).ok_or(StoreError::NotFound)?;
            let entry = data.entries.get(id).ok_or(StoreError::NotFound)?;
            check_version(&entry.resource, if_match)?;
            data.indexes.check_unique(&keys, Some(id))?;
        }
        if let Some(members) = members.as_mut() {
            self.admit_all(members)?;
        }
        let TenantState {
            types, member_of, ..
        } = self;
        let data = types.get_mut(&rt.name).ok_or(StoreError::NotFound)?;
        let entry = data.entries.get_mut(id).ok_or(StoreError::NotFound)?;
        data.indexes.remove(id, &entry.keys);
        data.indexes.insert(id, &keys);
        let empty = Members::new();
        let old = entry.members.as_ref().unwrap_or(&empty);
        let new = members.as_ref().unwrap_or(&empty);
        for member in old.keys().filter(|m| !new.contains_key(*m)) {
            unlink(member_of, member, id);
        }
        for member in new.keys().filter(|m| !old.contains_key(*m)) {
            link(member_of, member, id);
        }
        entry.resource = Arc::new(resource);
        entry.members = members;
        entry.keys = keys;
        self.snapshot(rt, id, true).ok_or(StoreError::NotFound)
    }

    /// Deletes a resource and every membership it takes part in; the groups it leaves get a
    /// new version and `lastModified`.
    pub(super) fn delete(
        &mut self,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
        versions: &AtomicU64,
    ) -> Result<(), StoreError> {
        let TenantState {
            types,
            kinds,
            member_of,
            ..
        } = self;
        let data = types.get_mut(&rt.name).ok_or(StoreError::NotFound)?;
        let entry = data.entries.get(id).ok_or(StoreError::NotFound)?;
        check_version(&entry.resource, if_match)?;
        let Some(entry) = data.entries.remove(id) else {
            return Err(StoreError::NotFound);
        };
        data.indexes.remove(id, &entry.keys);
        data.order.shift_remove(id);
        kinds.remove(id);
        for member in entry.members.iter().flat_map(|m| m.keys()) {
            unlink(member_of, member, id);
        }
        let groups = member_of.remove(id).unwrap_or_default();
        for gid in groups {
            let Some(group) = kinds
                .get(&gid)
                .and_then(|kind| types.get_mut(kind))
                .and_then(|t| t.entries.get_mut(&gid))
            else {
                continue;
            };
            if let Some(members) = group.members.as_mut() {
                members.swap_remove(id);
            }
            touch(group, versions);
        }
        Ok(())
    }

    /// Applies a member delta to a group in place: O(changed members).
    pub(super) fn patch_members(
        &mut self,
        rt: &ResourceType,
        id: &str,
        delta: &MemberDelta,
        if_match: Option<&Version>,
        versions: &AtomicU64,
        with_members: bool,
    ) -> Result<(Snapshot, bool), StoreError> {
        {
            let data = self.types.get(&rt.name).ok_or(StoreError::NotFound)?;
            let entry = data.entries.get(id).ok_or(StoreError::NotFound)?;
            check_version(&entry.resource, if_match)?;
        }
        let mut replaced = match &delta.replaced {
            Some(list) => {
                let mut members = Members::new();
                for member in list {
                    members
                        .entry(member.value.clone())
                        .or_insert(members::member_value(member)?);
                }
                self.admit_all(&mut members)?;
                Some(members)
            }
            None => None,
        };
        let mut added = Members::new();
        for member in &delta.added {
            added
                .entry(member.value.clone())
                .or_insert(members::member_value(member)?);
        }
        self.admit_all(&mut added)?;

        let TenantState {
            types, member_of, ..
        } = self;
        let entry = types
            .get_mut(&rt.name)
            .and_then(|t| t.entries.get_mut(id))
            .ok_or(StoreError::NotFound)?;
        let current = entry.members.get_or_insert_with(Members::new);
        let mut changed = false;
        if let Some(new) = replaced.take() {
            if !same_members(current, &new) {
                for member in current.keys().filter(|m| !new.contains_key(*m)) {
                    unlink(member_of, member, id);
                }
                for member in new.keys().filter(|m| !current.contains_key(*m)) {
                    link(member_of, member, id);
                }
                *current = new;
                changed = true;
            }
        }
        for member in &delta.removed {
            if current.swap_remove(member).is_some() {
                unlink(member_of, member, id);
                changed = true;
            }
        }
        for (member, value) in added {
            if !current.contains_key(&member) {
                link(member_of, &member, id);
                current.insert(member, value);
                changed = true;
            }
        }
        if changed {
            touch(entry, versions);
        }
        self.snapshot(rt, id, with_members)
            .map(|snapshot| (snapshot, changed))
            .ok_or(StoreError::NotFound)
    }
}

/// Gives a changed resource a new version and `lastModified` (the stored resource is small:
/// members live outside it, so this copies no member list).
fn touch(entry: &mut Entry, versions: &AtomicU64) {
    let mut resource = (*entry.resource).clone();
    if let Some(meta) = resource.meta.as_mut() {
        meta.last_modified = Utc::now();
    }
    next_version(versions).set_on(&mut resource);
    entry.resource = Arc::new(resource);
}
