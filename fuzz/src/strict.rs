//! The `strict` target: raw bytes as a request body or as an `If-Match`/`If-None-Match` value,
//! through `Scim::handle` on the `handle` target's fixture, each answer checked by
//! [`super::handle::check_exchange`] and against an oracle written here, apart from the
//! engine's own code:
//!
//! - **bodies** (POST `/Users`, PUT and PATCH of a user, POST `/Bulk`, POST `/Users/.search`):
//!   bytes `serde_json` cannot read are a `400` (`invalidSyntax`, or the strict refusal the
//!   engine met first); readable JSON that names a member twice in one object (ASCII case
//!   folded) or holds a NUL in a string or member name is a `400` `invalidSyntax` or
//!   `invalidValue`; any other JSON is never refused for either reason.
//! - **preconditions**: a value the RFC 9110 grammar ([`etag_list`]: `*` or a list of
//!   entity tags, empty elements allowed; visible ASCII only) rejects is a `400`; an accepted
//!   one decides the answer: `If-Match` on a PATCH is applied (`200`) exactly when a listed tag
//!   (weak comparison) or `*` matches the user's version, else `412`; `If-None-Match` on a GET
//!   is `304` exactly when one matches, else `200`.
//!
//! The first input byte picks the request (modulo 7), the rest is the body or header value.

#![allow(clippy::panic, clippy::expect_used, clippy::missing_panics_doc)]

use std::fmt;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::Method;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::handle::{check_exchange, request, Fixture, TOKEN_T1};

/// A PATCH every fixture user accepts.
const PATCH: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Fuzzed"}]}"#;

/// Arbitrary bytes as one request (see the module documentation).
pub fn check_strict(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (fx, initial) = PRISTINE.with_borrow_mut(Option::take).unwrap_or_else(|| {
        let fx = Fixture::new();
        let snapshot = fx.snapshot();
        (fx, snapshot)
    });
    match pick % 7 {
        0 => check_body(&fx, Method::POST, "/Users", rest),
        1 => check_body(&fx, Method::PUT, "/Users/@U1@", rest),
        2 => check_body(&fx, Method::PATCH, "/Users/@U1@", rest),
        3 => check_body(&fx, Method::POST, "/Bulk", rest),
        4 => check_body(&fx, Method::POST, "/Users/.search", rest),
        5 => check_if_match(&fx, rest),
        _ => check_if_none_match(&fx, rest),
    }
    if fx.snapshot() == initial {
        PRISTINE.with_borrow_mut(|slot| *slot = Some((fx, initial)));
    }
}

thread_local! {
    /// A fixture no request has changed yet, with its snapshot (most inputs change nothing).
    static PRISTINE: std::cell::RefCell<Option<(Fixture, Vec<Value>)>> =
        const { std::cell::RefCell::new(None) };
}

/// Sends `body` raw and checks the strict-JSON rules.
fn check_body(fx: &Fixture, method: Method, path: &str, body: &[u8]) {
    let path = fx.fill(path);
    // The fixture's request (host, token), with these bytes as its SCIM body.
    let mut request = request(TOKEN_T1, method.clone(), &path, None);
    *request.body_mut() = Bytes::copy_from_slice(body);
    request.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    let (status, answer) = check_exchange(fx, request);
    let what = format!("{method} {path} → {status}: {answer}");
    let scim_type = answer.get("scimType").and_then(Value::as_str);
    let detail = answer.get("detail").and_then(Value::as_str).unwrap_or("");
    let strict_refusal = status == 400
        && (detail.contains("twice; send each attribute once") || detail.contains("NUL character"));
    match serde_json::from_slice::<Scan>(body) {
        Err(_) => {
            assert_eq!(status, 400, "{what}: unreadable JSON was not refused");
            assert!(
                matches!(scim_type, Some("invalidSyntax" | "invalidValue")),
                "{what}: unreadable JSON refused without invalidSyntax"
            );
        }
        Ok(scan) if scan.duplicate || scan.nul => {
            assert!(
                strict_refusal,
                "{what}: a body with a duplicate member ({}) or a NUL ({}) was not refused",
                scan.duplicate, scan.nul
            );
            let expected = if scan.duplicate && !scan.nul {
                "invalidSyntax"
            } else if scan.nul && !scan.duplicate {
                "invalidValue"
            } else {
                scim_type.unwrap_or("")
            };
            assert_eq!(scim_type, Some(expected), "{what}");
        }
        Ok(_) => assert!(
            !strict_refusal,
            "{what}: a clean body refused as not strict"
        ),
    }
}

/// What the oracle found in a JSON document.
#[derive(Debug, Default)]
struct Scan {
    duplicate: bool,
    nul: bool,
}

impl Scan {
    fn merge(&mut self, other: &Scan) {
        self.duplicate |= other.duplicate;
        self.nul |= other.nul;
    }
}

impl<'de> Deserialize<'de> for Scan {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scan, D::Error> {
        deserializer.deserialize_any(ScanVisitor)
    }
}

