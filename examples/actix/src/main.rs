//! `cargo run -p example-actix`: a SCIM 2.0 server for Entra ID, Okta and others on actix-web,
//! with the in-memory store. See README.md.

use std::net::SocketAddr;

use actix_web::{App, HttpServer};
use clap::Parser;
use example_actix::{configure_app, credentials, engine, SCIM_PATH};
use tracing_subscriber::EnvFilter;

/// Serves SCIM 2.0 at http://ADDR/scim/v2 with the in-memory store.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The address to listen on.
    #[arg(long, env = "SCIM_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// The bearer token identity providers must send; without one a token is minted and
    /// printed once.
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// The log filter (`info`, `debug`, `example_actix=debug,scimkit_core=info`…).
    #[arg(long, default_value = "info")]
    log_level: String,
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&args.log_level)?)
        .init();

    let creds = credentials(args.token.as_deref())?;
    let scim = engine(creds.tokens)?;
    let server = HttpServer::new(move || {
        let scim = scim.clone();
        App::new().configure(move |cfg| configure_app(cfg, scim))
    })
    .bind(args.listen)?;
    let addr = server.addrs().first().copied().unwrap_or(args.listen);

    println!("SCIM 2.0 service provider on actix-web (in-memory store)");
    println!("  Tenant URL:   http://{addr}{SCIM_PATH}");
    match &creds.minted {
        Some(token) => println!("  Secret token: {token}   (shown once)"),
        None => println!("  Secret token: the one given with --token / SCIM_TOKEN"),
    }
    println!(
        "Paste both into Entra ID (Provisioning → Admin credentials) or Okta (SCIM connection)."
    );
    tracing::info!(%addr, "listening");

    // actix-web stops on Ctrl-C (SIGINT) and SIGTERM, letting in-flight requests finish.
    server.run().await?;
    tracing::info!("stopped");
    Ok(())
}
