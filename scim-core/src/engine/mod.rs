//! The framework-free request engine: [`Scim::handle`] answers any RFC 7644 request given as an
//! `http::Request<Bytes>`.
//!
//! Order of work for every request: route → authenticate (→ tenant) → method → read the body →
//! compat → relative `$ref`s resolved (`reference.rs`) → validate → store → events → respond →
//! activity log (when one is installed, [`crate::activity`]).
//! Adapters (`scimkit-axum`, `scimkit-actix`, and `ScimService` with the `tower` feature)
//! only convert their framework's request and call [`Scim::handle_stream`] (head admitted,
//! body read, request answered); everything about the protocol happens here. This module does not
//! persist anything (the [`crate::store::ResourceStore`] does) and does not decide identities
//! (the [`crate::auth::Authenticator`] does).

mod body;
mod builder;
mod bulk;
pub(crate) mod contention;
mod discovery;
mod list;
mod location;
mod mount;
pub(crate) mod patch;
mod reference;
mod request;
mod resources;
mod response;
mod route;
mod secrets;
#[cfg(feature = "tower")]
mod service;
mod strict_json;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures_util::FutureExt;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use tracing::{field, Instrument};

pub use body::content_length;
pub(crate) use body::{read_limited, BodyRefusal};
pub use builder::{BuildError, BulkLimits, PatchResponse, ScimBuilder};
pub use bulk::{BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA};
pub use discovery::{LIST_RESPONSE_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA};
pub use list::SEARCH_REQUEST_SCHEMA;
pub use mount::{mount_prefix, tenant_param};
pub use response::SCIM_JSON;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub use service::ScimService;

use crate::activity::observe::{Observed, Recording};
use crate::auth::{AuthRequest, Authenticator};
use crate::context::Context;
use crate::error::ScimError;
use crate::events::{Change, EventSink};
use crate::schema::ResourceType;
use crate::store::ResourceStore;
use builder::Settings;
use request::Query;
use route::Route;

/// Where the engine is mounted in the host's URL space, as an adapter tells it.
///
/// ```
/// use scimkit_core::engine::Mount;
/// // Served at https://app.example.com/scim/v2/{org}/Users for each organisation.
/// let mount = Mount { prefix: "/scim/v2/acme", tenant: Some("acme") };
/// assert_eq!(Mount::root().prefix, "");
/// # let _ = mount;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mount<'a> {
    /// The path before the SCIM endpoints, including a tenant segment (`/scim/v2/acme`), without
    /// a trailing slash. Removed from the request path if present, and used to build
    /// `Location` and `meta.location`.
    pub prefix: &'a str,
    /// The tenant path segment, when the host's route has one; handed to the authenticator.
    pub tenant: Option<&'a str>,
}

impl Mount<'_> {
    /// Mounted at the root, without a tenant segment.
    pub const fn root() -> Mount<'static> {
        Mount {
            prefix: "",
            tenant: None,
        }
    }
}

/// A request the engine admitted on its head alone ([`Scim::admit`]): its path is a SCIM
/// endpoint and its caller is authenticated. Hand it to [`Scim::handle_admitted`] with the
/// request once its body is read, so authentication is not repeated.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// `None` for a public discovery endpoint.
    ctx: Option<Context>,
}

/// The SCIM engine. Cheap to clone (an `Arc`); build it with [`Scim::builder`].
#[derive(Clone)]
pub struct Scim {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    store: Arc<dyn ResourceStore>,
    authenticator: Arc<dyn Authenticator>,
    events: Option<Arc<dyn EventSink>>,
    /// Where each answered request is recorded, when the host installed a log.
    activity: Option<Recording>,
    /// The tenant of refusals under a mount naming none ([`ScimBuilder::activity_tenant`]).
    activity_tenant: Option<String>,
    resource_types: Vec<Arc<ResourceType>>,
    settings: Settings,
    cursors: crate::store::CursorCodec,
    /// Writers of one resource take turns in this process.
    turns: contention::WriteTurns,
    /// What the store keeps of each resource type, in the order of `resource_types` (each
    /// also holds the type as discovery shows it).
    kept: Vec<crate::store::KeptShape>,
}

