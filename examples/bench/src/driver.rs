//! The load driver: `connections` keep-alive HTTP/1.1 connections, each sending requests back
//! to back until the duration is over, timing every request from send to the last body byte.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Builds the request a connection sends next: `(connection index, sequence number on it)`.
pub type MakeRequest = dyn Fn(usize, u64) -> Request<Full<Bytes>> + Send + Sync;

/// What one scenario measured.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Failed requests: connection errors and non-2xx answers.
    pub errors: u64,
    /// Successful requests per second over the scenario's wall time.
    pub rps: f64,
    /// Median latency of the successful requests.
    pub p50: Duration,
    /// 99th percentile latency of the successful requests.
    pub p99: Duration,
}

/// Runs one scenario against `addr`.
pub async fn drive(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    make: Arc<MakeRequest>,
) -> Stats {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(connections);
    for connection in 0..connections {
        let make = Arc::clone(&make);
        tasks.push(tokio::spawn(async move {
            one_connection(addr, connection, deadline, &*make).await
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((mut lat, err)) => {
                latencies.append(&mut lat);
                errors += err;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let ok = latencies.len() as u64;
    Stats {
        errors,
        rps: per_second(ok, elapsed),
        p50: percentile(&latencies, 50),
        p99: percentile(&latencies, 99),
    }
}

/// `count` things (requests, users) per second of `elapsed`.
#[allow(clippy::cast_precision_loss)] // counts are far below 2^52
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        count as f64 / secs
    } else {
        0.0
    }
}

/// The `p`th percentile (nearest rank) of sorted latencies; zero when there are none.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let Some(last) = sorted.len().checked_sub(1) else {
        return Duration::ZERO;
    };
    let rank = (last * p).div_ceil(100);
    sorted.get(rank).copied().unwrap_or_default()
}

/// One connection's loop: latencies of its successful requests and its error count.
async fn one_connection(
    addr: SocketAddr,
    connection: usize,
    deadline: Instant,
    make: &MakeRequest,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::with_capacity(1 << 14);
    let mut errors = 0;
    let mut seq = 0_u64;
    'reconnect: while Instant::now() < deadline {
        let Ok(stream) = TcpStream::connect(addr).await else {
            errors += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        // Latency matters more than packet count here; a failure only costs latency.
        let _ = stream.set_nodelay(true);
        let Ok((mut sender, conn)) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await
        else {
            errors += 1;
            continue;
        };
        tokio::spawn(conn);
        while Instant::now() < deadline {
            let request = make(connection, seq);
            seq += 1;
            let start = Instant::now();
            let outcome = match sender.send_request(request).await {
                Ok(response) => {
                    let success = response.status().is_success();
                    match response.into_body().collect().await {
                        Ok(_) => Some(success),
                        Err(_) => None,
                    }
                }
                Err(_) => None,
            };
            let took = start.elapsed();
            match outcome {
                Some(true) => latencies.push(took),
                Some(false) => errors += 1,
                None => {
                    errors += 1;
                    continue 'reconnect;
                }
            }
        }
    }
    (latencies, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile(&v, 50), Duration::from_micros(51));
        assert_eq!(percentile(&v, 99), Duration::from_micros(100));
        assert_eq!(percentile(&[], 99), Duration::ZERO);
    }
}
