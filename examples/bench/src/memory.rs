//! The in-memory mode: the SCIM example app (`example_axum::app` over `InMemoryStore`,
//! preloaded with N Entra-shaped users and two groups) against a bare axum server that answers
//! fixed bodies (the ceiling), both in this process on loopback; and the engine alone, timed
//! in process without HTTP. Resident memory per user is read around the preload.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::Router;
use hyper::body::Bytes;
use hyper::Method;
use scimkit_core::engine::PatchResponse;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

use crate::driver::MakeRequest;
use crate::report::{measure, print_table, Plan, Row};
use crate::requests::{
    client_request, deactivation, engine_request, entra_user, lookup_hit, lookup_miss,
    member_toggle, pick, post_new_user, scim_body, scim_get, GROUP_SCHEMA, SCIM_JSON, TOKEN,
};
use crate::{serve, Args, BoxError};

/// Where the bare server nests its fixed-answer fallback (the SCIM app is at `/scim/v2`).
const BARE_NESTED: &str = "/bare/v2";

/// Runs the in-memory mode.
pub async fn run(args: &Args) -> Result<(), BoxError> {
    let users = usize::try_from(args.users)?;
    let connections = usize::from(args.connections);

    let credentials = example_axum::credentials(Some(TOKEN))?;
    let scim = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(credentials.tokens)
        // Entra ID accepts 204; a one-member change to a huge group must not render it.
        .patch_response(PatchResponse::NoContent)
        .max_body_bytes(64 << 20)
        .build()?;

    // Preload, measuring resident memory around the users alone.
    let rss_before = rss_bytes();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(users);
    for n in 0..users {
        ids.push(create(&scim, "/Users", &entra_user(&format!("user{n}"))).await?);
    }
    let load_time = started.elapsed();
    let rss_users = rss_bytes();
    // One outsider per connection: added to and removed from the groups by that connection.
    let mut outsiders = Vec::with_capacity(connections);
    for c in 0..connections {
        outsiders.push(create(&scim, "/Users", &entra_user(&format!("outsider{c}"))).await?);
    }
    let big = create(&scim, "/Groups", &group("all users", &ids)).await?;
    let small_members: Vec<String> = ids.iter().take(10).cloned().collect();
    let small = create(&scim, "/Groups", &group("ten users", &small_members)).await?;
    let rss_groups = rss_bytes();
    println!(
        "preloaded {users} users in {:.1} s; VmRSS before {}, after users {}, after groups {}",
        load_time.as_secs_f64(),
        show_bytes(rss_before),
        show_bytes(rss_users),
        show_bytes(rss_groups),
    );
    let per_user = match (rss_before, rss_users) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before) / u64::from(args.users)),
        _ => None,
    };

    // The ceiling's bodies are the SCIM app's own answers, so both sides send the same bytes.
    let first = ids.first().ok_or("no users preloaded")?.clone();
    let bodies = Arc::new(Bodies {
        list_of_one: fetch(
            &scim,
            "/Users?filter=userName%20eq%20%22user0%40contoso.com%22",
        )
        .await?,
        user: fetch(&scim, &format!("/Users/{first}")).await?,
        page: fetch(&scim, "/Users?startIndex=1&count=100").await?,
    });

    // The engine alone (no HTTP, one task): what the SCIM side adds per request.
    let engine_alone = EngineAlone {
        scim: &scim,
        only: &args.only,
        duration: args.duration,
    };
    let mut engine_rows = Vec::new();
    if let Some(t) = engine_alone
        .time("hit", |n| {
            let n = pick(0, n, users);
            format!("/Users?filter=userName%20eq%20%22user{n}%40contoso.com%22")
        })
        .await?
    {
        engine_rows.push(("userName lookup, hit", t));
    }
    if let Some(t) = engine_alone
        .time("get", |n| {
            let id = ids.get(pick(0, n, ids.len())).map_or("", String::as_str);
            format!("/Users/{id}")
        })
        .await?
    {
        engine_rows.push(("`GET /Users/{id}`", t));
    }
    if let Some(t) = engine_alone
        .time("page", |_| "/Users?startIndex=1&count=100".to_owned())
        .await?
    {
        engine_rows.push(("`startIndex=1&count=100`", t));
    }

    let scim_addr = serve(example_axum::app(scim)).await?;
    let bare_addr = serve(bare_app(bodies)).await?;
    let ids = Arc::new(ids);
    let outsiders = Arc::new(outsiders);
    let deep_index = users / 2 + 1;

    let hit = lookup_hit(users);
    let miss = lookup_miss();
    let by_id: Arc<MakeRequest> = {
        let ids = Arc::clone(&ids);
        Arc::new(move |c: usize, seq: u64| {
            let id = ids.get(pick(c, seq, ids.len())).map_or("", String::as_str);
            scim_get(&format!("/Users/{id}"))
        })
    };
    // The fixed user from a fallback nested as the SCIM router is, at the same paths: what
    // axum's `nest` costs any nested SCIM server, before the library does anything.
    let nested_by_id: Arc<MakeRequest> = {
        let ids = Arc::clone(&ids);
        Arc::new(move |c: usize, seq: u64| {
            let id = ids.get(pick(c, seq, ids.len())).map_or("", String::as_str);
            client_request(
                Method::GET,
                &format!("{BARE_NESTED}/Users/{id}"),
                Bytes::new(),
            )
        })
    };
    let page_first: Arc<MakeRequest> =
        Arc::new(|_: usize, _: u64| scim_get("/Users?startIndex=1&count=100"));
    let page_deep: Arc<MakeRequest> = Arc::new(move |_: usize, _: u64| {
        scim_get(&format!("/Users?startIndex={deep_index}&count=100"))
    });
    let post = post_new_user();
    let deactivate: Arc<MakeRequest> = {
        let ids = Arc::clone(&ids);
        let body = deactivation();
        Arc::new(move |c: usize, seq: u64| {
            let id = ids.get(pick(c, seq, ids.len())).map_or("", String::as_str);
            scim_body(Method::PATCH, &format!("/Users/{id}"), &body)
        })
    };
    let member_big = member_toggle(&big, &outsiders);
    let member_small = member_toggle(&small, &outsiders);
    let bare_list = get_req("/bare/list");
    let bare_patch = body_req(Method::PATCH, "/bare/patch");

    let scim = |make: &Arc<MakeRequest>| (scim_addr, Arc::clone(make));
    let ceiling = |make: Arc<MakeRequest>| (bare_addr, make);
    let rows = [
        Row {
            key: "hit",
            name: "userName lookup, hit".to_owned(),
            scenario: scim(&hit),
            base_name: "bare list of one",
            base: ceiling(Arc::clone(&bare_list)),
            target: Some(0.70),
        },
        Row {
            key: "miss",
            name: "userName lookup, miss".to_owned(),
            scenario: scim(&miss),
            base_name: "bare list of one",
            base: ceiling(bare_list),
            target: None,
        },
        Row {
            key: "get",
            name: "`GET /Users/{id}`".to_owned(),
            scenario: scim(&by_id),
            base_name: "bare user",
            base: ceiling(get_req("/bare/user")),
            target: Some(0.75),
        },
        Row {
            key: "nest",
            name: "axum `nest` + fallback, fixed user".to_owned(),
            scenario: ceiling(nested_by_id),
            base_name: "bare user",
            base: ceiling(get_req("/bare/user")),
            target: None,
        },
        Row {
            key: "page",
            name: "`startIndex=1&count=100`".to_owned(),
            scenario: scim(&page_first),
            base_name: "bare page of 100",
            base: ceiling(get_req("/bare/page")),
            target: Some(0.40),
        },
        Row {
            key: "deep",
            name: format!("`startIndex={deep_index}&count=100`"),
            scenario: scim(&page_deep),
            base_name: "`startIndex=1&count=100`",
            base: scim(&page_first),
            target: Some(1.0 / 3.0),
        },
        Row {
            key: "post",
            name: "`POST /Users`".to_owned(),
            scenario: scim(&post),
            base_name: "bare POST",
            base: ceiling(body_req(Method::POST, "/bare/user")),
            target: Some(0.50),
        },
        Row {
            key: "member-big",
            name: "member add/remove, group of N".to_owned(),
            scenario: scim(&member_big),
            base_name: "group of 10",
            base: scim(&member_small),
            target: Some(0.5),
        },
        Row {
            key: "member-small",
            name: "member add/remove, group of 10".to_owned(),
            scenario: scim(&member_small),
            base_name: "bare PATCH",
            base: ceiling(Arc::clone(&bare_patch)),
            target: Some(0.50),
        },
        Row {
            key: "deactivate",
            name: "deactivate user (PATCH)".to_owned(),
            scenario: scim(&deactivate),
            base_name: "bare PATCH",
            base: ceiling(bare_patch),
            target: Some(0.50),
        },
    ];

    let plan = Plan {
        connections,
        duration: args.duration,
        rounds: usize::from(args.rounds),
    };
    let measured = measure(&rows, &args.only, plan).await;
    let errors = print_table(&measured, plan, &format!("{users} users"));
    if !engine_rows.is_empty() {
        println!("\nThe engine alone (`Scim::handle` in process, no HTTP, one task):\n");
        println!("| scenario | µs per request |");
        println!("|---|---|");
        for (name, per) in engine_rows {
            println!("| {name} | {:.1} |", per.as_secs_f64() * 1e6);
        }
    }
    match per_user {
        Some(bytes) => println!(
            "\nVmRSS per user: {bytes} B (target ≤ 2048 B: {})",
            if bytes <= 2048 { "yes" } else { "no" }
        ),
        None => println!("\nVmRSS per user: n/a (no /proc/self/status)"),
    }
    println!("failed requests: {errors}");
    if errors > 0 {
        return Err(format!("{errors} request(s) failed").into());
    }
    Ok(())
}

