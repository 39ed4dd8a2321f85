//! The SQL ceiling: what any SCIM-over-PostgreSQL server could at best do on scimkit-sql's
//! demo tables. Hand-written axum handlers with a sqlx `PgPool`, prepared statements (sqlx
//! caches each statement text per connection) and JSON built with serde_json from the rows,
//! serving the URLs the SCIM app serves with answers of the same shape: userName lookups,
//! index and keyset cursor pages by userName, `GET`, `POST` and an `active` PATCH of a User,
//! a member add or remove on a Group, and a `/Bulk` of user creates (`bulk`). Nothing else:
//! no filter language, no schema, no projection; a request outside those shapes is `400`.
//! Must not use scimkit's crates.
//!
//! The statements are those `SqlStore` runs (scim-sql `store/read.rs`, `list.rs`, `write.rs`,
//! `members.rs`), minus what the handler already knows: no read-back after a write, no
//! separate uniqueness query (the unique index answers), one `= ANY($1)` array statement for
//! the children of any number of ids; a `/Bulk` request's users written with one multi-row
//! `INSERT` (where `SqlStore` writes batches of up to 200, each user checked for uniqueness).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use chrono::{DateTime, SecondsFormat, SubsecRound as _, Utc};
use hyper::body::Bytes;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::Row as _;

use crate::requests::{ENTERPRISE_SCHEMA, LIST_SCHEMA, SCIM_JSON, TOKEN, USER_SCHEMA};

mod bulk;

/// The columns of a user row, in the order [`UserRow::from_row`] reads them (`SqlStore`'s
/// select list of the demo table).
macro_rules! user_columns {
    () => {
        "CAST(accounts.id AS text), accounts.version, accounts.created_at, accounts.updated_at, \
         accounts.email, accounts.given_name, accounts.family_name, accounts.display_name, \
         accounts.title, accounts.is_active, accounts.external_id, \
         CAST(accounts.scim_extra AS text)"
    };
}

