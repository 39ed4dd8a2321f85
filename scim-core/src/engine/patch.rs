//! PATCH of one resource, owned by the engine: normalise the identity provider's dialect,
//! parse, split off the member changes once ([`PatchPlan`]), then either the store's member
//! hook ([`crate::store::ResourceStore::patch_members`]) or read → apply → validate →
//! conditional replace, with writers of one resource taking turns in the process and a write
//! that lost to another process retried until the deadline ([`super::contention`]).
//!
//! A store only reads and replaces; it never applies PATCH operations itself.

use bytes::Bytes;
use chrono::Utc;
use http::{Response, StatusCode};
use scimkit_filter::AttrPath;
use serde_json::Value;

use crate::compat::normalize_patch;
use crate::context::Context;
use crate::engine::builder::PatchResponse;
use crate::engine::contention::WriteTurns;
use crate::engine::request::Precondition;
use crate::engine::resources::{is_inactive, store_error, Outcome};
use crate::engine::{reference, response, secrets, strip_unkept, Call};
use crate::error::ScimError;
use crate::events::{Change, ChangeKind};
use crate::patch::{apply_patch, differs, MemberDelta, PatchOptions, PatchRequest, Patched};
use crate::projection::Projection;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::{KeptShape, MemberPatch, ResourceStore, StoreError, Version};

/// A parsed PATCH request and its effect on `members`, worked out once per request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PatchPlan {
    pub(crate) request: PatchRequest,
    /// The net member change, when the resource type has `members` and the request's member
    /// operations can be expressed as a delta.
    members: Option<MemberDelta>,
    /// Whether the request changes nothing but members.
    members_only: bool,
}

impl PatchPlan {
    pub(crate) fn new(rt: &ResourceType, request: PatchRequest) -> Self {
        let (members, members_only) = match MemberDelta::extract(rt, &request) {
            Some((delta, rest)) => (Some(delta), rest.operations.is_empty()),
            None => (None, false),
        };
        PatchPlan {
            request,
            members,
            members_only,
        }
    }

    /// Whether the request changes a group's members and nothing else.
    pub(crate) fn is_members_only(&self) -> bool {
        self.member_only_delta().is_some()
    }

    /// The member change for the store's hook, when the request is nothing else.
    fn member_only_delta(&self) -> Option<&MemberDelta> {
        self.members.as_ref().filter(|_| self.members_only)
    }

    /// The members added and removed, for the events hook.
    fn member_change(&self) -> Option<MemberDelta> {
        self.members.clone().filter(|delta| !delta.is_empty())
    }

    /// Whether an operation names `active` (a deactivation is reported as such).
    fn touches_active(&self) -> bool {
        self.request.operations.iter().any(|op| {
            op.path.as_ref().map_or_else(
                || {
                    op.value
                        .as_ref()
                        .and_then(Value::as_object)
                        .is_some_and(|map| map.keys().any(|k| k.eq_ignore_ascii_case("active")))
                },
                |path| path.attr().is("active", None),
            )
        })
    }
}

/// What one PATCH of a stored resource needs besides the store.
pub(crate) struct PatchTarget<'a> {
    pub(crate) ctx: &'a Context,
    pub(crate) rt: &'a ResourceType,
    pub(crate) id: &'a str,
    /// Apply only at this version (`If-Match`).
    pub(crate) if_match: Option<&'a Version>,
    /// Whether the caller renders `members` (see [`MemberPatch::with_members`]).
    pub(crate) with_members: bool,
    /// What the store keeps of `rt` (`None`: everything).
    pub(crate) kept: Option<&'a KeptShape>,
}

/// Applies `plan` to the stored resource: the store's member hook when the request only
/// changes members and the store has one, else read → apply → conditional replace in this
/// process's turn for the resource, retried with backoff while other processes win the race
/// (with `If-Match`, a lost race is the client's `412`). A request that changes nothing
/// writes nothing.
pub(crate) async fn patch_stored(
    store: &dyn ResourceStore,
    turns: &WriteTurns,
    target: &PatchTarget<'_>,
    plan: &PatchPlan,
    options: &PatchOptions,
) -> Result<Patched, ScimError> {
    let PatchTarget {
        ctx,
        rt,
        id,
        if_match,
        with_members,
        ..
    } = *target;
    let failed = |err: StoreError| store_error(err, rt, Some(id));
    if let Some(delta) = plan.member_only_delta() {
        let change = MemberPatch {
            delta,
            if_match,
            with_members,
        };
        if let Some(patched) = store
            .patch_members(ctx, rt, id, change)
            .await
            .map_err(failed)?
        {
            return Ok(patched);
        }
    }
    let turn = turns.turn(ctx, rt, id).await?;
    let mut backoff = turn.backoff();
    loop {
        let current = store
            .get(ctx, rt, id)
            .await
            .map_err(failed)?
            .ok_or(StoreError::NotFound)
            .map_err(failed)?;
        // Made synchronously: what the change needs of the resource read is not held while
        // the store writes.
        let (replacement, read) = match apply_read(target, current, plan, options)? {
            Applied::Unchanged(unchanged) => return Ok(unchanged),
            Applied::Write(replacement, read) => (replacement, read),
        };
        match store
            .replace(ctx, rt, id, replacement, read.as_ref().or(if_match))
            .await
        {
            Ok(resource) => {
                return Ok(Patched {
                    resource,
                    changed: true,
                })
            }
            Err(StoreError::VersionMismatch) if if_match.is_none() => {}
            Err(err) => return Err(failed(err)),
        }
        backoff.wait(rt, id).await?;
    }
}

