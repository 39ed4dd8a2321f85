//! A small host app around SCIM on actix-web: the pieces `main.rs` serves, built here so tests
//! can build the same app.
//!
//! - [`credentials`]: the bearer token identity providers use (given, or minted once);
//! - [`engine`]: the SCIM engine over the in-memory store, with an events hook that logs every
//!   provisioning change;
//! - [`configure_app`]: the host's routes: `/healthz` and SCIM in a scope at [`SCIM_PATH`].

use std::sync::Arc;

use actix_web::web;
use scimkit_core::auth::{BearerTokens, TokenError, TokenId, TokenInfo};
use scimkit_core::context::Tenant;
use scimkit_core::engine::BuildError;
use scimkit_core::events::Change;
use scimkit_core::{InMemoryStore, Scim};

/// Where SCIM is served.
pub const SCIM_PATH: &str = "/scim/v2";

/// The one tenant of this example (every token acts for it).
pub const TENANT: &str = "default";

/// The token table and, when it was minted here, the token's text (to print once).
#[derive(Debug)]
pub struct Credentials {
    /// The token table the engine checks.
    pub tokens: Arc<BearerTokens>,
    /// The freshly minted token, `None` when the operator gave one.
    pub minted: Option<String>,
}

/// Registers `token` (only its hash is kept), or mints a new token when there is none.
pub fn credentials(token: Option<&str>) -> Result<Credentials, TokenError> {
    let tokens = Arc::new(BearerTokens::new());
    let minted = match token {
        Some(token) => {
            let info = TokenInfo {
                id: TokenId::new("configured"),
                tenant: Tenant::new(TENANT),
                label: "identity provider".to_owned(),
                created: chrono::Utc::now(),
                expires_at: None,
            };
            tokens.insert_hash(info, BearerTokens::hash_token(token));
            None
        }
        None => Some(
            tokens
                .mint(Tenant::new(TENANT), "identity provider", None)?
                .token,
        ),
    };
    Ok(Credentials { tokens, minted })
}

/// The SCIM engine: in-memory store, bearer tokens, and a hook logging each change.
pub fn engine(tokens: Arc<BearerTokens>) -> Result<Scim, BuildError> {
    Scim::builder()
        .store(InMemoryStore::new())
        .authenticator(tokens)
        .events(log_change)
        .build()
}

/// The events hook: one log line per committed provisioning change. A real host would revoke
/// the sessions of a deactivated user here, or queue a welcome e-mail.
fn log_change(change: &Change) {
    tracing::info!(
        kind = ?change.kind,
        resource_type = %change.resource_type,
        id = %change.id,
        deactivated = change.deactivated,
        "provisioning change"
    );
}

/// The host's routes: `GET /healthz` answers `ok`, SCIM is mounted in a scope at
/// [`SCIM_PATH`]. Use it as `App::new().configure(|cfg| configure_app(cfg, scim.clone()))`.
pub fn configure_app(cfg: &mut web::ServiceConfig, scim: Scim) {
    cfg.route("/healthz", web::get().to(|| async { "ok" }))
        .service(web::scope(SCIM_PATH).configure(scimkit_actix::configure(scim)));
}
