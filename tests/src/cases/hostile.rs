//! Hostile and broken input over HTTP: each is answered with a precise SCIM error (or a plain
//! HTTP 4xx from the server before the engine, for oversized headers) and changes nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{patch_ops, q, Adapter, Harness};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The user every case tries to damage, its version, and how many users the tenant holds
/// with it.
async fn victim(h: &Harness) -> (String, Value, Value) {
    let r = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "victim", "active": true}),
        )
        .await
        .expect(201);
    let users = h.get("/Users?count=0").await.expect(200).body["totalResults"].clone();
    (r.id(), r.body["meta"]["version"].clone(), users)
}

/// Asserts the victim is unchanged and no other user appeared.
async fn unchanged(h: &Harness, id: &str, version: &Value, users: &Value) {
    let r = h.get(&format!("/Users/{id}")).await.expect(200);
    assert_eq!(&r.body["meta"]["version"], version, "the victim changed");
    assert_eq!(
        &h.get("/Users?count=0").await.expect(200).body["totalResults"],
        users
    );
}

async fn raw(h: &Harness, method: Method, path: &str, body: Vec<u8>) -> (u16, Value) {
    send_raw(h, method, path, None, Some(body)).await
}

/// Sends `body` (as `application/scim+json`) with the token and an optional extra header.
async fn send_raw(
    h: &Harness,
    method: Method,
    path: &str,
    header: Option<(&str, &str)>,
    body: Option<Vec<u8>>,
) -> (u16, Value) {
    let mut request = h
        .http
        .request(method, format!("{}{path}", h.base))
        .bearer_auth(&h.token);
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Malformed bodies: deep nesting, invalid UTF-8, wrong shapes, missing or unknown schemas.
pub async fn hostile_bodies<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let (id, version, users) = victim(&h).await;
    let deep = format!(
        r#"{{"schemas":["{USER}"],"userName":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("100 000 nested arrays", deep.into_bytes(), "invalidSyntax"),
        (
            "invalid UTF-8",
            b"{\"userName\": \"\xff\xfe\"}".to_vec(),
            "invalidSyntax",
        ),
        ("not an object", b"[1, 2, 3]".to_vec(), "invalidSyntax"),
        ("truncated", b"{\"schemas\": [".to_vec(), "invalidSyntax"),
        (
            "schemas missing",
            br#"{"userName": "x"}"#.to_vec(),
            "invalidSyntax",
        ),
        (
            "unknown schema",
            br#"{"schemas": ["urn:evil:1.0:User"], "userName": "x"}"#.to_vec(),
            "invalidSyntax",
        ),
    ];
    for (label, body, scim_type) in cases {
        let (status, error) = raw(&h, Method::POST, "/Users", body).await;
        assert_eq!(status, 400, "{label}: {error}");
        assert_eq!(error["scimType"], scim_type, "{label}: {error}");
        assert_eq!(error["status"], "400", "{label}");
    }
    unchanged(&h, &id, &version, &users).await;
}

/// A wrong JSON type for every attribute kind, on create and on replace.
pub async fn wrong_types<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let (id, version, users) = victim(&h).await;
    let wrong = [
        ("userName", json!(42)),
        ("active", json!("maybe")),
        ("active", json!(1)),
        ("name", json!("not complex")),
        ("emails", json!("a@b.c")),
        ("emails", json!([{"value": 7}])),
        ("emails", json!([{"value": "a@b", "primary": "yes"}])),
        ("meta", json!(true)),
        ("x509Certificates", json!([{"value": "%%% not base64"}])),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            json!("flat"),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            json!({"manager": {"value": 3}}),
        ),
    ];
    for (attribute, value) in wrong {
        let mut body = json!({"schemas": [USER], "userName": "newcomer"});
        body[attribute] = value.clone();
        let r = h.post("/Users", &body).await;
        if attribute == "meta" {
            // `meta` is read-only input: ignored, never an error; undo the create.
            assert_eq!(r.status, 201, "{attribute}: {}", r.body);
            h.delete(&format!("/Users/{}", r.id())).await.expect(204);
            continue;
        }
        assert_eq!(r.status, 400, "{attribute} = {value}: {}", r.body);
        assert!(r.scim_type().is_some(), "{attribute}: {}", r.body);
        let mut replace = json!({"schemas": [USER], "userName": "victim"});
        replace[attribute] = value.clone();
        let r = h.put(&format!("/Users/{id}"), &replace).await;
        assert_eq!(r.status, 400, "PUT {attribute} = {value}: {}", r.body);
    }
    unchanged(&h, &id, &version, &users).await;
}