/// What a PATCH does to the resource read.
enum Applied {
    /// Nothing: the resource as read, unchanged.
    Unchanged(Patched),
    /// The resource to write, on the version read.
    Write(Resource, Option<Version>),
}

/// `plan` applied to `current`, as read from the store: the `If-Match` check, the operations,
/// what the store does not keep dropped, and the new `lastModified` when something changed.
fn apply_read(
    target: &PatchTarget<'_>,
    current: Resource,
    plan: &PatchPlan,
    options: &PatchOptions,
) -> Result<Applied, ScimError> {
    let PatchTarget {
        rt,
        id,
        if_match,
        kept,
        ..
    } = *target;
    let read = Version::of(&current);
    if if_match.is_some_and(|expected| read.as_ref() != Some(expected)) {
        return Err(store_error(StoreError::VersionMismatch, rt, Some(id)));
    }
    let mut outcome = apply_patch(rt, &current, &plan.request, options)?;
    if strip_unkept(kept, rt, &mut outcome.resource) {
        outcome.changed = differs(&outcome.resource, &current);
    }
    if !outcome.changed {
        return Ok(Applied::Unchanged(Patched {
            resource: current,
            changed: false,
        }));
    }
    if let Some(meta) = outcome.resource.meta.as_mut() {
        meta.last_modified = Utc::now();
    }
    Ok(Applied::Write(outcome.resource, read))
}

impl Call<'_> {
    pub(crate) async fn patch(
        &self,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let (plan, shown) = self.patch_request(rt)?;
        let condition = Precondition::if_match(self.headers)?;
        let outcome = self
            .patch_resource(rt, id, plan, condition.as_ref(), shown.as_deref())
            .await?;
        match (outcome.resource, shown) {
            (Some(patched), Some(projection)) => {
                Ok(self.respond(StatusCode::OK, rt, patched, &projection))
            }
            _ => Ok(response::empty(
                StatusCode::NO_CONTENT,
                outcome.version.as_deref(),
            )),
        }
    }

    /// A PATCH request read: its plan, and what the response shows of the patched resource
    /// (`None`: no body, `204`). Boxed, so that it sizes the request's future only as a
    /// pointer.
    fn patch_request(
        &self,
        rt: &ResourceType,
    ) -> Result<(PatchPlan, Option<Box<Projection>>), ScimError> {
        let projection = self.projection(rt)?;
        let asks_for_attributes = self.query.get("attributes").is_some()
            || self.query.get("excludedattributes").is_some();
        let plan = self.patch_plan(rt, self.body()?)?;
        let no_content = !asks_for_attributes
            && match self.inner.settings.patch_response {
                PatchResponse::Resource => false,
                PatchResponse::NoContent => true,
                PatchResponse::NoContentForMembers => plan.is_members_only(),
            };
        Ok((plan, (!no_content).then(|| Box::new(projection))))
    }

    /// A PATCH body made a plan: the password rule, compat, parse, the member delta.
    pub(crate) fn patch_plan(
        &self,
        rt: &ResourceType,
        mut body: Value,
    ) -> Result<PatchPlan, ScimError> {
        let settings = &self.inner.settings;
        secrets::check_password_change(settings.change_password, &body)?;
        normalize_patch(rt, &mut body, &settings.compat);
        reference::resolve_in_patch(rt, &mut body, &self.base);
        Ok(PatchPlan::new(rt, PatchRequest::from_json(body)?))
    }

    /// PATCH's core, shared with `/Bulk`: the change ([`patch_stored`]) and the `Patched` event
    /// when something changed. `returning` says what the caller will render (`None` when
    /// nothing is).
    pub(crate) async fn patch_resource(
        &self,
        rt: &ResourceType,
        id: &str,
        plan: PatchPlan,
        condition: Option<&Precondition>,
        returning: Option<&Projection>,
    ) -> Result<Outcome, ScimError> {
        let settings = &self.inner.settings;
        let if_match = self.if_match_version(rt, id, condition).await?;
        let mut options = settings.compat.patch_options();
        options.validation = settings.validation;
        let target = PatchTarget {
            ctx: &self.ctx,
            rt,
            id,
            if_match: if_match.as_ref(),
            with_members: returning.is_some_and(|p| p.requests(rt, &AttrPath::new("members"))),
            kept: self.inner.kept(rt),
        };
        let Patched {
            resource: patched,
            changed,
        } = patch_stored(
            self.inner.store.as_ref(),
            &self.inner.turns,
            &target,
            &plan,
            &options,
        )
        .await?;
        if changed {
            self.emit(|| Change {
                context: self.ctx.clone(),
                resource_type: rt.name.clone(),
                id: id.to_owned(),
                kind: ChangeKind::Patched,
                deactivated: plan.touches_active() && is_inactive(&patched),
                resource: Some(patched.clone()),
                members: plan.member_change(),
            })
            .await;
        }
        let location = self.location(rt, id);
        Ok(Outcome::new(StatusCode::OK, Some(patched), location))
    }
}
