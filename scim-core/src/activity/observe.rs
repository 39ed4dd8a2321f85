//! What the engine keeps of a request for the activity log ([`Observed`]), and how an answered
//! request becomes [`ActivityEntry`]s: the request line, the response's status, `Location`
//! and error body, a PATCH's attribute names, a `/Bulk` response's operations. Request bodies
//! are read only for a PATCH's paths and keys, never copied; values are skipped unread.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, Response, Uri};
use percent_encoding::percent_decode_str;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::activity::entry::{
    bounded, MAX_CHANGED_ATTRIBUTES, MAX_DETAIL_CHARS, MAX_IDENTITY_PROVIDER_CHARS, MAX_NAME_CHARS,
    MAX_PATH_CHARS,
};
use crate::activity::{ActivityChange, ActivityEntry, ActivityLog};
use crate::context::Context;
use crate::events::ChangeKind;
use crate::schema::{Attribute, ResourceType, Returned};

/// The engine's activity log, with what recording needs of the served schemas worked out
/// once, when the engine is built.
pub(crate) struct Recording {
    log: Arc<dyn ActivityLog>,
    /// The names of every `returned: never` attribute served ([`write_only_names`]).
    secret_names: Vec<String>,
}

impl Recording {
    /// Recording into `log` for an engine serving `resource_types`.
    pub(crate) fn new(log: Arc<dyn ActivityLog>, resource_types: &[Arc<ResourceType>]) -> Self {
        Recording {
            log,
            secret_names: write_only_names(resource_types),
        }
    }
}

/// The parts of a request the activity log needs, taken before the engine consumes it (only
/// when a log is configured). The body is a shared reference, read only for a PATCH's paths.
pub(crate) struct Observed {
    method: Method,
    uri: Uri,
    user_agent: Option<String>,
    body: Bytes,
    prefix: String,
    mount_tenant: Option<String>,
}

impl Observed {
    /// What the log needs of a request with this head and body, mounted at `prefix`.
    pub(crate) fn new(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
        prefix: &str,
        mount_tenant: Option<&str>,
    ) -> Self {
        Observed {
            method: method.clone(),
            uri: uri.clone(),
            user_agent: headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|v| bounded(v.trim(), MAX_IDENTITY_PROVIDER_CHARS)),
            body,
            prefix: prefix.trim_end_matches('/').to_owned(),
            mount_tenant: mount_tenant.map(str::to_owned),
        }
    }

    /// Records the answer to this request in `recording`'s log: one entry, after one per
    /// operation of a `/Bulk` request. The tenant is the authenticated caller's (`ctx`), else
    /// the mount's tenant segment; without either nothing is recorded. A panic in the log is
    /// logged.
    pub(crate) fn record(
        self,
        recording: &Recording,
        resource_types: &[Arc<ResourceType>],
        ctx: Option<&Context>,
        response: &Response<Bytes>,
    ) {
        let tenant = match (ctx, &self.mount_tenant) {
            (Some(ctx), _) => ctx.tenant().as_str(),
            (None, Some(tenant)) => tenant.as_str(),
            (None, None) => return,
        };
        let entries = self.entries(
            resource_types,
            &recording.secret_names,
            ctx,
            tenant,
            response,
        );
        let recorded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for entry in entries {
                recording.log.record(entry);
            }
        }));
        if recorded.is_err() {
            tracing::error!("the activity log panicked; the response is unchanged");
        }
    }

    fn entries(
        &self,
        resource_types: &[Arc<ResourceType>],
        secret_names: &[String],
        ctx: Option<&Context>,
        tenant: &str,
        response: &Response<Bytes>,
    ) -> Vec<ActivityEntry> {
        let full = self.uri.path();
        let path = full.strip_prefix(self.prefix.as_str()).unwrap_or(full);
        let target = Target::of(path, resource_types, ctx);
        let status = response.status().as_u16();
        let mut shown = bounded(path, MAX_PATH_CHARS);
        if let Some(query) = self.uri.query() {
            if !mentions_any(query, secret_names) {
                shown = bounded(&format!("{shown}?{query}"), MAX_PATH_CHARS);
            }
        }
        let created_id = (status == 201)
            .then(|| response.headers().get(http::header::LOCATION))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(last_segment);
        let resource_id = target
            .id
            .map(|id| bounded(&id, MAX_NAME_CHARS))
            .or(created_id);
        let (scim_type, detail) = if status >= 400 {
            refusal(response.body(), secret_names)
        } else {
            (None, None)
        };
        let change = (200..300).contains(&status).then(|| {
            kind_of(&self.method, target.collection).map(|kind| ActivityChange {
                kind,
                attributes: (kind == ChangeKind::Patched)
                    .then(|| patched_attributes(&self.body))
                    .flatten(),
            })
        });
        let time = Utc::now();
        // A `/Bulk` request's operations first, in its response's order, then the request:
        // newest first, the request's entry comes before its operations'.
        let mut entries = if target.bulk && self.method == Method::POST && status == 200 {
            let sent = Sent {
                time,
                tenant,
                identity_provider: self.user_agent.as_deref(),
            };
            bulk_operations(response.body(), resource_types, secret_names, &sent)
        } else {
            // Room for exactly one entry: a vector's default first growth (four entries of a
            // few hundred bytes) is a large allocation, which makes glibc's malloc consolidate
            // its free lists on every request.
            Vec::with_capacity(1)
        };
        entries.push(ActivityEntry {
            time,
            tenant: tenant.to_owned(),
            authenticated: ctx.is_some(),
            identity_provider: self.user_agent.clone(),
            method: bounded(self.method.as_str(), MAX_NAME_CHARS),
            path: shown,
            resource_type: target.resource_type.map(|n| bounded(n, MAX_NAME_CHARS)),
            resource_id,
            bulk_id: None,
            status,
            scim_type,
            detail,
            change: change.flatten(),
        });
        entries
    }
}

