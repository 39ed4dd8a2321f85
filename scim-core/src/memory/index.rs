//! The lookup indexes and uniqueness maps of one resource type in one tenant.
//!
//! Which attributes are indexed is read from the resource type ([`Layout::of`]): `userName`,
//! `externalId`, `displayName` and `emails.value` when the type defines them, folded with
//! `to_lowercase` (as the filter evaluator folds) unless `caseExact`. Which attributes are
//! unique is read from the core schema: singular strings with `uniqueness` `server` or
//! `global`. One map per attribute serves both its lookups and its uniqueness.
//!
//! A map is keyed by a keyed hash (SipHash with a per-store random key) of the folded value,
//! not by the value: no text is stored, so an entry is 32 bytes. Two values may share a hash,
//! so an index answers a superset of the matches (the compiled filter re-checks every
//! candidate) and a uniqueness hit is confirmed against the holder's own value before it is
//! reported. This module never holds resources or decides matches.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use scimkit_filter::{AttrPath, AttrTest, CompValue, CompareOp, Filter};

use crate::memory::id::{Id, IdHasher};
use crate::resource::Resource;
use crate::schema::{AttributeType, ResourceType, Target, Uniqueness};
use crate::store::StoreError;

/// The attributes identity providers look resources up by before every create.
const INDEXED: [(&str, Option<&str>); 4] = [
    ("userName", None),
    ("externalId", None),
    ("displayName", None),
    ("emails", Some("value")),
];

/// One indexed or unique attribute.
#[derive(Debug, Clone)]
struct KeyDef {
    path: AttrPath,
    /// The attribute's spelling in the schema, for error details.
    name: String,
    case_exact: bool,
    unique: bool,
}

impl KeyDef {
    fn fold(&self, text: &str) -> String {
        if self.case_exact {
            text.to_owned()
        } else {
            text.to_lowercase()
        }
    }
}

/// Which attributes of a resource type are indexed or unique.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    defs: Vec<KeyDef>,
}

impl Layout {
    /// The layout of `rt`: the [`INDEXED`] attributes it defines, and its unique core strings.
    pub(super) fn of(rt: &ResourceType) -> Layout {
        let mut defs: Vec<KeyDef> = INDEXED
            .iter()
            .filter_map(|(name, sub)| {
                let path = match sub {
                    Some(sub) => AttrPath::new(*name).with_sub_attr(*sub),
                    None => AttrPath::new(*name),
                };
                match rt.resolve(&path) {
                    Some(Target::Attribute(resolved))
                        if resolved.leaf().kind == AttributeType::String =>
                    {
                        Some(KeyDef {
                            name: path.to_string(),
                            case_exact: resolved.leaf().case_exact,
                            path,
                            unique: false,
                        })
                    }
                    _ => None,
                }
            })
            .collect();
        let unique = rt.schema.attributes.iter().filter(|a| {
            a.uniqueness != Uniqueness::None && !a.multi_valued && a.kind == AttributeType::String
        });
        for attribute in unique {
            let path = AttrPath::new(attribute.name.clone());
            match defs
                .iter_mut()
                .find(|def| same_attribute(rt, &def.path, &path))
            {
                Some(def) => def.unique = true,
                None => defs.push(KeyDef {
                    path,
                    name: attribute.name.clone(),
                    case_exact: attribute.case_exact,
                    unique: true,
                }),
            }
        }
        Layout { defs }
    }

    /// Whether the stored key `key` (a top-level attribute, an extension's URN, or
    /// `externalId`) can hold a value of this layout: [`Layout::keys`] of a resource with only
    /// those is the keys of the whole resource.
    pub(super) fn reads(&self, key: &str) -> bool {
        key == "externalId"
            || self.defs.iter().any(|def| {
                def.path
                    .urn
                    .as_deref()
                    .unwrap_or(&def.path.name)
                    .eq_ignore_ascii_case(key)
            })
    }

