//! Load harness (issue 9): the SCIM example app (`example_axum::app` over `InMemoryStore`,
//! preloaded with N Entra-shaped users and two groups) against a bare axum server that answers
//! fixed bodies (the ceiling), both in this process on loopback, driven by a small hyper client.
//!
//! `cargo run -p example-bench --release -- --duration 3s --connections 2 --users 100000 --rounds 3`

mod driver;

use std::error::Error;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::Router;
use clap::Parser;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request};
use scimkit_core::engine::PatchResponse;
use scimkit_core::{InMemoryStore, Scim};
use serde_json::{json, Value};

use driver::{drive, MakeRequest, Stats};

type BoxError = Box<dyn Error + Send + Sync>;

const TOKEN: &str = "bench-token-0123456789abcdef";
const SCIM_JSON: &str = "application/scim+json";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Where the bare server nests its fixed-answer fallback (the SCIM app is at `/scim/v2`).
const BARE_NESTED: &str = "/bare/v2";

/// Load harness: SCIM app vs bare axum ceiling on loopback.
#[derive(Debug, Parser)]
#[command(name = "example-bench")]
struct Args {
    /// How long each scenario runs (`3s`, `200ms`, `1m`).
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    duration: Duration,
    /// Keep-alive connections per scenario, each sending requests back to back.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    connections: u16,
    /// Users preloaded into the store (one group holds them all).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(10..))]
    users: u32,
    /// Rounds per scenario: its baseline and it run alternately this many times; the table
    /// shows the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
    /// Run only these scenarios (comma-separated), with the baselines they are compared to:
    /// hit, miss, get, nest, page, deep, post, member-big, member-small, deactivate. For profiling
    /// one scenario; the default runs them all.
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(SCENARIOS))]
    only: Vec<String>,
}

