//! PATCH (RFC 7644 §3.5.2): the request message, the engine that applies it atomically and
//! re-validates the result, and the group-membership delta stores use to change one member
//! without rewriting the list.
//!
//! Input reaches this module RFC-clean: [`crate::compat::normalize_patch`] handles identity
//! providers' dialects first. This module does not store anything.

mod apply;
mod members;
mod request;

pub(crate) use apply::differs;
pub use apply::{apply_patch, PatchOptions, Patched};
pub use members::MemberDelta;
pub use request::{PatchOp, PatchOperation, PatchRequest, PATCH_SCHEMA};
