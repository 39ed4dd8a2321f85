//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5 and §3.9): which attributes of a
//! resource a response carries, honouring each attribute's `returned` characteristic
//! (RFC 7643 §7).
//!
//! This module owns the choice of attributes and sub-attributes in a response body. It must not
//! change values, validate resources or know anything of HTTP: the engine hands it the text of
//! the query parameters (or the lists of a `/.search` body) and sends what
//! [`Projection::apply`] returns.

use std::borrow::Cow;
use std::sync::Arc;

use scimkit_filter::{parse_path, AttrPath, PatchPath};
use serde_json::{Map, Value};

mod document;
mod view;

pub(crate) use document::json_string;
pub use document::{Document, Fragment};

pub use view::Projected;

use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::{
    common_attributes, Attribute, AttributeType, Namespace, ResourceType, Returned, Schema, Target,
};

/// Which of the two parameters decides the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    /// Neither: every `always` and `default` attribute.
    #[default]
    All,
    /// `attributes`: the named ones and the `always` ones.
    Include,
    /// `excludedAttributes`: the default set minus the named ones (`always` stays).
    Exclude,
}

/// How the default projection shows an attribute ([`Projection::default_showing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Showing {
    /// Its whole value.
    Whole,
    /// Nothing.
    Hidden,
    /// Some sub-attributes only.
    Trimmed,
}

/// What happens to one top-level attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    /// Not in the output.
    Drop,
    /// Copied whole.
    Keep,
    /// A complex attribute (each element, when multi-valued) keeps only the sub-attributes whose
    /// flag is set, indexed like `Attribute::sub_attributes`.
    Subs(Box<[bool]>),
}

/// The names a request gave for one top-level attribute.
#[derive(Debug, Clone, Default)]
struct Named {
    /// The attribute itself (or its extension, or the core schema URN) was named.
    whole: bool,
    /// Indexes of the sub-attributes named (`name.givenName`).
    subs: Vec<usize>,
}

/// Where a top-level attribute sits in a resource type.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// `id`, `externalId` or `meta`, by index in [`common_attributes`].
    Common(usize),
    /// An attribute of the core schema, by index.
    Core(usize),
    /// An attribute of an extension: the extension's index, the attribute's index.
    Extension(usize, usize),
}

/// The common attributes a projection decides on: `id`, `externalId`, `meta` (`schemas` is
/// always output).
const COMMON_DECIDED: usize = 3;

/// The action for every top-level attribute of the resource type given to [`Projection::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    /// `id`, `externalId`, `meta`.
    common: [Action; COMMON_DECIDED],
    /// Aligned with the core schema's attributes.
    core: Vec<Action>,
    /// Aligned with the resource type's extensions and their attributes.
    extensions: Vec<Vec<Action>>,
}

/// The names given by one request, per top-level attribute, before they become actions.
struct Selection {
    common: [Named; COMMON_DECIDED],
    core: Vec<Named>,
    extensions: Vec<Vec<Named>>,
}

/// Which attributes a response carries: the `attributes` and `excludedAttributes` parameters of
/// RFC 7644 §3.4.2.5, applied with each attribute's `returned` characteristic (RFC 7643 §7).
///
/// - `always` attributes (`id`, and any schema attribute or sub-attribute marked so) are output
///   whatever the parameters say; `schemas` is always output.
/// - `never` attributes (`password`) are never output.
/// - `default` attributes are output unless `attributes` is given and names neither them nor one
///   of their sub-attributes, or `excludedAttributes` names them.
/// - `request` attributes are output only when `attributes` names them (or their parent, or
///   their extension).
///
/// Naming a sub-attribute (`name.givenName`, `emails.value`, `meta.lastModified`) in
/// `attributes` returns the parent with only that sub-attribute (plus its `always`
/// sub-attributes), in every element of a multi-valued attribute; naming one in
/// `excludedAttributes` removes only it. Naming a whole extension URN names all of its
/// attributes; naming the core schema's URN names all core attributes. An extension object, a
/// complex value or an element left empty is omitted.
///
/// ```
/// use scimkit_core::projection::Projection;
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::Resource;
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let user = Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223",
///     "userName": "bjensen",
///     "name": {"givenName": "Barbara", "familyName": "Jensen"},
///     "password": "t1meMa$heen",
/// }))?;
///
/// // No parameters: everything but `never` (and `request`) attributes.
/// let all = Projection::default().apply(&users, &user);
/// assert_eq!(all["name"]["familyName"], "Jensen");
/// assert!(all.get("password").is_none());
///
/// // `?attributes=userName,name.givenName`
/// let some = Projection::from_query(&users, Some("userName, name.givenName"), None)?;
/// assert_eq!(
///     some.apply(&users, &user),
///     json!({
///         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///         "id": "2819c223",
///         "userName": "bjensen",
///         "name": {"givenName": "Barbara"},
///     })
/// );
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Projection {
    mode: Mode,
    /// `None` for the default projection, whose actions follow from `returned` alone.
    plan: Option<Plan>,
}

