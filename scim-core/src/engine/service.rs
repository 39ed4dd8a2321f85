//! The engine as a [`tower_service::Service`] over `http::Request<B>` for any
//! [`http_body::Body`], so it can be served straight from hyper (or any tower stack) without a
//! web framework: [`ScimService`] (mounted where [`ScimService::mounted_at`] says), and
//! [`Scim`] itself (mounted at the root).
//!
//! It only converts, like the framework adapters: the mount prefix and tenant come from the
//! mount path (the rules of `mount.rs`), the body becomes a stream of chunks, and the rest is
//! [`Scim::handle_stream`] (head admitted, body read under the engine's limits, request
//! answered). It must not answer anything itself except a path outside its mount point.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full};

use super::mount::{Located, MountPath};
use super::{not_found, refusal, Mount, Scim};
use crate::error::ScimError;

/// An error of a request body, as the service reads it.
type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// The boxed future of a [`ScimService`] (and of [`Scim`] as a service): never fails, as every
/// error is a SCIM error response.
type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

/// The SCIM engine as a [`tower_service::Service`], mounted at a path: hand it to hyper (through
/// hyper-util's `TowerToHyperService`) or any tower stack, and every request below the mount
/// point is answered by the engine exactly as the framework adapters answer it:
///
/// - the head is decided first by [`Scim::admit`] (unknown path `404`, unauthenticated `401`,
///   with `Connection: close` when a body is announced): a refused request's body is never
///   read;
/// - the body is read by [`Scim::read_body`]: the endpoint's size limit (`413`, a
///   `Content-Length` over it refused before reading), the body timeout (`408`), a body that
///   fails to arrive (`400`);
/// - everything else is the engine's ([`Scim::handle_admitted`]).
///
/// **Mount point** ([`ScimService::mounted_at`]): a path pattern whose segments are literal or,
/// written `{name}`, path parameters. The part of the request path it matches is the mount
/// prefix (for `Location` and `meta.location`); the tenant follows the rule every adapter
/// follows: the parameter named `tenant` if there is one, else the only parameter if there is
/// exactly one, else none ([`tenant_param`](crate::engine::tenant_param)), percent-decoded. A
/// request outside the mount point is answered with the SCIM `404`, as is one whose parameter
/// is not UTF-8 once percent-decoded. [`ScimService::new`] (and [`Scim`] as a service) is
/// mounted at the root.
///
/// The service is always ready, never fails (every error is a SCIM error response) and is cheap
/// to clone. Its body type is `http_body_util::Full<Bytes>`.
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::{BodyExt, Full};
/// use scimkit_core::auth::{AuthError, AuthRequest};
/// use scimkit_core::context::{Caller, Context, Tenant};
/// use scimkit_core::engine::ScimService;
/// use scimkit_core::{InMemoryStore, Scim};
/// use tower_service::Service;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // One tenant per organisation in the path: /scim/v2/{tenant}/Users.
/// let scim = Scim::builder()
///     .store(InMemoryStore::new())
///     .authenticator(|req: &AuthRequest<'_>| match (req.bearer_token(), req.tenant) {
///         (Some("s3cret"), Some(org)) => Ok(Context::new(Tenant::new(org), Caller::new("idp"))),
///         _ => Err(AuthError::Unauthorized("a valid bearer token is required".into())),
///     })
///     .build()?;
/// let mut service = ScimService::new(scim).mounted_at("/scim/v2/{tenant}");
///
/// let user = r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;
/// let request = http::Request::post("http://scim.example.com/scim/v2/acme/Users")
///     .header("authorization", "Bearer s3cret")
///     .header("content-type", "application/scim+json")
///     .body(Full::new(Bytes::from(user)))?;
/// let response = service.call(request).await?;
/// assert_eq!(response.status(), 201);
/// let location = response.headers()["location"].to_str()?;
/// assert!(location.starts_with("http://scim.example.com/scim/v2/acme/Users/"));
///
/// // Outside the mount point: the SCIM 404.
/// let elsewhere = http::Request::get("/healthz").body(Full::new(Bytes::new()))?;
/// let response = service.call(elsewhere).await?;
/// assert_eq!(response.status(), 404);
/// let body = response.into_body().collect().await?.to_bytes();
/// assert!(body.starts_with(b"{"));
/// # Ok(())
/// # }
/// ```
///
/// To serve it from hyper 1, wrap it in hyper-util's `TowerToHyperService` and hand that to
/// `hyper::server::conn::http1::Builder::serve_connection`; the workspace's `examples/hyper` is
/// a whole server.
#[derive(Debug, Clone)]
pub struct ScimService {
    scim: Scim,
    mount: Arc<MountPath>,
}

