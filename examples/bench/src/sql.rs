//! The PostgreSQL mode (`--database-url postgres://…`): the SCIM app over scimkit-sql's
//! `SqlStore` on the demo tables against the hand-written sqlx ceiling ([`crate::ceiling`]) on
//! the same tables, in a schema of the run's own (scimkit-sql's `TestDb`), dropped at the end.
//!
//! Setup: N Entra-like users seeded with set-based SQL (`generate_series`), each with a work
//! e-mail; one outsider per connection (added to and removed from the big group); a group of
//! 100 000 members (all users when fewer) and one of 10; `ANALYZE`. Before measuring, every
//! scenario's first request is sent to both servers and the answers' fields compared.
//!
//! Then a `/Bulk` load of `--bulk-users` users on each side ([`crate::bulk_load`]), in a table
//! of its own (users per second).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::http::StatusCode;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use scimkit_core::engine::PatchResponse;
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, Pagination};
use scimkit_core::{Scim, SortSpec};
use scimkit_sql::store::SqlStore;
use scimkit_sql::testkit::{demo, TestDb};
use scimkit_sql::{shared_cursor_key, Backend, DEFAULT_MAX_CONNECTIONS};
use serde_json::{json, Value};
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::driver::MakeRequest;
use crate::report::{measure, print_table, Plan, Row};
use crate::requests::{
    deactivate_each, deactivation, engine_request, entra_user, get_by_id, lookup_hit, lookup_miss,
    member_toggle, post_new_user, query_value, scim_body, scim_get, PATCH_SCHEMA, TOKEN,
};
use crate::{bulk_load, ceiling};
use crate::{serve, Args, BoxError};

/// The tenant every request acts for (the bench token's).
pub(crate) const TENANT: &str = example_axum::TENANT;

/// Members of the big group (all users when fewer).
const BIG_GROUP: usize = 100_000;

/// The least `/Bulk` load rate asked of the SCIM side, users per second.
const BULK_TARGET: f64 = 5000.0;

/// The baseline's name in the table.
pub(crate) const CEILING: &str = "hand-written sqlx";

/// Runs the PostgreSQL mode on the server `url` names.
pub async fn run(args: &Args, url: &str) -> Result<(), BoxError> {
    if Backend::from_url(url)? != Backend::Postgres {
        return Err(format!("--database-url {url:?}: the SQL mode runs on PostgreSQL only").into());
    }
    let test = TestDb::fresh(Backend::Postgres, "bench").await?;
    let outcome = bench(args, &test).await;
    let removed = test.remove().await;
    outcome?;
    removed?;
    Ok(())
}

/// What the seed made.
struct Seeded {
    /// The users' ids, `user{n}@contoso.com` not in order.
    ids: Vec<String>,
    /// One user per connection, in no group.
    outsiders: Vec<String>,
    big: String,
    big_size: usize,
}

async fn bench(args: &Args, test: &TestDb) -> Result<(), BoxError> {
    let users = usize::try_from(args.users)?;
    let connections = usize::from(args.connections);
    let Servers {
        pool,
        store,
        scim,
        scim_addr,
        ceiling_addr,
    } = start(test).await?;

    let started = Instant::now();
    let seeded = seed(&pool, users, connections).await?;
    println!(
        "seeded {users} users (+{connections} outsiders), groups of {} and 10, in {:.1} s",
        seeded.big_size,
        started.elapsed().as_secs_f64()
    );

    // A cursor page deep in the list by userName: the SCIM side's cursor walked to it, the
    // ceiling's the keyset position of the same row.
    let started = Instant::now();
    let (depth, scim_cursor) = walk_cursor(&scim, users / 2).await?;
    let ceiling_cursor = keyset_at(&pool, depth).await?;
    println!(
        "cursor at depth {depth} walked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if args.show_sql {
        show_sql(&store, &scim_cursor, users / 2 + 1)?;
    }

    compare_answers(
        scim_addr,
        ceiling_addr,
        &seeded,
        &scim_cursor,
        &ceiling_cursor,
    )
    .await?;

    let rows = rows(
        scim_addr,
        ceiling_addr,
        &seeded,
        users,
        (&scim_cursor, &ceiling_cursor),
    );
    let plan = Plan {
        connections,
        duration: args.duration,
        rounds: usize::from(args.rounds),
    };
    let measured = measure(&rows, &args.only, plan).await;
    let errors = print_table(
        &measured,
        plan,
        &format!(
            "{users} users, SqlStore on PostgreSQL against hand-written sqlx on the same tables"
        ),
    );
    println!("failed requests: {errors}");
    if args.bulk_users > 0 && (args.only.is_empty() || args.only.iter().any(|o| o == "bulk")) {
        let rounds = bulk_load::measure(
            (scim_addr, ceiling_addr),
            &pool,
            TENANT,
            args.bulk_users,
            (connections, plan.rounds),
        )
        .await?;
        bulk_load::print(&rounds, args.bulk_users, BULK_TARGET);
    }
    pool.close().await;
    if errors > 0 {
        return Err(format!("{errors} request(s) failed").into());
    }
    Ok(())
}

