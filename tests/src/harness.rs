//! Starting a server for one case, and talking to it over HTTP.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use scimkit_core::activity::{ActivityLog, InMemoryActivityLog};
use scimkit_core::admin::{Admin, UrlTemplate};
use scimkit_core::auth::BearerTokens;
use scimkit_core::context::Tenant;
use scimkit_core::engine::{BulkLimits, PatchResponse};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::ResourceStore;
use scimkit_core::{ConnectionLimits, InMemoryStore, Scim};
use serde_json::Value;

pub use crate::remote::{Exchange, Recorder};

/// Where the engine is mounted on the test server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mounting {
    /// `/scim/v2`, the tenant coming from the token.
    Single,
    /// `/scim/v2/{tenant}` (Pulumi's form), the tenant in the path and in the token.
    PerTenant,
}

/// A web framework the suite runs against, and the store its servers keep resources in.
///
/// Cases are generic over one `A: Adapter`. A framework type ([`crate::servers::Axum`]) uses
/// the in-memory store; [`With<A, B>`] is the same framework over another [`Backend`].
pub trait Adapter {
    /// Serves `scim` on 127.0.0.1 at an ephemeral port with the adapter's connection limits
    /// set to `limits`; returns the address.
    fn serve(
        scim: Scim,
        mounting: Mounting,
        limits: ConnectionLimits,
    ) -> impl Future<Output = SocketAddr> + Send;

    /// A fresh, empty store for one server (default: [`Memory`]).
    fn store() -> impl Future<Output = TestStore> + Send {
        Memory::open()
    }

    /// Whether the store keeps `attribute` (see [`Backend::keeps`]; the in-memory store keeps
    /// everything).
    fn keeps(attribute: &str) -> bool {
        Memory::keeps(attribute)
    }

    /// Serves the admin API `admin` on 127.0.0.1 at an ephemeral port, nested at `/admin`;
    /// returns the address. Only the adapters that mount the admin API implement it.
    fn serve_admin(admin: Admin) -> impl Future<Output = SocketAddr> + Send {
        let _ = admin;
        async { panic!("this adapter does not mount the admin API") }
    }

    /// A server the suite does not start (see [`crate::remote::Remote`]): when `Some`, cases
    /// talk to it instead of serving an engine of their own.
    fn remote() -> Option<&'static crate::remote::RemoteTarget> {
        None
    }
}

/// Where a test server keeps its resources: one fresh, empty store per server.
///
/// Adding a backend is one `impl Backend` (a database store makes its own schema or database
/// per call and drops it with the [`TestStore`]'s guard) and one test file listing the cases
/// it runs with `scim_conformance::cases!(With<Axum, ItsBackend>; …)`.
pub trait Backend {
    /// Opens a fresh store. Panics, saying how to make it reachable, when it is not: a
    /// backend's suite never silently skips.
    fn open() -> impl Future<Output = TestStore> + Send;

    /// Whether the store keeps `attribute` (a name as a case writes it: `title`,
    /// `name.formatted`, a schema URN for a whole extension). A store over fixed columns keeps
    /// only what it maps and drops the rest on write; cases assert on an attribute's value
    /// only where it is kept, and still send it (the engine must accept it either way).
    fn keeps(attribute: &str) -> bool {
        let _ = attribute;
        true
    }
}

/// Whether a store declaring it keeps the attribute paths `kept` (as in
/// `scimkit_core::store::Kept::only`) keeps `attribute`: it is declared, inside a declared one
/// (`name.givenName` in `name`), or has some of its sub-attributes declared (`emails` when
/// `emails.value` is). For [`Backend::keeps`] of stores over fixed columns.
pub fn declares<'a>(kept: impl IntoIterator<Item = &'a str>, attribute: &str) -> bool {
    let attribute = attribute.to_ascii_lowercase();
    kept.into_iter().any(|path| {
        let path = path.to_ascii_lowercase();
        path == attribute
            || attribute
                .strip_prefix(&path)
                .is_some_and(|r| r.starts_with('.'))
            || path
                .strip_prefix(&attribute)
                .is_some_and(|r| r.starts_with('.'))
    })
}

/// A store for one test server, and what must live as long as the server uses it.
pub struct TestStore {
    /// The store.
    pub store: Arc<dyn ResourceStore>,
    /// Dropped with the last [`Harness`] clone (e.g. a database schema dropped on drop).
    pub guard: Option<Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for TestStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestStore")
            .field("guard", &self.guard.is_some())
            .finish_non_exhaustive()
    }
}

/// The engine's embedded [`InMemoryStore`], new for every server.
#[derive(Debug)]
pub struct Memory;

impl Backend for Memory {
    async fn open() -> TestStore {
        TestStore {
            store: Arc::new(InMemoryStore::new()),
            guard: None,
        }
    }
}

/// The framework `A` serving an engine over the backend `B`'s store.
#[derive(Debug)]
pub struct With<A, B>(PhantomData<(A, B)>);

impl<A: Adapter, B: Backend> Adapter for With<A, B> {
    fn serve(
        scim: Scim,
        mounting: Mounting,
        limits: ConnectionLimits,
    ) -> impl Future<Output = SocketAddr> + Send {
        A::serve(scim, mounting, limits)
    }

