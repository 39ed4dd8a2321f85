//! Real servers of each adapter, on ephemeral loopback ports.
#![allow(clippy::expect_used)]

use std::net::SocketAddr;

use scimkit_core::engine::ScimService;
use scimkit_core::{ConnectionLimits, Scim};

use crate::harness::{Adapter, Mounting};

/// `scimkit-axum` nested in an axum app, served by `scimkit_axum::serve` on the test's runtime.
#[derive(Debug)]
pub struct Axum;

impl Adapter for Axum {
    /// `scimkit_axum::admin_router` nested at `/admin`.
    async fn serve_admin(admin: scimkit_core::admin::Admin) -> SocketAddr {
        let app = axum::Router::new().nest("/admin", scimkit_axum::admin_router(admin));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    async fn serve(scim: Scim, mounting: Mounting, limits: ConnectionLimits) -> SocketAddr {
        let path = match mounting {
            Mounting::Single => "/scim/v2",
            Mounting::PerTenant => "/scim/v2/{tenant}",
        };
        let app = axum::Router::new()
            .route("/healthz", axum::routing::get(|| async { "ok" }))
            .nest(path, scimkit_axum::router(scim));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(scimkit_axum::serve(
            listener,
            app,
            limits,
            std::future::pending(),
        ));
        addr
    }
}

/// `scimkit-actix` in an actix-web app, served by `HttpServer` (two workers, set up by
/// `scimkit_actix::limit_connections`) on its own system thread.
#[derive(Debug)]
pub struct Actix;

impl Adapter for Actix {
    /// `scimkit_actix::configure_admin` in a scope at `/admin`, on its own system thread.
    async fn serve_admin(admin: scimkit_core::admin::Admin) -> SocketAddr {
        on_system_thread(move |listener| {
            actix_web::HttpServer::new(move || {
                actix_web::App::new().service(
                    actix_web::web::scope("/admin")
                        .configure(scimkit_actix::configure_admin(admin.clone())),
                )
            })
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run()
        })
    }

    async fn serve(scim: Scim, mounting: Mounting, limits: ConnectionLimits) -> SocketAddr {
        let path = match mounting {
            Mounting::Single => "/scim/v2",
            Mounting::PerTenant => "/scim/v2/{tenant}",
        };
        on_system_thread(move |listener| {
            scimkit_actix::limit_connections(
                actix_web::HttpServer::new(move || {
                    actix_web::App::new()
                        .route("/healthz", actix_web::web::get().to(|| async { "ok" }))
                        .service(
                            actix_web::web::scope(path)
                                .configure(scimkit_actix::configure(scim.clone())),
                        )
                }),
                2,
                &limits,
            )
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run()
        })
    }
}

/// Runs the actix-web server `start` makes on a loopback listener, on a thread with an actix
/// system of its own (actix-web runs on its own runtime, not the test's); the server's
/// address, accepting at once.
fn on_system_thread<F>(start: F) -> SocketAddr
where
    F: FnOnce(std::net::TcpListener) -> actix_web::dev::Server + Send + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let _ = start(listener).await;
        });
    });
    addr
}

/// `scimkit-core`'s `ScimService` (feature `tower`) served straight from hyper 1 with
/// hyper-util, no web framework, on the test's runtime: one HTTP/1.1 connection task per
/// accepted connection, with hyper's header-read timeout set to `limits.header_timeout` (a
/// setting of hyper's connection builder). The connection cap is not honoured: it is a
/// semaphore in the accept loop that `scimkit_axum::serve` owns, which a bare hyper server
/// would have to copy; `tests/hyper.rs` leaves its case out.
#[derive(Debug)]
pub struct Hyper;

impl Adapter for Hyper {
    async fn serve(scim: Scim, mounting: Mounting, limits: ConnectionLimits) -> SocketAddr {
        let path = match mounting {
            Mounting::Single => "/scim/v2",
            Mounting::PerTenant => "/scim/v2/{tenant}",
        };
        let service = ScimService::new(scim).mounted_at(path);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_timeout);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let service = hyper_util::service::TowerToHyperService::new(service.clone());
                let connection =
                    http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        addr
    }
}
