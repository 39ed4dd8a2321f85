//! The rules by which an adapter turns its framework's routing into a [`Mount`]: the same in
//! every adapter, so a host moving between frameworks keeps its URLs and tenants.
//!
//! [`Mount`]: super::Mount

/// The tenant among a route's path parameters (names and decoded values): the parameter named
/// `tenant` if there is one, else the only parameter if there is exactly one, else none.
///
/// ```
/// use scimkit_core::engine::tenant_param;
///
/// assert_eq!(tenant_param([("tenant", "acme")]), Some("acme"));
/// assert_eq!(tenant_param([("org", "acme")]), Some("acme"));
/// assert_eq!(tenant_param([("region", "eu"), ("tenant", "acme")]), Some("acme"));
/// assert_eq!(tenant_param([("region", "eu"), ("org", "acme")]), None);
/// assert_eq!(tenant_param([]), None);
/// ```
pub fn tenant_param<'a, I>(params: I) -> Option<&'a str>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut only = None;
    let mut count = 0_usize;
    for (name, value) in params {
        if name == "tenant" {
            return Some(value);
        }
        count += 1;
        only = Some(value);
    }
    only.filter(|_| count == 1)
}

/// The mount prefix: the request's full path up to where the path the adapter's nested route
/// sees begins, without a trailing slash; empty when the two do not line up.
///
/// ```
/// use scimkit_core::engine::mount_prefix;
///
/// assert_eq!(mount_prefix("/scim/v2/Users", "/Users"), "/scim/v2");
/// assert_eq!(mount_prefix("/scim/v2/acme/Users/1", "/Users/1"), "/scim/v2/acme");
/// assert_eq!(mount_prefix("/scim/v2", "/"), "/scim/v2");
/// assert_eq!(mount_prefix("/scim/v2", ""), "/scim/v2");
/// assert_eq!(mount_prefix("/Users", "/Users"), "");
/// assert_eq!(mount_prefix("/a/Users", "/Groups"), "");
/// ```
pub fn mount_prefix<'a>(full_path: &'a str, nested_path: &str) -> &'a str {
    let prefix = match full_path.strip_suffix(nested_path) {
        Some(prefix) => prefix,
        None if nested_path == "/" => full_path,
        None => "",
    };
    prefix.trim_end_matches('/')
}

/// Where a [`ScimService`](super::ScimService) is mounted, as a path pattern: segments, each
/// matched literally or, written `{name}`, a path parameter (`/scim/v2`, `/scim/v2/{tenant}`).
/// Matching follows the rules above: the matched part of the raw path is the mount prefix, the
/// parameters' percent-decoded values go through [`tenant_param`].
#[cfg(feature = "tower")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MountPath {
    segments: Vec<Segment>,
}

#[cfg(feature = "tower")]
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// Where a request path stands against a [`MountPath`].
#[cfg(feature = "tower")]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Located {
    /// Below the mount point: the mount prefix (the matched part of the path, without a
    /// trailing slash) and the tenant.
    Below {
        prefix: String,
        tenant: Option<String>,
    },
    /// Not below the mount point.
    Outside,
    /// Below it, but a path parameter is not UTF-8 once percent-decoded (no tenant is named
    /// so).
    InvalidParam,
}

