//! The `handle` target: arbitrary requests through `Scim::handle` on an `InMemoryStore` engine
//! preloaded with users and groups in two tenants. Shared with `scim-core/tests/fuzz_corpus.rs`
//! (corpus replay) and `scim-core/tests/random_requests.rs` (the stable property test), which
//! use [`Fixture`] and [`check_exchange`] with their own request generators.
//!
//! [`check_exchange`] checks one request/response pair:
//! - the engine does not panic (a panic is caught by the engine and answered `500`, which no
//!   request to the in-memory store may get);
//! - the status is one RFC 7644 allows for the method ([`allowed`]);
//! - a 4xx/5xx body is a SCIM error: `application/scim+json`, the error schema, `status` equal
//!   to the HTTP status as a string, a `scimType` from RFC 7644 §3.12 (or RFC 9865) if any, and
//!   a `detail`;
//! - a request answered 4xx/5xx changes nothing: a snapshot of every resource of both tenants
//!   before equals the one after;
//! - a 2xx body is JSON; a 2xx `GET` of a resource or a list, without
//!   `attributes`/`excludedAttributes`, gives resources that validate against their type.

#![allow(clippy::panic, clippy::expect_used, clippy::missing_panics_doc)]

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::task::{Context as TaskContext, Poll, Waker};

use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{Method, Request, Response};
use scimkit_core::auth::{AuthError, AuthRequest};
use scimkit_core::context::{Caller, Context, Tenant};
use scimkit_core::schema::ResourceType;
use scimkit_core::store::{ListQuery, ResourceStore};
use scimkit_core::validate::{validate, Mode, ValidationOptions};
use scimkit_core::{InMemoryStore, Resource, Scim, ERROR_SCHEMA};
use serde_json::{json, Value};

/// The bearer token acting for tenant `t1` (as user `u0` for `/Me`).
pub const TOKEN_T1: &str = "fuzz-token-t1";
/// The bearer token acting for tenant `t2`.
pub const TOKEN_T2: &str = "fuzz-token-t2";

/// The `scimType` values RFC 7644 §3.12 and RFC 9865 define.
pub const SCIM_TYPES: &[&str] = &[
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
    "invalidCursor",
    "expiredCursor",
];

/// Realistic request paths. `@U0@`…, `@G0@`…, `@T2U@` stand for the fixture's ids.
pub const PATHS: &[&str] = &[
    "/Users",
    "/Users/@U0@",
    "/Users/@U1@",
    "/Users/@U2@",
    "/Groups",
    "/Groups/@G0@",
    "/Groups/@G1@",
    "/Users/.search",
    "/Groups/.search",
    "/.search",
    "/Bulk",
    "/Me",
    "/ServiceProviderConfig",
    "/Schemas",
    "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    "/ResourceTypes",
    "/ResourceTypes/Group",
    "//Users",
    "/Users/",
    "/Users/@T2U@",
    "/Groups/@U0@",
    "/Users/00000000-0000-4000-8000-000000000000",
    "/",
];

/// Realistic filters, as identity providers send them.
pub const FILTERS: &[&str] = &[
    r#"userName eq "bjensen@example.com""#,
    r#"userName eq "BJENSEN@EXAMPLE.COM""#,
    r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#,
    r#"emails[type eq "work"].value eq "bjensen@example.com""#,
    r#"displayName eq "Tour Guides""#,
    r#"id eq "@G0@" and members[value eq "@U0@"]"#,
    r#"members[value eq "@U1@"]"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"name.familyName co "J" or name.givenName sw "M""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    r#"not (active eq false)"#,
    r#"emails[value ew ".org" or primary eq true]"#,
    r#"groups.value eq "@G0@""#,
    r#"userName eq "7b2d3f0e-unknown""#,
    r#"password eq "x""#,
];

/// Values of `attributes`, `excludedAttributes` and `sortBy`.
pub const ATTRIBUTES: &[&str] = &[
    "userName",
    "members",
    "emails.value,name",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "groups",
    "password",
    "meta.lastModified",
    "displayName",
    "emails[type eq \"work\"]",
    "name.familyName",
    "id",
];

