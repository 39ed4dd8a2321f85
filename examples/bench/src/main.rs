//! Load harness: the SCIM example app against a ceiling, both in this process on loopback,
//! driven by a small hyper client.
//!
//! - In memory (default): `example_axum::app` over `InMemoryStore` against a bare axum server
//!   answering fixed bodies.
//!   `cargo run -p example-bench --release -- --duration 3s --connections 2 --users 100000 --rounds 3`
//! - `--database-url postgres://…`: the app over scimkit-sql's `SqlStore` on PostgreSQL
//!   against hand-written axum + sqlx handlers running the same statements on the same tables.
//!   `cargo run -p example-bench --release -- --database-url postgres://postgres@127.0.0.1:5432/test --users 1000000 --rounds 3`
//!
//! Modules: `driver` (the load client), `report` (rows, rounds, the table), `requests` (what
//! the client sends), `memory` and `sql` (each mode's setup and rows), `ceiling` (the
//! hand-written sqlx server).

mod ceiling;
mod driver;
mod memory;
mod report;
mod requests;
mod sql;

use std::error::Error;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use clap::Parser;

type BoxError = Box<dyn Error + Send + Sync>;

/// Load harness: SCIM app vs a ceiling on loopback.
#[derive(Debug, Parser)]
#[command(name = "example-bench")]
struct Args {
    /// How long each scenario runs (`3s`, `200ms`, `1m`).
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    duration: Duration,
    /// Keep-alive connections per scenario, each sending requests back to back.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    connections: u16,
    /// Users preloaded into the store (in memory one group holds them all; in PostgreSQL a
    /// group holds 100 000 of them, or all when fewer).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u32).range(10..))]
    users: u32,
    /// Rounds per scenario: its baseline and it run alternately this many times; the table
    /// shows the median.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
    /// Run only these scenarios (comma-separated), with the baselines they are compared to:
    /// hit, miss, get, nest, page, deep, cursor, post, member-big, member-small, deactivate
    /// (nest and member-small in memory only, cursor in PostgreSQL only). For profiling one
    /// scenario; the default runs them all.
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(SCENARIOS))]
    only: Vec<String>,
    /// Measure the SQL path instead: `SqlStore` on this PostgreSQL server (in a schema of its
    /// own, dropped at the end) against hand-written sqlx handlers.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// With `--database-url`: print the statements `SqlStore` runs for the list scenarios
    /// (`SqlStore::list_statements`) beside the ceiling's.
    #[arg(long, requires = "database_url")]
    show_sql: bool,
}

/// The scenario names `--only` takes, in the order they run.
const SCENARIOS: [&str; 11] = [
    "hit",
    "miss",
    "get",
    "nest",
    "page",
    "deep",
    "cursor",
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

fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    if let Some(url) = &args.database_url {
        // scimkit-sql's test kit makes its schema on the server `DATABASE_URL` names; set
        // here, before the runtime starts any thread.
        std::env::set_var("DATABASE_URL", url);
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            match &args.database_url {
                Some(url) => sql::run(&args, url).await,
                None => memory::run(&args).await,
            }
        })
}

/// Serves `app` on an ephemeral loopback port.
async fn serve(app: Router) -> Result<SocketAddr, BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}
