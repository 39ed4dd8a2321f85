//! Shared by the engine tests: a reference store whose push-down is configurable, and helpers
//! that send `http::Request`s through `Scim::handle`.
#![allow(
    dead_code,
    clippy::type_complexity,
    clippy::unnecessary_unwrap,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use scimkit_core::context::Context;
use scimkit_core::evaluate::{CompiledFilter, Strictness};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{
    Kept, ListQuery, Page, Pagination, PushDown, ResourceStore, StoreError, Version,
};
use scimkit_core::{Mount, Resource, Scim};
use serde_json::Value;

/// Resources by (tenant, type, id) in creation order, honouring exactly the push-down it
/// declares, so the engine's share of the work is exercised.
/// What a [`RefStore`] says it keeps of each resource type.
pub type Keeps = Box<dyn Fn(&ResourceType) -> Kept + Send + Sync>;

#[derive(Default)]
pub struct RefStore {
    pub push_down: PushDown,
    /// What it declares it keeps (`None`: everything).
    pub keeps: Option<Keeps>,
    rows: Mutex<(u64, BTreeMap<(String, String, u64), Resource>)>,
}

impl RefStore {
    pub fn new(push_down: PushDown) -> Self {
        RefStore {
            push_down,
            ..RefStore::default()
        }
    }

    /// The same store, declaring that it keeps what `keeps` says.
    #[must_use]
    pub fn keeping(
        mut self,
        keeps: impl Fn(&ResourceType) -> Kept + Send + Sync + 'static,
    ) -> Self {
        self.keeps = Some(Box::new(keeps));
        self
    }
}

fn name_of(r: &Resource) -> Option<String> {
    r.get("userName")
        .and_then(Value::as_str)
        .map(str::to_lowercase)
}

fn scope(ctx: &Context, rt: &ResourceType) -> (String, String) {
    (ctx.tenant().as_str().to_owned(), rt.name.clone())
}

#[async_trait]
impl ResourceStore for RefStore {
    fn push_down(&self, _rt: &ResourceType) -> PushDown {
        self.push_down.clone()
    }

    fn keeps(&self, rt: &ResourceType) -> Kept {
        self.keeps
            .as_ref()
            .map_or_else(Kept::all, |keeps| keeps(rt))
    }

    async fn create(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        mut r: Resource,
    ) -> Result<Resource, StoreError> {
        let mut rows = self.rows.lock().unwrap();
        let (t, k) = scope(ctx, rt);
        let name = name_of(&r);
        if name.is_some()
            && rows
                .1
                .iter()
                .any(|((t2, k2, _), o)| *t2 == t && *k2 == k && name_of(o) == name)
        {
            return Err(StoreError::Uniqueness(format!(
                "userName {:?} is already taken",
                name.unwrap()
            )));
        }
        rows.0 += 1;
        let n = rows.0;
        r.id = Some(format!("id-{n}"));
        Version::new(n.to_string()).set_on(&mut r)?;
        rows.1.insert((t, k, n), r.clone());
        Ok(r)
    }

    async fn get(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
    ) -> Result<Option<Resource>, StoreError> {
        let rows = self.rows.lock().unwrap();
        let (t, k) = scope(ctx, rt);
        Ok(rows
            .1
            .iter()
            .find(|((t2, k2, _), r)| *t2 == t && *k2 == k && r.id.as_deref() == Some(id))
            .map(|(_, r)| r.clone()))
    }

    async fn list(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        q: &ListQuery,
    ) -> Result<Page, StoreError> {
        let rows = self.rows.lock().unwrap();
        let (t, k) = scope(ctx, rt);
        let compiled = q
            .filter
            .as_ref()
            .map(|f| CompiledFilter::new(f, rt, Strictness::Lenient))
            .transpose()
            .map_err(StoreError::Rejected)?;
        let mut all: Vec<Resource> = rows
            .1
            .iter()
            .filter(|((t2, k2, _), r)| {
                *t2 == t && *k2 == k && compiled.as_ref().is_none_or(|c| c.matches(r))
            })
            .map(|(_, r)| r.clone())
            .collect();
        if let Some(sort) = &q.sort {
            sort.sort(rt, &mut all);
        }
        let total = all.len();
        match &q.page {
            None => Ok(Page::all(all)),
            Some(Pagination::Index { start_index, count }) => Ok(Page {
                resources: all.into_iter().skip(start_index - 1).take(*count).collect(),
                total_results: total,
                next_cursor: None,
            }),
            Some(Pagination::Cursor { .. }) => Err(StoreError::Rejected(
                scimkit_core::ScimError::InvalidCursor("no cursors here".into()),
            )),
        }
    }

