//! Reading what a request carries: query parameters, the JSON body, and the `If-Match` /
//! `If-None-Match` preconditions.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, IF_MATCH, IF_NONE_MATCH};
use http::HeaderMap;
use serde_json::Value;

use crate::error::ScimError;
use crate::store::Version;

/// The query parameters the engine reads, in lower case.
const KNOWN: [&str; 8] = [
    "filter",
    "sortby",
    "sortorder",
    "startindex",
    "count",
    "attributes",
    "excludedattributes",
    "cursor",
];

/// The query string's parameters, names folded to lower case (the first of a repeated name
/// wins). Unknown parameters (Entra's `aadOptscim062020`) are simply never read.
///
/// Only the parameters of RFC 7644 and RFC 9865 ([`KNOWN`]) are kept, in a list: at most
/// eight entries, so a scan is cheaper than hashing, and a query string of thousands of
/// unknown parameters costs one pass.
#[derive(Debug, Default)]
pub(crate) struct Query<'a>(Vec<(&'static str, Cow<'a, str>)>);

impl<'a> Query<'a> {
    pub(crate) fn parse(query: Option<&'a str>) -> Query<'a> {
        let Some(query) = query.filter(|q| !q.is_empty()) else {
            return Query::default();
        };
        let mut params: Vec<(&'static str, Cow<'a, str>)> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let Some(known) = KNOWN.iter().find(|known| known.eq_ignore_ascii_case(&key)) else {
                continue;
            };
            if !params.iter().any(|(k, _)| k == known) {
                params.push((known, value));
            }
        }
        Query(params)
    }

    /// A parameter by its lower-case name (one of [`KNOWN`]).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_ref())
    }
}

/// Checks the length the request declares against `max`.
pub(crate) fn check_length(headers: &HeaderMap, max: usize) -> Result<(), ScimError> {
    match crate::engine::content_length(headers) {
        Some(n) if n > max as u64 => Err(too_large(max)),
        _ => Ok(()),
    }
}

pub(crate) fn too_large(max: usize) -> ScimError {
    ScimError::PayloadTooLarge(format!(
        "the request body is larger than the {max} bytes this server accepts"
    ))
}

/// The body as JSON: the media type must be JSON (`application/scim+json`,
/// `application/json`, any parameters; a missing `Content-Type` is tolerated), the size within
/// `max`, and the text valid JSON.
pub(crate) fn json_body(headers: &HeaderMap, body: &Bytes, max: usize) -> Result<Value, ScimError> {
    if let Some(content_type) = headers.get(CONTENT_TYPE) {
        let essence = content_type
            .to_str()
            .ok()
            .and_then(|v| v.split(';').next())
            .map_or("", str::trim);
        let json = essence.eq_ignore_ascii_case("application/scim+json")
            || essence.eq_ignore_ascii_case("application/json");
        if !json {
            return Err(ScimError::UnsupportedMediaType(format!(
                "the request body must be application/scim+json or application/json, not \"{essence}\""
            )));
        }
    }
    check_length(headers, max)?;
    if body.len() > max {
        return Err(too_large(max));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::InvalidSyntax(
            "the request body is empty; send a JSON object".to_owned(),
        ));
    }
    crate::engine::strict_json::parse(body)
}

/// An `If-Match` or `If-None-Match` header (RFC 9110 §13.1.1, §13.1.2): `*`, or a list of
/// entity tags, weak or strong, over one or more header lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// `*`: any current version.
    Any,
    /// A list of entity tags.
    Versions(Vec<Version>),
}

impl Precondition {
    /// `If-Match`; a malformed value is `400`, and nothing is changed.
    pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<Precondition>, ScimError> {
        Self::read(headers, &IF_MATCH)
    }

    /// `If-None-Match`; a malformed value is `400`.
    pub(crate) fn if_none_match(headers: &HeaderMap) -> Result<Option<Precondition>, ScimError> {
        Self::read(headers, &IF_NONE_MATCH)
    }

    fn read(
        headers: &HeaderMap,
        name: &http::header::HeaderName,
    ) -> Result<Option<Precondition>, ScimError> {
        let mut versions = Vec::new();
        let mut any = false;
        let mut seen = false;
        let malformed = |what: &str| {
            ScimError::BadRequest(format!(
                "{name}: {what}; send * or entity tags as the ETag header gave them \
                 (W/\"…\" or \"…\"), separated by commas"
            ))
        };
        for value in headers.get_all(name) {
            seen = true;
            let text = value
                .to_str()
                .map_err(|_| malformed("the value is not visible ASCII"))?;
            // Empty list elements are allowed (RFC 9110 §5.6.1).
            for tag in split_tags(text) {
                if tag == "*" {
                    any = true;
                } else {
                    let version = Version::from_etag(tag)
                        .ok_or_else(|| malformed(&format!("{tag:?} is not an entity tag")))?;
                    versions.push(version);
                }
            }
        }
        match (seen, any) {
            (false, _) => Ok(None),
            (true, true) if !versions.is_empty() => {
                Err(malformed("* cannot be listed with entity tags"))
            }
            (true, true) => Ok(Some(Precondition::Any)),
            (true, false) if versions.is_empty() => Err(malformed("the list is empty")),
            (true, false) => Ok(Some(Precondition::Versions(versions))),
        }
    }

    /// Whether `current` satisfies the condition (weak comparison).
    pub(crate) fn matches(&self, current: Option<&Version>) -> bool {
        match self {
            Precondition::Any => true,
            Precondition::Versions(versions) => current.is_some_and(|c| versions.contains(c)),
        }
    }

    /// The single version to hand a store, when the condition names exactly one.
    pub(crate) fn single(&self) -> Option<&Version> {
        match self {
            Precondition::Versions(versions) if versions.len() == 1 => versions.first(),
            _ => None,
        }
    }
}

/// Splits a header value into entity tags, respecting quotes (a tag may contain commas).
fn split_tags(text: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                if let Some(tag) = text.get(start..i) {
                    tags.push(tag.trim());
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if let Some(tag) = text.get(start..) {
        tags.push(tag.trim());
    }
    tags.retain(|t| !t.is_empty());
    // An unterminated quote leaves its element whole, so it is refused rather than split.
    tags
}
