//! The `scim-conformance` tool as a user runs it: against example-axum's, example-actix's and
//! example-hyper's apps every case that can run remotely passes and the rest are skipped with a reason; against
//! a server that breaks one behaviour, the case that checks it fails and the report shows the
//! exchange behind the failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;
use std::process::Output;

use scim_conformance::catalogue::{catalogue, Needs};
use scimkit_core::compat::CompatOptions;
use scimkit_core::{ConnectionLimits, InMemoryStore, Scim};
use serde_json::Value;

const TOKEN: &str = "conformance-tool-token";

/// example-axum's app (its engine, its routes) on a loopback port.
async fn example_axum(scim: Scim) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(scimkit_axum::serve(
        listener,
        example_axum::app(scim),
        ConnectionLimits::default(),
        std::future::pending(),
    ));
    addr
}

/// example-actix's app on a loopback port, on its own actix system thread.
fn example_actix(scim: Scim) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                let scim = scim.clone();
                actix_web::App::new().configure(move |cfg| example_actix::configure_app(cfg, scim))
            })
            .workers(2)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run();
            let _ = server.await;
        });
    });
    addr
}

/// The examples' engine, exactly as their `main` builds it over the in-memory store.
fn example_engine() -> Scim {
    let credentials = example_axum::credentials(Some(TOKEN)).unwrap();
    example_axum::engine(credentials.tokens, example_host::StoreChoice::Memory).unwrap()
}

/// Runs the tool against `addr` with `args`; returns its output and the JSON report.
async fn run_tool(addr: SocketAddr, args: &[&str]) -> (Output, Value) {
    let url = format!("http://{addr}/scim/v2");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_scim-conformance"));
    command
        .args(["--url", &url, "--token", TOKEN, "--json", "-"])
        .args(args);
    let output = command.output().await.expect("the tool runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): stdout {} stderr {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

/// Every case that needs no server cooperation passed; every other was skipped with a reason.
fn assert_all_passed(output: &Output, report: &Value) {
    let text = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(report["failed"], 0, "{text}");
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases.len(), catalogue().len());
    for case in catalogue() {
        let got = cases.iter().find(|c| c["name"] == case.name).unwrap();
        match case.needs {
            Needs::Nothing | Needs::EmptyTenant => {
                assert_eq!(got["verdict"], "passed", "{}: {got}", case.name);
            }
            Needs::Server(reason) => {
                assert_eq!(got["verdict"], "skipped", "{}: {got}", case.name);
                assert_eq!(got["reason"], reason);
            }
        }
    }
    assert!(
        text.contains(&format!("{} passed, 0 failed", report["passed"])),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_passes_against_example_axum() {
    let addr = example_axum(example_engine()).await;
    let (output, report) = run_tool(addr, &[]).await;
    assert_all_passed(&output, &report);
    // It deleted what it created: the tenant is empty again, and a second run passes too
    // (the cases that need an empty tenant included).
    for endpoint in ["Users", "Groups"] {
        let list: Value = reqwest::Client::new()
            .get(format!("http://{addr}/scim/v2/{endpoint}?count=0"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["totalResults"], 0, "{endpoint}");
    }
    let (output, report) = run_tool(addr, &[]).await;
    assert_all_passed(&output, &report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_passes_against_example_actix() {
    let addr = example_actix(example_engine());
    let (output, report) = run_tool(addr, &[]).await;
    assert_all_passed(&output, &report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_passes_against_example_hyper() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(example_hyper::serve(
        listener,
        example_hyper::App::new(example_engine()),
        std::time::Duration::from_secs(10),
        std::future::pending(),
    ));
    let (output, report) = run_tool(addr, &[]).await;
    assert_all_passed(&output, &report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_behaviour_fails_its_case_with_the_exchange() {
    // The example's server, except that it refuses a PATCH body without `schemas`, as
    // authentik sends its group renames.
    let credentials = example_axum::credentials(Some(TOKEN)).unwrap();
    let broken = Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(credentials.tokens)
        .compat(CompatOptions {
            patch_without_schemas: false,
            ..CompatOptions::default()
        })
        .build()
        .unwrap();
    let addr = example_axum(broken).await;
    let (output, report) = run_tool(addr, &[]).await;
    let text = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let failed: Vec<&Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{text}");
    let case = failed[0];
    assert_eq!(case["name"], "authentik_sync");
    let last = case["exchanges"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["method"], "PATCH");
    let sent: Value = serde_json::from_str(last["request_body"].as_str().unwrap()).unwrap();
    assert!(sent.get("schemas").is_none(), "{sent}");
    assert_eq!(last["status"], 400, "{last}");
    let answer: Value = serde_json::from_str(last["response_body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["scimType"], "invalidSyntax", "{answer}");
    assert!(
        case["reason"].as_str().unwrap().contains("authentik.rs"),
        "{case}"
    );
    assert!(text.contains("FAILED authentik::authentik_sync"), "{text}");
    assert!(text.contains("> PATCH http://"), "{text}");
    assert!(text.contains("< 400"), "{text}");
}