impl ScimService {
    /// The engine as a service mounted at the root (every path is an endpoint path).
    pub fn new(scim: Scim) -> ScimService {
        ScimService {
            scim,
            mount: Arc::new(MountPath::default()),
        }
    }

    /// Mounts the service at `path`: `/scim/v2`, or with the tenant as a path segment,
    /// `/scim/v2/{tenant}` (see the type's documentation for the rules). A segment that is a
    /// name in braces is a parameter; any other segment, an empty `{}` included, is matched
    /// literally; empty segments are ignored, so `""` and `"/"` are the root.
    #[must_use]
    pub fn mounted_at(mut self, path: &str) -> ScimService {
        self.mount = Arc::new(MountPath::parse(path));
        self
    }

    /// Where the service is mounted, as a pattern (`/scim/v2/{tenant}`; empty at the root).
    pub fn mount_path(&self) -> String {
        self.mount.pattern()
    }

    /// The engine.
    pub fn scim(&self) -> &Scim {
        &self.scim
    }

    /// The engine, for other uses.
    pub fn into_inner(self) -> Scim {
        self.scim
    }
}

impl Scim {
    /// The engine as a [`ScimService`] mounted at the root; mount it elsewhere with
    /// [`ScimService::mounted_at`].
    #[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
    pub fn into_service(self) -> ScimService {
        ScimService::new(self)
    }
}

impl From<Scim> for ScimService {
    fn from(scim: Scim) -> ScimService {
        ScimService::new(scim)
    }
}

impl<B> tower_service::Service<Request<B>> for ScimService
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BodyError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> ResponseFuture {
        let scim = self.scim.clone();
        let mount = Arc::clone(&self.mount);
        Box::pin(async move { Ok(respond(&scim, Some(&mount), request).await) })
    }
}

/// The engine as a service at the root: [`ScimService::new`] without the wrapper.
impl<B> tower_service::Service<Request<B>> for Scim
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BodyError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> ResponseFuture {
        let scim = self.clone();
        Box::pin(async move { Ok(respond(&scim, None, request).await) })
    }
}

