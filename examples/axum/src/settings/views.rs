//! The settings page's HTML: askama templates (`templates/`, every value HTML-escaped) and the
//! rows they show.

use askama::Template;
use chrono::{DateTime, Utc};

use super::client::{EntryView, LogFilter, TokenView};

/// The sign-in form.
#[derive(Debug, Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// The settings page: the SCIM base URL, the tokens, the activity log.
#[derive(Debug, Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    /// The tenant shown.
    pub tenant: String,
    /// The SCIM base URL (Tenant URL / Base URL in the identity provider).
    pub scim_url: String,
    /// The session's anti-forgery value, sent back by every form.
    pub csrf: String,
    /// The tenant's tokens.
    pub tokens: Vec<TokenRow>,
    /// The log's rows, newest first.
    pub entries: Vec<EntryRow>,
    /// The filter the rows pass.
    pub filter: FilterForm,
    /// What went wrong with the last action, or reading tokens or the log.
    pub error: Option<String>,
    /// What the last action did.
    pub notice: Option<String>,
}

/// The page showing a minted or rotated token's secret, once.
#[derive(Debug, Template)]
#[template(path = "secret.html")]
pub struct SecretPage {
    /// The SCIM base URL.
    pub scim_url: String,
    /// The token's label.
    pub label: String,
    /// The secret.
    pub secret: String,
    /// Whether it replaces an earlier secret of the same token.
    pub rotated: bool,
    /// When it expires (shown), if it does.
    pub expires: Option<String>,
}

/// A token's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Its id (the rotate and revoke forms' target).
    pub id: String,
    /// Its label.
    pub label: String,
    /// When minted.
    pub created: String,
    /// When it expires, or `never`.
    pub expires: String,
    /// When last accepted, or `never`.
    pub last_used: String,
}

/// An activity entry's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    /// When answered.
    pub time: String,
    /// The identity provider's `User-Agent`, or `—`.
    pub identity_provider: String,
    /// Whether the caller was authenticated.
    pub authenticated: bool,
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// `User`, `Group`…, or empty.
    pub resource_type: String,
    /// The resource's id, or empty.
    pub resource_id: String,
    /// The status.
    pub status: u16,
    /// Whether the request was refused.
    pub refused: bool,
    /// `scimType: detail` of a refusal, or empty.
    pub error: String,
    /// The change made (`patched: active, name.givenName`), or empty.
    pub change: String,
}

/// The log filter's form, as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterForm {
    /// "Refusals only" is ticked.
    pub refusals: bool,
    /// The resource id typed, or empty.
    pub resource: String,
    /// The most rows.
    pub limit: usize,
}

/// The rows shown when the form gives no limit.
pub const DEFAULT_ROWS: usize = 100;

impl FilterForm {
    /// The admin API's filter for this form.
    pub fn to_filter(&self) -> LogFilter {
        let resource = self.resource.trim();
        LogFilter {
            refusals: self.refusals,
            resource: (!resource.is_empty()).then(|| resource.to_owned()),
            limit: Some(self.limit),
        }
    }

    /// Whether any filter is set (the page then offers to clear it).
    pub fn is_filtered(&self) -> bool {
        self.refusals || !self.resource.trim().is_empty()
    }
}

/// An RFC 3339 time as `2026-12-06 01:23:45 UTC`, or the text as given when it is not one.
pub fn when(time: &str) -> String {
    DateTime::parse_from_rfc3339(time).map_or_else(
        |_| time.to_owned(),
        |time| {
            time.with_timezone(&Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        },
    )
}

impl From<TokenView> for TokenRow {
    fn from(token: TokenView) -> Self {
        TokenRow {
            id: token.id,
            label: token.label,
            created: when(&token.created),
            expires: token
                .expires
                .as_deref()
                .map_or_else(|| "never".to_owned(), when),
            last_used: token
                .last_used
                .as_deref()
                .map_or_else(|| "never".to_owned(), when),
        }
    }
}

impl From<EntryView> for EntryRow {
    fn from(entry: EntryView) -> Self {
        let error = match (entry.scim_type, entry.detail) {
            (Some(kind), Some(detail)) => format!("{kind}: {detail}"),
            (Some(text), None) | (None, Some(text)) => text,
            (None, None) => String::new(),
        };
        let change = entry.change.map_or_else(String::new, |change| {
            match change.attributes.filter(|names| !names.is_empty()) {
                Some(names) => format!("{}: {}", change.kind, names.join(", ")),
                None => change.kind,
            }
        });
        let path = match entry.bulk_id {
            Some(bulk_id) => format!("{} (bulkId {bulk_id})", entry.path),
            None => entry.path,
        };
        EntryRow {
            time: when(&entry.time),
            identity_provider: entry
                .identity_provider
                .filter(|agent| !agent.is_empty())
                .unwrap_or_else(|| "—".to_owned()),
            authenticated: entry.authenticated,
            method: entry.method,
            path,
            resource_type: entry.resource_type.unwrap_or_default(),
            resource_id: entry.resource_id.unwrap_or_default(),
            status: entry.status,
            refused: entry.status >= 400,
            error,
            change,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let page = SettingsPage {
            tenant: "default".to_owned(),
            scim_url: "http://127.0.0.1/scim/v2".to_owned(),
            csrf: "c".to_owned(),
            tokens: vec![],
            entries: vec![EntryRow {
                time: when("2026-12-06T01:02:03.456Z"),
                identity_provider: "<script>alert(1)</script>".to_owned(),
                authenticated: false,
                method: "GET".to_owned(),
                path: "/Users?filter=\"><img src=x>".to_owned(),
                resource_type: String::new(),
                resource_id: "a\"b".to_owned(),
                status: 401,
                refused: true,
                error: String::new(),
                change: String::new(),
            }],
            filter: FilterForm::default(),
            error: None,
            notice: None,
        };
        let html = page.render().unwrap_or_default();
        assert!(html.contains("2026-12-06 01:02:03 UTC"), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{html}"
        );
        assert!(html.contains("a&#34;b"), "{html}");
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img src=x>"));
    }
}
