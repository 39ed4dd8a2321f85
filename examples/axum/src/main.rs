//! `cargo run -p example-axum`: a SCIM 2.0 server for Entra ID, Okta and others, with the
//! in-memory store. See README.md.

use std::net::SocketAddr;

use clap::Parser;
use example_axum::{app, credentials, engine, SCIM_PATH};
use tracing_subscriber::EnvFilter;

/// Serves SCIM 2.0 at http://ADDR/scim/v2 with the in-memory store.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The address to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        env = "SCIM_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    listen: SocketAddr,

    /// The bearer token identity providers must send; without one a token is minted and
    /// printed once.
    #[arg(long, value_name = "TOKEN", env = "SCIM_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// The log filter (`info`, `debug`, `example_axum=debug,scimkit_core=info`…).
    #[arg(long, value_name = "FILTER", default_value = "info")]
    log_level: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_new(&args.log_level)
                .map_err(|error| format!("invalid --log-level {:?}: {error}", args.log_level))?,
        )
        .init();
    if args
        .token
        .as_deref()
        .is_some_and(|token| token.trim().is_empty())
    {
        return Err(
            "--token / SCIM_TOKEN is empty: give a long random secret, or none to mint one".into(),
        );
    }

    let creds = credentials(args.token.as_deref())?;
    let scim = engine(creds.tokens)?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;

    println!("SCIM 2.0 service provider (in-memory store)");
    println!("  Tenant URL:   http://{addr}{SCIM_PATH}");
    match &creds.minted {
        Some(token) => println!("  Secret token: {token}   (shown once)"),
        None => println!("  Secret token: the one given with --token / SCIM_TOKEN"),
    }
    println!(
        "Paste both into Entra ID (Provisioning → Admin credentials) or Okta (SCIM connection)."
    );
    tracing::info!(%addr, "listening");

    axum::serve(listener, app(scim))
        .with_graceful_shutdown(shutdown())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C (and SIGTERM on Unix), so in-flight requests finish before exit.
async fn shutdown() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