/// The ceiling's statements, each sent as a prepared statement.
pub mod statements {
    /// A user by id.
    pub const BY_ID: &str = concat!(
        "SELECT ",
        user_columns!(),
        " FROM accounts WHERE accounts.id = CAST($1 AS uuid) AND accounts.tenant = $2"
    );
    /// A userName lookup, folded as the unique index `(tenant, lower(email))` is.
    pub const BY_USER_NAME: &str = concat!(
        "SELECT ",
        user_columns!(),
        " FROM accounts WHERE lower(accounts.email) = lower($1) AND accounts.tenant = $2"
    );
    /// An index page, unsorted (by id).
    pub const INDEX_PAGE: &str = concat!(
        "SELECT ",
        user_columns!(),
        " FROM accounts WHERE accounts.tenant = $1 ORDER BY accounts.id LIMIT $2 OFFSET $3"
    );
    /// The tenant's users, for `totalResults`.
    pub const COUNT: &str = "SELECT count(*) FROM accounts WHERE accounts.tenant = $1";
    /// The first page by userName (one row more than the page, to know whether one follows).
    pub const FIRST_BY_USER_NAME: &str = concat!(
        "SELECT ",
        user_columns!(),
        ", lower(accounts.email) FROM accounts WHERE accounts.tenant = $1 \
         ORDER BY lower(accounts.email) COLLATE \"C\", accounts.id LIMIT $2"
    );
    /// A page by userName after a keyset position, on the index
    /// `(tenant, (lower(email) COLLATE "C"), id)`.
    pub const AFTER_BY_USER_NAME: &str = concat!(
        "SELECT ",
        user_columns!(),
        ", lower(accounts.email) FROM accounts WHERE accounts.tenant = $1 \
         AND (lower(accounts.email) COLLATE \"C\", accounts.id) > ($2 COLLATE \"C\", CAST($3 AS uuid)) \
         ORDER BY lower(accounts.email) COLLATE \"C\", accounts.id LIMIT $4"
    );
    /// The e-mails of some users, in position order.
    pub const EMAILS: &str = "SELECT CAST(c.account_id AS text), c.email, c.kind, c.is_primary \
         FROM account_emails c WHERE c.account_id = ANY(CAST($1 AS uuid[])) \
         ORDER BY c.account_id, c.position";
    /// The e-mails of one user, in position order.
    pub const EMAILS_OF_ONE: &str = "SELECT CAST(c.account_id AS text), c.email, c.kind, \
         c.is_primary FROM account_emails c WHERE c.account_id = CAST($1 AS uuid) \
         ORDER BY c.position";
    /// The groups of some users.
    pub const GROUPS: &str = "SELECT CAST(m.account_id AS text), CAST(m.team_id AS text), \
         g.display_name FROM team_memberships m JOIN teams g ON g.id = m.team_id \
         WHERE m.account_id = ANY(CAST($1 AS uuid[])) ORDER BY m.account_id, m.team_id";
    /// The groups of one user.
    pub const GROUPS_OF_ONE: &str = "SELECT CAST(m.account_id AS text), CAST(m.team_id AS text), \
         g.display_name FROM team_memberships m JOIN teams g ON g.id = m.team_id \
         WHERE m.account_id = CAST($1 AS uuid) ORDER BY m.team_id";
    /// A new user (its id drawn by the database).
    pub const INSERT_USER: &str = "INSERT INTO accounts (id, tenant, version, created_at, \
         updated_at, email, given_name, family_name, display_name, title, is_active, \
         external_id, scim_extra) VALUES (gen_random_uuid(), $1, 1, $2, $2, $3, $4, $5, $6, $7, \
         $8, $9, CAST($10 AS jsonb)) RETURNING CAST(id AS text)";
    /// A new user's e-mails, all in one statement.
    pub const INSERT_EMAILS: &str = "INSERT INTO account_emails (account_id, position, email, \
         kind, is_primary) SELECT CAST($1 AS uuid), CAST(t.n AS integer) - 1, t.email, t.kind, \
         t.is_primary FROM unnest(CAST($2 AS text[]), CAST($3 AS text[]), CAST($4 AS boolean[])) \
         WITH ORDINALITY AS t(email, kind, is_primary, n)";
    /// New users, all of a `/Bulk` request's in one statement (ids drawn by the database),
    /// returning each id with its userName.
    pub const INSERT_USERS: &str = "INSERT INTO accounts (id, tenant, version, created_at, \
         updated_at, email, given_name, family_name, display_name, title, is_active, \
         external_id, scim_extra) SELECT gen_random_uuid(), $1, 1, $2, $2, t.email, t.given_name, \
         t.family_name, t.display_name, t.title, t.is_active, t.external_id, \
         CAST(t.extra AS jsonb) FROM unnest(CAST($3 AS text[]), CAST($4 AS text[]), \
         CAST($5 AS text[]), CAST($6 AS text[]), CAST($7 AS text[]), CAST($8 AS boolean[]), \
         CAST($9 AS text[]), CAST($10 AS text[])) AS t(email, given_name, family_name, \
         display_name, title, is_active, external_id, extra) RETURNING CAST(id AS text), email";
    /// The e-mails of many new users, in one statement.
    pub const INSERT_EMAILS_OF_MANY: &str = "INSERT INTO account_emails (account_id, position, \
         email, kind, is_primary) SELECT CAST(t.account_id AS uuid), t.position, t.email, t.kind, \
         t.is_primary FROM unnest(CAST($1 AS text[]), CAST($2 AS integer[]), CAST($3 AS text[]), \
         CAST($4 AS text[]), CAST($5 AS boolean[])) AS t(account_id, position, email, kind, \
         is_primary)";
    /// `active` set, with a new version, returning the row.
    pub const SET_ACTIVE: &str = concat!(
        "UPDATE accounts SET is_active = $3, version = accounts.version + 1, updated_at = $4 \
         WHERE accounts.id = CAST($1 AS uuid) AND accounts.tenant = $2 RETURNING ",
        user_columns!()
    );
    /// The group's row locked, as every write to it starts.
    pub const LOCK_GROUP: &str =
        "SELECT version FROM teams WHERE id = CAST($1 AS uuid) AND tenant = $2 FOR UPDATE";
    /// A membership added when the member is a User of the tenant (and not one already).
    pub const ADD_MEMBER: &str = "INSERT INTO team_memberships (team_id, account_id) \
         SELECT CAST($1 AS uuid), accounts.id FROM accounts \
         WHERE accounts.id = CAST($2 AS uuid) AND accounts.tenant = $3 ON CONFLICT DO NOTHING";
    /// Whether a user exists (only asked when an add changed nothing).
    pub const USER_EXISTS: &str =
        "SELECT 1 FROM accounts WHERE id = CAST($1 AS uuid) AND tenant = $2";
    /// A membership removed.
    pub const REMOVE_MEMBER: &str = "DELETE FROM team_memberships \
         WHERE team_id = CAST($1 AS uuid) AND account_id = CAST($2 AS uuid)";
    /// A group's new version.
    pub const BUMP_GROUP: &str = "UPDATE teams SET version = version + 1, updated_at = $3 \
         WHERE id = CAST($1 AS uuid) AND tenant = $2";
}

