//! Opaque cursors for RFC 9865 cursor pagination: the offset of the next page, bound to the
//! tenant and resource type it was issued for.
//!
//! A cursor is base64url (no padding) of `<offset>.<check>`, where `check` is the first 8 bytes
//! (hex) of SHA-256 over the tenant id and the resource type name. A cursor issued for another
//! tenant or resource type, or one that does not decode, is `invalidCursor`. Positions are
//! offsets into the current result order, so resources created or deleted between two pages can
//! shift what the next page starts with (a resource may be skipped or seen twice); this store
//! keeps no snapshots.

use std::fmt::Write as _;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::error::ScimError;
use crate::store::StoreError;

/// The check that binds a cursor to `scope` (tenant and resource type).
fn check(scope: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in scope {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    digest.iter().take(8).fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The cursor of the page starting at `offset`.
pub(super) fn encode(offset: usize, scope: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}.{}", check(scope)))
}

/// The offset a cursor names.
pub(super) fn decode(cursor: &str, scope: &[&str]) -> Result<usize, StoreError> {
    let invalid = |detail: &str| StoreError::Rejected(ScimError::InvalidCursor(detail.to_owned()));
    let malformed = "the cursor is not one this server issued; start again without a cursor";
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| invalid(malformed))?;
    let text = String::from_utf8(bytes).map_err(|_| invalid(malformed))?;
    let (offset, sum) = text.split_once('.').ok_or_else(|| invalid(malformed))?;
    let offset: usize = offset.parse().map_err(|_| invalid(malformed))?;
    if sum != check(scope) {
        return Err(invalid(
            "the cursor was issued for another resource type or tenant; start again without a cursor",
        ));
    }
    Ok(offset)
}
