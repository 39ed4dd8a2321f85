//! Users as rows of `accounts` (+ `account_emails`); `groups` derived from `team_memberships`.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, Page, StoreError, Version};
use scimkit_core::Resource;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::db::{
    attr, bind_all, db, field, invalid, is_uuid, put, set_meta, sqlstate, text, version_number,
    UNIQUE_VIOLATION,
};
use crate::list;
use crate::store::PgStore;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The columns of one account, as every read selects them.
pub(crate) const COLUMNS: &str = "accounts.id::text AS id, accounts.email, accounts.given_name, \
    accounts.family_name, accounts.display_name, accounts.title, accounts.is_active, \
    accounts.external_id, accounts.role, accounts.version, accounts.created_at, accounts.updated_at";

/// One `accounts` row.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: String,
    email: String,
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    title: Option<String>,
    is_active: Option<bool>,
    external_id: Option<String>,
    role: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// What a validated User writes into the tables.
struct Fields {
    email: String,
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    title: Option<String>,
    is_active: Option<bool>,
    external_id: Option<String>,
    role: Option<String>,
    password_hash: Option<String>,
    emails: Vec<(String, Option<String>, Option<bool>)>,
}

fn fields(resource: &Resource) -> Result<Fields, StoreError> {
    let email = text(resource, "userName").ok_or_else(|| invalid("userName is required"))?;
    let name = attr(resource, "name").and_then(Value::as_object);
    let name_part = |part: &str| {
        name.and_then(|n| field(n, part))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut emails = Vec::new();
    for item in attr(resource, "emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(object) = item.as_object() else {
            continue;
        };
        let Some(value) = field(object, "value").and_then(Value::as_str) else {
            continue;
        };
        emails.push((
            value.to_owned(),
            field(object, "type")
                .and_then(Value::as_str)
                .map(str::to_owned),
            field(object, "primary").and_then(Value::as_bool),
        ));
    }
    Ok(Fields {
        email,
        given_name: name_part("givenName"),
        family_name: name_part("familyName"),
        display_name: text(resource, "displayName"),
        title: text(resource, "title"),
        is_active: attr(resource, "active").and_then(Value::as_bool),
        external_id: resource.external_id.clone(),
        role: text(resource, "role"),
        password_hash: text(resource, "password").map(|p| hash_password(&p)),
        emails,
    })
}