/// Realistic bodies (Entra, Okta, RFC 7644 examples), ids as in [`PATHS`].
pub const BODIES: &[&str] = &[
    // Entra creates a user.
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ee","userName":"Test_User@contoso.com","active":"True","emails":[{"primary":true,"type":"work","value":"Test_User@contoso.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Ann Lee","familyName":"Lee","givenName":"Ann"},"roles":[],"title":null,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"@U0@"}}"#,
    // Okta creates a user.
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"isaac.brock@example.com","name":{"givenName":"Isaac","familyName":"Brock"},"emails":[{"primary":true,"value":"isaac.brock@example.com","type":"work"}],"displayName":"Isaac Brock","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}"#,
    // Entra creates a group with an attribute-less schema URN.
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Group1","meta":{"resourceType":"Group"}}"#,
    // Okta pushes a group with a member.
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[{"value":"@U0@","display":"bjensen@example.com"}]}"#,
    // Entra's default PATCH dialect.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Add","path":"emails[type eq \"work\"].value","value":"new@contoso.com"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"A1"}]}"#,
    // Entra's compliant dialect: a path-less replace with qualified keys.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"displayName":"B","name.givenName":"K","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"A"}}]}"#,
    // Entra removes and adds group members.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"@U0@"}]},{"op":"Add","path":"members","value":[{"value":"@U2@","$ref":null}]}]}"#,
    // Okta's membership push and rename.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"@U1@\"]"},{"op":"add","path":"members","value":[{"value":"@U2@","display":"x@y"}]},{"op":"replace","value":{"id":"@G0@","displayName":"Ops"}}]}"#,
    // Okta deactivates.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#,
    // Okta's custom app PUTs back what it read.
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"@U1@","userName":"jsmith@example.com","name":{"givenName":"John","familyName":"Smith"},"emails":[{"primary":true,"value":"jsmith@example.com","type":"work"}],"active":true,"groups":[],"meta":{"resourceType":"User"}}"#,
    // A group PUT with its full member list.
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Tour Guides","members":[{"value":"@U1@"},{"value":"@U2@","display":"Mandy"}]}"#,
    // A search request.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \"b\"","attributes":["userName","emails"],"sortBy":"userName","sortOrder":"descending","startIndex":1,"count":10}"#,
    // A bulk request.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[{"method":"POST","path":"/Users","bulkId":"qwerty","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice"}},{"method":"POST","path":"/Groups","bulkId":"ytrewq","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Tour Guides 2","members":[{"type":"User","value":"bulkId:qwerty"}]}},{"method":"PATCH","path":"/Groups/@G0@","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"bulkId:qwerty"}]}]}},{"method":"DELETE","path":"/Users/@U2@","version":"W/\"x\""}]}"#,
    // Entra's bare manager id.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"@U2@"}]}"#,
    // Removing an extension, a filtered sub-attribute and a whole attribute.
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},{"op":"replace","path":"emails[primary eq true].type","value":"home"},{"op":"remove","path":"phoneNumbers"}]}"#,
    // A duplicate userName.
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"BJensen@Example.com"}"#,
];

/// Blocks on a future that never waits (the in-memory store and the engine never return
/// `Pending` for anything but a yield), without an async runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// An engine over a fresh `InMemoryStore` with three users and two groups in tenant `t1` and
/// one user in tenant `t2`, and what a test needs to know about them.
pub struct Fixture {
    /// The engine.
    pub scim: Scim,
    /// Its store, for snapshots.
    pub store: Arc<InMemoryStore>,
    /// Tenant `t1`'s users, in creation order.
    pub users: Vec<String>,
    /// Tenant `t1`'s groups.
    pub groups: Vec<String>,
    /// Tenant `t2`'s user.
    pub t2_user: String,
    /// The `ETag` of every resource as created.
    pub etags: Vec<String>,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture")
            .field("users", &self.users)
            .field("groups", &self.groups)
            .field("t2_user", &self.t2_user)
            .finish_non_exhaustive()
    }
}

/// A request with `token`, a Host header and, with a body, a SCIM content type.
pub fn request(token: &str, method: Method, path: &str, body: Option<&Value>) -> Request<Bytes> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "scim.example.test")
        .header("authorization", format!("Bearer {token}"));
    let bytes = match body {
        Some(body) => {
            builder = builder.header(CONTENT_TYPE, "application/scim+json");
            Bytes::from(body.to_string())
        }
        None => Bytes::new(),
    };
    builder.body(bytes).expect("a valid request")
}

