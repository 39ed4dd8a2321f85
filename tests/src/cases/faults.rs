//! Faults on the wire: a body that trickles in (slow-loris) hits the configured body timeout
//! and gets `408`; a client that goes away mid-body leaves no partial change; a client without
//! a token is refused on the request head, before any of its body is read; a request head that
//! trickles in, or never comes on an idle kept-alive connection, is cut off at the header
//! timeout; connections over the cap wait to be accepted. All are sent over a raw TCP
//! connection, as no HTTP client misbehaves this way on purpose.

use std::time::{Duration, Instant};

use scimkit_core::ConnectionLimits;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{patch_ops, q, Adapter, Harness, Setup};
use tokio::io::AsyncRead;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Opens a connection and sends the head of `method path` with `Content-Length` of `body`,
/// then the first `sent` bytes of `body`.
async fn partial(h: &Harness, method: &str, path: &str, body: &[u8], sent: usize) -> TcpStream {
    let addr = h.root.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "{method} /scim/v2{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n",
        h.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&body[..sent]).await.expect("body");
    stream.flush().await.expect("flush");
    stream
}

/// What the server sends on `stream`: until it closes the connection, or (unless
/// `until_close`) until the response's `Content-Length` is in. Each read waits at most 10 s.
async fn read_raw(stream: &mut (impl AsyncRead + Unpin), until_close: bool) -> String {
    let mut raw = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("the server answers")
            .unwrap_or(0);
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw);
        if let Some(split) = text.find("\r\n\r\n").filter(|_| !until_close) {
            let length = text[..split]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if raw.len() >= split + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&raw).into_owned()
}

