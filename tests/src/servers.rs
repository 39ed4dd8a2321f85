//! Real servers of each adapter, on ephemeral loopback ports.
#![allow(clippy::expect_used)]

use std::net::SocketAddr;

use scimkit_core::{ConnectionLimits, Scim};

use crate::harness::{Adapter, Mounting};

/// `scimkit-axum` nested in an axum app, served by `scimkit_axum::serve` on the test's runtime.
#[derive(Debug)]
pub struct Axum;

impl Adapter for Axum {
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
    async fn serve(scim: Scim, mounting: Mounting, limits: ConnectionLimits) -> SocketAddr {
        let path = match mounting {
            Mounting::Single => "/scim/v2",
            Mounting::PerTenant => "/scim/v2/{tenant}",
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = scimkit_actix::limit_connections(
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
                .run();
                let _ = server.await;
            });
        });
        addr
    }
}
