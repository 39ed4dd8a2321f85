//! Groups as rows of `teams`, members as rows of `team_memberships`. A PATCH that only adds or
//! removes members becomes row inserts and deletes plus a version bump, never reading or
//! rewriting the member list.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use scimkit_core::patch::Patched;
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, MemberPatch, Page, StoreError, Version};
use scimkit_core::Resource;
use scimkit_filter::AttrPath;
use serde_json::{json, Map, Value};
use sqlx::PgConnection;

use crate::db::{
    attr, bind_all, db, field, invalid, is_uuid, put, set_meta, sqlstate, text, version_number,
    FOREIGN_KEY_VIOLATION,
};
use crate::list;
use crate::store::PgStore;
use crate::users::missing_or_changed;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

const COLUMNS: &str = "teams.id::text AS id, teams.display_name, teams.external_id, \
    teams.version, teams.created_at, teams.updated_at";

/// The member existence check: which of the ids (`$2`) are accounts of the tenant (`$1`).
/// It takes the `KEY SHARE` lock that the membership insert's foreign-key check would take
/// later, so a group write locks its accounts before its `teams` row, in the order a user
/// delete does (account `FOR UPDATE`, then its teams). The other order deadlocks: the delete
/// waits for the team while the group write waits for the account.
pub const ADMIT_SQL: &str = "SELECT id::text FROM accounts \
     WHERE tenant = $1 AND id = ANY($2::text[]::uuid[]) FOR KEY SHARE";

/// The member add: memberships of team `$1` for the accounts `$2`, existing ones kept.
pub const ADD_MEMBERS_SQL: &str = "INSERT INTO team_memberships (team_id, account_id) \
     SELECT $1::uuid, unnest($2::text[]::uuid[]) \
     ON CONFLICT (team_id, account_id) DO NOTHING";

/// The member remove: memberships of team `$1` for the accounts `$2`.
pub const REMOVE_MEMBERS_SQL: &str = "DELETE FROM team_memberships \
     WHERE team_id = $1::uuid AND account_id = ANY($2::text[]::uuid[])";

/// One `teams` row.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: String,
    display_name: String,
    external_id: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The member ids of a validated Group.
fn member_ids(resource: &Resource) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    for item in attr(resource, "members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = item
            .as_object()
            .and_then(|o| field(o, "value"))
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("members: every member needs a string \"value\""))?;
        ids.push(id.to_owned());
    }
    Ok(ids)
}

/// Checks that every id names an account of the tenant; returns them in canonical text.
async fn admit(
    conn: &mut PgConnection,
    tenant: &str,
    ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let not_found = |id: &str| invalid(format!("members: \"{id}\" is not a User of this tenant"));
    if let Some(bad) = ids.iter().find(|id| !is_uuid(id)) {
        return Err(not_found(bad));
    }
    let wanted: Vec<String> = ids.iter().map(|id| id.to_ascii_lowercase()).collect();
    if wanted.is_empty() {
        return Ok(wanted);
    }
    let found: HashSet<String> = sqlx::query_scalar::<_, String>(ADMIT_SQL)
        .bind(tenant)
        .bind(&wanted)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .into_iter()
        .collect();
    if let Some(missing) = wanted.iter().find(|id| !found.contains(*id)) {
        return Err(not_found(missing));
    }
    Ok(wanted)
}

/// Inserts memberships (already admitted); returns how many were new.
async fn add_rows(conn: &mut PgConnection, team: &str, ids: &[String]) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    sqlx::query(ADD_MEMBERS_SQL)
        .bind(team)
        .bind(ids)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
        .map_err(|error| {
            if sqlstate(&error).as_deref() == Some(FOREIGN_KEY_VIOLATION) {
                invalid("members: a member was deleted while being added")
            } else {
                db(error)
            }
        })
}

/// Deletes memberships; returns how many there were.
async fn remove_rows(
    conn: &mut PgConnection,
    team: &str,
    ids: &[String],
) -> Result<u64, StoreError> {
    let ids: Vec<String> = ids
        .iter()
        .filter(|id| is_uuid(id))
        .map(|id| id.to_ascii_lowercase())
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    sqlx::query(REMOVE_MEMBERS_SQL)
        .bind(team)
        .bind(&ids)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
        .map_err(db)
}

