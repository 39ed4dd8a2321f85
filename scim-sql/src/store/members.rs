//! A group's members as rows of its membership table: admitted (each a User of the tenant),
//! inserted, deleted, and a members-only PATCH applied as those row changes without reading
//! the member list.

use std::fmt::Write as _;

use std::collections::HashSet;

use chrono::{SubsecRound as _, Utc};
use scimkit_core::patch::Patched;
use scimkit_core::resource::get_ci;
use scimkit_core::store::{MemberPatch, StoreError};
use scimkit_core::Resource;
use serde_json::Value;

use crate::backend::Backend;
use crate::datum::{Datum, DatumKind};
use crate::db::Tx;
use crate::store::fail::{retry, Exec, Fail};
use crate::store::plan::Plan;
use crate::store::read::{self, id_list, CHUNK};
use crate::store::write::lock_row;
use crate::store::Inner;

/// The member ids of a validated group, each once.
pub(crate) fn ids_of(resource: &Resource) -> Result<Vec<String>, StoreError> {
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    let members = get_ci(&resource.attributes, "members").and_then(Value::as_array);
    for member in members.into_iter().flatten() {
        let id = member
            .as_object()
            .and_then(|o| get_ci(o, "value"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                StoreError::Rejected(scimkit_core::ScimError::InvalidValue(
                    "members: every member needs a string \"value\"".to_owned(),
                ))
            })?;
        if seen.insert(id.to_owned()) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// The users' plan and the membership table's plan (the group type's).
fn plans(inner: &Inner, index: usize) -> Option<(&Plan, &Plan)> {
    let users = inner.plans.get(inner.users?)?;
    let groups = inner.plans.get(index)?;
    groups.table.members.as_ref()?;
    Some((users, groups))
}

/// The shared row lock a member check takes: the one the membership table's foreign key
/// would take, so a user delete waiting for it cannot be overtaken.
fn share_lock(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => " FOR KEY SHARE",
        Backend::MySql => " LOCK IN SHARE MODE",
        Backend::Sqlite => "",
    }
}

/// The ids as stored, after checking that each names a User of `tenant`; a `400
/// invalidValue` naming the first that does not.
pub(crate) async fn admit(
    tx: &mut Tx,
    inner: &Inner,
    tenant: &str,
    ids: &[String],
) -> Result<Vec<String>, Fail> {
    let Some(users) = inner.users.and_then(|u| inner.plans.get(u)) else {
        return Err(Fail::invalid("members: this service keeps no Users"));
    };
    let backend = tx.backend();
    let not_found =
        |id: &str| Fail::invalid(format!("members: \"{id}\" is not a User of this tenant"));
    if let Some(bad) = ids.iter().find(|id| !users.table.accepts_id(backend, id)) {
        return Err(not_found(bad));
    }
    let mut admitted = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut sql = format!(
            "SELECT {} FROM {} WHERE {} IN ({})",
            users.table.id_text(backend),
            users.table.name,
            users.table.qualified(&users.table.id),
            id_list(users, backend, chunk.len())
        );
        let mut params: Vec<Datum> = chunk.iter().map(Datum::text).collect();
        if let Some(column) = &users.table.tenant {
            let _ = write!(sql, " AND {} = ?", users.table.qualified(column));
            params.push(Datum::text(tenant));
        }
        sql.push_str(share_lock(backend));
        let found: Vec<String> = tx
            .rows(&backend.statement(&sql), &params, &[DatumKind::Text])
            .await?
            .into_iter()
            .filter_map(|row| row.into_iter().next().and_then(Datum::into_text))
            .collect();
        for id in chunk {
            match found.iter().find(|f| f.eq_ignore_ascii_case(id)) {
                Some(stored) => admitted.push(stored.clone()),
                None => return Err(not_found(id)),
            }
        }
    }
    Ok(admitted)
}