/// The status code and body of the response read from `stream`.
async fn read_response(stream: &mut TcpStream) -> (u16, Value) {
    let text = read_raw(stream, false).await;
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

/// A body sent a byte every 100 ms, with a 500 ms body timeout: `408` with a SCIM error, no
/// user created, and the server keeps serving.
pub async fn slow_body_times_out<A: Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        body_timeout: Some(Duration::from_millis(500)),
        ..Setup::default()
    })
    .await;
    let body = serde_json::to_vec(&json!({"schemas": [USER], "userName": "slowpoke"})).unwrap();
    let mut stream = partial(&h, "POST", "/Users", &body, 1).await;
    let drip = async {
        for byte in &body[1..body.len() - 1] {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
        }
    };
    drip.await;
    let (status, error) = read_response(&mut stream).await;
    assert_eq!(status, 408, "{error}");
    assert_eq!(error["status"], "408", "{error}");
    assert!(
        error["detail"]
            .as_str()
            .is_some_and(|d| d.contains("500 ms")),
        "{error}"
    );
    let r = h
        .get(&format!("/Users?filter={}", q(r#"userName eq "slowpoke""#)))
        .await;
    assert_eq!(r.expect(200).body["totalResults"], 0);
}

/// Clients that send half a body and disconnect: no user is created and the group is unchanged.
pub async fn client_disconnect_changes_nothing<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let member = h
        .post("/Users", &json!({"schemas": [USER], "userName": "member"}))
        .await
        .expect(201)
        .id();
    let group = h
        .post(
            "/Groups",
            &json!({"schemas": [GROUP], "displayName": "team"}),
        )
        .await
        .expect(201);
    let (gid, version) = (group.id(), group.body["meta"]["version"].clone());

    let create = serde_json::to_vec(&json!({"schemas": [USER], "userName": "halfway"})).unwrap();
    let add = serde_json::to_vec(&patch_ops(
        json!([{"op": "add", "path": "members", "value": [{"value": member}]}]),
    ))
    .unwrap();
    for (method, path, body) in [
        ("POST", "/Users".to_owned(), &create),
        ("PATCH", format!("/Groups/{gid}"), &add),
        ("PUT", format!("/Groups/{gid}"), &add),
    ] {
        let stream = partial(&h, method, &path, body, body.len() - 2).await;
        drop(stream);
    }
    // The server noticed (or will time out) and applied nothing; it keeps serving.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = h
        .get(&format!("/Users?filter={}", q(r#"userName eq "halfway""#)))
        .await;
    assert_eq!(r.expect(200).body["totalResults"], 0);
    let g = h.get(&format!("/Groups/{gid}")).await.expect(200);
    assert_eq!(g.body["meta"]["version"], version);
    assert!(g.body.get("members").is_none(), "{}", g.body);
}

/// A POST without a token announcing a 900 000-byte body and sending none of it: `401` with a
/// SCIM error and `Connection: close` at once, not after the 30 s body timeout (the body is
/// never read), and the server closes the connection. A request to no SCIM endpoint is refused
/// the same way (`404`).
pub async fn unauthenticated_body_is_not_read<A: Adapter>() {
    let h = Harness::start::<A>().await;
    let addr = h.root.trim_start_matches("http://").to_owned();
    for (path, status) in [("/scim/v2/Users", 401), ("/scim/v2/Nowhere", 404)] {
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        let authorization = if status == 404 {
            format!("Authorization: Bearer {}\r\n", h.token)
        } else {
            String::new()
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{authorization}\
             Content-Type: application/scim+json\r\nContent-Length: 900000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.expect("head");
        stream.flush().await.expect("flush");
        // Read until the server closes: the refusal must come without the body, and close.
        let text = read_raw(&mut stream, true).await;
        let (head, body) = text.split_once("\r\n\r\n").expect("a response");
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status}")),
            "{path}: {head}"
        );
        assert!(
            head.lines()
                .any(|l| l.eq_ignore_ascii_case("connection: close")),
            "{path}: {head}"
        );
        let error: Value = serde_json::from_str(body).expect("a SCIM error body");
        assert_eq!(error["status"], status.to_string(), "{path}: {body}");
    }
    // The server still serves.
    h.get("/Users?count=0").await.expect(200);
}

/// A header timeout of 1 s: short enough for a test, and the cut-off is told apart from an
/// immediate refusal by taking at least this long.
const HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// Setup with a 1 s header timeout.
fn short_header_timeout() -> Setup {
    Setup {
        connections: ConnectionLimits {
            header_timeout: HEADER_TIMEOUT,
            ..ConnectionLimits::default()
        },
        ..Setup::default()
    }
}

/// Reads `stream` until the server closes it (end of stream or reset), at most 15 s; returns
/// what was read and when it closed.
async fn until_closed(stream: &mut (impl AsyncRead + Unpin)) -> (String, Instant) {
    let text = tokio::time::timeout(Duration::from_secs(15), read_raw(stream, true))
        .await
        .expect("the server closes the connection within 15 s");
    (text, Instant::now())
}

/// Sends `head` one byte every 100 ms (stopping when the server closes), while reading until
/// the server closes the connection; returns what was read and how long after the start.
async fn trickle(stream: TcpStream, head: &[u8]) -> (String, Duration) {
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let head = head.to_vec();
    let drip = tokio::spawn(async move {
        for byte in head {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Keep the write half open: the server, not the client, must end the connection.
        std::future::pending::<()>().await;
    });
    let (text, closed) = until_closed(&mut reader).await;
    drip.abort();
    (text, closed - started)
}

/// What a server may send before it cuts a slow or idle connection off: nothing (hyper) or a
/// `408` (actix-web).
#[track_caller]
fn cut_off(what: &str, text: &str, after: Duration) {
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{what}: the server answered {text:?}"
    );
    assert!(
        after + Duration::from_millis(100) >= HEADER_TIMEOUT,
        "{what}: cut off after {after:?}, before the header timeout"
    );
}

/// A request head sent one byte every 100 ms (a slow-loris client) takes longer than the 1 s
/// header timeout: the server closes the connection within it (no SCIM request is started),
/// and keeps serving.
pub async fn slow_head_is_cut_off<A: Adapter>() {
    let h = Harness::start_with::<A>(short_header_timeout()).await;
    let addr = h.root.trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "GET /scim/v2/Users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         X-Padding: {}\r\n\r\n",
        h.token,
        "p".repeat(200)
    );
    let (text, after) = trickle(stream, head.as_bytes()).await;
    cut_off("slow head", &text, after);
    h.get("/Users?count=0").await.expect(200);
}

/// After a response on a kept-alive connection, a client that sends nothing more is
/// disconnected at the header timeout, and so is one that starts its next request head and
/// trickles it. A server that closes every connection after its response (`Connection:
/// close`, as scimkit-actix's `limit_connections` does) passes at once.
pub async fn idle_connection_is_closed<A: Adapter>() {
    let h = Harness::start_with::<A>(short_header_timeout()).await;
    let addr = h.root.trim_start_matches("http://").to_owned();
    let request = format!(
        "GET /scim/v2/Users?count=0 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\r\n",
        h.token
    );
    for trickled in [false, true] {
        let what = if trickled {
            "trickled second head"
        } else {
            "idle"
        };
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("request");
        let response = read_raw(&mut stream, false).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{what}: {response}");
        let says_close = response.split("\r\n\r\n").next().is_some_and(|head| {
            head.lines()
                .any(|l| l.eq_ignore_ascii_case("connection: close"))
        });
        let (text, after) = if trickled {
            trickle(stream, request.as_bytes()).await
        } else {
            let started = Instant::now();
            let (text, closed) = until_closed(&mut stream).await;
            (text, closed - started)
        };
        if says_close {
            assert!(
                text.is_empty(),
                "{what}: answered after Connection: close: {text:?}"
            );
        } else {
            cut_off(what, &text, after);
        }
    }
}

/// With a cap of two connections, two clients that have sent half a request head hold the
/// server: a third connection (queued behind them, as connections are accepted in order) is not
/// answered while they stay, and is answered once one of them goes away.
pub async fn connections_over_the_cap_wait<A: Adapter>() {
    let h = Harness::start_with::<A>(Setup {
        connections: ConnectionLimits {
            header_timeout: Duration::from_secs(60),
            max_connections: 2,
        },
        ..Setup::default()
    })
    .await;
    let addr = h.root.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        let half = format!("GET /scim/v2/Users HTTP/1.1\r\nHost: {addr}\r\n");
        stream
            .write_all(half.as_bytes())
            .await
            .expect("half a head");
        held.push(stream);
    }
    // The kernel completes the handshake; the server does not accept the connection.
    let mut waiting = TcpStream::connect(&addr).await.expect("connect");
    let request = format!(
        "GET /scim/v2/Users?count=0 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\r\n",
        h.token
    );
    waiting
        .write_all(request.as_bytes())
        .await
        .expect("request");
    let mut byte = [0_u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), waiting.read(&mut byte)).await;
    assert!(
        early.is_err(),
        "a connection over the cap was served: {early:?}"
    );
    drop(held.pop());
    let (status, body) = read_response(&mut waiting).await;
    assert_eq!(status, 200, "{body}");
}
