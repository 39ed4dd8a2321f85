//! One tenant's data: every resource type's resources, indexes and group memberships, behind
//! the tenant's single lock (held by the caller, [`super::InMemoryStore`]).
//!
//! Every method here runs under that lock and does only checks and swaps: resources arrive
//! prepared (id, version, index keys, members and the packed form computed by the caller) and
//! leave as [`Snapshot`]s (the shared packed bytes plus member values), unpacked after the lock
//! is released.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::Utc;
use indexmap::IndexMap;
use serde_json::Value;

use crate::memory::id::{Id, IdHasher};
use crate::memory::index::{Indexes, Keys, Layout};
use crate::memory::members::{
    self, admit, group_ref, link, member_id, same_members, unlink, MemberOf, Members,
};
use crate::memory::packed::Packed;
use crate::patch::MemberDelta;
use crate::projection::{Document, Fragment};
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::{RenderedResource, StoreError, Version};

/// The next store-wide version.
pub(super) fn next_version(counter: &AtomicU64) -> Version {
    let n = counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    Version::new(n.to_string())
}

/// A resource about to be written, prepared outside the lock.
pub(super) struct Prepared {
    /// Its id.
    pub id: Id,
    /// The resource without `members` and `groups`, with its id and version set, packed.
    pub packed: Packed,
    /// The same resource rendered for responses that show it whole.
    pub document: Document,
    /// For a type with members: how a member's derived `groups` shows this resource.
    pub reference: Option<Fragment>,
    /// Its members, when its type has members.
    pub members: Option<Members>,
    /// Its index and uniqueness keys.
    pub keys: Keys,
}

/// A stored resource read under the lock, to be unpacked after it is released.
pub(super) struct Snapshot {
    position: usize,
    id: Id,
    packed: Packed,
    document: Document,
    /// The derived `groups` as rendered for the document.
    rendered_groups: Option<Fragment>,
    members: Option<Vec<Value>>,
    groups: Option<Vec<Value>>,
}

impl Snapshot {
    /// Creation order among the resources of its type.
    pub(super) fn position(&self) -> usize {
        self.position
    }

    /// The resource with `members`/`groups` put in (an empty list stays unassigned), with only
    /// the attributes `keep` accepts (the common ones always).
    pub(super) fn unpack_where(self, keep: impl Fn(&str) -> bool) -> Result<Resource, StoreError> {
        let mut resource = self.packed.unpack_where(Some(self.id.text()), keep)?;
        for (name, values) in [("members", self.members), ("groups", self.groups)] {
            if let Some(values) = values.filter(|v| !v.is_empty()) {
                resource
                    .attributes
                    .insert(name.to_owned(), Value::Array(values));
            }
        }
        Ok(resource)
    }

    /// A partial copy to filter or sort by: the attributes `keep` accepts, by name (`id`,
    /// `schemas`, `meta`, `members`/`groups` when taken, too).
    pub(super) fn view(&self, keep: impl Fn(&str) -> bool) -> Result<Resource, StoreError> {
        let id = keep("id").then(|| self.id.text());
        let mut resource = self.packed.unpack_where(id, &keep)?;
        for (name, values) in [("members", &self.members), ("groups", &self.groups)] {
            if let Some(values) = values.as_ref().filter(|v| !v.is_empty() && keep(name)) {
                resource
                    .attributes
                    .insert(name.to_owned(), Value::Array(values.clone()));
            }
        }
        Ok(resource)
    }

    /// The whole resource, with `members`/`groups` put in.
    pub(super) fn into_resource(self) -> Result<Resource, StoreError> {
        self.unpack_where(|_| true)
    }

    /// What [`Snapshot::into_resource`] gives, from `resource`, the resource as it was
    /// packed (the store's own copy of what it just wrote), without unpacking it.
    pub(super) fn into_written(self, mut resource: Resource) -> Resource {
        for (name, values) in [("members", self.members), ("groups", self.groups)] {
            if let Some(values) = values.filter(|v| !v.is_empty()) {
                resource
                    .attributes
                    .insert(name.to_owned(), Value::Array(values));
            }
        }
        resource
    }

    /// The resource for a response that shows it whole: its document, `members` (when taken)
    /// and `groups` rendered.
    pub(super) fn into_rendered(self) -> RenderedResource {
        rendered(self.document, self.members.as_deref(), self.rendered_groups)
    }
}

/// A resource's document and derived values as read under the lock.
pub(super) struct Parts {
    document: Document,
    members: Option<Vec<Value>>,
    groups: Option<Fragment>,
}