impl Fixture {
    /// Builds the engine and creates the resources through it.
    pub fn new() -> Fixture {
        let me: Arc<OnceLock<String>> = Arc::default();
        let me_in_auth = Arc::clone(&me);
        let authenticator = move |req: &AuthRequest<'_>| -> Result<Context, AuthError> {
            let ctx = |tenant: &str| Context::new(Tenant::new(tenant), Caller::new("fuzz-idp"));
            match req.bearer_token() {
                Some(TOKEN_T1) => Ok(match me_in_auth.get() {
                    Some(id) => ctx("t1").with_subject("User", id.clone()),
                    None => ctx("t1"),
                }),
                Some(TOKEN_T2) => Ok(ctx("t2")),
                _ => Err(AuthError::Unauthorized(
                    "a valid bearer token is required".into(),
                )),
            }
        };
        let store = Arc::new(InMemoryStore::new());
        let scim = Scim::builder()
            .shared_store(Arc::clone(&store) as Arc<dyn ResourceStore>)
            .authenticator(authenticator)
            .max_page_size(50)
            .default_page_size(20)
            .build()
            .expect("the engine builds");
        let mut etags = Vec::new();
        let mut create = |token: &str, path: &str, body: Value| -> String {
            let response = block_on(scim.handle(request(token, Method::POST, path, Some(&body))));
            assert_eq!(response.status(), 201, "fixture create {body}");
            if let Some(etag) = response.headers().get("etag").and_then(|v| v.to_str().ok()) {
                etags.push(etag.to_owned());
            }
            let created: Value = serde_json::from_slice(response.body()).expect("JSON");
            created["id"].as_str().expect("an id").to_owned()
        };
        let mut users = Vec::new();
        let mut rich = super::fixtures::rich_user_json();
        if let Some(enterprise) =
            rich.get_mut("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        {
            enterprise["manager"] = json!({"value": "26118915"});
        }
        users.push(create(TOKEN_T1, "/Users", rich));
        users.push(create(
            TOKEN_T1,
            "/Users",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "userName": "jsmith@example.com", "externalId": "jsmith",
                   "name": {"givenName": "John", "familyName": "Smith"},
                   "emails": [{"value": "jsmith@example.com", "type": "work", "primary": true}],
                   "active": false}),
        ));
        users.push(create(
            TOKEN_T1,
            "/Users",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                   "userName": "mpepper", "displayName": "Mandy Pepperidge", "title": "Dean",
                   "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                       {"employeeNumber": "42", "manager": {"value": users[0]}}}),
        ));
        let mut groups = Vec::new();
        groups.push(create(
            TOKEN_T1,
            "/Groups",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "Tour Guides",
                   "members": [{"value": users[0]}, {"value": users[1], "display": "jsmith"}]}),
        ));
        groups.push(create(
            TOKEN_T1,
            "/Groups",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "Ops", "externalId": "ops",
                   "members": [{"value": users[2], "type": "User"}]}),
        ));
        let t2_user = create(
            TOKEN_T2,
            "/Users",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "userName": "bjensen@example.com"}),
        );
        me.set(users[0].clone()).expect("set once");
        Fixture {
            scim,
            store,
            users,
            groups,
            t2_user,
            etags,
        }
    }

    /// `text` with the placeholders of [`PATHS`] and [`BODIES`] replaced by the fixture's ids.
    pub fn fill(&self, text: &str) -> String {
        let mut out = text.replace("@T2U@", &self.t2_user);
        for (n, id) in self.users.iter().enumerate() {
            out = out.replace(&format!("@U{n}@"), id);
        }
        for (n, id) in self.groups.iter().enumerate() {
            out = out.replace(&format!("@G{n}@"), id);
        }
        out
    }

    /// Every resource of both tenants, in creation order, as stored.
    pub fn snapshot(&self) -> Vec<Value> {
        let mut all = Vec::new();
        for tenant in ["t1", "t2"] {
            let ctx = Context::new(Tenant::new(tenant), Caller::new("snapshot"));
            for rt in self.scim.resource_types() {
                let page = block_on(self.store.list(&ctx, rt, &ListQuery::default()))
                    .expect("the store lists");
                all.extend(page.resources.iter().map(Resource::to_json));
            }
        }
        all
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

/// The statuses RFC 7644 allows for `method` (§3.3–§3.7, §3.12; 304/412 from RFC 7232 for the
/// conditional headers; 415 and 413 for bodies, 414 for a long query, 501 for unsupported
/// features). Never 500.
pub fn allowed(method: &Method, status: u16) -> bool {
    let success: &[u16] = match *method {
        Method::GET => &[200, 304],
        Method::POST => &[200, 201],
        Method::PUT => &[200],
        Method::PATCH => &[200, 204],
        Method::DELETE => &[204],
        _ => &[],
    };
    let errors: &[u16] = match *method {
        Method::POST | Method::PUT | Method::PATCH => {
            &[400, 401, 403, 404, 405, 409, 412, 413, 414, 415, 501]
        }
        Method::GET | Method::DELETE => &[400, 401, 403, 404, 405, 412, 413, 414, 501],
        _ => &[400, 401, 403, 404, 405, 413, 414, 501],
    };
    success.contains(&status) || errors.contains(&status)
}

/// Sends `request` through the fixture's engine and checks every property of the module doc;
/// returns the status and the body (`Null` when empty).
pub fn check_exchange(fx: &Fixture, request: Request<Bytes>) -> (u16, Value) {
    let method = request.method().clone();
    let uri = request.uri().to_string();
    let projected = request.uri().query().is_some_and(|q| {
        form_urlencoded::parse(q.as_bytes()).any(|(k, _)| {
            k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
        })
    });
    let before = fx.snapshot();
    let response: Response<Bytes> = block_on(fx.scim.handle(request));
    let status = response.status().as_u16();
    let what = format!("{method} {uri} → {status}");
    assert!(
        allowed(&method, status),
        "{what}: status not allowed for the method: {:?}",
        response.body()
    );
    let body: Value = if response.body().is_empty() {
        Value::Null
    } else {
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        assert_eq!(
            content_type,
            Some("application/scim+json"),
            "{what}: content type"
        );
        serde_json::from_slice(response.body())
            .unwrap_or_else(|e| panic!("{what}: the body is not JSON: {e}"))
    };
    if status >= 400 {
        assert_error_body(&what, status, &body);
        assert!(
            before == fx.snapshot(),
            "{what}: a failed request changed the store"
        );
    } else if method == Method::GET && status == 200 && !projected {
        check_resources(fx, &what, &body);
    }
    (status, body)
}

/// Asserts `body` is a SCIM error for `status`.
pub fn assert_error_body(what: &str, status: u16, body: &Value) {
    assert_eq!(
        body["schemas"],
        json!([ERROR_SCHEMA]),
        "{what}: error schemas in {body}"
    );
    assert_eq!(
        body["status"],
        json!(status.to_string()),
        "{what}: error status in {body}"
    );
    if let Some(scim_type) = body.get("scimType") {
        assert!(
            scim_type.as_str().is_some_and(|t| SCIM_TYPES.contains(&t)),
            "{what}: unknown scimType in {body}"
        );
    }
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{what}: no detail in {body}"
    );
}

