//! Writing resources: a validated resource as its table's row, its child-table rows and (for a
//! group) its membership rows, inserted, replaced or deleted in one transaction each.

use std::fmt::Write as _;

use chrono::{SubsecRound as _, Utc};
use scimkit_core::schema::Returned;
use scimkit_core::store::{new_id, StoreError, Version};
use scimkit_core::Resource;
use scimkit_filter::Filter;
use serde_json::Value;

use crate::backend::Backend;
use crate::datum::{Datum, DatumKind};
use crate::db::Tx;
use crate::store::fail::{retry, Exec, Fail};
use crate::store::members;
use crate::store::plan::Plan;
use crate::store::read;
use crate::store::slot::datum;
use crate::store::Inner;
use scimkit_core::resource::get_ci;

/// How many child rows one `INSERT` writes.
const ROWS_PER_INSERT: usize = 200;

/// What a resource writes, computed before the transaction (so a refusal costs no query).
struct Values {
    /// The mapped columns' values, in the plan's order.
    columns: Vec<Datum>,
    /// The hashes of the write-only attributes the resource carries, in the plan's order.
    secrets: Vec<Option<String>>,
    /// The extra column's JSON text, when the table has one.
    extra: Option<String>,
    /// Each child table's rows (sub-attribute columns, in the plan's order).
    children: Vec<Vec<Vec<Datum>>>,
    /// A group's member ids.
    members: Option<Vec<String>>,
}

fn values(plan: &Plan, resource: &Resource) -> Result<Values, StoreError> {
    let mut columns = Vec::with_capacity(plan.columns.len());
    for mapped in &plan.columns {
        columns.push(datum(
            mapped.slot.get(resource).as_ref(),
            mapped.column.kind,
            &mapped.slot.path,
        )?);
    }
    let mut children = Vec::with_capacity(plan.children.len());
    for child in &plan.children {
        let mut rows = Vec::new();
        let elements = child.slot.get(resource);
        for element in elements
            .iter()
            .flat_map(|v| v.as_array().into_iter().flatten())
        {
            let mut row = Vec::with_capacity(child.subs.len());
            for (sub, column) in &child.subs {
                let value = if child.simple {
                    Some(element)
                } else {
                    element.as_object().and_then(|o| get_ci(o, sub))
                };
                let path = format!("{}.{sub}", child.slot.path);
                row.push(datum(value, column.kind, &path)?);
            }
            if row.iter().any(|d| !d.is_null()) {
                rows.push(row);
            }
        }
        children.push(rows);
    }
    let members = match plan.table.members {
        Some(_) => Some(members::ids_of(resource)?),
        None => None,
    };
    let secrets = plan
        .secrets
        .iter()
        .map(|mapped| {
            mapped
                .slot
                .get(resource)
                .as_ref()
                .and_then(Value::as_str)
                .map(|value| mapped.secret.hash(value))
        })
        .collect();
    Ok(Values {
        columns,
        secrets,
        extra: extra(plan, resource),
        children,
        members,
    })
}

/// The extra column's JSON: every attribute no column, child table or membership table
/// keeps (and `externalId` when no column maps it).
fn extra(plan: &Plan, resource: &Resource) -> Option<String> {
    plan.table.extra.as_ref()?;
    let mut rest = resource.attributes.clone();
    for mapped in &plan.columns {
        mapped.slot.remove(&mut rest);
    }
    for child in &plan.children {
        child.slot.remove(&mut rest);
    }
    for derived in ["members", "groups"] {
        if plan.rt.schema.get(derived).is_some() {
            rest.retain(|key, _| !key.eq_ignore_ascii_case(derived));
        }
    }
    // Secrets (`returned: never`, such as `password`) are never written as text; a host that
    // keeps one hashes it into a column of its own (`Table::secret`).
    rest.retain(|key, _| {
        plan.rt
            .schema
            .get(key)
            .is_none_or(|attribute| attribute.returned != Returned::Never)
    });
    for extension in &plan.rt.extensions {
        let Some(key) = rest
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&extension.schema.id))
            .cloned()
        else {
            continue;
        };
        if let Some(Value::Object(values)) = rest.get_mut(&key) {
            values.retain(|name, _| {
                extension
                    .schema
                    .get(name)
                    .is_none_or(|attribute| attribute.returned != Returned::Never)
            });
        }
    }
    let external_mapped = plan
        .columns
        .iter()
        .any(|c| c.slot.extension.is_none() && c.slot.attribute == "externalId");
    if let (false, Some(external)) = (external_mapped, &resource.external_id) {
        rest.insert("externalId".to_owned(), Value::String(external.clone()));
    }
    serde_json::to_string(&Value::Object(rest)).ok()
}