/// What the handlers share.
struct Ceiling {
    pool: PgPool,
    tenant: String,
    authorization: String,
}

/// The ceiling's router, at the SCIM app's paths.
pub fn app(pool: PgPool, tenant: &str) -> Router {
    let state = Arc::new(Ceiling {
        pool,
        tenant: tenant.to_owned(),
        authorization: format!("Bearer {TOKEN}"),
    });
    let at = |path: &str| format!("{}{path}", example_axum::SCIM_PATH);
    Router::new()
        .route(&at("/Users"), get(list).post(create))
        .route(&at("/Users/{id}"), get(by_id).patch(patch_user))
        .route(&at("/Groups/{id}"), patch(patch_group))
        .route(&at("/Bulk"), post(bulk::bulk))
        .with_state(state)
}

/// The ceiling's own cursor: the keyset position after which a page starts.
pub fn cursor(lower_email: &str, id: &str) -> String {
    format!("{id}~{lower_email}")
}

/// A handler's failure, answered as a SCIM error.
struct Failure(StatusCode, String);

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        let unique = error
            .as_database_error()
            .is_some_and(sqlx::error::DatabaseError::is_unique_violation);
        if unique {
            Failure(StatusCode::CONFLICT, "userName is already taken".to_owned())
        } else {
            Failure(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": self.0.as_u16().to_string(), "detail": self.1});
        (
            self.0,
            [(header::CONTENT_TYPE, SCIM_JSON)],
            body.to_string(),
        )
            .into_response()
    }
}

fn bad(detail: &str) -> Failure {
    Failure(StatusCode::BAD_REQUEST, detail.to_owned())
}

fn not_found() -> Failure {
    Failure(StatusCode::NOT_FOUND, "no such resource".to_owned())
}

impl Ceiling {
    /// Refuses a request without the bearer token.
    fn admit(&self, headers: &HeaderMap) -> Result<(), Failure> {
        let given = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if given == Some(self.authorization.as_bytes()) {
            Ok(())
        } else {
            Err(Failure(
                StatusCode::UNAUTHORIZED,
                "a bearer token is required".to_owned(),
            ))
        }
    }
}

/// `http://{Host}/scim/v2`, what `meta.location` starts with.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}{}", example_axum::SCIM_PATH)
}

/// A JSON answer with the SCIM content type, and an ETag and Location when given.
fn answer(
    status: StatusCode,
    body: &Value,
    etag: Option<&str>,
    location: Option<&str>,
) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, SCIM_JSON)],
        Bytes::from(body.to_string()),
    )
        .into_response();
    let headers = response.headers_mut();
    for (name, value) in [(header::ETAG, etag), (header::LOCATION, location)] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    }
    response
}

