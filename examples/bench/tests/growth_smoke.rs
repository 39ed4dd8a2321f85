//! Runs the growth mode briefly (300 and 1 000 users, groups of up to 1 000 members, 100 ms
//! per point) against the server at `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), so CI keeps it measuring every axis and
//! drawing its three plots.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn growth_mode_prints_the_tables_and_draws_the_plots() {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let plots = std::env::temp_dir().join(format!("growth-smoke-{}", std::process::id()));
    if plots.exists() {
        std::fs::remove_dir_all(&plots).unwrap();
    }
    let output = Command::new(env!("CARGO_BIN_EXE_example-bench"))
        .args([
            "--database-url",
            &url,
            "--growth",
            "--growth-users",
            "300,1000",
            "--duration",
            "100ms",
            "--rounds",
            "1",
            "--plots",
        ])
        .arg(&plots)
        .output()
        .expect("run example-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for line in [
        "### Cost against users in the table",
        "### Cost against page depth",
        "### Cost against members of the group",
        "| operation | users | SCIM p50 | ceiling p50 | SCIM p99 | ceiling p99 |",
        "| userName lookup, hit | 300 |",
        "| userName lookup, hit | 1000 |",
        "| index page (startIndex) | 1 |",
        "| cursor page by userName | 1 |",
        "| member add/remove | 10 |",
        "| member add/remove | 1000 |",
        "failed requests: 0",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    // The members axis is capped by the users present.
    assert!(
        !stdout.contains("| member add/remove | 10000 |"),
        "a group larger than the users in:\n{stdout}"
    );
    for (file, ops) in [
        (
            "users.svg",
            &[
                "userName lookup, hit",
                "userName lookup, miss",
                "GET /Users/{id}",
                "POST /Users",
                "deactivation PATCH",
                "index page 1",
            ][..],
        ),
        (
            "depth.svg",
            &["index page (startIndex)", "cursor page by userName"][..],
        ),
        ("members.svg", &["member add/remove"][..]),
    ] {
        let svg = std::fs::read_to_string(plots.join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}; stdout:\n{stdout}"));
        assert!(svg.contains("<svg"), "{file} is no SVG:\n{svg}");
        for name in ops
            .iter()
            .chain(&["SCIM app (SqlStore)", "hand-written sqlx"])
        {
            assert!(svg.contains(name), "{file}: no {name:?} in its legend");
        }
    }
    std::fs::remove_dir_all(&plots).unwrap();
}