    async fn replace(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        mut r: Resource,
        if_match: Option<&Version>,
    ) -> Result<Resource, StoreError> {
        let mut rows = self.rows.lock().unwrap();
        let (t, k) = scope(ctx, rt);
        let key = rows
            .1
            .iter()
            .find(|((t2, k2, _), r)| *t2 == t && *k2 == k && r.id.as_deref() == Some(id))
            .map(|(key, _)| key.clone())
            .ok_or(StoreError::NotFound)?;
        if if_match.is_some_and(|v| Version::of(&rows.1[&key]).as_ref() != Some(v)) {
            return Err(StoreError::VersionMismatch);
        }
        let name = name_of(&r);
        if name.is_some()
            && rows.1.iter().any(|((t2, k2, _), o)| {
                *t2 == t && *k2 == k && o.id.as_deref() != Some(id) && name_of(o) == name
            })
        {
            return Err(StoreError::Uniqueness("userName is already taken".into()));
        }
        rows.0 += 1;
        Version::new(rows.0.to_string()).set_on(&mut r)?;
        rows.1.insert(key, r.clone());
        Ok(r)
    }

    async fn delete(
        &self,
        ctx: &Context,
        rt: &ResourceType,
        id: &str,
        if_match: Option<&Version>,
    ) -> Result<(), StoreError> {
        let mut rows = self.rows.lock().unwrap();
        let (t, k) = scope(ctx, rt);
        let key = rows
            .1
            .iter()
            .find(|((t2, k2, _), r)| *t2 == t && *k2 == k && r.id.as_deref() == Some(id))
            .map(|(key, _)| key.clone())
            .ok_or(StoreError::NotFound)?;
        if if_match.is_some_and(|v| Version::of(&rows.1[&key]).as_ref() != Some(v)) {
            return Err(StoreError::VersionMismatch);
        }
        rows.1.remove(&key);
        Ok(())
    }
}

/// A response, split for assertions.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The SCIM error's scimType, if the body is an error.
    pub fn scim_type(&self) -> Option<&str> {
        self.body.get("scimType").and_then(Value::as_str)
    }

    pub fn detail(&self) -> &str {
        self.body
            .get("detail")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

pub const TOKEN: &str = "test-token";

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The tests' authenticator: [`TOKEN`] acts for tenant `t1` as `test-idp`.
pub fn auth(
    req: &scimkit_core::auth::AuthRequest<'_>,
) -> Result<Context, scimkit_core::auth::AuthError> {
    match req.bearer_token() {
        Some(TOKEN) => Ok(Context::new(
            scimkit_core::context::Tenant::new("t1"),
            scimkit_core::context::Caller::new("test-idp"),
        )),
        _ => Err(scimkit_core::auth::AuthError::Unauthorized(
            "a valid bearer token is required".into(),
        )),
    }
}

/// A request builder with the test token, a Host header and a JSON content type.
pub fn request(method: Method, uri: &str, body: Option<Value>) -> Request<Bytes> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "scim.example.test")
        .header("authorization", format!("Bearer {TOKEN}"));
    let bytes = match body {
        Some(v) => {
            builder = builder.header("content-type", "application/scim+json");
            Bytes::from(serde_json::to_vec(&v).unwrap())
        }
        None => Bytes::new(),
    };
    builder.body(bytes).unwrap()
}

pub async fn send_request(scim: &Scim, req: Request<Bytes>, mount: Mount<'_>) -> Reply {
    let response = scim.handle_with(req, mount).await;
    let (parts, body) = response.into_parts();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).expect("the engine answers JSON")
    };
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub async fn send(scim: &Scim, method: Method, uri: &str, body: Option<Value>) -> Reply {
    send_request(scim, request(method, uri, body), Mount::root()).await
}