impl Inner {
    /// What the store keeps of `rt` (one of the engine's resource types).
    pub(crate) fn kept(&self, rt: &ResourceType) -> Option<&crate::store::KeptShape> {
        self.resource_types
            .iter()
            .position(|t| std::ptr::eq(std::ptr::from_ref(&**t), rt))
            .and_then(|n| self.kept.get(n))
    }
}

/// Drops from a validated resource of `rt` what the store does not keep; whether anything was.
pub(crate) fn strip_unkept(
    kept: Option<&crate::store::KeptShape>,
    rt: &ResourceType,
    resource: &mut crate::resource::Resource,
) -> bool {
    let Some(kept) = kept else {
        return false;
    };
    let dropped = kept.strip(resource);
    if dropped.is_empty() {
        return false;
    }
    tracing::debug!(resource_type = %rt.name, ?dropped, "attributes the store does not keep were dropped");
    true
}

impl std::fmt::Debug for Scim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scim")
            .field(
                "resource_types",
                &self
                    .inner
                    .resource_types
                    .iter()
                    .map(|rt| rt.name.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// One request on its way through the engine.
pub(crate) struct Call<'a> {
    pub(crate) inner: &'a Inner,
    pub(crate) ctx: Context,
    pub(crate) method: &'a Method,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) query: Query<'a>,
    pub(crate) body: &'a Bytes,
    /// The URL of the mount point as the client sees it (`https://host/scim/v2/acme`).
    pub(crate) base: String,
}

impl Scim {
    /// A builder.
    pub fn builder() -> ScimBuilder {
        ScimBuilder::default()
    }

    /// The resource types served.
    pub fn resource_types(&self) -> &[Arc<ResourceType>] {
        &self.inner.resource_types
    }

    /// The largest body accepted on any endpoint, so an adapter can stop reading early: the
    /// larger of [`ScimBuilder::max_body_bytes`] and, when `/Bulk` is served, its
    /// [`BulkLimits::max_payload_size`]. The engine applies each endpoint's own limit.
    pub fn max_body_bytes(&self) -> usize {
        let settings = &self.inner.settings;
        settings.bulk.map_or(settings.max_body_bytes, |bulk| {
            settings.max_body_bytes.max(bulk.max_payload_size)
        })
    }

    /// The body limit of the endpoint at `path` (the request path, with or without the mount
    /// prefix): [`BulkLimits::max_payload_size`] for `/Bulk` when it is served, else
    /// [`ScimBuilder::max_body_bytes`]. Adapters stop reading a streamed body there.
    ///
    /// ```
    /// # use scimkit_core::{InMemoryStore, Scim, auth::{AuthError, AuthRequest}, context::Context};
    /// use scimkit_core::engine::BulkLimits;
    /// let scim = Scim::builder()
    ///     .store(InMemoryStore::new())
    ///     .authenticator(|_: &AuthRequest<'_>| -> Result<Context, AuthError> { Err(AuthError::Unauthorized("no".into())) })
    ///     .max_body_bytes(64 * 1024)
    ///     .bulk(BulkLimits { max_operations: 1000, max_payload_size: 4 << 20 })
    ///     .build()?;
    /// assert_eq!(scim.body_limit("/scim/v2/Users"), 64 * 1024);
    /// assert_eq!(scim.body_limit("/scim/v2/Bulk/"), 4 << 20);
    /// # Ok::<(), scimkit_core::engine::BuildError>(())
    /// ```
    pub fn body_limit(&self, path: &str) -> usize {
        let settings = &self.inner.settings;
        let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        match settings.bulk {
            Some(bulk) if last.eq_ignore_ascii_case("Bulk") => bulk.max_payload_size,
            _ => settings.max_body_bytes,
        }
    }

    /// The SCIM error response for `error` (status, `application/scim+json` error body,
    /// `WWW-Authenticate` on 401), for adapters that fail before reaching the engine.
    pub fn error_response(&self, error: &ScimError) -> Response<Bytes> {
        response::error(error)
    }

    /// The `413` response for a body over `limit` (the endpoint's [`Scim::body_limit`]), for
    /// adapters that stop reading a streamed body there.
    pub fn payload_too_large(&self, limit: usize) -> Response<Bytes> {
        response::error(&request::too_large(limit))
    }

    /// Decides a request on its head, before its body is read: the path must be a SCIM
    /// endpoint (else `404`) and the caller authenticated (else `401`, or what the
    /// authenticator says). Adapters call it first and send the refusal without reading the
    /// body, so an unauthenticated client cannot make the server buffer one; a refusal of a
    /// request that announces a body carries `Connection: close` on HTTP/1.x, as the unread
    /// body would otherwise be taken for the next request. A panic in the authenticator is a
    /// `500`.
    ///
    /// ```
    /// # use scimkit_core::{InMemoryStore, Scim, auth::{AuthError, AuthRequest}, context::Context};
    /// use scimkit_core::engine::Mount;
    /// # let scim = Scim::builder()
    /// #     .store(InMemoryStore::new())
    /// #     .authenticator(|_: &AuthRequest<'_>| -> Result<Context, AuthError> { Err(AuthError::Unauthorized("no token".into())) })
    /// #     .build()?;
    /// # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let (head, ()) = http::Request::post("/Users")
    ///     .header("content-length", "1048576")
    ///     .body(())?
    ///     .into_parts();
    /// let refused = runtime.block_on(scim.admit(&head, Mount::root())).unwrap_err();
    /// assert_eq!(refused.status(), 401);
    /// assert_eq!(refused.headers()["connection"], "close");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn admit(
        &self,
        head: &http::request::Parts,
        mount: Mount<'_>,
    ) -> Result<Admitted, Response<Bytes>> {
        let refuse = |error: &ScimError| refusal(head, error);
        let path = relative_path(head.uri.path(), mount.prefix);
        let Some(route) = route::route(path, &self.inner.resource_types) else {
            return Err(refuse(&not_found(path)));
        };
        let checked = AssertUnwindSafe(self.authenticate(&route, head, path, mount.tenant))
            .catch_unwind()
            .await;
        match checked {
            Ok(Ok(ctx)) => Ok(Admitted { ctx }),
            Ok(Err(error)) => Err(refuse(&error)),
            Err(_) => {
                tracing::error!("the authenticator panicked");
                Err(refuse(&ScimError::Internal(
                    "the server failed while handling the request".to_owned(),
                )))
            }
        }
    }

    /// [`Scim::handle_with`] for a request [`Scim::admit`] admitted: the route and caller it
    /// decided are used as they are.
    pub async fn handle_admitted(
        &self,
        request: Request<Bytes>,
        mount: Mount<'_>,
        admitted: Admitted,
    ) -> Response<Bytes> {
        self.answer(request, mount, Some(admitted)).await
    }

    /// Records in the activity log, when there is one, a request refused before its body was
    /// read (`ctx`: its caller, when it was authenticated).
    fn record_refusal(
        &self,
        head: &http::request::Parts,
        mount: Mount<'_>,
        ctx: Option<&Context>,
        response: &Response<Bytes>,
    ) {
        if let Some(recording) = &self.inner.activity {
            let observed = Observed::new(
                &head.method,
                &head.uri,
                &head.headers,
                Bytes::new(),
                mount.prefix,
                mount.tenant.or(self.inner.activity_tenant.as_deref()),
            );
            observed.record(recording, &self.inner.resource_types, ctx, response);
        }
    }

    /// The caller of a request to `route` (`None` for public discovery), or why it is refused.
    async fn authenticate(
        &self,
        route: &Route<'_>,
        head: &http::request::Parts,
        path: &str,
        tenant: Option<&str>,
    ) -> Result<Option<Context>, ScimError> {
        let inner = &*self.inner;
        if route.is_discovery() && inner.settings.public_discovery {
            return Ok(None);
        }
        let auth = AuthRequest {
            method: &head.method,
            path,
            headers: &head.headers,
            tenant,
        };
        inner
            .authenticator
            .authenticate(&auth)
            .await
            .map(Some)
            .map_err(Into::into)
    }

    /// Answers a request whose path is relative to the root (see [`Scim::handle_with`]).
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.handle_with(request, Mount::root()).await
    }

    /// Answers a request. Never panics on any input and never fails: errors are SCIM error
    /// responses. A panic in the host's store or authenticator is caught and answered `500`.
    ///
    /// Each request runs in a `tracing` span `scim.request` with the method, resource type,
    /// tenant, status and duration; no header, token or body is logged.
    pub async fn handle_with(&self, request: Request<Bytes>, mount: Mount<'_>) -> Response<Bytes> {
        self.answer(request, mount, None).await
    }

    /// `handle_with`, with the head already admitted or not.
    async fn answer(
        &self,
        request: Request<Bytes>,
        mount: Mount<'_>,
        admitted: Option<Admitted>,
    ) -> Response<Bytes> {
        let span = tracing::info_span!(
            "scim.request",
            method = %request.method(),
            resource_type = field::Empty,
            tenant = field::Empty,
            status = field::Empty,
            duration_us = field::Empty,
        );
        // The clock is read only when a subscriber records the span.
        let started = (!span.is_disabled()).then(Instant::now);
        // What the activity log needs of the request, kept only when there is one (boxed, so
        // it does not size every request's future).
        let observed = self.inner.activity.as_ref().map(|_| {
            Box::new(Observed::new(
                request.method(),
                request.uri(),
                request.headers(),
                request.body().clone(),
                mount.prefix,
                mount.tenant.or(self.inner.activity_tenant.as_deref()),
            ))
        });
        let mut caller = None;
        let work = AssertUnwindSafe(self.dispatch(request, mount, admitted, &span, &mut caller))
            .catch_unwind();
        let response = match work.instrument(span.clone()).await {
            Ok(response) => response,
            Err(_) => {
                tracing::error!(parent: &span, "a store, authenticator or hook panicked");
                response::error(&ScimError::Internal(
                    "the server failed while handling the request".to_owned(),
                ))
            }
        };
        if let Some(started) = started {
            span.record("status", response.status().as_u16());
            span.record(
                "duration_us",
                u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            );
            tracing::info!(parent: &span, "answered");
        }
        if let (Some(observed), Some(recording)) = (observed, &self.inner.activity) {
            observed.record(
                recording,
                &self.inner.resource_types,
                caller.as_ref(),
                &response,
            );
        }
        response
    }

    async fn dispatch(
        &self,
        request: Request<Bytes>,
        mount: Mount<'_>,
        admitted: Option<Admitted>,
        span: &tracing::Span,
        caller: &mut Option<Context>,
    ) -> Response<Bytes> {
        let inner = &*self.inner;
        let (head, body) = request.into_parts();
        let prefix = mount.prefix.trim_end_matches('/');
        let path = relative_path(head.uri.path(), prefix);
        let Some(route) = route::route(path, &inner.resource_types) else {
            return response::error(&not_found(path));
        };
        span.record("resource_type", route.resource_type());

        let ctx = match admitted {
            Some(admitted) => admitted.ctx,
            None => match self.authenticate(&route, &head, path, mount.tenant).await {
                Ok(ctx) => ctx,
                Err(err) => return response::error(&err),
            },
        };
        if let Some(ctx) = &ctx {
            span.record("tenant", ctx.tenant().as_str());
            if inner.activity.is_some() {
                *caller = Some(ctx.clone());
            }
        }
        let query_len = head.uri.query().map_or(0, str::len);
        if query_len > inner.settings.max_query_bytes {
            return response::error(&ScimError::UriTooLong(format!(
                "the query string is {query_len} bytes; this server reads at most {} \
                 (send a long filter or attribute list in the body of POST .search instead)",
                inner.settings.max_query_bytes
            )));
        }
        let headers = &head.headers;
        let call = Call {
            inner,
            ctx: ctx.unwrap_or_else(|| {
                Context::new(
                    crate::context::Tenant::new(""),
                    crate::context::Caller::new("anonymous"),
                )
            }),
            method: &head.method,
            headers,
            query: Query::parse(head.uri.query()),
            body: &body,
            base: base_url(&inner.settings, headers, &head.uri, prefix),
        };
        match call.route(route).await {
            Ok(response) => response,
            Err(err) => {
                if err.status() >= 500 {
                    tracing::error!(parent: span, detail = err.detail(), "request failed");
                }
                response::error(&err)
            }
        }
    }
}

