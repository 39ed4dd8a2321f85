//! A SCIM 2.0 server served straight from hyper 1 and hyper-util, without a web framework: the
//! engine is a tower service (`scimkit_core::engine::ScimService`, feature `tower`) and hyper
//! serves it through hyper-util's `TowerToHyperService`. The pieces `main.rs` serves are built
//! here so the tests serve the same:
//!
//! - [`credentials`], [`engine`]: the token and the engine, shared with example-axum and
//!   example-actix (`example-host`);
//! - [`App`]: the host's service: `GET /healthz`, and SCIM mounted at [`SCIM_PATH`];
//! - [`serve`]: the accept loop, with hyper's header-read timeout and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use scimkit_core::engine::ScimService;
use scimkit_core::Scim;
use tokio::net::TcpListener;

pub use example_host::{credentials, engine, Credentials, SCIM_PATH, TENANT};

/// How long in-flight requests may run after shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(30);

/// A response's future.
type Answer = Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

/// The host's service: `GET /healthz` answers `ok`; every other request goes to the SCIM
/// engine mounted at [`SCIM_PATH`] (a path outside it gets the engine's SCIM `404`).
#[derive(Debug, Clone)]
pub struct App {
    scim: ScimService,
}

impl App {
    /// The app around `scim`.
    pub fn new(scim: Scim) -> App {
        App {
            scim: ScimService::new(scim).mounted_at(SCIM_PATH),
        }
    }
}

impl tower_service::Service<Request<Incoming>> for App {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Answer {
        if request.uri().path() == "/healthz" {
            let ok = Response::new(Full::new(Bytes::from_static(b"ok")));
            return Box::pin(std::future::ready(Ok(ok)));
        }
        self.scim.call(request)
    }
}

/// Serves `app` on `listener` until `shutdown` resolves: HTTP/1.1, a request head must arrive
/// within `header_timeout` (hyper's header-read timeout, which also closes idle kept-alive
/// connections). Then it stops accepting, lets in-flight requests finish (up to 30 s) and
/// returns. It does not cap the number of connections: put a proxy in front, or serve with
/// `scimkit_axum::serve`, for that.
pub async fn serve(
    listener: TcpListener,
    app: App,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests still running after 30 s; dropping them");
    }
}
