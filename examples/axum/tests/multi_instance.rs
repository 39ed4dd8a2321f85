//! Two `example-axum` processes on one PostgreSQL database (`--database-url postgres://…`,
//! the demo tables of scimkit-sql in a schema of the test's own), as a deployment behind a load
//! balancer runs them: the Entra ID and Okta flows with requests alternating between the two;
//! a list cursor continued on the other instance and after a restart of the first; a token
//! rotated in the database, refused by both on their next request. Then the same on
//! MariaDB/MySQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_pass_by_value,
    clippy::unnecessary_wraps
)]

use std::process::Stdio;
use std::time::Duration;

use scimkit_core::auth::TokenId;
use scimkit_core::context::Tenant;
use scimkit_sql::testkit::TestDb;
use scimkit_sql::{Backend, SqlTokens};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const TOKEN: &str = "multi-instance-test-token-0123456789";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A running `example-axum` process, killed on drop.
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    /// Starts `example-axum` on an ephemeral port over `url`, and waits for its banner.
    async fn start(url: &str) -> Instance {
        let mut child = Command::new(env!("CARGO_BIN_EXE_example-axum"))
            .args(["--listen", "127.0.0.1:0", "--log-level", "warn"])
            .args(["--database-url", url, "--token", TOKEN])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.trim().strip_prefix("Tenant URL:") {
                    return url.trim().to_owned();
                }
            }
            panic!("example-axum exited before printing its URL");
        })
        .await
        .expect("example-axum did not start within 60 s");
        // Keep reading stdout so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Instance { child, base }
    }

    async fn stop(mut self) {
        self.child.kill().await.unwrap();
    }
}

/// Requests alternating between instances.
struct Client {
    http: reqwest::Client,
    token: String,
    turn: usize,
}

