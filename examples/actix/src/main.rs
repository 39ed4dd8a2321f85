//! `cargo run -p example-actix`: a SCIM 2.0 server for Entra ID, Okta and others on actix-web,
//! with the in-memory store. See README.md.

use actix_web::{App, HttpServer};
use clap::Parser;
use example_actix::{configure_app, engine};
use example_host::{print_banner, HostArgs};

/// Serves SCIM 2.0 at http://ADDR/scim/v2 with the in-memory store.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    host: HostArgs,
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let creds = cli.host.start()?;
    let scim = engine(creds.tokens.clone())?;
    let server = HttpServer::new(move || {
        let scim = scim.clone();
        App::new().configure(move |cfg| configure_app(cfg, scim))
    })
    .bind(cli.host.listen)?;
    let addr = server.addrs().first().copied().unwrap_or(cli.host.listen);
    print_banner("actix-web", addr, &creds);

    // actix-web stops on Ctrl-C (SIGINT) and SIGTERM, letting in-flight requests finish.
    server.run().await?;
    tracing::info!("stopped");
    Ok(())
}
