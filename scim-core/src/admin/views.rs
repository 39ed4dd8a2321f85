//! The admin API's JSON bodies: what it reads (a mint or rotate request) and what it writes
//! about tokens and tenants. Metadata only; the one body with a secret is [`minted`]'s.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{MintedToken, TokenInfo};
use crate::context::Tenant;

/// The longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 255;

/// The longest lifetime a token may be given, in days (ten years).
pub const MAX_EXPIRES_IN_DAYS: u32 = 3650;

/// `POST …/tokens`: `{"label": "Entra ID", "expiresInDays": 365}`. The members are read as
/// any JSON, so a wrong type is refused by [`check_label`] and [`expiry`] naming the member.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MintRequest {
    #[serde(default)]
    pub(crate) label: Value,
    #[serde(default)]
    pub(crate) expires_in_days: Value,
}

/// `POST …/tokens/{id}/rotate`: no body, `{}`, or `{"expiresInDays": 365}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RotateRequest {
    #[serde(default)]
    pub(crate) expires_in_days: Value,
}

/// Checks a label, returning it trimmed, or why it is refused.
pub(crate) fn check_label(label: &Value) -> Result<&str, String> {
    let label =
        match label {
            Value::String(label) => label.trim(),
            Value::Null => return Err(
                "is required: name the token after where it is used, e.g. \"Entra ID production\""
                    .to_owned(),
            ),
            _ => return Err("must be a string".to_owned()),
        };
    if label.is_empty() {
        return Err(
            "must not be empty: name the token after where it is used, e.g. \"Entra ID production\""
                .to_owned(),
        );
    }
    let chars = label.chars().count();
    if chars > MAX_LABEL_CHARS {
        return Err(format!(
            "is {chars} characters long; at most {MAX_LABEL_CHARS} are allowed"
        ));
    }
    if label.chars().any(char::is_control) {
        return Err("must not contain control characters (line breaks, tabs, NUL)".to_owned());
    }
    Ok(label)
}

/// The expiry `days` (`null` or absent: none) from `now`, or why `days` is refused.
pub(crate) fn expiry(now: DateTime<Utc>, days: &Value) -> Result<Option<DateTime<Utc>>, String> {
    if days.is_null() {
        return Ok(None);
    }
    match days.as_u64() {
        Some(days @ 1..) if days <= u64::from(MAX_EXPIRES_IN_DAYS) => {
            let days = i64::try_from(days).unwrap_or(i64::from(MAX_EXPIRES_IN_DAYS));
            Ok(Some(now + chrono::Duration::days(days)))
        }
        _ => Err(format!(
            "{days} is not accepted: give a whole number of days from 1 to \
             {MAX_EXPIRES_IN_DAYS}, or leave expiresInDays out"
        )),
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A token's metadata: `{"id", "label", "created", "expires", "lastUsed"}`, times in RFC 3339
/// (UTC, milliseconds), `null` for never.
pub(crate) fn token(info: &TokenInfo) -> Value {
    json!({
        "id": info.id.as_str(),
        "label": info.label,
        "created": time(info.created),
        "expires": info.expires_at.map(time),
        "lastUsed": info.last_used_at.map(time),
    })
}

/// A tenant's tokens: `{"tenant", "tokens": [token…]}`.
pub(crate) fn token_list(tenant: &Tenant, infos: &[TokenInfo]) -> Value {
    json!({
        "tenant": tenant.as_str(),
        "tokens": infos.iter().map(token).collect::<Vec<_>>(),
    })
}

/// A minted or rotated token: `{"secret", "token": {…}, "scimUrl"}`. The only body that
/// carries a secret.
pub(crate) fn minted(minted: &MintedToken, scim_url: Option<&str>) -> Value {
    json!({
        "secret": minted.token,
        "token": token(&minted.info),
        "scimUrl": scim_url,
    })
}

/// A tenant: `{"tenant", "scimUrl", "tokens": {"total", "active", "lastUsed"}}` (`active`: not
/// expired at `now`; `lastUsed`: the latest use of any of its tokens).
pub(crate) fn tenant(
    tenant: &Tenant,
    scim_url: Option<&str>,
    infos: &[TokenInfo],
    now: DateTime<Utc>,
) -> Value {
    let active = infos.iter().filter(|info| !info.is_expired_at(now)).count();
    let last_used = infos.iter().filter_map(|info| info.last_used_at).max();
    json!({
        "tenant": tenant.as_str(),
        "scimUrl": scim_url,
        "tokens": {
            "total": infos.len(),
            "active": active,
            "lastUsed": last_used.map(time),
        },
    })
}

/// The most entries one activity request returns.
pub const MAX_ACTIVITY_LIMIT: usize = 1000;

/// The activity query of a query string: `refusals=true|false`, `resource=<id>`,
/// `limit=<1..=MAX_ACTIVITY_LIMIT>`; other parameters are ignored. `Err((field, detail))`.
pub(crate) fn activity_query(
    query: &str,
) -> Result<crate::activity::ActivityQuery, (&'static str, String)> {
    let mut out = crate::activity::ActivityQuery::default();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*name {
            "refusals" => {
                out.refusals_only = match &*value {
                    "true" | "1" | "" => true,
                    "false" | "0" => false,
                    other => return Err(("refusals", format!("{other:?} is not true or false"))),
                };
            }
            "resource" if !value.is_empty() => out.resource_id = Some(value.into_owned()),
            "limit" => {
                out.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_ACTIVITY_LIMIT).contains(n))
                    .ok_or_else(|| {
                        (
                            "limit",
                            format!("{value:?} is not a number from 1 to {MAX_ACTIVITY_LIMIT}"),
                        )
                    })?;
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The body of `GET /tenants/{tenant}/activity`.
pub(crate) fn activity(tenant: &Tenant, entries: &[crate::activity::ActivityEntry]) -> Value {
    json!({"tenant": tenant.as_str(), "entries": entries})
}