/// A user's `meta.location`, under the base URL `base`.
fn user_location(base: &str, id: &str) -> String {
    format!("{base}/Users/{id}")
}

/// The weak ETag (and `meta.version`) of row version `version`.
fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// PostgreSQL `uuid` text: anything else names no row (and must not reach a cast).
fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A user's row.
struct UserRow {
    id: String,
    version: i64,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    user_name: String,
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    title: Option<String>,
    active: Option<bool>,
    external_id: Option<String>,
    extra: Option<String>,
}

impl UserRow {
    fn from_row(row: &PgRow) -> Result<UserRow, sqlx::Error> {
        Ok(UserRow {
            id: row.try_get(0)?,
            version: row.try_get(1)?,
            created: row.try_get(2)?,
            modified: row.try_get(3)?,
            user_name: row.try_get(4)?,
            given_name: row.try_get(5)?,
            family_name: row.try_get(6)?,
            display_name: row.try_get(7)?,
            title: row.try_get(8)?,
            active: row.try_get(9)?,
            external_id: row.try_get(10)?,
            extra: row.try_get(11)?,
        })
    }

    /// The user as SCIM shows it: the extra column's attributes, the columns over them, the
    /// e-mails and groups read for it, `meta`, and the schemas it has values of.
    fn to_json(&self, emails: Option<Vec<Value>>, groups: Option<Vec<Value>>, base: &str) -> Value {
        let mut attributes = match self.extra.as_deref().map(serde_json::from_str) {
            Some(Ok(Value::Object(kept))) => kept,
            _ => Map::new(),
        };
        let mut out = Map::new();
        let enterprise = attributes
            .get(ENTERPRISE_SCHEMA)
            .and_then(Value::as_object)
            .is_some_and(|o| !o.is_empty());
        let schemas = if enterprise {
            json!([USER_SCHEMA, ENTERPRISE_SCHEMA])
        } else {
            json!([USER_SCHEMA])
        };
        out.insert("schemas".to_owned(), schemas);
        out.insert("id".to_owned(), Value::String(self.id.clone()));
        let external = attributes
            .remove("externalId")
            .or_else(|| self.external_id.clone().map(Value::String));
        if let Some(external) = external {
            out.insert("externalId".to_owned(), external);
        }
        let location = user_location(base, &self.id);
        out.insert(
            "meta".to_owned(),
            json!({
                "resourceType": "User",
                "created": self.created.to_rfc3339_opts(SecondsFormat::Millis, true),
                "lastModified": self.modified.to_rfc3339_opts(SecondsFormat::Millis, true),
                "location": location,
                "version": etag(self.version),
            }),
        );
        out.insert("userName".to_owned(), Value::String(self.user_name.clone()));
        let mut name = match attributes.remove("name") {
            Some(Value::Object(name)) => name,
            _ => Map::new(),
        };
        for (key, value) in [
            ("givenName", &self.given_name),
            ("familyName", &self.family_name),
        ] {
            if let Some(value) = value {
                name.insert(key.to_owned(), Value::String(value.clone()));
            }
        }
        if !name.is_empty() {
            out.insert("name".to_owned(), Value::Object(name));
        }
        for (key, value) in [("displayName", &self.display_name), ("title", &self.title)] {
            if let Some(value) = value {
                out.insert(key.to_owned(), Value::String(value.clone()));
            }
        }
        if let Some(active) = self.active {
            out.insert("active".to_owned(), Value::Bool(active));
        }
        for (key, values) in [("emails", emails), ("groups", groups)] {
            if let Some(values) = values.filter(|v| !v.is_empty()) {
                out.insert(key.to_owned(), Value::Array(values));
            }
        }
        out.extend(attributes);
        Value::Object(out)
    }
}