/// A stand-in for the app's password hashing (use argon2/bcrypt with a salt in a real app).
fn hash_password(password: &str) -> String {
    let digest = Sha256::digest(password.as_bytes());
    digest
        .iter()
        .fold(String::from("sha256:"), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

fn uniqueness(error: sqlx::Error, email: &str) -> StoreError {
    if sqlstate(&error).as_deref() == Some(UNIQUE_VIOLATION) {
        StoreError::Uniqueness(format!("userName \"{email}\" is already taken"))
    } else {
        db(error)
    }
}

pub(crate) async fn create(
    store: &PgStore,
    tenant: &str,
    rt: &ResourceType,
    resource: &Resource,
) -> Result<Resource, StoreError> {
    let f = fields(resource)?;
    let mut tx = store.pool.begin().await.map_err(db)?;
    let id: String = sqlx::query_scalar(
        "INSERT INTO accounts (tenant, email, given_name, family_name, display_name, title, \
         is_active, external_id, role, password_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::text",
    )
    .bind(tenant)
    .bind(&f.email)
    .bind(&f.given_name)
    .bind(&f.family_name)
    .bind(&f.display_name)
    .bind(&f.title)
    .bind(f.is_active)
    .bind(&f.external_id)
    .bind(&f.role)
    .bind(&f.password_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| uniqueness(e, &f.email))?;
    insert_emails(&mut tx, &id, &f.emails).await?;
    tx.commit().await.map_err(db)?;
    get(store, tenant, rt, &id)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn insert_emails(
    tx: &mut sqlx::PgConnection,
    id: &str,
    emails: &[(String, Option<String>, Option<bool>)],
) -> Result<(), StoreError> {
    if emails.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = emails.iter().map(|e| e.0.clone()).collect();
    let kinds: Vec<Option<String>> = emails.iter().map(|e| e.1.clone()).collect();
    let primaries: Vec<Option<bool>> = emails.iter().map(|e| e.2).collect();
    sqlx::query(
        "INSERT INTO account_emails (account_id, email, kind, is_primary, position) \
         SELECT $1::uuid, e.email, e.kind, e.is_primary, e.position \
         FROM unnest($2::text[], $3::text[], $4::bool[]) \
         WITH ORDINALITY AS e(email, kind, is_primary, position)",
    )
    .bind(id)
    .bind(values)
    .bind(kinds)
    .bind(primaries)
    .execute(tx)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn get(
    store: &PgStore,
    tenant: &str,
    rt: &ResourceType,
    id: &str,
) -> Result<Option<Resource>, StoreError> {
    if !is_uuid(id) {
        return Ok(None);
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM accounts WHERE accounts.tenant = $1 AND accounts.id = $2::uuid"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(load(store, rt, vec![row]).await?.into_iter().next())
}

/// Builds resources from rows, reading their emails and groups in one query each.
async fn load(
    store: &PgStore,
    rt: &ResourceType,
    rows: Vec<Row>,
) -> Result<Vec<Resource>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut emails: HashMap<String, Vec<Value>> = HashMap::new();
    let mut groups: HashMap<String, Vec<Value>> = HashMap::new();
    if !ids.is_empty() {
        let email_rows: Vec<(String, String, Option<String>, Option<bool>)> = sqlx::query_as(
            "SELECT account_id::text, email, kind, is_primary FROM account_emails \
             WHERE account_id = ANY($1::text[]::uuid[]) ORDER BY account_id, position",
        )
        .bind(&ids)
        .fetch_all(&store.pool)
        .await
        .map_err(db)?;
        for (account, value, kind, primary) in email_rows {
            let mut email = Map::new();
            email.insert("value".to_owned(), Value::String(value));
            put(&mut email, "type", kind.map(Value::String));
            put(&mut email, "primary", primary.map(Value::Bool));
            emails
                .entry(account)
                .or_default()
                .push(Value::Object(email));
        }
        let group_rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT m.account_id::text, t.id::text, t.display_name FROM team_memberships m \
             JOIN teams t ON t.id = m.team_id WHERE m.account_id = ANY($1::text[]::uuid[]) \
             ORDER BY m.account_id, t.created_at, t.id",
        )
        .bind(&ids)
        .fetch_all(&store.pool)
        .await
        .map_err(db)?;
        for (account, team, display) in group_rows {
            groups
                .entry(account)
                .or_default()
                .push(json!({"value": team, "display": display, "type": "direct"}));
        }
    }
    rows.into_iter()
        .map(|row| {
            let emails = emails.remove(&row.id);
            let groups = groups.remove(&row.id);
            to_resource(rt, row, emails, groups)
        })
        .collect()
}

fn to_resource(
    rt: &ResourceType,
    row: Row,
    emails: Option<Vec<Value>>,
    groups: Option<Vec<Value>>,
) -> Result<Resource, StoreError> {
    let mut body = Map::new();
    body.insert("schemas".to_owned(), json!([CORE]));
    body.insert("id".to_owned(), Value::String(row.id));
    put(&mut body, "externalId", row.external_id.map(Value::String));
    body.insert("userName".to_owned(), Value::String(row.email));
    let mut name = Map::new();
    put(&mut name, "givenName", row.given_name.map(Value::String));
    put(&mut name, "familyName", row.family_name.map(Value::String));
    if !name.is_empty() {
        body.insert("name".to_owned(), Value::Object(name));
    }
    put(
        &mut body,
        "displayName",
        row.display_name.map(Value::String),
    );
    put(&mut body, "title", row.title.map(Value::String));
    put(&mut body, "active", row.is_active.map(Value::Bool));
    put(&mut body, "role", row.role.map(Value::String));
    put(&mut body, "emails", emails.map(Value::Array));
    put(&mut body, "groups", groups.map(Value::Array));
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
    let plan = list::plan(store, &store.users, rt, query, tenant, COLUMNS)?;
    let rows: Vec<Row> = bind_all(sqlx::query_as(&plan.select), &plan.params)
        .fetch_all(&store.pool)
        .await
        .map_err(db)?;
    let total = list::total(store, &plan, rows.len()).await?;
    let resources = load(store, rt, rows).await?;
    list::page(store, rt, tenant, query, &plan, resources, total)
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
    let f = fields(resource)?;
    let mut tx = store.pool.begin().await.map_err(db)?;
    // The account's lock first (as a delete takes it), its version for `If-Match`, and its
    // display name before the change: the teams showing it get a new version only when it
    // changes.
    let current: Option<(Option<String>, i64)> = sqlx::query_as(
        "SELECT display_name, version FROM accounts WHERE tenant = $1 AND id = $2::uuid \
         FOR NO KEY UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    let Some((shown, version)) = current else {
        return Err(StoreError::NotFound);
    };
    if if_match.is_some_and(|v| version_number(v) != version) {
        return Err(StoreError::VersionMismatch);
    }
    sqlx::query(
        "UPDATE accounts SET email = $3, given_name = $4, family_name = $5, display_name = $6, \
         title = $7, is_active = $8, external_id = $9, role = $10, \
         password_hash = COALESCE($11, password_hash), version = version + 1, updated_at = now() \
         WHERE tenant = $1 AND id = $2::uuid",
    )
    .bind(tenant)
    .bind(id)
    .bind(&f.email)
    .bind(&f.given_name)
    .bind(&f.family_name)
    .bind(&f.display_name)
    .bind(&f.title)
    .bind(f.is_active)
    .bind(&f.external_id)
    .bind(&f.role)
    .bind(&f.password_hash)
    .execute(&mut *tx)
    .await
    .map_err(|e| uniqueness(e, &f.email))?;
    sqlx::query("DELETE FROM account_emails WHERE account_id = $1::uuid")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    insert_emails(&mut tx, id, &f.emails).await?;
    if shown != f.display_name {
        bump_teams_of(&mut tx, id).await?;
    }
    tx.commit().await.map_err(db)?;
    get(store, tenant, rt, id)
        .await?
        .ok_or(StoreError::NotFound)
}

/// After a conditional write touched no row: `VersionMismatch` if the row exists, else
/// `NotFound`. `table` comes from code. Inside a transaction, `conn` must be the
/// transaction's connection: taking a second one from the pool while holding the first
/// starves the pool under load (every connection waiting for another: `503` after the
/// acquire timeout instead of `412`).
pub(crate) async fn missing_or_changed(
    conn: impl sqlx::PgExecutor<'_>,
    table: &str,
    tenant: &str,
    id: &str,
) -> StoreError {
    let exists = sqlx::query_scalar::<_, bool>(&format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant = $1 AND id = $2::uuid)"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await;
    match exists {
        Ok(true) => StoreError::VersionMismatch,
        Ok(false) => StoreError::NotFound,
        Err(error) => db(error),
    }
}

/// Deletes an account; its memberships go with it (`ON DELETE CASCADE`) and the groups it was
/// in get a new version.
pub(crate) async fn delete(
    store: &PgStore,
    tenant: &str,
    id: &str,
    if_match: Option<&Version>,
) -> Result<(), StoreError> {
    if !is_uuid(id) {
        return Err(StoreError::NotFound);
    }
    let mut tx = store.pool.begin().await.map_err(db)?;
    let version: Option<i64> = sqlx::query_scalar(
        "SELECT version FROM accounts WHERE tenant = $1 AND id = $2::uuid FOR UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    let Some(version) = version else {
        return Err(StoreError::NotFound);
    };
    if if_match.is_some_and(|v| version_number(v) != version) {
        return Err(StoreError::VersionMismatch);
    }
    bump_teams_of(&mut tx, id).await?;
    sqlx::query("DELETE FROM accounts WHERE id = $1::uuid")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(())
}

/// Gives the teams account `id` is in a new version: their `members` show it. The caller
/// holds the account's row lock; the teams are locked in id order. Two writers sharing teams
/// lock them in the same order, and group writes lock their accounts before their team
/// (`ADMIT_SQL`), so no order here waits on one that waits on it.
async fn bump_teams_of(tx: &mut sqlx::PgConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE teams SET version = version + 1, updated_at = now() WHERE id IN \
         (SELECT id FROM teams WHERE id IN \
            (SELECT team_id FROM team_memberships WHERE account_id = $1::uuid) \
          ORDER BY id FOR UPDATE)",
    )
    .bind(id)
    .execute(tx)
    .await
    .map_err(db)?;
    Ok(())
}