impl Parts {
    /// What a response shows of `entry`, a resource of `data`.
    fn of(data: &TypeData, entry: &Entry, with_members: bool) -> Parts {
        Parts {
            document: entry.document.clone(),
            members: entry
                .members
                .as_ref()
                .filter(|_| with_members)
                .map(|m| m.values().cloned().collect()),
            groups: entry.groups.clone().filter(|_| data.has_groups),
        }
    }

    /// The parts rendered into what a response copies.
    pub(super) fn into_rendered(self) -> RenderedResource {
        rendered(self.document, self.members.as_deref(), self.groups)
    }
}

/// A document with its derived `members` and `groups` (empty lists are left out).
pub(super) fn rendered(
    document: Document,
    members: Option<&[Value]>,
    groups: Option<Fragment>,
) -> RenderedResource {
    let mut derived = Vec::new();
    if let Some(members) = members.filter(|m| !m.is_empty()) {
        if let Ok(fragment) = Fragment::of(members) {
            derived.push(("members", fragment));
        }
    }
    if let Some(groups) = groups.filter(|g| !g.is_empty_array()) {
        derived.push(("groups", groups));
    }
    RenderedResource { document, derived }
}

/// One stored resource (its id is its key).
#[derive(Debug)]
struct Entry {
    packed: Packed,
    document: Document,
    /// Its derived `groups`, rendered (`None`: in no group); kept current by every change to
    /// a membership or to a group's reference.
    groups: Option<Fragment>,
    members: Option<Box<Members>>,
}

/// The resources of one resource type in one tenant.
#[derive(Debug)]
struct TypeData {
    /// The resource type, to render documents when a change touches a resource.
    rt: ResourceType,
    /// Id → entry, in creation order, with positional access so an unfiltered page is found
    /// without walking the resources before it (a delete shifts the rest: O(n), deletes are
    /// rare).
    entries: IndexMap<Id, Entry, IdHasher>,
    indexes: Indexes,
    has_members: bool,
    has_groups: bool,
}

impl TypeData {
    fn new(rt: &ResourceType) -> TypeData {
        TypeData {
            rt: rt.clone(),
            entries: IndexMap::default(),
            indexes: Indexes::new(Arc::new(Layout::of(rt))),
            has_members: members::has_members(rt),
            has_groups: members::has_groups(rt),
        }
    }

    /// The index keys the stored resource `id` holds (only the attributes they come from
    /// are unpacked).
    fn keys_of(&self, rt: &ResourceType, id: Id) -> Option<Keys> {
        let entry = self.entries.get(&id)?;
        let layout = self.indexes.layout();
        let resource = entry
            .packed
            .unpack_where(Some(id.text()), |key| layout.reads(key))
            .ok()?;
        Some(layout.keys(rt, &resource))
    }
}

/// Everything one tenant holds.
#[derive(Debug, Default)]
pub(super) struct TenantState {
    types: HashMap<String, TypeData>,
    member_of: MemberOf,
    /// How a member's derived `groups` shows each resource that has members (a small map,
    /// read for every user shown).
    references: HashMap<Id, Fragment, IdHasher>,
}

/// Fails unless the stored resource's version is `if_match` (when given).
fn check_version(packed: &Packed, if_match: Option<&Version>) -> Result<(), StoreError> {
    let Some(expected) = if_match else {
        return Ok(());
    };
    let meta = Resource {
        meta: packed.meta()?,
        ..Resource::default()
    };
    if Version::of(&meta).as_ref() == Some(expected) {
        Ok(())
    } else {
        Err(StoreError::VersionMismatch)
    }
}

impl TenantState {
    /// The layout of the indexes of `rt`, once a resource of `rt` was stored.
    pub(super) fn layout(&self, rt: &ResourceType) -> Option<Arc<Layout>> {
        let data = self.types.get(&rt.name)?;
        Some(Arc::clone(data.indexes.layout()))
    }

    /// The type data and entry of the resource `id`, whatever its type.
    fn locate(&self, id: Id) -> Option<(&str, &TypeData, &Entry)> {
        self.types
            .iter()
            .find_map(|(name, data)| Some((name.as_str(), data, data.entries.get(&id)?)))
    }

    /// The type name and whether it has members, of the resource `id`.
    fn kind_of(&self, id: Id) -> Option<(&str, bool)> {
        self.locate(id)
            .map(|(name, data, _)| (name, data.has_members))
    }

    /// Checks every member and fills missing `type`s.
    fn admit_all(&self, members: &mut Members) -> Result<(), StoreError> {
        for (id, value) in members.iter_mut() {
            admit(*id, value, |id| self.kind_of(id))?;
        }
        Ok(())
    }

