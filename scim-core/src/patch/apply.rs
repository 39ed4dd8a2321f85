//! Applying a [`PatchRequest`] to a resource (RFC 7644 §3.5.2): all operations or none, then
//! the result re-validated like a PUT.
//!
//! Operations work on the resource's JSON; paths are resolved through the schema (never split
//! on `.`), so URN-qualified paths and case-insensitive names work everywhere.

use scimkit_filter::{AttrPath, AttrTest, CompValue, CompareOp, Filter, PatchPath};
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::evaluate::{ElementFilter, Strictness};
use crate::patch::request::{PatchOp, PatchOperation, PatchRequest};
use crate::resource::{get_ci, Resource};
use crate::scalar::{fold, scalar_of};
use crate::schema::{Attribute, Mutability, Namespace, ResolvedAttr, ResourceType, Target};
use crate::validate::{validate, Mode, UnknownAttributes, ValidationOptions};

/// How PATCH behaves where the RFC leaves room or identity providers need help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PatchOptions {
    /// `add`/`replace` on a filtered path that matches no element (`emails[type eq "work"].value`
    /// on a user without a work e-mail) creates the element from the filter's `eq` tests
    /// instead of failing with `noTarget`. Entra relies on it. On by default.
    pub create_missing_filtered_target: bool,
    /// How the result is validated.
    pub validation: ValidationOptions,
}

impl Default for PatchOptions {
    fn default() -> Self {
        PatchOptions {
            create_missing_filtered_target: true,
            validation: ValidationOptions::default(),
        }
    }
}

/// The result of a PATCH: what [`apply_patch`] computes, and what a store's
/// [`crate::store::ResourceStore::patch_members`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Patched {
    /// The resource after the request. From [`apply_patch`]: patched and validated, with the
    /// `id` and `meta` of the original (the engine sets `meta.lastModified` and the store the
    /// version when `changed`). From a store: as stored, possibly without `members` (see
    /// [`crate::store::MemberPatch::with_members`]).
    pub resource: Resource,
    /// Whether anything differs from the original: a no-op PATCH is not a change, keeps the
    /// version, and the events hook does not hear of it.
    pub changed: bool,
}

/// Applies `request` to `current`, atomically: when any operation fails, the error says which
/// and nothing is returned to store. The result is validated as a replace of `current`
/// (types, required attributes, immutability, one `primary`).
///
/// Semantics where the RFC is loose, for every store to follow:
/// - `add` to a multi-valued attribute appends values not already present (an element is
///   already present when its `value` equals, ignoring case unless `caseExact`, and its `type`
///   is the same or missing on either side); a new `primary: true` value clears the others;
/// - `add`/`replace` on a single complex attribute merges sub-attributes; `replace` on a
///   multi-valued attribute without a filter replaces all its values;
/// - `replace` with a filter replaces the matching elements; with a filter and a
///   sub-attribute it sets that sub-attribute in each matching element;
/// - `remove` with a filter that matches nothing changes nothing (identity providers retry
///   removals, and a `noTarget` would fail a retry of a change that did happen);
/// - a `null` value unassigns the target, except that adding `null` to a multi-valued
///   attribute adds nothing.
///
/// ```
/// use scimkit_core::patch::{apply_patch, PatchOptions, PatchRequest};
/// use scimkit_core::schema::ResourceType;
/// use scimkit_core::validate::{validate, Mode, ValidationOptions};
/// use scimkit_core::Resource;
/// use serde_json::json;
///
/// let users = ResourceType::user();
/// let user = validate(&users, Resource::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen", "active": true,
/// }))?, Mode::Create, &ValidationOptions::default())?;
///
/// let request = PatchRequest::from_json(json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "replace", "path": "active", "value": false},
///         {"op": "add", "path": "emails[type eq \"work\"].value", "value": "b@example.com"},
///     ]
/// }))?;
/// let outcome = apply_patch(&users, &user, &request, &PatchOptions::default())?;
/// assert!(outcome.changed);
/// assert_eq!(outcome.resource.get("active"), Some(&json!(false)));
/// assert_eq!(outcome.resource.get("emails"), Some(&json!([{"value": "b@example.com", "type": "work"}])));
/// # Ok::<(), scimkit_core::ScimError>(())
/// ```
pub fn apply_patch(
    rt: &ResourceType,
    current: &Resource,
    request: &PatchRequest,
    options: &PatchOptions,
) -> Result<Patched, ScimError> {
    let mut doc = operand(current);
    for (n, operation) in request.operations.iter().enumerate() {
        apply_operation(rt, &mut doc, operation, options).map_err(|e| {
            e.map_detail(|d| format!("Operations[{n}] ({}): {d}", operation.op.as_str()))
        })?;
    }
    let patched = Resource::from_json(Value::Object(doc))?;
    let resource = validate(
        rt,
        patched,
        Mode::Replace { existing: current },
        &options.validation,
    )?;
    let changed = differs(&resource, current);
    Ok(Patched { resource, changed })
}

