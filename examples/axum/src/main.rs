//! `cargo run -p example-axum`: a SCIM 2.0 server for Entra ID, Okta and others, with the
//! in-memory store, or a database with `--database-url` (`sqlite://PATH`, `postgres://…`,
//! `mysql://…`), and with `--admin-token` the settings page at `/admin`. See README.md.

use clap::Parser;
use example_axum::{app, app_with_settings, engine, engine_with_activity, Settings, SCIM_PATH};
use example_host::{print_banner, HostArgs, StoreArgs, TENANT};
use scimkit_core::admin::{Admin, UrlTemplate};
use scimkit_core::context::Tenant;

/// Serves SCIM 2.0 at http://ADDR/scim/v2 with the in-memory store (default) or a SQLite,
/// PostgreSQL or MySQL/MariaDB database (`--database-url`).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    host: HostArgs,

    #[command(flatten)]
    store: StoreArgs,

    /// Serves the settings page at /admin (Tenant URL, secret tokens, provisioning activity)
    /// to whoever signs in with this token. Without it there is no settings page.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SCIM_ADMIN_TOKEN",
        hide_env_values = true
    )]
    admin_token: Option<String>,

    /// The URL identity providers reach this server at (`https://scim.example.com`), for the
    /// Tenant URL the settings page shows; default `http://` + the listen address.
    #[arg(long, value_name = "URL", env = "SCIM_PUBLIC_URL")]
    public_url: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    let creds = cli.host.start()?;
    if cli
        .admin_token
        .as_deref()
        .is_some_and(|token| token.trim().len() < 16)
    {
        return Err(
            "--admin-token / SCIM_ADMIN_TOKEN is too short: give a random secret of 16 \
             characters or more (`openssl rand -hex 32`)"
                .into(),
        );
    }
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
    let listener = tokio::net::TcpListener::bind(cli.host.listen).await?;
    let addr = listener.local_addr()?;

    let router = match cli.admin_token.as_deref() {
        Some(admin_token) => {
            let activity = store.activity_log();
            let scim = engine_with_activity(creds.tokens.clone(), store.clone(), activity.clone())?;
            let public = cli
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}"));
            // One tenant: every tenant's URL is the same (no `{tenant}` in the template).
            let scim_url = format!("{}{SCIM_PATH}", public.trim_end_matches('/'));
            let admin = Admin::builder()
                .tokens(creds.tokens.clone())
                .scim_url(UrlTemplate::new(scim_url))
                .activity_log(activity)
                .build()?;
            app_with_settings(scim, Settings::new(admin, Tenant::new(TENANT), admin_token))
        }
        None => app(engine(creds.tokens.clone(), store.clone())?),
    };
    print_banner("axum", addr, &creds, &store);
    match cli.admin_token {
        Some(_) => println!("  Settings:     http://{addr}/admin   (sign in with --admin-token)"),
        None => println!("  Settings:     off (start with --admin-token to serve /admin)"),
    }

    scimkit_axum::serve(
        listener,
        router,
        cli.host.connection_limits(),
        example_host::shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped");
    Ok(())
}
