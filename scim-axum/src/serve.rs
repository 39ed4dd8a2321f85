//! [`serve`]: an axum app served with [`ConnectionLimits`], on hyper's HTTP/1.1 connection
//! builder (hyper-util's timer, tower-to-hyper service and graceful shutdown).

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use scimkit_core::ConnectionLimits;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long in-flight requests may run after `shutdown` resolves before the connections are
/// dropped.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` resolves, enforcing `limits` on every connection:
/// a request head must arrive within `limits.header_timeout` (hyper's header-read timeout, which
/// also runs while a kept-alive connection is idle; the connection is closed without a
/// response), and at most `limits.max_connections` connections are served at once (further
/// ones wait in the listen queue until one closes). See [`ConnectionLimits`].
///
/// It speaks HTTP/1.1 (identity providers do; TLS and HTTP/2 belong to the proxy or load
/// balancer in front). When `shutdown` resolves it stops accepting, lets in-flight requests
/// finish (up to 30 s), and returns. An error accepting one connection (the process out of file
/// descriptors, a connection reset before it was accepted) is logged and the loop goes on.
///
/// ```no_run
/// use axum::Router;
/// use scimkit_core::{ConnectionLimits, InMemoryStore, Scim};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// # let scim = Scim::builder().store(InMemoryStore::new()).build()?;
/// let app = Router::new().nest("/scim/v2", scimkit_axum::router(scim));
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// scimkit_axum::serve(listener, app, ConnectionLimits::default(), async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await?;
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free slot first: at the cap, new connections stay in the listen queue.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    // Out of descriptors: give closing connections a moment.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests still running after 30 s; dropping them");
    }
    Ok(())
}
