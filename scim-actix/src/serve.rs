//! [`limit_connections`]: an actix-web `HttpServer` set up with [`ConnectionLimits`].

use std::fmt;

use actix_http::{KeepAlive, Request};
use actix_service::IntoServiceFactory;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Response, Service, ServiceFactory};
use actix_web::{Error, HttpServer};
use scimkit_core::ConnectionLimits;

/// Sets `server` up to enforce `limits` with `workers` worker threads:
///
/// - `client_request_timeout` is `limits.header_timeout`: a connection that has not sent a
///   whole request head in that time is answered `408 Request Timeout` and closed;
/// - keep-alive is off: each connection carries one request and is closed after its response
///   (`Connection: close`). actix-http times only the *first* request head of a connection, so
///   on a kept-alive connection a client that has completed one request could send its next
///   head a byte at a time for as long as it likes, holding a connection slot. Identity
///   providers open a new connection per request without complaint, and a proxy in front
///   usually does so anyway. To keep connections alive regardless, call
///   `.keep_alive(Duration)` after this function and rely on the connection cap alone for
///   slow clients on kept-alive connections;
/// - actix-web's connection cap is per worker, so each worker gets
///   `limits.max_connections / workers` (at least one): the server as a whole never serves
///   more than `limits.max_connections` (when `workers` divides it, exactly that many). At the
///   cap the workers stop accepting and further connections wait in the listen queue.
///
/// Call it before `bind`/`listen`, and do not change the worker count afterwards (the per-worker
/// cap is computed from it). A `workers` of 0 counts as 1.
///
/// ```no_run
/// use actix_web::{web, App, HttpServer};
/// use scimkit_core::{ConnectionLimits, InMemoryStore, Scim};
///
/// # #[actix_web::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let scim = Scim::builder().store(InMemoryStore::new()).build()?;
/// let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
/// let server = HttpServer::new(move || {
///     App::new().service(web::scope("/scim/v2").configure(scimkit_actix::configure(scim.clone())))
/// });
/// scimkit_actix::limit_connections(server, workers, &ConnectionLimits::default())
///     .bind("0.0.0.0:8080")?
///     .run()
///     .await?;
/// # Ok(())
/// # }
/// ```
pub fn limit_connections<F, I, S, B>(
    server: HttpServer<F, I, S, B>,
    workers: usize,
    limits: &ConnectionLimits,
) -> HttpServer<F, I, S, B>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let workers = workers.max(1);
    server
        .workers(workers)
        .max_connections((limits.max_connections / workers).max(1))
        .client_request_timeout(limits.header_timeout)
        .keep_alive(KeepAlive::Disabled)
}
