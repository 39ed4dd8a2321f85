//! Reading an admin request's body from a framework's stream with the engine's reader: at most
//! the configured number of bytes (a larger declared `Content-Length` refused before reading),
//! within the body timeout; its refusals in the admin API's error shape.

use std::fmt::Display;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use http::StatusCode;

use super::problem::Problem;
use crate::engine::{read_limited, BodyRefusal};

pub(crate) fn too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payloadTooLarge",
        format!("the request body is larger than {limit} bytes, the most this API reads"),
    )
}

/// The whole body of `stream` (the engine's reader, [`read_limited`]), or the refusal to
/// answer with.
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
    read_limited(stream, declared, limit, timeout)
        .await
        .map_err(|refusal| match refusal {
            BodyRefusal::TooLarge(limit) => too_large(limit),
            BodyRefusal::Broken(cause) => Problem::new(
                StatusCode::BAD_REQUEST,
                "badRequest",
                format!("the request body could not be read: {cause}"),
            ),
            BodyRefusal::TimedOut(timeout) => Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "requestTimeout",
                format!(
                    "the request body did not arrive within {} ms; send it without pauses",
                    timeout.as_millis()
                ),
            ),
        })
}
