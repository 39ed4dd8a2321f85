//! `/Bulk` (RFC 7644 §3.7): many writes in one request.
//!
//! This module owns reading a `BulkRequest`, its limits, the order its operations run in,
//! `bulkId:` references, `failOnErrors`, and writing the `BulkResponse`. It must not
//! implement a write itself: every operation goes through the same core as its single
//! request (`create_resource`, `replace_resource`, `patch_resource`, `delete_resource` in
//! `resources.rs`), so compat, validation, versions, store errors and events are identical. It
//! must not recurse over input either: walks of `data` and of the dependency graph use
//! explicit stacks.
//!
//! Behaviour:
//! - The body limit is [`BulkLimits::max_payload_size`]; more than
//!   [`BulkLimits::max_operations`] operations are refused with `413` before any runs. A body
//!   that is not a `BulkRequest` (no `schemas` naming it, no `Operations` array, an operation
//!   that is not an object, a `failOnErrors` that is not a positive integer) is `400`.
//! - An operation that cannot run — unknown `method`, a `path` that names no served resource
//!   type, POST with an id, PUT/PATCH/DELETE without one, no `data`, a `bulkId` used twice —
//!   fails alone with `400`; the others still run.
//! - `bulkId:<id>` as a whole string anywhere in `data` (group `members` values included) or
//!   as the id of `path` is replaced by the id the POST with that `bulkId` created. Operations
//!   run in request order, except that an operation waits until every POST it refers to has
//!   run (so references may point forward). A reference to a `bulkId` no POST of the request
//!   carries fails with `400 invalidValue`; a reference to a POST that failed fails with
//!   `409` naming it.
//! - Only POSTs can be referred to; RFC 7644 makes `bulkId` required on a POST, but one
//!   without it is still run (nothing can refer to it). `bulkId` is echoed for any method.
//! - `version` is the operation's `If-Match` (`*` or an entity tag such as `W/"3"`), checked
//!   exactly as the header of the single request: a mismatch is that operation's `412`.
//! - Circular references (`a` refers to `b`, `b` to `a`, or one to itself) are not broken up
//!   (RFC 7644 §3.7.1 allows answering `409` instead): every operation on a cycle fails with
//!   `409` and a detail naming the cycle; operations that refer to one fail as above.
//! - `failOnErrors: n`: after the `n`th failed operation nothing more runs; operations not
//!   run are left out of the response (RFC 7644 §3.7.3). Without it every operation runs.
//! - The response is `200` with one entry per operation that ran, in request order:
//!   `method`, `bulkId`, `location`, `version` (of a successful write), `status`, and
//!   `response` (the SCIM error body) for a failure.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use http::{Response, StatusCode};
use serde_json::{json, Map, Value};

use crate::engine::builder::BulkLimits;
use crate::engine::request::{json_body, Precondition};
use crate::engine::resources::Outcome;
use crate::engine::route::{route, Route};
use crate::engine::{response, Call};
use crate::error::ScimError;
use crate::schema::ResourceType;
use crate::store::{Version, CREATE_BATCH};

/// The URN of a bulk request.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The URN of a bulk response.
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// What marks a reference to another operation's new resource.
const BULK_ID_PREFIX: &str = "bulkId:";

