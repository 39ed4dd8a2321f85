//! `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3): ordering resources by one attribute, by the
//! attribute's schema.
//!
//! This module owns which value of a resource a sort looks at (the primary or first element of
//! a multi-valued attribute, the `value` sub-attribute of a complex one) and where resources
//! without one go. It must not compare values itself — `scalar.rs` does, so sorting and filter
//! evaluation agree on "equal" and "before" — and it does not filter or page.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use scimkit_filter::{parse_path, AttrPath, PatchPath};
use serde_json::Value;

use crate::error::ScimError;
use crate::resource::{get_ci, Resource};
use crate::scalar::{scalar_of, Scalar};
use crate::schema::{Attribute, AttributeType, ResolvedAttr, ResourceType, Returned, Target};

/// The direction of a sort (`sortOrder`). RFC 7644 §3.4.2.3: "If a value for "sortBy" is
/// provided and no "sortOrder" is specified, "sortOrder" SHALL default to ascending."
///
/// ```
/// use scimkit_core::SortOrder;
///
/// assert_eq!("Descending".parse::<SortOrder>()?, SortOrder::Descending);
/// assert_eq!(SortOrder::default(), SortOrder::Ascending);
/// assert!("desc".parse::<SortOrder>().is_err());
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Smallest first (the default).
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

impl SortOrder {
    /// Parses `ascending` or `descending`, in any letter case; anything else is
    /// `invalidValue`.
    pub fn parse(text: &str) -> Result<SortOrder, ScimError> {
        if text.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Ascending)
        } else if text.eq_ignore_ascii_case("descending") {
            Ok(SortOrder::Descending)
        } else {
            Err(ScimError::InvalidValue(format!(
                "sortOrder \"{text}\" is not supported; use \"ascending\" or \"descending\""
            )))
        }
    }

    /// The RFC's keyword: `"ascending"` or `"descending"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Ascending => "ascending",
            SortOrder::Descending => "descending",
        }
    }
}

impl FromStr for SortOrder {
    type Err = ScimError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SortOrder::parse(text)
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked `sortBy`/`sortOrder` pair (RFC 7644 §3.4.2.3).
///
/// Values compare by the attribute's schema: strings case-insensitively unless `caseExact`,
/// `dateTime`s as instants (whatever their offsets), numbers numerically, `false` before
/// `true`. A multi-valued attribute sorts by its element with `"primary": true`, else its first
/// element; of a complex attribute, the named sub-attribute counts, or `value` when none is
/// named (`emails` sorts like `emails.value`, `manager` like `manager.value`). The sort is
/// stable: resources with equal values keep their input order.
///
/// **Resources with no value sort last when ascending and first when descending**, as RFC 7644
/// §3.4.2.3 says; descending is the exact reverse of ascending apart from stability (which is
/// also what SQL's default `NULLS LAST`/`NULLS FIRST` gives, so SQL stores can push sorts down).
///
/// ```
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::{Resource, SortSpec};
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let user = |name: &str| Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
/// })).unwrap();
/// let mut list = vec![user("carol"), user("Alice"), user("bob")];
/// let spec = SortSpec::from_query(&users, "userName", Some("descending"))?;
/// spec.sort(&users, &mut list);
/// let names: Vec<_> = list.iter().map(|r| r.get("userName").unwrap().clone()).collect();
/// assert_eq!(names, [json!("carol"), json!("bob"), json!("Alice")]);
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortSpec {
    /// The attribute to sort by, as the client named it.
    pub by: AttrPath,
    /// The direction.
    pub order: SortOrder,
}

/// The value one resource sorts by, computed once by [`SortSpec::key`] so a store can sort
/// its own items. Compare keys with [`SortSpec::compare`]; `Ord` on the key itself is the
/// ascending order (missing values last). Keys are totally ordered: values of different kinds
/// (data written around validation) order by kind.
#[derive(Debug, Clone)]
pub struct SortKey(Option<Scalar<'static>>);

impl SortKey {
    /// The key of a resource without a value (and of every resource when there is no sort).
    pub fn missing() -> SortKey {
        SortKey(None)
    }

    /// The value, `None` when missing.
    #[cfg(feature = "sql")]
    pub(crate) fn scalar(&self) -> Option<&Scalar<'static>> {
        self.0.as_ref()
    }

    /// Whether the resource has no value to sort by.
    pub fn is_missing(&self) -> bool {
        self.0.is_none()
    }

    /// The key as compact JSON (for cursors): `null`, or `{"s": text}`, `{"n": number}`,
    /// `{"t": RFC 3339 instant}`, `{"b": bool}`.
    ///
    /// ```
    /// use scimkit_core::SortKey;
    /// let missing = SortKey::from_json(&serde_json::Value::Null).unwrap();
    /// assert!(missing.is_missing());
    /// assert_eq!(SortKey::from_json(&missing.to_json()), Some(missing));
    /// ```
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        match &self.0 {
            None => return Value::Null,
            Some(Scalar::Text(text)) => map.insert("s".to_owned(), Value::from(text.as_ref())),
            Some(Scalar::Number(n)) => map.insert("n".to_owned(), Value::from(*n)),
            Some(Scalar::Time(t)) => map.insert("t".to_owned(), Value::from(t.to_rfc3339())),
            Some(Scalar::Bool(b)) => map.insert("b".to_owned(), Value::from(*b)),
        };
        Value::Object(map)
    }