/// The two servers on the demo tables, and what reaches them without HTTP.
pub(crate) struct Servers {
    /// A pool on the run's schema, the ceiling's too.
    pub pool: PgPool,
    /// The SCIM app's store.
    pub store: SqlStore,
    /// The SCIM app's engine, for requests through `Scim::handle`.
    pub scim: Scim,
    /// Where the SCIM app listens.
    pub scim_addr: SocketAddr,
    /// Where the ceiling listens.
    pub ceiling_addr: SocketAddr,
}

/// Creates the demo tables in `test`'s schema, builds the SCIM engine over `SqlStore` on
/// them and serves it and the ceiling on loopback.
pub(crate) async fn start(test: &TestDb) -> Result<Servers, BoxError> {
    demo::create(&test.db).await?;
    let pool = PgPoolOptions::new()
        .max_connections(DEFAULT_MAX_CONNECTIONS)
        .connect(&test.url)
        .await?;
    let store = demo::store(&test.db).await?;
    let credentials = example_axum::credentials(Some(TOKEN))?;
    let scim = Scim::builder()
        .store(store.clone())
        .cursor_key(shared_cursor_key(&test.db).await?)
        .authenticator(credentials.tokens)
        .patch_response(PatchResponse::NoContentForMembers)
        .build()?;
    let scim_addr = serve(example_axum::app(scim.clone())).await?;
    let ceiling_addr = serve(ceiling::app(pool.clone(), TENANT)).await?;
    Ok(Servers {
        pool,
        store,
        scim,
        scim_addr,
        ceiling_addr,
    })
}

/// Seeds the users, their e-mails, the outsiders and the two groups, then `ANALYZE`s.
async fn seed(pool: &PgPool, users: usize, outsiders: usize) -> Result<Seeded, BoxError> {
    add_users(pool, "user", 0, users).await?;
    add_users(pool, "outsider", 0, outsiders).await?;
    let big_size = users.min(BIG_GROUP);
    let big = add_group(pool, "big group", big_size).await?;
    add_group(pool, "ten users", 10).await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    let ids = user_ids(pool, "user%").await?;
    let outsiders = user_ids(pool, "outsider%").await?;
    Ok(Seeded {
        ids,
        outsiders,
        big,
        big_size,
    })
}

/// Adds `count` Entra-like users `{login}{n}@contoso.com`, `n` from `from` on, each with its
/// work e-mail row, in one set-based statement (`generate_series`).
pub(crate) async fn add_users(
    pool: &PgPool,
    login: &str,
    from: usize,
    count: usize,
) -> Result<(), BoxError> {
    // Entra-like rows: what SqlStore keeps of `entra_user(login)` (IDP-NOTES.md create body).
    let statement = "WITH added AS (INSERT INTO accounts (id, tenant, email, given_name, \
        family_name, is_active, external_id, version, created_at, updated_at, scim_extra) \
        SELECT gen_random_uuid(), $1, CAST($2 AS text) || n || '@contoso.com', 'Ann', \
        CAST($2 AS text) || n, true, '0a21f0f2-8d2a-4f8e-bf98-' || CAST($2 AS text) || n, 1, \
        clock.t, clock.t, \
        jsonb_build_object('name', jsonb_build_object('formatted', 'Ann ' || CAST($2 AS text) || n)) \
        FROM generate_series($3, $3 + $4 - 1) AS n, \
        (SELECT date_trunc('milliseconds', now()) AS t) AS clock RETURNING id, email) \
        INSERT INTO account_emails (account_id, position, email, kind, is_primary) \
        SELECT id, 0, email, 'work', true FROM added";
    sqlx::query(statement)
        .bind(TENANT)
        .bind(login)
        .bind(i64::try_from(from)?)
        .bind(i64::try_from(count)?)
        .execute(pool)
        .await?;
    Ok(())
}

