//! The key every instance seals and opens list cursors with, drawn once and kept in
//! `scim_settings`, so a cursor from one instance continues on another and after a restart.

use crate::db::Db;
use crate::error::Error;
use crate::settings;

/// The `scim_settings` key holding the cursor key (64 hex digits).
const NAME: &str = "cursor_key";

/// The database's cursor key: drawn from the operating system's random number generator by
/// the first instance that asks, stored in `scim_settings`, and the same for every instance
/// after (two instances asking at once get the same key). Give it to
/// [`ScimBuilder::cursor_key`](scimkit_core::ScimBuilder::cursor_key) and to the store. Needs [`crate::migrations::run`] first.
///
/// Anyone who can read `scim_settings` can forge cursors (not tokens: a cursor only resumes a
/// listing its bearer may already read); keep the table as private as the rest.
pub async fn shared_cursor_key(db: &Db) -> Result<[u8; 32], Error> {
    let mut fresh = [0_u8; 32];
    getrandom::fill(&mut fresh).map_err(|error| {
        Error::Token(scimkit_core::auth::TokenError::Random {
            reason: error.to_string(),
        })
    })?;
    let stored = settings::insert_if_absent(db, NAME, &hex(&fresh)).await?;
    parse_hex(&stored).ok_or_else(|| Error::Corrupt {
        table: "scim_settings",
        detail: "cursor_key is not 64 hexadecimal digits".to_owned(),
    })
}

/// `bytes` as lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// 32 bytes from 64 hexadecimal digits.
fn parse_hex(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0_u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{hex, parse_hex};

    #[test]
    fn hex_round_trips() {
        let key: [u8; 32] = std::array::from_fn(|i| u8::try_from(i * 7 % 256).unwrap_or(0));
        assert_eq!(parse_hex(&hex(&key)), Some(key));
        assert_eq!(parse_hex("zz"), None);
        assert_eq!(parse_hex(&"g".repeat(64)), None);
        assert_eq!(parse_hex(&"é".repeat(32)), None);
    }
}
