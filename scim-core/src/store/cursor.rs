//! Cursor pagination (RFC 9865) for stores and the engine: opaque, tamper-evident cursors bound
//! to the tenant, the resource type and the query, and keyset paging that stays stable while
//! resources are created or deleted between pages.
//!
//! A cursor names the last resource of the previous page by its sort key and id, so the next
//! page is "everything after it in (sort key, id) order": a resource created meanwhile appears
//! once if it sorts after the cursor and not at all otherwise; none is skipped or repeated. The
//! cursor is `base64url(payload).base64url(tag)`, the tag an HMAC-SHA-256 (truncated to 128
//! bits) under a key only the issuer holds, over the payload and the scope (tenant, resource
//! type, filter, sort). Altered, foreign or malformed cursors are `invalidCursor`; cursors older
//! than the timeout are `expiredCursor`.
//!
//! This module pages lists it is given; it does not fetch or filter them.

use std::cmp::Ordering;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use hmac::{Hmac, Mac};
use scimkit_filter::Filter;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::ResourceType;
use crate::sort::{SortKey, SortOrder, SortSpec};

/// Bytes of the HMAC tag kept in a cursor.
const TAG_LEN: usize = 16;

/// Seals and opens cursors. Each issuer (a store, the engine) holds a key: a random one
/// ([`CursorCodec::new`]) opens only the cursors of its own process; several processes serving
/// one database share cursors by sharing a key ([`CursorCodec::with_key`]).
#[derive(Clone)]
pub struct CursorCodec {
    key: [u8; 32],
    timeout: Duration,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CursorCodec")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What a cursor is bound to: the tenant, the resource type and the query.
#[derive(Debug, Clone, Copy)]
pub struct CursorScope<'a> {
    /// The tenant's id.
    pub tenant: &'a str,
    /// The resource type's name.
    pub resource_type: &'a str,
    /// The query's filter.
    pub filter: Option<&'a Filter>,
    /// The query's sort.
    pub sort: Option<&'a SortSpec>,
}

impl CursorScope<'_> {
    fn fingerprint(&self) -> String {
        format!(
            "{}\u{0}{}\u{0}{}\u{0}{}",
            self.tenant,
            self.resource_type,
            self.filter.map(ToString::to_string).unwrap_or_default(),
            self.sort
                .map(|s| format!("{} {}", s.by, s.order.as_str()))
                .unwrap_or_default(),
        )
    }
}

/// Where a cursor points: after the resource with this sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPosition {
    /// The sort key of the last resource of the previous page (missing without a sort).
    pub key: SortKey,
    /// Its id.
    pub id: String,
}

/// One page of a keyset-paged list.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage {
    /// The page's resources.
    pub resources: Vec<Resource>,
    /// How many resources the list holds in all.
    pub total: usize,
    /// The cursor of the next page, `None` on the last.
    pub next_cursor: Option<String>,
}

impl CursorCodec {
    /// A codec with a fresh random key; cursors expire after `timeout`.
    pub fn new(timeout: Duration) -> Result<Self, ScimError> {
        let mut key = [0_u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| ScimError::Internal(format!("no randomness for the cursor key: {e}")))?;
        Ok(CursorCodec { key, timeout })
    }

    /// A codec with a given key (for several processes sharing cursors).
    pub fn with_key(key: [u8; 32], timeout: Duration) -> Self {
        CursorCodec { key, timeout }
    }

    /// How long a cursor stays valid (`cursorTimeout` of `/ServiceProviderConfig`).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The MAC over the scope and `payload` (HMAC accepts any key length, so this never
    /// fails in practice; an error is reported rather than assumed away).
    fn mac(&self, scope: &CursorScope<'_>, payload: &[u8]) -> Result<Hmac<Sha256>, ScimError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .map_err(|_| ScimError::Internal("the cursor key was refused".to_owned()))?;
        mac.update(scope.fingerprint().as_bytes());
        mac.update(&[0]);
        mac.update(payload);
        Ok(mac)
    }

