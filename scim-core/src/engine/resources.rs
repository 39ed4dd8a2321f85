//! The single-resource endpoints: POST to a collection, and GET, PUT, PATCH, DELETE of
//! `/{endpoint}/{id}`.
//!
//! Each write has a *core* (`create_resource`, `replace_resource`, `delete_resource`, and
//! `patch_resource` in `patch.rs`) that takes already-parsed inputs — the resource type, the id, the JSON
//! body, the `If-Match` condition — runs compat → validate → store → events, and returns an
//! [`Outcome`] or a [`ScimError`]. The HTTP handlers read the request and render the outcome;
//! `/Bulk` (`bulk.rs`) calls the same cores, so an operation in a bulk request behaves exactly
//! like its single-request twin.

use bytes::Bytes;
use chrono::Utc;
use http::{Response, StatusCode};
use serde_json::Value;

use crate::compat::normalize_resource;
use crate::engine::location::{self, Locations};
use crate::engine::request::{json_body, Precondition};
use crate::engine::{reference, response, secrets, strip_unkept, Call};
use crate::error::ScimError;
use crate::events::{Change, ChangeKind};
use crate::projection::Projection;
use crate::resource::{Meta, Resource};
use crate::schema::ResourceType;
use crate::store::{DerivedShowing, StoreError, Version};
use crate::validate::{validate, Mode};

/// What a write produced, before it becomes an HTTP response or a bulk response entry.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// `201` for a create, `200` for a replace or patch, `204` for a delete.
    pub(crate) status: StatusCode,
    /// The resource as stored (not yet rendered); `None` after a delete.
    pub(crate) resource: Option<Resource>,
    /// Where the resource lives (`{base}/{endpoint}/{id}`).
    pub(crate) location: String,
    /// Its new version as an entity tag, when the store versions resources.
    pub(crate) version: Option<String>,
}

impl Outcome {
    pub(crate) fn new(status: StatusCode, resource: Option<Resource>, location: String) -> Outcome {
        let version = resource
            .as_ref()
            .and_then(|r| r.version().map(str::to_owned));
        Outcome {
            status,
            resource,
            location,
            version,
        }
    }
}