impl Projection {
    /// The projection of a request without `attributes` or `excludedAttributes`: every
    /// `always` and `default` attribute. The same as [`Projection::default`].
    pub const fn all() -> Projection {
        Projection {
            mode: Mode::All,
            plan: None,
        }
    }

    /// A projection from the lists of attribute names of `attributes` and
    /// `excludedAttributes` (as a `/.search` body carries them).
    ///
    /// Names are case-insensitive and in RFC 7644 §3.10 notation: `userName`, `name.givenName`,
    /// `emails.value`, `meta.lastModified`, URN-qualified
    /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`) or a whole
    /// extension URN. Surrounding whitespace is trimmed and empty names are skipped; a list with
    /// no names counts as not given.
    ///
    /// Names that parse but that the resource type does not define are **ignored**, as a
    /// client asking for an attribute this server lacks would get nothing for it anyway (so
    /// `attributes=nickname2` alone returns only the `always` attributes).
    ///
    /// When both lists are given, `attributes` decides and `excludedAttributes` is ignored
    /// (after its names are checked). RFC 7644 does not define the combination; `attributes`
    /// "overrides the set of attributes that would be returned by default", which is the set
    /// `excludedAttributes` subtracts from, so the explicit request wins.
    ///
    /// Errors: `invalidValue` for a name that does not parse or has a value filter
    /// (`emails[type eq "work"]`), naming the parameter and the name.
    ///
    /// `rt` must be the resource type later passed to [`Projection::apply`].
    ///
    /// ```
    /// use scimkit_core::projection::Projection;
    /// use scimkit_core::schema::ResourceType;
    ///
    /// let groups = ResourceType::group();
    /// let p = Projection::new(&groups, &[], &["members"])?;
    /// assert!(!p.is_default());
    /// let err = Projection::new(&groups, &[r#"members[value eq "1"]"#], &[]).unwrap_err();
    /// assert_eq!(err.scim_type(), Some("invalidValue"));
    /// # Ok::<(), scimkit_core::ScimError>(())
    /// ```
    pub fn new(
        rt: &ResourceType,
        attributes: &[&str],
        excluded: &[&str],
    ) -> Result<Projection, ScimError> {
        let included = Selection::from_names(rt, "attributes", attributes.iter().copied())?;
        let excluded = Selection::from_names(rt, "excludedAttributes", excluded.iter().copied())?;
        Ok(match (included, excluded) {
            (Some(selection), _) => selection.into_projection(rt, Mode::Include),
            (None, Some(selection)) => selection.into_projection(rt, Mode::Exclude),
            (None, None) => Projection::all(),
        })
    }

