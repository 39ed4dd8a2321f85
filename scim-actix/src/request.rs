//! `ScimRequest`: an actix-web request as what the engine takes, with its mount prefix and
//! tenant.
//!
//! It only converts: actix-web's `http` 0.2 head to `http` 1, the mount prefix and tenant from
//! actix's routing, and the head and the unread payload go to [`Scim::handle_stream`], where
//! everything SCIM happens (the body is read there, under the engine's limits).
//! scimkit-axum's `ScimRequest` has the same shape.

use std::fmt;

use actix_web::http::header::HOST;
use actix_web::{dev, FromRequest, HttpRequest, HttpResponse, ResponseError};
use bytes::Bytes;
use http::request::Parts;
use scimkit_core::engine::Mount;
use scimkit_core::{Scim, ScimError};

use crate::ScimResponse;

/// A request for the SCIM engine, extracted in an actix-web handler: the request's head (as
/// `http` 1), its payload (not yet read), the mount prefix and the tenant path segment, found
/// as [`configure`](crate::configure) finds them.
///
/// [`configure`](crate::configure) is one handler built from it; a host writes its own when it
/// wants to do something around the engine call:
///
/// ```
/// use actix_web::web;
/// use scimkit_actix::{ScimRequest, ScimResponse};
/// use scimkit_core::Scim;
///
/// async fn scim_handler(request: ScimRequest, scim: web::Data<Scim>) -> ScimResponse {
///     let response: ScimResponse = request.handle(&scim).await;
///     // e.g. count response.status() in the host's metrics
///     response
/// }
/// # let _ = web::to(scim_handler);
/// ```
///
/// **Mount prefix**: the part of the path matched by the enclosing scopes, so use it in a
/// scope's default service (or set it with [`with_mount`](Self::with_mount)).
///
/// **Tenant**: the path parameter named `tenant` if an enclosing scope has one, else the only
/// path parameter if there is exactly one, else none.
///
/// **Body**: the extractor never reads it and never rejects, so it needs no engine in the app
/// data; [`handle`](Self::handle) reads it, after the engine has admitted the head.
pub struct ScimRequest {
    parts: Parts,
    body: dev::Payload,
    prefix: String,
    tenant: Option<String>,
    /// Why the request is refused before the engine sees it, when it is.
    refusal: Option<ScimError>,
}

impl fmt::Debug for ScimRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimRequest")
            .field("parts", &self.parts)
            .field("prefix", &self.prefix)
            .field("tenant", &self.tenant)
            .field("refusal", &self.refusal)
            .finish_non_exhaustive()
    }
}

impl ScimRequest {
    /// The request's head as the engine receives it (`http` 1: method, URI, version,
    /// headers; the URI is absolute with `https` on a TLS listener).
    pub fn parts(&self) -> &Parts {
        &self.parts
    }

    /// The mount prefix (`/scim/v2/acme`), without a trailing slash.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The tenant path segment, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// Replaces the mount prefix and tenant, for handlers mounted where the rule does not fit
    /// (a resource route with a tail parameter).
    #[must_use]
    pub fn with_mount(mut self, prefix: impl Into<String>, tenant: Option<String>) -> Self {
        self.prefix = prefix.into();
        self.tenant = tenant;
        self
    }

    /// Answers the request with the engine, through [`Scim::handle_stream`]: the head is
    /// decided by [`Scim::admit`] (an unknown path or a caller that is not authenticated is
    /// refused without reading the body; the refusal closes the connection when a body was
    /// announced), then the payload is read with [`Scim::read_body`] (the endpoint's size
    /// limit, `413` without reading the rest; the body timeout, `408`; a payload that cannot
    /// be read, `400`), and the engine answers.
    ///
    /// A head that cannot be expressed in `http` 1 is answered with the SCIM `400`.
    pub async fn handle(self, scim: &Scim) -> ScimResponse {
        if let Some(error) = &self.refusal {
            return scim.error_response(error).into();
        }
        let mount = Mount {
            prefix: &self.prefix,
            tenant: self.tenant.as_deref(),
        };
        scim.handle_stream(self.parts, self.body, mount)
            .await
            .into()
    }

    /// Converts `req` and its `payload` (what the extractor does); the engine argument and the
    /// rejection are kept for compatibility: nothing is read or refused here any more, so this
    /// never fails, and [`handle`](Self::handle) answers refusals.
    #[deprecated(note = "use the `ScimRequest` extractor; `handle` reads the body and refuses")]
    #[allow(deprecated, clippy::unused_async)]
    pub async fn read(
        req: &HttpRequest,
        payload: dev::Payload,
        scim: &Scim,
    ) -> Result<Self, ScimRejection> {
        let _ = scim;
        Ok(ScimRequest::extract(req, payload))
    }