/// Adds a group named `name` with `size` of the `user{n}` users (any of them) as members;
/// its id.
pub(crate) async fn add_group(pool: &PgPool, name: &str, size: usize) -> Result<String, BoxError> {
    let id: String = sqlx::query_scalar(
        "INSERT INTO teams (id, tenant, display_name, version, created_at, updated_at) \
         VALUES (gen_random_uuid(), $1, $2, 1, date_trunc('milliseconds', now()), \
         date_trunc('milliseconds', now())) RETURNING CAST(id AS text)",
    )
    .bind(TENANT)
    .bind(name)
    .fetch_one(pool)
    .await?;
    sqlx::query(
        "INSERT INTO team_memberships (team_id, account_id) \
         SELECT CAST($1 AS uuid), id FROM accounts \
         WHERE tenant = $2 AND email LIKE 'user%' LIMIT $3",
    )
    .bind(&id)
    .bind(TENANT)
    .bind(i64::try_from(size)?)
    .execute(pool)
    .await?;
    Ok(id)
}

/// The ids of the users whose e-mail is `LIKE` `like`, by e-mail.
pub(crate) async fn user_ids(pool: &PgPool, like: &str) -> Result<Vec<String>, BoxError> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(id AS text) FROM accounts WHERE tenant = $1 AND email LIKE $2 \
         ORDER BY email",
    )
    .bind(TENANT)
    .bind(like)
    .fetch_all(pool)
    .await?)
}

/// Walks the SCIM side's cursor pages by userName (through `Scim::handle`, no HTTP) until
/// about `depth` users lie behind; returns how many do and the cursor of the next page.
pub(crate) async fn walk_cursor(scim: &Scim, depth: usize) -> Result<(usize, String), BoxError> {
    let step = depth.clamp(1, 1000);
    let mut behind = 0;
    let mut cursor = String::new();
    while behind + step <= depth.max(1) {
        let uri = format!(
            "/Users?sortBy=userName&count={step}&cursor={}&attributes=id",
            query_value(&cursor)
        );
        let response = scim.handle(engine_request(Method::GET, &uri, None)?).await;
        if response.status() != StatusCode::OK {
            return Err(format!("walking cursor pages: {}", response.status()).into());
        }
        let page: Value = serde_json::from_slice(response.body())?;
        page.get("nextCursor")
            .and_then(Value::as_str)
            .ok_or("walking cursor pages: no nextCursor")?
            .clone_into(&mut cursor);
        behind += step;
    }
    Ok((behind, cursor))
}

/// The ceiling's cursor after the `depth`th user by userName.
pub(crate) async fn keyset_at(pool: &PgPool, depth: usize) -> Result<String, BoxError> {
    let (email, id): (String, String) = sqlx::query_as(
        "SELECT lower(email), CAST(id AS text) FROM accounts WHERE tenant = $1 \
         ORDER BY lower(email) COLLATE \"C\", id OFFSET $2 LIMIT 1",
    )
    .bind(TENANT)
    .bind(i64::try_from(depth.saturating_sub(1))?)
    .fetch_one(pool)
    .await?;
    Ok(ceiling::cursor(&email, &id))
}