/// The e-mails and groups of each of `ids`, by id: two statements whatever the count (one
/// id compared with `=`, more with `= ANY`).
async fn children(
    conn: &mut PgConnection,
    ids: &[String],
) -> Result<(HashMap<String, Vec<Value>>, HashMap<String, Vec<Value>>), sqlx::Error> {
    let (emails_sql, groups_sql) = match ids {
        [one] => (
            sqlx::query(statements::EMAILS_OF_ONE).bind(one),
            sqlx::query(statements::GROUPS_OF_ONE).bind(one),
        ),
        _ => (
            sqlx::query(statements::EMAILS).bind(ids),
            sqlx::query(statements::GROUPS).bind(ids),
        ),
    };
    let mut emails: HashMap<String, Vec<Value>> = HashMap::new();
    for row in emails_sql.fetch_all(&mut *conn).await? {
        let owner: String = row.try_get(0)?;
        let mut email = Map::new();
        let value: String = row.try_get(1)?;
        email.insert("value".to_owned(), Value::String(value));
        if let Some(kind) = row.try_get::<Option<String>, _>(2)? {
            email.insert("type".to_owned(), Value::String(kind));
        }
        if let Some(primary) = row.try_get::<Option<bool>, _>(3)? {
            email.insert("primary".to_owned(), Value::Bool(primary));
        }
        emails.entry(owner).or_default().push(Value::Object(email));
    }
    let mut groups: HashMap<String, Vec<Value>> = HashMap::new();
    for row in groups_sql.fetch_all(&mut *conn).await? {
        let owner: String = row.try_get(0)?;
        let group: String = row.try_get(1)?;
        let display: Option<String> = row.try_get(2)?;
        let mut entry = json!({"value": group, "type": "direct"});
        if let (Some(display), Some(object)) = (display, entry.as_object_mut()) {
            object.insert("display".to_owned(), Value::String(display));
        }
        groups.entry(owner).or_default().push(entry);
    }
    Ok((emails, groups))
}

/// Users from their rows, with their e-mails and groups.
async fn users_json(
    conn: &mut PgConnection,
    rows: &[UserRow],
    base: &str,
) -> Result<Vec<Value>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let (mut emails, mut groups) = children(conn, &ids).await?;
    Ok(rows
        .iter()
        .map(|row| row.to_json(emails.remove(&row.id), groups.remove(&row.id), base))
        .collect())
}

/// The query parameters of `GET /Users` the ceiling understands.
#[derive(Debug, Deserialize)]
struct ListParams {
    filter: Option<String>,
    #[serde(rename = "startIndex")]
    start_index: Option<i64>,
    count: Option<i64>,
    #[serde(rename = "sortBy")]
    sort_by: Option<String>,
    cursor: Option<String>,
}