/// Query parameters out of range, filters nested too deep or too long, unknown PATCH ops,
/// thousands of operations, a long value.
pub async fn hostile_requests<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let (id, version, users) = victim(&h).await;

    let huge = h
        .get("/Users?startIndex=99999999999999999999999&count=5")
        .await
        .expect(400);
    assert_eq!(huge.scim_type(), Some("invalidValue"));
    let r = h
        .get("/Users?startIndex=9223372036854775807&count=9223372036854775807")
        .await
        .expect(200);
    assert_eq!(r.body["Resources"], json!([]));
    let r = h.get("/Users?startIndex=-5&count=-5").await.expect(200);
    assert_eq!(
        (r.body["startIndex"].clone(), r.body["itemsPerPage"].clone()),
        (json!(1), json!(0))
    );

    let nested = format!("{}userName pr{}", "(".repeat(5_000), ")".repeat(5_000));
    let r = h
        .get(&format!("/Users?filter={}", q(&nested)))
        .await
        .expect(400);
    assert_eq!(r.scim_type(), Some("invalidFilter"));
    // A 30 000-character filter value (URLs stay under the client's 64 KiB limit).
    let long = format!("userName eq \"{}\"", "x".repeat(30_000));
    let r = h.get(&format!("/Users?filter={}", q(&long))).await;
    assert!(
        [200, 400, 414, 431].contains(&r.status.as_u16()),
        "{}",
        r.status
    );

    let r = h
        .patch(
            &format!("/Users/{id}"),
            &patch_ops(json!([{"op": "explode", "path": "active"}])),
        )
        .await
        .expect(400);
    assert_eq!(r.scim_type(), Some("invalidSyntax"));
    // Thousands of operations, the last one invalid: all or nothing.
    let mut ops: Vec<Value> = (0..3000)
        .map(|n| json!({"op": "replace", "path": "displayName", "value": format!("v{n}")}))
        .collect();
    ops.push(json!({"op": "replace", "path": "active", "value": "sometimes"}));
    let r = h
        .patch(&format!("/Users/{id}"), &patch_ops(json!(ops)))
        .await
        .expect(400);
    assert_eq!(r.scim_type(), Some("invalidValue"), "{}", r.body);
    unchanged(&h, &id, &version, &users).await;

    // A long but valid value is stored as sent.
    let long_name = "n".repeat(200_000);
    let r = h
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "long", "displayName": long_name}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["displayName"].as_str().map(str::len), Some(200_000));
}

/// A 200 KB header is answered (or refused with a 4xx by the HTTP server) and the server keeps
/// serving.
pub async fn oversized_headers<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let response = h
        .http
        .get(format!("{}/Users", h.base))
        .bearer_auth(&h.token)
        // A server refusing the head closes the connection: keep it out of the client's pool,
        // or the next request may be sent on it as it closes.
        .header("connection", "close")
        .header("x-padding", "p".repeat(200_000))
        .send()
        .await;
    if let Ok(response) = response {
        let status = response.status().as_u16();
        // hyper (axum) accepts headers up to its own limit, actix refuses earlier: either way
        // no 5xx, and the server keeps serving.
        assert!(status == 200 || (400..500).contains(&status), "{status}");
    }
    h.get("/Users").await.expect(200);
}

/// A query string over the engine's 32 KiB (a 40 000-byte `attributes=` list or `filter=`,
/// still under the HTTP servers' own request-line limits) is the SCIM `414` with a detail
/// pointing to `POST .search`, where the same filter is answered.
pub async fn long_query_is_a_scim_error<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let long_name = "a".repeat(40_000);
    let filter = format!(r#"userName eq "{long_name}""#);
    for query in [
        format!("attributes={}", "name,".repeat(8_000)),
        format!("filter={}", q(&filter)),
    ] {
        let (status, error) =
            send_raw(&h, Method::GET, &format!("/Users?{query}"), None, None).await;
        assert_eq!(status, 414, "{error}");
        assert_eq!(error["status"], "414", "{error}");
        assert!(
            error["detail"]
                .as_str()
                .is_some_and(|d| d.contains(".search")),
            "{error}"
        );
    }
    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": filter,
    });
    let r = h.post("/Users/.search", &search).await.expect(200);
    assert_eq!(r.body["totalResults"], 0, "{}", r.body);
}