/// An operation's HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    fn parse(text: &str) -> Option<Method> {
        [
            ("POST", Method::Post),
            ("PUT", Method::Put),
            ("PATCH", Method::Patch),
            ("DELETE", Method::Delete),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, method)| method)
    }

    const fn name(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// What an operation does, once its fields were read and checked.
#[derive(Debug)]
struct Work {
    method: Method,
    rt: Arc<ResourceType>,
    /// The id of `path` (PUT, PATCH, DELETE), possibly `bulkId:…`.
    id: Option<String>,
    data: Option<Value>,
}

/// One entry of `Operations`.
#[derive(Debug)]
struct Operation {
    /// `method` as sent (echoed in the response).
    method: Option<String>,
    bulk_id: Option<String>,
    version: Option<String>,
    /// What to run, or why it cannot run (reported when its turn comes).
    work: Result<Work, ScimError>,
    /// The operations (POSTs) whose ids it needs, each once.
    deps: Vec<usize>,
}

/// Where each operation stands while the request is processed.
#[derive(Debug, Default)]
struct Node {
    /// The operation's `bulkId`.
    bulk_id: Option<String>,
    /// The operations that refer to this one.
    dependents: Vec<usize>,
    /// How many of its dependencies have not finished.
    waiting: usize,
    done: bool,
    /// The id a successful POST created.
    created: Option<String>,
    /// The response entry.
    entry: Option<Value>,
}

impl Call<'_> {
    /// `POST /Bulk`.
    pub(crate) async fn bulk(&self, limits: BulkLimits) -> Result<Response<Bytes>, ScimError> {
        let body = json_body(self.headers, self.body, limits.max_payload_size)?;
        let (operations, fail_on_errors) = read_request(body, limits, &self.inner.resource_types)?;
        let entries = self.run_all(operations, fail_on_errors).await;
        let body = json!({
            "schemas": [BULK_RESPONSE_SCHEMA],
            "Operations": entries,
        });
        Ok(response::json(StatusCode::OK, &body, None, None))
    }

    /// Runs the operations in dependency order until done or `fail_on_errors` failures;
    /// returns the response entries in request order.
    async fn run_all(
        &self,
        mut operations: Vec<Operation>,
        fail_on_errors: Option<usize>,
    ) -> Vec<Value> {
        let mut nodes: Vec<Node> = operations
            .iter()
            .map(|op| Node {
                bulk_id: op.bulk_id.clone(),
                ..Node::default()
            })
            .collect();
        for (n, op) in operations.iter().enumerate() {
            if let Some(node) = nodes.get_mut(n) {
                node.waiting = op.deps.len();
            }
            for &dep in &op.deps {
                if let Some(target) = nodes.get_mut(dep) {
                    target.dependents.push(n);
                }
            }
        }
        let mut ready: BTreeSet<usize> = nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.waiting == 0)
            .map(|(n, _)| n)
            .collect();
        let mut errors = 0_usize;
        let limit = fail_on_errors.unwrap_or(usize::MAX);
        'run: while errors < limit {
            let Some(n) = ready.pop_first() else {
                // Nothing can run: what is left waits on a cycle (or on something that does).
                let failures = cycle_failures(&operations, &nodes);
                if failures.is_empty() {
                    break;
                }
                for (n, error) in failures {
                    let result = Err(error);
                    errors += finish(&operations, &mut nodes, &mut ready, n, result, self);
                    if errors >= limit {
                        break 'run;
                    }
                }
                continue;
            };
            if nodes.get(n).is_none_or(|node| node.done) {
                continue;
            }
            // A run of ready POSTs of one type is created together (at most as many as may
            // still fail before `failOnErrors` stops the request).
            let batch = creation_batch(&operations, &mut ready, n, limit - errors);
            if batch.len() > 1 {
                let results = self.create_batch(&mut operations, &nodes, &batch).await;
                for (n, result) in batch.into_iter().zip(results) {
                    errors += finish(&operations, &mut nodes, &mut ready, n, result, self);
                }
                continue;
            }
            let result = match operations.get_mut(n) {
                Some(op) => self.run_one(op, &nodes, n).await,
                None => continue,
            };
            errors += finish(&operations, &mut nodes, &mut ready, n, result, self);
        }
        nodes.into_iter().filter_map(|node| node.entry).collect()
    }

    /// Creates the `POST`s `batch` (ready operations of one resource type) with one
    /// [`crate::store::ResourceStore::create_many`]; the results in `batch`'s order.
    async fn create_batch(
        &self,
        operations: &mut [Operation],
        nodes: &[Node],
        batch: &[usize],
    ) -> Vec<Result<Outcome, ScimError>> {
        let mut results: Vec<Option<Result<Outcome, ScimError>>> = Vec::with_capacity(batch.len());
        let mut resources = Vec::with_capacity(batch.len());
        let mut rt = None;
        for &n in batch {
            let prepared = match operations.get_mut(n) {
                Some(op) => resolve_work(op, nodes, n).and_then(|(work_rt, _, data)| {
                    let data = data.ok_or_else(missing_data)?;
                    let resource = self.to_create(&work_rt, data)?;
                    rt.get_or_insert(work_rt);
                    Ok(resource)
                }),
                None => Err(ScimError::Internal("no such operation".to_owned())),
            };
            match prepared {
                Ok(resource) => {
                    resources.push(resource);
                    results.push(None);
                }
                Err(error) => results.push(Some(Err(error))),
            }
        }
        let Some(rt) = rt else {
            return results
                .into_iter()
                .map(|r| r.unwrap_or_else(|| Err(missing_data())))
                .collect();
        };
        let created =
            match AssertUnwindSafe(self.inner.store.create_many(&self.ctx, &rt, resources))
                .catch_unwind()
                .await
            {
                Ok(created) => created,
                Err(_) => {
                    tracing::error!("a store panicked during a bulk create");
                    Vec::new()
                }
            };
        let mut created = created.into_iter();
        let mut out = Vec::with_capacity(results.len());
        for result in results {
            out.push(match result {
                Some(refused) => refused,
                None => match created.next() {
                    Some(stored) => caught(self.created(&rt, stored)).await,
                    None => Err(failed_operation()),
                },
            });
        }
        out
    }

    /// Resolves an operation's references and runs it through its single-request core.
    async fn run_one(
        &self,
        op: &mut Operation,
        nodes: &[Node],
        n: usize,
    ) -> Result<Outcome, ScimError> {
        let (rt, id, data) = resolve_work(op, nodes, n)?;
        let work_method = op.work.as_ref().map(|w| w.method).map_err(Clone::clone)?;
        let condition = op.version.as_deref().map(precondition);
        let missing_id = || ScimError::InvalidValue("the operation's path needs an id".to_owned());
        let run = async {
            match work_method {
                Method::Post => {
                    self.create_resource(&rt, data.ok_or_else(missing_data)?)
                        .await
                }
                Method::Put => {
                    let id = id.ok_or_else(missing_id)?;
                    let data = data.ok_or_else(missing_data)?;
                    self.replace_resource(&rt, &id, data, condition.as_ref())
                        .await
                }
                Method::Patch => {
                    let id = id.ok_or_else(missing_id)?;
                    let data = data.ok_or_else(missing_data)?;
                    let plan = self.patch_plan(&rt, data)?;
                    self.patch_resource(&rt, &id, plan, condition.as_ref(), None)
                        .await
                }
                Method::Delete => {
                    let id = id.ok_or_else(missing_id)?;
                    self.delete_resource(&rt, &id, condition.as_ref()).await
                }
            }
        };
        caught(run).await
    }
}

