//! Change events: a hook the host gives the engine to hear of every committed change, for audit
//! logs and side effects (revoking sessions of a deactivated user, sending a welcome e-mail).
//!
//! The engine calls the hook after the store has committed and before it answers; what the hook
//! does cannot change the response (a panic in a hook is caught and logged). A hook that does
//! slow work should queue it. This module describes changes; it does not decide them.

use async_trait::async_trait;

use crate::context::Context;
use crate::patch::MemberDelta;
use crate::resource::Resource;

/// What kind of change was committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// POST created the resource.
    Created,
    /// PUT replaced it.
    Replaced,
    /// PATCH changed it.
    Patched,
    /// DELETE removed it.
    Deleted,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::Created,
        ChangeKind::Replaced,
        ChangeKind::Patched,
        ChangeKind::Deleted,
    ];

    /// The kind's name as the activity log shows and stores it: `created`, `replaced`,
    /// `patched` or `deleted`.
    ///
    /// ```
    /// use scimkit_core::events::ChangeKind;
    /// assert_eq!(ChangeKind::Patched.as_str(), "patched");
    /// assert_eq!(ChangeKind::from_name("patched"), Some(ChangeKind::Patched));
    /// assert_eq!(ChangeKind::from_name("Patched"), None);
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Replaced => "replaced",
            ChangeKind::Patched => "patched",
            ChangeKind::Deleted => "deleted",
        }
    }

    /// The kind [`as_str`](ChangeKind::as_str) names (exactly, in lower case).
    pub fn from_name(name: &str) -> Option<ChangeKind> {
        ChangeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// One committed change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Who made the change, for which tenant.
    pub context: Context,
    /// The resource type's name (`User`, `Group`).
    pub resource_type: String,
    /// The resource's id.
    pub id: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The resource after the change, as the store returned it (`None` after a delete). After
    /// a PATCH of a large group it may lack `members` (see [`crate::store::MemberPatch`]).
    pub resource: Option<Resource>,
    /// For a PATCH of a group's `members`: the members added and removed.
    pub members: Option<MemberDelta>,
    /// Whether the change set `active` from true (or unset) to false: the identity provider
    /// deactivated the account.
    pub deactivated: bool,
}

/// Receives committed changes. Implemented for closures taking `&Change`.
///
/// ```
/// use scimkit_core::events::{Change, ChangeKind, EventSink};
///
/// let audit = |change: &Change| {
///     if change.deactivated {
///         println!("{} deactivated {} {}", change.context.caller(), change.resource_type, change.id);
///     }
/// };
/// fn takes(_: impl EventSink) {}
/// takes(audit);
/// ```
#[async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Called once per committed change, in commit order for one request.
    async fn on_change(&self, change: &Change);
}

#[async_trait]
impl<F> EventSink for F
where
    F: Fn(&Change) + Send + Sync + 'static,
{
    async fn on_change(&self, change: &Change) {
        self(change);
    }
}