/// The names of the attributes a unique index guards, for a violation's message.
pub(crate) fn unique_names(plan: &Plan) -> String {
    let names: Vec<&str> = plan
        .columns
        .iter()
        .filter(|c| c.unique)
        .map(|c| c.slot.path.as_str())
        .collect();
    if names.is_empty() {
        "value".to_owned()
    } else {
        names.join(" or ")
    }
}

/// Refuses a resource whose unique attributes another resource of the tenant has (compared
/// as the translator compares them: case-folded unless `caseExact`).
///
/// `kept` lists the plan's columns whose value the resource keeps exactly as stored (a
/// replace that does not change its userName): those are not checked again.
async fn check_unique(
    tx: &mut Tx,
    plan: &Plan,
    tenant: &str,
    resource: &Resource,
    (except, kept): (Option<&str>, &[usize]),
) -> Result<(), Fail> {
    for (_, mapped) in plan
        .columns
        .iter()
        .enumerate()
        .filter(|(i, c)| c.unique && !kept.contains(i))
    {
        let Some(value) = mapped.slot.get(resource).filter(|v| !v.is_null()) else {
            continue;
        };
        let test = equality(&mapped.slot.path, &value)?;
        if any_taken(tx, plan, tenant, &test, except).await? {
            return Err(Fail::Store(StoreError::Uniqueness(format!(
                "{} {value} is already taken in this tenant",
                mapped.slot.path
            ))));
        }
    }
    Ok(())
}

/// Unique values one statement of [`all_unique_free`] checks.
const UNIQUE_VALUES_PER_CHECK: usize = 100;

