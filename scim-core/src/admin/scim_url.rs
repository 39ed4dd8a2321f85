//! [`ScimUrl`]: how the host builds a tenant's SCIM base URL (what an administrator pastes into
//! the identity provider as "Tenant URL" or "Base URL"), and [`UrlTemplate`], the common case of
//! a URL with a `{tenant}` placeholder.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::context::Tenant;

/// Builds a tenant's SCIM base URL. Implemented for closures `Fn(&Tenant) -> String` and for
/// [`UrlTemplate`].
///
/// ```
/// use scimkit_core::admin::{ScimUrl, UrlTemplate};
/// use scimkit_core::context::Tenant;
///
/// let by_host = |tenant: &Tenant| format!("https://{}.example.com/scim/v2", tenant.as_str());
/// assert_eq!(by_host.scim_url(&Tenant::new("acme")), "https://acme.example.com/scim/v2");
///
/// let template = UrlTemplate::new("https://api.example.com/scim/v2/{tenant}");
/// assert_eq!(template.scim_url(&Tenant::new("a b")), "https://api.example.com/scim/v2/a%20b");
/// ```
pub trait ScimUrl: Send + Sync + 'static {
    /// The SCIM base URL of `tenant`.
    fn scim_url(&self, tenant: &Tenant) -> String;
}

impl<F> ScimUrl for F
where
    F: Fn(&Tenant) -> String + Send + Sync + 'static,
{
    fn scim_url(&self, tenant: &Tenant) -> String {
        self(tenant)
    }
}

/// What is percent-encoded in a tenant put into a URL path: controls, space, and the
/// characters that would end or restructure a path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A SCIM base URL with `{tenant}` where the tenant goes (percent-encoded as a path segment),
/// e.g. `https://api.example.com/scim/v2/{tenant}`. Without a placeholder every tenant gets
/// the same URL (a host that tells tenants apart by token alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate(String);

impl UrlTemplate {
    /// The placeholder replaced by the tenant.
    pub const PLACEHOLDER: &'static str = "{tenant}";

    /// A template from its text.
    pub fn new(template: impl Into<String>) -> Self {
        UrlTemplate(template.into())
    }

    /// The template's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ScimUrl for UrlTemplate {
    fn scim_url(&self, tenant: &Tenant) -> String {
        let segment = utf8_percent_encode(tenant.as_str(), SEGMENT).to_string();
        self.0.replace(Self::PLACEHOLDER, &segment)
    }
}
