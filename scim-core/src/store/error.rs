//! [`StoreError`]: what a store reports, and how it maps to SCIM errors.

use std::error::Error as StdError;
use std::sync::Arc;

use crate::error::ScimError;

/// An error from a [`crate::store::ResourceStore`].
///
/// Each variant maps to one SCIM error ([`From<StoreError> for ScimError`](ScimError)):
///
/// | variant | status | `scimType` |
/// |---|---|---|
/// | `NotFound` | 404 | |
/// | `Uniqueness` | 409 | `uniqueness` |
/// | `VersionMismatch` | 412 | |
/// | `Conflict` | 409 | |
/// | `Rejected` | the wrapped error's | |
/// | `Unavailable` | 503 | |
/// | `Backend` | 500, with a generic detail: the cause is logged, never sent | |
///
/// ```
/// use scimkit_core::store::StoreError;
/// use scimkit_core::ScimError;
///
/// let err: ScimError = StoreError::Uniqueness("userName \"bjensen\" is already taken".into()).into();
/// assert_eq!((err.status(), err.scim_type()), (409, Some("uniqueness")));
///
/// let io = std::io::Error::other("connection refused to 10.0.0.7:5432");
/// let err: ScimError = StoreError::backend(io).into();
/// assert_eq!(err.status(), 500);
/// assert!(!err.detail().contains("10.0.0.7"));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// No resource with this id exists in the caller's tenant.
    #[error("resource not found")]
    NotFound,
    /// A value that must be unique is taken; the detail names the attribute and value.
    #[error("{0}")]
    Uniqueness(String),
    /// The `if_match` version is not the resource's current version.
    #[error("the resource was modified: its current version is not the one given")]
    VersionMismatch,
    /// The change conflicts with the resource's state in another way.
    #[error("{0}")]
    Conflict(String),
    /// The store refuses the request for a protocol reason of its own (a member id that names
    /// no resource, a value its columns cannot hold), as a precise SCIM error.
    #[error("{0}")]
    Rejected(ScimError),
    /// The backend is temporarily unavailable (pool exhausted, failover); clients may retry.
    #[error("{0}")]
    Unavailable(String),
    /// The backend failed. The cause is for logs only.
    #[error("storage backend failure: {0}")]
    Backend(Arc<dyn StdError + Send + Sync>),
}

impl StoreError {
    /// A backend failure from any error.
    pub fn backend(error: impl StdError + Send + Sync + 'static) -> Self {
        StoreError::Backend(Arc::new(error))
    }
}

impl crate::resource::Version {
    /// The `If-Match` check of a conditional `replace` or `delete`, with `self` the resource's
    /// current version: `Ok` when `if_match` is `None` or names it, else
    /// [`StoreError::VersionMismatch`]. Make it under the same lock or transaction as the write.
    ///
    /// ```
    /// use scimkit_core::store::{StoreError, Version};
    /// let current = Version::from(3);
    /// assert!(current.require(None).is_ok());
    /// assert!(current.require(Some(&Version::new("3"))).is_ok());
    /// assert_eq!(current.require(Some(&Version::new("2"))), Err(StoreError::VersionMismatch));
    /// ```
    pub fn require(&self, if_match: Option<&Self>) -> Result<(), StoreError> {
        match if_match {
            Some(expected) if expected != self => Err(StoreError::VersionMismatch),
            _ => Ok(()),
        }
    }
}

/// A protocol error a store reports (a value it cannot hold, a typed view that does not
/// convert): [`StoreError::Rejected`], answered with that error's status.
impl From<ScimError> for StoreError {
    fn from(error: ScimError) -> Self {
        StoreError::Rejected(error)
    }
}

impl From<crate::resource::MissingMeta> for StoreError {
    fn from(error: crate::resource::MissingMeta) -> Self {
        StoreError::backend(error)
    }
}

impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StoreError::NotFound, StoreError::NotFound)
            | (StoreError::VersionMismatch, StoreError::VersionMismatch) => true,
            (StoreError::Uniqueness(a), StoreError::Uniqueness(b))
            | (StoreError::Conflict(a), StoreError::Conflict(b))
            | (StoreError::Unavailable(a), StoreError::Unavailable(b)) => a == b,
            (StoreError::Rejected(a), StoreError::Rejected(b)) => a == b,
            (StoreError::Backend(a), StoreError::Backend(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<StoreError> for ScimError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ScimError::NotFound("resource not found".to_owned()),
            StoreError::Uniqueness(detail) => ScimError::Uniqueness(detail),
            StoreError::VersionMismatch => ScimError::PreconditionFailed(
                "the resource has changed since the version given in If-Match; read it again and retry"
                    .to_owned(),
            ),
            StoreError::Conflict(detail) => ScimError::Conflict(detail),
            StoreError::Rejected(error) => error,
            StoreError::Unavailable(detail) => ScimError::Unavailable(detail),
            StoreError::Backend(_) => ScimError::Internal(
                "the server could not complete the request because of a storage failure".to_owned(),
            ),
        }
    }
}