    /// A projection from the comma-separated text of the `attributes` and `excludedAttributes`
    /// query parameters (`None` when a parameter is absent). Same rules as [`Projection::new`].
    ///
    /// ```
    /// use scimkit_core::projection::Projection;
    /// use scimkit_core::schema::ResourceType;
    ///
    /// let users = ResourceType::user();
    /// assert!(Projection::from_query(&users, None, Some(" , "))?.is_default());
    /// let p = Projection::from_query(
    ///     &users,
    ///     Some("userName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
    ///     None,
    /// )?;
    /// assert!(!p.is_default());
    /// # Ok::<(), scimkit_core::ScimError>(())
    /// ```
    pub fn from_query(
        rt: &ResourceType,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError> {
        if attributes.is_none() && excluded.is_none() {
            // What nearly every request sends: nothing to read.
            return Ok(Projection::all());
        }
        if attributes.is_none() && excluded.is_none() {
            // What nearly every request sends: nothing to read.
            return Ok(Projection::all());
        }
        let included = Selection::from_names(
            rt,
            "attributes",
            attributes.into_iter().flat_map(|s| s.split(',')),
        )?;
        let excluded = Selection::from_names(
            rt,
            "excludedAttributes",
            excluded.into_iter().flat_map(|s| s.split(',')),
        )?;
        Ok(match (included, excluded) {
            (Some(selection), _) => selection.into_projection(rt, Mode::Include),
            (None, Some(selection)) => selection.into_projection(rt, Mode::Exclude),
            (None, None) => Projection::all(),
        })
    }

    /// Whether this is the projection of a request with neither parameter.
    pub fn is_default(&self) -> bool {
        self.mode == Mode::All
    }

    /// Whether the output of [`Projection::apply`] may contain a value at `path` — so a store
    /// can skip loading what the response will not show (a Group's `members` under
    /// Entra ID's `excludedAttributes=members`). A path the resource type does not define is
    /// never requested.
    ///
    /// ```
    /// use scimkit_core::projection::Projection;
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_filter::AttrPath;
    ///
    /// let groups = ResourceType::group();
    /// let p = Projection::from_query(&groups, None, Some("members"))?;
    /// assert!(!p.requests(&groups, &AttrPath::new("members")));
    /// assert!(p.requests(&groups, &AttrPath::new("displayName")));
    /// assert!(Projection::all().requests(&groups, &AttrPath::new("members").with_sub_attr("value")));
    /// # Ok::<(), scimkit_core::ScimError>(())
    /// ```
    pub fn requests(&self, rt: &ResourceType, path: &AttrPath) -> bool {
        match rt.resolve(path) {
            Some(Target::Attribute(resolved)) => {
                let Some(slot) = slot_of(rt, resolved.namespace, resolved.attribute) else {
                    // `schemas`, always output.
                    return true;
                };
                match &*self.action(slot, resolved.attribute) {
                    Action::Drop => false,
                    Action::Keep => true,
                    Action::Subs(flags) => resolved.sub_attribute.is_none_or(|sub| {
                        position_of(&resolved.attribute.sub_attributes, sub)
                            .and_then(|i| flags.get(i))
                            .copied()
                            .unwrap_or(false)
                    }),
                }
            }
            Some(Target::Extension(schema)) => {
                let Some(e) = extension_index(rt, schema) else {
                    return false;
                };
                schema.attributes.iter().enumerate().any(|(i, attribute)| {
                    *self.action(Slot::Extension(e, i), attribute) != Action::Drop
                })
            }
            None => false,
        }
    }

    /// The JSON object to send for `resource`: `schemas`, then `id`, `externalId`, the core
    /// attributes and extensions in the resource's order, then `meta`, each kept, trimmed or
    /// dropped by this projection. Keys keep the resource's spelling (a validated resource uses
    /// the schema's). Keys the resource type does not define are never output.
    ///
    /// Only what is output is cloned; with no parameters a resource is walked once. To send
    /// the result, serialise [`Projection::view`] instead: the same JSON, without the `Value`.
    pub fn apply(&self, rt: &ResourceType, resource: &Resource) -> Value {
        // Serialising a view into a `Value` cannot fail: every key is a string.
        serde_json::to_value(self.view(rt, resource)).unwrap_or_else(|_| Value::Object(Map::new()))
    }

    /// How the default projection shows the core attribute `name` of `rt` (a store's derived
    /// `groups` or `members`): whole, not at all, or trimmed to some sub-attributes.
    pub(crate) fn default_showing(rt: &ResourceType, name: &str) -> Showing {
        let Some(attribute) = rt
            .schema
            .attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
        else {
            return Showing::Hidden;
        };
        match action_for(Mode::All, attribute, &Named::default()) {
            Action::Keep => Showing::Whole,
            Action::Drop => Showing::Hidden,
            Action::Subs(_) => Showing::Trimmed,
        }
    }

    /// The action for the attribute at `slot`: precomputed, or derived from `returned` for the
    /// default projection (and for attributes the plan does not know).
    fn action(&self, slot: Slot, attribute: &Attribute) -> Cow<'_, Action> {
        let planned = self.plan.as_ref().and_then(|plan| match slot {
            Slot::Common(i) => plan.common.get(i),
            Slot::Core(i) => plan.core.get(i),
            Slot::Extension(e, i) => plan.extensions.get(e).and_then(|x| x.get(i)),
        });
        match planned {
            Some(action) => Cow::Borrowed(action),
            None => Cow::Owned(action_for(self.mode, attribute, &Named::default())),
        }
    }
}