/// Adds memberships of group `group` (already admitted); returns how many were new.
pub(crate) async fn insert(
    tx: &mut Tx,
    inner: &Inner,
    index: usize,
    group: &str,
    ids: &[String],
) -> Result<u64, Fail> {
    let Some((users, groups)) = plans(inner, index) else {
        return Ok(0);
    };
    let Some(members) = &groups.table.members else {
        return Ok(0);
    };
    let backend = tx.backend();
    let pair = format!(
        "({}, {})",
        groups.table.id_param(backend, "?"),
        users.table.id_param(backend, "?")
    );
    let mut added = 0;
    for chunk in ids.chunks(CHUNK) {
        let rows = vec![pair.as_str(); chunk.len()].join(", ");
        let sql = match backend {
            Backend::MySql => format!(
                "INSERT IGNORE INTO {} ({}, {}) VALUES {rows}",
                members.table, members.group, members.member
            ),
            Backend::Postgres | Backend::Sqlite => format!(
                "INSERT INTO {} ({}, {}) VALUES {rows} ON CONFLICT DO NOTHING",
                members.table, members.group, members.member
            ),
        };
        let mut params = Vec::with_capacity(chunk.len() * 2);
        for id in chunk {
            params.push(Datum::text(group));
            params.push(Datum::text(id.as_str()));
        }
        added += tx.run(&backend.statement(&sql), &params).await?;
    }
    Ok(added)
}

/// Deletes memberships of group `group` for `ids` (absent ones ignored); returns how many
/// there were.
async fn remove(
    tx: &mut Tx,
    inner: &Inner,
    index: usize,
    group: &str,
    ids: &[String],
) -> Result<u64, Fail> {
    let Some((users, groups)) = plans(inner, index) else {
        return Ok(0);
    };
    let Some(members) = &groups.table.members else {
        return Ok(0);
    };
    let backend = tx.backend();
    let ids: Vec<&String> = ids
        .iter()
        .filter(|id| users.table.accepts_id(backend, id))
        .collect();
    let mut removed = 0;
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "DELETE FROM {} WHERE {} = {} AND {} IN ({})",
            members.table,
            members.group,
            groups.table.id_param(backend, "?"),
            members.member,
            id_list(users, backend, chunk.len())
        );
        let mut params = vec![Datum::text(group)];
        params.extend(chunk.iter().map(|id| Datum::text(id.as_str())));
        removed += tx.run(&backend.statement(&sql), &params).await?;
    }
    Ok(removed)
}

/// The member ids of group `group`.
async fn current(
    tx: &mut Tx,
    inner: &Inner,
    index: usize,
    group: &str,
) -> Result<Vec<String>, Fail> {
    let Some((users, groups)) = plans(inner, index) else {
        return Ok(Vec::new());
    };
    let Some(members) = &groups.table.members else {
        return Ok(Vec::new());
    };
    let backend = tx.backend();
    let sql = backend.statement(&format!(
        "SELECT {} FROM {} WHERE {} = {}",
        users.table.text_of_id_column(backend, &members.member),
        members.table,
        members.group,
        groups.table.id_param(backend, "?")
    ));
    Ok(tx
        .rows(&sql, &[Datum::text(group)], &[DatumKind::Text])
        .await?
        .into_iter()
        .filter_map(|row| row.into_iter().next().and_then(Datum::into_text))
        .collect())
}

/// Deletes every membership of group `group`.
pub(crate) async fn clear(
    tx: &mut Tx,
    inner: &Inner,
    index: usize,
    group: &str,
) -> Result<u64, Fail> {
    let Some((_, groups)) = plans(inner, index) else {
        return Ok(0);
    };
    let Some(members) = &groups.table.members else {
        return Ok(0);
    };
    let backend = tx.backend();
    let sql = backend.statement(&format!(
        "DELETE FROM {} WHERE {} = {}",
        members.table,
        members.group,
        groups.table.id_param(backend, "?")
    ));
    Ok(tx.run(&sql, &[Datum::text(group)]).await?)
}

/// Deletes the memberships of a resource being deleted: a group's, or a user's in every
/// group.
pub(crate) async fn forget(tx: &mut Tx, inner: &Inner, index: usize, id: &str) -> Result<(), Fail> {
    if inner
        .plans
        .get(index)
        .is_some_and(|p| p.table.members.is_some())
    {
        clear(tx, inner, index, id).await?;
    }
    if Some(index) == inner.users {
        let Some(groups) = inner.groups else {
            return Ok(());
        };
        let Some((users, group_plan)) = plans(inner, groups) else {
            return Ok(());
        };
        let Some(members) = &group_plan.table.members else {
            return Ok(());
        };
        touch_groups_of(tx, inner, id).await?;
        let backend = tx.backend();
        let sql = backend.statement(&format!(
            "DELETE FROM {} WHERE {} = {}",
            members.table,
            members.member,
            users.table.id_param(backend, "?")
        ));
        tx.run(&sql, &[Datum::text(id)]).await?;
    }
    Ok(())
}

