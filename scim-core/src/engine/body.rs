//! Reading a request body from the web framework's stream, for the adapters: the endpoint's
//! size limit (checked against `Content-Length` first, then while reading) and the body
//! timeout, each refused with its SCIM error. One implementation, so axum and actix-web behave
//! the same.

use std::fmt::Display;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{FutureExt, Stream, StreamExt};
use http::Response;

use crate::engine::{response, Scim};
use crate::error::ScimError;

/// Why a body was not read.
enum Refusal {
    TooLarge(usize),
    Broken(String),
}

impl Scim {
    /// Reads a request body for `path` from `stream`, the framework's body as a stream of
    /// chunks: at most [`Scim::body_limit`] bytes (a larger `declared_length` or stream is
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
        if declared_length.is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit)) {
            return Err(self.payload_too_large(limit));
        }
        let capacity = declared_length
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(limit);
        // What has already arrived is taken without a timer: no body (a GET), or the whole
        // declared body in one chunk (most small requests).
        let mut stream = std::pin::pin!(stream);
        let first = match stream.next().now_or_never() {
            Some(None) => return Ok(Bytes::new()),
            Some(Some(Ok(chunk)))
                if chunk.len() <= limit
                    && declared_length.is_some_and(|n| n == chunk.len() as u64) =>
            {
                return Ok(chunk);
            }
            Some(Some(item)) => Some(item),
            None => None,
        };
        let read = collect(first, stream, limit, capacity);
        let outcome = match self.inner.settings.body_timeout {
            Some(timeout) => match tokio::time::timeout(timeout, read).await {
                Ok(outcome) => outcome,
                Err(_) => return Err(response::error(&timed_out(timeout))),
            },
            None => read.await,
        };
        outcome.map_err(|refusal| match refusal {
            Refusal::TooLarge(limit) => self.payload_too_large(limit),
            Refusal::Broken(cause) => response::error(&ScimError::BadRequest(format!(
                "the request body could not be read: {cause}"
            ))),
        })
    }
}

/// Reads `first` (a chunk already taken from the stream) and the rest of `stream`.
async fn collect<S, E>(
    first: Option<Result<Bytes, E>>,
    mut stream: std::pin::Pin<&mut S>,
    limit: usize,
    capacity: usize,
) -> Result<Bytes, Refusal>
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
        let chunk = chunk.map_err(|err| Refusal::Broken(err.to_string()))?;
        if chunk.len() > limit.saturating_sub(body.len()) {
            return Err(Refusal::TooLarge(limit));
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