/// What a path below the mount names.
#[derive(Default)]
struct Target<'a> {
    resource_type: Option<&'a str>,
    id: Option<Cow<'a, str>>,
    /// `/{endpoint}` itself (a POST there creates).
    collection: bool,
    bulk: bool,
}

impl<'a> Target<'a> {
    fn of(
        path: &'a str,
        resource_types: &'a [Arc<ResourceType>],
        ctx: Option<&'a Context>,
    ) -> Self {
        let mut segments = path.trim_matches('/').split('/');
        let first = segments.next().unwrap_or_default();
        let second = segments.next();
        if segments.next().is_some() {
            return Target::default();
        }
        if first.eq_ignore_ascii_case("Bulk") {
            return Target {
                bulk: true,
                ..Target::default()
            };
        }
        if first.eq_ignore_ascii_case("Me") && second.is_none() {
            return Target {
                resource_type: ctx
                    .and_then(Context::subject)
                    .map(|s| s.resource_type.as_str()),
                id: ctx
                    .and_then(Context::subject)
                    .map(|s| Cow::Borrowed(s.id.as_str())),
                ..Target::default()
            };
        }
        let Some(rt) = resource_types.iter().find(|rt| {
            rt.endpoint
                .strip_prefix('/')
                .is_some_and(|e| e.eq_ignore_ascii_case(first))
        }) else {
            return Target::default();
        };
        let id = second
            .filter(|s| !s.is_empty() && *s != ".search")
            .and_then(|s| percent_decode_str(s).decode_utf8().ok());
        Target {
            resource_type: Some(rt.name.as_str()),
            collection: second.is_none_or(str::is_empty),
            id,
            bulk: false,
        }
    }
}

/// The change a successful request with `method` commits.
fn kind_of(method: &Method, collection: bool) -> Option<ChangeKind> {
    match *method {
        Method::POST if collection => Some(ChangeKind::Created),
        Method::PUT if !collection => Some(ChangeKind::Replaced),
        Method::PATCH if !collection => Some(ChangeKind::Patched),
        Method::DELETE if !collection => Some(ChangeKind::Deleted),
        _ => None,
    }
}

/// The last path segment of a URL (a `Location`'s id), percent-decoded and bounded.
fn last_segment(url: &str) -> Option<String> {
    let segment = url.trim_end_matches('/').rsplit('/').next()?;
    let id = percent_decode_str(segment).decode_utf8().ok()?;
    (!id.is_empty()).then(|| bounded(&id, MAX_NAME_CHARS))
}

/// The names (and `urn:…:name` forms) of every `returned: never` attribute served, at any
/// depth, for recognising error details and queries that may quote a secret.
fn write_only_names(resource_types: &[Arc<ResourceType>]) -> Vec<String> {
    fn walk(attributes: &[Attribute], out: &mut Vec<String>) {
        for attribute in attributes {
            if attribute.returned == Returned::Never {
                out.push(attribute.name.to_ascii_lowercase());
            }
            walk(&attribute.sub_attributes, out);
        }
    }
    let mut names = Vec::new();
    for rt in resource_types {
        walk(&rt.schema.attributes, &mut names);
        for ext in &rt.extensions {
            walk(&ext.schema.attributes, &mut names);
        }
    }
    names.sort_unstable();
    names.dedup();
    names
}

/// Whether `text` holds any of `names` (lower case), in any letter case.
fn mentions_any(text: &str, names: &[String]) -> bool {
    if names.is_empty() {
        return false;
    }
    let folded = text.to_ascii_lowercase();
    let decoded = percent_decode_str(&folded).decode_utf8_lossy();
    names
        .iter()
        .any(|name| folded.contains(name.as_str()) || decoded.contains(name.as_str()))
}

/// An error body's `scimType` and `detail` (none when it names a write-only attribute).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    scim_type: Option<String>,
    detail: Option<String>,
}

fn refusal(body: &[u8], secret_names: &[String]) -> (Option<String>, Option<String>) {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => error_fields(error, secret_names),
        Err(_) => (None, None),
    }
}