/// `current` as the JSON object the operations change (as [`Resource::to_json`] gives it),
/// without `meta`: it is read-only, so no operation changes it, and validation takes it from
/// `current`.
fn operand(current: &Resource) -> Map<String, Value> {
    let mut doc = Map::with_capacity(current.attributes.len() + 3);
    let schemas = current.schemas.iter().cloned().map(Value::String);
    doc.insert("schemas".to_owned(), Value::Array(schemas.collect()));
    if let Some(id) = &current.id {
        doc.insert("id".to_owned(), Value::String(id.clone()));
    }
    if let Some(external_id) = &current.external_id {
        doc.insert("externalId".to_owned(), Value::String(external_id.clone()));
    }
    for (key, value) in &current.attributes {
        doc.insert(key.clone(), value.clone());
    }
    doc
}

/// Whether a patched resource differs from the one it was applied to (its content; `meta` is
/// the store's).
pub(crate) fn differs(patched: &Resource, current: &Resource) -> bool {
    patched.attributes != current.attributes
        || patched.external_id != current.external_id
        || patched.schemas != current.schemas
}

fn apply_operation(
    rt: &ResourceType,
    doc: &mut Map<String, Value>,
    operation: &PatchOperation,
    options: &PatchOptions,
) -> Result<(), ScimError> {
    let op = operation.op;
    let value = operation.value.as_ref();
    match &operation.path {
        None => {
            let Some(Value::Object(values)) = value else {
                return Err(ScimError::InvalidValue(
                    "without a path, the value must be an object of attributes".to_owned(),
                ));
            };
            for (key, value) in values {
                apply_key(rt, doc, op, key, value, options)?;
            }
            Ok(())
        }
        Some(PatchPath::Attr(path)) => apply_at(rt, doc, op, path, value),
        Some(PatchPath::Filtered {
            attr,
            filter,
            sub_attr,
        }) => apply_filtered(
            rt,
            doc,
            op,
            attr,
            filter,
            sub_attr.as_deref(),
            value,
            options,
        ),
    }
}

/// One member of a path-less value: its key is an attribute path (plain, dotted or
/// URN-qualified, or a whole extension URN).
fn apply_key(
    rt: &ResourceType,
    doc: &mut Map<String, Value>,
    op: PatchOp,
    key: &str,
    value: &Value,
    options: &PatchOptions,
) -> Result<(), ScimError> {
    if key.eq_ignore_ascii_case("schemas") {
        // `schemas` is rebuilt from the data by validation.
        return Ok(());
    }
    let path = match scimkit_filter::parse_path(key) {
        Ok(PatchPath::Attr(path)) if rt.resolve(&path).is_some() => path,
        _ if options.validation.unknown_attributes == UnknownAttributes::Ignore => return Ok(()),
        _ => {
            return Err(ScimError::InvalidValue(format!(
                "\"{key}\" is not an attribute of {}",
                rt.name
            )))
        }
    };
    apply_at(rt, doc, op, &path, Some(value))
}

fn unknown_path(rt: &ResourceType, path: &dyn std::fmt::Display) -> ScimError {
    ScimError::InvalidPath(format!("\"{path}\" is not an attribute of {}", rt.name))
}

