//! `cargo run -p example-actix`: a SCIM 2.0 server for Entra ID, Okta and others on actix-web,
//! with the in-memory store, or a database with `--database-url` (`sqlite://PATH`, `postgres://…`,
//! `mysql://…`). See README.md.

use actix_web::{App, HttpServer};
use clap::Parser;
use example_actix::{configure_app, engine};
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

#[actix_web::main]
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
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let server = HttpServer::new(move || {
        let scim = scim.clone();
        App::new().configure(move |cfg| configure_app(cfg, scim))
    });
    let server = scimkit_actix::limit_connections(server, workers, &cli.host.connection_limits())
        .bind(cli.host.listen)?;
    let addr = server.addrs().first().copied().unwrap_or(cli.host.listen);
    print_banner("actix-web", addr, &creds, &store);

    // actix-web stops on Ctrl-C (SIGINT) and SIGTERM, letting in-flight requests finish.
    server.run().await?;
    tracing::info!("stopped");
    Ok(())
}