/// The error response to a request refused on its head, before any of its body is read: on
/// HTTP/1.x, a request that announces a body (a `Content-Length` other than 0, or
/// `Transfer-Encoding`) is answered with `Connection: close`, as the unread body would
/// otherwise be taken for the next request.
fn refusal(head: &http::request::Parts, error: &ScimError) -> Response<Bytes> {
    let mut response = response::error(error);
    let headers = &head.headers;
    let announces_body = body::content_length(headers)
        .map_or(headers.contains_key(http::header::CONTENT_LENGTH), |n| {
            n > 0
        })
        || headers.contains_key(http::header::TRANSFER_ENCODING);
    if announces_body && head.version <= http::Version::HTTP_11 {
        response.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
    }
    response
}

/// `path` without the mount prefix (unchanged when it does not start with it).
fn relative_path<'p>(path: &'p str, prefix: &str) -> &'p str {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        path
    } else {
        path.strip_prefix(prefix).unwrap_or(path)
    }
}

fn not_found(path: &str) -> ScimError {
    ScimError::NotFound(format!(
        "no SCIM endpoint at \"{path}\"; see /ResourceTypes for what is served"
    ))
}

impl Call<'_> {
    /// Runs the endpoint `route` names. Only the reads identity providers make most (`GET` of
    /// one resource, a list) run inline; the other endpoints' futures (1–3 KiB each: bulk,
    /// replace, PATCH, create…) run boxed, so that they do not size every request's future,
    /// which is moved several times per request.
    async fn route(&self, route: Route<'_>) -> Result<Response<Bytes>, ScimError> {
        let method = self.method;
        match route {
            Route::ServiceProviderConfig | Route::Schemas(_) | Route::ResourceTypes(_) => {
                if method != Method::GET {
                    return Ok(response::method_not_allowed(method, "GET"));
                }
                self.discovery(&route)
            }
            Route::RootSearch => {
                if method != Method::POST {
                    return Ok(response::method_not_allowed(method, "POST"));
                }
                Box::pin(self.root_search()).await
            }
            Route::Bulk => {
                let Some(limits) = self.inner.settings.bulk else {
                    return Err(ScimError::NotImplemented(
                        "/Bulk is not supported by this service provider (see /ServiceProviderConfig)"
                            .to_owned(),
                    ));
                };
                if method != Method::POST {
                    return Ok(response::method_not_allowed(method, "POST"));
                }
                Box::pin(self.bulk(limits)).await
            }
            Route::Me => Box::pin(self.me()).await,
            Route::Collection(rt) => match *method {
                Method::GET => self.list(&rt).await,
                Method::POST => Box::pin(self.create(&rt)).await,
                _ => Ok(response::method_not_allowed(method, "GET, POST")),
            },
            Route::Search(rt) => {
                if method != Method::POST {
                    return Ok(response::method_not_allowed(method, "POST"));
                }
                Box::pin(self.search(&rt)).await
            }
            Route::Resource(rt, id) => match *method {
                Method::GET => self.get(&rt, &id).await,
                Method::PUT => Box::pin(self.replace(&rt, &id)).await,
                Method::PATCH => Box::pin(self.patch(&rt, &id)).await,
                Method::DELETE => Box::pin(self.delete(&rt, &id)).await,
                _ => Ok(response::method_not_allowed(
                    method,
                    "GET, PUT, PATCH, DELETE",
                )),
            },
        }
    }

    fn discovery(&self, route: &Route<'_>) -> Result<Response<Bytes>, ScimError> {
        if self.query.get("filter").is_some() {
            return Err(ScimError::Forbidden(
                "discovery endpoints do not support filtering (RFC 7644 §4)".to_owned(),
            ));
        }
        // The resource types as discovery shows them: only what the store keeps.
        let types: Vec<Arc<ResourceType>> = (self.inner.kept.iter())
            .map(|kept| Arc::clone(kept.advertised()))
            .collect();
        let types = types.as_slice();
        let body = match route {
            Route::ServiceProviderConfig => discovery::service_provider_config(
                &self.inner.settings,
                types,
                &self.inner.authenticator.schemes(),
                &self.base,
            ),
            Route::Schemas(None) => discovery::schema_list(types, &self.base),
            Route::Schemas(Some(id)) => discovery::schema(types, id, &self.base)?,
            Route::ResourceTypes(None) => discovery::resource_type_list(types, &self.base),
            Route::ResourceTypes(Some(name)) => discovery::resource_type(types, name, &self.base)?,
            _ => return Err(ScimError::NotFound("no such discovery endpoint".to_owned())),
        };
        Ok(response::json(StatusCode::OK, &body, None, None))
    }

    /// `/Me` (RFC 7644 §3.11): the caller's own resource, when the authenticator says which
    /// it is; `501` otherwise, as the RFC asks.
    async fn me(&self) -> Result<Response<Bytes>, ScimError> {
        let Some(subject) = self.ctx.subject() else {
            return Err(ScimError::NotImplemented(
                "/Me is not available: the authenticator does not map these credentials to a resource"
                    .to_owned(),
            ));
        };
        let Some(rt) = self
            .inner
            .resource_types
            .iter()
            .find(|rt| rt.name == subject.resource_type)
            .cloned()
        else {
            return Err(ScimError::Internal(
                "the authenticator mapped the caller to a resource type this server does not serve"
                    .to_owned(),
            ));
        };
        let id = subject.id.clone();
        match *self.method {
            Method::GET => self.get(&rt, &id).await,
            Method::PUT => self.replace(&rt, &id).await,
            Method::PATCH => self.patch(&rt, &id).await,
            Method::DELETE => self.delete(&rt, &id).await,
            _ => Ok(response::method_not_allowed(
                self.method,
                "GET, PUT, PATCH, DELETE",
            )),
        }
    }

    /// Tells the events hook, after the store committed; `change` is made only when there is
    /// a hook. A panicking hook is logged and cannot change the response.
    async fn emit(&self, change: impl FnOnce() -> Change) {
        if let Some(events) = &self.inner.events {
            // Boxed: the change and the hook's future are held only when there is a hook, and
            // do not size every write's future.
            Box::pin(notify(
                &self.inner.resource_types,
                events.as_ref(),
                change(),
            ))
            .await;
        }
    }
}

