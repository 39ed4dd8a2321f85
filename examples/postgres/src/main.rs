//! `cargo run -p example-postgres`: a SCIM 2.0 server on axum whose users and groups are the
//! app's PostgreSQL tables, through scimkit-sql. See README.md.

use clap::Parser;
use example_host::{HostArgs, SCIM_PATH};
use example_postgres::{app, engine, open, DEFAULT_DATABASE_URL};

/// Serves SCIM 2.0 at http://ADDR/scim/v2 over PostgreSQL tables.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    host: HostArgs,

    /// The PostgreSQL database.
    #[arg(long, value_name = "URL", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,

    /// The schema holding the app's tables (created when missing).
    #[arg(long, value_name = "NAME", default_value = "app")]
    schema: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let creds = cli.host.start()?;
    let (_db, store) = open(&cli.database_url, &cli.schema, cli.host.cursor_key)
        .await
        .map_err(|e| format!("cannot use {}: {e}", cli.database_url))?;
    let scim = engine(store, creds.tokens.clone())?;
    let listener = tokio::net::TcpListener::bind(cli.host.listen).await?;
    let addr = listener.local_addr()?;
    println!(
        "SCIM 2.0 service provider on axum (PostgreSQL schema {:?})",
        cli.schema
    );
    println!("  Tenant URL:   http://{addr}{SCIM_PATH}");
    match &creds.minted {
        Some(token) => println!("  Secret token: {token}   (shown once)"),
        None => println!("  Secret token: the one given with --token / SCIM_TOKEN"),
    }
    tracing::info!(%addr, "listening");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    };
    scimkit_axum::serve(listener, app(scim), cli.host.connection_limits(), shutdown).await?;
    Ok(())
}
