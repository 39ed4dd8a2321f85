//! `cargo run -p example-custom-store [ADDR]`: SCIM 2.0 at http://ADDR/scim/v2 (default
//! 127.0.0.1:8080, or `SCIM_LISTEN`) over the app's own structs. Prints a bearer token for the
//! organisation `acme` once.

use std::sync::Arc;

use example_custom_store::{app, engine, AppStore};
use scimkit_core::prelude::*;
use scimkit_core::ConnectionLimits;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .init();
    let listen = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("SCIM_LISTEN").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let tokens = Arc::new(BearerTokens::new());
    let minted = tokens.mint(Tenant::new("acme"), "identity-provider", None)?;
    let scim = engine(tokens, AppStore::default())?;
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!(
        "SCIM 2.0 at http://{}/scim/v2 (organisation acme)\nbearer token (shown once): {}",
        listener.local_addr()?,
        minted.token
    );
    // A header timeout and a connection cap (ConnectionLimits' defaults) guard against slow
    // and idle clients.
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    scimkit_axum::serve(listener, app(scim), ConnectionLimits::default(), shutdown).await?;
    Ok(())
}