struct ScanVisitor;

impl<'de> Visitor<'de> for ScanVisitor {
    type Value = Scan;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scan, E> {
        Ok(Scan::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scan, E> {
        Ok(Scan::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Scan, E> {
        Ok(Scan::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scan, E> {
        Ok(Scan::default())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scan, E> {
        Ok(Scan {
            duplicate: false,
            nul: v.contains('\0'),
        })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scan, E> {
        Ok(Scan::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scan, A::Error> {
        let mut scan = Scan::default();
        while let Some(item) = seq.next_element::<Scan>()? {
            scan.merge(&item);
        }
        Ok(scan)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scan, A::Error> {
        let mut scan = Scan::default();
        let mut names: Vec<String> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let folded = name.to_ascii_lowercase();
            scan.duplicate |= names.contains(&folded);
            scan.nul |= name.contains('\0');
            names.push(folded);
            let value = map.next_value::<Scan>()?;
            scan.merge(&value);
        }
        Ok(scan)
    }
}

/// An `If-Match`/`If-None-Match` value read by the RFC 9110 grammar: `Some((any, tags))` (the
/// tags' opaque parts, without `W/` and quotes), or `None` when it is malformed: not visible
/// ASCII (with spaces and tabs), an element that is neither `*` nor an entity tag, `*` with
/// tags, or no element at all.
pub fn etag_list(value: &[u8]) -> Option<(bool, Vec<String>)> {
    if !value
        .iter()
        .all(|&b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
    {
        return None;
    }
    let text = std::str::from_utf8(value).ok()?;
    let mut any = false;
    let mut tags = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            break;
        }
        if let Some(after) = rest.strip_prefix(',') {
            rest = after; // an empty element
            continue;
        }
        if let Some(after) = rest.strip_prefix('*') {
            any = true;
            rest = after;
        } else {
            let quoted = rest.strip_prefix("W/").unwrap_or(rest);
            let inner = quoted.strip_prefix('"')?;
            let end = inner.find('"')?;
            let opaque = inner.get(..end)?;
            // etagc = %x21 / %x23-7E (obs-text is refused: the value must be visible ASCII).
            if !opaque
                .bytes()
                .all(|b| b == 0x21 || (0x23..0x7f).contains(&b))
            {
                return None;
            }
            tags.push(opaque.to_owned());
            rest = inner.get(end + 1..)?;
        }
        rest = rest.trim_start_matches([' ', '\t']);
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None if rest.is_empty() => break,
            None => return None,
        }
    }
    match (any, tags.is_empty()) {
        (true, false) | (false, true) => None,
        _ => Some((any, tags)),
    }
}

/// The opaque part of the fixture user's current `ETag`.
fn current_version(fx: &Fixture, path: &str) -> String {
    let (status, user) = check_exchange(fx, request(TOKEN_T1, Method::GET, path, None));
    assert_eq!(status, 200);
    let version = user["meta"]["version"].as_str().expect("a version");
    let opaque = version.strip_prefix("W/").unwrap_or(version);
    opaque.trim_matches('"').to_owned()
}

/// `If-Match: <value>` on a PATCH of a user: applied (`200`) when a tag matches, else `412`.
fn check_if_match(fx: &Fixture, value: &[u8]) {
    let body: Value = serde_json::from_str(PATCH).expect("JSON");
    check_precondition(
        fx,
        value,
        "if-match",
        Method::PATCH,
        Some(&body),
        (200, 412),
    );
}

/// `If-None-Match: <value>` on a GET of a user: `304` when a tag matches, else `200`.
fn check_if_none_match(fx: &Fixture, value: &[u8]) {
    check_precondition(fx, value, "if-none-match", Method::GET, None, (304, 200));
}

/// Sends `method` on a user with `header: <value>`: a value [`etag_list`] rejects is `400`;
/// an accepted one gives `statuses.0` when `*` or one of its tags matches the user's
/// version, else `statuses.1`.
fn check_precondition(
    fx: &Fixture,
    value: &[u8],
    header: &'static str,
    method: Method,
    body: Option<&Value>,
    statuses: (u16, u16),
) {
    let Ok(header_value) = HeaderValue::from_bytes(value) else {
        return;
    };
    let path = fx.fill("/Users/@U1@");
    let current = current_version(fx, &path);
    let mut request = request(TOKEN_T1, method, &path, body);
    request.headers_mut().insert(header, header_value);
    let (status, answer) = check_exchange(fx, request);
    let what = format!(
        "{header} {:?} → {status}: {answer}",
        String::from_utf8_lossy(value)
    );
    match etag_list(value) {
        None => assert_eq!(status, 400, "{what}: a malformed value was not refused"),
        Some((any, tags)) => {
            let expected = if any || tags.contains(&current) {
                statuses.0
            } else {
                statuses.1
            };
            assert_eq!(status, expected, "{what} (current {current:?})");
        }
    }
}
