//! The lookup indexes and uniqueness maps of one resource type in one tenant.
//!
//! Which attributes are indexed is read from the resource type ([`Layout::of`]): `userName`,
//! `externalId`, `displayName` and `emails.value` when the type defines them, folded with
//! `to_lowercase` (as the filter evaluator folds) unless `caseExact`. Which attributes are
//! unique is read from the core schema: singular strings with `uniqueness` `server` or
//! `global`. This module only maps keys to ids; it never holds resources or decides matches
//! (the compiled filter re-checks every candidate it gives).

use std::collections::{HashMap, HashSet};

use scimkit_filter::{AttrPath, AttrTest, CompValue, CompareOp, Filter};
use serde_json::{Map, Value};

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

/// Which attributes of a resource type are indexed and which are unique.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    indexed: Vec<KeyDef>,
    unique: Vec<KeyDef>,
}

impl Layout {
    /// The layout of `rt`: the [`INDEXED`] attributes it defines, and its unique core strings.
    pub(super) fn of(rt: &ResourceType) -> Layout {
        let indexed = INDEXED
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
                        })
                    }
                    _ => None,
                }
            })
            .collect();
        let unique = rt
            .schema
            .attributes
            .iter()
            .filter(|a| {
                a.uniqueness != Uniqueness::None
                    && !a.multi_valued
                    && a.kind == AttributeType::String
            })
            .map(|a| KeyDef {
                path: AttrPath::new(a.name.clone()),
                name: a.name.clone(),
                case_exact: a.case_exact,
            })
            .collect();
        Layout { indexed, unique }
    }

    /// The index and uniqueness keys of `resource`.
    pub(super) fn keys(&self, rt: &ResourceType, resource: &Resource) -> Keys {
        let indexed = self
            .indexed
            .iter()
            .map(|def| {
                let mut keys: Vec<String> = strings_at(rt, &def.path, resource)
                    .iter()
                    .map(|s| def.fold(s))
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                keys
            })
            .collect();
        let unique = self
            .unique
            .iter()
            .map(|def| {
                resource
                    .get(&def.name)
                    .and_then(Value::as_str)
                    .map(|s| (def.fold(s), s.to_owned()))
            })
            .collect();
        Keys { indexed, unique }
    }
}

/// The keys one resource holds in the indexes, kept with it so removal needs no recomputation.
#[derive(Debug, Clone, Default)]
pub(super) struct Keys {
    /// Per indexed attribute (in [`Layout`] order): the folded values.
    indexed: Vec<Vec<String>>,
    /// Per unique attribute: the folded value and the value as written.
    unique: Vec<Option<(String, String)>>,
}

/// The indexes of one resource type in one tenant.
#[derive(Debug)]
pub(super) struct Indexes {
    layout: Layout,
    /// Per indexed attribute: folded value → ids.
    maps: Vec<HashMap<String, HashSet<String>>>,
    /// Per unique attribute: folded value → the id holding it.
    unique: Vec<HashMap<String, String>>,
}

impl Indexes {
    pub(super) fn new(layout: Layout) -> Indexes {
        Indexes {
            maps: layout.indexed.iter().map(|_| HashMap::new()).collect(),
            unique: layout.unique.iter().map(|_| HashMap::new()).collect(),
            layout,
        }
    }