#[cfg(feature = "tower")]
impl MountPath {
    /// Reads a pattern: empty segments (`//`, a trailing `/`) are ignored; a whole segment in
    /// braces with a name is a parameter, anything else is literal.
    pub(crate) fn parse(pattern: &str) -> MountPath {
        let segments = pattern
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                match segment
                    .strip_prefix('{')
                    .and_then(|inner| inner.strip_suffix('}'))
                {
                    Some(name) if !name.is_empty() => Segment::Param(name.to_owned()),
                    _ => Segment::Literal(segment.to_owned()),
                }
            })
            .collect();
        MountPath { segments }
    }

    /// The pattern as written by [`MountPath::parse`] would read it back (`/scim/v2/{tenant}`;
    /// empty at the root).
    pub(crate) fn pattern(&self) -> String {
        let mut text = String::new();
        for segment in &self.segments {
            text.push('/');
            match segment {
                Segment::Literal(literal) => text.push_str(literal),
                Segment::Param(name) => {
                    text.push('{');
                    text.push_str(name);
                    text.push('}');
                }
            }
        }
        text
    }

    /// Matches `path` (the request's raw path): each segment of the pattern against one
    /// segment of the path (literals exactly, parameters any non-empty segment), and the rest
    /// of the path empty or starting with `/`.
    pub(crate) fn locate(&self, path: &str) -> Located {
        let mut rest = path;
        let mut params: Vec<(&str, std::borrow::Cow<'_, str>)> = Vec::new();
        for segment in &self.segments {
            let Some(after_slash) = rest.strip_prefix('/') else {
                return Located::Outside;
            };
            let end = after_slash.find('/').unwrap_or(after_slash.len());
            let (text, remainder) = after_slash.split_at(end);
            match segment {
                Segment::Literal(literal) if literal == text => {}
                Segment::Param(name) if !text.is_empty() => {
                    match percent_encoding::percent_decode_str(text).decode_utf8() {
                        Ok(value) => params.push((name, value)),
                        Err(_) => return Located::InvalidParam,
                    }
                }
                _ => return Located::Outside,
            }
            rest = remainder;
        }
        if !(rest.is_empty() || rest.starts_with('/')) {
            return Located::Outside;
        }
        let matched = path.len() - rest.len();
        let prefix = path.get(..matched).unwrap_or("").trim_end_matches('/');
        let tenant = tenant_param(params.iter().map(|(name, value)| (*name, value.as_ref())));
        Located::Below {
            prefix: prefix.to_owned(),
            tenant: tenant.map(str::to_owned),
        }
    }
}

#[cfg(all(test, feature = "tower"))]
mod tests {
    use super::{Located, MountPath};

    fn below(prefix: &str, tenant: Option<&str>) -> Located {
        Located::Below {
            prefix: prefix.to_owned(),
            tenant: tenant.map(str::to_owned),
        }
    }

    #[test]
    fn literal_mounts() {
        let mount = MountPath::parse("/scim/v2/");
        assert_eq!(mount.pattern(), "/scim/v2");
        assert_eq!(mount.locate("/scim/v2/Users"), below("/scim/v2", None));
        assert_eq!(mount.locate("/scim/v2"), below("/scim/v2", None));
        assert_eq!(mount.locate("/scim/v2/"), below("/scim/v2", None));
        assert_eq!(mount.locate("/scim/v2x/Users"), Located::Outside);
        assert_eq!(mount.locate("/scim/V2/Users"), Located::Outside);
        assert_eq!(mount.locate("/scim"), Located::Outside);
        assert_eq!(mount.locate("/healthz"), Located::Outside);
        assert_eq!(mount.locate(""), Located::Outside);
    }

    #[test]
    fn the_root() {
        let root = MountPath::parse("");
        assert_eq!(root, MountPath::parse("/"));
        assert_eq!(root.pattern(), "");
        assert_eq!(root.locate("/Users"), below("", None));
        assert_eq!(root.locate("/"), below("", None));
    }

    #[test]
    fn tenant_parameters() {
        let mount = MountPath::parse("/scim/v2/{tenant}");
        assert_eq!(mount.pattern(), "/scim/v2/{tenant}");
        assert_eq!(
            mount.locate("/scim/v2/acme/Users/1"),
            below("/scim/v2/acme", Some("acme"))
        );
        assert_eq!(
            mount.locate("/scim/v2/a%20b/Users"),
            below("/scim/v2/a%20b", Some("a b"))
        );
        assert_eq!(
            mount.locate("/scim/v2/acme"),
            below("/scim/v2/acme", Some("acme"))
        );
        assert_eq!(mount.locate("/scim/v2//Users"), Located::Outside);
        assert_eq!(mount.locate("/scim/v2"), Located::Outside);
        assert_eq!(mount.locate("/scim/v2/%FF/Users"), Located::InvalidParam);
        // The tenant rule: `tenant` wins, else the only parameter, else none.
        let named = MountPath::parse("/{region}/orgs/{tenant}");
        assert_eq!(
            named.locate("/eu/orgs/acme/Users"),
            below("/eu/orgs/acme", Some("acme"))
        );
        let only = MountPath::parse("/orgs/{org}/scim");
        assert_eq!(
            only.locate("/orgs/acme/scim/Users"),
            below("/orgs/acme/scim", Some("acme"))
        );
        let two = MountPath::parse("/{a}/{b}/scim");
        assert_eq!(two.locate("/x/y/scim/Users"), below("/x/y/scim", None));
        // Not a whole segment in braces: literal.
        let literal = MountPath::parse("/v{n}x/{}");
        assert_eq!(literal.locate("/v{n}x/{}/Users"), below("/v{n}x/{}", None));
    }
}