/// Times `Scim::handle` alone on a scenario's GET requests.
struct EngineAlone<'a> {
    scim: &'a Scim,
    only: &'a [String],
    duration: Duration,
}

impl EngineAlone<'_> {
    /// Mean time per request over `duration`, or `None` when the scenario is not selected.
    async fn time(
        &self,
        scenario: &str,
        uri: impl Fn(u64) -> String,
    ) -> Result<Option<Duration>, BoxError> {
        if !self.only.is_empty() && !self.only.iter().any(|o| o == scenario) {
            return Ok(None);
        }
        let prefix = example_axum::SCIM_PATH;
        let started = Instant::now();
        let mut n: u64 = 0;
        while started.elapsed() < self.duration {
            for _ in 0..64 {
                let request = engine_request(Method::GET, &format!("{prefix}{}", uri(n)), None)?;
                let mount = scimkit_core::engine::Mount {
                    prefix,
                    tenant: None,
                };
                let response = self.scim.handle_with(request, mount).await;
                if response.status() != StatusCode::OK {
                    return Err(format!("engine alone, {scenario}: {}", response.status()).into());
                }
                n += 1;
            }
        }
        Ok(Some(
            started.elapsed() / u32::try_from(n.max(1)).unwrap_or(u32::MAX),
        ))
    }
}

