//! The growth mode (`--database-url postgres://… --growth`): how the cost of each read and
//! write grows with size, for the SCIM app over scimkit-sql's `SqlStore` and for the
//! hand-written sqlx ceiling on the same tables, both set up as the PostgreSQL mode sets
//! them up ([`crate::sql`]), in a schema of the run's own dropped at the end.
//!
//! `cargo run -p example-bench --release -- --database-url postgres://postgres@127.0.0.1:5432/test --growth --plots docs/bench`
//!
//! `--growth-users` (default `10000,100000,1000000`) and `--growth-members` (default
//! `10,100,1000,10000,100000`) change the sizes; `--duration` and `--rounds` apply to each
//! point. Every point runs on one keep-alive connection, so it shows the cost of a request
//! and not concurrency: the ceiling, then the SCIM app, `--rounds` times; a side's latency is
//! the median over rounds of each run's p50 (and p99). Three axes:
//! - users: users are added to reach each count, then `ANALYZE`; a userName lookup hit and
//!   miss, `GET /Users/{id}`, `POST /Users`, the deactivation PATCH and the first index page
//!   (`startIndex=1&count=100`).
//! - depth, at the largest user count N (all users of the tenant): the index page
//!   `startIndex=k&count=100` and the cursor page by userName at the same position, for
//!   positions 1, N/4, N/2, 3N/4 and the last page (the SCIM side's cursor walked there, the
//!   ceiling's the keyset position of the same row).
//! - members, at the largest user count: one group per size (capped by the users), the
//!   member add/remove toggle on each.
//!
//! Prints a markdown table per axis and draws it ([`crate::plot`]) into `--plots` as
//! `users.svg`, `depth.svg` and `members.svg`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use scimkit_sql::testkit::TestDb;
use scimkit_sql::Backend;

use crate::driver::{MakeRequest, Stats};
use crate::plot::{self, Figure, Series};
use crate::report::{measure, median, show_duration, Plan, Row};
use crate::requests::{
    deactivate_each, get_by_id, lookup_hit, lookup_miss, member_toggle, post_new_user, query_value,
    scim_get,
};
use crate::sql::{self, Servers};
use crate::{Args, BoxError};

/// Rows per list page.
const PAGE: usize = 100;

/// The operations, as the tables and the legends name them.
const HIT: &str = "userName lookup, hit";
const MISS: &str = "userName lookup, miss";
const GET: &str = "GET /Users/{id}";
const POST: &str = "POST /Users";
const DEACTIVATE: &str = "deactivation PATCH";
const FIRST_PAGE: &str = "index page 1";
const INDEX_AT: &str = "index page (startIndex)";
const CURSOR_AT: &str = "cursor page by userName";
const MEMBER: &str = "member add/remove";

/// A side's latency at one point.
#[derive(Debug, Clone, Copy, Default)]
struct Latency {
    /// Median over rounds of the runs' p50.
    p50: Duration,
    /// Median over rounds of the runs' p99.
    p99: Duration,
    /// Failed requests of all rounds.
    errors: u64,
}

/// One operation at one size.
struct Point {
    op: &'static str,
    size: usize,
    scim: Latency,
    ceiling: Latency,
}

/// An axis: what it shows and what was measured on it.
struct Axis {
    /// The table's heading and the plot's title.
    title: String,
    /// The size column's heading.
    size_label: &'static str,
    /// What x is in the plot.
    x_label: &'static str,
    /// The plot's file name.
    file: &'static str,
    /// Whether the plot keeps x linear (positions spread evenly) whatever its span.
    linear_x: bool,
    points: Vec<Point>,
}