/// Validates every resource of a GET answer (one resource or a list) against its type.
fn check_resources(fx: &Fixture, what: &str, body: &Value) {
    let resources: Vec<&Value> = match body.get("Resources") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(other) => panic!("{what}: Resources is not an array: {other}"),
        None => vec![body],
    };
    for resource in resources {
        let Some(kind) = resource
            .pointer("/meta/resourceType")
            .and_then(Value::as_str)
        else {
            continue; // discovery documents
        };
        let Some(rt) = fx.scim.resource_types().iter().find(|rt| rt.name == kind) else {
            continue; // Schema, ResourceType, ServiceProviderConfig
        };
        validate_answer(rt, what, resource);
    }
}

fn validate_answer(rt: &ResourceType, what: &str, resource: &Value) {
    let parsed = Resource::from_json(resource.clone())
        .unwrap_or_else(|e| panic!("{what}: an answered resource does not read: {e}\n{resource}"));
    assert!(
        parsed.id.is_some(),
        "{what}: an answered resource without id: {resource}"
    );
    if let Err(e) = validate(rt, parsed, Mode::Create, &ValidationOptions::default()) {
        panic!("{what}: an answered resource does not validate: {e:?}\n{resource}");
    }
}

/// The request method, mostly the SCIM ones.
#[derive(Debug, Clone, Arbitrary)]
pub enum FuzzMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// HEAD.
    Head,
    /// Any token.
    Other(String),
}