fn group(name: &str, members: &[String]) -> Value {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members})
}

/// Creates a resource through the engine (no HTTP) and returns its id.
async fn create(scim: &Scim, uri: &str, body: &Value) -> Result<String, BoxError> {
    let response = scim
        .handle(engine_request(Method::POST, uri, Some(body))?)
        .await;
    if response.status() != StatusCode::CREATED {
        return Err(format!("preload POST {uri}: {}", response.status()).into());
    }
    let created: Value = serde_json::from_slice(response.body())?;
    created
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("preload POST {uri}: no id in the answer").into())
}

/// A GET answer's body through the engine.
async fn fetch(scim: &Scim, uri: &str) -> Result<Bytes, BoxError> {
    let response = scim.handle(engine_request(Method::GET, uri, None)?).await;
    if response.status() != StatusCode::OK {
        return Err(format!("GET {uri}: {}", response.status()).into());
    }
    Ok(response.into_body())
}

/// The bodies the bare server answers with.
struct Bodies {
    list_of_one: Bytes,
    user: Bytes,
    page: Bytes,
}

/// The ceiling: fixed SCIM bodies, no authentication, no store.
fn bare_app(bodies: Arc<Bodies>) -> Router {
    async fn list(
        State(b): State<Arc<Bodies>>,
    ) -> ([(header::HeaderName, &'static str); 1], Bytes) {
        ([(header::CONTENT_TYPE, SCIM_JSON)], b.list_of_one.clone())
    }
    async fn user(
        State(b): State<Arc<Bodies>>,
    ) -> ([(header::HeaderName, &'static str); 1], Bytes) {
        ([(header::CONTENT_TYPE, SCIM_JSON)], b.user.clone())
    }
    async fn created(
        State(b): State<Arc<Bodies>>,
        _body: Bytes,
    ) -> (StatusCode, [(header::HeaderName, &'static str); 1], Bytes) {
        (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, SCIM_JSON)],
            b.user.clone(),
        )
    }
    async fn page(
        State(b): State<Arc<Bodies>>,
    ) -> ([(header::HeaderName, &'static str); 1], Bytes) {
        ([(header::CONTENT_TYPE, SCIM_JSON)], b.page.clone())
    }
    async fn patched(_body: Bytes) -> StatusCode {
        StatusCode::NO_CONTENT
    }
    let fixed = Arc::clone(&bodies);
    let nested = Router::new().fallback(move || {
        let b = Arc::clone(&fixed);
        async move { ([(header::CONTENT_TYPE, SCIM_JSON)], b.user.clone()) }
    });
    Router::new()
        .nest(BARE_NESTED, nested)
        .route("/bare/list", get(list))
        .route("/bare/user", get(user).post(created))
        .route("/bare/page", get(page))
        .route("/bare/patch", axum::routing::patch(patched))
        .with_state(bodies)
}

fn get_req(path: &'static str) -> Arc<MakeRequest> {
    Arc::new(move |_: usize, _: u64| client_request(Method::GET, path, Bytes::new()))
}

fn body_req(method: Method, path: &'static str) -> Arc<MakeRequest> {
    let body = Bytes::from(entra_user("bare").to_string());
    Arc::new(move |_: usize, _: u64| client_request(method.clone(), path, body.clone()))
}

/// VmRSS from /proc/self/status, in bytes.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

fn show_bytes(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "n/a".to_owned(), |b| format!("{} MiB", b >> 20))
}