/// `op` at a path without a value filter.
fn apply_at(
    rt: &ResourceType,
    doc: &mut Map<String, Value>,
    op: PatchOp,
    path: &AttrPath,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    match rt.resolve(path).ok_or_else(|| unknown_path(rt, path))? {
        Target::Extension(schema) => {
            if op == PatchOp::Remove || value.is_some_and(Value::is_null) {
                remove_ci(doc, &schema.id);
                return Ok(());
            }
            let Some(Value::Object(values)) = value else {
                return Err(ScimError::InvalidValue(format!(
                    "the value for the extension \"{}\" must be an object of its attributes",
                    schema.id
                )));
            };
            for (key, value) in values {
                let inner = AttrPath::new(key.clone()).with_urn(schema.id.clone());
                if schema.get(key).is_none() {
                    return Err(ScimError::InvalidValue(format!(
                        "\"{key}\" is not an attribute of the extension \"{}\"",
                        schema.id
                    )));
                }
                apply_at(rt, doc, op, &inner, Some(value))?;
            }
            Ok(())
        }
        Target::Attribute(resolved) => {
            check_mutability(doc, &resolved, op, path)?;
            let Some(container) = container(doc, resolved.namespace, op) else {
                return Ok(());
            };
            match resolved.sub_attribute {
                None => {
                    set_whole(container, resolved.attribute, op, value);
                    Ok(())
                }
                Some(sub) => set_sub(container, resolved.attribute, sub, op, value, path),
            }
        }
    }
}

/// Read-only attributes cannot be patched; immutable ones only set while unassigned.
fn check_mutability(
    doc: &Map<String, Value>,
    resolved: &ResolvedAttr<'_>,
    op: PatchOp,
    path: &AttrPath,
) -> Result<(), ScimError> {
    let read_only = |a: &Attribute| a.mutability == Mutability::ReadOnly;
    if read_only(resolved.attribute) || resolved.sub_attribute.is_some_and(read_only) {
        return Err(ScimError::Mutability(format!(
            "\"{path}\" is read-only and cannot be changed"
        )));
    }
    if resolved.attribute.mutability == Mutability::Immutable
        && (op != PatchOp::Add || !resolved.attribute.multi_valued)
    {
        let existing = match resolved.namespace {
            Namespace::Extension(schema) => get_ci(doc, &schema.id)
                .and_then(Value::as_object)
                .and_then(|ext| get_ci(ext, &resolved.attribute.name)),
            _ => get_ci(doc, &resolved.attribute.name),
        };
        if existing.is_some_and(|v| !v.is_null()) {
            return Err(ScimError::Mutability(format!(
                "\"{path}\" is immutable and already set; it cannot be changed"
            )));
        }
    }
    Ok(())
}

/// The object holding the attributes of `namespace`: the document, or the extension object
/// (created for add/replace; `None` for a remove when it does not exist).
fn container<'d>(
    doc: &'d mut Map<String, Value>,
    namespace: Namespace<'_>,
    op: PatchOp,
) -> Option<&'d mut Map<String, Value>> {
    match namespace {
        Namespace::Common | Namespace::Core => Some(doc),
        Namespace::Extension(schema) => {
            let key = existing_key(doc, &schema.id);
            if key.is_none() && op == PatchOp::Remove {
                return None;
            }
            let key = key.unwrap_or_else(|| schema.id.clone());
            let slot = doc.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            slot.as_object_mut()
        }
    }
}

