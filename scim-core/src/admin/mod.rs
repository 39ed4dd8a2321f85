//! The admin API: what a host's own administration pages call to manage each tenant's SCIM
//! bearer tokens (list, mint, rotate, revoke) and show its SCIM base URL, as the vendors'
//! set-up guides describe ("generate a SCIM token, shown once", "regenerate", "copy the base
//! URL").
//!
//! # This API does no authentication
//!
//! **[`Admin`] answers every request it is given. It does not check who is calling: anyone who
//! can reach it can mint a token for any tenant and take over that tenant's provisioning.**
//! Mount it only behind the host's own administrator authentication and authorisation (a
//! session check, an internal network, a middleware that also checks the caller may manage
//! the tenant in the path), never next to the SCIM endpoints unprotected.
//!
//! # Endpoints
//!
//! Paths are relative to where the host mounts the API; the tenant is a path segment
//! (percent-decoded). Every body is `application/json`.
//!
//! | method and path | answer |
//! |---|---|
//! | `GET /tenants/{tenant}` | `200` `{"tenant", "scimUrl", "tokens": {"total", "active", "lastUsed"}}` |
//! | `GET /tenants/{tenant}/tokens` | `200` `{"tenant", "tokens": [{"id", "label", "created", "expires", "lastUsed"}]}`: never a secret or a hash |
//! | `POST /tenants/{tenant}/tokens` `{"label", "expiresInDays"?}` | `201` `{"secret", "token": {…}, "scimUrl"}`: the secret, this once |
//! | `POST /tenants/{tenant}/tokens/{id}/rotate` (no body, or `{"expiresInDays"?}`) | `200` like a mint: a new secret for the same id and label; the old one is refused at once. Without `expiresInDays` the token keeps its lifetime, counted from now |
//! | `DELETE /tenants/{tenant}/tokens/{id}` | `204`: refused at once |
//! | `GET /tenants/{tenant}/activity?refusals=true&resource={id}&limit={n}` | `200` `{"tenant", "entries": [...]}`: the tenant's provisioning activity ([`crate::activity::ActivityEntry`]), newest first, optionally only refusals or only one resource's, at most `limit` (1–1000, default 100); `404` when no log is plugged in ([`AdminBuilder::activity_log`]) |
//!
//! Times are RFC 3339 in UTC with milliseconds, or `null`. Errors are
//! `{"status", "error", "detail"}`: `404 notFound` (no such endpoint), `404 unknownToken`
//! (the tenant has no such token — also when another tenant has it), `400 invalidJson` /
//! `400 invalidValue` (with what to change), `405` (with `Allow`), `413`, `415`, `503`
//! (the token store did not answer). Responses with a secret carry `Cache-Control: no-store`.
//!
//! This module owns the admin routes, their JSON and the [`TokenAdmin`] contract. It does not
//! authenticate anything, and knows no web framework: the adapters (`scimkit_axum::admin_router`,
//! `scimkit_actix::configure_admin`) hand it `http` requests.
//!
//! ```
//! use std::sync::Arc;
//! use bytes::Bytes;
//! use scimkit_core::admin::{Admin, UrlTemplate};
//! use scimkit_core::auth::BearerTokens;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tokens = Arc::new(BearerTokens::new()); // also the engine's authenticator
//! let admin = Admin::builder()
//!     .tokens(Arc::clone(&tokens))
//!     .scim_url(UrlTemplate::new("https://api.example.com/scim/v2/{tenant}"))
//!     .build()?;
//!
//! let mint = http::Request::post("/tenants/acme/tokens")
//!     .header("content-type", "application/json")
//!     .body(Bytes::from(r#"{"label": "Entra ID", "expiresInDays": 365}"#))?;
//! let response = admin.handle(mint).await;
//! assert_eq!(response.status(), 201);
//! let body: serde_json::Value = serde_json::from_slice(response.body())?;
//! assert!(body["secret"].as_str().is_some_and(|s| s.starts_with("scim_")));
//! assert_eq!(body["scimUrl"], "https://api.example.com/scim/v2/acme");
//! assert_eq!(tokens.len(), 1);
//! # Ok(())
//! # }
//! ```

mod body;
mod builder;
mod problem;
mod route;
mod scim_url;
mod tokens;
mod views;

use std::fmt::Display;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use futures_util::{FutureExt, Stream};
use http::{header, HeaderValue, Method, Request, Response, StatusCode};

pub use builder::{AdminBuildError, AdminBuilder, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES};
pub use problem::ADMIN_JSON;
pub use scim_url::{ScimUrl, UrlTemplate};
pub use tokens::{TokenAdmin, TokenAdminError};
pub use views::{MAX_ACTIVITY_LIMIT, MAX_EXPIRES_IN_DAYS, MAX_LABEL_CHARS};

use crate::auth::TokenId;
use crate::context::Tenant;
use problem::Problem;
use route::Route;