    fn store() -> impl Future<Output = TestStore> + Send {
        B::open()
    }

    fn serve_admin(admin: Admin) -> impl Future<Output = SocketAddr> + Send {
        A::serve_admin(admin)
    }

    fn keeps(attribute: &str) -> bool {
        B::keeps(attribute)
    }
}

/// How a case wants its server.
#[derive(Debug, Clone)]
pub struct Setup {
    /// Resource types (default: User with EnterpriseUser, Group).
    pub resource_types: Vec<ResourceType>,
    /// The mount.
    pub mounting: Mounting,
    /// The body limit.
    pub max_body_bytes: usize,
    /// How PATCH answers.
    pub patch_response: PatchResponse,
    /// `/Bulk`'s limits (default 1000 operations, 1 MiB: a 1 000-operation request fits).
    pub bulk: BulkLimits,
    /// How long a request body may take to arrive (the engine's default: 30 s).
    pub body_timeout: Option<std::time::Duration>,
    /// The server's connection limits (default: [`ConnectionLimits::default`]).
    pub connections: ConnectionLimits,
    /// Also serve the admin API (over the server's tokens, with an activity log the engine
    /// records into) on a port of its own: [`Harness::admin`].
    pub admin: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            resource_types: vec![ResourceType::user(), ResourceType::group()],
            mounting: Mounting::Single,
            max_body_bytes: 1 << 20,
            patch_response: PatchResponse::Resource,
            bulk: BulkLimits::default(),
            body_timeout: Some(std::time::Duration::from_secs(30)),
            connections: ConnectionLimits::default(),
            admin: false,
        }
    }
}

/// A running server and a client for it.
#[derive(Clone)]
pub struct Harness {
    /// `http://127.0.0.1:PORT`.
    pub root: String,
    /// The tenant URL an admin pastes into the IdP: `…/scim/v2` or `…/scim/v2/acme`.
    pub base: String,
    /// The token store, to mint, revoke and regenerate.
    pub tokens: Arc<BearerTokens>,
    /// A token for tenant `acme`.
    pub token: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The User the tenant's tokens authenticate as, for `/Me` (`None`: `/Me` is 501).
    pub me: Arc<std::sync::Mutex<Option<String>>>,
    /// Keeps the backend's store (its schema, its database) alive while the case runs.
    pub guard: Option<Arc<dyn Any + Send + Sync>>,
    /// The admin API's base URL (`http://127.0.0.1:PORT/admin`), when the setup asked for it.
    pub admin: Option<String>,
    /// What was sent and answered, and what was created (for the report and the clean-up of a
    /// remote run).
    pub recorder: Arc<Recorder>,
    /// A tag unique to this harness, for names that must not meet another run's resources.
    pub tag: String,
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// JSON body (`Null` when empty).
    pub body: Value,
}

impl Reply {
    /// A header's text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The error body's `scimType`.
    pub fn scim_type(&self) -> Option<&str> {
        self.body.get("scimType").and_then(Value::as_str)
    }