/// The scenario names `--only` takes, in the order they run.
const SCENARIOS: [&str; 10] = [
    "hit",
    "miss",
    "get",
    "nest",
    "page",
    "deep",
    "post",
    "member-big",
    "member-small",
    "deactivate",
];

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, "s"), |at| text.split_at(at));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and ms, s or m (e.g. 3s)"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        _ => Err(format!("{text:?}: unit must be ms, s or m")),
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
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

    let hit: Arc<MakeRequest> = Arc::new(move |c: usize, seq: u64| {
        let n = pick(c, seq, users);
        scim_get(&format!(
            "/Users?filter=userName%20eq%20%22user{n}%40contoso.com%22"
        ))
    });
    let miss: Arc<MakeRequest> = Arc::new(|c: usize, seq: u64| {
        scim_get(&format!(
            "/Users?filter=userName%20eq%20%22nobody{c}-{seq}%40contoso.com%22"
        ))
    });
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
    let post: Arc<MakeRequest> = {
        let counter = Arc::new(AtomicU64::new(0));
        Arc::new(move |_: usize, _: u64| {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            scim_body(Method::POST, "/Users", &entra_user(&format!("new{n}")))
        })
    };
    let deactivate: Arc<MakeRequest> = {
        let ids = Arc::clone(&ids);
        let body = json!({"schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
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
            target: None,
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
            target: None,
        },
        Row {
            key: "deactivate",
            name: "deactivate user (PATCH)".to_owned(),
            scenario: scim(&deactivate),
            base_name: "bare PATCH",
            base: ceiling(bare_patch),
            target: None,
        },
    ];

    let rounds = usize::from(args.rounds);
    let mut measured = Vec::new();
    for row in rows
        .iter()
        .filter(|row| args.only.is_empty() || args.only.iter().any(|o| o == row.key))
    {
        // Baseline and scenario alternate, so drifting machine load hits both alike.
        let mut pairs = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let (addr, make) = &row.base;
            let base = drive(*addr, connections, args.duration, Arc::clone(make)).await;
            let (addr, make) = &row.scenario;
            let scenario = drive(*addr, connections, args.duration, Arc::clone(make)).await;
            pairs.push((scenario, base));
        }
        measured.push((row, pairs));
    }

    println!(
        "\n{connections} connection(s), {} per run, {rounds} round(s) of baseline then scenario, {users} users\n",
        show_duration(args.duration)
    );
    println!("| scenario | req/s | p50 | p99 | baseline | req/s | p50 | p99 | ratio (median) | ratio range | target | met |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut errors = 0;
    for (row, pairs) in &measured {
        errors += pairs
            .iter()
            .map(|(scenario, base)| scenario.errors + base.errors)
            .sum::<u64>();
        let mut ratios: Vec<f64> = pairs
            .iter()
            .map(|(scenario, base)| {
                if base.rps > 0.0 {
                    scenario.rps / base.rps
                } else {
                    0.0
                }
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        let ratio = median(&ratios);
        let (low, high) = (
            ratios.first().copied().unwrap_or(0.0),
            ratios.last().copied().unwrap_or(0.0),
        );
        let scenario = median_run(pairs.iter().map(|(scenario, _)| scenario));
        let base = median_run(pairs.iter().map(|(_, base)| base));
        let (target, met) = match row.target {
            Some(t) => (
                format!("≥ {:.0} %", t * 100.0),
                if ratio >= t { "yes" } else { "no" },
            ),
            None => ("–".to_owned(), "–"),
        };
        println!(
            "| {} | {:.0} | {} | {} | {} | {:.0} | {} | {} | {:.0} % | {:.0}–{:.0} % | {target} | {met} |",
            row.name,
            scenario.rps,
            show_duration(scenario.p50),
            show_duration(scenario.p99),
            row.base_name,
            base.rps,
            show_duration(base.p50),
            show_duration(base.p99),
            ratio * 100.0,
            low * 100.0,
            high * 100.0,
        );
    }
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

/// One line of the table: a scenario and the baseline it is compared to, each a server and
/// the requests to send it.
struct Row {
    /// The `--only` name.
    key: &'static str,
    name: String,
    scenario: (SocketAddr, Arc<MakeRequest>),
    base_name: &'static str,
    base: (SocketAddr, Arc<MakeRequest>),
    /// The least ratio the issue asks for, if any.
    target: Option<f64>,
}

/// The middle value of sorted numbers (the lower middle for an even count).
fn median(sorted: &[f64]) -> f64 {
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0.0)
}

/// The run with the median throughput.
fn median_run<'a>(runs: impl Iterator<Item = &'a Stats>) -> Stats {
    let mut runs: Vec<&Stats> = runs.collect();
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    runs.get(runs.len().saturating_sub(1) / 2)
        .map_or_else(Stats::default, |s| (*s).clone())
}

/// A user index spread over `0..len` so connections do not read the same few users.
fn pick(connection: usize, seq: u64, len: usize) -> usize {
    let seq = usize::try_from(seq % 1_000_003).unwrap_or(0);
    seq.wrapping_mul(7919)
        .wrapping_add(connection.wrapping_mul(104_729))
        .checked_rem(len)
        .unwrap_or(0)
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

/// PATCH adding the connection's outsider to `group`, then removing it (Entra's default dialect).
fn member_toggle(group: &str, outsiders: &Arc<Vec<String>>) -> Arc<MakeRequest> {
    let uri = format!("/Groups/{group}");
    let outsiders = Arc::clone(outsiders);
    Arc::new(move |c: usize, seq: u64| {
        let member = outsiders.get(c).map_or("", String::as_str);
        let op = if seq.is_multiple_of(2) {
            "Add"
        } else {
            "Remove"
        };
        let body = json!({"schemas": [PATCH_SCHEMA],
            "Operations": [{"op": op, "path": "members", "value": [{"value": member}]}]});
        scim_body(Method::PATCH, &uri, &body)
    })
}

/// An Entra ID create body (IDP-NOTES.md), `login` before `@contoso.com`.
fn entra_user(login: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": format!("0a21f0f2-8d2a-4f8e-bf98-{login}"),
        "userName": format!("{login}@contoso.com"),
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("{login}@contoso.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("Ann {login}"), "familyName": login, "givenName": "Ann"},
        "roles": [],
    })
}

fn group(name: &str, members: &[String]) -> Value {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members})
}

fn engine_request(
    method: Method,
    uri: &str,
    body: Option<&Value>,
) -> Result<Request<Bytes>, BoxError> {
    let bytes = match body {
        Some(body) => Bytes::from(serde_json::to_vec(body)?),
        None => Bytes::new(),
    };
    Ok(Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, SCIM_JSON)
        .header(header::HOST, "127.0.0.1")
        .body(bytes)?)
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

/// Serves `app` on an ephemeral loopback port.
async fn serve(app: Router) -> Result<SocketAddr, BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
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

fn client_request(method: Method, uri: &str, body: Bytes) -> Request<Full<Bytes>> {
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method;
    if let Ok(uri) = uri.parse() {
        *request.uri_mut() = uri;
    }
    let headers = request.headers_mut();
    headers.insert(header::HOST, header::HeaderValue::from_static("127.0.0.1"));
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(SCIM_JSON),
    );
    if let Ok(value) = header::HeaderValue::from_str(&format!("Bearer {TOKEN}")) {
        headers.insert(header::AUTHORIZATION, value);
    }
    request
}

fn scim_get(path: &str) -> Request<Full<Bytes>> {
    client_request(
        Method::GET,
        &format!("{}{path}", example_axum::SCIM_PATH),
        Bytes::new(),
    )
}

fn scim_body(method: Method, path: &str, body: &Value) -> Request<Full<Bytes>> {
    let bytes = serde_json::to_vec(body)
        .map(Bytes::from)
        .unwrap_or_default();
    client_request(method, &format!("{}{path}", example_axum::SCIM_PATH), bytes)
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

fn show_duration(d: Duration) -> String {
    let micros = d.as_micros();
    if micros >= 10_000 {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{micros} µs")
    }
}