/// Text from a dictionary or raw.
#[derive(Debug, Clone, Arbitrary)]
pub enum FuzzText {
    /// An entry of [`FILTERS`].
    Filter(u8),
    /// An entry of [`ATTRIBUTES`].
    Attribute(u8),
    /// A number.
    Number(i64),
    /// Anything.
    Raw(String),
}

/// A query parameter name.
#[derive(Debug, Clone, Arbitrary)]
pub enum QueryKey {
    /// `filter`.
    Filter,
    /// `attributes`.
    Attributes,
    /// `excludedAttributes`.
    ExcludedAttributes,
    /// `sortBy`.
    SortBy,
    /// `sortOrder`.
    SortOrder,
    /// `startIndex`.
    StartIndex,
    /// `count`.
    Count,
    /// `cursor`.
    Cursor,
    /// Anything.
    Raw(String),
}

/// An entity tag for `If-Match`/`If-None-Match`.
#[derive(Debug, Clone, Arbitrary)]
pub enum FuzzEtag {
    /// The `ETag` a fixture resource was created with.
    Created(u8),
    /// `*`.
    Any,
    /// Anything.
    Raw(String),
}

/// A header.
#[derive(Debug, Clone, Arbitrary)]
pub enum FuzzHeader {
    /// `If-Match`.
    IfMatch(FuzzEtag),
    /// `If-None-Match`.
    IfNoneMatch(FuzzEtag),
    /// `Content-Type` from a short list or raw.
    ContentType(u8, String),
    /// `Authorization` with anything.
    Authorization(String),
    /// `Host`.
    Host(String),
    /// `Content-Length`.
    ContentLength(u64),
    /// Any header.
    Other(String, String),
}

/// Whose credentials the request carries.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum FuzzAuth {
    /// Tenant `t1`.
    T1,
    /// Tenant `t2`.
    T2,
    /// None.
    Missing,
}

/// A JSON value.
#[derive(Debug, Clone, Arbitrary)]
pub enum FuzzJson {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (`null` if not finite).
    Float(f64),
    /// A string.
    Str(String),
    /// A fixture id.
    Id(u8),
    /// An array.
    Array(Vec<FuzzJson>),
    /// An object.
    Object(Vec<(String, FuzzJson)>),
}

/// A change to a [`BODIES`] entry, at the `at`-th node (pre-order) of the document.
#[derive(Debug, Clone, Arbitrary)]
pub enum FuzzEdit {
    /// Replace the node.
    Replace(u16, FuzzJson),
    /// Remove the node (from its parent).
    Remove(u16),
    /// Add a member to the node, if an object, or an element, if an array.
    Insert(u16, String, FuzzJson),
}

/// The request body.
#[derive(Debug, Clone, Arbitrary)]
pub enum FuzzBody {
    /// None.
    Empty,
    /// A [`BODIES`] entry with structural edits.
    Known(u8, Vec<FuzzEdit>),
    /// A JSON value.
    Json(FuzzJson),
    /// Any bytes.
    Raw(Vec<u8>),
}

/// One request, decoded from fuzz input.
#[derive(Debug, Clone, Arbitrary)]
pub struct FuzzRequest {
    /// The method.
    pub method: FuzzMethod,
    /// An entry of [`PATHS`].
    pub path: u8,
    /// Appended to the path when it is valid there.
    pub path_tail: Option<String>,
    /// Query parameters.
    pub query: Vec<(QueryKey, FuzzText)>,
    /// Appended raw to the query string.
    pub raw_query: Option<String>,
    /// Credentials.
    pub auth: FuzzAuth,
    /// More headers.
    pub headers: Vec<FuzzHeader>,
    /// The body.
    pub body: FuzzBody,
}

fn pick<'a>(list: &[&'a str], n: u8) -> &'a str {
    list.get(usize::from(n) % list.len())
        .copied()
        .unwrap_or_default()
}

