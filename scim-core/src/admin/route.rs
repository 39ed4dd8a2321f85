//! The admin API's paths, relative to where it is mounted: which endpoint a path names, with
//! its tenant and token id percent-decoded. It does not look at methods or bodies.

use percent_encoding::percent_decode_str;

use crate::auth::TokenId;
use crate::context::Tenant;

/// An endpoint of the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/tenants/{tenant}`: the tenant's SCIM base URL and a summary of its tokens.
    Tenant(Tenant),
    /// `/tenants/{tenant}/tokens`: list (`GET`), mint (`POST`).
    Tokens(Tenant),
    /// `/tenants/{tenant}/tokens/{id}`: revoke (`DELETE`).
    Token(Tenant, TokenId),
    /// `/tenants/{tenant}/tokens/{id}/rotate`: a new secret (`POST`).
    Rotate(Tenant, TokenId),
    /// `/tenants/{tenant}/activity`: the tenant's activity. Recognised so the path is reserved;
    /// served once an activity log is plugged into the admin API (see `Admin`).
    Activity(Tenant),
}

impl Route {
    /// The methods the endpoint answers, for `405` and `Allow`.
    pub(crate) fn allowed(&self) -> &'static str {
        match self {
            Route::Tenant(_) | Route::Activity(_) => "GET",
            Route::Tokens(_) => "GET, POST",
            Route::Token(..) => "DELETE",
            Route::Rotate(..) => "POST",
        }
    }
}

/// The endpoint at `path` (relative to the mount point; one trailing `/` allowed), or `None`.
/// A segment that is empty or not UTF-8 once percent-decoded names nothing.
pub(crate) fn route(path: &str) -> Option<Route> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let rest = path.strip_prefix('/')?;
    let mut segments = rest.split('/');
    if segments.next()? != "tenants" {
        return None;
    }
    let tenant = Tenant::new(decode(segments.next()?)?);
    let route = match (segments.next(), segments.next(), segments.next()) {
        (None, _, _) => Route::Tenant(tenant),
        (Some("tokens"), None, _) => Route::Tokens(tenant),
        (Some("tokens"), Some(id), None) => Route::Token(tenant, TokenId::new(decode(id)?)),
        (Some("tokens"), Some(id), Some("rotate")) => {
            Route::Rotate(tenant, TokenId::new(decode(id)?))
        }
        (Some("activity"), None, _) => Route::Activity(tenant),
        _ => return None,
    };
    // Nothing may follow the endpoint's last segment.
    segments.next().is_none().then_some(route)
}

/// A path segment percent-decoded, if it is not empty and is UTF-8.
fn decode(segment: &str) -> Option<String> {
    let text = percent_decode_str(segment).decode_utf8().ok()?;
    (!text.is_empty()).then(|| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let acme = || Tenant::new("acme");
        assert_eq!(route("/tenants/acme"), Some(Route::Tenant(acme())));
        assert_eq!(route("/tenants/acme/"), Some(Route::Tenant(acme())));
        assert_eq!(route("/tenants/acme/tokens"), Some(Route::Tokens(acme())));
        assert_eq!(
            route("/tenants/a%20b/tokens/x1/rotate"),
            Some(Route::Rotate(Tenant::new("a b"), TokenId::new("x1")))
        );
        assert_eq!(
            route("/tenants/acme/tokens/x1"),
            Some(Route::Token(acme(), TokenId::new("x1")))
        );
        assert_eq!(
            route("/tenants/acme/activity"),
            Some(Route::Activity(acme()))
        );
        for nothing in [
            "",
            "/",
            "/tenants",
            "/tenants/",
            "/tenants//tokens",
            "/tenants/%FF/tokens",
            "/tenants/acme/tokens/x1/rotate/more",
            "/tenants/acme/tokens//rotate",
            "/tenants/acme/users",
            "tenants/acme",
        ] {
            assert_eq!(route(nothing), None, "{nothing:?}");
        }
    }
}
