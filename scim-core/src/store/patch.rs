//! The PATCH call of a store: [`PatchInput`] and the generic [`default_patch`].

use chrono::Utc;

use crate::context::Context;
use crate::patch::{apply_patch, PatchOptions, PatchRequest};
use crate::projection::Projection;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::store::{ResourceStore, StoreError, Version};

/// How many times [`default_patch`] re-reads and re-applies after a concurrent change.
const ATTEMPTS: usize = 8;

/// What the engine passes to [`ResourceStore::patch`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatchInput<'a> {
    /// The operations, already normalised from identity-provider dialects.
    pub request: &'a PatchRequest,
    /// How to apply them ([`crate::patch::apply_patch`]'s options).
    pub options: &'a PatchOptions,
    /// Apply only if the resource is at this version (`If-Match`).
    pub if_match: Option<&'a Version>,
    /// What the response will show: `None` when the engine answers `204 No Content`. A store
    /// may return a resource without what is not requested (a 100 000-member group's
    /// `members` when only one member was added), but always with `id` and `meta`.
    pub returning: Option<&'a Projection>,
}

/// What [`ResourceStore::patch`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Patched {
    /// The resource after the request (see [`PatchInput::returning`] for what it may omit).
    pub resource: Resource,
    /// Whether anything changed (and so the version did): a no-op PATCH is not a change, and
    /// the events hook does not hear of it.
    pub changed: bool,
}

/// The generic PATCH: read the resource, apply the request with the core engine, and write the
/// result with [`ResourceStore::replace`] conditioned on the version read, so a concurrent
/// change is never overwritten. When another write wins the race and the caller gave no
/// `If-Match`, the request is applied again to the new state (up to 8 times, then
/// [`StoreError::Conflict`]); with `If-Match`, the mismatch is reported.
///
/// A request that changes nothing writes nothing and returns the resource as it is (same
/// version). Otherwise `meta.lastModified` is set to now.
///
/// Stores that override [`ResourceStore::patch`] can call this for the requests they do not
/// handle themselves.
pub async fn default_patch<S: ResourceStore + ?Sized>(
    store: &S,
    ctx: &Context,
    rt: &ResourceType,
    id: &str,
    input: PatchInput<'_>,
) -> Result<Patched, StoreError> {
    for _ in 0..ATTEMPTS {
        let current = store.get(ctx, rt, id).await?.ok_or(StoreError::NotFound)?;
        let read = Version::of(&current);
        if let Some(expected) = input.if_match {
            if read.as_ref() != Some(expected) {
                return Err(StoreError::VersionMismatch);
            }
        }
        let outcome = apply_patch(rt, &current, input.request, input.options)
            .map_err(StoreError::Rejected)?;
        if !outcome.changed {
            return Ok(Patched {
                resource: current,
                changed: false,
            });
        }
        let mut patched = outcome.resource;
        if let Some(meta) = patched.meta.as_mut() {
            meta.last_modified = Utc::now();
        }
        match store
            .replace(ctx, rt, id, patched, read.as_ref().or(input.if_match))
            .await
        {
            Err(StoreError::VersionMismatch) if input.if_match.is_none() => {}
            Err(err) => return Err(err),
            Ok(resource) => {
                return Ok(Patched {
                    resource,
                    changed: true,
                })
            }
        }
    }
    Err(StoreError::Conflict(format!(
        "the resource {id} kept changing while the PATCH was applied; retry the request"
    )))
}
