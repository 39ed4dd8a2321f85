//! `cargo run -p example-axum`: a SCIM 2.0 server for Entra ID, Okta and others, with the
//! in-memory store, or a database with `--database-url` (`sqlite://PATH`, `postgres://…`,
//! `mysql://…`). See README.md.

use clap::Parser;
use example_axum::{app, engine};
use example_host::{print_banner, HostArgs, StoreArgs};

/// Serves SCIM 2.0 at http://ADDR/scim/v2 with the in-memory store (default) or a SQLite,
/// PostgreSQL or MySQL/MariaDB database (`--database-url`).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    host: HostArgs,

    #[command(flatten)]
    store: StoreArgs,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let creds = cli.host.start()?;
    let store = cli
        .store
        .open()
        .await
        .map_err(|e| format!("--database-url / SCIM_DATABASE_URL: {e}"))?
        .with_cursor_key(cli.host.cursor_key);
    let creds = store
        .credentials(creds, cli.host.token.as_deref())
        .await
        .map_err(|e| format!("--database-url / SCIM_DATABASE_URL: {e}"))?;
    let scim = engine(creds.tokens.clone(), store.clone())?;
    let listener = tokio::net::TcpListener::bind(cli.host.listen).await?;
    let addr = listener.local_addr()?;
    print_banner("axum", addr, &creds, &store);

    scimkit_axum::serve(
        listener,
        app(scim),
        cli.host.connection_limits(),
        example_host::shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped");
    Ok(())
}