    /// A snapshot of `id` of type `rt`, with members when `with_members`.
    pub(super) fn snapshot(
        &self,
        rt: &ResourceType,
        id: Id,
        with_members: bool,
    ) -> Option<Snapshot> {
        let data = self.types.get(&rt.name)?;
        let (position, _, entry) = data.entries.get_full(&id)?;
        Some(self.snapshot_of(data, position, id, entry, with_members, true))
    }

    /// Renders again the derived `groups` of each of `members` (after their memberships or a
    /// group's reference changed).
    fn refresh_groups(&mut self, members: &[Id]) {
        let TenantState {
            types,
            member_of,
            references,
        } = self;
        for member in members {
            let rendered = member_of
                .get(member)
                .filter(|groups| !groups.is_empty())
                .map(|groups| {
                    Fragment::array(groups.iter().map(|gid| {
                        match references.get(gid) {
                            Some(reference) => reference.clone(),
                            // Not kept (never for a type with members): as `groups_of` shows it.
                            None => {
                                let display = types
                                    .values()
                                    .find_map(|t| t.entries.get(gid))
                                    .and_then(|entry| entry.packed.attribute("displayName"));
                                Fragment::of(&group_ref(*gid, display))
                                    .unwrap_or_else(|_| Fragment::array([]))
                            }
                        }
                    }))
                });
            if let Some(entry) = types.values_mut().find_map(|t| t.entries.get_mut(member)) {
                entry.groups = rendered;
            }
        }
    }

    /// What a response that shows the resource `id` of type `rt` whole is made of (members
    /// included when `with_members`), taken under the lock and rendered after it
    /// ([`Parts::into_rendered`]): a big group's members are not serialised under the lock.
    pub(super) fn rendered_parts(
        &self,
        rt: &ResourceType,
        id: Id,
        with_members: bool,
    ) -> Option<Parts> {
        let data = self.types.get(&rt.name)?;
        let entry = data.entries.get(&id)?;
        Some(Parts::of(data, entry, with_members))
    }

    /// One page of `rt` in creation order, as parts to render (the packed resources are not
    /// touched), and how many resources `rt` has.
    pub(super) fn page_parts(
        &self,
        rt: &ResourceType,
        start: usize,
        count: usize,
        with_members: bool,
    ) -> (Vec<Parts>, usize) {
        self.page_of(rt, start, count, |data, _, _, entry| {
            Parts::of(data, entry, with_members)
        })
    }

    /// A user's derived `groups` (RFC 7643 §4.1.2), `None` when it belongs to none.
    pub(super) fn groups_of(&self, id: Id) -> Option<Vec<Value>> {
        let groups = self.member_of.get(&id)?;
        // Groups are (nearly always) of one type: find it once, not per group.
        let mut kind: Option<&TypeData> = None;
        Some(
            groups
                .iter()
                .map(|gid| {
                    let entry = match kind.and_then(|data| data.entries.get(gid)) {
                        Some(entry) => Some(entry),
                        None => self.locate(*gid).map(|(_, data, entry)| {
                            kind = Some(data);
                            entry
                        }),
                    };
                    let display = entry.and_then(|e| e.packed.attribute("displayName"));
                    group_ref(*gid, display)
                })
                .collect(),
        )
    }