/// The admin API, framework-free: [`Admin::handle`] answers an `http::Request<Bytes>`. Cheap to
/// clone (an `Arc`); build it with [`Admin::builder`]. **It does no authentication** (see the
/// [module documentation](self)).
#[derive(Clone)]
pub struct Admin {
    inner: Arc<Inner>,
}

struct Inner {
    tokens: Arc<dyn TokenAdmin>,
    scim_url: Option<Arc<dyn ScimUrl>>,
    activity: Option<Arc<dyn crate::activity::ActivityLog>>,
    max_body_bytes: usize,
    body_timeout: Option<Duration>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("scim_url", &self.inner.scim_url.is_some())
            .field("activity", &self.inner.activity.is_some())
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// A JSON response.
fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ADMIN_JSON));
    response
}

/// `path` without `prefix` (unchanged when it does not start with it).
fn relative<'p>(path: &'p str, prefix: &str) -> &'p str {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return path;
    }
    path.strip_prefix(prefix).unwrap_or(path)
}

impl Admin {
    /// A builder.
    pub fn builder() -> AdminBuilder {
        AdminBuilder::default()
    }

    /// The largest request body read, in bytes ([`AdminBuilder::max_body_bytes`]).
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// `tenant`'s SCIM base URL, if the builder was given a way to build it.
    pub fn scim_url(&self, tenant: &Tenant) -> Option<String> {
        self.inner.scim_url.as_ref().map(|url| url.scim_url(tenant))
    }

