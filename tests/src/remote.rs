//! Running the cases against a server the suite did not start: the [`Remote`] adapter, the
//! [`RemoteTarget`] it talks to, and the [`Recorder`] that keeps each case's exchanges (for
//! the report of a failure) and what it created (for the clean-up after it).
//!
//! This module does not decide which cases can run remotely (the tool's catalogue does) nor
//! print anything.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use scimkit_core::{ConnectionLimits, Scim};
use serde::Serialize;
use serde_json::Value;

use crate::harness::{Adapter, Mounting};

/// How many exchanges a [`Recorder`] keeps: the last ones lead to a failure.
const KEPT_EXCHANGES: usize = 6;
/// How much of a body an [`Exchange`] keeps.
const KEPT_BODY_BYTES: usize = 4096;

/// One request and its answer, as the report shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The method.
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// The request body (cut at 4 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    /// The answer's status (0 when there was none).
    pub status: u16,
    /// The answer's headers that say something about SCIM (content type, location, ETag,
    /// authentication challenge).
    pub headers: Vec<(String, String)>,
    /// The answer's body (cut at 4 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    /// Why there was no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Exchange {
    /// A request not yet answered.
    pub fn request(method: &Method, url: &str, body: Option<&[u8]>) -> Exchange {
        Exchange {
            method: method.to_string(),
            url: url.to_owned(),
            request_body: body.map(cut),
            status: 0,
            headers: Vec::new(),
            response_body: None,
            error: None,
        }
    }

    /// Records the answer.
    pub fn answer(&mut self, status: StatusCode, headers: &HeaderMap, body: &[u8]) {
        self.status = status.as_u16();
        self.headers = ["content-type", "location", "etag", "www-authenticate"]
            .into_iter()
            .filter_map(|name| {
                let value = headers.get(name)?.to_str().ok()?;
                Some((name.to_owned(), value.to_owned()))
            })
            .collect();
        self.response_body = (!body.is_empty()).then(|| cut(body));
    }
}

/// The text of `bytes`, cut at [`KEPT_BODY_BYTES`] on a character boundary.
fn cut(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= KEPT_BODY_BYTES {
        return text.into_owned();
    }
    let mut end = KEPT_BODY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], bytes.len())
}

/// The exchanges of one case (the last six) and the resources it created.
#[derive(Debug, Default)]
pub struct Recorder {
    exchanges: Mutex<(VecDeque<Exchange>, usize)>,
    created: Mutex<Vec<String>>,
}

impl Recorder {
    /// Keeps `exchange`, forgetting the oldest beyond the last six.
    pub fn record(&self, exchange: Exchange) {
        if let Ok(mut guard) = self.exchanges.lock() {
            let (kept, total) = &mut *guard;
            if kept.len() == KEPT_EXCHANGES {
                kept.pop_front();
            }
            kept.push_back(exchange);
            *total += 1;
        }
    }

    /// Notes the resources a POST created: its `Location`, or each created resource of a
    /// `/Bulk` answer.
    pub fn created_by(&self, url: &str, status: StatusCode, headers: &HeaderMap, body: &Value) {
        let mut found = Vec::new();
        if status == StatusCode::CREATED {
            let location = headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .or_else(|| body.pointer("/meta/location").and_then(Value::as_str));
            found.extend(location.map(str::to_owned));
        } else if status == StatusCode::OK && url.trim_end_matches('/').ends_with("/Bulk") {
            let operations = body.get("Operations").and_then(Value::as_array);
            for operation in operations.into_iter().flatten() {
                if operation.get("status").and_then(Value::as_str) == Some("201") {
                    let location = operation.get("location").and_then(Value::as_str);
                    found.extend(location.map(str::to_owned));
                }
            }
        }
        if let Ok(mut created) = self.created.lock() {
            created.extend(found);
        }
    }

    /// The kept exchanges, oldest first, and how many there were in all.
    pub fn exchanges(&self) -> (Vec<Exchange>, usize) {
        self.exchanges
            .lock()
            .map(|guard| (guard.0.iter().cloned().collect(), guard.1))
            .unwrap_or_default()
    }

    /// Takes the locations of the resources created since the last call.
    pub fn take_created(&self) -> Vec<String> {
        self.created
            .lock()
            .map(|mut created| std::mem::take(&mut *created))
            .unwrap_or_default()
    }

    /// Forgets the exchanges and the created resources.
    pub fn reset(&self) {
        if let Ok(mut guard) = self.exchanges.lock() {
            *guard = (VecDeque::new(), 0);
        }
        if let Ok(mut created) = self.created.lock() {
            created.clear();
        }
    }
}

/// A deployed SCIM endpoint and the token to call it with.
#[derive(Debug, Clone)]
pub struct RemoteTarget {
    /// `scheme://host[:port]` of the endpoint.
    pub root: String,
    /// The tenant URL as an admin pastes it into the identity provider, without a trailing
    /// slash.
    pub base: String,
    /// The bearer token.
    pub token: String,
    /// The HTTP client (with the per-request timeout).
    pub http: reqwest::Client,
    /// What the running case sent and created.
    pub recorder: Arc<Recorder>,
}

/// Why a [`RemoteTarget`] cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTarget(pub String);

impl std::fmt::Display for BadTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadTarget {}

impl RemoteTarget {
    /// The endpoint at `url` (`http(s)://host[:port]/path`, a query string dropped), called
    /// with `token`, each request given `timeout` to answer.
    pub fn new(url: &str, token: &str, timeout: Duration) -> Result<RemoteTarget, BadTarget> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| BadTarget(format!("--url {url:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(BadTarget(format!(
                "--url {url:?} must be an http:// or https:// URL with a host"
            )));
        }
        let root = parsed.origin().ascii_serialization();
        let base = format!("{root}{}", parsed.path().trim_end_matches('/'));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("scim-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BadTarget(format!("cannot make an HTTP client: {e}")))?;
        Ok(RemoteTarget {
            root,
            base,
            token: token.to_owned(),
            http,
            recorder: Arc::default(),
        })
    }
}

/// The target of this process's remote run, set once by [`Remote::connect`].
static TARGET: OnceLock<RemoteTarget> = OnceLock::new();

/// The adapter of a remote run: cases generic over it talk to the [`RemoteTarget`] given to
/// [`Remote::connect`] instead of starting a server.
#[derive(Debug)]
pub struct Remote;

impl Remote {
    /// Makes `target` the server of every case run with `Remote`. Once per process: a second
    /// call returns the target back.
    pub fn connect(target: RemoteTarget) -> Result<&'static RemoteTarget, RemoteTarget> {
        TARGET.set(target)?;
        Ok(TARGET.get().expect("just set"))
    }
}

impl Adapter for Remote {
    async fn serve(_: Scim, _: Mounting, _: ConnectionLimits) -> SocketAddr {
        panic!("a remote run serves nothing: the cases talk to the remote target")
    }

    fn remote() -> Option<&'static RemoteTarget> {
        Some(
            TARGET
                .get()
                .unwrap_or_else(|| panic!("Remote::connect was not called before the cases")),
        )
    }
}
