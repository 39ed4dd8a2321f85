//! Routing: which endpoint a path below the mount point names.

use std::borrow::Cow;
use std::sync::Arc;

use percent_encoding::percent_decode_str;

use crate::schema::ResourceType;

/// The endpoint a request addresses. Ids are borrowed from the path unless percent-decoding
/// changed them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Route<'a> {
    ServiceProviderConfig,
    Schemas(Option<Cow<'a, str>>),
    ResourceTypes(Option<Cow<'a, str>>),
    RootSearch,
    Bulk,
    Me,
    /// `/{endpoint}`.
    Collection(Arc<ResourceType>),
    /// `/{endpoint}/.search`.
    Search(Arc<ResourceType>),
    /// `/{endpoint}/{id}`.
    Resource(Arc<ResourceType>, Cow<'a, str>),
}

impl Route<'_> {
    /// A short name for logs and the `tracing` span.
    pub(crate) fn resource_type(&self) -> &str {
        match self {
            Route::ServiceProviderConfig => "ServiceProviderConfig",
            Route::Schemas(_) => "Schema",
            Route::ResourceTypes(_) => "ResourceType",
            Route::RootSearch => "(root)",
            Route::Bulk => "Bulk",
            Route::Me => "Me",
            Route::Collection(rt) | Route::Search(rt) | Route::Resource(rt, _) => &rt.name,
        }
    }

    /// Whether the route is a discovery endpoint (may be public).
    pub(crate) fn is_discovery(&self) -> bool {
        matches!(
            self,
            Route::ServiceProviderConfig | Route::Schemas(_) | Route::ResourceTypes(_)
        )
    }
}

/// Whether a first path segment is one of the protocol's own endpoints.
pub(crate) fn is_protocol_segment(segment: &str) -> bool {
    [
        "ServiceProviderConfig",
        "ServiceProviderConfigs",
        "Schemas",
        "ResourceTypes",
        "Bulk",
        "Me",
    ]
    .iter()
    .any(|name| name.eq_ignore_ascii_case(segment))
}

/// Routes `path` (below the mount point; a trailing slash is tolerated). `None` for a path
/// that names no endpoint. Endpoint names are matched case-insensitively.
pub(crate) fn route<'a>(path: &'a str, resource_types: &[Arc<ResourceType>]) -> Option<Route<'a>> {
    let trimmed = path.trim_matches('/');
    let mut segments = trimmed.split('/');
    let first = segments.next().filter(|s| !s.is_empty())?;
    let second = segments.next();
    if segments.next().is_some() {
        return None;
    }
    let is = |name: &str| first.eq_ignore_ascii_case(name);
    let id = |segment: &'a str| -> Option<Cow<'a, str>> {
        let decoded: Cow<'a, str> = percent_decode_str(segment).decode_utf8().ok()?;
        (!decoded.is_empty()).then_some(decoded)
    };
    if is("ServiceProviderConfig") || is("ServiceProviderConfigs") {
        return second.is_none().then_some(Route::ServiceProviderConfig);
    }
    if is("Schemas") {
        return match second {
            None => Some(Route::Schemas(None)),
            Some(s) => Some(Route::Schemas(Some(id(s)?))),
        };
    }
    if is("ResourceTypes") {
        return match second {
            None => Some(Route::ResourceTypes(None)),
            Some(s) => Some(Route::ResourceTypes(Some(id(s)?))),
        };
    }
    if is(".search") {
        return second.is_none().then_some(Route::RootSearch);
    }
    if is("Bulk") {
        return second.is_none().then_some(Route::Bulk);
    }
    if is("Me") {
        return second.is_none().then_some(Route::Me);
    }
    let rt = resource_types.iter().find(|rt| {
        rt.endpoint
            .strip_prefix('/')
            .is_some_and(|e| e.eq_ignore_ascii_case(first))
    })?;
    Some(match second {
        None => Route::Collection(Arc::clone(rt)),
        Some(s) if s.eq_ignore_ascii_case(".search") => Route::Search(Arc::clone(rt)),
        Some(s) => Route::Resource(Arc::clone(rt), id(s)?),
    })
}