    /// The index and uniqueness keys of `resource`.
    pub(super) fn keys(&self, rt: &ResourceType, resource: &Resource) -> Keys {
        let values = self
            .defs
            .iter()
            .map(|def| {
                let mut keys: Vec<Key> = resource
                    .strings_at(rt, &def.path)
                    .into_iter()
                    .map(|shown| Key {
                        folded: def.fold(&shown),
                        shown,
                    })
                    .collect();
                keys.sort_unstable_by(|a, b| a.folded.cmp(&b.folded));
                keys.dedup_by(|a, b| a.folded == b.folded);
                keys
            })
            .collect();
        Keys { values }
    }
}

/// One value of an indexed attribute: folded, and as written (for error details).
#[derive(Debug, Clone)]
pub(super) struct Key {
    folded: String,
    shown: String,
}

/// The keys one resource puts in the indexes (computed before a write; the stored resource
/// gives them again before its removal).
#[derive(Debug, Clone, Default)]
pub(super) struct Keys {
    /// Per attribute (in [`Layout`] order): its distinct folded values.
    values: Vec<Vec<Key>>,
}

/// The ids holding one hashed value: almost always one.
#[derive(Debug)]
enum Holders {
    One(Id),
    Many(Vec<Id>),
}

impl Holders {
    fn as_slice(&self) -> &[Id] {
        match self {
            Holders::One(id) => std::slice::from_ref(id),
            Holders::Many(ids) => ids,
        }
    }
}

/// The indexes of one resource type in one tenant.
#[derive(Debug)]
pub(super) struct Indexes {
    layout: Arc<Layout>,
    /// Keys the hash of folded values.
    hasher: RandomState,
    /// Per attribute of the layout: hash of a folded value → the ids holding it.
    maps: Vec<HashMap<u64, Holders, IdHasher>>,
}

impl Indexes {
    pub(super) fn new(layout: Arc<Layout>) -> Indexes {
        Indexes {
            maps: layout.defs.iter().map(|_| HashMap::default()).collect(),
            hasher: RandomState::new(),
            layout,
        }
    }

    /// The layout these indexes follow.
    pub(super) fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// Fails when a unique value of `keys` is held by a resource other than `own`.
    /// `keys_of` gives a holder's keys, to confirm that it holds the value and not only its
    /// hash.
    pub(super) fn check_unique(
        &self,
        keys: &Keys,
        own: Option<Id>,
        keys_of: impl Fn(Id) -> Option<Keys>,
    ) -> Result<(), StoreError> {
        for (position, (def, map)) in self.layout.defs.iter().zip(&self.maps).enumerate() {
            if !def.unique {
                continue;
            }
            for key in keys.values.get(position).into_iter().flatten() {
                let Some(holders) = map.get(&self.hasher.hash_one(&key.folded)) else {
                    continue;
                };
                let taken = holders
                    .as_slice()
                    .iter()
                    .filter(|holder| Some(**holder) != own)
                    .any(|holder| {
                        keys_of(*holder).is_some_and(|theirs| {
                            theirs
                                .values
                                .get(position)
                                .is_some_and(|values| values.iter().any(|v| v.folded == key.folded))
                        })
                    });
                if taken {
                    return Err(StoreError::Uniqueness(format!(
                        "{} \"{}\" is already taken",
                        def.name, key.shown
                    )));
                }
            }
        }
        Ok(())
    }