/// Prints what `SqlStore` runs for the list scenarios and the ceiling's statements.
fn show_sql(store: &SqlStore, scim_cursor: &str, deep: usize) -> Result<(), BoxError> {
    let users = ResourceType::user();
    let by_name = SortSpec::from_query(&users, "userName", None)?;
    let queries = [
        (
            "userName lookup",
            ListQuery {
                filter: Some(scimkit_filter::parse_filter(
                    r#"userName eq "user7@contoso.com""#,
                )?),
                page: Some(Pagination::Index {
                    start_index: 1,
                    count: 100,
                }),
                ..ListQuery::default()
            },
        ),
        (
            "index page",
            ListQuery {
                page: Some(Pagination::Index {
                    start_index: deep,
                    count: 100,
                }),
                ..ListQuery::default()
            },
        ),
        (
            "cursor page by userName",
            ListQuery {
                sort: Some(by_name),
                page: Some(Pagination::Cursor {
                    cursor: Some(scim_cursor.to_owned()),
                    count: 100,
                }),
                ..ListQuery::default()
            },
        ),
    ];
    println!("\nSqlStore::list_statements (then e-mails and groups per page):");
    for (label, query) in &queries {
        let sql = store.list_statements(&users, TENANT, query)?;
        println!("-- {label} (complete in SQL: {})", sql.complete);
        println!("{}", sql.select);
        if let Some(count) = &sql.count {
            println!("{count}");
        }
    }
    println!("\nThe ceiling's statements:");
    for statement in [
        ceiling::statements::BY_USER_NAME,
        ceiling::statements::BY_ID,
        ceiling::statements::INDEX_PAGE,
        ceiling::statements::COUNT,
        ceiling::statements::AFTER_BY_USER_NAME,
        ceiling::statements::EMAILS,
        ceiling::statements::EMAILS_OF_ONE,
        ceiling::statements::GROUPS,
        ceiling::statements::GROUPS_OF_ONE,
        ceiling::statements::INSERT_USER,
        ceiling::statements::INSERT_EMAILS,
        ceiling::statements::SET_ACTIVE,
        ceiling::statements::LOCK_GROUP,
        ceiling::statements::ADD_MEMBER,
        ceiling::statements::REMOVE_MEMBER,
        ceiling::statements::BUMP_GROUP,
    ] {
        println!("{statement}");
    }
    println!();
    Ok(())
}

/// The table's rows: each scenario on the SCIM app, with the ceiling as its baseline.
fn rows(
    scim: SocketAddr,
    ceiling: SocketAddr,
    seeded: &Seeded,
    users: usize,
    (scim_cursor, ceiling_cursor): (&str, &str),
) -> Vec<Row> {
    let ids = Arc::new(seeded.ids.clone());
    let outsiders = Arc::new(seeded.outsiders.clone());
    let deep_index = users / 2 + 1;
    let by_id = get_by_id(&ids);
    let page_first: Arc<MakeRequest> =
        Arc::new(|_: usize, _: u64| scim_get("/Users?startIndex=1&count=100"));
    let page_deep: Arc<MakeRequest> = Arc::new(move |_: usize, _: u64| {
        scim_get(&format!("/Users?startIndex={deep_index}&count=100"))
    });
    let cursor_page = |cursor: &str| -> Arc<MakeRequest> {
        let uri = format!(
            "/Users?sortBy=userName&count=100&cursor={}",
            query_value(cursor)
        );
        Arc::new(move |_: usize, _: u64| scim_get(&uri))
    };
    // Counters shared by both sides and every round, so each request names a new user.
    let post = post_new_user();
    let deactivate = deactivate_each(&ids);
    let pair = |key, name: String, scim_make: Arc<MakeRequest>, base, target| Row {
        key,
        name,
        scenario: (scim, scim_make),
        base_name: CEILING,
        base: (ceiling, base),
        target,
    };
    let same = |key, name: &str, make: Arc<MakeRequest>, target| {
        pair(key, name.to_owned(), Arc::clone(&make), make, target)
    };
    vec![
        same("hit", "userName lookup, hit", lookup_hit(users), Some(0.70)),
        same("miss", "userName lookup, miss", lookup_miss(), Some(0.70)),
        same("get", "`GET /Users/{id}`", by_id, Some(0.70)),
        same("page", "`startIndex=1&count=100`", page_first, None),
        pair(
            "deep",
            format!("`startIndex={deep_index}&count=100`"),
            Arc::clone(&page_deep),
            page_deep,
            None,
        ),
        pair(
            "cursor",
            format!("cursor page by userName at {}", users / 2),
            cursor_page(scim_cursor),
            cursor_page(ceiling_cursor),
            None,
        ),
        same("post", "`POST /Users`", post, Some(0.50)),
        pair(
            "member-big",
            format!("member add/remove, group of {}", seeded.big_size),
            member_toggle(&seeded.big, &outsiders),
            member_toggle(&seeded.big, &outsiders),
            None,
        ),
        same("deactivate", "deactivate user (PATCH)", deactivate, None),
    ]
}

