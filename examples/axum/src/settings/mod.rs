//! The settings page at `/admin`: what a SaaS's own "SCIM provisioning" settings page shows a
//! customer's administrator — the Tenant URL to copy, the secret tokens (create: shown once;
//! rotate: the old secret refused at once; revoke), and the provisioning activity log (what the
//! identity provider sent, what was refused and why), with filters for refusals and for one
//! resource.
//!
//! Server-rendered HTML (askama templates in `templates/`, one style sheet and one small
//! script in `assets/`), no front-end build step. Everything it shows or changes goes through
//! scimkit's admin API ([`client::AdminClient`]); the same API is served as JSON at
//! `/admin/api` for scripts, with `Authorization: Bearer <admin token>`.
//!
//! Access: the admin token the server was started with (`--admin-token`), exchanged on the
//! sign-in form for a session cookie ([`session`]); every form carries the session's
//! anti-forgery value. Pages are sent with a strict Content-Security-Policy (no inline script),
//! `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.

pub mod client;
pub mod session;
pub mod views;

use std::future::Future;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use scimkit_core::admin::Admin;
use scimkit_core::auth::AuthRequest;
use scimkit_core::context::Tenant;
use serde::Deserialize;

use client::{AdminClient, Refused};
use session::{Session, Sessions, SignInError};
use views::{EntryRow, FilterForm, LoginPage, SecretPage, SettingsPage, TokenRow, DEFAULT_ROWS};

/// The most log rows one page shows.
const MAX_ROWS: usize = 1000;

/// The settings page's state: the admin API for the tenant shown, and the sessions.
#[derive(Debug, Clone)]
pub struct Settings {
    client: AdminClient,
    sessions: Arc<Sessions>,
}

impl Settings {
    /// The page for `tenant`, over `admin` (built with the engine's token table, the SCIM URL
    /// and the engine's activity log), for whoever holds `admin_token`.
    pub fn new(admin: Admin, tenant: Tenant, admin_token: &str) -> Self {
        Settings {
            client: AdminClient::new(admin, tenant),
            sessions: Arc::new(Sessions::new(admin_token)),
        }
    }

    /// The routes: the page at `/admin`, its forms and assets, and the JSON admin API at
    /// `/admin/api` (bearer admin token).
    pub fn router(self) -> Router {
        let api = scimkit_axum::admin_router(self.client.admin().clone()).layer(
            middleware::from_fn_with_state(self.sessions.clone(), admin_bearer),
        );
        Router::new()
            .route("/admin", get(index))
            .route("/admin/", get(|| async { Redirect::to("/admin") }))
            .route("/admin/login", post(login))
            .route("/admin/logout", post(logout))
            .route("/admin/tokens", post(mint))
            .route("/admin/tokens/{id}/rotate", post(rotate))
            .route("/admin/tokens/{id}/revoke", post(revoke))
            .route("/admin/assets/admin.css", get(stylesheet))
            .route("/admin/assets/admin.js", get(script))
            .layer(middleware::map_response(page_headers))
            .with_state(self)
            .nest("/admin/api", api)
    }
}

/// Headers on every page: no caching (tokens and the log are on it), no referrer, no framing,
/// no inline script.
async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// The JSON admin API answers only `Authorization: Bearer <admin token>`.
async fn admin_bearer(
    State(sessions): State<Arc<Sessions>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = AuthRequest {
        method: request.method(),
        path: request.uri().path(),
        headers: request.headers(),
        tenant: None,
    }
    .bearer_token()
    .map(str::to_owned);
    match presented.as_deref() {
        Some(token) if sessions.is_admin_token(token) => next.run(request).await,
        _ => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "the admin API needs Authorization: Bearer <admin token>",
        )
            .into_response(),
    }
}