    /// A key from [`SortKey::to_json`]'s form; `None` when the JSON is not one.
    pub fn from_json(value: &Value) -> Option<SortKey> {
        let Value::Object(map) = value else {
            return value.is_null().then_some(SortKey(None));
        };
        let (tag, inner) = map.iter().next().filter(|_| map.len() == 1)?;
        let scalar = match (tag.as_str(), inner) {
            ("s", Value::String(s)) => Scalar::Text(std::borrow::Cow::Owned(s.clone())),
            ("n", Value::Number(n)) => Scalar::Number(n.as_f64()?),
            ("t", Value::String(t)) => Scalar::Time(
                chrono::DateTime::parse_from_rfc3339(t)
                    .ok()?
                    .with_timezone(&chrono::Utc),
            ),
            ("b", Value::Bool(b)) => Scalar::Bool(*b),
            _ => return None,
        };
        Some(SortKey(Some(scalar)))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => a.total_cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SortKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortKey {}

impl SortSpec {
    /// A sort by `by`, checked against `rt` (see [`SortSpec::from_query`] for the rules).
    pub fn new(rt: &ResourceType, by: AttrPath, order: SortOrder) -> Result<SortSpec, ScimError> {
        sort_target(rt, &by)?;
        Ok(SortSpec { by, order })
    }

    /// A sort from the text of the `sortBy` and `sortOrder` query parameters (`sortOrder`
    /// absent or blank means ascending).
    ///
    /// `sortBy` is an attribute path in RFC 7644 §3.10 notation, case-insensitive, optionally
    /// URN-qualified (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`),
    /// with a sub-attribute (`name.familyName`, `meta.lastModified`, `emails.value`).
    ///
    /// Errors, all `invalidValue` with the name in the detail:
    /// - a `sortBy` that does not parse, is blank or carries a value filter;
    /// - an attribute the resource type does not define. RFC 7644 §3.4.2.3 does not say what a
    ///   server does with one; answering an error tells the client its sort was not applied,
    ///   where ignoring it would return an unsorted page that looks sorted;
    /// - a whole extension, or a complex attribute with no `value` sub-attribute (`name`,
    ///   `addresses`): the RFC says "if the attribute is complex, the attribute name must be a
    ///   path to a sub-attribute";
    /// - an attribute that is never returned (`password`): its order would leak its values;
    /// - a `sortOrder` other than `ascending`/`descending`.
    ///
    /// ```
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::{SortOrder, SortSpec};
    ///
    /// let users = ResourceType::user();
    /// let spec = SortSpec::from_query(&users, "meta.lastModified", None)?;
    /// assert_eq!(spec.order, SortOrder::Ascending);
    /// let err = SortSpec::from_query(&users, "name", None).unwrap_err();
    /// assert!(err.detail().contains("name.givenName"));
    /// assert!(SortSpec::from_query(&users, "shoeSize", None).is_err());
    /// # Ok::<(), scimkit_core::ScimError>(())
    /// ```
    pub fn from_query(
        rt: &ResourceType,
        sort_by: &str,
        sort_order: Option<&str>,
    ) -> Result<SortSpec, ScimError> {
        let text = sort_by.trim();
        if text.is_empty() {
            return Err(ScimError::InvalidValue(
                "sortBy is empty; name an attribute, such as \"userName\"".to_owned(),
            ));
        }
        let by = match parse_path(text) {
            Ok(PatchPath::Attr(path)) => path,
            Ok(PatchPath::Filtered { .. }) => {
                return Err(ScimError::InvalidValue(format!(
                    "sortBy \"{text}\" has a value filter; name an attribute or sub-attribute, \
                     such as \"emails.value\""
                )))
            }
            Err(err) => {
                return Err(ScimError::InvalidValue(format!(
                    "sortBy \"{text}\" is not an attribute name ({err})"
                )))
            }
        };
        let order = match sort_order.map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => SortOrder::parse(text)?,
            None => SortOrder::Ascending,
        };
        SortSpec::new(rt, by, order)
    }

    /// The value `resource` sorts by. A resource of another type, or one missing the value,
    /// gets a missing key.
    pub fn key(&self, rt: &ResourceType, resource: &Resource) -> SortKey {
        match sort_target(rt, &self.by) {
            Ok((resolved, leaf)) => key_of(&resolved, leaf, resource),
            Err(_) => SortKey(None),
        }
    }

    /// The value `resource` sorts by as stored, without folding case (for a store that sorts
    /// in its database, which folds the column and this value alike).
    pub fn stored_key(&self, rt: &ResourceType, resource: &Resource) -> SortKey {
        match sort_target(rt, &self.by) {
            Ok((resolved, leaf)) => {
                let exact = Attribute {
                    case_exact: true,
                    ..leaf.clone()
                };
                key_of(&resolved, &exact, resource)
            }
            Err(_) => SortKey(None),
        }
    }

    /// Whether every resource of `rt` has a value to sort by: the attribute is `required`
    /// and single-valued, in the core schema (an extension may be absent altogether).
    #[cfg(feature = "sql")]
    pub(crate) fn always_present(&self, rt: &ResourceType) -> bool {
        sort_target(rt, &self.by).is_ok_and(|(resolved, leaf)| {
            resolved.attribute.required
                && leaf.required
                && !resolved.attribute.multi_valued
                && matches!(resolved.namespace, crate::schema::Namespace::Core)
        })
    }

    /// Orders two keys in this sort's direction; missing values last when ascending, first
    /// when descending.
    pub fn compare(&self, a: &SortKey, b: &SortKey) -> Ordering {
        directed(self.order, a, b)
    }

    /// Sorts `resources` in place (stable), computing each resource's key once.
    pub fn sort(&self, rt: &ResourceType, resources: &mut [Resource]) {
        let Ok((resolved, leaf)) = sort_target(rt, &self.by) else {
            return;
        };
        resources.sort_by_cached_key(|resource| Directed {
            key: key_of(&resolved, leaf, resource),
            order: self.order,
        });
    }
}

/// A key with the direction, so `sort_by_cached_key` can order it.
struct Directed {
    key: SortKey,
    order: SortOrder,
}

impl Ord for Directed {
    fn cmp(&self, other: &Self) -> Ordering {
        directed(self.order, &self.key, &other.key)
    }
}

impl PartialOrd for Directed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Directed {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Directed {}

/// Two keys in `order`: descending reverses ascending, missing values included.
fn directed(order: SortOrder, a: &SortKey, b: &SortKey) -> Ordering {
    match order {
        SortOrder::Ascending => a.cmp(b),
        SortOrder::Descending => b.cmp(a),
    }
}

/// The attribute a sort reads and the (non-complex) definition its value is compared by.
fn sort_target<'r>(
    rt: &'r ResourceType,
    by: &AttrPath,
) -> Result<(ResolvedAttr<'r>, &'r Attribute), ScimError> {
    let resolved = match rt.resolve(by) {
        Some(Target::Attribute(resolved)) => resolved,
        Some(Target::Extension(schema)) => {
            return Err(ScimError::InvalidValue(format!(
                "sortBy \"{by}\" names the whole extension {}; name one of its attributes",
                schema.id
            )))
        }
        None => {
            return Err(ScimError::InvalidValue(format!(
                "sortBy \"{by}\" is not an attribute of {} resources",
                rt.name
            )))
        }
    };
    if resolved.attribute.returned == Returned::Never
        || resolved
            .sub_attribute
            .is_some_and(|s| s.returned == Returned::Never)
    {
        return Err(ScimError::InvalidValue(format!(
            "sortBy \"{by}\" is never returned, so resources cannot be sorted by it"
        )));
    }
    let leaf = match resolved.sub_attribute {
        Some(sub) => sub,
        None if resolved.attribute.kind == AttributeType::Complex => {
            resolved.attribute.sub_attribute("value").ok_or_else(|| {
                let subs: Vec<String> = resolved
                    .attribute
                    .sub_attributes
                    .iter()
                    .map(|s| format!("\"{by}.{}\"", s.name))
                    .collect();
                ScimError::InvalidValue(format!(
                    "sortBy \"{by}\" is a complex attribute without a \"value\" \
                     sub-attribute; sort by one of its sub-attributes: {}",
                    subs.join(", ")
                ))
            })?
        }
        None => resolved.attribute,
    };
    if leaf.kind == AttributeType::Complex {
        return Err(ScimError::InvalidValue(format!(
            "sortBy \"{by}\" is a complex value and cannot be sorted by"
        )));
    }
    Ok((resolved, leaf))
}

/// The key of one resource: the value of `leaf` in the primary (else first) element of a
/// multi-valued attribute, or in the attribute's only value.
fn key_of(resolved: &ResolvedAttr<'_>, leaf: &Attribute, resource: &Resource) -> SortKey {
    let Some(value) = resource.value_of(resolved) else {
        return SortKey(None);
    };
    let attribute = resolved.attribute;
    let element = if attribute.multi_valued {
        let Value::Array(items) = value.as_ref() else {
            return SortKey(None);
        };
        match items.iter().find(|item| is_primary(item)).or(items.first()) {
            Some(element) => element,
            None => return SortKey(None),
        }
    } else {
        value.as_ref()
    };
    let leaf_value = if attribute.kind == AttributeType::Complex {
        element.as_object().and_then(|m| get_ci(m, &leaf.name))
    } else {
        Some(element)
    };
    SortKey(
        leaf_value
            .and_then(|v| scalar_of(leaf, v))
            .map(Scalar::into_owned),
    )
}

/// Whether an element of a multi-valued attribute is marked `"primary": true`.
fn is_primary(item: &Value) -> bool {
    item.as_object()
        .and_then(|m| get_ci(m, "primary"))
        .and_then(Value::as_bool)
        == Some(true)
}