    /// The cursor of the page after the resource with sort key `key` and id `id` (the last one
    /// a page returned), bound to `scope`. A store paging in SQL seals the last row's position
    /// with it.
    pub fn seal(
        &self,
        scope: &CursorScope<'_>,
        key: &SortKey,
        id: &str,
    ) -> Result<String, ScimError> {
        let payload = json!({"k": key.to_json(), "i": id, "t": Utc::now().timestamp()}).to_string();
        let tag = self.mac(scope, payload.as_bytes())?.finalize().into_bytes();
        let tag = tag.get(..TAG_LEN).unwrap_or(&[]);
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload.as_bytes()),
            URL_SAFE_NO_PAD.encode(tag)
        ))
    }

    /// The position a cursor names: checked for this issuer's MAC over `scope` (else
    /// `invalidCursor`) and for its age (else `expiredCursor`), without any I/O, so a store
    /// refuses a forged or stale cursor before it runs a query.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scimkit_core::store::{CursorCodec, CursorScope};
    /// use scimkit_core::SortKey;
    ///
    /// let codec = CursorCodec::with_key([7; 32], Duration::from_secs(600));
    /// let scope = CursorScope { tenant: "acme", resource_type: "User", filter: None, sort: None };
    /// let missing = SortKey::from_json(&serde_json::Value::Null).unwrap();
    /// let cursor = codec.seal(&scope, &missing, "u41")?;
    /// assert_eq!(codec.position(&scope, &cursor)?.id, "u41");
    ///
    /// let other_tenant = CursorScope { tenant: "globex", ..scope };
    /// assert!(codec.position(&other_tenant, &cursor).is_err());
    /// // Another process with the same key opens it.
    /// let twin = CursorCodec::with_key([7; 32], Duration::from_secs(600));
    /// assert_eq!(twin.position(&scope, &cursor)?.id, "u41");
    /// # Ok::<(), scimkit_core::ScimError>(())
    /// ```
    pub fn position(
        &self,
        scope: &CursorScope<'_>,
        cursor: &str,
    ) -> Result<CursorPosition, ScimError> {
        let (key, id) = self.open(scope, cursor)?;
        Ok(CursorPosition { key, id })
    }

    /// The position a cursor names, checked against `scope`.
    fn open(&self, scope: &CursorScope<'_>, cursor: &str) -> Result<(SortKey, String), ScimError> {
        let invalid = || {
            ScimError::InvalidCursor(
                "the cursor is not one this server issued for this query; start again without a cursor"
                    .to_owned(),
            )
        };
        let (payload, tag) = cursor.trim().split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        if tag.len() != TAG_LEN {
            return Err(invalid());
        }
        self.mac(scope, &payload)?
            .verify_truncated_left(&tag)
            .map_err(|_| invalid())?;
        let value: Value = serde_json::from_slice(&payload).map_err(|_| invalid())?;
        let issued = value.get("t").and_then(Value::as_i64).ok_or_else(invalid)?;
        let age = Utc::now().timestamp().saturating_sub(issued);
        let timeout = i64::try_from(self.timeout.as_secs()).unwrap_or(i64::MAX);
        if self.timeout.is_zero() || age > timeout {
            return Err(ScimError::ExpiredCursor(format!(
                "the cursor expired (cursors are valid for {} seconds); start again without a cursor",
                self.timeout.as_secs()
            )));
        }
        let key = value
            .get("k")
            .and_then(SortKey::from_json)
            .ok_or_else(invalid)?;
        let id = value.get("i").and_then(Value::as_str).ok_or_else(invalid)?;
        Ok((key, id.to_owned()))
    }

    /// Pages `resources` (every match of the query, in any order) by keyset: sorts them by
    /// `sort` (missing values last ascending, first descending), then by id, and returns the
    /// `count` after `cursor` (`None` for the first page) with the cursor of the next page.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scimkit_core::schema::ResourceType;
    /// use scimkit_core::store::{CursorCodec, CursorScope};
    /// use scimkit_core::Resource;
    /// use serde_json::json;
    ///
    /// let users = ResourceType::user();
    /// let all: Vec<Resource> = (0..5)
    ///     .map(|n| Resource::from_json(json!({"id": format!("u{n}"), "userName": format!("user{n}")})).unwrap())
    ///     .collect();
    /// let codec = CursorCodec::new(Duration::from_secs(600))?;
    /// let scope = CursorScope { tenant: "acme", resource_type: "User", filter: None, sort: None };
    /// let first = codec.page(&users, &scope, all.clone(), None, 2)?;
    /// assert_eq!((first.resources.len(), first.total), (2, 5));
    /// let second = codec.page(&users, &scope, all, first.next_cursor.as_deref(), 2)?;
    /// assert_eq!(second.resources[0].id.as_deref(), Some("u2"));
    /// # Ok::<(), scimkit_core::ScimError>(())
    /// ```
    pub fn page(
        &self,
        rt: &ResourceType,
        scope: &CursorScope<'_>,
        resources: Vec<Resource>,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<CursorPage, ScimError> {
        let after = cursor.map(|c| self.open(scope, c)).transpose()?;
        let total = resources.len();
        let order = scope.sort.map_or(SortOrder::Ascending, |s| s.order);
        let missing = || SortKey::from_json(&Value::Null);
        let mut keyed: Vec<(SortKey, Resource)> = resources
            .into_iter()
            .filter_map(|r| {
                let key = match scope.sort {
                    Some(spec) => spec.key(rt, &r),
                    None => missing()?,
                };
                Some((key, r))
            })
            .collect();
        let compare = |a: (&SortKey, &str), b: (&SortKey, &str)| -> Ordering {
            let by_key = match scope.sort {
                Some(spec) => spec.compare(a.0, b.0),
                None => Ordering::Equal,
            };
            let by_id = match order {
                SortOrder::Ascending => a.1.cmp(b.1),
                SortOrder::Descending => b.1.cmp(a.1),
            };
            by_key.then(by_id)
        };
        keyed.sort_by(|a, b| {
            compare(
                (&a.0, a.1.id.as_deref().unwrap_or("")),
                (&b.0, b.1.id.as_deref().unwrap_or("")),
            )
        });
        let start = match &after {
            None => 0,
            Some((key, id)) => keyed.partition_point(|(k, r)| {
                compare((k, r.id.as_deref().unwrap_or("")), (key, id)) != Ordering::Greater
            }),
        };
        let rest = keyed.len().saturating_sub(start);
        let page: Vec<(SortKey, Resource)> = keyed.into_iter().skip(start).take(count).collect();
        let next_cursor = match page.last() {
            Some((key, last)) if rest > page.len() => {
                Some(self.seal(scope, key, last.id.as_deref().unwrap_or(""))?)
            }
            _ => None,
        };
        Ok(CursorPage {
            resources: page.into_iter().map(|(_, r)| r).collect(),
            total,
            next_cursor,
        })
    }
}
