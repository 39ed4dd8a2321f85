//! Reading a request body from the web framework's stream, for the adapters: the declared
//! length ([`content_length`], the one reading of `Content-Length`), the endpoint's size limit
//! (checked against the declared length first, then while reading) and the body timeout, each
//! refused with its SCIM error; and [`Scim::handle_stream`], the one path of a request whose
//! body is still a stream (head admitted, body read, request answered). One implementation, so
//! axum, actix-web and the tower service behave the same.

use std::fmt::Display;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{FutureExt, Stream, StreamExt};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Response};

use crate::engine::{response, Mount, Scim};
use crate::error::ScimError;

/// The body length a request declares in `Content-Length`: `None` when the header is absent or
/// is not a number (one or more ASCII digits, surrounding whitespace ignored). When the header
/// is repeated, the first value counts (HTTP servers refuse conflicting values before any
/// service runs).
///
/// ```
/// use http::HeaderMap;
/// use scimkit_core::engine::content_length;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(content_length(&headers), None);
/// headers.insert("content-length", " 42 ".parse()?);
/// assert_eq!(content_length(&headers), Some(42));
/// headers.insert("content-length", "+42".parse()?);
/// assert_eq!(content_length(&headers), None);
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    let text = headers.get(CONTENT_LENGTH)?.to_str().ok()?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Why a body was not read by [`read_limited`].
#[derive(Debug)]
pub(crate) enum BodyRefusal {
    /// Over the limit (declared or while reading): the limit.
    TooLarge(usize),
    /// The stream failed: its error's text.
    Broken(String),
    /// The body did not arrive within the timeout.
    TimedOut(Duration),
}

/// The whole body of `stream`: refused before reading when `declared` is over `limit`, and
/// while reading when the chunks go over it; within `timeout` when one is set. What has already
/// arrived is taken without a timer: no body (a GET), or the whole declared body in one chunk
/// (most small requests). The one body reader of the engine and the admin API; each maps the
/// refusal to its own error shape.
pub(crate) async fn read_limited<S, E>(
    stream: S,
    declared: Option<u64>,
    limit: usize,
    timeout: Option<Duration>,
) -> Result<Bytes, BodyRefusal>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Display,
{
    if declared.is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit)) {
        return Err(BodyRefusal::TooLarge(limit));
    }
    let capacity = declared
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
        .min(limit);
    let mut stream = std::pin::pin!(stream);
    let first = match stream.next().now_or_never() {
        Some(None) => return Ok(Bytes::new()),
        Some(Some(Ok(chunk)))
            if chunk.len() <= limit && declared.is_some_and(|n| n == chunk.len() as u64) =>
        {
            return Ok(chunk);
        }
        Some(Some(item)) => Some(item),
        None => None,
    };
    let read = collect(first, stream, limit, capacity);
    match timeout {
        Some(timeout) => tokio::time::timeout(timeout, read)
            .await
            .unwrap_or(Err(BodyRefusal::TimedOut(timeout))),
        None => read.await,
    }
}