/// An operation: its name and what each side is sent.
type Op = (&'static str, Arc<MakeRequest>, Arc<MakeRequest>);

/// Runs the growth mode on the server `url` names.
pub async fn run(args: &Args, url: &str) -> Result<(), BoxError> {
    if Backend::from_url(url)? != Backend::Postgres {
        return Err(
            format!("--database-url {url:?}: the growth mode runs on PostgreSQL only").into(),
        );
    }
    let test = TestDb::fresh(Backend::Postgres, "growth").await?;
    let outcome = grow(args, &test).await;
    let removed = test.remove().await;
    outcome?;
    removed?;
    Ok(())
}

/// Sizes in increasing order, each once.
fn sizes(given: &[u32], cap: usize) -> Result<Vec<usize>, BoxError> {
    let mut sizes = given
        .iter()
        .map(|&n| usize::try_from(n).map(|n| n.min(cap)))
        .collect::<Result<Vec<_>, _>>()?;
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

async fn grow(args: &Args, test: &TestDb) -> Result<(), BoxError> {
    let users = sizes(&args.growth_users, usize::MAX)?;
    let largest = *users.last().ok_or("--growth-users: no user count")?;
    let members = sizes(&args.growth_members, largest)?;
    let plan = Plan {
        connections: 1,
        duration: args.duration,
        rounds: usize::from(args.rounds),
    };
    std::fs::create_dir_all(&args.plots)?;
    let servers = sql::start(test).await?;
    // The one user the member toggles add and remove, in no group.
    sql::add_users(&servers.pool, "outsider", 0, 1).await?;
    let outsiders = Arc::new(sql::user_ids(&servers.pool, "outsider%").await?);

    let mut errors = 0;
    let axis = users_axis(&servers, &users, plan).await?;
    errors += show(&axis, plan, &args.plots)?;
    let axis = depth_axis(&servers, plan).await?;
    errors += show(&axis, plan, &args.plots)?;
    let axis = members_axis(&servers, &members, &outsiders, plan).await?;
    errors += show(&axis, plan, &args.plots)?;
    println!("failed requests: {errors}");
    servers.pool.close().await;
    if errors > 0 {
        return Err(format!("{errors} request(s) failed").into());
    }
    Ok(())
}

/// Measures `ops` at `size`, one connection, both sides alternately.
async fn measure_at(servers: &Servers, size: usize, ops: Vec<Op>, plan: Plan) -> Vec<Point> {
    let rows: Vec<Row> = ops
        .into_iter()
        .map(|(op, scim, ceiling)| Row {
            key: op,
            name: op.to_owned(),
            scenario: (servers.scim_addr, scim),
            base_name: sql::CEILING,
            base: (servers.ceiling_addr, ceiling),
            target: None,
        })
        .collect();
    measure(&rows, &[], plan)
        .await
        .iter()
        .map(|measured| Point {
            op: measured.row.key,
            size,
            scim: latency(measured.pairs.iter().map(|(scim, _)| scim)),
            ceiling: latency(measured.pairs.iter().map(|(_, ceiling)| ceiling)),
        })
        .collect()
}

/// The medians over rounds of a side's runs, and their failed requests.
fn latency<'a>(runs: impl Iterator<Item = &'a Stats>) -> Latency {
    let runs: Vec<&Stats> = runs.collect();
    let middle = |pick: fn(&Stats) -> Duration| {
        let mut values: Vec<Duration> = runs.iter().map(|s| pick(s)).collect();
        values.sort_unstable();
        median(&values)
    };
    Latency {
        p50: middle(|s| s.p50),
        p99: middle(|s| s.p99),
        errors: runs.iter().map(|s| s.errors).sum(),
    }
}

/// The same requests to both sides.
fn same(op: &'static str, make: Arc<MakeRequest>) -> Op {
    (op, Arc::clone(&make), make)
}

/// A GET of `uri` every time.
fn fixed(uri: String) -> Arc<MakeRequest> {
    Arc::new(move |_: usize, _: u64| scim_get(&uri))
}

/// The users axis: users added to reach each count, then the reads and writes on them.
async fn users_axis(servers: &Servers, sizes: &[usize], plan: Plan) -> Result<Axis, BoxError> {
    // One counter for every point and both sides, so each POST names a new user.
    let post = post_new_user();
    let mut seeded = 0;
    let mut points = Vec::new();
    for &size in sizes {
        let started = Instant::now();
        sql::add_users(&servers.pool, "user", seeded, size - seeded).await?;
        seeded = size;
        sqlx::query("ANALYZE").execute(&servers.pool).await?;
        let ids = Arc::new(sql::user_ids(&servers.pool, "user%").await?);
        println!(
            "users: {size} seeded in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let ops = vec![
            same(HIT, lookup_hit(size)),
            same(MISS, lookup_miss()),
            same(GET, get_by_id(&ids)),
            same(POST, Arc::clone(&post)),
            same(DEACTIVATE, deactivate_each(&ids)),
            same(
                FIRST_PAGE,
                fixed(format!("/Users?startIndex=1&count={PAGE}")),
            ),
        ];
        points.extend(measure_at(servers, size, ops, plan).await);
    }
    Ok(Axis {
        title: "Cost against users in the table".to_owned(),
        size_label: "users",
        x_label: "users in the table",
        file: "users.svg",
        linear_x: false,
        points,
    })
}

/// The depth axis: index and cursor pages at positions through all the tenant's users.
async fn depth_axis(servers: &Servers, plan: Plan) -> Result<Axis, BoxError> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts WHERE tenant = $1")
        .bind(sql::TENANT)
        .fetch_one(&servers.pool)
        .await?;
    let total = usize::try_from(total)?;
    let mut depths = vec![
        0,
        total / 4,
        total / 2,
        total / 4 * 3,
        total.saturating_sub(PAGE),
    ];
    depths.dedup();
    let mut points = Vec::new();
    for depth in depths {
        let started = Instant::now();
        let (behind, scim_cursor, ceiling_cursor) = if depth == 0 {
            (0, String::new(), String::new())
        } else {
            let (behind, cursor) = sql::walk_cursor(&servers.scim, depth).await?;
            (behind, cursor, sql::keyset_at(&servers.pool, behind).await?)
        };
        println!(
            "depth: cursor after {behind} users walked in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let position = behind + 1;
        let cursor_page = |cursor: &str| {
            fixed(format!(
                "/Users?sortBy=userName&count={PAGE}&cursor={}",
                query_value(cursor)
            ))
        };
        let ops = vec![
            same(
                INDEX_AT,
                fixed(format!("/Users?startIndex={position}&count={PAGE}")),
            ),
            (
                CURSOR_AT,
                cursor_page(&scim_cursor),
                cursor_page(&ceiling_cursor),
            ),
        ];
        points.extend(measure_at(servers, position, ops, plan).await);
    }
    Ok(Axis {
        title: format!("Cost against page depth, {total} users"),
        size_label: "position",
        x_label: "position of the page's first user",
        file: "depth.svg",
        linear_x: true,
        points,
    })
}

/// The members axis: one group per size, the member toggle on each.
async fn members_axis(
    servers: &Servers,
    sizes: &[usize],
    outsiders: &Arc<Vec<String>>,
    plan: Plan,
) -> Result<Axis, BoxError> {
    let started = Instant::now();
    let mut groups = Vec::new();
    for &size in sizes {
        let group = sql::add_group(&servers.pool, &format!("{size} members"), size).await?;
        groups.push((size, group));
    }
    sqlx::query("ANALYZE").execute(&servers.pool).await?;
    println!(
        "members: groups of {sizes:?} made in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut points = Vec::new();
    for (size, group) in groups {
        let ops = vec![same(MEMBER, member_toggle(&group, outsiders))];
        points.extend(measure_at(servers, size, ops, plan).await);
    }
    Ok(Axis {
        title: "Cost against members of the group".to_owned(),
        size_label: "members",
        x_label: "members of the group",
        file: "members.svg",
        linear_x: false,
        points,
    })
}

/// Prints the axis's table, draws its plot into `dir`; its failed requests.
fn show(axis: &Axis, plan: Plan, dir: &Path) -> Result<u64, BoxError> {
    print!("{}", table(axis, plan));
    let series = series(axis);
    let path = dir.join(axis.file);
    plot::draw(
        &path,
        &Figure {
            title: &axis.title,
            x_label: axis.x_label,
            linear_x: axis.linear_x,
            y_label: "p50 latency (ms), one connection",
            scim_label: "SCIM app (SqlStore)",
            ceiling_label: sql::CEILING,
            series: &series,
        },
    )?;
    println!("plot: {}", path.display());
    Ok(axis
        .points
        .iter()
        .map(|p| p.scim.errors + p.ceiling.errors)
        .sum())
}

/// The operations of an axis in the order first measured.
fn ops(axis: &Axis) -> Vec<&'static str> {
    let mut ops: Vec<&'static str> = Vec::new();
    for point in &axis.points {
        if !ops.contains(&point.op) {
            ops.push(point.op);
        }
    }
    ops
}

/// The axis as a markdown table, an operation's sizes together.
fn table(axis: &Axis, plan: Plan) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "\n### {}\n\none connection, {} per point, median of {} round(s)\n\n\
         | operation | {} | SCIM p50 | ceiling p50 | SCIM p99 | ceiling p99 | p50 SCIM / ceiling |\n\
         |---|---|---|---|---|---|---|\n",
        axis.title,
        show_duration(plan.duration),
        plan.rounds,
        axis.size_label,
    );
    for op in ops(axis) {
        for point in axis.points.iter().filter(|p| p.op == op) {
            let ratio = if point.ceiling.p50.is_zero() {
                "–".to_owned()
            } else {
                format!(
                    "{:.2}×",
                    point.scim.p50.as_secs_f64() / point.ceiling.p50.as_secs_f64()
                )
            };
            let _ = writeln!(
                out,
                "| {op} | {} | {} | {} | {} | {} | {ratio} |",
                point.size,
                show_duration(point.scim.p50),
                show_duration(point.ceiling.p50),
                show_duration(point.scim.p99),
                show_duration(point.ceiling.p99),
            );
        }
    }
    out
}

/// The axis's points as the plot's series: `(size, p50 in ms)`, increasing size.
fn series(axis: &Axis) -> Vec<Series> {
    #[allow(clippy::cast_precision_loss)] // sizes are far below 2^52
    let x = |point: &Point| point.size as f64;
    let ms = |latency: Latency| latency.p50.as_secs_f64() * 1000.0;
    ops(axis)
        .into_iter()
        .map(|op| {
            let mut points: Vec<&Point> = axis.points.iter().filter(|p| p.op == op).collect();
            points.sort_by_key(|p| p.size);
            Series {
                name: op.to_owned(),
                scim: points.iter().map(|p| (x(p), ms(p.scim))).collect(),
                ceiling: points.iter().map(|p| (x(p), ms(p.ceiling))).collect(),
            }
        })
        .collect()
}