/// Gives every group user `id` is a member of a new version and `lastModified`: what they
/// show of the user changes (the user leaves them, or its `displayName` changes). The user's
/// row is locked first (the lock order).
pub(crate) async fn touch_groups_of(tx: &mut Tx, inner: &Inner, id: &str) -> Result<(), Fail> {
    let Some((users, group_plan)) = inner.groups.and_then(|groups| plans(inner, groups)) else {
        return Ok(());
    };
    let Some(members) = &group_plan.table.members else {
        return Ok(());
    };
    let backend = tx.backend();
    let touch = backend.statement(&format!(
        "UPDATE {g} SET {v} = {v} + 1, {m} = ? WHERE {id} IN \
         (SELECT {group} FROM {table} WHERE {member} = {param})",
        g = group_plan.table.name,
        v = group_plan.table.version,
        m = group_plan.table.modified,
        id = group_plan.table.id,
        group = members.group,
        table = members.table,
        member = members.member,
        param = users.table.id_param(backend, "?"),
    ));
    let now = Datum::Timestamp(Some(Utc::now().trunc_subsecs(3)));
    tx.run(&touch, &[now, Datum::text(id)]).await?;
    Ok(())
}

/// The position in plan `index`'s columns of what groups show of their members
/// (`displayName`): `None` unless `index` is the users' plan, the store keeps groups, and the
/// users' table maps `displayName`. A user replace that changes it touches the user's groups.
pub(crate) fn shown_by_groups(inner: &Inner, index: usize) -> Option<usize> {
    if Some(index) != inner.users || inner.groups.is_none() {
        return None;
    }
    inner.plans.get(index)?.display_index()
}

/// A members-only PATCH as row changes: `replaced` (the list made exactly so), then
/// `removed`, then `added`, in one transaction; a new version and `lastModified` only when a
/// membership changed. The group comes back with `members` only when `change.with_members`.
pub(crate) async fn patch(
    inner: &Inner,
    index: usize,
    tenant: &str,
    id: &str,
    change: MemberPatch<'_>,
) -> Result<Patched, StoreError> {
    let plan = inner.plans.get(index).ok_or(StoreError::NotFound)?;
    let delta = change.delta;
    let replaced: Option<Vec<String>> = delta
        .replaced
        .as_ref()
        .map(|list| list.iter().map(|m| m.value.clone()).collect());
    let added: Vec<String> = delta.added.iter().map(|m| m.value.clone()).collect();
    let result = retry(|| async {
        let mut tx = inner.db.begin().await?;
        // Members first: their rows are locked before the group's (see the lock order).
        let mut wanted: Vec<String> = replaced.clone().unwrap_or_default();
        wanted.extend(added.iter().cloned());
        let admitted = admit(&mut tx, inner, tenant, &wanted).await?;
        let (admitted_replaced, admitted_added) =
            admitted.split_at(replaced.as_ref().map_or(0, Vec::len));
        lock_row(&mut tx, plan, tenant, id, change.if_match).await?;
        let mut changed = 0;
        if replaced.is_some() {
            let keep: HashSet<&str> = admitted_replaced.iter().map(String::as_str).collect();
            let now: Vec<String> = current(&mut tx, inner, index, id).await?;
            let gone: Vec<String> = now
                .iter()
                .filter(|m| !keep.contains(m.as_str()))
                .cloned()
                .collect();
            changed += remove(&mut tx, inner, index, id, &gone).await?;
            changed += insert(&mut tx, inner, index, id, admitted_replaced).await?;
        }
        changed += remove(&mut tx, inner, index, id, &delta.removed).await?;
        changed += insert(&mut tx, inner, index, id, admitted_added).await?;
        if changed > 0 {
            let backend = tx.backend();
            let (condition, mut params) = plan.table.row_condition(backend, tenant, id);
            params.insert(0, Datum::Timestamp(Some(Utc::now().trunc_subsecs(3))));
            let sql = backend.statement(&format!(
                "UPDATE {} SET {v} = {v} + 1, {} = ? WHERE {condition}",
                plan.table.name,
                plan.table.modified,
                v = plan.table.version,
            ));
            tx.run(&sql, &params).await?;
        }
        let resource = read::by_id(&mut tx, inner, index, tenant, id, change.with_members)
            .await?
            .ok_or(Fail::Store(StoreError::NotFound))?;
        tx.commit().await?;
        Ok(Patched {
            resource,
            changed: changed > 0,
        })
    })
    .await;
    result.map_err(|fail| fail.into_store_error("value"))
}
