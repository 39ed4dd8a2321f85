//! Reading resources: rows of a [`Plan`]'s table made into resources, with their child-table
//! attributes, a group's members and a user's derived `groups`, each fetched for a whole
//! page of ids in one statement per 500 ids.

use std::collections::HashMap;

use scimkit_core::store::StoreError;
use scimkit_core::{Meta, Resource, Version};
use serde_json::{json, Map, Value};

use crate::datum::{Datum, DatumKind};
use crate::store::fail::{Exec, Fail};
use crate::store::plan::{MappedChild, Plan};
use crate::store::slot::json;
use crate::store::Inner;

/// How many ids one `IN (…)` list holds.
pub(crate) const CHUNK: usize = 500;

/// The resource `id` of `tenant`, or `None`.
pub(crate) async fn get(
    inner: &Inner,
    index: usize,
    tenant: &str,
    id: &str,
) -> Result<Option<Resource>, StoreError> {
    get_with(inner, index, tenant, id, true).await
}

/// [`get`], reading a group's members only when `with_members`.
pub(crate) async fn get_with(
    inner: &Inner,
    index: usize,
    tenant: &str,
    id: &str,
    with_members: bool,
) -> Result<Option<Resource>, StoreError> {
    let found: Result<_, Fail> = async {
        let mut conn = inner.db.acquire().await?;
        by_id(&mut conn, inner, index, tenant, id, with_members).await
    }
    .await;
    found.map_err(|fail| fail.into_store_error("value"))
}

/// The resource `id` of `tenant` read through `exec`, with members when `with_members`.
pub(crate) async fn by_id<E: Exec>(
    exec: &mut E,
    inner: &Inner,
    index: usize,
    tenant: &str,
    id: &str,
    with_members: bool,
) -> Result<Option<Resource>, Fail> {
    let Some(plan) = inner.plans.get(index) else {
        return Ok(None);
    };
    let backend = exec.backend();
    if !plan.table.accepts_id(backend, id) {
        return Ok(None);
    }
    let (condition, params) = plan.table.row_condition(backend, tenant, id);
    let sql = backend.statement(&format!(
        "SELECT {} FROM {} WHERE {condition}",
        plan.select, plan.table.name
    ));
    let rows = exec.rows(&sql, &params, &plan.kinds).await?;
    let mut resources = assemble(exec, inner, index, rows, with_members).await?;
    Ok(resources.pop())
}

/// Resources from rows selected with `plan.select`, in the rows' order.
pub(crate) async fn assemble<E: Exec>(
    exec: &mut E,
    inner: &Inner,
    index: usize,
    rows: Vec<Vec<Datum>>,
    with_members: bool,
) -> Result<Vec<Resource>, Fail> {
    let Some(plan) = inner.plans.get(index) else {
        return Ok(Vec::new());
    };
    let mut resources = Vec::with_capacity(rows.len());
    for row in rows {
        resources.push(base(plan, row)?);
    }
    if resources.is_empty() {
        return Ok(resources);
    }
    let ids: Vec<String> = resources.iter().filter_map(|r| r.id.clone()).collect();
    for child in &plan.children {
        let mut values = child_values(exec, plan, child, &ids).await?;
        for resource in &mut resources {
            if let Some(elements) = resource.id.as_ref().and_then(|id| values.remove(id)) {
                child.slot.put(resource, Value::Array(elements));
            }
        }
    }
    if with_members && plan.table.members.is_some() {
        let mut members = members_of(exec, inner, index, &ids).await?;
        for resource in &mut resources {
            if let Some(list) = resource.id.as_ref().and_then(|id| members.remove(id)) {
                resource
                    .attributes
                    .insert("members".to_owned(), Value::Array(list));
            }
        }
    }
    if Some(index) == inner.users && plan.rt.schema.get("groups").is_some() {
        let mut groups = groups_of(exec, inner, &ids).await?;
        for resource in &mut resources {
            if let Some(list) = resource.id.as_ref().and_then(|id| groups.remove(id)) {
                resource
                    .attributes
                    .insert("groups".to_owned(), Value::Array(list));
            }
        }
    }
    for resource in &mut resources {
        resource.schemas = schemas(plan, resource);
    }
    Ok(resources)
}