/// Whether no resource of the tenant has any of `resources`' unique values: one statement
/// per unique attribute and [`UNIQUE_VALUES_PER_CHECK`] values (an `or` of their tests).
async fn all_unique_free(
    tx: &mut Tx,
    plan: &Plan,
    tenant: &str,
    resources: &[&Resource],
) -> Result<bool, Fail> {
    for mapped in plan.columns.iter().filter(|c| c.unique) {
        let mut tests = Vec::with_capacity(resources.len());
        for resource in resources {
            if let Some(value) = mapped.slot.get(resource).filter(|v| !v.is_null()) {
                tests.push(equality(&mapped.slot.path, &value)?);
            }
        }
        for chunk in tests.chunks(UNIQUE_VALUES_PER_CHECK) {
            let test = match chunk {
                [one] => one.clone(),
                many => Filter::Or(many.to_vec()),
            };
            if any_taken(tx, plan, tenant, &test, None).await? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// `path eq value`.
fn equality(path: &str, value: &Value) -> Result<Filter, Fail> {
    scimkit_filter::parse_filter(&format!("{path} eq {value}"))
        .map_err(|_| Fail::invalid(format!("{path}: not a comparable value")))
}

/// Whether a resource of `tenant` (other than `except`) matches `test`.
async fn any_taken(
    tx: &mut Tx,
    plan: &Plan,
    tenant: &str,
    test: &Filter,
    except: Option<&str>,
) -> Result<bool, Fail> {
    let backend = tx.backend();
    let dialect = backend.dialect();
    let (condition, values) = plan
        .mapping
        .filter_sql(&plan.rt, test, dialect)
        .map_err(|error| Fail::Store(StoreError::Rejected(error.into())))?;
    let mut params: Vec<Datum> = values.into_iter().map(Datum::from).collect();
    let mut sql = format!(
        "SELECT {} FROM {} WHERE ({condition})",
        plan.table.id_text(backend),
        plan.table.name
    );
    if let Some(column) = &plan.table.tenant {
        params.push(Datum::text(tenant));
        let _ = write!(
            sql,
            " AND {} = {}",
            plan.table.qualified(column),
            dialect.placeholder(params.len())
        );
    }
    if let Some(id) = except {
        params.push(Datum::text(id));
        let _ = write!(
            sql,
            " AND {} <> {}",
            plan.table.qualified(&plan.table.id),
            plan.table
                .id_param(backend, &dialect.placeholder(params.len()))
        );
    }
    sql.push_str(" LIMIT 1");
    Ok(!tx.rows(&sql, &params, &[DatumKind::Text]).await?.is_empty())
}

/// The row lock of a write: `FOR UPDATE` where the database has it.
pub(crate) fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres | Backend::MySql => " FOR UPDATE",
        Backend::Sqlite => "",
    }
}

/// Locks row `id` of `tenant` and returns its version, refusing a missing row (404) and a
/// version other than `if_match` (412).
pub(crate) async fn lock_row(
    tx: &mut Tx,
    plan: &Plan,
    tenant: &str,
    id: &str,
    if_match: Option<&Version>,
) -> Result<i64, Fail> {
    Ok(lock_row_reading(tx, plan, tenant, id, if_match, &[])
        .await?
        .0)
}

/// [`lock_row`], reading with the version the values of mapped columns `read` (indexes into
/// the plan's columns) as the row holds them before the write, in `read`'s order.
async fn lock_row_reading(
    tx: &mut Tx,
    plan: &Plan,
    tenant: &str,
    id: &str,
    if_match: Option<&Version>,
    read: &[usize],
) -> Result<(i64, Vec<Datum>), Fail> {
    let backend = tx.backend();
    if !plan.table.accepts_id(backend, id) {
        return Err(Fail::Store(StoreError::NotFound));
    }
    let mut select = plan.table.qualified(&plan.table.version);
    let mut kinds = vec![DatumKind::Integer];
    for mapped in read.iter().filter_map(|&i| plan.columns.get(i)) {
        let _ = write!(select, ", {}", plan.table.qualified(&mapped.column.expr));
        kinds.push(mapped.column.kind.into());
    }
    let (condition, params) = plan.table.row_condition(backend, tenant, id);
    let sql = backend.statement(&format!(
        "SELECT {select} FROM {} WHERE {condition}{}",
        plan.table.name,
        for_update(backend)
    ));
    let rows = tx.rows(&sql, &params, &kinds).await?;
    let mut row = rows
        .into_iter()
        .next()
        .ok_or(Fail::Store(StoreError::NotFound))?
        .into_iter();
    let version = row
        .next()
        .and_then(|d| d.as_integer())
        .ok_or(Fail::Store(StoreError::NotFound))?;
    Version::from(u64::try_from(version).unwrap_or_default()).require(if_match)?;
    Ok((version, row.collect()))
}

/// Inserts `rows` of child table `index` of `plan` for resource `id`.
async fn insert_children(
    tx: &mut Tx,
    plan: &Plan,
    index: usize,
    id: &str,
    rows: &[Vec<Datum>],
) -> Result<(), Fail> {
    insert_children_of(tx, plan, index, &[(id, rows)]).await
}

/// Inserts the rows of child table `index` of `plan` of each `(resource id, rows)`, at most
/// [`ROWS_PER_INSERT`] rows a statement.
async fn insert_children_of(
    tx: &mut Tx,
    plan: &Plan,
    index: usize,
    parents: &[(&str, &[Vec<Datum>])],
) -> Result<(), Fail> {
    let Some(child) = plan.children.get(index) else {
        return Ok(());
    };
    // Each row with its parent's id and its position among the parent's rows.
    let all: Vec<(&str, usize, &Vec<Datum>)> = parents
        .iter()
        .flat_map(|(id, rows)| {
            rows.iter()
                .enumerate()
                .map(move |(position, row)| (*id, position, row))
        })
        .collect();
    if all.is_empty() {
        return Ok(());
    }
    let backend = tx.backend();
    let mut names = vec![child.child.parent.clone()];
    if let Some(position) = &child.child.position {
        names.push(position.clone());
    }
    names.extend(child.subs.iter().map(|(_, column)| column.expr.clone()));
    let mut one = vec![plan.table.id_param(backend, "?")];
    if child.child.position.is_some() {
        one.push("?".to_owned());
    }
    one.extend(child.subs.iter().map(|_| "?".to_owned()));
    let one = format!("({})", one.join(", "));
    for chunk in all.chunks(ROWS_PER_INSERT) {
        let sql = backend.statement(&format!(
            "INSERT INTO {} ({}) VALUES {}",
            child.child.table,
            names.join(", "),
            vec![one.as_str(); chunk.len()].join(", ")
        ));
        let mut params = Vec::with_capacity(chunk.len() * (names.len()));
        for (id, position, row) in chunk {
            params.push(Datum::text(*id));
            if child.child.position.is_some() {
                params.push(Datum::Integer(Some(
                    i64::try_from(*position).unwrap_or(i64::MAX),
                )));
            }
            params.extend(row.iter().cloned());
        }
        tx.run(&sql, &params).await?;
    }
    Ok(())
}

/// Deletes the child rows of resource `id` in every child table of `plan`.
async fn delete_children(tx: &mut Tx, plan: &Plan, id: &str) -> Result<(), Fail> {
    let backend = tx.backend();
    for child in &plan.children {
        let sql = backend.statement(&format!(
            "DELETE FROM {} WHERE {} = {}",
            child.child.table,
            child.child.parent,
            plan.table.id_param(backend, "?")
        ));
        tx.run(&sql, &[Datum::text(id)]).await?;
    }
    Ok(())
}

/// Stores a new resource of `tenant`: its row, child rows and memberships.
pub(crate) async fn create(
    inner: &Inner,
    index: usize,
    tenant: &str,
    resource: &Resource,
) -> Result<Resource, StoreError> {
    let plan = inner.plans.get(index).ok_or(StoreError::NotFound)?;
    let values = values(plan, resource)?;
    let result = retry(|| async {
        let mut tx = inner.db.begin().await?;
        check_unique(&mut tx, plan, tenant, resource, (None, &[])).await?;
        // Members first: their rows are locked before the group's (see the lock order).
        let admitted = match &values.members {
            Some(ids) => Some(members::admit(&mut tx, inner, tenant, ids).await?),
            None => None,
        };
        let id = new_id()?;
        let now = Utc::now().trunc_subsecs(3);
        let backend = tx.backend();
        let with_extra = values.extra.is_some();
        let (names, row) = new_row_shape(plan, backend, with_extra);
        let mut params = Vec::with_capacity(names.len());
        new_row_params(plan, (tenant, &id, now), &values, with_extra, &mut params);
        let sql = backend.statement(&format!(
            "INSERT INTO {} ({}) VALUES {row}",
            plan.table.name,
            names.join(", "),
        ));
        tx.run(&sql, &params).await?;
        for (child, rows) in values.children.iter().enumerate() {
            insert_children(&mut tx, plan, child, &id, rows).await?;
        }
        if let Some(admitted) = &admitted {
            members::insert(&mut tx, inner, index, &id, admitted).await?;
        }
        let created = read::by_id(&mut tx, inner, index, tenant, &id, true)
            .await?
            .ok_or(Fail::Store(StoreError::NotFound))?;
        tx.commit().await?;
        Ok(created)
    })
    .await;
    result.map_err(|fail| fail.into_store_error(&unique_names(plan)))
}

/// The columns of a new row (in the order the plan lists them; the extra column when
/// `with_extra`) and their placeholders, as [`new_row_params`] binds them.
fn new_row_shape(plan: &Plan, backend: Backend, with_extra: bool) -> (Vec<String>, String) {
    let table = &plan.table;
    let mut names = vec![table.id.clone()];
    let mut slots = vec![table.id_param(backend, "?")];
    if let Some(column) = &table.tenant {
        names.push(column.clone());
        slots.push("?".to_owned());
    }
    for column in [&table.version, &table.created, &table.modified] {
        names.push(column.clone());
        slots.push("?".to_owned());
    }
    for mapped in &plan.columns {
        names.push(mapped.column.expr.clone());
        slots.push("?".to_owned());
    }
    for mapped in &plan.secrets {
        names.push(mapped.secret.column.clone());
        slots.push("?".to_owned());
    }
    if let Some(column) = table.extra.as_ref().filter(|_| with_extra) {
        names.push(column.clone());
        slots.push(table.extra_param(backend));
    }
    (names, format!("({})", slots.join(", ")))
}

/// The values to bind for a new row of resource `id`, in [`new_row_shape`]'s order (the
/// extra column's, `NULL` when the resource keeps nothing there, when `with_extra`).
fn new_row_params(
    plan: &Plan,
    (tenant, id, now): (&str, &str, chrono::DateTime<Utc>),
    values: &Values,
    with_extra: bool,
    params: &mut Vec<Datum>,
) {
    let table = &plan.table;
    params.push(Datum::text(id));
    if table.tenant.is_some() {
        params.push(Datum::text(tenant));
    }
    params.extend([
        Datum::Integer(Some(1)),
        Datum::Timestamp(Some(now)),
        Datum::Timestamp(Some(now)),
    ]);
    params.extend(values.columns.iter().cloned());
    params.extend(values.secrets.iter().cloned().map(Datum::Text));
    if table.extra.is_some() && with_extra {
        params.push(Datum::Text(values.extra.clone()));
    }
}

/// How many rows one `INSERT` of a batch writes.
const RESOURCES_PER_INSERT: usize = 50;

/// Creates `resources` of `tenant` together, each result what [`create`] would answer.
///
/// For a table without members, the batch is one transaction: the resources' unique values
/// are checked together (one statement per unique attribute and 100 values), then the rows are written with one `INSERT` per 50 resources and one per
/// child table, read back with one `SELECT` (plus one per child table), and committed once.
/// When a unique value is taken or repeated within the batch, or the transaction fails, the
/// batch is created one resource at a time instead, so every resource gets its own answer.
pub(crate) async fn create_many(
    inner: &Inner,
    index: usize,
    tenant: &str,
    resources: &[Resource],
) -> Vec<Result<Resource, StoreError>> {
    let one_by_one = || async {
        let mut results = Vec::with_capacity(resources.len());
        for resource in resources {
            results.push(create(inner, index, tenant, resource).await);
        }
        results
    };
    let Some(plan) = inner.plans.get(index) else {
        return one_by_one().await;
    };
    if plan.table.members.is_some() || resources.len() < 2 {
        return one_by_one().await;
    }
    let mut prepared: Vec<Result<Values, StoreError>> =
        resources.iter().map(|r| values(plan, r)).collect();
    if repeats_unique(plan, resources) {
        return one_by_one().await;
    }
    let batch: Vec<(&Resource, &Values)> = resources
        .iter()
        .zip(&prepared)
        .filter_map(|(resource, values)| values.as_ref().ok().map(|v| (resource, v)))
        .collect();
    let written = retry(|| async { write_batch(inner, index, plan, tenant, &batch).await }).await;
    let Ok(Some(mut created)) = written else {
        return one_by_one().await;
    };
    let mut results = Vec::with_capacity(resources.len());
    for values in prepared.drain(..) {
        results.push(match values {
            Err(refused) => Err(refused),
            Ok(_) => created.next().ok_or_else(|| {
                StoreError::backend(std::io::Error::other(
                    "a created resource was not read back",
                ))
            }),
        });
    }
    results
}

/// Whether two of `resources` have the same value of a unique attribute (folded unless
/// case-exact), which only one-at-a-time creation answers right.
fn repeats_unique(plan: &Plan, resources: &[Resource]) -> bool {
    for mapped in plan.columns.iter().filter(|c| c.unique) {
        let case_exact = matches!(
            mapped.column.kind,
            scimkit_core::sql::ColumnKind::Text { case_exact: true }
        );
        let mut seen = std::collections::HashSet::new();
        for resource in resources {
            let Some(value) = mapped.slot.get(resource).filter(|v| !v.is_null()) else {
                continue;
            };
            let key = match value.as_str() {
                Some(text) if !case_exact => text.to_lowercase(),
                Some(text) => text.to_owned(),
                None => value.to_string(),
            };
            if !seen.insert(key) {
                return true;
            }
        }
    }
    false
}

/// One transaction writing `batch`; `None` when a unique value is taken (nothing written).
async fn write_batch(
    inner: &Inner,
    index: usize,
    plan: &Plan,
    tenant: &str,
    batch: &[(&Resource, &Values)],
) -> Result<Option<std::vec::IntoIter<Resource>>, Fail> {
    let mut tx = inner.db.begin().await?;
    let resources: Vec<&Resource> = batch.iter().map(|(resource, _)| *resource).collect();
    if !all_unique_free(&mut tx, plan, tenant, &resources).await? {
        return Ok(None);
    }
    let backend = tx.backend();
    let now = Utc::now().trunc_subsecs(3);
    let mut ids = Vec::with_capacity(batch.len());
    for _ in batch {
        ids.push(new_id()?);
    }
    for (chunk, chunk_ids) in batch
        .chunks(RESOURCES_PER_INSERT)
        .zip(ids.chunks(RESOURCES_PER_INSERT))
    {
        // One shape for every row: the extra column when any row keeps something there.
        let with_extra = chunk.iter().any(|(_, values)| values.extra.is_some());
        let (names, row) = new_row_shape(plan, backend, with_extra);
        let mut params = Vec::with_capacity(names.len() * chunk.len());
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ",
            plan.table.name,
            names.join(", ")
        );
        for (n, ((_, values), id)) in chunk.iter().zip(chunk_ids).enumerate() {
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&row);
            new_row_params(plan, (tenant, id, now), values, with_extra, &mut params);
        }
        let sql = backend.statement(&sql);
        tx.run(&sql, &params).await?;
    }
    for child in 0..plan.children.len() {
        let parents: Vec<(&str, &[Vec<Datum>])> = batch
            .iter()
            .zip(&ids)
            .filter_map(|((_, values), id)| {
                values
                    .children
                    .get(child)
                    .map(|rows| (id.as_str(), rows.as_slice()))
            })
            .collect();
        insert_children_of(&mut tx, plan, child, &parents).await?;
    }
    let mut read = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(read::CHUNK) {
        let mut params: Vec<Datum> = chunk.iter().map(|id| Datum::text(id.as_str())).collect();
        let mut sql = format!(
            "SELECT {} FROM {} WHERE {} IN ({})",
            plan.select,
            plan.table.name,
            plan.table.qualified(&plan.table.id),
            read::id_list(plan, backend, chunk.len())
        );
        if let Some(column) = &plan.table.tenant {
            let _ = write!(sql, " AND {} = ?", plan.table.qualified(column));
            params.push(Datum::text(tenant));
        }
        let rows = tx
            .rows(&backend.statement(&sql), &params, &plan.kinds)
            .await?;
        read.extend(read::assemble(&mut tx, inner, index, rows, true).await?);
    }
    tx.commit().await?;
    // In the batch's order.
    let mut by_id: std::collections::HashMap<String, Resource> = read
        .into_iter()
        .filter_map(|r| r.id.clone().map(|id| (id, r)))
        .collect();
    let ordered: Vec<Resource> = ids
        .iter()
        .filter_map(|id| by_id.remove(id.as_str()))
        .collect();
    if ordered.len() != ids.len() {
        return Err(Fail::Store(StoreError::backend(std::io::Error::other(
            "a created resource was not read back",
        ))));
    }
    Ok(Some(ordered.into_iter()))
}

