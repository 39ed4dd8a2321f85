//! The `/Bulk` load (PostgreSQL mode): `--bulk-users` new Entra-shaped users sent as
//! `POST /Bulk` requests of [`PER_REQUEST`] `POST /Users` operations over `--connections`
//! keep-alive connections, to the ceiling then to the SCIM app, `--rounds` times. Each load's
//! requests are built before its clock starts; it is timed from the first send to the last
//! answer, and the users it added are counted in the database afterwards (a load that added
//! fewer rows than it sent fails the run). Figures are users per second.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use http_body_util::BodyExt as _;
use hyper::body::Bytes;
use hyper::Method;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use sqlx::postgres::PgPool;

use crate::driver::per_second;
use crate::report::median;
use crate::requests::{client_request, entra_user};
use crate::BoxError;

/// Operations per `/Bulk` request (the engine's default `maxOperations`).
pub const PER_REQUEST: usize = 1000;

/// `urn:…:BulkRequest`.
const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// One round's two loads, in users per second.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    pub scim: f64,
    pub ceiling: f64,
}

/// Loads `users` users into each side `rounds` times (the ceiling first in each round) and
/// returns each round's rates. `tenant` is whose rows are counted.
pub async fn measure(
    (scim, ceiling): (SocketAddr, SocketAddr),
    pool: &PgPool,
    tenant: &str,
    users: usize,
    (connections, rounds): (usize, usize),
) -> Result<Vec<Round>, BoxError> {
    let logins = AtomicU64::new(0);
    let mut measured = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let ceiling = load(ceiling, pool, tenant, bodies(&logins, users)?, connections).await?;
        let scim = load(scim, pool, tenant, bodies(&logins, users)?, connections).await?;
        measured.push(Round { scim, ceiling });
    }
    Ok(measured)
}

/// `users` new users (`bulk0@contoso.com`, `bulk1@…`, numbered on from `logins`) as `/Bulk`
/// request bodies of up to [`PER_REQUEST`] operations each.
fn bodies(logins: &AtomicU64, users: usize) -> Result<Vec<(usize, Bytes)>, BoxError> {
    let mut out = Vec::with_capacity(users.div_ceil(PER_REQUEST));
    let mut left = users;
    while left > 0 {
        let count = left.min(PER_REQUEST);
        let wide = u64::try_from(count)?;
        let first = logins.fetch_add(wide, Ordering::Relaxed);
        let body = request((first..first + wide).map(|n| format!("bulk{n}")));
        out.push((count, Bytes::from(serde_json::to_vec(&body)?)));
        left -= count;
    }
    Ok(out)
}

/// A `/Bulk` request creating a user (an Entra create body) for each of `logins`, each
/// operation's `bulkId` its login.
pub fn request(logins: impl Iterator<Item = String>) -> Value {
    let operations: Vec<Value> = logins
        .map(|login| {
            json!({"method": "POST", "path": "/Users", "bulkId": login,
                "data": entra_user(&login)})
        })
        .collect();
    json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": operations})
}

/// Sends `bodies` to `addr`'s `/Bulk` over `connections` connections, each taking the next
/// body until none is left; users per second, after checking the tenant gained as many rows.
async fn load(
    addr: SocketAddr,
    pool: &PgPool,
    tenant: &str,
    bodies: Vec<(usize, Bytes)>,
    connections: usize,
) -> Result<f64, BoxError> {
    let users: usize = bodies.iter().map(|(count, _)| count).sum();
    let before = count_users(pool, tenant).await?;
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (bodies, next) = (Arc::clone(&bodies), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            one_connection(addr, &bodies, &next).await
        }));
    }
    for task in tasks {
        task.await??;
    }
    let took = started.elapsed();
    let added = count_users(pool, tenant).await? - before;
    if usize::try_from(added).ok() != Some(users) {
        return Err(format!("a /Bulk load of {users} users added {added} rows").into());
    }
    Ok(per_second(u64::try_from(users)?, took))
}

/// One connection's share of the load.
async fn one_connection(
    addr: SocketAddr,
    bodies: &[(usize, Bytes)],
    next: &AtomicUsize,
) -> Result<(), BoxError> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let path = format!("{}/Bulk", example_axum::SCIM_PATH);
    while let Some((_, body)) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
        let response = sender
            .send_request(client_request(Method::POST, &path, body.clone()))
            .await?;
        let status = response.status();
        let answer = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            return Err(format!(
                "/Bulk answered {status}: {}",
                String::from_utf8_lossy(&answer)
            )
            .into());
        }
    }
    Ok(())
}

/// The tenant's users.
async fn count_users(pool: &PgPool, tenant: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM accounts WHERE tenant = $1")
        .bind(tenant)
        .fetch_one(pool)
        .await
}

/// Prints the `/Bulk` table: each side's median round, the median of the per-round ratios and
/// their range, and the SCIM side's median against `target` users per second.
pub fn print(measured: &[Round], users: usize, target: f64) {
    let mut ratios: Vec<f64> = measured
        .iter()
        .map(|r| {
            if r.ceiling > 0.0 {
                r.scim / r.ceiling
            } else {
                0.0
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let median_of = |values: Vec<f64>| {
        let mut values = values;
        values.sort_by(f64::total_cmp);
        median(&values)
    };
    let scim = median_of(measured.iter().map(|r| r.scim).collect());
    let ceiling = median_of(measured.iter().map(|r| r.ceiling).collect());
    let ratio = median(&ratios);
    let (low, high) = (
        ratios.first().copied().unwrap_or(0.0),
        ratios.last().copied().unwrap_or(0.0),
    );
    println!("\n| scenario | SCIM users/s | ceiling users/s | ratio (median) | ratio range | target | met |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| `/Bulk` load of {users} users, {PER_REQUEST} per request | {scim:.0} | {ceiling:.0} | {:.0} % | {:.0}–{:.0} % | ≥ {target:.0} users/s | {} |",
        ratio * 100.0,
        low * 100.0,
        high * 100.0,
        if scim >= target { "yes" } else { "no" },
    );
}
