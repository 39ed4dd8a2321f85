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