/// Replaces resource `id` of `tenant` (when its version is `if_match`, if given).
pub(crate) async fn replace(
    inner: &Inner,
    index: usize,
    tenant: &str,
    id: &str,
    resource: &Resource,
    if_match: Option<&Version>,
) -> Result<Resource, StoreError> {
    let plan = inner.plans.get(index).ok_or(StoreError::NotFound)?;
    let values = values(plan, resource)?;
    let result = retry(|| async {
        let mut tx = inner.db.begin().await?;
        let admitted = match &values.members {
            Some(ids) => Some(members::admit(&mut tx, inner, tenant, ids).await?),
            None => None,
        };
        // Read under the row's lock: what the user's groups show of it (first, if any), and
        // its unique values, which need no check when they stay as they are.
        let shown = members::shown_by_groups(inner, index);
        let unique = (plan.columns.iter().enumerate())
            .filter(|(_, c)| c.unique)
            .map(|(i, _)| i);
        let read: Vec<usize> = shown.into_iter().chain(unique).collect();
        let (_, before) = lock_row_reading(&mut tx, plan, tenant, id, if_match, &read).await?;
        let same = |(i, held): (&usize, &Datum)| values.columns.get(*i) == Some(held);
        let renamed = shown.is_some() && !read.iter().zip(&before).next().is_some_and(same);
        let kept: Vec<usize> = (read.iter().zip(&before))
            .skip(usize::from(shown.is_some()))
            .filter(|&pair| same(pair))
            .map(|(i, _)| *i)
            .collect();
        check_unique(&mut tx, plan, tenant, resource, (Some(id), &kept)).await?;
        let backend = tx.backend();
        let table = &plan.table;
        let now = Utc::now().trunc_subsecs(3);
        let mut sets = vec![
            format!("{0} = {0} + 1", table.version),
            format!("{} = ?", table.modified),
        ];
        let mut params = vec![Datum::Timestamp(Some(now))];
        for (mapped, value) in plan.columns.iter().zip(&values.columns) {
            sets.push(format!("{} = ?", mapped.column.expr));
            params.push(value.clone());
        }
        for (mapped, hash) in plan.secrets.iter().zip(&values.secrets) {
            if let Some(hash) = hash {
                sets.push(format!("{} = ?", mapped.secret.column));
                params.push(Datum::text(hash.as_str()));
            }
        }
        if let (Some(column), Some(extra)) = (&table.extra, &values.extra) {
            sets.push(format!("{column} = {}", table.extra_param(backend)));
            params.push(Datum::text(extra.as_str()));
        }
        let (condition, keys) = table.row_condition(backend, tenant, id);
        params.extend(keys);
        let sql = backend.statement(&format!(
            "UPDATE {} SET {} WHERE {condition}",
            table.name,
            sets.join(", ")
        ));
        tx.run(&sql, &params).await?;
        if renamed {
            members::touch_groups_of(&mut tx, inner, id).await?;
        }
        delete_children(&mut tx, plan, id).await?;
        for (child, rows) in values.children.iter().enumerate() {
            insert_children(&mut tx, plan, child, id, rows).await?;
        }
        if let Some(admitted) = &admitted {
            members::clear(&mut tx, inner, index, id).await?;
            members::insert(&mut tx, inner, index, id, admitted).await?;
        }
        let replaced = read::by_id(&mut tx, inner, index, tenant, id, true)
            .await?
            .ok_or(Fail::Store(StoreError::NotFound))?;
        tx.commit().await?;
        Ok(replaced)
    })
    .await;
    result.map_err(|fail| fail.into_store_error(&unique_names(plan)))
}

/// Deletes resource `id` of `tenant` with its child rows and memberships.
pub(crate) async fn delete(
    inner: &Inner,
    index: usize,
    tenant: &str,
    id: &str,
    if_match: Option<&Version>,
) -> Result<(), StoreError> {
    let plan = inner.plans.get(index).ok_or(StoreError::NotFound)?;
    let result = retry(|| async {
        let mut tx = inner.db.begin().await?;
        lock_row(&mut tx, plan, tenant, id, if_match).await?;
        delete_children(&mut tx, plan, id).await?;
        members::forget(&mut tx, inner, index, id).await?;
        let backend = tx.backend();
        let (condition, params) = plan.table.row_condition(backend, tenant, id);
        let sql = backend.statement(&format!(
            "DELETE FROM {} WHERE {condition}",
            plan.table.name
        ));
        tx.run(&sql, &params).await?;
        tx.commit().await?;
        Ok(())
    })
    .await;
    result.map_err(|fail| fail.into_store_error(&unique_names(plan)))
}
