//! The result of a run: a verdict per case, with the exchanges behind each failure, as text
//! for a person and as JSON for a machine.
//!
//! This module renders; it runs nothing.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::catalogue::Case;
use crate::remote::Exchange;

/// A case's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// It ran and every expectation held.
    Passed,
    /// An expectation failed, the server did not answer, or the case ran out of time.
    Failed,
    /// It did not run (the reason says why).
    Skipped,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Passed => "PASS",
            Verdict::Failed => "FAIL",
            Verdict::Skipped => "SKIP",
        }
    }
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    /// Its suite.
    pub suite: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Passed, failed or skipped.
    pub verdict: Verdict,
    /// Why it failed (the expectation and where it is written) or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How long it ran.
    pub seconds: f64,
    /// The last exchanges before a failure, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    /// How many exchanges the case made in all.
    pub exchanges_in_all: usize,
    /// Resources it created that could not be deleted afterwards.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<String>,
}

impl CaseReport {
    /// A case that did not run.
    pub fn skipped(case: &Case, reason: String) -> CaseReport {
        CaseReport {
            suite: case.suite,
            name: case.name,
            verdict: Verdict::Skipped,
            reason: Some(reason),
            seconds: 0.0,
            exchanges: Vec::new(),
            exchanges_in_all: 0,
            leftovers: Vec::new(),
        }
    }

    /// One line: verdict, suite, name, and the time or the reason for a skip.
    pub fn line(&self) -> String {
        let tail = match self.verdict {
            Verdict::Skipped => self.reason.clone().unwrap_or_default(),
            _ => format!("{:.2} s", self.seconds),
        };
        format!(
            "{}  {:<12} {:<42} {tail}",
            self.verdict.label(),
            self.suite,
            self.name
        )
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The endpoint.
    pub target: String,
    /// How many cases passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// How many were skipped.
    pub skipped: usize,
    /// How long the run took.
    pub seconds: f64,
    /// Each case, in the order run.
    pub cases: Vec<CaseReport>,
}

impl Report {
    /// The report of `cases`, run against `target` in `elapsed`.
    pub fn new(target: &str, cases: Vec<CaseReport>, elapsed: Duration) -> Report {
        let of = |verdict| cases.iter().filter(|c| c.verdict == verdict).count();
        Report {
            target: target.to_owned(),
            passed: of(Verdict::Passed),
            failed: of(Verdict::Failed),
            skipped: of(Verdict::Skipped),
            seconds: elapsed.as_secs_f64(),
            cases,
        }
    }

    /// The summary line.
    pub fn summary(&self) -> String {
        format!(
            "{} cases against {}: {} passed, {} failed, {} skipped in {:.1} s",
            self.cases.len(),
            self.target,
            self.passed,
            self.failed,
            self.skipped,
            self.seconds
        )
    }

    /// The report as text: a line per case, each failure with its exchanges, what could not
    /// be cleaned up, and the summary.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for case in &self.cases {
            let _ = writeln!(out, "{}", case.line());
        }
        for case in self.cases.iter().filter(|c| c.verdict == Verdict::Failed) {
            let _ = writeln!(out, "\nFAILED {}::{}", case.suite, case.name);
            for line in case.reason.as_deref().unwrap_or("").lines() {
                let _ = writeln!(out, "  {line}");
            }
            if !case.exchanges.is_empty() {
                let _ = writeln!(
                    out,
                    "  the last {} of its {} exchanges, oldest first:",
                    case.exchanges.len(),
                    case.exchanges_in_all
                );
                for exchange in &case.exchanges {
                    write_exchange(&mut out, exchange);
                }
            }
        }
        let leftovers: Vec<&String> = self.cases.iter().flat_map(|c| &c.leftovers).collect();
        if !leftovers.is_empty() {
            let _ = writeln!(out, "\nNot deleted after the run (delete them by hand):");
            for leftover in leftovers {
                let _ = writeln!(out, "  {leftover}");
            }
        }
        let _ = writeln!(out, "\n{}", self.summary());
        out
    }

    /// The report as JSON.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn write_exchange(out: &mut String, exchange: &Exchange) {
    let _ = writeln!(out, "  > {} {}", exchange.method, exchange.url);
    if let Some(body) = &exchange.request_body {
        let _ = writeln!(out, "  > {body}");
    }
    match &exchange.error {
        Some(error) => {
            let _ = writeln!(out, "  < no answer: {error}");
        }
        None => {
            let _ = write!(out, "  < {}", exchange.status);
            for (name, value) in &exchange.headers {
                let _ = write!(out, "  {name}: {value}");
            }
            let _ = writeln!(out);
            if let Some(body) = &exchange.response_body {
                let _ = writeln!(out, "  < {body}");
            }
        }
    }
}
