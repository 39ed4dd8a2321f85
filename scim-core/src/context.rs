//! Who is calling and for which tenant: the [`Context`] every store call carries.
//!
//! A [`Context`] is made by an [`crate::auth::Authenticator`] (or by host code that has
//! authenticated the caller itself) and cannot be made without a [`Tenant`], so no store call
//! can be made outside a tenant. This module holds identities only; it does not authenticate.

use std::fmt;
use std::sync::Arc;

/// The tenant a request acts for: one customer organisation of the host's product.
///
/// Tenants are compared by their exact id. A single-tenant host uses one fixed tenant, e.g.
/// `Tenant::new("default")`.
///
/// ```
/// use scimkit_core::context::Tenant;
/// let acme = Tenant::new("acme");
/// assert_eq!(acme.as_str(), "acme");
/// assert_ne!(acme, Tenant::new("ACME"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tenant(Arc<str>);

impl Tenant {
    /// A tenant by its id.
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        Tenant(id.into())
    }

    /// The tenant's id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tenant({:?})", &*self.0)
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The authenticated client making a request: an identity provider's connection, known to the
/// host by an id (a token's id or label, an API key's name). Never a secret.
///
/// ```
/// use scimkit_core::context::Caller;
/// assert_eq!(Caller::new("okta-prod").id(), "okta-prod");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Caller(Arc<str>);

impl Caller {
    /// A caller by its id.
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        Caller(id.into())
    }

    /// The caller's id, safe to log.
    pub fn id(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Caller({:?})", &*self.0)
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The resource a caller is, for `/Me` (RFC 7644 §3.11): an authenticator that knows which
/// User the credentials belong to sets it with [`Context::with_subject`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject {
    /// The resource type's name (`User`).
    pub resource_type: String,
    /// The resource's id.
    pub id: String,
}

/// The tenant and caller of one request, passed to every store call and event.
///
/// ```
/// use scimkit_core::context::{Caller, Context, Tenant};
/// let ctx = Context::new(Tenant::new("acme"), Caller::new("entra"));
/// assert_eq!(ctx.tenant().as_str(), "acme");
/// assert_eq!(ctx.caller().id(), "entra");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Context {
    tenant: Tenant,
    caller: Caller,
    subject: Option<Subject>,
}

impl Context {
    /// The context of a caller acting for a tenant.
    pub fn new(tenant: Tenant, caller: Caller) -> Self {
        Context {
            tenant,
            caller,
            subject: None,
        }
    }

    /// The same context, with the resource the caller is (what `/Me` aliases).
    ///
    /// ```
    /// use scimkit_core::context::{Caller, Context, Tenant};
    /// let ctx = Context::new(Tenant::new("acme"), Caller::new("bjensen"))
    ///     .with_subject("User", "2819c223-7f76-453a-919d-413861904646");
    /// assert_eq!(ctx.subject().map(|s| s.id.as_str()), Some("2819c223-7f76-453a-919d-413861904646"));
    /// ```
    #[must_use]
    pub fn with_subject(mut self, resource_type: impl Into<String>, id: impl Into<String>) -> Self {
        self.subject = Some(Subject {
            resource_type: resource_type.into(),
            id: id.into(),
        });
        self
    }

    /// The resource the caller is, when the authenticator knows it.
    pub fn subject(&self) -> Option<&Subject> {
        self.subject.as_ref()
    }

    /// The tenant the request acts for.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The caller.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }
}
