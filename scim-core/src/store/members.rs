//! [`MemberPatch`]: what the engine hands a store's optional
//! [`crate::store::ResourceStore::patch_members`], the PATCH of a group that changes only its
//! members.

use crate::patch::MemberDelta;
use crate::store::Version;

/// A PATCH request that changes nothing but a group's `members`, reduced to its net effect, for
/// [`crate::store::ResourceStore::patch_members`].
///
/// The engine builds it once per request (for a resource type with a multi-valued complex
/// `members` attribute, when every operation of the request is a member change a
/// [`MemberDelta`] can express), so a store never inspects PATCH operations itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberPatch<'a> {
    /// The members replaced, removed and added, in that order.
    pub delta: &'a MemberDelta,
    /// Apply only if the group is at this version (`If-Match`).
    pub if_match: Option<&'a Version>,
    /// Whether the response shows `members`. When `false`, the group returned may lack them
    /// (a 100 000-member group need not be read back after one member is added); it always
    /// has `id` and `meta`.
    pub with_members: bool,
}