/// Sends one request on a fresh connection; the status and the body.
async fn once(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), BoxError> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// Every path of a JSON document (`emails[].value`), arrays' elements merged.
fn fields(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                fields(value, &path, out);
            }
        }
        Value::Array(values) => {
            for value in values {
                fields(value, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// A label, the request to the SCIM app and the one to the ceiling.
type Comparison = (&'static str, Request<Full<Bytes>>, Request<Full<Bytes>>);

/// Sends each scenario's first request to both servers; fails when a status differs or is
/// not a success, and prints the fields one answer has and the other lacks.
async fn compare_answers(
    scim: SocketAddr,
    ceiling: SocketAddr,
    seeded: &Seeded,
    scim_cursor: &str,
    ceiling_cursor: &str,
) -> Result<(), BoxError> {
    let first = seeded.ids.first().map_or("", String::as_str);
    let second = seeded.ids.get(1).map_or("", String::as_str);
    let outsider = seeded.outsiders.first().map_or("", String::as_str);
    let cursor = |c: &str| format!("/Users?sortBy=userName&count=100&cursor={}", query_value(c));
    let member = |op: &str| {
        json!({"schemas": [PATCH_SCHEMA],
            "Operations": [{"op": op, "path": "members", "value": [{"value": outsider}]}]})
    };
    let group_uri = format!("/Groups/{}", seeded.big);
    let cases: Vec<Comparison> = vec![
        (
            "lookup",
            scim_get("/Users?filter=userName%20eq%20%22user0%40contoso.com%22"),
            scim_get("/Users?filter=userName%20eq%20%22user0%40contoso.com%22"),
        ),
        (
            "get",
            scim_get(&format!("/Users/{first}")),
            scim_get(&format!("/Users/{first}")),
        ),
        (
            "page",
            scim_get("/Users?startIndex=1&count=100"),
            scim_get("/Users?startIndex=1&count=100"),
        ),
        (
            "cursor",
            scim_get(&cursor(scim_cursor)),
            scim_get(&cursor(ceiling_cursor)),
        ),
        (
            "post",
            scim_body(Method::POST, "/Users", &entra_user("compare-scim")),
            scim_body(Method::POST, "/Users", &entra_user("compare-ceiling")),
        ),
        (
            "deactivate",
            scim_body(Method::PATCH, &format!("/Users/{second}"), &deactivation()),
            scim_body(Method::PATCH, &format!("/Users/{second}"), &deactivation()),
        ),
        (
            "bulk",
            scim_body(
                Method::POST,
                "/Bulk",
                &bulk_load::request(["compare-bulk-scim".to_owned()].into_iter()),
            ),
            scim_body(
                Method::POST,
                "/Bulk",
                &bulk_load::request(["compare-bulk-ceiling".to_owned()].into_iter()),
            ),
        ),
        (
            "member add",
            scim_body(Method::PATCH, &group_uri, &member("Add")),
            // Both 204; the member toggles then start with the outsider out of the group.
            scim_body(Method::PATCH, &group_uri, &member("Remove")),
        ),
    ];
    let mut differences = Vec::new();
    for (label, to_scim, to_ceiling) in cases {
        let (scim_status, scim_body) = once(scim, to_scim).await?;
        let (ceiling_status, ceiling_body) = once(ceiling, to_ceiling).await?;
        if scim_status != ceiling_status || !scim_status.is_success() {
            return Err(format!(
                "{label}: SCIM answered {scim_status} ({}), the ceiling {ceiling_status} ({})",
                String::from_utf8_lossy(&scim_body),
                String::from_utf8_lossy(&ceiling_body),
            )
            .into());
        }
        if scim_body.is_empty() && ceiling_body.is_empty() {
            continue;
        }
        let (mut scim_fields, mut ceiling_fields) = (BTreeSet::new(), BTreeSet::new());
        fields(&serde_json::from_slice(&scim_body)?, "", &mut scim_fields);
        fields(
            &serde_json::from_slice(&ceiling_body)?,
            "",
            &mut ceiling_fields,
        );
        for only in scim_fields.difference(&ceiling_fields) {
            differences.push(format!("{label}: only SCIM has {only}"));
        }
        for only in ceiling_fields.difference(&scim_fields) {
            differences.push(format!("{label}: only the ceiling has {only}"));
        }
    }
    if differences.is_empty() {
        println!("answers compared (lookup, get, page, cursor, post, deactivate, bulk, member add): same fields");
    } else {
        println!("answers compared: fields differ:");
        for difference in differences {
            println!("  {difference}");
        }
    }
    Ok(())
}