/// Hands `change` to the events hook, without secrets; a panicking hook is logged.
async fn notify(resource_types: &[Arc<ResourceType>], events: &dyn EventSink, mut change: Change) {
    if let (Some(resource), Some(rt)) = (
        change.resource.as_mut(),
        resource_types
            .iter()
            .find(|rt| rt.name == change.resource_type),
    ) {
        secrets::strip(rt, resource);
    }
    let outcome = AssertUnwindSafe(events.on_change(&change))
        .catch_unwind()
        .await;
    if outcome.is_err() {
        tracing::error!(
            resource_type = %change.resource_type,
            id = %change.id,
            "the events hook panicked; the change is committed"
        );
    }
}

/// The URL of the mount point as the client sees it: the configured external URL, else
/// `http://` and the `Host` header (only if it looks like a host name), else a relative URL.
fn base_url(settings: &Settings, headers: &HeaderMap, uri: &http::Uri, prefix: &str) -> String {
    if let Some(url) = &settings.external_url {
        return format!("{}{prefix}", url.trim_end_matches('/'));
    }
    let host = uri
        .authority()
        .map(http::uri::Authority::as_str)
        .or_else(|| {
            headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
        });
    match host.filter(|h| is_host(h)) {
        Some(host) => {
            let scheme = uri.scheme_str().unwrap_or("http");
            format!("{scheme}://{host}{prefix}")
        }
        None => prefix.to_owned(),
    }
}

fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
}