impl Call<'_> {
    /// `attributes` / `excludedAttributes` of the query string.
    pub(crate) fn projection(&self, rt: &ResourceType) -> Result<Projection, ScimError> {
        Projection::from_query(
            rt,
            self.query.get("attributes"),
            self.query.get("excludedattributes"),
        )
    }

    pub(crate) fn body(&self) -> Result<Value, ScimError> {
        json_body(self.headers, self.body, self.inner.settings.max_body_bytes)
    }

    pub(crate) fn location(&self, rt: &ResourceType, id: &str) -> String {
        location::location(&self.base, rt, id)
    }

    /// Sets `meta.location` of a resource about to be rendered.
    pub(crate) fn locate(&self, rt: &ResourceType, resource: &mut Resource) {
        if let (Some(id), Some(meta)) = (resource.id.as_deref(), resource.meta.as_mut()) {
            meta.location = Some(self.location(rt, id));
        }
    }

    pub(crate) fn respond(
        &self,
        status: StatusCode,
        rt: &ResourceType,
        mut resource: Resource,
        projection: &Projection,
    ) -> Response<Bytes> {
        self.locate(rt, &mut resource);
        render(status, rt, &resource, projection)
    }

    /// An outcome as the HTTP response: the resource rendered with `projection`, or no body.
    fn respond_outcome(
        &self,
        rt: &ResourceType,
        outcome: Outcome,
        projection: &Projection,
    ) -> Response<Bytes> {
        match outcome.resource {
            // A create's location is made from the created resource's own id: not made again.
            Some(mut resource) if outcome.status == StatusCode::CREATED => {
                if let (Some(_), Some(meta)) = (resource.id.as_deref(), resource.meta.as_mut()) {
                    meta.location = Some(outcome.location);
                }
                render(outcome.status, rt, &resource, projection)
            }
            Some(resource) => self.respond(outcome.status, rt, resource, projection),
            None => response::empty(outcome.status, outcome.version.as_deref()),
        }
    }

    pub(crate) async fn create(&self, rt: &ResourceType) -> Result<Response<Bytes>, ScimError> {
        let projection = self.projection(rt)?;
        let body = self.body()?;
        let outcome = self.create_resource(rt, body).await?;
        Ok(self.respond_outcome(rt, outcome, &projection))
    }

    /// POST's core: compat, validation, the store's create, the `Created` event.
    pub(crate) async fn create_resource(
        &self,
        rt: &ResourceType,
        body: Value,
    ) -> Result<Outcome, ScimError> {
        let resource = self.to_create(rt, body)?;
        let created = self.inner.store.create(&self.ctx, rt, resource).await;
        self.created(rt, created).await
    }

    /// A `POST` body as the store receives it: normalized, validated, stripped of what the
    /// store does not keep, with a fresh `meta`.
    pub(crate) fn to_create(
        &self,
        rt: &ResourceType,
        mut body: Value,
    ) -> Result<Resource, ScimError> {
        normalize_resource(rt, &mut body, &self.inner.settings.compat);
        reference::resolve_in_resource(rt, &mut body, &self.base);
        let input = Resource::from_json(body)?;
        let mut resource = validate(rt, input, Mode::Create, &self.inner.settings.validation)?;
        strip_unkept(self.inner.kept(rt), rt, &mut resource);
        resource.meta = Some(Meta::new(rt.name.clone(), Utc::now()));
        Ok(resource)
    }

    /// The outcome of the store's create: `201` with the resource and its location, the
    /// change announced; or the store's refusal as a SCIM error.
    pub(crate) async fn created(
        &self,
        rt: &ResourceType,
        created: Result<Resource, StoreError>,
    ) -> Result<Outcome, ScimError> {
        let created = created.map_err(|e| store_error(e, rt, None))?;
        let Some(id) = created.id.clone() else {
            return Err(ScimError::Internal(
                "the store created a resource without an id".to_owned(),
            ));
        };
        let location = self.location(rt, &id);
        self.emit(|| Change {
            context: self.ctx.clone(),
            resource_type: rt.name.clone(),
            id,
            kind: ChangeKind::Created,
            resource: Some(created.clone()),
            members: None,
            deactivated: false,
        })
        .await;
        Ok(Outcome::new(StatusCode::CREATED, Some(created), location))
    }

    async fn fetch(&self, rt: &ResourceType, id: &str) -> Result<Resource, ScimError> {
        self.inner
            .store
            .get(&self.ctx, rt, id)
            .await
            .map_err(|e| store_error(e, rt, Some(id)))?
            .ok_or_else(|| ScimError::NotFound(format!("{} \"{id}\" not found", rt.name)))
    }

    pub(crate) async fn get(
        &self,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let projection = self.projection(rt)?;
        if projection.is_default() {
            return self.get_whole(rt, id).await;
        }
        let resource = self
            .inner
            .store
            .get_projected(&self.ctx, rt, id, &projection)
            .await
            .map_err(|e| store_error(e, rt, Some(id)))?
            .ok_or_else(|| ScimError::NotFound(format!("{} \"{id}\" not found", rt.name)))?;
        if let Some(condition) = Precondition::if_none_match(self.headers)? {
            if condition.matches(Version::of(&resource).as_ref()) {
                return Ok(response::empty(
                    StatusCode::NOT_MODIFIED,
                    resource.version(),
                ));
            }
        }
        Ok(self.respond(StatusCode::OK, rt, resource, &projection))
    }

    /// `GET` with the default projection: the store's rendered resource, copied into the
    /// response with its location.
    async fn get_whole(&self, rt: &ResourceType, id: &str) -> Result<Response<Bytes>, ScimError> {
        let rendered = self
            .inner
            .store
            .get_rendered(&self.ctx, rt, id)
            .await
            .map_err(|e| store_error(e, rt, Some(id)))?
            .ok_or_else(|| ScimError::NotFound(format!("{} \"{id}\" not found", rt.name)))?;
        let document = &rendered.document;
        if let Some(condition) = Precondition::if_none_match(self.headers)? {
            if condition.matches(document.version().and_then(Version::from_etag).as_ref()) {
                return Ok(response::empty(
                    StatusCode::NOT_MODIFIED,
                    document.version(),
                ));
            }
        }
        let locations = Locations::new(&self.base, rt);
        let location = document
            .id()
            .map(|stored| move |out: &mut Vec<u8>| locations.write(out, stored));
        let mut body = Vec::with_capacity(document.len() + 384);
        rendered.write_with(rt, &mut body, location, &mut DerivedShowing::default());
        Ok(response::json_bytes(
            StatusCode::OK,
            body,
            document.version(),
            None,
        ))
    }

    pub(crate) async fn replace(
        &self,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let projection = self.projection(rt)?;
        let body = self.body()?;
        let condition = Precondition::if_match(self.headers)?;
        let outcome = self
            .replace_resource(rt, id, body, condition.as_ref())
            .await?;
        Ok(self.respond_outcome(rt, outcome, &projection))
    }

    /// PUT's core: compat, then in this process's turn for the resource: read, `If-Match`
    /// check, validation against the stored resource, the store's replace on the version read
    /// (retried with backoff while other processes win the race, unless `If-Match` names
    /// versions), the `Replaced` event.
    pub(crate) async fn replace_resource(
        &self,
        rt: &ResourceType,
        id: &str,
        mut body: Value,
        condition: Option<&Precondition>,
    ) -> Result<Outcome, ScimError> {
        secrets::check_password_change(self.inner.settings.change_password, &body)?;
        normalize_resource(rt, &mut body, &self.inner.settings.compat);
        reference::resolve_in_resource(rt, &mut body, &self.base);
        let input = Resource::from_json(body)?;
        let turn = self.inner.turns.turn(&self.ctx, rt, id).await?;
        let mut backoff = turn.backoff();
        loop {
            let existing = self.fetch(rt, id).await?;
            let current = Version::of(&existing);
            if let Some(condition) = condition {
                if !condition.matches(current.as_ref()) {
                    return Err(precondition_failed());
                }
            }
            let mut replacement = validate(
                rt,
                input.clone(),
                Mode::Replace {
                    existing: &existing,
                },
                &self.inner.settings.validation,
            )?;
            let now = Utc::now();
            let mut meta = existing
                .meta
                .clone()
                .unwrap_or_else(|| Meta::new(rt.name.clone(), now));
            meta.last_modified = now;
            meta.version = None;
            meta.location = None;
            replacement.meta = Some(meta);
            replacement.id = Some(id.to_owned());
            strip_unkept(self.inner.kept(rt), rt, &mut replacement);
            match self
                .inner
                .store
                .replace(&self.ctx, rt, id, replacement, current.as_ref())
                .await
            {
                Err(StoreError::VersionMismatch)
                    if !matches!(condition, Some(Precondition::Versions(_))) =>
                {
                    backoff.wait(rt, id).await?;
                }
                Err(err) => return Err(store_error(err, rt, Some(id))),
                Ok(replaced) => {
                    drop(turn);
                    self.emit(|| Change {
                        context: self.ctx.clone(),
                        resource_type: rt.name.clone(),
                        id: id.to_owned(),
                        kind: ChangeKind::Replaced,
                        deactivated: is_active(&existing) && is_inactive(&replaced),
                        resource: Some(replaced.clone()),
                        members: None,
                    })
                    .await;
                    let location = self.location(rt, id);
                    return Ok(Outcome::new(StatusCode::OK, Some(replaced), location));
                }
            }
        }
    }

    /// The version to hand a store for `If-Match`: `None` for no header or `*` (the store
    /// still answers 404 for a missing resource), the one tag given, or — for a list — the
    /// current version if it is in the list.
    pub(crate) async fn if_match_version(
        &self,
        rt: &ResourceType,
        id: &str,
        condition: Option<&Precondition>,
    ) -> Result<Option<Version>, ScimError> {
        match condition {
            None | Some(Precondition::Any) => Ok(None),
            Some(condition) => {
                if let Some(single) = condition.single() {
                    return Ok(Some(single.clone()));
                }
                let current = Version::of(&self.fetch(rt, id).await?);
                if condition.matches(current.as_ref()) {
                    Ok(current)
                } else {
                    Err(precondition_failed())
                }
            }
        }
    }

    pub(crate) async fn delete(
        &self,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let condition = Precondition::if_match(self.headers)?;
        let outcome = self.delete_resource(rt, id, condition.as_ref()).await?;
        Ok(response::empty(outcome.status, outcome.version.as_deref()))
    }

    /// DELETE's core: `If-Match`, the store's delete, the `Deleted` event.
    pub(crate) async fn delete_resource(
        &self,
        rt: &ResourceType,
        id: &str,
        condition: Option<&Precondition>,
    ) -> Result<Outcome, ScimError> {
        let if_match = self.if_match_version(rt, id, condition).await?;
        self.inner
            .store
            .delete(&self.ctx, rt, id, if_match.as_ref())
            .await
            .map_err(|e| store_error(e, rt, Some(id)))?;
        self.emit(|| Change {
            context: self.ctx.clone(),
            resource_type: rt.name.clone(),
            id: id.to_owned(),
            kind: ChangeKind::Deleted,
            resource: None,
            members: None,
            deactivated: false,
        })
        .await;
        Ok(Outcome::new(
            StatusCode::NO_CONTENT,
            None,
            self.location(rt, id),
        ))
    }
}

