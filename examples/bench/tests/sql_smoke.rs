//! Runs the PostgreSQL mode briefly (300 users, 200 ms per scenario, a `/Bulk` load of 1 500
//! users) against the server at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), so CI keeps the SQL ceiling serving what the
//! SCIM app serves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn sql_mode_runs_every_scenario_with_the_same_fields_on_both_sides() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let output = Command::new(env!("CARGO_BIN_EXE_example-bench"))
        .args([
            "--database-url",
            &url,
            "--users",
            "300",
            "--duration",
            "200ms",
            "--rounds",
            "1",
            "--bulk-users",
            "1500",
        ])
        .output()
        .expect("run example-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for row in [
        "same fields",
        "userName lookup, hit",
        "userName lookup, miss",
        "`GET /Users/{id}`",
        "`startIndex=1&count=100`",
        "`startIndex=151&count=100`",
        "cursor page by userName at 150",
        "`POST /Users`",
        "member add/remove, group of 300",
        "deactivate user (PATCH)",
        "hand-written sqlx",
        "failed requests: 0",
        "`/Bulk` load of 1500 users, 1000 per request",
    ] {
        assert!(stdout.contains(row), "missing {row:?} in:\n{stdout}");
    }
}