/// `run`'s result, or a `500` for the operation when a store or hook panicked in it.
async fn caught(
    run: impl std::future::Future<Output = Result<Outcome, ScimError>>,
) -> Result<Outcome, ScimError> {
    match AssertUnwindSafe(run).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!("a store or hook panicked during a bulk operation");
            Err(failed_operation())
        }
    }
}

fn failed_operation() -> ScimError {
    ScimError::Internal("the server failed while running this operation".to_owned())
}

fn missing_data() -> ScimError {
    ScimError::InvalidSyntax("the operation needs \"data\"".to_owned())
}

/// An operation's resource type, id (of its path) and data.
type Resolved = (Arc<ResourceType>, Option<String>, Option<Value>);

/// An operation's resource type, id and data with its `bulkId:` references replaced by the
/// ids their POSTs created (the data is taken out of the operation).
fn resolve_work(op: &mut Operation, nodes: &[Node], n: usize) -> Result<Resolved, ScimError> {
    let work = op.work.as_mut().map_err(|e| e.clone())?;
    let mut ids: HashMap<&str, &str> = HashMap::new();
    for &dep in &op.deps {
        let node = nodes.get(dep);
        let bulk_id = node.and_then(|d| d.bulk_id.as_deref()).unwrap_or_default();
        match node.and_then(|d| d.created.as_deref()) {
            Some(id) => {
                ids.insert(bulk_id, id);
            }
            None => {
                return Err(ScimError::Conflict(format!(
                    "operation {} refers to \"{BULK_ID_PREFIX}{bulk_id}\", whose POST (operation {}) failed, so it has no id",
                    n + 1,
                    dep + 1
                )));
            }
        }
    }
    let id = work
        .id
        .as_deref()
        .map(|id| resolve_text(id, &ids).to_owned());
    let mut data = work.data.take();
    if let Some(data) = data.as_mut() {
        resolve(data, &ids);
    }
    Ok((Arc::clone(&work.rt), id, data))
}

