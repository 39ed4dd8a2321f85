//! Running catalogued cases one after another against a remote target: the check that the
//! endpoint answers and the token is accepted, the skips, a failure caught with the panic that
//! reported it and the exchanges before it, a time limit per case, and the clean-up of what each
//! case created.
//!
//! Cases run one at a time: a case that counts the tenant's resources must not see another's.

use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::catalogue::{Case, Needs};
use crate::remote::RemoteTarget;
use crate::tool::report::{CaseReport, Report, Verdict};

/// The panic messages (with their location) raised since the last [`take_panics`].
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Replaces the process's panic hook with one that keeps each message for the report instead
/// of printing it. Once per process.
fn capture_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            if let Ok(mut panics) = PANICS.lock() {
                panics.push(info.to_string());
            }
        }));
    });
}

fn take_panics() -> Vec<String> {
    PANICS
        .lock()
        .map(|mut panics| std::mem::take(&mut *panics))
        .unwrap_or_default()
}

/// Why the run cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable(pub String);

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unusable {}

/// What the runner tells its caller while it works.
#[derive(Debug)]
pub enum Progress<'a> {
    /// A case starts.
    Started(&'a Case),
    /// A case ended (passed, failed or skipped).
    Finished(&'a CaseReport),
}

/// How many users and groups the tenant holds.
async fn holdings(target: &RemoteTarget) -> Result<(u64, u64), Unusable> {
    let users = count(target, "Users").await?;
    // A server without groups holds none.
    let groups = count(target, "Groups").await.unwrap_or(0);
    Ok((users, groups))
}

/// `totalResults` of `GET /{endpoint}?count=0`.
async fn count(target: &RemoteTarget, endpoint: &str) -> Result<u64, Unusable> {
    let url = format!("{}/{endpoint}?count=0", target.base);
    let response = target
        .http
        .get(&url)
        .bearer_auth(&target.token)
        .send()
        .await
        .map_err(|e| Unusable(format!("GET {url}: no answer: {e}")))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(Unusable(format!(
            "GET {url}: the token is refused ({status}): {body}"
        )));
    }
    if status != StatusCode::OK {
        return Err(Unusable(format!("GET {url}: {status}: {body}")));
    }
    serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("totalResults").and_then(Value::as_u64))
        .ok_or_else(|| {
            Unusable(format!(
                "GET {url}: not a SCIM list response (no integer totalResults): {body}"
            ))
        })
}

/// Checks that the endpoint answers a list request with the token.
pub async fn preflight(target: &RemoteTarget) -> Result<(), Unusable> {
    holdings(target).await.map(|_| ())
}

/// Runs `cases` against `target` (which [`crate::remote::Remote::connect`] has made the
/// remote target), `limit` for each, telling `progress` as it goes.
pub async fn run(
    target: &RemoteTarget,
    cases: &[Case],
    limit: Duration,
    mut progress: impl FnMut(Progress<'_>),
) -> Report {
    capture_panics();
    let started = Instant::now();
    let mut reports = Vec::with_capacity(cases.len());
    for case in cases {
        progress(Progress::Started(case));
        let report = run_one(target, case, limit).await;
        progress(Progress::Finished(&report));
        reports.push(report);
    }
    Report::new(&target.base, reports, started.elapsed())
}

/// One case: skipped, or run and cleaned up after.
async fn run_one(target: &RemoteTarget, case: &Case, limit: Duration) -> CaseReport {
    if let Some(reason) = skip_reason(target, case).await {
        return CaseReport::skipped(case, reason);
    }
    target.recorder.reset();
    take_panics();
    let started = Instant::now();
    let task = tokio::spawn((case.run)());
    let abort = task.abort_handle();
    let outcome = tokio::time::timeout(limit, task).await;
    let seconds = started.elapsed().as_secs_f64();
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) if error.is_panic() => Some(
            take_panics()
                .into_iter()
                .next()
                .unwrap_or_else(|| "the case panicked without a message".to_owned()),
        ),
        Ok(Err(error)) => Some(format!("the case was stopped: {error}")),
        Err(_) => {
            abort.abort();
            Some(format!(
                "did not finish within {} s (--case-timeout)",
                limit.as_secs()
            ))
        }
    };
    let (exchanges, in_all) = target.recorder.exchanges();
    let leftovers = clean_up(target).await;
    CaseReport {
        suite: case.suite,
        name: case.name,
        verdict: if failure.is_some() {
            Verdict::Failed
        } else {
            Verdict::Passed
        },
        reason: failure.clone(),
        seconds,
        exchanges: if failure.is_some() {
            exchanges
        } else {
            Vec::new()
        },
        exchanges_in_all: in_all,
        leftovers,
    }
}

/// Why `case` cannot run against `target`, if it cannot.
async fn skip_reason(target: &RemoteTarget, case: &Case) -> Option<String> {
    match case.needs {
        Needs::Nothing => None,
        Needs::Server(reason) => Some(reason.to_owned()),
        Needs::EmptyTenant => match holdings(target).await {
            Ok((0, 0)) => None,
            Ok((users, groups)) => Some(format!(
                "counts every resource of the tenant, which holds {users} users and {groups} \
                 groups: run it against an empty tenant"
            )),
            Err(error) => Some(format!("cannot count the tenant's resources: {error}")),
        },
    }
}

/// Deletes what the case created, newest first; returns what could not be deleted.
async fn clean_up(target: &RemoteTarget) -> Vec<String> {
    let mut leftovers = Vec::new();
    for location in target.recorder.take_created().into_iter().rev() {
        let url = if location.starts_with("http://") || location.starts_with("https://") {
            location
        } else {
            format!("{}/{}", target.base, location.trim_start_matches('/'))
        };
        let answer = target
            .http
            .request(Method::DELETE, &url)
            .bearer_auth(&target.token)
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() || r.status() == StatusCode::NOT_FOUND => {}
            Ok(r) => leftovers.push(format!("{url} (DELETE answered {})", r.status())),
            Err(error) => leftovers.push(format!("{url} (DELETE: {error})")),
        }
    }
    leftovers
}
