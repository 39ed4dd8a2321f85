//! An actix-web request as the engine's `http::Request<Bytes>`, with its mount prefix and tenant.

use std::fmt;

use actix_web::http::header::{CONTENT_LENGTH, HOST};
use actix_web::{dev, web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use scimkit_core::engine::{Admitted, Mount};
use scimkit_core::{Scim, ScimError};

use crate::ScimResponse;

/// A request for the SCIM engine, for hosts that write their own handler: the converted
/// `http::Request<Bytes>` (body read within [`Scim::max_body_bytes`]), the mount prefix and the
/// tenant path segment, found as [`configure`](crate::configure) finds them.
///
/// As an extractor it needs the engine in the app data, as `Scim` or `web::Data<Scim>`
/// (`App::new().app_data(scim.clone())`), for the body limit; without it extraction fails with a
/// `500`. The prefix is the part of the path matched by the enclosing scopes, so use it in a
/// scope's default service (or set it with [`with_mount`](Self::with_mount)).
#[derive(Debug)]
pub struct ScimRequest {
    request: http::Request<Bytes>,
    prefix: String,
    tenant: Option<String>,
    /// The engine's decision on the head, for this prefix and tenant.
    admitted: Option<Admitted>,
}

impl ScimRequest {
    /// Converts `req`: first the head, which the engine decides on ([`Scim::admit`]: an unknown
    /// path or a caller that is not authenticated is refused without reading the body), then
    /// `payload` read with [`Scim::read_body`]: up to `scim.body_limit(path)` and within the body
    /// timeout. A body over the limit (`413`), too slow (`408`) or that cannot be read (`400`) is
    /// refused with the SCIM error response.
    pub async fn read(
        req: &HttpRequest,
        payload: dev::Payload,
        scim: &Scim,
    ) -> Result<Self, ScimRejection> {
        let refuse = |response: http::Response<Bytes>| ScimRejection(response.into());
        let (head, ()) = convert(req, ())
            .map_err(|detail| refuse(scim.error_response(&ScimError::BadRequest(detail))))?
            .into_parts();
        let (prefix, tenant) = mount(req);
        let mount = Mount {
            prefix: &prefix,
            tenant: tenant.as_deref(),
        };
        let admitted = scim.admit(&head, mount).await.map_err(refuse)?;
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
        let body = scim
            .read_body(req.path(), declared, payload)
            .await
            .map_err(refuse)?;
        Ok(ScimRequest {
            request: http::Request::from_parts(head, body),
            prefix,
            tenant,
            admitted: Some(admitted),
        })
    }

    /// The request as the engine receives it.
    pub fn request(&self) -> &http::Request<Bytes> {
        &self.request
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
        // The head was admitted for the other mount: the engine decides again.
        self.admitted = None;
        self
    }

    /// The request, prefix and tenant.
    pub fn into_parts(self) -> (http::Request<Bytes>, String, Option<String>) {
        (self.request, self.prefix, self.tenant)
    }

    /// Answers the request with `scim`.
    pub async fn handle(self, scim: &Scim) -> ScimResponse {
        let mount = Mount {
            prefix: &self.prefix,
            tenant: self.tenant.as_deref(),
        };
        match self.admitted {
            Some(admitted) => scim.handle_admitted(self.request, mount, admitted).await,
            None => scim.handle_with(self.request, mount).await,
        }
        .into()
    }
}

impl FromRequest for ScimRequest {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let scim = req
                .app_data::<Scim>()
                .cloned()
                .or_else(|| req.app_data::<web::Data<Scim>>().map(|d| Scim::clone(d)))
                .ok_or_else(|| {
                    actix_web::error::ErrorInternalServerError(
                        "ScimRequest needs the Scim in the app data: App::new().app_data(scim.clone())",
                    )
                })?;
            Ok(ScimRequest::read(&req, payload, &scim).await?)
        })
    }
}

/// A request refused before it reached the engine (body too large, too slow or unreadable), with the
/// SCIM error response to send.
#[derive(Debug)]
pub struct ScimRejection(pub ScimResponse);

impl ScimRejection {
    /// The SCIM error response.
    pub fn into_response(self) -> ScimResponse {
        self.0
    }
}

impl fmt::Display for ScimRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SCIM request refused with status {}", self.0.status())
    }
}

impl ResponseError for ScimRejection {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::from_u16(self.0.status().as_u16())
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let source = &self.0 .0;
        let mut copy = http::Response::new(source.body().clone());
        *copy.status_mut() = source.status();
        copy.headers_mut().clone_from(source.headers());
        ScimResponse(copy).into_http_response()
    }
}

/// Method, URI (absolute with `https` on a TLS listener, so `Location` says `https`), version,
/// headers and body, from actix-web's `http` 0.2 types to `http` 1.
fn convert<B>(req: &HttpRequest, body: B) -> Result<http::Request<B>, String> {
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
    let mut request = http::Request::new(body);
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