impl Scim {
    /// Answers a request whose body is still arriving as `body`, a stream of chunks (the
    /// framework's body): the head is decided by [`Scim::admit`] (a refusal is returned
    /// without reading any of the body), the body read by [`Scim::read_body`] with the length
    /// `Content-Length` declares ([`content_length`]), and the request answered by
    /// [`Scim::handle_admitted`]. This is what every adapter does after converting its
    /// framework's request; `mount` is where the adapter's routing put the engine.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use scimkit_core::auth::{AuthError, AuthRequest};
    /// use scimkit_core::context::{Caller, Context, Tenant};
    /// use scimkit_core::engine::Mount;
    /// use scimkit_core::{InMemoryStore, Scim};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let scim = Scim::builder()
    ///     .store(InMemoryStore::new())
    ///     .authenticator(|req: &AuthRequest<'_>| match req.bearer_token() {
    ///         Some("s3cret") => Ok(Context::new(Tenant::new("acme"), Caller::new("idp"))),
    ///         _ => Err(AuthError::Unauthorized("a bearer token is required".into())),
    ///     })
    ///     .build()?;
    /// let user = r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;
    /// let (head, ()) = http::Request::post("/scim/v2/Users")
    ///     .header("authorization", "Bearer s3cret")
    ///     .header("content-type", "application/scim+json")
    ///     .header("content-length", user.len())
    ///     .body(())?
    ///     .into_parts();
    /// // The body as a framework delivers it: chunks, each of which may fail.
    /// let chunks = futures_util::stream::iter([
    ///     Ok::<_, std::io::Error>(Bytes::from(&user[..10])),
    ///     Ok(Bytes::from(&user[10..])),
    /// ]);
    /// let mount = Mount { prefix: "/scim/v2", tenant: None };
    /// let response = scim.handle_stream(head, chunks, mount).await;
    /// assert_eq!(response.status(), 201);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn handle_stream<S, E>(
        &self,
        head: http::request::Parts,
        body: S,
        mount: Mount<'_>,
    ) -> Response<Bytes>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Display,
    {
        // Route and caller are decided on the head: a refused request's body is never read.
        let admitted = match self.admit(&head, mount).await {
            Ok(admitted) => admitted,
            Err(refused) => {
                self.record_refusal(&head, mount, None, &refused);
                return refused;
            }
        };
        let declared = content_length(&head.headers);
        let body = match self.read_body(head.uri.path(), declared, body).await {
            Ok(body) => body,
            Err(refused) => {
                self.record_refusal(&head, mount, admitted.ctx.as_ref(), &refused);
                return refused;
            }
        };
        let request = http::Request::from_parts(head, body);
        self.handle_admitted(request, mount, admitted).await
    }

    /// Reads a request body for `path` from `stream`, the framework's body as a stream of
    /// chunks: at most [`Scim::body_limit`] bytes (a larger `declared_length`, which
    /// [`content_length`] reads from the head, or stream is
    /// refused with `413` without reading the rest) within the body timeout
    /// ([`ScimBuilder::body_timeout`], default 30 s: a slow or stalled client gets `408`). A
    /// stream that fails (the client went away) gets `400`. On any of these the request never
    /// reaches the engine, so nothing is changed.
    ///
    /// Needs a tokio runtime with its timer when a timeout is set.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use scimkit_core::auth::{AuthError, AuthRequest};
    /// use scimkit_core::context::Context;
    /// use scimkit_core::{InMemoryStore, Scim};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let scim = Scim::builder()
    ///     .store(InMemoryStore::new())
    ///     .authenticator(|_: &AuthRequest<'_>| -> Result<Context, AuthError> {
    ///         Err(AuthError::Unauthorized("no".into()))
    ///     })
    ///     .max_body_bytes(8)
    ///     .build()?;
    /// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("{}"))]);
    /// assert_eq!(scim.read_body("/Users", None, chunks).await.ok(), Some(Bytes::from("{}")));
    ///
    /// let big = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("0123456789"))]);
    /// let refused = scim.read_body("/Users", None, big).await.unwrap_err();
    /// assert_eq!(refused.status(), 413);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// [`ScimBuilder::body_timeout`]: crate::engine::ScimBuilder::body_timeout
    pub async fn read_body<S, E>(
        &self,
        path: &str,
        declared_length: Option<u64>,
        stream: S,
    ) -> Result<Bytes, Response<Bytes>>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Display,
    {
        let limit = self.body_limit(path);
        let timeout = self.inner.settings.body_timeout;
        read_limited(stream, declared_length, limit, timeout)
            .await
            .map_err(|refusal| match refusal {
                BodyRefusal::TooLarge(limit) => self.payload_too_large(limit),
                BodyRefusal::Broken(cause) => response::error(&ScimError::BadRequest(format!(
                    "the request body could not be read: {cause}"
                ))),
                BodyRefusal::TimedOut(timeout) => response::error(&timed_out(timeout)),
            })
    }
}

/// Reads `first` (a chunk already taken from the stream) and the rest of `stream`.
async fn collect<S, E>(
    first: Option<Result<Bytes, E>>,
    mut stream: std::pin::Pin<&mut S>,
    limit: usize,
    capacity: usize,
) -> Result<Bytes, BodyRefusal>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Display,
{
    let mut body = BytesMut::with_capacity(capacity);
    let mut next = first;
    loop {
        let chunk = match next.take() {
            Some(chunk) => chunk,
            None => match stream.next().await {
                Some(chunk) => chunk,
                None => break,
            },
        };
        let chunk = chunk.map_err(|err| BodyRefusal::Broken(err.to_string()))?;
        if chunk.len() > limit.saturating_sub(body.len()) {
            return Err(BodyRefusal::TooLarge(limit));
        }
        if capacity > 0 && body.is_empty() && chunk.len() == capacity {
            // The whole body in one chunk: no copy.
            return Ok(chunk);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn timed_out(timeout: Duration) -> ScimError {
    ScimError::RequestTimeout(format!(
        "the request body did not arrive within {} ms; send it without pauses",
        timeout.as_millis()
    ))
}