    /// Answers a request whose path is relative to the mount point (`/tenants/acme/tokens`).
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.handle_with(request, "").await
    }

    /// Answers a request whose path starts with `prefix`, the mount point (`/admin/scim`;
    /// removed when present). Never panics on any input: a panic in the token store is caught
    /// and answered `500`. A body over [`Admin::max_body_bytes`] is `413`.
    pub async fn handle_with(&self, request: Request<Bytes>, prefix: &str) -> Response<Bytes> {
        let (head, body) = request.into_parts();
        if body.len() > self.inner.max_body_bytes {
            return body::too_large(self.inner.max_body_bytes).response();
        }
        self.guarded(&head, body, prefix).await
    }

    /// Answers a request whose body is still a stream of chunks (a framework's body), as the
    /// adapters do: an unknown path or method is answered without reading the body; the body is
    /// read up to [`Admin::max_body_bytes`] (a larger `Content-Length` is refused first) within
    /// the body timeout. `prefix` is the mount point, removed from the path when present (empty
    /// when the path is already relative).
    pub async fn handle_stream<S, E>(
        &self,
        head: http::request::Parts,
        body: S,
        prefix: &str,
    ) -> Response<Bytes>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Display,
    {
        if let Err(problem) = Self::check_head(&head, prefix) {
            return problem.response();
        }
        let declared = crate::engine::content_length(&head.headers);
        let body = match body::read(
            body,
            declared,
            self.inner.max_body_bytes,
            self.inner.body_timeout,
        )
        .await
        {
            Ok(body) => body,
            Err(problem) => return problem.response(),
        };
        self.guarded(&head, body, prefix).await
    }

    /// The route of a request head, or its `404`/`405`.
    fn check_head(head: &http::request::Parts, prefix: &str) -> Result<Route, Problem> {
        let path = relative(head.uri.path(), prefix);
        let route = route::route(path).ok_or_else(|| Problem::not_found(path))?;
        let allowed = route.allowed();
        if allowed.split(", ").any(|m| m == head.method.as_str()) {
            Ok(route)
        } else {
            Err(Problem::method_not_allowed(&head.method, allowed))
        }
    }

    /// [`Admin::answer`], with a panic answered `500`.
    async fn guarded(
        &self,
        head: &http::request::Parts,
        body: Bytes,
        prefix: &str,
    ) -> Response<Bytes> {
        let work = AssertUnwindSafe(self.answer(head, body, prefix)).catch_unwind();
        match work.await {
            Ok(Ok(response)) => response,
            Ok(Err(problem)) => problem.response(),
            Err(_) => {
                tracing::error!("the token store panicked during an admin request");
                Problem::internal().response()
            }
        }
    }

    async fn answer(
        &self,
        head: &http::request::Parts,
        body: Bytes,
        prefix: &str,
    ) -> Result<Response<Bytes>, Problem> {
        let route = Self::check_head(head, prefix)?;
        let tokens = &*self.inner.tokens;
        match route {
            Route::Tenant(tenant) => {
                let infos = tokens.list(&tenant).await?;
                let url = self.scim_url(&tenant);
                let view = views::tenant(&tenant, url.as_deref(), &infos, Utc::now());
                Ok(json_response(StatusCode::OK, &view))
            }
            Route::Tokens(tenant) if head.method == Method::GET => {
                let infos = tokens.list(&tenant).await?;
                Ok(json_response(
                    StatusCode::OK,
                    &views::token_list(&tenant, &infos),
                ))
            }
            Route::Tokens(tenant) => self.mint(head, &body, &tenant).await,
            Route::Rotate(tenant, id) => self.rotate(head, &body, &tenant, &id).await,
            Route::Token(tenant, id) => {
                tokens.revoke(&tenant, &id).await?;
                let mut response = Response::new(Bytes::new());
                *response.status_mut() = StatusCode::NO_CONTENT;
                Ok(response)
            }
            Route::Activity(tenant) => self.activity(head, &tenant).await,
        }
    }

    /// The tenant's activity, newest first, filtered by the query string: `refusals=true`,
    /// `resource=<id>`, `limit=<1..=1000>` (default 100).
    async fn activity(
        &self,
        head: &http::request::Parts,
        tenant: &Tenant,
    ) -> Result<Response<Bytes>, Problem> {
        let Some(log) = &self.inner.activity else {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "notFound",
                "this admin API serves no activity log (AdminBuilder::activity_log)",
            ));
        };
        let query = views::activity_query(head.uri.query().unwrap_or(""))
            .map_err(|(field, detail)| Problem::invalid(field, detail))?;
        let entries = log.recent(tenant, &query).await.map_err(|error| {
            tracing::warn!(%error, "the activity log cannot be read");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the activity log cannot be read right now; try again",
            )
        })?;
        Ok(json_response(
            StatusCode::OK,
            &views::activity(tenant, &entries),
        ))
    }

    async fn mint(
        &self,
        head: &http::request::Parts,
        body: &Bytes,
        tenant: &Tenant,
    ) -> Result<Response<Bytes>, Problem> {
        let request: views::MintRequest = parse_json(head, body)?.ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalidJson",
                "the body is empty: send {\"label\": \"…\", \"expiresInDays\": 365} \
                 (expiresInDays optional)",
            )
        })?;
        let label = views::check_label(&request.label).map_err(|e| Problem::invalid("label", e))?;
        let expires_at = views::expiry(Utc::now(), &request.expires_in_days)
            .map_err(|e| Problem::invalid("expiresInDays", e))?;
        let minted = self.inner.tokens.mint(tenant, label, expires_at).await?;
        Ok(self.secret_response(StatusCode::CREATED, &minted, tenant))
    }

    async fn rotate(
        &self,
        head: &http::request::Parts,
        body: &Bytes,
        tenant: &Tenant,
        id: &TokenId,
    ) -> Result<Response<Bytes>, Problem> {
        let request: views::RotateRequest = parse_json(head, body)?.unwrap_or_default();
        let now = Utc::now();
        let given = views::expiry(now, &request.expires_in_days)
            .map_err(|e| Problem::invalid("expiresInDays", e))?;
        let expires_at = match given {
            Some(at) => Some(at),
            // The token keeps its lifetime, counted from now.
            None => {
                let infos = self.inner.tokens.list(tenant).await?;
                let info = infos.iter().find(|info| &info.id == id).ok_or_else(|| {
                    TokenAdminError::UnknownToken {
                        tenant: tenant.clone(),
                        id: id.clone(),
                    }
                })?;
                // A lifetime that cannot be counted from now (a stored expiry near the end of
                // time) keeps the stored expiry.
                info.expires_at
                    .map(|at| now.checked_add_signed(at - info.created).unwrap_or(at))
            }
        };
        let minted = self.inner.tokens.rotate(tenant, id, expires_at).await?;
        Ok(self.secret_response(StatusCode::OK, &minted, tenant))
    }

    /// The response carrying a new secret: never cached.
    fn secret_response(
        &self,
        status: StatusCode,
        minted: &crate::auth::MintedToken,
        tenant: &Tenant,
    ) -> Response<Bytes> {
        let url = self.scim_url(tenant);
        let mut response = json_response(status, &views::minted(minted, url.as_deref()));
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The JSON body of a request, `None` when it is empty; `415` for a `Content-Type` that is not
/// JSON, `400 invalidJson` naming what is wrong.
fn parse_json<T: serde::de::DeserializeOwned>(
    head: &http::request::Parts,
    body: &Bytes,
) -> Result<Option<T>, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if let Some(kind) = head.headers.get(header::CONTENT_TYPE) {
        let essence = kind
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence != ADMIN_JSON && !essence.ends_with("+json") {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupportedMediaType",
                format!("the body must be {ADMIN_JSON}, not {essence:?}"),
            ));
        }
    }
    let invalid = |detail: String| Problem::new(StatusCode::BAD_REQUEST, "invalidJson", detail);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| invalid(format!("the body is not valid JSON: {error}")))?;
    if !value.is_object() {
        return Err(invalid(
            "the body must be a JSON object, e.g. {\"label\": \"Entra ID\", \"expiresInDays\": 365}"
                .to_owned(),
        ));
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|error| invalid(format!("the body is not a valid request: {error}")))
}