/// An HTML page with `status`.
fn page(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "the settings page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// The sign-in form, with `error` if the last attempt failed.
fn sign_in_page(status: StatusCode, error: Option<String>) -> Response {
    page(status, &LoginPage { error })
}

/// `GET /admin`'s query: the log filter, and what a redirect reports.
#[derive(Debug, Default, Deserialize)]
struct IndexQuery {
    refusals: Option<String>,
    resource: Option<String>,
    limit: Option<String>,
    done: Option<String>,
}

impl IndexQuery {
    fn filter(&self) -> FilterForm {
        FilterForm {
            refusals: self
                .refusals
                .as_deref()
                .is_some_and(|value| matches!(value, "true" | "on" | "1")),
            resource: self.resource.clone().unwrap_or_default(),
            limit: self
                .limit
                .as_deref()
                .and_then(|limit| limit.trim().parse::<usize>().ok())
                .map_or(DEFAULT_ROWS, |limit| limit.clamp(1, MAX_ROWS)),
        }
    }

    /// The notice for a redirect's `done` (fixed texts: nothing from the URL is shown).
    fn notice(&self) -> Option<String> {
        match self.done.as_deref() {
            Some("revoked") => Some("The token was revoked: it is refused from now on.".to_owned()),
            _ => None,
        }
    }
}

/// The settings page, or the sign-in form without a session.
async fn index(
    State(settings): State<Settings>,
    headers: HeaderMap,
    Query(query): Query<IndexQuery>,
) -> Response {
    let Some(session) = settings.sessions.current(&headers) else {
        return sign_in_page(StatusCode::OK, None);
    };
    settings
        .render(
            &session,
            query.filter(),
            None,
            query.notice(),
            StatusCode::OK,
        )
        .await
}

impl Settings {
    /// The settings page for `session`, its log passing `filter`, with `error` or `notice`.
    async fn render(
        &self,
        session: &Session,
        filter: FilterForm,
        error: Option<String>,
        notice: Option<String>,
        status: StatusCode,
    ) -> Response {
        let mut problems: Vec<String> = error.into_iter().collect();
        let tokens = match self.client.tokens().await {
            Ok(tokens) => tokens.into_iter().map(TokenRow::from).collect(),
            Err(refused) => {
                problems.push(format!("The tokens could not be read: {refused}"));
                Vec::new()
            }
        };
        let entries = match self.client.activity(&filter.to_filter()).await {
            Ok(entries) => entries.into_iter().map(EntryRow::from).collect(),
            Err(refused) => {
                problems.push(format!("The activity log could not be read: {refused}"));
                Vec::new()
            }
        };
        let view = SettingsPage {
            tenant: self.client.tenant().as_str().to_owned(),
            scim_url: self.client.scim_url().unwrap_or_default(),
            csrf: session.csrf.clone(),
            tokens,
            entries,
            filter,
            error: (!problems.is_empty()).then(|| problems.join(" ")),
            notice,
        };
        page(status, &view)
    }

    /// The session of a form post, if it is live and the form carries its anti-forgery value.
    fn authorise(&self, headers: &HeaderMap, csrf: &str) -> Result<Session, Box<Response>> {
        match self.sessions.current(headers) {
            Some(session) if session.accepts(csrf) => Ok(session),
            Some(_) => Err(Box::new(
                (
                    StatusCode::FORBIDDEN,
                    "the form is out of date or was not sent by the settings page: reload /admin",
                )
                    .into_response(),
            )),
            None => Err(Box::new(sign_in_page(
                StatusCode::UNAUTHORIZED,
                Some("Your session has ended: sign in again.".to_owned()),
            ))),
        }
    }

    /// The page showing a minted or rotated token's secret, with the SCIM URL the admin API
    /// answered with it.
    fn secret_page(minted: client::Minted, rotated: bool) -> Response {
        page(
            if rotated {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            &SecretPage {
                scim_url: minted.scim_url.unwrap_or_default(),
                label: minted.token.label,
                secret: minted.secret,
                rotated,
                expires: minted.token.expires.as_deref().map(views::when),
            },
        )
    }

    /// Runs a form's `action` for a signed-in administrator whose form carries the session's
    /// anti-forgery value ([`Settings::authorise`]); its refusal is shown on the settings
    /// page after `failure` ("The token was not created").
    async fn form_action<F, Fut>(
        self,
        headers: &HeaderMap,
        csrf: &str,
        failure: &str,
        action: F,
    ) -> Response
    where
        F: FnOnce(Settings) -> Fut,
        Fut: Future<Output = Result<Response, Refused>>,
    {
        let session = match self.authorise(headers, csrf) {
            Ok(session) => session,
            Err(response) => return *response,
        };
        match action(self.clone()).await {
            Ok(response) => response,
            Err(refused) => self.refused(&session, failure, &refused).await,
        }
    }

    /// The settings page with the admin API's refusal of an action.
    async fn refused(&self, session: &Session, action: &str, refused: &Refused) -> Response {
        let status = if refused.status.is_client_error() {
            refused.status
        } else {
            StatusCode::BAD_GATEWAY
        };
        let filter = IndexQuery::default().filter();
        self.render(
            session,
            filter,
            Some(format!("{action}: {refused}")),
            None,
            status,
        )
        .await
    }
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    token: String,
}

/// Exchanges the admin token for a session.
async fn login(State(settings): State<Settings>, Form(form): Form<LoginForm>) -> Response {
    match settings.sessions.sign_in(&form.token) {
        Ok(session) => {
            tracing::info!("settings page: an administrator signed in");
            (
                [(header::SET_COOKIE, session.set_cookie())],
                Redirect::to("/admin"),
            )
                .into_response()
        }
        Err(SignInError::WrongToken) => {
            tracing::warn!("settings page: sign-in refused (wrong admin token)");
            sign_in_page(
                StatusCode::UNAUTHORIZED,
                Some("That is not the admin token.".to_owned()),
            )
        }
        Err(error @ SignInError::Random(_)) => {
            tracing::error!(%error, "settings page: sign-in failed");
            sign_in_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("The server could not start a session; try again.".to_owned()),
            )
        }
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// Ends the session.
async fn logout(
    State(settings): State<Settings>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Ok(session) = settings.authorise(&headers, &form.csrf) {
        settings.sessions.sign_out(&session);
    }
    (
        [(header::SET_COOKIE, session::clear_cookie())],
        Redirect::to("/admin"),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct MintForm {
    csrf: String,
    label: String,
    #[serde(default)]
    expires_in_days: String,
}

/// Creates a token and shows its secret, once.
async fn mint(
    State(settings): State<Settings>,
    headers: HeaderMap,
    Form(form): Form<MintForm>,
) -> Response {
    settings
        .form_action(&headers, &form.csrf, "The token was not created", |settings| async move {
            let days = expires_in_days(&form.expires_in_days)?;
            let minted = settings.client.mint(&form.label, days).await?;
            tracing::info!(label = %minted.token.label, id = %minted.token.id, "settings page: token created");
            Ok(Settings::secret_page(minted, false))
        })
        .await
}

/// The form's "Expires after" days: empty for a token that does not expire.
fn expires_in_days(text: &str) -> Result<Option<u32>, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>().map(Some).map_err(|_| Refused {
        status: StatusCode::BAD_REQUEST,
        detail: format!(
            "\"Expires after\" must be a whole number of days, or empty for a token that does \
             not expire; got {:?}",
            text.chars().take(20).collect::<String>()
        ),
    })
}

/// Gives a token a new secret, refusing the old one at once, and shows the new one, once.
async fn rotate(
    State(settings): State<Settings>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    settings
        .form_action(
            &headers,
            &form.csrf,
            "The token was not rotated",
            |settings| async move {
                let minted = settings.client.rotate(&id).await?;
                tracing::info!(id = %minted.token.id, "settings page: token rotated");
                Ok(Settings::secret_page(minted, true))
            },
        )
        .await
}

/// Revokes a token.
async fn revoke(
    State(settings): State<Settings>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    settings
        .form_action(
            &headers,
            &form.csrf,
            "The token was not revoked",
            |settings| async move {
                settings.client.revoke(&id).await?;
                tracing::info!(%id, "settings page: token revoked");
                Ok(Redirect::to("/admin?done=revoked").into_response())
            },
        )
        .await
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/admin.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/admin.js"),
    )
}
