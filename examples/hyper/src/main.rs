//! `cargo run -p example-hyper`: a SCIM 2.0 server served straight from hyper, with the
//! in-memory store. See README.md.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use example_host::{print_banner, HostArgs, StoreChoice};
use example_hyper::{engine, serve, App};
use scimkit_core::ConnectionLimits;

/// Serves SCIM 2.0 at http://ADDR/scim/v2 from hyper, with the in-memory store.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
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

    /// The log filter (`info`, `debug`, `scimkit_core=debug`…).
    #[arg(long, value_name = "FILTER", default_value = "info")]
    log_level: String,

    /// Seconds a client may take to send a request head, counted from when the server starts
    /// waiting for one; slower or idle connections are closed (1–3600).
    #[arg(
        long,
        value_name = "SECS",
        env = "SCIM_HEADER_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    header_timeout: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    // The flags example-host reads; this server has no connection cap and no database.
    let host = HostArgs {
        listen: cli.listen,
        token: cli.token,
        log_level: cli.log_level,
        header_timeout: cli.header_timeout,
        max_connections: ConnectionLimits::DEFAULT_MAX_CONNECTIONS as u64,
        cursor_key: None,
    };
    let creds = host.start()?;
    let store = StoreChoice::Memory;
    let scim = engine(creds.tokens.clone(), store.clone())?;
    let listener = tokio::net::TcpListener::bind(host.listen).await?;
    let addr = listener.local_addr()?;
    print_banner("hyper", addr, &creds, &store);

    serve(
        listener,
        App::new(scim),
        Duration::from_secs(host.header_timeout),
        example_host::shutdown_signal(),
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}