/// `resource` (its `meta.location` set) rendered with `projection`, with its `ETag`, and its
/// `Location` for a `201`.
fn render(
    status: StatusCode,
    rt: &ResourceType,
    resource: &Resource,
    projection: &Projection,
) -> Response<Bytes> {
    let location = resource
        .meta
        .as_ref()
        .and_then(|m| m.location.as_deref())
        .filter(|_| status == StatusCode::CREATED);
    response::json(
        status,
        &projection.view(rt, resource),
        resource.version(),
        location,
    )
}

/// A store error as the SCIM error to send; backend causes are logged here, not sent.
pub(crate) fn store_error(err: StoreError, rt: &ResourceType, id: Option<&str>) -> ScimError {
    match (&err, id) {
        (StoreError::NotFound, Some(id)) => {
            ScimError::NotFound(format!("{} \"{id}\" not found", rt.name))
        }
        (StoreError::Backend(_), _) => {
            tracing::error!(resource_type = %rt.name, error = %err, "store failure");
            err.into()
        }
        _ => err.into(),
    }
}

fn precondition_failed() -> ScimError {
    ScimError::PreconditionFailed(
        "If-Match does not match the resource's current version; read it again and retry"
            .to_owned(),
    )
}

/// Whether a resource counts as active (an unset `active` does).
fn is_active(resource: &Resource) -> bool {
    resource.get("active").and_then(Value::as_bool) != Some(false)
}

pub(crate) fn is_inactive(resource: &Resource) -> bool {
    resource.get("active").and_then(Value::as_bool) == Some(false)
}