/// `GET /Users`: a `userName eq "…"` lookup, an index page, or a cursor page by userName.
async fn list(
    State(ceiling): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> Result<Response, Failure> {
    ceiling.admit(&headers)?;
    let base = base_url(&headers);
    let count = params.count.unwrap_or(100).clamp(0, 1000);
    let mut conn = ceiling.pool.acquire().await?;
    if let Some(filter) = &params.filter {
        let name = filter
            .strip_prefix("userName eq \"")
            .and_then(|rest| rest.strip_suffix('"'))
            .ok_or_else(|| bad("the ceiling answers only userName eq \"…\" filters"))?;
        let rows = sqlx::query(statements::BY_USER_NAME)
            .bind(name)
            .bind(&ceiling.tenant)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(UserRow::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let resources = users_json(&mut conn, &rows, &base).await?;
        return Ok(list_response(resources.len(), Paging::Index(1), resources));
    }
    let total: i64 = sqlx::query_scalar(statements::COUNT)
        .bind(&ceiling.tenant)
        .fetch_one(&mut *conn)
        .await?;
    let total = usize::try_from(total).unwrap_or(0);
    if let Some(cursor) = &params.cursor {
        if params.sort_by.as_deref() != Some("userName") {
            return Err(bad("the ceiling pages cursors by userName only"));
        }
        let query = match cursor.split_once('~') {
            Some((id, email)) if is_uuid(id) => sqlx::query(statements::AFTER_BY_USER_NAME)
                .bind(&ceiling.tenant)
                .bind(email.to_owned())
                .bind(id.to_owned())
                .bind(count + 1),
            Some(_) => return Err(bad("invalid cursor")),
            None => sqlx::query(statements::FIRST_BY_USER_NAME)
                .bind(&ceiling.tenant)
                .bind(count + 1),
        };
        let fetched = query.fetch_all(&mut *conn).await?;
        let page = usize::try_from(count).unwrap_or(0);
        let next = match (fetched.len() > page, page.checked_sub(1)) {
            (true, Some(last)) => fetched
                .get(last)
                .map(|row| -> Result<String, sqlx::Error> {
                    Ok(self::cursor(
                        &row.try_get::<String, _>(12)?,
                        &row.try_get::<String, _>(0)?,
                    ))
                })
                .transpose()?,
            _ => None,
        };
        let rows = fetched
            .iter()
            .take(page)
            .map(UserRow::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let resources = users_json(&mut conn, &rows, &base).await?;
        return Ok(list_response(total, Paging::Cursor(next), resources));
    }
    let start = params.start_index.unwrap_or(1).max(1);
    let rows = sqlx::query(statements::INDEX_PAGE)
        .bind(&ceiling.tenant)
        .bind(count)
        .bind(start - 1)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(UserRow::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let resources = users_json(&mut conn, &rows, &base).await?;
    Ok(list_response(total, Paging::Index(start), resources))
}

/// How a list is paged.
enum Paging {
    /// From this 1-based index.
    Index(i64),
    /// By cursor, with the next page's cursor unless this is the last page.
    Cursor(Option<String>),
}

/// A `ListResponse`: `startIndex` for index pages, `nextCursor` (unless last) for cursor pages.
fn list_response(total: usize, paging: Paging, resources: Vec<Value>) -> Response {
    let mut out = Map::new();
    out.insert("schemas".to_owned(), json!([LIST_SCHEMA]));
    out.insert("totalResults".to_owned(), json!(total));
    if let Paging::Index(start) = &paging {
        out.insert("startIndex".to_owned(), json!(start));
    }
    out.insert("itemsPerPage".to_owned(), json!(resources.len()));
    if let Paging::Cursor(Some(next)) = paging {
        out.insert("nextCursor".to_owned(), Value::String(next));
    }
    out.insert("Resources".to_owned(), Value::Array(resources));
    answer(StatusCode::OK, &Value::Object(out), None, None)
}

/// `GET /Users/{id}`: the row, its e-mails, its groups.
async fn by_id(
    State(ceiling): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    ceiling.admit(&headers)?;
    if !is_uuid(&id) {
        return Err(not_found());
    }
    let mut conn = ceiling.pool.acquire().await?;
    let row = sqlx::query(statements::BY_ID)
        .bind(&id)
        .bind(&ceiling.tenant)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(not_found)?;
    let row = UserRow::from_row(&row)?;
    let mut users = users_json(&mut conn, std::slice::from_ref(&row), &base_url(&headers)).await?;
    let user = users.pop().ok_or_else(not_found)?;
    let etag = etag(row.version);
    Ok(answer(StatusCode::OK, &user, Some(&etag), None))
}

/// A user to create, as the columns keep it: what `POST /Users` and each `/Bulk` POST
/// read from their body.
struct NewUser {
    user_name: String,
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    title: Option<String>,
    active: Option<bool>,
    external_id: Option<String>,
    /// The e-mails' values, types and primary flags, in order.
    emails: (Vec<String>, Vec<Option<String>>, Vec<Option<bool>>),
    /// What no column keeps, as JSON text for the extra column.
    extra: String,
}

impl NewUser {
    /// Reads a create body; `400` without a `userName`.
    fn from_json(body: Value) -> Result<NewUser, Failure> {
        let Value::Object(mut user) = body else {
            return Err(bad("the body is not a JSON object"));
        };
        let text = |user: &mut Map<String, Value>, key: &str| match user.remove(key) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let user_name = text(&mut user, "userName").ok_or_else(|| bad("userName is required"))?;
        let external_id = text(&mut user, "externalId");
        let display_name = text(&mut user, "displayName");
        let title = text(&mut user, "title");
        let active = user.remove("active").and_then(|v| v.as_bool());
        let (mut given_name, mut family_name) = (None, None);
        if let Some(Value::Object(name)) = user.get_mut("name") {
            given_name = text(name, "givenName");
            family_name = text(name, "familyName");
            if name.is_empty() {
                user.remove("name");
            }
        }
        let (mut values, mut kinds, mut primaries) = (Vec::new(), Vec::new(), Vec::new());
        if let Some(Value::Array(emails)) = user.remove("emails") {
            for email in emails {
                let Some(value) = email.get("value").and_then(Value::as_str) else {
                    continue;
                };
                values.push(value.to_owned());
                kinds.push(email.get("type").and_then(Value::as_str).map(str::to_owned));
                primaries.push(email.get("primary").and_then(Value::as_bool));
            }
        }
        // What no column keeps goes to the extra column, as SqlStore keeps it.
        for derived in ["schemas", "id", "meta", "groups", "password"] {
            user.remove(derived);
        }
        user.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
        Ok(NewUser {
            user_name,
            given_name,
            family_name,
            display_name,
            title,
            active,
            external_id,
            emails: (values, kinds, primaries),
            extra: Value::Object(user).to_string(),
        })
    }

    /// The user as written with `id` at `now`: its JSON, its ETag and its location.
    fn written(self, id: String, now: DateTime<Utc>, base: &str) -> (Value, String, String) {
        let (values, kinds, primaries) = self.emails;
        let emails: Vec<Value> = values
            .into_iter()
            .zip(kinds)
            .zip(primaries)
            .map(|((value, kind), primary)| {
                let mut email = Map::new();
                email.insert("value".to_owned(), Value::String(value));
                if let Some(kind) = kind {
                    email.insert("type".to_owned(), Value::String(kind));
                }
                if let Some(primary) = primary {
                    email.insert("primary".to_owned(), Value::Bool(primary));
                }
                Value::Object(email)
            })
            .collect();
        let row = UserRow {
            id,
            version: 1,
            created: now,
            modified: now,
            user_name: self.user_name,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: self.display_name,
            title: self.title,
            active: self.active,
            external_id: self.external_id,
            extra: Some(self.extra),
        };
        let location = user_location(base, &row.id);
        let etag = etag(row.version);
        (row.to_json(Some(emails), None, base), etag, location)
    }
}

/// `POST /Users`: the row and its e-mails in one transaction; the answer built from what was
/// written, not read back.
async fn create(
    State(ceiling): State<Arc<Ceiling>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    ceiling.admit(&headers)?;
    let body = serde_json::from_slice(&body).map_err(|_| bad("the body is not JSON"))?;
    let user = NewUser::from_json(body)?;
    let now = Utc::now().trunc_subsecs(3);

    let mut tx = ceiling.pool.begin().await?;
    let id: String = sqlx::query_scalar(statements::INSERT_USER)
        .bind(&ceiling.tenant)
        .bind(now)
        .bind(&user.user_name)
        .bind(&user.given_name)
        .bind(&user.family_name)
        .bind(&user.display_name)
        .bind(&user.title)
        .bind(user.active)
        .bind(&user.external_id)
        .bind(&user.extra)
        .fetch_one(&mut *tx)
        .await?;
    let (values, kinds, primaries) = &user.emails;
    if !values.is_empty() {
        sqlx::query(statements::INSERT_EMAILS)
            .bind(&id)
            .bind(values)
            .bind(kinds)
            .bind(primaries)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;

    let (created, etag, location) = user.written(id, now, &base_url(&headers));
    Ok(answer(
        StatusCode::CREATED,
        &created,
        Some(&etag),
        Some(&location),
    ))
}

/// The operations of a PatchOp body.
fn operations(body: &[u8]) -> Result<Vec<Value>, Failure> {
    let body: Value = serde_json::from_slice(body).map_err(|_| bad("the body is not JSON"))?;
    match body.get("Operations") {
        Some(Value::Array(ops)) => Ok(ops.clone()),
        _ => Err(bad("Operations is required")),
    }
}

fn op_name(op: &Value) -> String {
    op.get("op")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// `PATCH /Users/{id}` replacing `active` (Entra's deactivation): one `UPDATE … RETURNING`,
/// the e-mails and groups read in the same transaction, `200` with the user.
async fn patch_user(
    State(ceiling): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Failure> {
    ceiling.admit(&headers)?;
    let mut active = None;
    for op in operations(&body)? {
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        if op_name(&op) != "replace" || !path.eq_ignore_ascii_case("active") {
            return Err(bad("the ceiling patches only active"));
        }
        active = match op.get("value") {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => return Err(bad("active is a boolean")),
        };
    }
    let active = active.ok_or_else(|| bad("no operation"))?;
    if !is_uuid(&id) {
        return Err(not_found());
    }
    let mut tx = ceiling.pool.begin().await?;
    let row = sqlx::query(statements::SET_ACTIVE)
        .bind(&id)
        .bind(&ceiling.tenant)
        .bind(active)
        .bind(Utc::now().trunc_subsecs(3))
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(not_found)?;
    let row = UserRow::from_row(&row)?;
    let mut users = users_json(&mut tx, std::slice::from_ref(&row), &base_url(&headers)).await?;
    tx.commit().await?;
    let user = users.pop().ok_or_else(not_found)?;
    let etag = etag(row.version);
    Ok(answer(StatusCode::OK, &user, Some(&etag), None))
}

/// `PATCH /Groups/{id}` adding or removing members (`path: members`): the group's row locked,
/// one insert or delete per member, a version bump when something changed, `204`.
async fn patch_group(
    State(ceiling): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Failure> {
    ceiling.admit(&headers)?;
    let mut wanted = Vec::new();
    for op in operations(&body)? {
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let add = match op_name(&op).as_str() {
            "add" => true,
            "remove" => false,
            _ => return Err(bad("the ceiling adds and removes members only")),
        };
        if !path.eq_ignore_ascii_case("members") {
            return Err(bad("the ceiling adds and removes members only"));
        }
        for member in op
            .get("value")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let member = member
                .get("value")
                .and_then(Value::as_str)
                .filter(|m| is_uuid(m))
                .ok_or_else(|| bad("members: every member needs a User id as value"))?;
            wanted.push((add, member.to_owned()));
        }
    }
    if !is_uuid(&id) {
        return Err(not_found());
    }
    let mut tx = ceiling.pool.begin().await?;
    sqlx::query(statements::LOCK_GROUP)
        .bind(&id)
        .bind(&ceiling.tenant)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(not_found)?;
    let mut changed = 0;
    for (add, member) in &wanted {
        if *add {
            let added = sqlx::query(statements::ADD_MEMBER)
                .bind(&id)
                .bind(member)
                .bind(&ceiling.tenant)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if added == 0 {
                let exists = sqlx::query(statements::USER_EXISTS)
                    .bind(member)
                    .bind(&ceiling.tenant)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(bad("members: not a User of this tenant"));
                }
            }
            changed += added;
        } else {
            changed += sqlx::query(statements::REMOVE_MEMBER)
                .bind(&id)
                .bind(member)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
    }
    if changed > 0 {
        sqlx::query(statements::BUMP_GROUP)
            .bind(&id)
            .bind(&ceiling.tenant)
            .bind(Utc::now().trunc_subsecs(3))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
