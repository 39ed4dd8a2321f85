//! Runs the harness briefly (200 users, 200 ms per scenario) so CI keeps it working.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn harness_runs_every_scenario_without_errors() {
    let output = Command::new(env!("CARGO_BIN_EXE_example-bench"))
        .args([
            "--users",
            "200",
            "--duration",
            "200ms",
            "--connections",
            "2",
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
        "userName lookup, hit",
        "userName lookup, miss",
        "`GET /Users/{id}`",
        "`startIndex=1&count=100`",
        "`startIndex=101&count=100`",
        "`POST /Users`",
        "member add/remove, group of N",
        "member add/remove, group of 10",
        "deactivate user (PATCH)",
        "VmRSS per user",
        "failed requests: 0",
    ] {
        assert!(stdout.contains(row), "missing {row:?} in:\n{stdout}");
    }
}