/// Makes the member list exactly `ids` (admitted): deletes the others, inserts the missing.
async fn set_rows(conn: &mut PgConnection, team: &str, ids: &[String]) -> Result<u64, StoreError> {
    let removed = sqlx::query(
        "DELETE FROM team_memberships \
         WHERE team_id = $1::uuid AND NOT (account_id = ANY($2::text[]::uuid[]))",
    )
    .bind(team)
    .bind(ids)
    .execute(&mut *conn)
    .await
    .map_err(db)?
    .rows_affected();
    Ok(removed + add_rows(conn, team, ids).await?)
}

pub(crate) async fn create(
    store: &PgStore,
    tenant: &str,
    rt: &ResourceType,
    resource: &Resource,
) -> Result<Resource, StoreError> {
    let display =
        text(resource, "displayName").ok_or_else(|| invalid("displayName is required"))?;
    let ids = member_ids(resource)?;
    let mut tx = store.pool.begin().await.map_err(db)?;
    let ids = admit(&mut tx, tenant, &ids).await?;
    let id: String = sqlx::query_scalar(
        "INSERT INTO teams (tenant, display_name, external_id) VALUES ($1, $2, $3) \
         RETURNING id::text",
    )
    .bind(tenant)
    .bind(&display)
    .bind(&resource.external_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    add_rows(&mut tx, &id, &ids).await?;
    tx.commit().await.map_err(db)?;
    get(store, tenant, rt, &id, true)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The group, with its members only when `with_members`.
pub(crate) async fn get(
    store: &PgStore,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
    with_members: bool,
) -> Result<Option<Resource>, StoreError> {
    if !is_uuid(id) {
        return Ok(None);
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM teams WHERE teams.tenant = $1 AND teams.id = $2::uuid"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(load(store, rt, vec![row], with_members)
        .await?
        .into_iter()
        .next())
}

async fn load(
    store: &PgStore,
    rt: &ResourceType,
    rows: Vec<Row>,
    with_members: bool,
) -> Result<Vec<Resource>, StoreError> {
    let mut members: HashMap<String, Vec<Value>> = HashMap::new();
    if with_members && !rows.is_empty() {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let member_rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT m.team_id::text, m.account_id::text, a.display_name \
             FROM team_memberships m JOIN accounts a ON a.id = m.account_id \
             WHERE m.team_id = ANY($1::text[]::uuid[]) ORDER BY m.team_id, m.account_id",
        )
        .bind(&ids)
        .fetch_all(&store.pool)
        .await
        .map_err(db)?;
        for (team, account, display) in member_rows {
            let mut member = Map::new();
            member.insert("value".to_owned(), Value::String(account));
            put(&mut member, "display", display.map(Value::String));
            member.insert("type".to_owned(), Value::String("User".to_owned()));
            members.entry(team).or_default().push(Value::Object(member));
        }
    }
    rows.into_iter()
        .map(|row| {
            let list = members.remove(&row.id);
            to_resource(rt, row, list)
        })
        .collect()
}

fn to_resource(
    rt: &ResourceType,
    row: Row,
    members: Option<Vec<Value>>,
) -> Result<Resource, StoreError> {
    let mut body = Map::new();
    body.insert("schemas".to_owned(), json!([CORE]));
    body.insert("id".to_owned(), Value::String(row.id));
    put(&mut body, "externalId", row.external_id.map(Value::String));
    body.insert("displayName".to_owned(), Value::String(row.display_name));
    put(&mut body, "members", members.map(Value::Array));
    let mut resource = Resource::from_json(Value::Object(body)).map_err(StoreError::Rejected)?;
    set_meta(
        &mut resource,
        rt,
        row.created_at,
        row.updated_at,
        row.version,
    );
    Ok(resource)
}

pub(crate) async fn list(
    store: &PgStore,
    tenant: &str,
    rt: &ResourceType,
    query: &ListQuery,
) -> Result<Page, StoreError> {
    let plan = list::plan(store, &store.groups, rt, query, tenant, COLUMNS)?;
    // Members are read when shown, or when the engine may still filter or sort on them
    // (it does whatever the store was not given, on the rows returned: no page given).
    let with_members =
        query.page.is_none() || query.projection.requests(rt, &AttrPath::new("members"));
    let rows: Vec<Row> = bind_all(sqlx::query_as(&plan.select), &plan.params)
        .fetch_all(&store.pool)
        .await
        .map_err(db)?;
    let total = list::total(store, &plan, rows.len()).await?;
    let resources = load(store, rt, rows, with_members).await?;
    list::page(store, rt, tenant, query, &plan, resources, total)
}

/// Bumps the version (and with `rename`, sets `display_name` and `external_id`), conditioned on
/// `if_match` in the `WHERE` clause; `None` when no row matched.
async fn bump(
    conn: &mut PgConnection,
    tenant: &str,
    id: &str,
    rename: Option<(&str, Option<&str>)>,
    if_match: Option<&Version>,
) -> Result<Option<i64>, StoreError> {
    let (set, next) = match rename {
        Some(_) => ("display_name = $3, external_id = $4, ", 5),
        None => ("", 3),
    };
    let condition = if if_match.is_some() {
        format!(" AND version = ${next}")
    } else {
        String::new()
    };
    let sql = format!(
        "UPDATE teams SET {set}version = version + 1, updated_at = now() \
         WHERE tenant = $1 AND id = $2::uuid{condition} RETURNING version"
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(tenant).bind(id);
    if let Some((display, external_id)) = rename {
        query = query.bind(display).bind(external_id);
    }
    if let Some(version) = if_match {
        query = query.bind(version_number(version));
    }
    query.fetch_optional(conn).await.map_err(db)
}

pub(crate) async fn replace(
    store: &PgStore,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
    resource: &Resource,
    if_match: Option<&Version>,
) -> Result<Resource, StoreError> {
    if !is_uuid(id) {
        return Err(StoreError::NotFound);
    }
    let display =
        text(resource, "displayName").ok_or_else(|| invalid("displayName is required"))?;
    let ids = member_ids(resource)?;
    let mut tx = store.pool.begin().await.map_err(db)?;
    // Accounts before the team (see `ADMIT_SQL`); a missing group still answers first.
    let admitted = admit(&mut tx, tenant, &ids).await;
    let rename = Some((display.as_str(), resource.external_id.as_deref()));
    let bumped = bump(&mut tx, tenant, id, rename, if_match).await?;
    if bumped.is_none() {
        return Err(missing_or_changed(&mut *tx, "teams", tenant, id).await);
    }
    set_rows(&mut tx, id, &admitted?).await?;
    tx.commit().await.map_err(db)?;
    get(store, tenant, rt, id, true)
        .await?
        .ok_or(StoreError::NotFound)
}

/// A PATCH that only changes members, as row inserts and deletes in one transaction: the
/// version bump (with `if_match` in its `WHERE`) locks the group row first, then the rows
/// change, and the transaction is rolled back when none did (a no-op keeps its version).
pub(crate) async fn patch_members(
    store: &PgStore,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
    change: MemberPatch<'_>,
) -> Result<Patched, StoreError> {
    if !is_uuid(id) {
        return Err(StoreError::NotFound);
    }
    let delta = change.delta;
    let mut tx = store.pool.begin().await.map_err(db)?;
    // Accounts before the team (see `ADMIT_SQL`); a missing group still answers first.
    let replaced = match &delta.replaced {
        Some(replaced) => {
            let ids: Vec<String> = replaced.iter().map(|m| m.value.clone()).collect();
            Some(admit(&mut tx, tenant, &ids).await)
        }
        None => None,
    };
    let added: Vec<String> = delta.added.iter().map(|m| m.value.clone()).collect();
    let added = admit(&mut tx, tenant, &added).await;
    let bumped = bump(&mut tx, tenant, id, None, change.if_match).await?;
    if bumped.is_none() {
        return Err(missing_or_changed(&mut *tx, "teams", tenant, id).await);
    }
    let mut changed = 0;
    if let Some(replaced) = replaced {
        changed += set_rows(&mut tx, id, &replaced?).await?;
    }
    changed += remove_rows(&mut tx, id, &delta.removed).await?;
    changed += add_rows(&mut tx, id, &added?).await?;
    if changed == 0 {
        tx.rollback().await.map_err(db)?;
    } else {
        tx.commit().await.map_err(db)?;
    }
    let resource = get(store, tenant, rt, id, change.with_members)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Patched {
        resource,
        changed: changed > 0,
    })
}

/// Deletes a group; its memberships go with it (`ON DELETE CASCADE`).
pub(crate) async fn delete(
    store: &PgStore,
    tenant: &str,
    id: &str,
    if_match: Option<&Version>,
) -> Result<(), StoreError> {
    if !is_uuid(id) {
        return Err(StoreError::NotFound);
    }
    let mut sql = String::from("DELETE FROM teams WHERE tenant = $1 AND id = $2::uuid");
    if if_match.is_some() {
        sql.push_str(" AND version = $3");
    }
    let mut query = sqlx::query(&sql).bind(tenant).bind(id);
    if let Some(version) = if_match {
        query = query.bind(version_number(version));
    }
    let done = query.execute(&store.pool).await.map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(missing_or_changed(&store.pool, "teams", tenant, id).await);
    }
    Ok(())
}