fn error_fields(error: ErrorBody, secret_names: &[String]) -> (Option<String>, Option<String>) {
    (
        error.scim_type.map(|t| bounded(&t, MAX_NAME_CHARS)),
        error
            .detail
            .filter(|d| !mentions_any(d, secret_names))
            .map(|d| bounded(&d, MAX_DETAIL_CHARS)),
    )
}

/// A PATCH request, read for its operations' paths and path-less values' keys only.
#[derive(Deserialize)]
struct PatchNames {
    #[serde(rename = "Operations", alias = "operations")]
    operations: Vec<OperationNames>,
}

#[derive(Deserialize)]
struct OperationNames {
    path: Option<String>,
    value: Option<Keys>,
}

/// The keys of a JSON object (its values skipped unread); nothing for any other value.
struct Keys(Vec<String>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Keys, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Keys(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Keys, E> {
                Ok(Keys(Vec::new()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Keys, E> {
                Ok(Keys(Vec::new()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Keys, E> {
                Ok(Keys(Vec::new()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Keys, E> {
                Ok(Keys(Vec::new()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Keys, E> {
                Ok(Keys(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Keys, E> {
                Ok(Keys(Vec::new()))
            }
        }
        deserializer.deserialize_any(KeysVisitor)
    }
}

/// The attribute names a PATCH body names: each operation's path as an attribute name
/// (URN-qualified when it was, without filter or sub-attribute), else its value's keys.
/// `None` when the body cannot be read so.
fn patched_attributes(body: &[u8]) -> Option<Vec<String>> {
    let request: PatchNames = serde_json::from_slice(body).ok()?;
    let mut names: Vec<String> = Vec::new();
    for op in request.operations {
        let found: Vec<String> = match (op.path, op.value) {
            (Some(path), _) => vec![scimkit_filter::parse_path(&path).ok()?.attr().full_name()],
            (None, Some(Keys(keys))) => keys,
            (None, None) => Vec::new(),
        };
        for name in found {
            if names.len() >= MAX_CHANGED_ATTRIBUTES {
                return Some(names);
            }
            if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                names.push(bounded(&name, MAX_NAME_CHARS));
            }
        }
    }
    Some(names)
}

/// A `/Bulk` response, read for its operations.
#[derive(Deserialize)]
struct BulkNames {
    #[serde(rename = "Operations")]
    operations: Vec<BulkOperationNames>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BulkOperationNames {
    method: String,
    bulk_id: Option<String>,
    location: Option<String>,
    status: String,
    response: Option<ErrorBody>,
}

/// What every entry of one request shares.
struct Sent<'a> {
    time: DateTime<Utc>,
    tenant: &'a str,
    identity_provider: Option<&'a str>,
}

/// One entry per operation of a `/Bulk` response, in its order.
fn bulk_operations(
    body: &[u8],
    resource_types: &[Arc<ResourceType>],
    secret_names: &[String],
    sent: &Sent<'_>,
) -> Vec<ActivityEntry> {
    let Ok(bulk) = serde_json::from_slice::<BulkNames>(body) else {
        return Vec::new();
    };
    bulk.operations
        .into_iter()
        .map(|op| {
            let status = op.status.trim().parse::<u16>().unwrap_or(0);
            let method = Method::from_bytes(op.method.to_ascii_uppercase().as_bytes()).ok();
            let located = op.location.as_deref().and_then(|url| {
                let mut segments = url.trim_end_matches('/').rsplit('/');
                let id = segments.next()?;
                let endpoint = segments.next()?;
                let rt = resource_types.iter().find(|rt| {
                    rt.endpoint
                        .strip_prefix('/')
                        .is_some_and(|e| e.eq_ignore_ascii_case(endpoint))
                })?;
                Some((
                    rt.name.clone(),
                    last_segment(id)?,
                    format!("/{endpoint}/{id}"),
                ))
            });
            let (scim_type, detail) = match op.response {
                Some(error) if status >= 400 => error_fields(error, secret_names),
                _ => (None, None),
            };
            let change = (200..300)
                .contains(&status)
                .then(|| {
                    method.as_ref().and_then(|m| {
                        kind_of(m, *m == Method::POST).map(|kind| ActivityChange {
                            kind,
                            attributes: None,
                        })
                    })
                })
                .flatten();
            let (resource_type, resource_id, path) = match located {
                Some((rt, id, path)) => (Some(rt), Some(id), bounded(&path, MAX_PATH_CHARS)),
                None => (None, None, "/Bulk".to_owned()),
            };
            ActivityEntry {
                time: sent.time,
                tenant: sent.tenant.to_owned(),
                authenticated: true,
                identity_provider: sent.identity_provider.map(str::to_owned),
                method: bounded(&op.method, MAX_NAME_CHARS),
                path,
                resource_type,
                resource_id,
                bulk_id: op.bulk_id.map(|b| bounded(&b, MAX_NAME_CHARS)),
                status,
                scim_type,
                detail,
                change,
            }
        })
        .collect()
}