/// A resource from its table's row: id, meta, the extra column's attributes, then the mapped
/// columns over them.
fn base(plan: &Plan, row: Vec<Datum>) -> Result<Resource, Fail> {
    let corrupt = |what: &str| {
        Fail::Store(StoreError::Unavailable(format!(
            "a row of {} has no {what}",
            plan.table.name
        )))
    };
    let mut values = row.into_iter();
    let id = values
        .next()
        .and_then(Datum::into_text)
        .ok_or_else(|| corrupt("id"))?;
    let version = values
        .next()
        .and_then(|d| d.as_integer())
        .ok_or_else(|| corrupt("version"))?;
    let created = values
        .next()
        .and_then(|d| d.as_timestamp())
        .ok_or_else(|| corrupt("created time"))?;
    let modified = values
        .next()
        .and_then(|d| d.as_timestamp())
        .ok_or_else(|| corrupt("modification time"))?;
    let mapped: Vec<Datum> = values.by_ref().take(plan.columns.len()).collect();
    let extra = values.next().and_then(Datum::into_text);
    let mut resource = Resource {
        schemas: Vec::new(),
        id: Some(id),
        external_id: None,
        meta: Some(Meta::stored(
            plan.rt.name.clone(),
            created,
            modified,
            Version::from(u64::try_from(version).unwrap_or_default()),
        )),
        attributes: Map::new(),
    };
    if let Some(Value::Object(mut kept)) = extra.and_then(|text| serde_json::from_str(&text).ok()) {
        if let Some(Value::String(external)) = kept.remove("externalId") {
            resource.external_id = Some(external);
        }
        resource.attributes = kept;
    }
    for (column, datum) in plan.columns.iter().zip(mapped) {
        if let Some(value) = json(datum) {
            column.slot.put(&mut resource, value);
        }
    }
    Ok(resource)
}

/// The schemas a resource shows: the core schema and each extension it has values of.
fn schemas(plan: &Plan, resource: &Resource) -> Vec<String> {
    let mut out = vec![plan.rt.schema.id.clone()];
    for extension in &plan.rt.extensions {
        let present = resource.attributes.iter().any(|(key, value)| {
            key.eq_ignore_ascii_case(&extension.schema.id)
                && value.as_object().is_some_and(|o| !o.is_empty())
        });
        if present {
            out.push(extension.schema.id.clone());
        }
    }
    out
}

/// `?, ?, …` for `n` ids, each as the id column takes it.
pub(crate) fn id_list(plan: &Plan, backend: crate::Backend, n: usize) -> String {
    vec![plan.table.id_param(backend, "?"); n].join(", ")
}

/// A child table's elements of each id, in position order.
async fn child_values<E: Exec>(
    exec: &mut E,
    plan: &Plan,
    child: &MappedChild,
    ids: &[String],
) -> Result<HashMap<String, Vec<Value>>, Fail> {
    let backend = exec.backend();
    let parent = plan
        .table
        .text_of_id_column(backend, &format!("c.{}", child.child.parent));
    let columns: Vec<String> = child
        .subs
        .iter()
        .map(|(_, column)| format!("c.{}", column.expr))
        .collect();
    let mut kinds = vec![DatumKind::Text];
    kinds.extend(
        child
            .subs
            .iter()
            .map(|(_, column)| DatumKind::from(column.kind)),
    );
    let order = match &child.child.position {
        Some(position) => format!("c.{}, c.{position}", child.child.parent),
        None => format!("c.{}", child.child.parent),
    };
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = backend.statement(&format!(
            "SELECT {parent}, {} FROM {} c WHERE c.{} IN ({}) ORDER BY {order}",
            columns.join(", "),
            child.child.table,
            child.child.parent,
            id_list(plan, backend, chunk.len()),
        ));
        let params: Vec<Datum> = chunk.iter().map(Datum::text).collect();
        for row in exec.rows(&sql, &params, &kinds).await? {
            let mut values = row.into_iter();
            let Some(owner) = values.next().and_then(Datum::into_text) else {
                continue;
            };
            let element = if child.simple {
                values.next().and_then(json)
            } else {
                let mut object = Map::new();
                for ((sub, _), datum) in child.subs.iter().zip(values) {
                    if let Some(value) = json(datum) {
                        object.insert(sub.clone(), value);
                    }
                }
                (!object.is_empty()).then_some(Value::Object(object))
            };
            if let Some(element) = element {
                out.entry(owner).or_default().push(element);
            }
        }
    }
    Ok(out)
}

