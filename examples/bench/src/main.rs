//! Load harness: the SCIM example app against a ceiling, both in this process on loopback,
//! driven by a small hyper client.
//!
//! - In memory (default): `example_axum::app` over `InMemoryStore` against a bare axum server
//!   answering fixed bodies.
//!   `cargo run -p example-bench --release -- --duration 3s --connections 2 --users 100000 --rounds 3`
//! - `--database-url postgres://…`: the app over scimkit-sql's `SqlStore` on PostgreSQL
//!   against hand-written axum + sqlx handlers running the same statements on the same tables.
//!   `cargo run -p example-bench --release -- --database-url postgres://postgres@127.0.0.1:5432/test --users 1000000 --rounds 3`
//! - `--growth` (with `--database-url`): how each read's and write's cost grows with the
//!   users in the table, the members of a group and the depth of a page, on one connection,
//!   printed as tables and drawn as SVG plots into `--plots`.
//!   `cargo run -p example-bench --release -- --database-url postgres://postgres@127.0.0.1:5432/test --growth --plots docs/bench`
//!
//! Modules: `driver` (the load client), `report` (rows, rounds, the table), `requests` (what
//! the client sends), `memory` and `sql` (each mode's setup and rows), `ceiling` (the
//! hand-written sqlx server), `growth` (the growth mode's sizes, runs and tables) and `plot`
//! (its SVG plots).

mod bulk_load;
mod ceiling;
mod driver;
mod growth;
mod memory;
mod plot;
mod report;
mod requests;
mod sql;

use std::error::Error;
use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// hit, miss, get, nest, page, deep, cursor, post, member-big, member-small, deactivate,
    /// bulk (nest and member-small in memory only, cursor and bulk in PostgreSQL only). For
    /// profiling one scenario; the default runs them all.
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(SCENARIOS))]
    only: Vec<String>,
    /// Measure the SQL path instead: `SqlStore` on this PostgreSQL server (in a schema of its
    /// own, dropped at the end) against hand-written sqlx handlers.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// With `--database-url`: users each `/Bulk` load sends (in requests of 1 000 creates),
    /// once per side per round; 0 skips the load.
    #[arg(long, default_value_t = 100_000, requires = "database_url")]
    bulk_users: usize,
    /// With `--database-url`: print the statements `SqlStore` runs for the list scenarios
    /// (`SqlStore::list_statements`) beside the ceiling's.
    #[arg(long, requires = "database_url")]
    show_sql: bool,
    /// With `--database-url`: measure instead how the cost of each read and write grows with
    /// the users in the table, the members of a group and the depth of a page (one
    /// connection, `--duration` and `--rounds` per point), print a table per axis and draw
    /// them into `--plots`.
    #[arg(long, requires = "database_url")]
    growth: bool,
    /// With `--growth`: the user counts of the users axis (comma-separated; seeded in
    /// increasing order, each on top of the last).
    #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000, 1_000_000],
        value_parser = clap::value_parser!(u32).range(10..), requires = "growth")]
    growth_users: Vec<u32>,
    /// With `--growth`: the group sizes of the members axis (comma-separated), each capped
    /// by the largest user count.
    #[arg(long, value_delimiter = ',', default_values_t = [10, 100, 1_000, 10_000, 100_000],
        value_parser = clap::value_parser!(u32).range(1..), requires = "growth")]
    growth_members: Vec<u32>,
    /// With `--growth`: the folder the plots (`users.svg`, `members.svg`, `depth.svg`) are
    /// written to, made when missing.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "docs/bench",
        requires = "growth"
    )]
    plots: PathBuf,
}

/// The scenario names `--only` takes, in the order they run.
const SCENARIOS: [&str; 12] = [
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
    "bulk",
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
                Some(url) if args.growth => growth::run(&args, url).await,
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