    /// Records `keys` for `id` (after [`Indexes::check_unique`]).
    pub(super) fn insert(&mut self, id: Id, keys: &Keys) {
        for (map, values) in self.maps.iter_mut().zip(&keys.values) {
            for key in values {
                let hash = self.hasher.hash_one(&key.folded);
                match map.get_mut(&hash) {
                    None => {
                        map.insert(hash, Holders::One(id));
                    }
                    Some(Holders::One(other)) if *other == id => {}
                    Some(holders @ Holders::One(_)) => {
                        let first = holders.as_slice().to_vec();
                        *holders = Holders::Many(first.into_iter().chain([id]).collect());
                    }
                    Some(Holders::Many(ids)) => {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                }
            }
        }
    }

    /// Forgets `keys` of `id`.
    pub(super) fn remove(&mut self, id: Id, keys: &Keys) {
        for (map, values) in self.maps.iter_mut().zip(&keys.values) {
            for key in values {
                let hash = self.hasher.hash_one(&key.folded);
                let emptied = match map.get_mut(&hash) {
                    None => false,
                    Some(Holders::One(holder)) => *holder == id,
                    Some(holders @ Holders::Many(_)) => {
                        if let Holders::Many(ids) = holders {
                            ids.retain(|holder| *holder != id);
                            if let [only] = ids.as_slice() {
                                *holders = Holders::One(*only);
                            }
                        }
                        false
                    }
                };
                if emptied {
                    map.remove(&hash);
                }
            }
        }
    }

    /// The ids that may match `filter`, when an index can tell: `filter` is `attr eq "text"`
    /// on an indexed attribute, or an `and` chain with such an operand (the smallest candidate
    /// set is chosen). `None` means a scan is needed. The result is a superset of the matches.
    pub(super) fn candidates(&self, rt: &ResourceType, filter: &Filter) -> Option<Vec<Id>> {
        let operands: &[Filter] = match filter {
            Filter::And(operands) => operands,
            other => std::slice::from_ref(other),
        };
        let mut best: Option<&[Id]> = None;
        for hit in operands
            .iter()
            .filter_map(|operand| self.lookup(rt, operand))
        {
            if best.is_none_or(|b| hit.len() < b.len()) {
                best = Some(hit);
            }
            if hit.is_empty() {
                break;
            }
        }
        best.map(<[Id]>::to_vec)
    }

    /// What an index answers for `filter`, when it can: the ids holding the value's hash.
    fn lookup(&self, rt: &ResourceType, filter: &Filter) -> Option<&[Id]> {
        let Filter::Attr {
            path,
            test: AttrTest::Compare(CompareOp::Eq, CompValue::String(text)),
        } = filter
        else {
            return None;
        };
        let position = self
            .layout
            .defs
            .iter()
            .position(|def| same_attribute(rt, &def.path, path))?;
        let def = self.layout.defs.get(position)?;
        let map = self.maps.get(position)?;
        let hash = self.hasher.hash_one(def.fold(text));
        Some(map.get(&hash).map_or(&[], Holders::as_slice))
    }
}

/// Whether two paths name the same attribute (and sub-attribute) of `rt`.
fn same_attribute(rt: &ResourceType, indexed: &AttrPath, asked: &AttrPath) -> bool {
    match (rt.resolve(indexed), rt.resolve(asked)) {
        (Some(Target::Attribute(left)), Some(Target::Attribute(right))) => {
            std::ptr::eq(left.attribute, right.attribute)
                && match (left.sub_attribute, right.sub_attribute) {
                    (None, None) => true,
                    (Some(one), Some(other)) => std::ptr::eq(one, other),
                    _ => false,
                }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use scimkit_filter::parse_filter;

    use super::{Indexes, Layout};
    use crate::schema::ResourceType;

    fn answered(text: &str) -> bool {
        let users = ResourceType::user();
        let indexes = Indexes::new(std::sync::Arc::new(Layout::of(&users)));
        let filter = parse_filter(text).ok();
        filter.is_some_and(|f| indexes.candidates(&users, &f).is_some())
    }

    #[test]
    fn equality_on_indexed_attributes_is_answered_from_the_indexes() {
        assert!(answered(r#"userName eq "a""#));
        assert!(answered(r#"externalId eq "a""#));
        assert!(answered(r#"displayName eq "a""#));
        assert!(answered(r#"emails.value eq "a""#));
        assert!(answered(r#"title eq "x" and USERNAME eq "a""#));
        assert!(!answered(r#"userName eq "a" or title eq "x""#));
        assert!(!answered(r#"userName co "a""#));
        assert!(!answered(r#"title eq "a""#));
        assert!(!answered(r#"not (userName eq "a")"#));
    }

    #[test]
    fn user_name_is_unique_and_folded() {
        let layout = Layout::of(&ResourceType::user());
        let unique: Vec<_> = layout.defs.iter().filter(|d| d.unique).collect();
        assert_eq!(unique.len(), 1);
        assert!(unique.iter().all(|d| d.name == "userName" && !d.case_exact));
        assert!(!Layout::of(&ResourceType::group())
            .defs
            .iter()
            .any(|d| d.unique));
    }
}