impl Client {
    /// Sends a request to `instance` and returns the status and JSON body (`Null` if none).
    async fn on(
        &self,
        instance: &Instance,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", instance.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Sends a request to the next instance in turn.
    async fn send(
        &mut self,
        instances: [&Instance; 2],
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let instance = instances[self.turn % 2];
        self.turn += 1;
        self.on(instance, method, path, body).await
    }
}

fn patch(operations: Value) -> Option<Value> {
    Some(json!({"schemas": [PATCH], "Operations": operations}))
}

/// The Entra ID flow (default dialect): lookup, create, PATCH with Entra's string booleans,
/// a group with members added and removed one PATCH at a time, soft delete, delete.
async fn entra(client: &mut Client, instances: [&Instance; 2]) {
    use reqwest::Method as M;
    let filter = "/Users?filter=userName+eq+%22ann%40contoso.com%22";
    let (status, found) = client.send(instances, M::GET, filter, None).await;
    assert_eq!((status, found["totalResults"].clone()), (200, json!(0)));
    let (status, user) = client
        .send(
            instances,
            M::POST,
            "/Users",
            Some(json!({
                "schemas": [USER, ENTERPRISE],
                "externalId": "ann",
                "userName": "ann@contoso.com",
                "active": true,
                "displayName": "Ann Lee",
                "emails": [{"primary": true, "type": "work", "value": "ann@contoso.com"}],
                "name": {"formatted": "Ann Lee", "familyName": "Lee", "givenName": "Ann"},
                ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"}
            })),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    let (status, found) = client.send(instances, M::GET, filter, None).await;
    assert_eq!(found["Resources"][0]["id"], id.as_str(), "{status} {found}");
    let (status, patched) = client
        .send(
            instances,
            M::PATCH,
            &format!("/Users/{id}"),
            patch(json!([
                {"op": "Replace", "path": "displayName", "value": "Ann B. Lee"},
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "path": format!("{ENTERPRISE}:department"), "value": "Sales"}
            ])),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    let (_, read) = client
        .send(instances, M::GET, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(read["displayName"], "Ann B. Lee");
    assert_eq!(read["active"], false);
    assert_eq!(read[ENTERPRISE]["department"], "Sales");
    assert_eq!(read[ENTERPRISE]["employeeNumber"], "701984");
    assert_eq!(read["name"]["formatted"], "Ann Lee");

    let (status, group) = client
        .send(
            instances,
            M::POST,
            "/Groups",
            Some(json!({
                "schemas": [GROUP], "displayName": "Tour Guides", "externalId": "tg"
            })),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let (status, _) = client
        .send(
            instances,
            M::PATCH,
            &format!("/Groups/{gid}"),
            patch(json!([
                {"op": "Add", "path": "members", "value": [{"value": id}]}
            ])),
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    let (_, read) = client
        .send(instances, M::GET, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(read["groups"][0]["value"], gid.as_str(), "{read}");
    let (status, _) = client
        .send(
            instances,
            M::PATCH,
            &format!("/Groups/{gid}"),
            patch(json!([
                {"op": "Remove", "path": "members", "value": [{"value": id}]}
            ])),
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    let (_, read) = client
        .send(instances, M::GET, &format!("/Groups/{gid}"), None)
        .await;
    assert!(
        read.get("members")
            .is_none_or(|m| m.as_array().is_some_and(Vec::is_empty)),
        "{read}"
    );
    let (status, _) = client
        .send(instances, M::DELETE, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = client
        .send(instances, M::GET, &format!("/Users/{id}"), None)
        .await;
    assert_eq!(status, 404);
}

/// The Okta flow: lookup with a page, create, full-replace PUT deactivation, group push with
/// a member swap in one PATCH.
async fn okta(client: &mut Client, instances: [&Instance; 2]) -> Vec<String> {
    use reqwest::Method as M;
    let lookup = "/Users?filter=userName+eq+%22dev%40example.com%22&startIndex=1&count=100";
    let (_, found) = client.send(instances, M::GET, lookup, None).await;
    assert_eq!(found["totalResults"], 0);
    let mut ids = Vec::new();
    for name in ["dev", "ops"] {
        let (status, user) = client
            .send(instances, M::POST, "/Users", Some(json!({
                "schemas": [USER],
                "userName": format!("{name}@example.com"),
                "name": {"givenName": name, "familyName": "Okta"},
                "emails": [{"primary": true, "value": format!("{name}@example.com"), "type": "work"}],
                "displayName": format!("{name} Okta"),
                "active": true
            })))
            .await;
        assert_eq!(status, 201, "{user}");
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let (status, put) = client
        .send(
            instances,
            M::PUT,
            &format!("/Users/{}", ids[0]),
            Some(json!({
                "schemas": [USER],
                "id": ids[0],
                "userName": "dev@example.com",
                "name": {"givenName": "dev", "familyName": "Okta"},
                "emails": [{"primary": true, "value": "dev@example.com", "type": "work"}],
                "active": false
            })),
        )
        .await;
    assert_eq!(status, 200, "{put}");
    let (_, read) = client
        .send(instances, M::GET, &format!("/Users/{}", ids[0]), None)
        .await;
    assert_eq!(read["active"], false);
    let (status, group) = client
        .send(
            instances,
            M::POST,
            "/Groups",
            Some(json!({
                "schemas": [GROUP], "displayName": "Engineering", "members": [{"value": ids[0]}]
            })),
        )
        .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let (status, _) = client
        .send(instances, M::PATCH, &format!("/Groups/{gid}"), patch(json!([
            {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])},
            {"op": "add", "path": "members", "value": [{"value": ids[1], "display": "ops@example.com"}]}
        ])))
        .await;
    assert!(status == 200 || status == 204, "{status}");
    let (_, read) = client
        .send(instances, M::GET, &format!("/Groups/{gid}"), None)
        .await;
    assert_eq!(read["members"].as_array().map(Vec::len), Some(1), "{read}");
    assert_eq!(read["members"][0]["value"], ids[1].as_str());
    ids
}

fn page_ids(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn run(backend: Backend) {
    let test = TestDb::fresh(backend, "instances")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let a = Instance::start(&test.url).await;
    let b = Instance::start(&test.url).await;
    let mut client = Client {
        http: reqwest::Client::new(),
        token: TOKEN.to_owned(),
        turn: 0,
    };
    entra(&mut client, [&a, &b]).await;
    okta(&mut client, [&a, &b]).await;

    // A cursor: page 1 on A, page 2 on B, the rest on A after a restart.
    for n in 0..7 {
        let (status, body) = client
            .send(
                [&a, &b],
                reqwest::Method::POST,
                "/Users",
                Some(json!({
                    "schemas": [USER], "userName": format!("page{n}@example.com")
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (_, all) = client
        .on(
            &a,
            reqwest::Method::GET,
            "/Users?sortBy=userName&count=100",
            None,
        )
        .await;
    let expected = page_ids(&all);
    assert_eq!(expected.len(), 9, "{all}");
    let path = "/Users?sortBy=userName&count=4&cursor";
    let (_, first) = client.on(&a, reqwest::Method::GET, path, None).await;
    let mut seen = page_ids(&first);
    let next = first["nextCursor"].as_str().unwrap().to_owned();
    let (status, second) = client
        .on(&b, reqwest::Method::GET, &format!("{path}={next}"), None)
        .await;
    assert_eq!(status, 200, "{backend}: a cursor from A on B: {second}");
    seen.extend(page_ids(&second));
    let next = second["nextCursor"].as_str().unwrap().to_owned();
    a.stop().await;
    let a = Instance::start(&test.url).await;
    let (status, third) = client
        .on(&a, reqwest::Method::GET, &format!("{path}={next}"), None)
        .await;
    assert_eq!(status, 200, "{backend}: a cursor after a restart: {third}");
    seen.extend(page_ids(&third));
    assert!(third.get("nextCursor").is_none());
    assert_eq!(seen, expected, "{backend}");

    // The token rotated (as an admin page would, through the database): both instances
    // refuse the old one on their next request and take the new one.
    let rotated = SqlTokens::new(test.db.clone())
        .rotate(&Tenant::new("default"), &TokenId::new("configured"), None)
        .await
        .unwrap();
    for instance in [&a, &b] {
        let (status, _) = client
            .on(instance, reqwest::Method::GET, "/Users?count=1", None)
            .await;
        assert_eq!(status, 401, "{backend}: the old token after rotation");
    }
    client.token = rotated.token;
    for instance in [&a, &b] {
        let (status, _) = client
            .on(instance, reqwest::Method::GET, "/Users?count=1", None)
            .await;
        assert_eq!(status, 200, "{backend}: the new token");
    }
    a.stop().await;
    b.stop().await;
    test.remove().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgres_serve_as_one() {
    run(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_mysql_serve_as_one() {
    run(Backend::MySql).await;
}