/// `op` on a whole top-level attribute.
fn set_whole(
    container: &mut Map<String, Value>,
    attribute: &Attribute,
    op: PatchOp,
    value: Option<&Value>,
) {
    let value = match (op, value) {
        // Adding no values to a multi-valued attribute adds nothing.
        (PatchOp::Add, None | Some(Value::Null)) if attribute.multi_valued => return,
        (PatchOp::Remove, _) | (_, None | Some(Value::Null)) => {
            remove_ci(container, &attribute.name);
            return;
        }
        (_, Some(value)) => value,
    };
    if attribute.multi_valued {
        let items: Vec<Value> = match value {
            Value::Array(items) => items.iter().filter(|v| !v.is_null()).cloned().collect(),
            single => vec![single.clone()],
        };
        if op == PatchOp::Replace {
            // A replace list with the same element twice keeps it once, as `add` does.
            let mut unique: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                if !unique.iter().any(|e| same_element(attribute, e, &item)) {
                    unique.push(item);
                }
            }
            set_ci(container, &attribute.name, Value::Array(unique));
            return;
        }
        let slot = slot_ci(container, &attribute.name, || Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(existing) = slot {
            let mut added = Vec::new();
            for item in items {
                if !existing.iter().any(|e| same_element(attribute, e, &item)) {
                    added.push(existing.len());
                    existing.push(item);
                }
            }
            clear_other_primaries(existing, &added);
        }
        return;
    }
    match (attribute.is_complex(), value) {
        (true, Value::Object(values)) => {
            let slot = slot_ci(container, &attribute.name, || Value::Object(Map::new()));
            match slot {
                Value::Object(existing) => merge(existing, values),
                other => *other = value.clone(),
            }
        }
        _ => set_ci(container, &attribute.name, value.clone()),
    }
}