impl Selection {
    /// The names of one parameter resolved against `rt`; `None` when the list has no names.
    fn from_names<'n>(
        rt: &ResourceType,
        parameter: &str,
        names: impl Iterator<Item = &'n str>,
    ) -> Result<Option<Selection>, ScimError> {
        let mut selection: Option<Selection> = None;
        for name in names.map(str::trim).filter(|n| !n.is_empty()) {
            let path = parse_name(parameter, name)?;
            selection
                .get_or_insert_with(|| Selection::empty(rt))
                .add(rt, &path);
        }
        Ok(selection)
    }

    fn empty(rt: &ResourceType) -> Selection {
        Selection {
            common: Default::default(),
            core: vec![Named::default(); rt.schema.attributes.len()],
            extensions: rt
                .extensions
                .iter()
                .map(|e| vec![Named::default(); e.schema.attributes.len()])
                .collect(),
        }
    }

    /// Records one name; names the resource type does not define are ignored.
    fn add(&mut self, rt: &ResourceType, path: &AttrPath) {
        match rt.resolve(path) {
            Some(Target::Attribute(resolved)) => {
                let Some(slot) = slot_of(rt, resolved.namespace, resolved.attribute) else {
                    return;
                };
                let named = match slot {
                    Slot::Common(i) => self.common.get_mut(i),
                    Slot::Core(i) => self.core.get_mut(i),
                    Slot::Extension(e, i) => self.extensions.get_mut(e).and_then(|x| x.get_mut(i)),
                };
                let Some(named) = named else { return };
                match resolved.sub_attribute {
                    None => named.whole = true,
                    Some(sub) => {
                        if let Some(i) = position_of(&resolved.attribute.sub_attributes, sub) {
                            named.subs.push(i);
                        }
                    }
                }
            }
            Some(Target::Extension(schema)) => {
                if let Some(e) = extension_index(rt, schema) {
                    if let Some(all) = self.extensions.get_mut(e) {
                        for named in all {
                            named.whole = true;
                        }
                    }
                }
            }
            None => {
                if path.sub_attr.is_none() && path.full_name().eq_ignore_ascii_case(&rt.schema.id) {
                    for named in &mut self.core {
                        named.whole = true;
                    }
                }
            }
        }
    }

    fn into_projection(self, rt: &ResourceType, mode: Mode) -> Projection {
        let common = common_attributes();
        let mut common_actions = [Action::Drop, Action::Drop, Action::Drop];
        for ((action, named), attribute) in common_actions.iter_mut().zip(&self.common).zip(common)
        {
            *action = action_for(mode, attribute, named);
        }
        let core = rt
            .schema
            .attributes
            .iter()
            .zip(&self.core)
            .map(|(attribute, named)| action_for(mode, attribute, named))
            .collect();
        let extensions = rt
            .extensions
            .iter()
            .zip(&self.extensions)
            .map(|(ext, names)| {
                ext.schema
                    .attributes
                    .iter()
                    .zip(names)
                    .map(|(attribute, named)| action_for(mode, attribute, named))
                    .collect()
            })
            .collect();
        Projection {
            mode,
            plan: Some(Plan {
                common: common_actions,
                core,
                extensions,
            }),
        }
    }
}

/// Parses one name of `parameter`; value filters and unparsable text are `invalidValue`.
fn parse_name(parameter: &str, name: &str) -> Result<AttrPath, ScimError> {
    match parse_path(name) {
        Ok(PatchPath::Attr(path)) => Ok(path),
        Ok(PatchPath::Filtered { .. }) => Err(ScimError::InvalidValue(format!(
            "{parameter}: \"{name}\" has a value filter; list attribute names only, \
             such as \"emails\" or \"emails.value\""
        ))),
        Err(err) => Err(ScimError::InvalidValue(format!(
            "{parameter}: \"{name}\" is not an attribute name ({err})"
        ))),
    }
}

