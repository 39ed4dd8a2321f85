//! The settings page's only way to tokens and the activity log: scimkit's admin API
//! ([`Admin`]), called in-process with the JSON a script would send. Its checks (label
//! length, lifetime bounds, another tenant's token) and its messages are the page's.

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use scimkit_core::admin::Admin;
use scimkit_core::context::Tenant;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// The admin API for one tenant.
#[derive(Debug, Clone)]
pub struct AdminClient {
    admin: Admin,
    tenant: Tenant,
}

/// A refusal of the admin API: its status and `detail`, shown on the page as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Refused {
    /// The status the admin API answered.
    pub status: StatusCode,
    /// What to change.
    pub detail: String,
}

/// A token as the admin API lists it (never its secret).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    /// The token's id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// When it was minted (RFC 3339).
    pub created: String,
    /// When it expires, if it does.
    pub expires: Option<String>,
    /// When it was last accepted, if ever.
    pub last_used: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenList {
    tokens: Vec<TokenView>,
}

/// A minted or rotated token: the secret, this once.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Minted {
    /// The bearer token.
    pub secret: String,
    /// Its metadata.
    pub token: TokenView,
    /// The SCIM base URL to paste with it.
    pub scim_url: Option<String>,
}

/// One entry of the activity log, as the admin API shows it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryView {
    /// When the request was answered (RFC 3339).
    pub time: String,
    /// Whether the caller was authenticated.
    pub authenticated: bool,
    /// The client's `User-Agent`.
    pub identity_provider: Option<String>,
    /// The method.
    pub method: String,
    /// The path below the SCIM base URL, with its query.
    pub path: String,
    /// The resource type.
    pub resource_type: Option<String>,
    /// The resource's id.
    pub resource_id: Option<String>,
    /// The `bulkId` of a `/Bulk` operation.
    pub bulk_id: Option<String>,
    /// The status answered.
    pub status: u16,
    /// A refusal's `scimType`.
    pub scim_type: Option<String>,
    /// A refusal's `detail`.
    pub detail: Option<String>,
    /// The change committed.
    pub change: Option<ChangeView>,
}

/// A committed change.
#[derive(Debug, Clone, Deserialize)]
pub struct ChangeView {
    /// `created`, `replaced`, `patched` or `deleted`.
    pub kind: String,
    /// The attributes a PATCH changed.
    pub attributes: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct EntryList {
    entries: Vec<EntryView>,
}

/// Which entries of the log to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only refusals.
    pub refusals: bool,
    /// Only this resource's entries.
    pub resource: Option<String>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// A path segment, percent-encoded.
fn segment(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

impl AdminClient {
    /// The admin API for `tenant`.
    pub fn new(admin: Admin, tenant: Tenant) -> Self {
        AdminClient { admin, tenant }
    }

    /// The admin API.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// The tenant.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The tenant's SCIM base URL, when the admin API was given a way to build it.
    pub fn scim_url(&self) -> Option<String> {
        self.admin.scim_url(&self.tenant)
    }

    /// The tenant's tokens, oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenView>, Refused> {
        let list: TokenList = self
            .call(Method::GET, "/tokens", None, StatusCode::OK)
            .await?;
        Ok(list.tokens)
    }

    /// Mints a token labelled `label`, expiring after `expires_in_days` if given.
    pub async fn mint(&self, label: &str, expires_in_days: Option<u32>) -> Result<Minted, Refused> {
        let mut body = json!({ "label": label });
        if let (Some(days), Some(object)) = (expires_in_days, body.as_object_mut()) {
            object.insert("expiresInDays".to_owned(), json!(days));
        }
        self.call(Method::POST, "/tokens", Some(body), StatusCode::CREATED)
            .await
    }

    /// A new secret for token `id`; the old one is refused from now on.
    pub async fn rotate(&self, id: &str) -> Result<Minted, Refused> {
        let path = format!("/tokens/{}/rotate", segment(id));
        self.call(Method::POST, &path, None, StatusCode::OK).await
    }

    /// Revokes token `id`.
    pub async fn revoke(&self, id: &str) -> Result<(), Refused> {
        let path = format!("/tokens/{}", segment(id));
        self.send(Method::DELETE, &path, None, StatusCode::NO_CONTENT)
            .await
            .map(|_| ())
    }

    /// The log's entries passing `filter`, newest first.
    pub async fn activity(&self, filter: &LogFilter) -> Result<Vec<EntryView>, Refused> {
        let mut query = form_query(filter);
        if !query.is_empty() {
            query.insert(0, '?');
        }
        let list: EntryList = self
            .call(
                Method::GET,
                &format!("/activity{query}"),
                None,
                StatusCode::OK,
            )
            .await?;
        Ok(list.entries)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Result<T, Refused> {
        let bytes = self.send(method, path, body, expected).await?;
        serde_json::from_slice(&bytes).map_err(|error| Refused {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: format!("the admin API answered JSON the page cannot read: {error}"),
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Result<Bytes, Refused> {
        let uri = format!("/tenants/{}{path}", segment(self.tenant.as_str()));
        let body = body.map_or_else(Bytes::new, |body| Bytes::from(body.to_string()));
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .map_err(|error| Refused {
                status: StatusCode::BAD_REQUEST,
                detail: format!("the request could not be built: {error}"),
            })?;
        let response = self.admin.handle(request).await;
        if response.status() == expected {
            return Ok(response.into_body());
        }
        let status = response.status();
        let detail = serde_json::from_slice::<Value>(response.body())
            .ok()
            .and_then(|problem| problem.get("detail")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("the admin API answered {status}"));
        Err(Refused { status, detail })
    }
}

/// The admin API's query string for `filter` (without `?`).
fn form_query(filter: &LogFilter) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if filter.refusals {
        query.append_pair("refusals", "true");
    }
    if let Some(resource) = filter.resource.as_deref() {
        query.append_pair("resource", resource);
    }
    if let Some(limit) = filter.limit {
        query.append_pair("limit", &limit.to_string());
    }
    query.finish()
}