/// The operations to create together starting with ready operation `first`: when it is a
/// `POST`, it and the next ready `POST`s of its resource type (taken out of `ready`), at most
/// [`CREATE_BATCH`] and at most `budget` (the failures `failOnErrors` still allows);
/// otherwise `first` alone.
fn creation_batch(
    operations: &[Operation],
    ready: &mut BTreeSet<usize>,
    first: usize,
    budget: usize,
) -> Vec<usize> {
    let post_of = |n: usize| match operations.get(n).map(|op| &op.work) {
        Some(Ok(work)) if work.method == Method::Post => Some(Arc::clone(&work.rt)),
        _ => None,
    };
    let mut batch = vec![first];
    let Some(rt) = post_of(first) else {
        return batch;
    };
    let cap = budget.clamp(1, CREATE_BATCH);
    while batch.len() < cap {
        let Some(&next) = ready.first() else {
            break;
        };
        if post_of(next).is_none_or(|other| other.name != rt.name) {
            break;
        }
        ready.remove(&next);
        batch.push(next);
    }
    batch
}

/// Records an operation's result, releases the operations waiting for it, and returns 1 if
/// it failed.
fn finish(
    operations: &[Operation],
    nodes: &mut [Node],
    ready: &mut BTreeSet<usize>,
    n: usize,
    result: Result<Outcome, ScimError>,
    call: &Call<'_>,
) -> usize {
    let Some(op) = operations.get(n) else {
        return 0;
    };
    let failed = usize::from(result.is_err());
    let mut entry = Map::new();
    let method = op
        .work
        .as_ref()
        .map(|w| w.method.name().to_owned())
        .ok()
        .or_else(|| op.method.clone());
    if let Some(method) = method {
        entry.insert("method".to_owned(), Value::String(method));
    }
    if let Some(bulk_id) = &op.bulk_id {
        entry.insert("bulkId".to_owned(), Value::String(bulk_id.clone()));
    }
    let mut created = None;
    match result {
        Ok(outcome) => {
            entry.insert("location".to_owned(), Value::String(outcome.location));
            if let Some(version) = outcome.version {
                entry.insert("version".to_owned(), Value::String(version));
            }
            entry.insert(
                "status".to_owned(),
                Value::String(outcome.status.as_u16().to_string()),
            );
            if let Some(Method::Post) = op.work.as_ref().ok().map(|w| w.method) {
                created = outcome.resource.and_then(|r| r.id);
            }
        }
        Err(error) => {
            let known_id = op
                .work
                .as_ref()
                .ok()
                .and_then(|w| w.id.as_deref())
                .filter(|id| !id.starts_with(BULK_ID_PREFIX));
            if let (Ok(work), Some(id)) = (&op.work, known_id) {
                entry.insert(
                    "location".to_owned(),
                    Value::String(call.location(&work.rt, id)),
                );
            }
            entry.insert(
                "status".to_owned(),
                Value::String(error.status().to_string()),
            );
            entry.insert("response".to_owned(), error.to_json());
        }
    }
    let dependents = match nodes.get_mut(n) {
        Some(node) => {
            node.done = true;
            node.created = created;
            node.entry = Some(Value::Object(entry));
            std::mem::take(&mut node.dependents)
        }
        None => Vec::new(),
    };
    for d in dependents {
        if let Some(node) = nodes.get_mut(d) {
            node.waiting = node.waiting.saturating_sub(1);
            if node.waiting == 0 && !node.done {
                ready.insert(d);
            }
        }
    }
    failed
}