    /// The head converted, the mount found, the payload kept unread.
    fn extract(req: &HttpRequest, payload: dev::Payload) -> Self {
        let (prefix, tenant) = mount(req);
        let (parts, refusal) = match convert(req) {
            Ok(request) => (request.into_parts().0, None),
            Err(detail) => {
                let (parts, ()) = http::Request::new(()).into_parts();
                (parts, Some(ScimError::BadRequest(detail)))
            }
        };
        ScimRequest {
            parts,
            body: payload,
            prefix,
            tenant,
            refusal,
        }
    }
}

impl FromRequest for ScimRequest {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        std::future::ready(Ok(ScimRequest::extract(req, payload.take())))
    }
}

/// A request refused before it reached the engine, with the SCIM error response to send.
///
/// Nothing produces it any more: the extractor never rejects, and [`ScimRequest::handle`]
/// answers refusals (unknown path, unauthenticated caller, body too large or too slow) with
/// their SCIM error response.
#[deprecated(note = "the extractor never rejects; `ScimRequest::handle` answers refusals")]
#[derive(Debug)]
pub struct ScimRejection(pub ScimResponse);

#[allow(deprecated)]
impl ScimRejection {
    /// The SCIM error response.
    pub fn into_response(self) -> ScimResponse {
        self.0
    }
}

#[allow(deprecated)]
impl fmt::Display for ScimRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SCIM request refused with status {}", self.0.status())
    }
}

#[allow(deprecated)]
impl ResponseError for ScimRejection {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::from_u16(self.0.status().as_u16())
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let source = &self.0 .0;
        let mut copy = http::Response::new(Bytes::clone(source.body()));
        *copy.status_mut() = source.status();
        copy.headers_mut().clone_from(source.headers());
        ScimResponse(copy).into_http_response()
    }
}

/// Method, URI (absolute with `https` on a TLS listener, so `Location` says `https`), version
/// and headers, from actix-web's `http` 0.2 types to `http` 1.
fn convert(req: &HttpRequest) -> Result<http::Request<()>, String> {
    let method = http::Method::from_bytes(req.method().as_str().as_bytes())
        .map_err(|_| format!("unsupported method {}", req.method()))?;
    let uri = req.uri();
    let host = req.headers().get(HOST).and_then(|h| h.to_str().ok());
    let text = match (uri.scheme(), host) {
        (None, Some(host)) if req.app_config().secure() => format!("https://{host}{uri}"),
        _ => uri.to_string(),
    };
    let uri = http::Uri::try_from(text.as_str())
        .or_else(|_| http::Uri::try_from(req.uri().to_string()))
        .map_err(|_| "the request URI is not valid".to_owned())?;
    let version = match req.version() {
        actix_web::http::Version::HTTP_09 => http::Version::HTTP_09,
        actix_web::http::Version::HTTP_10 => http::Version::HTTP_10,
        actix_web::http::Version::HTTP_2 => http::Version::HTTP_2,
        actix_web::http::Version::HTTP_3 => http::Version::HTTP_3,
        _ => http::Version::HTTP_11,
    };
    let mut request = http::Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    let headers = request.headers_mut();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    Ok(request)
}

/// The mount prefix (the raw path minus what the enclosing scopes left unmatched) and the tenant
/// (the parameter `tenant`, else the only parameter).
fn mount(req: &HttpRequest) -> (String, Option<String>) {
    let info = req.match_info();
    let tenant = scimkit_core::engine::tenant_param(info.iter());
    let raw = req.uri().path();
    let unprocessed = info.unprocessed();
    // actix matches on a re-quoted path (`%41` → `A`), so map the matched part back to the raw
    // path by its segments (a `/` is never decoded).
    let prefix = raw.strip_suffix(unprocessed).unwrap_or_else(|| {
        let matched = info.as_str().strip_suffix(unprocessed).unwrap_or("");
        let segments = matched.trim_end_matches('/').matches('/').count();
        raw.match_indices('/')
            .nth(segments)
            .and_then(|(at, _)| raw.get(..at))
            .unwrap_or(raw)
    });
    (
        prefix.trim_end_matches('/').to_owned(),
        tenant.map(str::to_owned),
    )
}