impl FuzzJson {
    fn to_json(&self, fx: &Fixture) -> Value {
        match self {
            FuzzJson::Null => Value::Null,
            FuzzJson::Bool(b) => Value::Bool(*b),
            FuzzJson::Int(n) => json!(n),
            FuzzJson::Float(x) => {
                serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
            }
            FuzzJson::Str(s) => Value::String(s.clone()),
            FuzzJson::Id(n) => {
                let ids: Vec<&str> = fx
                    .users
                    .iter()
                    .chain(&fx.groups)
                    .map(String::as_str)
                    .collect();
                Value::String(pick(&ids, *n).to_owned())
            }
            FuzzJson::Array(items) => Value::Array(items.iter().map(|i| i.to_json(fx)).collect()),
            FuzzJson::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json(fx)))
                    .collect(),
            ),
        }
    }
}

/// The node at pre-order position `at` (counting from 0 at the root), with its parent.
fn edit(doc: &mut Value, at: u16, fx: &Fixture, edit: &FuzzEdit) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(items) => items.iter().map(count).sum(),
            Value::Object(members) => members.values().map(count).sum(),
            _ => 0,
        }
    }
    fn visit(v: &mut Value, mut at: usize, fx: &Fixture, edit: &FuzzEdit) -> Result<(), usize> {
        if at == 0 {
            match edit {
                FuzzEdit::Replace(_, with) => *v = with.to_json(fx),
                FuzzEdit::Remove(_) => *v = Value::Null,
                FuzzEdit::Insert(_, key, with) => match v {
                    Value::Object(members) => {
                        members.insert(key.clone(), with.to_json(fx));
                    }
                    Value::Array(items) => items.push(with.to_json(fx)),
                    _ => *v = with.to_json(fx),
                },
            }
            return Ok(());
        }
        at -= 1;
        match v {
            Value::Array(items) => {
                let mut remove = None;
                for (i, item) in items.iter_mut().enumerate() {
                    let size = count(item);
                    if at < size {
                        if at == 0 && matches!(edit, FuzzEdit::Remove(_)) {
                            remove = Some(i);
                            break;
                        }
                        return visit(item, at, fx, edit);
                    }
                    at -= size;
                }
                if let Some(i) = remove {
                    items.remove(i);
                    return Ok(());
                }
                Err(at)
            }
            Value::Object(members) => {
                let mut remove = None;
                for (key, item) in members.iter_mut() {
                    let size = count(item);
                    if at < size {
                        if at == 0 && matches!(edit, FuzzEdit::Remove(_)) {
                            remove = Some(key.clone());
                            break;
                        }
                        return visit(item, at, fx, edit);
                    }
                    at -= size;
                }
                if let Some(key) = remove {
                    members.shift_remove(&key);
                    return Ok(());
                }
                Err(at)
            }
            _ => Err(at),
        }
    }
    let total = count(doc);
    let _ = visit(doc, usize::from(at) % total, fx, edit);
}