/// Reads and checks the request: the operations (each with its problem, if any, and its
/// dependencies) and `failOnErrors`.
fn read_request(
    body: Value,
    limits: BulkLimits,
    types: &[Arc<ResourceType>],
) -> Result<(Vec<Operation>, Option<usize>), ScimError> {
    let Value::Object(body) = body else {
        return Err(ScimError::InvalidSyntax(
            "a bulk request must be a JSON object with \"schemas\" and \"Operations\"".to_owned(),
        ));
    };
    let mut schemas = None;
    let mut fail_on_errors = None;
    let mut raw_operations = None;
    for (key, value) in body {
        if key.eq_ignore_ascii_case("schemas") {
            schemas = Some(value);
        } else if key.eq_ignore_ascii_case("failOnErrors") {
            fail_on_errors = Some(value);
        } else if key.eq_ignore_ascii_case("Operations") {
            raw_operations = Some(value);
        }
    }
    let is_bulk = schemas.as_ref().and_then(Value::as_array).is_some_and(|s| {
        s.iter().any(|u| {
            u.as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(BULK_REQUEST_SCHEMA))
        })
    });
    if !is_bulk {
        return Err(ScimError::InvalidSyntax(format!(
            "a bulk request's \"schemas\" must be [\"{BULK_REQUEST_SCHEMA}\"]"
        )));
    }
    let fail_on_errors = match fail_on_errors {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n > 0 => Some(n),
            _ => {
                return Err(ScimError::InvalidSyntax(format!(
                    "\"failOnErrors\" must be a positive integer, not {value}"
                )))
            }
        },
    };
    let Some(Value::Array(raw_operations)) = raw_operations else {
        return Err(ScimError::InvalidSyntax(
            "a bulk request needs an \"Operations\" array".to_owned(),
        ));
    };
    if raw_operations.len() > limits.max_operations {
        return Err(ScimError::PayloadTooLarge(format!(
            "the bulk request has {} operations; this server accepts at most {} (maxOperations in /ServiceProviderConfig)",
            raw_operations.len(),
            limits.max_operations
        )));
    }
    let mut operations = raw_operations
        .into_iter()
        .enumerate()
        .map(|(n, value)| read_operation(n, value, types))
        .collect::<Result<Vec<_>, _>>()?;
    link(&mut operations);
    Ok((operations, fail_on_errors))
}

/// Reads one operation; only an entry that is not an object fails the whole request.
fn read_operation(
    n: usize,
    value: Value,
    types: &[Arc<ResourceType>],
) -> Result<Operation, ScimError> {
    let Value::Object(map) = value else {
        return Err(ScimError::InvalidSyntax(format!(
            "operation {} is not a JSON object",
            n + 1
        )));
    };
    let mut op = Operation {
        method: None,
        bulk_id: None,
        version: None,
        work: Err(ScimError::InvalidSyntax(String::new())),
        deps: Vec::new(),
    };
    let mut method = None;
    let mut bulk_id = None;
    let mut version = None;
    let mut path = None;
    let mut data = None;
    for (key, value) in map {
        let slot = match key.to_ascii_lowercase().as_str() {
            "method" => &mut method,
            "bulkid" => &mut bulk_id,
            "version" => &mut version,
            "path" => &mut path,
            "data" => &mut data,
            _ => continue,
        };
        *slot = Some(value);
    }
    let text = |value: Option<Value>, name: &str| -> Result<Option<String>, ScimError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ScimError::InvalidSyntax(format!(
                "\"{name}\" must be a string, not {other}"
            ))),
        }
    };
    let fields = (|| {
        Ok::<_, ScimError>((
            text(method, "method")?,
            text(bulk_id, "bulkId")?,
            text(version, "version")?,
            text(path, "path")?,
        ))
    })();
    let (method, bulk_id, version, path) = match fields {
        Ok(fields) => fields,
        Err(error) => {
            op.work = Err(error);
            return Ok(op);
        }
    };
    op.method.clone_from(&method);
    op.bulk_id = bulk_id;
    op.version = version;
    op.work = check(method.as_deref(), path.as_deref(), data, types);
    if op.bulk_id.as_deref() == Some("") {
        op.work = Err(ScimError::InvalidValue(
            "\"bulkId\" must not be empty".to_owned(),
        ));
    }
    Ok(op)
}

/// What an operation does, or why it cannot run.
fn check(
    method: Option<&str>,
    path: Option<&str>,
    data: Option<Value>,
    types: &[Arc<ResourceType>],
) -> Result<Work, ScimError> {
    let method_text = method.ok_or_else(|| {
        ScimError::InvalidSyntax(
            "the operation needs a \"method\" (POST, PUT, PATCH or DELETE)".to_owned(),
        )
    })?;
    let method = Method::parse(method_text).ok_or_else(|| {
        ScimError::InvalidValue(format!(
            "\"method\" \"{method_text}\" is not one of POST, PUT, PATCH, DELETE"
        ))
    })?;
    let path = path.ok_or_else(|| {
        ScimError::InvalidSyntax("the operation needs a \"path\" such as \"/Users\"".to_owned())
    })?;
    let unserved = || {
        ScimError::InvalidValue(format!(
            "\"path\" \"{path}\" names no resource type served here; use \"/{{endpoint}}\" or \"/{{endpoint}}/{{id}}\" (see /ResourceTypes)"
        ))
    };
    if !path.starts_with('/') || path.contains('?') || path.contains('#') {
        return Err(unserved());
    }
    let (rt, id) = match route(path, types) {
        Some(Route::Collection(rt)) => (rt, None),
        Some(Route::Resource(rt, id)) => (rt, Some(id.into_owned())),
        _ => return Err(unserved()),
    };
    match (method, &id) {
        (Method::Post, Some(_)) => {
            return Err(ScimError::InvalidValue(format!(
                "POST creates in a collection: \"path\" must be \"{}\", without an id",
                rt.endpoint
            )))
        }
        (Method::Put | Method::Patch | Method::Delete, None) => {
            return Err(ScimError::InvalidValue(format!(
                "{} needs the resource's id in \"path\": \"{}/{{id}}\"",
                method.name(),
                rt.endpoint
            )))
        }
        _ => {}
    }
    let data = match method {
        Method::Delete => None,
        _ => Some(data.filter(|d| !d.is_null()).ok_or_else(|| {
            ScimError::InvalidSyntax(format!("{} needs \"data\"", method.name()))
        })?),
    };
    Ok(Work {
        method,
        rt,
        id,
        data,
    })
}