/// The display column of a plan's `displayName`, if mapped.
fn display_column(plan: &Plan) -> Option<&str> {
    let index = plan.display_index()?;
    plan.columns.get(index).map(|c| c.column.expr.as_str())
}

/// The members of each group id, by member id.
async fn members_of<E: Exec>(
    exec: &mut E,
    inner: &Inner,
    index: usize,
    ids: &[String],
) -> Result<HashMap<String, Vec<Value>>, Fail> {
    let (Some(plan), Some(users)) = (
        inner.plans.get(index),
        inner.users.and_then(|u| inner.plans.get(u)),
    ) else {
        return Ok(HashMap::new());
    };
    let Some(members) = &plan.table.members else {
        return Ok(HashMap::new());
    };
    let backend = exec.backend();
    let group = plan
        .table
        .text_of_id_column(backend, &format!("m.{}", members.group));
    let member = users
        .table
        .text_of_id_column(backend, &format!("m.{}", members.member));
    let (display, join) = match display_column(users) {
        Some(column) => (
            format!("u.{column}"),
            format!(
                " LEFT JOIN {} u ON u.{} = m.{}",
                users.table.name, users.table.id, members.member
            ),
        ),
        None => ("NULL".to_owned(), String::new()),
    };
    let statement = |n: usize| {
        format!(
            "SELECT {group}, {member}, {display} FROM {} m{join} WHERE m.{} IN ({}) \
             ORDER BY m.{}, m.{}",
            members.table,
            members.group,
            id_list(plan, backend, n),
            members.group,
            members.member,
        )
    };
    references(exec, ids, statement, "User").await
}

/// The groups each user id is a member of (a User's derived `groups`).
async fn groups_of<E: Exec>(
    exec: &mut E,
    inner: &Inner,
    ids: &[String],
) -> Result<HashMap<String, Vec<Value>>, Fail> {
    let (Some(users), Some(groups)) = (
        inner.users.and_then(|u| inner.plans.get(u)),
        inner.groups.and_then(|g| inner.plans.get(g)),
    ) else {
        return Ok(HashMap::new());
    };
    let Some(members) = &groups.table.members else {
        return Ok(HashMap::new());
    };
    let backend = exec.backend();
    let group = groups
        .table
        .text_of_id_column(backend, &format!("m.{}", members.group));
    let member = users
        .table
        .text_of_id_column(backend, &format!("m.{}", members.member));
    let display = display_column(groups).map_or_else(|| "NULL".to_owned(), |c| format!("g.{c}"));
    let statement = |n: usize| {
        format!(
            "SELECT {member}, {group}, {display} FROM {} m JOIN {} g ON g.{} = m.{} \
             WHERE m.{} IN ({}) ORDER BY m.{}, m.{}",
            members.table,
            groups.table.name,
            groups.table.id,
            members.group,
            members.member,
            id_list(users, backend, n),
            members.member,
            members.group,
        )
    };
    references(exec, ids, statement, "direct").await
}

/// Rows `(owner, referenced id, display)` of `statement` (given how many ids its `IN` list
/// holds, `?` placeholders) for `ids` in chunks, as each owner's list of references
/// `{"value", "type": kind, "display"}`: a group's members, a user's groups.
async fn references<E: Exec>(
    exec: &mut E,
    ids: &[String],
    statement: impl Fn(usize) -> String,
    kind: &str,
) -> Result<HashMap<String, Vec<Value>>, Fail> {
    let backend = exec.backend();
    let kinds = [DatumKind::Text, DatumKind::Text, DatumKind::Text];
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = backend.statement(&statement(chunk.len()));
        let params: Vec<Datum> = chunk.iter().map(Datum::text).collect();
        for row in exec.rows(&sql, &params, &kinds).await? {
            let [owner, value, display] = <[Datum; 3]>::try_from(row).map_err(|_| {
                Fail::Store(StoreError::Unavailable(
                    "a membership row is short".to_owned(),
                ))
            })?;
            let (Some(owner), Some(value)) = (owner.into_text(), value.into_text()) else {
                continue;
            };
            let mut entry = json!({"value": value, "type": kind});
            if let (Some(display), Some(object)) = (display.into_text(), entry.as_object_mut()) {
                object.insert("display".to_owned(), Value::String(display));
            }
            out.entry(owner).or_default().push(entry);
        }
    }
    Ok(out)
}
