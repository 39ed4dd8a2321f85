//! The rows both modes measure and the table they print: each row is a scenario and the
//! baseline it is compared to, run alternately `--rounds` times; the table shows the median
//! run of each side, the median of the per-round ratios and their range. Holds no scenario
//! of its own and builds no server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::driver::{drive, MakeRequest, Stats};

/// A server and the requests to send it.
pub type Side = (SocketAddr, Arc<MakeRequest>);

/// One line of the table: a scenario and the baseline it is compared to.
pub struct Row {
    /// The `--only` name.
    pub key: &'static str,
    pub name: String,
    pub scenario: Side,
    pub base_name: &'static str,
    pub base: Side,
    /// The least ratio asked for, if any.
    pub target: Option<f64>,
}

/// How the rows run: connections per run, time per run, rounds per row.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub connections: usize,
    pub duration: Duration,
    pub rounds: usize,
}

/// A row with its `(scenario, baseline)` runs, one pair per round.
pub struct Measured<'a> {
    pub row: &'a Row,
    pub pairs: Vec<(Stats, Stats)>,
}

/// Runs the rows `only` selects (all when empty), baseline then scenario in each round, so
/// drifting machine load hits both alike.
pub async fn measure<'a>(rows: &'a [Row], only: &[String], plan: Plan) -> Vec<Measured<'a>> {
    let mut measured = Vec::new();
    for row in rows
        .iter()
        .filter(|row| only.is_empty() || only.iter().any(|o| o == row.key))
    {
        let mut pairs = Vec::with_capacity(plan.rounds);
        for _ in 0..plan.rounds {
            let (addr, make) = &row.base;
            let base = drive(*addr, plan.connections, plan.duration, Arc::clone(make)).await;
            let (addr, make) = &row.scenario;
            let scenario = drive(*addr, plan.connections, plan.duration, Arc::clone(make)).await;
            pairs.push((scenario, base));
        }
        measured.push(Measured { row, pairs });
    }
    measured
}

/// Prints the table (after a line saying how it was run, ending with `what`) and returns the
/// failed requests of every run.
pub fn print_table(measured: &[Measured<'_>], plan: Plan, what: &str) -> u64 {
    println!(
        "\n{} connection(s), {} per run, {} round(s) of baseline then scenario, {what}\n",
        plan.connections,
        show_duration(plan.duration),
        plan.rounds,
    );
    println!("| scenario | req/s | p50 | p99 | baseline | req/s | p50 | p99 | ratio (median) | ratio range | target | met |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut errors = 0;
    for Measured { row, pairs } in measured {
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
    errors
}

/// The middle value of sorted values (the lower middle for an even count; the default when
/// there are none).
pub fn median<T: Copy + Default>(sorted: &[T]) -> T {
    sorted
        .get(sorted.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

/// The run with the median throughput.
fn median_run<'a>(runs: impl Iterator<Item = &'a Stats>) -> Stats {
    let mut runs: Vec<&Stats> = runs.collect();
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    runs.get(runs.len().saturating_sub(1) / 2)
        .map_or_else(Stats::default, |s| (*s).clone())
}

/// `1.2 ms` from 10 ms up, else whole microseconds.
pub fn show_duration(d: Duration) -> String {
    let micros = d.as_micros();
    if micros >= 10_000 {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{micros} µs")
    }
}