    /// A resource body's `id`.
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }

    /// The `userName`s (or `displayName`s) of a list response.
    pub fn names(&self) -> Vec<String> {
        self.body["Resources"]
            .as_array()
            .unwrap_or_else(|| panic!("not a list response: {}", self.body))
            .iter()
            .map(|r| {
                r.get("userName")
                    .or_else(|| r.get("displayName"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        self
    }
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Harness {
    /// Starts a server with the default setup (or, for a remote target, connects to it).
    pub async fn start<A: Adapter>() -> Harness {
        if let Some(target) = A::remote() {
            return Self::remote(target);
        }
        Self::serve::<A>(Setup::default()).await
    }

    /// Starts a server with its own settings. A remote target cannot be configured by the
    /// suite: the tool's catalogue skips every case calling this, and a case it missed fails
    /// here saying why.
    pub async fn start_with<A: Adapter>(setup: Setup) -> Harness {
        assert!(
            A::remote().is_none(),
            "this case needs a server started with its own settings ({setup:?}); \
             it cannot run against a remote server"
        );
        Self::serve::<A>(setup).await
    }

    /// A harness for a server that is already running.
    fn remote(target: &crate::remote::RemoteTarget) -> Harness {
        Harness {
            root: target.root.clone(),
            base: target.base.clone(),
            tokens: Arc::new(BearerTokens::new()),
            token: target.token.clone(),
            http: target.http.clone(),
            me: Arc::default(),
            guard: None,
            admin: None,
            recorder: target.recorder.clone(),
            tag: run_tag(),
        }
    }

    /// Serves an engine built from `setup` on the adapter `A`.
    async fn serve<A: Adapter>(setup: Setup) -> Harness {
        let tokens = Arc::new(BearerTokens::new());
        let token = tokens
            .mint(Tenant::new("acme"), "idp", None)
            .expect("random")
            .token;
        let me: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
        let TestStore { store, guard } = A::store().await;
        let mut builder = Scim::builder()
            .shared_store(store)
            .authenticator({
                let tokens = tokens.clone();
                let me = me.clone();
                move |req: &scimkit_core::auth::AuthRequest<'_>| {
                    let ctx = tokens.authenticate_at(req, chrono::Utc::now())?;
                    let subject = me.lock().ok().and_then(|m| m.clone());
                    Ok(match subject {
                        Some(id) => ctx.with_subject("User", id),
                        None => ctx,
                    })
                }
            })
            .max_body_bytes(setup.max_body_bytes)
            .patch_response(setup.patch_response)
            .bulk(setup.bulk)
            .body_timeout(setup.body_timeout);
        for rt in setup.resource_types {
            builder = builder.resource_type(rt);
        }
        let activity: Arc<dyn ActivityLog> = Arc::new(InMemoryActivityLog::default());
        if setup.admin {
            builder = builder.shared_activity_log(activity.clone());
        }
        let scim = builder.build().expect("engine");
        let addr = A::serve(scim, setup.mounting, setup.connections).await;
        let root = format!("http://{addr}");
        let base = match setup.mounting {
            Mounting::Single => format!("{root}/scim/v2"),
            Mounting::PerTenant => format!("{root}/scim/v2/acme"),
        };
        let admin = if setup.admin {
            let template = match setup.mounting {
                Mounting::Single => format!("{root}/scim/v2"),
                Mounting::PerTenant => format!("{root}/scim/v2/{{tenant}}"),
            };
            let admin = Admin::builder()
                .tokens(tokens.clone())
                .scim_url(UrlTemplate::new(&template))
                .activity_log(activity)
                .build()
                .expect("admin API");
            Some(format!("http://{}/admin", A::serve_admin(admin).await))
        } else {
            None
        };
        Harness {
            root,
            base,
            tokens,
            token,
            http: reqwest::Client::new(),
            me,
            guard,
            admin,
            recorder: Arc::default(),
            tag: run_tag(),
        }
    }

    /// `stem` made unique to this harness: `unique("ann")` is `ann-k3x9q1`. Cases that may run
    /// against a server holding other data name what they create with it.
    pub fn unique(&self, stem: &str) -> String {
        format!("{stem}-{}", self.tag)
    }

    /// Sends `method` to `url` (absolute, or relative to the tenant URL when it starts with
    /// `/`), with the tenant's token and, when given, a JSON body.
    pub async fn send_as(
        &self,
        token: Option<&str>,
        method: Method,
        url: &str,
        body: Option<&Value>,
    ) -> Reply {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            format!("{}{url}", self.base)
        };
        let mut request = self.http.request(method.clone(), &url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let sent = body.map(|body| serde_json::to_vec(body).unwrap());
        if let Some(bytes) = &sent {
            request = request
                .header("content-type", "application/scim+json")
                .body(bytes.clone());
        }
        let mut exchange = Exchange::request(&method, &url, sent.as_deref());
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                exchange.error = Some(error.to_string());
                self.recorder.record(exchange);
                panic!("{method} {url}: the server does not answer: {error}");
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap_or_default();
        exchange.answer(status, &headers, &bytes);
        self.recorder.record(exchange);
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{method} {url}: the answer ({status}) is not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        if method == Method::POST {
            self.recorder.created_by(&url, status, &headers, &body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    /// `send_as` with the tenant's token.
    pub async fn send(&self, method: Method, url: &str, body: Option<&Value>) -> Reply {
        self.send_as(Some(&self.token), method, url, body).await
    }

    /// GET.
    pub async fn get(&self, url: &str) -> Reply {
        self.send(Method::GET, url, None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, url: &str, body: &Value) -> Reply {
        self.send(Method::POST, url, Some(body)).await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, url: &str, body: &Value) -> Reply {
        self.send(Method::PUT, url, Some(body)).await
    }

    /// PATCH with a JSON body.
    pub async fn patch(&self, url: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, url, Some(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, url: &str) -> Reply {
        self.send(Method::DELETE, url, None).await
    }
}

/// Six characters from the clock and a process-wide counter, different for every harness.
fn run_tag() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = chrono::Utc::now()
        .timestamp_nanos_opt()
        .map_or(0, i64::unsigned_abs);
    let mut n = nanos.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(
        COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(1_442_695_040_888_963_407),
    );
    let mut tag = String::with_capacity(6);
    for _ in 0..6 {
        let digit = u8::try_from(n % 36).unwrap_or(0);
        tag.push(char::from(if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        }));
        n /= 36;
    }
    tag
}

/// A PATCH request body.
#[allow(clippy::needless_pass_by_value)] // moved into the json! body
pub fn patch_ops(operations: Value) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    })
}

/// Percent-encodes a filter for a query string.
pub fn q(filter: &str) -> String {
    encode(filter, false)
}

/// Encodes a filter as Python's `urlencode` does (`quote_plus`, authentik and OneLogin): a
/// space is `+`, the rest percent-encoded as by [`q`].
pub fn q_plus(filter: &str) -> String {
    encode(filter, true)
}

fn encode(filter: &str, space_as_plus: bool) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(filter.len() * 2);
    for b in filter.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The member ids (`members[].value`) of a group body, sorted.
pub fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|v| v["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}