/// Answers `request` with `scim` mounted at `mount` (`None`: the root).
async fn respond<B>(
    scim: &Scim,
    mount: Option<&MountPath>,
    request: Request<B>,
) -> Response<Full<Bytes>>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BodyError>,
{
    let (head, body) = request.into_parts();
    let located = match mount {
        Some(mount) => mount.locate(head.uri.path()),
        None => Located::Below {
            prefix: String::new(),
            tenant: None,
        },
    };
    let response = match located {
        Located::Below { prefix, tenant } => {
            let chunks = body
                .into_data_stream()
                .map(|chunk| chunk.map_err(Into::into));
            let mount = Mount {
                prefix: &prefix,
                tenant: tenant.as_deref(),
            };
            scim.handle_stream::<_, BodyError>(head, chunks, mount)
                .await
        }
        Located::Outside => refusal(&head, &not_found(head.uri.path())),
        Located::InvalidParam => refusal(
            &head,
            &ScimError::NotFound(
                "a path segment is not valid UTF-8 once percent-decoded".to_owned(),
            ),
        ),
    };
    response.map(Full::new)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use bytes::Bytes;
    use http::{Request, Response};
    use http_body::Frame;
    use http_body_util::{BodyExt, Full, StreamBody};
    use tower_service::Service;

    use super::ScimService;
    use crate::auth::{AuthError, AuthRequest};
    use crate::context::{Caller, Context, Tenant};
    use crate::{InMemoryStore, Scim};

    const USER: &str =
        r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;

    fn engine() -> Scim {
        Scim::builder()
            .store(InMemoryStore::new())
            .authenticator(
                |req: &AuthRequest<'_>| match (req.bearer_token(), req.tenant) {
                    (Some("s3cret"), tenant) => Ok(Context::new(
                        Tenant::new(tenant.unwrap_or("default")),
                        Caller::new("idp"),
                    )),
                    _ => Err(AuthError::Unauthorized("no token".into())),
                },
            )
            .max_body_bytes(1024)
            .build()
            .expect("engine")
    }

    fn post(uri: &str, body: &'static str) -> Request<Full<Bytes>> {
        Request::post(uri)
            .header("authorization", "Bearer s3cret")
            .header("content-type", "application/scim+json")
            .header("content-length", body.len())
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap()
    }

    async fn text(response: Response<Full<Bytes>>) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_engine_is_a_service_at_the_root() {
        let mut scim = engine();
        let response = scim
            .call(post("http://h.example/Users", USER))
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        assert!(response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("http://h.example/Users/"));
        let mut root = scim.into_service();
        assert_eq!(root.mount_path(), "");
        let response = root.call(post("/Users", USER)).await.unwrap();
        assert_eq!(response.status(), 409, "{}", text(response).await);
    }

    #[tokio::test]
    async fn mounted_with_a_tenant() {
        let mut service = ScimService::new(engine()).mounted_at("/scim/v2/{tenant}/");
        assert_eq!(service.mount_path(), "/scim/v2/{tenant}");
        let response = service
            .call(post("http://h.example/scim/v2/acme/Users", USER))
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body = text(response).await;
        assert!(
            body.contains("http://h.example/scim/v2/acme/Users/"),
            "{body}"
        );

        // Outside the mount point, and a tenant that is not UTF-8: the SCIM 404, closing the
        // connection as the announced body is not read.
        for uri in ["/scim/v2", "/elsewhere/Users", "/scim/v2/%FF/Users"] {
            let response = service.call(post(uri, USER)).await.unwrap();
            assert_eq!(response.status(), 404, "{uri}");
            assert_eq!(response.headers()["connection"], "close", "{uri}");
            assert!(text(response).await.contains("\"status\":\"404\""), "{uri}");
        }
    }

    #[tokio::test]
    async fn bodies_are_read_by_the_engine() {
        let mut service = ScimService::new(engine()).mounted_at("/scim/v2");
        // Refused on its head: the body is never polled.
        let never = StreamBody::new(futures_util::stream::pending::<
            Result<Frame<Bytes>, std::io::Error>,
        >());
        let request = Request::post("/scim/v2/Users")
            .header("content-length", "10")
            .body(never)
            .unwrap();
        let response = service.call(request).await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["connection"], "close");

        // Over the limit by its declared length: 413 before reading.
        let request = Request::post("/scim/v2/Users")
            .header("authorization", "Bearer s3cret")
            .header("content-length", "4096")
            .body(Full::new(Bytes::new()))
            .unwrap();
        assert_eq!(service.call(request).await.unwrap().status(), 413);

        // A body that fails while arriving: 400, nothing created.
        let chunks = futures_util::stream::iter([
            Ok(Frame::data(Bytes::from_static(b"{\"sch"))),
            Err(std::io::Error::other("reset by peer")),
        ]);
        let request = Request::post("/scim/v2/Users")
            .header("authorization", "Bearer s3cret")
            .header("content-type", "application/scim+json")
            .body(StreamBody::new(chunks))
            .unwrap();
        let response = service.call(request).await.unwrap();
        assert_eq!(response.status(), 400);
        assert!(text(response).await.contains("reset by peer"));
    }
}
