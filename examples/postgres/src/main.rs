//! `cargo run -p example-postgres`: a SCIM 2.0 server on axum whose users and groups are the
//! app's PostgreSQL tables. See README.md.

use clap::Parser;
use example_host::{print_banner, HostArgs};
use example_postgres::{app, engine, PgStore, DEFAULT_DATABASE_URL};

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
    let store = PgStore::connect(&cli.database_url, &cli.schema)
        .await
        .map_err(|e| format!("cannot use {}: {e}", cli.database_url))?;
    let scim = engine(store, creds.tokens.clone())?;
    let listener = tokio::net::TcpListener::bind(cli.host.listen).await?;
    let addr = listener.local_addr()?;
    print_banner("axum + PostgreSQL", addr, &creds);
    axum::serve(listener, app(scim))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await?;
    Ok(())
}