/// Sends `body` with one extra header (`If-Match`, `If-None-Match`).
async fn with_header(
    h: &Harness,
    method: Method,
    path: &str,
    header: (&str, &str),
    body: Option<&Value>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string().into_bytes());
    send_raw(h, method, path, Some(header), body).await
}

/// Strict JSON and preconditions: a member named twice (in any letter case) is `400
/// invalidSyntax` naming it, in every body; a NUL in a string is `400 invalidValue` naming the
/// attribute; a malformed `If-Match`/`If-None-Match` is `400` saying what is wrong, even when
/// one of its tags matches. Nothing changes.
pub async fn strict_json_and_preconditions<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let (id, version, users) = victim(&h).await;
    let user = format!("/Users/{id}");
    let twice = |inner: &str| format!("{{\"schemas\":[\"{USER}\"],{inner}}}").into_bytes();
    let duplicates: Vec<(Method, String, Vec<u8>, &str)> = vec![
        (Method::POST, "/Users".into(), twice(r#""userName":"a@x","userName":"b@x""#), "userName"),
        (Method::POST, "/Users".into(), twice(r#""userName":"a@x","USERNAME":"b@x""#), "USERNAME"),
        (Method::PUT, user.clone(), twice(r#""userName":"victim","active":true,"active":false"#), "active"),
        (
            Method::PATCH,
            user.clone(),
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","op":"add","path":"active","value":false}]}"#
                .to_vec(),
            "op",
        ),
        (
            Method::POST,
            "/Bulk".into(),
            format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{{"method":"POST","path":"/Users","bulkId":"1","data":{{"schemas":["{USER}"],"userName":"a@x","userName":"b@x"}}}}]}}"#
            )
            .into_bytes(),
            "userName",
        ),
        (
            Method::POST,
            "/Users/.search".into(),
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName eq \"victim\"","filter":"userName pr"}"#.to_vec(),
            "filter",
        ),
    ];
    for (method, path, body, key) in duplicates {
        let (status, error) = raw(&h, method.clone(), &path, body).await;
        assert_eq!(status, 400, "{method} {path}: {error}");
        assert_eq!(
            error["scimType"], "invalidSyntax",
            "{method} {path}: {error}"
        );
        let detail = error["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(&format!("\"{key}\" twice")),
            "{method} {path}: {detail}"
        );
    }

    let nul = twice(r#""userName":"victim\u0000evil""#);
    let (status, error) = raw(&h, Method::POST, "/Users", nul).await;
    assert_eq!(
        (status, error["scimType"].as_str()),
        (400, Some("invalidValue")),
        "{error}"
    );
    assert!(
        error["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("userName holds a NUL"),
        "{error}"
    );
    let nul = twice(r#""userName":"victim","emails":[{"value":"v@x\u0000"}]"#);
    let (status, error) = raw(&h, Method::PUT, &user, nul).await;
    assert_eq!(status, 400, "{error}");
    assert!(
        error["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("emails.value holds a NUL"),
        "{error}"
    );

    let current = version.as_str().unwrap_or_default().to_owned();
    let deactivate = patch_ops(json!([{"op": "replace", "path": "active", "value": false}]));
    for malformed in [
        format!("{current}, W/\""),
        format!("{current}, garbage"),
        "garbage".to_owned(),
        format!("*, {current}"),
        "W/3".to_owned(),
    ] {
        let (status, error) = with_header(
            &h,
            Method::PATCH,
            &user,
            ("if-match", &malformed),
            Some(&deactivate),
        )
        .await;
        assert_eq!(status, 400, "If-Match: {malformed}: {error}");
        let detail = error["detail"].as_str().unwrap_or_default();
        assert!(
            detail.starts_with("if-match: "),
            "If-Match: {malformed}: {detail}"
        );
        let (status, _) =
            with_header(&h, Method::DELETE, &user, ("if-match", &malformed), None).await;
        assert_eq!(status, 400, "DELETE with If-Match: {malformed}");
        let (status, _) =
            with_header(&h, Method::GET, &user, ("if-none-match", &malformed), None).await;
        assert_eq!(status, 400, "GET with If-None-Match: {malformed}");
    }
    unchanged(&h, &id, &version, &users).await;

    // Well-formed lists still work: empty elements are allowed, and a list naming the current
    // version matches.
    let list = format!("W/\"0\", , {current}");
    let (status, body) = with_header(
        &h,
        Method::PATCH,
        &user,
        ("if-match", &list),
        Some(&deactivate),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