/// Finds each operation's `bulkId:` references and turns them into dependencies; a
/// duplicate `bulkId` or a reference no POST answers to makes the operation fail.
fn link(operations: &mut [Operation]) {
    let mut posts: HashMap<String, usize> = HashMap::new();
    let mut duplicates = Vec::new();
    for (n, op) in operations.iter().enumerate() {
        let is_post = op.work.as_ref().is_ok_and(|w| w.method == Method::Post);
        if let (true, Some(bulk_id)) = (is_post, &op.bulk_id) {
            match posts.get(bulk_id) {
                Some(first) => duplicates.push((n, *first, bulk_id.clone())),
                None => {
                    posts.insert(bulk_id.clone(), n);
                }
            }
        }
    }
    for (n, first, bulk_id) in duplicates {
        if let Some(op) = operations.get_mut(n) {
            op.work = Err(ScimError::InvalidValue(format!(
                "bulkId \"{bulk_id}\" is already used by operation {}",
                first + 1
            )));
        }
    }
    for op in operations.iter_mut() {
        let Ok(work) = &op.work else { continue };
        let mut names: Vec<&str> = Vec::new();
        if let Some(name) = work
            .id
            .as_deref()
            .and_then(|id| id.strip_prefix(BULK_ID_PREFIX))
        {
            names.push(name);
        }
        if let Some(data) = &work.data {
            references(data, &mut names);
        }
        let mut deps = Vec::new();
        let mut seen = HashSet::new();
        let mut unknown = None;
        for name in names {
            match posts.get(name) {
                Some(&dep) => {
                    if seen.insert(dep) {
                        deps.push(dep);
                    }
                }
                None => {
                    unknown = Some(name.to_owned());
                    break;
                }
            }
        }
        if let Some(name) = unknown {
            op.work = Err(ScimError::InvalidValue(format!(
                "\"{BULK_ID_PREFIX}{name}\" refers to no POST operation of this request with bulkId \"{name}\""
            )));
        } else {
            op.deps = deps;
        }
    }
}

/// Every `bulkId:` reference in a JSON value (whole strings only), walked with a stack.
fn references<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) => {
                if let Some(name) = s.strip_prefix(BULK_ID_PREFIX) {
                    out.push(name);
                }
            }
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
}

/// Replaces every `bulkId:` reference in `value` by the id created for it.
fn resolve(value: &mut Value, ids: &HashMap<&str, &str>) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) => {
                if let Some(id) = s.strip_prefix(BULK_ID_PREFIX).and_then(|n| ids.get(n)) {
                    *s = (*id).to_owned();
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => stack.extend(map.values_mut()),
            _ => {}
        }
    }
}

/// A path id, resolved if it is a reference.
fn resolve_text<'a>(text: &'a str, ids: &HashMap<&str, &'a str>) -> &'a str {
    text.strip_prefix(BULK_ID_PREFIX)
        .and_then(|n| ids.get(n).copied())
        .unwrap_or(text)
}

/// An operation's `version` as the `If-Match` condition its single request would carry.
fn precondition(version: &str) -> Precondition {
    if version.trim() == "*" {
        Precondition::Any
    } else {
        Precondition::Versions(Version::from_etag(version.trim()).into_iter().collect())
    }
}