/// The action for one top-level attribute under `mode`, given what the request named of it.
fn action_for(mode: Mode, attribute: &Attribute, named: &Named) -> Action {
    let selected = named.whole || !named.subs.is_empty();
    let keep = match (attribute.returned, mode) {
        (Returned::Never, _) => return Action::Drop,
        (Returned::Always, _) | (Returned::Default, Mode::All) => true,
        (Returned::Default | Returned::Request, Mode::Include) => selected,
        (Returned::Default, Mode::Exclude) => !named.whole,
        (Returned::Request, Mode::All | Mode::Exclude) => false,
    };
    if attribute.kind != AttributeType::Complex || attribute.sub_attributes.is_empty() {
        return if keep { Action::Keep } else { Action::Drop };
    }
    let flags = || {
        attribute
            .sub_attributes
            .iter()
            .enumerate()
            .map(|(i, sub)| keeps_sub(mode, keep, named, i, sub))
    };
    // Checked before collecting, so the common whole-value case allocates nothing.
    if flags().all(|f| f) {
        Action::Keep
    } else if flags().any(|f| f) {
        Action::Subs(flags().collect())
    } else {
        Action::Drop
    }
}

/// Whether sub-attribute `i` of an attribute is output; `parent_kept` says whether the parent
/// is output for its own sake (else only `always` sub-attributes are).
fn keeps_sub(mode: Mode, parent_kept: bool, named: &Named, i: usize, sub: &Attribute) -> bool {
    match sub.returned {
        Returned::Never => false,
        Returned::Always => true,
        _ if !parent_kept => false,
        returned => {
            let by_default = returned == Returned::Default;
            match mode {
                Mode::Include if named.whole => true,
                Mode::Include if !named.subs.is_empty() => named.subs.contains(&i),
                // With `named.whole`, an `always` parent that was excluded: exclusion has no
                // effect on it.
                Mode::Exclude => by_default && (named.whole || !named.subs.contains(&i)),
                // `Include` here is an `always` parent that was not requested: its default
                // representation.
                Mode::All | Mode::Include => by_default,
            }
        }
    }
}

/// Where a resolved attribute sits in `rt`; `None` for `schemas` (and for an attribute not of
/// `rt`).
fn slot_of(rt: &ResourceType, namespace: Namespace<'_>, attribute: &Attribute) -> Option<Slot> {
    match namespace {
        Namespace::Common => position_of(common_attributes(), attribute)
            .filter(|i| *i < COMMON_DECIDED)
            .map(Slot::Common),
        Namespace::Core => position_of(&rt.schema.attributes, attribute).map(Slot::Core),
        Namespace::Extension(schema) => {
            let e = extension_index(rt, schema)?;
            let i = position_of(&schema.attributes, attribute)?;
            Some(Slot::Extension(e, i))
        }
    }
}

/// The index of the extension `schema` (by identity) in `rt`.
fn extension_index(rt: &ResourceType, schema: &Schema) -> Option<usize> {
    position_by(&rt.extensions, |x| {
        std::ptr::eq(Arc::as_ptr(&x.schema), schema)
    })
}

/// The index of `item` (by identity) in `items`.
fn position_of(items: &[Attribute], item: &Attribute) -> Option<usize> {
    position_by(items, |x| std::ptr::eq(x, item))
}

fn position_by<T>(items: &[T], pred: impl FnMut(&T) -> bool) -> Option<usize> {
    items.iter().position(pred)
}

/// The index of the attribute called `key`: exact spelling first, then case-insensitive.
fn find_attribute(attributes: &[Attribute], key: &str) -> Option<usize> {
    attributes.iter().position(|a| a.name == key).or_else(|| {
        attributes
            .iter()
            .position(|a| a.name.eq_ignore_ascii_case(key))
    })
}

/// The index of the extension whose URN is `key`: exact spelling first, then case-insensitive.
fn find_extension(rt: &ResourceType, key: &str) -> Option<usize> {
    rt.extensions
        .iter()
        .position(|e| e.schema.id == key)
        .or_else(|| {
            rt.extensions
                .iter()
                .position(|e| e.schema.id.eq_ignore_ascii_case(key))
        })
}