    /// Fails when a unique value of `keys` is held by a resource other than `own`.
    pub(super) fn check_unique(&self, keys: &Keys, own: Option<&str>) -> Result<(), StoreError> {
        for ((def, map), key) in self
            .layout
            .unique
            .iter()
            .zip(&self.unique)
            .zip(&keys.unique)
        {
            let Some((folded, shown)) = key else { continue };
            if let Some(holder) = map.get(folded) {
                if Some(holder.as_str()) != own {
                    return Err(StoreError::Uniqueness(format!(
                        "{} \"{shown}\" is already taken",
                        def.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// Records `keys` for `id` (after [`Indexes::check_unique`]).
    pub(super) fn insert(&mut self, id: &str, keys: &Keys) {
        for (map, values) in self.maps.iter_mut().zip(&keys.indexed) {
            for value in values {
                map.entry(value.clone()).or_default().insert(id.to_owned());
            }
        }
        for (map, key) in self.unique.iter_mut().zip(&keys.unique) {
            if let Some((folded, _)) = key {
                map.insert(folded.clone(), id.to_owned());
            }
        }
    }

    /// Forgets `keys` of `id`.
    pub(super) fn remove(&mut self, id: &str, keys: &Keys) {
        for (map, values) in self.maps.iter_mut().zip(&keys.indexed) {
            for value in values {
                if let Some(ids) = map.get_mut(value) {
                    ids.remove(id);
                    if ids.is_empty() {
                        map.remove(value);
                    }
                }
            }
        }
        for (map, key) in self.unique.iter_mut().zip(&keys.unique) {
            if let Some((folded, _)) = key {
                if map.get(folded).is_some_and(|holder| holder == id) {
                    map.remove(folded);
                }
            }
        }
    }

    /// The ids that may match `filter`, when an index can tell: `filter` is `attr eq "text"`
    /// on an indexed attribute, or an `and` chain with such an operand (the smallest candidate
    /// set is chosen). `None` means a scan is needed. The result is a superset of the matches.
    pub(super) fn candidates(&self, rt: &ResourceType, filter: &Filter) -> Option<Vec<String>> {
        let operands: &[Filter] = match filter {
            Filter::And(operands) => operands,
            other => std::slice::from_ref(other),
        };
        operands
            .iter()
            .filter_map(|operand| self.lookup(rt, operand))
            .min_by_key(Hit::len)
            .map(|hit| match hit {
                Hit::Ids(ids) => ids.iter().cloned().collect(),
                Hit::Empty => Vec::new(),
            })
    }

    /// What an index answers for `filter`, when it can.
    fn lookup(&self, rt: &ResourceType, filter: &Filter) -> Option<Hit<'_>> {
        let Filter::Attr {
            path,
            test: AttrTest::Compare(CompareOp::Eq, CompValue::String(text)),
        } = filter
        else {
            return None;
        };
        let position = self
            .layout
            .indexed
            .iter()
            .position(|def| same_attribute(rt, &def.path, path))?;
        let def = self.layout.indexed.get(position)?;
        let map = self.maps.get(position)?;
        Some(map.get(&def.fold(text)).map_or(Hit::Empty, Hit::Ids))
    }
}

/// An index's answer: no resource has the value, or these ids do.
enum Hit<'a> {
    Empty,
    Ids(&'a HashSet<String>),
}

impl Hit<'_> {
    fn len(&self) -> usize {
        match self {
            Hit::Empty => 0,
            Hit::Ids(ids) => ids.len(),
        }
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

/// The string values at `path` in `resource` (every element's for a multi-valued attribute).
fn strings_at(rt: &ResourceType, path: &AttrPath, resource: &Resource) -> Vec<String> {
    let Some(Target::Attribute(resolved)) = rt.resolve(path) else {
        return Vec::new();
    };
    let Some(value) = resource.value_of(&resolved) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match value.as_ref() {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    elements
        .into_iter()
        .filter_map(|element| match resolved.sub_attribute {
            None => element.as_str(),
            Some(sub) => element
                .as_object()
                .and_then(|object| get_ci(object, &sub.name))
                .and_then(Value::as_str),
        })
        .map(str::to_owned)
        .collect()
}

/// A map entry by exact key, else by case-insensitive key.
pub(super) fn get_ci<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use scimkit_filter::parse_filter;

    use super::{Indexes, Layout};
    use crate::schema::ResourceType;

    fn answered(text: &str) -> bool {
        let users = ResourceType::user();
        let indexes = Indexes::new(Layout::of(&users));
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
        assert_eq!(layout.unique.len(), 1);
        assert!(layout
            .unique
            .iter()
            .all(|d| d.name == "userName" && !d.case_exact));
        assert!(Layout::of(&ResourceType::group()).unique.is_empty());
    }
}