impl FuzzRequest {
    /// The HTTP request, or `None` when the parts do not make one (an invalid URI or method).
    pub fn to_request(&self, fx: &Fixture) -> Option<Request<Bytes>> {
        let method = match &self.method {
            FuzzMethod::Get => Method::GET,
            FuzzMethod::Post => Method::POST,
            FuzzMethod::Put => Method::PUT,
            FuzzMethod::Patch => Method::PATCH,
            FuzzMethod::Delete => Method::DELETE,
            FuzzMethod::Head => Method::HEAD,
            FuzzMethod::Other(m) => Method::from_bytes(m.as_bytes()).ok()?,
        };
        let mut uri = fx.fill(pick(PATHS, self.path));
        if let Some(tail) = &self.path_tail {
            uri.push_str(tail);
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.query {
            let key = match key {
                QueryKey::Filter => "filter",
                QueryKey::Attributes => "attributes",
                QueryKey::ExcludedAttributes => "excludedAttributes",
                QueryKey::SortBy => "sortBy",
                QueryKey::SortOrder => "sortOrder",
                QueryKey::StartIndex => "startIndex",
                QueryKey::Count => "count",
                QueryKey::Cursor => "cursor",
                QueryKey::Raw(raw) => raw,
            };
            let value = match value {
                FuzzText::Filter(n) => fx.fill(pick(FILTERS, *n)),
                FuzzText::Attribute(n) => pick(ATTRIBUTES, *n).to_owned(),
                FuzzText::Number(n) => n.to_string(),
                FuzzText::Raw(raw) => raw.clone(),
            };
            query.append_pair(key, &value);
        }
        let mut query = query.finish();
        if let Some(raw) = &self.raw_query {
            query.push_str(raw);
        }
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(&query);
        }
        let body = match &self.body {
            FuzzBody::Empty => Bytes::new(),
            FuzzBody::Known(n, edits) => {
                let mut doc: Value = serde_json::from_str(&fx.fill(pick(BODIES, *n))).ok()?;
                for e in edits {
                    let (FuzzEdit::Replace(at, _)
                    | FuzzEdit::Remove(at)
                    | FuzzEdit::Insert(at, ..)) = e;
                    edit(&mut doc, *at, fx, e);
                }
                Bytes::from(doc.to_string())
            }
            FuzzBody::Json(value) => Bytes::from(value.to_json(fx).to_string()),
            FuzzBody::Raw(bytes) => Bytes::from(bytes.clone()),
        };
        let mut request = Request::builder().method(method).uri(uri).body(body).ok()?;
        let headers = request.headers_mut();
        headers.insert("host", HeaderValue::from_static("scim.example.test"));
        match self.auth {
            FuzzAuth::T1 => headers.insert(
                "authorization",
                HeaderValue::from_static("Bearer fuzz-token-t1"),
            ),
            FuzzAuth::T2 => headers.insert(
                "authorization",
                HeaderValue::from_static("Bearer fuzz-token-t2"),
            ),
            FuzzAuth::Missing => None,
        };
        if !request.body().is_empty() {
            request.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/scim+json"),
            );
        }
        for header in &self.headers {
            let etag = |e: &FuzzEtag| match e {
                FuzzEtag::Created(n) => {
                    let etags: Vec<&str> = fx.etags.iter().map(String::as_str).collect();
                    pick(&etags, *n).to_owned()
                }
                FuzzEtag::Any => "*".to_owned(),
                FuzzEtag::Raw(raw) => raw.clone(),
            };
            let (name, value) = match header {
                FuzzHeader::IfMatch(e) => ("if-match".to_owned(), etag(e)),
                FuzzHeader::IfNoneMatch(e) => ("if-none-match".to_owned(), etag(e)),
                FuzzHeader::ContentType(n, raw) => {
                    let types = [
                        "application/scim+json; charset=utf-8",
                        "application/json",
                        "text/plain",
                        "application/scim+json;charset=latin1",
                    ];
                    let value = types
                        .get(usize::from(*n))
                        .map_or(raw.clone(), |t| (*t).to_owned());
                    ("content-type".to_owned(), value)
                }
                FuzzHeader::Authorization(raw) => ("authorization".to_owned(), raw.clone()),
                FuzzHeader::Host(raw) => ("host".to_owned(), raw.clone()),
                FuzzHeader::ContentLength(n) => ("content-length".to_owned(), n.to_string()),
                FuzzHeader::Other(name, raw) => (name.clone(), raw.clone()),
            };
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) else {
                continue;
            };
            request.headers_mut().append(name, value);
        }
        Some(request)
    }
}

thread_local! {
    /// A fixture no request has changed yet, with its snapshot: most fuzz inputs change
    /// nothing, and building a fixture costs more than the request.
    static PRISTINE: std::cell::RefCell<Option<(Fixture, Vec<Value>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Arbitrary bytes as one request to a fixture in its initial state.
pub fn check_handle(data: &[u8]) {
    let Ok(fuzz) = FuzzRequest::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let (fx, initial) = PRISTINE.with_borrow_mut(Option::take).unwrap_or_else(|| {
        let fx = Fixture::new();
        let snapshot = fx.snapshot();
        (fx, snapshot)
    });
    if let Some(request) = fuzz.to_request(&fx) {
        check_exchange(&fx, request);
    }
    if fx.snapshot() == initial {
        PRISTINE.with_borrow_mut(|slot| *slot = Some((fx, initial)));
    }
}
