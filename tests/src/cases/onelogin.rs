//! OneLogin's SCIM v2 Enterprise provisioning, with its exact payloads and requests as servers
//! see them (../shared/IDP-NOTES.md, "More identity providers"): the test connection looks up a
//! userName that does not exist; lookups are `GET /Users?filter=userName+eq+%22x%22&` (a `+`
//! for each space, a trailing `&`); users are created with the pre-RFC schema URNs
//! (`urn:scim:schemas:core:2.0`, `urn:scim:schemas:extension:enterprise:2.0`); updates and
//! Suspend are `PUT /Users/{id}?` (a trailing `?`); Delete is DELETE. Its requests carry an
//! empty `User-Agent` and no `Accept`: those are sent over a raw connection when the server is
//! plain HTTP (an HTTP client always sends `Accept`), else with an empty `User-Agent` only.

use std::fmt::Write;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{q_plus, Adapter, Exchange, Harness};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LEGACY_CORE: &str = "urn:scim:schemas:core:2.0";
const LEGACY_ENTERPRISE: &str = "urn:scim:schemas:extension:enterprise:2.0";

/// A user as the SCIM v2 Enterprise template sends it.
fn onelogin_user(login: &str, family: &str, active: bool) -> Value {
    json!({
        "schemas": [LEGACY_CORE, LEGACY_ENTERPRISE],
        "userName": login,
        "externalId": "51224781",
        "name": {"givenName": "Ann", "familyName": family},
        "emails": [{"value": login, "primary": true}],
        "displayName": format!("Ann {family}"),
        "active": active,
        LEGACY_ENTERPRISE: {"department": "Sales", "employeeNumber": "4711"}
    })
}

/// OneLogin's lookup URL for `login`: `+` for spaces and a trailing `&`.
fn lookup(login: &str) -> String {
    format!(
        "/Users?filter={}&",
        q_plus(&format!("userName eq \"{login}\""))
    )
}

/// A response read from a raw connection.
struct Raw {
    status: u16,
    content_type: String,
    body: Value,
}

/// Sends `method` to `path` (relative to the tenant URL) as OneLogin does: an empty
/// `User-Agent`, no `Accept`. Over a raw connection for a plain-HTTP server; else through the
/// client with an empty `User-Agent` (it adds `Accept: */*`).
/// The exchange is recorded (for the tool's report) and a created user noted (for its
/// clean-up), as the harness does for its own requests.
async fn as_onelogin(h: &Harness, method: &Method, path: &str, body: Option<&Value>) -> Raw {
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let url = format!("{}{path}", h.base);
    let mut exchange = Exchange::request(method, &url, body.map(|_| bytes.as_slice()));
    let raw = send(h, method, path, body.is_some().then_some(bytes)).await;
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&raw.content_type) {
        headers.insert("content-type", value);
    }
    let status = StatusCode::from_u16(raw.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let answer = if raw.body.is_null() {
        Vec::new()
    } else {
        raw.body.to_string().into_bytes()
    };
    exchange.answer(status, &headers, &answer);
    h.recorder.record(exchange);
    if *method == Method::POST {
        h.recorder.created_by(&url, status, &headers, &raw.body);
    }
    raw
}

/// [`as_onelogin`]'s request, without the recording.
async fn send(h: &Harness, method: &Method, path: &str, body: Option<Vec<u8>>) -> Raw {
    let bytes = body.clone().unwrap_or_default();
    let Some(rest) = h.base.strip_prefix("http://") else {
        let mut request = h
            .http
            .request(method.clone(), format!("{}{path}", h.base))
            .bearer_auth(&h.token)
            .header("user-agent", "");
        if body.is_some() {
            request = request
                .header("content-type", "application/scim+json")
                .body(bytes);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&text).unwrap_or(Value::Null);
        return Raw {
            status,
            content_type,
            body,
        };
    };
    let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let mut head = format!(
        "{method} /{prefix}{path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: \r\n\
         Authorization: Bearer {}\r\nConnection: close\r\n",
        h.token
    );
    if body.is_some() {
        let _ = write!(
            head,
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            bytes.len()
        );
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(authority).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&bytes).await.expect("body");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("the server answers")
        .expect("a response");
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    let chunked = head.lines().any(|l| {
        l.split_once(':').is_some_and(|(name, value)| {
            name.eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    let body = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {body}"))
    };
    Raw {
        status,
        content_type,
        body,
    }
}

/// A chunked body's content (RFC 9112 §7.1), for a server that streams its answer.
fn dechunk(mut chunked: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = chunked.split_once("\r\n") {
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            break;
        }
        out.push_str(rest.get(..size).expect("a whole chunk"));
        chunked = rest.get(size + 2..).unwrap_or("");
    }
    out
}

/// Test connection, create, lookup, update and Suspend by PUT, Delete.
pub async fn onelogin_provisioning<A: Adapter>() {
    let h = Harness::start::<A>().await;

    // Test connection: a userName known not to exist is an empty list.
    let probe = h.unique("onelogin-test-connection");
    let r = as_onelogin(&h, &Method::GET, &lookup(&probe), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.content_type.starts_with("application/scim+json"));
    assert_eq!(r.body["totalResults"], 0);
    assert_eq!(r.body["Resources"], json!([]));

    // Create with the pre-RFC URNs.
    let login = format!("{}@onelogin.example", h.unique("ann.lee"));
    let r = as_onelogin(
        &h,
        &Method::POST,
        "/Users",
        Some(&onelogin_user(&login, "Lee", true)),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.body;
    let id = created["id"].as_str().expect("an id").to_owned();
    let schemas = created["schemas"].as_array().expect("schemas");
    assert!(schemas.iter().any(|s| s == USER), "{created}");
    assert!(created.get(LEGACY_ENTERPRISE).is_none());
    if A::keeps(ENTERPRISE) {
        assert!(schemas.iter().any(|s| s == ENTERPRISE), "{created}");
        assert_eq!(created[ENTERPRISE]["department"], "Sales");
    }
    let found = as_onelogin(&h, &Method::GET, &lookup(&login), None).await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["totalResults"], 1);
    assert_eq!(found.body["Resources"][0]["id"], id.as_str());
    // The same lookup through an ordinary client.
    assert_eq!(
        h.get(&lookup(&login)).await.expect(200).body["totalResults"],
        1
    );

    // Update and Suspend: PUTs to `/Users/{id}?`.
    let r = as_onelogin(
        &h,
        &Method::PUT,
        &format!("/Users/{id}?"),
        Some(&onelogin_user(&login, "Lee-Park", true)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["displayName"], "Ann Lee-Park");
    let r = h
        .put(
            &format!("/Users/{id}?"),
            &onelogin_user(&login, "Lee-Park", false),
        )
        .await
        .expect(200);
    assert_eq!(r.body["active"], false);
    if A::keeps(ENTERPRISE) {
        assert_eq!(r.body[ENTERPRISE]["employeeNumber"], "4711");
    }
    let r = h.get(&format!("/Users/{id}")).await.expect(200);
    assert_eq!(r.body["active"], false);

    // Delete; the user is gone.
    let r = as_onelogin(&h, &Method::DELETE, &format!("/Users/{id}"), None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    h.get(&format!("/Users/{id}")).await.expect(404);
    let r = as_onelogin(&h, &Method::GET, &lookup(&login), None).await;
    assert_eq!(r.body["totalResults"], 0);
}