    fn snapshot_of(
        &self,
        data: &TypeData,
        position: usize,
        id: Id,
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
            position,
            id,
            packed: entry.packed.clone(),
            document: entry.document.clone(),
            rendered_groups: entry.groups.clone().filter(|_| data.has_groups),
            members,
            groups,
        }
    }

    /// Snapshots of the resources of `rt` among `ids` (every one when `None`), in creation
    /// order.
    pub(super) fn snapshots(
        &self,
        rt: &ResourceType,
        ids: Option<&[Id]>,
        with_members: bool,
        with_groups: bool,
    ) -> Vec<Snapshot> {
        let Some(data) = self.types.get(&rt.name) else {
            return Vec::new();
        };
        match ids {
            None => data
                .entries
                .iter()
                .enumerate()
                .map(|(position, (id, entry))| {
                    self.snapshot_of(data, position, *id, entry, with_members, with_groups)
                })
                .collect(),
            Some(ids) => {
                let mut found: Vec<Snapshot> = ids
                    .iter()
                    .filter_map(|id| {
                        let (position, _, entry) = data.entries.get_full(id)?;
                        Some(self.snapshot_of(
                            data,
                            position,
                            *id,
                            entry,
                            with_members,
                            with_groups,
                        ))
                    })
                    .collect();
                found.sort_by_key(Snapshot::position);
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
        with_groups: bool,
    ) -> (Vec<Snapshot>, usize) {
        self.page_of(rt, start, count, |data, position, id, entry| {
            self.snapshot_of(data, position, id, entry, with_members, with_groups)
        })
    }

    /// `take` of each resource of one page of `rt` in creation order (position, id, entry),
    /// and how many resources `rt` has.
    fn page_of<T>(
        &self,
        rt: &ResourceType,
        start: usize,
        count: usize,
        take: impl Fn(&TypeData, usize, Id, &Entry) -> T,
    ) -> (Vec<T>, usize) {
        let Some(data) = self.types.get(&rt.name) else {
            return (Vec::new(), 0);
        };
        let end = start.saturating_add(count).min(data.entries.len());
        let page = (start..end)
            .filter_map(|position| {
                let (id, entry) = data.entries.get_index(position)?;
                Some(take(data, position, *id, entry))
            })
            .collect();
        (page, data.entries.len())
    }

    /// The ids an index gives for `filter` on `rt` (`None`: scan).
    pub(super) fn candidates(
        &self,
        rt: &ResourceType,
        filter: &scimkit_filter::Filter,
    ) -> Option<Vec<Id>> {
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
            id,
            packed,
            document,
            reference,
            mut members,
            keys,
        } = prepared;
        if let Some(members) = members.as_mut() {
            self.admit_all(members)?;
        }
        let data = self
            .types
            .entry(rt.name.clone())
            .or_insert_with(|| TypeData::new(rt));
        data.indexes
            .check_unique(&keys, None, |holder| data.keys_of(rt, holder))?;
        data.indexes.insert(id, &keys);
        if let Some(members) = &members {
            for member in members.keys() {
                link(&mut self.member_of, *member, id);
            }
        }
        let linked: Vec<Id> = members.iter().flat_map(|m| m.keys().copied()).collect();
        data.entries.insert(
            id,
            Entry {
                packed,
                document,
                groups: None,
                members: members.map(Box::new),
            },
        );
        if let Some(reference) = reference {
            self.references.insert(id, reference);
        }
        self.refresh_groups(&linked);
        self.snapshot(rt, id, true).ok_or(StoreError::NotFound)
    }

    /// Replaces a stored resource, checking the version, uniqueness and members atomically.
    pub(super) fn replace(
        &mut self,
        rt: &ResourceType,
        id: Id,
        prepared: Prepared,
        if_match: Option<&Version>,
    ) -> Result<Snapshot, StoreError> {
        let Prepared {
            packed,
            document,
            reference,
            mut members,
            keys,
            ..
        } = prepared;
        let old_keys = {
            let data = self.types.get(&rt.name).ok_or(StoreError::NotFound)?;
            let entry = data.entries.get(&id).ok_or(StoreError::NotFound)?;
            check_version(&entry.packed, if_match)?;
            data.indexes
                .check_unique(&keys, Some(id), |holder| data.keys_of(rt, holder))?;
            data.keys_of(rt, id).ok_or(StoreError::NotFound)?
        };
        if let Some(members) = members.as_mut() {
            self.admit_all(members)?;
        }
        let TenantState {
            types,
            member_of,
            references,
        } = self;
        let data = types.get_mut(&rt.name).ok_or(StoreError::NotFound)?;
        let entry = data.entries.get_mut(&id).ok_or(StoreError::NotFound)?;
        data.indexes.remove(id, &old_keys);
        data.indexes.insert(id, &keys);
        let empty = Members::default();
        let old = entry.members.as_deref().unwrap_or(&empty);
        let new = members.as_ref().unwrap_or(&empty);
        let renamed = references.get(&id) != reference.as_ref();
        let mut changed = Vec::new();
        for member in old.keys().filter(|m| !new.contains_key(*m)) {
            unlink(member_of, *member, id);
            changed.push(*member);
        }
        for member in new.keys() {
            if !old.contains_key(member) {
                link(member_of, *member, id);
                changed.push(*member);
            } else if renamed {
                // Same member, new name of the group in its `groups`.
                changed.push(*member);
            }
        }
        entry.packed = packed;
        entry.document = document;
        match reference {
            Some(reference) => references.insert(id, reference),
            None => references.remove(&id),
        };
        entry.members = members.map(Box::new);
        self.refresh_groups(&changed);
        self.snapshot(rt, id, true).ok_or(StoreError::NotFound)
    }

    /// Deletes a resource and every membership it takes part in; the groups it leaves get a
    /// new version and `lastModified`.
    pub(super) fn delete(
        &mut self,
        rt: &ResourceType,
        id: Id,
        if_match: Option<&Version>,
        versions: &AtomicU64,
    ) -> Result<(), StoreError> {
        let keys = {
            let data = self.types.get(&rt.name).ok_or(StoreError::NotFound)?;
            let entry = data.entries.get(&id).ok_or(StoreError::NotFound)?;
            check_version(&entry.packed, if_match)?;
            data.keys_of(rt, id).ok_or(StoreError::NotFound)?
        };
        let TenantState {
            types,
            member_of,
            references,
        } = self;
        let data = types.get_mut(&rt.name).ok_or(StoreError::NotFound)?;
        let Some(entry) = data.entries.shift_remove(&id) else {
            return Err(StoreError::NotFound);
        };
        references.remove(&id);
        data.indexes.remove(id, &keys);
        let unlinked: Vec<Id> = entry
            .members
            .iter()
            .flat_map(|m| m.keys().copied())
            .collect();
        for member in &unlinked {
            unlink(member_of, *member, id);
        }
        let groups = member_of.remove(&id).unwrap_or_default();
        for gid in groups {
            let Some((group_rt, group)) = types
                .values_mut()
                .find_map(|t| Some((&t.rt, t.entries.get_mut(&gid)?)))
            else {
                continue;
            };
            if let Some(members) = group.members.as_mut() {
                members.swap_remove(&id);
            }
            touch(group_rt, group, gid, versions);
        }
        self.refresh_groups(&unlinked);
        Ok(())
    }

    /// Applies a member delta to a group in place: O(changed members).
    pub(super) fn patch_members(
        &mut self,
        rt: &ResourceType,
        id: Id,
        delta: &MemberDelta,
        if_match: Option<&Version>,
        versions: &AtomicU64,
        with_members: bool,
    ) -> Result<(Snapshot, bool), StoreError> {
        {
            let data = self.types.get(&rt.name).ok_or(StoreError::NotFound)?;
            let entry = data.entries.get(&id).ok_or(StoreError::NotFound)?;
            check_version(&entry.packed, if_match)?;
        }
        let mut replaced = match &delta.replaced {
            Some(list) => {
                let mut members = Members::default();
                for member in list {
                    members
                        .entry(member_id(&member.value)?)
                        .or_insert(members::member_value(member)?);
                }
                self.admit_all(&mut members)?;
                Some(members)
            }
            None => None,
        };
        let mut added = Members::default();
        for member in &delta.added {
            added
                .entry(member_id(&member.value)?)
                .or_insert(members::member_value(member)?);
        }
        self.admit_all(&mut added)?;

        let TenantState {
            types, member_of, ..
        } = self;
        let (entry_rt, entry) = types
            .get_mut(&rt.name)
            .and_then(|t| Some((&t.rt, t.entries.get_mut(&id)?)))
            .ok_or(StoreError::NotFound)?;
        let current = entry.members.get_or_insert_with(Box::default);
        let mut moved = Vec::new();
        if let Some(new) = replaced.take() {
            if !same_members(current, &new) {
                for member in current.keys().filter(|m| !new.contains_key(*m)) {
                    unlink(member_of, *member, id);
                    moved.push(*member);
                }
                for member in new.keys().filter(|m| !current.contains_key(*m)) {
                    link(member_of, *member, id);
                    moved.push(*member);
                }
                **current = new;
            }
        }
        for member in delta.removed.iter().filter_map(|text| Id::parse(text)) {
            if current.swap_remove(&member).is_some() {
                unlink(member_of, member, id);
                moved.push(member);
            }
        }
        for (member, value) in added {
            if !current.contains_key(&member) {
                link(member_of, member, id);
                current.insert(member, value);
                moved.push(member);
            }
        }
        let changed = !moved.is_empty();
        if changed {
            touch(entry_rt, entry, id, versions);
        }
        self.refresh_groups(&moved);
        self.snapshot(rt, id, with_members)
            .map(|snapshot| (snapshot, changed))
            .ok_or(StoreError::NotFound)
    }
}

/// Gives a changed resource a new version and `lastModified` (the stored resource is small:
/// members live outside it, so this copies no member list). Bytes that do not unpack (a bug
/// of `packed`) are left as they are rather than failing half-way through a change.
fn touch(rt: &ResourceType, entry: &mut Entry, id: Id, versions: &AtomicU64) {
    let Ok(mut resource) = entry.packed.unpack(id.text()) else {
        return;
    };
    if let Some(meta) = resource.meta.as_mut() {
        meta.last_modified = Utc::now();
    }
    if next_version(versions).set_on(&mut resource).is_err() {
        return;
    }
    entry.packed = Packed::pack(&resource);
    entry.document = Document::render(rt, &resource);
}
