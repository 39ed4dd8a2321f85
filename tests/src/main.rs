//! `scim-conformance`: runs the suite's HTTP cases — the protocol, hostile input, and each
//! identity provider's provisioning flow — against any deployed SCIM 2.0 endpoint, on scimkit
//! or not, and reports each case with the exchanges behind every failure.
//!
//! ```text
//! cargo run -p scim-conformance -- --url https://staging.example.com/scim/v2 --token "$TOKEN"
//! cargo run -p scim-conformance -- --url … --token … --as okta --as authentik --json report.json
//! cargo run -p scim-conformance -- --list
//! ```
//!
//! Exit status: 0 when no case failed, 1 when one did, 2 when the run could not start.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scim_conformance::catalogue::{catalogue, Case, Needs, IDENTITY_PROVIDERS, SUITES};
use scim_conformance::remote::{Remote, RemoteTarget};
use scim_conformance::tool::report::Verdict;
use scim_conformance::tool::runner::{self, Progress};

/// Runs SCIM conformance cases against a deployed endpoint.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// The tenant URL as pasted into the identity provider, e.g.
    /// https://staging.example.com/scim/v2
    #[arg(long, env = "SCIM_URL", required_unless_present = "list")]
    url: Option<String>,

    /// The bearer token the identity provider would send.
    #[arg(
        long,
        env = "SCIM_TOKEN",
        hide_env_values = true,
        required_unless_present = "list"
    )]
    token: Option<String>,

    /// Run only these suites: an identity provider's flows (entra, okta, authentik, onelogin,
    /// pingfederate, keycloak, jumpcloud) or protocol, hostile, bulk, vendors, transport, admin.
    /// Repeat or separate with commas. Default: every suite.
    #[arg(long = "as", value_name = "SUITE", value_delimiter = ',')]
    suites: Vec<String>,

    /// Run only the cases of these names (see --list). Repeat or separate with commas.
    #[arg(long = "case", value_name = "NAME", value_delimiter = ',')]
    cases: Vec<String>,

    /// Also write the report as JSON to this file (`-`: JSON on standard output, the text
    /// report on standard error).
    #[arg(long, value_name = "PATH")]
    json: Option<String>,

    /// Seconds each request may take.
    #[arg(long, default_value_t = 30)]
    timeout: u64,

    /// Seconds each case may take.
    #[arg(long, default_value_t = 300)]
    case_timeout: u64,

    /// List the cases, their suites and what they need, and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let selected = match select(&cli) {
        Ok(selected) => selected,
        Err(message) => {
            eprintln!("scim-conformance: {message}");
            return ExitCode::from(2);
        }
    };
    if cli.list {
        let mut list = String::new();
        for case in &selected {
            let needs = match case.needs {
                Needs::Nothing => String::new(),
                Needs::EmptyTenant => "needs an empty tenant".to_owned(),
                Needs::Server(reason) => format!("skipped remotely: {reason}"),
            };
            list.push_str(format!("{:<12} {:<42} {needs}", case.suite, case.name).trim_end());
            list.push('\n');
        }
        emit(&mut std::io::stdout(), &list);
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("scim-conformance: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(run(&cli, &selected))
}

/// The cases `--as` and `--case` select, or why the selection is wrong.
fn select(cli: &Cli) -> Result<Vec<Case>, String> {
    for suite in &cli.suites {
        if !SUITES.contains(&suite.as_str()) {
            return Err(format!(
                "--as {suite}: no such suite; identity providers: {}; other suites: {}",
                IDENTITY_PROVIDERS.join(", "),
                SUITES
                    .iter()
                    .filter(|s| !IDENTITY_PROVIDERS.contains(s))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let all = catalogue();
    for name in &cli.cases {
        if !all.iter().any(|c| c.name == name) {
            return Err(format!("--case {name}: no such case (see --list)"));
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| cli.suites.is_empty() || cli.suites.iter().any(|s| s == c.suite))
        .filter(|c| cli.cases.is_empty() || cli.cases.iter().any(|n| n == c.name))
        .collect())
}

async fn run(cli: &Cli, cases: &[Case]) -> ExitCode {
    let (Some(url), Some(token)) = (cli.url.as_deref(), cli.token.as_deref()) else {
        eprintln!("scim-conformance: --url and --token are required");
        return ExitCode::from(2);
    };
    let target = match RemoteTarget::new(url, token, Duration::from_secs(cli.timeout)) {
        Ok(target) => target,
        Err(error) => {
            eprintln!("scim-conformance: {error}");
            return ExitCode::from(2);
        }
    };
    let Ok(target) = Remote::connect(target) else {
        eprintln!("scim-conformance: the remote target is already set");
        return ExitCode::from(2);
    };
    if let Err(error) = runner::preflight(target).await {
        eprintln!("scim-conformance: {error}");
        return ExitCode::from(2);
    }

    let bar = progress_bar(cases.len());
    let report = runner::run(
        target,
        cases,
        Duration::from_secs(cli.case_timeout),
        |event| match event {
            Progress::Started(case) => bar.set_message(format!("{}::{}", case.suite, case.name)),
            Progress::Finished(case) => {
                if case.verdict == Verdict::Failed {
                    bar.println(case.line());
                }
                bar.inc(1);
            }
        },
    )
    .await;
    bar.finish_and_clear();

    if cli.json.as_deref() == Some("-") {
        emit(&mut std::io::stderr(), &report.text());
        emit(&mut std::io::stdout(), &(report.json() + "\n"));
    } else {
        emit(&mut std::io::stdout(), &report.text());
    }
    if let Some(path) = cli.json.as_deref().filter(|p| *p != "-") {
        if let Err(error) = std::fs::write(path, report.json()) {
            eprintln!("scim-conformance: cannot write {path}: {error}");
            return ExitCode::from(2);
        }
    }
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Writes `text` out; a reader that went away (`| head`) is not an error.
fn emit(out: &mut impl std::io::Write, text: &str) {
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// A bar on standard error, drawn only on a terminal.
fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(len).unwrap_or(u64::MAX));
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}
