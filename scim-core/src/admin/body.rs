//! Reading an admin request's body from a framework's stream: at most the configured number of
//! bytes (a larger declared `Content-Length` refused before reading), within the body timeout.

use std::fmt::Display;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use http::StatusCode;

use super::problem::Problem;

pub(crate) fn too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payloadTooLarge",
        format!("the request body is larger than {limit} bytes, the most this API reads"),
    )
}

/// The whole body of `stream`, or the refusal to answer with.
pub(crate) async fn read<S, E>(
    stream: S,
    declared: Option<u64>,
    limit: usize,
    timeout: Option<Duration>,
) -> Result<Bytes, Problem>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: Display,
{
    if declared.is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit)) {
        return Err(too_large(limit));
    }
    let collect = async {
        let mut stream = std::pin::pin!(stream);
        let mut body = BytesMut::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "badRequest",
                    format!("the request body could not be read: {error}"),
                )
            })?;
            if chunk.len() > limit.saturating_sub(body.len()) {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    match timeout {
        Some(timeout) => tokio::time::timeout(timeout, collect)
            .await
            .unwrap_or_else(|_| {
                Err(Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "requestTimeout",
                    format!(
                        "the request body did not arrive within {} ms; send it without pauses",
                        timeout.as_millis()
                    ),
                ))
            }),
        None => collect.await,
    }
}