/// When nothing is ready but operations remain, they wait on cycles. Returns the `409` for
/// every operation on a cycle (strongly connected components of the remaining references,
/// found without recursion), in request order; those waiting on a cycle are then released
/// and fail because their dependency failed.
fn cycle_failures(operations: &[Operation], nodes: &[Node]) -> Vec<(usize, ScimError)> {
    let count = operations.len();
    let alive = |n: usize| nodes.get(n).is_some_and(|node| !node.done);
    let deps = |n: usize| -> &[usize] { operations.get(n).map_or(&[], |op| op.deps.as_slice()) };
    // Kosaraju, pass 1: finishing order along references.
    let mut visited = vec![false; count];
    let mut order = Vec::new();
    for start in (0..count).filter(|&n| alive(n)) {
        if visited.get(start).copied().unwrap_or(true) {
            continue;
        }
        if let Some(v) = visited.get_mut(start) {
            *v = true;
        }
        let mut stack = vec![(start, 0_usize)];
        while let Some(&(v, k)) = stack.last() {
            if let Some(&w) = deps(v).get(k) {
                if let Some(top) = stack.last_mut() {
                    top.1 = k + 1;
                }
                if alive(w) && !visited.get(w).copied().unwrap_or(true) {
                    if let Some(seen) = visited.get_mut(w) {
                        *seen = true;
                    }
                    stack.push((w, 0));
                }
            } else {
                order.push(v);
                stack.pop();
            }
        }
    }
    // Pass 2: components along reversed references.
    let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); count];
    for v in (0..count).filter(|&n| alive(n)) {
        for &w in deps(v) {
            if let Some(list) = reverse.get_mut(w) {
                list.push(v);
            }
        }
    }
    let mut component = vec![usize::MAX; count];
    let mut failures = Vec::new();
    for (c, &start) in order.iter().rev().enumerate() {
        if component.get(start).is_none_or(|&k| k != usize::MAX) {
            continue;
        }
        let mut members = Vec::new();
        let mut stack = vec![start];
        if let Some(slot) = component.get_mut(start) {
            *slot = c;
        }
        while let Some(v) = stack.pop() {
            members.push(v);
            for &u in reverse.get(v).map_or(&[][..], Vec::as_slice) {
                if alive(u) && component.get(u) == Some(&usize::MAX) {
                    if let Some(slot) = component.get_mut(u) {
                        *slot = c;
                    }
                    stack.push(u);
                }
            }
        }
        let cyclic = members.len() > 1 || deps(start).contains(&start);
        if !cyclic {
            continue;
        }
        members.sort_unstable();
        let detail = cycle_detail(operations, &members, &component, c);
        failures.extend(
            members
                .into_iter()
                .map(|n| (n, ScimError::Conflict(detail.clone()))),
        );
    }
    failures.sort_by_key(|(n, _)| *n);
    failures
}

/// Names a cycle of a component: `"a" → "b" → "a"`, and every member when the component is
/// larger than that cycle.
fn cycle_detail(
    operations: &[Operation],
    members: &[usize],
    component: &[usize],
    c: usize,
) -> String {
    let name = |n: usize| {
        let bulk_id = operations
            .get(n)
            .and_then(|op| op.bulk_id.as_deref())
            .unwrap_or("?");
        format!("\"{bulk_id}\"")
    };
    let in_component = |n: usize| component.get(n) == Some(&c);
    let mut path: Vec<usize> = Vec::new();
    let mut cycle: Vec<usize> = Vec::new();
    if let Some(&first) = members.first() {
        let mut v = first;
        while cycle.is_empty() && path.len() <= members.len() {
            path.push(v);
            let next = operations
                .get(v)
                .and_then(|op| op.deps.iter().copied().find(|&w| in_component(w)));
            let Some(next) = next else { break };
            if let Some(at) = path.iter().position(|&p| p == next) {
                cycle = path.get(at..).map(<[usize]>::to_vec).unwrap_or_default();
                cycle.push(next);
            }
            v = next;
        }
    }
    let shown: Vec<String> = cycle.iter().map(|&n| name(n)).collect();
    let mut detail = format!(
        "circular bulkId references: {}; none of these operations can run first. Create one without the reference and add it with a later PATCH",
        shown.join(" → ")
    );
    if cycle.len().saturating_sub(1) < members.len() {
        let all: Vec<String> = members.iter().map(|&n| name(n)).collect();
        let _ = write!(detail, " (operations in the cycle: {})", all.join(", "));
    }
    detail
}