/// `op` on `attribute.sub` without a filter: in the single complex value, or in every element
/// of a multi-valued one.
fn set_sub(
    container: &mut Map<String, Value>,
    attribute: &Attribute,
    sub: &Attribute,
    op: PatchOp,
    value: Option<&Value>,
    path: &AttrPath,
) -> Result<(), ScimError> {
    let new = match op {
        PatchOp::Remove => None,
        _ => value.filter(|v| !v.is_null()),
    };
    if attribute.multi_valued {
        let elements = match get_mut_ci(container, &attribute.name) {
            Some(Value::Array(elements)) if !elements.is_empty() => elements,
            _ if new.is_none() => return Ok(()),
            _ => {
                return Err(ScimError::NoTarget(format!(
                    "\"{path}\": there is no value of \"{}\" to set \"{}\" in; select one with \
                     a filter such as {}[type eq \"work\"].{}",
                    attribute.name, sub.name, attribute.name, sub.name
                )))
            }
        };
        for element in elements.iter_mut() {
            set_in_element(element, sub, new);
        }
        return Ok(());
    }
    if new.is_none() {
        if let Some(Value::Object(object)) = get_mut_ci(container, &attribute.name) {
            remove_ci(object, &sub.name);
        }
        return Ok(());
    }
    let slot = slot_ci(container, &attribute.name, || Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    set_in_element(slot, sub, new);
    Ok(())
}

/// Sets (or with `None`, removes) a sub-attribute of one complex value.
fn set_in_element(element: &mut Value, sub: &Attribute, value: Option<&Value>) {
    let Value::Object(object) = element else {
        return;
    };
    match value {
        Some(value) => set_ci(object, &sub.name, value.clone()),
        None => remove_ci(object, &sub.name),
    }
}

/// `op` on `attr[filter]` or `attr[filter].sub`.
#[allow(clippy::too_many_arguments)]
fn apply_filtered(
    rt: &ResourceType,
    doc: &mut Map<String, Value>,
    op: PatchOp,
    attr: &AttrPath,
    filter: &Filter,
    sub_attr: Option<&str>,
    value: Option<&Value>,
    options: &PatchOptions,
) -> Result<(), ScimError> {
    let shown = PatchPath::Filtered {
        attr: attr.clone(),
        filter: filter.clone(),
        sub_attr: sub_attr.map(str::to_owned),
    };
    let Some(Target::Attribute(resolved)) = rt.resolve(attr) else {
        return Err(unknown_path(rt, &shown));
    };
    let attribute = resolved.attribute;
    if !attribute.multi_valued || !attribute.is_complex() {
        return Err(ScimError::InvalidPath(format!(
            "\"{shown}\": a value filter selects values of a multi-valued complex attribute, \
             and \"{}\" is not one",
            attribute.name
        )));
    }
    let sub = match sub_attr {
        None => None,
        Some(name) => Some(attribute.sub_attribute(name).ok_or_else(|| {
            ScimError::InvalidPath(format!(
                "\"{shown}\": \"{name}\" is not a sub-attribute of \"{}\"",
                attribute.name
            ))
        })?),
    };
    let with_sub = ResolvedAttr {
        sub_attribute: sub,
        ..resolved
    };
    check_mutability(doc, &with_sub, PatchOp::Add, attr)?;
    if sub.is_some_and(|s| s.mutability == Mutability::Immutable) && op != PatchOp::Add {
        return Err(ScimError::Mutability(format!(
            "\"{shown}\" is immutable: it cannot be changed in an existing value"
        )));
    }
    let element_filter = ElementFilter::new(filter, rt, attr, Strictness::Strict)
        .map_err(|e| ScimError::InvalidPath(format!("\"{shown}\": {}", e.detail())))?;
    let Some(container) = container(doc, resolved.namespace, op) else {
        return Ok(());
    };
    let new = match op {
        PatchOp::Remove => None,
        _ => value,
    };

    let elements = match get_mut_ci(container, &attribute.name) {
        Some(Value::Array(elements)) => Some(elements),
        _ => None,
    };
    let matched: Vec<usize> = elements
        .as_ref()
        .map(|elements| {
            elements
                .iter()
                .enumerate()
                .filter(|(_, e)| element_filter.matches(e))
                .map(|(n, _)| n)
                .collect()
        })
        .unwrap_or_default();

    if matched.is_empty() {
        if op == PatchOp::Remove || new.is_none_or(Value::is_null) {
            return Ok(());
        }
        let template = options
            .create_missing_filtered_target
            .then(|| template(filter, attribute))
            .flatten();
        let Some(mut element) = template else {
            return Err(ScimError::NoTarget(format!(
                "\"{shown}\": no value of \"{}\" matches the filter",
                attribute.name
            )));
        };
        match (sub, new) {
            (Some(sub), new) => set_in_element(&mut element, sub, new),
            (None, Some(Value::Object(values))) => {
                if let Value::Object(object) = &mut element {
                    merge(object, values);
                }
            }
            (None, _) => {
                return Err(ScimError::InvalidValue(format!(
                    "\"{shown}\": the value must be an object of \"{}\" sub-attributes",
                    attribute.name
                )))
            }
        }
        let slot = slot_ci(container, &attribute.name, || Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(elements) = slot {
            elements.push(element);
            let added = [elements.len() - 1];
            clear_other_primaries(elements, &added);
        }
        return Ok(());
    }

    let Some(elements) = elements else {
        return Ok(());
    };
    match (op, sub, new) {
        (PatchOp::Remove, None, _) => {
            let mut n = 0usize;
            elements.retain(|_| {
                let keep = !matched.contains(&n);
                n += 1;
                keep
            });
            if elements.is_empty() {
                remove_ci(container, &attribute.name);
            }
        }
        (_, Some(sub), new) => {
            let new = new.filter(|v| !v.is_null());
            for &n in &matched {
                if let Some(element) = elements.get_mut(n) {
                    set_in_element(element, sub, new);
                }
            }
            clear_other_primaries(elements, &matched);
        }
        (_, None, Some(Value::Object(values))) => {
            for &n in &matched {
                if let Some(element) = elements.get_mut(n) {
                    match (op, element) {
                        (PatchOp::Add, Value::Object(object)) => merge(object, values),
                        (_, element) => *element = Value::Object(values.clone()),
                    }
                }
            }
            clear_other_primaries(elements, &matched);
        }
        (_, None, Some(Value::Null) | None) => {
            let mut n = 0usize;
            elements.retain(|_| {
                let keep = !matched.contains(&n);
                n += 1;
                keep
            });
        }
        (_, None, Some(_)) => {
            return Err(ScimError::InvalidValue(format!(
                "\"{shown}\": the value must be an object of \"{}\" sub-attributes",
                attribute.name
            )))
        }
    }
    Ok(())
}

/// The element a filter of `eq` tests on sub-attributes describes (`type eq "work"` →
/// `{"type": "work"}`), for creating a missing target. `None` for any other filter.
fn template(filter: &Filter, attribute: &Attribute) -> Option<Value> {
    let mut object = Map::new();
    let tests: &[Filter] = match filter {
        Filter::And(operands) => operands,
        single => std::slice::from_ref(single),
    };
    for test in tests {
        let Filter::Attr {
            path,
            test: AttrTest::Compare(CompareOp::Eq, value),
        } = test
        else {
            return None;
        };
        if path.sub_attr.is_some() {
            return None;
        }
        let sub = attribute.sub_attribute(&path.name)?;
        let value = match value {
            CompValue::String(s) => Value::String(s.clone()),
            CompValue::Bool(b) => Value::Bool(*b),
            CompValue::Number(n) => serde_json::from_str(n.as_str()).ok()?,
            CompValue::Null => return None,
        };
        object.insert(sub.name.clone(), value);
    }
    Some(Value::Object(object))
}

/// Whether `new` is already among a multi-valued attribute's values: same `value` (by the
/// sub-attribute's case rules) and a compatible `type`, or equal JSON for values without one.
fn same_element(attribute: &Attribute, existing: &Value, new: &Value) -> bool {
    if !attribute.is_complex() {
        return same_scalar(attribute, existing, new);
    }
    let (Some(old), Some(new)) = (existing.as_object(), new.as_object()) else {
        return existing == new;
    };
    let Some(value_attr) = attribute.sub_attribute("value") else {
        return old == new;
    };
    match (get_ci(old, "value"), get_ci(new, "value")) {
        (Some(a), Some(b)) if same_scalar(value_attr, a, b) => {}
        (None, None) => return old == new,
        _ => return false,
    }
    match (get_ci(old, "type"), get_ci(new, "type")) {
        (Some(Value::String(a)), Some(Value::String(b))) => fold(a) == fold(b),
        _ => true,
    }
}

fn same_scalar(attribute: &Attribute, a: &Value, b: &Value) -> bool {
    match (scalar_of(attribute, a), scalar_of(attribute, b)) {
        (Some(a), Some(b)) => a.compare(&b) == Some(std::cmp::Ordering::Equal),
        _ => a == b,
    }
}

/// When one of the `changed` elements is `primary: true`, the others stop being primary
/// (RFC 7644 §3.5.2).
fn clear_other_primaries(elements: &mut [Value], changed: &[usize]) {
    let is_primary = |v: &Value| {
        v.as_object()
            .and_then(|o| get_ci(o, "primary"))
            .is_some_and(|p| p == &Value::Bool(true))
    };
    let new_primary = changed
        .iter()
        .rev()
        .find(|&&n| elements.get(n).is_some_and(is_primary))
        .copied();
    let Some(keep) = new_primary else {
        return;
    };
    for (n, element) in elements.iter_mut().enumerate() {
        if n != keep && is_primary(element) {
            if let Value::Object(object) = element {
                set_ci(object, "primary", Value::Bool(false));
            }
        }
    }
}

/// Merges `values` into `object`, keys matched case-insensitively.
fn merge(object: &mut Map<String, Value>, values: &Map<String, Value>) {
    for (key, value) in values {
        set_ci(object, key, value.clone());
    }
}

fn existing_key(map: &Map<String, Value>, key: &str) -> Option<String> {
    if map.contains_key(key) {
        return Some(key.to_owned());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Sets `key` (matched case-insensitively, keeping an existing spelling).
fn set_ci(map: &mut Map<String, Value>, key: &str, value: Value) {
    let key = existing_key(map, key).unwrap_or_else(|| key.to_owned());
    map.insert(key, value);
}

fn remove_ci(map: &mut Map<String, Value>, key: &str) {
    if let Some(key) = existing_key(map, key) {
        map.remove(&key);
    }
}

fn get_mut_ci<'m>(map: &'m mut Map<String, Value>, key: &str) -> Option<&'m mut Value> {
    let key = existing_key(map, key)?;
    map.get_mut(&key)
}

/// The value at `key`, inserted with `init` when absent.
fn slot_ci<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
    init: impl FnOnce() -> Value,
) -> &'m mut Value {
    let key = existing_key(map, key).unwrap_or_else(|| key.to_owned());
    map.entry(key).or_insert_with(init)
}
